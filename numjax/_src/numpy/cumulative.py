"""Cumulative reductions and differences of `numjax.numpy`: cumsum, cumprod, cumulative_sum,
cumulative_prod, nancumsum, nancumprod, diff, ediff1d, trapezoid.

    >>> jnp.cumsum(jnp.array([[1, 2], [3, 4]]), axis=0)
    Array([[1, 2],
           [4, 6]], dtype=int32)
"""
from __future__ import annotations

import numpy as np

from numjax._src import dtypes
from numjax._src.core import get_aval
from numjax._src.jit import jit
from numjax._src.lax import lax
from numjax._src.lax import cumulative as lax_cum
from numjax._src.lax.base import index_arg
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import canonicalize_axis, check_arraylike, promote_dtypes_inexact


def _promote_integer(dtype, promote_integers: bool) -> np.dtype:
  """bool always, and narrow integers when `promote_integers`, accumulate in the default
  integer of their signedness."""
  if dtype == np.bool_:
    return dtypes.default_int()
  if promote_integers and dtype.kind in "iu":
    default = dtypes.default_int() if dtype.kind == "i" else dtypes.canonicalize_dtype(np.uint64)
    if dtype.itemsize < default.itemsize:
      return default
  return dtype


def _cumulative(name, reduction, fill_nan=False, fill_value=0, promote_integers=False):
  def impl(a, axis=None, dtype=None, out=None):
    check_arraylike(name, a)
    if out is not None:
      raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")
    a = jnp.asarray(a)
    shape = get_aval(a).shape
    if axis is None or not shape:
      a = lax.reshape(a, (int(np.prod(shape, dtype=np.int64)),))
    axis = 0 if axis is None else canonicalize_axis(axis, jnp.ndim(a))
    if fill_nan and get_aval(a).dtype.kind in "fc":
      a = jnp.where(jnp.isnan(a), fill_value, a)
    a_dtype = get_aval(a).dtype
    out_dtype = dtypes.canonicalize_dtype(dtype) if dtype is not None else a_dtype
    if dtype is None and promote_integers or out_dtype == np.bool_:
      out_dtype = _promote_integer(out_dtype, promote_integers)
    if a_dtype != np.bool_ and dtype is not None and np.dtype(dtype) == np.bool_:
      a = lax.ne(a, lax.full_like(a, 0))
    a = lax.convert_element_type(a, out_dtype)
    result = reduction(a, axis)
    if dtype is not None and np.dtype(dtype) == np.bool_:
      result = lax.convert_element_type(result, np.bool_)
    return result
  impl.__name__ = name
  impl.__doc__ = f"Cumulative {name.replace('nancum', 'cum')[3:]} along `axis` (flattened " \
                 f"if None), as numpy.{name}."
  return jit(impl, static_argnames=("axis", "dtype"))


cumsum = _cumulative("cumsum", lax_cum.cumsum)
cumprod = _cumulative("cumprod", lax_cum.cumprod)
nancumsum = _cumulative("nancumsum", lax_cum.cumsum, fill_nan=True, fill_value=0)
nancumprod = _cumulative("nancumprod", lax_cum.cumprod, fill_nan=True, fill_value=1)
_cumsum_promoting = _cumulative("cumsum", lax_cum.cumsum, promote_integers=True)
_cumprod_promoting = _cumulative("cumprod", lax_cum.cumprod, promote_integers=True)
cumproduct = cumprod


def _cumulative_api(name, fn, initial):
  def f(x, /, *, axis: int | None = None, dtype=None, include_initial: bool = False):
    check_arraylike(name, x)
    x = jnp.asarray(x)
    nd = jnp.ndim(x)
    if nd == 0:
      raise ValueError(f"The input must be non-scalar to take a cumulative "
                       f"{'sum' if 'sum' in name else 'product'}, however a scalar value or "
                       f"scalar array was given.")
    if axis is None:
      axis = 0
      if nd > 1:
        raise ValueError(f"The input array has rank {nd}, however axis was not set to an "
                         f"explicit value. The axis argument is only optional for "
                         f"one-dimensional arrays.")
    axis = canonicalize_axis(axis, nd)
    out = fn(x, axis=axis, dtype=dtype)
    if include_initial:
      shape = list(get_aval(x).shape)
      shape[axis] = 1
      out = lax.concatenate([lax.full(shape, initial, get_aval(out).dtype), out], axis)
    return out
  f.__name__ = name
  f.__doc__ = (f"Array API {name}: the cumulative {'sum' if 'sum' in name else 'product'} "
               f"along `axis` (optional for 1-D input), optionally starting with {initial}.")
  return f


cumulative_sum = _cumulative_api("cumulative_sum", _cumsum_promoting, 0)
cumulative_prod = _cumulative_api("cumulative_prod", _cumprod_promoting, 1)


def _diff(a, n=1, axis=-1, prepend=None, append=None):
  check_arraylike("diff", a)
  arr = jnp.asarray(a)
  n = index_arg(n, "jnp.diff n")
  if n == 0:
    return arr
  if n < 0:
    raise ValueError(f"order must be non-negative but got {n}")
  nd = jnp.ndim(arr)
  if nd == 0:
    raise ValueError(f"diff requires input that is at least one dimensional; got {a}")
  axis = canonicalize_axis(axis, nd)
  pieces = []
  for extra in (prepend, None, append):
    if extra is None:
      continue
    e = jnp.asarray(extra)
    if jnp.ndim(e) == 0:
      shape = list(get_aval(arr).shape)
      shape[axis] = 1
      e = jnp.broadcast_to(e, tuple(shape))
    pieces.append(e)
  if prepend is not None or append is not None:
    parts = ([pieces[0]] if prepend is not None else []) + [arr] + (
        [pieces[-1]] if append is not None else [])
    arr = jnp.concatenate(parts, axis)
  for _ in range(n):
    m = get_aval(arr).shape[axis]
    hi = lax.slice_in_dim(arr, 1, m, axis=axis)
    lo = lax.slice_in_dim(arr, 0, max(m - 1, 0), axis=axis)
    arr = lax.ne(hi, lo) if get_aval(arr).dtype == np.bool_ else jnp.subtract(hi, lo)
  return arr


_diff.__name__ = "diff"
_diff_jit = jit(_diff, static_argnames=("n", "axis"))


def diff(a, n: int = 1, axis: int = -1, prepend=None, append=None):
  """The n-th discrete difference along `axis` (`prepend`/`append` values first)."""
  return _diff_jit(a, n=n, axis=axis, prepend=prepend, append=append)


def ediff1d(ary, to_end=None, to_begin=None):
  """Differences of consecutive elements of the flattened array, with optional values
  before/after."""
  check_arraylike("ediff1d", ary)
  arr = jnp.ravel(ary)
  result = _diff(arr)
  dt = get_aval(result).dtype
  parts = []
  if to_begin is not None:
    check_arraylike("ediff1d", to_begin)
    parts.append(lax.convert_element_type(jnp.ravel(to_begin), dt))
  parts.append(result)
  if to_end is not None:
    check_arraylike("ediff1d", to_end)
    parts.append(lax.convert_element_type(jnp.ravel(to_end), dt))
  return jnp.concatenate(parts) if len(parts) > 1 else result


def trapezoid(y, x=None, dx=1.0, axis: int = -1):
  """Integral of y along `axis` by the trapezoidal rule (sample points `x` or spacing dx)."""
  if x is None:
    check_arraylike("trapezoid", y)
    y_arr, dx_arr = promote_dtypes_inexact(y, dx)
  else:
    check_arraylike("trapezoid", y, x)
    y_arr, x_arr = promote_dtypes_inexact(y, x)
    if jnp.ndim(x_arr) == 1:
      dx_arr = _diff(x_arr)
    else:
      dx_arr = jnp.moveaxis(_diff(x_arr, axis=axis), axis, -1)
  y_arr = jnp.moveaxis(y_arr, axis, -1)
  m = get_aval(y_arr).shape[-1]
  pair = jnp.add(lax.slice_in_dim(y_arr, 1, m, axis=-1),
                 lax.slice_in_dim(y_arr, 0, max(m - 1, 0), axis=-1))
  return jnp.multiply(0.5, jnp.sum(jnp.multiply(dx_arr, pair), axis=-1))
