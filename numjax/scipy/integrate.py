"""`numjax.scipy.integrate` (`jax.scipy.integrate`)."""
from numjax._src.scipy.integrate import trapezoid  # noqa: F401
