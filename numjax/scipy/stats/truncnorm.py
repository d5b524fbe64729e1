"""`numjax.scipy.stats.truncnorm` (`jax.scipy.stats.truncnorm`)."""
from numjax._src.scipy.stats import truncnorm as _d

logpdf = _d.logpdf
pdf = _d.pdf
logcdf = _d.logcdf
cdf = _d.cdf
sf = _d.sf
logsf = _d.logsf
