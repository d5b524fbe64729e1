"""Staging Python into jaxprs, fully (make_jaxpr, jit) or partially (linearize).

`JaxprTrace(parent, stage_all=True)` records every primitive applied to its tracers. With
`stage_all=False` it is the partial evaluator of linearize: a primitive none of whose inputs
is one of its tracers ("unknown") is bound on the parent trace right away (so primal values
stay concrete), and only the computation that depends on the unknowns is recorded. A primitive
with both known and unknown inputs is recorded whole, unless it has a
`partial_eval_rule(trace, args, params)`: then that rule decides (control-flow primitives bind
the known part of their body on `trace.parent` now and record only the unknown part).
Values from outside the trace become constants of the jaxpr: scalars inline as literals,
anything else (arrays, tracers of outer traces) as constvars.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from numjax._src import core
from numjax._src.array import Array
from numjax._src.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, ShapedArray, Trace,
                              TraceTag, Tracer, Var, get_aval, set_current_trace)


class JaxprTracer(Tracer):
  __slots__ = ("_aval", "var")

  def __init__(self, trace: "JaxprTrace", aval: ShapedArray, var: Var):
    self._trace = trace
    self._aval = aval
    self.var = var

  @property
  def aval(self) -> ShapedArray:
    return self._aval

  @property
  def _origin(self) -> str:
    return self._trace.explain_origin(self.var)


class JaxprTrace(Trace):
  """Records primitives applied to its tracers as jaxpr equations."""

  def __init__(self, parent: Trace, stage_all: bool = True, debug_info: Any = None):
    self.parent = parent
    self.tag = TraceTag()
    self.stage_all = stage_all
    self.debug_info = debug_info  # (function name, argument names) for error messages
    self.invars: list[Var] = []
    self.eqns: list[JaxprEqn] = []
    self.constvars: list[Var] = []
    self.constvals: list[Any] = []
    self._const_ids: dict[int, Var] = {}

  def __repr__(self):
    return "DynamicJaxprTrace" if self.stage_all else "JaxprTrace"

  # --- variables ---------------------------------------------------------------------------
  def new_arg(self, aval: ShapedArray) -> JaxprTracer:
    var = Var(aval)
    self.invars.append(var)
    return JaxprTracer(self, aval, var)

  def is_own(self, x) -> bool:
    return isinstance(x, JaxprTracer) and x._trace.tag is self.tag

  def getvar(self, x) -> Var | Literal:
    if isinstance(x, JaxprTracer) and x._trace.tag is self.tag:
      return x.var
    if isinstance(x, Tracer) and x._trace.dead:
      raise core._escaped_tracer_error(x, core.Primitive("jaxpr staging"))
    return self.const_var(x)

  def const_var(self, x) -> Var | Literal:
    if type(x) is Array:  # the common case: a concrete value computed on the known side
      aval = x.aval
      if not aval.shape:
        return Literal(x, aval)
    else:
      aval = get_aval(x)
      if not aval.shape and not isinstance(x, Tracer):
        return Literal(_as_numpy_scalar(x, aval), aval)
    key = id(x)
    var = self._const_ids.get(key)
    if var is None:
      var = Var(aval)
      self._const_ids[key] = var
      self.constvars.append(var)
      self.constvals.append(x)
    return var

  # --- primitives --------------------------------------------------------------------------
  def process_primitive(self, prim, args, params):
    if not self.stage_all:
      tag = self.tag
      for a in args:
        if type(a) is JaxprTracer and a._trace.tag is tag:
          break
      else:  # every input known: compute it now, on the parent
        return prim.bind_with_trace(self.parent, args, params)
      rule = prim.partial_eval_rule
      if rule is not None:  # e.g. control flow: split into a known and an unknown part
        return rule(self, args, params)
    if prim.stage_rule is not None:
      return prim.stage_rule(self, args, params)
    return self.default_process_primitive(prim, args, params)

  def default_process_primitive(self, prim, args, params):
    """Record one equation for `prim` applied to `args`."""
    if prim.abstract_eval is None:
      if prim.fallback is not None:
        return prim.fallback(*args, **params)
      raise NotImplementedError(f"primitive '{prim.name}' has no abstract evaluation rule, "
                                "so it cannot be staged (jit, make_jaxpr, linearize)")
    tag = self.tag
    invars, avals = [], []
    for a in args:
      v = a.var if type(a) is JaxprTracer and a._trace.tag is tag else self.getvar(a)
      invars.append(v)
      avals.append(v.aval)
    out_avals = prim.abstract_eval(*avals, **params)
    if prim.multiple_results:
      outvars = [Var(a) for a in out_avals]
      self.eqns.append(JaxprEqn(prim, invars, outvars, params))
      return [JaxprTracer(self, v.aval, v) for v in outvars]
    outvar = Var(out_avals)
    self.eqns.append(JaxprEqn(prim, invars, [outvar], params))
    return JaxprTracer(self, out_avals, outvar)

  # --- results -----------------------------------------------------------------------------
  def to_jaxpr(self, outs: Sequence) -> tuple[Jaxpr, list]:
    """The recorded jaxpr with `outs` as outputs, and the values of its constvars."""
    outvars = [self.getvar(o) for o in outs]
    jaxpr = Jaxpr(self.constvars, self.invars, outvars, self.eqns)
    return jaxpr, list(self.constvals)

  def explain_origin(self, var: Var) -> str:
    """Which function arguments `var` depends on, in JAX's words."""
    info = self.debug_info
    if not info:
      return ""
    deps = {var}
    for eqn in reversed(self.eqns):
      if any(o in deps for o in eqn.outvars):
        deps.update(v for v in eqn.invars if isinstance(v, Var))
    names = [n for v, n in zip(self.invars, info.arg_names) if v in deps]
    where = f"The error occurred while tracing the function {info.name}{info.src} for {info.what}."
    if not names:
      return where
    if len(names) == 1:
      return (f"{where} This concrete value was not available in Python because it depends on "
              f"the value of the argument {names[0]}.")
    return (f"{where} This concrete value was not available in Python because it depends on "
            f"the values of the arguments {', '.join(names[:-1])} and {names[-1]}.")


class DebugInfo:
  """What a staging trace is tracing, for error messages."""
  __slots__ = ("name", "arg_names", "src", "what")

  def __init__(self, fun, arg_names, what: str):
    self.name = getattr(fun, "__name__", "fun")
    self.arg_names = list(arg_names)
    code = getattr(getattr(fun, "__wrapped__", fun), "__code__", None)
    self.src = f" at {code.co_filename}:{code.co_firstlineno}" if code is not None else ""
    self.what = what


def _as_numpy_scalar(x, aval):
  if type(x) is Array:
    return x
  if isinstance(x, (np.ndarray, np.generic)):
    return Array(np.asarray(x, aval.dtype)[()], False)
  return Array(np.asarray(x, aval.dtype)[()], aval.weak_type)


def trace_to_jaxpr(fun: Callable, in_avals: Sequence[ShapedArray],
                   debug_info: Any = None) -> tuple[Jaxpr, list, list]:
  """Stage `fun(*flat_args) -> flat_outs` to a jaxpr. Returns (jaxpr, consts, flat outputs)."""
  parent = core.current_trace()
  trace = JaxprTrace(parent, stage_all=True, debug_info=debug_info)
  args = [trace.new_arg(a) for a in in_avals]
  try:
    with set_current_trace(trace):
      outs = fun(*args)
    jaxpr, consts = trace.to_jaxpr(outs)
  finally:
    trace.dead = True
  return jaxpr, consts, outs


def closed_jaxpr_of(fun: Callable, in_avals: Sequence[ShapedArray],
                    debug_info: Any = None) -> ClosedJaxpr:
  jaxpr, consts, _ = trace_to_jaxpr(fun, in_avals, debug_info)
  return ClosedJaxpr(jaxpr, consts)
