"""numjax: JAX's composable function transformations in pure Python on NumPy.

    import numjax as jax
    import numjax.numpy as jnp
    jax.grad(jnp.sin)(0.)   # Array(1., dtype=float32, weak_type=True)
"""
from numjax._src.config import config as config
from numjax._src import dtypes as _dtypes
from numjax._src.array import Array as Array
from numjax._src.core import ShapedArray as ShapedArray
from numjax._src.api import (
    ShapeDtypeStruct as ShapeDtypeStruct,
    block_until_ready as block_until_ready,
    default_backend as default_backend,
    device_count as device_count,
    device_get as device_get,
    device_put as device_put,
    devices as devices,
    effects_barrier as effects_barrier,
    eval_shape as eval_shape,
    grad as grad,
    hessian as hessian,
    jacfwd as jacfwd,
    jacobian as jacobian,
    jacrev as jacrev,
    jvp as jvp,
    linear_transpose as linear_transpose,
    linearize as linearize,
    local_device_count as local_device_count,
    local_devices as local_devices,
    make_jaxpr as make_jaxpr,
    value_and_grad as value_and_grad,
    vjp as vjp,
    vmap as vmap,
)
from numjax._src.jit import jit as jit
from numjax._src.custom_derivatives import (
    closure_convert as closure_convert,
    custom_jvp as custom_jvp,
    custom_vjp as custom_vjp,
)
from numjax import numpy as numpy  # noqa: E402  (installs Array/Tracer operators)
from numjax import lax as lax
from numjax import tree_util as tree_util
from numjax import tree as tree
from numjax._src.lax.lax import stop_gradient as _stop_gradient  # noqa: F401
from numjax._src.sharding import Device as Device
from numjax._src.toplevel import (  # importing it also registers the extra config options
    allow_f16_reductions as allow_f16_reductions,
    check_tracer_leaks as check_tracer_leaks,
    checking_leaks as checking_leaks,
    clear_caches as clear_caches,
    copy_to_host_async as copy_to_host_async,
    custom_gradient as custom_gradient,
    debug_infs as debug_infs,
    debug_key_reuse as debug_key_reuse,
    debug_nans as debug_nans,
    default_device as default_device,
    default_matmul_precision as default_matmul_precision,
    default_prng_impl as default_prng_impl,
    disable_jit as disable_jit,
    enable_checks as enable_checks,
    enable_custom_prng as enable_custom_prng,
    enable_x64 as enable_x64,
    ensure_compile_time_eval as ensure_compile_time_eval,
    explain_cache_misses as explain_cache_misses,
    host_count as host_count,
    host_id as host_id,
    host_ids as host_ids,
    legacy_prng_key as legacy_prng_key,
    live_arrays as live_arrays,
    log_compiles as log_compiles,
    named_call as named_call,
    named_scope as named_scope,
    numpy_dtype_promotion as numpy_dtype_promotion,
    numpy_rank_promotion as numpy_rank_promotion,
    print_environment_info as print_environment_info,
    process_count as process_count,
    process_index as process_index,
    process_indices as process_indices,
    softmax_custom_jvp as softmax_custom_jvp,
    threefry_partitionable as threefry_partitionable,
    transfer_guard as transfer_guard,
    transfer_guard_device_to_device as transfer_guard_device_to_device,
    transfer_guard_device_to_host as transfer_guard_device_to_host,
    transfer_guard_host_to_device as transfer_guard_host_to_device,
)

__version__ = "0.1.0"

float0 = _dtypes.float0
typeof = lambda x: __import__("numjax._src.core", fromlist=["get_aval"]).get_aval(x)


def _lazy(name):
  import importlib
  try:
    return importlib.import_module(f"numjax.{name}")
  except ModuleNotFoundError as e:
    if e.name == f"numjax.{name}":
      raise AttributeError(f"module 'numjax' has no attribute '{name}'") from None
    raise


def __getattr__(name):
  if name in ("random", "scipy", "nn", "debug", "errors", "dtypes", "test_util", "flatten_util",
              "experimental", "sharding", "custom_derivatives", "custom_batching", "ops",
              "image", "example_libraries", "typing"):
    return _lazy(name)
  if name == "pmap":
    from numjax._src.pmap import pmap
    return pmap
  if name in ("NamedSharding", "make_mesh"):
    from numjax._src import sharding as _sharding
    return getattr(_sharding, name)
  if name == "P":
    from numjax._src.sharding import PartitionSpec
    return PartitionSpec
  if name in ("checkpoint", "remat", "checkpoint_policies"):
    from numjax._src import checkpoint as _ckpt
    return getattr(_ckpt, name)
  if name == "pure_callback":
    from numjax._src import debugging
    return debugging.pure_callback
  raise AttributeError(f"module 'numjax' has no attribute '{name}'")
