"""`numjax.scipy.stats.wrapcauchy` (`jax.scipy.stats.wrapcauchy`)."""
from numjax._src.scipy.stats import wrapcauchy as _d

logpdf = _d.logpdf
pdf = _d.pdf
