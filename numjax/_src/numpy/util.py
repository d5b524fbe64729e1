"""Argument checking and JAX's type/rank promotion for `numjax.numpy` functions."""
from __future__ import annotations

import operator
from typing import Any

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer, get_aval
from numjax._src.lax import lax
from numjax._src.lax.elementwise import convert_element_type_p

_SCALARS = (int, float, complex, bool)


def check_arraylike(fname: str, *args: Any) -> None:
  for pos, a in enumerate(args):
    t = type(a)
    if t is Array or t in _SCALARS or isinstance(a, (Tracer, np.ndarray, np.generic)):
      continue
    if hasattr(a, "__jax_array__"):
      continue
    raise TypeError(f"{fname} requires ndarray or scalar arguments, got {t} at position {pos}.")


def convert(x, dtype: np.dtype, weak: bool):
  """x as an array of `dtype` with weak type `weak`, casting only when needed."""
  t = type(x)
  if t in _SCALARS:
    return Array(np.array(x, dtype)[()], weak)
  if t is Array:
    if x._value.dtype == dtype:
      return x if x.weak_type == weak else Array(x._value, weak)
    return convert_element_type_p.bind(x, new_dtype=dtype, weak_type=weak, sharding=None)
  x = lax.asarray(x)
  aval = get_aval(x)
  if aval.dtype == dtype and aval.weak_type == weak:
    return x
  return convert_element_type_p.bind(x, new_dtype=dtype, weak_type=weak, sharding=None)


def _same_types(args) -> bool:
  """All args Arrays/tracers of one dtype and weak type: promotion leaves them as they are.
  (dtypes.dtype_and_weak, specialised to these two types: this runs on every jnp call.)"""
  first = None
  for a in args:
    if type(a) is Array:
      dw = (a._value.dtype, a.weak_type)
    elif isinstance(a, Tracer):
      aval = a.aval
      dw = (aval.dtype, aval.weak_type)
    else:
      return False
    if first is None:
      first = dw
    elif dw != first:
      return False
  return True


def promote_dtypes(*args):
  """Cast all args to their JAX result type."""
  if len(args) < 2:
    return [lax.asarray(a) for a in args]
  if _same_types(args):
    return list(args)
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  return [convert(a, dtype, weak) for a in args]


def promote_dtypes_inexact(*args):
  """Like promote_dtypes, then to the default float if the result is not inexact."""
  if args and _same_types(args) and dtypes.dtype_and_weak(args[0])[0].kind in "fc":
    return list(args)
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  if dtype.kind not in "fc":
    dtype = dtypes.default_float()
  return [convert(a, dtype, weak) for a in args]


def promote_dtypes_numeric(*args):
  if args and _same_types(args) and dtypes.dtype_and_weak(args[0])[0].kind != "b":
    return list(args)
  dtype, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  if dtype == dtypes.bool_:
    dtype = dtypes.default_int()
  return [convert(a, dtype, weak) for a in args]


def broadcast_shapes(*shapes) -> tuple:
  """NumPy's broadcast shape; ValueError in JAX's wording when the shapes are incompatible."""
  try:
    return tuple(np.broadcast_shapes(*shapes))
  except (ValueError, TypeError):
    for s in shapes:
      if not (isinstance(s, (int, np.integer)) or isinstance(s, (tuple, list)) and
              all(isinstance(d, (int, np.integer)) for d in s)):
        raise TypeError(f"broadcast_shapes takes shapes (tuples of integers), got {s!r}"
                        ) from None
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(map(tuple, shapes))}"
                     ) from None


def _check_broadcastable(fname: str, shapes) -> None:
  """Raise JAX's error for shapes NumPy broadcasting rejects (equal ranks: TypeError naming the
  function, as lax does; different ranks: ValueError listing the shapes)."""
  nd = max(len(s) for s in shapes)
  for dims in zip(*[(1,) * (nd - len(s)) + tuple(s) for s in shapes]):
    if len({d for d in dims if d != 1}) > 1:
      if all(len(s) in (0, nd) for s in shapes):
        raise TypeError(f"{fname} got incompatible shapes for broadcasting: "
                        f"{', '.join(str(tuple(s)) for s in shapes)}.")
      raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(map(tuple, shapes))}")


def promote_shapes(fname: str, *args):
  """Left-pad ranks with size-1 axes (NumPy broadcasting); rank-0 operands stay scalars."""
  if len(args) < 2:
    return list(args)
  shapes = [np.shape(a._value) if type(a) is Array else get_aval(a).shape for a in args]
  s0 = shapes[0]
  if len(shapes) == 2:
    s1 = shapes[1]
    if s0 == s1:
      return list(args)
    if s0 and s1:  # two non-scalar shapes that differ: check they broadcast
      for x, y in zip(s0[::-1], s1[::-1]):
        if x != y and x != 1 and y != 1:
          _check_broadcastable(fname, shapes)
  else:
    if all(s == s0 for s in shapes):
      return list(args)
    ref = next(s for s in shapes if s)
    if any(s and s != ref for s in shapes):  # only when two non-scalar shapes differ
      _check_broadcastable(fname, shapes)
  nd = max(len(s) for s in shapes)
  if all(len(s) == nd or len(s) == 0 for s in shapes):
    return list(args)
  out = []
  for a, s in zip(args, shapes):
    if len(s) in (0, nd):
      out.append(a)
    else:
      new = (1,) * (nd - len(s)) + s
      out.append(lax.broadcast_in_dim(a, new, tuple(range(nd - len(s), nd))))
  return out


def promote_args(fname: str, *args):
  check_arraylike(fname, *args)
  return promote_shapes(fname, *promote_dtypes(*args))


def promote_args_inexact(fname: str, *args):
  check_arraylike(fname, *args)
  return promote_shapes(fname, *promote_dtypes_inexact(*args))


def promote_args_numeric(fname: str, *args):
  check_arraylike(fname, *args)
  return promote_shapes(fname, *promote_dtypes_numeric(*args))


def axis_tuple(axis) -> tuple:
  """An `axis` argument (int or sequence of ints) as a tuple; TypeError for anything else."""
  if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
    return (axis,)
  if isinstance(axis, (tuple, list)):
    return tuple(axis)
  raise TypeError(f"axis must be an integer or a tuple of integers, got {axis!r} of type "
                  f"{type(axis).__name__}.")


def canonicalize_axis(axis: int, ndim: int) -> int:
  try:
    axis = operator.index(axis)
  except TypeError:
    raise TypeError(f"axis must be an integer (or a tuple of integers where several axes are "
                    f"allowed), got {axis!r} of type {type(axis).__name__}.") from None
  if not -ndim <= axis < ndim:
    # NumPy's AxisError is both a ValueError (what JAX raises from most functions) and an
    # IndexError (what a few JAX functions, e.g. jnp.mean or jnp.argmax, raise).
    raise np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return axis % ndim


def shape_of(x) -> tuple:
  return x._value.shape if type(x) is Array else get_aval(x).shape


def ndim_of(x) -> int:
  return len(shape_of(x))


def dtype_of(x) -> np.dtype:
  return dtypes.dtype_and_weak(x)[0]
