"""`numjax.scipy.stats.beta`: the beta distribution with shape parameters a, b on [loc, loc + scale]."""
from numjax._src.scipy.stats import beta as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
logcdf = _d.logcdf
sf = _d.sf
logsf = _d.logsf
