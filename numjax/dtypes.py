"""`numjax.dtypes`: float0, canonicalisation and JAX's promotion helpers."""
from numjax._src.dtypes import (  # noqa: F401
    TypePromotionError, bfloat16, canonicalize_dtype, extended, finfo, float0, iinfo,
    issubdtype, prng_key, promote_types, result_type)
from numjax._src.dtypes import bfloat16 as _bfloat16
from numjax._src.dtypes import dtype_and_weak as _dtype_and_weak


def is_weakly_typed(x) -> bool:
  return _dtype_and_weak(x)[1]


def dtype(x, *, canonicalize: bool = False):
  import numpy as np
  dt = _dtype_and_weak(x)[0] if not isinstance(x, (type, np.dtype, str)) else np.dtype(x)
  return canonicalize_dtype(dt) if canonicalize else dt


def scalar_type_of(x) -> type:
  """The Python scalar type (bool, int, float or complex) of a value's dtype.

      >>> dtypes.scalar_type_of(jnp.float16(1))
      <class 'float'>
  """
  from numjax._src.lax.more import dtype as _jax_dtype
  typ = _jax_dtype(x)
  if _bfloat16 is not None and typ == _bfloat16:
    return float
  for kind, t in (("b", bool), ("iu", int), ("f", float), ("c", complex)):
    if typ.kind in kind:
      return t
  raise TypeError(f"Invalid scalar value {x}")


def itemsize_bits(dtype) -> int:
  """Number of bits per element of `dtype` (8 for bool)."""
  import numpy as np
  if dtype is None:
    raise ValueError("dtype cannot be None.")
  if dtype == np.dtype(bool):
    return 8
  if issubdtype(dtype, np.integer):
    return iinfo(dtype).bits
  if issubdtype(dtype, np.floating):
    return finfo(dtype).bits
  if issubdtype(dtype, np.complexfloating):
    return 2 * finfo(dtype).bits
  raise ValueError(f"unexpected input: {dtype=}")
