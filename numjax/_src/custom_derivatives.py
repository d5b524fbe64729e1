"""`custom_jvp` and `custom_vjp`: user-defined derivative rules.

A decorated function binds a call primitive carrying the primal function and the rules,
unevaluated. Only the JVP trace opens a rule; eager evaluation, vmap and staging run the
primal function (vmap also batches the rules, lazily, for later differentiation). Reverse
mode of a custom_jvp function transposes the rule's tangent computation; a custom_vjp
function's backward rule runs when the linear `custom_lin` equation is transposed.
"""
from __future__ import annotations

import functools
import inspect
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Jaxpr, Tracer, get_aval, set_current_trace
from numjax._src.errors import UnexpectedTracerError
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters import partial_eval as pe
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax


# ----------------------------------------------------------------------------------------------
# Shared helpers
# ----------------------------------------------------------------------------------------------
_positional_counts: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _num_positional(fun: Callable) -> int:
  """How many positional parameters `fun` has (-1: no signature); cached per function (weakly),
  as inspecting a signature costs more than the rest of a custom_jvp call."""
  try:
    return _positional_counts[fun]
  except (KeyError, TypeError):
    pass
  try:
    sig = inspect.signature(fun)
    n = len([p for p in sig.parameters.values()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)])
  except (TypeError, ValueError):
    n = -1
  try:
    _positional_counts[fun] = n
  except TypeError:  # not weakly referenceable
    pass
  return n


def _resolve_kwargs(fun: Callable, args: tuple, kwargs: dict) -> tuple:
  """Keyword arguments and defaults mapped to positions, as the rules take them."""
  if not kwargs:
    n = _num_positional(fun)
    if n < 0 or len(args) >= n:
      return args
  sig = inspect.signature(fun)
  try:
    ba = sig.bind(*args, **kwargs)
  except TypeError as e:
    raise TypeError(f"{getattr(fun, '__name__', 'function')}() {e}") from None
  ba.apply_defaults()
  if ba.kwargs:
    raise TypeError("keyword-only arguments are not supported by custom_jvp/custom_vjp "
                    f"functions; got {list(ba.kwargs)}")
  return ba.args


def _check_for_tracers(x, kind: str) -> None:
  for leaf in tu.tree_leaves(x):
    if isinstance(leaf, Tracer):
      raise UnexpectedTracerError(
          f"Found a JAX Tracer object passed as an argument to a {kind} function in a position "
          f"indicated by nondiff_argnums as non-differentiable. Tracers cannot be passed as "
          f"non-differentiable arguments to {kind} functions; instead, nondiff_argnums should "
          "only be used for arguments that can't be or contain JAX tracers, e.g. "
          "function-valued arguments. In particular, array-valued arguments should typically "
          "not be indicated as nondiff_argnums.")


def _split_nondiff(args: tuple, nondiff_argnums: tuple):
  nondiff = {i: args[i] for i in nondiff_argnums}
  dyn = tuple(a for i, a in enumerate(args) if i not in nondiff)

  def merge(dyn_vals):
    it = iter(dyn_vals)
    return tuple(nondiff[i] if i in nondiff else next(it) for i in range(len(args)))
  return [args[i] for i in nondiff_argnums], dyn, merge


def _concrete_leaves(tree) -> bool:
  """The leaves of `tree` are valid, concrete JAX values (TypeError as `_check_leaf` if not
  valid; False if a tracer is among them)."""
  for leaf in tu.tree_leaves(tree):
    if isinstance(leaf, Tracer):
      return False
    _check_leaf(leaf)
  return True


def _check_leaf(x):
  """Leaves pass through as they are (JAX calls the primal function on them unchanged)."""
  if not core.is_valid_jaxtype(x):
    raise TypeError(f"Value {x!r} of type {type(x)} is not a valid JAX type")
  return x


def _as_array(x):
  if isinstance(x, Tracer) or type(x) is Array:
    return x
  return lax.asarray(x)


class _Store:
  __slots__ = ("val",)

  def __init__(self):
    self.val = None


def _zeros_like(aval):
  return ad.zeros_like_aval(aval.to_tangent_aval())


def _sum_tangents(_, x, *xs):
  out = x
  for y in xs:
    out = ad.add_tangents(out, y)
  return out


def _staged_call(trace, prim, args, params, replace: Callable):
  """Stage a call primitive: trace its `fun` once into a jaxpr and record that jaxpr."""
  avals = [get_aval(a) for a in args]
  with set_current_trace(trace):
    jaxpr, consts, _ = pe.trace_to_jaxpr(params["fun"], avals)
  n = len(consts)
  open_jaxpr = Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns)
  fun = lambda *xs: core.eval_jaxpr(open_jaxpr, [], *xs)
  new_params = replace(dict(params), fun, ClosedJaxpr(open_jaxpr, []), n)
  return trace.default_process_primitive(prim, list(consts) + list(args), new_params)


# ----------------------------------------------------------------------------------------------
# custom_jvp
# ----------------------------------------------------------------------------------------------
def _cjvp_fallback(*args, fun, jvp, num_consts, symbolic_zeros, call_jaxpr=None, name=""):
  return fun(*args)


def _cjvp_jvp(primals, tangents, *, fun, jvp, num_consts, symbolic_zeros, call_jaxpr=None,
              name=""):
  if not symbolic_zeros:
    tangents = [ad.instantiate_zeros(t) for t in tangents]
  outs = jvp(*primals, *tangents)
  n = len(outs) // 2
  return outs[:n], outs[n:]


def _cjvp_batch(vals, dims, *, fun, jvp, num_consts, symbolic_zeros, call_jaxpr=None, name="",
                axis_data):
  # Called even when no operand is batched: `fun` and `jvp` may close over this trace's
  # tracers, which the sub-trace (same tag) then batches.
  def fun_b(*xs):
    return _vmap_flat_front(fun, list(dims), axis_data, xs)

  def jvp_b(*xs):
    return _vmap_flat_front(jvp, list(dims) + list(dims), axis_data, xs)
  outs = custom_jvp_call_p.bind(*vals, fun=fun_b, jvp=jvp_b, num_consts=num_consts,
                                symbolic_zeros=symbolic_zeros, call_jaxpr=None, name=name)
  return outs, [0] * len(outs)


_cjvp_batch.needs_axis_data = True


def _vmap_flat_front(f, dims, axis_data, xs):
  store = []

  def g(*a):
    outs = list(f(*a))
    store.append(len(outs))
    return outs
  return batching.vmap_flat(g, dims, lambda: [0] * store[0], axis_data.size, axis_data.name,
                            list(xs), tag=axis_data.tag)


def _cjvp_abstract(*avals, fun, jvp, num_consts, symbolic_zeros, call_jaxpr=None, name=""):
  return list(call_jaxpr.out_avals)


def _cjvp_stage(trace, args, params):
  def replace(p, fun, closed, n):
    jvp = p["jvp"]
    k = len(args)

    def jvp2(*xs):  # (consts, args, const tangents, arg tangents) -> rule on args only
      return jvp(*xs[n:n + k], *xs[2 * n + k:])
    p.update(fun=fun, jvp=jvp2, call_jaxpr=closed, num_consts=n)
    return p
  return _staged_call(trace, custom_jvp_call_p, args, params, replace)


def _cjvp_pp(params):
  return [("name", params["name"]), ("call_jaxpr", params["call_jaxpr"]),
          ("jvp", params["jvp"]), ("num_consts", params["num_consts"]),
          ("symbolic_zeros", params["symbolic_zeros"])]


custom_jvp_call_p = core.Primitive("custom_jvp_call", multiple_results=True)
custom_jvp_call_p.fallback = _cjvp_fallback
custom_jvp_call_p.jvp = _cjvp_jvp
custom_jvp_call_p.batch = _cjvp_batch
custom_jvp_call_p.abstract_eval = _cjvp_abstract
custom_jvp_call_p.stage_rule = _cjvp_stage
custom_jvp_call_p.pp_params = _cjvp_pp
# Partial evaluation (linearize) only builds linear functions, which need no custom rule:
# inline `fun`, as JAX does, so a custom_jvp function applied to tangents can be transposed.
custom_jvp_call_p.partial_eval_rule = lambda trace, args, params: params["fun"](*args)


def _cjvp_transpose(cts, *args, fun, jvp, num_consts, symbolic_zeros, call_jaxpr=None,
                    name=""):
  # A linear custom_jvp function (e.g. under linear_transpose): transpose its primal jaxpr.
  if call_jaxpr is None:
    raise NotImplementedError(f"cannot transpose the custom_jvp function {name} before it "
                              "is staged")
  return ad.backward_pass(call_jaxpr.jaxpr, call_jaxpr.consts, args, cts)


custom_jvp_call_p.transpose = _cjvp_transpose
custom_jvp_call_p.weak_type_rule = lambda args, params: False


class custom_jvp:
  """A function with a custom JVP rule: `@custom_jvp def f(x): ...` then `@f.defjvp`."""

  def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
    functools.update_wrapper(self, fun, updated=())
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.jvp: Callable | None = None
    self.symbolic_zeros = False

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def __getattr__(self, name):
    # As JAX's custom_api_util.forward_attr: other attributes are the wrapped function's (so
    # `custom_vjp(custom_vmap(f)).def_vmap` works).
    if name.startswith("__") and name.endswith("__") or "fun" not in self.__dict__:
      raise AttributeError(name)
    return getattr(self.__dict__["fun"], name)

  def defjvp(self, jvp: Callable, symbolic_zeros: bool = False) -> Callable:
    """Set `jvp(primals, tangents) -> (primal_out, tangent_out)`; usable as a decorator."""
    self.jvp = jvp
    self.symbolic_zeros = symbolic_zeros
    return jvp

  def defjvps(self, *jvps: Callable | None) -> None:
    """One rule per argument, `rule(t, primal_out, *primals)`; None means a zero tangent."""
    if self.nondiff_argnums:
      raise TypeError("Can't use ``defjvps`` with ``nondiff_argnums``.")

    def jvp(primals, tangents):
      primal_out = self(*primals)
      contributions = [rule(t, primal_out, *primals) for rule, t in zip(jvps, tangents)
                       if rule is not None]
      if not contributions:
        zeros = tu.tree_map(lambda o: lax.full_like(o, 0), primal_out)
        return primal_out, zeros
      tangent_out = tu.tree_map(_sum_tangents, primal_out, *contributions)
      return primal_out, tangent_out
    self.defjvp(jvp)

  def __call__(self, *args, **kwargs):
    name = getattr(self.fun, "__name__", "f")
    if self.jvp is None:
      raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
    args = _resolve_kwargs(self.fun, args, kwargs)
    if self.nondiff_argnums:
      for i in self.nondiff_argnums:
        _check_for_tracers(args[i], "custom_jvp")
      nondiff, dyn, merge = _split_nondiff(args, self.nondiff_argnums)
      fun = lambda *d: self.fun(*merge(d))
      rule = lambda primals, tangents: self.jvp(*nondiff, primals, tangents)
    else:
      dyn, fun, rule = args, self.fun, self.jvp
    if core._ctx.trace is core.eval_trace and _concrete_leaves(dyn):
      return fun(*dyn)   # no transformation: the rule is never opened, as the primitive's would
    leaves, in_tree = tu.tree_flatten(dyn)
    leaves = [_check_leaf(l) for l in leaves]
    out_tree = _Store()

    def flat_fun(*xs):
      out = fun(*tu.tree_unflatten(in_tree, xs))
      out_leaves, tree = tu.tree_flatten(out)
      out_tree.val = tree
      return [_check_leaf(o) for o in out_leaves]

    flat_jvp = _flat_jvp_rule(rule, in_tree, out_tree, self.symbolic_zeros)
    outs = custom_jvp_call_p.bind(*leaves, fun=flat_fun, jvp=flat_jvp, num_consts=0,
                                  symbolic_zeros=self.symbolic_zeros, call_jaxpr=None,
                                  name=name)
    return tu.tree_unflatten(out_tree.val, outs)


def _flat_jvp_rule(rule, in_tree, out_tree, symbolic_zeros):
  """`rule(primals, tangents)` on pytrees as a function of flat (primals + tangents)."""

  def flat_jvp(*xs):
    n = len(xs) // 2
    primals = tu.tree_unflatten(in_tree, xs[:n])
    tangents = tu.tree_unflatten(in_tree, [
        _zeros_like(t.aval) if type(t) is Zero and not symbolic_zeros else t for t in xs[n:]])
    res = rule(primals, tangents)
    if not (isinstance(res, (tuple, list)) and len(res) == 2):
      raise TypeError("Custom JVP rule must produce a pair (list or tuple of length two) "
                      f"representing primal and tangent outputs, but got {res}.")
    p_out, t_out = res
    p_leaves, p_tree = tu.tree_flatten(p_out)
    t_leaves, t_tree = tu.tree_flatten(t_out)
    if p_tree != t_tree:
      raise TypeError("Custom JVP rule must produce primal and tangent outputs with equal "
                      f"container (pytree) structures, but got {p_tree} and {t_tree} "
                      "respectively.")
    if out_tree.val is not None and out_tree.val != p_tree:
      raise TypeError("Custom JVP rule must produce primal outputs with the same container "
                      f"(pytree) structure as the primal function, but got {p_tree} and "
                      f"{out_tree.val}.")
    out_tree.val = p_tree
    p_leaves = [_as_array(p) for p in p_leaves]
    t_leaves = [_check_tangent_out(p, _as_array(t)) for p, t in zip(p_leaves, t_leaves)]
    return p_leaves + t_leaves
  return flat_jvp


def _check_tangent_out(p, t):
  pa, ta = get_aval(p), get_aval(t)
  if pa.shape != ta.shape:
    raise TypeError("Custom JVP rule must produce primal and tangent outputs with "
                    f"corresponding shapes and dtypes. Expected {pa.to_tangent_aval()} "
                    f"(tangent type of {pa}) but got {ta}.")
  expected = dtypes.tangent_dtype(pa.dtype)
  if ta.dtype != expected and expected != dtypes.float0:
    raise TypeError("Custom JVP rule must produce primal and tangent outputs with "
                    "corresponding shapes and dtypes, but got primal dtype "
                    f"{pa.dtype.name} and tangent dtype {ta.dtype.name}; expected tangent "
                    f"dtype {expected.name}.")
  return t


# ----------------------------------------------------------------------------------------------
# custom_vjp
# ----------------------------------------------------------------------------------------------
def _cvjp_fallback(*args, fun, fwd, bwd, num_consts, symbolic_zeros, call_jaxpr=None, name="",
                   jvp=None):
  return fun(*args)


def _cvjp_jvp(primals, tangents, *, fun, fwd, bwd, num_consts, symbolic_zeros, call_jaxpr=None,
              name="", jvp=None):
  if jvp is not None and not _under_linearize():
    # A forward rule was given too (goes past JAX): forward mode uses it.
    outs = jvp(*primals, *[ad.instantiate_zeros(t) for t in tangents])
    n = len(outs) // 2
    return outs[:n], outs[n:]
  outs, res = fwd(*primals)
  tangents = [ad.instantiate_zeros(t) for t in tangents]
  out_avals = [get_aval(o).to_tangent_aval() for o in outs]
  in_avals = [get_aval(p).to_tangent_aval() for p in primals]
  t_outs = custom_lin_p.bind(*res, *tangents, num_res=len(res), bwd=bwd, out_avals=out_avals,
                             in_avals=in_avals, symbolic_zeros=symbolic_zeros)
  return outs, t_outs


def _cvjp_batch(vals, dims, *, fun, fwd, bwd, num_consts, symbolic_zeros, call_jaxpr=None,
                name="", jvp=None, axis_data):
  size, tag = axis_data.size, axis_data.tag
  dims = list(dims)

  def fun_b(*xs):
    return _vmap_flat_front(fun, dims, axis_data, xs)

  def fwd_b(*xs):
    store = []

    def g2(*a):
      o, r = fwd(*a)
      store.append(len(o))
      store.append(len(r))
      return list(o) + list(r)
    out = batching.vmap_flat(g2, dims, lambda: [0] * (store[0] + store[1]), size,
                             axis_data.name, list(xs), tag=tag)
    return out[:store[0]], out[store[0]:]

  def bwd_b(res, cts):
    n_res = len(res)
    cts_b = batching.vmap_flat(lambda *a: list(bwd(a[:n_res], a[n_res:])),
                               [0] * (n_res + len(cts)),
                               lambda: [0] * len(dims), size, axis_data.name,
                               list(res) + list(cts), tag=tag)
    return [lax.reduce_sum(c, (0,)) if d is None else batching.moveaxis(c, 0, d)
            for c, d in zip(cts_b, dims)]
  jvp_b = None if jvp is None else (
      lambda *xs: _vmap_flat_front(jvp, dims + dims, axis_data, xs))
  outs = custom_vjp_call_p.bind(*vals, fun=fun_b, fwd=fwd_b, bwd=bwd_b, num_consts=num_consts,
                                symbolic_zeros=symbolic_zeros, call_jaxpr=None, name=name,
                                jvp=jvp_b)
  return outs, [0] * len(outs)


def _cvjp_stage(trace, args, params):
  avals = [get_aval(a) for a in args]
  with set_current_trace(trace):
    jaxpr, consts, _ = pe.trace_to_jaxpr(params["fun"], avals)
  n = len(consts)
  open_jaxpr = Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns)
  fwd, bwd = params["fwd"], params["bwd"]
  const_avals = [get_aval(c).to_tangent_aval() for c in consts]
  new = dict(params)
  new.update(
      fun=lambda *xs: core.eval_jaxpr(open_jaxpr, [], *xs),
      fwd=lambda *xs: fwd(*xs[n:]),
      bwd=lambda res, cts: [Zero(a) for a in const_avals] + list(bwd(res, cts)),
      call_jaxpr=ClosedJaxpr(open_jaxpr, []), num_consts=n)
  jvp, k = params.get("jvp"), len(args)
  if jvp is not None:
    new["jvp"] = lambda *xs: jvp(*xs[n:n + k], *xs[2 * n + k:])
  return trace.default_process_primitive(custom_vjp_call_p, list(consts) + list(args), new)


def _cvjp_pp(params):
  return [("name", params["name"]), ("call_jaxpr", params["call_jaxpr"]),
          ("fwd", params["fwd"]), ("bwd", params["bwd"]),
          ("num_consts", params["num_consts"]), ("symbolic_zeros", params["symbolic_zeros"])]


custom_vjp_call_p = core.Primitive("custom_vjp_call", multiple_results=True)
custom_vjp_call_p.fallback = _cvjp_fallback
custom_vjp_call_p.jvp = _cvjp_jvp
_cvjp_batch.needs_axis_data = True
custom_vjp_call_p.batch = _cvjp_batch
custom_vjp_call_p.abstract_eval = lambda *avals, call_jaxpr=None, **_: list(call_jaxpr.out_avals)
custom_vjp_call_p.stage_rule = _cvjp_stage
custom_vjp_call_p.pp_params = _cvjp_pp
custom_vjp_call_p.weak_type_rule = lambda args, params: False


def _under_linearize() -> bool:
  """Whether the JVP being taken is the forward half of reverse mode (linearize/vjp/grad)."""
  trace = core.current_trace()
  return isinstance(trace, pe.JaxprTrace) and not trace.stage_all


def _custom_lin_fallback(*args, **params):
  raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


def _custom_lin_transpose(cts, *args, num_res, bwd, out_avals, in_avals, symbolic_zeros):
  res = args[:num_res]
  if not symbolic_zeros:
    cts = [ad.instantiate_zeros(c) for c in cts]
  cts_in = bwd(list(res), list(cts))
  return [None] * num_res + list(cts_in)


custom_lin_p = core.Primitive("custom_lin", multiple_results=True)
custom_lin_p.fallback = _custom_lin_fallback
custom_lin_p.abstract_eval = lambda *avals, out_avals, **_: list(out_avals)
custom_lin_p.transpose = _custom_lin_transpose


class custom_vjp:
  """A function with a custom VJP: `@custom_vjp def f(x): ...; f.defvjp(f_fwd, f_bwd)`."""

  def __init__(self, fun: Callable, nondiff_argnums: Sequence[int] = ()):
    functools.update_wrapper(self, fun, updated=())
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.fwd: Callable | None = None
    self.bwd: Callable | None = None
    self.jvp: Callable | None = None
    self.symbolic_zeros = False

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def __getattr__(self, name):
    # As JAX's custom_api_util.forward_attr: other attributes are the wrapped function's (so
    # `custom_vjp(custom_vmap(f)).def_vmap` works).
    if name.startswith("__") and name.endswith("__") or "fun" not in self.__dict__:
      raise AttributeError(name)
    return getattr(self.__dict__["fun"], name)

  def defjvp(self, jvp: Callable) -> Callable:
    """Also give a forward-mode rule, `jvp(primals, tangents) -> (out, tangent_out)`.

    Goes past JAX (its issues #3996, #16049): with it, jvp, jacfwd and hessian of a custom_vjp
    function work; reverse mode still uses fwd/bwd.
    """
    self.jvp = jvp
    return jvp

  def defvjp(self, fwd: Callable, bwd: Callable, symbolic_zeros: bool = False) -> None:
    """fwd(*args) -> (out, residuals); bwd(residuals, out_cotangent) -> input cotangents."""
    self.fwd = fwd
    self.bwd = bwd
    self.symbolic_zeros = symbolic_zeros

  def __call__(self, *args, **kwargs):
    name = getattr(self.fun, "__name__", "f")
    if self.fwd is None or self.bwd is None:
      raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
    args = _resolve_kwargs(self.fun, args, kwargs)
    if self.nondiff_argnums:
      for i in self.nondiff_argnums:
        _check_for_tracers(args[i], "custom_vjp")
      nondiff, dyn, merge = _split_nondiff(args, self.nondiff_argnums)
      fun = lambda *d: self.fun(*merge(d))
      fwd = lambda *d: self.fwd(*merge(d))
      bwd = lambda res, ct: self.bwd(*nondiff, res, ct)
      jrule = None if self.jvp is None else (
          lambda primals, tangents: self.jvp(*nondiff, primals, tangents))
    else:
      dyn, fun, fwd, bwd, jrule = args, self.fun, self.fwd, self.bwd, self.jvp
    if core._ctx.trace is core.eval_trace and _concrete_leaves(dyn):
      return fun(*dyn)   # no transformation: fwd/bwd are never run, as the primitive's would
    leaves, in_tree = tu.tree_flatten(dyn)
    leaves = [_check_leaf(l) for l in leaves]
    in_avals = [get_aval(l) for l in leaves]
    out_tree, res_tree = _Store(), _Store()

    def flat_fun(*xs):
      out = fun(*tu.tree_unflatten(in_tree, xs))
      out_leaves, tree = tu.tree_flatten(out)
      out_tree.val = tree
      return [_check_leaf(o) for o in out_leaves]

    def flat_fwd(*xs):
      res = fwd(*tu.tree_unflatten(in_tree, xs))
      if not (isinstance(res, (tuple, list)) and len(res) == 2):
        raise TypeError("Custom VJP fwd rule must produce a pair (list or tuple of length two) "
                        "where the first element represents the primal output (equal to the "
                        "output of the custom_vjp-decorated function) and the second element "
                        f"represents residuals, but got {res}.")
      out, r = res
      out_leaves, tree = tu.tree_flatten(out)
      if out_tree.val is not None and out_tree.val != tree:
        raise TypeError("Custom VJP fwd rule must produce a pair where the first element is "
                        "the primal output with the same container (pytree) structure as the "
                        f"custom_vjp-decorated function, but got {tree} and {out_tree.val}.")
      out_tree.val = tree
      r_leaves, rtree = tu.tree_flatten(r)
      res_tree.val = rtree
      return [_as_array(o) for o in out_leaves], [_as_array(x) for x in r_leaves]

    def flat_bwd(res, cts):
      r = tu.tree_unflatten(res_tree.val, res)
      ct = tu.tree_unflatten(out_tree.val, [
          _zeros_like(c.aval) if type(c) is Zero else c for c in cts])
      cts_in = bwd(r, ct)
      if not isinstance(cts_in, (tuple, list)):
        raise TypeError(f"Custom VJP bwd rule must produce a tuple, but got {type(cts_in)}.")
      cts_in = tuple(cts_in)
      if len(cts_in) != len(dyn):
        raise TypeError("Custom VJP bwd rule must produce an output with the same container "
                        "(pytree) structure as the args tuple of the primal function, and in "
                        "particular must produce a tuple of length equal to the number of "
                        "arguments to the primal function, but got bwd output structure "
                        f"{tu.tree_structure(cts_in)} for primal input structure {in_tree}.")
      flat = []
      for arg, ct in zip(dyn, cts_in):
        arg_leaves = tu.tree_leaves(arg)
        if ct is None:
          flat.extend([None] * len(arg_leaves))
        else:
          ct_leaves, ct_tree = tu.tree_flatten(ct, is_leaf=lambda x: x is None)
          if ct_tree != tu.tree_structure(arg, is_leaf=lambda x: x is None) and \
              len(ct_leaves) != len(arg_leaves):
            raise TypeError("Custom VJP bwd rule must produce an output with the same container "
                            "(pytree) structure as the args tuple of the primal function, but "
                            f"got {ct_tree} for primal input structure "
                            f"{tu.tree_structure(arg)}.")
          flat.extend(ct_leaves)
      return [_zeros_like(a) if c is None else _ct_like(c, a) for c, a in zip(flat, in_avals)]

    flat_jvp = None if jrule is None else _flat_jvp_rule(jrule, in_tree, out_tree, False)
    outs = custom_vjp_call_p.bind(*leaves, fun=flat_fun, fwd=flat_fwd, bwd=flat_bwd,
                                  num_consts=0, symbolic_zeros=self.symbolic_zeros,
                                  call_jaxpr=None, name=name, jvp=flat_jvp)
    return tu.tree_unflatten(out_tree.val, outs)


def _ct_like(ct, aval):
  ct = _as_array(ct)
  ca = get_aval(ct)
  tan = aval.to_tangent_aval()
  if ca.shape != tan.shape and tan.dtype != dtypes.float0:
    raise ValueError(f"Custom VJP bwd rule must produce an output with shapes/dtypes as args "
                     f"tuple of the primal function, but got {ca.str_short()} for an argument "
                     f"of type {aval.str_short()}.")
  return ct


def closure_convert(fun: Callable, *example_args):
  """Returns (fun, []) : closed-over values are handled by tracing here."""
  return fun, []
