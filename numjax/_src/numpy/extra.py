"""More of `numjax.numpy`: NaN-aware reductions, statistics, polynomials, grids, elementwise
extras (logaddexp2, fmax, frexp, gcd, ...), array manipulation (insert, delete, block, rot90,
...), `vectorize`, `apply_along_axis` and the index tricks `mgrid`, `ogrid`, `r_`, `c_`.

Everything is written with lax ops and other jnp functions, so it works under grad, jvp,
vmap and jit. Functions whose output shape depends on values (`insert`/`delete` indices,
`trim_zeros`) need those values to be concrete, as in JAX.

    >>> jnp.nanmean(jnp.array([1., jnp.nan, 3.]))
    Array(2., dtype=float32)
"""
from __future__ import annotations

import builtins
import math
import re
from typing import Callable

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer
from numjax._src.jit import jit as _jit
from numjax._src.lax import lax
from numjax._src.lax.convolution import conv_general_dilated as _conv_general_dilated
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import (canonicalize_axis, check_arraylike, dtype_of, ndim_of,
                                    promote_args, promote_args_inexact, promote_args_numeric,
                                    promote_dtypes, promote_dtypes_inexact, shape_of)


def _reduction_axes(a, axis):
  nd = ndim_of(a)
  if axis is None:
    return tuple(range(nd))
  if isinstance(axis, (tuple, list)):
    return tuple(sorted(canonicalize_axis(x, nd) for x in axis))
  return (canonicalize_axis(axis, nd),)


def _is_inexact(x) -> bool:
  return dtype_of(x).kind in "fc"


def _concrete(x, what: str):
  """The NumPy value of x, or a ConcretizationTypeError naming `what`."""
  if isinstance(x, (slice, int, np.integer, list, tuple)) and not isinstance(x, Tracer):
    return x
  c = core.concrete_value(x)
  if c is None:
    raise core.ConcretizationTypeError(x, f"The error arose in {what}.")
  return np.asarray(c)


def _diff(a, axis):
  from numjax._src.numpy.cumulative import diff
  return diff(a, axis=axis)


# ----------------------------------------------------------------------------------------------
# Elementwise extras
# ----------------------------------------------------------------------------------------------
_LN2 = float(np.log(2))


def logaddexp2(x1, x2, /):
  """log2(2**x1 + 2**x2), stable for large inputs."""
  x1, x2 = promote_args_inexact("logaddexp2", x1, x2)
  amax = lax.max(x1, x2)
  delta = lax.sub(x1, x2)
  tail = lax.div(lax.log1p(lax.exp2(lax.neg(lax.abs(delta)))), lax._const(x1, _LN2))
  return jnp.where(jnp.isnan(delta), lax.add(x1, x2), lax.add(amax, tail))


def fmax(x1, x2):
  """Elementwise maximum ignoring NaNs (NaN only where both are NaN)."""
  x1, x2 = promote_args("fmax", x1, x2)
  if not _is_inexact(x1):
    return jnp.maximum(x1, x2)
  return jnp.where(jnp.logical_or(jnp.greater(x1, x2), jnp.isnan(x2)), x1, x2)


def fmin(x1, x2):
  """Elementwise minimum ignoring NaNs (NaN only where both are NaN)."""
  x1, x2 = promote_args("fmin", x1, x2)
  if not _is_inexact(x1):
    return jnp.minimum(x1, x2)
  return jnp.where(jnp.logical_or(jnp.less(x1, x2), jnp.isnan(x2)), x1, x2)


def float_power(x1, x2, /):
  """x1 ** x2 computed in the widest float type (float64 with x64, else float32)."""
  check_arraylike("float_power", x1, x2)
  from numjax._src.numpy.util import convert, promote_shapes
  dt, weak = dtypes.result_type(x1, x2, return_weak_type_flag=True)
  out = dtypes.default_complex() if dt.kind == "c" else dtypes.default_float()
  x1, x2 = promote_shapes("float_power", convert(x1, out, weak), convert(x2, out, weak))
  return lax.pow(x1, x2)


def ldexp(x1, x2, /):
  """x1 * 2**x2 for integer x2."""
  check_arraylike("ldexp", x1, x2)
  if dtype_of(jnp.asarray(x2)).kind not in "iub":
    types = (dtype_of(jnp.asarray(x1)), dtype_of(jnp.asarray(x2)))
    raise ValueError(f"ldexp not supported for input types {types}")
  x1, = promote_args_inexact("ldexp", x1)
  x2 = jnp.asarray(x2)
  return jnp.multiply(x1, lax.exp2(lax.convert_element_type(x2, dtype_of(x1))))


def frexp(x, /):
  """(mantissa, exponent) with x = mantissa * 2**exponent, 0.5 <= |mantissa| < 1."""
  check_arraylike("frexp", x)
  x, = promote_dtypes_inexact(x)
  dt = dtype_of(x)
  if dt.kind == "c":
    raise TypeError("frexp does not support complex-valued inputs")
  info = np.finfo(dt)
  nbits = 8 * dt.itemsize
  int_t = {16: np.int16, 32: np.int32, 64: np.int64}[nbits]
  nmant = int(info.nmant)
  bias = int(info.maxexp) - 1
  exp_mask = (1 << (nbits - nmant - 1)) - 1
  x = lax.convert_element_type(x, dt, weak_type=False)
  subnormal = jnp.logical_and(jnp.less(jnp.abs(x), info.tiny), jnp.not_equal(x, 0))
  scale = nmant + 1
  xs = jnp.where(subnormal, lax.mul(x, Array(np.array(2.0 ** scale, dt))), x)
  bits = lax.bitcast_convert_type(xs, int_t)
  e_field = lax.bitwise_and(lax.shift_right_logical(bits, Array(np.array(nmant, int_t))),
                            Array(np.array(exp_mask, int_t)))
  exponent = lax.sub(e_field, Array(np.array(bias - 1, int_t)))
  exponent = jnp.where(subnormal, lax.sub(exponent, Array(np.array(scale, int_t))), exponent)
  clear = Array(np.array(~(exp_mask << nmant), dtype=int_t))
  mant_bits = lax.bitwise_or(lax.bitwise_and(bits, clear),
                             Array(np.array((bias - 1) << nmant, dtype=int_t)))
  mantissa = lax.bitcast_convert_type(mant_bits, dt)
  special = jnp.logical_or(jnp.equal(x, 0), jnp.logical_not(jnp.isfinite(x)))
  mantissa = jnp.where(special, x, mantissa)
  exponent = jnp.where(special, jnp.zeros_like(exponent), exponent)
  return mantissa, lax.convert_element_type(exponent, np.int32)


def _int_args(fname, x1, x2):
  x1, x2 = promote_args_numeric(fname, x1, x2)
  if dtype_of(x1).kind not in "iu":
    raise ValueError(f"Arguments to jax.numpy.{fname} must be integers.")
  return x1, x2


def gcd(x1, x2):
  """Greatest common divisor of |x1| and |x2| (Euclid's algorithm in a while_loop)."""
  x1, x2 = _int_args("gcd", x1, x2)
  x1, x2 = jnp.broadcast_arrays(jnp.abs(x1), jnp.abs(x2))

  def cond(c):
    return jnp.any(jnp.not_equal(c[1], 0))

  def body(c):
    a, b = c
    nz = jnp.not_equal(b, 0)
    safe_b = jnp.where(nz, b, jnp.ones_like(b))
    return jnp.where(nz, b, a), jnp.where(nz, lax.rem(a, safe_b), jnp.zeros_like(b))
  return lax.while_loop(cond, body, (x1, x2))[0]


def lcm(x1, x2):
  """Least common multiple of |x1| and |x2|."""
  x1, x2 = _int_args("lcm", x1, x2)
  d = gcd(x1, x2)
  zero = jnp.equal(d, 0)
  safe_d = jnp.where(zero, jnp.ones_like(d), d)
  return jnp.where(zero, jnp.zeros_like(d), jnp.abs(jnp.multiply(x1, jnp.floor_divide(x2, safe_d))))


def modf(x, /, out=None):
  """(fractional part, integral part), both with x's sign."""
  check_arraylike("modf", x)
  x, = promote_dtypes_inexact(x)
  whole = jnp.trunc(x)
  return lax.sub(x, whole), whole


def i0(x):
  """The modified Bessel function of the first kind, order 0."""
  check_arraylike("i0", x)
  x, = promote_args_inexact("i0", x)
  if dtype_of(x).kind == "c":
    raise ValueError("i0 does not support complex-valued inputs.")
  from numjax._src.scipy.special import bessel_i0e_p
  return lax.mul(lax.exp(lax.abs(x)), bessel_i0e_p.bind(x))


def nan_to_num(x, copy: bool = True, nan=0.0, posinf=None, neginf=None):
  """Replace NaN with `nan` and +-inf with `posinf`/`neginf` (default: the largest floats)."""
  check_arraylike("nan_to_num", x)
  x = jnp.asarray(x)
  dt = dtype_of(x)
  if dt.kind not in "fc":
    return x
  if dt.kind == "c":
    return lax.complex(nan_to_num(jnp.real(x), nan=nan, posinf=posinf, neginf=neginf),
                       nan_to_num(jnp.imag(x), nan=nan, posinf=posinf, neginf=neginf))
  info = np.finfo(dt)
  posinf = info.max if posinf is None else posinf
  neginf = info.min if neginf is None else neginf
  out = jnp.where(jnp.isnan(x), jnp.asarray(nan, dtype=dt), x)
  out = jnp.where(isposinf(out), jnp.asarray(posinf, dtype=dt), out)
  out = jnp.where(isneginf(out), jnp.asarray(neginf, dtype=dt), out)
  return out


def _isposneginf(fname, x, sign):
  check_arraylike(fname, x)
  x = jnp.asarray(x)
  dt = dtype_of(x)
  if dt.kind == "c":
    raise ValueError(f"{fname} is not well defined for complex-valued inputs.")
  if dt.kind != "f":
    return jnp.full(shape_of(x), False)
  return lax.eq(x, lax._const(x, sign * np.inf))


def isposinf(x, /, out=None):
  """x == +inf."""
  return _isposneginf("isposinf", x, 1)


def isneginf(x, /, out=None):
  """x == -inf."""
  return _isposneginf("isneginf", x, -1)


def iscomplex(x):
  """Elementwise: has a nonzero imaginary part."""
  x = jnp.asarray(x)
  if dtype_of(x).kind != "c":
    return jnp.zeros(shape_of(x), bool)
  return jnp.not_equal(jnp.imag(x), 0)


def isreal(x):
  """Elementwise: has a zero imaginary part."""
  x = jnp.asarray(x)
  if dtype_of(x).kind != "c":
    return jnp.ones(shape_of(x), bool)
  return jnp.equal(jnp.imag(x), 0)


def array_equiv(a1, a2):
  """True if the arrays broadcast together and are equal everywhere."""
  check_arraylike("array_equiv", a1, a2)
  a1, a2 = jnp.asarray(a1), jnp.asarray(a2)
  try:
    a1, a2 = jnp.broadcast_arrays(a1, a2)
  except ValueError:
    return jnp.asarray(False)
  return jnp.all(jnp.equal(a1, a2))


# ----------------------------------------------------------------------------------------------
# NaN-aware reductions
# ----------------------------------------------------------------------------------------------
def _replace_nan(a, val):
  if not _is_inexact(a):
    return a
  return jnp.where(jnp.isnan(a), jnp.full_like(a, val), a)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
  """sum treating NaN as 0."""
  check_arraylike("nansum", a)
  a = _replace_nan(jnp.asarray(a), 0)
  return jnp.sum(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
  """prod treating NaN as 1."""
  check_arraylike("nanprod", a)
  a = _replace_nan(jnp.asarray(a), 1)
  return jnp.prod(a, axis=axis, dtype=dtype, keepdims=keepdims, initial=initial, where=where)


def _nan_extremum(fname, reducer, fill, a, axis, keepdims, initial, where):
  check_arraylike(fname, a)
  a = jnp.asarray(a)
  if not _is_inexact(a):
    return reducer(a, axis=axis, keepdims=keepdims, initial=initial, where=where)
  nan = jnp.isnan(a)
  out = reducer(jnp.where(nan, jnp.full_like(a, fill), a), axis=axis, keepdims=keepdims,
                initial=initial, where=where)
  all_nan = jnp.all(nan, axis=axis, keepdims=keepdims, where=where)
  return jnp.where(all_nan, jnp.full_like(out, np.nan), out)


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
  """max ignoring NaNs (NaN where a slice is all NaN)."""
  return _nan_extremum("nanmax", jnp.max, -np.inf, a, axis, keepdims, initial, where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
  """min ignoring NaNs (NaN where a slice is all NaN)."""
  return _nan_extremum("nanmin", jnp.min, np.inf, a, axis, keepdims, initial, where)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
  """mean over the non-NaN entries."""
  check_arraylike("nanmean", a)
  a = jnp.asarray(a)
  if not _is_inexact(a):
    return jnp.mean(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
  if dtype is None:
    dtype = dtype_of(a)
  count = jnp.sum(jnp.logical_not(jnp.isnan(a)), axis=axis, dtype=dtype, keepdims=keepdims,
                  where=where)
  total = nansum(a, axis=axis, dtype=dtype, keepdims=keepdims, where=where)
  return jnp.divide(total, count)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
  """var over the non-NaN entries (NaN where fewer than ddof + 1 remain)."""
  check_arraylike("nanvar", a)
  a = jnp.asarray(a)
  comp, = promote_dtypes_inexact(a)
  comp_dt = dtype_of(comp)
  out_dt = dtypes.real_dtype(comp_dt) if dtype is None else dtypes.canonicalize_dtype(dtype)
  a = comp
  if mean is None:
    mean = nanmean(a, axis=axis, keepdims=True, where=where)
  centered = _replace_nan(jnp.subtract(a, mean), 0)
  if comp_dt.kind == "c":
    sq = lax.real(lax.mul(centered, lax.conj(centered)))
  else:
    sq = lax.mul(centered, centered)
  count = jnp.sum(jnp.logical_not(jnp.isnan(a)), axis=axis, keepdims=keepdims, where=where)
  denom = jnp.subtract(count, ddof)
  total = jnp.sum(sq, axis=axis, keepdims=keepdims, where=where)
  res = jnp.divide(total, jnp.asarray(denom, dtype_of(total)))
  res = jnp.where(jnp.less_equal(denom, 0), jnp.full_like(res, np.nan), res)
  return jnp.asarray(res, out_dt)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
  """std over the non-NaN entries."""
  return jnp.sqrt(nanvar(a, axis=axis, dtype=dtype, ddof=ddof, keepdims=keepdims, where=where,
                         mean=mean))


def _nan_arg(fname, argf, fill, a, axis, keepdims):
  check_arraylike(fname, a)
  a = jnp.asarray(a)
  if not _is_inexact(a):
    return argf(a, axis=axis, keepdims=bool(keepdims))
  nan = jnp.isnan(a)
  res = argf(jnp.where(nan, jnp.full_like(a, fill), a), axis=axis, keepdims=bool(keepdims))
  all_nan = jnp.all(nan, axis=axis, keepdims=bool(keepdims))
  return jnp.where(all_nan, jnp.full_like(res, -1), res)


def nanargmax(a, axis=None, out=None, keepdims=None):
  """argmax ignoring NaNs (-1 where a slice is all NaN)."""
  return _nan_arg("nanargmax", jnp.argmax, -np.inf, a, axis, keepdims)


def nanargmin(a, axis=None, out=None, keepdims=None):
  """argmin ignoring NaNs (-1 where a slice is all NaN)."""
  return _nan_arg("nanargmin", jnp.argmin, np.inf, a, axis, keepdims)


def ptp(a, axis=None, out=None, keepdims=False):
  """max - min (peak to peak)."""
  check_arraylike("ptp", a)
  return jnp.subtract(jnp.max(a, axis=axis, keepdims=keepdims),
                      jnp.min(a, axis=axis, keepdims=keepdims))


# ----------------------------------------------------------------------------------------------
# Statistics
# ----------------------------------------------------------------------------------------------
def cov(m, y=None, rowvar: bool = True, bias: bool = False, ddof=None, fweights=None,
        aweights=None, dtype=None):
  """The covariance matrix of the variables in the rows (or columns) of m (and y)."""
  check_arraylike("cov", m)
  m = jnp.asarray(m)
  if ndim_of(m) > 2:
    raise ValueError("m has more than 2 dimensions")
  if dtype is None:
    x, = promote_dtypes_inexact(jnp.atleast_2d(m))
  else:
    x = jnp.asarray(jnp.atleast_2d(m), dtype)
  if not rowvar and shape_of(x)[0] != 1:
    x = jnp.transpose(x)
  if shape_of(x)[0] == 0:
    return jnp.zeros((0, 0), dtype_of(x))
  if y is not None:
    yy = jnp.asarray(jnp.atleast_2d(jnp.asarray(y)), dtype_of(x))
    if ndim_of(jnp.asarray(y)) > 2:
      raise ValueError("y has more than 2 dimensions")
    if not rowvar and shape_of(yy)[0] != 1:
      yy = jnp.transpose(yy)
    x = jnp.concatenate([x, yy], axis=0)
  if ddof is None:
    ddof = 0 if bias else 1
  n = shape_of(x)[1]
  w = None
  if fweights is not None:
    fw = jnp.asarray(fweights)
    if ndim_of(fw) > 1:
      raise RuntimeError("cannot handle multidimensional fweights")
    if shape_of(fw)[0] != n:
      raise RuntimeError("incompatible numbers of samples and fweights")
    if dtype_of(fw).kind not in "iu":
      raise TypeError("fweights must be integer.")
    w = fw
  if aweights is not None:
    aw = jnp.asarray(aweights)
    if ndim_of(aw) > 1:
      raise RuntimeError("cannot handle multidimensional aweights")
    if shape_of(aw)[0] != n:
      raise RuntimeError("incompatible numbers of samples and aweights")
    w = aw if w is None else jnp.multiply(w, aw)
  if w is None:
    avg = jnp.mean(x, axis=1)
    fact = jnp.asarray(n - ddof, dtype_of(x))
    xc = jnp.subtract(x, avg[:, None])
    xt = jnp.transpose(xc)
  else:
    w = jnp.asarray(w, dtype_of(x))
    w_sum = jnp.sum(w)
    avg = jnp.divide(jnp.sum(jnp.multiply(x, w[None, :]), axis=1), w_sum)
    if ddof == 0:
      fact = w_sum
    elif aweights is None:
      fact = jnp.subtract(w_sum, ddof)
    else:
      aw = jnp.asarray(aweights, dtype_of(x))
      fact = jnp.subtract(w_sum, jnp.divide(jnp.multiply(ddof, jnp.sum(jnp.multiply(w, aw))),
                                            w_sum))
    xc = jnp.subtract(x, avg[:, None])
    xt = jnp.transpose(jnp.multiply(xc, w[None, :]))
  c = jnp.divide(jnp.dot(xc, jnp.conj(xt)), fact)
  return jnp.squeeze(c)


def corrcoef(x, y=None, rowvar: bool = True, dtype=None):
  """Pearson correlation coefficients, clipped to [-1, 1]."""
  check_arraylike("corrcoef", x)
  c = cov(x, y, rowvar, dtype=dtype)
  if ndim_of(c) == 0:
    return jnp.divide(c, c)
  d = jnp.diagonal(c)
  stddev = jnp.asarray(jnp.sqrt(jnp.real(d)), dtype_of(c))
  c = jnp.divide(jnp.divide(c, stddev[:, None]), stddev[None, :])
  real = jnp.clip(jnp.real(c), -1, 1)
  if dtype_of(c).kind == "c":
    return lax.complex(real, jnp.clip(jnp.imag(c), -1, 1))
  return real


# ----------------------------------------------------------------------------------------------
# Convolution (polynomials: polynomial.py)
# ----------------------------------------------------------------------------------------------
def _flip(m):
  """Reverse every axis (jitted as JAX's `jnp.flip` helper is, so jaxprs print alike)."""
  return lax.rev(m, tuple(range(ndim_of(m))))


_flip_jit = _jit(_flip)


def _conv(x, y, mode: str, op: str, precision, preferred_element_type=None):
  """1-D convolution/correlation as a one-batch, one-feature `conv_general_dilated`."""
  if ndim_of(x) != 1 or ndim_of(y) != 1:
    raise ValueError(f"{op}() only support 1-dimensional inputs.")
  if preferred_element_type is None:
    x, y = promote_dtypes_inexact(x, y)  # NumPy's default for convolutions
  else:
    x, y = promote_dtypes(x, y)  # the conv computes in preferred_element_type
  if shape_of(x)[0] == 0 or shape_of(y)[0] == 0:
    raise ValueError(f"{op}: inputs cannot be empty, got shapes {shape_of(x)} and "
                     f"{shape_of(y)}.")
  reverse_out = False
  if op == "correlate":
    if dtype_of(y).kind == "c":
      y = jnp.conj(y)
    if shape_of(x)[0] < shape_of(y)[0]:
      # corr(x, y)[k] = corr(y, x)[-k]: slide the shorter input, reverse the result
      x, y = y, x
      reverse_out = True
  else:
    if shape_of(x)[0] < shape_of(y)[0]:
      x, y = y, x
    y = _flip_jit(y)
  m = shape_of(y)[0]
  if mode == "valid":
    padding = [(0, 0)]
  elif mode == "same":
    padding = [(m // 2, m - m // 2 - 1)]
  elif mode == "full":
    padding = [(m - 1, m - 1)]
  else:
    raise ValueError("mode must be one of ['full', 'same', 'valid']")
  lhs = lax.broadcast_in_dim(x, (1, 1) + shape_of(x), (2,))
  rhs = lax.broadcast_in_dim(y, (1, 1) + shape_of(y), (2,))
  out = _conv_general_dilated(lhs, rhs, (1,), padding, precision=precision,
                              preferred_element_type=preferred_element_type)
  if reverse_out:
    out = lax.rev(out, (2,))
  return lax.squeeze(out, (0, 1))


_conv_jit = _jit(_conv, static_argnames=("mode", "op", "precision", "preferred_element_type"))


def convolve(a, v, mode: str = "full", *, precision=None, preferred_element_type=None):
  """Discrete 1-D convolution (modes 'full', 'same', 'valid' as in NumPy), lowered to
  `lax.conv_general_dilated` as JAX lowers it.

      >>> jnp.convolve(jnp.array([1., 2., 3.]), jnp.array([0., 1., 0.5]))
      Array([0. , 1. , 2.5, 4. , 1.5], dtype=float32)
  """
  check_arraylike("convolve", a, v)
  return _conv_jit(jnp.asarray(a), jnp.asarray(v), mode=mode, op="convolve",
                   precision=precision, preferred_element_type=preferred_element_type)


def correlate(a, v, mode: str = "valid", *, precision=None, preferred_element_type=None):
  """Discrete 1-D cross-correlation sum_n a[n + k] conj(v[n]), lowered to
  `lax.conv_general_dilated` as JAX lowers it.

      >>> jnp.correlate(jnp.array([1., 2., 3.]), jnp.array([0., 1., 0.5]), mode="full")
      Array([0.5, 2. , 3.5, 3. , 0. ], dtype=float32)
  """
  check_arraylike("correlate", a, v)
  return _conv_jit(jnp.asarray(a), jnp.asarray(v), mode=mode, op="correlate",
                   precision=precision, preferred_element_type=preferred_element_type)


convolve = _jit(convolve, static_argnames=("mode", "precision", "preferred_element_type"))
correlate = _jit(correlate, static_argnames=("mode", "precision", "preferred_element_type"))


def interp(x, xp, fp, left=None, right=None, period=None):
  """One-dimensional piecewise-linear interpolation of (xp, fp) at x."""
  check_arraylike("interp", x, xp, fp)
  if ndim_of(jnp.asarray(xp)) != 1 or ndim_of(jnp.asarray(fp)) != 1:
    raise ValueError("xp and fp must be one-dimensional")
  if shape_of(jnp.asarray(xp))[0] != shape_of(jnp.asarray(fp))[0]:
    raise ValueError("xp and fp must be the same size")
  if shape_of(jnp.asarray(xp))[0] == 0:
    raise ValueError("xp and fp must be non-empty")
  x, xp = promote_dtypes_inexact(jnp.asarray(x), jnp.asarray(xp))
  fp, = promote_dtypes_inexact(jnp.asarray(fp))
  if dtype_of(fp).kind != "c":
    fp = jnp.asarray(fp, dtype_of(x)) if dtype_of(x).itemsize > dtype_of(fp).itemsize else fp
  if period is not None:
    if ndim_of(jnp.asarray(period)) != 0:
      raise ValueError(f"period must be a scalar; got {period}")
    period = jnp.abs(jnp.asarray(period, dtype_of(x)))
    x = jnp.remainder(x, period)
    xp = jnp.remainder(xp, period)
    from numjax._src.lax.sorting import sort_key_val
    xp, fp = sort_key_val(xp, fp)
    xp = jnp.concatenate([xp[-1:] - period, xp, xp[:1] + period])
    fp = jnp.concatenate([fp[-1:], fp, fp[:1]])
  n = shape_of(xp)[0]
  # i = searchsorted(xp, x, side="right"), clipped to [1, n - 1].
  if n * builtins.max(1, math.prod(shape_of(x))) <= 4096:
    count = jnp.sum(jnp.less_equal(xp, jnp.expand_dims(x, -1)), axis=-1)
  else:
    from numjax._src.numpy.sorting import searchsorted
    count = searchsorted(xp, x, side="right")
  i = jnp.clip(count, 1, builtins.max(n - 1, 1))
  if n == 1:
    f = jnp.broadcast_to(fp[0], shape_of(x))
  else:
    xi, xi1 = xp[i], xp[i - 1]
    fi, fi1 = fp[i], fp[i - 1]
    dx = jnp.subtract(xi, xi1)
    eps = np.spacing(np.finfo(dtype_of(xp)).eps)
    flat = jnp.less_equal(jnp.abs(dx), eps)
    safe_dx = jnp.where(flat, jnp.ones_like(dx), dx)
    slope = jnp.divide(jnp.subtract(fi, fi1), safe_dx)
    f = jnp.where(flat, fi, jnp.add(fi1, jnp.multiply(jnp.subtract(x, xi1), slope)))
  if period is None:
    lo = fp[0] if left is None else jnp.asarray(left, dtype_of(f))
    hi = fp[-1] if right is None else jnp.asarray(right, dtype_of(f))
    f = jnp.where(jnp.less(x, xp[0]), lo, f)
    f = jnp.where(jnp.greater(x, xp[-1]), hi, f)
  return f


def unwrap(p, discont=None, axis: int = -1, period=2 * np.pi):
  """Unwrap phase angles: remove jumps larger than discont (default period / 2)."""
  check_arraylike("unwrap", p)
  p = jnp.asarray(p)
  if dtype_of(p).kind == "c":
    raise ValueError("jnp.unwrap does not support complex inputs.")
  axis = canonicalize_axis(axis, ndim_of(p))
  if shape_of(p)[axis] == 0:
    return promote_dtypes_inexact(p)[0]
  if discont is None:
    discont = period / 2
  p, period_ = promote_dtypes_inexact(p, period)
  interval = jnp.divide(period_, 2)
  dd = _diff(p, axis)
  ddmod = jnp.subtract(jnp.remainder(jnp.add(dd, interval), period_), interval)
  ddmod = jnp.where(jnp.logical_and(jnp.equal(ddmod, jnp.negative(interval)),
                                    jnp.greater(dd, 0)), interval, ddmod)
  correct = jnp.where(jnp.less(jnp.abs(dd), discont), 0, jnp.subtract(ddmod, dd))
  correct = jnp.asarray(correct, dtype_of(p))
  from numjax._src.lax.cumulative import cumsum as lax_cumsum
  csum = lax_cumsum(correct, axis)
  first = lax.slice_in_dim(p, 0, 1, axis=axis)
  rest = jnp.add(lax.slice_in_dim(p, 1, None, axis=axis), csum)
  return jnp.concatenate([first, rest], axis=axis)


def gradient(f, *varargs, axis=None, edge_order=None):
  """Second-order central differences inside, one-sided (first or second order) at the edges."""
  check_arraylike("gradient", f)
  f, = promote_dtypes_inexact(jnp.asarray(f))
  edge = 1 if edge_order is None else int(edge_order)
  if edge not in (1, 2):
    raise ValueError("'edge_order' greater than 2 not supported")
  nd = ndim_of(f)
  axes = tuple(range(nd)) if axis is None else _reduction_axes(f, axis) if isinstance(
      axis, (tuple, list)) else (canonicalize_axis(axis, nd),)
  if axis is not None and isinstance(axis, (tuple, list)):
    axes = tuple(canonicalize_axis(a, nd) for a in axis)
  if not varargs:
    spacings = [1.0] * len(axes)
  elif len(varargs) == 1 and ndim_of(jnp.asarray(varargs[0])) == 0:
    spacings = list(varargs) * len(axes)
  elif len(varargs) == len(axes):
    spacings = list(varargs)
  else:
    raise TypeError("invalid number of arguments")
  outs = []
  for ax, h in zip(axes, spacings):
    n = shape_of(f)[ax]
    if n < edge + 1:
      raise ValueError("Shape of the array along the gradient axis must be at least "
                       "edge_order + 1.")
    outs.append(_gradient_1d(f, jnp.asarray(h), ax, edge))
  return outs[0] if len(outs) == 1 else outs


def _gradient_1d(f, h, ax, edge):
  nd = ndim_of(f)

  def sl(x, start, stop):
    return lax.slice_in_dim(x, start, stop, axis=ax)
  if ndim_of(h) == 0:
    h = jnp.asarray(h, dtype_of(f)) if dtype_of(h).kind not in "fc" else h
    inner = jnp.divide(jnp.subtract(sl(f, 2, None), sl(f, 0, -2)), jnp.multiply(h, 2))
    if edge == 1:
      lo = jnp.divide(jnp.subtract(sl(f, 1, 2), sl(f, 0, 1)), h)
      hi = jnp.divide(jnp.subtract(sl(f, -1, None), sl(f, -2, -1)), h)
    else:
      lo = jnp.divide(-1.5 * sl(f, 0, 1) + 2 * sl(f, 1, 2) - 0.5 * sl(f, 2, 3), h)
      hi = jnp.divide(0.5 * sl(f, -3, -2) - 2 * sl(f, -2, -1) + 1.5 * sl(f, -1, None), h)
    return jnp.concatenate([lo, inner, hi], axis=ax)
  if ndim_of(h) != 1 or shape_of(h)[0] != shape_of(f)[ax]:
    raise ValueError("when 1d, distances must match the length of the corresponding dimension")
  shape = [1] * nd
  shape[ax] = shape_of(h)[0]
  x = jnp.reshape(jnp.asarray(h, dtype_of(f)) if dtype_of(h).kind not in "fc" else h, shape)
  dx = _diff(x, ax)
  dx1, dx2 = sl(dx, 0, -1), sl(dx, 1, None)
  a = jnp.negative(dx2) / (dx1 * (dx1 + dx2))
  b = (dx2 - dx1) / (dx1 * dx2)
  c = dx1 / (dx2 * (dx1 + dx2))
  inner = a * sl(f, 0, -2) + b * sl(f, 1, -1) + c * sl(f, 2, None)
  if edge == 1:
    lo = (sl(f, 1, 2) - sl(f, 0, 1)) / sl(dx, 0, 1)
    hi = (sl(f, -1, None) - sl(f, -2, -1)) / sl(dx, -1, None)
  else:
    d1, d2 = sl(dx, 0, 1), sl(dx, 1, 2)
    a0 = -(2. * d1 + d2) / (d1 * (d1 + d2))
    b0 = (d1 + d2) / (d1 * d2)
    c0 = -d1 / (d2 * (d1 + d2))
    lo = a0 * sl(f, 0, 1) + b0 * sl(f, 1, 2) + c0 * sl(f, 2, 3)
    d1, d2 = sl(dx, -2, -1), sl(dx, -1, None)
    a1 = d2 / (d1 * (d1 + d2))
    b1 = -(d2 + d1) / (d1 * d2)
    c1 = (2. * d2 + d1) / (d2 * (d1 + d2))
    hi = a1 * sl(f, -3, -2) + b1 * sl(f, -2, -1) + c1 * sl(f, -1, None)
  return jnp.concatenate([lo, inner, hi], axis=ax)


# ----------------------------------------------------------------------------------------------
# Grids and ranges
# ----------------------------------------------------------------------------------------------
def meshgrid(*xi, copy: bool = True, sparse: bool = False, indexing: str = "xy"):
  """Coordinate matrices from 1-D coordinate vectors ('xy' or 'ij' indexing)."""
  check_arraylike("meshgrid", *xi)
  args = [jnp.asarray(x) for x in xi]
  if indexing not in ("xy", "ij"):
    raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
  if any(ndim_of(a) != 1 for a in args):
    raise ValueError(f"Arguments to jax.numpy.meshgrid must be 1D, got shapes "
                     f"{[shape_of(a) for a in args]}")
  shape = [shape_of(a)[0] for a in args]
  axes = list(range(len(args)))
  if indexing == "xy" and len(args) >= 2:
    shape[0], shape[1] = shape[1], shape[0]
    axes[0], axes[1] = 1, 0
  out = []
  for a, ax in zip(args, axes):
    s = [1] * len(args)
    s[ax] = shape[ax]
    v = jnp.reshape(a, s)
    out.append(v if sparse else jnp.broadcast_to(v, shape))
  return out


def logspace(start, stop, num: int = 50, endpoint: bool = True, base=10.0, dtype=None,
             axis: int = 0):
  """base ** linspace(start, stop, num)."""
  check_arraylike("logspace", start, stop)
  dt = dtypes.canonicalize_dtype(dtype) if dtype is not None else dtypes.result_type(
      start, stop, dtypes.default_float())
  comp = dt if dt.kind in "fc" else dtypes.default_float()
  lin = jnp.linspace(start, stop, num, endpoint=endpoint, dtype=comp, axis=axis)
  out = jnp.power(jnp.asarray(base, comp), lin)
  return jnp.asarray(out, dt) if dt != comp else out


def geomspace(start, stop, num: int = 50, endpoint: bool = True, dtype=None, axis: int = 0):
  """Numbers spaced evenly on a log scale from start to stop (same sign)."""
  check_arraylike("geomspace", start, stop)
  dt = dtypes.canonicalize_dtype(dtype) if dtype is not None else dtypes.result_type(
      start, stop, dtypes.default_float())
  comp = dt if dt.kind in "fc" else dtypes.default_float()
  start, stop = jnp.asarray(start, comp), jnp.asarray(stop, comp)
  sign = jnp.sign(start)
  lo = jnp.log10(jnp.divide(start, sign))
  hi = jnp.log10(jnp.divide(stop, sign))
  res = jnp.multiply(sign, logspace(lo, hi, num, endpoint=endpoint, base=10.0, dtype=comp,
                                    axis=0))
  if num > 0:
    # Exact endpoints, as NumPy has them.
    parts = [jnp.expand_dims(start, 0)]
    if endpoint and num > 1:
      parts += [res[1:-1], jnp.expand_dims(stop, 0)]
    else:
      parts += [res[1:]]
    res = jnp.concatenate(parts, 0)
  if axis != 0:
    res = jnp.moveaxis(res, 0, axis)
  return jnp.asarray(res, dt) if dt != comp else res


class _Grid:
  def __init__(self, sparse: bool, name: str):
    self.sparse = sparse
    self.name = name

  def __getitem__(self, key):
    single = isinstance(key, slice)
    keys = (key,) if single else tuple(key)
    ranges = []
    for k in keys:
      if not isinstance(k, slice):
        raise TypeError(f"{self.name} indices must be slices, got {k!r}")
      start = 0 if k.start is None else k.start
      stop, step = k.stop, 1 if k.step is None else k.step
      for v in (start, stop, step):
        if isinstance(v, Tracer):
          raise core.ConcretizationTypeError(v, f"The error arose in jnp.{self.name}.")
      if isinstance(step, complex) or (hasattr(step, "dtype") and np.iscomplexobj(step)):
        ranges.append(jnp.linspace(start, stop, int(abs(step))))
      else:
        ranges.append(jnp.arange(start, stop, step))
    if any(dtype_of(r).kind == "f" for r in ranges):
      ranges = [jnp.asarray(r, dtypes.default_float()) for r in ranges]
    if single:
      return ranges[0]
    grids = meshgrid(*ranges, indexing="ij", sparse=self.sparse)
    return grids if self.sparse else jnp.stack(grids, 0)


mgrid = _Grid(False, "mgrid")
ogrid = _Grid(True, "ogrid")


class _AxisConcat:
  def __init__(self, axis: int, ndmin: int, trans1d: int, name: str):
    self.axis, self.ndmin, self.trans1d, self.name = axis, ndmin, trans1d, name

  def __getitem__(self, key):
    key = key if isinstance(key, tuple) else (key,)
    axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
    if key and isinstance(key[0], str):
      directive, key = key[0], key[1:]
      if directive in ("r", "c"):
        raise NotImplementedError(f"jnp.{self.name}: matrix directives are not supported")
      vals = [int(v) for v in directive.split(",")]
      axis = vals[0]
      if len(vals) > 1:
        ndmin = vals[1]
      if len(vals) > 2:
        trans1d = vals[2]
      if len(vals) > 3:
        raise ValueError(f"too many values in jnp.{self.name} directive {directive!r}")
    items = []
    for k in key:
      if isinstance(k, slice):
        v = _Grid(False, self.name)[k]
      elif isinstance(k, str):
        raise ValueError(f"string directive must be placed first in jnp.{self.name}")
      else:
        v = jnp.asarray(k)
      nd = ndim_of(v)
      if ndmin > nd:
        v = jnp.reshape(v, (1,) * (ndmin - nd) + shape_of(v))
        if trans1d != -1 and nd < ndmin:
          k2 = ndmin - nd
          k1 = trans1d if trans1d >= 0 else trans1d + k2 + 1
          defaxes = list(range(ndmin))
          v = jnp.transpose(v, defaxes[:k1] + defaxes[k2:] + defaxes[k1:k2])
      items.append(jnp.atleast_1d(v))
    if not items:
      return jnp.zeros((0,))
    return jnp.concatenate(promote_dtypes(*items), axis=axis)

  def __len__(self):
    return 0


r_ = _AxisConcat(0, 1, -1, "r_")
c_ = _AxisConcat(-1, 2, 0, "c_")


# ----------------------------------------------------------------------------------------------
# Array manipulation
# ----------------------------------------------------------------------------------------------
def append(arr, values, axis=None):
  """arr with values appended (flattened when axis is None)."""
  check_arraylike("append", arr, values)
  if axis is None:
    return jnp.concatenate([jnp.ravel(arr), jnp.ravel(values)], 0)
  return jnp.concatenate([arr, values], axis=axis)


def _take_static(x, idx: np.ndarray, axis: int):
  """x[..., idx, ...] along `axis` for a static index array."""
  n = shape_of(x)[axis]
  idx = np.asarray(idx, np.int64)
  if idx.size and np.array_equal(idx, np.arange(n)):
    return x
  if idx.size == 0:
    shape = list(shape_of(x))
    shape[axis] = 0
    return jnp.zeros(tuple(shape), dtype_of(x))
  return x[(slice(None),) * axis + (idx.astype(np.int32),)]


def _static_index_arg(obj, n: int, fname: str):
  if isinstance(obj, slice):
    return obj
  return _concrete(obj, f"jnp.{fname}() index argument (it must be concrete)")


def delete(arr, obj, axis=None, *, assume_unique_indices: bool = False):
  """arr without the entries at the static indices `obj` along `axis`."""
  check_arraylike("delete", arr)
  arr = jnp.asarray(arr)
  if axis is None:
    arr = jnp.ravel(arr)
    axis = 0
  axis = canonicalize_axis(axis, ndim_of(arr))
  n = shape_of(arr)[axis]
  obj = _static_index_arg(obj, n, "delete")
  if not isinstance(obj, slice):
    o = np.asarray(obj)
    if o.dtype.kind == "b":
      raise ValueError("jnp.delete(): boolean index argument is not supported; use an integer "
                       "array or a slice")
    if o.dtype.kind not in "iu":
      raise ValueError(f"jnp.delete(): index array must be integer typed; got {o.dtype}")
    if np.any((o >= n) | (o < -n)):
      raise IndexError(f"index out of bounds for axis {axis} with size {n}")
    obj = o
  keep = np.delete(np.arange(n), obj)
  return _take_static(arr, keep, axis)


def insert(arr, obj, values, axis=None):
  """arr with `values` inserted before the static indices `obj` along `axis`."""
  check_arraylike("insert", arr, values)
  arr = jnp.asarray(arr)
  values = jnp.asarray(values)
  if axis is None:
    arr = jnp.ravel(arr)
    axis = 0
  axis = canonicalize_axis(axis, ndim_of(arr))
  n = shape_of(arr)[axis]
  obj = _static_index_arg(obj, n, "insert")
  if isinstance(obj, slice):
    obj = np.arange(*obj.indices(n))
  o = np.asarray(obj)
  if o.dtype.kind == "b":
    raise ValueError("jnp.insert(): boolean index argument is not supported")
  if o.size and o.dtype.kind not in "iu":
    raise ValueError(f"jnp.insert(): index array must be integer typed; got {o.dtype}")
  o = o.astype(np.int64)
  if np.any((o > n) | (o < -n)):
    raise IndexError(f"index {o} is out of bounds for axis {axis} with size {n}")
  values = jnp.asarray(values, dtype_of(arr))
  target = list(shape_of(arr))
  if o.ndim == 0:
    nd = ndim_of(arr)
    if ndim_of(values) < nd:
      values = jnp.reshape(values, (1,) * (nd - ndim_of(values)) + shape_of(values))
    values = jnp.moveaxis(values, 0, axis)
    numnew = shape_of(values)[axis]
  else:
    numnew = o.size
  target[axis] = numnew
  values = jnp.broadcast_to(values, tuple(target))
  order = np.insert(np.arange(n), o, n + np.arange(numnew))
  joined = jnp.concatenate([arr, values], axis=axis)
  return _take_static(joined, order, axis)


def resize(a, new_shape):
  """a repeated (flattened, cyclically) to fill `new_shape`."""
  check_arraylike("resize", a)
  new_shape = jnp._shape_arg(new_shape)
  if any(s < 0 for s in new_shape):
    raise ValueError("all elements of `new_shape` must be non-negative")
  flat = jnp.ravel(a)
  size = math.prod(new_shape)
  if shape_of(flat)[0] == 0 or size == 0:
    return jnp.zeros(new_shape, dtype_of(flat))
  reps = -(-size // shape_of(flat)[0])
  return jnp.reshape(jnp.tile(flat, reps)[:size], new_shape)


def rot90(m, k: int = 1, axes: tuple = (0, 1)):
  """Rotate by 90 degrees k times in the plane of `axes`."""
  check_arraylike("rot90", m)
  m = jnp.asarray(m)
  if ndim_of(m) < 2:
    raise ValueError("rot90 requires its first argument to have ndim at least two, but got "
                     f"first argument of shape {shape_of(m)}, which has ndim {ndim_of(m)}")
  axes = tuple(axes)
  if len(axes) != 2:
    raise ValueError("len(axes) must be 2.")
  a0, a1 = canonicalize_axis(axes[0], ndim_of(m)), canonicalize_axis(axes[1], ndim_of(m))
  if a0 == a1:
    raise ValueError("Axes must be different")
  k = int(k) % 4
  if k == 0:
    return m
  if k == 2:
    return jnp.flip(jnp.flip(m, a0), a1)
  perm = list(range(ndim_of(m)))
  perm[a0], perm[a1] = perm[a1], perm[a0]
  if k == 1:
    return jnp.transpose(jnp.flip(m, a1), perm)
  return jnp.flip(jnp.transpose(m, perm), a1)


def _block_depth(x, path=()):
  if isinstance(x, tuple):
    raise TypeError(f"jnp.block does not accept tuples (at arrays{list(path)}); use a list.")
  if isinstance(x, list):
    if not x:
      raise ValueError(f"List at arrays{list(path)} cannot be empty")
    depths = [_block_depth(e, path + (i,)) for i, e in enumerate(x)]
    if len(set(d for d, _ in depths)) != 1:
      raise ValueError(f"List depths are mismatched at arrays{list(path)}.")
    return depths[0][0] + 1, builtins.max(n for _, n in depths)
  check_arraylike("block", x)
  return 0, ndim_of(jnp.asarray(x))


def block(arrays):
  """Assemble an array from nested lists of blocks (innermost lists join the last axis)."""
  depth, max_nd = _block_depth(arrays)
  nd = builtins.max(depth, max_nd)

  def rec(x, level):
    if isinstance(x, list):
      parts = promote_dtypes(*[rec(e, level + 1) for e in x])
      return jnp.concatenate(parts, axis=-(depth - level))
    x = jnp.asarray(x)
    return jnp.reshape(x, (1,) * (nd - ndim_of(x)) + shape_of(x))
  out = rec(arrays, 0)
  return out


def trim_zeros(filt, trim: str = "fb", axis=None):
  """Strip leading ('f') and/or trailing ('b') zeros of a concrete 1-D array."""
  check_arraylike("trim_zeros", filt)
  filt = jnp.asarray(filt)
  c = _concrete(filt, "jnp.trim_zeros (its input must be concrete)")
  if c.ndim != 1:
    raise ValueError(f"trim_zeros only supports 1-D input, got shape {c.shape}")
  nz = np.flatnonzero(c)
  if not isinstance(trim, str):
    raise TypeError(f"trim_zeros: trim must be a string of 'f' and/or 'b', got {trim!r}")
  trim = trim.lower()
  if nz.size == 0:
    return filt[0:0]
  start = int(nz[0]) if "f" in trim else 0
  stop = int(nz[-1]) + 1 if "b" in trim else c.shape[0]
  return filt[start:stop]


def fill_diagonal(a, val, wrap: bool = False, *, inplace: bool = True):
  """A copy of a with its main diagonal set to val (inplace=False is required)."""
  if inplace:
    raise NotImplementedError("JAX arrays are immutable, must use inplace=False")
  check_arraylike("fill_diagonal", a, val)
  a = jnp.asarray(a)
  val = jnp.asarray(val, dtype_of(a))
  shape = shape_of(a)
  if len(shape) < 2:
    raise ValueError("array must be at least 2-d")
  if len(shape) > 2 and len(set(shape)) != 1:
    raise ValueError("All dimensions of input must be of equal length")
  total = math.prod(shape)
  if len(shape) == 2:
    step = shape[1] + 1
    end = total if wrap else builtins.min(total, shape[1] * shape[1])
  else:
    step = 1 + int(np.sum(np.cumprod(shape[:-1])))
    end = total
  positions = np.arange(0, end, step)
  flat = jnp.ravel(a)
  vals = jnp.ravel(val)
  nv = shape_of(vals)[0]
  if positions.size == 0 or nv == 0:
    return a
  which = np.full(total, -1, np.int64)
  which[positions] = np.arange(positions.size) % nv
  picked = vals[np.maximum(which, 0).astype(np.int32)]
  out = jnp.where(Array(which >= 0, False), picked, flat)
  return jnp.reshape(out, shape)


# ----------------------------------------------------------------------------------------------
# Function application
# ----------------------------------------------------------------------------------------------
def apply_along_axis(func1d: Callable, axis: int, arr, *args, **kwargs):
  """func1d applied to the 1-D slices of arr along `axis` (via nested vmaps)."""
  from numjax._src.api import vmap
  check_arraylike("apply_along_axis", arr)
  arr = jnp.asarray(arr)
  nd = ndim_of(arr)
  axis = canonicalize_axis(axis, nd)
  func = lambda x: func1d(x, *args, **kwargs)
  for i in range(1, nd - axis):
    func = vmap(func, in_axes=i, out_axes=-1)
  for _ in range(axis):
    func = vmap(func, in_axes=0, out_axes=0)
  return func(arr)


_DIM = r"\w+"
_CORE_DIMS = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARG = rf"\({_CORE_DIMS}\)"
_ARGS = rf"{_ARG}(?:,{_ARG})*"
_SIGNATURE = rf"^{_ARGS}->{_ARGS}$"


def _parse_signature(signature: str):
  sig = signature.replace(" ", "")
  if not re.match(_SIGNATURE, sig):
    raise ValueError(f"not a valid gufunc signature: {signature}")
  ins, outs = sig.split("->")
  parse = lambda s: [tuple(re.findall(_DIM, arg)) for arg in re.findall(_ARG, s)]
  return parse(ins), parse(outs)


def vectorize(pyfunc: Callable, *, excluded=frozenset(), signature: str | None = None):
  """A function applying `pyfunc` elementwise (or over core dimensions, given a gufunc
  `signature` like "(n),(n)->()") with NumPy broadcasting, through nested vmaps.

      >>> jnp.vectorize(jnp.dot, signature="(n),(n)->()")(jnp.ones((3, 2)), jnp.ones(2))
      Array([2., 2., 2.], dtype=float32)
  """
  from numjax._src.api import vmap
  excluded = frozenset(excluded)
  if any(not isinstance(e, (int, str)) for e in excluded):
    raise TypeError("jax.numpy.vectorize can only exclude integer or string arguments, but "
                    f"excluded={excluded!r}")
  if any(isinstance(e, int) and e < 0 for e in excluded):
    raise ValueError(f"excluded={excluded!r} contains negative numbers")
  in_core, out_core = _parse_signature(signature) if signature is not None else (None, None)

  def wrapped(*args, **kwargs):
    static_kw = {k: v for k, v in kwargs.items() if k in excluded}
    dyn_kw = {k: v for k, v in kwargs.items() if k not in excluded}
    if dyn_kw:
      # Keyword arguments are vectorized positionally after the positional ones.
      names = list(dyn_kw)
      vals = [dyn_kw[k] for k in names]
    else:
      names, vals = [], []
    static_pos = {i: a for i, a in enumerate(args) if i in excluded}
    dyn_pos = [a for i, a in enumerate(args) if i not in excluded]
    dyn = [jnp.asarray(a) for a in dyn_pos + vals]
    npos = len(dyn_pos)

    def call(*xs):
      it = iter(xs[:npos])
      full = [static_pos[i] if i in static_pos else next(it) for i in range(len(args))]
      kw = dict(static_kw)
      kw.update(zip(names, xs[npos:]))
      return pyfunc(*full, **kw)

    cores = in_core if in_core is not None else [()] * len(dyn)
    if len(cores) != len(dyn):
      raise TypeError(f"wrong number of positional arguments: expected {len(cores)}, got "
                      f"{len(dyn)}")
    dim_sizes: dict[str, int] = {}
    batch_shapes = []
    for x, core_dims in zip(dyn, cores):
      nc = len(core_dims)
      if ndim_of(x) < nc:
        raise ValueError(f"input with shape {shape_of(x)} does not have enough dimensions for "
                         f"all core dimensions {core_dims}")
      for name, size in zip(core_dims, shape_of(x)[ndim_of(x) - nc:]):
        if dim_sizes.setdefault(name, size) != size:
          raise ValueError(f"inconsistent size for core dimension {name!r}: {size} vs "
                           f"{dim_sizes[name]}")
      batch_shapes.append(shape_of(x)[:ndim_of(x) - nc])
    bshape = _util_broadcast_shapes(*batch_shapes) if batch_shapes else ()
    nb = len(bshape)
    prepared, axes_per_level = [], [[] for _ in range(nb)]
    for x, bs in zip(dyn, batch_shapes):
      padded = (1,) * (nb - len(bs)) + tuple(bs)
      x = jnp.reshape(x, padded + shape_of(x)[len(bs):])
      drop = [d for d in range(nb) if padded[d] == 1 and bshape[d] != 1]
      if drop:
        x = lax.squeeze(x, tuple(drop))
      for d in range(nb):
        axes_per_level[d].append(None if d in drop else 0)
      prepared.append(x)

    def checked(*xs):
      out = call(*xs)
      if out_core is not None:
        outs = out if isinstance(out, tuple) else (out,)
        if len(outs) != len(out_core):
          raise ValueError(f"wrong number of output arguments: expected {len(out_core)}, got "
                           f"{len(outs)}")
        for o, dims in zip(outs, out_core):
          o = jnp.asarray(o)
          if ndim_of(o) != len(dims):
            raise ValueError(f"output shape {shape_of(o)} does not match core dimensions "
                             f"{dims} on vectorized function with excluded={set(excluded)} "
                             f"and signature={signature!r}")
          for name, size in zip(dims, shape_of(o)):
            if name in dim_sizes and dim_sizes[name] != size:
              raise ValueError(f"inconsistent size for core dimension {name!r}: {size} vs "
                               f"{dim_sizes[name]}")
      return out

    f = checked
    for d in reversed(range(nb)):
      f = vmap(f, in_axes=tuple(axes_per_level[d]))
    return f(*prepared)
  return wrapped


# ----------------------------------------------------------------------------------------------
# Smaller NumPy functions: windows, bit counts, spacing, dtype queries, index expressions
# ----------------------------------------------------------------------------------------------
def _window(name, m, fn):
  m = _concrete(m, f"jnp.{name}() argument M")
  if np.ndim(m) or isinstance(m, (str, bytes)):
    raise TypeError(f"jnp.{name}: M must be an integer, got {m!r}")
  m = int(m)
  dt = dtypes.default_float()
  if m <= 0:
    return jnp.zeros((0,), dt)
  if m == 1:
    return jnp.ones((1,), dt)
  n = lax.iota(dt, m)
  return fn(n, m)


def bartlett(M):
  """The Bartlett (triangular) window."""
  return _window("bartlett", M, lambda n, m: 1 - jnp.abs(2 * n - (m - 1)) / (m - 1))


def blackman(M):
  """The Blackman window."""
  return _window("blackman", M, lambda n, m: 0.42 - 0.5 * jnp.cos(2 * np.pi * n / (m - 1))
                 + 0.08 * jnp.cos(4 * np.pi * n / (m - 1)))


def hamming(M):
  """The Hamming window."""
  return _window("hamming", M, lambda n, m: 0.54 - 0.46 * jnp.cos(2 * np.pi * n / (m - 1)))


def hanning(M):
  """The Hann window."""
  return _window("hanning", M, lambda n, m: 0.5 - 0.5 * jnp.cos(2 * np.pi * n / (m - 1)))


def kaiser(M, beta):
  """The Kaiser window with shape parameter beta."""
  def f(n, m):
    alpha = (m - 1) / 2.0
    return i0(beta * jnp.sqrt(1 - ((n - alpha) / alpha) ** 2)) / i0(jnp.asarray(beta, n.dtype))
  return _window("kaiser", M, f)


def bitwise_count(x, /):
  """The number of 1 bits in |x| (uint8)."""
  x, = promote_args_numeric("bitwise_count", x)
  if dtype_of(x).kind not in "iub":
    raise TypeError(f"bitwise_count requires integer input, got {dtype_of(x)}")
  if dtype_of(x).kind == "b":
    x = lax.convert_element_type(x, np.uint8)
  if dtype_of(x).kind == "i":
    x = jnp.abs(x)
  return lax.convert_element_type(lax.population_count(x), np.uint8)


def bitwise_invert(x, /):
  return jnp.invert(x)


def bitwise_left_shift(x1, x2, /):
  return jnp.left_shift(x1, x2)


def bitwise_right_shift(x1, x2, /):
  return jnp.right_shift(x1, x2)


def spacing(x, /):
  """The distance from x to the next representable number away from zero."""
  x, = promote_args_inexact("spacing", x)
  if dtype_of(x).kind == "c":
    raise ValueError("jnp.spacing is not defined for complex inputs.")
  away = jnp.where(jnp.signbit(x), jnp.full_like(x, -np.inf), jnp.full_like(x, np.inf))
  out = lax.sub(lax.nextafter(x, away), x)
  return jnp.where(jnp.isinf(x), jnp.full_like(x, np.nan), out)


def diagflat(v, k: int = 0):
  """A 2-D array with the flattened input on its k-th diagonal."""
  check_arraylike("diagflat", v)
  return jnp.diag(jnp.ravel(v), k)


def dsplit(ary, indices_or_sections):
  """split along the third axis."""
  ary = jnp.asarray(ary)
  if ndim_of(ary) < 3:
    raise ValueError("dsplit only works on arrays of 3 or more dimensions")
  return jnp.split(ary, indices_or_sections, axis=2)


def rollaxis(a, axis: int, start: int = 0):
  """Move `axis` to before position `start` (NumPy's older moveaxis)."""
  a = jnp.asarray(a)
  nd = ndim_of(a)
  axis = canonicalize_axis(axis, nd)
  if not -nd <= start <= nd:
    raise ValueError(f"start={start} must satisfy {-nd} <= start <= {nd}")
  if start < 0:
    start += nd
  if start > axis:
    start -= 1
  return jnp.moveaxis(a, axis, start)


def unstack(x, /, *, axis: int = 0):
  """The slices of x along `axis`, as a tuple."""
  x = jnp.asarray(x)
  if ndim_of(x) == 0:
    raise ValueError("Unstack requires arrays with rank > 0, however a scalar array was "
                     "passed.")
  axis = canonicalize_axis(axis, ndim_of(x))
  return tuple(lax.index_in_dim(x, i, axis, keepdims=False) for i in range(shape_of(x)[axis]))


def apply_over_axes(func: Callable, a, axes):
  """func(a, axis) applied repeatedly; results keep a's rank."""
  check_arraylike("apply_over_axes", a)
  a = jnp.asarray(a)
  for axis in ([axes] if isinstance(axes, int) else axes):
    b = func(a, axis)
    if ndim_of(b) == ndim_of(a) - 1:
      b = jnp.expand_dims(b, axis)
    elif ndim_of(b) != ndim_of(a):
      raise ValueError("function is not returning an array of the correct shape")
    a = b
  return a


def fromfunction(function: Callable, shape, *, dtype=None, **kwargs):
  """function evaluated at every index of `shape` (vectorized with vmap, as JAX does)."""
  from numjax._src.api import vmap
  if not callable(function):
    raise TypeError(f"jnp.fromfunction: function must be callable, got {function!r}")
  shape = jnp._shape_arg(shape)
  dt = dtypes.default_float() if dtype is None else dtypes.canonicalize_dtype(dtype)
  f = lambda *idx: function(*idx, **kwargs)
  for i in range(len(shape)):
    in_axes = [0 if i == j else None for j in range(len(shape))]
    f = vmap(f, in_axes=tuple(in_axes[::-1]))
  return f(*(jnp.asarray(jnp.arange(s), dt) for s in shape))


def matvec(x1, x2, /):
  """Batched matrix-vector product: (..., m, n) x (..., n) -> (..., m)."""
  x1, x2 = promote_dtypes(jnp.asarray(x1), jnp.asarray(x2))
  return jnp.matmul(x1, x2[..., None])[..., 0]


def vecmat(x1, x2, /):
  """Batched vector-matrix product conj(x1) @ x2: (..., n) x (..., n, m) -> (..., m)."""
  x1, x2 = promote_dtypes(jnp.asarray(x1), jnp.asarray(x2))
  if dtype_of(x1).kind == "c":
    x1 = jnp.conj(x1)
  return jnp.matmul(x1[..., None, :], x2)[..., 0, :]


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
  """sum(conj(x1) * x2) along `axis`, broadcasting the other axes."""
  x1, x2 = promote_dtypes(jnp.asarray(x1), jnp.asarray(x2))
  if dtype_of(x1).kind == "c":
    x1 = jnp.conj(x1)
  x1, x2 = jnp.broadcast_arrays(x1, x2)
  return jnp.sum(jnp.multiply(x1, x2), axis=axis)


class _IndexExpression:
  def __init__(self, maketuple: bool):
    self.maketuple = maketuple

  def __getitem__(self, item):
    if self.maketuple and not isinstance(item, tuple):
      return (item,)
    return item


index_exp = _IndexExpression(True)
s_ = _IndexExpression(False)

_KINDS = {
    "bool": lambda d: d.kind == "b",
    "signed integer": lambda d: d.kind == "i",
    "unsigned integer": lambda d: d.kind == "u",
    "integral": lambda d: d.kind in "iu",
    "real floating": lambda d: d.kind == "f" or d == dtypes.bfloat16,
    "complex floating": lambda d: d.kind == "c",
    "numeric": lambda d: d.kind in "iufc" or d == dtypes.bfloat16,
}


def isdtype(dtype, kind) -> bool:
  """Array-API dtype classification: kind is a dtype, a kind name, or a tuple of those."""
  try:
    d = np.dtype(dtype)
  except TypeError:
    raise TypeError(f"isdtype: dtype must be a dtype, got {dtype!r}") from None
  kinds = kind if isinstance(kind, tuple) else (kind,)
  for k in kinds:
    if isinstance(k, str):
      if k not in _KINDS:
        raise ValueError(f"Unrecognized {k=!r}")
      if _KINDS[k](d):
        return True
    else:
      try:
        if np.dtype(k) == d:
          return True
      except TypeError:
        raise TypeError(f"isdtype: kind must be a dtype, a kind name or a tuple of those, got "
                        f"{k!r}") from None
  return False


def iterable(y) -> bool:
  """Whether iter(y) works."""
  try:
    iter(y)
  except TypeError:
    return False
  return True
