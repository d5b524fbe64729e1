"""`numjax.scipy.interpolate` (`jax.scipy.interpolate`)."""
from numjax._src.scipy.interpolate import RegularGridInterpolator  # noqa: F401
