"""`numjax.scipy.stats.pareto`: the Pareto distribution with shape b."""
from numjax._src.scipy.stats import pareto as _d

logpdf = _d.logpdf
pdf = _d.pdf
