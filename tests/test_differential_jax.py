"""Differential tests: random programs run under numjax and real JAX must agree.

Hypothesis builds a random composition of jnp operations over random shapes, wraps it in a
random stack of transformations (grad, jvp, vjp, vmap, jit, custom_jvp), and runs the same
program with both libraries in float32 and float64. Skipped where JAX is not installed (it is a
test-only dependency: `pip install -e '.[test]'` brings it).
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

jax_real = pytest.importorskip("jax")
import jax.numpy as jnp_real  # noqa: E402

import numjax  # noqa: E402
import numjax.numpy as jnp_nj  # noqa: E402

LIBS = {"numjax": (numjax, jnp_nj), "jax": (jax_real, jnp_real)}

# Unary ops keep shapes; their domains are made safe inside the op.
UNARY = {
    "sin": lambda np_, x: np_.sin(x),
    "cos": lambda np_, x: np_.cos(x),
    "tanh": lambda np_, x: np_.tanh(x),
    "exp_tanh": lambda np_, x: np_.exp(np_.tanh(x)),
    "log1p_sq": lambda np_, x: np_.log1p(x * x),
    "sqrt_sq1": lambda np_, x: np_.sqrt(x * x + 1.0),
    "square": lambda np_, x: x ** 2,
    "cube": lambda np_, x: x * x * x,
    "neg_abs": lambda np_, x: -np_.abs(x) + 0.5 * x,
    "sigmoid": lambda np_, x: 1.0 / (1.0 + np_.exp(-x)),
    "relu_ish": lambda np_, x: np_.maximum(x, 0.1 * x),
    "where": lambda np_, x: np_.where(x > 0, x * 2.0, np_.sin(x)),
    "clip": lambda np_, x: np_.clip(x, -0.5, 0.7) + 0.1 * x,
    "cumsum": lambda np_, x: np_.cumsum(x, axis=-1) * 0.3,
    "flip_add": lambda np_, x: x + 0.5 * np_.flip(x, axis=-1),
    "softmax_like": lambda np_, x: np_.exp(x - np_.max(x, axis=-1, keepdims=True)),
}
BINARY = {
    "add": lambda np_, x, y: x + y,
    "mul": lambda np_, x, y: x * y,
    "sub": lambda np_, x, y: x - 0.5 * y,
    "div": lambda np_, x, y: x / (1.0 + y * y),
    "atan2": lambda np_, x, y: np_.arctan2(x, y + 2.0),
    "outer_sum": lambda np_, x, y: x * np_.sum(y, axis=-1, keepdims=True),
    "dot_t": lambda np_, x, y: np_.tanh(x @ np_.swapaxes(y, -1, -2)) @ y,
}
TRANSFORMS = ["none", "grad", "jvp", "vjp", "vmap", "jit", "jit_grad", "vmap_grad", "hessian_diag",
              "custom_jvp", "grad_jit", "vmap_jit", "jvp_jit", "vmap_grad_jit"]


def _program(ops):
  """A scalar function of two (n, m) arrays built from the op list."""
  def f(lib, x, y):
    _, np_ = lib
    a, b = x, y
    for kind, name in ops:
      if kind == "u":
        a = UNARY[name](np_, a)
      else:
        a, b = BINARY[name](np_, a, b), a
    return np_.sum(a * 0.1 + np_.tanh(b))
  return f


def _run(lib, f, transform, x, y):
  jax, np_ = lib
  fun = lambda x, y: f(lib, x, y)
  if transform == "none":
    return fun(x, y)
  if transform == "grad":
    return jax.grad(fun, argnums=(0, 1))(x, y)
  if transform == "jvp":
    return jax.jvp(fun, (x, y), (np_.ones_like(x), 0.5 * np_.ones_like(y)))
  if transform == "vjp":
    out, vjp_fun = jax.vjp(fun, x, y)
    return out, vjp_fun(np_.asarray(1.5, dtype=out.dtype))
  if transform == "vmap":
    return jax.vmap(fun, in_axes=(0, None))(np_.stack([x, 2 * x]), y)
  if transform == "jit":
    return jax.jit(fun)(x, y)
  if transform == "jit_grad":
    return jax.jit(jax.grad(fun))(x, y)
  if transform == "grad_jit":   # the jit rules: derived JVP / split / transpose jaxprs
    return jax.grad(jax.jit(fun), argnums=(0, 1))(x, y)
  if transform == "vmap_jit":
    return jax.vmap(jax.jit(fun), in_axes=(0, None))(np_.stack([x, 2 * x]), y)
  if transform == "jvp_jit":
    return jax.jvp(jax.jit(fun), (x, y), (np_.ones_like(x), 0.5 * np_.ones_like(y)))
  if transform == "vmap_grad_jit":
    return jax.vmap(jax.grad(jax.jit(fun)), in_axes=(0, None))(np_.stack([x, -x]), y)
  if transform == "vmap_grad":
    return jax.vmap(jax.grad(fun), in_axes=(0, None))(np_.stack([x, -x]), y)
  if transform == "hessian_diag":
    return jax.jvp(jax.grad(lambda x: fun(x, y)), (x,), (np_.ones_like(x),))[1]
  if transform == "custom_jvp":
    g = jax.custom_jvp(lambda x: fun(x, y))
    g.defjvp(lambda p, t: (g(p[0]), np_.sum(jax.grad(lambda x: fun(x, y))(p[0]) * t[0])))
    return jax.grad(g)(x)
  raise ValueError(transform)


def _compare(ops, transform, shape, seed, dtype):
  rng = np.random.default_rng(seed)
  xn = (rng.standard_normal(shape) * 0.8).astype(dtype)
  yn = (rng.standard_normal(shape) * 0.8).astype(dtype)
  f = _program(ops)
  results = {}
  for name, lib in LIBS.items():
    out = _run(lib, f, transform, lib[1].asarray(xn), lib[1].asarray(yn))
    results[name] = [np.asarray(l) for l in lib[0].tree_util.tree_leaves(out)]
  tol = dict(rtol=2e-4, atol=2e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-11)
  assert len(results["numjax"]) == len(results["jax"])
  for a, b in zip(results["numjax"], results["jax"]):
    assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, **tol)


_ops = st.lists(st.one_of(st.tuples(st.just("u"), st.sampled_from(sorted(UNARY))),
                          st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)))),
                min_size=1, max_size=5)
_shapes = st.sampled_from([(1, 3), (2, 2), (3, 4), (4, 1)])


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops, transform=st.sampled_from(TRANSFORMS), shape=_shapes,
       seed=st.integers(0, 2 ** 16))
@example(ops=[("b", "dot_t"), ("u", "softmax_like")], transform="vmap_grad", shape=(3, 4), seed=0)
def test_random_programs_float32(ops, transform, shape, seed):
  _compare(ops, transform, shape, seed, np.float32)


@settings(max_examples=20, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(ops=_ops, transform=st.sampled_from(TRANSFORMS), shape=_shapes,
       seed=st.integers(0, 2 ** 16))
def test_random_programs_float64(ops, transform, shape, seed):
  numjax.config.update("jax_enable_x64", True)
  jax_real.config.update("jax_enable_x64", True)
  try:
    _compare(ops, transform, shape, seed, np.float64)
  finally:
    numjax.config.update("jax_enable_x64", False)
    jax_real.config.update("jax_enable_x64", False)
