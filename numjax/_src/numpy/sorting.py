"""Sorting, searching, set operations, counting and order statistics of `numjax.numpy`.

All are written with the `sort`, `top_k`, gather and scatter primitives, so they work under
every transformation; functions whose output size depends on values (`unique`,
`intersect1d`, ...) need concrete inputs, or a static `size=` (with `fill_value=`) under jit.
NaNs sort last (and make `quantile`/`median` NaN; the `nan*` versions skip them).

    >>> jnp.argsort(jnp.array([3., 1., 2.]))
    Array([1, 2, 0], dtype=int32)
"""
from __future__ import annotations

import builtins
import operator

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import get_aval
from numjax._src.jit import jit
from numjax._src.lax import lax
from numjax._src.lax.sorting import sort_p
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy import advanced_indexing as adv
from numjax._src.numpy.util import canonicalize_axis, check_arraylike, promote_dtypes

_int = dtypes.default_int


def _shape(x) -> tuple:
  return get_aval(x).shape


def _dtype(x) -> np.dtype:
  return get_aval(x).dtype


def _iota(n: int):
  return lax.iota(_int(), n)


# ----------------------------------------------------------------------------------------------
# sort, argsort, lexsort, partition, argpartition
# ----------------------------------------------------------------------------------------------
def _sort_args(a, axis, order):
  if order is not None:
    raise ValueError("'order' argument to sort is not supported.")
  check_arraylike("sort", a)
  a = jnp.asarray(a)
  if axis is None:
    return jnp.ravel(a), 0
  return a, canonicalize_axis(axis, jnp.ndim(a))


def sort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
         descending: bool = False):
  """A sorted copy of `a` along `axis` (flattened if None); NaNs last.

  >>> jnp.sort(jnp.array([3., jnp.nan, 1.]))
  Array([ 1.,  3., nan], dtype=float32)
  """
  return _sort(a, axis=axis, kind=kind, order=order, stable=stable, descending=descending)


def _jitted(fun, static):
  """`jit(fun, static_argnames=static)` named like `fun`, as JAX's jnp functions are."""
  return jit(fun, static_argnames=static)


def _sort_impl(a, axis=-1, kind=None, order=None, stable=True, descending=False):
  arr, dim = _sort_args(a, axis, order)
  if jnp.ndim(arr) == 0:
    return arr
  if descending:
    return lax.rev(sort_p.bind(lax.rev(arr, (dim,)), dimension=dim, is_stable=bool(stable),
                               num_keys=1)[0], (dim,))
  return sort_p.bind(arr, dimension=dim, is_stable=bool(stable), num_keys=1)[0]


_sort_impl.__name__ = "sort"
_sort = _jitted(_sort_impl, ("axis", "kind", "order", "stable", "descending"))


def _argsort_impl(a, axis=-1, kind=None, order=None, stable=True, descending=False):
  arr, dim = _sort_args(a, axis, order)
  if jnp.ndim(arr) == 0:
    return Array(np.array(0, _int()), False)
  shape = _shape(arr)
  iota = lax.broadcasted_iota(_int(), shape, dim)
  if descending:
    iota = lax.rev(iota, (dim,))
    arr = lax.rev(arr, (dim,))
    _, idx = sort_p.bind(arr, iota, dimension=dim, is_stable=bool(stable), num_keys=1)
    return lax.rev(idx, (dim,))
  return sort_p.bind(arr, iota, dimension=dim, is_stable=bool(stable), num_keys=1)[1]


_argsort_impl.__name__ = "argsort"
_argsort = _jitted(_argsort_impl, ("axis", "kind", "order", "stable", "descending"))


def argsort(a, axis: int | None = -1, *, kind=None, order=None, stable: bool = True,
            descending: bool = False):
  """Indices (int32) that sort `a` along `axis`; stable, so ties keep their order (also with
  `descending=True`)."""
  return _argsort(a, axis=axis, kind=kind, order=order, stable=stable, descending=descending)


def lexsort(keys, axis: int = -1):
  """Indices sorting by several keys, the last key primary (as numpy.lexsort)."""
  if not hasattr(keys, "__iter__"):
    raise TypeError(f"lexsort: keys must be a sequence of arrays, got {type(keys).__name__}")
  keys = tuple(keys)
  if len(keys) == 0:
    raise TypeError("need sequence of keys with len > 0 in lexsort")
  check_arraylike("lexsort", *keys)
  keys = [jnp.asarray(k) for k in keys]
  if len({_shape(k) for k in keys}) > 1:
    raise ValueError("all keys need to be the same shape")
  shape = _shape(keys[0])
  if not shape:
    return Array(np.array(0, _int()), False)
  dim = canonicalize_axis(axis, len(shape))
  iota = lax.broadcasted_iota(_int(), shape, dim)
  return sort_p.bind(*keys[::-1], iota, dimension=dim, is_stable=True,
                     num_keys=len(keys))[-1]


def _partition_prep(a, kth, axis, name):
  check_arraylike(name, a)
  arr = jnp.asarray(a)
  if _dtype(arr).kind == "c":
    raise NotImplementedError(f"jnp.{name} for complex dtype is not implemented.")
  axis = canonicalize_axis(axis, jnp.ndim(arr))
  kth = canonicalize_axis(kth, _shape(arr)[axis])
  return jnp.swapaxes(arr, axis, -1), kth, axis


def partition(a, kth: int, axis: int = -1):
  """The `kth+1` smallest entries (ascending) then the rest (descending) along `axis`: the
  kth entry is where a full sort would put it."""
  arr, kth, axis = _partition_prep(a, kth, axis, "partition")
  n = _shape(arr)[-1]
  s = sort_p.bind(arr, dimension=jnp.ndim(arr) - 1, is_stable=True, num_keys=1)[0]
  bottom = lax.slice_in_dim(s, 0, kth + 1, axis=-1)
  top = lax.rev(lax.slice_in_dim(s, kth + 1, n, axis=-1), (jnp.ndim(arr) - 1,))
  return jnp.swapaxes(lax.concatenate([bottom, top], jnp.ndim(arr) - 1), -1, axis)


def argpartition(a, kth: int, axis: int = -1):
  """Indices partitioning `a` (see `partition`): those of the kth+1 smallest entries in sorted
  order, then the others in increasing index order."""
  arr, kth, axis = _partition_prep(a, kth, axis, "argpartition")
  nd = jnp.ndim(arr)
  n = _shape(arr)[-1]
  perm = _argsort_impl(arr, axis=-1)
  bottom = lax.slice_in_dim(perm, 0, kth + 1, axis=-1)
  rest = lax.slice_in_dim(perm, kth + 1, n, axis=-1)
  rest = sort_p.bind(rest, dimension=nd - 1, is_stable=True, num_keys=1)[0]
  return jnp.swapaxes(lax.concatenate([bottom, rest], nd - 1), -1, axis)


# ----------------------------------------------------------------------------------------------
# searchsorted, digitize
# ----------------------------------------------------------------------------------------------
def _total_lt(x, y):
  """x < y in the total order of sort (NaNs largest; complex by real part, then imaginary)."""
  if _dtype(x).kind == "c":
    xr, yr = lax.real(x), lax.real(y)
    same = lax.bitwise_or(lax.eq(xr, yr), lax.bitwise_and(jnp.isnan(xr), jnp.isnan(yr)))
    return lax.bitwise_or(_total_lt(xr, yr),
                          lax.bitwise_and(same, _total_lt(lax.imag(x), lax.imag(y))))
  if _dtype(x).kind in "fc":
    return lax.bitwise_or(lax.lt(x, y), lax.bitwise_and(jnp.isnan(y),
                                                        lax.bitwise_not(jnp.isnan(x))))
  return lax.lt(x, y)


def _searchsorted_impl(a, v, side="left", sorter=None, method="scan"):
  if side not in ("left", "right"):
    raise ValueError(f"{side!r} is an invalid value for keyword 'side'. Expected one of "
                     f"['left', 'right'].")
  if method not in ("scan", "scan_unrolled", "sort", "compare_all"):
    raise ValueError(f"method={method!r} not recognized; expected one of 'scan', "
                     f"'scan_unrolled', 'sort', or 'compare_all'")
  check_arraylike("searchsorted", a, v)
  a, v = promote_dtypes(a, v)
  if jnp.ndim(a) != 1:
    raise ValueError("a should be 1-dimensional")
  if sorter is not None:
    a = adv.take(a, sorter, mode="clip")
  n = _shape(a)[0]
  vshape = _shape(v)
  if n == 0:
    return lax.full(vshape, 0, _int())
  lo = lax.full(vshape, 0, _int())
  hi = lax.full(vshape, n, _int())
  for _ in range(int(n).bit_length()):
    mid = lax.div(lax.add(lo, hi), np.array(2, _int()))
    am = adv.take(a, lax.min(mid, lax.full(vshape, n - 1, _int())), mode="clip")
    right = _total_lt(am, v) if side == "left" else lax.bitwise_not(_total_lt(v, am))
    right = lax.bitwise_and(right, lax.lt(mid, hi))
    lo = lax.select(right, lax.add(mid, np.array(1, _int())), lo)
    hi = lax.select(right, hi, mid)
  return lo


_searchsorted_impl.__name__ = "searchsorted"
_searchsorted = _jitted(_searchsorted_impl, ("side", "method"))


def searchsorted(a, v, side: str = "left", sorter=None, *, method: str = "scan"):
  """Insertion points of `v` into the sorted 1-D `a` (binary search; `side='right'` puts
  equal values after). All `method`s give the same result."""
  return _searchsorted(a, v, side=side, sorter=sorter, method=method)


def digitize(x, bins, right: bool = False, *, method: str | None = None):
  """The bin index of each x: i such that bins[i-1] <= x < bins[i] (increasing bins)."""
  check_arraylike("digitize", x, bins)
  x, bins = jnp.asarray(x), jnp.asarray(bins)
  if jnp.ndim(bins) != 1:
    raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins}")
  n = _shape(bins)[0]
  if n == 0:
    return lax.full(_shape(x), 0, np.int32)
  side = "right" if not right else "left"
  kw = {} if method is None else {"method": method}
  inc = searchsorted(bins, x, side=side, **kw)
  dec = lax.sub(np.array(n, _int()), searchsorted(lax.rev(bins, (0,)), x, side=side, **kw))
  first, last = lax.index_in_dim(bins, 0, keepdims=False), lax.index_in_dim(bins, n - 1,
                                                                            keepdims=False)
  return lax.select(jnp.broadcast_to(lax.ge(last, first), _shape(x)), inc, dec)


# ----------------------------------------------------------------------------------------------
# Set operations
# ----------------------------------------------------------------------------------------------
_UNIQUE_SIZE_HINT = (
    "When jit-compiling jnp.unique or related functions, the size argument must be specified "
    "statically, e.g. jnp.unique(x, size=n).")


def _concrete_or_error(x, context):
  c = core.concrete_value(x)
  if c is None:
    raise core.ConcretizationTypeError(x, context)
  return np.asarray(c)


def _sorted_mask(aux, equal_nan: bool):
  """Sort `aux` (1-D) and mark the first element of each run of equal values."""
  n = _shape(aux)[0]
  iota = _iota(n)
  aux, perm = sort_p.bind(aux, iota, dimension=0, is_stable=True, num_keys=1)
  if n == 0:
    return aux, lax.full((0,), False, np.bool_), perm
  a, b = lax.slice_in_dim(aux, 1, n), lax.slice_in_dim(aux, 0, n - 1)
  neq = lax.ne(a, b)
  if _dtype(aux).kind in "fc" and equal_nan:
    neq = lax.bitwise_and(neq, lax.bitwise_not(lax.bitwise_and(jnp.isnan(a), jnp.isnan(b))))
  mask = lax.concatenate([lax.full((1,), True, np.bool_), neq], 0)
  return aux, mask, perm


def _count_true(mask) -> int | None:
  c = core.concrete_value(mask)
  return None if c is None else int(np.count_nonzero(c))


def _unique_1d(arr, return_index, return_inverse, return_counts, equal_nan, size, fill_value,
               return_true_size=False):
  n = _shape(arr)[0]
  if n == 0 and size and fill_value is None:
    raise ValueError("jnp.unique: for zero-sized input with nonzero size argument, "
                     "fill_value must be specified")
  aux, mask, perm = _sorted_mask(arr, equal_nan)
  k = size if size is not None else _count_true(mask)
  if k is None:
    raise core.ConcretizationTypeError(arr, "The error arose in jnp.unique(). "
                                       + _UNIQUE_SIZE_HINT)
  ind = adv.nonzero(mask, size=k)[0] if n else lax.full((k,), 0, _int())
  result = adv.take(aux, ind, mode="clip") if n else lax.full((k,), 0, _dtype(arr))
  count = lax.reduce_sum(lax.convert_element_type(mask, _int()), (0,))
  if size is not None and fill_value is not None:
    fill = lax.convert_element_type(jnp.asarray(fill_value), _dtype(result))
    result = lax.select(lax.lt(_iota(k), count), result,
                        lax.broadcast_to_shape(fill, (k,)))
  ret = [result]
  if return_index:
    ret.append(adv.take(perm, ind, mode="clip") if n else lax.full((k,), 0, _int()))
  if return_inverse:
    if n:
      from numjax._src.lax.cumulative import cumsum
      imask = lax.sub(cumsum(lax.convert_element_type(mask, _int()), 0), np.array(1, _int()))
      inv = adv.update(lax.full((n,), 0, _int()), perm, imask, "set",
                       unique_indices=True)
    else:
      inv = lax.full((0,), 0, _int())
    ret.append(inv)
  if return_counts:
    if n:
      ends = adv.nonzero(mask, size=k + 1, fill_value=n)[0]
      counts = lax.sub(lax.slice_in_dim(ends, 1, k + 1), lax.slice_in_dim(ends, 0, k))
      counts = lax.max(counts, lax.full((k,), 0, _int()))
    else:
      counts = lax.full((k,), 0, _int())
    ret.append(counts)
  if return_true_size:
    ret.append(count)
  return ret


def unique(ar, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None, *, equal_nan: bool = True,
           size: int | None = None, fill_value=None, sorted: bool = True):
  """The sorted unique values of `ar` (optionally first indices, inverse, counts). Under jit
  pass a static `size`: the result is padded with `fill_value` (default: the minimum).

  >>> jnp.unique(jnp.array([3, 1, 1]), return_counts=True)
  (Array([1, 3], dtype=int32), Array([2, 1], dtype=int32))
  """
  check_arraylike("unique", ar)
  arr = jnp.asarray(ar)
  if size is not None:
    size = operator.index(size)
  if axis is not None:
    return _unique_axis(arr, axis, return_index, return_inverse, return_counts, equal_nan,
                        size, fill_value)
  shape = _shape(arr)
  ret = _unique_1d(jnp.ravel(arr), return_index, return_inverse, return_counts, equal_nan,
                   size, fill_value)
  if return_inverse:
    k = 1 + bool(return_index)
    ret[k] = lax.reshape(ret[k], shape)
  return ret[0] if len(ret) == 1 else tuple(ret)


def _unique_axis(arr, axis, return_index, return_inverse, return_counts, equal_nan, size,
                 fill_value):
  """unique slices along `axis` (concrete input only)."""
  c = _concrete_or_error(arr, "The error arose for the first argument of jnp.unique(). "
                         + _UNIQUE_SIZE_HINT)
  axis = canonicalize_axis(axis, c.ndim)
  res = np.unique(c, return_index=True, return_inverse=True, return_counts=True, axis=axis,
                  equal_nan=equal_nan)
  vals, index, inverse, counts = res
  vals = jnp.asarray(vals.astype(c.dtype))
  out = [adv.take(arr, Array(np.asarray(index, _int())), axis=axis)]
  if size is not None:
    k = _shape(out[0])[axis]
    if size < k:
      out[0] = lax.slice_in_dim(out[0], 0, size, axis=axis)
    elif size > k:
      fill = (lax.slice_in_dim(out[0], 0, 1, axis=axis) if fill_value is None else
              lax.full_like(lax.slice_in_dim(out[0], 0, 1, axis=axis), fill_value))
      out[0] = jnp.concatenate([out[0]] + [fill] * (size - k), axis=axis)
    index = np.resize(index, size) if size > len(index) else index[:size]
    counts = np.concatenate([counts[:size], np.zeros(builtins.max(0, size - len(counts)),
                                                      counts.dtype)])
  if return_index:
    out.append(Array(np.asarray(index, _int())))
  if return_inverse:
    out.append(Array(np.asarray(inverse.reshape(-1), _int())))
  if return_counts:
    out.append(Array(np.asarray(counts, _int())))
  return out[0] if len(out) == 1 else tuple(out)


def unique_values(x, /, *, size=None, fill_value=None):
  return unique(x, size=size, fill_value=fill_value)


def unique_counts(x, /, *, size=None, fill_value=None):
  return unique(x, return_counts=True, size=size, fill_value=fill_value)


def unique_inverse(x, /, *, size=None, fill_value=None):
  return unique(x, return_inverse=True, size=size, fill_value=fill_value)


def unique_all(x, /, *, size=None, fill_value=None):
  return unique(x, return_index=True, return_inverse=True, return_counts=True, size=size,
                fill_value=fill_value)


def _compare_all_in(a, b):
  """For each element of a: whether it equals some element of the 1-D b."""
  eq = lax.eq(lax.expand_dims(a, (jnp.ndim(a),)),
              lax.broadcast_in_dim(b, _shape(a) + _shape(b), (jnp.ndim(a),)))
  return lax.reduce_or(eq, (jnp.ndim(a),))


def isin(element, test_elements, assume_unique: bool = False, invert: bool = False, *,
         method: str = "auto"):
  """Whether each element of `element` occurs in `test_elements` (shape of `element`)."""
  check_arraylike("isin", element, test_elements)
  el, te = promote_dtypes(element, test_elements)
  te = jnp.ravel(te)
  if method not in ("auto", "compare_all", "binary_search", "sort"):
    raise ValueError(f"method={method!r} is not implemented; options are 'compare_all', "
                     "'binary_search', 'sort', and 'auto'")
  if _shape(te)[0] == 0 or 0 in _shape(el):
    return lax.full(_shape(el), bool(invert), np.bool_)
  big = int(np.prod(_shape(el))) * _shape(te)[0] > 1 << 22
  if method in ("binary_search", "sort") or (method == "auto" and big):
    s = sort(te)
    pos = searchsorted(s, el)
    found = lax.eq(adv.take(s, pos, mode="clip"), el)
  else:
    found = _compare_all_in(el, te)
  return lax.bitwise_not(found) if invert else found


def in1d(ar1, ar2, assume_unique: bool = False, invert: bool = False, *, method="auto"):
  """isin on the flattened `ar1`."""
  return isin(jnp.ravel(ar1), ar2, assume_unique, invert, method=method)


def _compress_1d(vals, keep, size, fill_value):
  """vals[keep] (1-D), padded/truncated to a static `size` when given."""
  k = size if size is not None else _count_true(keep)
  if k is None:
    raise core.ConcretizationTypeError(keep, "The error arose in a jnp set operation. "
                                       + _UNIQUE_SIZE_HINT)
  idx = adv.nonzero(keep, size=k)[0]
  out = adv.take(vals, idx, mode="clip") if _shape(vals)[0] else lax.full((k,), 0,
                                                                          _dtype(vals))
  if fill_value is not None or size is not None:
    count = lax.reduce_sum(lax.convert_element_type(keep, _int()), (0,))
    if fill_value is None:  # JAX pads with the smallest value of the result
      fill = lax.reduce_min(vals, (0,)) if _shape(vals)[0] else lax.full((), 0, _dtype(vals))
    else:
      fill = lax.convert_element_type(jnp.asarray(fill_value), _dtype(vals))
    out = lax.select(lax.lt(_iota(k), count), out, lax.broadcast_to_shape(fill, (k,)))
  return out, idx


def setdiff1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
              fill_value=None):
  """The sorted unique values of ar1 that are not in ar2."""
  check_arraylike("setdiff1d", ar1, ar2)
  a1, a2 = promote_dtypes(ar1, ar2)
  a1 = jnp.ravel(a1)
  n = _shape(a1)[0]
  if n == 0:
    return lax.full((size or 0,), 0 if fill_value is None else fill_value, _dtype(a1))
  u, count = _unique_1d(a1, False, False, False, True, n, None, return_true_size=True)
  keep = lax.bitwise_and(lax.lt(_iota(n), count), isin(u, a2, invert=True))
  return _compress_1d(u, keep, size, fill_value)[0]


def union1d(ar1, ar2, *, size: int | None = None, fill_value=None):
  """The sorted unique values in either array."""
  check_arraylike("union1d", ar1, ar2)
  a1, a2 = promote_dtypes(ar1, ar2)
  return unique(jnp.concatenate([jnp.ravel(a1), jnp.ravel(a2)]), size=size,
                fill_value=fill_value)


def setxor1d(ar1, ar2, assume_unique: bool = False, *, size: int | None = None,
             fill_value=None):
  """The sorted unique values in exactly one of the arrays."""
  check_arraylike("setxor1d", ar1, ar2)
  a1, a2 = promote_dtypes(ar1, ar2)
  a1, a2 = jnp.ravel(a1), jnp.ravel(a2)
  u = union1d(a1, a2, size=_shape(a1)[0] + _shape(a2)[0])
  n1, n2 = _shape(a1)[0], _shape(a2)[0]
  _, c = _unique_1d(jnp.concatenate([a1, a2]), False, False, False, True, n1 + n2, None,
                    return_true_size=True)
  keep = lax.bitwise_and(lax.lt(_iota(n1 + n2), c),
                         lax.bitwise_xor(isin(u, a1), isin(u, a2)))
  return _compress_1d(u, keep, size, fill_value)[0]


def intersect1d(ar1, ar2, assume_unique: bool = False, return_indices: bool = False, *,
                size: int | None = None, fill_value=None):
  """The sorted unique values in both arrays (with `return_indices`, the indices of their
  first occurrences in each)."""
  check_arraylike("intersect1d", ar1, ar2)
  a1, a2 = promote_dtypes(ar1, ar2)
  a1, a2 = jnp.ravel(a1), jnp.ravel(a2)
  n1, n2 = _shape(a1)[0], _shape(a2)[0]
  if n1 == 0 or n2 == 0:
    k = size or 0
    out = lax.full((k,), 0 if fill_value is None else fill_value, _dtype(a1))
    if return_indices:
      return out, lax.full((k,), n1, _int()), lax.full((k,), n2, _int())
    return out
  u, first, count = _unique_1d(a1, True, False, False, True, n1, None, return_true_size=True)
  keep = lax.bitwise_and(lax.lt(_iota(n1), count), isin(u, a2))
  out, idx = _compress_1d(u, keep, size, fill_value)
  if not return_indices:
    return out
  k = _shape(out)[0]
  valid = lax.lt(_iota(k), lax.reduce_sum(lax.convert_element_type(keep, _int()), (0,)))
  i1 = lax.select(valid, adv.take(first, idx, mode="clip"), lax.full((k,), n1, _int()))
  # first occurrence in ar2 of each output value
  eq = lax.eq(lax.broadcast_in_dim(out, (k, n2), (0,)), lax.broadcast_in_dim(a2, (k, n2), (1,)))
  i2 = lax.argmax(lax.convert_element_type(eq, np.int32), 1, _int())
  i2 = lax.select(valid, i2, lax.full((k,), n2, _int()))
  return out, i1, i2


# ----------------------------------------------------------------------------------------------
# Counting: bincount, histogram
# ----------------------------------------------------------------------------------------------
def bincount(x, weights=None, minlength: int = 0, *, length: int | None = None):
  """Counts (or summed weights) of each non-negative integer in the 1-D `x`; negative values
  count as 0, values >= `length` are dropped. Under jit pass a static `length`."""
  check_arraylike("bincount", x)
  x = jnp.asarray(x)
  if _dtype(x).kind not in "iu":
    raise TypeError(f"x argument to bincount must have an integer type; got {_dtype(x)}")
  if jnp.ndim(x) != 1:
    raise ValueError("only 1-dimensional input supported.")
  minlength = operator.index(minlength)
  if length is None:
    c = _concrete_or_error(x, "The error occurred because of argument 'x' of jnp.bincount. "
                           "To avoid this error, pass a static `length` argument.")
    length = builtins.max(minlength, c.size and int(c.max()) + 1)
  else:
    length = operator.index(length)
  if weights is None:
    weights = Array(np.array(1, _int()), False)
  else:
    weights = jnp.asarray(weights)
    if _shape(x) != _shape(weights):
      raise ValueError("shape of weights must match shape of x.")
  zeros = lax.full((length,), 0, _dtype(weights))
  return adv.update(zeros, jnp.clip(x, 0), weights, "add", "drop")


def histogram_bin_edges(a, bins=10, range=None, weights=None):
  """The edges of `bins` equal-width bins over `range` (default: the data's min and max)."""
  if isinstance(bins, str):
    raise NotImplementedError("string values for `bins` not implemented.")
  check_arraylike("histogram_bin_edges", a, bins)
  arr = jnp.ravel(jnp.asarray(a))
  dtype = _dtype(arr) if _dtype(arr).kind in "fc" else dtypes.default_float()
  if jnp.ndim(bins) == 1:
    return jnp.asarray(bins, dtype)
  try:
    bins = operator.index(bins)
  except TypeError:
    raise TypeError(f"histogram: bins must be an integer or a 1-D array of bin edges, got "
                    f"{bins!r}") from None
  if range is None:
    lo, hi = lax.reduce_min(arr, (0,)), lax.reduce_max(arr, (0,))
  else:
    lo, hi = range
  lo = lax.convert_element_type(jnp.asarray(lo), dtype)
  hi = lax.convert_element_type(jnp.asarray(hi), dtype)
  same = lax.eq(lo, hi)
  lo = lax.select(same, lax.sub(lo, np.array(0.5, dtype)), lo)
  hi = lax.select(same, lax.add(hi, np.array(0.5, dtype)), hi)
  return jnp.linspace(lo, hi, bins + 1, dtype=dtype)


def histogram(a, bins=10, range=None, weights=None, density=None):
  """(counts, bin_edges): counts of `a` in each bin; the last bin includes its right edge."""
  if weights is None:
    w = lax.full_like(jnp.ravel(jnp.asarray(a)), 1, dtypes.default_float()
                      if _dtype(jnp.asarray(a)).kind not in "fc" else None)
  else:
    w = jnp.ravel(jnp.asarray(weights))
  arr = jnp.ravel(jnp.asarray(a))
  edges = histogram_bin_edges(arr, bins, range, weights)
  ne = _shape(edges)[0]
  idx = searchsorted(edges, arr, side="right")
  idx = lax.select(lax.eq(arr.astype(_dtype(edges)), adv.take(edges, np.array(ne - 1))),
                   lax.full_like(idx, ne - 1), idx)
  counts = lax.slice_in_dim(adv.update(lax.full((ne,), 0, _dtype(w)), idx, w, "add"), 1, ne)
  if density:
    widths = lax.sub(lax.slice_in_dim(edges, 1, ne), lax.slice_in_dim(edges, 0, ne - 1))
    counts = jnp.true_divide(jnp.true_divide(counts, widths), jnp.sum(counts))
  return counts, edges


# ----------------------------------------------------------------------------------------------
# Order statistics: quantile, percentile, median and their nan versions
# ----------------------------------------------------------------------------------------------
_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(a, q, axis, method, keepdims, squash_nans, name):
  if method not in _METHODS:
    raise ValueError(f"{name} does not support method={method!r}; choose one of {_METHODS}")
  check_arraylike(name, a, q)
  a = jnp.asarray(a)
  dt = _dtype(a) if _dtype(a).kind in "fc" else dtypes.default_float()
  if _dtype(a).kind == "c":
    raise ValueError("quantile does not support complex input, as the operation is poorly "
                     "defined.")
  a = lax.convert_element_type(a, dt)
  q = jnp.asarray(q)
  if jnp.ndim(q) > 1:
    raise ValueError(f"q must be have rank <= 1, got shape {_shape(q)}")
  qc = core.concrete_value(q)
  if qc is not None and np.any((np.asarray(qc) < 0) | (np.asarray(qc) > 1)):
    raise ValueError("Quantiles must be in the range [0, 1]")
  q = lax.convert_element_type(q, dt)
  nd = jnp.ndim(a)
  if axis is None:
    axes = tuple(builtins.range(nd))
  elif isinstance(axis, (tuple, list)):
    axes = tuple(sorted(canonicalize_axis(x, nd) for x in axis))
  else:
    axes = (canonicalize_axis(axis, nd),)
  keep_shape = tuple(1 if d in axes else s for d, s in enumerate(_shape(a)))
  kept = [d for d in builtins.range(nd) if d not in axes]
  x = lax.transpose(a, tuple(kept) + axes)
  x = lax.reshape(x, tuple(_shape(a)[d] for d in kept)
                  + (int(np.prod([_shape(a)[d] for d in axes], dtype=np.int64)),))
  n = _shape(x)[-1]
  last = jnp.ndim(x) - 1
  x = sort_p.bind(x, dimension=last, is_stable=True, num_keys=1)[0]
  bshape = _shape(x)[:-1]
  nan = jnp.isnan(x)
  if squash_nans:
    count = lax.reduce_sum(lax.convert_element_type(lax.bitwise_not(nan), dt), (last,))
  else:
    count = lax.full(bshape, n, dt)
  qs = q if jnp.ndim(q) else lax.reshape(q, (1,))
  nq = _shape(qs)[0]
  # positions per (q, batch...)
  cnt = lax.broadcast_in_dim(count, (nq,) + bshape, tuple(builtins.range(1, len(bshape) + 1)))
  qb = lax.broadcast_in_dim(qs, (nq,) + bshape, (0,))
  pos = lax.mul(qb, lax.max(lax.sub(cnt, np.array(1, dt)), lax.full_like(cnt, 0)))
  low = lax.floor(pos)
  high = lax.ceil(pos)
  if method == "nearest":   # ties go down, as in JAX
    low = high = lax.select(lax.le(lax.sub(pos, low), lax.full_like(pos, 0.5)), low, high)
  elif method == "lower":
    high = low
  elif method == "higher":
    low = high
  top = lax.max(lax.sub(cnt, np.array(1, dt)), lax.full_like(cnt, 0))
  low, high = lax.min(low, top), lax.min(high, top)
  xq = lax.broadcast_in_dim(x, (nq,) + _shape(x), tuple(builtins.range(1, jnp.ndim(x) + 1)))

  def at(p):
    i = lax.expand_dims(lax.convert_element_type(p, _int()), (jnp.ndim(xq) - 1,))
    return lax.squeeze(adv.take_along_axis(xq, i, axis=-1, mode="clip"), (jnp.ndim(xq) - 1,))
  lo_v, hi_v = at(low), at(high)
  if method == "linear":
    w = lax.sub(pos, low)
    out = lax.add(lax.mul(lo_v, lax.sub(np.array(1, dt), w)), lax.mul(hi_v, w))
  elif method == "midpoint":
    out = lax.mul(lax.add(lo_v, hi_v), np.array(0.5, dt))
  else:
    out = lo_v
  if not squash_nans:
    any_nan = lax.reduce_or(nan, (last,))
    any_nan = lax.broadcast_in_dim(any_nan, (nq,) + bshape,
                                   tuple(builtins.range(1, len(bshape) + 1)))
    out = lax.select(any_nan, lax.full_like(out, np.nan), out)
  else:
    out = lax.select(lax.eq(cnt, lax.full_like(cnt, 0)), lax.full_like(out, np.nan), out)
  if keepdims:
    out = lax.reshape(out, (nq,) + keep_shape)
  if not jnp.ndim(q):
    out = lax.squeeze(out, (0,))
  return out


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
             keepdims=False, *, interpolation=None):
  """The q-th quantile(s) of `a` along `axis` (NaN if the slice has a NaN); q in [0, 1]."""
  return _quantile(a, q, axis, interpolation or method, keepdims, False, "quantile")


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, interpolation=None):
  """quantile ignoring NaNs."""
  return _quantile(a, q, axis, interpolation or method, keepdims, True, "nanquantile")


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, interpolation=None):
  """The q-th percentile(s) of `a` (q in [0, 100])."""
  q = jnp.true_divide(jnp.asarray(q), 100.0)
  return quantile(a, q, axis, out, overwrite_input, method, keepdims,
                  interpolation=interpolation)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, interpolation=None):
  q = jnp.true_divide(jnp.asarray(q), 100.0)
  return nanquantile(a, q, axis, out, overwrite_input, method, keepdims,
                     interpolation=interpolation)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
  """The median along `axis` (the mean of the two middle values for even sizes)."""
  return quantile(a, 0.5, axis=axis, out=out, keepdims=keepdims, method="midpoint")


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
  """median ignoring NaNs."""
  return nanquantile(a, 0.5, axis=axis, out=out, keepdims=keepdims, method="midpoint")
