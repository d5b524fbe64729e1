"""`numjax.scipy.stats.uniform`: the uniform distribution on [loc, loc + scale]."""
from numjax._src.scipy.stats import uniform as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
ppf = _d.ppf
