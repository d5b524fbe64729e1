"""`numjax.scipy.stats.laplace`: the Laplace distribution with location loc and scale."""
from numjax._src.scipy.stats import laplace as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
