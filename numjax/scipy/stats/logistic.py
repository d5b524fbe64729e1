"""`numjax.scipy.stats.logistic`: the logistic distribution."""
from numjax._src.scipy.stats import logistic as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
sf = _d.sf
ppf = _d.ppf
isf = _d.isf
