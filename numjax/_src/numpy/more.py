"""More of `jax.numpy`: bit packing, `place`/`put`, multidimensional histograms, `mask_indices`,
`sort_complex`, NumPy's printing/IO wrappers, the scalar type names JAX re-exports, and
`jnp.ufunc` / `jnp.frompyfunc` (a Python function made into a ufunc-like object whose
`reduce`, `accumulate`, `reduceat`, `outer` and `at` are built from lax loops and vmap).

Everything works on traced values except the IO wrappers, which (as in JAX) move concrete
NumPy data in and out.

    >>> packbits(jnp.array([1, 0, 1]))
    Array([160], dtype=uint8)
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable

import numpy as np

from numjax._src import dtypes
from numjax._src.lax import lax as L


def _jnp():
  import numjax.numpy
  return numjax.numpy


def _arraylike(fname: str, *args):
  from numjax._src.numpy.util import check_arraylike
  check_arraylike(fname, *args)
  jnp = _jnp()
  return [jnp.asarray(a) for a in args]


# ----------------------------------------------------------------------------------------------
# Bits
# ----------------------------------------------------------------------------------------------
def _check_bitorder(bitorder: str) -> None:
  if bitorder not in ["little", "big"]:
    raise ValueError("'order' must be either 'little' or 'big'")


def packbits(a, axis: int | None = None, bitorder: str = "big"):
  """Pack the truth values of `a` into the bits of uint8 (8 per byte, zero-padded).

      >>> packbits(jnp.array([1, 0, 1, 1, 0, 0, 0, 1, 1]))
      Array([177, 128], dtype=uint8)
  """
  jnp = _jnp()
  arr, = _arraylike("packbits", a)
  if arr.dtype.kind not in "iub":
    raise TypeError("Expected an input array of integer or boolean data type")
  _check_bitorder(bitorder)
  arr = (arr != 0).astype("uint8")
  if axis is None:
    arr, axis = jnp.ravel(arr), 0
  arr = jnp.swapaxes(arr, axis, -1)
  rem = arr.shape[-1] % 8
  if rem:
    arr = jnp.pad(arr, [(0, 0)] * (arr.ndim - 1) + [(0, 8 - rem)])
  arr = arr.reshape(arr.shape[:-1] + (arr.shape[-1] // 8, 8))
  shifts = np.arange(8, dtype=np.uint8)
  if bitorder == "big":
    shifts = shifts[::-1]
  packed = jnp.sum(arr << jnp.asarray(shifts), axis=-1).astype("uint8")
  return jnp.swapaxes(packed, axis, -1)


def unpackbits(a, axis: int | None = None, count: int | None = None, bitorder: str = "big"):
  """Unpack the bits of a uint8 array into 0/1 uint8 values (8 per byte, then `count` kept).

      >>> unpackbits(jnp.array([5], dtype=jnp.uint8))
      Array([0, 0, 0, 0, 0, 1, 0, 1], dtype=uint8)
  """
  jnp = _jnp()
  arr, = _arraylike("unpackbits", a)
  if arr.dtype != np.uint8:
    raise TypeError("Expected an input array of unsigned byte data type")
  _check_bitorder(bitorder)
  bits = np.left_shift(np.uint8(1), np.arange(8, dtype=np.uint8))
  if bitorder == "big":
    bits = bits[::-1]
  if axis is None:
    arr, axis = jnp.ravel(arr), 0
  arr = jnp.swapaxes(arr, axis, -1)
  unpacked = ((arr[..., None] & jnp.asarray(bits)) > 0).astype("uint8")
  unpacked = unpacked.reshape(unpacked.shape[:-2] + (-1,))
  if count is not None:
    if count > unpacked.shape[-1]:
      unpacked = jnp.pad(unpacked, [(0, 0)] * (unpacked.ndim - 1) +
                         [(0, count - unpacked.shape[-1])])
    else:
      unpacked = unpacked[..., :count]
  return jnp.swapaxes(unpacked, axis, -1)


# ----------------------------------------------------------------------------------------------
# place / put
# ----------------------------------------------------------------------------------------------
def _tile_to_size(arr, size: int):
  jnp = _jnp()
  if arr.size < size:
    arr = jnp.tile(arr, int(np.ceil(size / arr.size)))
  return arr[:size] if arr.size > size else arr


def place(arr, mask, vals, *, inplace: bool = True):
  """arr with the positions where `mask` is true set to `vals` in order (repeating them).
  JAX arrays are immutable: pass inplace=False.

      >>> place(jnp.arange(4), jnp.arange(4) % 2 == 0, jnp.array([9]), inplace=False)
      Array([9, 1, 9, 3], dtype=int32)
  """
  jnp = _jnp()
  data, mask_arr, vals_arr = _arraylike("place", arr, mask, vals)
  vals_arr = vals_arr.ravel()
  if inplace:
    raise ValueError("jax.numpy.place cannot modify arrays in-place, because JAX arrays are "
                     "immutable. Pass inplace=False to instead return an updated array.")
  if data.size != mask_arr.size:
    raise ValueError("place: arr and mask must be the same size")
  if not vals_arr.size:
    raise ValueError("Cannot place values from an empty array")
  if not data.size:
    return data
  indices = jnp.where(mask_arr.ravel(), size=mask_arr.size, fill_value=mask_arr.size)[0]
  vals_arr = _tile_to_size(vals_arr, len(indices))
  return data.ravel().at[indices].set(vals_arr, mode="drop").reshape(data.shape)


def put(a, ind, v, mode: str | None = None, *, inplace: bool = True):
  """a with the flat positions `ind` set to `v` (repeated as needed); mode 'clip' or 'wrap'
  for out-of-range indices. JAX arrays are immutable: pass inplace=False.

      >>> put(jnp.arange(4), jnp.array([0, 2]), jnp.array([9, 8]), inplace=False)
      Array([9, 1, 8, 3], dtype=int32)
  """
  jnp = _jnp()
  if inplace:
    raise ValueError("jax.numpy.put cannot modify arrays in-place, because JAX arrays are "
                     "immutable. Pass inplace=False to instead return an updated array.")
  arr, ind_arr, v_arr = _arraylike("put", a, ind, v)
  ind_arr, v_arr = ind_arr.ravel(), v_arr.ravel()
  if not arr.size or not ind_arr.size or not v_arr.size:
    return arr
  v_arr = _tile_to_size(v_arr, len(ind_arr))
  if mode is None:
    scatter_mode = "drop"
  elif mode == "clip":
    ind_arr = jnp.clip(ind_arr, 0, arr.size - 1)
    scatter_mode = "promise_in_bounds"
  elif mode == "wrap":
    ind_arr = ind_arr % arr.size
    scatter_mode = "promise_in_bounds"
  elif mode == "raise":
    raise NotImplementedError("The 'raise' mode to jnp.put is not supported.")
  else:
    raise ValueError(f"mode should be one of 'wrap' or 'clip'; got {mode=}")
  return arr.at[jnp.unravel_index(ind_arr, arr.shape)].set(v_arr, mode=scatter_mode)


# ----------------------------------------------------------------------------------------------
# Histograms, mask_indices, sort_complex
# ----------------------------------------------------------------------------------------------
def histogramdd(sample, bins=10, range=None, weights=None, density: bool | None = None):
  """The D-dimensional histogram of `sample` (N, D): (hist, [edges per dimension]).

      >>> histogramdd(jnp.array([[0., 1.], [1., 1.]]), bins=1)[0]
      Array([[2.]], dtype=float32)
  """
  import builtins
  from numjax._src.numpy.util import promote_dtypes_inexact
  jnp = _jnp()
  if weights is None:
    sample, = _arraylike("histogramdd", sample)
    sample, = promote_dtypes_inexact(sample)
  else:
    sample, weights = _arraylike("histogramdd", sample, weights)
    if np.shape(weights) != np.shape(sample)[:1]:
      raise ValueError("should have one weight for each sample.")
    sample, weights = promote_dtypes_inexact(sample, weights)
  if sample.ndim != 2:
    raise ValueError(f"histogramdd: sample must be a 2-D array of shape (N, D), got shape "
                     f"{sample.shape}.")
  n, d = sample.shape
  if range is not None and (len(range) != d or any(r is not None and np.shape(r)[0] != 2
                                                   for r in range)):
    raise ValueError(f"For sample.shape={(n, d)}, range must be a sequence of {d} pairs or "
                     f"Nones; got {range=}")
  try:
    per_dim = list(bins)
  except TypeError:
    per_dim = d * [bins]
  else:
    if len(per_dim) != d:
      raise ValueError("should be a bin for each dimension.")
  idx_by_dim, edges_by_dim = [], []
  for i in builtins.range(d):
    edges = jnp.histogram_bin_edges(sample[:, i], per_dim[i],
                                    None if range is None else range[i], weights)
    idx = jnp.searchsorted(edges, sample[:, i], side="right")
    idx_by_dim.append(jnp.where(sample[:, i] == edges[-1], idx - 1, idx))
    edges_by_dim.append(edges)
  nbins = tuple(len(e) + 1 for e in edges_by_dim)
  xy = jnp.ravel_multi_index(tuple(idx_by_dim), nbins, mode="clip")
  hist = jnp.bincount(xy, weights, length=math.prod(nbins)).reshape(nbins)
  hist = hist[d * (slice(1, -1),)]
  if density:
    hist = hist.astype(sample.dtype)
    hist = hist / hist.sum()
    for width in jnp.ix_(*[jnp.diff(e) for e in edges_by_dim]):
      hist = hist / width
  return hist, edges_by_dim


def histogram2d(x, y, bins=10, range=None, weights=None, density: bool | None = None):
  """The 2-D histogram of (x, y): (hist, x_edges, y_edges)."""
  jnp = _jnp()
  x, y = _arraylike("histogram2d", x, y)
  if x.ndim != 1 or x.shape != y.shape:
    raise ValueError(f"histogram2d: x and y must be 1-D arrays of the same length, got shapes "
                     f"{x.shape} and {y.shape}.")
  try:
    n = len(bins)
  except TypeError:
    n = 1
  if n != 1 and n != 2:
    edges = jnp.asarray(bins)
    bins = [edges, edges]
  hist, edges = histogramdd(jnp.stack([x, y], axis=1), bins, range, weights, density)
  return hist, edges[0], edges[1]


def mask_indices(n: int, mask_func: Callable, k: int = 0, *, size: int | None = None):
  """The (row, col) indices where mask_func(ones((n, n)), k) is nonzero.

      >>> mask_indices(2, jnp.triu)
      (Array([0, 0, 1], dtype=int32), Array([0, 1, 1], dtype=int32))
  """
  jnp = _jnp()
  i, j = jnp.nonzero(mask_func(jnp.ones((n, n)), k), size=size)
  return i, j


def sort_complex(a):
  """`a` sorted by real part, then imaginary part, as a complex array."""
  a, = _arraylike("sort_complex", a)
  a = L.sort(a) if a.ndim else a
  dt = a.dtype
  cdt = dt if dt.kind == "c" else (np.dtype(np.complex128) if dt == np.float64 else
                                   dtypes.complex_dtype_for(dtypes.default_float())
                                   if dt.kind != "f" else dtypes.complex_dtype_for(dt))
  return L.convert_element_type(a, cdt)


# ----------------------------------------------------------------------------------------------
# Printing, buffers and files (NumPy's, on concrete data, as JAX re-exports them)
# ----------------------------------------------------------------------------------------------
def _numpy_call(fn, *args, **kwargs):
  """Call a NumPy printing/IO function; its TypeError/ValueError for bad arguments is raised
  again here (NumPy's own message), so it reads as this API's error."""
  try:
    return fn(*args, **kwargs)
  except (TypeError, ValueError) as e:
    raise type(e)(f"{fn.__name__}: {e}") from None


def _to_numpy(fname: str, arr):
  from numjax._src.numpy.util import check_arraylike
  check_arraylike(fname, arr)
  return np.asarray(arr)


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
  """NumPy's repr of the array's values."""
  return _numpy_call(np.array_repr, _to_numpy("array_repr", arr), max_line_width, precision,
                     suppress_small)


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
  """NumPy's str of the array's values."""
  return _numpy_call(np.array_str, _to_numpy("array_str", a), max_line_width, precision,
                     suppress_small)


def set_printoptions(*args, **kwargs):
  """np.set_printoptions (numjax arrays print through NumPy)."""
  return _numpy_call(np.set_printoptions, *args, **kwargs)


def save(file, arr, allow_pickle: bool = True):
  """np.save of the array's values."""
  return _numpy_call(np.save, file, _to_numpy("save", arr), allow_pickle=allow_pickle)


def savez(file, *args, allow_pickle: bool = True, **kwds):
  """np.savez of the arrays' values."""
  if not (isinstance(file, (str, bytes)) or hasattr(file, "__fspath__") or
          hasattr(file, "write")):
    raise TypeError(f"savez: file must be a path or a file-like object, got "
                    f"{type(file).__name__}.")
  return _numpy_call(np.savez, file, *args, allow_pickle=allow_pickle, **kwds)


printoptions = np.printoptions
get_printoptions = np.get_printoptions
ComplexWarning = np.exceptions.ComplexWarning
character = np.character
flexible = np.flexible
object_ = np.object_


def frombuffer(buffer, dtype=float, count: int = -1, offset: int = 0):
  """A 1-D array from the bytes of `buffer` (NumPy's frombuffer, then canonicalised)."""
  return _jnp().asarray(np.frombuffer(buffer=buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string: str, dtype=float, count: int = -1, *, sep: str):
  """A 1-D array parsed from text with separator `sep`."""
  return _jnp().asarray(np.fromstring(string=string, dtype=dtype, count=count, sep=sep))


_IMPURE = ("jnp.{0}() is not implemented because it may be non-pure and thus unsafe for use "
           "with JIT and other JAX transformations. Consider using jnp.asarray(np.{0}(...)) "
           "instead, although care should be taken if np.{0} is used within a jax "
           "transformations because of its potential side-effect of consuming the {1}; for "
           "more information see "
           "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#pure-functions")


def fromiter(*args, **kwargs):
  """Not implemented (impure); use jnp.asarray(np.fromiter(...))."""
  raise NotImplementedError(_IMPURE.format("fromiter", "iterable object"))


def fromfile(*args, **kwargs):
  """Not implemented (impure); use jnp.asarray(np.fromfile(...))."""
  raise NotImplementedError(_IMPURE.format("fromfile", "file object"))


def load(file, *args: Any, **kwargs: Any):
  """np.load, with array results as numjax arrays."""
  out = np.load(file, *args, **kwargs)
  if isinstance(out, np.ndarray):
    try:
      out = _jnp().asarray(out)
    except (TypeError, AssertionError):
      pass
  return out


# ----------------------------------------------------------------------------------------------
# ufunc and frompyfunc
# ----------------------------------------------------------------------------------------------
_AT_INPLACE = ("Because JAX arrays are immutable, jnp.ufunc.at() cannot operate inplace like\n"
               "np.ufunc.at(). Instead, you can pass inplace=False and capture the result; e.g.\n"
               ">>> arr = jnp.add.at(arr, ind, val, inplace=False)\n")


class ufunc:
  """A NumPy-style universal function built from a scalar Python function: calling it
  vectorizes the function over broadcast arguments; binary single-output ufuncs also have
  `reduce`, `accumulate`, `reduceat`, `outer` and `at` (loops of the function in lax).

      >>> mul = ufunc(lambda x, y: x * y, 2, 1, identity=1)
      >>> mul.reduce(jnp.arange(1, 5))
      Array(24, dtype=int32)
  """

  def __init__(self, func: Callable, /, nin: int, nout: int, *, name: str | None = None,
               nargs: int | None = None, identity: Any = None, call: Callable | None = None,
               reduce: Callable | None = None, accumulate: Callable | None = None,
               at: Callable | None = None, reduceat: Callable | None = None):
    from numjax._src.lax.base import index_arg
    if not callable(func):
      raise TypeError(f"ufunc: func must be callable, got {type(func).__name__}.")
    nin, nout = index_arg(nin, "nin"), index_arg(nout, "nout")
    self.__doc__ = func.__doc__
    self.__name__ = name or getattr(func, "__name__", type(func).__name__)
    self._props = dict(func=func, nin=operator.index(nin), nout=operator.index(nout),
                       nargs=operator.index(nargs or nin), identity=identity, call=call,
                       reduce=reduce, accumulate=accumulate, at=at, reduceat=reduceat)

  _func = property(lambda self: self._props["func"])
  nin = property(lambda self: self._props["nin"])
  nout = property(lambda self: self._props["nout"])
  nargs = property(lambda self: self._props["nargs"])
  identity = property(lambda self: self._props["identity"])

  def _key(self):
    return (self._func, self.__name__, self.identity, self.nin, self.nout, self.nargs)

  def __hash__(self) -> int:
    return hash(self._key())

  def __eq__(self, other: Any) -> bool:
    return isinstance(other, ufunc) and self._key() == other._key()

  def __repr__(self) -> str:
    return f"<jnp.ufunc '{self.__name__}'>"

  def __call__(self, *args, out=None, where=None):
    from numjax._src.numpy.util import check_arraylike
    check_arraylike(self.__name__, *args)
    if out is not None:
      raise NotImplementedError(f"out argument of {self}")
    if where is not None:
      raise NotImplementedError(f"where argument of {self}")
    call = self._props["call"]
    if call is not None:
      return call(*args)
    from numjax._src.numpy.extra import vectorize
    return vectorize(self._func)(*args)

  def _binary_only(self, what: str) -> None:
    if self.nin != 2:
      raise ValueError(f"{what} only supported for binary ufuncs")
    if self.nout != 1:
      raise ValueError(f"{what} only supported for functions returning a single value")

  def _result_dtype(self, *args):
    from numjax._src import api
    jnp = _jnp()
    ones = [jnp.ones((), jnp.asarray(a).dtype) for a in args]
    return api.eval_shape(self._func, *ones).dtype

  def reduce(self, a, axis: int | None = 0, dtype=None, out=None, keepdims: bool = False,
             initial=None, where=None):
    """Fold the function over `axis` (a fori_loop), starting from `initial` or the identity."""
    from numjax._src.numpy.util import canonicalize_axis, check_arraylike
    jnp = _jnp()
    check_arraylike(f"{self.__name__}.reduce", a)
    self._binary_only("reduce")
    if out is not None:
      raise NotImplementedError(f"out argument of {self.__name__}.reduce()")
    if initial is not None:
      check_arraylike(f"{self.__name__}.reduce", initial)
    if where is not None:
      check_arraylike(f"{self.__name__}.reduce", where)
      if self.identity is None and initial is None:
        raise ValueError(f"reduction operation {self.__name__!r} does not have an identity, "
                         "so to use a where mask one has to specify 'initial'.")
      if jnp.asarray(where).dtype != bool:
        raise ValueError(f"where argument must have dtype=bool; got "
                         f"dtype={jnp.asarray(where).dtype}")
    if self._props["reduce"] is not None:
      return self._props["reduce"](a, axis=axis, dtype=dtype, keepdims=keepdims,
                                   initial=initial, where=where)
    arr = jnp.asarray(a)
    initial = self.identity if initial is None else initial
    dtype = self._result_dtype(arr, arr) if dtype is None else dtype
    if where is not None:
      where = jnp.broadcast_to(where, arr.shape)
    if isinstance(axis, tuple):
      raise NotImplementedError("tuple of axes")
    if axis is None:
      final_shape = (1,) * arr.ndim if keepdims else ()
      arr = arr.ravel()
      where = None if where is None else where.ravel()
      axis = 0
    else:
      axis = canonicalize_axis(axis, arr.ndim)
      final_shape = (arr.shape[:axis] + ((1,) if keepdims else ()) + arr.shape[axis + 1:])
    arr = jnp.moveaxis(arr, axis, 0)
    if where is not None:
      where = jnp.moveaxis(where, axis, 0)
    if arr.shape[0] == 0:
      if initial is None:
        raise ValueError(f"zero-size array to reduction operation {self.__name__} which has "
                         "no identity")
      return jnp.full(final_shape, initial, dtype)

    def body(i, val):
      new = self(val, arr[i].astype(dtype))
      return new if where is None else jnp.where(where[i], new, val)
    if initial is None:
      start, init = 1, arr[0]
    else:
      start, init = 0, initial
    init = jnp.broadcast_to(jnp.asarray(init).astype(dtype), arr.shape[1:])
    result = L.fori_loop(start, arr.shape[0], body, init)
    return result.reshape(final_shape) if keepdims else result

  def accumulate(self, a, axis: int = 0, dtype=None, out=None):
    """The running fold along `axis` (a scan)."""
    from numjax._src.numpy.util import canonicalize_axis, check_arraylike
    jnp = _jnp()
    self._binary_only("accumulate")
    if out is not None:
      raise NotImplementedError(f"out argument of {self.__name__}.accumulate()")
    if self._props["accumulate"] is not None:
      return self._props["accumulate"](a, axis=axis, dtype=dtype)
    check_arraylike(f"{self.__name__}.accumulate", a)
    arr = jnp.asarray(a)
    dtype = self._result_dtype(arr, arr) if dtype is None else dtype
    if axis is None or isinstance(axis, tuple):
      raise ValueError("accumulate does not allow multiple axes")
    axis = canonicalize_axis(axis, arr.ndim)
    if arr.size == 0:
      return jnp.zeros(arr.shape, dtype)
    arr = jnp.moveaxis(arr, axis, 0)

    def step(carry, x):
      y = self(carry.astype(dtype), x.astype(dtype)).astype(dtype)
      return y, y
    first = arr[0].astype(dtype)
    _, rest = L.scan(step, first, arr[1:])
    return jnp.moveaxis(jnp.concatenate([first[None], rest], axis=0), 0, axis)

  def at(self, a, indices, b=None, /, *, inplace: bool = True):
    """a with the function applied at `indices` (with operand b), one index at a time so
    repeated indices accumulate. JAX arrays are immutable: pass inplace=False."""
    from numjax._src.numpy.util import check_arraylike
    jnp = _jnp()
    if inplace:
      raise NotImplementedError(_AT_INPLACE)
    if self._props["at"] is not None:
      return self._props["at"](a, indices) if b is None else self._props["at"](a, indices, b)
    args = () if b is None else (b,)
    check_arraylike(f"{self.__name__}.at", a, *args)
    dtype = self._result_dtype(a, *args)
    a = jnp.asarray(a).astype(dtype)
    args = tuple(jnp.asarray(x).astype(dtype) for x in args)
    if not isinstance(indices, tuple):
      indices = (indices,)
    if not indices:
      return a
    shapes = [np.shape(i) for i in indices if not isinstance(i, slice)]
    shape = np.broadcast_shapes(*shapes) if shapes else ()
    if not shape:
      return a.at[indices].set(self(a.at[indices].get(), *args))
    count = math.prod(shape)
    if args:
      arg = jnp.broadcast_to(args[0], (*shape, *args[0].shape[len(shape):]))
      args = (arg.reshape(count, *args[0].shape[len(shape):]),)
    indices = [i if isinstance(i, slice) else jnp.broadcast_to(i, shape).ravel()
               for i in indices]

    def body(k, arr):
      idx = tuple(i if isinstance(i, slice) else i[k] for i in indices)
      return arr.at[idx].set(self(arr.at[idx].get(), *(x[k] for x in args)))
    return L.fori_loop(0, count, body, a)

  def reduceat(self, a, indices, axis: int = 0, dtype=None, out=None):
    """Folds of the function over the slices indices[i]:indices[i + 1] along `axis`."""
    from numjax._src.numpy.util import canonicalize_axis, check_arraylike
    jnp = _jnp()
    self._binary_only("reduceat")
    if out is not None:
      raise NotImplementedError(f"out argument of {self.__name__}.reduceat()")
    if self._props["reduceat"] is not None:
      return self._props["reduceat"](a, indices, axis=axis, dtype=dtype)
    check_arraylike(f"{self.__name__}.reduceat", a, indices)
    a, indices = jnp.asarray(a), jnp.asarray(indices)
    if a.ndim == 0:
      raise ValueError(f"reduceat: a must have 1 or more dimension, got {a.shape=}")
    if indices.ndim != 1:
      raise ValueError(f"reduceat: indices must be one-dimensional, got {indices.shape=}")
    if axis is None or isinstance(axis, (tuple, list)):
      raise ValueError("reduceat requires a single integer axis.")
    axis = canonicalize_axis(axis, a.ndim)
    out_ = jnp.take(a, indices, axis=axis)
    other = [d for d in range(out_.ndim) if d != axis]
    ind = jnp.expand_dims(jnp.append(indices, a.shape[axis]), other)
    start = L.slice_in_dim(ind, 0, ind.shape[axis] - 1, axis=axis)
    end = L.slice_in_dim(ind, 1, ind.shape[axis], axis=axis)

    def body(i, acc):
      return jnp.where((i > start) & (i < end),
                       self(acc, jnp.take(a, jnp.expand_dims(i, 0), axis=axis)), acc)
    return L.fori_loop(0, a.shape[axis], body, out_)

  def outer(self, A, B, /):
    """The function at every pair (A[i...], B[j...]): shape A.shape + B.shape."""
    from numjax._src import api
    from numjax._src.numpy.util import check_arraylike
    jnp = _jnp()
    self._binary_only("outer")
    check_arraylike(f"{self.__name__}.outer", A, B)
    A, B = jnp.asarray(A), jnp.asarray(B)
    result = api.vmap(api.vmap(self, (None, 0)), (0, None))(A.ravel(), B.ravel())
    return result.reshape(*A.shape, *B.shape)


def frompyfunc(func: Callable, /, nin: int, nout: int, *, identity: Any = None) -> ufunc:
  """Make a `jnp.ufunc` from a Python function of `nin` scalars returning `nout` values.

      >>> frompyfunc(lambda x, y: x + y, 2, 1, identity=0).accumulate(jnp.arange(4))
      Array([0, 1, 3, 6], dtype=int32)
  """
  return ufunc(func, nin, nout, identity=identity)


__all__ = ["ComplexWarning", "array_repr", "array_str", "character", "flexible", "frombuffer",
           "fromfile", "fromiter", "frompyfunc", "fromstring", "get_printoptions",
           "histogram2d", "histogramdd", "load", "mask_indices", "object_", "packbits", "place",
           "printoptions", "put", "save", "savez", "set_printoptions", "sort_complex", "ufunc",
           "unpackbits"]
