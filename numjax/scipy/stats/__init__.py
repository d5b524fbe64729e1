"""`numjax.scipy.stats`: probability distributions (`jax.scipy.stats`)."""
from numjax.scipy.stats import (  # noqa: F401
    bernoulli, beta, binom, cauchy, chi2, dirichlet, expon, gamma, geom, laplace, logistic,
    multivariate_normal, norm, pareto, poisson, t, uniform)
