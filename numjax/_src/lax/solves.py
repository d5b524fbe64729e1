"""`custom_root` and `custom_linear_solve`: solves differentiated implicitly (JAX's
lax/control_flow/solves.py). custom_root is a custom_jvp function over the traced jaxprs of
`f`, `solve` and the tangent solve; custom_linear_solve is a primitive whose JVP solves again
and whose transpose runs `transpose_solve`.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

import numpy as np

from numjax._src import tree_util as tu
from numjax._src.core import get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import primitive
from numjax._src.lax.control_flow_common import (as_leaf, batch_jaxpr, eval_closed, or_lists,
                                                 run_numpy, split_list, trace_user, weak_outs)

# ----------------------------------------------------------------------------------------------
# custom_root
# ----------------------------------------------------------------------------------------------
class _RootTuple(NamedTuple):
  f: Any
  solve: Any
  l_and_s: Any


def _check_tree(func_name, expected_name, actual_tree, expected_tree, has_aux=False):
  if has_aux:
    kids = actual_tree.children()
    if len(kids) == 2:
      actual_tree = kids[0]
    else:
      raise ValueError(f"{func_name}() produced a pytree with structure {actual_tree}, but a "
                       "pytree tuple with auxiliary output was expected because has_aux was "
                       "set to True.")
  if actual_tree != expected_tree:
    raise TypeError(f"{func_name}() output pytree structure must match {expected_name}, got "
                    f"{actual_tree} and {expected_tree}.")


def custom_root(f: Callable, initial_guess, solve: Callable, tangent_solve: Callable,
                has_aux: bool = False):
  """`solve(f, initial_guess)`, differentiated by the implicit function theorem.

  >>> custom_root(lambda x: x ** 2 - a, 1., newton, lambda g, y: y / g(1.))
  """
  from numjax._src.api import linearize
  leaves, tree = tu.tree_flatten(initial_guess)
  leaves = [as_leaf(x) for x in leaves]
  avals = [get_aval(x) for x in leaves]
  args_tree = tu.tree_structure((tu.tree_unflatten(tree, leaves),))
  f_j, f_consts, f_tree = trace_user(f, args_tree, avals, "custom_root f")
  _check_tree("f", "initial_guess", f_tree, tree, False)
  solve_j, solve_consts, solve_tree = trace_user(functools.partial(solve, f), args_tree,
                                                 avals, "custom_root solve")
  _check_tree("solve", "initial_guess", solve_tree, tree, has_aux)

  def linearize_and_solve(x, b):
    _, f_jvp = linearize(f, x)
    return tangent_solve(f_jvp, b)
  ls_tree = tu.tree_structure((tu.tree_unflatten(tree, leaves), tu.tree_unflatten(tree, leaves)))
  ls_j, ls_consts, ls_out_tree = trace_user(linearize_and_solve, ls_tree, avals + avals,
                                             "custom_root tangent_solve")
  _check_tree("tangent_solve", "x", ls_out_tree, tree, False)
  all_consts = [f_consts, solve_consts, ls_consts]
  lengths = _RootTuple(*[len(c) for c in all_consts])
  jaxprs = _RootTuple(f_j, solve_j, ls_j)
  sol = _custom_root_fn()(lengths, jaxprs, *[c for cs in all_consts for c in cs], *leaves)
  return tu.tree_unflatten(solve_tree, sol)


def _split_root_args(args, lengths):
  parts = split_list(args, list(lengths))
  return _RootTuple(*parts[:-1]), parts[-1]


_custom_root_cache: list = []


def _custom_root_fn():
  if _custom_root_cache:
    return _custom_root_cache[0]
  from numjax._src.custom_derivatives import custom_jvp

  def _custom_root(lengths, jaxprs, *args):
    params, guess = _split_root_args(args, lengths)
    return eval_closed(jaxprs.solve, *params.solve, *guess)

  def _root_jvp(lengths, jaxprs, primals, tangents):
    params, _ = _split_root_args(primals, lengths)
    sol = fn(lengths, jaxprs, *primals)
    n = len(jaxprs.f.out_avals)
    solution, aux = sol[:n], sol[n:]
    params_dot, _ = _split_root_args(tangents, lengths)
    f_at_solution = lambda *p: eval_closed(jaxprs.f, *p, *solution)
    _, rhs = ad.jvp_flat(f_at_solution, list(params.f), list(params_dot.f))
    rhs = [ad.instantiate_zeros(r) for r in rhs]
    solution_dot = [L.neg(x) for x in eval_closed(jaxprs.l_and_s, *params.l_and_s, *solution, *rhs)]
    return list(solution) + list(aux), solution_dot + [L.full_like(a, 0) for a in aux]

  fn = custom_jvp(_custom_root, nondiff_argnums=(0, 1))
  fn.defjvp(_root_jvp)
  _custom_root_cache.append(fn)
  return fn


# ----------------------------------------------------------------------------------------------
# custom_linear_solve
# ----------------------------------------------------------------------------------------------
class _LinearSolveTuple(NamedTuple):
  matvec: Any
  vecmat: Any
  solve: Any
  transpose_solve: Any

  def transpose(self):
    return type(self)(self.vecmat, self.matvec, self.transpose_solve, self.solve)


def _split_ls_args(args, lengths):
  parts = split_list(args, list(lengths))
  return _LinearSolveTuple(*parts[:-1]), parts[-1]


def _linear_solve_impl(*args, const_lengths, jaxprs):
  params, b = _split_ls_args(args, const_lengths)
  return run_numpy(jaxprs.solve, [*params.solve, *b])


def _linear_solve_abstract_eval(*avals, const_lengths, jaxprs):
  b = list(avals[sum(const_lengths):])
  num_aux = len(jaxprs.solve.out_avals) - len(jaxprs.matvec.out_avals)
  return b + (list(jaxprs.solve.out_avals[-num_aux:]) if num_aux > 0 else [])


linear_solve_p = primitive("custom_linear_solve", _linear_solve_impl,
                           _linear_solve_abstract_eval, multiple_results=True,
                           weak_type_rule=weak_outs(lambda p: p["jaxprs"].solve.out_avals))


def _linear_solve_jvp(primals, tangents, *, const_lengths, jaxprs):
  # A x = b  =>  dA x + A dx = db  =>  dx = A^-1 (db - dA x)
  x = linear_solve_p.bind(*primals, const_lengths=const_lengths, jaxprs=jaxprs)
  params, _ = _split_ls_args(primals, const_lengths)
  params_dot, b_dot = _split_ls_args(tangents, const_lengths)
  n = len(b_dot)
  x_leaves = x[:n]
  if all(type(p) is Zero for p in params_dot.matvec):
    rhs = b_dot
  else:
    zeros = [Zero.from_primal_value(v) for v in x_leaves]
    _, mv_dot = ad.jvp_flat(lambda *a: eval_closed(jaxprs.matvec, *a),
                            list(params.matvec) + list(x_leaves),
                            list(params_dot.matvec) + zeros)
    rhs = [ad.add_tangents(b, L.neg(m) if type(m) is not Zero else m)
           for b, m in zip(b_dot, mv_dot)]
  rhs = [ad.instantiate_zeros(r) for r in rhs]
  flat_params = [p for ps in params for p in ps]
  x_dot = linear_solve_p.bind(*flat_params, *rhs, const_lengths=const_lengths, jaxprs=jaxprs)
  return x, list(x_dot[:n]) + [Zero.from_primal_value(a) for a in x[n:]]


def _linear_solve_transpose(cts, *args, const_lengths, jaxprs):
  if jaxprs.transpose_solve is None:
    raise TypeError("transpose_solve required for backwards mode automatic differentiation "
                    "of custom_linear_solve")
  params, b = _split_ls_args(args, const_lengths)
  if any(is_undefined_primal(x) for xs in params for x in xs):
    raise NotImplementedError("custom_linear_solve is not linear in its matvec/solve "
                              "parameters")
  n = len(b)
  x_ct = [ad.instantiate_zeros(c) for c in cts[:n]]
  flat = [p for ps in params.transpose() for p in ps]
  ct_b = linear_solve_p.bind(*flat, *x_ct, const_lengths=const_lengths.transpose(),
                             jaxprs=jaxprs.transpose())
  return [None] * sum(const_lengths) + list(ct_b[:n])


def _linear_solve_batch(vals, dims, *, const_lengths, jaxprs, axis_data):
  size = axis_data.size
  bat = [d is not None for d in dims]
  params, b = _split_ls_args(vals, const_lengths)
  params_dims, b_dims = _split_ls_args(dims, const_lengths)
  params_bat, orig_b_bat = _split_ls_args(bat, const_lengths)
  matvec, vecmat, solve, solve_t = jaxprs
  n_op = len(matvec.out_avals)
  num_aux = len(solve.out_avals) - n_op
  b_bat = list(orig_b_bat)
  x_bat = [False] * len(solve.out_avals)
  for _ in range(1 + len(orig_b_bat) + len(solve.out_avals)):
    solve_b, solve_x_bat = batch_jaxpr(solve, axis_data, params_bat.solve + b_bat, x_bat)
    if vecmat is None:
      vecmat_b, x_bat_out = None, solve_x_bat
    else:
      vecmat_b, vx = batch_jaxpr(vecmat, axis_data, params_bat.vecmat + b_bat, b_bat)
      x_bat_out = or_lists(vx + [True] * num_aux, solve_x_bat)
    x_noaux = x_bat_out[:n_op]
    matvec_b, mb = batch_jaxpr(matvec, axis_data, params_bat.matvec + x_noaux, b_bat)
    if solve_t is None:
      solve_t_b, b_bat_out = None, or_lists(mb, orig_b_bat)
    else:
      solve_t_b, sb = batch_jaxpr(solve_t, axis_data, params_bat.transpose_solve + x_noaux,
                                  x_bat_out)
      b_bat_out = [m or s or o for m, s, o in zip(mb, sb[:len(orig_b_bat)], orig_b_bat)]
    if x_bat_out == x_bat and b_bat_out == b_bat:
      break
    x_bat, b_bat = x_bat_out, b_bat_out
  new_params = [batching.moveaxis(x, d, 0) if d is not None else x
                for ps, ds in zip(params, params_dims) for x, d in zip(ps, ds)]
  new_b = [batching.matchaxis(x, d, 0, size) if now else x
           for x, d, now in zip(b, b_dims, b_bat)]
  outs = linear_solve_p.bind(*new_params, *new_b, const_lengths=const_lengths,
                             jaxprs=_LinearSolveTuple(matvec_b, vecmat_b, solve_b, solve_t_b))
  return outs, [0 if b else None for b in solve_x_bat]


_linear_solve_batch.needs_axis_data = True
linear_solve_p.jvp = _linear_solve_jvp
linear_solve_p.transpose = _linear_solve_transpose
linear_solve_p.batch = _linear_solve_batch


def custom_linear_solve(matvec: Callable, b, solve: Callable, transpose_solve=None,
                        symmetric: bool = False, has_aux: bool = False):
  """`solve(matvec, b)` with derivatives by implicit differentiation of `matvec(x) == b`.

  >>> custom_linear_solve(lambda x: A @ x, b, lambda mv, b: jnp.linalg.solve(A, b))
  """
  if not callable(matvec) or not callable(solve):
    raise TypeError("lax.custom_linear_solve: matvec and solve must be callables, got "
                    f"{type(matvec).__name__} and {type(solve).__name__}")
  from numjax._src.api import linear_transpose
  if transpose_solve is None and symmetric:
    transpose_solve = solve
  leaves, tree = tu.tree_flatten(b)
  leaves = [as_leaf(x) for x in leaves]
  avals = [get_aval(x) for x in leaves]
  b_shapes = [a.shape for a in avals]
  args_tree = tu.tree_structure((tu.tree_unflatten(tree, leaves),))

  def shape_checked(fun, name, aux):
    def check(y):
      shapes = [np.shape(l) for l in tu.tree_leaves(y)]
      if shapes != b_shapes:
        raise ValueError(f"{name}() output shapes must match b, got {shapes} and {b_shapes}")

    def g(x):
      y = fun(x)
      check(y[0] if aux else y)
      return y
    return g

  mv_j, mv_c, mv_tree = trace_user(shape_checked(matvec, "matvec", False), args_tree, avals,
                                    "matvec")
  _check_tree("matvec", "b", mv_tree, tree, False)
  s_j, s_c, s_tree = trace_user(shape_checked(functools.partial(solve, matvec), "solve",
                                              has_aux), args_tree, avals, "solve")
  _check_tree("solve", "b", s_tree, tree, has_aux)
  if transpose_solve is None:
    vm_j = ts_j = None
    vm_c = ts_c = []
  else:
    if symmetric:
      vecmat, vm_j, vm_c = matvec, mv_j, mv_c
    else:
      tr = linear_transpose(matvec, tu.tree_unflatten(tree, leaves))
      vecmat = lambda x: tr(x)[0]
      vm_j, vm_c, _ = trace_user(vecmat, args_tree, avals, "vecmat")
    ts_j, ts_c, ts_tree = trace_user(
        shape_checked(functools.partial(transpose_solve, vecmat), "transpose_solve", has_aux),
        args_tree, avals, "transpose_solve")
    _check_tree("transpose_solve", "b", ts_tree, tree, has_aux)
  all_consts = [mv_c, vm_c, s_c, ts_c]
  lengths = _LinearSolveTuple(*[len(c) for c in all_consts])
  jaxprs = _LinearSolveTuple(mv_j, vm_j, s_j, ts_j)
  out = linear_solve_p.bind(*[c for cs in all_consts for c in cs], *leaves,
                            const_lengths=lengths, jaxprs=jaxprs)
  return tu.tree_unflatten(s_tree, out)
