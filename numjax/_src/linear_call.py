"""`linear_call`: call a linear function with a custom implementation of its transpose.

`linear_call(fun, fun_transpose, residual_args, linear_args)` computes
`fun(residual_args, linear_args)`, which must be linear in `linear_args`; transposing it (in
`vjp`, `grad`, `linear_transpose`) calls `fun_transpose(residual_args, cotangents)` instead of
transposing `fun`'s operations, and transposing that again calls `fun`. As in JAX it is one
`linear_call` primitive holding `fun` as a jaxpr (`callee`) and a memoized thunk that stages
`fun_transpose` when first needed:

    >>> def f(r, x): return x / r
    >>> def t(r, ct): return ct / r
    >>> linear_call(f, t, 3., 9.)
    Array(3., dtype=float32, weak_type=True)

Under `vmap` (where JAX has no rule) the callee is evaluated batched, so the batched call is
differentiated by transposing `fun` itself.
"""
from __future__ import annotations

from typing import Callable

from numjax._src import core
from numjax._src import tree_util as tu
from numjax._src.core import ClosedJaxpr, Jaxpr
from numjax._src.interpreters import ad
from numjax._src.interpreters import partial_eval as pe
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L


def _stage(fun: Callable, in_tree, avals) -> tuple[ClosedJaxpr, list, list]:
  """`fun` over (residuals, linear inputs) staged with its constants as leading inputs;
  returns (callee, consts, [out_tree])."""
  out_tree: list = []

  def flat(*args):
    res, lin = tu.tree_unflatten(in_tree, list(args))
    out = fun(res, lin)
    leaves, tree = tu.tree_flatten(out)
    out_tree.append(tree)
    return [L.asarray(o) for o in leaves]
  jaxpr, consts, _ = pe.trace_to_jaxpr(flat, avals)
  callee = ClosedJaxpr(Jaxpr([], list(jaxpr.constvars) + list(jaxpr.invars), jaxpr.outvars,
                             jaxpr.eqns), [])
  return callee, list(consts), out_tree


def _memoize(thunk: Callable) -> Callable:
  cell: list = []

  def memoized():
    if not cell:
      cell.append(thunk())
    return cell[0]
  return memoized


def linear_call(fun: Callable, fun_transpose: Callable, residual_args, linear_args):
  """`fun(residual_args, linear_args)`, linear in `linear_args`, whose transpose is
  `fun_transpose(residual_args, cotangents)` (see the module docstring)."""
  res_leaves, res_tree = tu.tree_flatten(residual_args)
  lin_leaves, lin_tree = tu.tree_flatten(linear_args)
  res_leaves = [L.asarray(x) for x in res_leaves]
  lin_leaves = [L.asarray(x) for x in lin_leaves]
  res_avals = [core.get_aval(x) for x in res_leaves]
  lin_avals = [core.get_aval(x) for x in lin_leaves]
  f_in_tree = tu.treedef_tuple((res_tree, lin_tree))
  callee, f_consts, f_out = _stage(fun, f_in_tree, res_avals + lin_avals)
  out_tree = f_out[0]
  out_avals = callee.out_avals

  @_memoize
  def transpose_thunk():
    t_in_tree = tu.treedef_tuple((res_tree, out_tree))
    t_callee, t_consts, t_out = _stage(fun_transpose, t_in_tree, res_avals + list(out_avals))
    if t_out[0] != lin_tree:
      raise TypeError("transpose output pytree structure must match that of linear inputs, "
                      f"got output structure {t_out[0]} and input structure {lin_tree}.")
    return t_callee, t_consts

  outs = linear_call_p.bind(*f_consts, *res_leaves, *lin_leaves, callee=callee,
                            transpose_thunk=transpose_thunk, num_callee_consts=len(f_consts),
                            num_res=len(res_leaves))
  return tu.tree_unflatten(out_tree, outs)


def _linear_call_eval(*args, callee, transpose_thunk, num_callee_consts, num_res):
  return core.eval_jaxpr(callee.jaxpr, callee.consts, *args)


def _linear_call_jvp(primals, tangents, *, callee, transpose_thunk, num_callee_consts, num_res):
  k = num_callee_consts + num_res
  params = dict(callee=callee, transpose_thunk=transpose_thunk,
                num_callee_consts=num_callee_consts, num_res=num_res)
  outs = linear_call_p.bind(*primals, **params)
  lin_tangents = tangents[k:]
  if all(type(t) is Zero for t in lin_tangents):
    return outs, [Zero.from_primal_value(o) for o in outs]
  # Tangents of the residuals do not flow: the call is linear only in its linear inputs.
  t_outs = linear_call_p.bind(*primals[:k], *[ad.instantiate_zeros(t) for t in lin_tangents],
                              **params)
  return outs, t_outs


def _linear_call_transpose_rule(cts, *args, callee, transpose_thunk, num_callee_consts, num_res):
  transpose, t_consts = transpose_thunk()
  k = num_callee_consts + num_res
  f_consts, operands_res = list(args[:num_callee_consts]), list(args[num_callee_consts:k])
  if any(is_undefined_primal(x) for x in args[:k]):
    raise ValueError("linear_call: the residual arguments must not depend on the values "
                     "being transposed.")

  def new_transpose_thunk():
    return callee, f_consts
  cts = [ad.instantiate_zeros(ct) for ct in cts]
  cts_out = linear_call_p.bind(*t_consts, *operands_res, *cts, callee=transpose,
                               transpose_thunk=new_transpose_thunk,
                               num_callee_consts=len(t_consts), num_res=len(operands_res))
  return [None] * k + list(cts_out)


linear_call_p = core.Primitive("linear_call", multiple_results=True)
linear_call_p.fallback = _linear_call_eval   # eager (and vmap): run the callee's equations
linear_call_p.abstract_eval = lambda *avals, callee, **params: list(callee.out_avals)
linear_call_p.jvp = _linear_call_jvp
linear_call_p.transpose = _linear_call_transpose_rule
linear_call_p.inline_param = "callee"
