"""`numjax.scipy.stats.cauchy`: the Cauchy distribution."""
from numjax._src.scipy.stats import cauchy as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
logcdf = _d.logcdf
sf = _d.sf
logsf = _d.logsf
ppf = _d.ppf
isf = _d.isf
