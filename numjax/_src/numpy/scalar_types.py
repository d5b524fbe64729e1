"""`jnp.float32` and friends: usable as dtypes, and callable to make numjax scalars."""
from __future__ import annotations

import numpy as np

from numjax._src import dtypes


class _ScalarMeta(type):
  def __hash__(cls):
    return hash(cls.dtype.type)

  def __eq__(cls, other):
    return cls is other or cls.dtype.type == other

  def __ne__(cls, other):
    return not cls.__eq__(other)

  def __call__(cls, x=0):
    from numjax._src.numpy.lax_numpy import asarray
    return asarray(x, dtype=cls.dtype)

  def __instancecheck__(cls, instance):
    return isinstance(instance, cls.dtype.type)

  def __repr__(cls):
    return f"<class 'jax.numpy.{cls.__name__}'>"


def _scalar_type(name: str, dtype) -> type:
  return _ScalarMeta(name, (object,), {"dtype": np.dtype(dtype)})


bool_ = _scalar_type("bool", np.bool_)
int8, int16, int32, int64 = (_scalar_type(f"int{b}", f"int{b}") for b in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (_scalar_type(f"uint{b}", f"uint{b}") for b in (8, 16, 32, 64))
float16, float32, float64 = (_scalar_type(f"float{b}", f"float{b}") for b in (16, 32, 64))
complex64, complex128 = _scalar_type("complex64", np.complex64), _scalar_type("complex128", np.complex128)
bfloat16 = _scalar_type("bfloat16", dtypes.bfloat16) if dtypes.bfloat16 is not None else None
float_ = float64
int_ = int64
uint = uint64
complex_ = complex128
