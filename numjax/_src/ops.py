"""`numjax.ops`: segment reductions (`segment_sum`, `segment_prod`, `segment_max`,
`segment_min`), as JAX's `jax.ops`.

Each one starts from an array of the reduction's identity with `num_segments` rows and
scatters `data` into it with the matching lax scatter (`scatter-add`, `scatter-mul`,
`scatter-max`, `scatter-min`), so it differentiates, batches and stages through those
primitives' rules. Out-of-range segment ids (negative ones included) are dropped, unless
`mode='clip'` clamps them. With `bucket_size`, ids are first grouped into buckets of that many
consecutive entries, each bucket reduced separately and the buckets reduced together.

    >>> segment_sum(jnp.arange(6.), jnp.array([0, 0, 1, 1, 2, 2]))
    Array([1., 5., 9.], dtype=float32)
"""
from __future__ import annotations

import math
import operator
from typing import Callable

import numpy as np

from numjax._src import core
from numjax._src.array import Array
from numjax._src.lax import lax

__all__ = ["segment_sum", "segment_prod", "segment_max", "segment_min"]


def _identity(kind: str, dtype: np.dtype):
  if kind == "sum":
    return 0
  if kind == "prod":
    return 1
  if dtype == np.bool_:
    return kind == "min"
  if np.issubdtype(dtype, np.integer):
    info = np.iinfo(dtype)
    return int(info.max if kind == "min" else info.min)
  return float("inf") if kind == "min" else -float("inf")


def _check_arraylike(name: str, *args) -> None:
  for i, x in enumerate(args):
    if not (isinstance(x, (Array, core.Tracer, np.ndarray, np.generic, bool, int, float,
                           complex))):
      raise TypeError(f"{name} requires ndarray or scalar arguments, got {type(x)} at "
                      f"position {i}.")


def _num_segments(name: str, ids, num_segments) -> int:
  if num_segments is None:
    ids_val = core.concrete_value(ids)
    if ids_val is None:
      from numjax._src.numpy import lax_numpy as jnp
      raise core.ConcretizationTypeError(jnp.max(ids), f"{name}() `num_segments` argument.")
    if ids_val.size == 0:
      raise ValueError(f"{name}: num_segments must be given when segment_ids is empty.")
    return int(np.max(ids_val)) + 1
  value = core.concrete_value(num_segments) if isinstance(num_segments, (Array, core.Tracer)) \
      else num_segments
  if value is None:
    raise core.ConcretizationTypeError(num_segments, f"{name}() `num_segments` argument.")
  try:
    n = operator.index(np.asarray(value)[()] if isinstance(value, np.ndarray) else value)
  except TypeError:
    raise TypeError(f"{name}: num_segments must be an integer, got {num_segments!r}.") \
        from None
  if n < 0:
    raise ValueError("num_segments must be non-negative.")
  return n


def _scatter_into(out, index_rows, data, scatter_op, indices_are_sorted, unique_indices, mode):
  """`out.at[idx].op(data)` where idx is `index_rows` (shape S + (k,)) indexing the first k
  axes of `out`, with data broadcast to S + out.shape[k:]."""
  k = core.get_aval(index_rows).shape[-1]
  out_aval = core.get_aval(out)
  batch_shape = core.get_aval(index_rows).shape[:-1]
  window = out_aval.shape[k:]
  if core.get_aval(data).shape != batch_shape + window:
    from numjax._src.numpy import lax_numpy as jnp
    data = jnp.broadcast_to(data, batch_shape + window)
  if 0 in batch_shape + window:
    return out
  dnums = lax.ScatterDimensionNumbers(
      update_window_dims=tuple(range(len(batch_shape), len(batch_shape) + len(window))),
      inserted_window_dims=tuple(range(k)), scatter_dims_to_operand_dims=tuple(range(k)))
  return scatter_op(out, index_rows, data, dnums, indices_are_sorted=indices_are_sorted,
                    unique_indices=unique_indices, mode=mode)


def _segment_update(name: str, data, segment_ids, kind: str, scatter_op: Callable,
                    reducer: Callable, num_segments, indices_are_sorted: bool,
                    unique_indices: bool, bucket_size, mode):
  from numjax._src.numpy import lax_numpy as jnp
  _check_arraylike(name, data, segment_ids)
  mode = lax.GatherScatterMode.FILL_OR_DROP if mode is None else mode
  data = jnp.asarray(data)
  ids = jnp.asarray(segment_ids)
  ids_dtype = core.get_aval(ids).dtype
  if not np.issubdtype(ids_dtype, np.integer):
    raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                    f"{ids_dtype.name}")
  n = _num_segments(name, ids, num_segments)
  data_aval = core.get_aval(data)
  dtype = data_aval.dtype
  ids_shape = core.get_aval(ids).shape
  rest = data_aval.shape[1:] if data_aval.ndim else ()
  identity = _identity(kind, dtype)
  if bucket_size is None:
    out = lax.full((n,) + rest, identity, dtype)
    rows = lax.broadcast_in_dim(ids, ids_shape + (1,), tuple(range(len(ids_shape))))
    return _scatter_into(out, rows, data, scatter_op, indices_are_sorted, unique_indices, mode)
  if len(ids_shape) != 1:
    raise ValueError(f"{name} with bucket_size needs one-dimensional segment_ids, got shape "
                     f"{ids_shape}.")
  bucket_size = operator.index(bucket_size)
  if bucket_size <= 0:
    raise ValueError(f"{name}: bucket_size must be positive, got {bucket_size}.")
  num_buckets = max(math.ceil(ids_shape[0] / bucket_size), 0)
  out = lax.full((num_buckets, n) + rest, identity, dtype)
  buckets = lax.div(lax.iota(ids_dtype, ids_shape[0]), lax.asarray(np.array(bucket_size,
                                                                            ids_dtype)))
  rows = lax.concatenate([lax.broadcast_in_dim(buckets, ids_shape + (1,), (0,)),
                          lax.broadcast_in_dim(ids, ids_shape + (1,), (0,))], 1)
  out = _scatter_into(out, rows, data, scatter_op, indices_are_sorted, unique_indices, mode)
  return lax.convert_element_type(reducer(out, axis=0), dtype)


def segment_sum(data, segment_ids, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None, out_sharding=None) -> Array:
  """Sum of `data` rows within each segment: `out[i] = sum(data[segment_ids == i])`.

  `num_segments` defaults to `max(segment_ids) + 1` (give it statically under jit); rows
  with ids outside [0, num_segments) are dropped (`mode='clip'` clamps them instead).

      >>> segment_sum(jnp.arange(6), jnp.array([0, 0, 1, 1, 2, 2]))
      Array([1, 5, 9], dtype=int32)
  """
  from numjax._src.numpy import lax_numpy as jnp
  return _segment_update("segment_sum", data, segment_ids, "sum", lax.scatter_add, jnp.sum,
                         num_segments, indices_are_sorted, unique_indices, bucket_size, mode)


def segment_prod(data, segment_ids, num_segments: int | None = None,
                 indices_are_sorted: bool = False, unique_indices: bool = False,
                 bucket_size: int | None = None, mode=None, out_sharding=None) -> Array:
  """Product of `data` rows within each segment (1 for an empty segment).

      >>> segment_prod(jnp.arange(1., 7.), jnp.array([0, 0, 1, 1, 2, 2]))
      Array([ 2., 12., 30.], dtype=float32)
  """
  from numjax._src.numpy import lax_numpy as jnp
  return _segment_update("segment_prod", data, segment_ids, "prod", lax.scatter_mul, jnp.prod,
                         num_segments, indices_are_sorted, unique_indices, bucket_size, mode)


def segment_max(data, segment_ids, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None, out_sharding=None) -> Array:
  """Maximum of `data` rows within each segment (-inf, or the dtype's minimum, when empty).

      >>> segment_max(jnp.arange(6), jnp.array([0, 0, 1, 1, 2, 2]))
      Array([1, 3, 5], dtype=int32)
  """
  from numjax._src.numpy import lax_numpy as jnp
  return _segment_update("segment_max", data, segment_ids, "max", lax.scatter_max, jnp.max,
                         num_segments, indices_are_sorted, unique_indices, bucket_size, mode)


def segment_min(data, segment_ids, num_segments: int | None = None,
                indices_are_sorted: bool = False, unique_indices: bool = False,
                bucket_size: int | None = None, mode=None, out_sharding=None) -> Array:
  """Minimum of `data` rows within each segment (inf, or the dtype's maximum, when empty).

      >>> segment_min(jnp.arange(6), jnp.array([0, 0, 1, 1, 2, 2]))
      Array([0, 2, 4], dtype=int32)
  """
  from numjax._src.numpy import lax_numpy as jnp
  return _segment_update("segment_min", data, segment_ids, "min", lax.scatter_min, jnp.min,
                         num_segments, indices_are_sorted, unique_indices, bucket_size, mode)
