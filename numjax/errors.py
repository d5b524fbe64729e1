"""`numjax.errors`: JAX's public error classes.

- `ConcretizationTypeError`: a concrete value was needed from a traced one (e.g. `if x > 0` under
  jit). Fix: `static_argnums`/`static_argnames`, or `lax.cond` / `jnp.where`.
- `TracerBoolConversionError`: `bool(tracer)` (an `if`/`while` on a traced value). Same fixes.
- `TracerIntegerConversionError`: a traced value used as an index or in `range()`. Fix: make it
  static, or use `lax.dynamic_slice` / `lax.fori_loop`.
- `TracerArrayConversionError`: `np.asarray(tracer)`. Fix: use `numjax.numpy` on traced values.
- `NonConcreteBooleanIndexError`: `x[mask]` with a traced mask. Fix: `jnp.where(mask, x, 0)` or
  `jnp.nonzero(mask, size=...)`.
- `UnexpectedTracerError`: a traced value escaped its transformation (stored in a global, a
  nonlocal or an attribute). Fix: return it from the transformed function.
"""
from numjax._src.errors import (  # noqa: F401
    ConcretizationTypeError, InconclusiveDimensionOperation, JAXIndexError, JAXTypeError,
    JaxprTypeError, KeyReuseError, NonConcreteBooleanIndexError,
    TracerArrayConversionError, TracerBoolConversionError, TracerIntegerConversionError,
    UnexpectedTracerError)

JaxRuntimeError = RuntimeError
