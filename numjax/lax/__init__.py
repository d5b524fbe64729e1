"""`numjax.lax`: the primitive operations (`from numjax import lax`)."""
from numjax._src.lax.lax import *  # noqa: F401,F403
from numjax._src.lax.lax import (abs, complex, map, max, min, pow, round, slice)  # noqa: F401
from numjax._src.lax.fft import FftType, fft, fft_p  # noqa: F401,E402


def __getattr__(name):
  # `lax.linalg` loads on first use (it imports SciPy's LAPACK wrappers).
  if name == "linalg":
    import importlib
    return importlib.import_module("numjax.lax.linalg")
  raise AttributeError(f"module 'numjax.lax' has no attribute '{name}'")
