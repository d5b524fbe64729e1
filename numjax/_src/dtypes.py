"""JAX's dtype semantics: canonical (32-bit by default) dtypes, weak types and the promotion lattice.

A value's *JAX type* is its dtype, or one of the Python types `int`, `float`, `complex` standing
for a weakly typed value of that kind. Promotion is the least upper bound on JAX's lattice, not
NumPy's table: `int32 + 1.5` is a weak float, `float32 + 2.0` stays float32.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from numjax._src.config import config, on_change

bool_ = np.dtype(np.bool_)
int8, int16, int32, int64 = (np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64))
uint8, uint16, uint32, uint64 = (np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64))
float16, float32, float64 = (np.dtype(t) for t in (np.float16, np.float32, np.float64))
complex64, complex128 = np.dtype(np.complex64), np.dtype(np.complex128)
try:  # bfloat16 only where ml_dtypes happens to be installed; never required.
  import ml_dtypes  # type: ignore
  bfloat16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover
  bfloat16 = None

# The tangent dtype of integer and boolean values, as in JAX.
float0 = np.dtype([("float0", np.void, 0)])

_int_types = [int8, int16, int32, int64]
_uint_types = [uint8, uint16, uint32, uint64]
_float_types = [t for t in (bfloat16, float16, float32, float64) if t is not None]
_complex_types = [complex64, complex128]
_weak_types = (int, float, complex)

_to32 = {int64: int32, uint64: uint32, float64: float32, complex128: complex64}


def canonicalize_dtype(dtype: Any) -> np.dtype:
  """The dtype JAX would store: 64-bit types become 32-bit unless x64 is enabled."""
  try:
    dt = np.dtype(dtype)
  except TypeError:
    raise TypeError(f"data type {dtype!r} not understood") from None
  if not config.x64:
    return _to32.get(dt, dt)
  return dt


def default_int() -> np.dtype:
  return int64 if config.x64 else int32


def default_uint() -> np.dtype:
  return uint64 if config.x64 else uint32


def default_float() -> np.dtype:
  return float64 if config.x64 else float32


def default_complex() -> np.dtype:
  return complex128 if config.x64 else complex64


def _lattice(x64: bool) -> dict:
  """Each JAX type mapped to the types immediately above it (JAX's published lattice)."""
  i_, f_, c_ = _weak_types
  up = {
      bool_: [i_],
      i_: [uint8, int8],
      uint8: [int16, uint16], uint16: [int32, uint32],
      uint32: [int64, uint64] if x64 else [int32, uint64], uint64: [f_],
      int8: [int16], int16: [int32], int32: [int64], int64: [f_],
      f_: [t for t in (bfloat16, float16) if t is not None] + [c_],
      float16: [float32], float32: [float64, complex64], float64: [complex128],
      c_: [complex64], complex64: [complex128], complex128: [],
  }
  if bfloat16 is not None:
    up[bfloat16] = [float32]
  return up


@functools.lru_cache(maxsize=None)
def _upper_bounds(x64: bool) -> dict:
  """Every JAX type mapped to the frozenset of all types at or above it."""
  up = _lattice(x64)
  closure: dict = {}

  def ancestors(t):
    if t not in closure:
      closure[t] = frozenset({t}).union(*(ancestors(u) for u in up[t]))
    return closure[t]

  for t in up:
    ancestors(t)
  return closure


@functools.lru_cache(maxsize=4096)
def _least_upper_bound(types: frozenset, x64: bool):
  bounds = _upper_bounds(x64)
  try:
    common = frozenset.intersection(*(bounds[t] for t in types))
  except KeyError as e:
    raise TypeError(f"dtype {e.args[0]} is not a valid JAX array type. Only arrays of numeric "
                    "types are supported by JAX.") from None
  # The least element of the common bounds is the one whose own bounds cover all of them.
  for t in common:
    if bounds[t] >= common:
      return t
  raise TypeError(f"no common type for {sorted(map(str, types))}")


def _weak_category(dtype: np.dtype):
  """The Python type standing for a weakly typed value of this dtype."""
  if dtype.kind in "iu":
    return int
  if dtype.kind == "f":
    return float
  if dtype.kind == "c":
    return complex
  return dtype


def _dtype_of_python_type(t) -> np.dtype:
  return {int: default_int(), float: default_float(), complex: default_complex()}[t]


def dtype_and_weak(x: Any) -> tuple[np.dtype, bool]:
  """The (canonical dtype, weak_type) of an array, tracer, NumPy value, dtype or Python scalar."""
  t = type(x)
  if t is bool:
    return bool_, False
  if t is int:
    return default_int(), True
  if t is float:
    return default_float(), True
  if t is complex:
    return default_complex(), True
  weak = getattr(x, "weak_type", None)
  if weak is not None:  # our Array, a Tracer or an abstract value
    return x.dtype, weak
  if hasattr(x, "dtype"):
    return canonicalize_dtype(x.dtype), False
  if isinstance(x, (bool, np.bool_)):
    return bool_, False
  if isinstance(x, int):  # int subclasses such as IntEnum
    return default_int(), True
  if isinstance(x, float):
    return default_float(), True
  if isinstance(x, complex):
    return default_complex(), True
  try:
    return canonicalize_dtype(np.dtype(x)), False
  except TypeError:
    raise TypeError(f"Cannot determine dtype of {x!r} (type {type(x).__name__})") from None


def result_type(*args: Any, return_weak_type_flag: bool = False):
  """JAX's `jnp.result_type`: promote on the lattice, canonicalise, report weak typing."""
  if not args:
    raise ValueError("at least one array or dtype is required")
  pairs = [dtype_and_weak(a) for a in args]
  dtype, weak = _promote_pairs(pairs)
  return (dtype, weak) if return_weak_type_flag else dtype


def _promote_pairs(pairs) -> tuple[np.dtype, bool]:
  first = pairs[0]
  if len(pairs) == 1:
    dtype, weak = first
  elif all(p == first for p in pairs):
    dtype, weak = first
  else:
    key = tuple(pairs)
    hit = _promote_cache.get(key)
    if hit is not None:
      return hit
    x64 = config.x64
    if all(w for _, w in pairs):
      dtype = _least_upper_bound(frozenset(d for d, _ in pairs), x64)
      weak = True
    elif len({d for d, _ in pairs}) == 1:
      dtype, weak = pairs[0][0], False
    else:
      types = frozenset(_weak_category(d) if w else d for d, w in pairs)
      dtype = _least_upper_bound(types, x64)
      weak = any(dtype is t for t in _weak_types)
      if weak:
        dtype = _dtype_of_python_type(dtype)
    dtype = canonicalize_dtype(dtype)
    weak = weak and dtype != bool_
    _promote_cache[key] = (dtype, weak)
    return dtype, weak
  return canonicalize_dtype(dtype), weak and dtype != bool_


_promote_cache: dict = {}
on_change(_promote_cache.clear)


def promote_types(a: Any, b: Any) -> np.dtype:
  """Promotion of two (strong) dtypes on JAX's lattice; `promote_types(int32, float16) == float16`."""
  try:
    da, db = np.dtype(a), np.dtype(b)
  except TypeError:
    raise TypeError(f"promote_types: cannot interpret {a!r} and {b!r} as dtypes") from None
  return _least_upper_bound(frozenset((da, db)), True)


class extended(np.generic):
  """Scalar class of extended dtypes (in numjax: the dtypes of typed PRNG keys). It exists for
  `issubdtype`: `jnp.issubdtype(random.key(0).dtype, dtypes.extended)` is True."""


class prng_key(extended):
  """Scalar class of PRNG key dtypes (for `issubdtype`)."""


class TypePromotionError(ValueError):
  """Raised when JAX type promotion fails."""


extended.__module__ = prng_key.__module__ = TypePromotionError.__module__ = "numjax.dtypes"


def _is_key_dtype(x) -> bool:
  # Key dtypes (random.KeyTy) are not NumPy dtypes; they carry their PRNG implementation.
  return not isinstance(x, (np.dtype, type, str)) and hasattr(x, "_impl")


def issubdtype(a: Any, b: Any) -> bool:
  if _is_key_dtype(a):
    return b is extended or b is prng_key or b is np.generic or a == b
  if _is_key_dtype(b):
    return False
  if a is float0 or (isinstance(a, np.dtype) and a == float0):
    return b is float0 or (isinstance(b, np.dtype) and b == float0)
  if bfloat16 is not None and np.dtype(a) == bfloat16:
    return b in (bfloat16, np.floating, np.inexact, np.number, np.generic) or (
        isinstance(b, np.dtype) and b == bfloat16)
  return np.issubdtype(a, b)


def is_float(dtype) -> bool:
  return np.dtype(dtype).kind == "f"


def is_complex(dtype) -> bool:
  return np.dtype(dtype).kind == "c"


def is_inexact(dtype) -> bool:
  return np.dtype(dtype).kind in "fc"


def is_int(dtype) -> bool:
  return np.dtype(dtype).kind in "iub"


def tangent_dtype(dtype: np.dtype) -> np.dtype:
  """float0 for integer and boolean values, the dtype itself otherwise."""
  return dtype if np.dtype(dtype).kind in "fc" else float0


def real_dtype(dtype: np.dtype) -> np.dtype:
  return {complex64: float32, complex128: float64}.get(np.dtype(dtype), np.dtype(dtype))


def complex_dtype_for(dtype: np.dtype) -> np.dtype:
  return {float32: complex64, float64: complex128}.get(np.dtype(dtype), complex64)


_short = {"bool": "bool", "bfloat16": "bf16", "float0": "float0"}


@functools.lru_cache(maxsize=None)
def short_name(dtype: np.dtype) -> str:
  """JAX's short dtype names in jaxprs: f32, i32, u8, c64, bool, bf16."""
  if dtype == float0:
    return "float0"
  name = np.dtype(dtype).name
  if name in _short:
    return _short[name]
  for long, s in (("uint", "u"), ("int", "i"), ("float", "f"), ("complex", "c")):
    if name.startswith(long):
      return s + name[len(long):]
  return name


class iinfo(np.iinfo):
  pass


class finfo:
  """`jnp.finfo`, accepting our dtypes and arrays."""

  def __new__(cls, dtype):
    if hasattr(dtype, "dtype"):
      dtype = dtype.dtype
    if bfloat16 is not None and np.dtype(dtype) == bfloat16:
      return ml_dtypes.finfo(dtype)
    return np.finfo(dtype)
