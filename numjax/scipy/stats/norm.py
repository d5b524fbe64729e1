"""`numjax.scipy.stats.norm`: the normal distribution N(loc, scale^2)."""
from numjax._src.scipy.stats import norm as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
logcdf = _d.logcdf
sf = _d.sf
logsf = _d.logsf
ppf = _d.ppf
isf = _d.isf
