"""`numjax.scipy.spatial.transform` (`jax.scipy.spatial.transform`)."""
from numjax._src.scipy.spatial_transform import Rotation, Slerp  # noqa: F401
