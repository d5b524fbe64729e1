"""NumPy indexing on arrays and tracers: `x[i]`, `x[1:, None, ...]`, and `x.at[...]` updates.

An index is parsed once (`parse_indices`), then computed the way JAX does, trying in order:
  1. static slicing (`slice`, `rev`, `squeeze`, `expand_dims`) when every index is a static
     int (in bounds) / slice / None / Ellipsis;
  2. `dynamic_slice` when the ints may be traced scalars and slices have unit steps
     (negative indices are wrapped, out-of-bound starts clamped);
  3. a `gather` (numjax/_src/numpy/advanced_indexing.py) for everything else: integer and
     boolean arrays, strided slices mixed with traced ints, `.at[...].get(mode='fill')`.
Indexed updates (`x.at[idx].set(v)`, `.add`, ...) always become one scatter.

    >>> x = jnp.arange(6).reshape(2, 3)
    >>> x[1, ::-1]
    Array([5, 4, 3], dtype=int32)
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.config import config
from numjax._src.core import Tracer, get_aval
from numjax._src.lax import lax


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------
class IndexType(enum.Enum):
  NONE = "none"
  SLICE = "slice"
  ELLIPSIS = "ellipsis"
  INTEGER = "integer"   # a static Python / NumPy integer
  BOOLEAN = "boolean"   # a boolean scalar or mask
  ARRAY = "array"       # an integer array or tracer (possibly 0-d), or a sequence of ints


class ParsedIndex(NamedTuple):
  index: Any
  typ: IndexType
  axes: tuple           # the operand axes it consumes


def _is_int(i) -> bool:
  return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _index_type(i) -> IndexType:
  if i is None:
    return IndexType.NONE
  if i is Ellipsis:
    return IndexType.ELLIPSIS
  if isinstance(i, slice):
    return IndexType.SLICE
  if _is_int(i):
    return IndexType.INTEGER
  if isinstance(i, (bool, np.bool_)):
    return IndexType.BOOLEAN
  if type(i) is Array or isinstance(i, (Tracer, np.ndarray)):
    kind = get_aval(i).dtype.kind if not isinstance(i, np.ndarray) else i.dtype.kind
    if kind == "b":
      return IndexType.BOOLEAN
    if kind in "iu":
      return IndexType.ARRAY
    dt = i.dtype
    raise TypeError(f"Indexer must have integer or boolean type, got indexer with type {dt}")
  if isinstance(i, str):
    raise TypeError(f"JAX does not support string indexing; got idx={i!r}")
  if isinstance(i, Sequence):
    if not i:
      return IndexType.ARRAY
    if all(isinstance(e, (bool, np.bool_)) for e in i):
      return IndexType.BOOLEAN
    dt = _sequence_dtype(i)
    if dt.kind == "b":
      return IndexType.BOOLEAN
    if dt.kind in "iu":
      return IndexType.ARRAY
    raise TypeError(f"Indexer must have integer or boolean type, got indexer with type {dt}")
  if isinstance(i, (float, complex, np.generic)):
    raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                    f"{np.dtype(type(i))}")
  raise IndexError("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and "
                   f"integer or boolean arrays are valid indices. Got {i}")


def _sequence_dtype(seq) -> np.dtype:
  leaves = []

  def walk(o):
    if isinstance(o, (list, tuple)):
      for v in o:
        walk(v)
    else:
      leaves.append(o)
  walk(seq)
  return dtypes.result_type(*leaves)


def _non_tuple_sequence_error(idx) -> TypeError:
  unpack = any((isinstance(e, (np.ndarray, Array)) and np.ndim(e) != 0)
               or isinstance(e, (Sequence, slice)) or e is Ellipsis or e is None for e in idx)
  fix = "`arr[tuple(seq)]`" if unpack else "`arr[array(seq)]`"
  return TypeError("Using a non-tuple sequence for multidimensional indexing is not allowed; "
                   f"use {fix} instead of `arr[seq]`. See "
                   "https://github.com/jax-ml/jax/issues/4564 for more information.")


def parse_indices(idx, shape: tuple) -> list[ParsedIndex]:
  """Classify each index and find the operand axes it consumes (Ellipsis expands)."""
  if not isinstance(idx, tuple):
    if isinstance(idx, Sequence) and not isinstance(idx, str):
      raise _non_tuple_sequence_error(idx)
    idx = (idx,)
  types = [_index_type(i) for i in idx]
  consumed = []
  for i, t in zip(idx, types):
    if t in (IndexType.NONE, IndexType.ELLIPSIS):
      consumed.append(0)
    elif t == IndexType.BOOLEAN:
      consumed.append(np.ndim(i) if not isinstance(i, (Array, Tracer)) else get_aval(i).ndim)
    else:
      consumed.append(1)
  n_ell = types.count(IndexType.ELLIPSIS)
  if n_ell > 1:
    raise IndexError("an index can only have a single ellipsis ('...')")
  total = sum(consumed)
  if total > len(shape):
    raise IndexError(f"Too many indices: array is {len(shape)}-dimensional, but {total} were "
                     f"indexed")
  if n_ell:
    consumed[types.index(IndexType.ELLIPSIS)] = len(shape) - total
  out, axis = [], 0
  for i, t, n in zip(idx, types, consumed):
    out.append(ParsedIndex(i, t, tuple(range(axis, axis + n))))
    axis += n
  return out


def expand_ellipsis(parsed: list[ParsedIndex], ndim: int) -> list[ParsedIndex]:
  """Ellipsis and the implicit trailing axes become explicit full slices."""
  out, consumed = [], 0
  for p in parsed:
    consumed += len(p.axes)
    if p.typ == IndexType.ELLIPSIS:
      out.extend(ParsedIndex(slice(None), IndexType.SLICE, (a,)) for a in p.axes)
    else:
      out.append(p)
  out.extend(ParsedIndex(slice(None), IndexType.SLICE, (a,)) for a in range(consumed, ndim))
  return out


def _static_slice_element(v) -> bool:
  return v is None or _is_int(v) or core.concrete_value(v) is not None and not isinstance(
      v, (float, complex))


def slice_is_static(s: slice) -> bool:
  return all(_static_slice_element(v) for v in (s.start, s.stop, s.step))


def validate_slices(parsed) -> None:
  for pos, p in enumerate(parsed):
    if p.typ == IndexType.SLICE and not slice_is_static(p.index):
      raise IndexError(f"Slice entries must be static integers. Got {p.index} at position "
                       f"{pos}")


def _slice_indices(s: slice, n: int) -> tuple:
  vals = [None if v is None else int(v if _is_int(v) else core.concrete_value(v))
          for v in (s.start, s.stop, s.step)]
  if vals[2] == 0:
    raise ValueError("slice step cannot be zero")
  return slice(*vals).indices(n)


def _validate_static_ints(parsed, shape) -> bool:
  """Whether every static int index is in bounds (after wrapping negatives)."""
  for p in parsed:
    if p.typ == IndexType.INTEGER:
      n = shape[p.axes[0]]
      i = int(p.index)
      if not 0 <= (i + n if i < 0 else i) < n:
        return False
  return True


def _check_static_indices(parsed, shape) -> None:
  for p in parsed:
    if p.typ == IndexType.INTEGER:
      axis, = p.axes
      n = shape[axis]
      i = int(p.index)
      if not 0 <= (i + n if i < 0 else i) < n:
        raise IndexError(f"index {i} out of bounds for axis {axis} with size {n} "
                         f"(normalize_indices=True)")


# ----------------------------------------------------------------------------------------------
# x[idx]
# ----------------------------------------------------------------------------------------------
def getitem(x, idx):
  """x[idx] with NumPy semantics (static shapes); out-of-bound integers are clamped, as JAX's
  default indexing mode does."""
  if type(x) is Array and core._ctx.trace is core.eval_trace:
    out = _eager_basic_index(x, idx)
    if out is not None:
      return out
  return rewriting_take(x, idx)


def is_basic_static_index(idx, shape) -> bool:
  """Whether `idx` is in-bounds Python ints and slices of Python ints (at most one per axis):
  an index NumPy's basic indexing evaluates exactly as JAX does."""
  items = idx if type(idx) is tuple else (idx,)
  if len(items) > len(shape):
    return False
  for n, it in zip(shape, items):
    t = type(it)
    if t is int:
      if not -n <= it < n:
        return False
    elif t is slice:
      a, b, c = it.start, it.stop, it.step
      if not ((a is None or type(a) is int) and (b is None or type(b) is int)
              and (c is None or (type(c) is int and c != 0))):
        return False
    else:
      return False
  return True


def _eager_basic_index(x, idx):
  """Eager x[idx] for a basic static index (NumPy's basic indexing gives JAX's values, as a
  view: Arrays are immutable) or one integer-array index with full slices elsewhere (a take,
  clamped as JAX's gather is). Anything else returns None for the general path."""
  v = x._value
  if is_basic_static_index(idx, v.shape):
    return Array(v[idx], x.weak_type)
  items = idx if type(idx) is tuple else (idx,)
  if len(items) > v.ndim:
    return None
  take_axis = None
  for axis, it in enumerate(items):
    t = type(it)
    if (t is Array or t is np.ndarray) and take_axis is None and it.dtype.kind in "iu":
      take_axis = axis
    elif not (t is slice and it == slice(None)):
      return None
  n = v.shape[take_axis] if take_axis is not None else 0
  if n == 0:
    return None
  i = np.asarray(items[take_axis])
  i = np.clip(np.where(i < 0, i + n, i), 0, n - 1)  # JAX normalizes, then clamps
  return Array(np.take(v, i, axis=take_axis), x.weak_type)


def _concrete_scalar_ints(idx, x):
  """Eagerly, a concrete integer scalar Array index behaves like the Python int (the value is
  the same either way); this keeps `x[jnp.array(1)]` on the cheap static path."""
  if (type(x) is not Array or core.current_trace() is not core.eval_trace
      or config.read("jax_check_static_indices")):
    return idx

  def conv(i):
    if (type(i) is Array or type(i) is np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu":
      return int(i)
    return i
  if isinstance(idx, tuple):
    return tuple(conv(i) for i in idx)
  return conv(idx)


def rewriting_take(x, idx, *, indices_are_sorted=False, unique_indices=False, mode=None,
                   fill_value=None):
  """x[idx] by static slicing, dynamic_slice or gather (the first that applies)."""
  from numjax._src.lax.indexing import GatherScatterMode
  x = lax.asarray(x)
  shape = get_aval(x).shape
  parsed = parse_indices(_concrete_scalar_ints(idx, x), shape)
  parsed_mode = None if mode is None else GatherScatterMode.from_any(mode)
  plain = parsed_mode in (None, GatherScatterMode.PROMISE_IN_BOUNDS)
  if config.read("jax_check_static_indices") and plain:
    _check_static_indices(parsed, shape)
  if plain or parsed_mode == GatherScatterMode.CLIP:
    out = _try_static_slice(x, parsed, shape, clip=not plain)
    if out is not None:
      return out
    out = _try_dynamic_slice(x, parsed, shape)
    if out is not None:
      return out
  from numjax._src.numpy import advanced_indexing
  return advanced_indexing.gather_take(x, parsed, shape, indices_are_sorted=indices_are_sorted,
                                       unique_indices=unique_indices, mode=mode,
                                       fill_value=fill_value)


_STATIC_TYPES = (IndexType.INTEGER, IndexType.ELLIPSIS, IndexType.SLICE, IndexType.NONE)


def _try_static_slice(x, parsed, shape, clip):
  if any(p.typ not in _STATIC_TYPES for p in parsed):
    return None
  if any(p.typ == IndexType.SLICE and not slice_is_static(p.index) for p in parsed):
    return None
  if not clip and not _validate_static_ints(parsed, shape):
    return None
  starts, limits, strides, rev_axes, squeeze_axes, newaxis_dims = [], [], [], [], [], []
  for p in expand_ellipsis(parsed, len(shape)):
    if p.typ == IndexType.NONE:
      newaxis_dims.append(len(starts) - len(squeeze_axes) + len(newaxis_dims))
    elif p.typ == IndexType.INTEGER:
      axis, = p.axes
      n = shape[axis]
      if n == 0:
        raise IndexError(f"index is out of bounds for axis {axis} with size 0")
      i = int(p.index)
      i = min(max(i + n if i < 0 else i, 0), n - 1)
      starts.append(i)
      limits.append(i + 1)
      strides.append(1)
      squeeze_axes.append(axis)
    else:
      axis, = p.axes
      n = shape[axis]
      start, stop, step = _slice_indices(p.index, n)
      if step < 0:
        new_start = min(n, stop + 1 + abs(start - stop - 1) % abs(step))
        starts.append(new_start)
        limits.append(max(new_start, start + 1))
        strides.append(-step)
        rev_axes.append(axis)
      else:
        starts.append(start)
        limits.append(max(start, stop))
        strides.append(step)
  out = x
  if not (all(s == 1 for s in strides) and tuple(starts) == (0,) * len(shape)
          and tuple(limits) == tuple(shape)):
    out = lax.slice(out, starts, limits,
                    None if all(s == 1 for s in strides) else strides)  # as JAX binds it
  if rev_axes:
    out = lax.rev(out, rev_axes)
  if squeeze_axes:
    out = lax.squeeze(out, squeeze_axes)
  if newaxis_dims:
    out = lax.expand_dims(out, newaxis_dims)
  return out


def _is_scalar_array(p: ParsedIndex) -> bool:
  if p.typ != IndexType.ARRAY or isinstance(p.index, Sequence):
    return False
  if isinstance(p.index, np.ndarray):
    return p.index.ndim == 0
  return get_aval(p.index).ndim == 0


def _try_dynamic_slice(x, parsed, shape):
  for p in parsed:
    if p.typ in (IndexType.INTEGER, IndexType.ELLIPSIS, IndexType.NONE):
      continue
    if p.typ == IndexType.SLICE:
      s = p.index
      if not slice_is_static(s):
        return None
      if s.step is not None and _slice_indices(slice(None, None, s.step), 1)[2] not in (1, -1):
        return None
      continue
    if _is_scalar_array(p):
      continue
    return None
  starts, sizes, rev_axes, squeeze_axes, newaxis_dims = [], [], [], [], []
  for p in expand_ellipsis(parsed, len(shape)):
    if p.typ == IndexType.NONE:
      newaxis_dims.append(len(starts) - len(squeeze_axes) + len(newaxis_dims))
    elif p.typ in (IndexType.INTEGER, IndexType.ARRAY):
      axis, = p.axes
      if shape[axis] == 0:
        return None     # the gather path raises the IndexError
      starts.append(lax.asarray(p.index))
      sizes.append(1)
      squeeze_axes.append(axis)
    else:
      axis, = p.axes
      n = shape[axis]
      start, stop, step = _slice_indices(p.index, n)
      if step < 0:
        new_start = stop + 1 + abs(start - stop - 1) % abs(step)
        starts.append(new_start)
        sizes.append(max(0, start + 1 - new_start))
        rev_axes.append(axis)
      else:
        starts.append(start)
        sizes.append(max(0, stop - start))
  out = x
  if squeeze_axes or tuple(sizes) != tuple(shape) or any(
      not _is_int(s) or s != 0 for s in starts):
    if len(starts) > 1:
      starts = [_to_int32(s) for s in starts]
    starts = [wrap_negative(s, n) for s, n in zip(starts, shape)]
    out = lax.dynamic_slice(out, starts, sizes, allow_negative_indices=False)  # wrapped above
  if rev_axes:
    out = lax.rev(out, rev_axes)
  if squeeze_axes:
    out = lax.squeeze(out, squeeze_axes)
  if newaxis_dims:
    out = lax.expand_dims(out, newaxis_dims)
  return out


def _to_int32(i):
  """Convert an index to strongly typed int32 (no-op when it already is)."""
  if _is_int(i):
    return Array(np.array(i, np.int32), False)
  if type(i) is Array:
    return i if i.dtype == np.int32 and not i.weak_type else Array(
        np.asarray(i._value, np.int32), False)
  aval = get_aval(i)
  if aval.dtype == np.int32 and not aval.weak_type:
    return i
  return lax.convert_element_type(i, np.int32)


def wrap_negative(i, n: int):
  """i + n where i < 0 (NumPy's negative indices), staged as JAX stages it."""
  if _is_int(i):
    return Array(np.array(i + n if i < 0 else i, np.int32), False)
  if type(i) is Array and core.current_trace() is core.eval_trace:
    v = i._value
    return Array(np.where(v < 0, v + np.asarray(n, v.dtype), v).astype(v.dtype), i.weak_type
                 and v.dtype.kind != "u")
  aval = get_aval(i)
  if aval.dtype.kind == "u":
    return i
  pred = lax.lt(i, 0)
  shifted = i if not aval.weak_type else lax.convert_element_type(i, aval.dtype)
  size = Array(np.array(n, aval.dtype), False)
  return lax.select(pred, lax.add(shifted, size), i)


# ----------------------------------------------------------------------------------------------
# x.at[idx]
# ----------------------------------------------------------------------------------------------
class _IndexUpdateHelper:
  """`x.at[idx]` returns an `_IndexUpdateRef` with get/set/add/subtract/multiply/divide/power/
  min/max: functional versions of `x[idx] op= y`.

  >>> jnp.zeros(3).at[1].add(2.)
  Array([0., 2., 0.], dtype=float32)
  """
  __slots__ = ("array",)

  def __init__(self, array):
    self.array = array

  def __getitem__(self, index):
    return _IndexUpdateRef(self.array, index)

  def __repr__(self):
    return f"_IndexUpdateHelper({self.array!r})"


def _updater(kind: str, doc: str):
  """An `.at[idx].<method>(values, ...)` of JAX's signature performing update `kind`."""
  def method(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
             out_sharding=None, wrap_negative_indices=True):
    return self._update(kind, values, indices_are_sorted, unique_indices, mode)
  method.__doc__ = doc
  return method


class _IndexUpdateRef:
  __slots__ = ("array", "index")

  def __init__(self, array, index):
    self.array = array
    self.index = index

  def __repr__(self):
    return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

  def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None,
          out_sharding=None, wrap_negative_indices=True):
    """x[idx]; `mode='fill'` returns `fill_value` (default NaN / min int) out of bounds."""
    return rewriting_take(self.array, self.index, indices_are_sorted=indices_are_sorted,
                          unique_indices=unique_indices, mode=mode, fill_value=fill_value)

  def _update(self, kind, values, indices_are_sorted, unique_indices, mode, array=None):
    from numjax._src.numpy import advanced_indexing
    return advanced_indexing.update(self.array if array is None else array, self.index,
                                    values, kind, mode, indices_are_sorted=indices_are_sorted,
                                    unique_indices=unique_indices)

  set = _updater("set", "x[idx] = values.")
  add = _updater("add", "x[idx] += values (repeated indices accumulate).")
  subtract = _updater("sub", "x[idx] -= values.")
  multiply = mul = _updater("mul", "x[idx] *= values.")
  min = _updater("min", "x[idx] = minimum(x[idx], values).")
  max = _updater("max", "x[idx] = maximum(x[idx], values).")

  def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
             out_sharding=None, wrap_negative_indices=True):
    """x[idx] /= values."""
    from numjax._src.numpy import lax_numpy as jnp
    ones = jnp.ones_like(self.array)
    return jnp.divide(self.array, self._update("mul", values, indices_are_sorted,
                                               unique_indices, mode, array=ones))

  def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
    """x[idx] **= values."""
    from numjax._src.numpy import lax_numpy as jnp
    ones = jnp.ones_like(self.array)
    return jnp.power(self.array, self._update("mul", values, indices_are_sorted,
                                              unique_indices, mode, array=ones))
