"""Operators and methods shared by `Array` and every `Tracer` (`x + 1`, `x.sum()`, `x[0]`)."""
from __future__ import annotations

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer
from numjax._src.numpy import lax_numpy as jnp


def _defer(other) -> bool:
  # Let containers and unknown types try their reflected operator.
  return not (type(other) is Array or isinstance(other, (Tracer, int, float, complex, bool,
                                                         np.ndarray, np.generic))
              or hasattr(other, "__jax_array__"))


def _binop(fn, reverse=False):
  if reverse:
    def op(self, other):
      if _defer(other):
        return NotImplemented
      return fn(other, self)
  else:
    def op(self, other):
      if _defer(other):
        return NotImplemented
      return fn(self, other)
  return op


def _getitem(self, idx):
  from numjax._src.numpy import indexing
  return indexing.getitem(self, idx)


def _setitem(self, idx, value):
  raise TypeError(
      "JAX arrays are immutable and do not support in-place item assignment. Instead of "
      "x[idx] = y, use x = x.at[idx].set(y) or another .at[] method: "
      "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html")


def _iter(self):
  if not self.shape:
    raise TypeError("iteration over a 0-d array")
  from numjax._src.lax import lax
  if type(self) is Array:
    return (Array(v, self.weak_type) for v in np.asarray(self._value))
  return (lax.index_in_dim(self, i, 0, keepdims=False) for i in range(self.shape[0]))


def _reshape(self, *args, order="C", **kw):
  shape = args[0] if len(args) == 1 else args
  if "shape" in kw:
    shape = kw["shape"]
  return jnp.reshape(self, shape, order)


def _transpose(self, *args):
  axes = None if not args else (args[0] if len(args) == 1 else args)
  return jnp.transpose(self, axes)


def _astype(self, dtype, copy=False, device=None):
  return jnp.astype(self, dtype)


def _at(self):
  from numjax._src.numpy import indexing
  return indexing._IndexUpdateHelper(self)


def _round_method(self, decimals=0, out=None):
  return jnp.round(self, decimals)


def _python_round(self, ndigits=None):
  if ndigits is None:
    return int(jnp.round(self))
  return jnp.round(self, ndigits)


def _item(self, *args):
  return np.asarray(self).item(*args)


def _flatten(self, order="C"):
  return jnp.ravel(self, order)


def _clip(self, min=None, max=None, **kw):
  return jnp.clip(self, min, max, **kw)


def _dot(self, b, **kw):
  return jnp.dot(self, b, **kw)


_ops = {
    "__add__": _binop(jnp.add), "__radd__": _binop(jnp.add, True),
    "__sub__": _binop(jnp.subtract), "__rsub__": _binop(jnp.subtract, True),
    "__mul__": _binop(jnp.multiply), "__rmul__": _binop(jnp.multiply, True),
    "__truediv__": _binop(jnp.true_divide), "__rtruediv__": _binop(jnp.true_divide, True),
    "__floordiv__": _binop(jnp.floor_divide), "__rfloordiv__": _binop(jnp.floor_divide, True),
    "__mod__": _binop(jnp.remainder), "__rmod__": _binop(jnp.remainder, True),
    "__divmod__": _binop(jnp.divmod), "__rdivmod__": _binop(jnp.divmod, True),
    "__pow__": _binop(jnp.power), "__rpow__": _binop(jnp.power, True),
    "__matmul__": _binop(jnp.matmul), "__rmatmul__": _binop(jnp.matmul, True),
    "__and__": _binop(jnp.bitwise_and), "__rand__": _binop(jnp.bitwise_and, True),
    "__or__": _binop(jnp.bitwise_or), "__ror__": _binop(jnp.bitwise_or, True),
    "__xor__": _binop(jnp.bitwise_xor), "__rxor__": _binop(jnp.bitwise_xor, True),
    "__lshift__": _binop(jnp.left_shift), "__rlshift__": _binop(jnp.left_shift, True),
    "__rshift__": _binop(jnp.right_shift), "__rrshift__": _binop(jnp.right_shift, True),
    "__eq__": _binop(jnp.equal), "__ne__": _binop(jnp.not_equal),
    "__lt__": _binop(jnp.less), "__le__": _binop(jnp.less_equal),
    "__gt__": _binop(jnp.greater), "__ge__": _binop(jnp.greater_equal),
    "__neg__": jnp.negative, "__pos__": jnp.positive, "__abs__": jnp.absolute,
    "__invert__": jnp.invert, "__round__": _python_round,
    "__getitem__": _getitem, "__setitem__": _setitem, "__iter__": _iter,
}

_methods = {
    "sum": jnp.sum, "prod": jnp.prod, "mean": jnp.mean, "max": jnp.max, "min": jnp.min,
    "var": jnp.var, "std": jnp.std, "all": jnp.all, "any": jnp.any,
    "argmax": jnp.argmax, "argmin": jnp.argmin,
    "reshape": _reshape, "transpose": _transpose, "astype": _astype, "ravel": jnp.ravel,
    "flatten": _flatten, "squeeze": jnp.squeeze, "swapaxes": jnp.swapaxes,
    "conj": jnp.conjugate, "conjugate": jnp.conjugate, "clip": _clip, "round": _round_method,
    "dot": _dot, "trace": jnp.trace, "diagonal": jnp.diagonal, "repeat": jnp.repeat,
    "nonzero": jnp.nonzero,
}

_properties = {
    "T": lambda self: jnp.transpose(self),
    "mT": lambda self: jnp.matrix_transpose(self),
    "real": jnp.real,
    "imag": jnp.imag,
    "at": _at,
}


def register_method(name: str, fn) -> None:
  """Attach `fn` as a method of Array and Tracer (used by modules that add methods later)."""
  for cls in (Array, Tracer):
    setattr(cls, name, fn)


def _install():
  for cls in (Array, Tracer):
    for name, fn in _ops.items():
      setattr(cls, name, fn)
    for name, fn in _methods.items():
      setattr(cls, name, fn)
    for name, fn in _properties.items():
      setattr(cls, name, property(fn))
  # Arrays are not hashable even though they define __eq__.
  Array.__hash__ = None  # type: ignore
  Tracer.__hash__ = None  # type: ignore


_install()
