"""`custom_vmap` and `sequential_vmap`, as `jax.custom_batching`
(see numjax/_src/custom_batching.py)."""
from numjax._src.custom_batching import (  # noqa: F401
    custom_vmap as custom_vmap,
    sequential_vmap as sequential_vmap,
)
