"""`numjax.numpy`: JAX's NumPy API (`import numjax.numpy as jnp`)."""
import numpy as _np

from numjax._src.numpy import array_methods as _array_methods  # noqa: F401  (installs operators)
from numjax._src.numpy.lax_numpy import *  # noqa: F401,F403
from numjax._src.numpy.lax_numpy import (abs, all, any, max, min, pow, round, sum)  # noqa: F401
from numjax._src.array import Array as ndarray  # noqa: F401
from numjax._src.dtypes import finfo, iinfo  # noqa: F401

from numjax._src.numpy.scalar_types import (  # noqa: F401
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64,
    complex64, complex128, bfloat16, float_, int_, uint, complex_)

inexact, floating, complexfloating = _np.inexact, _np.floating, _np.complexfloating
integer, signedinteger, unsignedinteger = _np.integer, _np.signedinteger, _np.unsignedinteger
number, generic = _np.number, _np.generic
bool = bool_
dtype = _np.dtype


def __getattr__(name):
  # Submodules imported on first use: `jnp.linalg`, `jnp.fft`.
  if name in ("linalg", "fft"):
    import importlib
    return importlib.import_module(f"numjax.numpy.{name}")
  raise AttributeError(f"module 'numjax.numpy' has no attribute '{name}'")

# Indexing, sorting, set operations and cumulative reductions (numjax/_src/numpy/
# advanced_indexing.py, sorting.py, cumulative.py).
from numjax._src.numpy.advanced_indexing import (  # noqa: F401,E402
    argwhere, choose, compress, diag_indices, diag_indices_from, extract, flatnonzero,
    indices, ix_, nonzero, piecewise, put_along_axis, ravel_multi_index, select, take,
    take_along_axis, tril_indices, tril_indices_from, triu_indices, triu_indices_from,
    unravel_index)
from numjax._src.numpy.sorting import (  # noqa: F401,E402
    argpartition, argsort, bincount, digitize, histogram, histogram_bin_edges, in1d,
    intersect1d, isin, lexsort, median, nanmedian, nanpercentile, nanquantile, partition,
    percentile, quantile, searchsorted, setdiff1d, setxor1d, sort, union1d, unique,
    unique_all, unique_counts, unique_inverse, unique_values)
from numjax._src.numpy.cumulative import (  # noqa: F401,E402
    cumprod, cumproduct, cumsum, cumulative_prod, cumulative_sum, diff, ediff1d, nancumprod,
    nancumsum, trapezoid)


def _install_index_methods():
  from numjax._src.numpy.array_methods import register_method
  from numjax._src.numpy import advanced_indexing as _ai, sorting as _so, cumulative as _cu

  def _sort_method(self, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    return _so.sort(self, axis, kind=kind, order=order, stable=stable, descending=descending)

  def _argsort_method(self, axis=-1, *, kind=None, order=None, stable=True, descending=False):
    return _so.argsort(self, axis, kind=kind, order=order, stable=stable,
                       descending=descending)
  register_method("sort", _sort_method)
  register_method("argsort", _argsort_method)
  register_method("argpartition", lambda self, kth, axis=-1: _so.argpartition(self, kth, axis))
  register_method("searchsorted", lambda self, v, side="left", sorter=None, *, method="scan":
                  _so.searchsorted(self, v, side, sorter, method=method))
  register_method("cumsum", lambda self, axis=None, dtype=None, out=None:
                  _cu.cumsum(self, axis=axis, dtype=dtype, out=out))
  register_method("cumprod", lambda self, axis=None, dtype=None, out=None:
                  _cu.cumprod(self, axis=axis, dtype=dtype, out=out))
  register_method("take", lambda self, indices, axis=None, out=None, mode=None,
                  unique_indices=False, indices_are_sorted=False, fill_value=None:
                  _ai.take(self, indices, axis, out, mode, unique_indices, indices_are_sorted,
                           fill_value))
  register_method("choose", lambda self, choices, out=None, mode="raise":
                  _ai.choose(self, choices, out, mode))
  register_method("compress", lambda self, condition, axis=None, *, out=None, size=None,
                  fill_value=0: _ai.compress(condition, self, axis, size=size,
                                             fill_value=fill_value, out=out))


_install_index_methods()
del _install_index_methods

# NaN-aware reductions, statistics, grids, elementwise extras, array manipulation, vectorize
# and index tricks (numjax/_src/numpy/extra.py); polynomials (polynomial.py); einsum.
from numjax._src.numpy.extra import (  # noqa: F401,E402
    append, apply_along_axis, apply_over_axes, array_equiv, bartlett, bitwise_count,
    bitwise_invert, bitwise_left_shift, bitwise_right_shift, blackman, block, c_, convolve,
    corrcoef, correlate, cov, delete, diagflat, dsplit, fill_diagonal, float_power, fmax, fmin,
    frexp, fromfunction, gcd, geomspace, gradient, hamming, hanning, i0, index_exp, insert,
    interp, iscomplex, isdtype, isneginf, isposinf, isreal, iterable, kaiser, lcm, ldexp,
    logaddexp2, logspace, matvec, meshgrid, mgrid, modf, nan_to_num, nanargmax, nanargmin,
    nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, ogrid, ptp, r_, resize, rollaxis,
    rot90, s_, spacing, trim_zeros, unstack, unwrap, vecdot, vecmat, vectorize)
from numjax._src.numpy.polynomial import (  # noqa: F401,E402
    poly, polyadd, polyder, polydiv, polyfit, polyint, polymul, polysub, polyval, roots, vander)
single, double, csingle, cdouble = float32, float64, complex64, complex128  # noqa: E305
from numjax._src.numpy.einsum import einsum, einsum_path  # noqa: F401,E402
# Bit packing, place/put, histograms, printing and IO wrappers, ufunc (numjax/_src/numpy/more.py).
from numjax._src.numpy.more import (  # noqa: F401,E402
    ComplexWarning, array_repr, array_str, character, flexible, frombuffer, fromfile, fromiter,
    frompyfunc, fromstring, get_printoptions, histogram2d, histogramdd, load, mask_indices,
    object_, packbits, place, printoptions, put, save, savez, set_printoptions, sort_complex,
    ufunc, unpackbits)

# As in JAX, these fourteen functions are `jnp.ufunc` objects (`jnp.add.reduce`, `.outer`,
# `.at`, `.accumulate`, ...). Calling one calls the plain function directly (no extra frame).
def _as_ufunc(fn, nin, identity=None, **methods):
  cls = type(fn.__name__, (ufunc,), {"__call__": staticmethod(fn), "__doc__": fn.__doc__})
  return cls(fn, nin, 1, name=fn.__name__, identity=identity, call=fn, **methods)


def _at(update):
  return lambda a, indices, b: getattr(asarray(a).at[indices], update)(b)


def _no_dtype(reduction):  # max/min/all/any take no dtype: cast first
  return lambda a, axis, dtype, keepdims, initial, where: reduction(
      asarray(a) if dtype is None else asarray(a).astype(dtype), axis=axis, keepdims=keepdims,
      initial=initial, where=where)


add = _as_ufunc(add, 2, 0, reduce=sum, accumulate=cumsum, at=_at("add"))
multiply = _as_ufunc(multiply, 2, 1, reduce=prod, accumulate=cumprod, at=_at("multiply"))
subtract = _as_ufunc(subtract, 2, at=_at("subtract"))
maximum = _as_ufunc(maximum, 2, reduce=_no_dtype(max), at=_at("max"))
minimum = _as_ufunc(minimum, 2, reduce=_no_dtype(min), at=_at("min"))
logical_and = _as_ufunc(logical_and, 2, True)
logical_or = _as_ufunc(logical_or, 2, False)
logical_xor = _as_ufunc(logical_xor, 2, False)
bitwise_and = _as_ufunc(bitwise_and, 2, -1)
bitwise_or = _as_ufunc(bitwise_or, 2, 0)
bitwise_xor = _as_ufunc(bitwise_xor, 2, 0)
logaddexp = _as_ufunc(logaddexp, 2, -inf)
logaddexp2 = _as_ufunc(logaddexp2, 2, -inf)
negative = _as_ufunc(negative, 1)
del _as_ufunc, _at, _no_dtype
