"""Advanced NumPy indexing as one gather / scatter, and the index functions of `jnp`.

`gather_take(x, parsed, ...)` computes `x[idx]` for any index (integer / boolean arrays,
strided slices, traced scalars, None, Ellipsis) and `update(x, idx, values, kind, mode)` the
`x.at[idx]` updates. Both translate the index into one set of gather dimension numbers, as
JAX does: the broadcast integer arrays become one block of index-vector components (placed
where the first advanced index was when they are adjacent, else first), unit-step slices
become window axes, strided slices become iota index components, None adds axes afterwards.
Boolean masks must be concrete (their `nonzero` sets the output shape).

Also: take, take_along_axis, put_along_axis, choose, compress, extract, select, piecewise,
indices, ix_, diag_indices(_from), tril/triu_indices(_from), unravel_index,
ravel_multi_index, nonzero/argwhere/flatnonzero (with `size=`/`fill_value=` under jit).

    >>> x = jnp.arange(12).reshape(3, 4)
    >>> x[jnp.array([2, 0]), 1:3]
    Array([[ 9, 10],
           [ 1,  2]], dtype=int32)
"""
from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer, get_aval
from numjax._src.errors import JAXTypeError, NonConcreteBooleanIndexError
from numjax._src.jit import jit
from numjax._src.lax import lax
from numjax._src.lax import indexing as lax_indexing
from numjax._src.lax.indexing import (GatherDimensionNumbers, GatherScatterMode,
                                      ScatterDimensionNumbers)
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.indexing import (IndexType, ParsedIndex, expand_ellipsis, parse_indices,
                                        validate_slices, _slice_indices)
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import canonicalize_axis, check_arraylike, promote_dtypes


# ----------------------------------------------------------------------------------------------
# The index -> gather translation
# ----------------------------------------------------------------------------------------------
class _GatherPlan(NamedTuple):
  slice_shape: tuple          # shape of x[idx]
  gather_slice_shape: tuple   # the gather's slice_sizes
  gather_indices: Any         # the gather's index array (index vector last)
  dnums: GatherDimensionNumbers
  unique_indices: bool        # no advanced indices: windows cannot repeat
  indices_are_sorted: bool
  reversed_y_dims: tuple      # output axes of negative-step slices, reversed after the gather
  newaxis_dims: tuple         # None axes, inserted after the gather
  scalar_bool_dims: tuple     # operand axes inserted for scalar boolean indices


def _ndim(i) -> int:
  return get_aval(i).ndim if isinstance(i, (Array, Tracer)) else np.ndim(i)


def expand_bool_indices(parsed: list[ParsedIndex], shape: tuple) -> list[ParsedIndex]:
  """Boolean masks become the integer arrays of their nonzero positions (masks must be
  concrete); scalar booleans stay."""
  out = []
  for pos, p in enumerate(parsed):
    if p.typ != IndexType.BOOLEAN:
      out.append(p)
      continue
    mask = p.index
    if isinstance(mask, Tracer):
      c = mask.to_concrete_value()
      if c is None:
        raise NonConcreteBooleanIndexError(mask.aval)
      mask = c
    mask = np.asarray(mask._value if type(mask) is Array else mask)
    if mask.ndim == 0:
      out.append(ParsedIndex(bool(mask), IndexType.BOOLEAN, ()))
      continue
    expected = [shape[a] for a in p.axes]
    if not all(s1 in (0, s2) for s1, s2 in zip(mask.shape, expected)):
      raise IndexError(f"boolean index did not match shape of indexed array in index {pos}: "
                       f"got {mask.shape}, expected {expected}")
    for arr, axis in zip(np.nonzero(mask), p.axes):
      out.append(ParsedIndex(arr, IndexType.ARRAY, (axis,)))
  return out


def _index_dtype(shape) -> np.dtype:
  return np.dtype(np.int32) if builtins.all(d < 2**31 for d in shape) else np.dtype(np.int64)


def _as_index(a, dtype):
  """`a` as a strongly typed integer array of `dtype` (no-op if it already is one)."""
  if type(a) is Array:
    return a if a.dtype == dtype and not a.weak_type else Array(np.asarray(a._value, dtype))
  if isinstance(a, Tracer):
    aval = get_aval(a)
    if aval.dtype == dtype and not aval.weak_type:
      return a
    return lax.convert_element_type(a, dtype)
  return Array(np.asarray(a, dtype), False)


def _normalize(p: ParsedIndex, shape) -> ParsedIndex:
  """Wrap negative indices (p is an INTEGER or ARRAY index on one axis)."""
  axis, = p.axes
  n = shape[axis]
  i = p.index
  if p.typ == IndexType.INTEGER:
    if isinstance(i, np.unsignedinteger):
      return p
    return ParsedIndex(i + n if i < 0 else i, p.typ, p.axes)
  if isinstance(i, np.ndarray):   # as JAX: the comparison in NumPy, the rest staged
    if i.dtype.kind == "u":
      return p
    iv = Array(np.asarray(i, dtypes.canonicalize_dtype(i.dtype)), False)
    pred = Array(np.asarray(i < 0), False)
    return ParsedIndex(lax.select(pred, lax.add(iv, np.array(n, iv.dtype)), iv), p.typ, p.axes)
  aval = get_aval(i)
  if aval.dtype.kind == "u":
    return p
  size = np.array(n, aval.dtype)
  return ParsedIndex(lax.select(lax.lt(i, 0), lax.add(i, size), i), p.typ, p.axes)


def index_to_gather(parsed: list[ParsedIndex], shape: tuple, normalize: bool = True
                    ) -> _GatherPlan:
  validate_slices(parsed)
  parsed = [ParsedIndex(jnp.asarray(p.index), p.typ, p.axes)
            if isinstance(p.index, Sequence) else p for p in parsed]
  adv_pos = [k for k, p in enumerate(parsed) if p.typ in (IndexType.ARRAY, IndexType.INTEGER)]
  contiguous = builtins.all(b - a == 1 for a, b in zip(adv_pos, adv_pos[1:]))
  parsed = expand_ellipsis(parsed, len(shape))

  # Scalar booleans: a new size-1 operand axis indexed by arange(1) (True) or arange(0).
  scalar_bool_dims = tuple(n for n, p in enumerate(parsed) if p.typ == IndexType.BOOLEAN)
  shape = list(shape)
  new, axis = [], 0
  for n, p in enumerate(parsed):
    if p.typ == IndexType.BOOLEAN:
      shape.insert(n, 1)
      new.append(ParsedIndex(np.arange(int(p.index)), IndexType.ARRAY, (axis,)))
      axis += 1
    else:
      new.append(ParsedIndex(p.index, p.typ, tuple(range(axis, axis + len(p.axes)))))
      axis += len(p.axes)
  parsed, shape = new, tuple(shape)
  if normalize:
    parsed = [_normalize(p, shape) if p.typ in (IndexType.INTEGER, IndexType.ARRAY) else p
              for p in parsed]

  advanced = builtins.any(p.typ == IndexType.ARRAY and _ndim(p.index) > 0 for p in parsed)
  adv_idx, adv_pos, adv_axes = [], [], []
  if advanced:
    j = 0
    for k, p in enumerate(parsed):
      if p.typ == IndexType.NONE:
        continue
      if p.typ in (IndexType.ARRAY, IndexType.INTEGER):
        adv_idx.append(p.index)
        adv_pos.append(k)
        adv_axes.append(j)
      j += 1

  index_dtype = _index_dtype(shape)
  x_axis = y_axis = collapsed_y_axis = 0
  offset_dims, collapsed, start_index_map = [], [], []
  gather_indices, gather_indices_shape = [], []
  slice_shape, newaxis_dims, reversed_y_dims, gather_slice_shape = [], [], [], []

  for k, p in enumerate(parsed):
    if adv_idx and (contiguous and k == adv_pos[0] or not contiguous and k == 0):
      arrs = [jnp.asarray(a) if not isinstance(a, (Array, Tracer)) else a for a in adv_idx]
      arrs = jnp.broadcast_arrays(*arrs)
      bshape = tuple(get_aval(arrs[0]).shape)
      start_dim = len(gather_indices_shape)
      gather_indices.extend((_as_index(a, index_dtype), start_dim) for a in arrs)
      gather_indices_shape.extend(bshape)
      start_index_map.extend(adv_axes)
      collapsed.extend(adv_axes)
      slice_shape.extend(bshape)
      y_axis += len(bshape)
      collapsed_y_axis += len(bshape)
    if k in adv_pos:
      x_axis += 1
      gather_slice_shape.append(1)
      continue
    if p.typ in (IndexType.INTEGER, IndexType.ARRAY):   # a scalar integer
      if shape[x_axis] == 0:
        raise IndexError(f"index is out of bounds for axis {x_axis} with size 0")
      gather_indices.append((_as_index(p.index, index_dtype), len(gather_indices_shape)))
      collapsed.append(x_axis)
      gather_slice_shape.append(1)
      start_index_map.append(x_axis)
      x_axis += 1
    elif p.typ == IndexType.NONE:
      slice_shape.append(1)
      newaxis_dims.append(y_axis)
      y_axis += 1
    elif p.typ == IndexType.SLICE:
      n = shape[x_axis]
      r = range(*_slice_indices(p.index, n))
      start, step, size = r.start, r.step, len(r)
      slice_shape.append(size)
      if step == 1:
        if size != n:
          gather_indices.append((Array(np.array(start, index_dtype), False),
                                 len(gather_indices_shape)))
          start_index_map.append(x_axis)
        gather_slice_shape.append(size)
        offset_dims.append(collapsed_y_axis)
      else:
        idx = lax.add(Array(np.array(start, index_dtype), False),
                      lax.mul(Array(np.array(step, index_dtype), False),
                              lax.iota(index_dtype, size)))
        if step < 0:
          reversed_y_dims.append(collapsed_y_axis)
          idx = lax.rev(idx, (0,))
        gather_slice_shape.append(1)
        gather_indices.append((idx, len(gather_indices_shape)))
        start_index_map.append(x_axis)
        gather_indices_shape.append(size)
        collapsed.append(x_axis)
      collapsed_y_axis += 1
      y_axis += 1
      x_axis += 1
    else:
      raise IndexError(f"Got unsupported indexer at position {k}: {p.index!r}")

  if not gather_indices:
    gather_indices_array = Array(np.zeros((0,), index_dtype), False)
  elif len(gather_indices) == 1:
    g, _ = gather_indices[0]
    gather_indices_array = lax.expand_dims(g, (get_aval(g).ndim,))
  else:
    target = tuple(gather_indices_shape) + (1,)
    gather_indices_array = lax.concatenate(
        [lax.broadcast_in_dim(g, target, tuple(range(i, i + get_aval(g).ndim)))
         for g, i in gather_indices], len(gather_indices_shape))
  dnums = GatherDimensionNumbers(tuple(offset_dims), tuple(sorted(collapsed)),
                                 tuple(start_index_map))
  return _GatherPlan(tuple(slice_shape), tuple(gather_slice_shape), gather_indices_array,
                     dnums, not adv_idx, not adv_idx, tuple(reversed_y_dims),
                     tuple(newaxis_dims), scalar_bool_dims)


def gather_take(x, parsed, shape, *, indices_are_sorted=False, unique_indices=False, mode=None,
                fill_value=None):
  """x[idx] as one gather (see the module doc); `parsed` comes from `parse_indices`."""
  parsed = expand_bool_indices(parsed, shape)
  plan = index_to_gather(parsed, shape)
  if fill_value is not None:
    c = core.concrete_value(fill_value)
    if c is None:
      raise core.ConcretizationTypeError(fill_value, "fill_value argument to indexed get()")
    if np.ndim(c) != 0:
      raise ValueError("fill_value argument to indexed get() must be a scalar")
    fill_value = np.asarray(c).item()
  y = x
  if plan.scalar_bool_dims:
    y = lax.expand_dims(y, plan.scalar_bool_dims)
  if 0 in plan.slice_shape:
    return lax.full_like(y, 0, shape=plan.slice_shape)
  if 0 not in get_aval(plan.gather_indices).shape:
    y = lax_indexing.gather(y, plan.gather_indices, plan.dnums, plan.gather_slice_shape,
                            unique_indices=unique_indices or plan.unique_indices,
                            indices_are_sorted=indices_are_sorted or plan.indices_are_sorted,
                            mode=mode, fill_value=fill_value)
  if plan.reversed_y_dims:
    y = lax.rev(y, plan.reversed_y_dims)
  if plan.newaxis_dims:
    y = lax.expand_dims(y, plan.newaxis_dims)
  return y


def getitem(x, idx):
  """x[idx] through the gather path (any index)."""
  x = lax.asarray(x)
  shape = get_aval(x).shape
  return gather_take(x, parse_indices(idx, shape), shape)


_SCATTERS = {"set": lax_indexing.scatter, "add": lax_indexing.scatter_add,
             "sub": lax_indexing.scatter_sub, "mul": lax_indexing.scatter_mul,
             "min": lax_indexing.scatter_min, "max": lax_indexing.scatter_max}


_EAGER_UPDATES = {"set": None, "add": np.add, "sub": np.subtract, "mul": np.multiply,
                  "min": np.minimum, "max": np.maximum}


def _eager_basic_update(x, idx, values, kind):
  """Eager x.at[idx].<kind>(values) for a basic in-bounds index (no repeated elements) and
  values already of x's type: NumPy on a copy. None sends anything else to the scatter."""
  from numjax._src.numpy.indexing import is_basic_static_index
  v = x._value
  if kind not in _EAGER_UPDATES or not is_basic_static_index(idx, v.shape):
    return None
  t = type(values)
  if t is Array:
    y = values._value
    if y.dtype != v.dtype:   # promotion would change the computation: the scatter path
      return None
  elif (t is float and v.dtype.kind in "fc") or (t is int and v.dtype.kind in "iuf"):
    if t is int and v.dtype.kind in "iu" and not (
        np.iinfo(v.dtype).min <= values <= np.iinfo(v.dtype).max):
      return None
    y = values
  else:
    return None
  out = np.array(v)   # a copy: Arrays are immutable
  target = out[idx]
  if np.shape(y) not in ((), np.shape(target)):
    return None   # broadcasting (and its errors) as the scatter path does them
  op = _EAGER_UPDATES[kind]
  out[idx] = y if op is None else op(target, y)
  return Array(out, x.weak_type)


def update(x, idx, values, kind: str, mode=None, *, indices_are_sorted=False,
           unique_indices=False):
  """The `x.at[idx]` update `kind` ('set', 'add', 'sub', 'mul', 'min', 'max', 'pow') as one
  scatter; out-of-bound indices are dropped unless `mode='clip'`."""
  if kind == "pow":
    return jnp.power(x, update(jnp.ones_like(x), idx, values, "mul", mode,
                               indices_are_sorted=indices_are_sorted,
                               unique_indices=unique_indices))
  scatter_fn = _SCATTERS[kind]
  x = jnp.asarray(x)
  if mode is None and type(x) is Array and core._ctx.trace is core.eval_trace:
    out = _eager_basic_update(x, idx, values, kind)
    if out is not None:
      return out
  x_aval = get_aval(x)
  if (type(values) is int and x_aval.dtype.kind in "iu"
      and np.iinfo(x_aval.dtype).min <= values <= np.iinfo(x_aval.dtype).max):
    y = jnp.asarray(values, x_aval.dtype)
  else:
    y = jnp.asarray(values)
  shape = x_aval.shape
  parsed = expand_bool_indices(parse_indices(idx, shape), shape)
  plan = index_to_gather(parsed, shape)
  if 0 in plan.slice_shape:
    return x
  xp, y = promote_dtypes(x, y)
  y = jnp.broadcast_to(y, plan.slice_shape)
  if plan.newaxis_dims:
    y = lax.squeeze(y, plan.newaxis_dims)
  if plan.reversed_y_dims:
    y = lax.rev(y, plan.reversed_y_dims)
  if plan.scalar_bool_dims:
    xp = lax.expand_dims(xp, plan.scalar_bool_dims)
  d = plan.dnums
  dnums = ScatterDimensionNumbers(d.offset_dims, d.collapsed_slice_dims, d.start_index_map,
                                  d.operand_batching_dims, d.start_indices_batching_dims)
  out = scatter_fn(xp, plan.gather_indices, y, dnums,
                   indices_are_sorted=plan.indices_are_sorted or indices_are_sorted,
                   unique_indices=plan.unique_indices or unique_indices, mode=mode)
  if plan.scalar_bool_dims:
    out = lax.squeeze(out, plan.scalar_bool_dims)
  out_aval = get_aval(out)
  if out_aval.dtype != x_aval.dtype or out_aval.weak_type != x_aval.weak_type:
    out = lax.convert_element_type(out, x_aval.dtype, x_aval.weak_type)
  return out


# ----------------------------------------------------------------------------------------------
# Index functions of jnp
# ----------------------------------------------------------------------------------------------
def _wrap_index(i, n: int):
  """NumPy's negative indices: i + n where i < 0 (unsigned indices as they are)."""
  aval = get_aval(i)
  if aval.dtype.kind == "u":
    return i
  return lax.select(lax.lt(i, 0), lax.add(i, np.array(n, aval.dtype)), i)


def _check_int_indices(name, indices):
  dt = get_aval(indices).dtype
  if dt.kind not in "iu":
    raise TypeError(f"{name} indices must be of integer type, got {dt}")


def take(a, indices, axis: int | None = None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
  """Elements of `a` at `indices` along `axis` (flattened if None). Out-of-bound indices
  give `fill_value` (NaN / min int by default, `mode='fill'`) or are clamped (`'clip'`);
  `'wrap'` wraps them.

  >>> jnp.take(jnp.array([10., 11., 12.]), jnp.array([2, -1, 5]))
  Array([12., 12., nan], dtype=float32)
  """
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
  check_arraylike("take", a, indices)
  a, indices = jnp.asarray(a), jnp.asarray(indices)
  if get_aval(indices).dtype.kind not in "iu":  # JAX raises ValueError here (TypeError below)
    raise ValueError(f"indices must have an integer type, got {get_aval(indices).dtype} "
                     "(jnp.take)")
  if axis is None:
    a = jnp.ravel(a)
    axis = 0
  else:
    axis = canonicalize_axis(axis, jnp.ndim(a))
  shape = get_aval(a).shape
  n = shape[axis]
  if mode is None or mode == "fill":
    gmode = GatherScatterMode.FILL_OR_DROP
    indices = _wrap_index(indices, n)
  elif mode == "raise":
    raise NotImplementedError("The 'raise' mode to jnp.take is not supported.")
  elif mode == "wrap":
    indices = jnp.mod(indices, np.array(builtins.max(n, 1), get_aval(indices).dtype))
    gmode = GatherScatterMode.PROMISE_IN_BOUNDS
  elif mode == "clip":
    gmode = GatherScatterMode.CLIP
  else:
    raise ValueError(f"Invalid mode '{mode}' for np.take")
  ishape = get_aval(indices).shape
  if n == 0:
    if int(np.prod(ishape)) != 0:
      raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
    return a
  if int(np.prod(ishape)) == 0:
    return lax.full_like(a, 0, shape=shape[:axis] + ishape + shape[axis + 1:])
  k = len(ishape)
  sizes = list(shape)
  sizes[axis] = 1
  dn = GatherDimensionNumbers(tuple(range(axis)) + tuple(range(axis + k, len(shape) + k - 1)),
                              (axis,), (axis,))
  return lax_indexing.gather(a, lax.expand_dims(indices, (k,)), dn, tuple(sizes), mode=gmode,
                             unique_indices=unique_indices,
                             indices_are_sorted=indices_are_sorted, fill_value=fill_value)


def take_along_axis(arr, indices, axis: int | None = -1, mode=None, fill_value=None):
  """`out[..., j, ...] = arr[..., indices[..., j, ...], ...]` along `axis`; the other axes
  broadcast. Out-of-bound indices fill (NaN by default) unless `mode='clip'`.

  >>> x = jnp.array([[4., 1., 3.]])
  >>> jnp.take_along_axis(x, jnp.argsort(x, axis=1), axis=1)
  Array([[1., 3., 4.]], dtype=float32)
  """
  return _take_along_axis_jit(arr, indices, axis=axis, mode=mode, fill_value=fill_value)


def _take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None):
  check_arraylike("take_along_axis", arr, indices)
  a, indices = jnp.asarray(arr), jnp.asarray(indices)
  _check_int_indices("take_along_axis", indices)
  if axis is None:
    if jnp.ndim(indices) != 1:
      raise ValueError(f"take_along_axis indices must be 1D if axis=None, got shape "
                       f"{get_aval(indices).shape}")
    a = jnp.ravel(a)
    axis = 0
  rank = jnp.ndim(a)
  if rank != jnp.ndim(indices):
    raise ValueError(f"indices and arr must have the same number of dimensions; "
                     f"{jnp.ndim(indices)} vs. {rank}")
  axis = canonicalize_axis(axis, rank)
  a_shape, i_shape = get_aval(a).shape, get_aval(indices).shape
  n = a_shape[axis]
  arr_shape = tuple(1 if d == axis else s for d, s in enumerate(a_shape))
  out_shape = tuple(_util_broadcast_shapes(i_shape, arr_shape))
  if n == 0:
    return lax.full(out_shape, 0, get_aval(a).dtype)
  if mode != "promise_in_bounds":
    indices = _wrap_index(indices, n)
  # Axes where indices has size 1 are window axes of the gather; axes where only `arr` has
  # size 1 are squeezed out of it; the rest pair up as batching axes.
  index_dims = [d for d, s in enumerate(i_shape) if d == axis or s != 1]
  gather_indices = lax.reshape(indices, tuple(out_shape[d] for d in index_dims) + (1,))
  sizes, offset, start_map, collapsed, obd, ibd, squeeze = [], [], [], [], [], [], []
  new_i = j = 0
  for d in range(rank):
    if d == axis:
      sizes.append(1)
      start_map.append(new_i)
      collapsed.append(new_i)
      new_i += 1
      j += 1
    elif i_shape[d] == 1:
      offset.append(d)
      sizes.append(arr_shape[d])
      new_i += 1
    elif arr_shape[d] == 1:
      squeeze.append(d)
      j += 1
    else:
      sizes.append(0 if arr_shape[d] == 0 else 1)
      obd.append(new_i)
      ibd.append(j)
      new_i += 1
      j += 1
  a = lax.squeeze(a, squeeze)
  dn = GatherDimensionNumbers(tuple(offset), tuple(collapsed), tuple(start_map), tuple(obd),
                              tuple(ibd))
  return lax_indexing.gather(a, gather_indices, dn, tuple(sizes),
                             mode="fill" if mode is None else mode, fill_value=fill_value)


_take_along_axis.__name__ = "take_along_axis"
_take_along_axis_jit = jit(_take_along_axis, static_argnames=("axis", "mode", "fill_value"))


def _sparse_indices(shape):
  return [lax.broadcasted_iota(np.int32, tuple(s if i == d else 1 for i, s in enumerate(shape)),
                               d) for d in range(len(shape))]


def put_along_axis(arr, indices, values, axis: int | None, inplace: bool = True, *,
                   mode=None):
  """A copy of `arr` with `values` put at `indices` along `axis` (pass `inplace=False`: JAX
  arrays are immutable)."""
  if inplace:
    raise ValueError("jax.numpy.put_along_axis cannot modify arrays in-place, because JAX "
                     "arrays are immutable. Pass inplace=False to instead return an updated "
                     "array.")
  check_arraylike("put_along_axis", arr, indices, values)
  a, indices, values = jnp.asarray(arr), jnp.asarray(indices), jnp.asarray(values)
  original_shape = get_aval(a).shape
  if axis is None:
    a = jnp.ravel(a)
    axis = 0
  axis = canonicalize_axis(axis, jnp.ndim(a))
  i_shape, a_shape = get_aval(indices).shape, get_aval(a).shape
  if len(i_shape) != len(a_shape) or any(
      i not in (1, s) for d, (i, s) in enumerate(zip(i_shape, a_shape)) if d != axis):
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={[i_shape, a_shape]}")
  idx = _sparse_indices(i_shape)
  idx[axis] = indices
  out = update(a, tuple(idx), values, "set", mode)
  return lax.reshape(out, original_shape)


def choose(a, choices, out=None, mode: str = "raise"):
  """`choices[a[i]][i]` elementwise (all broadcast together). `mode`: 'raise' (needs a
  concrete `a`), 'wrap' or 'clip'."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
  if not isinstance(choices, (list, tuple)) and not hasattr(choices, "__len__"):
    raise TypeError(f"jnp.choose: choices must be a sequence of arrays, got {choices!r}")
  check_arraylike("choose", a, *choices)
  a = jnp.asarray(a)
  if get_aval(a).dtype.kind not in "iu":
    raise ValueError("`a` array must be integer typed")
  n = len(choices)
  if mode == "raise":
    c = core.concrete_value(a)
    if c is None:
      raise core.ConcretizationTypeError(a, "The error occurred in jnp.choose()")
    if np.any((c < 0) | (c >= n)):
      raise ValueError("invalid entry in choice array")
  elif mode == "wrap":
    a = jnp.mod(a, np.array(n, get_aval(a).dtype))
  elif mode == "clip":
    a = jnp.clip(a, 0, n - 1)
  else:
    raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
  a, *choices = jnp.broadcast_arrays(a, *choices)
  stacked = jnp.stack(choices)
  shape = get_aval(a).shape
  return getitem(stacked, (a,) + tuple(_sparse_indices(shape)))


def compress(condition, a, axis: int | None = None, *, size: int | None = None,
             fill_value=0, out=None):
  """The slices of `a` along `axis` where `condition` (1-D) is true. With a static `size`,
  the result is padded with `fill_value` / truncated (usable under jit)."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
  check_arraylike("compress", condition, a, fill_value)
  cond = jnp.asarray(condition)
  if get_aval(cond).dtype != np.bool_:
    cond = lax.ne(cond, lax.full_like(cond, 0))
  arr = jnp.asarray(a)
  if jnp.ndim(cond) != 1:
    raise ValueError("condition must be a 1D array")
  if axis is None:
    axis = 0
    arr = jnp.ravel(arr)
  else:
    axis = canonicalize_axis(axis, jnp.ndim(arr))
    arr = jnp.moveaxis(arr, axis, 0)
  m = get_aval(arr).shape[0]
  nc = get_aval(cond).shape[0]
  extra = lax.slice_in_dim(cond, builtins.min(m, nc), nc) if nc > m else None
  cond = lax.slice_in_dim(cond, 0, builtins.min(m, nc))
  arr = lax.slice_in_dim(arr, 0, builtins.min(m, nc))
  if size is None:
    if extra is not None and bool(np.any(np.asarray(extra))):
      raise ValueError("condition contains entries that are out of bounds")
    result = getitem(arr, cond)
  else:
    k = get_aval(arr).shape[0]
    if not 0 <= size <= k:
      raise ValueError("size must be positive and not greater than the size of the array "
                       f"axis; got size={size} for a.shape[axis]={k}")
    mask = lax.broadcast_in_dim(cond, get_aval(arr).shape, (0,))
    arr = lax.select(mask, arr, lax.full_like(arr, fill_value))
    from numjax._src.numpy import sorting
    order = sorting.argsort(cond, stable=True, descending=True)
    result = lax.slice_in_dim(getitem(arr, order), 0, size)
  return jnp.moveaxis(result, 0, axis)


def extract(condition, arr, *, size: int | None = None, fill_value=0):
  """The elements of `arr` where `condition` is true (both flattened)."""
  return compress(jnp.ravel(condition), jnp.ravel(arr), size=size, fill_value=fill_value)


def select(condlist, choicelist, default=0):
  """choicelist[k] at each element where condlist[k] is the first true condition, else
  `default`."""
  if not hasattr(condlist, "__len__") or not hasattr(choicelist, "__len__"):
    raise TypeError("jnp.select: condlist and choicelist must be sequences (of arrays), got "
                    f"{type(condlist).__name__} and {type(choicelist).__name__}")
  if len(condlist) != len(choicelist):
    raise ValueError(f"condlist must have length equal to choicelist ({len(condlist)} vs "
                     f"{len(choicelist)})")
  if len(condlist) == 0:
    raise ValueError("condlist must be non-empty")
  for c in condlist:
    if jnp.asarray(c).dtype != np.bool_:
      raise TypeError(f"condlist must be a list of boolean arrays, got {jnp.asarray(c).dtype}")
  out = default
  for cond, choice in zip(reversed(condlist), reversed(choicelist)):
    out = jnp.where(cond, choice, out)
  return jnp.asarray(out)


def piecewise(x, condlist, funclist, *args, **kw):
  """funclist[k](x) where condlist[k] holds (later conditions win); with one extra function,
  it is the default where no condition holds. Constants stand for constant functions."""
  x = jnp.asarray(x)
  if isinstance(condlist, (bool, np.bool_)) or jnp.ndim(jnp.asarray(condlist)) == jnp.ndim(x):
    condlist = [condlist]
  nc, nf = len(condlist), len(funclist)
  if nf not in (nc, nc + 1):
    raise ValueError(f"with {nc} condition(s), either {nc} or {nc + 1} functions are "
                     f"expected; got {nf}")
  dtype = get_aval(x).dtype

  def apply(f):
    v = f(x, *args, **kw) if callable(f) else f
    return lax.convert_element_type(jnp.broadcast_to(jnp.asarray(v), get_aval(x).shape),
                                     dtype)
  out = apply(funclist[nc]) if nf == nc + 1 else lax.full_like(x, 0)
  for cond, f in zip(condlist, funclist):
    out = lax.select(jnp.broadcast_to(jnp.asarray(cond, np.bool_), get_aval(x).shape),
                     apply(f), out)
  return out


def indices(dimensions, dtype=None, sparse: bool = False):
  """Index grids: `out[d][i0, i1, ...] = i_d` (dense) or broadcastable pieces (sparse)."""
  dtype = dtypes.canonicalize_dtype(dtype or dtypes.default_int())
  dimensions = jnp._shape_arg(dimensions)
  nd = len(dimensions)
  out = []
  for d, n in enumerate(dimensions):
    shape = tuple(n if i == d else 1 for i in range(nd)) if sparse else dimensions
    out.append(lax.broadcasted_iota(dtype, shape, d))
  return tuple(out) if sparse else (jnp.stack(out) if out else
                                    Array(np.zeros((0,), dtype), False))


def ix_(*args):
  """Open mesh from 1-D sequences: `x[jnp.ix_(rows, cols)]` picks a sub-matrix."""
  n = len(args)
  out = []
  for k, a in enumerate(args):
    a = jnp.asarray(a)
    if jnp.ndim(a) != 1:
      raise ValueError(f"Arguments to jax.numpy.ix_ must be 1-dimensional, got shape "
                       f"{get_aval(a).shape}")
    if get_aval(a).dtype == np.bool_:
      raise NotImplementedError("Boolean arguments to jax.numpy.ix_ are not implemented")
    shape = [1] * n
    shape[k] = get_aval(a).shape[0]
    out.append(lax.reshape(a, tuple(shape)))
  return tuple(out)


def _int_arrays(*arrs):
  return tuple(Array(np.asarray(a, dtypes.default_int()), False) for a in arrs)


def diag_indices(n: int, ndim: int = 2):
  """Indices of the main diagonal of an n x n x ... array."""
  from numjax._src.lax.base import index_arg
  n, ndim = index_arg(n, "diag_indices n"), index_arg(ndim, "diag_indices ndim")
  if n < 0:
    raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
  if ndim < 0:
    raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
  return _int_arrays(*([np.arange(n)] * ndim))


def diag_indices_from(arr):
  shape = get_aval(jnp.asarray(arr)).shape
  if len(shape) < 2:
    raise ValueError("input array must be at least 2-d")
  if len(set(shape)) != 1:
    raise ValueError("All dimensions of input must be of equal length")
  return diag_indices(shape[0], len(shape))


def tril_indices(n: int, k: int = 0, m: int | None = None):
  """Row and column indices of the lower triangle of an (n, m) array."""
  n, k, m = _tri_args("tril_indices", n, k, m)
  return _int_arrays(*np.tril_indices(n, k, m))


def triu_indices(n: int, k: int = 0, m: int | None = None):
  """Row and column indices of the upper triangle of an (n, m) array."""
  n, k, m = _tri_args("triu_indices", n, k, m)
  return _int_arrays(*np.triu_indices(n, k, m))


def _tri_args(name, n, k, m):
  from numjax._src.lax.base import index_arg
  return (index_arg(n, f"jnp.{name} n"), index_arg(k, f"jnp.{name} k"),
          None if m is None else index_arg(m, f"jnp.{name} m"))


def tril_indices_from(arr, k: int = 0):
  shape = get_aval(jnp.asarray(arr)).shape
  if len(shape) != 2:
    raise ValueError("Only 2-D inputs are accepted")
  return tril_indices(shape[0], k, shape[1])


def triu_indices_from(arr, k: int = 0):
  shape = get_aval(jnp.asarray(arr)).shape
  if len(shape) != 2:
    raise ValueError("Only 2-D inputs are accepted")
  return triu_indices(shape[0], k, shape[1])


def unravel_index(indices, shape):
  """Flat indices to a tuple of coordinate arrays (out-of-range indices are clipped)."""
  check_arraylike("unravel_index", indices)
  idx = jnp.asarray(indices)
  shape = jnp._shape_arg(shape)
  dt = get_aval(idx).dtype
  if dt.kind not in "iu":
    raise TypeError(f"Only integer indices are allowed, got {dt}")
  total = int(np.prod(shape, dtype=np.int64))
  if total == 0:
    raise ValueError("unravel_index: shape has a zero-size dimension")
  idx = jnp.clip(idx, -total, total - 1)
  idx = jnp.where(lax.lt(idx, 0), jnp.add(idx, total), idx)
  out = []
  stride = total
  for s in shape:
    stride //= s
    out.append(jnp.remainder(jnp.floor_divide(idx, stride), s) if s != 1
               else jnp.zeros_like(idx))
  return tuple(out)


def ravel_multi_index(multi_index, dims, mode: str = "raise", order: str = "C"):
  """Coordinate arrays to flat indices into an array of shape `dims`."""
  dims = jnp._shape_arg(dims)
  if not isinstance(multi_index, (tuple, list)):
    raise TypeError(f"ravel_multi_index: multi_index must be a tuple of index arrays, got "
                    f"{type(multi_index).__name__}")
  if len(multi_index) != len(dims):
    raise ValueError(f"parameter multi_index must be a sequence of length {len(dims)}")
  if order not in ("C", "F"):
    raise ValueError("only 'C' or 'F' order is permitted")
  check_arraylike("ravel_multi_index", *multi_index)
  idx = [jnp.asarray(i) for i in multi_index]
  for i in idx:
    if get_aval(i).dtype.kind not in "iu":
      raise TypeError(f"only int indices permitted, got {get_aval(i).dtype}")
  if mode == "raise":
    for i, d in zip(idx, dims):
      c = core.concrete_value(i)
      if c is None:
        raise core.ConcretizationTypeError(i, "The error occurred in jnp.ravel_multi_index()")
      if np.any((c < 0) | (c >= d)):
        raise ValueError("invalid entry in coordinates array")
  elif mode == "clip":
    idx = [jnp.clip(i, 0, d - 1) for i, d in zip(idx, dims)]
  elif mode == "wrap":
    idx = [jnp.remainder(i, d) for i, d in zip(idx, dims)]
  else:
    raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', or 'clip'")
  strides = np.cumprod((1,) + (dims[::-1] if order == "C" else dims)[:-1])
  strides = strides[::-1] if order == "C" else strides
  out = None
  for i, s in zip(idx, strides):
    term = jnp.multiply(i, int(s))
    out = term if out is None else jnp.add(out, term)
  return out if out is not None else Array(np.array(0, dtypes.default_int()), False)


def nonzero(a, *, size: int | None = None, fill_value=None):
  """Indices of the nonzero elements, one array per axis. Under jit, pass a static `size`:
  the result is truncated or padded with `fill_value` (default 0; a scalar or one per axis).

  >>> jnp.nonzero(jnp.array([0, 5, 0, 6]), size=3, fill_value=-1)
  (Array([ 1,  3, -1], dtype=int32),)
  """
  check_arraylike("nonzero", a)
  arr = jnp.asarray(a)
  shape = get_aval(arr).shape
  if not shape:
    raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                     "jnp.atleast_1d(scalar).nonzero() instead.")
  idt = dtypes.default_int()
  c = core.concrete_value(arr)
  if size is None:
    if c is None:
      raise core.ConcretizationTypeError(
          arr, "The size argument of jnp.nonzero must be statically specified to use "
          "jnp.nonzero within JAX transformations.")
    return tuple(Array(np.asarray(i, idt), False) for i in np.nonzero(np.asarray(c)))
  size = int(size)
  fills = fill_value if isinstance(fill_value, tuple) else (fill_value,) * len(shape)
  if len(fills) != len(shape) or builtins.any(np.shape(f) != () for f in fills
                                              if f is not None):
    raise ValueError(f"fill_value must be a scalar or a tuple of length {len(shape)}; got "
                     f"{fill_value}")
  mask = arr if get_aval(arr).dtype == np.bool_ else lax.ne(arr, lax.full_like(arr, 0))
  flat = lax.reshape(mask, (int(np.prod(shape)),))
  total = get_aval(flat).shape[0]
  if total == 0 or size == 0:
    return tuple(lax.full((size,), f if f is not None else 0, idt) for f in fills)
  # Slot of each nonzero element in the output: its rank among the nonzeros.
  from numjax._src.lax.cumulative import cumsum
  as_int = lax.convert_element_type(flat, idt)
  rank = lax.sub(cumsum(as_int, 0), np.array(1, idt))
  slot = lax.select(flat, rank, lax.full((total,), size, idt))
  pos = lax_indexing.scatter(
      lax.full((size,), 0, idt), lax.reshape(slot, (total, 1)), lax.iota(idt, total),
      ScatterDimensionNumbers((), (0,), (0,)), unique_indices=True, mode="drop")
  count = lax.reduce_sum(as_int, (0,))
  valid = lax.lt(lax.iota(idt, size), count)
  out = []
  stride = total
  for s, f in zip(shape, fills):
    stride //= s
    coord = lax.rem(lax.div(pos, np.array(stride, idt)), np.array(s, idt))
    out.append(lax.select(valid, coord, lax.full((size,), 0 if f is None else f, idt)))
  return tuple(out)


def flatnonzero(a, *, size: int | None = None, fill_value=None):
  """Indices of the nonzero elements of the flattened array."""
  return nonzero(jnp.ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size: int | None = None, fill_value=None):
  """Coordinates of the nonzero elements, one row each: shape (count or size, a.ndim)."""
  a = jnp.asarray(a)
  nd = jnp.ndim(a)
  result = jnp.stack(nonzero(jnp.atleast_1d(a), size=size, fill_value=fill_value), axis=1)
  if nd == 0:
    return lax.reshape(lax.slice_in_dim(result, 0, 0, axis=1), (get_aval(result).shape[0], 0))
  return result
