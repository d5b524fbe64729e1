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
