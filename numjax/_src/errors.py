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


def _tracer_type(tracer) -> str:
  aval = getattr(tracer, "aval", None)
  return str(aval) if aval is not None else "?"


class ConcretizationTypeError(JAXTypeError):
  """A concrete Python value was needed from a traced (abstract) value."""

  def __init__(self, tracer=None, context: str = ""):
    self.tracer = tracer
    origin = _origin(tracer)
    msg = (f"Abstract tracer value encountered where concrete value is expected: traced array "
           f"with shape {_tracer_type(tracer)}\n{context}\n{origin}\n{_FIX}"
           "See https://docs.jax.dev/en/latest/errors.html#jax.errors.ConcretizationTypeError")
    super().__init__(msg)


_FIX = ("To fix it, mark the argument static (jit(f, static_argnums=...) or static_argnames=...)"
        ", or express value-dependent control flow with lax.cond, lax.while_loop or "
        "jnp.where.\n")


class TracerBoolConversionError(ConcretizationTypeError):
  """`bool()` (an `if`, `while`, `and`, `or`) was applied to a traced value."""

  def __init__(self, tracer=None):
    self.tracer = tracer
    JAXTypeError.__init__(
        self, f"Attempted boolean conversion of traced array with shape "
        f"{_tracer_type(tracer)}.\n{_origin(tracer)}\n{_FIX}"
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerBoolConversionError")


class TracerIntegerConversionError(JAXTypeError):
  """`range()`, indexing or `__index__` was applied to a traced value."""

  def __init__(self, tracer=None):
    self.tracer = tracer
    super().__init__(
        f"The __index__() method was called on traced array with shape "
        f"{_tracer_type(tracer)}.\n{_origin(tracer)}\n{_FIX}"
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.TracerIntegerConversionError")


class TracerArrayConversionError(JAXTypeError):
  """`np.asarray()` was applied to a traced value."""

  def __init__(self, tracer=None):
    self.tracer = tracer
    super().__init__(
        f"The numpy.ndarray conversion method __array__() was called on traced array with "
        f"shape {_tracer_type(tracer)}.\n{_origin(tracer)}\n"
        "Use numjax.numpy (jnp) instead of numpy (np) on traced values.\n"
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


class JAXIndexError(IndexError):
  """JAX-specific IndexError; the message ends with a link to the error's documentation."""

  def __init__(self, message: str):
    super().__init__(f"{message}\nSee https://docs.jax.dev/en/latest/errors.html"
                     f"#jax.errors.{type(self).__name__}")


class NonConcreteBooleanIndexError(JAXIndexError):
  """A boolean mask whose value is not known at trace time was used as an index (the result's
  shape would depend on its values). Fix: `jnp.where(mask, x, fill)` keeps the shape;
  `jnp.nonzero(mask, size=n)` or `.at[...]` with a static size bound it."""

  def __init__(self, aval):
    self.aval = aval
    shown = aval.str_short() if hasattr(aval, "str_short") else repr(aval)
    super().__init__(f"Array boolean indices must be concrete; got {shown}\n")


class JaxprTypeError(TypeError):
  """A jaxpr failed type checking."""


class InconclusiveDimensionOperation(Exception):
  """Raised when we cannot conclusively compute with symbolic dimensions (numjax has no
  symbolic dimensions, so it never raises it; it exists for `except` clauses)."""


def _origin(tracer) -> str:
  try:
    origin = getattr(tracer, "_origin", None)
  except Exception:  # noqa: BLE001 - never fail while building an error message
    origin = None
  return origin or ""
