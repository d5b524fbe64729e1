"""`numjax.scipy.stats.dirichlet`: the Dirichlet distribution; x's first axis holds the K (or K - 1) components."""
from numjax._src.scipy.stats import dirichlet as _d

logpdf = _d.logpdf
pdf = _d.pdf
