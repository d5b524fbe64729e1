"""Structured control flow: cond/switch, while_loop/fori_loop, scan/map, custom_root and
custom_linear_solve, with JAX's signatures, semantics, errors and jaxpr texts.

Design
------
Each construct is one primitive whose params hold ClosedJaxprs of the traced Python functions:

    cond[branches=(b0, b1, ...)]                 operands: index, *ops
    while[body_jaxpr body_nconsts cond_jaxpr cond_nconsts]
                                                 operands: *cond_consts, *body_consts, *carry
    scan[jaxpr length num_carry num_consts reverse unroll]
                                                 operands: *consts, *carry, *xs

User functions are traced with `pe.trace_to_jaxpr` under the current trace. Whatever a
function closes over (arrays, tracers of enclosing transformations) becomes a leading operand:
the jaxpr's constvars are turned into invars, so params never hide a tracer and every
transformation sees those values. Jaxprs *derived* by rules (JVP, batched, split, transposed
bodies) close over concrete constants only and keep them as ClosedJaxpr consts.

impl: the loop runs in Python over NumPy values; a jaxpr is interpreted for its first runs
and compiled to a NumPy function (codegen, cached on the jaxpr object) once that is cheaper
(`run_numpy`). Outside jit, JAX traces both branches of a cond and the body of a loop once per
call; so do we (print side effects happen at tracing).

Rules transform bodies by tracing: `jvp_jaxpr`, `batch_jaxpr`, `partial_eval_jaxpr` and
`_transpose_*` run a body (`core.eval_jaxpr`) under the corresponding trace inside
`pe.trace_to_jaxpr`. Properties of loop carries (tangent nonzero, batched, unknown) are found
by fixpoint iteration, as in JAX.

Reverse mode. A JVP rule binds the same primitive on a JVP'd body (primal and tangent
operands together). Under linearize, the partial evaluator (`JaxprTrace(stage_all=False)`) sees
an equation mixing known primals and unknown tangents; it then consults the primitive's
`partial_eval_rule(trace, args, params)` (a generic hook of partial_eval.py). Ours split the
body with `partial_eval_jaxpr` into a *known* jaxpr (known inputs -> known outputs +
residuals), bound right away on the parent trace so primal values stay concrete, and an
*unknown* jaxpr (residuals + unknown inputs -> unknown outputs), recorded as its own
scan/cond equation; it is linear in the tangents, hence transposable:
  * scan: residuals that are loop invariant (known consts, constants, values computed from
    consts only, which are hoisted out of the loop) become consts of the unknown scan;
    per-iteration residuals are extra ys of the known scan and xs of the unknown one (JAX's
    `_scan_partial_eval`).
  * cond: each branch is split; the residuals of all branches are concatenated (a known
    branch outputs zeros for the others'), and the index is a residual too.
  * while: when the known inputs are concrete (no jit around the derivative; JVP primals and
    vmap lanes are seen through), the trip count N is found by running the known part of the
    loop with a counter, and the loop is then treated as a scan of length N (if the count
    differs between lanes, the scan body keeps finished lanes unchanged with a select). This
    goes past JAX (issues #2956, #8239). When the trip count is not known (under jit),
    the known outputs come from a known while and the unknown ones from recording the whole
    JVP'd while, as JAX does; transposing that raises JAX's error.
Transposition: scan runs the transposed body in the opposite direction, accumulating the
consts' cotangents in the carry; cond transposes every branch and selects with the index.

Batching: cond with a batched index becomes a `select_n` of all branches' outputs; a while
with a batched predicate runs until every lane is done, finished lanes frozen by select (the
impl does this when the predicate is not a scalar, like JAX's lowering); scan batches its body
with xs/ys batched along axis 1.

Layout: this module holds the primitives and the public functions; control_flow_common.py the
jaxpr helpers they share (tracing, the JVP/batching/partial-evaluation of bodies, JAX's error
messages); solves.py custom_root and custom_linear_solve.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.config import config
from numjax._src.core import Jaxpr, Tracer, Var, get_aval, set_current_trace
from numjax._src.errors import ConcretizationTypeError, TracerIntegerConversionError
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import UndefinedPrimal, Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import operand_aval, primitive
from numjax._src.lax.control_flow_common import (
    CachedJaxpr, add_effectful_twin, as_leaf, aval_type_str, batch_jaxpr, batch_jaxpr_axes,
    check_branch_outputs, check_carry_type, dce_jaxpr, eval_closed, forwarding, jvp_jaxpr,
    mapped_aval, merge_lists, or_lists, partial_eval_jaxpr, partition_list, promote_weak,
    run_numpy, split_list, trace_closed, trace_user, unmapped_aval, variant, weak_outs, with_io)
from numjax._src.lax.solves import (custom_linear_solve, custom_root,  # noqa: F401
                                    linear_solve_p)

__all__ = ["cond", "switch", "while_loop", "fori_loop", "scan", "map", "custom_root",
           "custom_linear_solve"]

_no_operand = object()


# ----------------------------------------------------------------------------------------------
# cond / switch
# ----------------------------------------------------------------------------------------------
def _cond_impl(index, *ops, branches):
  return run_numpy(branches[int(index)], ops)


def _cond_abstract_eval(index, *ops, branches):
  if index.shape or index.dtype != np.int32:
    raise TypeError(f"cond index must be an int32 scalar, got {index.str_short()}")
  if len(ops) != len(branches[0].in_avals):
    raise TypeError(f"cond got {len(ops)} operands for branches taking "
                    f"{len(branches[0].in_avals)}")
  return list(branches[0].out_avals)


cond_p = primitive("cond", _cond_impl, _cond_abstract_eval, multiple_results=True,
                   weak_type_rule=weak_outs(lambda p: p["branches"][0].out_avals))


def _bind_cond(*args, branches):
  return variant(cond_p, branches).bind(*args, branches=branches)


def _cond_jvp(primals, tangents, *, branches):
  index, *ops = primals
  ops_nz = [type(t) is not Zero for t in tangents[1:]]
  firsts = [jvp_jaxpr(b, ops_nz, False) for b in branches]
  out_nz = [any(nz) for nz in zip(*[nz for _, nz in firsts])]
  branches_jvp = tuple(j if nz == out_nz else jvp_jaxpr(b, ops_nz, out_nz)[0]
                       for b, (j, nz) in zip(branches, firsts))
  ops_dot = [t for t in tangents[1:] if type(t) is not Zero]
  out = _bind_cond(index, *ops, *ops_dot, branches=branches_jvp)
  n = len(out_nz)
  primals_out, it = out[:n], iter(out[n:])
  return primals_out, [next(it) if nz else Zero.from_primal_value(p)
                       for p, nz in zip(primals_out, out_nz)]


def _cond_partial_eval(trace, args, params):
  branches = params["branches"]
  index, *ops = args
  if trace.is_own(index):
    return trace.default_process_primitive(variant(cond_p, branches), args, params)
  ops_uk = [trace.is_own(x) for x in ops]
  out_uk = [any(u) for u in zip(*[partial_eval_jaxpr(b, ops_uk, False).out_uk
                                  for b in branches])]
  pjs = [partial_eval_jaxpr(b, ops_uk, out_uk, res_out=True) for b in branches]
  offsets, all_res = [], []
  for pj in pjs:
    offsets.append(len(all_res))
    all_res.extend(pj.res_avals)
  n_known_out = len(out_uk) - sum(out_uk)
  known_ops, uk_ops = partition_list(ops_uk, ops)
  known_op_avals = [get_aval(x) for x in known_ops]

  def known_branch(pj, off):
    def fun(*xs):
      outs = eval_closed(pj.known, *xs)
      res = [ad.zeros_like_aval(a) for a in all_res]
      res[off:off + len(pj.res_avals)] = outs[n_known_out:]
      return outs[:n_known_out] + res
    return trace_closed(fun, known_op_avals)

  def unknown_branch(pj, off):
    def fun(*xs):
      res, rest = xs[:len(all_res)], xs[len(all_res):]
      return eval_closed(pj.unknown, *res[off:off + len(pj.res_avals)], *rest)
    return trace_closed(fun, all_res + [get_aval(x) for x in uk_ops])

  known_branches = tuple(known_branch(pj, off) for pj, off in zip(pjs, offsets))
  with set_current_trace(trace.parent):
    outs = _bind_cond(index, *known_ops, branches=known_branches)
  known_outs, res = outs[:n_known_out], outs[n_known_out:]
  if not any(out_uk):
    return known_outs
  unknown_branches = tuple(unknown_branch(pj, off) for pj, off in zip(pjs, offsets))
  uk_outs = trace.default_process_primitive(variant(cond_p, unknown_branches),
                                            [index, *res, *uk_ops],
                                            dict(branches=unknown_branches))
  return merge_lists(out_uk, known_outs, uk_outs)


def _transpose_branch(closed, lin, ct_avals, ct_nz):
  res_avals = [a for a, l in zip(closed.in_avals, lin) if not l]

  def fun(*xs):
    res, cts = xs[:len(res_avals)], iter(xs[len(res_avals):])
    it = iter(res)
    args = [UndefinedPrimal(a) if l else next(it) for a, l in zip(closed.in_avals, lin)]
    cts_out = [next(cts) if nz else Zero(a) for a, nz in zip(ct_avals, ct_nz)]
    cts_in = ad.backward_pass(closed.jaxpr, closed.consts, args, cts_out)
    return [ad.instantiate_zeros(ct) for ct, l in zip(cts_in, lin) if l]
  return trace_closed(fun, res_avals + [a for a, nz in zip(ct_avals, ct_nz) if nz])


def _cond_transpose(cts, index, *ops, branches):
  if is_undefined_primal(index):
    raise ValueError("cond is not linear in its branch index")
  lin = [is_undefined_primal(x) for x in ops]
  res = [x for x in ops if not is_undefined_primal(x)]
  ct_avals = [a.to_tangent_aval() for a in branches[0].out_avals]
  ct_nz = [type(ct) is not Zero for ct in cts]
  branches_t = tuple(_transpose_branch(b, lin, ct_avals, ct_nz) for b in branches)
  outs = _bind_cond(index, *res, *[ct for ct in cts if type(ct) is not Zero],
                    branches=branches_t)
  it = iter(outs)
  return [None] + [next(it) if l else None for l in lin]


def _bcast_select(pred, on_true, on_false):
  shape = get_aval(on_true).shape
  nd = get_aval(pred).ndim
  if nd != len(shape):
    pred = L.broadcast_in_dim(pred, shape, tuple(range(nd)))
  return L.select(pred, on_true, on_false)


def _bcast_select_n(which, *cases):
  shape = get_aval(cases[0]).shape
  nd = get_aval(which).ndim
  if nd != len(shape):
    which = L.broadcast_in_dim(which, shape, tuple(range(nd)))
  return L.select_n(which, *cases)


def _cond_batch(vals, dims, *, branches, axis_data):
  size = axis_data.size
  index, *ops = vals
  idim, *odims = dims
  if idim is not None:
    index, *ops = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
    n_in, n_out = len(branches[0].in_avals), len(branches[0].out_avals)
    branch_outs = []
    for i, b in enumerate(branches):
      bb, _ = batch_jaxpr(b, axis_data, [True] * n_in, True)
      # select on the inputs: the branch not taken gets no gradient (JAX issue #1052)
      pred = L.eq(index, Array(np.array(i, np.int32), False))
      ops_ = [_bcast_select(pred, x, L.stop_gradient(x)) for x in ops]
      branch_outs.append(eval_closed(bb, *ops_))
    out = [_bcast_select_n(index, *outs) for outs in zip(*branch_outs)]
    return out, [0] * n_out
  ops_bat = [d is not None for d in odims]
  ops = [batching.moveaxis(x, d, 0) if d is not None else x for x, d in zip(ops, odims)]
  out_bat = [any(b) for b in zip(*[batch_jaxpr(b, axis_data, ops_bat, False)[1]
                                   for b in branches])]
  branches_b = tuple(batch_jaxpr(b, axis_data, ops_bat, out_bat)[0] for b in branches)
  out = _bind_cond(index, *ops, branches=branches_b)
  return out, [0 if b else None for b in out_bat]


_cond_batch.needs_axis_data = True
cond_p.jvp = _cond_jvp
cond_p.transpose = _cond_transpose
cond_p.batch = _cond_batch
cond_p.partial_eval_rule = _cond_partial_eval
cond_p.pp_params = lambda params: [("branches", params["branches"])]
add_effectful_twin(cond_p)


def _merge_common_consts(closeds, all_consts):
  """Branches share one list of consts (deduplicated by identity); each branch takes all."""
  unique, pos = [], {}
  for cs in all_consts:
    for c in cs:
      if id(c) not in pos:
        pos[id(c)] = len(unique)
        unique.append(c)
  out = []
  for closed, cs in zip(closeds, all_consts):
    invars = closed.jaxpr.invars
    mine = {pos[id(c)]: v for c, v in zip(cs, invars[:len(cs)])}
    new_const_vars = [mine.get(k) or Var(get_aval(c)) for k, c in enumerate(unique)]
    out.append(with_io(closed, invars=new_const_vars + list(invars[len(cs):])))
  return out, unique


def _cond_bind(branch_funs, names, api_name, operands):
  """Trace the branches and check their outputs agree; drop outputs all forward."""
  leaves, in_tree = tu.tree_flatten(tuple(operands))
  leaves = [as_leaf(x) for x in leaves]
  avals = [get_aval(x) for x in leaves]
  traced = [trace_user(f, in_tree, avals, api_name) for f in branch_funs]
  closeds, all_consts, trees = zip(*traced)
  closeds, consts = _merge_common_consts(closeds, all_consts)
  out_avals0 = closeds[0].out_avals
  for i in range(1, len(closeds)):
    check_branch_outputs(api_name, names[0], names[i], branch_funs[0], branch_funs[i],
                         trees[0], out_avals0, trees[i], closeds[i].out_avals)
  # outputs that every branch forwards from the same input are not outputs of the cond
  fwds = [forwarding(c.jaxpr) for c in closeds]
  in_fwd = [f[0] if len(set(f)) == 1 else None for f in zip(*fwds)]
  keep = [f is None for f in in_fwd]
  if not all(keep):
    closeds = [with_io(c, outvars=[v for v, k in zip(c.jaxpr.outvars, keep) if k])
               for c in closeds]
  return closeds, consts, leaves, in_fwd, trees[0]


def switch(index, branches: Sequence[Callable], *operands, operand=_no_operand):
  """Apply `branches[clamp(0, index, len(branches) - 1)](*operands)`.

  >>> lax.switch(1, [lambda x: x + 1., lambda x: x * 2.], 3.)   # Array(6., ...)
  """
  if callable(branches) or not hasattr(branches, "__iter__") or \
      not all(callable(b) for b in branches):
    raise TypeError("lax.switch: branches argument should be a sequence of callables.")
  if operand is not _no_operand:
    if operands:
      raise TypeError("if 'operand' keyword is passed then no positional operands can be "
                      f"passed, got operand={operand} and positional operands {operands}")
    operands = (operand,)
  if len(np.shape(index)) != 0:
    raise TypeError(f"Branch index must be scalar, got {index} of shape {np.shape(index)}.")
  try:
    index_dtype = dtypes.result_type(index)
  except TypeError as err:
    raise TypeError(f"Index type must be an integer, got {index}.") from err
  if index_dtype.kind not in "iu":
    raise TypeError(f"Index type must be an integer, got {index} as {index_dtype}")
  branches = tuple(branches)
  if len(branches) == 0:
    raise ValueError("Empty branch sequence")
  if len(branches) == 1:
    return branches[0](*operands)
  index = _to_int32(index)
  index = L.clamp(Array(np.array(0, np.int32), False), index,
                  Array(np.array(len(branches) - 1, np.int32), False))
  if config.disable_jit and core.concrete_value(index) is not None:
    return branches[int(core.concrete_value(index))](*operands)
  names = ["branch 0"] + [f"branch{i}" for i in range(1, len(branches))]
  closeds, consts, leaves, in_fwd, out_tree = _cond_bind(branches, names, "switch", operands)
  out = _bind_cond(index, *consts, *leaves, branches=tuple(closeds))
  return _finish_cond(out, in_fwd, list(consts) + leaves, out_tree)


def _finish_cond(out, in_fwd, all_inputs, out_tree):
  it = iter(out)
  out = [next(it) if f is None else L.asarray(all_inputs[f]) for f in in_fwd]
  return tu.tree_unflatten(out_tree, out)


def _to_int32(x):
  """x as an int32 index; a constant is converted now (JAX folds it: no equation)."""
  if not isinstance(x, Tracer):
    return Array(np.asarray(core.concrete_value(x)).astype(np.int32), False)
  a = get_aval(x)
  if a.dtype == np.int32 and not a.weak_type:
    return x
  return L.convert_element_type(x, np.int32)


def cond(pred, true_fun: Callable, false_fun: Callable, *operands, operand=_no_operand):
  """`true_fun(*operands)` if `pred` else `false_fun(*operands)`; both branches are traced.

  >>> lax.cond(x > 0, lambda x: x, lambda x: -x, x)
  """
  if not (callable(true_fun) and callable(false_fun)):
    # the deprecated form cond(pred, true_operand, true_fun, false_operand, false_fun)
    if callable(false_fun) and len(operands) == 2 and callable(operands[1]):
      x_true, f_true, x_false, f_false = true_fun, false_fun, *operands
      return cond(pred, lambda x, _: f_true(x), lambda _, x: f_false(x), x_true, x_false)
    raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
  if operand is not _no_operand:
    if operands:
      raise TypeError("if 'operand' keyword is passed then no positional operands can be "
                      f"passed, got operand={operand} and positional operands {operands}")
    operands = (operand,)
  if pred is None:
    raise TypeError("cond predicate is None")
  if isinstance(pred, Sequence) or np.ndim(pred) != 0:
    raise TypeError(f"Pred must be a scalar, got {pred} of " +
                    (f"type {type(pred)}" if isinstance(pred, Sequence)
                     else f"shape {np.shape(pred)}."))
  try:
    pred_dtype = dtypes.result_type(pred)
  except TypeError as err:
    raise TypeError(f"Pred type must be either boolean or number, got {pred}.") from err
  if pred_dtype.kind != "b":
    if pred_dtype.kind in "iuf":
      pred = pred != 0
    else:
      raise TypeError(f"Pred type must be either boolean or number, got {pred_dtype}.")
  if config.disable_jit and core.concrete_value(pred) is not None:
    return true_fun(*operands) if bool(core.concrete_value(pred)) else false_fun(*operands)
  closeds, consts, leaves, in_fwd, out_tree = _cond_bind(
      (true_fun, false_fun), ("true_fun", "false_fun"), "cond", operands)
  index = _to_int32(pred)
  out = _bind_cond(index, *consts, *leaves, branches=(closeds[1], closeds[0]))
  return _finish_cond(out, in_fwd, list(consts) + leaves, out_tree)


# ----------------------------------------------------------------------------------------------
# while_loop
# ----------------------------------------------------------------------------------------------
def _runner(closed):
  """A function of NumPy values running `closed` (see `run_numpy`)."""
  return lambda *vals: run_numpy(closed, vals)


def _while_impl(*args, cond_nconsts, cond_jaxpr, body_nconsts, body_jaxpr):
  cconsts, bconsts, carry = split_list(args, [cond_nconsts, body_nconsts])
  cf, bf = _runner(cond_jaxpr), _runner(body_jaxpr)
  pred = cf(*cconsts, *carry)[0]
  if np.ndim(pred) == 0:
    while pred:
      carry = bf(*bconsts, *carry)
      pred = cf(*cconsts, *carry)[0]
    return list(carry)
  # A batched predicate (vmap): run until every lane is done, freezing finished lanes.
  while np.any(pred):
    new = bf(*bconsts, *carry)
    carry = [np.where(pred.reshape(pred.shape + (1,) * (np.ndim(c) - pred.ndim)), n, c)
             for n, c in zip(new, carry)]
    pred = cf(*cconsts, *carry)[0]
  return list(carry)


def _while_abstract_eval(*avals, cond_nconsts, cond_jaxpr, body_nconsts, body_jaxpr):
  n_carry = len(avals) - cond_nconsts - body_nconsts
  if len(cond_jaxpr.in_avals) != cond_nconsts + n_carry:
    raise TypeError(f"while_loop cond_jaxpr takes {len(cond_jaxpr.in_avals)} inputs but got "
                    f"{cond_nconsts + n_carry}")
  if len(body_jaxpr.in_avals) != body_nconsts + n_carry:
    raise TypeError(f"while_loop body_jaxpr takes {len(body_jaxpr.in_avals)} inputs but got "
                    f"{body_nconsts + n_carry}")
  return list(body_jaxpr.out_avals)


while_p = primitive("while", _while_impl, _while_abstract_eval, multiple_results=True,
                    weak_type_rule=weak_outs(lambda p: p["body_jaxpr"].out_avals))


def _bind_while(*args, **params):
  return variant(while_p, (params["cond_jaxpr"], params["body_jaxpr"])).bind(*args, **params)


def _while_jvp(primals, tangents, *, cond_nconsts, cond_jaxpr, body_nconsts, body_jaxpr):
  nz = [type(t) is not Zero for t in tangents]
  _, bconst_nz, init_nz = split_list(nz, [cond_nconsts, body_nconsts])
  carry_nz = init_nz
  for _ in range(1 + len(carry_nz)):
    body_jvp, out_nz = jvp_jaxpr(body_jaxpr, bconst_nz + carry_nz, carry_nz)
    if out_nz == carry_nz:
      break
    carry_nz = or_lists(carry_nz, out_nz)
  cconst, bconst, init = split_list(primals, [cond_nconsts, body_nconsts])
  _, bconst_dot, init_dot = split_list(tangents, [cond_nconsts, body_nconsts])
  bconst_dot = [t for t in bconst_dot if type(t) is not Zero]
  init_dot = [ad.instantiate_zeros(t) for t, n in zip(init_dot, carry_nz) if n]
  nb, nc = body_nconsts, len(init)
  nbd, ncd = len(bconst_dot), len(init_dot)
  # body_jvp: [bconst, carry, bconst_dot, carry_dot] -> [carry, carry_dot]
  j = body_jvp.jaxpr
  iv = j.invars
  body_jvp = with_io(body_jvp, invars=iv[:nb] + iv[nb + nc:nb + nc + nbd] + iv[nb:nb + nc]
                     + iv[nb + nc + nbd:])
  cj = cond_jaxpr.jaxpr
  # the cond ignores the tangent carries
  cond_aug = CachedJaxpr(Jaxpr(cj.constvars, list(cj.invars) + [Var(get_aval(t)) for t in init_dot],
                               cj.outvars, cj.eqns), cond_jaxpr.consts)
  out = _bind_while(*cconst, *bconst, *bconst_dot, *init, *init_dot,
                    cond_nconsts=cond_nconsts, cond_jaxpr=cond_aug,
                    body_nconsts=nb + nbd, body_jaxpr=body_jvp)
  out_carry, it = out[:nc], iter(out[nc:])
  return out_carry, [next(it) if n else Zero.from_primal_value(p)
                     for p, n in zip(out_carry, carry_nz)]


def _while_partial_eval(trace, args, params):
  cn, bn = params["cond_nconsts"], params["body_nconsts"]
  cond_jaxpr, body_jaxpr = params["cond_jaxpr"], params["body_jaxpr"]
  uk = [trace.is_own(a) for a in args]
  cc_uk, bc_uk, init_uk = split_list(uk, [cn, bn])
  carry_uk = init_uk
  for _ in range(1 + len(carry_uk)):
    pj_body = partial_eval_jaxpr(body_jaxpr, bc_uk + carry_uk, carry_uk)
    if pj_body.out_uk == carry_uk:
      break
    carry_uk = or_lists(carry_uk, pj_body.out_uk)
  pj_cond = partial_eval_jaxpr(cond_jaxpr, cc_uk + carry_uk, False)
  if pj_cond.out_uk[0] or all(uk):
    return trace.default_process_primitive(
        variant(while_p, (cond_jaxpr, body_jaxpr)), args, params)
  unknowns = cc_uk + bc_uk + carry_uk
  known_args = [a for a, u in zip(args, unknowns) if not u]
  n_kc, n_kb = cn - sum(cc_uk), bn - sum(bc_uk)
  n_kcarry = len(carry_uk) - sum(carry_uk)
  cond_known = dce_jaxpr(pj_cond.known, [True] + [False] * (len(pj_cond.known.out_avals) - 1))
  body_known = dce_jaxpr(pj_body.known, [True] * n_kcarry +
                         [False] * (len(pj_body.known.out_avals) - n_kcarry))
  count = _trip_count(trace, cond_known, body_known, known_args, n_kc, n_kb)
  if count is not None:
    # The trip count is known now: differentiate the loop as a scan of that length. When it
    # differs between lanes (vmap), the scan body keeps finished lanes unchanged.
    cconsts, bconsts, carry = split_list(args, [cn, bn])
    if np.ndim(count) == 0 and cond_jaxpr.out_avals[0].ndim == 0:
      sbody, sconsts = body_jaxpr, bconsts
    else:
      sbody, sconsts = _masked_body(cond_jaxpr, body_jaxpr, cn, bn), cconsts + bconsts
    return _scan_partial_eval(trace, list(sconsts) + list(carry), dict(
        reverse=False, length=int(np.max(count)), jaxpr=sbody, num_consts=len(sconsts),
        num_carry=len(carry), unroll=1))
  # Unknown trip count (under jit): as JAX, run the known part of the loop for the known
  # outputs and record the whole loop for the unknown ones (its transpose raises).
  with set_current_trace(trace.parent):
    known_outs = _bind_while(*known_args, cond_nconsts=n_kc, cond_jaxpr=cond_known,
                             body_nconsts=n_kb, body_jaxpr=body_known)
  outs = trace.default_process_primitive(
      variant(while_p, (cond_jaxpr, body_jaxpr)), args, params)
  return merge_lists(carry_uk, known_outs, [o for o, u in zip(outs, carry_uk) if u])


def _trip_count(trace, cond_known, body_known, known_args, n_kc, n_kb):
  """The number of steps of the known part of a loop if it can be known now (per lane under
  vmap), else None (under jit). Runs the loop with a step counter on the parent trace."""
  if any(_concrete_view(x) is None for x in known_args):
    return None
  pred_aval = cond_known.out_avals[0]
  i_aval = core.ShapedArray(pred_aval.shape, np.dtype(np.int32))
  cj = cond_known.jaxpr
  cond_c = CachedJaxpr(Jaxpr(cj.constvars, list(cj.invars) + [Var(i_aval)], cj.outvars, cj.eqns),
                       cond_known.consts)
  one = Array(np.array(1, np.int32), False)
  body_c = trace_closed(lambda *xs: eval_closed(body_known, *xs[:-1]) + [L.add(xs[-1], one)],
                        list(body_known.in_avals) + [i_aval])
  with set_current_trace(trace.parent):
    args = [L.stop_gradient(x) for x in known_args]  # the count has no derivative
    zero = L.full(i_aval.shape, Array(np.array(0, np.int32), False))
    count = _bind_while(*args, zero, cond_nconsts=n_kc, cond_jaxpr=cond_c, body_nconsts=n_kb,
                        body_jaxpr=body_c)[-1]
  return np.asarray(_concrete_view(count))


def _concrete_view(x):
  """The NumPy value under the tracers of transformations whose values are concrete (JVP
  primals, vmap lanes, batched), or None (a staged value)."""
  while isinstance(x, Tracer):
    x = getattr(x, "primal", getattr(x, "val", None))
    if x is None:
      return None
  return x._value if type(x) is Array else x


def _masked_body(cond_jaxpr, body_jaxpr, cn, bn):
  """Body of a while with a batched predicate as a scan body: finished lanes keep their value."""
  avals = list(cond_jaxpr.in_avals[:cn]) + list(body_jaxpr.in_avals)

  def fun(*xs):
    cconsts, bconsts, carry = split_list(xs, [cn, bn])
    pred, = eval_closed(cond_jaxpr, *cconsts, *carry)
    new = eval_closed(body_jaxpr, *bconsts, *carry)
    return [_bcast_select(pred, n, c) for n, c in zip(new, carry)]
  return trace_closed(fun, avals)


def _while_transpose(cts, *args, **params):
  raise ValueError("Reverse-mode differentiation does not work for lax.while_loop or "
                   "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using "
                   "fori_loop with static start/stop.")


def _while_batch(vals, dims, *, cond_nconsts, cond_jaxpr, body_nconsts, body_jaxpr, axis_data):
  size = axis_data.size
  bat = [d is not None for d in dims]
  cconst_bat, bconst_bat, init_bat = split_list(bat, [cond_nconsts, body_nconsts])
  cconsts, bconsts, init = split_list(vals, [cond_nconsts, body_nconsts])
  cconst_dims, bconst_dims, init_dims = split_list(dims, [cond_nconsts, body_nconsts])
  carry_bat = init_bat
  for _ in range(1 + len(carry_bat)):
    _, out_bat = batch_jaxpr(body_jaxpr, axis_data, bconst_bat + carry_bat, carry_bat)
    if out_bat == carry_bat:
      break
    carry_bat = or_lists(carry_bat, out_bat)
  _, (pred_bat,) = batch_jaxpr(cond_jaxpr, axis_data, cconst_bat + carry_bat, False)
  cconsts = [batching.moveaxis(x, d, 0) if d is not None else x
             for x, d in zip(cconsts, cconst_dims)]
  bconsts = [batching.moveaxis(x, d, 0) if d is not None else x
             for x, d in zip(bconsts, bconst_dims)]
  if pred_bat:
    # every carry is batched: lanes finish at different times
    carry_bat = [True] * len(carry_bat)
    carry_dims = [0] * len(carry_bat)
    body_b, _ = batch_jaxpr(body_jaxpr, axis_data, bconst_bat + carry_bat, True)
    cond_b, _ = batch_jaxpr(cond_jaxpr, axis_data, cconst_bat + carry_bat, True)
  else:
    # the predicate (of rank r, from an inner vmap) is a prefix of the carry shapes: batched
    # carries get their new axis at r
    r = cond_jaxpr.out_avals[0].ndim
    carry_dims = [r if b else None for b in carry_bat]
    body_b = batch_jaxpr_axes(body_jaxpr, axis_data, bconst_bat + carry_bat,
                              [0] * body_nconsts + carry_dims, carry_dims)
    cond_b = batch_jaxpr_axes(cond_jaxpr, axis_data, cconst_bat + carry_bat,
                              [0] * cond_nconsts + carry_dims, [None])
  new_init = []
  for x, d, nd in zip(init, init_dims, carry_dims):
    if nd is None:
      new_init.append(x)
    else:
      new_init.append(batching.matchaxis(x, d, nd, size))
  outs = _bind_while(*cconsts, *bconsts, *new_init, cond_nconsts=cond_nconsts,
                     cond_jaxpr=cond_b, body_nconsts=body_nconsts, body_jaxpr=body_b)
  return outs, carry_dims


_while_batch.needs_axis_data = True
while_p.jvp = _while_jvp
while_p.transpose = _while_transpose
while_p.batch = _while_batch
while_p.partial_eval_rule = _while_partial_eval
add_effectful_twin(while_p)


def while_loop(cond_fun: Callable, body_fun: Callable, init_val):
  """`while cond_fun(val): val = body_fun(val)`, as one primitive.

  >>> lax.while_loop(lambda c: c < 10, lambda c: c * 2, 1)   # Array(16, ...)
  """
  if not (callable(body_fun) and callable(cond_fun)):
    raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.")
  if config.disable_jit:
    try:
      val = tu.tree_map(L.asarray, init_val)
      while cond_fun(val):
        val = tu.tree_map(L.asarray, body_fun(val))
      return val
    except ConcretizationTypeError:
      pass
  raw, in_tree = tu.tree_flatten(init_val)
  leaves = [as_leaf(x) for x in raw]
  args_tree = tu.tree_structure((tu.tree_unflatten(in_tree, leaves),))

  def create(leaves):
    avals = [get_aval(x) for x in leaves]
    cond_j, cond_consts, cond_tree = trace_user(cond_fun, args_tree, avals, "while_cond")
    body_j, body_consts, body_tree = trace_user(body_fun, args_tree, avals, "while_body")
    if not tu.treedef_is_leaf(cond_tree) or len(cond_j.out_avals) != 1:
      raise TypeError(f"cond_fun must return a boolean scalar, but got pytree {cond_tree}.")
    pa = cond_j.out_avals[0]
    if pa.shape != () or pa.dtype != np.bool_:
      weak = ", weak_type=True" if pa.weak_type else ""
      raise TypeError("cond_fun must return a boolean scalar, but got output type(s) "
                      f"[ShapedArray({aval_type_str(pa)}{weak})].")
    return avals, cond_j, cond_consts, body_j, body_consts, body_tree

  avals, cond_j, cond_consts, body_j, body_consts, body_tree = create(leaves)
  body_out = body_j.out_avals
  if len(body_out) != len(avals) or body_tree != in_tree:
    check_carry_type("while_loop body", body_fun, in_tree, avals, body_tree, body_out)
  promoted = [promote_weak(x, a, b) for x, a, b in zip(leaves, avals, body_out)]
  if any(ch for _, ch in promoted):
    leaves = raw = [x for x, _ in promoted]
    avals, cond_j, cond_consts, body_j, body_consts, body_tree = create(leaves)
  check_carry_type("while_loop body", body_fun, in_tree, avals, body_tree, body_j.out_avals)
  # A carry the body forwards unchanged and the cond does not read becomes a body const.
  nbc, ncc = len(body_consts), len(cond_consts)
  body_fwd = forwarding(body_j.jaxpr)
  carry_nofwd = [nbc + i != f for i, f in enumerate(body_fwd)]
  cond_dce, keep = dce_jaxpr(cond_j, [True], [True] * ncc + carry_nofwd)
  move = [not k for k in keep[ncc:]]
  init_vals, new_consts = list(leaves), []
  if any(move):
    cond_j = cond_dce
    bj = body_j.jaxpr
    outvars = [v for v, m in zip(bj.outvars, move) if not m]
    carry_vars = bj.invars[nbc:]
    moved = [v for v, m in zip(carry_vars, move) if m]
    kept = [v for v, m in zip(carry_vars, move) if not m]
    body_j = CachedJaxpr(Jaxpr([], moved + bj.invars[:nbc] + kept, outvars, bj.eqns))
    init_vals, new_consts = partition_list(move, leaves)
    body_consts = new_consts + list(body_consts)
    new_consts = partition_list(move, raw)[1]  # returned as given, as JAX does
  outs = _bind_while(*cond_consts, *body_consts, *init_vals, cond_nconsts=len(cond_consts),
                     cond_jaxpr=cond_j, body_nconsts=len(body_consts), body_jaxpr=body_j)
  if any(move):
    outs = merge_lists(move, outs, new_consts)
  return tu.tree_unflatten(in_tree, outs)


# ----------------------------------------------------------------------------------------------
# scan
# ----------------------------------------------------------------------------------------------
def _scan_impl(*args, reverse, length, num_consts, num_carry, jaxpr, unroll):
  consts, carry, xs = split_list(args, [num_consts, num_carry])
  fn = _runner(jaxpr)
  ys = [np.empty((length,) + a.shape, a.dtype) for a in jaxpr.out_avals[num_carry:]]
  if not xs and not ys:
    for _ in range(length):
      carry = fn(*consts, *carry)
    return list(carry)
  xs = [np.asarray(x) for x in xs]
  for step in range(length):
    i = length - 1 - step if reverse else step
    out = fn(*consts, *carry, *[x[i] for x in xs])
    carry = out[:num_carry]
    for y, o in zip(ys, out[num_carry:]):
      y[i] = o
  return list(carry) + ys


def _scan_abstract_eval(*avals, reverse, length, num_consts, num_carry, jaxpr, unroll):
  if len(avals) != len(jaxpr.in_avals):
    raise TypeError(f"scan number of arguments doesn't match the number of jaxpr arguments: "
                    f"{len(avals)} vs {len(jaxpr.in_avals)}")
  for a in avals[num_consts + num_carry:]:
    if not a.shape or a.shape[0] != length:
      raise TypeError(f"scan xs must have leading axis of size {length}, got {a.str_short()}")
  outs = jaxpr.out_avals
  return list(outs[:num_carry]) + [unmapped_aval(length, a) for a in outs[num_carry:]]


scan_p = primitive("scan", _scan_impl, _scan_abstract_eval, multiple_results=True,
                   weak_type_rule=weak_outs(lambda p: p["jaxpr"].out_avals))


def _bind_scan(*args, **params):
  return variant(scan_p, (params["jaxpr"],)).bind(*args, **params)


def _scan_jvp(primals, tangents, *, reverse, length, num_consts, num_carry, jaxpr, unroll):
  num_ys = len(jaxpr.out_avals) - num_carry
  nz = [type(t) is not Zero for t in tangents]
  const_nz, init_nz, xs_nz = split_list(nz, [num_consts, num_carry])
  carry_nz = init_nz
  for _ in range(1 + num_carry):
    jvp, out_nz = jvp_jaxpr(jaxpr, const_nz + carry_nz + xs_nz, carry_nz + [False] * num_ys)
    if out_nz[:num_carry] == carry_nz:
      break
    carry_nz = or_lists(carry_nz, out_nz[:num_carry])
  ys_nz = out_nz[num_carry:]
  consts, init, xs = split_list(primals, [num_consts, num_carry])
  consts_dot, init_dot, xs_dot = split_list(tangents, [num_consts, num_carry])
  consts_dot = [t for t in consts_dot if type(t) is not Zero]
  init_dot = [ad.instantiate_zeros(t) for t, n in zip(init_dot, carry_nz) if n]
  xs_dot = [t for t in xs_dot if type(t) is not Zero]
  nc, ncar, nx = num_consts, num_carry, len(xs)
  ncd, ncard, nxd = len(consts_dot), len(init_dot), len(xs_dot)
  # [consts, carry, xs, consts_dot, carry_dot, xs_dot] -> [consts, consts_dot, carry, ...]
  iv = jvp.jaxpr.invars
  p, t = iv[:nc + ncar + nx], iv[nc + ncar + nx:]
  invars = (p[:nc] + t[:ncd] + p[nc:nc + ncar] + t[ncd:ncd + ncard] + p[nc + ncar:]
            + t[ncd + ncard:])
  ov = jvp.jaxpr.outvars
  po, to = ov[:ncar + num_ys], ov[ncar + num_ys:]
  nyd = sum(ys_nz)
  outvars = po[:ncar] + to[:ncard] + po[ncar:] + to[ncard:]
  jvp = with_io(jvp, invars=invars, outvars=outvars)
  out = _bind_scan(*consts, *consts_dot, *init, *init_dot, *xs, *xs_dot, reverse=reverse,
                   length=length, num_consts=nc + ncd, num_carry=ncar + ncard, jaxpr=jvp,
                   unroll=unroll)
  carry_out, carry_dot, ys, ys_dot = split_list(out, [ncar, ncard, num_ys])
  cit, yit = iter(carry_dot), iter(ys_dot)
  t_carry = [next(cit) if n else Zero.from_primal_value(c) for c, n in zip(carry_out, carry_nz)]
  t_ys = [next(yit) if n else Zero.from_primal_value(y) for y, n in zip(ys, ys_nz)]
  return carry_out + ys, t_carry + t_ys


def _scan_partial_eval(trace, args, params):
  reverse, length, unroll = params["reverse"], params["length"], params["unroll"]
  nc, ncar, jaxpr = params["num_consts"], params["num_carry"], params["jaxpr"]
  num_ys = len(jaxpr.out_avals) - ncar
  uk = [trace.is_own(a) for a in args]
  const_uk, init_uk, xs_uk = split_list(uk, [nc, ncar])
  carry_uk = init_uk
  for _ in range(1 + ncar):
    unknowns = const_uk + carry_uk + xs_uk
    # residuals may be forwarded known consts and xs, not carries (they change every step)
    fwd_ok = [not (nc <= i < nc + ncar) for i, u in enumerate(unknowns) if not u]
    pj = partial_eval_jaxpr(jaxpr, unknowns, carry_uk + [False] * num_ys, fwd_ok)
    if pj.out_uk[:ncar] == carry_uk:
      break
    carry_uk = or_lists(carry_uk, pj.out_uk[:ncar])
  known_args = [a for a, u in zip(args, unknowns) if not u]
  n_kconsts, n_kcarry = nc - sum(const_uk), ncar - sum(carry_uk)
  n_known_out = len(pj.out_uk) - sum(pj.out_uk)
  known = pj.known
  # residuals computed from the consts alone are hoisted out of the loop (not stacked)
  hoisted = _invariant_outputs(known, n_kconsts, n_known_out)
  hoisted_vals = []
  if any(hoisted):
    hoist = dce_jaxpr(known, [False] * n_known_out + hoisted, keep_effects=False)
    known = dce_jaxpr(known, [True] * n_known_out + [not h for h in hoisted])
    with set_current_trace(trace.parent):
      hoisted_vals = eval_closed(hoist, *known_args[:n_kconsts],
                                 *[None] * (len(known_args) - n_kconsts))
  known_out = []
  if known.out_avals:
    with set_current_trace(trace.parent):
      known_out = _bind_scan(*known_args, reverse=reverse, length=length, jaxpr=known,
                             num_consts=n_kconsts, num_carry=n_kcarry, unroll=unroll)
  known_outs = known_out[:n_known_out]
  computed = merge_lists(hoisted, known_out[n_known_out:], hoisted_vals)
  if not any(pj.out_uk):
    return known_outs
  # residuals: loop-invariant ones are consts of the unknown scan, the others are its xs
  nres = len(pj.res_kinds)
  res_vars = pj.unknown.jaxpr.invars[:nres]
  int_vars, int_vals, ext_vars, ext_vals = [], [], [], []
  for v, kind in zip(res_vars, pj.res_kinds):
    if kind[0] == "fwd":
      i = kind[1]
      if i < n_kconsts:
        int_vars.append(v)
        int_vals.append(known_args[i])
      else:
        ext_vars.append(v)
        ext_vals.append(known_args[i])
    elif kind[0] == "const":
      int_vars.append(v)
      int_vals.append(kind[1])
    elif hoisted[kind[1]]:
      int_vars.append(v)
      int_vals.append(computed[kind[1]])
    else:
      ext_vars.append(v)
      ext_vals.append(computed[kind[1]])
  uj = pj.unknown
  unknown = with_io(uj, invars=int_vars + uj.jaxpr.invars[nres:] + ext_vars)
  uk_args = [a for a, u in zip(args, unknowns) if u]
  params = dict(reverse=reverse, length=length, jaxpr=unknown,
                num_consts=len(int_vals) + sum(const_uk), num_carry=sum(carry_uk), unroll=unroll)
  uk_outs = trace.default_process_primitive(variant(scan_p, (unknown,)),
                                            int_vals + uk_args + ext_vals, params)
  return merge_lists(pj.out_uk, known_outs, uk_outs)


def _invariant_outputs(closed, n_invariant_in: int, first_out: int) -> list:
  """Which outputs (from `first_out`) depend only on the first `n_invariant_in` inputs."""
  j = closed.jaxpr
  varying = set(j.invars[n_invariant_in:])
  for e in j.eqns:
    if e.primitive.effectful or any(isinstance(v, Var) and v in varying for v in e.invars):
      varying.update(e.outvars)
  return [not (isinstance(v, Var) and v in varying) for v in j.outvars[first_out:]]


def _scan_transpose(cts, *args, reverse, length, num_consts, num_carry, jaxpr, unroll):
  consts, init, xs = split_list(args, [num_consts, num_carry])
  c_lin = [is_undefined_primal(x) for x in consts]
  x_lin = [is_undefined_primal(x) for x in xs]
  res_c = [x for x in consts if not is_undefined_primal(x)]
  res_x = [x for x in xs if not is_undefined_primal(x)]
  ct_carry, ct_ys = split_list(cts, [num_carry])
  carry_avals = jaxpr.in_avals[num_consts:num_consts + num_carry]
  ct_carry = [ad.zeros_like_aval(a.to_tangent_aval()) if type(c) is Zero else c
              for c, a in zip(ct_carry, carry_avals)]
  ys_nz = [type(c) is not Zero for c in ct_ys]
  ct_ys = [c for c in ct_ys if type(c) is not Zero]
  lin_const_avals = [operand_aval(x).to_tangent_aval() for x in consts if is_undefined_primal(x)]
  acc0 = [ad.zeros_like_aval(a) for a in lin_const_avals]
  jaxpr_t = _transpose_scan_jaxpr(jaxpr, num_consts, num_carry, c_lin, x_lin, ys_nz)
  outs = _bind_scan(*res_c, *acc0, *ct_carry, *ct_ys, *res_x, reverse=not reverse,
                    length=length, num_consts=len(res_c),
                    num_carry=len(acc0) + num_carry, jaxpr=jaxpr_t, unroll=unroll)
  ct_consts, ct_init, ct_xs = split_list(outs, [len(acc0), num_carry])
  cc, cx = iter(ct_consts), iter(ct_xs)
  return ([next(cc) if l else None for l in c_lin] +
          [c if is_undefined_primal(x) else None for c, x in zip(ct_init, init)] +
          [next(cx) if l else None for l in x_lin])


def _transpose_scan_jaxpr(jaxpr, num_consts, num_carry, c_lin, x_lin, ys_nz):
  """[res consts, const ct accumulators, carry cts, ys cts, res xs] ->
  [const ct accumulators, carry cts, xs cts]: one step of the backward scan."""
  in_avals = jaxpr.in_avals
  c_avals, carry_avals, x_avals = split_list(in_avals, [num_consts, num_carry])
  y_avals = [a.to_tangent_aval() for a in jaxpr.out_avals[num_carry:]]
  res_c_avals = [a for a, l in zip(c_avals, c_lin) if not l]
  lin_c_avals = [a.to_tangent_aval() for a, l in zip(c_avals, c_lin) if l]
  res_x_avals = [a for a, l in zip(x_avals, x_lin) if not l]
  ct_carry_avals = [a.to_tangent_aval() for a in carry_avals]
  ct_y_avals = [a for a, n in zip(y_avals, ys_nz) if n]
  sizes = [len(res_c_avals), len(lin_c_avals), len(ct_carry_avals), len(ct_y_avals)]

  def fun(*xs):
    res_c, acc, ct_carry, ct_y, res_x = split_list(xs, sizes)
    rc, rx = iter(res_c), iter(res_x)
    args = ([UndefinedPrimal(a) if l else next(rc) for a, l in zip(c_avals, c_lin)] +
            [UndefinedPrimal(a) for a in carry_avals] +
            [UndefinedPrimal(a) if l else next(rx) for a, l in zip(x_avals, x_lin)])
    yit = iter(ct_y)
    cts_out = list(ct_carry) + [next(yit) if n else Zero(a) for a, n in zip(y_avals, ys_nz)]
    cts_in = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, args, cts_out)
    ct_c, ct_car, ct_x = split_list(cts_in, [num_consts, num_carry])
    ct_c = [c for c, l in zip(ct_c, c_lin) if l]
    new_acc = [ad.instantiate_zeros(ad.add_tangents(a, c)) for a, c in zip(acc, ct_c)]
    ct_car = [ad.instantiate_zeros(c) for c in ct_car]
    ct_x = [ad.instantiate_zeros(c) for c, l in zip(ct_x, x_lin) if l]
    return new_acc + ct_car + ct_x
  return trace_closed(fun, res_c_avals + lin_c_avals + ct_carry_avals + ct_y_avals +
                      res_x_avals)


def _scan_batch(vals, dims, *, reverse, length, num_consts, num_carry, jaxpr, unroll,
                axis_data):
  size = axis_data.size
  num_ys = len(jaxpr.out_avals) - num_carry
  bat = [d is not None for d in dims]
  const_bat, init_bat, xs_bat = split_list(bat, [num_consts, num_carry])
  carry_bat = init_bat
  for _ in range(1 + num_carry):
    jb, out_bat = batch_jaxpr(jaxpr, axis_data, const_bat + carry_bat + xs_bat,
                              carry_bat + [False] * num_ys)
    if out_bat[:num_carry] == carry_bat:
      break
    carry_bat = or_lists(carry_bat, out_bat[:num_carry])
  consts, init, xs = split_list(vals, [num_consts, num_carry])
  cdims, idims, xdims = split_list(dims, [num_consts, num_carry])
  consts = [batching.moveaxis(x, d, 0) if d is not None else x for x, d in zip(consts, cdims)]
  init = [batching.matchaxis(x, d, 0, size) if b else x
          for x, d, b in zip(init, idims, carry_bat)]
  xs = [batching.moveaxis(x, d, 1) if d is not None else x for x, d in zip(xs, xdims)]
  outs = _bind_scan(*consts, *init, *xs, reverse=reverse, length=length, jaxpr=jb,
                    num_consts=num_consts, num_carry=num_carry, unroll=unroll)
  ys_bat = out_bat[num_carry:]
  return outs, [0 if b else None for b in carry_bat] + [1 if b else None for b in ys_bat]


_scan_batch.needs_axis_data = True
scan_p.jvp = _scan_jvp
scan_p.transpose = _scan_transpose
scan_p.batch = _scan_batch
scan_p.partial_eval_rule = _scan_partial_eval
add_effectful_twin(scan_p)


def _infer_scan_length(xs_leaves, length) -> int:
  try:
    lengths = [get_aval(x).shape[0] for x in xs_leaves]
  except IndexError:
    raise ValueError("scan got value with no leading axis to scan over: " + ", ".join(
        str(x) for x in xs_leaves if not get_aval(x).shape) + ".") from None
  if length is not None:
    try:
      length = int(length)
    except (ConcretizationTypeError, TracerIntegerConversionError):
      raise ConcretizationTypeError(
          length, "The `length` argument to `scan` expects a concrete `int` value. For "
          "scan-like iteration with a dynamic length, use `while_loop` or `fori_loop`."
      ) from None
    if not all(length == n for n in lengths):
      raise ValueError(f"scan got `length` argument of {length} which disagrees with leading "
                       f"axis sizes {lengths}.")
    return length
  unique = set(lengths)
  if len(unique) > 1:
    raise ValueError("scan got values with different leading axis sizes: "
                     f"{', '.join(str(n) for n in lengths)}.")
  if not unique:
    raise ValueError("scan got no values to scan over and `length` not provided.")
  return unique.pop()


def _aval_tree_str(tree, avals) -> str:
  class _A:
    def __init__(self, a):
      self.a = a

    def __repr__(self):
      return f"{'~' if self.a.weak_type else ''}{aval_type_str(self.a)}"
  return str(tu.tree_unflatten(tree, [_A(a) for a in avals]))


def scan(f: Callable, init, xs=None, length: int | None = None, reverse: bool = False,
         unroll: int | bool = 1, _split_transpose: bool = False):
  """Scan `f(carry, x) -> (carry, y)` over the leading axis of `xs`; returns (carry, ys).

  >>> lax.scan(lambda c, x: (c + x, c * x), 0., jnp.arange(3.))
  """
  if not callable(f):
    raise TypeError("lax.scan: f argument should be a callable.")
  raw_init, init_tree = tu.tree_flatten(init)
  xs_leaves, xs_tree = tu.tree_flatten(xs)
  init_leaves = [as_leaf(x) for x in raw_init]
  xs_leaves = [as_leaf(x) for x in xs_leaves]
  length = _infer_scan_length(xs_leaves, length)
  if config.disable_jit:
    if length == 0:
      raise ValueError("zero-length scan is not supported in disable_jit() mode because the "
                       "output type is unknown.")
    carry = tu.tree_unflatten(init_tree, init_leaves)
    ys = []
    order = range(length - 1, -1, -1) if reverse else range(length)
    for i in order:
      x = tu.tree_unflatten(xs_tree, [L.index_in_dim(v, i, keepdims=False) for v in xs_leaves])
      carry, y = f(carry, x)
      ys.append(y)
    if reverse:
      ys.reverse()
    return carry, tu.tree_map(lambda *ys: L._stack([L.asarray(y) for y in ys]), *ys)
  x_avals = [mapped_aval(get_aval(x)) for x in xs_leaves]
  args_tree = tu.tree_structure((tu.tree_unflatten(init_tree, init_leaves),
                                 tu.tree_unflatten(xs_tree, xs_leaves)))

  def create(init_leaves):
    avals = [get_aval(x) for x in init_leaves]
    closed, consts, out_tree = trace_user(f, args_tree, avals + x_avals, "scan")
    if _treedef_is_tuple2(out_tree) is None:
      raise TypeError(f"scan body output must be a pair, got "
                      f"{_aval_tree_str(out_tree, closed.out_avals)}.")
    carry_tree, ys_tree = _treedef_is_tuple2(out_tree)
    return avals, closed, consts, carry_tree, ys_tree

  avals, closed, consts, carry_tree, ys_tree = create(init_leaves)
  ncar = carry_tree.num_leaves
  carry_out = closed.out_avals[:ncar]
  if ncar != len(avals) or carry_tree != init_tree:
    check_carry_type("scan body", f, init_tree, avals, carry_tree, carry_out)
  promoted = [promote_weak(x, a, b) for x, a, b in zip(init_leaves, avals, carry_out)]
  if any(ch for _, ch in promoted):
    init_leaves = raw_init = [x for x, _ in promoted]
    avals, closed, consts, carry_tree, ys_tree = create(init_leaves)
  check_carry_type("scan body", f, init_tree, avals, carry_tree, closed.out_avals[:ncar])
  if isinstance(unroll, Tracer):
    unroll = core.concrete_value(unroll)
    if unroll is None:
      raise ConcretizationTypeError(None, "The `unroll` argument to `scan` expects a "
                                    "concrete `int` or `bool` value.")
  if isinstance(unroll, (bool, np.bool_)):
    unroll = max(length, 1) if unroll else 1
  unroll = int(unroll)
  if unroll < 0:
    raise ValueError("`unroll` must be a `bool` or a non-negative `int`.")
  nconsts, num_carry, nxs = len(consts), len(init_leaves), len(xs_leaves)
  args = list(init_leaves) + list(xs_leaves)
  # A carry forwarded unchanged is read-only: make it a const (as JAX does).
  fwd = forwarding(closed.jaxpr)
  carry_fwd, ext_fwd = fwd[:num_carry], fwd[num_carry:]
  move = [nconsts + i == f for i, f in enumerate(carry_fwd)]
  new_consts = []
  if any(move):
    j = closed.jaxpr
    outvars = [v for v, m in zip(j.outvars[:num_carry], move) if not m] + j.outvars[num_carry:]
    cvars = j.invars[nconsts:nconsts + num_carry]
    moved = [v for v, m in zip(cvars, move) if m]
    kept = [v for v, m in zip(cvars, move) if not m]
    invars = moved + j.invars[:nconsts] + kept + j.invars[nconsts + num_carry:]
    closed = CachedJaxpr(Jaxpr([], invars, outvars, j.eqns))
    carry_args, new_consts = partition_list(move, args[:num_carry])
    args = carry_args + args[num_carry:]
    consts = new_consts + list(consts)
    num_carry -= len(new_consts)
    new_consts = partition_list(move, raw_init)[1]  # returned as given, as JAX does
  # An output that is an input x (forwarded) is not computed by the scan.
  n_c = len(consts)
  ext_to_ext = [f - n_c if f is not None and f >= num_carry + n_c else None for f in ext_fwd]
  if any(f is not None for f in ext_to_ext):
    j = closed.jaxpr
    outvars = j.outvars[:num_carry] + [v for v, f in zip(j.outvars[num_carry:], ext_to_ext)
                                       if f is None]
    closed = with_io(closed, outvars=outvars)
  out = _bind_scan(*consts, *args, reverse=bool(reverse), length=length, jaxpr=closed,
                   num_consts=len(consts), num_carry=num_carry, unroll=unroll)
  carry_out, ys = out[:num_carry], iter(out[num_carry:])
  ys = [next(ys) if f is None else args[f] for f in ext_to_ext]
  if any(move):
    carry_out = merge_lists(move, carry_out, new_consts)
  return (tu.tree_unflatten(carry_tree, carry_out), tu.tree_unflatten(ys_tree, ys))


def _treedef_is_tuple2(tree):
  """(carry treedef, ys treedef) if `tree` is a pair (tuple or list of two), else None."""
  spec = tree._spec
  if spec is None or spec[0] not in (tuple, list) or len(spec[2]) != 2:
    return None
  kids = tree.children()
  return kids[0], kids[1]


# ----------------------------------------------------------------------------------------------
# fori_loop and map
# ----------------------------------------------------------------------------------------------
def fori_loop(lower, upper, body_fun: Callable, init_val, *, unroll: int | bool | None = None):
  """`for i in range(lower, upper): val = body_fun(i, val)`; a scan when the bounds are
  concrete (then reverse-mode differentiable), else a while_loop.

  >>> lax.fori_loop(0, 3, lambda i, c: c + i, 0.)   # Array(3., ...)
  """
  if not callable(body_fun):
    raise TypeError("lax.fori_loop: body_fun argument should be callable.")
  lower_dtype, lower_weak = dtypes.dtype_and_weak(lower)
  upper_dtype, upper_weak = dtypes.dtype_and_weak(upper)
  if lower_dtype == upper_dtype:
    dtype = lower_dtype
  else:
    dtype = None
    if lower_dtype.kind == "i" and upper_dtype.kind == "i":
      if lower_weak and not upper_weak:
        dtype = upper_dtype
      elif upper_weak and not lower_weak:
        dtype = lower_dtype
    if dtype is None:
      raise TypeError("lower and upper arguments to fori_loop must have equal types, got "
                      f"{lower_dtype.name} and {upper_dtype.name}")
  lo, hi = core.concrete_value(lower), core.concrete_value(upper)
  use_scan = False
  if lo is not None and hi is not None:
    try:
      lower_, upper_ = int(lo), int(hi)
      use_scan = True
    except (TypeError, ValueError):
      use_scan = False
  if use_scan:
    if unroll is None:
      unroll = False
    length = max(upper_ - lower_, 0)
    if config.disable_jit and length == 0:
      return init_val

    def scanned(carry, _):
      i, x = carry
      return (i + 1, body_fun(i, x)), None
    (_, result), _ = scan(scanned, (lower_, init_val), None, length=length, unroll=unroll)
    return result
  if unroll is not None and unroll is not False and unroll != 1:
    raise ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are statically "
                     "known.")
  lower, upper = L.asarray(lower), L.asarray(upper)
  if lower_dtype != dtype:
    lower = L.convert_element_type(lower, dtype)
  if upper_dtype != dtype:
    upper = L.convert_element_type(upper, dtype)

  def cond_fun(carry):
    i, upper, _ = carry
    return L.lt(i, upper)

  def while_body(carry):
    i, upper, x = carry
    return L.add(i, L._ones(i)), upper, body_fun(i, x)
  _, _, result = while_loop(cond_fun, while_body, (lower, upper, init_val))
  return result


def map(f: Callable, xs, *, batch_size: int | None = None):
  """`jnp.stack([f(x) for x in xs])` over pytrees, as a scan (vmapped chunks with batch_size).

  >>> lax.map(jnp.sin, jnp.arange(3.))
  """
  if not callable(f):
    raise TypeError(f"lax.map: f must be callable, got {type(f).__name__}")
  if batch_size is not None:
    from numjax._src.api import vmap
    leaves, tree = tu.tree_flatten(xs)
    leaves = [L.asarray(x) for x in leaves]
    if not leaves:
      scan_xs, rem_xs = xs, None
    else:
      n = get_aval(leaves[0]).shape[0]
      num_batches, remainder = (0, n) if batch_size == 0 else divmod(n, batch_size)
      batch_elems = num_batches * batch_size
      scan_xs = rem_xs = None
      if num_batches:
        chunk = lambda x: L.reshape(L.slice_in_dim(x, 0, batch_elems),
                                    (num_batches, batch_size) + get_aval(x).shape[1:])
        scan_xs = tu.tree_unflatten(tree, [chunk(x) for x in leaves])
      if remainder:
        rem_xs = tu.tree_unflatten(tree, [L.slice_in_dim(x, batch_elems, n) for x in leaves])
    g = lambda _, x: ((), vmap(f)(x))
    scan_ys = scan(g, (), scan_xs)[1] if scan_xs is not None else None
    flatten = lambda y: L.reshape(y, (get_aval(y).shape[0] * get_aval(y).shape[1],)
                                  + get_aval(y).shape[2:])
    if scan_ys is None:
      return vmap(f)(rem_xs)
    if rem_xs is not None:
      rem_ys = vmap(f)(rem_xs)
      return tu.tree_map(lambda a, b: L.concatenate([flatten(a), b], 0), scan_ys, rem_ys)
    return tu.tree_map(flatten, scan_ys)
  g = lambda _, x: ((), f(x))
  _, ys = scan(g, (), xs)
  return ys
