"""`numjax.scipy.cluster` (`jax.scipy.cluster`): the `vq` submodule."""
from numjax.scipy.cluster import vq  # noqa: F401
