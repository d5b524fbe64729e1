"""`numjax.typing`: type annotations for numjax APIs (JAX's `jax.typing`).

- `ArrayLike`: anything numjax functions accept as an array: an `Array` (or a traced array),
  a NumPy array or scalar, or a Python scalar.
- `DTypeLike`: anything that names a dtype: a string, a scalar type (`float`, `np.int32`,
  `jnp.float32`), a `np.dtype`, or an object with a `dtype` attribute.

    def f(x: ArrayLike, dtype: DTypeLike = None) -> numjax.Array: ...
"""
from __future__ import annotations

from typing import Any, Protocol, Union

import numpy as np

from numjax._src.array import Array
from numjax._src.core import Tracer

__all__ = ["ArrayLike", "DTypeLike"]


class SupportsDType(Protocol):
  @property
  def dtype(self) -> np.dtype: ...


ArrayLike = Union[Array, Tracer, np.ndarray, np.bool_, np.number, bool, int, float, complex]
DTypeLike = Union[str, type[Any], np.dtype, SupportsDType]
