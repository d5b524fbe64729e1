"""`numjax.scipy.stats.t`: student's t distribution with df degrees of freedom."""
from numjax._src.scipy.stats import t as _d

logpdf = _d.logpdf
pdf = _d.pdf
