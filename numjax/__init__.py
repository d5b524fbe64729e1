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

__version__ = "0.1.0"

Device = object
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
              "experimental", "sharding", "custom_derivatives"):
    return _lazy(name)
  if name in ("checkpoint", "remat", "checkpoint_policies"):
    from numjax._src import checkpoint as _ckpt
    return getattr(_ckpt, name)
  if name == "pure_callback":
    from numjax._src import debugging
    return debugging.pure_callback
  raise AttributeError(f"module 'numjax' has no attribute '{name}'")
