"""`numjax.scipy.stats.nbinom` (`jax.scipy.stats.nbinom`)."""
from numjax._src.scipy.stats import nbinom as _d

logpmf = _d.logpmf
pmf = _d.pmf
