"""Regenerate tests/data/random_reference.json with *real* JAX (the oracle).

Run with an interpreter that has jax installed, e.g.

    /tmp/jaxenv/bin/python tests/data/make_random_reference.py

This script imports jax and must never be imported by the test-suite; the tests
(tests/test_random.py) only read the JSON it writes.  It records the public
``jax.random`` API on top of what tests/data/prng_reference.json already holds
for the kernels: typed-key reprs, the distributions composed over bits /
uniform / normal, gradients, and ``vmap`` over keys.  Floats are stored as
their IEEE bit patterns so comparisons can be exact (or counted in ulps).
All of it with the default flags (``jax_threefry_partitionable=True``,
x64 off) unless an entry says ``"x64": true`` or ``"partitionable": false``.
"""
import json
import os

import numpy as np
import jax
import jax.numpy as jnp
from jax import random

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "random_reference.json")


def enc(x):
  x = np.asarray(x)
  if x.dtype.kind in "fc":
    if x.dtype.kind == "c":
      re, im = enc(x.real), enc(x.imag)
      return {"dtype": str(x.dtype), "shape": list(x.shape),
              "re": re["bits"], "im": im["bits"]}
    u = {2: np.uint16, 4: np.uint32, 8: np.uint64}[x.dtype.itemsize]
    return {"dtype": str(x.dtype), "shape": list(x.shape),
            "bits": x.view(u).ravel().tolist()}
  return {"dtype": str(x.dtype), "shape": list(x.shape),
          "values": x.astype(np.int64 if x.dtype != np.uint64 else np.uint64)
          .ravel().tolist()}


def x64(fn):
  jax.config.update("jax_enable_x64", True)
  try:
    return fn()
  finally:
    jax.config.update("jax_enable_x64", False)


def main():
  jax.config.update("jax_enable_x64", False)
  k = random.key(0)
  k42 = random.key(42)
  ref = {"jax_version": jax.__version__}

  # --- reprs ---------------------------------------------------------------
  ref["repr"] = {
      "key0": repr(k),
      "split3": repr(random.split(k, 3)),
      "split23": repr(random.split(k, (2, 3))),
      "split0": repr(random.split(k, 0)),
      "prngkey0": repr(random.PRNGKey(0)),
      "key_data3": repr(random.key_data(random.split(k, 3))),
      "str_key0": str(k),
      "dtype": str(k.dtype),
  }

  # --- the tutorial sequence, continued -----------------------------------
  key = random.key(0)
  key, w_key, b_key = random.split(key, 3)
  key, sk1, sk2 = random.split(key, 3)
  ref["tutorial"] = {
      "W": enc(random.normal(w_key, (3,))),
      "b": enc(random.normal(b_key, ())),
      "key": enc(random.key_data(key)),
      "X": enc(random.normal(sk1, (30, 40))),
      "y_key": enc(random.key_data(sk2)),
  }

  # --- samplers: one entry per call ---------------------------------------
  cases = []

  def add(name, fn, *, use_x64=False, **meta):
    out = x64(fn) if use_x64 else fn()
    cases.append({"name": name, "x64": use_x64, **meta, "out": enc(out)})

  add("uniform", lambda: random.uniform(k, (5,), minval=jnp.array([0., 1, 2, 3, 4]),
                                        maxval=7.5), args="vector minval")
  add("normal_c64", lambda: random.normal(k, (6,), jnp.complex64))
  add("normal_c128", lambda: random.normal(k, (4,), jnp.complex128), use_x64=True)
  add("normal_f64", lambda: random.normal(k42, (5,), jnp.float64), use_x64=True)
  add("exponential", lambda: random.exponential(k, (200,)))
  add("exponential_f64", lambda: random.exponential(k, (50,), jnp.float64),
      use_x64=True)
  add("laplace", lambda: random.laplace(k, (200,)))
  add("logistic", lambda: random.logistic(k, (200,)))
  add("cauchy", lambda: random.cauchy(k, (200,)))
  add("gumbel", lambda: random.gumbel(k, (200,)))
  add("gumbel_high", lambda: random.gumbel(k, (50,), mode="high"))
  add("gumbel_highest", lambda: random.gumbel(k, (50,), mode="highest"))
  add("rademacher", lambda: random.rademacher(k, (40,)))
  add("rademacher_f32", lambda: random.rademacher(k, (10,), jnp.float32))
  add("truncated_normal", lambda: random.truncated_normal(k, -1.5, 2.0, (200,)))
  add("truncated_normal_vec", lambda: random.truncated_normal(
      k, jnp.array([-3., 0., 1.]), jnp.array([3., 0.5, 4.]), (2, 3)))
  add("bernoulli_vec", lambda: random.bernoulli(k, jnp.array([0.1, 0.5, 0.9]), (4, 3)))
  add("categorical", lambda: random.categorical(
      k, jnp.log(jnp.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])), axis=-1,
      shape=(5, 2)))
  add("categorical_axis0", lambda: random.categorical(
      k, jnp.log(jnp.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])), axis=0))
  add("categorical_noreplace", lambda: random.categorical(
      k, jnp.linspace(-1., 1., 6), shape=(4,), replace=False))
  add("categorical_noreplace_batch", lambda: random.categorical(
      k, jnp.reshape(jnp.linspace(-1., 1., 12), (2, 6)), shape=(3, 2),
      replace=False))
  add("choice_int", lambda: random.choice(k, 10, (6,)))
  add("choice_arr", lambda: random.choice(k, jnp.arange(20.).reshape(5, 4), (3,), axis=1))
  add("choice_noreplace", lambda: random.choice(k, 10, (6,), replace=False))
  add("choice_noreplace_arr", lambda: random.choice(
      k, jnp.arange(20.).reshape(5, 4), (2,), replace=False, axis=0))
  add("choice_p", lambda: random.choice(k, 5, (8,), p=jnp.array([.1, .2, .3, .15, .25])))
  add("choice_p_noreplace", lambda: random.choice(
      k, 5, (3,), replace=False, p=jnp.array([.1, .2, .3, .15, .25])))
  add("permutation_int", lambda: random.permutation(k, 10))
  add("permutation_arr", lambda: random.permutation(k, jnp.arange(12).reshape(4, 3)))
  add("permutation_axis1", lambda: random.permutation(
      k, jnp.arange(12).reshape(4, 3), axis=1))
  add("permutation_indep", lambda: random.permutation(
      k, jnp.arange(12).reshape(4, 3), axis=1, independent=True))
  add("gamma", lambda: random.gamma(k, jnp.array([0.1, 0.5, 1.0, 2.5, 7.0, 30.0])))
  add("gamma_shape", lambda: random.gamma(k, 0.7, (40,)))
  add("gamma_big", lambda: random.gamma(k, 3.0, (200,)))
  add("gamma_f64", lambda: random.gamma(k, jnp.array([0.3, 1.0, 4.0]), dtype=jnp.float64),
      use_x64=True)
  add("loggamma", lambda: random.loggamma(k, jnp.array([0.01, 0.5, 2.5, 7.0])))
  add("beta", lambda: random.beta(k, 2.0, 3.0, (20,)))
  add("beta_vec", lambda: random.beta(k, jnp.array([0.5, 1., 4.]), 0.3))
  add("dirichlet", lambda: random.dirichlet(k, jnp.array([0.5, 1., 2., 4.]), (3,)))
  add("chisquare", lambda: random.chisquare(k, 3.0, (20,)))
  add("t", lambda: random.t(k, 4.0, (20,)))
  add("f", lambda: random.f(k, 3.0, 5.0, (10,)))
  add("pareto", lambda: random.pareto(k, 3.0, (20,)))
  add("poisson", lambda: random.poisson(k, 3.5, (50,)))
  add("poisson_vec", lambda: random.poisson(k, jnp.array([0., 0.5, 4., 9.9, 12., 100.])))
  add("mvn_cholesky", lambda: random.multivariate_normal(
      k, jnp.array([1., -1.]), jnp.array([[2., 0.5], [0.5, 1.]]), (4,)))
  add("mvn_eigh", lambda: random.multivariate_normal(
      k, jnp.array([1., -1.]), jnp.array([[2., 0.5], [0.5, 1.]]), (4,), method="eigh"))
  add("mvn_svd", lambda: random.multivariate_normal(
      k, jnp.array([1., -1.]), jnp.array([[2., 0.5], [0.5, 1.]]), (4,), method="svd"))
  add("orthogonal", lambda: random.orthogonal(k, 3))
  add("orthogonal_rect", lambda: random.orthogonal(k, 2, (2,), m=4))
  add("maxwell", lambda: random.maxwell(k, (10,)))
  add("lognormal", lambda: random.lognormal(k, 0.5, (10,)))
  add("rayleigh", lambda: random.rayleigh(k, 2.0, (10,)))
  add("weibull_min", lambda: random.weibull_min(k, 2.0, 1.5, (10,)))
  add("geometric", lambda: random.geometric(k, 0.3, (10,)))
  add("triangular", lambda: random.triangular(k, 0.0, 0.3, 1.0, (10,)))
  add("wald", lambda: random.wald(k, 1.5, (10,)))
  add("double_sided_maxwell", lambda: random.double_sided_maxwell(k, 1.0, 2.0, (5,)))
  add("generalized_normal", lambda: random.generalized_normal(k, 1.5, (10,)))
  add("ball", lambda: random.ball(k, 3, 2, (4,)))
  add("bits_u8", lambda: random.bits(k, (7,), jnp.uint8))
  add("randint_vec", lambda: random.randint(k, (2, 3), jnp.array([0, 10, -5]), 20))
  add("fold_in_split", lambda: random.key_data(random.split(random.fold_in(k, 7), 4)))
  cases_orig = []
  jax.config.update("jax_threefry_partitionable", False)
  try:
    for name, fn in [
        ("exponential", lambda: random.exponential(k, (20,))),
        ("gamma", lambda: random.gamma(k, jnp.array([0.5, 2.5, 7.0]))),
        ("permutation_int", lambda: random.permutation(k, 10)),
        ("categorical", lambda: random.categorical(k, jnp.zeros((4, 5)))),
        ("choice_int", lambda: random.choice(k, 10, (6,))),
        ("tutorial_X", lambda: random.normal(random.split(random.split(k, 3)[0], 3)[1],
                                              (30, 40))),
    ]:
      cases_orig.append({"name": name, "x64": False, "out": enc(fn())})
  finally:
    jax.config.update("jax_threefry_partitionable", True)
  ref["cases"] = cases
  ref["cases_original"] = cases_orig

  # --- gradients -----------------------------------------------------------
  grads = {}
  grads["uniform_minmax"] = [enc(g) for g in jax.grad(
      lambda lo, hi: jnp.sum(random.uniform(k, (5,), minval=lo, maxval=hi) ** 2),
      argnums=(0, 1))(-1.5, 2.0)]
  grads["normal_scale"] = enc(jax.grad(
      lambda s: jnp.sum(jnp.sin(s * random.normal(k, (5,)))))(0.7))
  grads["gamma_alpha"] = enc(jax.grad(
      lambda a: jnp.sum(random.gamma(k, a)))(jnp.array([0.3, 1.0, 2.5, 8.0])))
  grads["loggamma_alpha"] = enc(jax.grad(
      lambda a: jnp.sum(random.loggamma(k, a)))(jnp.array([0.3, 1.0, 2.5, 8.0])))
  grads["beta_a"] = enc(jax.grad(
      lambda a: jnp.sum(random.beta(k, a, 2.0, (3,))))(1.5))
  grads["truncated_normal_bounds"] = [enc(g) for g in jax.grad(
      lambda lo, hi: jnp.sum(random.truncated_normal(k, lo, hi, (4,))),
      argnums=(0, 1))(-1.0, 2.0)]
  ref["grads"] = grads

  # --- vmap over keys ------------------------------------------------------
  keys = random.split(random.key(5), 3)
  ref["vmap"] = {
      "keys": enc(random.key_data(keys)),
      "gamma": enc(jax.vmap(lambda kk, a: random.gamma(kk, a, (2,)))(
          keys, jnp.array([0.5, 2.0, 5.0]))),
      "uniform_bounds": enc(jax.vmap(lambda kk, lo: random.uniform(kk, (2,), minval=lo))(
          keys, jnp.array([-1., 0., 0.5]))),
      "permutation": enc(jax.vmap(lambda kk: random.permutation(kk, 6))(keys)),
      "poisson": enc(jax.vmap(lambda kk: random.poisson(kk, 2.0, (3,)))(keys)),
  }

  with open(OUT, "w") as f:
    json.dump(ref, f, separators=(",", ":"))
    f.write("\n")
  print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
  main()
