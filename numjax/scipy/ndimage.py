"""`numjax.scipy.ndimage` (`jax.scipy.ndimage`)."""
from numjax._src.scipy.ndimage import map_coordinates  # noqa: F401
