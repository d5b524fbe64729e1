"""`numjax.scipy.stats.gumbel_r` (`jax.scipy.stats.gumbel_r`)."""
from numjax._src.scipy.stats import gumbel_r as _d

logpdf = _d.logpdf
pdf = _d.pdf
logcdf = _d.logcdf
cdf = _d.cdf
ppf = _d.ppf
sf = _d.sf
logsf = _d.logsf
