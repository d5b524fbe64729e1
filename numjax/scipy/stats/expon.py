"""`numjax.scipy.stats.expon`: the exponential distribution with rate 1 / scale, shifted by loc."""
from numjax._src.scipy.stats import expon as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
logsf = _d.logsf
sf = _d.sf
logcdf = _d.logcdf
ppf = _d.ppf
