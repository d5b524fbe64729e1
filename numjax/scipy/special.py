"""`numjax.scipy.special`: special functions (`jax.scipy.special`)."""
from numjax._src.scipy.special import (  # noqa: F401
    bernoulli, beta, betainc, betaln, boxcox, boxcox1p, comb, dawsn, digamma, entr, erf,
    erfc, erfcx, erfinv, exp1, expi, expit, expn, factorial, gamma, gammainc, gammaincc,
    gammaln, gammasgn, hyp1f1, i0, i0e, i1, i1e, kl_div, log_ndtr, log_softmax, loggamma,
    logit, logsumexp, multigammaln, ndtr, ndtri, poch, polygamma, rel_entr, softmax, spence,
    xlog1py, xlogy, zeta)
