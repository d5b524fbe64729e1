"""`custom_vmap`: a function with its own rule for `vmap`; `sequential_vmap` (a loop).

Calling a `custom_vmap` function stages it to a jaxpr (`call`; values it closes over become
leading operands) and binds `custom_vmap_call` with that jaxpr and the rule. Evaluation and
staging (jit, make_jaxpr) use `call`; the batching trace calls the rule
`rule(axis_size, in_batched, *args) -> (out, out_batched)` with every batched argument's mapped
axis moved to the front; forward mode differentiates the rule (a new `custom_vmap_call` whose
`call` is the JVP of the old one and whose rule is the JVP of the old rule). Reverse mode is not
supported, as in JAX (grad raises JAX's "Linearization failed ..." error): wrap the function in
`custom_vjp` to give it a gradient. Differences from JAX: an argument whose primal and tangent
are batched differently (one of them only) is passed to the rule as batched, the other half
broadcast, unless no primal is batched at all (then the rule sees unbatched primals and its JVP
is vmapped over the tangents, as JAX does); a custom_vmap function that closes over a value
batched by the vmap being applied raises a ValueError (JAX: an assertion).

    >>> @custom_vmap
    ... def f(x, y):
    ...   return x + y
    >>> @f.def_vmap
    ... def rule(axis_size, in_batched, xs, ys):
    ...   return xs * ys, in_batched[0] or in_batched[1]
    >>> numjax.vmap(f)(jnp.arange(3.), jnp.arange(1., 4.))   # xs * ys, not xs + ys
    Array([0., 2., 6.], dtype=float32)
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from numjax._src import core
from numjax._src import tree_util as tu
from numjax._src.core import ClosedJaxpr, Jaxpr, get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters import partial_eval as pe
from numjax._src.lax import lax


# ----------------------------------------------------------------------------------------------
# Rules as the primitive holds them: flat values and flags in, flat values and flags out
# ----------------------------------------------------------------------------------------------
def _rule_name(rule) -> str:
  return getattr(rule, "__name__", "<unnamed rule>")


def _check_rule_trees(rule, original_out_tree, out_tree, out_batched_tree) -> None:
  if out_tree != out_batched_tree:
    raise ValueError("structure of output value and output batching specification returned by "
                     f"custom vmap rule ({_rule_name(rule)}) do not match.\n"
                     f"Output values: {out_tree}\nBatching spec: {out_batched_tree}")
  if out_tree != original_out_tree:
    raise ValueError(f"structure of output returned by custom vmap rule ({_rule_name(rule)}) "
                     "does not match that of original custom-vmapped function.\n"
                     f"Original output: {original_out_tree}\nRule output: {out_tree}")


def _as_array(x):
  return x if isinstance(x, core.Tracer) or hasattr(x, "_value") else lax.asarray(x)


class _UserRule:
  """The user's rule over (closed-over values, args): prints as the user's function."""

  def __init__(self, rule: Callable, name: str, num_consts: int, in_tree, out_tree):
    self.rule = rule
    self.name = name
    self.num_consts = num_consts
    self.in_tree = in_tree      # of the argument tuple
    self.out_tree = out_tree

  def flat(self, axis_size: int, in_batched: list, vals: list) -> tuple[list, list]:
    n = self.num_consts
    if any(in_batched[:n]):
      raise ValueError(f"The custom_vmap function {self.name} closes over a value that an "
                       "enclosing vmap batches; pass that value to it as an argument instead.")
    args = tu.tree_unflatten(self.in_tree, vals[n:])
    flags = tu.tree_unflatten(self.in_tree, in_batched[n:])
    res = self.rule(axis_size, list(flags), *args)
    if not (isinstance(res, (tuple, list)) and len(res) == 2):
      raise TypeError(f"custom vmap rule ({_rule_name(self.rule)}) must return a pair "
                      f"(batched outputs, output batching specification), got {res!r}.")
    out, out_batched = res
    out_flat, tree1 = tu.tree_flatten(out)
    batched_flat, tree2 = tu.tree_flatten(out_batched)
    _check_rule_trees(self.rule, self.out_tree, tree1, tree2)
    return [_as_array(o) for o in out_flat], [bool(b) for b in batched_flat]

  def __str__(self):
    return str(self.rule)

  __repr__ = __str__


class _JvpRule:
  """The rule of a JVP'd call (primals, tangents in; primal and tangent outputs out).

  When only tangents are batched (vmap of jvp over tangents, as in jacfwd), the inner rule runs
  on the unbatched primals and its JVP is vmapped over the tangents, so primal outputs stay
  unbatched. Otherwise an argument whose primal or tangent is batched gets both batched (the
  other broadcast) and the JVP of the inner rule is taken on those."""

  def __init__(self, inner):
    self.inner = inner

  def flat(self, axis_size: int, in_batched: list, vals: list) -> tuple[list, list]:
    n = len(vals) // 2
    if any(in_batched[:n]):
      flags = [p or t for p, t in zip(in_batched[:n], in_batched[n:])]
      vals = [v if b or not f else batching.broadcast_batched(v, axis_size, 0)
              for v, b, f in zip(vals, in_batched, flags + flags)]
      extra = [None] * (2 * n)
    else:
      flags = [False] * n
      extra = [None] * n + [0 if t else None for t in in_batched[n:]]
    store = []

    def primal_rule(*ps):
      outs, out_batched = self.inner.flat(axis_size, flags, list(ps))
      store.append(out_batched)
      return outs

    def jvp_of_rule(*xs):
      out_p, out_t = ad.jvp_flat(primal_rule, xs[:n], xs[n:])
      return list(out_p) + [ad.instantiate_zeros(t) for t in out_t]
    outs, dims = _vmap_unrestricted(jvp_of_rule, vals, extra, axis_size)
    rule_batched = store[0]
    out_batched = [b or d is not None for b, d in zip(rule_batched + rule_batched, dims)]
    outs = [o if d is None else batching.moveaxis(o, d, 0) for o, d in zip(outs, dims)]
    return outs, out_batched

  def __str__(self):
    return f"<jvp of {self.inner}>"

  __repr__ = __str__


def _vmap_unrestricted(fun: Callable, vals: list, dims: list, axis_size: int):
  """`fun` batched along `dims`, returning its outputs with whatever batch dims they have."""
  if all(d is None for d in dims):
    outs = fun(*vals)
    return outs, [None] * len(outs)
  trace = batching.BatchTrace(core.current_trace(), core.TraceTag(),
                              batching.AxisData(None, axis_size))
  ins = [v if d is None else batching.BatchTracer(trace, v, d) for v, d in zip(vals, dims)]
  try:
    with core.set_current_trace(trace):
      outs = fun(*ins)
    infos = [trace.to_batch_info(o) for o in outs]
  finally:
    trace.dead = True
  return [v for v, _ in infos], [d for _, d in infos]


# ----------------------------------------------------------------------------------------------
# The primitive
# ----------------------------------------------------------------------------------------------
def _cv_fallback(*args, call: ClosedJaxpr, rule, in_tree, out_tree):
  return core.eval_jaxpr(call.jaxpr, call.consts, *args)


def _cv_abstract(*avals, call: ClosedJaxpr, **_):
  return list(call.out_avals)


def _cv_batch(vals, dims, *, call, rule, in_tree, out_tree):
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  vals = [v if d is None else batching.moveaxis(v, d, 0) for v, d in zip(vals, dims)]
  outs, out_batched = rule.flat(size, [d is not None for d in dims], vals)
  return outs, [0 if b else None for b in out_batched]


def _under_linearize() -> bool:
  trace = core.current_trace()
  return isinstance(trace, pe.JaxprTrace) and not trace.stage_all


def _cv_jvp(primals, tangents, *, call, rule, in_tree, out_tree):
  if _under_linearize():
    raise ValueError("Linearization failed to produce known values for all output primals. "
                     "This is typically caused by attempting to differentiate a function uses "
                     "an operation that does not support reverse-mode autodiff.")
  tangents = [ad.instantiate_zeros(t) for t in tangents]
  n = len(primals)

  def jvp_call(*xs):
    outs, t_outs = ad.jvp_flat(lambda *a: core.eval_jaxpr(call.jaxpr, call.consts, *a),
                               xs[:n], xs[n:])
    return list(outs) + [ad.instantiate_zeros(t) for t in t_outs]
  avals = [get_aval(x) for x in list(primals) + tangents]
  with core.set_current_trace(core.eval_trace):
    jaxpr, consts, _ = pe.trace_to_jaxpr(jvp_call, avals)
  outs = custom_vmap_call_p.bind(
      *primals, *tangents, call=ClosedJaxpr(jaxpr, consts), rule=_JvpRule(rule),
      in_tree=tu.treedef_tuple((in_tree, in_tree)),
      out_tree=tu.treedef_tuple((out_tree, out_tree)))
  m = len(outs) // 2
  return outs[:m], outs[m:]


custom_vmap_call_p = core.Primitive("custom_vmap_call", multiple_results=True)
custom_vmap_call_p.fallback = _cv_fallback
custom_vmap_call_p.abstract_eval = _cv_abstract
custom_vmap_call_p.batch = _cv_batch
custom_vmap_call_p.jvp = _cv_jvp
custom_vmap_call_p.weak_type_rule = lambda args, params: [
    a.weak_type for a in params["call"].out_avals]
custom_vmap_call_p.pp_params = lambda params: [
    ("call", params["call"]), ("in_tree", params["in_tree"]),
    ("out_tree", params["out_tree"]), ("rule", params["rule"])]
custom_vmap_call_p.inline_param = "call"   # outside vmap it is `call`: jit may splice it


# ----------------------------------------------------------------------------------------------
# The decorator
# ----------------------------------------------------------------------------------------------
class custom_vmap:
  """A function with a custom `vmap` rule: `@custom_vmap def f(...)`, then `@f.def_vmap`.

  The rule is `rule(axis_size, in_batched, *args) -> (out, out_batched)`: `in_batched` holds a
  bool per argument leaf (a list over the arguments), batched arguments have the mapped axis
  first, and `out_batched` (same structure as `out`) tells which outputs have it.
  """

  def __init__(self, fun: Callable[..., Any]):
    functools.update_wrapper(self, fun)
    self.fun = fun
    self.vmap_rule: Callable | None = None

  def def_vmap(self, vmap_rule: Callable) -> Callable:
    """Set the rule (usable as a decorator); returns it unchanged."""
    self.vmap_rule = vmap_rule
    return vmap_rule

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def __call__(self, *args, **kwargs):
    name = getattr(self.fun, "__name__", "<unnamed function>")
    args = _resolve_kwargs(self.fun, name, args, kwargs)
    if not self.vmap_rule:
      raise AttributeError(f"No batching rule defined for custom_vmap function {name} using "
                           "def_vmap.")
    leaves, in_tree = tu.tree_flatten(args)
    for leaf in leaves:
      if not core.is_valid_jaxtype(leaf):
        raise TypeError(f"Value {leaf!r} of type {type(leaf)} is not a valid JAX type")
    leaves = [_as_array(l) for l in leaves]
    out_tree = []

    def flat_fun(*xs):
      out = self.fun(*tu.tree_unflatten(in_tree, xs))
      out_leaves, tree = tu.tree_flatten(out)
      out_tree.append(tree)
      return [_as_array(o) for o in out_leaves]
    jaxpr, consts, _ = pe.trace_to_jaxpr(flat_fun, [get_aval(l) for l in leaves])
    call = ClosedJaxpr(Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns), [])
    rule = _UserRule(self.vmap_rule, name, len(consts), in_tree, out_tree[0])
    outs = custom_vmap_call_p.bind(
        *consts, *leaves, call=call, rule=rule,
        in_tree=tu.treedef_tuple((tu.tree_structure(list(consts)), in_tree)),
        out_tree=out_tree[0])
    return tu.tree_unflatten(out_tree[0], outs)


def _resolve_kwargs(fun, name, args, kwargs) -> tuple:
  import inspect
  try:
    sig = inspect.signature(fun)
  except (TypeError, ValueError):
    if kwargs:
      raise
    return args
  try:
    ba = sig.bind(*args, **kwargs)
  except TypeError as e:
    raise TypeError("The input arguments to the custom_vmap-decorated function "
                    f"{name} could not be resolved to positional-only arguments. Binding "
                    f"failed with the error:\n{e}") from e
  ba.apply_defaults()
  return ba.args


def sequential_vmap(f: Callable) -> custom_vmap:
  """`f` batched by looping over the batch (`lax.map`) instead of vectorising it.

      >>> @sequential_vmap
      ... def f(x):
      ...   return x + 1
      >>> numjax.vmap(f)(jnp.arange(3))    # f runs once per element, in a scan
      Array([1, 2, 3], dtype=int32)
  """
  from numjax._src.lax.control_flow import map as lax_map
  f = custom_vmap(f)

  @f.def_vmap
  def rule(axis_size, in_batched, *args):
    args = list(args)
    mapped = tu.tree_map(lambda b, x: x if b else None, in_batched, args)
    bcast = tu.tree_map(lambda b, x: None if b else x, in_batched, args)

    def to_map(mapped_args):
      merged = tu.tree_map(lambda b, m, c: m if b else c, in_batched, mapped_args, bcast,
                           is_leaf=lambda x: x is None)
      return f(*merged)
    out = lax_map(to_map, mapped)
    return out, tu.tree_map(lambda _: True, out)

  return f
