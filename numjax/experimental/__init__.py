"""`numjax.experimental`: `io_callback` (JAX 0.10.2's `jax.experimental`).

JAX's other entries here (`primal_tangent_dtype`, `EArray`, `cur_qdd`) concern extended dtypes
and mutable-array internals that numjax does not model.
"""
from numjax._src.callback import io_callback as io_callback  # noqa: F401
