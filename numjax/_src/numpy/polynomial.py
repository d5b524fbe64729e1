"""Polynomials of `numjax.numpy`: polyval, polyfit, polyadd/sub/mul/div, polyder, polyint,
poly, roots and vander. Coefficient arrays run from the highest degree down, as in NumPy.

    >>> jnp.polyval(jnp.array([1., 2., 3.]), 2.)
    Array(11., dtype=float32)
"""
from __future__ import annotations

import numpy as np

from numjax._src import dtypes
from numjax._src.array import Array
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.extra import convolve, trim_zeros, _concrete
from numjax._src.lax.base import index_arg
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import (check_arraylike, dtype_of, ndim_of, promote_args_numeric,
                                    promote_dtypes, promote_dtypes_inexact, shape_of)


def polyval(p, x, *, unroll: int = 16):
  """Evaluate the polynomial p[0] x^(n-1) + ... + p[n-1] at x (Horner's scheme)."""
  check_arraylike("polyval", p, x)
  p, x = promote_dtypes(jnp.asarray(p), jnp.asarray(x))
  shape = _util_broadcast_shapes(shape_of(p)[1:], shape_of(x))
  y = jnp.zeros(shape, dtype_of(x))
  for k in range(shape_of(p)[0]):
    y = jnp.add(jnp.multiply(y, x), p[k])
  return y


def _check_1d(name, *ps):
  for p in ps:
    if ndim_of(jnp.asarray(p)) != 1:
      raise ValueError(f"{name}: polynomial coefficients must be a 1-D array, got shape "
                       f"{shape_of(jnp.asarray(p))}")


def polyadd(a1, a2):
  """The sum of two polynomials (coefficient arrays, highest degree first)."""
  check_arraylike("polyadd", a1, a2)
  a1, a2 = promote_dtypes(jnp.asarray(a1), jnp.asarray(a2))
  _check_1d("polyadd", a1, a2)
  n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
  if n1 < n2:
    a1 = jnp.concatenate([jnp.zeros((n2 - n1,), dtype_of(a1)), a1])
  elif n2 < n1:
    a2 = jnp.concatenate([jnp.zeros((n1 - n2,), dtype_of(a2)), a2])
  return jnp.add(a1, a2)


def polysub(a1, a2):
  """The difference of two polynomials."""
  check_arraylike("polysub", a1, a2)
  return polyadd(a1, jnp.negative(jnp.asarray(a2)))


def polymul(a1, a2, *, trim_leading_zeros: bool = False):
  """The product of two polynomials (a 1-D convolution)."""
  check_arraylike("polymul", a1, a2)
  a1, a2 = promote_dtypes_inexact(jnp.atleast_1d(jnp.asarray(a1)), jnp.atleast_1d(jnp.asarray(a2)))
  if trim_leading_zeros:
    a1, a2 = trim_zeros(a1, "f"), trim_zeros(a2, "f")
  if shape_of(a1)[0] == 0:
    a1 = jnp.asarray([0], dtype_of(a2))
  if shape_of(a2)[0] == 0:
    a2 = jnp.asarray([0], dtype_of(a1))
  return convolve(a1, a2, mode="full")


def polyder(p, m: int = 1):
  """The m-th derivative of a polynomial."""
  check_arraylike("polyder", p)
  m = index_arg(m, "polyder m")
  _check_1d("polyder", p)
  if m < 0:
    raise ValueError("Order of derivative must be positive")
  p, = promote_dtypes_inexact(jnp.asarray(p))
  for _ in range(m):
    n = shape_of(p)[0]
    if n <= 1:
      return jnp.zeros((0,), dtype_of(p)) if n == 0 else jnp.zeros((0,), dtype_of(p))
    p = jnp.multiply(p[:-1], Array(np.arange(n - 1, 0, -1).astype(dtype_of(p)), False))
  return p


def polyint(p, m: int = 1, k=None):
  """The m-th antiderivative of a polynomial, with integration constants k."""
  check_arraylike("polyint", p)
  m = index_arg(m, "polyint m")
  _check_1d("polyint", p)
  if m < 0:
    raise ValueError("Order of integral must be positive (see polyder)")
  p, = promote_dtypes_inexact(jnp.asarray(p))
  ks = jnp.zeros((m,), dtype_of(p)) if k is None else jnp.broadcast_to(
      jnp.asarray(k, dtype_of(p)), (m,))
  for i in range(m):
    n = shape_of(p)[0]
    div = Array(np.arange(n, 0, -1).astype(dtype_of(p)), False)
    p = jnp.concatenate([jnp.divide(p, div), ks[i:i + 1]])
  return p


def polyfit(x, y, deg: int, rcond=None, full: bool = False, w=None, cov: bool = False):
  """Least-squares polynomial fit of degree `deg` (coefficients highest degree first)."""
  check_arraylike("polyfit", x, y)
  deg = int(deg)
  if deg < 0:
    raise ValueError("expected deg >= 0")
  x, y = promote_dtypes_inexact(jnp.asarray(x), jnp.asarray(y))
  if ndim_of(x) != 1:
    raise TypeError("expected 1D vector for x")
  if shape_of(x)[0] == 0:
    raise TypeError("expected non-empty vector for x")
  if ndim_of(y) < 1 or ndim_of(y) > 2:
    raise TypeError("expected 1D or 2D array for y")
  if shape_of(x)[0] != shape_of(y)[0]:
    raise TypeError("expected x and y to have same length")
  order = deg + 1
  n = shape_of(x)[0]
  if rcond is None:
    rcond = n * float(np.finfo(dtype_of(x)).eps)
  lhs = vander(x, order)
  rhs = y
  if w is not None:
    w = jnp.asarray(w, dtype_of(x))
    if ndim_of(w) != 1:
      raise TypeError("expected a 1-d array for weights")
    if shape_of(w)[0] != n:
      raise TypeError("expected w and y to have the same length")
    lhs = jnp.multiply(lhs, w[:, None])
    rhs = jnp.multiply(rhs, w if ndim_of(rhs) == 1 else w[:, None])
  scale = jnp.sqrt(jnp.sum(jnp.multiply(lhs, lhs), axis=0))
  lhs = jnp.divide(lhs, scale[None, :])
  from numjax._src.numpy import linalg
  c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
  c = jnp.divide(c, scale if ndim_of(c) == 1 else scale[:, None])
  if full:
    return c, resids, rank, s, jnp.asarray(rcond)
  if cov:
    vbase = linalg.inv(jnp.dot(jnp.transpose(lhs), lhs))
    vbase = jnp.divide(vbase, jnp.outer(scale, scale))
    if cov == "unscaled":
      fac = 1
    else:
      if n <= order:
        raise ValueError("the number of data points must exceed order to scale the "
                         "covariance matrix")
      fac = jnp.divide(resids, n - order)
      fac = fac[0] if ndim_of(y) == 1 else fac
    if ndim_of(y) == 1:
      return c, jnp.multiply(vbase, fac)
    return c, jnp.multiply(vbase[:, :, None], fac)
  return c


def vander(x, N=None, increasing: bool = False):
  """The Vandermonde matrix: columns x^(N-1), ..., x, 1 (reversed when increasing)."""
  check_arraylike("vander", x)
  x = jnp.asarray(x)
  if ndim_of(x) != 1:
    raise ValueError("x must be a one-dimensional array")
  n = shape_of(x)[0] if N is None else index_arg(N, "vander N")
  if n < 0:
    raise ValueError("N must be nonnegative")
  x, = promote_dtypes(x) if dtype_of(x) != np.bool_ else promote_args_numeric("vander", x)
  cols = []
  cur = jnp.ones_like(x)
  for k in range(n):
    cols.append(cur)
    if k + 1 < n:
      cur = jnp.multiply(cur, x)
  if not cols:
    return jnp.zeros((shape_of(x)[0], 0), dtype_of(x))
  out = jnp.stack(cols, axis=-1)
  return out if increasing else jnp.flip(out, -1)


def polydiv(u, v, *, trim_leading_zeros: bool = False):
  """(quotient, remainder) of polynomial long division u / v."""
  check_arraylike("polydiv", u, v)
  u, v = promote_dtypes_inexact(jnp.atleast_1d(jnp.asarray(u)), jnp.atleast_1d(jnp.asarray(v)))
  m, n = shape_of(u)[0] - 1, shape_of(v)[0] - 1
  scale = jnp.divide(1., v[0])
  q = []
  rem = u
  for k in range(max(m - n + 1, 0)):
    d = jnp.multiply(scale, rem[k])
    q.append(d)
    rem = jnp.concatenate([rem[:k], rem[k:k + n + 1] - d * v, rem[k + n + 1:]])
  quot = jnp.stack(q) if q else jnp.zeros((1,), dtype_of(u))
  if trim_leading_zeros:
    rem = trim_zeros(rem, "f")
  return quot, rem


def poly(seq_of_zeros):
  """Coefficients of the monic polynomial with the given roots (or a square matrix's
  characteristic polynomial)."""
  check_arraylike("poly", seq_of_zeros)
  z, = promote_dtypes_inexact(jnp.asarray(seq_of_zeros))
  if ndim_of(z) == 2 and shape_of(z)[0] == shape_of(z)[1] and shape_of(z)[0] != 0:
    from numjax._src.numpy import linalg
    z = linalg.eigvals(z)
  elif ndim_of(z) == 1:
    pass
  elif ndim_of(z) == 0:
    z = jnp.reshape(z, (1,))
  else:
    raise ValueError("input must be 1d or non-empty square 2d array.")
  a = jnp.ones((1,), dtype_of(z))
  for k in range(shape_of(z)[0]):
    a = convolve(a, jnp.stack([jnp.ones((), dtype_of(z)), -z[k]]), mode="full")
  return a


def roots(p, *, strip_zeros: bool = True):
  """The roots of a polynomial: eigenvalues of its companion matrix (complex)."""
  check_arraylike("roots", p)
  p = jnp.atleast_1d(jnp.asarray(p))
  if ndim_of(p) != 1:
    raise ValueError("Input must be a rank-1 array.")
  p, = promote_dtypes_inexact(p)
  n_trailing = 0
  if strip_zeros:
    c = _concrete(p, "jnp.roots with strip_zeros=True (pass strip_zeros=False under jit)")
    nz = np.flatnonzero(c)
    if nz.size == 0:
      return jnp.zeros((0,), dtypes.default_complex() if dtype_of(p).kind != "c" else dtype_of(p))
    n_trailing = c.shape[0] - 1 - int(nz[-1])
    p = p[int(nz[0]):int(nz[-1]) + 1]
  n = shape_of(p)[0] - 1
  cdt = dtype_of(p) if dtype_of(p).kind == "c" else (
      np.dtype(np.complex128) if dtype_of(p) == np.float64 else np.dtype(np.complex64))
  if n < 1:
    out = jnp.zeros((0,), cdt)
  else:
    from numjax._src.numpy import linalg
    companion = jnp.concatenate([jnp.reshape(-p[1:] / p[0], (1, n)),
                                 jnp.eye(n - 1, n, dtype=dtype_of(p))], axis=0)
    out = jnp.asarray(linalg.eigvals(companion), cdt)
  if n_trailing:
    out = jnp.concatenate([out, jnp.zeros((n_trailing,), cdt)])
  return out
