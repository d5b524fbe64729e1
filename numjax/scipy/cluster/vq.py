"""`numjax.scipy.cluster.vq` (`jax.scipy.cluster.vq`)."""
from numjax._src.scipy.cluster import vq  # noqa: F401
