"""`numjax.scipy.stats.binom`: the binomial distribution with n trials and success probability p."""
from numjax._src.scipy.stats import binom as _d

logpmf = _d.logpmf
pmf = _d.pmf
