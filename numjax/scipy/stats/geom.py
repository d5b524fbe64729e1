"""`numjax.scipy.stats.geom`: the geometric distribution (number of trials to the first success)."""
from numjax._src.scipy.stats import geom as _d

logpmf = _d.logpmf
pmf = _d.pmf
