"""Reductions over axes (sum, max, min, prod, and, or, argmax, argmin) and dot_general."""
from __future__ import annotations

import math

import numpy as np

from numjax._src import codegen, core, dtypes
from numjax._src.core import ShapedArray
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import (def_zero_jvp, deflinear, never_weak, operand_aval, primitive)



def moveaxis(x, src, dst):
  return batching.moveaxis(x, src, dst)


def _reduced_shape(x, axes):
  for a in axes:
    if not 0 <= a < x.ndim:
      raise ValueError(f"reduction axes {tuple(axes)} contains out-of-bounds indices for {x}.")
  if len(set(axes)) != len(axes):
    raise ValueError(f"duplicate value in 'axes' of reduction: {tuple(axes)}")
  return tuple(s for i, s in enumerate(x.shape) if i not in axes)


def _keep_weak(args, params):
  return getattr(args[0], "weak_type", False)


def _reduction(name, np_fn, out_dtype=None):
  def impl(x, *, axes, out_sharding=None):
    if out_dtype is None:
      return np_fn(x, axis=tuple(axes), dtype=x.dtype) if np_fn in (np.sum, np.prod) \
          else np_fn(x, axis=tuple(axes))
    return np_fn(x, axis=tuple(axes))

  def aval(x, *, axes, out_sharding=None):
    return ShapedArray(_reduced_shape(x, axes), out_dtype or x.dtype,
                       x.weak_type and out_dtype is None)

  p = primitive(name, impl, aval, weak_type_rule=_keep_weak if out_dtype is None else never_weak)

  def batch(vals, dims, *, axes, **params):  # params: reduce_sum's out_sharding, as in JAX
    # As JAX's reducer batcher: the batch axis stays where it is and the reduced axes shift
    # past it (NumPy ints, which JAX's jaxprs show as np.int64).
    x, d = vals[0], dims[0]
    axes = tuple(np.where(np.less(axes, d), axes, np.add(axes, 1)))
    kept = [i for i in range(core.get_aval(x).ndim) if i not in axes]
    return p.bind(x, axes=axes, **params), kept.index(d)
  p.batch = batch
  return p


reduce_sum_p = _reduction("reduce_sum", np.sum)
reduce_sum_p.codegen = codegen.reduce_hook("add", True)
def _reduce_sum_transpose(ct, x, *, axes, out_sharding=None):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval)]
  kept = tuple(i for i in range(aval.ndim) if i not in axes)
  return [L.broadcast_in_dim(ct, aval.shape, kept)]
deflinear(reduce_sum_p, _reduce_sum_transpose)

def _extremum(np_fn, sign):
  """np.max / np.min, giving JAX's identity for empty reductions (-inf / +inf, the integer
  bounds, False / True) where NumPy raises."""
  def f(x, axis):
    if all(x.shape[a] for a in axis):
      return np_fn(x, axis=axis)
    dt = x.dtype
    init = (bool(sign > 0) if dt == np.bool_ else
            (np.iinfo(dt).max if sign > 0 else np.iinfo(dt).min) if dt.kind in "iu" else
            sign * np.inf)
    return np.asarray(np_fn(x, axis=axis, initial=init), dt)
  return f


reduce_max_p = _reduction("reduce_max", _extremum(np.max, -1))
reduce_max_p.codegen = codegen.reduce_hook("maximum", False)
reduce_min_p = _reduction("reduce_min", _extremum(np.min, 1))
reduce_min_p.codegen = codegen.reduce_hook("minimum", False)


def _chooser_jvp(prim):
  def jvp(primals, tangents, *, axes, **params):
    x, = primals
    t, = tangents
    ans = prim.bind(x, axes=axes, **params)
    if type(t) is Zero:
      return ans, Zero.from_primal_value(ans)
    shape = core.get_aval(x).shape
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    location = L.convert_element_type(L.eq(x, L.broadcast_in_dim(ans, shape, kept)),
                                      core.get_aval(t).dtype)
    counts = L.reduce_sum(location, axes)
    return ans, L.div(L.reduce_sum(L.mul(t, location), axes), counts)
  prim.jvp = jvp


_chooser_jvp(reduce_max_p)
_chooser_jvp(reduce_min_p)

reduce_prod_p = _reduction("reduce_prod", np.prod)


def _reduce_prod_jvp(primals, tangents, *, axes, **params):
  # d prod = sum_i t_i * prod_{j != i} x_j, with the "others" product built from exclusive
  # cumulative products so zeros in x are handled exactly.
  x, = primals
  t, = tangents
  ans = reduce_prod_p.bind(x, axes=axes, **params)
  if type(t) is Zero:
    return ans, Zero.from_primal_value(ans)
  aval = core.get_aval(x)
  kept = [i for i in range(aval.ndim) if i not in axes]
  perm = tuple(kept) + tuple(axes)
  n = int(np.prod([aval.shape[a] for a in axes], dtype=np.int64))
  kept_shape = tuple(aval.shape[i] for i in kept)
  xr = L.reshape(L.transpose(x, perm), kept_shape + (n,))
  tr = L.reshape(L.transpose(t, perm), kept_shape + (n,))
  k = len(kept_shape)
  one = L.full(kept_shape + (1,), 1, aval.dtype)
  left = L.concatenate([one, L.slice_in_dim(L.cumprod(xr, k), 0, n - 1, axis=k)], k)
  right = L.concatenate([L.slice_in_dim(L.cumprod(xr, k, reverse=True), 1, n, axis=k), one], k)
  return ans, L.reduce_sum(L.mul(tr, L.mul(left, right)), (k,))


reduce_prod_p.jvp = _reduce_prod_jvp

reduce_and_p = _reduction("reduce_and", np.all, out_dtype=dtypes.bool_)
reduce_or_p = _reduction("reduce_or", np.any, out_dtype=dtypes.bool_)
reduce_and_p.abstract_eval = lambda x, *, axes, out_sharding=None: ShapedArray(
    _reduced_shape(x, axes), x.dtype)
reduce_or_p.abstract_eval = reduce_and_p.abstract_eval
reduce_and_p.impl = lambda x, *, axes, out_sharding=None: (
    np.all(x, axis=tuple(axes)) if x.dtype == np.bool_ else
    np.bitwise_and.reduce(x, axis=tuple(axes)))
reduce_or_p.impl = lambda x, *, axes, out_sharding=None: (
    np.any(x, axis=tuple(axes)) if x.dtype == np.bool_ else
    np.bitwise_or.reduce(x, axis=tuple(axes)))
def_zero_jvp(reduce_and_p)
def_zero_jvp(reduce_or_p)


def _arg_reduction(name, np_fn):
  def impl(x, *, axes, index_dtype):
    axis, = axes
    if x.dtype.kind == "c":  # traces, but XLA's comparator rejects complex when run (as JAX)
      raise TypeError(f"{'gt' if name == 'argmax' else 'lt'} does not accept dtype "
                      f"{x.dtype.name} at position 0. Accepted dtypes at position 0 are "
                      "subtypes of integer, floating, bool.")
    if x.dtype.kind == "f":  # NaN wins, as in JAX
      nan = np.isnan(x)
      if nan.any():
        return np.where(nan.any(axis=axis), np.argmax(nan, axis=axis),
                        np_fn(np.where(nan, 0, x), axis=axis)).astype(index_dtype)
    return np.asarray(np_fn(x, axis=axis)).astype(index_dtype)

  def aval(x, *, axes, index_dtype):
    if len(axes) != 1:
      raise TypeError(f"{name} requires exactly one axis, got {axes}")
    if x.shape[axes[0]] == 0:
      raise ValueError(f"{name} of an empty axis: shape {x.shape}, axis {axes[0]}")
    return ShapedArray(_reduced_shape(x, axes), np.dtype(index_dtype))

  p = primitive(name, impl, aval, weak_type_rule=never_weak)
  def_zero_jvp(p)
  p.batch = lambda vals, dims, *, axes, index_dtype: (
      p.bind(moveaxis(vals[0], dims[0], 0), axes=tuple(a + 1 for a in axes),
             index_dtype=index_dtype), 0)
  return p


argmax_p = _arg_reduction("argmax", np.argmax)
argmin_p = _arg_reduction("argmin", np.argmin)


# --- dot_general -------------------------------------------------------------------------------
def _dot_plan(xshape: tuple, yshape: tuple, dimension_numbers) -> tuple:
  """How dot_general runs in NumPy: each operand is transposed to (batch, free, contract) /
  (batch, contract, free) and reshaped to 3-D-like matrices for one `np.matmul`; with nothing
  to contract (outer products) the operands meet in a broadcast multiply instead, which gives
  the same bits for real dtypes and skips a k=1 matrix product per batch element.
  Returns (x_perm, x_shape, y_perm, y_shape, use_multiply, out_shape); None marks a no-op."""
  (lc, rc), (lb, rb) = dimension_numbers
  xnd, ynd = len(xshape), len(yshape)
  xf = [i for i in range(xnd) if i not in lc and i not in lb]
  yf = [i for i in range(ynd) if i not in rc and i not in rb]
  bshape = [xshape[i] for i in lb]
  m = math.prod(xshape[i] for i in xf)
  k = math.prod(xshape[i] for i in lc)
  n = math.prod(yshape[i] for i in yf)
  xperm = list(lb) + xf + list(lc)
  yperm = list(rb) + list(rc) + yf
  multiply = not lc
  xs, ys = bshape + [m, k], bshape + [k, n]
  out_shape = tuple(bshape + [xshape[i] for i in xf] + [yshape[i] for i in yf])

  def arrange(perm, shape, nd, full):
    p = None if perm == list(range(nd)) else tuple(perm)
    permuted = tuple(full[i] for i in perm)
    r = None if (nd and permuted == tuple(shape)) else tuple(shape)
    return p, r
  xp, xr = arrange(xperm, xs, xnd, xshape)
  yp, yr = arrange(yperm, ys, ynd, yshape)
  return xp, xr, yp, yr, multiply, (None if out_shape == tuple(bshape + [m, n]) else out_shape)


_dot_plans: dict = {}


def dot_plan(xshape, yshape, dimension_numbers) -> tuple:
  key = (xshape, yshape, dimension_numbers)
  try:
    plan = _dot_plans.get(key)
  except TypeError:  # unhashable dimension numbers (lists)
    return _dot_plan(xshape, yshape, dimension_numbers)
  if plan is None:
    if len(_dot_plans) > 4096:
      _dot_plans.clear()
    plan = _dot_plans[key] = _dot_plan(xshape, yshape, dimension_numbers)
  return plan


def _dot_impl(x, y, *, dimension_numbers, precision=None, preferred_element_type=None,
              out_sharding=None):
  x, y = np.asarray(x), np.asarray(y)
  xp, xr, yp, yr, multiply, out_shape = dot_plan(x.shape, y.shape, dimension_numbers)
  dt = preferred_element_type or np.result_type(x.dtype, y.dtype)
  if xp is not None:
    x = x.transpose(xp)
  if xr is not None:
    x = x.reshape(xr)
  if yp is not None:
    y = y.transpose(yp)
  if yr is not None:
    y = y.reshape(yr)
  out = np.multiply(x, y) if multiply and np.dtype(dt).kind != "c" else np.matmul(x, y)
  if out_shape is not None:
    out = out.reshape(out_shape)
  return out if out.dtype == dt else out.astype(dt)


def _dot_codegen(in_avals, out_avals, *, dimension_numbers, precision=None,
                 preferred_element_type=None, out_sharding=None):
  """The impl's steps as NumPy source, from the same plan (so the bits agree)."""
  x, y = in_avals
  xp, xr, yp, yr, multiply, out_shape = dot_plan(x.shape, y.shape, dimension_numbers)
  dt = np.dtype(preferred_element_type or np.result_type(x.dtype, y.dtype))

  def arrange(name, aval, perm, shape):
    s = name
    if perm == (1, 0):
      s = f"{s}.T"
    elif perm is not None:
      s = f"{s}.transpose({perm!r})"
    if shape is not None:
      s = f"np.asarray({s}).reshape({shape!r})" if aval.ndim == 0 else f"{s}.reshape({shape!r})"
    return s
  xs, ys = arrange("{0}", x, xp, xr), arrange("{1}", y, yp, yr)
  expr = f"({xs} * {ys})" if multiply and dt.kind != "c" else f"np.matmul({xs}, {ys})"
  if out_shape is not None:
    expr = f"{expr}.reshape({out_shape!r})"
  if dt != np.result_type(x.dtype, y.dtype):
    return codegen.Emit(f"{expr}.astype({{dt}})", {"dt": dt})
  return expr


_dot_avals: dict = {}


def _dot_aval(x, y, *, dimension_numbers, precision=None, preferred_element_type=None,
              out_sharding=None):
  key = (x, y, dimension_numbers, preferred_element_type)
  try:
    out = _dot_avals.get(key)
  except TypeError:  # unhashable dimension numbers: no caching
    key = out = None
  if out is None:
    out = _dot_aval_uncached(x, y, dimension_numbers, preferred_element_type)
    if key is not None:
      if len(_dot_avals) > 4096:
        _dot_avals.clear()
      _dot_avals[key] = out
  return out


def _dot_aval_uncached(x, y, dimension_numbers, preferred_element_type):
  (lc, rc), (lb, rb) = dimension_numbers
  for side, a, contract, batch in (("lhs", x, lc, lb), ("rhs", y, rc, rb)):
    if any(not 0 <= d < a.ndim for d in tuple(contract) + tuple(batch)):
      raise TypeError(f"dot_general requires {side} dimension numbers to be nonnegative and less "
                      f"than the number of axes of the {side} value, got {side}_batch of "
                      f"{tuple(batch)} and {side}_contracting of {tuple(contract)} for {side} of "
                      f"rank {a.ndim}")
    if len(set(contract) | set(batch)) != len(contract) + len(batch):
      raise TypeError(f"dot_general requires {side} batch and contracting dimensions to be "
                      f"distinct, got {side}_batch of {tuple(batch)} and {side}_contracting of "
                      f"{tuple(contract)}")
  if len(lc) != len(rc):
    raise TypeError(f"dot_general requires equal numbers of lhs and rhs contracting dimensions, "
                    f"got lhs_contracting of {tuple(lc)} and rhs_contracting of {tuple(rc)}.")
  if any(x.shape[a] != y.shape[b] for a, b in zip(lc, rc)):
    raise TypeError(f"dot_general requires contracting dimensions to have the same shape, got "
                    f"{tuple(x.shape[a] for a in lc)} and {tuple(y.shape[b] for b in rc)} (lhs "
                    f"shape {x.shape}, rhs shape {y.shape}).")
  if len(lb) != len(rb) or any(x.shape[a] != y.shape[b] for a, b in zip(lb, rb)):
    raise TypeError(f"dot_general requires lhs batch dimensions and rhs batch dimensions to "
                    f"have the same shape, got {[x.shape[a] for a in lb]} and "
                    f"{[y.shape[b] for b in rb]}.")
  if x.dtype != y.dtype and preferred_element_type is None:
    raise TypeError(f"dot_general requires operands of the same dtype, got {x.dtype.name} and "
                    f"{y.dtype.name}.")
  xf = [x.shape[i] for i in range(x.ndim) if i not in lc and i not in lb]
  yf = [y.shape[i] for i in range(y.ndim) if i not in rc and i not in rb]
  dt = preferred_element_type or x.dtype
  return ShapedArray(tuple([x.shape[i] for i in lb] + xf + yf), np.dtype(dt),
                     x.weak_type and y.weak_type)


dot_general_p = primitive("dot_general", _dot_impl, _dot_aval)
dot_general_p.codegen = _dot_codegen


def _dot_jvp(primals, tangents, **params):
  x, y = primals
  tx, ty = tangents
  out = dot_general_p.bind(x, y, **params)
  t = Zero.from_primal_value(out)
  if type(tx) is not Zero:
    t = ad.add_tangents(t, dot_general_p.bind(tx, y, **params))
  if type(ty) is not Zero:
    t = ad.add_tangents(t, dot_general_p.bind(x, ty, **params))
  return out, t


def _ranks(dimension_numbers, xnd, ynd):
  (lc, rc), (lb, rb) = dimension_numbers
  xf = [i for i in range(xnd) if i not in lc and i not in lb]
  yf = [i for i in range(ynd) if i not in rc and i not in rb]
  return lc, rc, lb, rb, xf, yf


def _dot_transpose_lhs(ct, x_aval, y, dimension_numbers, params, swap=False):
  """ct_x = dot(ct, y) contracting y's free dims, then permuted into x's layout."""
  ynd = core.get_aval(y).ndim
  if swap:
    (lc, rc), (lb, rb) = dimension_numbers
    dimension_numbers = ((rc, lc), (rb, lb))
  lc, rc, lb, rb, xf, yf = _ranks(dimension_numbers, x_aval.ndim, ynd)
  nb, nxf = len(lb), len(xf)
  if swap:  # ct layout is (batch, y-free(=this side's "other"), x-free)
    ct_free_other = list(range(nb, nb + len(yf)))
    ct_own = list(range(nb + len(yf), nb + len(yf) + nxf))
  else:
    ct_own = list(range(nb, nb + nxf))
    ct_free_other = list(range(nb + nxf, nb + nxf + len(yf)))
  dims = ((tuple(ct_free_other), tuple(yf)), (tuple(range(nb)), tuple(rb)))
  # As JAX: the original precision and preferred_element_type (None when the operands
  # shared a dtype, so ct and y do too), then a cast to x's dtype if it differs.
  pet = params.get("preferred_element_type")
  if pet is None and core.get_aval(ct).dtype != core.get_aval(y).dtype:
    pet = x_aval.dtype
  out = dot_general_p.bind(ct, y, dimension_numbers=dims, precision=params.get("precision"),
                           preferred_element_type=pet, out_sharding=None)
  # out layout: (batch, ct_own (in ct order), y-remaining = rc sorted)
  rc_sorted = sorted(rc)
  perm_src = {}
  for k, i in enumerate(lb):
    perm_src[i] = k
  for k, i in enumerate(xf):
    perm_src[i] = nb + (ct_own.index(ct_own[k]))
  for j, i in enumerate(lc):
    perm_src[i] = nb + nxf + rc_sorted.index(rc[j])
  perm = tuple(perm_src[i] for i in range(x_aval.ndim))
  if perm != tuple(range(len(perm))):
    out = L.transpose(out, perm)
  return L.convert_element_type(out, x_aval.dtype) if core.get_aval(out).dtype != x_aval.dtype \
      else out


def _dot_transpose(ct, x, y, **params):
  dn = params["dimension_numbers"]
  if is_undefined_primal(x) and is_undefined_primal(y):
    raise NotImplementedError("dot_general of two linear values is not linear")
  if type(ct) is Zero:
    return [Zero(x.aval) if is_undefined_primal(x) else None,
            Zero(y.aval) if is_undefined_primal(y) else None]
  if is_undefined_primal(x):
    return [_dot_transpose_lhs(ct, x.aval, y, dn, params), None]
  return [None, _dot_transpose_lhs(ct, y.aval, x, dn, params, swap=True)]


def _dot_batch(vals, dims, *, dimension_numbers, **params):
  x, y = vals
  xd, yd = dims
  (lc, rc), (lb, rb) = dimension_numbers
  shift = lambda ax: tuple(a + 1 for a in ax)
  if xd is not None and yd is not None:
    x, y = moveaxis(x, xd, 0), moveaxis(y, yd, 0)
    dn = ((shift(lc), shift(rc)), ((0,) + shift(lb), (0,) + shift(rb)))
    return dot_general_p.bind(x, y, dimension_numbers=dn, **params), 0
  if xd is not None:
    x = moveaxis(x, xd, 0)
    dn = ((shift(lc), rc), (shift(lb), rb))
    return dot_general_p.bind(x, y, dimension_numbers=dn, **params), len(lb)
  y = moveaxis(y, yd, 0)
  dn = ((lc, shift(rc)), (lb, shift(rb)))
  xnd = core.get_aval(x).ndim
  nxf = xnd - len(lc) - len(lb)
  return dot_general_p.bind(x, y, dimension_numbers=dn, **params), len(lb) + nxf


dot_general_p.jvp = _dot_jvp


class _ListTuple(tuple):
  """Prints tuples of axes as lists, as JAX prints dot_general's dimension_numbers."""

  def __str__(self):
    return "(" + ", ".join(f"({', '.join(str(list(d)) for d in pair)})" for pair in self) + ")"


def _dot_pp(params):
  shown = {k: v for k, v in params.items() if v is not None and k != "out_sharding"}
  shown["dimension_numbers"] = _ListTuple(params["dimension_numbers"])
  return shown


dot_general_p.pp_params = _dot_pp
dot_general_p.transpose = _dot_transpose
dot_general_p.batch = _dot_batch
