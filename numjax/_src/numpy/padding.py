"""`jnp.pad`: every mode of `np.pad`, as JAX implements them, built from lax ops.

    jnp.pad(array, pad_width, mode="constant", **kwargs)

Modes and the keyword arguments each accepts (any other keyword is a ValueError, an unknown
mode a NotImplementedError, as in JAX):

    constant      constant_values (a scalar, or per-axis (before, after) pairs; may be traced)
    edge, wrap, empty
    reflect, symmetric   reflect_type ('even' or 'odd'); pads longer than the axis reflect
                  repeatedly, as NumPy does
    linear_ramp   end_values
    maximum, mean, median, minimum   stat_length (None: the whole axis)
    <callable>    f(row, (before, after), axis, kwargs) -> row, applied (through vmap) to the
                  1-D slices of the zero-padded array along each axis in turn

Axes are padded one after the other (later axes see the padding of earlier ones, as in
NumPy). Every mode is slices, reversals, concatenations, `lax.pad`, broadcasts and reductions,
so `grad`, `vmap` and `jit` go through; `pad_width`, `stat_length`, `end_values` and
`reflect_type` must be concrete (they fix the output shape or are static in JAX).

    >>> jnp.pad(jnp.array([10, 20, 30, 40]), 2, mode="reflect")
    Array([30, 20, 10, 20, 30, 40, 30, 20], dtype=int32)
"""
from __future__ import annotations

import builtins
from typing import Any, Callable

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer
from numjax._src.lax import lax
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy import sorting as _sorting
from numjax._src.numpy.util import check_arraylike, dtype_of, ndim_of, shape_of

__all__ = ["pad"]

_ALLOWED_KWARGS = {
    "empty": (), "edge": (), "wrap": (),
    "constant": ("constant_values",),
    "linear_ramp": ("end_values",),
    "maximum": ("stat_length",), "mean": ("stat_length",),
    "median": ("stat_length",), "minimum": ("stat_length",),
    "reflect": ("reflect_type",), "symmetric": ("reflect_type",),
}


# ----------------------------------------------------------------------------------------------
# Arguments
# ----------------------------------------------------------------------------------------------
def _concrete(x, name: str):
  """x with every array leaf replaced by its concrete NumPy value (tracers are an error)."""
  if isinstance(x, (list, tuple)):
    return [_concrete(e, name) for e in x]
  if type(x) is Array or isinstance(x, Tracer):
    value = core.concrete_value(x)
    if value is None:
      raise core.ConcretizationTypeError(x, f"The {name} argument of jnp.pad must be concrete.")
    return np.asarray(value)
  return x


def _broadcast_to_pairs(values, nd: int, name: str) -> tuple:
  """`values` (a scalar, (v,), (before, after), ((before, after),) or one pair per axis) as
  nd (before, after) pairs of NumPy scalars, with JAX's errors."""
  try:
    arr = np.asarray(_concrete(values, name))
  except ValueError:
    raise TypeError(f"`{name}` entries must be the same shape: {values}") from None
  if arr.dtype == object and builtins.any(np.ndim(v) for v in arr.flat):
    raise TypeError(f"`{name}` entries must be the same shape: {values}")
  if arr.shape == (nd, 2):
    return tuple((row[0], row[1]) for row in arr)
  if arr.shape == (1, 2):
    return ((arr[0, 0], arr[0, 1]),) * nd
  if arr.shape == (2,):
    return ((arr[0], arr[1]),) * nd
  if arr.shape == (1,):
    return ((arr[0], arr[0]),) * nd
  if arr.shape == ():
    return ((arr[()], arr[()]),) * nd
  raise ValueError(f"jnp.pad: {name} with nd={nd} has unsupported shape {arr.shape}. Valid "
                   f"shapes are ({nd}, 2), (1, 2), (2,), (1,), or ().")


def _is_int(v) -> bool:
  return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _int_pairs(pairs: tuple, name: str) -> tuple:
  if not builtins.all(_is_int(a) and _is_int(b) for a, b in pairs):
    raise TypeError(f"`{name}` must be of integral type.")
  return tuple((int(a), int(b)) for a, b in pairs)


def _check_no_padding(pads, mode: str) -> None:
  if pads[0] > 0 or pads[1] > 0:
    raise ValueError(f"Cannot apply '{mode}' padding to empty axis")


# ----------------------------------------------------------------------------------------------
# Small lax helpers
# ----------------------------------------------------------------------------------------------
def _slice(x, start: int, stop: int, axis: int):
  return lax.slice_in_dim(x, start, stop, axis=axis)


def _repeat_edge(edge, n: int, axis: int):
  """A size-1 slice broadcast to n entries along `axis`."""
  shape = list(shape_of(edge))
  shape[axis] = n
  return lax.broadcast_in_dim(edge, tuple(shape), tuple(range(len(shape))))


def _concat(parts: list, axis: int):
  parts = [p for p in parts if shape_of(p)[axis] > 0] or parts[:1]
  return parts[0] if len(parts) == 1 else lax.concatenate(parts, axis)


def _cast_like(x, array):
  """x converted to array's dtype and weak type."""
  return lax.convert_element_type(x, dtype_of(array), weak_type=core.get_aval(array).weak_type)


def _inexact_dtype(dtype: np.dtype) -> np.dtype:
  """JAX's to_inexact_dtype: inexact dtypes stay; 64-bit integers go to float64, other
  integers and bool to float32."""
  if dtype.kind in "fc":
    return dtype
  return np.dtype(np.float64 if dtype.itemsize == 8 else np.float32)


# ----------------------------------------------------------------------------------------------
# Modes
# ----------------------------------------------------------------------------------------------
def _pad_constant(array, pad_width, constant_values):
  nd = ndim_of(array)
  cv = _cast_like(jnp.asarray(constant_values), array)
  cv_nd = ndim_of(cv)
  if cv_nd == 0:
    return lax.pad(array, cv, [(lo, hi, 0) for lo, hi in pad_width])
  if cv_nd == 1:
    if shape_of(cv)[-1] == 1:
      return lax.pad(array, lax.squeeze(cv, (0,)), [(lo, hi, 0) for lo, hi in pad_width])
    if shape_of(cv)[-1] != 2:
      raise ValueError(f"jnp.pad: constant_values has unsupported shape {shape_of(cv)}. If the "
                       "shape is 1D or 2D, the last dimension must be of size 1 or 2.")
  cv = jnp.broadcast_to(cv, (nd, 2))
  for i, (lo, hi) in enumerate(pad_width):
    for side, n in ((0, lo), (1, hi)):
      if n:
        value = lax.squeeze(lax.slice(cv, (i, side), (i + 1, side + 1)), (0, 1))
        config = [(0, 0, 0)] * nd
        config[i] = (n, 0, 0) if side == 0 else (0, n, 0)
        array = lax.pad(array, value, config)
  return array


def _pad_edge(array, pad_width):
  for i, (lo, hi) in enumerate(pad_width):
    n = shape_of(array)[i]
    if n == 0:
      _check_no_padding((lo, hi), "edge")
      continue
    if lo == hi == 0:
      continue
    before = _repeat_edge(_slice(array, 0, 1, i), lo, i)
    after = _repeat_edge(_slice(array, n - 1, n, i), hi, i)
    array = _concat([before, array, after], i)
  return array


def _pad_wrap(array, pad_width):
  for i, (lo, hi) in enumerate(pad_width):
    n = shape_of(array)[i]
    if n == 0:
      _check_no_padding((lo, hi), "wrap")
      continue
    if lo == hi == 0:
      continue
    lo_reps, lo_rem = divmod(lo, n)
    hi_reps, hi_rem = divmod(hi, n)
    parts = [_slice(array, n - lo_rem, n, i)] if lo_rem else []
    parts += [array] * (lo_reps + hi_reps + 1)
    if hi_rem:
      parts.append(_slice(array, 0, hi_rem, i))
    array = _concat(parts, i)
  return array


def _reflect_side(array, padding: int, axis: int, n: int, before: bool, symmetric: bool,
                  odd: bool):
  """Pad one side of `axis` (original length n) by reflection, repeatedly while the padding
  is longer than what one reflection provides (NumPy's algorithm)."""
  offset = 1 if (not symmetric and n > 1) else 0
  size = shape_of(array)[axis]
  edge = _slice(array, 0, 1, axis) if before else _slice(array, size - 1, size, axis)
  while padding > 0:
    cur = builtins.min(padding, n - offset)
    padding -= cur
    size = shape_of(array)[axis]
    if before:
      piece = _slice(array, offset, offset + cur, axis)
    else:
      stop = size if (symmetric or n == 1) else size - 1
      piece = _slice(array, size - cur - offset, stop, axis)
    piece = lax.rev(piece, (axis,))
    if odd:
      piece = jnp.subtract(jnp.multiply(2, edge), piece)
      if n > 1:
        m = shape_of(piece)[axis]
        edge = _slice(piece, 0, 1, axis) if before else _slice(piece, m - 1, m, axis)
    array = lax.concatenate([piece, array] if before else [array, piece], axis)
  return array


def _pad_symmetric_or_reflect(array, pad_width, mode: str, reflect_type: str):
  if reflect_type not in ("even", "odd"):
    raise ValueError(f"jnp.pad: reflect_type must be 'even' or 'odd', got {reflect_type!r}.")
  symmetric, odd = mode == "symmetric", reflect_type == "odd"
  for i, (lo, hi) in enumerate(pad_width):
    n = shape_of(array)[i]
    if n == 0:
      _check_no_padding((lo, hi), mode)
      continue
    array = _reflect_side(array, lo, i, n, True, symmetric, odd)
    array = _reflect_side(array, hi, i, n, False, symmetric, odd)
  return array


def _ramp(start, stop, num: int, axis: int, array):
  """jnp.linspace(start, stop, num, endpoint=False, dtype=array.dtype, axis=axis) as JAX
  computes it (start * (1 - t) + stop * t, floored for integer dtypes), in array's weak type."""
  dtype = dtype_of(array)
  comp = _inexact_dtype(dtype)
  if comp.itemsize == 2:  # XLA computes half-precision arithmetic in float32, rounding once
    comp = np.dtype(np.float32)
  start = lax.convert_element_type(jnp.asarray(start), comp)
  stop = lax.convert_element_type(stop, comp)
  shape = list(shape_of(stop))
  shape.insert(axis, 1)
  start = jnp.broadcast_to(start, tuple(shape))
  stop = lax.reshape(stop, tuple(shape))
  real = dtypes.real_dtype(comp)
  iota_shape = [1] * len(shape)
  iota_shape[axis] = num
  t = lax.div(lax.broadcasted_iota(real, tuple(iota_shape), axis), np.array(num, real))
  t = lax.convert_element_type(t, comp)
  out = lax.add(lax.mul(start, lax.sub(np.array(1, comp), t)), lax.mul(stop, t))
  if dtype.kind in "iu":
    out = lax.floor(out)
  return _cast_like(out, array)


def _pad_linear_ramp(array, pad_width, end_values):
  for i, (lo, hi) in enumerate(pad_width):
    if lo == hi == 0:
      continue
    n = shape_of(array)[i]
    parts = [array]
    if lo:
      edge = lax.squeeze(_slice(array, 0, 1, i), (i,))
      parts.insert(0, _ramp(end_values[i][0], edge, lo, i, array))
    if hi:
      edge = lax.squeeze(_slice(array, n - 1, n, i), (i,))
      parts.append(lax.rev(_ramp(end_values[i][1], edge, hi, i, array), (i,)))
    array = _concat(parts, i)
  return array


_STAT_FUNCS: dict[str, Callable] = {
    "maximum": lambda x, axis: jnp.max(x, axis=axis, keepdims=True),
    "minimum": lambda x, axis: jnp.min(x, axis=axis, keepdims=True),
    "mean": lambda x, axis: jnp.mean(x, axis=axis, keepdims=True),
    "median": lambda x, axis: _sorting.median(x, axis=axis, keepdims=True),
}


def _pad_stats(array, pad_width, stat_length, mode: str):
  stat = _STAT_FUNCS[mode]
  if mode == "median" and dtype_of(array).kind == "c":
    raise ValueError("quantile does not support complex input, as the operation is poorly "
                     "defined.")
  for i, (lo, hi) in enumerate(pad_width):
    if lo == hi == 0:
      continue
    n = shape_of(array)[i]
    if stat_length is None:
      before = after = stat(array, i)
    else:
      len_lo, len_hi = stat_length[i]
      if len_lo == 0 or len_hi == 0:
        raise ValueError("stat_length of 0 yields no value for padding")
      len_lo, len_hi = builtins.min(len_lo, n), builtins.min(len_hi, n)
      before = stat(_slice(array, 0, len_lo, i), i)
      after = stat(_slice(array, n - len_hi, n, i), i)
    if dtype_of(array).kind in "iu":
      before, after = jnp.round(before), jnp.round(after)
    before, after = _cast_like(before, array), _cast_like(after, array)
    array = _concat([_repeat_edge(before, lo, i), array, _repeat_edge(after, hi, i)], i)
  return array


def _pad_empty(array, pad_width):
  # JAX's jnp.empty is jnp.zeros: the padding is zeros.
  for i, (lo, hi) in enumerate(pad_width):
    if lo == hi == 0:
      continue
    parts = []
    for n in (lo, hi):
      shape = list(shape_of(array))
      shape[i] = n
      parts.append(lax.full_like(array, 0, shape=tuple(shape)))
    array = _concat([parts[0], array, parts[1]], i)
  return array


def _pad_func(array, pad_width, func: Callable, **kwargs):
  from numjax._src.numpy.extra import apply_along_axis
  padded = _pad_constant(array, pad_width, 0)
  for axis in range(ndim_of(padded)):
    padded = apply_along_axis(func, axis, padded, pad_width[axis], axis, kwargs)
  return padded


# ----------------------------------------------------------------------------------------------
# The public function
# ----------------------------------------------------------------------------------------------
def pad(array, pad_width, mode: str | Callable[..., Any] = "constant", **kwargs):
  """Pad an array (NumPy's `np.pad`, with JAX's modes, keyword arguments and errors).

      >>> jnp.pad(jnp.array([1., 2., 3.]), (1, 2), mode="edge")
      Array([1., 1., 2., 3., 3., 3.], dtype=float32)
  """
  check_arraylike("pad", array)
  array = jnp.asarray(array)
  nd = ndim_of(array)
  pad_width = _int_pairs(_broadcast_to_pairs(pad_width, nd, "pad_width"), "pad_width")
  if callable(mode):
    return _pad_func(array, pad_width, mode, **kwargs)
  try:
    allowed = _ALLOWED_KWARGS[mode]
  except (KeyError, TypeError):
    raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.") from None
  unsupported = set(kwargs) - set(allowed)
  if unsupported:
    raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
  if nd == 0:
    return array
  if builtins.any(lo < 0 or hi < 0 for lo, hi in pad_width):
    raise ValueError("index can't contain negative values")

  if mode == "constant":
    return _pad_constant(array, pad_width, kwargs.get("constant_values", 0))
  if mode == "wrap":
    return _pad_wrap(array, pad_width)
  if mode in ("symmetric", "reflect"):
    return _pad_symmetric_or_reflect(array, pad_width, mode, kwargs.get("reflect_type", "even"))
  if mode == "edge":
    return _pad_edge(array, pad_width)
  if mode == "linear_ramp":
    end_values = _broadcast_to_pairs(kwargs.get("end_values", 0), nd, "end_values")
    return _pad_linear_ramp(array, pad_width, end_values)
  if mode in _STAT_FUNCS:
    stat_length = kwargs.get("stat_length")
    if stat_length is not None:
      stat_length = _int_pairs(_broadcast_to_pairs(stat_length, nd, "stat_length"),
                               "stat_length")
      if builtins.any(lo < 0 or hi < 0 for lo, hi in stat_length):
        raise ValueError("index can't contain negative values")
    return _pad_stats(array, pad_width, stat_length, mode)
  return _pad_empty(array, pad_width)
