"""`numjax.scipy.stats.chi2`: the chi-squared distribution with df degrees of freedom."""
from numjax._src.scipy.stats import chi2 as _d

logpdf = _d.logpdf
pdf = _d.pdf
cdf = _d.cdf
sf = _d.sf
