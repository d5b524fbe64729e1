"""Jaxpr-to-jaxpr passes run before code generation. Each is a small function over the IR.

Every pass returns a new `Jaxpr`/`ClosedJaxpr` (equations are never mutated: a jaxpr may be
shared, e.g. as the `jaxpr` param of several `jit` equations). `optimize(closed)` runs them in
order; the result computes the same outputs from the same inputs and is what `jit` turns into
NumPy code. The staged (unoptimized) jaxpr is what transformations and printing see.

  inline_calls      splice nested call equations (`jit`) into the enclosing jaxpr
  forward_trivial   replace identity operations by their operand (same-dtype converts,
                    same-shape reshapes, identity broadcasts/transposes, `add_any` with a zero,
                    `x * 1`, `x - 0`, ...)
  fold_negations    absorb `neg` into a neighbouring mul by a literal, add or sub (exactly)
  fold_constants    evaluate equations whose inputs are all literals or constants, via the
                    primitive's impl, when the result is small
  cse               merge equations with the same primitive, inputs and (hashable) params
  dce               drop equations whose outputs are unused
  prune_consts      drop unused constvars and merge constvars bound to the same value
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var

# Results of at most this many elements are folded into constants at compile time.
FOLD_MAX_SIZE = 4096


# ----------------------------------------------------------------------------------------------
# Substitution helpers
# ----------------------------------------------------------------------------------------------
def _subst_atoms(atoms: Iterable, env: dict) -> list:
  return [env.get(a, a) if type(a) is Var else a for a in atoms]


def _rebuild(jaxpr: Jaxpr, eqns: list, env: dict, constvars=None) -> Jaxpr:
  return Jaxpr(jaxpr.constvars if constvars is None else constvars, jaxpr.invars,
               _subst_atoms(jaxpr.outvars, env), eqns)


def _with_invars(eqn: JaxprEqn, invars: list) -> JaxprEqn:
  if invars == eqn.invars:  # atoms compare by identity
    return eqn
  return JaxprEqn(eqn.primitive, invars, eqn.outvars, eqn.params)


def _concrete(x):
  """The NumPy value of a constant if it is known at compile time, else None."""
  if type(x) is Array:
    return x._value
  if isinstance(x, (np.ndarray, np.generic)):
    return x
  if isinstance(x, (bool, int, float, complex)):
    return np.asarray(x)
  return None


def _literal_value(lit: Literal):
  """The literal's value as a NumPy scalar or array of its dtype."""
  val = lit.val
  if type(val) is Array:
    val = val._value
    if getattr(val, "dtype", None) == lit.aval.dtype:
      return val
  return np.asarray(val, lit.aval.dtype)


# ----------------------------------------------------------------------------------------------
# Dead-code elimination
# ----------------------------------------------------------------------------------------------
def dce(jaxpr: Jaxpr) -> Jaxpr:
  """Drop equations none of whose outputs is used (unless the primitive is effectful)."""
  live = {v for v in jaxpr.outvars if type(v) is Var}
  kept = []
  for eqn in reversed(jaxpr.eqns):
    if eqn.primitive.effectful or any(v in live for v in eqn.outvars):
      kept.append(eqn)
      live.update(v for v in eqn.invars if type(v) is Var)
  kept.reverse()
  return Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept)


# ----------------------------------------------------------------------------------------------
# Common-subexpression elimination
# ----------------------------------------------------------------------------------------------
def _atom_key(a, env):
  if type(a) is Var:
    return env.get(a, a)
  v = _literal_value(a)
  return ("lit", v.dtype, a.aval.weak_type, np.shape(v), v.tobytes())


def _params_key(params: dict):
  """A hashable key for params, or None when a value cannot be hashed."""
  try:
    key = tuple(sorted((k, type(v), v) for k, v in params.items()))
    hash(key)
  except TypeError:
    return None
  return key


def cse(jaxpr: Jaxpr) -> Jaxpr:
  """Merge equations that apply the same primitive to the same inputs with equal params.

  Effectful primitives and equations with unhashable params are never merged."""
  env: dict = {}      # outvar of a removed equation -> outvar of the equation it duplicates
  seen: dict = {}
  eqns = []
  for eqn in jaxpr.eqns:
    invars = _subst_atoms(eqn.invars, env)
    eqn = _with_invars(eqn, invars)
    if not eqn.primitive.effectful:
      pkey = _params_key(eqn.params)
      if pkey is not None:
        key = (eqn.primitive, tuple(_atom_key(a, env) for a in invars), pkey)
        try:
          prev = seen.get(key)
        except TypeError:  # e.g. an unhashable literal value
          prev, key = None, None
        if prev is not None and len(prev.outvars) == len(eqn.outvars):
          for old, new in zip(eqn.outvars, prev.outvars):
            env[old] = new
          continue
        if key is not None:
          seen[key] = eqn
    eqns.append(eqn)
  return _rebuild(jaxpr, eqns, env)


# ----------------------------------------------------------------------------------------------
# Forwarding of trivial operations
# ----------------------------------------------------------------------------------------------
def _same_type(a, b) -> bool:
  return a.aval.shape == b.aval.shape and a.aval.dtype == b.aval.dtype


def _is_const_scalar(a, value, zeros) -> bool:
  if type(a) is Literal:
    v = _literal_value(a)
    return (np.shape(v) == () and bool(v == value)
            and not (value == 0 and v.dtype.kind == "f" and np.signbit(v)))
  return value == 0 and a in zeros


def _fwd_identity(eqn, zeros):
  """The operand an equation passes through unchanged, or None."""
  name = eqn.primitive.name
  ins, p = eqn.invars, eqn.params
  out = eqn.outvars[0] if len(eqn.outvars) == 1 else None
  if out is None or eqn.primitive.multiple_results or eqn.primitive.effectful:
    return None
  if name in ("convert_element_type", "reshape", "squeeze", "stop_gradient", "copy"):
    if len(ins) == 1 and _same_type(ins[0], out) and p.get("dimensions") in (None, ()):
      return ins[0]
    return None
  if name == "broadcast_in_dim":
    x = ins[0]
    if _same_type(x, out) and tuple(p["broadcast_dimensions"]) == tuple(range(x.aval.ndim)):
      return x
    return None
  if name == "transpose":
    perm = tuple(p["permutation"])
    return ins[0] if perm == tuple(range(len(perm))) else None
  if name in ("reduce_sum", "reduce_max", "reduce_min", "reduce_prod") and not p["axes"]:
    return ins[0] if _same_type(ins[0], out) else None
  if name == "select_n" and len(ins) == 2:
    return ins[1] if _same_type(ins[1], out) else None
  if name == "integer_pow" and p.get("y") == 1:
    return ins[0]
  if name in ("add_any", "add") and len(ins) == 2:
    x, y = ins
    # x + 0 is x except for x = -0.0; add_any only ever sums (co)tangents, where that is moot.
    # x + (-0.0) is x exactly.
    if _same_type(x, out) and (_is_neg_zero(y) or name == "add_any" and y in zeros):
      return x
    if _same_type(y, out) and (_is_neg_zero(x) or name == "add_any" and x in zeros):
      return y
    return None
  if out.aval.dtype.kind == "c":  # (a+bi)*(1+0i) is not a+bi when b is inf or nan
    return None
  if name == "sub" and _same_type(ins[0], out) and _is_const_scalar(ins[1], 0, ()):
    return ins[0]  # x - (+0.0) is x exactly
  if name == "mul" and len(ins) == 2:
    x, y = ins
    if _same_type(x, out) and _is_const_scalar(y, 1, ()):
      return x
    if _same_type(y, out) and _is_const_scalar(x, 1, ()):
      return y
    return None
  if name == "div" and _same_type(ins[0], out) and _is_const_scalar(ins[1], 1, ()):
    return ins[0]
  return None


def _is_neg_zero(a) -> bool:
  if type(a) is not Literal or a.aval.dtype.kind != "f":
    return False
  v = _literal_value(a)
  return np.shape(v) == () and bool(v == 0) and bool(np.signbit(v))


def _known_zeros(jaxpr: Jaxpr, consts: list | None) -> set:
  """Variables known to hold all-zero arrays (constants and broadcasts of a zero)."""
  zeros: set = set()

  def is_zero(a):
    if type(a) is Literal:
      if a.aval.dtype.kind not in "biufc":
        return False
      v = _literal_value(a)
      return not v.any()
    return a in zeros

  if consts is not None:
    for v, c in zip(jaxpr.constvars, consts):
      val = _concrete(c)
      if val is not None and np.asarray(val).dtype.kind in "biufc" and not np.any(val):
        zeros.add(v)
  for eqn in jaxpr.eqns:
    if (eqn.primitive.name in ("broadcast_in_dim", "reshape", "convert_element_type",
                               "transpose", "squeeze", "neg") and eqn.invars
        and is_zero(eqn.invars[0])):
      zeros.add(eqn.outvars[0])
  return zeros


def forward_trivial(jaxpr: Jaxpr, consts: list | None = None) -> Jaxpr:
  """Replace the outputs of identity operations by their operands (the equations go dead)."""
  zeros = _known_zeros(jaxpr, consts)
  env: dict = {}
  eqns = []
  for eqn in jaxpr.eqns:
    eqn = _with_invars(eqn, _subst_atoms(eqn.invars, env))
    src = _fwd_identity(eqn, zeros)
    if src is not None:
      env[eqn.outvars[0]] = src
      continue
    eqns.append(eqn)
  return _rebuild(jaxpr, eqns, env)


# ----------------------------------------------------------------------------------------------
# Negations
# ----------------------------------------------------------------------------------------------
def _use_counts(jaxpr: Jaxpr) -> dict:
  uses: dict = {}
  for e in jaxpr.eqns:
    for v in e.invars:
      if type(v) is Var:
        uses[v] = uses.get(v, 0) + 1
  for v in jaxpr.outvars:
    if type(v) is Var:
      uses[v] = uses.get(v, 0) + 2   # an output is always needed
  return uses


def _neg_literal(lit: Literal) -> Literal:
  v = _literal_value(lit)
  return Literal(Array(np.negative(v)[()], lit.aval.weak_type), lit.aval)


def fold_negations(jaxpr: Jaxpr) -> Jaxpr:
  """Absorb `neg` into its neighbours, exactly (IEEE negation and subtraction are exact):
  neg(neg x) -> x;  neg(c * x) -> (-c) * x;  c * neg(x) -> (-c) * x;  x + neg(y) -> x - y;
  x - neg(y) -> x + y, for a scalar literal c and real or integer dtypes. A rewrite applies
  only when the inner result has no other use, so the inner equation dies."""
  uses = _use_counts(jaxpr)
  producer: dict = {}
  env: dict = {}
  eqns: list = []
  dead: set = set()

  def single(v):
    return type(v) is Var and uses.get(v, 0) == 1 and v in producer

  for eqn in jaxpr.eqns:
    eqn = _with_invars(eqn, _subst_atoms(eqn.invars, env))
    name, ins = eqn.primitive.name, eqn.invars
    kind = eqn.outvars[0].aval.dtype.kind if len(eqn.outvars) == 1 else ""
    new = None
    if kind in "if" and name == "neg" and single(ins[0]):
      inner = producer[ins[0]]
      if inner.primitive.name == "neg":
        env[eqn.outvars[0]] = inner.invars[0]
        dead.add(id(inner))
        continue
      if inner.primitive.name == "mul" and not inner.params:
        a, b = inner.invars
        if type(a) is Literal and a.aval.shape == ():
          new = JaxprEqn(inner.primitive, [_neg_literal(a), b], eqn.outvars, {})
        elif type(b) is Literal and b.aval.shape == ():
          new = JaxprEqn(inner.primitive, [a, _neg_literal(b)], eqn.outvars, {})
      if new is not None:
        dead.add(id(inner))
    elif kind in "if" and name == "mul" and not eqn.params:
      a, b = ins
      for lit, other in ((a, b), (b, a)):
        if (type(lit) is Literal and lit.aval.shape == () and single(other)
            and producer[other].primitive.name == "neg"):
          neg_eqn = producer[other]
          pair = [_neg_literal(lit), neg_eqn.invars[0]]
          new = JaxprEqn(eqn.primitive, pair if lit is a else pair[::-1], eqn.outvars, {})
          dead.add(id(neg_eqn))
          break
    elif kind in "if" and name in ("add", "sub") and not eqn.params:
      x, y = ins
      flip = {"add": "sub", "sub": "add"}[name]
      if single(y) and producer[y].primitive.name == "neg":
        prim = _PRIMS_BY_NAME().get(flip)
        if prim is not None and producer[y].invars[0].aval == y.aval:
          new = JaxprEqn(prim, [x, producer[y].invars[0]], eqn.outvars, {})
          dead.add(id(producer[y]))
    eqn = new or eqn
    for o in eqn.outvars:
      producer[o] = eqn
    eqns.append(eqn)
  eqns = [e for e in eqns if id(e) not in dead]
  return _rebuild(jaxpr, eqns, env)


def _PRIMS_BY_NAME() -> dict:
  from numjax._src.lax.base import all_primitives
  return all_primitives()


# ----------------------------------------------------------------------------------------------
# Constant folding
# ----------------------------------------------------------------------------------------------
def fold_constants(closed: ClosedJaxpr, max_size: int = FOLD_MAX_SIZE) -> ClosedJaxpr:
  """Evaluate equations whose inputs are all known now (literals, concrete constants).

  The impl runs at compile time; scalar results become literals, other results of at most
  `max_size` elements new constants. Effectful, impl-less and jaxpr-holding (loops, calls)
  primitives stay."""
  jaxpr = closed.jaxpr
  known: dict = {}
  for v, c in zip(jaxpr.constvars, closed.consts):
    val = _concrete(c)
    if val is not None:
      known[v] = val
  env: dict = {}
  constvars, consts = list(jaxpr.constvars), list(closed.consts)
  eqns = []
  for eqn in jaxpr.eqns:
    eqn = _with_invars(eqn, _subst_atoms(eqn.invars, env))
    prim = eqn.primitive
    foldable = (prim.impl is not None and not prim.effectful
                and all(type(a) is Literal or a in known for a in eqn.invars)
                and all(o.aval.size <= max_size for o in eqn.outvars)
                and not _has_jaxpr_param(eqn.params))
    if foldable:
      vals = [_literal_value(a) if type(a) is Literal else known[a] for a in eqn.invars]
      vals = [v[()] if isinstance(v, np.ndarray) and v.ndim == 0 else v for v in vals]
      try:
        with np.errstate(all="ignore"):
          out = prim.impl(*vals, **eqn.params)
      except Exception:  # leave it to run time, where the error is reported properly
        out = None
      if out is not None:
        outs = out if prim.multiple_results else [out]
        for var, o in zip(eqn.outvars, outs):
          o = np.asarray(o)
          if o.dtype != var.aval.dtype or o.shape != var.aval.shape:
            break
        else:
          for var, o in zip(eqn.outvars, outs):
            o = np.asarray(o)
            if o.shape == ():
              env[var] = Literal(Array(o[()], var.aval.weak_type), var.aval)
            else:
              new = Var(var.aval)
              constvars.append(new)
              consts.append(Array(o, var.aval.weak_type))
              known[new] = o
              env[var] = new
          continue
    eqns.append(eqn)
  return ClosedJaxpr(_rebuild(jaxpr, eqns, env, constvars), consts)


def _has_jaxpr_param(params: dict) -> bool:
  """Loops and calls (params holding jaxprs) are not folded: their cost is unbounded."""
  for v in params.values():
    if isinstance(v, (Jaxpr, ClosedJaxpr)) or (
        isinstance(v, (tuple, list)) and any(isinstance(x, (Jaxpr, ClosedJaxpr)) for x in v)):
      return True
  return False


# ----------------------------------------------------------------------------------------------
# Inlining of call equations
# ----------------------------------------------------------------------------------------------
def _inline_param(eqn) -> str | None:
  """The param holding a ClosedJaxpr this equation evaluates (per its primitive), or None."""
  name = getattr(eqn.primitive, "inline_param", None)
  if name is None or not isinstance(eqn.params.get(name), ClosedJaxpr):
    return None
  inner = eqn.params[name]
  if len(inner.jaxpr.invars) != len(eqn.invars) or len(inner.jaxpr.outvars) != len(eqn.outvars):
    return None
  return name


def inline_calls(closed: ClosedJaxpr, should_inline: Callable | None = None) -> ClosedJaxpr:
  """Splice call equations into the enclosing jaxpr (recursively).

  By default the equations inlined are those whose primitive names an `inline_param` (the
  `jit` primitive: `inline_param = "jaxpr"`); `should_inline(eqn) -> param name or None`
  chooses others (codegen also inlines custom_jvp/custom_vjp calls to their primal jaxprs).
  The inner jaxpr's constants become constants of the result."""
  pick = should_inline or _inline_param
  if not any(pick(e) for e in closed.jaxpr.eqns):
    return closed
  jaxpr = closed.jaxpr
  constvars, consts = list(jaxpr.constvars), list(closed.consts)
  env: dict = {}
  eqns: list = []

  def splice(inner: ClosedJaxpr, ins: list, outs: list):
    inner = inline_calls(inner, should_inline)
    ij = inner.jaxpr
    ienv: dict = {}
    for v, c in zip(ij.constvars, inner.consts):
      new = Var(v.aval)
      constvars.append(new)
      consts.append(c)
      ienv[v] = new
    for v, a in zip(ij.invars, ins):
      ienv[v] = a
    for e in ij.eqns:
      new_outs = [Var(o.aval) for o in e.outvars]
      for o, n in zip(e.outvars, new_outs):
        ienv[o] = n
      eqns.append(JaxprEqn(e.primitive, _subst_atoms(e.invars, ienv), new_outs, e.params))
    for o, io in zip(outs, ij.outvars):
      env[o] = ienv.get(io, io) if type(io) is Var else io

  for eqn in jaxpr.eqns:
    ins = _subst_atoms(eqn.invars, env)
    name = pick(eqn)
    if name is not None:
      splice(eqn.params[name], ins, eqn.outvars)
      continue
    eqns.append(_with_invars(eqn, ins))
  return ClosedJaxpr(_rebuild(jaxpr, eqns, env, constvars), consts)


# ----------------------------------------------------------------------------------------------
# Constants
# ----------------------------------------------------------------------------------------------
def prune_consts(closed: ClosedJaxpr) -> ClosedJaxpr:
  """Drop constvars no equation or output reads; merge constvars bound to the same object."""
  jaxpr = closed.jaxpr
  used = {v for e in jaxpr.eqns for v in e.invars if type(v) is Var}
  used.update(v for v in jaxpr.outvars if type(v) is Var)
  by_id: dict = {}
  env: dict = {}
  constvars, consts = [], []
  for v, c in zip(jaxpr.constvars, closed.consts):
    if v not in used:
      continue
    prev = by_id.get(id(c))
    if prev is not None and prev.aval == v.aval:
      env[v] = prev
      continue
    by_id[id(c)] = v
    constvars.append(v)
    consts.append(c)
  if len(constvars) == len(jaxpr.constvars):
    return closed
  eqns = [_with_invars(e, _subst_atoms(e.invars, env)) for e in jaxpr.eqns]
  return ClosedJaxpr(_rebuild(jaxpr, eqns, env, constvars), consts)


# ----------------------------------------------------------------------------------------------
# The pipeline
# ----------------------------------------------------------------------------------------------
def optimize(closed: ClosedJaxpr) -> ClosedJaxpr:
  """The pass pipeline used by jit: inline, forward, fold, CSE, forward again, negations,
  DCE, prune."""
  closed = inline_calls(closed)
  closed = ClosedJaxpr(forward_trivial(closed.jaxpr, closed.consts), closed.consts)
  closed = fold_constants(closed)
  closed = ClosedJaxpr(cse(closed.jaxpr), closed.consts)
  closed = ClosedJaxpr(forward_trivial(closed.jaxpr, closed.consts), closed.consts)
  closed = ClosedJaxpr(fold_negations(dce(closed.jaxpr)), closed.consts)
  closed = ClosedJaxpr(dce(closed.jaxpr), closed.consts)
  return prune_consts(closed)
