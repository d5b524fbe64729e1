"""Global flags, as `jax.config` has them (`numjax.config.update("jax_enable_x64", True)`)."""
from __future__ import annotations

import os
from typing import Any


def _env_bool(name: str, default: bool) -> bool:
  for key in (name.upper(), name.upper().replace("JAX_", "NUMJAX_", 1)):
    val = os.environ.get(key)
    if val is not None:
      return val.strip().lower() in ("1", "true", "yes", "on")
  return default


_DEFAULTS: dict[str, Any] = {
    "jax_enable_x64": False,
    "jax_threefry_partitionable": True,
    "jax_debug_nans": False,
    "jax_debug_infs": False,
    "jax_disable_jit": False,
    "jax_explain_cache_misses": False,
    "jax_numpy_rank_promotion": "allow",
    "jax_numpy_dtype_promotion": "standard",
    "jax_default_prng_impl": "threefry2x32",
    "jax_platforms": "cpu",
    "jax_platform_name": "cpu",
    "jax_default_matmul_precision": None,
    "jax_traceback_filtering": "auto",
    "jax_log_compiles": False,
    "jax_check_static_indices": False,   # x[5] on 3 rows raises IndexError (else clamps)
}


class Config:
  """Holds every flag; read as attributes (`config.jax_enable_x64`), set with `update`."""

  def __init__(self):
    object.__setattr__(self, "_values", {})
    for name, default in _DEFAULTS.items():
      if isinstance(default, bool):
        default = _env_bool(name, default)
      self._values[name] = default
    self._refresh()

  def update(self, name: str, value: Any) -> None:
    """Set a flag, e.g. `config.update("jax_enable_x64", True)`."""
    if name not in self._values:
      raise AttributeError(f"Unrecognized config option: {name}")
    self._values[name] = value
    self._refresh()

  def read(self, name: str) -> Any:
    return self._values[name]

  def _refresh(self):
    # Hot-path readers look at these plain attributes instead of the dict.
    object.__setattr__(self, "x64", bool(self._values["jax_enable_x64"]))
    object.__setattr__(self, "debug_nans", bool(self._values["jax_debug_nans"]))
    object.__setattr__(self, "debug_infs", bool(self._values["jax_debug_infs"]))
    object.__setattr__(self, "disable_jit", bool(self._values["jax_disable_jit"]))
    for listener in _listeners:
      listener()

  def __getattr__(self, name: str) -> Any:
    values = object.__getattribute__(self, "_values")
    if name in values:
      return values[name]
    raise AttributeError(f"Unrecognized config option: {name}")

  def __setattr__(self, name, value):
    self.update(name, value)

  def values(self) -> dict[str, Any]:
    return dict(self._values)


_listeners: list = []
config = Config()


def on_change(listener) -> None:
  """Call `listener()` whenever a flag changes (caches keyed on config use this)."""
  _listeners.append(listener)
