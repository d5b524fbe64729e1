"""`numjax.scipy`: SciPy-style APIs (`jax.scipy`). Submodules load on first use."""
import importlib as _importlib


def __getattr__(name):
  if not name.startswith("_"):
    try:
      return _importlib.import_module(f"numjax.scipy.{name}")
    except ModuleNotFoundError as err:
      if err.name != f"numjax.scipy.{name}":
        raise
  raise AttributeError(f"module 'numjax.scipy' has no attribute '{name}'")
