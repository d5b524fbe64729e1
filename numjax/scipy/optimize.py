"""`numjax.scipy.optimize`: `minimize` (BFGS), as `jax.scipy.optimize` has it."""
from numjax._src.scipy.optimize import OptimizeResults, minimize  # noqa: F401
