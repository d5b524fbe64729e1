"""`numjax.scipy.stats.poisson`: the Poisson distribution with mean mu."""
from numjax._src.scipy.stats import poisson as _d

logpmf = _d.logpmf
pmf = _d.pmf
cdf = _d.cdf
