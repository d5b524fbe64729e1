"""`numjax.scipy.stats.gamma`: the gamma distribution with shape a (rate 1 / scale), shifted by loc."""
from numjax._src.scipy.stats import gamma as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
logcdf = _d.logcdf
sf = _d.sf
logsf = _d.logsf
