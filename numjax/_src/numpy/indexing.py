"""NumPy indexing on arrays and tracers: `x[i]`, `x[1:, None, ...]`, and `x.at[...]` updates."""
from __future__ import annotations

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer, get_aval
from numjax._src.lax import lax


def _is_int_scalar(i) -> bool:
  if isinstance(i, (bool, np.bool_)):
    return False
  if isinstance(i, (int, np.integer)):
    return True
  if type(i) is Array or isinstance(i, Tracer):
    aval = get_aval(i)
    return aval.ndim == 0 and aval.dtype.kind in "iu"
  return False


def _expand_ellipsis(idx: tuple, ndim: int) -> tuple:
  n_ell = sum(1 for i in idx if i is Ellipsis)
  if n_ell > 1:
    raise IndexError("an index can only have a single ellipsis ('...')")
  used = sum(1 for i in idx if i is not None and i is not Ellipsis and not _is_bool_mask(i))
  used += sum(np.ndim(i) for i in idx if _is_bool_mask(i))
  if used > ndim:
    raise IndexError(f"Too many indices: {ndim}-dimensional array, but {used} were indexed")
  if n_ell:
    k = idx.index(Ellipsis)
    return idx[:k] + (slice(None),) * (ndim - used) + idx[k + 1:]
  return idx + (slice(None),) * (ndim - used)


def _is_bool_mask(i) -> bool:
  if isinstance(i, (bool, np.bool_)):
    return True
  if isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype == np.bool_:
    return True
  if type(i) is Array or isinstance(i, Tracer):
    return get_aval(i).dtype == np.bool_
  return False


def _is_advanced(i) -> bool:
  if i is None or i is Ellipsis or isinstance(i, slice) or _is_int_scalar(i):
    return False
  return True


def getitem(x, idx):
  """x[idx] with NumPy semantics (static shapes)."""
  if not isinstance(idx, tuple):
    idx = (idx,)
  if any(_is_advanced(i) for i in idx):
    from numjax._src.numpy import advanced_indexing
    return advanced_indexing.getitem(x, idx)
  shape = get_aval(x).shape
  idx = _expand_ellipsis(idx, len(shape))
  out = x
  starts, limits, strides, squeeze_axes, rev_axes = [], [], [], [], []
  dynamic = []
  new_shape_inserts = []
  axis = 0
  out_axis = 0
  for i in idx:
    if i is None:
      new_shape_inserts.append(out_axis)
      out_axis += 1
      continue
    n = shape[axis]
    if isinstance(i, slice):
      start, stop, step = i.indices(n) if all(
          s is None or isinstance(s, (int, np.integer)) for s in (i.start, i.stop, i.step)) \
          else _concrete_slice(i, n)
      if step > 0:
        length = max(0, -(-(stop - start) // step))
        starts.append(start)
        limits.append(start + (length - 1) * step + 1 if length else start)
        strides.append(step)
      else:
        length = max(0, -(-(start - stop) // -step))
        # Reverse, then slice forward.
        rev_axes.append(axis)
        s = n - 1 - start
        starts.append(s)
        limits.append(s + (length - 1) * (-step) + 1 if length else s)
        strides.append(-step)
      out_axis += 1
    else:  # integer scalar
      if not isinstance(i, Tracer):
        c = int(i)
        if not -n <= c < n:
          raise IndexError(f"index {c} is out of bounds for axis {axis} with size {n}")
        c %= n
        starts.append(c)
        limits.append(c + 1)
        strides.append(1)
      else:
        dynamic.append((axis, i))
        starts.append(0)
        limits.append(n)
        strides.append(1)
      squeeze_axes.append(axis)
    axis += 1
  if rev_axes:
    out = lax.rev(out, rev_axes)
  out = lax.slice(out, starts, limits, strides)
  if dynamic:
    cur = get_aval(out).shape
    start_idx = [np.int32(0)] * len(cur)
    sizes = list(cur)
    for ax, i in dynamic:
      i = lax.convert_element_type(i, np.int32) if get_aval(i).dtype != np.int32 else i
      start_idx[ax] = lax.select(lax.lt(i, np.int32(0)), lax.add(i, np.int32(cur[ax])), i)
      sizes[ax] = 1
    out = lax.dynamic_slice(out, start_idx, sizes)
  if squeeze_axes:
    out = lax.squeeze(out, squeeze_axes)
  if new_shape_inserts:
    out = lax.expand_dims(out, new_shape_inserts)
  return out


def _concrete_slice(s: slice, n: int):
  vals = []
  for v in (s.start, s.stop, s.step):
    if v is None:
      vals.append(None)
      continue
    c = core.concrete_value(v)
    if c is None:
      raise IndexError("Array slice indices must have static start/stop/step to be used with "
                       "NumPy indexing syntax. Found slice(" + ", ".join(
                           repr(v) for v in (s.start, s.stop, s.step)) + "). To index a "
                       "statically sized array at a dynamic position, try lax.dynamic_slice/"
                       "dynamic_update_slice (JAX does not support dynamically sized arrays "
                       "within JIT compiled functions).")
    vals.append(int(c))
  return slice(*vals).indices(n)


class _IndexUpdateHelper:
  """`x.at[idx]` returns an `_IndexUpdateRef` with set/add/multiply/min/max/get."""
  __slots__ = ("array",)

  def __init__(self, array):
    self.array = array

  def __getitem__(self, index):
    return _IndexUpdateRef(self.array, index)

  def __repr__(self):
    return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
  __slots__ = ("array", "index")

  def __init__(self, array, index):
    self.array = array
    self.index = index

  def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None):
    return getitem(self.array, self.index)

  def _update(self, kind, values, mode):
    from numjax._src.numpy import advanced_indexing
    return advanced_indexing.update(self.array, self.index, values, kind, mode)

  def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    return self._update("set", values, mode)

  def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    return self._update("add", values, mode)

  def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    from numjax._src.numpy import lax_numpy as jnp
    return self._update("add", jnp.negative(values), mode)

  def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    return self._update("mul", values, mode)

  mul = multiply

  def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    from numjax._src.numpy import lax_numpy as jnp
    return self._update("mul", jnp.reciprocal(values), mode)

  def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    return self._update("pow", values, mode)

  def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    return self._update("min", values, mode)

  def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None):
    return self._update("max", values, mode)
