"""JAX's public error classes. Each message ends with a pointer to the fix.

Example: using a traced value in Python control flow under `jit`::

    @numjax.jit
    def f(x):
      if x > 0:   # TracerBoolConversionError: the value of x is not known while tracing
        return x
      return -x

Fix: mark the argument static (`jit(f, static_argnums=0)`) or use `lax.cond` / `jnp.where`.
"""
from __future__ import annotations


class JAXTypeError(TypeError):
  pass


class ConcretizationTypeError(JAXTypeError):
  """A concrete Python value was needed from a traced (abstract) value."""

  def __init__(self, tracer=None, context: str = ""):
    self.tracer = tracer
    origin = _origin(tracer)
    msg = (f"Abstract tracer value encountered where concrete value is expected: {tracer!r}\n"
           f"{context}\n{origin}"
           "The error occurred while tracing a function for a transformation that stages out "
           "(such as jit): its traced values have a shape and dtype but no value yet.\n"
           "To fix it, mark the argument static (jit(f, static_argnums=...) or "
           "static_argnames=...), or replace the Python control flow with lax.cond, "
           "lax.while_loop or jnp.where.\n"
           "See https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError")
    super().__init__(msg)


class TracerBoolConversionError(ConcretizationTypeError):
  """`bool()` (an `if`, `while`, `and`, `or`) was applied to a traced value."""

  def __init__(self, tracer=None):
    super().__init__(tracer, "The problem arose with the `bool` function. ")


class TracerIntegerConversionError(JAXTypeError):
  """`int()`, `range()` or `__index__` was applied to a traced value."""

  def __init__(self, tracer=None):
    origin = _origin(tracer)
    super().__init__(
        f"The __index__() method was called on traced array with shape "
        f"{getattr(getattr(tracer, 'aval', None), 'shape', '?')}.\n{origin}"
        "Use static_argnums / static_argnames for arguments that set shapes or indices.\n"
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerIntegerConversionError")


class TracerArrayConversionError(JAXTypeError):
  """`np.asarray()` was applied to a traced value."""

  def __init__(self, tracer=None):
    super().__init__(
        f"The numpy.ndarray conversion method __array__() was called on traced array with "
        f"shape {getattr(getattr(tracer, 'aval', None), 'shape', '?')}.\n{_origin(tracer)}"
        "Use numjax.numpy (jnp) instead of numpy (np) inside transformed functions.\n"
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerArrayConversionError")


class UnexpectedTracerError(Exception):
  """A traced value escaped the transformation that created it and was used afterwards."""

  def __init__(self, msg: str = ""):
    super().__init__(
        msg or "Encountered an unexpected tracer. A function transformed by JAX had a side "
        "effect, allowing for a reference to an intermediate value with type and shape of a "
        "traced value to escape the scope of the transformation (for example by storing it in "
        "a global or nonlocal variable). Return the value from the transformed function "
        "instead.\nSee https://docs.jax.dev/en/latest/errors.html#jax.errors.UnexpectedTracerError")


class KeyReuseError(JAXTypeError):
  pass


def _origin(tracer) -> str:
  origin = getattr(tracer, "_origin", None)
  return f"{origin}\n" if origin else ""
