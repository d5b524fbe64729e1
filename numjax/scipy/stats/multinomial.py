"""`numjax.scipy.stats.multinomial` (`jax.scipy.stats.multinomial`)."""
from numjax._src.scipy.stats import multinomial as _d

logpmf = _d.logpmf
pmf = _d.pmf
