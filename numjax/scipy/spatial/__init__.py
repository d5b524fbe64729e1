"""`numjax.scipy.spatial` (`jax.scipy.spatial`): the `transform` submodule."""
from numjax.scipy.spatial import transform  # noqa: F401
