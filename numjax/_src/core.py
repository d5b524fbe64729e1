"""The tracing core: abstract values, primitives, traces and tracers, jaxprs.

Every operation ends in `primitive.bind(*args, **params)`, which hands the call to the
current trace (a thread-local). With no transformation active that is the `EvalTrace`, which
calls the primitive's NumPy implementation. A transformation installs its own trace; the trace
recognises its tracers by tag and binds the primitives its rules produce on its parent trace.
The core knows no primitive by name.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src import array as _array_mod
from numjax._src.array import Array
from numjax._src.config import config, on_change
from numjax._src.errors import (ConcretizationTypeError, TracerArrayConversionError,
                                TracerBoolConversionError, TracerIntegerConversionError,
                                UnexpectedTracerError)


# ----------------------------------------------------------------------------------------------
# Abstract values
# ----------------------------------------------------------------------------------------------
class ShapedArray:
  """What a trace knows about a value: shape, dtype and JAX's weak-type bit."""
  __slots__ = ("shape", "dtype", "weak_type", "ndim")

  def __init__(self, shape: tuple, dtype: np.dtype, weak_type: bool = False):
    self.shape = shape = tuple(shape)
    self.dtype = dtype
    self.weak_type = weak_type
    self.ndim = len(shape)

  size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

  def update(self, shape=None, dtype=None, weak_type=None) -> "ShapedArray":
    return ShapedArray(self.shape if shape is None else shape,
                       self.dtype if dtype is None else dtype,
                       self.weak_type if weak_type is None else weak_type)

  def strip_weak_type(self) -> "ShapedArray":
    return ShapedArray(self.shape, self.dtype, False) if self.weak_type else self

  def to_tangent_aval(self) -> "ShapedArray":
    dt = self.dtype
    if dt.kind in "fc":  # inexact avals are their own tangent avals (avals are immutable)
      return self
    return ShapedArray(self.shape, dtypes.tangent_dtype(dt), self.weak_type)

  def str_short(self) -> str:
    return f"{dtypes.short_name(self.dtype)}[{','.join(map(str, self.shape))}]"

  def __eq__(self, other):
    return (type(other) is ShapedArray and self.shape == other.shape
            and self.dtype == other.dtype and self.weak_type == other.weak_type)

  def __hash__(self):
    return hash((self.shape, self.dtype, self.weak_type))

  def __repr__(self):
    weak = ", weak_type=True" if self.weak_type else ""
    return f"ShapedArray({self}{weak})"

  def __str__(self):
    return f"{self.dtype.name}[{','.join(map(str, self.shape))}]"


def get_aval(x: Any) -> ShapedArray:
  """The abstract value of an Array, tracer, NumPy value or Python scalar."""
  t = type(x)
  if t is Array:
    aval = x._aval
    if aval is None:
      v = x._value
      aval = x._aval = ShapedArray(v.shape, v.dtype, x.weak_type)
    return aval
  if isinstance(x, Tracer):
    return x.aval
  if t is np.ndarray or isinstance(x, np.generic):
    return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype), False)
  if t in (bool, int, float, complex) or isinstance(x, (bool, int, float, complex)):
    dtype, weak = dtypes.dtype_and_weak(x)
    return ShapedArray((), dtype, weak)
  if isinstance(x, ShapedArray):
    return x
  if hasattr(x, "__jax_array__"):
    return get_aval(x.__jax_array__())
  raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid JAX type: pass "
                  f"arrays, NumPy values or Python scalars (or register the container "
                  f"as a pytree).")


def is_valid_jaxtype(x) -> bool:
  try:
    get_aval(x)
    return True
  except TypeError:
    return False


def concrete_value(x) -> np.ndarray | None:
  """The NumPy value of `x` if it is known now (also through JVP tracers), else None."""
  if type(x) is Array:
    return x._value
  if isinstance(x, Tracer):
    return x.to_concrete_value()
  if isinstance(x, (np.ndarray, np.generic, bool, int, float, complex)):
    return np.asarray(x)
  return None


# ----------------------------------------------------------------------------------------------
# Primitives
# ----------------------------------------------------------------------------------------------
def _all_weak(args, params) -> bool:
  for a in args:
    if not getattr(a, "weak_type", False):
      return False
  return True


class Primitive:
  """An operation with its rules. Every rule sits on the primitive; interpreters look them up.

  impl(*np_values, **params)            NumPy implementation (the eager path)
  abstract_eval(*avals, **params)       output aval(s): the shape/dtype rule
  jvp(primals, tangents, **params)      (primal_out, tangent_out), tangents may be `ad.Zero`
  transpose(ct, *args, **params)        cotangents for the linear (`ad.UndefinedPrimal`) args
  batch(args, dims, **params)           (out, out_dim) with the mapped axes of the args
  weak_type_rule(args, params)          weak_type of the output on the eager path
  fallback(*args, **params)             the same op in terms of other primitives, used by a
                                        trace for which this primitive has no rule (and by
                                        eager evaluation when `impl` is None: call primitives)
  stage_rule(trace, args, params)       how a staging trace records it, when that needs more
                                        than `abstract_eval` (e.g. tracing a Python callable)

  Optional hooks used by jit's compiler (numjax/_src/codegen.py, passes.py):
  codegen(in_avals, out_avals, **params)
                                        NumPy source for one equation, as a template over its
                                        inputs `{0}`, `{1}`, ... (e.g. "np.tanh({0})"), or a
                                        `codegen.Emit` (template + Python objects it uses), or
                                        None to call `impl` for these avals. The code must
                                        compute exactly what `impl` computes.
  inline_param                          name of a param holding a ClosedJaxpr that computes
                                        the outputs from the inputs (`jit`: "jaxpr"); jit's
                                        optimizer splices such equations into their caller.
  """

  def __init__(self, name: str, *, multiple_results: bool = False):
    self.name = name
    self.multiple_results = multiple_results
    self.impl: Callable | None = None
    self.abstract_eval: Callable | None = None
    self.jvp: Callable | None = None
    self.transpose: Callable | None = None
    self.batch: Callable | None = None
    self.weak_type_rule: Callable = _all_weak
    self.fallback: Callable | None = None
    self.stage_rule: Callable | None = None  # (trace, args, params) when staging needs more
    self.partial_eval_rule: Callable | None = None  # (trace, args, params) for linearize
    self.effectful = False      # never removed by dead-code elimination
    self.codegen: Callable | None = None  # NumPy source template for jit (see above)
    self.inline_param: str | None = None  # param with a ClosedJaxpr to inline under jit

  def bind(self, *args, **params):
    return _ctx.trace.process_primitive(self, args, params)

  def bind_with_trace(self, trace: "Trace", args, params):
    if trace is eval_trace and self.impl is not None:
      return trace.process_primitive(self, args, params)  # impls never bind: no context needed
    ctx = _ctx
    prev, ctx.trace = ctx.trace, trace
    try:
      return trace.process_primitive(self, args, params)
    finally:
      ctx.trace = prev

  def __repr__(self):
    return self.name


# ----------------------------------------------------------------------------------------------
# Traces, tracers and the current-trace context
# ----------------------------------------------------------------------------------------------
class TraceTag:
  """Identity of one transformation; its tracers carry it so nesting needs no stack."""
  __slots__ = ()


class Trace:
  """Interprets primitives for one transformation. Subclasses implement `process_primitive`."""
  parent: "Trace | None" = None
  dead = False

  def process_primitive(self, prim: Primitive, args, params):
    raise NotImplementedError

  def __repr__(self):
    return type(self).__name__


class EvalTrace(Trace):
  """No transformation: run the NumPy implementation."""

  def process_primitive(self, prim, args, params):
    impl = prim.impl
    if impl is None:
      return prim.fallback(*args, **params)
    vals = []
    sig = [prim]
    all_weak = True
    for a in args:
      t = type(a)
      if t is Array:
        v = a._value
        vals.append(v)
        sig.append(v.dtype)
        if not a.weak_type:
          all_weak = False
      elif isinstance(a, Tracer):
        raise _escaped_tracer_error(a, prim)
      else:
        vals.append(a)
        sig.append(getattr(a, "dtype", t))
        if not getattr(a, "weak_type", False):
          all_weak = False
    sig = tuple(sig)
    if sig not in _validated:
      _validate(prim, args, params, sig)
    try:
      out = impl(*vals, **params)
    except Exception:
      # The shape rule ran only for the first call with these dtypes: let it name the problem
      # (shapes, params) in JAX's words before NumPy's error escapes.
      _run_shape_rule(prim, args, params)
      raise
    rule = prim.weak_type_rule
    weak = all_weak if rule is _all_weak else rule(args, params)
    if prim.multiple_results:
      if type(weak) is bool:
        weak = [weak] * len(out)
      out = [Array(o, w) for o, w in zip(out, weak)]
      if _check_floats:
        check_nans(prim, [o._value for o in out])
      return out
    if _check_floats:
      check_nans(prim, [out])
    return Array(out, weak)


# Eager evaluation runs the shape/dtype rule once per (primitive, operand dtypes), so misuse such
# as lax.sin on integers raises JAX's TypeError instead of computing in another dtype.
_validated: set = set()


def _validate(prim, args, params, sig) -> None:
  _run_shape_rule(prim, args, params)
  if len(_validated) < 100_000:
    _validated.add(sig)


def _run_shape_rule(prim, args, params) -> None:
  if prim.abstract_eval is not None:
    prim.abstract_eval(*[get_aval(a) for a in args], **params)


def _escaped_tracer_error(tracer, prim) -> UnexpectedTracerError:
  return UnexpectedTracerError(
      f"Encountered an unexpected tracer: {tracer!r} was used in `{prim.name}` after the "
      f"transformation that created it ({tracer._trace!r}) finished. A function transformed by "
      "numjax had a side effect that let an intermediate traced value escape its scope (for "
      "example by storing it in a global, a nonlocal variable or an attribute). Return the "
      "value from the transformed function instead, or pass it in as an argument.\n"
      "See https://docs.jax.dev/en/latest/errors.html#jax.errors.UnexpectedTracerError")


def check_trace_alive(tracer, prim):
  if tracer._trace.dead:
    raise _escaped_tracer_error(tracer, prim)


eval_trace = EvalTrace()


class _Ctx(threading.local):
  trace: Trace = eval_trace
  # Transformations active around the current point, innermost last (for error messages).
  where: tuple = ()
  # The named vmap axes around the current point (batching.AxisData, innermost last), so a
  # function jit stages on its own can still size collectives over them.
  axis_env: tuple = ()


_ctx = _Ctx()


def current_trace() -> Trace:
  return _ctx.trace


class set_current_trace:
  """Context manager making `trace` the one `bind` dispatches to."""
  __slots__ = ("trace", "prev")

  def __init__(self, trace: Trace):
    self.trace = trace

  def __enter__(self):
    self.prev = _ctx.trace
    _ctx.trace = self.trace
    return self.trace

  def __exit__(self, *exc):
    _ctx.trace = self.prev


class Tracer:
  """A value flowing through a transformation; `_trace` is the trace that owns it."""
  __slots__ = ("_trace", "__weakref__")
  __array_priority__ = 1000

  @property
  def aval(self) -> ShapedArray:
    raise NotImplementedError

  shape = property(lambda self: self.aval.shape)
  dtype = property(lambda self: self.aval.dtype)
  ndim = property(lambda self: len(self.aval.shape))
  size = property(lambda self: self.aval.size)
  weak_type = property(lambda self: self.aval.weak_type)

  def to_concrete_value(self):
    """The NumPy value if this tracer's value is known now (e.g. JVP of concrete primals)."""
    return None

  def _concrete(self, err):
    v = self.to_concrete_value()
    if v is None:
      raise err(self)
    return v

  def __bool__(self):
    return bool(self._concrete(TracerBoolConversionError))

  def __int__(self):
    v = self.to_concrete_value()
    if v is None:
      raise ConcretizationTypeError(
          self, "The problem arose with the `int` function. If trying to convert the data type "
          "of a value, try using `x.astype(int)` or `jnp.array(x, int)` instead.")
    return int(v)

  def __index__(self):
    v = self._concrete(TracerIntegerConversionError)
    return int(v).__index__() if np.asarray(v).dtype.kind in "iub" else v.__index__()

  def __float__(self):
    v = self.to_concrete_value()
    if v is None:
      raise ConcretizationTypeError(
          self, "The problem arose with the `float` function. If trying to convert the data "
          "type of a value, try using `x.astype(float)` or `jnp.array(x, float)` instead.")
    return float(v)

  def __complex__(self):
    v = self.to_concrete_value()
    if v is None:
      raise ConcretizationTypeError(self, "The problem arose with the `complex` function.")
    return complex(v)

  def item(self):
    return np.asarray(self._concrete(ConcretizationTypeError)).item()

  def tolist(self):
    return np.asarray(self._concrete(ConcretizationTypeError)).tolist()

  def __array__(self, dtype=None, copy=None):
    v = self._concrete(TracerArrayConversionError)
    return np.asarray(v, dtype=dtype)

  def __len__(self):
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __hash__(self):
    raise TypeError(f"unhashable type: {type(self).__name__}")

  def __repr__(self):
    return f"Traced<{self.aval.str_short()}>with<{self._trace!r}>"

  def __format__(self, spec):
    v = self.to_concrete_value()
    if v is not None:
      return format(Array(v, self.weak_type), spec)
    return repr(self)

  def block_until_ready(self):
    return self

  def copy(self):
    return self


def full_lower(x):
  return x


_array_mod._register_virtual(Tracer)   # isinstance(tracer, numjax.Array), as with jax.Array


# ----------------------------------------------------------------------------------------------
# NaN / Inf checking (config.jax_debug_nans / jax_debug_infs)
# ----------------------------------------------------------------------------------------------
_check_floats = False


def _update_check_flag():
  global _check_floats
  _check_floats = config.debug_nans or config.debug_infs


on_change(_update_check_flag)
_update_check_flag()


def check_nans(prim: Primitive, outs) -> None:
  """Raise FloatingPointError naming the primitive, the transformation and the user's line."""
  for o in outs:
    o = np.asarray(o)
    if o.dtype.kind not in "fc":
      continue
    kind = ("nan" if config.debug_nans and np.isnan(o).any() else
            "inf" if config.debug_infs and np.isinf(o).any() else None)
    if kind:
      raise FloatingPointError(f"invalid value ({kind}) encountered in {prim.name}"
                               f"{_where_suffix()}{_user_frame()}")


def _where_suffix() -> str:
  where = _ctx.where
  return f", {' '.join(reversed(where))}" if where else ""


class transformation_context:
  """Records (only while NaN/Inf checking is on) which transformation is running."""
  __slots__ = ("label", "prev")

  def __init__(self, label: str):
    self.label = label

  def __enter__(self):
    self.prev = _ctx.where
    if _check_floats:
      _ctx.where = self.prev + (self.label,)

  def __exit__(self, *exc):
    _ctx.where = self.prev


def _user_frame() -> str:
  import os
  import traceback
  pkg = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
  for frame in reversed(traceback.extract_stack()[:-2]):
    if not os.path.abspath(frame.filename).startswith(pkg) and "<numjax-jit" not in frame.filename:
      return f" (at {frame.filename}:{frame.lineno}: {frame.line})"
  return ""


# ----------------------------------------------------------------------------------------------
# Jaxprs
# ----------------------------------------------------------------------------------------------
class Var:
  """A variable of a jaxpr; identity is the variable."""
  __slots__ = ("aval",)

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  def __repr__(self):
    return f"Var({self.aval.str_short()})"


class Literal:
  """A scalar constant written inline in a jaxpr (`1.0:f32[]`)."""
  __slots__ = ("val", "aval")

  def __init__(self, val, aval: ShapedArray):
    self.val = val
    self.aval = aval

  def __repr__(self):
    return f"{_literal_str(self.val)}:{self.aval.str_short()}"


def _literal_str(val) -> str:
  v = np.asarray(val._value if type(val) is Array else val)
  if v.dtype == np.bool_:
    return str(bool(v))
  return str(v[()])


class JaxprEqn:
  __slots__ = ("primitive", "invars", "outvars", "params")

  def __init__(self, primitive: Primitive, invars: list, outvars: list, params: dict):
    self.primitive = primitive
    self.invars = invars
    self.outvars = outvars
    self.params = params

  def __repr__(self):
    return f"JaxprEqn({self.primitive.name})"


class Jaxpr:
  """A closed-form, first-order program: constvars, invars, equations, outvars."""
  __slots__ = ("constvars", "invars", "outvars", "eqns")

  def __init__(self, constvars, invars, outvars, eqns):
    self.constvars = list(constvars)
    self.invars = list(invars)
    self.outvars = list(outvars)
    self.eqns = list(eqns)

  in_avals = property(lambda self: [v.aval for v in self.invars])
  out_avals = property(lambda self: [v.aval for v in self.outvars])

  def __str__(self):
    from numjax._src.jaxpr_printer import pp_jaxpr
    return pp_jaxpr(self)

  __repr__ = __str__

  def pretty_print(self, **kw) -> str:
    return str(self)


class ClosedJaxpr:
  """A jaxpr together with the values of its constvars."""
  __slots__ = ("jaxpr", "consts", "_derived")

  def __init__(self, jaxpr: Jaxpr, consts: Sequence):
    self.jaxpr = jaxpr
    self.consts = list(consts)
    self._derived = None

  def derived(self, key, make: Callable):
    """`make()`, cached on this jaxpr under `key`: the JVP, batched, split or transposed
    jaxprs that transformations of a `jit` equation derive from it (they live as long as it)."""
    cache = self._derived
    if cache is None:
      cache = self._derived = {}
    try:
      return cache[key]
    except KeyError:
      out = cache[key] = make()
      return out
    except TypeError:  # unhashable key (e.g. an axis name): not cached
      return make()

  in_avals = property(lambda self: self.jaxpr.in_avals)
  out_avals = property(lambda self: self.jaxpr.out_avals)
  eqns = property(lambda self: self.jaxpr.eqns)

  def __str__(self):
    from numjax._src.jaxpr_printer import pp_jaxpr
    return pp_jaxpr(self.jaxpr)

  __repr__ = __str__

  def pretty_print(self, **kw) -> str:
    return str(self)

  def __call__(self, *args):
    return eval_jaxpr(self.jaxpr, self.consts, *args)


def eval_jaxpr(jaxpr: Jaxpr, consts: Sequence, *args) -> list:
  """Run a jaxpr by binding each equation's primitive on the current trace."""
  env: dict = {}
  for v, x in zip(jaxpr.constvars, consts):
    env[v] = x
  for v, x in zip(jaxpr.invars, args):
    env[v] = x

  def read(v):
    return v.val if type(v) is Literal else env[v]

  for eqn in jaxpr.eqns:
    outs = eqn.primitive.bind(*[read(v) for v in eqn.invars], **eqn.params)
    if eqn.primitive.multiple_results:
      for v, o in zip(eqn.outvars, outs):
        env[v] = o
    else:
      env[eqn.outvars[0]] = outs
  return [read(v) for v in jaxpr.outvars]


def jaxpr_as_fun(closed: ClosedJaxpr) -> Callable:
  return lambda *args: eval_jaxpr(closed.jaxpr, closed.consts, *args)


_counter = itertools.count()


def new_tag() -> TraceTag:
  return TraceTag()
