"""`numjax.scipy.stats.multivariate_normal`: the multivariate normal distribution N(mean, cov); leading axes of x, mean, cov batch."""
from numjax._src.scipy.stats import multivariate_normal as _d

logpdf = _d.logpdf
pdf = _d.pdf
