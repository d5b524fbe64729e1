"""`numjax.scipy.stats.betabinom` (`jax.scipy.stats.betabinom`)."""
from numjax._src.scipy.stats import betabinom as _d

logpmf = _d.logpmf
pmf = _d.pmf
