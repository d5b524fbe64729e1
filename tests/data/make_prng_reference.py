"""Regenerate tests/data/prng_reference.json with *real* JAX (the oracle).

Run with an interpreter that has jax installed, e.g.

    /tmp/jaxenv/bin/python tests/data/make_prng_reference.py

This script imports jax and must never be imported by the test-suite; the
tests only read the JSON it writes.  Floats are stored as their IEEE bit
patterns (uint32 / uint64 integers) so the comparison can be bit-exact.
The XLA CPU backend that produced the reference uses fused multiply-adds
(x86-64 with FMA), which matters for the last bit of ``normal``.
"""
import json
import os

import numpy as np
import jax
import jax.numpy as jnp
from jax import random
from jax.extend.random import threefry_2x32

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "prng_reference.json")

SEEDS = [0, 1, 42, -1, 2**31 + 5]
SPLIT_SHAPES = [2, 3, (2, 2), (3, 1, 2), 5, 0]
FOLD_DATA = [0, 1, 7, 2**31, 2**32 - 1]
BITS_SHAPES = [(), (1,), (3,), (5,), (2, 3), (7, 3)]
FLOAT_SHAPES = [(), (1,), (3,), (7,), (2, 3), (30, 40)]


def kd(key):
  return np.asarray(random.key_data(key)).tolist()


def fbits(x):
  x = np.asarray(x)
  u = {4: np.uint32, 8: np.uint64, 2: np.uint16}[x.dtype.itemsize]
  return {"dtype": str(x.dtype), "shape": list(x.shape),
          "bits": x.view(u).ravel().tolist()}


def ints(x):
  x = np.asarray(x)
  return {"dtype": str(x.dtype), "shape": list(x.shape),
          "values": x.ravel().tolist()}


def with_x64(flag, fn):
  jax.config.update("jax_enable_x64", flag)
  try:
    return fn()
  finally:
    jax.config.update("jax_enable_x64", False)


def mode_reference(partitionable):
  jax.config.update("jax_threefry_partitionable", partitionable)
  ref = {"split": [], "fold_in": [], "bits": [], "uniform": [], "normal": [],
         "randint": [], "bernoulli": [], "batched": {}}
  for seed in SEEDS:
    key = random.key(seed)
    for num in SPLIT_SHAPES:
      ref["split"].append({"seed": seed, "num": num,
                           "keys": kd(random.split(key, num))})
    for data in FOLD_DATA:
      ref["fold_in"].append({"seed": seed, "data": data,
                             "key": kd(random.fold_in(key, data))})
    for bw, dt in [(8, jnp.uint8), (16, jnp.uint16), (32, jnp.uint32),
                   (64, jnp.uint64)]:
      for shape in BITS_SHAPES:
        out = with_x64(bw == 64, lambda: random.bits(key, shape, dt))
        ref["bits"].append({"seed": seed, "bit_width": bw,
                            "shape": list(shape), **ints(out)})
  for seed in [0, 42]:
    key = random.key(seed)
    for shape in FLOAT_SHAPES if seed == 0 else FLOAT_SHAPES[:-1]:
      ref["uniform"].append({"seed": seed, "shape": list(shape),
                             "minval": 0.0, "maxval": 1.0,
                             **fbits(random.uniform(key, shape))})
      ref["normal"].append({"seed": seed, "shape": list(shape),
                            **fbits(random.normal(key, shape))})
    for shape in [(), (7,), (2, 3)]:
      ref["uniform"].append({"seed": seed, "shape": list(shape),
                             "minval": -3.7, "maxval": 5.1,
                             **fbits(random.uniform(key, shape, minval=-3.7,
                                                    maxval=5.1))})
      for dt in [jnp.float64]:
        ref["uniform"].append({"seed": seed, "shape": list(shape),
                               "minval": -3.7, "maxval": 5.1, **with_x64(
                                   True, lambda: fbits(random.uniform(
                                       key, shape, dt, -3.7, 5.1)))})
        ref["uniform"].append({"seed": seed, "shape": list(shape),
                               "minval": 0.0, "maxval": 1.0, **with_x64(
                                   True, lambda: fbits(random.uniform(
                                       key, shape, dt)))})
        ref["normal"].append({"seed": seed, "shape": list(shape), **with_x64(
            True, lambda: fbits(random.normal(key, shape, dt)))})
    ref["uniform"].append({"seed": seed, "shape": [7], "minval": -3.7,
                           "maxval": 5.1, **fbits(random.uniform(
                               key, (7,), jnp.float16, -3.7, 5.1))})
    ref["normal"].append({"seed": seed, "shape": [7],
                          **fbits(random.normal(key, (7,), jnp.float16))})
    for lo, hi, dt in [(0, 10, jnp.int32), (-5, 17, jnp.int32),
                       (-2**31, 2**31 - 1, jnp.int32), (9, 2, jnp.int32),
                       (0, 256, jnp.uint8), (-100, 100, jnp.int8),
                       (0, 1000, jnp.int16)]:
      ref["randint"].append({"seed": seed, "shape": [4, 5], "minval": lo,
                             "maxval": hi,
                             **ints(random.randint(key, (4, 5), lo, hi, dt))})
    ref["randint"].append({"seed": seed, "shape": [6], "minval": -2**40,
                           "maxval": 2**50, **with_x64(True, lambda: ints(
                               random.randint(key, (6,), -2**40, 2**50,
                                              jnp.int64)))})
    ref["randint"].append({"seed": seed, "shape": [6], "minval": 5,
                           "maxval": 2**32 + 10, **with_x64(True, lambda: ints(
                               random.randint(key, (6,), 5, 2**32 + 10,
                                              jnp.uint32)))})
    for p, mode in [(0.3, "low"), (0.3, "high"), (0.75, "low")]:
      ref["bernoulli"].append({
          "seed": seed, "p": p, "mode": mode, "shape": [3, 7],
          **ints(random.bernoulli(key, p, (3, 7), mode=mode))})

  # A (2, 3) batch of keys through vmap.
  kb = random.split(random.key(3), (2, 3))
  vm = lambda f: jax.vmap(jax.vmap(f))(kb)
  ref["batched"] = {
      "keys": kd(kb),
      "split3": kd(vm(lambda k: random.split(k, 3))),
      "fold_in9": kd(vm(lambda k: random.fold_in(k, 9))),
      "bits8": ints(vm(lambda k: random.bits(k, (3, 5), jnp.uint8))),
      "bits32": ints(vm(lambda k: random.bits(k, (3, 5), jnp.uint32))),
      "normal": fbits(vm(lambda k: random.normal(k, (4,)))),
      "randint": ints(vm(lambda k: random.randint(k, (4,), 0, 10))),
  }

  # The seed tutorial's sequence.
  key = random.key(0)
  key, w_key, b_key = random.split(key, 3)
  ref["tutorial"] = {
      "key": kd(key), "W_key": kd(w_key), "b_key": kd(b_key),
      "W": fbits(random.normal(w_key, (3,))),
      "b": fbits(random.normal(b_key, ())),
  }
  jax.config.update("jax_threefry_partitionable", True)
  return ref


def erfinv_reference():
  rng = np.random.default_rng(1234)
  x32 = np.concatenate([
      rng.uniform(-1, 1, 1500),
      1 - 10.0 ** -rng.uniform(0, 7.3, 200),
      -(1 - 10.0 ** -rng.uniform(0, 7.3, 200)),
      rng.uniform(-1e-3, 1e-3, 100),
  ]).astype(np.float32)
  x32 = np.concatenate([x32, np.float32([
      0.0, -0.0, 1.0, -1.0, 0.99999994, -0.99999994, 1e-40, -1e-40,
      1.3e-38, -1.3e-38, 1e-20, 0.4142135, 0.6435942, 0.64359426, 0.5,
      np.nan, 1.5, -2.0, np.inf])])
  x64 = np.concatenate([
      rng.uniform(-1, 1, 600),
      1 - 10.0 ** -rng.uniform(0, 16, 100),
      -(1 - 10.0 ** -rng.uniform(0, 16, 100)),
      np.float64([0.0, 1.0, -1.0, 1e-310, 2.3e-308, 1e-160, 0.6435942529,
                  0.9999999999999999, np.nan])])
  f = jax.jit(jax.lax.erf_inv)
  r32 = f(x32)
  r64 = with_x64(True, lambda: np.asarray(f(x64)))
  return {"f32": {"x": fbits(x32), "y": fbits(r32)},
          "f64": {"x": fbits(x64), "y": fbits(r64)}}


def main():
  jax.config.update("jax_enable_x64", False)
  seeds = {str(s): kd(random.key(s)) for s in
           SEEDS + [2**32 + 7, -2**31, 2**63 - 1, -2**63]}
  seeds_x64 = with_x64(True, lambda: {
      str(s): kd(random.key(s)) for s in
      SEEDS + [2**32 + 7, -2**31, 2**40 + 3, 2**63 - 1, -2**63]})
  kat = []
  for k, c in [((0, 0), (0, 0)),
               ((0xFFFFFFFF, 0xFFFFFFFF), (0xFFFFFFFF, 0xFFFFFFFF)),
               ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3))]:
    out = threefry_2x32((np.uint32(k[0]), np.uint32(k[1])),
                        jnp.array(c, jnp.uint32))
    kat.append({"key": list(k), "count": list(c),
                "out": np.asarray(out).tolist()})
  ref = {
      "jax_version": jax.__version__,
      "threefry2x32_kat": kat,
      "seed": seeds,
      "seed_x64": seeds_x64,
      "partitionable": mode_reference(True),
      "original": mode_reference(False),
      "erfinv": erfinv_reference(),
  }
  with open(OUT, "w") as f:
    json.dump(ref, f, separators=(",", ":"))
    f.write("\n")
  print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
  main()
