"""Forward mode (the JVP trace), linearization, and transposition (the backward pass).

Reverse mode is not a tape: `linearize` runs the function under a JVP trace whose tangents
are unknowns of a partial evaluator, so primal values are computed now and only the linear
tangent computation is recorded, as a jaxpr. `vjp` transposes that jaxpr. `Zero(aval)` is the
only symbolic zero tangent; rules receive it and short-circuit.
"""
from __future__ import annotations

from typing import Callable, Sequence

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import (Jaxpr, Literal, ShapedArray, Trace, TraceTag, Tracer, get_aval,
                              set_current_trace)
from numjax._src.interpreters import partial_eval as pe


class Zero:
  """A symbolic zero tangent or cotangent of the given aval (`SymbolicZero` to users)."""
  __slots__ = ("_aval", "_primal")

  def __init__(self, aval: ShapedArray):
    self._aval = aval

  @staticmethod
  def from_primal_value(x) -> "Zero":
    # Most rules only test `type(t) is Zero`: the aval is worked out when first asked for.
    z = Zero.__new__(Zero)
    z._aval = None
    z._primal = x
    return z

  @property
  def aval(self) -> ShapedArray:
    aval = self._aval
    if aval is None:
      aval = self._aval = get_aval(self._primal).to_tangent_aval()
      self._primal = None
    return aval

  shape = property(lambda self: self.aval.shape)
  dtype = property(lambda self: self.aval.dtype)

  def __repr__(self):
    return f"SymbolicZero({self.aval.str_short()})"


Zero.__name__ = Zero.__qualname__ = "SymbolicZero"


class UndefinedPrimal:
  """Marks a linear input of an equation during transposition."""
  __slots__ = ("aval",)

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  def __repr__(self):
    return f"UndefinedPrimal({self.aval.str_short()})"


def is_undefined_primal(x) -> bool:
  return type(x) is UndefinedPrimal


# Set by the lax layer: how to add two tangents and how to make a dense zero.
add_jaxvals: Callable = None  # type: ignore
zeros_like_aval: Callable = None  # type: ignore


def instantiate_zeros(t):
  if type(t) is Zero:
    return zeros_like_aval(t.aval)
  return t


def add_tangents(x, y):
  if type(x) is Zero:
    return y
  if type(y) is Zero:
    return x
  return add_jaxvals(x, y)


# ----------------------------------------------------------------------------------------------
# The JVP trace
# ----------------------------------------------------------------------------------------------
class JVPTracer(Tracer):
  __slots__ = ("primal", "tangent", "_aval")

  def __init__(self, trace: "JVPTrace", primal, tangent):
    self._trace = trace
    self.primal = primal
    self.tangent = tangent
    self._aval = None

  @property
  def aval(self) -> ShapedArray:
    aval = self._aval
    if aval is None:
      aval = self._aval = get_aval(self.primal)
    return aval

  def to_concrete_value(self):
    return core.concrete_value(self.primal)

  def __repr__(self):
    return f"Traced<{self.aval.str_short()}>with<JVPTrace>"


class JVPTrace(Trace):
  def __init__(self, parent: Trace, tag: TraceTag):
    self.parent = parent
    self.tag = tag

  def __repr__(self):
    return "JVPTrace"

  def to_primal_tangent(self, x):
    if isinstance(x, JVPTracer) and x._trace.tag is self.tag:
      return x.primal, x.tangent
    if isinstance(x, Tracer) and x._trace.dead:
      raise core._escaped_tracer_error(x, core.Primitive("jvp"))
    return x, None

  def process_primitive(self, prim, args, params):
    primals, tangents, nonzero = [], [], False
    tag = self.tag
    for a in args:
      if type(a) is JVPTracer and a._trace.tag is tag:
        primals.append(a.primal)
        tangents.append(a.tangent)
        nonzero = True
      else:
        if isinstance(a, Tracer) and a._trace.dead:
          raise core._escaped_tracer_error(a, prim)
        primals.append(a)
        tangents.append(None)
    if not nonzero:
      return prim.bind_with_trace(self.parent, primals, params)
    jvp = prim.jvp
    if jvp is None:
      if prim.fallback is not None:
        return prim.fallback(*args, **params)
      raise NotImplementedError(f"Differentiation rule for '{prim.name}' not implemented")
    for i, t in enumerate(tangents):
      if t is None:
        tangents[i] = Zero.from_primal_value(primals[i])
    ctx = core._ctx
    prev, ctx.trace = ctx.trace, self.parent
    try:
      primal_out, tangent_out = jvp(primals, tangents, **params)
    finally:
      ctx.trace = prev
    if prim.multiple_results:
      return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
    if type(tangent_out) is Zero or tangent_out is None:  # self.wrap, inlined (hot path)
      return primal_out
    return JVPTracer(self, primal_out, tangent_out)

  def wrap(self, p, t):
    return p if type(t) is Zero or t is None else JVPTracer(self, p, t)


def jvp_flat(fun: Callable, primals: Sequence, tangents: Sequence) -> tuple[list, list]:
  """Push `tangents` forward through `fun(*primals) -> list`. Tangents may be `Zero`."""
  trace = JVPTrace(core.current_trace(), TraceTag())
  ins = [p if type(t) is Zero else JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
  try:
    with set_current_trace(trace):
      outs = fun(*ins)
  finally:
    trace.dead = True
  out_primals, out_tangents = [], []
  for o in outs:
    p, t = trace.to_primal_tangent(o)
    out_primals.append(p)
    out_tangents.append(Zero.from_primal_value(p) if t is None else t)
  return out_primals, out_tangents


# ----------------------------------------------------------------------------------------------
# Linearization: JVP + partial evaluation
# ----------------------------------------------------------------------------------------------
class LinearFunction:
  """The linear tangent map of a linearized function, held as a jaxpr over its residuals."""

  def __init__(self, jaxpr: Jaxpr, consts: list, in_avals: list, out_zero: list,
               out_avals: list):
    self.jaxpr = jaxpr
    self.consts = consts
    self.in_avals = in_avals      # tangent avals of the inputs
    self.out_zero = out_zero      # which outputs have a symbolic-zero tangent
    self.out_avals = out_avals    # tangent avals of all outputs
    self._runs = 0                # eager transpositions so far
    self._compiled = None         # (function, which input cotangents are nonzero, out avals)

  def __call__(self, *tangents) -> list:
    outs = iter(core.eval_jaxpr(self.jaxpr, self.consts, *tangents))
    return [Zero(a) if z else next(outs) for z, a in zip(self.out_zero, self.out_avals)]

  def transpose(self, cts: Sequence) -> list:
    """Cotangents of the inputs for output cotangents `cts` (one per output, may be Zero).

    Eager calls interpret the transposition while that is cheaper than compiling it (one
    call, as `grad` makes); a pullback called again and again (a loop of `vjp_fun(u)`) is then
    transposed once into a jaxpr and compiled, as jit would."""
    live_cts = [ct for ct, z in zip(cts, self.out_zero) if not z]
    if (self._runs * (len(self.jaxpr.eqns) + 2) > INTERPRET_BUDGET
        and core._ctx.trace is core.eval_trace
        and not core._check_floats and all(type(c) is Array for c in live_cts)):
      return self._compiled_transpose(live_cts)
    self._runs += 1
    args = [UndefinedPrimal(v.aval) for v in self.jaxpr.invars]
    return backward_pass(self.jaxpr, self.consts, args, live_cts)

  def _compiled_transpose(self, live_cts) -> list:
    compiled = self._compiled
    if compiled is None:
      from numjax._src.jit import compiled_fun
      closed = core.ClosedJaxpr(self.jaxpr, self.consts)
      t_closed, in_nonzero = transpose_jaxpr(closed, (True,) * len(self.jaxpr.invars),
                                             (True,) * len(live_cts))
      compiled = self._compiled = (compiled_fun(t_closed), in_nonzero, t_closed.out_avals)
    fn, in_nonzero, out_avals = compiled
    outs = iter(zip(fn(*[c._value for c in live_cts]), out_avals))
    res = []
    for nz, a in zip(in_nonzero, self.in_avals):
      if nz:
        o, aval = next(outs)
        res.append(Array(o, aval.weak_type))
      else:
        res.append(Zero(a))
    return res


# Compiling a jaxpr costs about as much as interpreting this many equations (pullbacks here,
# control-flow bodies in lax/control_flow_common.py).
INTERPRET_BUDGET = 48


def linearize_flat(fun: Callable, primals: Sequence) -> tuple[list, LinearFunction]:
  """Evaluate `fun(*primals)` and stage its linear tangent map (see module doc)."""
  parent = core.current_trace()
  pe_trace = pe.JaxprTrace(parent, stage_all=False)
  in_avals = [get_aval(p).to_tangent_aval() for p in primals]
  tangent_args = [pe_trace.new_arg(a) for a in in_avals]
  jvp_trace = JVPTrace(pe_trace, TraceTag())
  # Integer inputs have float0 tangents: symbolically zero, so they are not traced.
  ins = [p if a.dtype == dtypes.float0 else JVPTracer(jvp_trace, p, t)
         for p, t, a in zip(primals, tangent_args, in_avals)]
  try:
    with set_current_trace(jvp_trace):
      outs = fun(*ins)
    out_primals, out_tangents = [], []
    for o in outs:
      p, t = jvp_trace.to_primal_tangent(o)
      out_primals.append(p)
      out_tangents.append(Zero.from_primal_value(p) if t is None else t)
    out_zero = [type(t) is Zero for t in out_tangents]
    out_avals = [t.aval if type(t) is Zero else get_aval(t) for t in out_tangents]
    live = [t for t in out_tangents if type(t) is not Zero]
    jaxpr, consts = pe_trace.to_jaxpr(live)
  finally:
    jvp_trace.dead = True
    pe_trace.dead = True
  return out_primals, LinearFunction(jaxpr, consts, in_avals, out_zero, out_avals)


# ----------------------------------------------------------------------------------------------
# Transposition
# ----------------------------------------------------------------------------------------------
def backward_pass(jaxpr: Jaxpr, consts: Sequence, args: Sequence, cts_out: Sequence) -> list:
  """Transpose `jaxpr` with respect to its `UndefinedPrimal` args; returns their cotangents.

  Equations none of whose inputs depend on a linear argument are evaluated forward first;
  the rest are transposed in reverse order, accumulating cotangents with `add_any`.
  """
  env: dict = {}
  linear: set = set()
  for v, c in zip(jaxpr.constvars, consts):
    env[v] = c
  for v, a in zip(jaxpr.invars, args):
    if type(a) is UndefinedPrimal:
      linear.add(v)
    else:
      env[v] = a

  def read(v):
    return v.val if type(v) is Literal else env[v]

  linear_eqns = []
  for eqn in jaxpr.eqns:
    for v in eqn.invars:
      if type(v) is not Literal and v in linear:
        linear.update(eqn.outvars)
        linear_eqns.append(eqn)
        break
    else:
      outs = eqn.primitive.bind(*[read(v) for v in eqn.invars], **eqn.params)
      for v, o in zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs]):
        env[v] = o

  ct_env: dict = {}

  def write_ct(v, ct):
    if ct is None or type(ct) is Zero or type(v) is Literal or v not in linear:
      return
    prev = ct_env.get(v)
    ct_env[v] = ct if prev is None else add_tangents(prev, ct)

  for v, ct in zip(jaxpr.outvars, cts_out):
    write_ct(v, ct)

  checking = core._check_floats
  for eqn in reversed(linear_eqns):
    prim = eqn.primitive
    if prim.multiple_results:
      cts = [ct_env.pop(v, None) for v in eqn.outvars]
      if all(ct is None for ct in cts):
        continue
      cts = [Zero(v.aval.to_tangent_aval()) if ct is None else ct
             for v, ct in zip(eqn.outvars, cts)]
    else:
      cts = ct_env.pop(eqn.outvars[0], None)
      if cts is None:
        continue
    invals = []
    for v in eqn.invars:
      if type(v) is Literal:
        invals.append(v.val)
      elif v in linear:
        invals.append(UndefinedPrimal(v.aval))
      else:
        invals.append(env[v])
    if prim.transpose is None:
      raise NotImplementedError(
          f"Transpose rule (for reverse-mode differentiation) for '{prim.name}' not "
          "implemented: the tangent computation is not linear in the input tangents, or the "
          "primitive has no transpose rule.")
    if checking:
      with core.transformation_context(f"in the transpose of {prim.name},"):
        cts_in = prim.transpose(cts, *invals, **eqn.params)
    else:
      cts_in = prim.transpose(cts, *invals, **eqn.params)
    for v, ct in zip(eqn.invars, cts_in):  # write_ct, inlined: the eager grad hot path
      if ct is None or type(ct) is Zero or type(v) is Literal or v not in linear:
        continue
      prev = ct_env.get(v)
      ct_env[v] = ct if prev is None else add_tangents(prev, ct)

  results = []
  for v, a in zip(jaxpr.invars, args):
    if type(a) is UndefinedPrimal:
      ct = ct_env.get(v)
      results.append(Zero(a.aval) if ct is None else ct)
    else:
      results.append(None)
  return results


# ----------------------------------------------------------------------------------------------
# Jaxpr-to-jaxpr forms (for primitives that hold a jaxpr, such as `jit`)
# ----------------------------------------------------------------------------------------------
def transpose_jaxpr(closed, linear: Sequence[bool], ct_nonzero: Sequence[bool]):
  """The transpose of `closed` in its `linear` inputs, as a jaxpr over (the other inputs, the
  nonzero output cotangents) returning the nonzero input cotangents; also which are nonzero."""
  avals, out_avals = closed.in_avals, closed.out_avals
  in_nonzero: list = []

  def fun(*args):
    it = iter(args)
    ins = [UndefinedPrimal(a) if lin else next(it) for lin, a in zip(linear, avals)]
    cts = [next(it) if nz else Zero(a.to_tangent_aval()) for nz, a in zip(ct_nonzero, out_avals)]
    res = backward_pass(closed.jaxpr, closed.consts, ins, cts)
    cts_in = [r for r, lin in zip(res, linear) if lin]
    in_nonzero[:] = [type(c) is not Zero for c in cts_in]
    return [c for c in cts_in if type(c) is not Zero]
  in_avals = ([a for lin, a in zip(linear, avals) if not lin] +
              [a.to_tangent_aval() for nz, a in zip(ct_nonzero, out_avals) if nz])
  jaxpr, consts, _ = pe.trace_to_jaxpr(fun, in_avals)
  return core.ClosedJaxpr(jaxpr, consts), tuple(in_nonzero)
