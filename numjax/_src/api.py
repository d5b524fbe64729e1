"""The public transformations: jvp, linearize, vjp, grad, value_and_grad, jacfwd, jacrev,
hessian, linear_transpose, vmap, make_jaxpr, eval_shape, and device stubs.

Each one flattens its pytree arguments, runs the flat interpreter from `interpreters/`, and
unflattens the results.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ShapedArray, Tracer, get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters import partial_eval as pe
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax


# ----------------------------------------------------------------------------------------------
# Flattening helpers
# ----------------------------------------------------------------------------------------------
class _Store:
  __slots__ = ("val",)

  def __init__(self):
    self.val = None


def flatten_fun(fun: Callable, in_tree, kwargs: bool = True) -> tuple[Callable, _Store]:
  """`fun` on flat leaves; the output treedef lands in the returned store. `in_tree` is the
  treedef of `(args, kwargs)`, or with `kwargs=False` of the `args` tuple alone."""
  store = _Store()

  def flat(*leaves):
    if kwargs:
      args, kw = tu.tree_unflatten(in_tree, leaves)
      out = fun(*args, **kw)
    else:
      out = fun(*tu.tree_unflatten(in_tree, leaves))
    out_leaves, out_tree = tu.tree_flatten(out)
    store.val = out_tree
    return out_leaves
  return flat, store


def flatten_fun_aux(fun: Callable, in_tree, kwargs: bool = True
                    ) -> tuple[Callable, _Store, _Store]:
  """For has_aux functions: `fun` returns (out, aux); aux is kept aside."""
  store, aux_store = _Store(), _Store()

  def flat(*leaves):
    if kwargs:
      args, kw = tu.tree_unflatten(in_tree, leaves)
      res = fun(*args, **kw)
    else:
      res = fun(*tu.tree_unflatten(in_tree, leaves))
    if not (isinstance(res, (tuple, list)) and len(res) == 2):
      raise TypeError("has_aux=True requires the function to return a pair (output, aux), "
                      f"got {type(res).__name__}.")
    out, aux = res
    out_leaves, out_tree = tu.tree_flatten(out)
    store.val = out_tree
    aux_store.val = aux
    return out_leaves
  return flat, store, aux_store


def _check_arg(x, what: str = "argument"):
  t = type(x)
  if t is Array or isinstance(x, Tracer):
    return x
  if t is float or t is int or t is complex or t is bool:
    return lax.asarray(x)
  if not core.is_valid_jaxtype(x):
    raise TypeError(f"{what} {x!r} of type {type(x)} is not a valid JAX type.")
  return lax.asarray(x)


def _argnums_tuple(argnums, nargs: int, fname: str) -> tuple[int, ...]:
  """argnums as a tuple of non-negative ints, checked against the number of positional args.

  As in JAX, `grad` reports too few positional arguments as a TypeError and the Jacobians
  report an out-of-range index as a ValueError."""
  if isinstance(argnums, (int, np.integer)) and not isinstance(argnums, bool):
    nums = (int(argnums),)
  elif isinstance(argnums, (tuple, list)):
    nums = tuple(argnums)
  else:
    raise TypeError(f"{fname}: argnums must be an int or a tuple of ints, got {argnums!r} of "
                    f"type {type(argnums).__name__}.")
  for i in nums:
    if not isinstance(i, (int, np.integer)) or isinstance(i, bool):
      raise TypeError(f"{fname}: argnums must be an int or a tuple of ints, got {argnums!r}.")
  for i in nums:
    if fname in ("grad", "value_and_grad") and i >= nargs:
      raise TypeError(f"differentiating with respect to argnums={argnums} requires at least "
                      f"{max(nums) + 1} positional arguments to be passed by the caller, but "
                      f"got only {nargs} positional arguments.")
    if not -nargs <= i < nargs:
      raise ValueError("Positional argument indices, e.g. for `static_argnums`, must have value "
                       "greater than or equal to -len(args) and less than len(args), but got "
                       f"value {i} for len(args) == {nargs}.")
  return tuple(int(i) % nargs for i in nums)


def _partial_fun(fun, args, kwargs, argnums):
  """fun as a function of only the args at argnums."""

  def f(*dyn):
    full = list(args)
    for i, d in zip(argnums, dyn):
      full[i] = d
    return fun(*full, **kwargs)
  return f


# ----------------------------------------------------------------------------------------------
# Forward mode
# ----------------------------------------------------------------------------------------------
def jvp(fun: Callable, primals, tangents, has_aux: bool = False):
  """(fun(*primals), J @ tangents). `jvp(jnp.sin, (1.,), (1.,))`."""
  _check_callable(fun)
  if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
    raise TypeError("primal and tangent arguments to jax.jvp must be tuples or lists; found "
                    f"{type(primals).__name__} and {type(tangents).__name__}.")
  primals_flat, tree = tu.tree_flatten(tuple(primals))
  tangents_flat, tree2 = tu.tree_flatten(tuple(tangents))
  if tree != tree2:
    raise TypeError("primal and tangent arguments to jax.jvp must have the same tree structure;"
                    f" primals have tree structure {tree} whereas tangents have tree structure "
                    f"{tree2}.")
  primals_flat = [_check_arg(p, "primal") for p in primals_flat]
  tangents_flat = [_check_tangent(p, t) for p, t in zip(primals_flat, tangents_flat)]
  in_tree = tu.tree_structure((tuple(primals), {}))
  if has_aux:
    flat, out_tree, aux = flatten_fun_aux(fun, in_tree)
  else:
    flat, out_tree = flatten_fun(fun, in_tree)
  out_p, out_t = ad.jvp_flat(flat, primals_flat, tangents_flat)
  out_t = [ad.instantiate_zeros(t) for t in out_t]
  res = (tu.tree_unflatten(out_tree.val, out_p), tu.tree_unflatten(out_tree.val, out_t))
  return res + (aux.val,) if has_aux else res


def _check_tangent(p, t):
  if type(t) is Zero:
    return t
  t = _check_arg(t, "tangent")
  pa, ta = get_aval(p), get_aval(t)
  expected = dtypes.tangent_dtype(pa.dtype)
  if ta.dtype != expected:
    raise TypeError("primal and tangent arguments to jax.jvp do not match; dtypes must be equal, "
                    "or in case of int/bool primal dtype the tangent dtype must be float0."
                    f"Got primal dtype {pa.dtype.name} and so expected tangent dtype "
                    f"{expected.name if expected != dtypes.float0 else 'float0'}, but got "
                    f"tangent dtype {ta.dtype.name} instead.")
  if pa.shape != ta.shape:
    raise ValueError("jvp called with different primal and tangent shapes;"
                     f"Got primal shape {pa.shape} and tangent shape as {ta.shape}")
  if expected == dtypes.float0:
    return Zero(pa.to_tangent_aval())
  return t


def _linearize_tree(fun, primals, has_aux, check_leaf=None):
  """linearize_flat on pytrees: (flat primals, their treedef, flat outputs, linear map,
  output-treedef store, aux store or None). `check_leaf(leaf)` vets each input first."""
  primals_flat, tree = tu.tree_flatten(primals)
  if check_leaf is not None:
    for p in primals_flat:
      check_leaf(p)
  primals_flat = [_check_arg(p, "primal") for p in primals_flat]
  aux = None
  if has_aux:
    flat, out_tree, aux = flatten_fun_aux(fun, tree, kwargs=False)
  else:
    flat, out_tree = flatten_fun(fun, tree, kwargs=False)
  out_primals, lin = ad.linearize_flat(flat, primals_flat)
  return primals_flat, tree, out_primals, lin, out_tree, aux


def linearize(fun: Callable, *primals, has_aux: bool = False):
  """(fun(*primals), f_jvp) where f_jvp(*tangents) is the JVP at primals, as a stored jaxpr."""
  _check_callable(fun)
  primals_flat, tree, out_primals, lin, out_tree, aux = _linearize_tree(fun, primals, has_aux)
  out = tu.tree_unflatten(out_tree.val, out_primals)

  def f_jvp(*tangents):
    t_flat, t_tree = tu.tree_flatten(tangents)
    if t_tree != tree:
      raise TypeError(f"linearized function called on tangent values inconsistent with the "
                      f"original primal values: got tangent tree {t_tree} for primal tree {tree}.")
    for p, t in zip(primals_flat, t_flat):
      if type(t) is Zero:
        continue
      pa, ta = get_aval(p), get_aval(_check_arg(t, "tangent"))
      expected = pa.to_tangent_aval()
      if ta.shape != expected.shape or ta.dtype != expected.dtype:
        raise ValueError("linearized function called on tangent values inconsistent with the "
                         f"original primal values:\nGot tangent aval {ta} for primal aval {pa} "
                         f"but expected {expected}.")
    t_flat = [_check_tangent(p, t) for p, t in zip(primals_flat, t_flat)]
    outs = lin(*[ad.instantiate_zeros(t) for t in t_flat])
    return tu.tree_unflatten(out_tree.val, [ad.instantiate_zeros(o) for o in outs])
  return (out, f_jvp, aux.val) if has_aux else (out, f_jvp)


# ----------------------------------------------------------------------------------------------
# Reverse mode
# ----------------------------------------------------------------------------------------------
def vjp(fun: Callable, *primals, has_aux: bool = False):
  """(fun(*primals), f_vjp) where f_vjp(ct) pulls a cotangent back to the primals."""
  _check_callable(fun)
  primals_flat, tree, out_primals, lin, out_tree, aux = _linearize_tree(fun, primals, has_aux)
  out_avals = [get_aval(o) for o in out_primals]
  in_avals = [get_aval(p) for p in primals_flat]
  o_tree = out_tree.val

  def f_vjp(ct):
    ct_flat, ct_tree = tu.tree_flatten(ct)
    if ct_tree != o_tree:
      raise ValueError(f"unexpected tree structure of argument to vjp function: got {ct_tree}, "
                       f"but expected to match {o_tree}")
    cts = []
    for c, a in zip(ct_flat, out_avals):
      if type(c) is Zero or dtypes.tangent_dtype(a.dtype) == dtypes.float0:
        cts.append(Zero(a.to_tangent_aval()))
        continue
      c = _check_arg(c, "cotangent")
      ca = get_aval(c)
      if ca.shape != a.shape or ca.dtype != dtypes.tangent_dtype(a.dtype):
        raise ValueError(f"unexpected JAX type (e.g. shape/dtype) for argument to VJP function: "
                         f"got {ca}, but expected {a.to_tangent_aval()} because the "
                         f"corresponding output of the differentiated function had JAX type {a}")
      cts.append(c)
    cts_in = lin.transpose(cts)
    outs = [_finish_ct(c, a) for c, a in zip(cts_in, in_avals)]
    return tu.tree_unflatten(tree, outs)
  out = tu.tree_unflatten(o_tree, out_primals)
  f_vjp = tu.Partial(f_vjp) if hasattr(tu, "Partial") else f_vjp
  return (out, f_vjp, aux.val) if has_aux else (out, f_vjp)


def _finish_ct(ct, aval: ShapedArray):
  """Dense cotangent for an input: float0 zeros for integer inputs, real part for real ones."""
  tan = aval.to_tangent_aval()
  if tan.dtype == dtypes.float0:
    return Array(np.zeros(aval.shape, dtypes.float0), False)
  if type(ct) is Zero:
    return ad.zeros_like_aval(tan)
  ca = get_aval(ct)
  if ca.dtype == tan.dtype:   # the common case: nothing to do
    return ct
  if dtypes.is_complex(ca.dtype) and not dtypes.is_complex(tan.dtype):
    ct = lax.real(ct)
  if get_aval(ct).dtype != tan.dtype:
    ct = lax.convert_element_type(ct, tan.dtype, get_aval(ct).weak_type)
  return ct


def value_and_grad(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
                   allow_int: bool = False, reduce_axes=()) -> Callable:
  """A function returning (fun(*args), grad of fun w.r.t. args[argnums])."""
  _check_callable(fun)

  @functools.wraps(fun, updated=())
  def value_and_grad_f(*args, **kwargs):
    if type(argnums) is int and 0 <= argnums < len(args):
      nums = (argnums,)
    else:
      nums = _argnums_tuple(argnums, len(args), "grad")
    dyn = tuple(args[i] for i in nums)
    f = _partial_fun(fun, args, kwargs, nums)
    check = functools.partial(_check_input_dtype_grad, holomorphic, allow_int)
    with core.transformation_context("under grad"):
      primals_flat, tree, out_primals, lin, out_tree, aux = _linearize_tree(
          f, dyn, has_aux, check)
    ans = tu.tree_unflatten(out_tree.val, out_primals)
    _check_scalar_output(ans, holomorphic)
    with core.transformation_context("under grad"):  # the VJP of the scalar output at 1
      cts = lin.transpose([lax.full_like(ans, 1)])
      g = tu.tree_unflatten(tree, [_finish_ct(c, get_aval(p))
                                   for c, p in zip(cts, primals_flat)])
    g = g[0] if isinstance(argnums, int) else tuple(g)
    return ((ans, aux.val), g) if has_aux else (ans, g)
  return value_and_grad_f


def grad(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
         allow_int: bool = False, reduce_axes=()) -> Callable:
  """The gradient of a scalar function: `grad(jnp.sin)(0.)` is `Array(1., dtype=float32, weak_type=True)`."""
  vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

  @functools.wraps(fun, updated=())
  def grad_f(*args, **kwargs):
    if has_aux:
      (_, aux), g = vg(*args, **kwargs)
      return g, aux
    return vg(*args, **kwargs)[1]
  return grad_f


def _check_callable(fun):
  if not callable(fun):
    raise TypeError(f"Expected a callable value, got {fun!r}")


def _check_input_dtype_grad(holomorphic, allow_int, x):
  try:
    dt = get_aval(x).dtype
  except TypeError:
    dt = None
  if dt is None:
    raise TypeError(f"grad requires array arguments, got {x!r} of type {type(x).__name__}.")
  if holomorphic and not dtypes.is_complex(dt):
    raise TypeError("grad with holomorphic=True requires inputs with complex dtype, but got "
                    f"{dt.name}.")
  if dt.kind in "iub" and not allow_int:
    raise TypeError("grad requires real- or complex-valued inputs (input dtype that is a "
                    f"sub-dtype of np.inexact), but got {dt.name}. If you want to use "
                    "Boolean- or integer-valued inputs, use vjp or set allow_int to True.")


def _check_scalar_output(ans, holomorphic):
  if not (isinstance(ans, Tracer) or type(ans) is Array or core.is_valid_jaxtype(ans)):
    raise TypeError(f"Gradient only defined for scalar-output functions. Output was {ans!r}.")
  aval = get_aval(ans)
  if aval.shape:
    raise TypeError("Gradient only defined for scalar-output functions. Output had shape: "
                    f"{aval.shape}.")
  dt = aval.dtype
  if holomorphic:
    if not dtypes.is_complex(dt):
      raise TypeError("grad with holomorphic=True requires outputs with complex dtype, but got "
                      f"{dt.name}.")
  elif dtypes.is_complex(dt):
    raise TypeError("grad requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dt.name}. For holomorphic differentiation, pass "
                    "holomorphic=True. For differentiation of non-holomorphic functions "
                    "involving complex outputs, use jax.vjp directly.")
  elif dt.kind != "f":
    raise TypeError("grad requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dt.name}. For differentiation of functions with "
                    "integer outputs, use jax.vjp directly.")


# ----------------------------------------------------------------------------------------------
# Jacobians and Hessians
# ----------------------------------------------------------------------------------------------
def _std_basis(pytree):
  import numjax.numpy as jnp
  leaves, _ = tu.tree_flatten(pytree)
  ndim = sum(int(np.size(np.zeros(get_aval(x).shape, np.int8))) for x in leaves)
  dtype = dtypes.result_type(*leaves) if leaves else dtypes.default_float()
  flat_basis = jnp.eye(ndim, dtype=dtype)
  return _unravel_array_into_pytree(pytree, 1, None, flat_basis)


def _unravel_array_into_pytree(pytree, axis, example, arr):
  import numjax.numpy as jnp
  leaves, treedef = tu.tree_flatten(pytree)
  arr_shape = get_aval(arr).shape
  axis = axis % len(arr_shape)
  shapes = [arr_shape[:axis] + get_aval(l).shape + arr_shape[axis + 1:] for l in leaves]
  sizes = [int(np.prod(get_aval(l).shape, dtype=np.int64)) for l in leaves]
  splits = np.cumsum(sizes[:-1]).tolist()
  parts = jnp.split(arr, splits, axis) if splits else [arr]
  reshaped = [jnp.reshape(x, s) for x, s in zip(parts, shapes)]
  if example is not None:
    ex_dt = get_aval(example).dtype
    reshaped = [lax.real(x) if dtypes.is_complex(get_aval(x).dtype) and not
                dtypes.is_complex(ex_dt) else x for x in reshaped]
  return tu.tree_unflatten(treedef, reshaped)


def _check_jac_input(holomorphic, allow_int, x, fname="jacfwd"):
  dt = get_aval(_check_arg(x)).dtype
  if holomorphic and not dtypes.is_complex(dt):
    raise TypeError(f"{fname} with holomorphic=True requires inputs with complex dtype, but got "
                    f"{dt.name}.")
  if dt.kind in "iub" and not allow_int:
    kinds = ("real-valued inputs (input dtype that is a sub-dtype of np.floating)"
             if fname == "jacfwd" else "real- or complex-valued inputs (input dtype that is a "
             "sub-dtype of np.inexact)")
    raise TypeError(f"{fname} requires {kinds}, but got {dt.name}. If you want to use Boolean- "
                    "or integer-valued inputs, use vjp or set allow_int to True.")


def jacfwd(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False
           ) -> Callable:
  """Jacobian by forward mode: one `vmap`ped JVP over the standard basis of the inputs."""
  _check_callable(fun)

  def jacfun(*args, **kwargs):
    nums = _argnums_tuple(argnums, len(args), "jacfwd")
    dyn = tuple(args[i] for i in nums)
    for leaf in tu.tree_leaves(dyn):
      _check_jac_input(holomorphic, False, leaf)
    f = _partial_fun(fun, args, kwargs, nums)
    if has_aux:
      pushfwd = lambda t: jvp(f, dyn, t, has_aux=True)
      y, jac, aux = vmap(pushfwd, out_axes=(None, -1, None))(_std_basis(dyn))
    else:
      pushfwd = lambda t: jvp(f, dyn, t)
      y, jac = vmap(pushfwd, out_axes=(None, -1))(_std_basis(dyn))
    example = dyn[0] if isinstance(argnums, int) else dyn
    jac_tree = tu.tree_map(lambda y_leaf, j: _unravel_array_into_pytree(example, -1, y_leaf, j),
                           y, jac)
    return (jac_tree, aux) if has_aux else jac_tree
  return jacfun


def jacrev(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
           allow_int: bool = False) -> Callable:
  """Jacobian by reverse mode: one `vmap`ped VJP over the standard basis of the outputs."""
  _check_callable(fun)

  def jacfun(*args, **kwargs):
    nums = _argnums_tuple(argnums, len(args), "jacrev")
    dyn = tuple(args[i] for i in nums)
    for leaf in tu.tree_leaves(dyn):
      _check_jac_input(holomorphic, allow_int, leaf, "jacrev")
    f = _partial_fun(fun, args, kwargs, nums)
    if has_aux:
      y, pullback, aux = vjp(f, *dyn, has_aux=True)
    else:
      y, pullback = vjp(f, *dyn)
    jac = vmap(pullback)(_std_basis(y))
    jac = jac[0] if isinstance(argnums, int) else jac
    example = dyn[0] if isinstance(argnums, int) else dyn
    jac_tree = tu.tree_map(lambda x_leaf, j: _unravel_array_into_pytree(y, 0, x_leaf, j),
                           example, jac)
    jac_tree = tu.tree_transpose(tu.tree_structure(example), tu.tree_structure(y), jac_tree)
    return (jac_tree, aux) if has_aux else jac_tree
  return jacfun


jacobian = jacrev


def hessian(fun: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False
            ) -> Callable:
  """jacfwd(jacrev(fun)): the matrix of second derivatives."""
  return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                has_aux=has_aux, holomorphic=holomorphic)


def linear_transpose(fun: Callable, *primals, reduce_axes=()) -> Callable:
  """The transpose of a linear function, traced at the shapes/dtypes of `primals`."""
  primals_flat, in_tree = tu.tree_flatten(primals)
  in_avals = [get_aval(_check_arg(p)) for p in primals_flat]
  for a in in_avals:
    if not dtypes.is_inexact(a.dtype):
      raise TypeError(f"linear_transpose only supports [float or complex] -> [float or complex],"
                      f" got {a.dtype.name}")
  flat, out_tree = flatten_fun(fun, tu.tree_structure((primals, {})))
  jaxpr, consts, _ = pe.trace_to_jaxpr(flat, in_avals)
  out_avals = [v.aval for v in jaxpr.outvars]

  def transposed(*cts):
    ct_flat, ct_tree = tu.tree_flatten(cts[0] if len(cts) == 1 else cts)
    if ct_tree != out_tree.val:
      raise TypeError(f"cotangent tree does not match function output: got {ct_tree}, expected "
                      f"{out_tree.val}")
    for c, a in zip(ct_flat, out_avals):
      ca = get_aval(c)
      if ca.shape != a.shape or ca.dtype != a.dtype:
        raise TypeError(f"cotangent of type {ca.str_short()} does not match the function output "
                        f"type {a.str_short()}")
    args = [ad.UndefinedPrimal(a) for a in in_avals]
    res = ad.backward_pass(jaxpr, consts, args, [lax.asarray(c) for c in ct_flat])
    res = [ad.zeros_like_aval(a) if type(r) is Zero else r for r, a in zip(res, in_avals)]
    return tu.tree_unflatten(in_tree, res)
  return transposed


# ----------------------------------------------------------------------------------------------
# vmap
# ----------------------------------------------------------------------------------------------
_axes_cache: dict = {}


def _flatten_axes(name: str, treedef, axis_tree):
  """Broadcast a pytree prefix of axes (ints/None) to one entry per leaf of treedef."""
  try:
    key = (name, treedef, axis_tree)
    hit = _axes_cache.get(key)
  except TypeError:  # unhashable prefix (a dict of axes): not cached
    key = hit = None
  if hit is not None:
    return list(hit)
  axes = _flatten_axes_uncached(name, treedef, axis_tree)
  if key is not None:
    if len(_axes_cache) > 512:
      _axes_cache.clear()
    _axes_cache[key] = tuple(axes)
  return axes


def _flatten_axes_uncached(name: str, treedef, axis_tree):
  proxy = object()
  dummy = tu.tree_unflatten(treedef, [object()] * treedef.num_leaves)
  axes = []

  def add(i, x):
    axes.extend([i] * len(tu.tree_flatten(x)[0]))
  try:
    tu.tree_map(add, _replace_nones(proxy, axis_tree), dummy)
  except (ValueError, TypeError) as e:
    raise ValueError(f"{name} specification must be a tree prefix of the corresponding value, "
                     f"got specification {axis_tree} for value tree {treedef}.") from e
  return [None if a is proxy else a for a in axes]


def _replace_nones(replacement, tree):
  if tree is None:
    return replacement
  if isinstance(tree, (tuple, list)) and not hasattr(tree, "_fields"):
    return type(tree)(_replace_nones(replacement, t) for t in tree)
  if isinstance(tree, dict):
    return type(tree)((k, _replace_nones(replacement, v)) for k, v in tree.items())
  return tree


def vmap(fun: Callable, in_axes=0, out_axes=0, axis_name=None, axis_size=None,
         spmd_axis_name=None) -> Callable:
  """Vectorise `fun` over a leading (or `in_axes`) axis of its arguments."""
  _check_callable(fun)
  if isinstance(in_axes, list):
    in_axes = tuple(in_axes)
  if not (in_axes is None or isinstance(in_axes, (int, np.integer, tuple))):
    raise TypeError(f"vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                    f"the positional arguments passed to the function, but got {in_axes}.")
  for name, spec in (("in_axes", in_axes), ("out_axes", out_axes)):
    for ax in tu.tree_leaves(spec):
      if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
        raise TypeError(f"vmap {name} must be an int, None, or (nested) container with those "
                        f"types as leaves, but got {ax!r}.")

  @functools.wraps(fun, updated=())
  def vmap_f(*args, **kwargs):
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
      raise ValueError("vmap in_axes must be an int, None, or a tuple of entries corresponding "
                       "to the positional arguments passed to the function, but got "
                       f"len(in_axes)={len(in_axes)}, len(args)={len(args)}")
    args_flat, in_tree = tu.tree_flatten((args, kwargs), is_leaf=lambda x: x is None)
    dims = _flatten_axes("vmap in_axes", in_tree, (in_axes, 0))
    if axis_size is None and all(a is None for a in args_flat):
      raise ValueError("vmap wrapped function must be passed at least one argument containing an "
                       "array or axis_size must be specified, got empty "
                       f"*args={args} and **kwargs={kwargs}")
    args_flat = [a if a is None else _check_arg(a) for a in args_flat]
    size = _mapped_size(fun, args, args_flat, dims, axis_size, in_tree)
    dims = [None if d is None else d % get_aval(a).ndim for a, d in zip(args_flat, dims)]
    flat, out_tree = flatten_fun(fun, in_tree)
    out_dims = []

    def out_dims_thunk():
      out_dims[:] = _flatten_axes("vmap out_axes", out_tree.val, out_axes)
      return out_dims
    outs = batching.vmap_flat(flat, dims, out_dims_thunk, size, axis_name, args_flat)
    for o, d in zip(outs, out_dims):
      # Checked on the results (the batched value has rank r + 1 >= 1, so 0 is always valid).
      if d and not -get_aval(o).ndim <= d < get_aval(o).ndim:
        raise ValueError(f"axis {d} is out of bounds for array of dimension {get_aval(o).ndim} "
                         f"(vmap out_axes={out_axes!r}: the output with the mapped axis added "
                         f"has shape {get_aval(o).shape}).")
    return tu.tree_unflatten(out_tree.val, outs)
  return vmap_f


def _mapped_size(fun, args, args_flat, dims, axis_size, in_tree):
  sizes = []
  for a, d in zip(args_flat, dims):
    if d is None:
      continue
    aval = get_aval(a)
    if not -aval.ndim <= d < aval.ndim:
      raise ValueError(f"vmap was requested to map its argument along axis {d}, which implies "
                       f"that its rank should be at least {d + 1 if d >= 0 else -d}, but is only "
                       f"{aval.ndim} (its shape is {aval.shape})")
    sizes.append(aval.shape[d])
  if axis_size is not None:
    sizes.append(int(axis_size))
  if not sizes:
    raise ValueError("vmap must have at least one non-None value in in_axes or axis_size must "
                     "be specified")
  if len(set(sizes)) > 1:
    lines = []
    names = _arg_names(fun, args)
    leaf_owner = _leaf_owners(args, in_tree)
    for (a, d), owner in zip(zip(args_flat, dims), leaf_owner):
      if d is None:
        continue
      aval = get_aval(a)
      nm = names[owner] if owner is not None and owner < len(names) else "kwargs"
      lines.append(f"  * one axis had size {aval.shape[d]}: axis {d} of argument {nm} of type "
                   f"{aval};")
    if axis_size is not None:
      lines.append(f"  * axis_size was {axis_size};")
    raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n" +
                     "\n".join(lines)[:-1])
  return sizes[0]


def _arg_names(fun, args):
  try:
    params = list(inspect.signature(fun).parameters)
  except (TypeError, ValueError):
    params = []
  return [params[i] if i < len(params) else f"args[{i}]" for i in range(len(args))]


def _leaf_owners(args, in_tree):
  owners = []
  for i, a in enumerate(args):
    owners.extend([i] * len(tu.tree_flatten(a, is_leaf=lambda x: x is None)[0]))
  rest = in_tree.num_leaves - len(owners)
  return owners + [None] * rest


# ----------------------------------------------------------------------------------------------
# Staging
# ----------------------------------------------------------------------------------------------
def make_jaxpr(fun: Callable, static_argnums=(), axis_env=None, return_shape: bool = False,
               abstracted_axes=None) -> Callable:
  """A function returning the ClosedJaxpr of `fun` at the given arguments' shapes/dtypes."""
  _check_callable(fun)
  from numjax._src.jit import _index_tuple, validate_argnums
  static = _index_tuple(static_argnums, "static_argnums")
  try:
    sig = inspect.signature(fun)
  except (TypeError, ValueError):
    sig = None
  if sig is not None:
    validate_argnums(sig, static, "static_argnums")

  @functools.wraps(fun, updated=())
  def make_jaxpr_f(*args, **kwargs):
    dyn_nums = [i for i in range(len(args)) if i not in static]
    f = _partial_fun(fun, args, kwargs, dyn_nums)
    dyn = [args[i] for i in dyn_nums]
    leaves, in_tree = tu.tree_flatten((tuple(dyn), {}))
    avals = [_abstractify(x) for x in leaves]
    flat, out_tree = flatten_fun(f, in_tree)
    debug = pe.DebugInfo(fun, [n for i, n in enumerate(_arg_names(fun, args)) if i in dyn_nums],
                         "make_jaxpr")
    ctx = core._ctx
    env = ctx.axis_env
    if axis_env:  # named axes the collectives in `fun` may use, with their sizes
      ctx.axis_env = env + tuple(batching.AxisData(name, int(size)) for name, size in axis_env)
    try:
      with core.set_current_trace(core.eval_trace):
        jaxpr, consts, _ = pe.trace_to_jaxpr(flat, avals, debug)
    finally:
      ctx.axis_env = env
    closed = core.ClosedJaxpr(jaxpr, consts)
    if return_shape:
      shapes = tu.tree_unflatten(out_tree.val, [ShapeDtypeStruct(v.aval.shape, v.aval.dtype)
                                                for v in jaxpr.outvars])
      return closed, shapes
    return closed
  return make_jaxpr_f


def _abstractify(x) -> ShapedArray:
  if isinstance(x, ShapeDtypeStruct):
    return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype), getattr(x, "weak_type", False))
  return get_aval(x) if not isinstance(x, np.ndarray) else ShapedArray(
      x.shape, dtypes.canonicalize_dtype(x.dtype))


class ShapeDtypeStruct:
  """A shape and dtype standing in for an array (`eval_shape`, `make_jaxpr`)."""
  __slots__ = ("shape", "dtype", "weak_type", "sharding")

  def __init__(self, shape, dtype, weak_type: bool = False, sharding=None):
    self.shape = tuple(shape)
    self.dtype = np.dtype(dtype)
    self.weak_type = weak_type
    self.sharding = sharding

  ndim = property(lambda self: len(self.shape))
  size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))

  def __repr__(self):
    weak = ", weak_type=True" if self.weak_type else ""
    return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

  def __eq__(self, other):
    return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape
            and self.dtype == other.dtype and self.weak_type == other.weak_type)

  def __hash__(self):
    return hash((self.shape, self.dtype, self.weak_type))


def eval_shape(fun: Callable, *args, **kwargs):
  """The output shapes/dtypes of `fun` without running it (as ShapeDtypeStructs)."""
  leaves, in_tree = tu.tree_flatten((args, kwargs))
  avals = [_abstractify(x) for x in leaves]
  flat, out_tree = flatten_fun(fun, in_tree)
  with core.set_current_trace(core.eval_trace):
    jaxpr, _, _ = pe.trace_to_jaxpr(flat, avals)
  return tu.tree_unflatten(out_tree.val, [ShapeDtypeStruct(v.aval.shape, v.aval.dtype,
                                                           v.aval.weak_type)
                                          for v in jaxpr.outvars])


# ----------------------------------------------------------------------------------------------
# Devices: host CPUs (numjax/_src/sharding.py; N of them with XLA_FLAGS'
# --xla_force_host_platform_device_count=N, as in JAX on CPU)
# ----------------------------------------------------------------------------------------------
from numjax._src.sharding import Device, SingleDeviceSharding  # noqa: E402
from numjax._src import sharding as _sharding  # noqa: E402


def devices(backend=None) -> list:
  """The devices of `backend` (only 'cpu'): `[CpuDevice(id=0)]`, or N of them when XLA_FLAGS
  contains --xla_force_host_platform_device_count=N."""
  _sharding.check_backend(backend)
  return list(_sharding.host_devices())


def local_devices(process_index: int | None = None, backend=None, host_id=None) -> list:
  """The devices of this process (all of them: numjax runs in one process)."""
  if host_id is not None:
    import warnings
    warnings.warn("The argument to jax.local_devices has been renamed from `host_id` to "
                  "`process_index`. This alias will eventually be removed; please update "
                  "your code.")
    process_index = host_id
  _sharding.check_backend(backend)
  if process_index is not None and process_index != 0:
    raise ValueError(f"Unknown process_index {process_index}")
  return list(_sharding.host_devices())


def device_count(backend=None) -> int:
  """How many devices `devices()` lists."""
  _sharding.check_backend(backend)
  return len(_sharding.host_devices())


def local_device_count(backend=None) -> int:
  """How many devices this process has (all of them)."""
  return device_count(backend)


def default_backend() -> str:
  return "cpu"


def _check_placement(device) -> None:
  for d in tu.tree_leaves(device, is_leaf=_sharding.is_placement):
    if not _sharding.is_placement(d):
      raise ValueError("`jax.device_put` only accepts `None`, `jax.sharding.Sharding`, "
                       "`jax.Device`, `Format`, `jax.memory.Space` or a pytree of these "
                       f"values. Received invalid value: {d}")


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
  """`x` as Arrays. `device` may be a Device, a Sharding (numjax.sharding) or a pytree of
  them; all arrays stay whole in host memory, so placing only validates."""
  if device is not None:
    _check_placement(device)
  return tu.tree_map(lambda v: lax.asarray(_check_arg(v)), x)


def device_get(x):
  return tu.tree_map(lambda v: np.asarray(v) if type(v) is Array else v, x)


def block_until_ready(x):
  return x


def effects_barrier():
  """Wait for pending debug callbacks (they run synchronously here)."""
  try:
    from numjax._src import debugging
  except ImportError:
    return
  debugging.flush()
