"""JAX's type promotion, checked against the full table real JAX computes.

Rows and columns are JAX types: dtypes, and i*/f*/c* for weakly typed Python int/float/complex.
Each entry is the dtype of `jnp.add(a, b)` with `*` marking a weak result, as produced by
jax 0.10.2 with jax_enable_x64 off (TABLE_X32) and on (TABLE_X64).
"""
import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax._src import dtypes

NAMES = ['b1', 'u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'f16', 'f32', 'f64', 'c64', 'c128', 'i*', 'f*', 'c*']

TABLE_X32 = {
    'b1': ['bool', 'uint8', 'uint16', 'uint32', 'uint32', 'int8', 'int16', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'int32*', 'float32*', 'complex64*'],
    'u8': ['uint8', 'uint8', 'uint16', 'uint32', 'uint32', 'int16', 'int16', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'uint8', 'float32*', 'complex64*'],
    'u16': ['uint16', 'uint16', 'uint16', 'uint32', 'uint32', 'int32', 'int32', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'uint16', 'float32*', 'complex64*'],
    'u32': ['uint32', 'uint32', 'uint32', 'uint32', 'uint32', 'int32', 'int32', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'uint32', 'float32*', 'complex64*'],
    'u64': ['uint32', 'uint32', 'uint32', 'uint32', 'uint32', 'int32', 'int32', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'uint32', 'float32*', 'complex64*'],
    'i8': ['int8', 'int16', 'int32', 'int32', 'int32', 'int8', 'int16', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'int8', 'float32*', 'complex64*'],
    'i16': ['int16', 'int16', 'int32', 'int32', 'int32', 'int16', 'int16', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'int16', 'float32*', 'complex64*'],
    'i32': ['int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'int32', 'float32*', 'complex64*'],
    'i64': ['int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'int32', 'float32*', 'complex64*'],
    'f16': ['float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'float16', 'float16', 'complex64'],
    'f32': ['float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'complex64', 'complex64', 'float32', 'float32', 'complex64'],
    'f64': ['float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'complex64', 'complex64', 'float32', 'float32', 'complex64'],
    'c64': ['complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64'],
    'c128': ['complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64'],
    'i*': ['int32*', 'uint8', 'uint16', 'uint32', 'uint32', 'int8', 'int16', 'int32', 'int32', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'int32*', 'float32*', 'complex64*'],
    'f*': ['float32*', 'float32*', 'float32*', 'float32*', 'float32*', 'float32*', 'float32*', 'float32*', 'float32*', 'float16', 'float32', 'float32', 'complex64', 'complex64', 'float32*', 'float32*', 'complex64*'],
    'c*': ['complex64*', 'complex64*', 'complex64*', 'complex64*', 'complex64*', 'complex64*', 'complex64*', 'complex64*', 'complex64*', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64*', 'complex64*', 'complex64*'],
}

TABLE_X64 = {
    'b1': ['bool', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'int64*', 'float64*', 'complex128*'],
    'u8': ['uint8', 'uint8', 'uint16', 'uint32', 'uint64', 'int16', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'uint8', 'float64*', 'complex128*'],
    'u16': ['uint16', 'uint16', 'uint16', 'uint32', 'uint64', 'int32', 'int32', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'uint16', 'float64*', 'complex128*'],
    'u32': ['uint32', 'uint32', 'uint32', 'uint32', 'uint64', 'int64', 'int64', 'int64', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'uint32', 'float64*', 'complex128*'],
    'u64': ['uint64', 'uint64', 'uint64', 'uint64', 'uint64', 'float64*', 'float64*', 'float64*', 'float64*', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'uint64', 'float64*', 'complex128*'],
    'i8': ['int8', 'int16', 'int32', 'int64', 'float64*', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'int8', 'float64*', 'complex128*'],
    'i16': ['int16', 'int16', 'int32', 'int64', 'float64*', 'int16', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'int16', 'float64*', 'complex128*'],
    'i32': ['int32', 'int32', 'int32', 'int64', 'float64*', 'int32', 'int32', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'int32', 'float64*', 'complex128*'],
    'i64': ['int64', 'int64', 'int64', 'int64', 'float64*', 'int64', 'int64', 'int64', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'int64', 'float64*', 'complex128*'],
    'f16': ['float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'float16', 'float16', 'complex64'],
    'f32': ['float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float32', 'float64', 'complex64', 'complex128', 'float32', 'float32', 'complex64'],
    'f64': ['float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'float64', 'complex128', 'complex128', 'float64', 'float64', 'complex128'],
    'c64': ['complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex64', 'complex128', 'complex64', 'complex128', 'complex64', 'complex64', 'complex64'],
    'c128': ['complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128', 'complex128'],
    'i*': ['int64*', 'uint8', 'uint16', 'uint32', 'uint64', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'int64*', 'float64*', 'complex128*'],
    'f*': ['float64*', 'float64*', 'float64*', 'float64*', 'float64*', 'float64*', 'float64*', 'float64*', 'float64*', 'float16', 'float32', 'float64', 'complex64', 'complex128', 'float64*', 'float64*', 'complex128*'],
    'c*': ['complex128*', 'complex128*', 'complex128*', 'complex128*', 'complex128*', 'complex128*', 'complex128*', 'complex128*', 'complex128*', 'complex64', 'complex64', 'complex128', 'complex64', 'complex128', 'complex128*', 'complex128*', 'complex128*'],
}

_NP = {"b1": np.bool_, "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
       "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64, "f16": np.float16,
       "f32": np.float32, "f64": np.float64, "c64": np.complex64, "c128": np.complex128}


def _value(name):
  return {"i*": 1, "f*": 1.0, "c*": 1j}.get(name) if name.endswith("*") else \
      jnp.zeros((), _NP[name])


@pytest.mark.parametrize("x64", [False, True])
def test_promotion_table_matches_jax(x64):
  table = TABLE_X64 if x64 else TABLE_X32
  prev = jax.config.jax_enable_x64
  jax.config.update("jax_enable_x64", x64)
  try:
    got = {}
    for a in NAMES:
      got[a] = []
      for b in NAMES:
        out = jnp.add(_value(a), _value(b))
        got[a].append(out.dtype.name + ("*" if out.weak_type else ""))
    assert got == table
  finally:
    jax.config.update("jax_enable_x64", prev)


def test_weak_type_examples_from_the_issue():
  x = jnp.int32(1) + 1.5
  assert x.dtype == np.float32 and x.weak_type
  y = jnp.ones(3, jnp.float32) + 2.0
  assert y.dtype == np.float32 and not y.weak_type
  assert repr(jnp.int32(1) + 1.5) == "Array(2.5, dtype=float32, weak_type=True)"


def test_canonicalize_dtype_follows_x64():
  assert dtypes.canonicalize_dtype(np.float64) == np.float32
  prev = jax.config.jax_enable_x64
  jax.config.update("jax_enable_x64", True)
  try:
    assert dtypes.canonicalize_dtype(np.float64) == np.float64
    assert jnp.array(1.0).dtype == np.float64
  finally:
    jax.config.update("jax_enable_x64", prev)
  assert jnp.array(1.0).dtype == np.float32
