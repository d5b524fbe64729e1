"""Cumulative reductions along one axis: cumsum, cumprod, cummax, cummin, cumlogsumexp.

Each has params `axis` and `reverse` (accumulate from the end). cumsum is linear (its transpose
is the reversed cumsum). cumprod and cumlogsumexp differentiate by a log-depth prefix scan of
(value, tangent) pairs, exact with zeros. cummax/cummin give each output the mean tangent of
the inputs tied for the running extremum (as `reduce_max` does for ties).

    >>> lax.cumsum(jnp.array([1., 2., 3.]))
    Array([1., 3., 6.], dtype=float32)
"""
from __future__ import annotations

import operator

import numpy as np

from numjax._src import core
from numjax._src.core import ShapedArray
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import index_arg, primitive


def _accumulate(fn):
  def impl(x, *, axis, reverse):
    x = np.asarray(x)
    if reverse:
      x = np.flip(x, axis)
    with np.errstate(invalid="ignore", over="ignore"):
      out = fn(x, axis)
    if out.dtype != x.dtype:
      out = out.astype(x.dtype)
    return np.flip(out, axis) if reverse else out
  return impl


_ACCEPTS = {"iufc": "subtypes of number", "iuf": "subtypes of integer or floating",
            "f": "subtypes of floating"}


def _cum_aval(name, kinds):
  def rule(x, *, axis, reverse):
    if x.dtype.kind not in kinds:
      raise TypeError(f"{name} does not accept dtype {x.dtype.name}. Accepted dtypes are "
                      f"{_ACCEPTS[kinds]}.")
    if not 0 <= axis < x.ndim:
      raise ValueError(f"axis {axis} is out of bounds for array of shape {x.shape}")
    return ShapedArray(x.shape, x.dtype, x.weak_type)
  return rule


def _cumulative(name, fn, kinds):
  p = primitive(name, _accumulate(fn), _cum_aval(name, kinds),
                weak_type_rule=lambda args, params: getattr(args[0], "weak_type", False))

  def batch(vals, dims, *, axis, reverse):
    d = dims[0]
    return p.bind(vals[0], axis=axis + (d <= axis), reverse=reverse), d
  p.batch = batch
  return p


cumsum_p = _cumulative("cumsum", lambda x, a: np.cumsum(x, axis=a, dtype=x.dtype), "iufc")
cumprod_p = _cumulative("cumprod", lambda x, a: np.cumprod(x, axis=a, dtype=x.dtype), "iufc")
cummax_p = _cumulative("cummax", lambda x, a: np.maximum.accumulate(x, axis=a), "iuf")
cummin_p = _cumulative("cummin", lambda x, a: np.minimum.accumulate(x, axis=a), "iuf")
cumlogsumexp_p = _cumulative("cumlogsumexp", lambda x, a: np.logaddexp.accumulate(x, axis=a),
                             "f")


# --- cumsum: linear ------------------------------------------------------------------------------
def _cumsum_jvp(primals, tangents, *, axis, reverse):
  out = cumsum_p.bind(primals[0], axis=axis, reverse=reverse)
  t = tangents[0]
  if type(t) is Zero:
    return out, Zero.from_primal_value(out)
  return out, cumsum_p.bind(t, axis=axis, reverse=reverse)


def _cumsum_transpose(ct, x, *, axis, reverse):
  if type(ct) is Zero:
    return [Zero(x.aval)]
  return [cumsum_p.bind(ct, axis=axis, reverse=not reverse)]


cumsum_p.jvp = _cumsum_jvp
cumsum_p.transpose = _cumsum_transpose


# --- cumprod / cumlogsumexp: prefix scan of (value, tangent) pairs --------------------------------
def _slice(x, lo, hi, axis):
  return L.slice_in_dim(x, lo, hi, axis=axis)


def _scan_tangent(x, t, axis, combine):
  """Tangent of the inclusive scan of `x` under an associative `combine`, Hillis-Steele style:
  at step s every element combines with the one s before it (log2(n) steps, all linear in t)."""
  n = core.get_aval(x).shape[axis]
  s = 1
  while s < n:
    c, dc = combine(_slice(x, 0, n - s, axis), _slice(t, 0, n - s, axis),
                    _slice(x, s, n, axis), _slice(t, s, n, axis))
    x = L.concatenate([_slice(x, 0, s, axis), c], axis)
    t = L.concatenate([_slice(t, 0, s, axis), dc], axis)
    s *= 2
  return t


def _mul_pair(a, da, b, db):
  return L.mul(a, b), L.add(L.mul(da, b), L.mul(a, db))


def _logaddexp_pair(a, da, b, db):
  m = L.max(a, b)
  finite = L.is_finite(m)
  safe_m = L.select(finite, m, L.full_like(m, 0))
  c = L.add(safe_m, L.log(L.add(L.exp(L.sub(a, safe_m)), L.exp(L.sub(b, safe_m)))))
  c = L.select(finite, c, m)
  wa = L.select(finite, L.exp(L.sub(a, c)), L.full_like(a, 0))
  wb = L.select(finite, L.exp(L.sub(b, c)), L.full_like(b, 0))
  return c, L.add(L.mul(da, wa), L.mul(db, wb))


def _scan_jvp(prim, combine):
  def jvp(primals, tangents, *, axis, reverse):
    x, = primals
    t, = tangents
    out = prim.bind(x, axis=axis, reverse=reverse)
    if type(t) is Zero:
      return out, Zero.from_primal_value(out)
    if reverse:
      x, t = L.rev(x, (axis,)), L.rev(t, (axis,))
    dt = _scan_tangent(x, t, axis, combine)
    return out, L.rev(dt, (axis,)) if reverse else dt
  return jvp


cumprod_p.jvp = _scan_jvp(cumprod_p, _mul_pair)
cumlogsumexp_p.jvp = _scan_jvp(cumlogsumexp_p, _logaddexp_pair)


# --- cummax / cummin: mean tangent of the inputs tied for the running extremum -------------------
def _cum_extremum_jvp(prim):
  def jvp(primals, tangents, *, axis, reverse):
    from numjax._src.lax.indexing import take_along_axis_lax
    x, = primals
    t, = tangents
    out = prim.bind(x, axis=axis, reverse=reverse)
    if type(t) is Zero:
      return out, Zero.from_primal_value(out)
    o = out
    if reverse:
      x, t, o = L.rev(x, (axis,)), L.rev(t, (axis,)), L.rev(o, (axis,))
    shape = core.get_aval(x).shape
    n = shape[axis]
    tdt = core.get_aval(t).dtype
    hit = L.eq(x, o)      # x_j equals the running extremum at j: it belongs to the plateau
    zeros = L.full(shape, 0, tdt)
    th = L.select(hit, t, zeros)
    nh = L.select(hit, L.full(shape, 1, tdt), zeros)
    csum, ccount = cumsum_p.bind(th, axis=axis, reverse=False), cumsum_p.bind(
        nh, axis=axis, reverse=False)
    # Start of the plateau each position is in: the last j with o_j != o_{j-1} (or j = 0).
    iota = L.broadcasted_iota(np.int32, shape, axis)
    prev = L.concatenate([_slice(o, 0, 1, axis), _slice(o, 0, n - 1, axis)], axis) if n else o
    start = L.select(L.bitwise_or(L.ne(o, prev), L.eq(iota, L.full(shape, 0, np.int32))),
                     iota, L.full(shape, 0, np.int32))
    start = cummax_p.bind(start, axis=axis, reverse=False)
    before_t = take_along_axis_lax(L.sub(csum, th), start, axis)
    before_n = take_along_axis_lax(L.sub(ccount, nh), start, axis)
    count = L.max(L.sub(ccount, before_n), L.full(shape, 1, tdt))
    dt = L.div(L.sub(csum, before_t), count)
    return out, L.rev(dt, (axis,)) if reverse else dt
  return jvp


cummax_p.jvp = _cum_extremum_jvp(cummax_p)
cummin_p.jvp = _cum_extremum_jvp(cummin_p)


# --- public functions ---------------------------------------------------------------------------
def _public(prim):
  def f(operand, axis: int = 0, reverse: bool = False):
    operand = L.asarray(operand)
    axis = index_arg(axis, f"lax.{prim.name} axis")
    if axis < 0:
      raise ValueError("XLA operations do not allow negative axes")
    shape = core.get_aval(operand).shape
    if axis >= len(shape):
      raise ValueError(f"axis {axis} is out of bounds for array of shape {shape}")
    return prim.bind(operand, axis=axis, reverse=bool(reverse))
  f.__name__ = prim.name
  f.__doc__ = (f"Cumulative {prim.name[3:]} along `axis` (from the end if `reverse`): "
               f"`lax.{prim.name}(x, axis=0, reverse=False)`.")
  return f


cumsum = _public(cumsum_p)
cumprod = _public(cumprod_p)
cummax = _public(cummax_p)
cummin = _public(cummin_p)
cumlogsumexp = _public(cumlogsumexp_p)
