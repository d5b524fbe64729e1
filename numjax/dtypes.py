"""`numjax.dtypes`: float0, canonicalisation and JAX's promotion helpers."""
from numjax._src.dtypes import (  # noqa: F401
    bfloat16, canonicalize_dtype, finfo, float0, iinfo,
    issubdtype, promote_types, result_type)
from numjax._src.dtypes import dtype_and_weak as _dtype_and_weak


def is_weakly_typed(x) -> bool:
  return _dtype_and_weak(x)[1]


def dtype(x, *, canonicalize: bool = False):
  import numpy as np
  dt = _dtype_and_weak(x)[0] if not isinstance(x, (type, np.dtype, str)) else np.dtype(x)
  return canonicalize_dtype(dt) if canonicalize else dt


def prng_key():
  from numjax._src.random_keys import PRNGKeyDtype
  return PRNGKeyDtype
