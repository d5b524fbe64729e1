"""Helpers shared by the control-flow primitives (control_flow.py, solves.py).

* closed jaxprs that cache their compiled NumPy function (`CachedJaxpr`, `numpy_fun`);
* tracing user functions over pytrees, with the values they close over turned into leading
  operands (`trace_user`), and staging rule-made functions (`trace_closed`);
* transformations of a body jaxpr by tracing it under another trace: `jvp_jaxpr`,
  `batch_jaxpr`, `batch_jaxpr_axes`, `partial_eval_jaxpr` (split into known and unknown parts);
* JAX's error messages for carries and branch outputs.
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable, NamedTuple, Sequence

from numjax._src import codegen, core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Jaxpr, ShapedArray, Tracer, Var, get_aval, \
    set_current_trace
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters import partial_eval as pe
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L

# ----------------------------------------------------------------------------------------------
# Small list helpers
# ----------------------------------------------------------------------------------------------
def split_list(xs, sizes):
  out, i = [], 0
  for s in sizes:
    out.append(list(xs[i:i + s]))
    i += s
  out.append(list(xs[i:]))
  return out


def merge_lists(mask, falses, trues):
  """Interleave: take from `trues` where mask is True, else from `falses`."""
  f, t = iter(falses), iter(trues)
  return [next(t) if m else next(f) for m in mask]


def partition_list(mask, xs):
  return [x for x, m in zip(xs, mask) if not m], [x for x, m in zip(xs, mask) if m]


def or_lists(a, b):
  return [x or y for x, y in zip(a, b)]


def typematch(a: ShapedArray, b: ShapedArray) -> bool:
  return a.shape == b.shape and a.dtype == b.dtype


def mapped_aval(a: ShapedArray) -> ShapedArray:
  return ShapedArray(a.shape[1:], a.dtype, a.weak_type)


def unmapped_aval(n: int, a: ShapedArray) -> ShapedArray:
  return ShapedArray((n,) + a.shape, a.dtype, a.weak_type)


# ----------------------------------------------------------------------------------------------
# Jaxpr helpers: closing, compiling, tracing
# ----------------------------------------------------------------------------------------------
class CachedJaxpr(ClosedJaxpr):
  """A ClosedJaxpr that caches its compiled NumPy function (`_fn`: None, the number of
  interpreted runs so far, or the compiled function) and whether it has effects."""
  __slots__ = ("_fn", "_eff")

  def __init__(self, jaxpr: Jaxpr, consts=()):
    ClosedJaxpr.__init__(self, jaxpr, consts)
    self._fn = None
    self._eff = None


def has_effects(closed: ClosedJaxpr) -> bool:
  """Whether an equation of `closed` is effectful (e.g. debug.print)."""
  eff = getattr(closed, "_eff", None)
  if eff is None:
    eff = any(e.primitive.effectful for e in closed.jaxpr.eqns)
    if type(closed) is CachedJaxpr:
      closed._eff = eff
  return eff


def add_effectful_twin(p: core.Primitive) -> None:
  """Give `p` a twin with the same name and rules that is `effectful`, to bind when a body
  has effects: jit's passes then keep the equation (no DCE, CSE or constant folding)."""
  twin = core.Primitive(p.name, multiple_results=p.multiple_results)
  vars(twin).update(vars(p))
  twin.effectful = True
  p.effectful_twin = twin
  twin.effectful_twin = twin


def variant(p: core.Primitive, jaxprs) -> core.Primitive:
  """`p`, or its effectful twin if one of `jaxprs` has effects."""
  return p.effectful_twin if any(has_effects(j) for j in jaxprs) else p


def numpy_fun(closed: ClosedJaxpr) -> Callable:
  """`closed` compiled to a function of NumPy values returning a list of NumPy values."""
  fn = getattr(closed, "_fn", None)
  if fn is None or type(fn) is int:
    if type(closed) is CachedJaxpr:
      fn = closed._fn = codegen.compile_jaxpr(closed)
    else:
      from numjax._src.jit import compiled_fun
      fn = compiled_fun(closed)
  return fn


# Compiling a jaxpr costs about as much as interpreting this many equations.
_INTERPRET_BUDGET = ad.INTERPRET_BUDGET


def run_numpy(closed: ClosedJaxpr, vals) -> list:
  """Run `closed` on NumPy values: interpreted (equation by equation, on the eval trace) while
  that is cheaper than compiling, i.e. for the first few runs of a small jaxpr (an eager
  cond branch, a short loop); compiled after that."""
  fn = getattr(closed, "_fn", None)
  if fn is not None and type(fn) is not int:
    return fn(*vals)
  runs = (fn or 0) + 1
  if type(closed) is not CachedJaxpr or runs * (len(closed.jaxpr.eqns) + 2) > _INTERPRET_BUDGET:
    return numpy_fun(closed)(*vals)
  closed._fn = runs
  with set_current_trace(core.eval_trace):
    outs = core.eval_jaxpr(closed.jaxpr, closed.consts, *[Array(v, False) for v in vals])
  return [o._value if type(o) is Array else o for o in outs]


def eval_closed(closed: ClosedJaxpr, *args) -> list:
  return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def trace_closed(fun: Callable, in_avals) -> CachedJaxpr:
  """Stage `fun` (flat in, flat out) into a closed jaxpr (for rules' derived jaxprs)."""
  jaxpr, consts, _ = pe.trace_to_jaxpr(fun, list(in_avals))
  return CachedJaxpr(jaxpr, consts)


def open_consts(jaxpr: Jaxpr, consts) -> tuple[CachedJaxpr, list]:
  """Move constvars to leading invars; the consts become operands."""
  closed = CachedJaxpr(Jaxpr([], list(jaxpr.constvars) + list(jaxpr.invars), jaxpr.outvars,
                             jaxpr.eqns))
  return closed, [c if isinstance(c, Tracer) else L.asarray(c) for c in consts]


def with_io(closed: ClosedJaxpr, invars=None, outvars=None) -> CachedJaxpr:
  j = closed.jaxpr
  return CachedJaxpr(Jaxpr(j.constvars, j.invars if invars is None else invars,
                           j.outvars if outvars is None else outvars, j.eqns), closed.consts)


def forwarding(jaxpr: Jaxpr) -> list:
  """For each output, the index of the input it is (as a variable), else None."""
  idx = {v: i for i, v in enumerate(jaxpr.invars)}
  return [idx.get(v) if isinstance(v, Var) else None for v in jaxpr.outvars]


def dce_jaxpr(closed: ClosedJaxpr, keep_outputs: Sequence[bool], keep_inputs=None,
              keep_effects: bool = True):
  """Keep only some outputs and drop the equations they do not need (and effectful ones
  unless `keep_effects`). With `keep_inputs` (booleans: inputs kept whatever), also drop
  unused inputs; then returns (jaxpr, which inputs are kept)."""
  j = closed.jaxpr
  outvars = [v for v, k in zip(j.outvars, keep_outputs) if k]
  live = {v for v in outvars if isinstance(v, Var)}
  eqns = []
  for e in reversed(j.eqns):
    if (keep_effects and e.primitive.effectful) or any(o in live for o in e.outvars):
      eqns.append(e)
      live.update(v for v in e.invars if isinstance(v, Var))
  eqns.reverse()
  if keep_inputs is None:
    return CachedJaxpr(Jaxpr(j.constvars, j.invars, outvars, eqns), closed.consts)
  used = [k or v in live for v, k in zip(j.invars, keep_inputs)]
  invars = [v for v, u in zip(j.invars, used) if u]
  return CachedJaxpr(Jaxpr(j.constvars, invars, outvars, eqns), closed.consts), used


def _check_outs(fun, out, out_leaves, traced_for: str) -> list:
  """The output leaves as Arrays/tracers; JAX's error for a leaf that is not a JAX type."""
  res = []
  for i, x in enumerate(out_leaves):
    if type(x) is Array or isinstance(x, Tracer):
      res.append(x)
    elif core.is_valid_jaxtype(x):
      res.append(L.asarray(x))
    else:
      paths = [tu.keystr(p) for p, _ in tu.tree_flatten_with_path(out)[0]]
      extra = f" at output component {paths[i]}" if i < len(paths) and paths[i] else ""
      raise TypeError(f"function {fun_sourceinfo(fun)} traced for {traced_for} returned a "
                      f"value of type {type(x)}{extra}, which is not a valid JAX type")
  return res


def as_leaf(x):
  """An operand leaf as an Array (Python scalars weakly typed), tracers as they are."""
  if type(x) is Array or isinstance(x, Tracer):
    return x
  if not core.is_valid_jaxtype(x):
    raise TypeError(f"Value {x!r} with type {type(x)} is not a valid JAX type")
  return L.asarray(x)


def trace_user(fun: Callable, in_tree, in_avals, what: str):
  """Trace the user function `fun(*tree_unflatten(in_tree, leaves))`.

  Returns (jaxpr with the closed-over values as leading invars, those values, out treedef).
  """
  store = []

  def flat(*leaves):
    out = fun(*tu.tree_unflatten(in_tree, leaves))
    out_leaves, out_tree = tu.tree_flatten(out)
    store.append(out_tree)
    return _check_outs(fun, out, out_leaves, what)
  jaxpr, consts, _ = pe.trace_to_jaxpr(flat, list(in_avals))
  closed, consts = open_consts(jaxpr, consts)
  return closed, consts, store[0]


# ----------------------------------------------------------------------------------------------
# Jaxpr transformations by tracing
# ----------------------------------------------------------------------------------------------
def jvp_jaxpr(closed: ClosedJaxpr, nonzeros: Sequence[bool], instantiate):
  """JVP of a jaxpr: ([primals, nonzero tangents] -> [primal outs, nonzero tangent outs],
  which tangent outputs are nonzero)."""
  n_out = len(closed.out_avals)
  if isinstance(instantiate, bool):
    instantiate = [instantiate] * n_out
  in_avals = closed.in_avals
  tan_avals = [a.to_tangent_aval() for a, nz in zip(in_avals, nonzeros) if nz]
  n = len(in_avals)
  store = []

  def fun(*args):
    primals, it = args[:n], iter(args[n:])
    tangents = [next(it) if nz else Zero(a.to_tangent_aval())
                for a, nz in zip(in_avals, nonzeros)]
    outs, touts = ad.jvp_flat(lambda *xs: eval_closed(closed, *xs), primals, tangents)
    out_nz = [type(t) is not Zero or inst for t, inst in zip(touts, instantiate)]
    store.append(out_nz)
    return list(outs) + [ad.instantiate_zeros(t) for t, nz in zip(touts, out_nz) if nz]
  return trace_closed(fun, list(in_avals) + tan_avals), store[0]


def batch_jaxpr(closed: ClosedJaxpr, axis_data, in_batched: Sequence[bool], instantiate):
  """Batch a jaxpr along axis 0 of the batched inputs; outputs batched along axis 0.
  Returns (batched jaxpr, which outputs are batched)."""
  size = axis_data.size
  n_out = len(closed.out_avals)
  if isinstance(instantiate, bool):
    instantiate = [instantiate] * n_out
  in_avals = [unmapped_aval(size, a) if b else a for a, b in zip(closed.in_avals, in_batched)]
  store = []

  def fun(*args):
    trace = batching.BatchTrace(core.current_trace(), core.new_tag(), axis_data)
    ins = [batching.BatchTracer(trace, a, 0) if b else a for a, b in zip(args, in_batched)]
    try:
      with set_current_trace(trace):
        outs = eval_closed(closed, *ins)
      vals = [trace.to_batch_info(o) for o in outs]
    finally:
      trace.dead = True
    out_b = [d is not None or inst for (_, d), inst in zip(vals, instantiate)]
    store.append(out_b)
    return [batching.matchaxis(v, d, 0 if b else None, size) for (v, d), b in zip(vals, out_b)]
  return trace_closed(fun, in_avals), store[0]


def batch_jaxpr_dims(closed: ClosedJaxpr, axis_data, in_dims: Sequence):
  """Batch a jaxpr along the given input batch dims (None: unbatched); each output keeps the
  batch dim its computation gives it (None: unbatched), as JAX's batch_jaxpr2 does.
  Returns (batched jaxpr, output dims)."""
  size = axis_data.size
  in_avals = []
  for a, d in zip(closed.in_avals, in_dims):
    if d is not None:
      shape = list(a.shape)
      shape.insert(d, size)
      a = ShapedArray(tuple(shape), a.dtype, a.weak_type)
    in_avals.append(a)
  store = []

  def fun(*args):
    trace = batching.BatchTrace(core.current_trace(), core.new_tag(), axis_data)
    ins = [x if d is None else batching.BatchTracer(trace, x, d) for x, d in zip(args, in_dims)]
    try:
      with set_current_trace(trace):
        outs = eval_closed(closed, *ins)
      vals = [trace.to_batch_info(o) for o in outs]
    finally:
      trace.dead = True
    store.append([d for _, d in vals])
    return [v for v, _ in vals]
  return trace_closed(fun, in_avals), store[0]


def batch_jaxpr_axes(closed, axis_data, in_batched, in_axes, out_axes):
  """Batch a jaxpr with given input/output batch axes (None: unbatched)."""
  size = axis_data.size
  in_avals = []
  for a, b, ax in zip(closed.in_avals, in_batched, in_axes):
    if b:
      shape = list(a.shape)
      shape.insert(ax, size)
      a = ShapedArray(tuple(shape), a.dtype, a.weak_type)
    in_avals.append(a)

  def fun(*args):
    trace = batching.BatchTrace(core.current_trace(), core.new_tag(), axis_data)
    ins = [batching.BatchTracer(trace, x, ax) if b else x
           for x, b, ax in zip(args, in_batched, in_axes)]
    try:
      with set_current_trace(trace):
        outs = eval_closed(closed, *ins)
      vals = [trace.to_batch_info(o) for o in outs]
    finally:
      trace.dead = True
    return [batching.matchaxis(v, d, ax, size) for (v, d), ax in zip(vals, out_axes)]
  return trace_closed(fun, in_avals)


class PEResult(NamedTuple):
  known: CachedJaxpr    # known ins -> known outs + computed residuals
  unknown: CachedJaxpr  # residuals + unknown ins -> unknown outs
  out_uk: list          # which outputs are unknown
  res_kinds: list       # per residual: ("fwd", known input index) | ("const", value) | ("out", k)
  res_avals: list


def partial_eval_jaxpr(closed: ClosedJaxpr, unknowns: Sequence[bool], instantiate,
                       fwd_ok: Sequence[bool] | None = None,
                       res_out: bool = False) -> PEResult:
  """Split a jaxpr into the part computable from the known inputs and the rest.

  Runs the jaxpr under a partial evaluator whose parent is the trace staging the known jaxpr:
  equations with only known inputs are staged there, the others are recorded in the unknown
  jaxpr, and the known values they use are its residuals. A residual that is a known input
  (allowed by `fwd_ok`, indexed among the known inputs) or a constant is reported as such
  instead of being an output of the known jaxpr, unless `res_out`.
  """
  n_out = len(closed.out_avals)
  if isinstance(instantiate, bool):
    instantiate = [instantiate] * n_out
  in_avals = closed.in_avals
  known_avals = [a for a, u in zip(in_avals, unknowns) if not u]
  store = {}

  def known_fun(*known_ins):
    kt = core.current_trace()
    ukt = pe.JaxprTrace(kt, stage_all=False)
    it = iter(known_ins)
    args = [ukt.new_arg(a) if u else next(it) for a, u in zip(in_avals, unknowns)]
    try:
      with set_current_trace(ukt):
        outs = eval_closed(closed, *args)
      out_uk = [ukt.is_own(o) or inst for o, inst in zip(outs, instantiate)]
      jaxpr_u, res = ukt.to_jaxpr([o for o, u in zip(outs, out_uk) if u])
    finally:
      ukt.dead = True
    kinds, computed = [], []
    for r in res:
      idx = next((i for i, k in enumerate(known_ins) if k is r), None)
      if not res_out and idx is not None and (fwd_ok is None or fwd_ok[idx]):
        kinds.append(("fwd", idx))
      elif not res_out and not isinstance(r, Tracer):
        kinds.append(("const", r))
      else:
        kinds.append(("out", len(computed)))
        computed.append(r)
    store.update(jaxpr_u=jaxpr_u, out_uk=out_uk, kinds=kinds,
                 res_avals=[get_aval(r) for r in res])
    return [o for o, u in zip(outs, out_uk) if not u] + computed

  known = trace_closed(known_fun, known_avals)
  ju = store["jaxpr_u"]
  unknown = CachedJaxpr(Jaxpr([], list(ju.constvars) + list(ju.invars), ju.outvars, ju.eqns))
  return PEResult(known, unknown, store["out_uk"], store["kinds"], store["res_avals"])


# ----------------------------------------------------------------------------------------------
# Error messages (JAX's words)
# ----------------------------------------------------------------------------------------------
def fun_sourceinfo(fun) -> str:
  while isinstance(fun, functools.partial):
    fun = fun.func
  fun = inspect.unwrap(fun)
  try:
    return f"{fun.__name__} at {fun.__code__.co_filename}:{fun.__code__.co_firstlineno}"
  except AttributeError:
    return "<unknown>"


def _capitalize(s: str) -> str:
  return s[0].upper() + s[1:]


def _equality_errors(path, t1, t2):
  """Structural differences of two pytrees: (path, thing1, thing2, explanation)."""
  if (tu.treedef_is_strict_leaf(tu.tree_structure(t1))
      and tu.treedef_is_strict_leaf(tu.tree_structure(t2))):
    return
  if type(t1) != type(t2):
    yield path, str(type(t1)), str(type(t2)), "their Python types differ"
    return
  if isinstance(t1, (list, tuple)) and len(t1) != len(t2):
    yield (path, f"{type(t1).__name__} of length {len(t1)}",
           f"{type(t2).__name__} of length {len(t2)}", "the lengths do not match")
    return
  kc1, m1 = tu.flatten_one_level_with_keys(t1)
  kc2, m2 = tu.flatten_one_level_with_keys(t2)
  kc1, kc2 = list(kc1), list(kc2)
  if len(kc1) != len(kc2):
    k1, k2 = {k for k, _ in kc1}, {k for k, _ in kc2}
    diff = " ".join(repr(getattr(k, "key", k)) for k in k1.symmetric_difference(k2))
    yield (path, f"{type(t1)} with {len(kc1)} child{'ren' if len(kc1) > 1 else ''}",
           f"{type(t2)} with {len(kc2)} child{'ren' if len(kc2) > 1 else ''}",
           "the numbers of children do not match" +
           (diff and f", with the symmetric difference of key sets: {{{diff}}}"))
    return
  if m1 != m2:
    yield (path, f"{type(t1)} with pytree metadata {m1}", f"{type(t2)} with pytree metadata {m2}",
           "the pytree node metadata does not match")
    return
  for (k, c1), (_, c2) in zip(kc1, kc2):
    yield from _equality_errors((*path, k), c1, c2)



def _equality_errors_treedef(tree1, tree2):
  LeafMeta = type("LeafMeta", (type,), dict(__repr__=lambda _: "pytree leaf"))
  leaf = LeafMeta("Leaf", (), {})()
  return _equality_errors((), tu.tree_unflatten(tree1, [leaf] * tree1.num_leaves),
                          tu.tree_unflatten(tree2, [leaf] * tree2.num_leaves))


def _mismatch_extra(a1: ShapedArray, a2: ShapedArray) -> str:
  mismatches = []
  if a1.dtype != a2.dtype:
    mismatches.append("the dtypes do not match")
  if a1.shape != a2.shape:
    mismatches.append("the shapes do not match")
  if not mismatches:
    return ""
  if len(mismatches) == 1:
    return ", so " + mismatches[0]
  return ", so " + ", ".join(mismatches[:-1]) + ", and " + mismatches[-1]


def aval_type_str(a: ShapedArray) -> str:
  return f"{a.dtype.name}[{','.join(str(d) for d in a.shape)}]"


def check_carry_type(name: str, body_fun, in_tree, in_avals, out_tree, out_avals) -> None:
  """JAX's errors for a loop body whose output carry differs from its input carry."""
  if in_tree == out_tree and all(typematch(a, b) for a, b in zip(in_avals, out_avals)):
    return
  try:
    sig = inspect.signature(body_fun)
    carry_name = list(sig.parameters)[0] if sig.parameters else None
  except (ValueError, TypeError):
    carry_name = None
  if carry_name:
    component = lambda p: (f"the input carry component {carry_name}{tu.keystr(p)}"
                           if p else f"the input carry {carry_name}")
  else:
    component = lambda p: (f"the input carry at path {tu.keystr(p)}" if p else "the input carry")
  if in_tree != out_tree:
    diffs = [f"{component(path)} is a {thing1} but the corresponding component of the carry "
             f"output is a {thing2}, so {expl}"
             for path, thing1, thing2, expl in _equality_errors(
                 (), tu.tree_unflatten(in_tree, in_avals), tu.tree_unflatten(out_tree, out_avals))]
    if not diffs:
      return
    differences = (f"{_capitalize(diffs[0])}.\n" if len(diffs) == 1 else
                   "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n")
    raise TypeError(
        f"{name} function carry input and carry output must have the same pytree structure, "
        f"but they differ:\n\n{differences}\nRevise the function so that the carry output has "
        "the same pytree structure as the carry input.")
  if not all(typematch(a, b) for a, b in zip(in_avals, out_avals)):
    paths = [p for p, _ in tu.tree_flatten_with_path(tu.tree_unflatten(in_tree, in_avals))[0]]
    diffs = [f"{component(p)} has type {aval_type_str(a)} but the corresponding output carry "
             f"component has type {aval_type_str(b)}{_mismatch_extra(a, b)}"
             for p, a, b in zip(paths, in_avals, out_avals) if not typematch(a, b)]
    differences = (f"{_capitalize(diffs[0])}.\n" if len(diffs) == 1 else
                   "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n")
    raise TypeError(
        f"{name} function carry input and carry output must have equal types, but they "
        f"differ:\n\n{differences}\nRevise the function so that all output types match the "
        "corresponding input types.")


def check_branch_outputs(api_name, name1, name2, f1, f2, tree1, avals1, tree2, avals2):
  """JAX's errors for branches of a cond/switch whose outputs differ."""
  if tree1 == tree2 and all(typematch(a, b) for a, b in zip(avals1, avals2)):
    return
  info1, info2 = fun_sourceinfo(f1), fun_sourceinfo(f2)
  try:
    paths = [p for p, _ in tu.tree_flatten_with_path(tu.tree_unflatten(tree1, avals1))[0]]
  except Exception:
    paths = [None] * len(avals1)
  component = lambda p: f" at path {tu.keystr(p)}" if p else ""
  if tree1 != tree2:
    diffs = [f"{name1} output{component(p)} is a {thing1} but {name2} output{component(p)} is "
             f"a {thing2}, so {expl}"
             for p, thing1, thing2, expl in _equality_errors_treedef(tree1, tree2)]
    if not diffs:
      return
    differences = (f"{diffs[0]}.\n" if len(diffs) == 1 else
                   "\n".join(f"  * {d};\n" for d in diffs[:-1]) + f"  * {diffs[-1]}.\n")
    raise TypeError(
        f"{api_name} branch outputs must have the same pytree structure, but they differ:\n\n"
        f"{name1} is {info1}\n{name2} is {info2}\n\n{differences}\n"
        f"Revise {name1} and/or {name2} so that they have the same pytree structure.")
  if not all(typematch(a, b) for a, b in zip(avals1, avals2)):
    diffs = [f"the output of {name1}{component(p)} has type {aval_type_str(a)} but the "
             f"corresponding output of {name2} has type {aval_type_str(b)}"
             f"{_mismatch_extra(a, b)}"
             for p, a, b in zip(paths, avals1, avals2) if not typematch(a, b)]
    differences = (f"{_capitalize(diffs[0])}.\n" if len(diffs) == 1 else
                   "\n".join(f"  * {d};" for d in diffs[:-1]) + f"\n  * {diffs[-1]}.\n")
    raise TypeError(
        f"{api_name} branches must have equal output types but they differ.\n\n"
        f"{name1} is {info1}\n{name2} is {info2}\n\n{differences}\n"
        f"Revise {name1} and/or {name2} so that all output types match.")


def promote_weak(leaf, in_aval: ShapedArray, out_aval: ShapedArray):
  """A weakly typed initial carry takes the dtype the body gives it (JAX's two-pass trace)."""
  if in_aval.weak_type and not typematch(in_aval, out_aval):
    new_dtype = dtypes.result_type(in_aval, out_aval)
    return L.convert_element_type(leaf, new_dtype), True
  return leaf, False


def weak_outs(key):
  def rule(args, params):
    return [a.weak_type for a in key(params)]
  return rule
