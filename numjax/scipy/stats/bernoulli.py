"""`numjax.scipy.stats.bernoulli`: the Bernoulli distribution with success probability p."""
from numjax._src.scipy.stats import bernoulli as _d

logpmf = _d.logpmf
pmf = _d.pmf
cdf = _d.cdf
ppf = _d.ppf
