"""`Array`: numjax's immutable concrete array, a thin wrapper over a NumPy value.

It holds the NumPy value and JAX's `weak_type` bit. Operators and methods (`+`, `.sum()`,
`.at[...]`) are attached by `numjax._src.numpy.array_methods`, shared with tracers.
"""
from __future__ import annotations

import numpy as np

from numjax._src import dtypes


class _ArrayMeta(type):
  """As `jax.Array`, `isinstance(x, Array)` is also True for tracers and typed PRNG key arrays
  (registered with `_register_virtual`); `type(x) is Array` still means a concrete array."""
  _virtual: tuple = ()

  def __instancecheck__(cls, x):
    return type.__instancecheck__(cls, x) or isinstance(x, _ArrayMeta._virtual)

  def __subclasscheck__(cls, sub):
    return type.__subclasscheck__(cls, sub) or issubclass(sub, _ArrayMeta._virtual)


def _register_virtual(cls) -> None:
  _ArrayMeta._virtual = _ArrayMeta._virtual + (cls,)


class Array(metaclass=_ArrayMeta):
  """A concrete numjax array: `Array([0., 1., 2.], dtype=float32)`."""
  __slots__ = ("_value", "weak_type", "_aval", "__weakref__")
  __array_priority__ = 100

  def __init__(self, value, weak_type: bool = False):
    self._value = value        # np.ndarray or NumPy scalar, already in its canonical dtype
    self.weak_type = weak_type
    self._aval = None          # cached ShapedArray (Arrays are immutable)

  # --- metadata -------------------------------------------------------------------------
  @property
  def shape(self) -> tuple:
    return self._value.shape

  @property
  def dtype(self) -> np.dtype:
    return self._value.dtype

  @property
  def ndim(self) -> int:
    return self._value.ndim

  @property
  def size(self) -> int:
    return self._value.size

  @property
  def nbytes(self) -> int:
    return self._value.nbytes

  @property
  def itemsize(self) -> int:
    return self._value.itemsize

  @property
  def aval(self):
    aval = self._aval
    if aval is None:
      from numjax._src.core import ShapedArray
      aval = self._aval = ShapedArray(self._value.shape, self._value.dtype, self.weak_type)
    return aval

  # --- conversion -----------------------------------------------------------------------
  def __array__(self, dtype=None, copy=None):
    v = np.asarray(self._value)
    if dtype is not None and v.dtype != dtype:
      return v.astype(dtype)
    if copy:
      return v.copy()
    if v.flags.writeable:
      v = v.view()
      v.flags.writeable = False
    return v

  def __bool__(self) -> bool:
    try:
      return bool(self._value)
    except ValueError:
      raise ValueError(f"The truth value of an array with more than one element is ambiguous "
                       f"(shape {self._value.shape}). Use a.any() or a.all()") from None

  def __int__(self) -> int:
    try:
      return int(self._value)
    except TypeError:
      raise TypeError(f"only size-1 arrays can be converted to Python scalars, got an array of "
                      f"shape {self._value.shape}") from None

  def __float__(self) -> float:
    try:
      return float(self._value)
    except TypeError:
      raise TypeError(f"only size-1 arrays can be converted to Python scalars, got an array of "
                      f"shape {self._value.shape}") from None

  def __complex__(self) -> complex:
    return complex(self._value)

  def __index__(self) -> int:
    if self.dtype.kind not in "iub":
      raise TypeError(f"only integer scalar arrays can be converted to a scalar index, "
                      f"got dtype {self.dtype}")
    if self._value.ndim:
      raise TypeError(f"only integer scalar arrays can be converted to a scalar index, got an "
                      f"array of shape {self._value.shape}")
    return int(self._value)

  def item(self, *args):
    return self._value.item(*args)

  def tolist(self):
    return np.asarray(self._value).tolist()

  def __len__(self) -> int:
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __hash__(self):
    raise TypeError("unhashable type: 'numjax.Array'")

  def __reduce__(self):
    return (Array, (np.asarray(self._value), self.weak_type))

  def __copy__(self):
    return self

  def __deepcopy__(self, memo):
    return self

  def block_until_ready(self):
    return self

  def copy(self):
    return Array(np.array(self._value, copy=True), self.weak_type)

  def copy_to_host_async(self):
    pass

  def devices(self):
    from numjax._src.api import devices
    return {devices()[0]}   # arrays live on the first (host) device

  @property
  def device(self):
    from numjax._src.api import devices
    return devices()[0]

  @property
  def sharding(self):
    from numjax._src.api import SingleDeviceSharding, devices
    return SingleDeviceSharding(devices()[0])

  def is_fully_addressable(self) -> bool:
    return True

  def is_fully_replicated(self) -> bool:
    return True

  def addressable_data(self, index):
    return self

  # --- printing, exactly as JAX prints ----------------------------------------------------
  def __repr__(self) -> str:
    prefix = "Array("
    dtype_name = self.dtype.name
    dtype_str = f"dtype={dtype_name}, weak_type=True)" if self.weak_type else f"dtype={dtype_name})"
    line_width = np.get_printoptions()["linewidth"]
    if self.size == 0:
      s = f"[], shape={self.shape}"
    else:
      s = np.array2string(np.asarray(self._value), prefix=prefix, suffix=",", separator=", ",
                          max_line_width=line_width)
    last_line_len = len(s) - s.rfind("\n") + 1
    sep = " "
    if last_line_len + len(dtype_str) + 1 > line_width:
      sep = " " * len(prefix)
    return f"{prefix}{s},{sep}{dtype_str}"

  def __str__(self) -> str:
    return str(np.asarray(self._value))

  def __format__(self, format_spec: str) -> str:
    if self.ndim == 0:
      return format(self._value.item() if hasattr(self._value, "item") else self._value,
                    format_spec)
    return format(np.asarray(self._value), format_spec)


def wrap(value, weak_type: bool = False) -> Array:
  """An Array over a NumPy value (its dtype must already be canonical)."""
  return Array(value, weak_type)


def canonical_array(x, dtype=None, weak_type: bool = False) -> Array:
  """An Array holding a private, canonical-dtype copy of any array-like."""
  dt = dtypes.canonicalize_dtype(dtype if dtype is not None else np.result_type(x))
  return Array(np.array(x, dtype=dt), weak_type)
