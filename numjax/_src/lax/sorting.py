"""Sorting primitives: `sort` (several operands, the first `num_keys` of them as lexicographic
keys, along `dimension`) and `top_k` (the k largest along `axis`, with their indices).

Floating keys order as in XLA's total order used by JAX: NaNs last, -0.0 equal to 0.0 (the
sort is stable). Tangents follow the sort permutation, which the JVP computes by sorting an
iota along with the operands.

    >>> lax.sort_key_val(jnp.array([3., 1., 2.]), jnp.array([0, 1, 2]))
    (Array([1., 2., 3.], dtype=float32), Array([1, 2, 0], dtype=int32))
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from numjax._src import core
from numjax._src.core import ShapedArray
from numjax._src.interpreters import batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import canonical_axis, index_arg, primitive


# --- sort ---------------------------------------------------------------------------------------
def _ordered_u32(x):
  """uint32 keys whose order is x's sort order (NaNs last, -0.0 == 0.0), or None."""
  if x.dtype == np.bool_ or (x.dtype.kind in "iu" and x.dtype.itemsize < 4):
    x = x.astype(np.int32)
  elif x.dtype.kind == "f" and x.dtype.itemsize < 4:
    x = x.astype(np.float32)
  if x.dtype == np.int32:
    return x.view(np.uint32) ^ np.uint32(0x80000000)
  if x.dtype == np.uint32:
    return x
  if x.dtype == np.float32:
    x = np.where(np.isnan(x), np.float32(np.nan), x) + np.float32(0)   # +0: -0.0 -> 0.0
    bits = x.view(np.uint32)
    return bits ^ np.where(bits >> 31, np.uint32(0xFFFFFFFF), np.uint32(0x80000000))
  return None


def _stable_argsort(x, axis):
  """np.argsort(kind='stable'), faster: a 32-bit key and its position packed in one uint64
  make every key distinct, so NumPy's (vectorised, unstable) quicksort is stable."""
  n = x.shape[axis]
  key = _ordered_u32(x) if n < 2**32 else None
  if key is None:
    return np.argsort(x, axis=axis, kind="stable")
  pos = np.arange(n, dtype=np.uint64).reshape((n,) + (1,) * (x.ndim - 1 - axis))
  packed = (key.astype(np.uint64) << np.uint64(32)) | pos
  return (np.sort(packed, axis=axis) & np.uint64(0xFFFFFFFF)).astype(np.intp)


def _sort_impl(*operands, dimension, is_stable, num_keys):
  operands = [np.asarray(o) for o in operands]
  x = operands[0]
  if any(o.dtype.kind == "c" for o in operands[:num_keys]):
    # XLA's complex order: real part, then imaginary part, each with NaNs last (NumPy's
    # complex sort puts every x+nanj after all numbers instead).
    keys = [k for o in operands[:num_keys] for k in ((o.real, o.imag) if o.dtype.kind == "c"
                                                     else (o,))]
    perm = np.lexsort(keys[::-1], axis=dimension)
  elif len(operands) == 1:
    # Equal keys are indistinguishable values, so any sort will do, except for floats with
    # both zeros (-0.0 and 0.0 compare equal but must keep their order).
    if x.dtype.kind in "iub" or (x.dtype.kind == "f" and not (x == 0).any()):
      return [np.sort(x, axis=dimension)]
    perm = _stable_argsort(x, dimension)
  elif num_keys == 1:
    perm = _stable_argsort(x, dimension)
  else:
    perm = np.lexsort(operands[num_keys - 1::-1], axis=dimension)
  return [perm.astype(o.dtype) if _is_iota(o, dimension) else
          np.take_along_axis(o, perm, axis=dimension) for o in operands]


def _is_iota(o, axis) -> bool:
  """Whether `o` is `broadcasted_iota(shape, axis)` as the iota impl makes it (a broadcast
  view): its permutation is the sort permutation itself (argsort, the JVP)."""
  if o.dtype.kind not in "iu" or any(st != 0 for d, st in enumerate(o.strides) if d != axis):
    return False
  line = o[tuple(slice(None) if d == axis else 0 for d in range(o.ndim))]
  return bool(np.array_equal(line, np.arange(o.shape[axis])))


def _sort_aval(*operands, dimension, is_stable, num_keys):
  if not operands:
    raise TypeError("sort requires at least one operand")
  shape = operands[0].shape
  for o in operands:
    if o.shape != shape:
      raise TypeError(f"sort arguments must all have the same shape, got "
                      f"{', '.join(str(o.shape) for o in operands)}")
  if not 0 <= dimension < len(shape):
    raise ValueError(f"dimension {dimension} is out of bounds for array of shape {shape}")
  if not 1 <= num_keys <= len(operands):
    raise ValueError(f"num_keys={num_keys} must be between 1 and the number of operands "
                     f"({len(operands)})")
  return [ShapedArray(o.shape, o.dtype, o.weak_type) for o in operands]


sort_p = primitive("sort", _sort_impl, _sort_aval, multiple_results=True,
                   weak_type_rule=lambda args, params: [getattr(a, "weak_type", False)
                                                        for a in args])


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
  from numjax._src.lax.indexing import GatherDimensionNumbers, gather
  shape = core.get_aval(primals[0]).shape
  if all(type(t) is Zero for t in tangents):
    outs = sort_p.bind(*primals, dimension=dimension, is_stable=is_stable, num_keys=num_keys)
    return outs, [Zero.from_primal_value(o) for o in outs]
  # Sort an iota along: it is the permutation, by which a gather moves the tangents.
  index_dtype = np.uint32 if all(d < 2**32 for d in shape) else np.uint64
  *outs, perm = sort_p.bind(*primals, L.broadcasted_iota(index_dtype, shape, dimension),
                            dimension=dimension, is_stable=is_stable, num_keys=num_keys)
  batch_dims = tuple(np.delete(np.arange(len(shape), dtype=np.int64), dimension))
  dnums = GatherDimensionNumbers((), (dimension,), (dimension,), batch_dims, batch_dims)
  idx = L.expand_dims(perm, (len(shape),))
  touts = [Zero.from_primal_value(o) if type(t) is Zero else
           gather(t, idx, dnums, (1,) * len(shape), mode="promise_in_bounds")
           for o, t in zip(outs, tangents)]
  return outs, touts


def _sort_batch(vals, dims, *, dimension, is_stable, num_keys):
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
  return sort_p.bind(*vals, dimension=dimension + 1, is_stable=is_stable,
                     num_keys=num_keys), [0] * len(vals)


sort_p.jvp = _sort_jvp
sort_p.batch = _sort_batch


def _canonical_dim(dimension: int, ndim: int, what="dimension") -> int:
  d = canonical_axis(dimension, ndim, what)
  return d


def sort(operand, dimension: int = -1, is_stable: bool = True, num_keys: int = 1):
  """Sort one array, or several arrays by their first `num_keys` (lexicographic keys)."""
  if isinstance(operand, Sequence):
    if not operand:
      raise TypeError("Sort requires at least one operand")
    ops = [L.asarray(o) for o in operand]
    if not 1 <= num_keys <= len(ops):
      raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(ops)}")
    dim = _canonical_dim(dimension, core.get_aval(ops[0]).ndim)
    if len({core.get_aval(o).shape for o in ops}) > 1:
      raise TypeError(f"Arguments to sort must have equal shapes, got: "
                      f"{' '.join(str(core.get_aval(o).shape) for o in ops)}")
    return tuple(sort_p.bind(*ops, dimension=dim, is_stable=bool(is_stable),
                             num_keys=int(num_keys)))
  if num_keys != 1:
    raise ValueError(f"num_keys={num_keys} must be equal to 1 for a single operand.")
  x = L.asarray(operand)
  dim = _canonical_dim(dimension, core.get_aval(x).ndim)
  return sort_p.bind(x, dimension=dim, is_stable=bool(is_stable), num_keys=1)[0]


def sort_key_val(keys, values, dimension: int = -1, is_stable: bool = True):
  """Sort `keys` along `dimension` and permute `values` the same way."""
  k, v = L.asarray(keys), L.asarray(values)
  dim = _canonical_dim(dimension, core.get_aval(k).ndim)
  if core.get_aval(k).shape != core.get_aval(v).shape:
    raise TypeError(f"Arguments to sort must have equal shapes, got: {core.get_aval(k).shape} "
                    f"{core.get_aval(v).shape}")
  out = sort_p.bind(k, v, dimension=dim, is_stable=bool(is_stable), num_keys=1)
  return tuple(out)


# --- top_k --------------------------------------------------------------------------------------
def _descending_key(x):
  """Keys whose ascending lexicographic order is x's descending total order (NaN first,
  0.0 before -0.0)."""
  if x.dtype.kind == "f":
    nan = np.isnan(x)
    v = np.where(nan, 0, x)
    return [np.signbit(v), -v, ~nan]    # last key is the primary one
  if x.dtype.kind == "c":
    return _descending_key(x.imag)[:2] + _descending_key(x.real)
  return [~x]


def _top_k_impl(x, *, k, axis):
  x = np.asarray(x)
  keys = _descending_key(x)
  perm = np.lexsort(keys, axis=axis) if len(keys) > 1 else np.argsort(keys[0], axis=axis,
                                                                       kind="stable")
  perm = np.take(perm, np.arange(k), axis=axis)
  return [np.take_along_axis(x, perm, axis=axis), perm.astype(np.int32)]


def _top_k_aval(x, *, k, axis):
  if x.dtype.kind == "c":
    raise ValueError("top_k is not compatible with complex inputs.")
  if k < 0:
    raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
  if x.ndim == 0:
    raise TypeError("top_k operand must have >= 1 dimension, got ()")
  if not 0 <= axis < x.ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of rank {x.ndim}")
  if x.shape[axis] < k:
    raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                     f"k={k} with shape={x.shape} and axis={axis}")
  shape = list(x.shape)
  shape[axis] = k
  return [ShapedArray(tuple(shape), x.dtype, x.weak_type),
          ShapedArray(tuple(shape), np.dtype(np.int32))]


top_k_p = primitive("top_k", _top_k_impl, _top_k_aval, multiple_results=True,
                    weak_type_rule=lambda args, params: [getattr(args[0], "weak_type", False),
                                                         False])


def _top_k_jvp(primals, tangents, *, k, axis):
  from numjax._src.lax.indexing import take_along_axis_lax
  vals, idx = top_k_p.bind(primals[0], k=k, axis=axis)
  t = tangents[0]
  if type(t) is Zero:
    return [vals, idx], [Zero.from_primal_value(vals), Zero.from_primal_value(idx)]
  return [vals, idx], [take_along_axis_lax(t, idx, axis), Zero.from_primal_value(idx)]


def _top_k_batch(vals, dims, *, k, axis):
  d = dims[0]
  return top_k_p.bind(vals[0], k=k, axis=axis + (d <= axis)), [d, d]


top_k_p.jvp = _top_k_jvp
top_k_p.batch = _top_k_batch


def top_k(operand, k: int, *, axis: int = -1):
  """The `k` largest entries along `axis` (sorted, descending) and their int32 indices."""
  x = L.asarray(operand)
  k = index_arg(k, "top_k k")
  shape = core.get_aval(x).shape
  if k < 0:
    raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
  axis = _canonical_dim(axis, len(shape), "axis")
  if shape[axis] < k:
    raise ValueError(f"k argument to top_k must be no larger than size along axis; got "
                     f"k={k} with shape={shape} and axis={axis}")
  return tuple(top_k_p.bind(x, k=k, axis=axis))
