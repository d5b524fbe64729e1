"""`numjax.scipy.stats.vonmises` (`jax.scipy.stats.vonmises`)."""
from numjax._src.scipy.stats import vonmises as _d

logpdf = _d.logpdf
pdf = _d.pdf
