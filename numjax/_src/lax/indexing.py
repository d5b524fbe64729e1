"""Gather and scatter: XLA's general indexing operations, with JAX's dimension numbers.

`gather(operand, indices, dimension_numbers, slice_sizes)` takes, for every index vector
`indices[b..., :]` (the index vector is always the last axis), a window of `slice_sizes`
starting at that position; `scatter-*` combines `updates` windows into a copy of the operand.
All NumPy indexing (`x[...]`, `x.at[...]`) is expressed with them, as in JAX:

    x[i]            gather(x, i[:, None], GatherDimensionNumbers(offset_dims=(1,),
                           collapsed_slice_dims=(0,), start_index_map=(0,)), (1, n))
    x.at[i].add(v)  scatter-add(x, i[:, None], v, ScatterDimensionNumbers(...))

`operand_batching_dims` pair operand axes with index axes elementwise; they make every
batching rule a renumbering of dimensions (no loops). Out-of-bound windows are clamped
(`CLIP`, and gathers under `PROMISE_IN_BOUNDS`), filled with `fill_value` (gather under
`FILL_OR_DROP`) or dropped (scatter under `FILL_OR_DROP` / `PROMISE_IN_BOUNDS`).
The impls compute the flat operand position of every output / update element and make one
`np.take` / assignment / `ufunc.at` call on the flattened operand.

Also the vmap rules of `dynamic_slice` / `dynamic_update_slice` with batched start indices
(`batched_dynamic_slice`, `batched_dynamic_update_slice`), which become a gather / scatter.
"""
from __future__ import annotations

import enum
from typing import NamedTuple, Sequence

import numpy as np

from numjax._src import core
from numjax._src.core import Jaxpr, JaxprEqn, ShapedArray, Var
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import operand_aval, primitive


# ----------------------------------------------------------------------------------------------
# Dimension numbers and modes
# ----------------------------------------------------------------------------------------------
class GatherDimensionNumbers(NamedTuple):
  """How the axes of `operand`, `indices` (index vector last) and the output relate.

  offset_dims: output axes holding the window axes (operand axes neither collapsed nor
    batching, in order). collapsed_slice_dims: operand axes of window size 1 dropped from the
    output. start_index_map: operand axis of each index-vector component.
    operand_batching_dims / start_indices_batching_dims: operand axes paired one-to-one with
    indices axes (like a vmap over both).

  Example: `x[i]` for x of shape (3, 4) and i of shape (2,) is
  `gather(x, i[:, None], GatherDimensionNumbers((1,), (0,), (0,)), (1, 4))`.
  """
  offset_dims: tuple
  collapsed_slice_dims: tuple
  start_index_map: tuple
  operand_batching_dims: tuple = ()
  start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
  """The mirror image of `GatherDimensionNumbers` for scatters.

  update_window_dims: axes of `updates` that are window axes. inserted_window_dims: operand
  axes with window size 1 absent from `updates`. scatter_dims_to_operand_dims: operand axis
  of each index-vector component. operand_batching_dims / scatter_indices_batching_dims:
  paired operand and indices axes.
  """
  update_window_dims: tuple
  inserted_window_dims: tuple
  scatter_dims_to_operand_dims: tuple
  operand_batching_dims: tuple = ()
  scatter_indices_batching_dims: tuple = ()


class GatherScatterMode(enum.Enum):
  """Out-of-bound windows: CLIP clamps them in bounds; FILL_OR_DROP fills gathered windows with
  `fill_value` and drops scattered ones; PROMISE_IN_BOUNDS clamps gathers, drops scatters."""
  CLIP = enum.auto()
  FILL_OR_DROP = enum.auto()
  PROMISE_IN_BOUNDS = enum.auto()
  ONE_HOT = enum.auto()

  @staticmethod
  def from_any(s) -> "GatherScatterMode":
    if isinstance(s, GatherScatterMode):
      return s
    if s == "clip":
      return GatherScatterMode.CLIP
    if s is None or s == "fill" or s == "drop":
      return GatherScatterMode.FILL_OR_DROP
    if s == "promise_in_bounds":
      return GatherScatterMode.PROMISE_IN_BOUNDS
    if s == "one_hot":
      return GatherScatterMode.ONE_HOT
    raise ValueError(f'Unknown gather mode "{s}"')


_CLIP = GatherScatterMode.CLIP
_FILL = GatherScatterMode.FILL_OR_DROP
_PROMISE = GatherScatterMode.PROMISE_IN_BOUNDS


def _tuple(xs) -> tuple:
  return tuple(int(x) for x in xs)


# Dimension numbers keep their elements as given (JAX prints NumPy ints as `np.int64(1)`).
def _canon_gather_dnums(d) -> GatherDimensionNumbers:
  return GatherDimensionNumbers(*(tuple(f) for f in d))


def _canon_scatter_dnums(d) -> ScatterDimensionNumbers:
  return ScatterDimensionNumbers(*(tuple(f) for f in d))


def _gather_dnums_of(s: ScatterDimensionNumbers) -> GatherDimensionNumbers:
  """The gather that reads back the windows a scatter writes."""
  return GatherDimensionNumbers(s.update_window_dims, s.inserted_window_dims,
                                s.scatter_dims_to_operand_dims, s.operand_batching_dims,
                                s.scatter_indices_batching_dims)


def _scatter_dnums_of(g: GatherDimensionNumbers) -> ScatterDimensionNumbers:
  return ScatterDimensionNumbers(g.offset_dims, g.collapsed_slice_dims, g.start_index_map,
                                 g.operand_batching_dims, g.start_indices_batching_dims)


def _scatter_window_sizes(operand_shape, updates_shape, dn: ScatterDimensionNumbers) -> tuple:
  sizes, pos = [], 0
  for i in range(len(operand_shape)):
    if i in dn.inserted_window_dims or i in dn.operand_batching_dims:
      sizes.append(1)
    else:
      sizes.append(updates_shape[dn.update_window_dims[pos]])
      pos += 1
  return tuple(sizes)


# ----------------------------------------------------------------------------------------------
# Index computation shared by the gather and scatter impls
# ----------------------------------------------------------------------------------------------
def _flat_index(shape, indices, start_map, dropped, operand_bdims, indices_bdims,
                window_out_dims, sizes, check: bool):
  """The flat (row-major) operand position of every element of the gather output / the
  updates, as an int64 array broadcastable to that shape.

  Window starts are clamped into bounds; with `check`, also returns the mask (broadcastable
  likewise) of index vectors whose whole window was in bounds, else None.
  """
  nb = indices.ndim - 1
  out_rank = nb + len(window_out_dims)
  wset = set(window_out_dims)
  batch_pos = [p for p in range(out_rank) if p not in wset]
  bshape = indices.shape[:-1]

  def expand(a):
    s = [1] * out_rank
    for k, p in enumerate(batch_pos):
      s[p] = a.shape[k]
    return a.reshape(s)

  flat, mask, w, stride = np.zeros((1,) * out_rank, np.int64), None, 0, 1
  strides = []
  for n in reversed(shape):
    strides.append(stride)
    stride *= n
  strides.reverse()
  for d in range(len(shape)):
    if d in start_map:
      st = indices[..., start_map.index(d)].astype(np.int64)
      hi = shape[d] - sizes[d]
      if check:
        ok = (st >= 0) & (st <= hi)
        mask = ok if mask is None else mask & ok
      flat = flat + expand(np.clip(st, 0, max(hi, 0)) * strides[d])
    elif d in operand_bdims:
      ax = indices_bdims[operand_bdims.index(d)]
      r = [1] * nb
      r[ax] = bshape[ax]
      flat = flat + expand(np.arange(bshape[ax], dtype=np.int64).reshape(r) * strides[d])
    if d not in dropped and d not in operand_bdims:
      s = [1] * out_rank
      s[window_out_dims[w]] = sizes[d]
      w += 1
      flat = flat + np.arange(0, sizes[d] * strides[d], strides[d], dtype=np.int64).reshape(s)
  return flat, (None if mask is None else expand(mask))


def _default_fill(dtype):
  dtype = np.dtype(dtype)
  if dtype.kind in "fc":
    return np.nan
  if dtype.kind == "i":
    return np.iinfo(dtype).min
  if dtype.kind == "u":
    return np.iinfo(dtype).max
  if dtype == np.bool_:
    return True
  raise ValueError(f"Unsupported dtype for gather fill_value {dtype}")


# ----------------------------------------------------------------------------------------------
# gather
# ----------------------------------------------------------------------------------------------
def _gather_out_shape(indices_shape, dn, slice_sizes) -> tuple:
  out_rank = len(dn.offset_dims) + len(indices_shape) - 1
  batch = iter(indices_shape[:-1])
  window = iter(s for i, s in enumerate(slice_sizes)
                if i not in dn.collapsed_slice_dims and i not in dn.operand_batching_dims)
  return tuple(next(window) if i in dn.offset_dims else next(batch) for i in range(out_rank))


def _take_axis(shape, nb, dn, slice_sizes):
  """The operand axis if this gather is `np.take(operand, i, axis)`, else None."""
  if dn.operand_batching_dims or len(dn.start_index_map) != 1:
    return None
  d = dn.start_index_map[0]
  if dn.collapsed_slice_dims != (d,):
    return None
  if any(slice_sizes[e] != shape[e] for e in range(len(shape)) if e != d):
    return None
  if dn.offset_dims != tuple(range(d)) + tuple(range(d + nb, len(shape) - 1 + nb)):
    return None
  return d


def _gather_impl(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                 indices_are_sorted, mode, fill_value):
  dn = dimension_numbers
  operand = np.asarray(operand)
  indices = np.asarray(indices)
  out_shape = _gather_out_shape(indices.shape, dn, slice_sizes)
  if 0 in out_shape:
    return np.zeros(out_shape, operand.dtype)
  check = mode == _FILL
  d = _take_axis(operand.shape, indices.ndim - 1, dn, slice_sizes)
  if d is not None:
    i = indices[..., 0].astype(np.int64)
    n = operand.shape[d]
    out = np.take(operand, np.clip(i, 0, n - 1), axis=d)
    if check:
      ok = (i >= 0) & (i < n)
      if not ok.all():
        ok = ok.reshape((1,) * d + ok.shape + (1,) * (operand.ndim - 1 - d))
        out = np.where(ok, out, np.asarray(fill_value, operand.dtype))
    return out
  flat, mask = _flat_index(operand.shape, indices, dn.start_index_map,
                           dn.collapsed_slice_dims, dn.operand_batching_dims,
                           dn.start_indices_batching_dims, dn.offset_dims, slice_sizes, check)
  out = np.take(operand.reshape(-1), np.broadcast_to(flat, out_shape))
  if mask is not None and not mask.all():
    out = np.where(mask, out, np.asarray(fill_value, operand.dtype))
  return out


def _is_sorted(dims, op, name):
  if list(dims) != sorted(dims):
    raise TypeError(f"{name} in {op} op must be sorted; got {tuple(dims)}")


def _no_dups(dims, op, name):
  if len(set(dims)) != len(dims):
    raise TypeError(f"{name} in {op} op must not repeat; got: {tuple(dims)}.")


def _in_range(dims, rank, op, name):
  for d in dims:
    if not 0 <= d < rank:
      raise TypeError(f"Invalid {name} set in {op} op; valid range is [0, {rank}); got: {d}.")


def _disjoint(a, b, op, na, nb):
  if set(a) & set(b):
    raise TypeError(f"{na} and {nb} in {op} op must be disjoint; got: {tuple(a)} and "
                    f"{tuple(b)}.")


def _check_batching_dims(operand, indices, obd, ibd, op, iname):
  _no_dups(obd, op, "operand_batching_dims")
  _is_sorted(obd, op, "operand_batching_dims")
  _in_range(obd, operand.ndim, op, "operand_batching_dims")
  _no_dups(ibd, op, iname)
  _in_range(ibd, indices.ndim, op, iname)
  if indices.ndim - 1 in ibd:
    raise TypeError(f"{op.capitalize()} op cannot have the index vector dimension as a "
                    f"batching dimension; got {tuple(ibd)}.")
  if len(obd) != len(ibd):
    raise TypeError(f"{op.capitalize()} op requires equal numbers of operand_batching_dims "
                    f"and {iname}, got {tuple(obd)} and {tuple(ibd)}.")
  if tuple(operand.shape[i] for i in obd) != tuple(indices.shape[i] for i in ibd):
    raise TypeError(f"{op.capitalize()} op requires operand batching dimensions and indices "
                    f"batching dimensions to have the same shape, got "
                    f"{tuple(operand.shape[i] for i in obd)} and "
                    f"{tuple(indices.shape[i] for i in ibd)}.")


def _check_indices(indices, op):
  if indices.dtype.kind not in "iu":
    raise ValueError(f"{op} indices must have an integer type, got {indices.dtype.name}")
  if indices.ndim < 1:
    raise TypeError(f"{op} indices must have rank >= 1 (the index vector is the last axis), "
                    f"got shape {indices.shape}")


def _gather_aval(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                 indices_are_sorted, mode, fill_value):
  dn = dimension_numbers
  _check_indices(indices, "gather")
  out_rank = len(dn.offset_dims) + indices.ndim - 1
  _is_sorted(dn.offset_dims, "gather", "offset_dims")
  _no_dups(dn.offset_dims, "gather", "offset_dims")
  for i, d in enumerate(dn.offset_dims):
    if not 0 <= d < out_rank:
      raise TypeError(f"Offset dimension {i} in gather op is out of bounds; got {d}, but "
                      f"should have been in [0, {out_rank})")
  if len(dn.start_index_map) != indices.shape[-1]:
    raise TypeError(f"Gather op has {len(dn.start_index_map)} elements in start_index_map "
                    f"and the bound of dimension index_vector_dim={indices.ndim - 1} of "
                    f"indices is {indices.shape[-1]}. These two numbers must be equal.")
  for i, d in enumerate(dn.start_index_map):
    if not 0 <= d < operand.ndim:
      raise TypeError(f"Invalid start_index_map; domain is [0, {operand.ndim}), got: "
                      f"{i}->{d}.")
  _no_dups(dn.start_index_map, "gather", "start_index_map")
  _is_sorted(dn.collapsed_slice_dims, "gather", "collapsed_slice_dims")
  _in_range(dn.collapsed_slice_dims, operand.ndim, "gather", "collapsed_slice_dims")
  _no_dups(dn.collapsed_slice_dims, "gather", "collapsed_slice_dims")
  _check_batching_dims(operand, indices, dn.operand_batching_dims,
                       dn.start_indices_batching_dims, "gather", "start_indices_batching_dims")
  _disjoint(dn.collapsed_slice_dims, dn.operand_batching_dims, "gather",
            "collapsed_slice_dims", "operand_batching_dims")
  _disjoint(dn.start_index_map, dn.operand_batching_dims, "gather", "start_index_map",
            "operand_batching_dims")
  if len(slice_sizes) != operand.ndim:
    raise TypeError(f"Gather op must have one slice size for every input dimension; got: "
                    f"len(slice_sizes)={len(slice_sizes)}, input_shape.rank={operand.ndim}")
  if len(slice_sizes) != (len(dn.offset_dims) + len(dn.collapsed_slice_dims)
                          + len(dn.operand_batching_dims)):
    raise TypeError(f"All components of the offset index in a gather op must either be a "
                    f"offset dimension or explicitly collapsed/batching; got "
                    f"len(slice_sizes)={len(slice_sizes)}, output_slice_sizes="
                    f"{dn.offset_dims}, collapsed_slice_dims={dn.collapsed_slice_dims}, "
                    f"operand_batching_dims={dn.operand_batching_dims}.")
  if indices.size:
    for i, (s, n) in enumerate(zip(slice_sizes, operand.shape)):
      if not 0 <= s <= n:
        raise TypeError(f"Slice size at index {i} in gather op is out of range, must be "
                        f"within [0, {n} + 1), got {s}.")
  for i, d in enumerate(dn.collapsed_slice_dims):
    if slice_sizes[d] != 1:
      raise TypeError(f"Gather op can only collapse slice dims with bound 1, but bound is "
                      f"{slice_sizes[d]} for index {d} at position {i}.")
  for i, d in enumerate(dn.operand_batching_dims):
    if slice_sizes[d] > 1:
      raise TypeError(f"Gather op can only have operand batching dims with bound 0/1, but "
                      f"bound is {slice_sizes[d]} for index {d} at position {i}.")
  return ShapedArray(_gather_out_shape(indices.shape, dn, slice_sizes), operand.dtype,
                     operand.weak_type)


gather_p = primitive("gather", _gather_impl, _gather_aval,
                     weak_type_rule=lambda args, params: getattr(args[0], "weak_type", False))


def _gather_jvp(primals, tangents, **params):
  operand, indices = primals
  out = gather_p.bind(operand, indices, **params)
  t = tangents[0]
  if type(t) is Zero:
    return out, Zero.from_primal_value(out)
  if params["mode"] == _FILL:
    params = dict(params, fill_value=0)
  return out, gather_p.bind(t, indices, **params)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
  aval = operand.aval
  if type(ct) is Zero:
    return [Zero(aval), None]
  zeros = L.full(aval.shape, 0, core.get_aval(ct).dtype)
  return [scatter_add(zeros, indices, ct, _scatter_dnums_of(dimension_numbers),
                      indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                      mode=mode), None]


def _shift(dims) -> tuple:
  # np.add, as JAX's rules do: the shifted dims print as `np.int64(1)` in jaxprs, like JAX's.
  return tuple(np.add(1, dims)) if len(dims) else ()


def _gather_batch(vals, dims, *, dimension_numbers, slice_sizes, unique_indices,
                  indices_are_sorted, mode, fill_value):
  operand, indices = vals
  od, idim = dims
  dn = dimension_numbers
  params = dict(unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
                mode=mode, fill_value=fill_value)
  if idim is None:  # the batch axis becomes a leading window axis
    operand = batching.moveaxis(operand, od, 0)
    new = GatherDimensionNumbers((0,) + _shift(dn.offset_dims), _shift(dn.collapsed_slice_dims),
                                 _shift(dn.start_index_map), _shift(dn.operand_batching_dims),
                                 dn.start_indices_batching_dims)
    sizes = (core.get_aval(operand).shape[0],) + tuple(slice_sizes)
    return gather_p.bind(operand, indices, dimension_numbers=new, slice_sizes=sizes,
                         **params), 0
  indices = batching.moveaxis(indices, idim, 0)
  if od is None:  # the batch axis is one more batch axis of the indices
    new = GatherDimensionNumbers(tuple(1 + d for d in dn.offset_dims), dn.collapsed_slice_dims,
                                 dn.start_index_map, dn.operand_batching_dims,
                                 _shift(dn.start_indices_batching_dims))
    params.update(unique_indices=False, indices_are_sorted=False)
    return gather_p.bind(operand, indices, dimension_numbers=new, slice_sizes=slice_sizes,
                         **params), 0
  operand = batching.moveaxis(operand, od, 0)  # both batched: pair the two batch axes
  new = GatherDimensionNumbers(_shift(dn.offset_dims), _shift(dn.collapsed_slice_dims),
                               _shift(dn.start_index_map),
                               (0,) + _shift(dn.operand_batching_dims),
                               (0,) + _shift(dn.start_indices_batching_dims))
  size0 = 0 if core.get_aval(operand).shape[0] == 0 else 1
  return gather_p.bind(operand, indices, dimension_numbers=new,
                       slice_sizes=(size0,) + tuple(slice_sizes), **params), 0


gather_p.jvp = _gather_jvp
gather_p.transpose = _gather_transpose
gather_p.batch = _gather_batch


def gather(operand, start_indices, dimension_numbers: GatherDimensionNumbers,
           slice_sizes: Sequence[int], *, unique_indices: bool = False,
           indices_are_sorted: bool = False, mode=None, fill_value=None):
  """XLA's gather (see `GatherDimensionNumbers`). `mode=None` promises in-bounds indices
  (clamped); `'fill'` returns `fill_value` (default NaN / min int / True) for out-of-bound
  windows; `'clip'` clamps.

  >>> x = jnp.array([10, 11, 12])
  >>> lax.gather(x, jnp.array([[2], [0]]), GatherDimensionNumbers((), (0,), (0,)), (1,))
  Array([12, 10], dtype=int32)
  """
  operand = L.asarray(operand)
  start_indices = L.asarray(start_indices)
  parsed = _PROMISE if mode is None else GatherScatterMode.from_any(mode)
  if parsed == GatherScatterMode.ONE_HOT:
    raise NotImplementedError("gather mode 'one_hot' is not supported")
  if parsed == _FILL:
    if fill_value is None:
      fill_value = _default_fill(core.get_aval(operand).dtype)
    else:
      c = core.concrete_value(fill_value)
      if c is None:
        raise core.ConcretizationTypeError(fill_value, "fill_value argument to gather")
      if np.ndim(c) != 0:
        raise ValueError("fill_value argument to indexed get() must be a scalar")
      fill_value = np.asarray(c).item()
  else:
    fill_value = None
  params = dict(dimension_numbers=_canon_gather_dnums(dimension_numbers),
                slice_sizes=_tuple(slice_sizes), unique_indices=bool(unique_indices),
                indices_are_sorted=bool(indices_are_sorted), mode=parsed, fill_value=fill_value)
  if core.current_trace() is core.eval_trace:   # staging checks shapes anyway
    _gather_aval(core.get_aval(operand), core.get_aval(start_indices), **params)
  return gather_p.bind(operand, start_indices, **params)


# ----------------------------------------------------------------------------------------------
# scatter, scatter-add, scatter-sub, scatter-mul, scatter-min, scatter-max
# ----------------------------------------------------------------------------------------------
def _scatter_aval(operand, indices, updates, *, dimension_numbers, indices_are_sorted,
                  unique_indices, mode, update_jaxpr, update_consts, _name="scatter"):
  dn = dimension_numbers
  _check_indices(indices, "scatter")
  if operand.dtype != updates.dtype:
    raise TypeError(f"lax.{_name} requires arguments to have the same dtypes, got "
                    f"{operand.dtype.name}, {updates.dtype.name}.")
  expected = indices.ndim - 1 + len(dn.update_window_dims)
  if updates.ndim != expected:
    raise TypeError(f"Updates tensor must be of rank {expected}; got {updates.ndim}.")
  _is_sorted(dn.update_window_dims, "scatter", "update_window_dims")
  _no_dups(dn.update_window_dims, "scatter", "update_window_dims")
  _in_range(dn.update_window_dims, updates.ndim, "scatter", "update_window_dims")
  _is_sorted(dn.inserted_window_dims, "scatter", "inserted_window_dims")
  _no_dups(dn.inserted_window_dims, "scatter", "inserted_window_dims")
  _in_range(dn.inserted_window_dims, operand.ndim, "scatter", "inserted_window_dims")
  _check_batching_dims(operand, indices, dn.operand_batching_dims,
                       dn.scatter_indices_batching_dims, "scatter",
                       "scatter_indices_batching_dims")
  _disjoint(dn.inserted_window_dims, dn.operand_batching_dims, "scatter",
            "inserted_window_dims", "operand_batching_dims")
  _disjoint(dn.scatter_dims_to_operand_dims, dn.operand_batching_dims, "scatter",
            "scatter_dims_to_operand_dims", "operand_batching_dims")
  window = len(dn.update_window_dims) + len(dn.inserted_window_dims) + len(
      dn.operand_batching_dims)
  if operand.ndim != window:
    raise TypeError(f"Scatter op has window of size {window}; doesn't match operand of rank "
                    f"{operand.ndim}.")
  if len(dn.scatter_dims_to_operand_dims) != indices.shape[-1]:
    raise TypeError(f"Scatter op has {len(dn.scatter_dims_to_operand_dims)} elements in "
                    f"scatter_dims_to_operand_dims and the bound of dimension "
                    f"index_vector_dim={indices.ndim - 1} of indices is {indices.shape[-1]}. "
                    f"These two numbers must be equal")
  for i, d in enumerate(dn.scatter_dims_to_operand_dims):
    if not 0 <= d < operand.ndim:
      raise TypeError(f"Invalid scatter_dims_to_operand_dims mapping; domain is "
                      f"[0, {operand.ndim}), got: {i}->{d}.")
  _no_dups(dn.scatter_dims_to_operand_dims, "scatter", "scatter_dims_to_operand_dims")
  max_sizes = [operand.shape[i] for i in range(operand.ndim)
               if i not in dn.inserted_window_dims and i not in dn.operand_batching_dims]
  for i, d in enumerate(dn.update_window_dims):
    if max_sizes[i] < updates.shape[d]:
      raise TypeError(f"Bounds of the window dimensions of updates must not exceed the "
                      f"bounds of the corresponding dimensions of operand. For dimension {d}, "
                      f"updates bound is {updates.shape[d]}, operand bound is "
                      f"{max_sizes[i]}.")
  scatter_dims = [d for d in range(updates.ndim) if d not in dn.update_window_dims]
  for k, d in enumerate(scatter_dims):
    if updates.shape[d] != indices.shape[k]:
      raise TypeError(f"Bounds of the scatter dimensions of updates must be the same as the "
                      f"bounds of the corresponding dimensions of scatter indices. For "
                      f"scatter dimension {d}, updates bound is {updates.shape[d]}, indices "
                      f"bound is {indices.shape[k]}.")
  return ShapedArray(operand.shape, operand.dtype, operand.weak_type)


def _scatter_impl_fn(combine):
  """impl of a scatter whose combiner is `combine` (a ufunc, or None to overwrite)."""

  def impl(operand, indices, updates, *, dimension_numbers, indices_are_sorted, unique_indices,
           mode, update_jaxpr, update_consts):
    dn = dimension_numbers
    operand, indices, updates = np.asarray(operand), np.asarray(indices), np.asarray(updates)
    out = np.array(operand, order="C", copy=True)
    if updates.size == 0 or out.size == 0:
      return out
    sizes = _scatter_window_sizes(operand.shape, updates.shape, dn)
    flat, mask = _flat_index(operand.shape, indices, dn.scatter_dims_to_operand_dims,
                             dn.inserted_window_dims, dn.operand_batching_dims,
                             dn.scatter_indices_batching_dims, dn.update_window_dims, sizes,
                             check=mode != _CLIP)
    flat = np.broadcast_to(flat, updates.shape)
    if mask is not None and not mask.all():
      keep = np.broadcast_to(mask, updates.shape)
      flat, updates = flat[keep], updates[keep]
    flat, updates = flat.reshape(-1), updates.reshape(-1)
    target = out.reshape(-1)   # a view: `out` is a fresh contiguous copy
    if combine is None:
      target[flat] = updates
    else:
      combine.at(target, flat, updates)
    return out
  return impl


def _combiner_jaxpr(prim, dtype) -> Jaxpr:
  """`{ lambda ; a b. let c = prim a b in (c,) }`, the `update_jaxpr` param JAX shows."""
  key = (prim.name, np.dtype(dtype))
  j = _combiners.get(key)
  if j is None:
    aval = ShapedArray((), np.dtype(dtype))
    a, b, c = Var(aval), Var(aval), Var(aval)
    j = _combiners[key] = Jaxpr([], [a, b], [c], [JaxprEqn(prim, [a, b], [c], {})])
  return j


_combiners: dict = {}


def _scatter_primitive(name, combine):
  def aval(*avals, **params):
    return _scatter_aval(*avals, **params, _name=name.replace("-", "_"))
  p = primitive(name, _scatter_impl_fn(combine), aval,
                weak_type_rule=lambda args, params: getattr(args[0], "weak_type", False))
  p.batch = lambda vals, dims, **params: _scatter_batch(p, vals, dims, **params)
  return p


scatter_p = _scatter_primitive("scatter", None)
scatter_add_p = _scatter_primitive("scatter-add", np.add)
scatter_sub_p = _scatter_primitive("scatter-sub", np.subtract)
scatter_mul_p = _scatter_primitive("scatter-mul", np.multiply)
scatter_min_p = _scatter_primitive("scatter-min", np.minimum)
scatter_max_p = _scatter_primitive("scatter-max", np.maximum)


def _scatter_batch(prim, vals, dims, *, dimension_numbers, **params):
  operand, indices, updates = vals
  od, idim, ud = dims
  dn = dimension_numbers
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  operand = batching.bdim_at_front(operand, od, size)
  updates = batching.bdim_at_front(updates, ud, size)
  if idim is None:  # the batch axis is a leading window axis of operand and updates
    new = ScatterDimensionNumbers((0,) + _shift(dn.update_window_dims),
                                  _shift(dn.inserted_window_dims),
                                  _shift(dn.scatter_dims_to_operand_dims),
                                  _shift(dn.operand_batching_dims),
                                  dn.scatter_indices_batching_dims)
    return prim.bind(operand, indices, updates, dimension_numbers=new, **params), 0
  indices = batching.bdim_at_front(indices, idim, size)
  new = ScatterDimensionNumbers(_shift(dn.update_window_dims), _shift(dn.inserted_window_dims),
                                _shift(dn.scatter_dims_to_operand_dims),
                                (0,) + _shift(dn.operand_batching_dims),
                                (0,) + _shift(dn.scatter_indices_batching_dims))
  return prim.bind(operand, indices, updates, dimension_numbers=new, **params), 0


def _readback(x, indices, updates_shape, dn: ScatterDimensionNumbers, mode=None,
              fill_value=None):
  """gather(x) of the windows a scatter with `dn` writes (shaped like its updates)."""
  sizes = _scatter_window_sizes(core.get_aval(x).shape, updates_shape, dn)
  return gather(x, indices, _gather_dnums_of(dn), sizes, mode=mode, fill_value=fill_value)


def _undefined_or(x, ct):
  return ct if is_undefined_primal(x) else None


# --- scatter-add / scatter-sub: linear in operand and updates ---------------------------------
def _scatter_addsub_jvp(prim):
  def jvp(primals, tangents, **params):
    operand, indices, updates = primals
    out = prim.bind(operand, indices, updates, **params)
    t_op, _, t_up = tangents
    if type(t_op) is Zero and type(t_up) is Zero:
      return out, Zero.from_primal_value(out)
    return out, prim.bind(ad.instantiate_zeros(t_op), indices, ad.instantiate_zeros(t_up),
                          **params)
  return jvp


def _scatter_addsub_transpose(prim):
  def transpose(ct, operand, indices, updates, *, dimension_numbers, mode, **params):
    up_aval = operand_aval(updates)
    if type(ct) is Zero:
      return [_undefined_or(operand, Zero(operand_aval(operand))), None,
              _undefined_or(updates, Zero(up_aval))]
    ct_up = None
    if is_undefined_primal(updates):
      ct_up = _readback(ct, indices, up_aval.shape, dimension_numbers, mode=mode,
                        fill_value=0)
      if prim is scatter_sub_p:
        ct_up = L.neg(ct_up)
    return [_undefined_or(operand, ct), None, ct_up]
  return transpose


for _p in (scatter_add_p, scatter_sub_p):
  _p.jvp = _scatter_addsub_jvp(_p)
  _p.transpose = _scatter_addsub_transpose(_p)


# --- scatter-mul: linear in the operand ----------------------------------------------------------
def _scatter_mul_jvp(primals, tangents, *, dimension_numbers, unique_indices, **params):
  operand, indices, updates = primals
  kw = dict(dimension_numbers=dimension_numbers, unique_indices=unique_indices, **params)
  out = scatter_mul_p.bind(operand, indices, updates, **kw)
  t_op, _, t_up = tangents
  tangent = Zero.from_primal_value(out)
  if type(t_op) is not Zero:
    tangent = scatter_mul_p.bind(t_op, indices, updates, **kw)
  if type(t_up) is not Zero:
    if not unique_indices:
      raise NotImplementedError(
          "scatter_mul gradients are only implemented if `unique_indices=True`")
    spread = scatter_add(L.full_like(operand, 0), indices, t_up, dimension_numbers,
                         indices_are_sorted=params["indices_are_sorted"],
                         unique_indices=True, mode=params["mode"])
    tangent = ad.add_tangents(tangent, L.mul(operand, spread))
  return out, tangent


def _scatter_mul_transpose(ct, operand, indices, updates, *, dimension_numbers, unique_indices,
                           mode, **params):
  if is_undefined_primal(updates):
    raise NotImplementedError("scatter_mul is not linear in its updates")
  if type(ct) is Zero:
    return [Zero(operand.aval), None, None]
  return [scatter_mul_p.bind(ct, indices, updates, dimension_numbers=dimension_numbers,
                             unique_indices=unique_indices, mode=mode, **params), None, None]


scatter_mul_p.jvp = _scatter_mul_jvp
scatter_mul_p.transpose = _scatter_mul_transpose


# --- scatter-min / scatter-max: tangents of tied winners are averaged ----------------------------
def _scatter_extremal_jvp(prim):
  def jvp(primals, tangents, *, dimension_numbers, **params):
    operand, indices, updates = primals
    dn = dimension_numbers
    out = prim.bind(operand, indices, updates, dimension_numbers=dn, **params)
    t_op, _, t_up = tangents
    if type(t_op) is Zero and type(t_up) is Zero:
      return out, Zero.from_primal_value(out)
    t_op, t_up = ad.instantiate_zeros(t_op), ad.instantiate_zeros(t_up)
    tdt = core.get_aval(t_op).dtype
    ushape = core.get_aval(updates).shape
    mode = params["mode"]
    one = lambda x: L.full_like(x, 1, tdt)
    zero = lambda x: L.full_like(x, 0, tdt)
    won = L.eq(updates, _readback(out, indices, ushape, dn))   # update reached the output
    kept = L.eq(operand, out)                                    # operand value survived
    add = lambda x, u: scatter_add(x, indices, u, dn, mode=mode)
    n_won = add(L.select(kept, one(operand), zero(operand)), L.select(won, one(updates),
                                                                      zero(updates)))
    # Where nothing survived exactly (NaNs), count stays 0: guard the division.
    n_won = L.max(n_won, one(operand))
    t_sum = add(L.select(kept, t_op, zero(operand)), L.select(won, t_up, zero(updates)))
    return out, L.div(t_sum, n_won)
  return jvp


scatter_min_p.jvp = _scatter_extremal_jvp(scatter_min_p)
scatter_max_p.jvp = _scatter_extremal_jvp(scatter_max_p)


# --- scatter (overwrite) ----------------------------------------------------------------------
def _scatter_jvp(primals, tangents, *, dimension_numbers, indices_are_sorted, unique_indices,
                 mode, update_jaxpr, update_consts):
  operand, indices, updates = primals
  dn = dimension_numbers
  kw = dict(indices_are_sorted=indices_are_sorted, unique_indices=unique_indices, mode=mode,
            update_jaxpr=update_jaxpr, update_consts=update_consts)
  t_op, _, t_up = tangents
  if type(t_op) is Zero and type(t_up) is Zero:
    out = scatter_p.bind(operand, indices, updates, dimension_numbers=dn, **kw)
    return out, Zero.from_primal_value(out)
  t_op, t_up = ad.instantiate_zeros(t_op), ad.instantiate_zeros(t_up)
  if unique_indices:
    return (scatter_p.bind(operand, indices, updates, dimension_numbers=dn, **kw),
            scatter_p.bind(t_op, indices, t_up, dimension_numbers=dn, **kw))
  # Which update wins a location is unspecified: tag each update with an id, scatter the ids,
  # read them back, and keep only the winners; then everything is a (transposable)
  # scatter-add of masked values.
  ushape = core.get_aval(updates).shape
  ids_shape = tuple(1 if d in dn.update_window_dims else s for d, s in enumerate(ushape))
  n = int(np.prod(ids_shape, dtype=np.int64))
  id_dtype = np.dtype(np.uint32) if n < 2**32 else np.dtype(np.uint64)
  ids = L.add(L.reshape(L.iota(id_dtype, n), ids_shape), L.full(ushape, 1, id_dtype))
  scattered = scatter(L.full(core.get_aval(operand).shape, 0, id_dtype), indices, ids, dn,
                      indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
                      mode=mode)
  gathered = _readback(scattered, indices, ushape, dn)

  def untouched():
    return L.eq(scattered, L.full_like(scattered, 0))

  def winner():
    return L.eq(ids, gathered)
  masked = [L.select(untouched(), operand, L.full_like(operand, 0)),
            L.select(winner(), updates, L.full_like(updates, 0)),
            L.select(untouched(), t_op, L.full_like(t_op, 0)),
            L.select(winner(), t_up, L.full_like(t_up, 0))]
  add = lambda x, u: scatter_add(x, indices, u, dn, indices_are_sorted=indices_are_sorted,
                                 unique_indices=unique_indices, mode=mode)
  return add(masked[0], masked[1]), add(masked[2], masked[3])


def _scatter_transpose(ct, operand, indices, updates, *, dimension_numbers, indices_are_sorted,
                       unique_indices, mode, update_jaxpr, update_consts):
  if not unique_indices:
    raise NotImplementedError("scatter transpose is only implemented where "
                              "unique_indices=True")
  up_aval = operand_aval(updates)
  if type(ct) is Zero:
    return [_undefined_or(operand, Zero(operand_aval(operand))), None,
            _undefined_or(updates, Zero(up_aval))]
  ct_op = ct_up = None
  if is_undefined_primal(operand):
    ct_op = scatter(ct, indices, L.full(up_aval.shape, 0, core.get_aval(ct).dtype),
                    dimension_numbers, indices_are_sorted=indices_are_sorted,
                    unique_indices=True, mode=mode)
  if is_undefined_primal(updates):
    ct_up = _readback(ct, indices, up_aval.shape, dimension_numbers, mode=mode, fill_value=0)
  return [ct_op, None, ct_up]


scatter_p.jvp = _scatter_jvp
scatter_p.transpose = _scatter_transpose


# --- public scatter functions ---------------------------------------------------------------
def _scatter_fn(prim, combiner):
  def f(operand, scatter_indices, updates, dimension_numbers: ScatterDimensionNumbers, *,
        indices_are_sorted: bool = False, unique_indices: bool = False, mode=None):
    operand, updates = L._args(operand, updates)
    indices = L.asarray(scatter_indices)
    dtype = core.get_aval(operand).dtype
    jaxpr = None if combiner is None else _combiner_jaxpr(combiner, dtype)
    params = dict(dimension_numbers=_canon_scatter_dnums(dimension_numbers),
                  indices_are_sorted=bool(indices_are_sorted),
                  unique_indices=bool(unique_indices), mode=GatherScatterMode.from_any(mode),
                  update_jaxpr=jaxpr, update_consts=())
    if core.current_trace() is core.eval_trace:   # staging checks shapes anyway
      prim.abstract_eval(*map(core.get_aval, (operand, indices, updates)), **params)
    return prim.bind(operand, indices, updates, **params)
  name = prim.name.replace("-", "_")
  f.__name__ = name
  f.__doc__ = (f"`{prim.name}`: combine `updates` windows into `operand` at `scatter_indices` "
               f"(see `ScatterDimensionNumbers`). `mode=None` drops out-of-bound windows; "
               f"'clip' clamps them.")
  return f


from numjax._src.lax import elementwise as _ew  # noqa: E402

scatter = _scatter_fn(scatter_p, None)
scatter_add = _scatter_fn(scatter_add_p, _ew.add_p)
scatter_sub = _scatter_fn(scatter_sub_p, _ew.sub_p)
scatter_mul = _scatter_fn(scatter_mul_p, _ew.mul_p)
scatter_min = _scatter_fn(scatter_min_p, _ew.min_p)
scatter_max = _scatter_fn(scatter_max_p, _ew.max_p)


# ----------------------------------------------------------------------------------------------
# vmap of dynamic_slice / dynamic_update_slice with batched start indices
# ----------------------------------------------------------------------------------------------
def _batched_starts(starts, dims, size):
  """The start indices as one (size, n) index array (batch axis first)."""
  dts = {core.get_aval(s).dtype for s in starts}
  if len(dts) > 1:
    dt = np.dtype(np.int64) if any(np.dtype(d).itemsize > 4 for d in dts) else np.dtype(
        np.int32)
    starts = [L.convert_element_type(s, dt) for s in starts]
  return L.concatenate([L.broadcast_in_dim(s, (size, 1), () if d is None else (0,))
                        for s, d in zip(starts, dims)], 1)


def batched_dynamic_slice(vals, dims, slice_sizes):
  """vmap rule of dynamic_slice when a start index is batched: a clamping gather."""
  x, *starts = vals
  xd, *sd = dims
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  r = len(starts)
  dn = GatherDimensionNumbers(tuple(range(r)), (), tuple(range(r)))
  return _gather_batch([x, _batched_starts(starts, sd, size)], [xd, 0], dimension_numbers=dn,
                       slice_sizes=tuple(slice_sizes), unique_indices=True,
                       indices_are_sorted=True, mode=_CLIP, fill_value=None)


def batched_dynamic_update_slice(vals, dims):
  """vmap rule of dynamic_update_slice when a start index is batched: a clamping scatter."""
  x, u, *starts = vals
  xd, ud, *sd = dims
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  r = len(starts)
  dn = ScatterDimensionNumbers(tuple(range(r)), (), tuple(range(r)))
  return _scatter_batch(scatter_p, [x, _batched_starts(starts, sd, size), u], [xd, 0, ud],
                        dimension_numbers=dn, indices_are_sorted=True, unique_indices=True,
                        mode=_CLIP, update_jaxpr=None, update_consts=())


# ----------------------------------------------------------------------------------------------
# Helpers for other rules
# ----------------------------------------------------------------------------------------------
def take_along_axis_lax(x, idx, axis: int, mode=None, fill_value=None):
  """`out[..., i, ...] = x[..., idx[..., i, ...], ...]` along `axis` (same-shaped other axes)
  as one gather that pairs every other axis; `idx` must already be non-negative."""
  shape = core.get_aval(idx).shape
  nd = len(shape)
  others = tuple(d for d in range(nd) if d != axis)
  dn = GatherDimensionNumbers((), (axis,), (axis,), others, others)
  return gather(x, L.reshape(idx, shape + (1,)), dn, (1,) * nd, mode=mode,
                fill_value=fill_value)
