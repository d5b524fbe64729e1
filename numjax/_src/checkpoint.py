"""`checkpoint` / `remat`: trade compute for memory in reverse mode.

`checkpoint(f)` stages `f` to a jaxpr and binds `remat2` with it. Its JVP evaluates the primal
part now and emits the tangent part as one `remat_lin` equation whose inputs are the primal
*inputs* (plus whatever the policy saves) instead of every intermediate. Transposing
`remat_lin` recomputes the intermediates from those inputs (the backward pass evaluates the
non-linear equations forward first) and is itself staged as a `remat2[differentiated=True]`
equation, as JAX prints it.
"""
from __future__ import annotations

import functools
from typing import Callable

from numjax._src import core
from numjax._src import tree_util as tu
from numjax._src.core import ClosedJaxpr, Jaxpr, Literal, Var, get_aval, set_current_trace
from numjax._src.interpreters import ad
from numjax._src.interpreters import partial_eval as pe
from numjax._src.interpreters.ad import UndefinedPrimal, Zero


# ----------------------------------------------------------------------------------------------
# Policies: which intermediate values may be saved for the backward pass
# ----------------------------------------------------------------------------------------------
def nothing_saveable(prim, *avals, **params) -> bool:
  return False


def everything_saveable(prim, *avals, **params) -> bool:
  return True


def dots_saveable(prim, *avals, **params) -> bool:
  return prim.name == "dot_general"


def dots_with_no_batch_dims_saveable(prim, *avals, **params) -> bool:
  if prim.name != "dot_general":
    return False
  (_, _), (lb, _) = params["dimension_numbers"]
  return not lb


class checkpoint_policies:
  """`numjax.checkpoint_policies`, as in JAX."""
  nothing_saveable = staticmethod(nothing_saveable)
  everything_saveable = staticmethod(everything_saveable)
  dots_saveable = staticmethod(dots_saveable)
  checkpoint_dots = staticmethod(dots_saveable)
  dots_with_no_batch_dims_saveable = staticmethod(dots_with_no_batch_dims_saveable)
  checkpoint_dots_with_no_batch_dims = staticmethod(dots_with_no_batch_dims_saveable)


# ----------------------------------------------------------------------------------------------
# remat2
# ----------------------------------------------------------------------------------------------
def _run(closed: ClosedJaxpr, *args):
  return core.eval_jaxpr(closed.jaxpr, closed.consts, *args)


def _remat_fallback(*args, jaxpr, prevent_cse, differentiated, policy):
  return _run(jaxpr, *args)


def _jvp_jaxpr(closed: ClosedJaxpr, nonzero: list) -> ClosedJaxpr:
  """A jaxpr over (primals, nonzero tangents) returning (primal outs, tangent outs)."""
  in_avals = closed.in_avals
  n = len(in_avals)
  t_avals = [a.to_tangent_aval() for a, nz in zip(in_avals, nonzero) if nz]

  def fun(*args):
    it = iter(args[n:])
    tangents = [next(it) if nz else Zero(a.to_tangent_aval()) for a, nz in zip(in_avals, nonzero)]
    outs_p, outs_t = ad.jvp_flat(lambda *x: _run(closed, *x), list(args[:n]), tangents)
    return list(outs_p) + [ad.instantiate_zeros(t) for t in outs_t]
  with set_current_trace(core.eval_trace):
    jaxpr, consts, _ = pe.trace_to_jaxpr(fun, list(in_avals) + t_avals)
  return ClosedJaxpr(jaxpr, consts)


def _remat_jvp(primals, tangents, *, jaxpr, prevent_cse, differentiated, policy):
  nonzero = [type(t) is not Zero for t in tangents]
  n_in, n_out = len(primals), len(jaxpr.out_avals)
  jvp = _jvp_jaxpr(jaxpr, nonzero)
  j = jvp.jaxpr
  # Classify: equations depending on a tangent are linear; the rest are primal.
  depends = set(j.invars[n_in:])
  is_lin = []
  for eqn in j.eqns:
    lin = any(type(v) is Var and v in depends for v in eqn.invars)
    if lin:
      depends.update(eqn.outvars)
    is_lin.append(lin)
  saveable = set()
  if policy is not None:
    for eqn, lin in zip(j.eqns, is_lin):
      if not lin and policy(eqn.primitive, *[v.aval for v in eqn.invars], **eqn.params):
        saveable.update(eqn.outvars)
  # The linear jaxpr: what the tangent outputs need, stopping at saved values.
  used = {v for v in j.outvars[n_out:] if type(v) is Var}
  keep = []
  for eqn in reversed(j.eqns):
    if any(v in used for v in eqn.outvars) and not any(v in saveable for v in eqn.outvars):
      keep.append(eqn)
      used.update(v for v in eqn.invars if type(v) is Var)
  keep.reverse()
  saved_used = [v for eqn in j.eqns for v in eqn.outvars if v in saveable and v in used]
  # Run now the primal-only equations the primal outputs and saved values need. If a primal
  # output comes out of an equation mixing primal and tangent work (a scan, say), the primal
  # outputs are computed from the original jaxpr instead.
  produced_by_lin = {v for eqn, lin in zip(j.eqns, is_lin) if lin for v in eqn.outvars}
  from_jvp = not any(type(v) is Var and v in produced_by_lin for v in j.outvars[:n_out])
  need = set(saved_used)
  if from_jvp:
    need |= {v for v in j.outvars[:n_out] if type(v) is Var}
  run = []
  for eqn, lin in zip(reversed(j.eqns), reversed(is_lin)):
    if not lin and any(v in need for v in eqn.outvars):
      run.append(eqn)
      need.update(v for v in eqn.invars if type(v) is Var)
  run.reverse()
  env = dict(zip(j.constvars, jvp.consts))
  env.update(zip(j.invars[:n_in], primals))
  read = lambda v: v.val if type(v) is Literal else env[v]
  for eqn in run:
    outs = eqn.primitive.bind(*[read(v) for v in eqn.invars], **eqn.params)
    env.update(zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs]))
  primal_outs = [read(v) for v in j.outvars[:n_out]] if from_jvp else _run(jaxpr, *primals)
  lin = Jaxpr(j.constvars, j.invars[:n_in] + saved_used + j.invars[n_in:], j.outvars[n_out:],
              keep)
  lin_closed = ClosedJaxpr(lin, jvp.consts)
  tangents_nz = [t for t in tangents if type(t) is not Zero]
  res = list(primals) + [env[v] for v in saved_used]
  tangent_outs = remat_lin_p.bind(*res, *tangents_nz, jaxpr=lin_closed, num_res=len(res))
  return primal_outs, tangent_outs


def _remat_pp(params):
  return [("differentiated", params["differentiated"]), ("jaxpr", params["jaxpr"]),
          ("policy", params["policy"]), ("prevent_cse", params["prevent_cse"])]


remat_p = core.Primitive("remat2", multiple_results=True)
remat_p.fallback = _remat_fallback
remat_p.abstract_eval = lambda *avals, jaxpr, **_: list(jaxpr.out_avals)
remat_p.jvp = _remat_jvp
remat_p.pp_params = _remat_pp


# ----------------------------------------------------------------------------------------------
# remat_lin: the linear (tangent) part, transposed by recomputation
# ----------------------------------------------------------------------------------------------
def _remat_lin_transpose(cts, *args, jaxpr, num_res):
  res = list(args[:num_res])
  lin_avals = [a.aval for a in args[num_res:]]
  cts = [ad.instantiate_zeros(c) for c in cts]

  def backward(*xs):
    r, c = xs[:num_res], xs[num_res:]
    # Linearize the tangent function at the residuals first (recomputing the primal values;
    # equations mixing primal and tangent work are split by partial evaluation), then
    # transpose the linear jaxpr.
    pe_trace = pe.JaxprTrace(core.current_trace(), stage_all=False)
    t_args = [pe_trace.new_arg(a) for a in lin_avals]
    try:
      with set_current_trace(pe_trace):
        outs = _run(jaxpr, *r, *t_args)
      lin_jaxpr, lin_consts = pe_trace.to_jaxpr(outs)
    finally:
      pe_trace.dead = True
    out = ad.backward_pass(lin_jaxpr, lin_consts, [UndefinedPrimal(a) for a in lin_avals],
                           list(c))
    return [ad.instantiate_zeros(o) if type(o) is Zero else o for o in out]
  in_avals = [get_aval(x) for x in res] + [get_aval(c) for c in cts]
  bwd_jaxpr, consts, _ = pe.trace_to_jaxpr(backward, in_avals)
  n_consts = len(consts)
  open_jaxpr = Jaxpr([], bwd_jaxpr.constvars + bwd_jaxpr.invars, bwd_jaxpr.outvars,
                     bwd_jaxpr.eqns)
  outs = remat_p.bind(*consts, *res, *cts, jaxpr=ClosedJaxpr(open_jaxpr, []), prevent_cse=True,
                      differentiated=True, policy=None)
  return [None] * num_res + list(outs)


remat_lin_p = core.Primitive("remat_lin", multiple_results=True)
remat_lin_p.fallback = lambda *args, jaxpr, num_res: _run(jaxpr, *args)
remat_lin_p.abstract_eval = lambda *avals, jaxpr, num_res: list(jaxpr.out_avals)
remat_lin_p.transpose = _remat_lin_transpose


# ----------------------------------------------------------------------------------------------
# The user-facing wrapper
# ----------------------------------------------------------------------------------------------
def checkpoint(fun: Callable, *, prevent_cse: bool = True, policy: Callable | None = None,
               static_argnums: int | tuple = ()) -> Callable:
  """`fun` whose intermediates are recomputed in the backward pass instead of stored.

  `policy(prim, *avals, **params) -> bool` marks values that may be saved after all
  (`checkpoint_policies.dots_saveable` keeps matrix products).
  """
  static = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

  @functools.wraps(fun, updated=())
  def wrapped(*args, **kwargs):
    dyn_idx = [i for i in range(len(args)) if i not in static]
    leaves, in_tree = tu.tree_flatten(([args[i] for i in dyn_idx], kwargs))
    from numjax._src.lax import lax
    leaves = [lax.asarray(l) for l in leaves]
    store = []

    def flat(*xs):
      dyn, kw = tu.tree_unflatten(in_tree, xs)
      full = list(args)
      for i, d in zip(dyn_idx, dyn):
        full[i] = d
      out_leaves, out_tree = tu.tree_flatten(fun(*full, **kw))
      store.append(out_tree)
      return out_leaves
    jaxpr, consts, _ = pe.trace_to_jaxpr(flat, [get_aval(l) for l in leaves])
    open_jaxpr = Jaxpr([], jaxpr.constvars + jaxpr.invars, jaxpr.outvars, jaxpr.eqns)
    outs = remat_p.bind(*consts, *leaves, jaxpr=ClosedJaxpr(open_jaxpr, []),
                        prevent_cse=prevent_cse, differentiated=False, policy=policy)
    return tu.tree_unflatten(store[0], outs)
  return wrapped


remat = checkpoint
