"""`numjax.scipy.stats`: probability distributions, as `jax.scipy.stats` has them.

Each distribution is a small namespace class here (`norm.logpdf`, `gamma.cdf`, ...); the
public modules `numjax.scipy.stats.<name>` re-export its functions. Arguments are promoted
to a common inexact dtype and broadcast together; everything is written with jnp/lax ops.

    >>> from numjax.scipy.stats import norm
    >>> norm.logpdf(0.)
    Array(-0.9189385, dtype=float32, weak_type=True)
"""
from __future__ import annotations

import numpy as np

from numjax._src.lax import lax as L
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import (dtype_of, ndim_of, promote_args_inexact,
                                    promote_dtypes_inexact, shape_of)
from numjax._src.scipy import special as sp


def _c(x, v):
  return L._const(x, v)


class norm:
  """The normal distribution N(loc, scale^2)."""

  @staticmethod
  def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("norm.logpdf", x, loc, scale)
    var = L.mul(scale, scale)
    z2 = L.div(L.square(L.sub(x, loc)), var)
    return L.mul(_c(x, -0.5), L.add(L.log(L.mul(_c(x, 2 * np.pi), var)), z2))

  @staticmethod
  def pdf(x, loc=0, scale=1):
    return L.exp(norm.logpdf(x, loc, scale))

  @staticmethod
  def cdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("norm.cdf", x, loc, scale)
    return sp.ndtr(L.div(L.sub(x, loc), scale))

  @staticmethod
  def logcdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("norm.logcdf", x, loc, scale)
    return sp.log_ndtr(L.div(L.sub(x, loc), scale))

  @staticmethod
  def sf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("norm.sf", x, loc, scale)
    return norm.cdf(L.neg(x), L.neg(loc), scale)

  @staticmethod
  def logsf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("norm.logsf", x, loc, scale)
    return norm.logcdf(L.neg(x), L.neg(loc), scale)

  @staticmethod
  def ppf(q, loc=0, scale=1):
    q, loc, scale = promote_args_inexact("norm.ppf", q, loc, scale)
    return jnp.add(jnp.multiply(sp.ndtri(q), scale), loc)

  @staticmethod
  def isf(q, loc=0, scale=1):
    q, loc, scale = promote_args_inexact("norm.isf", q, loc, scale)
    return norm.ppf(L.sub(_c(q, 1), q), loc, scale)


class multivariate_normal:
  """The multivariate normal distribution N(mean, cov); leading axes of x, mean, cov batch."""

  @staticmethod
  def logpdf(x, mean, cov, allow_singular=None):
    if allow_singular is not None:
      raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
    x, mean, cov = promote_dtypes_inexact(x, mean, cov)
    log2pi = float(np.log(2 * np.pi))
    if not shape_of(mean):
      return (jnp.square(x - mean) / cov * -0.5) - 0.5 * (log2pi + jnp.log(cov))
    n = shape_of(mean)[-1]
    if not shape_of(cov):
      y = x - mean
      return jnp.sum(y * y, axis=-1) / cov * -0.5 - n / 2 * (log2pi + jnp.log(cov))
    if ndim_of(cov) < 2 or shape_of(cov)[-2:] != (n, n):
      raise ValueError("multivariate_normal.logpdf got incompatible shapes")
    from numjax._src.lax import linalg as lax_linalg
    chol = lax_linalg.cholesky(cov)
    y = x - mean
    batch = _util_broadcast_shapes(shape_of(chol)[:-2], shape_of(y)[:-1])
    chol_b = jnp.broadcast_to(chol, batch + (n, n))
    y_b = jnp.broadcast_to(y, batch + (n,))
    # Solve L z = y (z = L^-1 (x - mean)), with y as a column.
    z = lax_linalg.triangular_solve(chol_b, y_b[..., None], left_side=True, lower=True)[..., 0]
    log_det_half = jnp.sum(jnp.log(jnp.diagonal(chol_b, axis1=-2, axis2=-1)), axis=-1)
    return jnp.sum(z * z, axis=-1) * -0.5 - n / 2 * log2pi - log_det_half

  @staticmethod
  def pdf(x, mean, cov):
    return L.exp(multivariate_normal.logpdf(x, mean, cov))


class bernoulli:
  """The Bernoulli distribution with success probability p."""

  @staticmethod
  def logpmf(k, p, loc=0):
    k, p, loc = promote_args_inexact("bernoulli.logpmf", k, p, loc)
    x = L.sub(k, loc)
    logp = jnp.add(sp.xlogy(x, p), sp.xlog1py(L.sub(_c(x, 1), x), L.neg(p)))
    outside = jnp.logical_or(L.lt(x, _c(x, 0)), L.gt(x, _c(x, 1)))
    return jnp.where(outside, -np.inf, logp)

  @staticmethod
  def pmf(k, p, loc=0):
    return jnp.exp(bernoulli.logpmf(k, p, loc))

  @staticmethod
  def cdf(k, p):
    k, p = promote_args_inexact("bernoulli.cdf", k, p)
    zero, one = _c(k, 0), _c(k, 1)
    bad = jnp.isnan(k) | jnp.isnan(p) | (p < zero) | (p > one)
    val = jnp.where(k < zero, zero, jnp.where(k < one, one - p, one))
    return jnp.where(bad, np.nan, val)

  @staticmethod
  def ppf(q, p):
    q, p = promote_args_inexact("bernoulli.ppf", q, p)
    zero, one = _c(q, 0), _c(q, 1)
    bad = jnp.isnan(q) | jnp.isnan(p) | (p < zero) | (p > one) | (q < zero) | (q > one)
    return jnp.where(bad, np.nan, jnp.where(q <= one - p, zero, one))


class beta:
  """The beta distribution with shape parameters a, b on [loc, loc + scale]."""

  @staticmethod
  def logpdf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = promote_args_inexact("beta.logpdf", x, a, b, loc, scale)
    one = _c(x, 1)
    y = L.div(L.sub(x, loc), scale)
    lin = jnp.add(sp.xlogy(L.sub(a, one), y), sp.xlog1py(L.sub(b, one), L.neg(y)))
    logp = jnp.subtract(jnp.subtract(lin, sp.betaln(a, b)), jnp.log(scale))
    outside = jnp.logical_or(jnp.greater(x, jnp.add(loc, scale)), jnp.less(x, loc))
    out = jnp.where(outside, -np.inf, logp)
    bad = (a <= 0) | (b <= 0) | (scale <= 0)
    return jnp.where(bad, np.nan, out)

  @staticmethod
  def pdf(x, a, b, loc=0, scale=1):
    return L.exp(beta.logpdf(x, a, b, loc, scale))

  @staticmethod
  def cdf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = promote_args_inexact("beta.cdf", x, a, b, loc, scale)
    y = jnp.clip(jnp.divide(jnp.subtract(x, loc), scale), 0, 1)
    return sp.betainc(a, b, y)

  @staticmethod
  def logcdf(x, a, b, loc=0, scale=1):
    return jnp.log(beta.cdf(x, a, b, loc, scale))

  @staticmethod
  def sf(x, a, b, loc=0, scale=1):
    x, a, b, loc, scale = promote_args_inexact("beta.sf", x, a, b, loc, scale)
    y = jnp.clip(jnp.divide(jnp.subtract(x, loc), scale), 0, 1)
    return sp.betainc(b, a, 1 - y)

  @staticmethod
  def logsf(x, a, b, loc=0, scale=1):
    return jnp.log(beta.sf(x, a, b, loc, scale))


class gamma:
  """The gamma distribution with shape a (rate 1 / scale), shifted by loc."""

  @staticmethod
  def logpdf(x, a, loc=0, scale=1):
    x, a, loc, scale = promote_args_inexact("gamma.logpdf", x, a, loc, scale)
    ok = jnp.greater_equal(x, loc)
    y = jnp.where(ok, jnp.divide(jnp.subtract(x, loc), scale), 1)
    logp = jnp.subtract(jnp.subtract(sp.xlogy(jnp.subtract(a, 1), y), y),
                        jnp.add(sp.gammaln(a), jnp.log(scale)))
    return jnp.where(ok, logp, -np.inf)

  @staticmethod
  def pdf(x, a, loc=0, scale=1):
    return L.exp(gamma.logpdf(x, a, loc, scale))

  @staticmethod
  def cdf(x, a, loc=0, scale=1):
    x, a, loc, scale = promote_args_inexact("gamma.cdf", x, a, loc, scale)
    y = jnp.clip(jnp.divide(jnp.subtract(x, loc), scale), 0, np.inf)
    return sp.gammainc(a, y)

  @staticmethod
  def logcdf(x, a, loc=0, scale=1):
    return jnp.log(gamma.cdf(x, a, loc, scale))

  @staticmethod
  def sf(x, a, loc=0, scale=1):
    x, a, loc, scale = promote_args_inexact("gamma.sf", x, a, loc, scale)
    y = jnp.divide(jnp.subtract(x, loc), scale)
    return jnp.where(jnp.less(y, 0), 1, sp.gammaincc(a, jnp.maximum(y, 0)))

  @staticmethod
  def logsf(x, a, loc=0, scale=1):
    return jnp.log(gamma.sf(x, a, loc, scale))


class t:
  """Student's t distribution with df degrees of freedom."""

  @staticmethod
  def logpdf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote_args_inexact("t.logpdf", x, df, loc, scale)
    z = L.div(L.sub(x, loc), scale)
    half_df = L.mul(df, _c(df, 0.5))
    half_df1 = L.add(half_df, _c(df, 0.5))
    log_norm = L.add(L.sub(L.lgamma(half_df), L.lgamma(half_df1)),
                     L.mul(_c(x, 0.5), L.log(L.mul(L.mul(L.mul(scale, scale),
                                                         _c(x, np.pi)), df))))
    return L.neg(L.add(log_norm, L.mul(half_df1, L.log1p(L.div(L.mul(z, z), df)))))

  @staticmethod
  def pdf(x, df, loc=0, scale=1):
    return L.exp(t.logpdf(x, df, loc, scale))


class uniform:
  """The uniform distribution on [loc, loc + scale]."""

  @staticmethod
  def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("uniform.logpdf", x, loc, scale)
    logp = L.neg(L.log(scale))
    outside = jnp.logical_or(jnp.greater(x, jnp.add(loc, scale)), jnp.less(x, loc))
    return jnp.where(outside, -np.inf, logp)

  @staticmethod
  def pdf(x, loc=0, scale=1):
    return L.exp(uniform.logpdf(x, loc, scale))

  @staticmethod
  def cdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("uniform.cdf", x, loc, scale)
    hi = jnp.add(loc, scale)
    inside = jnp.divide(jnp.subtract(x, loc), scale)
    out = jnp.where(jnp.less(x, loc), 0., jnp.where(jnp.greater(x, hi), 1., inside))
    return jnp.asarray(out, dtype_of(x)) if dtype_of(out) != dtype_of(x) else out

  @staticmethod
  def ppf(q, loc=0, scale=1):
    q, loc, scale = promote_args_inexact("uniform.ppf", q, loc, scale)
    bad = jnp.isnan(q) | (q < 0) | (q > 1)
    return jnp.where(bad, np.nan, jnp.add(loc, jnp.multiply(scale, q)))


class expon:
  """The exponential distribution with rate 1 / scale, shifted by loc."""

  @staticmethod
  def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("expon.logpdf", x, loc, scale)
    logp = L.neg(L.add(L.div(L.sub(x, loc), scale), L.log(scale)))
    return jnp.where(jnp.less(x, loc), -np.inf, logp)

  @staticmethod
  def pdf(x, loc=0, scale=1):
    return L.exp(expon.logpdf(x, loc, scale))

  @staticmethod
  def cdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("expon.cdf", x, loc, scale)
    neg_z = L.div(L.sub(loc, x), scale)
    return jnp.where(jnp.less(x, loc), jnp.zeros_like(neg_z), L.neg(L.expm1(neg_z)))

  @staticmethod
  def logsf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("expon.sf", x, loc, scale)
    neg_z = L.div(L.sub(loc, x), scale)
    return jnp.where(jnp.less(x, loc), jnp.zeros_like(neg_z), neg_z)

  @staticmethod
  def sf(x, loc=0, scale=1):
    return L.exp(expon.logsf(x, loc, scale))

  @staticmethod
  def logcdf(x, loc=0, scale=1):
    return L.log1p(L.neg(expon.sf(x, loc, scale)))

  @staticmethod
  def ppf(q, loc=0, scale=1):
    q, loc, scale = promote_args_inexact("expon.ppf", q, loc, scale)
    bad = jnp.isnan(q) | (q < 0) | (q > 1)
    return jnp.where(bad, np.nan, L.sub(loc, L.mul(scale, L.log1p(L.neg(q)))))


class laplace:
  """The Laplace distribution with location loc and scale."""

  @staticmethod
  def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("laplace.logpdf", x, loc, scale)
    return L.neg(L.add(L.div(L.abs(L.sub(x, loc)), scale), L.log(L.mul(_c(x, 2), scale))))

  @staticmethod
  def pdf(x, loc=0, scale=1):
    return L.exp(laplace.logpdf(x, loc, scale))

  @staticmethod
  def cdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("laplace.cdf", x, loc, scale)
    z = L.div(L.sub(x, loc), scale)
    half = _c(x, 0.5)
    return L.select(L.le(z, _c(z, 0)), L.mul(half, L.exp(z)),
                    L.sub(_c(x, 1), L.mul(half, L.exp(L.neg(z)))))


class logistic:
  """The logistic distribution."""

  @staticmethod
  def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("logistic.logpdf", x, loc, scale)
    z = L.div(L.sub(x, loc), scale)
    half = L.div(z, _c(z, 2))
    return L.sub(L.mul(_c(z, -2), jnp.logaddexp(half, L.neg(half))), L.log(scale))

  @staticmethod
  def pdf(x, loc=0, scale=1):
    return L.exp(logistic.logpdf(x, loc, scale))

  @staticmethod
  def cdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("logistic.cdf", x, loc, scale)
    return sp.expit(L.div(L.sub(x, loc), scale))

  @staticmethod
  def sf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("logistic.sf", x, loc, scale)
    return sp.expit(L.neg(L.div(L.sub(x, loc), scale)))

  @staticmethod
  def ppf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("logistic.ppf", x, loc, scale)
    return L.add(L.mul(sp.logit(x), scale), loc)

  @staticmethod
  def isf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("logistic.isf", x, loc, scale)
    return L.add(L.mul(L.neg(sp.logit(x)), scale), loc)


class cauchy:
  """The Cauchy distribution."""

  @staticmethod
  def logpdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("cauchy.logpdf", x, loc, scale)
    z = L.div(L.sub(x, loc), scale)
    return L.neg(L.add(L.log(L.mul(_c(x, np.pi), scale)), L.log1p(L.mul(z, z))))

  @staticmethod
  def pdf(x, loc=0, scale=1):
    return L.exp(cauchy.logpdf(x, loc, scale))

  @staticmethod
  def cdf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("cauchy.cdf", x, loc, scale)
    z = L.div(L.sub(x, loc), scale)
    return L.add(_c(x, 0.5), L.mul(_c(x, 1 / np.pi), L.atan(z)))

  @staticmethod
  def logcdf(x, loc=0, scale=1):
    return L.log(cauchy.cdf(x, loc, scale))

  @staticmethod
  def sf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("cauchy.sf", x, loc, scale)
    return cauchy.cdf(L.neg(x), L.neg(loc), scale)

  @staticmethod
  def logsf(x, loc=0, scale=1):
    x, loc, scale = promote_args_inexact("cauchy.logsf", x, loc, scale)
    return cauchy.logcdf(L.neg(x), L.neg(loc), scale)

  @staticmethod
  def ppf(q, loc=0, scale=1):
    q, loc, scale = promote_args_inexact("cauchy.ppf", q, loc, scale)
    u = L.tan(L.sub(L.mul(_c(q, np.pi), q), _c(q, np.pi / 2)))
    return L.add(L.mul(u, scale), loc)

  @staticmethod
  def isf(q, loc=0, scale=1):
    q, loc, scale = promote_args_inexact("cauchy.isf", q, loc, scale)
    u = L.tan(L.sub(_c(q, np.pi / 2), L.mul(_c(q, np.pi), q)))
    return L.add(L.mul(u, scale), loc)


class poisson:
  """The Poisson distribution with mean mu."""

  @staticmethod
  def logpmf(k, mu, loc=0):
    k, mu, loc = promote_args_inexact("poisson.logpmf", k, mu, loc)
    x = L.sub(k, loc)
    logp = jnp.subtract(jnp.subtract(sp.xlogy(x, mu), sp.gammaln(jnp.add(x, 1))), mu)
    bad = jnp.logical_or(jnp.less(x, 0), jnp.not_equal(jnp.round(k), k))
    return jnp.where(bad, -np.inf, logp)

  @staticmethod
  def pmf(k, mu, loc=0):
    return jnp.exp(poisson.logpmf(k, mu, loc))

  @staticmethod
  def cdf(k, mu, loc=0):
    k, mu, loc = promote_args_inexact("poisson.cdf", k, mu, loc)
    x = L.sub(k, loc)
    p = sp.gammaincc(jnp.floor(jnp.add(jnp.maximum(x, 0), 1)), mu)
    return jnp.where(jnp.less(x, 0), jnp.zeros_like(p), p)


class binom:
  """The binomial distribution with n trials and success probability p."""

  @staticmethod
  def logpmf(k, n, p, loc=0):
    k, n, p, loc = promote_args_inexact("binom.logpmf", k, n, p, loc)
    y = L.sub(k, loc)
    comb = jnp.subtract(sp.gammaln(jnp.add(n, 1)),
                        jnp.add(sp.gammaln(jnp.add(y, 1)),
                                sp.gammaln(jnp.add(jnp.subtract(n, y), 1))))
    lin = jnp.add(sp.xlogy(y, p), sp.xlog1py(jnp.subtract(n, y), jnp.negative(p)))
    logp = jnp.add(comb, lin)
    degenerate = jnp.logical_or(jnp.logical_and(jnp.equal(y, 0), jnp.equal(n, 0)),
                                jnp.equal(lin, 0))
    logp = jnp.where(degenerate, 0., logp)
    inside = jnp.logical_and(jnp.greater_equal(k, loc), jnp.less(k, jnp.add(jnp.add(loc, n), 1)))
    return jnp.where(inside, logp, -np.inf)

  @staticmethod
  def pmf(k, n, p, loc=0):
    return L.exp(binom.logpmf(k, n, p, loc))


class dirichlet:
  """The Dirichlet distribution; x's first axis holds the K (or K - 1) components."""

  @staticmethod
  def logpdf(x, alpha):
    x, alpha = promote_dtypes_inexact(x, alpha)
    if ndim_of(alpha) != 1:
      raise ValueError(f"`alpha` must be one-dimensional; got alpha.shape={shape_of(alpha)}")
    k = shape_of(alpha)[0]
    if shape_of(x)[0] not in (k, k - 1):
      raise ValueError("`x` must have either the same number of entries as `alpha` or one "
                       f"entry fewer; got x.shape={shape_of(x)}, alpha.shape={shape_of(alpha)}")
    if shape_of(x)[0] != k:
      x = jnp.concatenate([x, jnp.subtract(1, jnp.sum(x, 0, keepdims=True))], axis=0)
    log_norm = jnp.subtract(jnp.sum(sp.gammaln(alpha)), sp.gammaln(jnp.sum(alpha)))
    if ndim_of(x) > 1:
      alpha = L.broadcast_in_dim(alpha, shape_of(alpha) + (1,) * (ndim_of(x) - 1), (0,))
    logp = jnp.subtract(jnp.sum(sp.xlogy(jnp.subtract(alpha, 1), x), axis=0), log_norm)
    simplex = jnp.logical_and(jnp.all(jnp.greater(x, 0), axis=0),
                              jnp.less(jnp.abs(jnp.subtract(jnp.sum(x, axis=0), 1)), 1e-6))
    return jnp.where(simplex, logp, -np.inf)

  @staticmethod
  def pdf(x, alpha):
    return L.exp(dirichlet.logpdf(x, alpha))


class chi2:
  """The chi-squared distribution with df degrees of freedom."""

  @staticmethod
  def logpdf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote_args_inexact("chi2.logpdf", x, df, loc, scale)
    return gamma.logpdf(x, jnp.divide(df, 2), loc, jnp.multiply(scale, 2))

  @staticmethod
  def pdf(x, df, loc=0, scale=1):
    return L.exp(chi2.logpdf(x, df, loc, scale))

  @staticmethod
  def cdf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote_args_inexact("chi2.cdf", x, df, loc, scale)
    return gamma.cdf(x, jnp.divide(df, 2), loc, jnp.multiply(scale, 2))

  @staticmethod
  def sf(x, df, loc=0, scale=1):
    x, df, loc, scale = promote_args_inexact("chi2.sf", x, df, loc, scale)
    return gamma.sf(x, jnp.divide(df, 2), loc, jnp.multiply(scale, 2))


class geom:
  """The geometric distribution (number of trials to the first success)."""

  @staticmethod
  def logpmf(k, p, loc=0):
    k, p, loc = promote_args_inexact("geom.logpmf", k, p, loc)
    x = L.sub(k, loc)
    logp = jnp.add(sp.xlog1py(jnp.subtract(x, 1), jnp.negative(p)), jnp.log(p))
    return jnp.where(jnp.less_equal(x, 0), -np.inf, logp)

  @staticmethod
  def pmf(k, p, loc=0):
    return jnp.exp(geom.logpmf(k, p, loc))


class pareto:
  """The Pareto distribution with shape b."""

  @staticmethod
  def logpdf(x, b, loc=0, scale=1):
    x, b, loc, scale = promote_args_inexact("pareto.logpdf", x, b, loc, scale)
    z = jnp.divide(jnp.subtract(x, loc), scale)
    logp = jnp.subtract(jnp.subtract(jnp.log(b), jnp.log(scale)),
                        jnp.multiply(jnp.add(b, 1), jnp.log(z)))
    return jnp.where(jnp.less(z, 1), -np.inf, logp)

  @staticmethod
  def pdf(x, b, loc=0, scale=1):
    return L.exp(pareto.logpdf(x, b, loc, scale))


# ----------------------------------------------------------------------------------------------
# Distributions declared from their log functions: `_distribution` makes the namespace class and
# adds X = exp(logX) for every logX given without its X (pdf, pmf, cdf, sf).
# ----------------------------------------------------------------------------------------------
def _jnp():
  import numjax.numpy
  return numjax.numpy


def _exp_of(log_fn):
  def fn(*args, **kwargs):
    return L.exp(log_fn(*args, **kwargs))
  fn.__name__ = log_fn.__name__[3:] if log_fn.__name__.startswith("log") else log_fn.__name__
  fn.__doc__ = f"exp({log_fn.__name__}(...))."
  return fn


def _distribution(name: str, doc: str, **fns):
  attrs = {"__doc__": doc, "__module__": __name__}
  for key, fn in fns.items():
    attrs[key] = staticmethod(fn)
    if key.startswith("log") and key[3:] not in fns:
      attrs[key[3:]] = staticmethod(_exp_of(fn))
  return type(name, (), attrs)


def _nan_unless(ok, value):
  return jnp.where(ok, value, np.nan)


# --- beta-binomial, negative binomial, multinomial ---------------------------------------------
def _betabinom_logpmf(k, n, a, b, loc=0):
  k, n, a, b, loc = promote_args_inexact("betabinom.logpmf", k, n, a, b, loc)
  y = L.sub(L.floor(k), loc)
  one, zero = _c(y, 1), _c(y, 0)
  combiln = L.neg(L.add(L.log1p(n), sp.betaln(L.add(L.sub(n, y), one), L.add(y, one))))
  beta_lns = L.sub(sp.betaln(L.add(y, a), L.add(L.sub(n, y), b)), sp.betaln(a, b))
  logp = L.add(combiln, beta_lns)
  logp = jnp.where(jnp.logical_and(L.eq(y, zero), L.eq(n, zero)), 0., logp)
  outside = (y < L.neg(loc)) | (y > n) | (L.add(y, a) <= zero)
  logp = jnp.where(outside, -np.inf, logp)
  return _nan_unless(~((n < zero) | (a <= zero) | (b <= zero)), logp)


betabinom = _distribution("betabinom", "The beta-binomial distribution (n trials, shapes a, b).",
                          logpmf=_betabinom_logpmf)


def _nbinom_logpmf(k, n, p, loc=0):
  k, n, p, loc = promote_args_inexact("nbinom.logpmf", k, n, p, loc)
  one = _c(k, 1)
  y = L.sub(k, loc)
  comb = L.sub(L.sub(sp.gammaln(L.add(y, n)), sp.gammaln(n)), sp.gammaln(L.add(y, one)))
  logp = L.add(comb, L.add(sp.xlogy(n, p), sp.xlogy(y, L.sub(one, p))))
  return jnp.where(L.lt(k, loc), -np.inf, logp)


nbinom = _distribution("nbinom", "The negative binomial distribution: failures before the n-th "
                       "success with success probability p.", logpmf=_nbinom_logpmf)


def _multinomial_logpmf(x, n, p):
  from numjax._src.numpy.util import promote_args_numeric
  p, = promote_args_inexact("multinomial.logpmf", p)
  x, n = promote_args_numeric("multinomial.logpmf", x, n)
  if dtype_of(x).kind not in "iu":
    raise ValueError(f"x and n must be of integer type; got x.dtype={dtype_of(x)}, "
                     f"n.dtype={dtype_of(n)}")
  x, n = x.astype(dtype_of(p)), n.astype(dtype_of(p))
  logp = jnp.add(sp.gammaln(n + 1), jnp.sum(sp.xlogy(x, p) - sp.gammaln(x + 1), axis=-1))
  return jnp.where(jnp.equal(jnp.sum(x), n), logp, -np.inf)


multinomial = _distribution("multinomial", "The multinomial distribution of counts x (last "
                            "axis) over n trials with probabilities p.",
                            logpmf=_multinomial_logpmf)


# --- generalized normal, Gumbel, von Mises, wrapped Cauchy --------------------------------------
def _gennorm_logpdf(x, beta):
  x, beta = promote_args_inexact("gennorm.logpdf", x, beta)
  return L.sub(L.sub(L.log(L.mul(_c(beta, 0.5), beta)), L.lgamma(L.div(_c(beta, 1), beta))),
               L.pow(L.abs(x), beta))


def _gennorm_cdf(x, beta):
  x, beta = promote_args_inexact("gennorm.cdf", x, beta)
  g = sp.gammainc(L.div(_c(beta, 1), beta), L.pow(L.abs(x), beta))
  return L.mul(_c(x, 0.5), L.add(_c(x, 1), L.mul(L.sign(x), g)))


gennorm = _distribution("gennorm", "The generalized normal distribution with shape beta.",
                        logpdf=_gennorm_logpdf, cdf=_gennorm_cdf)


def _gumbel_args(fname, x, loc, scale):
  x, loc, scale = promote_args_inexact(fname, x, loc, scale)
  return L.div(L.sub(x, loc), scale), L.gt(scale, _c(scale, 0)), scale


def _gumbel_l_logpdf(x, loc=0, scale=1):
  z, ok, scale = _gumbel_args("gumbel_l.logpdf", x, loc, scale)
  return _nan_unless(ok, L.add(sp.xlogy(-1, scale), L.sub(z, L.exp(z))))


def _gumbel_l_logcdf(x, loc=0, scale=1):
  z, ok, _ = _gumbel_args("gumbel_l.logcdf", x, loc, scale)
  return _nan_unless(ok, L.log(L.neg(L.expm1(L.neg(L.exp(z))))))


def _gumbel_l_logsf(x, loc=0, scale=1):
  z, ok, _ = _gumbel_args("gumbel_l.logsf", x, loc, scale)
  return _nan_unless(ok, L.neg(L.exp(z)))


def _gumbel_l_ppf(p, loc=0, scale=1):
  p, loc, scale = promote_args_inexact("gumbel_l.ppf", p, loc, scale)
  ok = L.bitwise_and(L.gt(p, _c(p, 0)), L.lt(p, _c(p, 1)))
  return _nan_unless(ok, L.add(loc, L.mul(scale, L.log(sp.xlog1py(-1, L.neg(p))))))


gumbel_l = _distribution("gumbel_l", "The left-skewed Gumbel distribution.",
                         logpdf=_gumbel_l_logpdf, logcdf=_gumbel_l_logcdf,
                         logsf=_gumbel_l_logsf, ppf=_gumbel_l_ppf)


def _gumbel_r_logpdf(x, loc=0, scale=1):
  z, ok, scale = _gumbel_args("gumbel_r.logpdf", x, loc, scale)
  return _nan_unless(ok, L.add(sp.xlogy(-1, scale), L.neg(L.add(z, L.exp(L.neg(z))))))


def _gumbel_r_logcdf(x, loc=0, scale=1):
  z, ok, _ = _gumbel_args("gumbel_r.logcdf", x, loc, scale)
  return _nan_unless(ok, L.neg(L.exp(L.neg(z))))


def _gumbel_r_sf(x, loc=0, scale=1):
  z, ok, _ = _gumbel_args("gumbel_r.sf", x, loc, scale)
  return _nan_unless(ok, L.neg(L.expm1(L.neg(L.exp(L.neg(z))))))


def _gumbel_r_logsf(x, loc=0, scale=1):
  z, ok, _ = _gumbel_args("gumbel_r.logsf", x, loc, scale)
  # log(1 - exp(-e)) with e = exp(-z), accurate for small and large e
  e = L.exp(L.neg(z))
  small = L.lt(e, _c(e, np.log(2)))
  val = jnp.where(small, L.log(L.neg(L.expm1(L.neg(e)))), L.log1p(L.neg(L.exp(L.neg(e)))))
  return _nan_unless(ok, val)


def _gumbel_r_ppf(p, loc=0, scale=1):
  p, loc, scale = promote_args_inexact("gumbel_r.ppf", p, loc, scale)
  ok = L.bitwise_and(L.gt(p, _c(p, 0)), L.lt(p, _c(p, 1)))
  return _nan_unless(ok, L.sub(loc, L.mul(scale, L.log(sp.xlogy(-1, p)))))


gumbel_r = _distribution("gumbel_r", "The right-skewed Gumbel distribution.",
                         logpdf=_gumbel_r_logpdf, logcdf=_gumbel_r_logcdf, sf=_gumbel_r_sf,
                         logsf=_gumbel_r_logsf, ppf=_gumbel_r_ppf)


def _vonmises_logpdf(x, kappa):
  x, kappa = promote_args_inexact("vonmises.logpdf", x, kappa)
  val = L.sub(L.mul(kappa, L.sub(L.cos(x), _c(x, 1))),
              L.log(L.mul(_c(kappa, 2 * np.pi), sp.bessel_i0e(kappa))))
  return _nan_unless(L.gt(kappa, _c(kappa, 0)), val)


vonmises = _distribution("vonmises", "The von Mises distribution with concentration kappa.",
                         logpdf=_vonmises_logpdf)


def _wrapcauchy_logpdf(x, c):
  x, c = promote_args_inexact("wrapcauchy.logpdf", x, c)
  one = _c(c, 1)
  val = L.sub(L.sub(L.log1p(L.neg(L.mul(c, c))), _c(x, np.log(2 * np.pi))),
              L.log(L.sub(L.add(one, L.mul(c, c)), L.mul(L.mul(_c(c, 2), c), L.cos(x)))))
  inside = L.bitwise_and(L.ge(x, _c(x, 0)), L.le(x, _c(x, 2 * np.pi)))
  return _nan_unless(L.bitwise_and(L.gt(c, _c(c, 0)), L.lt(c, one)),
                     jnp.where(inside, val, -np.inf))


wrapcauchy = _distribution("wrapcauchy", "The wrapped Cauchy distribution on [0, 2 pi].",
                           logpdf=_wrapcauchy_logpdf)


# --- truncated normal ---------------------------------------------------------------------------
def _log_diff(x, y):
  """log(exp(x) - exp(y)) for x >= y."""
  return sp.logsumexp(jnp.stack([x, y]), b=jnp.stack([jnp.ones_like(x), -jnp.ones_like(y)]),
                      axis=0)


def _log_gauss_mass(a, b):
  """log of the standard normal mass on [a, b], accurate in both tails."""
  a, b = jnp.broadcast_arrays(a, b)
  left, right = b <= 0, a > 0
  a_tail = jnp.where(right, -b, a)
  b_tail = jnp.where(right, -a, b)
  tail = _log_diff(sp.log_ndtr(b_tail), sp.log_ndtr(a_tail))
  central = jnp.log1p(-sp.ndtr(a) - sp.ndtr(-b))
  return jnp.where(~(left | right), central, tail)


def _truncnorm_logpdf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote_args_inexact("truncnorm.logpdf", x, a, b, loc, scale)
  val = L.sub(norm.logpdf(x, loc, scale), _log_gauss_mass(a, b))
  z = L.div(L.sub(x, loc), scale)
  val = jnp.where((z < a) | (z > b), -np.inf, val)
  return jnp.where(a >= b, np.nan, val)


def _truncnorm_logcdf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote_args_inexact("truncnorm.logcdf", x, a, b, loc, scale)
  x, a, b = jnp.broadcast_arrays(x, a, b)
  x = L.div(L.sub(x, loc), scale)
  mass = _log_gauss_mass(a, b)
  logcdf = _log_gauss_mass(a, x) - mass
  logsf = _log_gauss_mass(x, b) - mass
  logcdf = _jnp().select([x >= b, x <= a, logcdf > -0.1, x > a],
                      [0, -np.inf, jnp.log1p(-jnp.exp(logsf)), logcdf])
  return jnp.where(a >= b, np.nan, logcdf)


def _truncnorm_logsf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote_args_inexact("truncnorm.logsf", x, a, b, loc, scale)
  return _truncnorm_logcdf(-x, -b, -a, -loc, scale)


truncnorm = _distribution("truncnorm", "The normal distribution truncated to [a, b] (in "
                          "standard units).", logpdf=_truncnorm_logpdf,
                          logcdf=_truncnorm_logcdf, logsf=_truncnorm_logsf)


# ----------------------------------------------------------------------------------------------
# Summary statistics: mode, rankdata, sem
# ----------------------------------------------------------------------------------------------
def _check_nan_policy(fname: str, nan_policy: str) -> None:
  if nan_policy not in ["propagate", "omit", "raise"]:
    raise ValueError(f"Illegal nan_policy value {nan_policy!r}; expected one of "
                     "{'propagate', 'omit', 'raise'}")
  if nan_policy == "omit":
    raise NotImplementedError(f"Logic for `nan_policy` of {nan_policy} is not implemented")
  if nan_policy == "raise":
    raise NotImplementedError(
        f"In order to best JIT compile `{fname}`, we cannot know whether `x` contains nans. "
        "Please check if nans exist in `x` outside of the `{fname}` function.".replace(
            "{fname}", fname))


class ModeResult(tuple):
  """(mode, count), as SciPy's and JAX's ModeResult named tuple."""

  def __new__(cls, mode, count):
    return super().__new__(cls, (mode, count))

  mode = property(lambda self: self[0])
  count = property(lambda self: self[1])

  def __repr__(self):
    return f"ModeResult(mode={self[0]!r}, count={self[1]!r})"


def _register_mode_result():
  from numjax._src import tree_util
  tree_util.register_pytree_node(ModeResult, lambda r: (tuple(r), None),
                                 lambda _, xs: ModeResult(*xs))


_register_mode_result()


def mode(a, axis: int | None = 0, nan_policy: str = "propagate", keepdims: bool = False):
  """The most common value along `axis` (the smallest among ties) and its count.

      >>> mode(jnp.array([1, 3, 3, 2]))
      ModeResult(mode=Array(3, dtype=int32), count=Array(2, dtype=int32))
  """
  from numjax._src.numpy.util import canonicalize_axis, check_arraylike
  check_arraylike("mode", a)
  x = _jnp().atleast_1d(a)
  _check_nan_policy("mode", nan_policy)
  shape = shape_of(x)
  if axis is not None:
    axis = canonicalize_axis(axis, len(shape))
    out_shape = tuple((1 if i == axis else s) for i, s in enumerate(shape) if keepdims or i != axis)
  else:
    out_shape = (1,) * len(shape) if keepdims else ()
    x, axis = jnp.ravel(x), 0
  x = _jnp().moveaxis(x, axis, -1)
  n = shape_of(x)[-1]
  if n == 0:
    from numjax._src import dtypes
    return ModeResult(jnp.full(out_shape, np.nan, dtypes.default_float()),
                      jnp.zeros(out_shape, dtypes.default_float()))
  xs = _jnp().sort(x, axis=-1)
  counts = jnp.sum(xs[..., :, None] == xs[..., None, :], axis=-1).astype("int32")
  idx = _jnp().argmax(counts, axis=-1)
  vals = _jnp().take_along_axis(xs, idx[..., None], axis=-1)[..., 0]
  cnt = jnp.max(counts, axis=-1)
  return ModeResult(vals.reshape(out_shape), cnt.reshape(out_shape))


def _rankdata_1d(a, method):
  from numjax._src import dtypes
  out_dtype = dtypes.default_float()
  size = shape_of(a)[0]
  arr, sorter = L.sort_key_val(a, jnp.arange(size))
  inv = jnp.zeros_like(sorter).at[sorter].set(jnp.arange(size, dtype=dtype_of(sorter)))
  if method == "ordinal":
    ranks = (inv + 1).astype(out_dtype)
  else:
    obs = jnp.concatenate([jnp.array([True]), arr[1:] != arr[:-1]])
    dense = _jnp().cumsum(obs)[inv]
    if method == "dense":
      ranks = dense.astype(out_dtype)
    else:
      count = _jnp().nonzero(obs, size=size + 1, fill_value=size)[0].astype(out_dtype)
      if method == "max":
        ranks = count[dense]
      elif method == "min":
        ranks = count[dense - 1] + 1
      else:
        ranks = 0.5 * (count[dense] + count[dense - 1] + 1)
  return jnp.where(jnp.any(jnp.isnan(a)), jnp.full_like(ranks, np.nan), ranks)


def rankdata(a, method: str = "average", *, axis: int | None = None,
             nan_policy: str = "propagate"):
  """Ranks of the data (1-based; ties by `method`: average, min, max, dense or ordinal); NaN
  everywhere if the data hold a NaN.

      >>> rankdata(jnp.array([10, 30, 20, 20]))
      Array([1. , 4. , 2.5, 2.5], dtype=float32)
  """
  from numjax._src.numpy.util import check_arraylike
  check_arraylike("rankdata", a)
  _check_nan_policy("rankdata", nan_policy)
  if method not in ("average", "min", "max", "dense", "ordinal"):
    raise ValueError(f"unknown method '{method}'")
  if axis is not None:
    return _jnp().apply_along_axis(rankdata, axis, a, method)
  return _rankdata_1d(jnp.ravel(a), method)


def sem(a, axis: int | None = 0, ddof: int = 1, nan_policy: str = "propagate", *,
        keepdims: bool = False):
  """The standard error of the mean, std(a, ddof) / sqrt(n), along `axis`."""
  b, = promote_args_inexact("sem", a)
  if nan_policy == "propagate":
    size = int(np.prod(shape_of(b))) if axis is None else shape_of(b)[axis]
    return _jnp().std(b, axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(size).astype(dtype_of(b))
  if nan_policy == "omit":
    count = jnp.sum(~jnp.isnan(b), axis, keepdims=keepdims)
    return _jnp().nanstd(b, axis, ddof=ddof, keepdims=keepdims) / \
        jnp.sqrt(count).astype(dtype_of(b))
  raise ValueError(f"{nan_policy} is not supported")


# ----------------------------------------------------------------------------------------------
# gaussian_kde
# ----------------------------------------------------------------------------------------------
class gaussian_kde:
  """Kernel density estimation with Gaussian kernels (SciPy's `gaussian_kde`, as JAX has it):
  `dataset` is (d, n); the bandwidth is Scott's or Silverman's factor, a scalar or a callable
  of the kde. A pytree (its arrays are the leaves), so it passes through jit, grad and vmap.

      >>> kde = gaussian_kde(jnp.array([0., 1., 3.]))
      >>> kde.evaluate(jnp.array([1.])).shape
      (1,)
  """
  _fields = ("neff", "dataset", "weights", "covariance", "inv_cov")

  def __init__(self, dataset, bw_method=None, weights=None):
    from numjax._src.numpy.util import check_arraylike
    np_ = _jnp()
    check_arraylike("gaussian_kde", dataset)
    dataset = np_.atleast_2d(dataset)
    if dtype_of(dataset).kind == "c":
      raise NotImplementedError("gaussian_kde does not support complex data")
    if not dataset.size > 1:
      raise ValueError("`dataset` input should have multiple elements.")
    d, n = shape_of(dataset)
    if weights is not None:
      check_arraylike("gaussian_kde", weights)
      dataset, weights = promote_dtypes_inexact(dataset, weights)
      weights = np_.atleast_1d(weights)
      weights = weights / np_.sum(weights)
      if weights.ndim != 1:
        raise ValueError("`weights` input should be one-dimensional.")
      if len(weights) != n:
        raise ValueError("`weights` input should be of length n")
    else:
      dataset, = promote_dtypes_inexact(dataset)
      weights = np_.full(n, 1.0 / n, dtype=dtype_of(dataset))
    self.dataset, self.weights = dataset, weights
    self.neff = 1 / np_.sum(weights ** 2)
    bw_method = "scott" if bw_method is None else bw_method
    if isinstance(bw_method, str) and bw_method == "scott":
      factor = np_.power(self.neff, -1. / (d + 4))
    elif isinstance(bw_method, str) and bw_method == "silverman":
      factor = np_.power(self.neff * (d + 2) / 4.0, -1. / (d + 4))
    elif np_.isscalar(bw_method) and not isinstance(bw_method, str):
      factor = bw_method
    elif callable(bw_method):
      factor = bw_method(self)
    else:
      raise ValueError("`bw_method` should be 'scott', 'silverman', a scalar, or a callable.")
    data_cov = np_.atleast_2d(np_.cov(dataset, rowvar=1, bias=False, aweights=weights))
    self.covariance = data_cov * factor ** 2
    self.inv_cov = np_.linalg.inv(data_cov) / factor ** 2

  d = property(lambda self: shape_of(self.dataset)[0])
  n = property(lambda self: shape_of(self.dataset)[1])

  def _reshape_points(self, points):
    np_ = _jnp()
    if dtype_of(points).kind == "c":
      raise NotImplementedError("gaussian_kde does not support complex coordinates")
    points = np_.atleast_2d(points)
    d, m = shape_of(points)
    if d != self.d:
      if d == 1 and m == self.d:
        points = np_.reshape(points, (self.d, 1))
      else:
        raise ValueError(f"points have dimension {d}, dataset has dimension {self.d}")
    return points

  def _log_kernels(self, points):
    """log N(x_i; data_j, covariance) for every (point i, data point j): shape (m, n)."""
    from numjax._src.scipy import linalg as sla
    np_ = _jnp()
    data, pts, prec = promote_dtypes_inexact(self.dataset.T, self._reshape_points(points).T,
                                             self.inv_cov)
    whitening = sla.cholesky(prec, lower=True)
    data, pts = data @ whitening, pts @ whitening
    log_norm = np_.sum(np_.log(np_.diag(whitening))) - 0.5 * self.d * np.log(2 * np.pi)
    return log_norm - 0.5 * np_.sum(np_.square(pts[:, None, :] - data[None, :, :]), axis=-1)

  def evaluate(self, points):
    """The estimated density at `points` ((d, m), or m values when d == 1)."""
    from numjax._src.numpy.util import check_arraylike
    check_arraylike("evaluate", points)
    return _jnp().sum(self.weights * L.exp(self._log_kernels(points)), axis=1)

  __call__ = evaluate
  pdf = evaluate

  def logpdf(self, x):
    """log of the estimated density, by logsumexp over the kernels."""
    from numjax._src.numpy.util import check_arraylike
    check_arraylike("logpdf", x)
    return sp.logsumexp(_jnp().log(self.weights) + self._log_kernels(x), axis=1)

  def _convolve(self, chol, norm, target, weights, mean):
    from numjax._src.scipy import linalg as sla
    np_ = _jnp()
    diff = target - mean[:, None]
    arg = 0.5 * np_.sum(diff * sla.cho_solve(chol, diff), axis=0)
    return norm * np_.sum(np_.exp(-arg) * weights)

  def _chol_norm(self, cov):
    from numjax._src.scipy import linalg as sla
    np_ = _jnp()
    chol = sla.cho_factor(self.covariance + cov)
    return chol, 1.0 / (np_.sqrt(2 * np.pi) ** self.d * np_.prod(np_.diag(chol[0])))

  def integrate_gaussian(self, mean, cov):
    """The integral of the density times the Gaussian N(mean, cov)."""
    np_ = _jnp()
    mean = np_.atleast_1d(np_.squeeze(mean))
    cov = np_.atleast_2d(cov)
    if shape_of(mean) != (self.d,):
      raise ValueError(f"mean does not have dimension {self.d}")
    if shape_of(cov) != (self.d, self.d):
      raise ValueError(f"covariance does not have dimension {self.d}")
    chol, norm = self._chol_norm(cov)
    return self._convolve(chol, norm, self.dataset, self.weights, mean)

  def integrate_box_1d(self, low, high):
    """The probability mass of a 1-D density between low and high."""
    np_ = _jnp()
    if self.d != 1:
      raise ValueError("integrate_box_1d() only handles 1D pdfs")
    if np.ndim(low) != 0 or np.ndim(high) != 0:
      raise ValueError("the limits of integration in integrate_box_1d must be scalars")
    sigma = np_.squeeze(np_.sqrt(self.covariance))
    lo = np_.squeeze((low - self.dataset) / sigma)
    hi = np_.squeeze((high - self.dataset) / sigma)
    return np_.sum(self.weights * (sp.ndtr(hi) - sp.ndtr(lo)))

  def integrate_kde(self, other):
    """The integral of the product of this density and another kde's."""
    from numjax._src import api
    np_ = _jnp()
    if other.d != self.d:
      raise ValueError("KDEs are not the same dimensionality")
    chol, norm = self._chol_norm(other.covariance)
    sm, lg = (self, other) if self.n < other.n else (other, self)
    result = api.vmap(lambda m: self._convolve(chol, norm, lg.dataset, lg.weights, m),
                      in_axes=1)(sm.dataset)
    return np_.sum(result * sm.weights)

  def resample(self, key, shape=()):
    """Samples of the density: data points chosen by weight plus Gaussian noise; (d, *shape)."""
    from numjax._src import random
    np_ = _jnp()
    ind_key, eps_key = random.split(key)
    ind = random.choice(ind_key, self.n, shape=shape, p=self.weights)
    eps = random.multivariate_normal(eps_key, np_.zeros(self.d, dtype_of(self.covariance)),
                                     self.covariance, shape=shape,
                                     dtype=dtype_of(self.dataset)).T
    return self.dataset[:, ind] + eps

  def integrate_box(self, low_bounds, high_bounds, maxpts=None):
    raise NotImplementedError("only 1D box integrations are supported; use `integrate_box_1d`")

  def set_bandwidth(self, bw_method=None):
    raise NotImplementedError("dynamically changing the bandwidth method is not supported")


def _register_kde():
  from numjax._src import tree_util

  def flatten(kde):
    return tuple(getattr(kde, f) for f in gaussian_kde._fields), None

  def unflatten(_, children):
    kde = object.__new__(gaussian_kde)
    for f, c in zip(gaussian_kde._fields, children):
      setattr(kde, f, c)
    return kde
  tree_util.register_pytree_node(gaussian_kde, flatten, unflatten)


_register_kde()
