"""`numjax.scipy.special`: special functions, as `jax.scipy.special` has them.

Most functions are compositions of lax ops (so every transformation applies). The few that
need their own primitive are declared here, one block each, as lax declares its ops: the
regularised incomplete gamma functions (`igamma`, `igammac`, with `igamma_grad_a` for the
derivative in `a`), the regularised incomplete beta function, Hurwitz zeta and the
exponentially scaled Bessel functions `bessel_i0e`/`bessel_i1e`. Their impls call SciPy and
return the operand dtype.

    >>> from numjax.scipy.special import logsumexp
    >>> logsumexp(jnp.array([0., 0.]))
    Array(0.6931472, dtype=float32)
"""
from __future__ import annotations

import math

import numpy as np
import scipy.special as sps

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.custom_derivatives import custom_jvp
from numjax._src.lax import lax as L
from numjax._src.lax.base import (batch_elementwise, defjvp, defjvp2, elementwise_aval, floating,
                                  primitive)
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import dtype_of, ndim_of, promote_args_inexact, shape_of


def _c(x, val):
  """A scalar constant with x's dtype (weak like x), for use in lax arithmetic."""
  return L._const(x, val)


def _scipy_impl(f):
  """Wrap a SciPy ufunc so the impl returns the dtype of its (equal-dtype) operands."""

  def impl(*xs):
    dt = np.asarray(xs[-1]).dtype
    out = f(*xs)
    out = np.asarray(out)
    if out.dtype != dt:
      out = out.astype(dt)
    return out if out.ndim else out[()]
  impl.__name__ = getattr(f, "__name__", "impl")
  return impl


def _naryop(name, impl):
  p = primitive(name, _scipy_impl(impl), elementwise_aval(name, floating))
  batch_elementwise(p)
  return p


# ----------------------------------------------------------------------------------------------
# Primitives (lax-level, like jax.lax.igamma & co.)
# ----------------------------------------------------------------------------------------------
def _igamma_grad_a_series(a, x):
  """d/da P(a, x) = sum_n t_n (log x - digamma(a + n + 1)), t_n = e^-x x^(a+n) / Gamma(a+n+1)."""
  n_terms = int(np.ceil(np.max(x) + 12 * np.sqrt(np.max(x)) + 40))
  n = np.arange(n_terms, dtype=np.float64).reshape((-1,) + (1,) * a.ndim)
  log_x = np.log(x)
  t = np.exp(-x + (a + n) * log_x - sps.gammaln(a + n + 1))
  return np.sum(t * (log_x - sps.digamma(a + n + 1)), axis=0)


def _igamma_grad_a_np(a, x):
  """d/da P(a, x) in float64: the series for x <= 30, else Richardson-extrapolated central
  differences of SciPy's gammainc."""
  a64, x64 = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
  h = np.maximum(np.abs(a64), 1.0) * 1e-3
  h = np.minimum(h, 0.5 * np.abs(a64))   # keep a - h > 0

  def d(step):
    return (sps.gammainc(a64 + step, x64) - sps.gammainc(a64 - step, x64)) / (2 * step)
  with np.errstate(all="ignore"):
    out = np.array((4 * d(h / 2) - d(h)) / 3, dtype=np.float64)
    small = (x64 > 0) & (x64 <= 30) & (a64 > 0)
    if np.any(small):
      out[small] = _igamma_grad_a_series(a64[small], x64[small])
    out = np.where((x64 == 0) | np.isinf(x64), 0.0, out)
  return out


igamma_p = _naryop("igamma", sps.gammainc)
igamma_grad_a_p = _naryop("igamma_grad_a", _igamma_grad_a_np)
igammac_p = _naryop("igammac", sps.gammaincc)


def _igamma_dx(g, a, x):
  # d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)
  return L.mul(g, L.exp(L.sub(L.mul(L.sub(a, _c(a, 1)), L.log(x)), L.add(x, L.lgamma(a)))))


defjvp(igamma_p, lambda g, a, x: L.mul(g, igamma_grad_a_p.bind(a, x)), _igamma_dx)
defjvp(igammac_p, lambda g, a, x: L.neg(L.mul(g, igamma_grad_a_p.bind(a, x))),
       lambda g, a, x: L.neg(_igamma_dx(g, a, x)))


def _igamma_grad_a_jvp(primals, tangents):
  raise NotImplementedError("Differentiating igamma_grad_a (a second derivative of gammainc "
                            "with respect to `a`) is not supported.")


igamma_grad_a_p.jvp = _igamma_grad_a_jvp


regularized_incomplete_beta_p = _naryop("regularized_incomplete_beta", sps.betainc)


def _betainc_grad_ab(g, a, b, x):
  raise ValueError("Betainc gradient with respect to a and b not supported.")


def _betainc_dx(g, a, b, x):
  # x^(a-1) (1-x)^(b-1) / B(a, b)
  lbeta = L.sub(L.add(L.lgamma(a), L.lgamma(b)), L.lgamma(L.add(a, b)))
  log_dens = L.sub(L.add(L.mul(L.sub(b, _c(b, 1)), L.log1p(L.neg(x))),
                         L.mul(L.sub(a, _c(a, 1)), L.log(x))), lbeta)
  return L.mul(g, L.exp(log_dens))


defjvp(regularized_incomplete_beta_p, _betainc_grad_ab, _betainc_grad_ab, _betainc_dx)


zeta_p = _naryop("zeta", sps.zeta)


def _zeta_dx(g, x, q):
  raise ValueError("lax.zeta: the derivative with respect to x is not defined for the "
                   "primitive; use numjax.scipy.special.zeta, which differentiates a series "
                   "expansion.")


defjvp(zeta_p, _zeta_dx,
       lambda g, x, q: L.mul(g, L.neg(L.mul(x, zeta_p.bind(L.add(x, _c(x, 1)), q)))))


bessel_i0e_p = _naryop("bessel_i0e", sps.i0e)
bessel_i1e_p = _naryop("bessel_i1e", sps.i1e)
defjvp2(bessel_i0e_p, lambda g, y, x: L.mul(g, L.sub(bessel_i1e_p.bind(x), L.mul(L.sign(x), y))))


def _bessel_i1e_jvp(g, y, x):
  # i1e'(x) = i0e(x) - y (sign(x) + 1/x), which tends to 1/2 at 0.
  eps = float(np.finfo(core.get_aval(x).dtype).eps)
  big = L.gt(L.abs(x), _c(x, eps))
  safe_x = L.select(big, x, L.full_like(x, eps))
  d = L.sub(bessel_i0e_p.bind(safe_x), L.mul(y, L.add(L.sign(safe_x), L.div(_c(x, 1), safe_x))))
  return L.mul(g, L.select(big, d, L.full_like(x, 0.5)))


defjvp2(bessel_i1e_p, _bessel_i1e_jvp)


# Further elementwise functions with closed-form derivatives (SciPy impls).
erfcx_p = _naryop("erfcx", sps.erfcx)
defjvp2(erfcx_p, lambda g, y, x: L.mul(g, L.sub(L.mul(L.mul(_c(x, 2), x), y),
                                                 _c(x, 2 / np.sqrt(np.pi)))))

exp1_p = _naryop("exp1", sps.exp1)
defjvp(exp1_p, lambda g, x: L.mul(g, L.neg(L.div(L.exp(L.neg(x)), x))))

expi_p = _naryop("expi", sps.expi)
defjvp(expi_p, lambda g, x: L.mul(g, L.div(L.exp(x), x)))

expn_p = _naryop("expn", lambda n, x: sps.expn(n, x))
defjvp(expn_p, None, lambda g, n, x: L.mul(g, L.neg(expn_p.bind(L.sub(n, _c(n, 1)), x))))

dawsn_p = _naryop("dawsn", sps.dawsn)
defjvp2(dawsn_p, lambda g, y, x: L.mul(g, L.sub(_c(x, 1), L.mul(L.mul(_c(x, 2), x), y))))


def _spence_dx(g, z):
  # d/dz spence(z) = log(z) / (1 - z), which tends to -1 at z = 1.
  one = L.eq(z, _c(z, 1))
  safe = L.select(one, jnp.full_like(z, 2.), z)
  d = L.div(L.log(safe), L.sub(_c(z, 1), safe))
  return L.mul(g, L.select(one, jnp.full_like(z, -1.), d))


spence_p = _naryop("spence", sps.spence)
defjvp(spence_p, _spence_dx)

hyp1f1_p = _naryop("hyp1f1", sps.hyp1f1)


def _hyp1f1_dab(g, a, b, x):
  raise ValueError("hyp1f1: differentiation with respect to a and b is not supported.")


defjvp(hyp1f1_p, _hyp1f1_dab, _hyp1f1_dab,
       lambda g, a, b, x: L.mul(g, L.mul(L.div(a, b), hyp1f1_p.bind(
           L.add(a, _c(a, 1)), L.add(b, _c(b, 1)), x))))


# lax-style entry points (the operands must already have equal dtypes and shapes).
def igamma(a, x):
  return igamma_p.bind(*L._args(a, x))


def igammac(a, x):
  return igammac_p.bind(*L._args(a, x))


def igamma_grad_a(a, x):
  return igamma_grad_a_p.bind(*L._args(a, x))


def betainc_lax(a, b, x):
  return regularized_incomplete_beta_p.bind(*L._args(a, b, x))


def zeta_lax(x, q):
  return zeta_p.bind(*L._args(x, q))


def bessel_i0e(x):
  return bessel_i0e_p.bind(L.asarray(x))


def bessel_i1e(x):
  return bessel_i1e_p.bind(L.asarray(x))


def _broadcast_promote(fname, *args):
  """jnp-style promotion (to inexact) and broadcasting of all operands to one shape."""
  args = promote_args_inexact(fname, *args)
  shape = _util_broadcast_shapes(*[shape_of(a) for a in args])
  return [jnp.broadcast_to(a, shape) for a in args]


def _strong_float(fname, x):
  """x as a strongly typed float array; integer inputs are rejected (as JAX's ndtr does)."""
  x = jnp.asarray(x)
  dt = dtype_of(x)
  if dt not in (dtypes.float32, dtypes.float64):
    raise TypeError(f"x.dtype={dt} is not supported, see docstring for supported types.")
  return L.convert_element_type(x, dt, weak_type=False)


def _reject_complex(fname, *args):
  for a in args:
    if dtype_of(a).kind == "c":
      raise ValueError(f"{fname} does not support complex-valued inputs.")


# ----------------------------------------------------------------------------------------------
# Gamma family
# ----------------------------------------------------------------------------------------------
def gammaln(x):
  """log|Gamma(x)|. `gammaln(jnp.array(5.)) == log(24)`."""
  x, = promote_args_inexact("gammaln", x)
  _reject_complex("gammaln", x)
  return L.lgamma(x)


def loggamma(x):
  """The log-gamma function for real inputs: gammaln(x) for x >= 0, NaN for x < 0."""
  x, = promote_args_inexact("loggamma", x)
  _reject_complex("loggamma", x)
  # SciPy's real loggamma is NaN for negative arguments.
  return jnp.where(L.lt(x, _c(x, 0)), jnp.full_like(x, np.nan), L.lgamma(x))


def gammasgn(x):
  """The sign of Gamma(x): +-1, NaN at negative integers, -inf and NaN."""
  x, = promote_args_inexact("gammasgn", x)
  _reject_complex("gammasgn", x)
  x = L.convert_element_type(x, dtype_of(x), weak_type=False)
  fl = L.floor(x)
  one = jnp.ones_like(x)
  # Gamma(x) < 0 on (-2k-1, -2k) for k >= 0, i.e. where floor(x) is odd and x < 0.
  odd_floor = L.ne(jnp.remainder(fl, _c(x, 2)), _c(x, 0))
  neg_sign = L.bitwise_and(L.lt(x, _c(x, 0)), odd_floor)
  out = L.select(neg_sign, L.neg(one), one)
  # +-0 -> +-1, following the sign of the zero (1/x = +-inf).
  is_zero = L.eq(x, _c(x, 0))
  zero_sign = L.select(L.lt(L.div(one, x), _c(x, 0)), L.neg(one), one)
  out = L.select(is_zero, zero_sign, out)
  bad = jnp.logical_or(jnp.isnan(x), jnp.logical_or(
      L.eq(x, _c(x, -np.inf)), L.bitwise_and(L.lt(x, _c(x, 0)), L.eq(fl, x))))
  return L.select(bad, jnp.full_like(x, np.nan), out)


def gamma(x):
  """The gamma function, `gammasgn(x) * exp(gammaln(x))`."""
  x, = promote_args_inexact("gamma", x)
  _reject_complex("gamma", x)
  return L.mul(gammasgn(x), L.exp(L.lgamma(x)))


def betaln(a, b):
  """log|B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)."""
  a, b = promote_args_inexact("betaln", a, b)
  lo, hi = jnp.minimum(a, b), jnp.maximum(a, b)
  return L.sub(L.add(L.lgamma(lo), L.lgamma(hi)), L.lgamma(L.add(lo, hi)))


def beta(a, b):
  """The beta function B(a, b)."""
  a, b = promote_args_inexact("beta", a, b)
  sign = L.mul(L.mul(gammasgn(a), gammasgn(b)), gammasgn(L.add(a, b)))
  return L.mul(sign, L.exp(betaln(a, b)))


def betainc(a, b, x):
  """The regularised incomplete beta function I_x(a, b) (differentiable in x only)."""
  a, b, x = _broadcast_promote("betainc", a, b, x)
  return regularized_incomplete_beta_p.bind(a, b, x)


def digamma(x):
  """The logarithmic derivative of Gamma."""
  x, = promote_args_inexact("digamma", x)
  return L.digamma(x)


def polygamma(n, x):
  """The n-th derivative of digamma (n a non-negative integer)."""
  n_c = core.concrete_value(n) if not isinstance(n, (int, float)) else np.asarray(n)
  if n_c is not None and np.any(np.asarray(n_c) != np.round(np.asarray(n_c))):
    raise ValueError(f"polygamma requires integer n, got {n_c}")
  n, x = _broadcast_promote("polygamma", n, x)
  return L.polygamma(n, x)


def gammainc(a, x):
  """The regularised lower incomplete gamma function P(a, x)."""
  a, x = _broadcast_promote("gammainc", a, x)
  return igamma_p.bind(a, x)


def gammaincc(a, x):
  """The regularised upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
  a, x = _broadcast_promote("gammaincc", a, x)
  return igammac_p.bind(a, x)


def multigammaln(a, d):
  """log of the multivariate gamma function of dimension d (d a static integer)."""
  d_c = core.concrete_value(d)
  if d_c is None:
    raise core.ConcretizationTypeError(d, "The error arose in the d argument of multigammaln.")
  if np.ndim(d_c):
    raise TypeError(f"multigammaln: d must be a scalar integer, got shape {np.shape(d_c)}")
  d = int(d_c)
  a, = promote_args_inexact("multigammaln", a)
  const = 0.25 * d * (d - 1) * np.log(np.pi)
  shifts = Array(np.arange(d, dtype=dtype_of(a)) / 2, False)
  terms = L.lgamma(jnp.subtract(jnp.expand_dims(a, -1), shifts))
  return L.add(jnp.sum(terms, axis=-1), _c(a, const))


def factorial(n, exact: bool = False):
  """n! = Gamma(n + 1) (0 for negative n)."""
  if exact:
    raise NotImplementedError("factorial with exact=True")
  n, = promote_args_inexact("factorial", n)
  return jnp.where(L.lt(n, _c(n, 0)), jnp.zeros_like(n), L.exp(L.lgamma(L.add(n, _c(n, 1)))))


def poch(z, m):
  """The rising factorial (z)_m = Gamma(z + m) / Gamma(z)."""
  z, m = promote_args_inexact("poch", z, m)
  return jnp.where(L.eq(m, _c(m, 0)), jnp.ones_like(z),
                   L.mul(L.div(gamma(L.add(z, m)), gamma(z)), jnp.ones_like(m)))


# ----------------------------------------------------------------------------------------------
# Error function family and the normal distribution
# ----------------------------------------------------------------------------------------------
def erf(x):
  x, = promote_args_inexact("erf", x)
  return L.erf(x)


def erfc(x):
  x, = promote_args_inexact("erfc", x)
  return L.erfc(x)


def erfinv(x):
  x, = promote_args_inexact("erfinv", x)
  return L.erf_inv(x)


_SQRT_HALF = np.sqrt(0.5)
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


def ndtr(x):
  """The standard normal CDF, `0.5 * erfc(-x / sqrt(2))`."""
  x = _strong_float("ndtr", x)
  z = L.mul(x, _c(x, _SQRT_HALF))
  # erf is more accurate than erfc near 0; erfc in the tails.
  small = L.lt(L.abs(z), _c(z, _SQRT_HALF))
  via_erf = L.add(_c(x, 0.5), L.mul(_c(x, 0.5), L.erf(z)))
  via_erfc = L.mul(_c(x, 0.5), L.erfc(L.neg(z)))
  return L.select(small, via_erf, via_erfc)


def _norm_logpdf(x):
  return L.sub(L.mul(_c(x, -0.5), L.mul(x, x)), _c(x, _LOG_SQRT_2PI))


def _log_ndtr_asymptotic(x, series_order):
  """log Phi(x) for x << 0: -x^2/2 - log(-x) - log(2 pi)/2 + log(1 + sum_n (-1)^n (2n-1)!!/x^2n)."""
  x2 = L.mul(x, x)
  inv = L.div(_c(x, 1), x2)
  term = jnp.ones_like(x)
  total = jnp.ones_like(x)
  for n in range(1, series_order + 1):
    term = L.mul(term, L.mul(inv, _c(x, -(2 * n - 1))))
    total = L.add(total, term)
  return L.add(L.sub(_norm_logpdf(x), L.log(L.neg(x))), L.log(total))


def _log_ndtr_value(x, series_order):
  dt = dtype_of(x)
  lower = -20.0 if dt == np.float64 else -10.0
  z = L.mul(x, _c(x, _SQRT_HALF))
  pos = L.gt(x, _c(x, 0))
  mid = L.gt(x, _c(x, lower))
  # x > 0: log(1 - Phi(-x)) with Phi(-x) computed accurately by erfc.
  safe_pos = L.select(pos, z, jnp.ones_like(z))
  upper = L.log1p(L.mul(_c(x, -0.5), L.erfc(safe_pos)))
  safe_mid = L.select(pos, jnp.zeros_like(z), L.select(mid, z, jnp.full_like(z, -1.)))
  middle = L.log(L.mul(_c(x, 0.5), L.erfc(L.neg(safe_mid))))
  safe_low = L.select(mid, jnp.full_like(x, lower), x)
  low = _log_ndtr_asymptotic(safe_low, series_order)
  return L.select(pos, upper, L.select(mid, middle, low))


def _log_ndtr(x, series_order=3):
  return _log_ndtr_value(x, series_order)


_log_ndtr_cj = custom_jvp(_log_ndtr, nondiff_argnums=(1,))


@_log_ndtr_cj.defjvp
def _log_ndtr_jvp(series_order, primals, tangents):
  x, = primals
  t, = tangents
  ans = _log_ndtr_cj(x, series_order)
  # d/dx log Phi(x) = phi(x) / Phi(x)
  return ans, L.mul(t, L.exp(L.sub(_norm_logpdf(x), ans)))


def log_ndtr(x, series_order: int = 3):
  """log of the standard normal CDF, accurate far into both tails."""
  if not isinstance(series_order, int):
    raise TypeError("series_order must be a Python integer.")
  if series_order < 0:
    raise ValueError("series_order must be non-negative.")
  if series_order > 30:
    raise ValueError("series_order must be <= 30.")
  x = _strong_float("log_ndtr", x)
  return _log_ndtr_cj(x, series_order)


def _ndtri_lower_tail(q):
  """Phi^-1(q) for small q: Newton steps on log Phi(x) = log q from the asymptotic start."""
  logq = L.log(q)
  t = L.mul(_c(q, -2.), logq)                       # -2 log q >= 4 here
  x = L.neg(L.sqrt(L.sub(L.sub(t, L.log(t)), _c(q, np.log(2 * np.pi)))))
  for _ in range(4):
    lphi = _log_ndtr_value(x, 6)
    # g(x) = log Phi(x) - log q;  g'(x) = phi(x) / Phi(x)
    x = L.sub(x, L.div(L.sub(lphi, logq), L.exp(L.sub(_norm_logpdf(x), lphi))))
  return x


def _ndtri_value(p):
  tail = _c(p, np.exp(-2.))
  half = _c(p, 0.5)
  lower = L.lt(p, tail)
  upper = L.gt(p, L.sub(_c(p, 1.), tail))
  central = L.mul(_c(p, np.sqrt(2.)),
                  L.erf_inv(L.sub(L.mul(_c(p, 2.), p), _c(p, 1.))))
  q = L.select(L.gt(p, half), L.sub(_c(p, 1.), p), p)
  safe_q = L.select(jnp.logical_or(lower, upper), q, jnp.full_like(q, 0.01))
  safe_q = L.select(L.gt(safe_q, _c(q, 0)), safe_q, jnp.full_like(q, 0.01))
  t = _ndtri_lower_tail(safe_q)
  out = L.select(lower, t, L.select(upper, L.neg(t), central))
  out = L.select(L.eq(p, _c(p, 0.)), jnp.full_like(p, -np.inf), out)
  out = L.select(L.eq(p, _c(p, 1.)), jnp.full_like(p, np.inf), out)
  bad = jnp.logical_or(L.lt(p, _c(p, 0.)), L.gt(p, _c(p, 1.)))
  return L.select(jnp.logical_or(bad, jnp.isnan(p)), jnp.full_like(p, np.nan), out)


@custom_jvp
def _ndtri(p):
  return _ndtri_value(p)


@_ndtri.defjvp
def _ndtri_jvp(primals, tangents):
  p, = primals
  t, = tangents
  x = _ndtri(p)
  # dx/dp = 1 / phi(x)
  return x, L.mul(t, L.exp(L.neg(_norm_logpdf(x))))


def ndtri(p):
  """The inverse of the standard normal CDF."""
  p = _strong_float("ndtri", p)
  return _ndtri(p)


# ----------------------------------------------------------------------------------------------
# Logistic, x log y, entropies
# ----------------------------------------------------------------------------------------------
def expit(x):
  """The logistic sigmoid 1 / (1 + exp(-x))."""
  x, = promote_args_inexact("expit", x)
  return L.logistic(x)


@custom_jvp
def _logit(x):
  return L.log(L.div(x, L.sub(_c(x, 1), x)))


_logit.defjvps(lambda g, ans, x: L.div(g, L.mul(x, L.sub(_c(x, 1), x))))


def logit(x):
  """log(x / (1 - x)), the inverse of expit."""
  x, = promote_args_inexact("logit", x)
  return _logit(x)


@custom_jvp
def _xlogy(x, y):
  keep = jnp.logical_or(L.ne(x, _c(x, 0)), jnp.isnan(y))
  return L.select(keep, L.mul(x, L.log(y)), jnp.zeros_like(x))


@_xlogy.defjvp
def _xlogy_jvp(primals, tangents):
  x, y = primals
  xt, yt = tangents
  return _xlogy(x, y), L.add(L.mul(xt, L.log(y)), L.div(L.mul(yt, x), y))


def xlogy(x, y):
  """x * log(y), 0 where x == 0 (also for y == 0); NaN in y propagates."""
  x, y = _broadcast_promote("xlogy", x, y)
  return _xlogy(x, y)


@custom_jvp
def _xlog1py(x, y):
  keep = jnp.logical_or(L.ne(x, _c(x, 0)), jnp.isnan(y))
  return L.select(keep, L.mul(x, L.log1p(y)), jnp.zeros_like(x))


@_xlog1py.defjvp
def _xlog1py_jvp(primals, tangents):
  x, y = primals
  xt, yt = tangents
  return _xlog1py(x, y), L.add(L.mul(xt, L.log1p(y)),
                               L.div(L.mul(yt, x), L.add(y, _c(y, 1))))


def xlog1py(x, y):
  """x * log1p(y), 0 where x == 0."""
  x, y = _broadcast_promote("xlog1py", x, y)
  return _xlog1py(x, y)


@custom_jvp
def _xlogx(x):
  return _xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
  x, = primals
  t, = tangents
  return _xlogx(x), L.mul(t, L.add(L.log(x), _c(x, 1)))


def entr(x):
  """-x log x for x > 0, 0 at 0, -inf for x < 0."""
  x, = promote_args_inexact("entr", x)
  _reject_complex("entr", x)
  return L.select(L.lt(x, _c(x, 0)), jnp.full_like(x, -np.inf), L.neg(_xlogx(x)))


def rel_entr(p, q):
  """p log(p / q) for p, q > 0; 0 for p == 0, q >= 0; inf otherwise."""
  p, q = _broadcast_promote("rel_entr", p, q)
  _reject_complex("rel_entr", p, q)
  zero = _c(p, 0)
  both = L.bitwise_and(L.gt(p, zero), L.gt(q, zero))
  p0 = L.bitwise_and(L.eq(p, zero), L.ge(q, zero))
  sp = L.select(both, p, jnp.ones_like(p))
  sq = L.select(both, q, jnp.ones_like(q))
  val = L.sub(_xlogx(sp), _xlogy(sp, sq))
  return L.select(both, val, L.select(p0, jnp.zeros_like(p), jnp.full_like(p, np.inf)))


def kl_div(p, q):
  """p log(p / q) - p + q for p, q > 0; q for p == 0, q >= 0; inf otherwise."""
  p, q = _broadcast_promote("kl_div", p, q)
  _reject_complex("kl_div", p, q)
  return L.add(L.sub(rel_entr(p, q), p), q)


def boxcox(x, lmbda):
  """(x^l - 1) / l, log(x) at l == 0."""
  x, lmbda = _broadcast_promote("boxcox", x, lmbda)
  zero = L.eq(lmbda, _c(lmbda, 0))
  safe = L.select(zero, jnp.ones_like(lmbda), lmbda)
  lx = L.log(x)
  return L.select(zero, lx, L.div(L.expm1(L.mul(safe, lx)), safe))


def boxcox1p(x, lmbda):
  """((1+x)^l - 1) / l, log1p(x) at l == 0."""
  x, lmbda = _broadcast_promote("boxcox1p", x, lmbda)
  zero = L.eq(lmbda, _c(lmbda, 0))
  safe = L.select(zero, jnp.ones_like(lmbda), lmbda)
  lx = L.log1p(x)
  return L.select(zero, lx, L.div(L.expm1(L.mul(safe, lx)), safe))


# ----------------------------------------------------------------------------------------------
# logsumexp and softmax
# ----------------------------------------------------------------------------------------------
def _axes_of(a, axis):
  nd = ndim_of(a)
  if axis is None:
    return tuple(range(nd))
  from numjax._src.numpy.util import axis_tuple, canonicalize_axis
  axes = axis_tuple(axis)
  return tuple(sorted(canonicalize_axis(ax, nd) for ax in axes))


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False,
              where=None):
  """log(sum(b * exp(a))) along `axis`, shifted by the maximum for stability.

      >>> logsumexp(jnp.array([1., 2., 3.]))
      Array(3.407606, dtype=float32)
  """
  if where is not None:
    a = jnp.where(where, a, 0)
  if b is not None:
    a, b = promote_args_inexact("logsumexp", a, b)
    a = jnp.where(L.ne(b, jnp.zeros_like(b)), a, -np.inf)
  else:
    a, = promote_args_inexact("logsumexp", a)
  axes = _axes_of(a, axis)
  real_a = jnp.real(a)
  amax = jnp.max(real_a, axis=axes, keepdims=keepdims, where=where, initial=-np.inf)
  amax = L.stop_gradient(L.select(jnp.isfinite(amax), amax, jnp.zeros_like(amax)))
  amax_b = amax if keepdims else L.expand_dims(amax, axes)
  exp_a = L.exp(L.sub(a, L.convert_element_type(amax_b, dtype_of(a))))
  if b is not None:
    exp_a = L.mul(exp_a, b)
  sumexp = jnp.sum(exp_a, axis=axes, keepdims=keepdims, where=where)
  sign = L.sign(sumexp)
  if return_sign or dtype_of(a).kind != "c":
    sumexp = jnp.abs(sumexp)
  out = L.add(L.log(sumexp), L.convert_element_type(amax, dtype_of(sumexp)))
  if return_sign:
    return out, sign
  if b is not None and dtype_of(out).kind != "c":
    out = jnp.where(L.lt(sign, jnp.zeros_like(sign)), jnp.full_like(out, np.nan), out)
  return out


def softmax(x, /, *, axis=None):
  """exp(x) / sum(exp(x)) along `axis` (all axes by default, as in SciPy)."""
  from numjax._src.nn import functions as nnf
  return nnf.softmax(x, axis=axis)


def log_softmax(x, /, *, axis=None):
  """x - logsumexp(x) along `axis` (all axes by default)."""
  from numjax._src.nn import functions as nnf
  return nnf.log_softmax(x, axis=axis)


# ----------------------------------------------------------------------------------------------
# Bessel functions and zeta
# ----------------------------------------------------------------------------------------------
def i0e(x):
  """The exponentially scaled modified Bessel function of order 0, exp(-|x|) I0(x)."""
  x, = promote_args_inexact("i0e", x)
  return bessel_i0e_p.bind(x)


def i1e(x):
  """The exponentially scaled modified Bessel function of order 1, exp(-|x|) I1(x)."""
  x, = promote_args_inexact("i1e", x)
  return bessel_i1e_p.bind(x)


def i0(x):
  """The modified Bessel function of order 0."""
  x, = promote_args_inexact("i0", x)
  return L.mul(L.exp(L.abs(x)), bessel_i0e_p.bind(x))


def i1(x):
  """The modified Bessel function of order 1."""
  x, = promote_args_inexact("i1", x)
  return L.mul(L.exp(L.abs(x)), bessel_i1e_p.bind(x))


_ZETA_TERMS = 12
_BERNOULLI_2J_OVER_FACT = np.array(
    [sps.bernoulli(2 * j)[2 * j] / math.factorial(2 * j) for j in range(1, _ZETA_TERMS + 1)])


def _zeta_series(s, a):
  """Euler-Maclaurin summation of the Hurwitz zeta function (used for d/ds)."""
  n = 10
  total = jnp.zeros_like(s)
  for k in range(n):
    total = L.add(total, L.pow(L.add(a, _c(a, k)), L.neg(s)))
  an = L.add(a, _c(a, n))
  total = L.add(total, L.div(L.pow(an, L.sub(_c(s, 1), s)), L.sub(s, _c(s, 1))))
  an_s = L.pow(an, L.neg(s))
  total = L.add(total, L.mul(_c(s, 0.5), an_s))
  rising = s                    # s (s+1) ... (s + 2j - 2)
  power = L.div(an_s, an)       # an^(-s-2j+1)
  for j in range(1, _ZETA_TERMS + 1):
    if j > 1:
      rising = L.mul(rising, L.mul(L.add(s, _c(s, 2 * j - 3)), L.add(s, _c(s, 2 * j - 2))))
      power = L.div(power, L.mul(an, an))
    total = L.add(total, L.mul(_c(s, _BERNOULLI_2J_OVER_FACT[j - 1]), L.mul(rising, power)))
  return total


@custom_jvp
def _zeta(x, q):
  return zeta_p.bind(x, q)


@_zeta.defjvp
def _zeta_jvp(primals, tangents):
  from numjax._src import api
  x, q = primals
  xt, tq = tangents
  out = _zeta(x, q)
  dq = L.mul(tq, L.neg(L.mul(x, _zeta(L.add(x, _c(x, 1)), q))))
  _, dx = api.jvp(lambda s: _zeta_series(s, q), (x,), (xt,))
  return out, L.add(dx, dq)


def zeta(x, q=None):
  """The Hurwitz zeta function sum_k (k + q)^-x (q is required, as in JAX)."""
  if q is None:
    raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                              "compute the Hurwitz Zeta function.")
  x, q = _broadcast_promote("zeta", x, q)
  return _zeta(x, q)


# ----------------------------------------------------------------------------------------------
# Exponential integrals, Dawson, Spence, confluent hypergeometric, combinatorics
# ----------------------------------------------------------------------------------------------
def _float_args(fname, *args):
  out = _broadcast_promote(fname, *args)
  _reject_complex(fname, *out)
  return out


def erfcx(x):
  """The scaled complementary error function exp(x^2) erfc(x)."""
  x, = _float_args("erfcx", x)
  return erfcx_p.bind(x)


def exp1(x):
  """The exponential integral E1(x)."""
  x, = _float_args("exp1", x)
  return exp1_p.bind(x)


def expi(x):
  """The exponential integral Ei(x)."""
  x, = _float_args("expi", x)
  return expi_p.bind(x)


def expn(n, x):
  """The generalized exponential integral E_n(x) (differentiable in x)."""
  n, x = _float_args("expn", n, x)
  return expn_p.bind(n, x)


def dawsn(x):
  """Dawson's integral exp(-x^2) int_0^x exp(t^2) dt."""
  x, = _float_args("dawsn", x)
  return dawsn_p.bind(x)


def spence(x):
  """Spence's function (dilogarithm) int_1^x log(t) / (1 - t) dt."""
  x, = _float_args("spence", x)
  return spence_p.bind(x)


def hyp1f1(a, b, x):
  """Kummer's confluent hypergeometric function 1F1(a; b; x) (differentiable in x)."""
  a, b, x = _float_args("hyp1f1", a, b, x)
  return hyp1f1_p.bind(a, b, x)


def comb(N, k, *, repetition: bool = False):
  """The binomial coefficient C(N, k) via gammaln (0 outside 0 <= k <= N)."""
  N, k = promote_args_inexact("comb", N, k)
  if repetition:
    return comb(jnp.add(N, jnp.subtract(k, 1)), k)
  one = _c(N, 1)
  val = L.exp(L.sub(L.lgamma(L.add(N, one)),
                    L.add(L.lgamma(L.add(k, one)), L.lgamma(L.add(L.sub(N, k), one)))))
  ok = jnp.logical_and(jnp.greater_equal(k, 0), jnp.less_equal(k, N))
  ok = jnp.logical_and(ok, jnp.greater_equal(N, 0))
  return jnp.where(ok, val, jnp.zeros_like(val))


def bernoulli(n: int):
  """The Bernoulli numbers B_0 ... B_n."""
  n = core.concrete_value(n) if not isinstance(n, int) else n
  if n is None:
    raise core.ConcretizationTypeError(n, "The argument of bernoulli must be concrete.")
  if np.ndim(n):
    raise TypeError(f"bernoulli: n must be a scalar integer, got shape {np.shape(n)}")
  n = int(n)
  if n < 0:
    raise ValueError("n must be a non-negative integer.")
  return Array(np.asarray(sps.bernoulli(n), dtypes.default_float()), False)


# ----------------------------------------------------------------------------------------------
# Fresnel and sine/cosine integrals, Faddeeva, Owen's T, Gauss hypergeometric 2F1
# ----------------------------------------------------------------------------------------------
fresnel_s_p = _naryop("fresnel_s", lambda x: sps.fresnel(x)[0])
fresnel_c_p = _naryop("fresnel_c", lambda x: sps.fresnel(x)[1])
# S'(x) = sin(pi x^2 / 2), C'(x) = cos(pi x^2 / 2)
defjvp(fresnel_s_p, lambda g, x: L.mul(g, L.sin(L.mul(_c(x, np.pi / 2), L.mul(x, x)))))
defjvp(fresnel_c_p, lambda g, x: L.mul(g, L.cos(L.mul(_c(x, np.pi / 2), L.mul(x, x)))))

sici_si_p = _naryop("sici_si", lambda x: sps.sici(x)[0])
sici_ci_p = _naryop("sici_ci", lambda x: sps.sici(x)[1])


def _si_dx(g, x):
  # Si'(x) = sin(x) / x, which is 1 at 0.
  zero = L.eq(x, _c(x, 0))
  safe = L.select(zero, jnp.ones_like(x), x)
  return L.mul(g, L.select(zero, jnp.ones_like(x), L.div(L.sin(safe), safe)))


defjvp(sici_si_p, _si_dx)
defjvp(sici_ci_p, lambda g, x: L.mul(g, L.div(L.cos(x), x)))   # Ci'(x) = cos(x) / x


def _wofz_aval(z):
  if z.dtype.kind != "c":
    raise TypeError(f"wofz does not accept dtype {z.dtype.name}. Accepted dtypes are subtypes "
                    "of complex.")
  return core.ShapedArray(z.shape, z.dtype, z.weak_type)


wofz_p = primitive("wofz", _scipy_impl(sps.wofz), _wofz_aval)
batch_elementwise(wofz_p)
# w'(z) = -2 z w(z) + 2i / sqrt(pi)
defjvp2(wofz_p, lambda g, w, z: L.mul(g, L.add(L.mul(L.mul(_c(z, -2), z), w),
                                               _c(z, 2j / np.sqrt(np.pi)))))

owens_t_p = _naryop("owens_t", sps.owens_t)


def _owens_t_dh(g, h, a):
  # dT/dh = -exp(-h^2/2) erf(a h / sqrt 2) / (2 sqrt(2 pi))
  d = L.mul(L.exp(L.mul(_c(h, -0.5), L.mul(h, h))), L.erf(L.mul(L.mul(a, h), _c(h, _SQRT_HALF))))
  return L.mul(g, L.mul(d, _c(h, -1 / (2 * np.sqrt(2 * np.pi)))))


def _owens_t_da(g, h, a):
  # dT/da = exp(-(1 + a^2) h^2 / 2) / (2 pi (1 + a^2))
  s = L.add(_c(a, 1), L.mul(a, a))
  return L.mul(g, L.div(L.exp(L.mul(L.mul(_c(h, -0.5), s), L.mul(h, h))),
                        L.mul(_c(a, 2 * np.pi), s)))


defjvp(owens_t_p, _owens_t_dh, _owens_t_da)

hyp2f1_p = _naryop("hyp2f1", sps.hyp2f1)


def _hyp2f1_dparam_np(a, b, c, x, *, wrt):
  """d/d(a|b|c) 2F1(a, b; c; x) as the series sum_k t_k (psi-difference), k >= 1, where t_k is
  the k-th term of 2F1 (float64, at most 250 terms or until a relative eps, as JAX sums it)."""
  a, b, c, x = np.broadcast_arrays(*(np.asarray(v, np.float64) for v in (a, b, c, x)))
  term = a * b / c * x
  total = np.zeros_like(term)
  eps = np.finfo(np.float64).eps
  with np.errstate(all="ignore"):
    for k in range(1, 250):
      if wrt == 0:
        w = sps.digamma(a + k) - sps.digamma(a)
      elif wrt == 1:
        w = sps.digamma(b + k) - sps.digamma(b)
      else:
        w = sps.digamma(c) - sps.digamma(c + k)
      total = total + term * w
      term = term * (a + k) * (b + k) / (c + k) / (k + 1) * x
      if np.all(np.abs(term) <= eps * np.abs(total)):
        break
  return total


def _hyp2f1_dparam_impl(a, b, c, x, *, wrt):
  out = np.asarray(_hyp2f1_dparam_np(a, b, c, x, wrt=wrt)).astype(np.asarray(x).dtype)
  return out if out.ndim else out[()]


hyp2f1_dparam_p = primitive("hyp2f1_dparam", _hyp2f1_dparam_impl,
                            elementwise_aval("hyp2f1_dparam", floating))
batch_elementwise(hyp2f1_dparam_p)


def _hyp2f1_dparam_jvp(primals, tangents, *, wrt):
  raise NotImplementedError("Differentiating the derivative of hyp2f1 with respect to a, b or "
                            "c (a second derivative in its parameters) is not supported.")


hyp2f1_dparam_p.jvp = _hyp2f1_dparam_jvp


def _hyp2f1_dx(g, a, b, c, x):
  one = _c(x, 1)
  return L.mul(g, L.mul(L.div(L.mul(a, b), c),
                        hyp2f1_p.bind(L.add(a, one), L.add(b, one), L.add(c, one), x)))


defjvp(hyp2f1_p, *[(lambda wrt: lambda g, a, b, c, x: L.mul(g, hyp2f1_dparam_p.bind(
    a, b, c, x, wrt=wrt)))(i) for i in range(3)], _hyp2f1_dx)


def _strong_real_args(fname, *args):
  """Promote to one inexact dtype, broadcast, and drop weak types (JAX's results are strong)."""
  out = _broadcast_promote(fname, *args)
  return [L.convert_element_type(a, dtype_of(a), weak_type=False) for a in out]


def fresnel(x):
  """The Fresnel integrals (S(x), C(x)) = int_0^x (sin, cos)(pi t^2 / 2) dt.

      >>> fresnel(1.)
      (Array(0.43825915, dtype=float32), Array(0.7798934, dtype=float32))
  """
  x, = _strong_real_args("fresnel", x)
  if dtype_of(x).kind == "c":
    raise NotImplementedError("Support for complex-valued inputs is not implemented yet.")
  return fresnel_s_p.bind(x), fresnel_c_p.bind(x)


def sici(x):
  """The sine and cosine integrals (Si(x), Ci(x)); Ci is -inf at 0 and complex for x < 0 in
  SciPy, real (Ci(|x|)) here as in JAX.

      >>> sici(1.)
      (Array(0.94608307, dtype=float32), Array(0.33740395, dtype=float32))
  """
  x, = _strong_real_args("sici", x)
  if dtype_of(x).kind == "c":
    raise ValueError(f"Argument `x` to sici must be real-valued. Got dtype {dtype_of(x)}.")
  return sici_si_p.bind(x), sici_ci_p.bind(x)


def wofz(z):
  """The Faddeeva function w(z) = exp(-z^2) erfc(-i z) (complex result).

      >>> wofz(1.)
      Array(0.36787945+0.6071577j, dtype=complex64)
  """
  z, = _broadcast_promote("wofz", z)
  cdt = np.dtype(np.complex64) if dtype_of(z) in (np.float32, np.complex64) else \
      np.dtype(np.complex128)
  return wofz_p.bind(L.convert_element_type(z, cdt, weak_type=False))


def owens_t(h, a):
  """Owen's T function T(h, a) = (1 / 2 pi) int_0^a exp(-h^2 (1 + x^2) / 2) / (1 + x^2) dx.

      >>> owens_t(0.5, 2.)
      Array(0.1415806, dtype=float32)
  """
  h, a = _strong_real_args("owens_t", h, a)
  return owens_t_p.bind(h, a)


def hyp2f1(a, b, c, x):
  """The Gauss hypergeometric function 2F1(a, b; c; x) (differentiable in all arguments).

      >>> hyp2f1(1., 2., 3., 0.5)
      Array(1.5451774, dtype=float32)
  """
  a, b, c, x = _strong_real_args("hyp2f1", a, b, c, x)
  _reject_complex("hyp2f1", x)
  return hyp2f1_p.bind(a, b, c, x)


# ----------------------------------------------------------------------------------------------
# Bessel J_0 ... J_v by Miller's backward recurrence; spherical harmonics
# ----------------------------------------------------------------------------------------------
def _bessel_jn_step(carry, k):
  f0, f1, bs, z = carry
  f = L.sub(L.div(L.mul(L.mul(_c(k, 2.0), L.add(k, _c(k, 1.0))), f1), z), f0)
  even = L.eq(jnp.mod(k, 2), _c(k, 0))
  bs = L.select(jnp.broadcast_to(even, shape_of(bs)), L.add(bs, L.mul(_c(f, 2.0), f)), bs)
  return (f1, f, bs, z), f


def bessel_jn(z, *, v: int, n_iter: int = 50):
  """Bessel functions of the first kind J_0(z) ... J_v(z) (shape (v + 1, *z.shape)), by
  Miller's backward recurrence from order `n_iter` (Zhang & Jin, as JAX computes them).

      >>> bessel_jn(jnp.array([0.5, 3.]), v=1, n_iter=20)
      Array([[ 0.9384698 , -0.26005197],
             [ 0.24226844,  0.33905897]], dtype=float32)
  """
  import operator
  v = operator.index(v)
  n_iter = operator.index(n_iter)
  z, = promote_args_inexact("bessel_jn", z)
  z = L.convert_element_type(z, dtype_of(z), weak_type=False)
  f0 = jnp.zeros_like(z)
  f1 = L.full_like(z, 1e-16)
  ks = L.iota(dtype_of(z), n_iter + 1)
  (_, _, bs, _), j_vals = L.scan(_bessel_jn_step, (f0, f1, f0, z), ks, reverse=True)
  f = j_vals[0]
  return jnp.divide(j_vals[:v + 1], L.sub(bs, f))


def _sph_harm_aval(n, m, theta, phi):
  for what, a, ok in (("n", n, "iu"), ("m", m, "iu"), ("theta", theta, "f"), ("phi", phi, "f")):
    if a.dtype.kind not in ok:
      raise TypeError(f"sph_harm_y: {what} must have an {'integer' if ok == 'iu' else 'float'} "
                      f"dtype, got {a.dtype.name}")
  if theta.dtype != phi.dtype:
    raise TypeError(f"sph_harm_y: theta and phi must have the same dtype, got "
                    f"{theta.dtype.name} and {phi.dtype.name}")
  from numjax._src.lax.base import broadcast_shapes as _bs
  shape = _bs("sph_harm_y", n.shape, m.shape, theta.shape, phi.shape)
  cdt = np.dtype(np.complex64) if theta.dtype == np.float32 else np.dtype(np.complex128)
  weak = n.weak_type and m.weak_type and theta.weak_type and phi.weak_type
  return core.ShapedArray(shape, cdt, weak)


def _sph_harm_impl(n, m, theta, phi):
  cdt = np.complex64 if np.asarray(theta).dtype == np.float32 else np.complex128
  out = np.asarray(sps.sph_harm_y(n, m, theta.astype(np.float64), phi.astype(np.float64)))
  out = out.astype(cdt)
  return out if out.ndim else out[()]


sph_harm_y_p = primitive("sph_harm_y", _sph_harm_impl, _sph_harm_aval)
batch_elementwise(sph_harm_y_p)


def _sph_harm_dtheta(g, n, m, theta, phi):
  # dY_n^m/dtheta = m cot(theta) Y_n^m + sqrt((n - m)(n + m + 1)) e^{-i phi} Y_n^{m+1}
  y = sph_harm_y_p.bind(n, m, theta, phi)
  cdt = core.get_aval(y).dtype
  fm = L.convert_element_type(m, dtype_of(theta))
  fn = L.convert_element_type(n, dtype_of(theta))
  cot = L.div(L.cos(theta), L.sin(theta))
  up = sph_harm_y_p.bind(n, L.add(m, _c(m, 1)), theta, phi)
  factor = L.sqrt(jnp.maximum(L.mul(L.sub(fn, fm), L.add(L.add(fn, fm), _c(fn, 1))),
                              _c(fn, 0)))
  phase = L.complex(L.cos(phi), L.neg(L.sin(phi)))
  d = L.add(L.mul(L.convert_element_type(L.mul(fm, cot), cdt), y),
            L.mul(L.mul(L.convert_element_type(factor, cdt), phase), up))
  return L.mul(L.convert_element_type(g, cdt), d)


def _sph_harm_dphi(g, n, m, theta, phi):
  # dY/dphi = i m Y
  y = sph_harm_y_p.bind(n, m, theta, phi)
  cdt = core.get_aval(y).dtype
  im = L.convert_element_type(L.mul(L.convert_element_type(m, dtype_of(phi)), g), cdt)
  return L.mul(L.mul(im, _c(y, 1j)), y)


defjvp(sph_harm_y_p, None, None, _sph_harm_dtheta, _sph_harm_dphi)


def sph_harm_y(n, m, theta, phi, diff_n: int | None = None, n_max: int | None = None):
  """The spherical harmonics Y_n^m(theta, phi) (theta the polar angle), as SciPy's
  `sph_harm_y`; degrees above `n_max` are clipped to it, as in JAX. `n_max` defaults to
  max(n), which must then be concrete. Differentiable in theta and phi.

      >>> sph_harm_y(jnp.array([1]), jnp.array([1]), jnp.array([0.3]), jnp.array([0.4]))
      Array([-0.09404077-0.0397598j], dtype=complex64)
  """
  if diff_n is not None:
    raise NotImplementedError(
        "The 'diff_n' argument to jax.scipy.special.sph_harm_y is not supported.")
  if isinstance(theta, (int, float)) and not isinstance(theta, bool):
    theta = jnp.array([theta])
  if n_max is None:
    n_c = core.concrete_value(n)
    if n_c is None:
      raise core.ConcretizationTypeError(
          n, "The `n_max` argument of `jnp.scipy.special.sph_harm` must be statically "
          "specified to use `sph_harm` within JAX transformations.")
    n_max = np.max(n_c)
  n_max = int(n_max)
  n = jnp.asarray(n)
  m = jnp.asarray(m)
  itype = dtypes.default_int()
  n = L.convert_element_type(jnp.clip(n, 0, n_max), itype, weak_type=False)
  m = L.convert_element_type(jnp.clip(m, -n_max, n_max), itype, weak_type=False)
  theta, phi = _promote_inexact_strong(theta, phi)
  shape = _util_broadcast_shapes(shape_of(n), shape_of(m), shape_of(theta), shape_of(phi))
  n, m, theta, phi = (jnp.broadcast_to(a, shape) for a in (n, m, theta, phi))
  return sph_harm_y_p.bind(n, m, theta, phi)


def _promote_inexact_strong(*args):
  from numjax._src.numpy.util import promote_dtypes_inexact
  out = promote_dtypes_inexact(*args)
  return [L.convert_element_type(a, dtype_of(a), weak_type=False) for a in out]
