"""`numjax.scipy.stats.gennorm` (`jax.scipy.stats.gennorm`)."""
from numjax._src.scipy.stats import gennorm as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
