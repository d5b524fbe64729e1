"""`numjax.scipy.integrate`: `trapezoid` (`jax.scipy.integrate`).

    >>> trapezoid(jnp.array([1., 2., 3.]))
    Array(4., dtype=float32)
"""
from __future__ import annotations

import functools

from numjax._src.jit import jit
from numjax._src.numpy.cumulative import trapezoid as _jnp_trapezoid

__all__ = ["trapezoid"]


@functools.partial(jit, static_argnames=("axis",))
def trapezoid(y, x=None, dx=1.0, axis: int = -1):
  """Integrate `y` along `axis` by the trapezoidal rule, at sample points `x` or spacing `dx`."""
  return _jnp_trapezoid(y, x, dx, axis)
