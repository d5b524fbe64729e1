"""Windowed and general reductions: `reduce_window`, `reduce`, `associative_scan`,
`reduce_precision`.

`lax.reduce_window(x, init, computation, window_dimensions, ...)` dispatches as JAX does: with
`lax.add` / `lax.max` / `lax.min` and their identity as `init` it binds the monoid primitives
`reduce_window_sum` (linear: its transpose is a `reduce_window_sum` of the padded, stride-dilated
cotangent), `reduce_window_max` and `reduce_window_min` (JVP: `select_and_gather_add` picks the
tangent at each window's selected element; its transpose `select_and_scatter_add` adds the
cotangent back there). Any other computation is traced to a jaxpr and bound as the generic
`reduce_window` primitive; likewise `lax.reduce` binds `reduce_sum`/`reduce_prod`/`reduce_max`/
`reduce_min`/`reduce_and`/`reduce_or` for monoids and the generic `reduce` otherwise.

The generic primitives' NumPy implementations fold the computation over the window (or reduced)
elements in order, vectorised over all output positions: the computation's jaxpr is batched
once per size and run on whole arrays, one call per window element (a pairwise tree for long
folds, which assumes the associativity XLA also assumes). Padding and base-dilation holes are
skipped, as in XLA: `init` enters each fold once.

    >>> lax.reduce_window(jnp.arange(6.), 0., lax.add, (2,), (1,), 'VALID')
    Array([1., 3., 5., 7., 9.], dtype=float32)
    >>> lax.associative_scan(jnp.add, jnp.arange(4))
    Array([0, 1, 3, 6], dtype=int32)
"""
from __future__ import annotations

import math
import operator
from typing import Any, Callable, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Jaxpr, ShapedArray, Tracer, get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters import partial_eval as pe
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import control_flow_common as cfc
from numjax._src.lax import elementwise as _ew
from numjax._src.lax import lax as L
from numjax._src.lax import reductions as _red
from numjax._src.lax import structural as _st
from numjax._src.lax.convolution import padtype_to_pads
from numjax._src.lax.base import (batch_unary, canonical_axis, deflinear, defjvp, floating,
                                  never_weak, primitive)

__all__ = ["reduce_window", "reduce", "associative_scan", "reduce_precision"]


# ----------------------------------------------------------------------------------------------
# Window geometry
# ----------------------------------------------------------------------------------------------
def _dilate_shape(shape, dilation) -> tuple:
  if not all(d > 0 for d in dilation):
    raise TypeError(f"All dilations must be positive, got {tuple(dilation)}.")
  dilation = (1,) * (len(shape) - len(dilation)) + tuple(dilation)
  return tuple(max(1 + r * (d - 1), 0) for d, r in zip(shape, dilation))


def _check_shapelike(fun: str, arg: str, obj, non_zero: bool = False) -> None:
  lower, words = (1, "strictly positive") if non_zero else (0, "nonnegative")
  if not all(d >= lower for d in obj):
    raise TypeError(f"{fun} {arg} must have every element be {words}, got {obj}.")


def _window_shape(shape, window_dimensions, window_strides, padding, base_dilation,
                  window_dilation, name: str = "reduce_window") -> tuple:
  """The output shape of a windowed reduction (JAX's checks and messages)."""
  _check_shapelike(name, "window_dimensions", window_dimensions, non_zero=True)
  _check_shapelike(name, "window_strides", window_strides, non_zero=True)
  _check_shapelike(name, "base_dilation", base_dilation)
  _check_shapelike(name, "window_dilation", window_dilation)
  if len(shape) != len(window_dimensions):
    raise TypeError(f"{name} got the wrong number of window_dimensions for operand: got "
                    f"operand shape {tuple(shape)} with window_dimensions {window_dimensions}.")
  for arg, val in (("window_strides", window_strides), ("base_dilation", base_dilation),
                   ("window_dilation", window_dilation), ("padding", padding)):
    if len(val) != len(window_dimensions):
      raise TypeError(f"{name} got inconsistent {arg} and window_dimensions: got {arg} "
                      f"{val} and window_dimensions {window_dimensions}.")
  shape = _dilate_shape(shape, base_dilation)
  window = _dilate_shape(window_dimensions, window_dilation)
  padded = [d + lo + hi for d, (lo, hi) in zip(shape, padding)]
  return tuple(max((d - w) // s + 1, 0) for d, w, s in zip(padded, window, window_strides))


def _conv_vjp_lhs_padding(in_shape, window_dimensions, window_strides, out_shape, padding,
                          lhs_dilation, rhs_dilation) -> list:
  lhs = _dilate_shape(in_shape, lhs_dilation)
  rhs = _dilate_shape(window_dimensions, rhs_dilation)
  out = _dilate_shape(out_shape, window_strides)
  # NumPy integers, as JAX computes them (its jaxprs print `np.int64(1)` in the pad config).
  before = np.subtract(rhs, [lo for lo, _ in padding]) - 1
  after = np.add(lhs, rhs) - 1 - np.asarray(out) - before
  return list(zip(before, after))


# ----------------------------------------------------------------------------------------------
# NumPy helpers for the impls
# ----------------------------------------------------------------------------------------------
def _pad_dilate(x: np.ndarray, fill, padding, base_dilation) -> np.ndarray:
  """x with `base_dilation - 1` holes between elements and (possibly negative) edge padding,
  the holes and pads holding `fill`."""
  if any(b != 1 for b in base_dilation):
    shape = tuple(0 if n == 0 else (n - 1) * b + 1 for n, b in zip(x.shape, base_dilation))
    out = np.full(shape, fill, x.dtype)
    out[tuple(slice(None, None, b) for b in base_dilation)] = x
    x = out
  if any(lo > 0 or hi > 0 for lo, hi in padding):
    x = np.pad(x, [(max(lo, 0), max(hi, 0)) for lo, hi in padding], constant_values=fill)
  if any(lo < 0 or hi < 0 for lo, hi in padding):
    x = x[tuple(slice(max(-lo, 0), max(n - max(-hi, 0), 0))
                for n, (lo, hi) in zip(x.shape, padding))]
  return x


def _windows(xp: np.ndarray, window_dimensions, window_strides, window_dilation) -> np.ndarray:
  """A view of shape `out_shape + window_dimensions` of the windows of the padded operand."""
  eff = _dilate_shape(window_dimensions, window_dilation)
  v = np.lib.stride_tricks.sliding_window_view(xp, eff)
  return v[tuple(slice(None, None, s) for s in window_strides) +
           tuple(slice(None, None, d) for d in window_dilation)]


def _max_identity(dtype):
  dtype = np.dtype(dtype)
  if dtype.kind in "fc":
    return np.array(-np.inf, dtype)
  if dtype.kind in "iu":
    return np.array(np.iinfo(dtype).min, dtype)
  if dtype == np.bool_:
    return np.array(False)
  raise ValueError(f"Unsupported dtype for max: {dtype}")


def _min_identity(dtype):
  dtype = np.dtype(dtype)
  if dtype.kind in "fc":
    return np.array(np.inf, dtype)
  if dtype.kind in "iu":
    return np.array(np.iinfo(dtype).max, dtype)
  if dtype == np.bool_:
    return np.array(True)
  raise ValueError(f"Unsupported dtype for min: {dtype}")


_WINDOW_PARAMS = ("window_dimensions", "window_strides", "padding", "base_dilation",
                  "window_dilation")


# ----------------------------------------------------------------------------------------------
# reduce_window_sum / reduce_window_max / reduce_window_min
# ----------------------------------------------------------------------------------------------
def _monoid_window(name: str, np_reduce, identity, dtype_check: Callable | None):
  def impl(x, *, window_dimensions, window_strides, padding, base_dilation, window_dilation):
    x = np.asarray(x)
    out_shape = _window_shape(x.shape, window_dimensions, window_strides, padding,
                              base_dilation, window_dilation)
    init = identity(x.dtype)
    if any(d == 0 for d in out_shape):
      return np.full(out_shape, init, x.dtype)
    v = _windows(_pad_dilate(x, init, padding, base_dilation), window_dimensions,
                 window_strides, window_dilation)
    axes = tuple(range(x.ndim, 2 * x.ndim))
    return np.asarray(np_reduce(v, axes, x.dtype), x.dtype)

  def aval(x, *, window_dimensions, window_strides, padding, base_dilation, window_dilation):
    if dtype_check is not None:
      dtype_check(x)
    return ShapedArray(_window_shape(x.shape, window_dimensions, window_strides, padding,
                                     base_dilation, window_dilation), x.dtype, x.weak_type)

  p = primitive(name, impl, aval)

  def batch(vals, dims, *, window_dimensions, window_strides, padding, base_dilation,
            window_dilation):
    # The mapped axis becomes a window dimension of size 1, where it is.
    x, = vals
    d, = dims
    ins = lambda t, v: t[:d] + (v,) + t[d:]
    return p.bind(x, window_dimensions=ins(window_dimensions, 1),
                  window_strides=ins(window_strides, 1), padding=ins(padding, (0, 0)),
                  base_dilation=ins(base_dilation, 1),
                  window_dilation=ins(window_dilation, 1)), d
  p.batch = batch
  return p


def _sum_dtype_check(x):
  if x.dtype.kind not in "iufc":
    raise TypeError(f"operand to reduce_window_sum must have a number dtype, got "
                    f"{x.dtype.name}")


reduce_window_sum_p = _monoid_window(
    "reduce_window_sum", lambda v, axes, dt: np.sum(v, axis=axes, dtype=dt),
    lambda dt: np.zeros((), dt), _sum_dtype_check)


def _reduce_window_sum_transpose(ct, x, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval.to_tangent_aval())]
  n = len(aval.shape)
  pads = _conv_vjp_lhs_padding(aval.shape, window_dimensions, window_strides,
                               get_aval(ct).shape, padding, base_dilation, window_dilation)
  config = tuple((lo, hi, s - 1) for (lo, hi), s in zip(pads, window_strides))
  zero = Array(np.zeros((), get_aval(ct).dtype)[()], False)
  padded = _st.pad_p.bind(ct, zero, padding_config=config)
  return [reduce_window_sum_p.bind(padded, window_dimensions=window_dimensions,
                                   window_strides=base_dilation, padding=((0, 0),) * n,
                                   base_dilation=(1,) * n, window_dilation=window_dilation)]


deflinear(reduce_window_sum_p, _reduce_window_sum_transpose)

reduce_window_max_p = _monoid_window(
    "reduce_window_max", lambda v, axes, dt: np.max(v, axis=axes), _max_identity, None)
reduce_window_min_p = _monoid_window(
    "reduce_window_min", lambda v, axes, dt: np.min(v, axis=axes), _min_identity, None)
defjvp(reduce_window_max_p, lambda g, x, **params: _select_and_gather_add(g, x, _ew.ge_p,
                                                                          **params))
defjvp(reduce_window_min_p, lambda g, x, **params: _select_and_gather_add(g, x, _ew.le_p,
                                                                          **params))


# ----------------------------------------------------------------------------------------------
# select_and_gather_add / select_and_scatter_add: the tangent of a max/min window
# ----------------------------------------------------------------------------------------------
def _select_fold(keys: np.ndarray, payloads, ge: bool, init_key, init_payloads) -> list:
  """Fold each window in row-major order, keeping the accumulator unless the next key beats
  it (XLA's `select(ge(acc, x), acc, x)` starting from `init`): the first extremum wins, a NaN
  key wins over what precedes it and loses to any later key. Returns the payloads chosen."""
  nd = keys.ndim // 2
  out_shape, wdims = keys.shape[:nd], keys.shape[nd:]
  acc = np.full(out_shape, init_key, keys.dtype)
  accs = [np.full(out_shape, i, p.dtype) for p, i in zip(payloads, init_payloads)]
  cmp = np.greater_equal if ge else np.less_equal
  for off in np.ndindex(*wdims):
    idx = (Ellipsis,) + off
    k = keys[idx]
    keep = cmp(acc, k)
    acc = np.where(keep, acc, k)
    accs = [np.where(keep, a, p[idx]) for a, p in zip(accs, payloads)]
  return accs


def _select_init(select_prim, dtype):
  return _max_identity(dtype) if select_prim.name == "ge" else _min_identity(dtype)


def _sga_impl(t, x, *, select_prim, window_dimensions, window_strides, padding, base_dilation,
              window_dilation):
  t, x = np.asarray(t), np.asarray(x)
  out_shape = _window_shape(x.shape, window_dimensions, window_strides, padding, base_dilation,
                            window_dilation)
  if any(d == 0 for d in out_shape):
    return np.zeros(out_shape, t.dtype)
  init = _select_init(select_prim, x.dtype)
  win = lambda a, fill: _windows(_pad_dilate(a, fill, padding, base_dilation),
                                 window_dimensions, window_strides, window_dilation)
  out, = _select_fold(win(x, init), [win(t, np.zeros((), t.dtype))],
                      select_prim.name == "ge", init, [0])
  return out


def _sga_aval(t, x, *, select_prim, window_dimensions, window_strides, padding, base_dilation,
              window_dilation):
  if t.shape != x.shape:
    raise TypeError(f"select_and_gather_add tangents and operand shapes must match, got "
                    f"{t.shape} and {x.shape}.")
  return ShapedArray(_window_shape(x.shape, window_dimensions, window_strides, padding,
                                   base_dilation, window_dilation, "select_and_gather_add"),
                     t.dtype, t.weak_type)


select_and_gather_add_p = primitive("select_and_gather_add", _sga_impl, _sga_aval)


def _select_and_gather_add(t, x, select_prim, *, window_dimensions, window_strides, padding,
                           base_dilation, window_dilation):
  return select_and_gather_add_p.bind(
      t, x, select_prim=select_prim, window_dimensions=window_dimensions,
      window_strides=window_strides, padding=padding, base_dilation=base_dilation,
      window_dilation=window_dilation)


def _sga_jvp(primals, tangents, **params):
  t, x = primals
  gt, _ = tangents  # the selection does not depend differentiably on the operand
  out = select_and_gather_add_p.bind(t, x, **params)
  if type(gt) is Zero:
    return out, Zero.from_primal_value(out)
  return out, select_and_gather_add_p.bind(gt, x, **params)


def _sga_transpose(ct, t, x, *, select_prim, window_dimensions, window_strides, padding,
                   base_dilation, window_dilation):
  if ad.is_undefined_primal(x):
    raise NotImplementedError("select_and_gather_add is not linear in its operand")
  if any(d != 1 for d in window_dilation):
    raise NotImplementedError(
        "VJP not implemented for select_and_gather (MaxPool) with window dilation, got "
        f"window_dilation={window_dilation}.")
  if type(ct) is Zero:
    return [Zero(t.aval), None]
  dilated = any(d != 1 for d in base_dilation)
  if dilated:  # holes hold the identity, which never wins a window
    ident = Array(_select_init(select_prim, get_aval(x).dtype)[()], False)
    x = L.pad(x, ident, tuple((0, 0, d - 1) for d in base_dilation))
  out = select_and_scatter_add_p.bind(ct, x, select_prim=select_prim,
                                      window_dimensions=window_dimensions,
                                      window_strides=window_strides, padding=padding)
  if dilated:
    out = L.slice(out, (0,) * len(base_dilation), get_aval(out).shape, base_dilation)
  return [out, None]


def _sga_batch(vals, dims, *, select_prim, window_dimensions, window_strides, padding,
               base_dilation, window_dilation):
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  t, x = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
  return select_and_gather_add_p.bind(
      t, x, select_prim=select_prim, window_dimensions=(1,) + window_dimensions,
      window_strides=(1,) + window_strides, padding=((0, 0),) + padding,
      base_dilation=(1,) + base_dilation, window_dilation=(1,) + window_dilation), 0


select_and_gather_add_p.jvp = _sga_jvp
select_and_gather_add_p.transpose = _sga_transpose
select_and_gather_add_p.batch = _sga_batch


def _ssa_impl(source, x, *, select_prim, window_dimensions, window_strides, padding):
  source, x = np.asarray(source), np.asarray(x)
  ones = (1,) * x.ndim
  out = np.zeros(x.size, source.dtype)
  if source.size:
    init = _select_init(select_prim, x.dtype)
    pos = np.arange(x.size, dtype=np.intp).reshape(x.shape)
    win = lambda a, fill: _windows(_pad_dilate(a, fill, padding, ones), window_dimensions,
                                   window_strides, ones)
    sel, = _select_fold(win(x, init), [win(pos, np.intp(-1))], select_prim.name == "ge", init,
                        [-1])
    hit = sel >= 0  # windows won by the initial value (all padding or -inf) scatter nothing
    np.add.at(out, sel[hit], source[hit])
  return out.reshape(x.shape)


def _ssa_aval(source, x, *, select_prim, window_dimensions, window_strides, padding):
  ones = (1,) * len(x.shape)
  out = _window_shape(x.shape, window_dimensions, window_strides, padding, ones, ones,
                      "select_and_scatter_add")
  if source.shape != out:
    raise TypeError(f"select_and_scatter_add source shape {source.shape} does not match the "
                    f"window output shape {out} of the operand {x.shape}.")
  return ShapedArray(x.shape, source.dtype, source.weak_type)


select_and_scatter_add_p = primitive("select_and_scatter_add", _ssa_impl, _ssa_aval)


def _ssa_jvp(primals, tangents, **params):
  source, x = primals
  gs, _ = tangents
  out = select_and_scatter_add_p.bind(source, x, **params)
  if type(gs) is Zero:
    return out, Zero.from_primal_value(out)
  return out, select_and_scatter_add_p.bind(gs, x, **params)


def _ssa_transpose(ct, source, x, *, select_prim, window_dimensions, window_strides, padding):
  if ad.is_undefined_primal(x):
    raise NotImplementedError("select_and_scatter_add is not linear in its operand")
  if type(ct) is Zero:
    return [Zero(source.aval), None]
  ones = (1,) * len(window_dimensions)
  return [select_and_gather_add_p.bind(
      ct, x, select_prim=select_prim, window_dimensions=window_dimensions,
      window_strides=window_strides, padding=padding, base_dilation=ones,
      window_dilation=ones), None]


def _ssa_batch(vals, dims, *, select_prim, window_dimensions, window_strides, padding):
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  s, x = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
  return select_and_scatter_add_p.bind(
      s, x, select_prim=select_prim, window_dimensions=(1,) + window_dimensions,
      window_strides=(1,) + window_strides, padding=((0, 0),) + padding), 0


select_and_scatter_add_p.jvp = _ssa_jvp
select_and_scatter_add_p.transpose = _ssa_transpose
select_and_scatter_add_p.batch = _ssa_batch


# ----------------------------------------------------------------------------------------------
# Running a reduction computation (a scalar jaxpr) on NumPy arrays
# ----------------------------------------------------------------------------------------------
_BATCHED: dict = {}
_SEQUENTIAL_MAX = 64  # longer folds run as a pairwise tree


def _batched_computation(jaxpr: Jaxpr, size: int) -> ClosedJaxpr:
  """`jaxpr` (consts as leading inputs) vmapped over `size` elements, cached."""
  key = (jaxpr, size)
  closed = _BATCHED.get(key)
  if closed is None:
    nconst = len(jaxpr.constvars)
    opened = cfc.CachedJaxpr(Jaxpr([], list(jaxpr.constvars) + list(jaxpr.invars),
                                   jaxpr.outvars, jaxpr.eqns))
    closed, _ = cfc.batch_jaxpr(opened, batching.AxisData(None, size),
                                [False] * nconst + [True] * len(jaxpr.invars), True)
    if len(_BATCHED) >= 256:
      _BATCHED.clear()
    _BATCHED[key] = closed
  return closed


def _runner(jaxpr: Jaxpr, consts) -> Callable:
  """fn(list of (m,) arrays: accumulators then elements) -> list of (m,) arrays."""
  cvals = [np.asarray(c._value if type(c) is Array else c) for c in consts]

  def run(vals):
    closed = _batched_computation(jaxpr, vals[0].shape[0])
    return [np.asarray(o) for o in cfc.run_numpy(closed, cvals + list(vals))]
  return run


def _fold(run: Callable, inits, xs, valid) -> list:
  """Reduce the (m, k) arrays `xs` along axis 1 with the computation, starting from `inits`
  (taken once); where `valid` (m, k) is False the element is skipped."""
  m, k = xs[0].shape
  dts = [x.dtype for x in xs]
  if k <= _SEQUENTIAL_MAX:  # XLA's order: acc = f(acc, x_j) for j = 0, 1, ...
    acc = [np.full((m,), i, dt) for i, dt in zip(inits, dts)]
    for j in range(k):
      new = run(acc + [x[:, j] for x in xs])
      if valid is None:
        acc = [np.asarray(n, dt) for n, dt in zip(new, dts)]
      else:
        v = valid[:, j]
        acc = [np.where(v, np.asarray(n, dt), a) for n, a, dt in zip(new, acc, dts)]
    return acc
  # Pairwise tree keeping the elements' order (equal to the fold for associative computations).
  while k > 1:
    h = k // 2
    a = [x[:, 0:2 * h:2] for x in xs]
    b = [x[:, 1:2 * h:2] for x in xs]
    new = [np.asarray(n, dt).reshape(m, h) for n, dt in
           zip(run([y.reshape(-1) for y in a + b]), dts)]
    if valid is not None:
      va, vb = valid[:, 0:2 * h:2], valid[:, 1:2 * h:2]
      both = va & vb
      new = [np.where(both, n, np.where(va, p, q)) for n, p, q in zip(new, a, b)]
      valid = va | vb
      if k % 2:
        valid = np.concatenate([valid, valid[:, -1:]], axis=1)
    if k % 2:
      new = [np.concatenate([n, x[:, -1:]], axis=1) for n, x in zip(new, xs)]
    xs, k = new, h + k % 2
  acc = [np.full((m,), i, dt) for i, dt in zip(inits, dts)]
  out = [np.asarray(n, dt) for n, dt in zip(run(acc + [x[:, 0] for x in xs]), dts)]
  if valid is not None:
    out = [np.where(valid[:, 0], o, a) for o, a in zip(out, acc)]
  return out


def _trace_computation(computation: Callable, init_tree, init_avals, what: str):
  """Stage `computation(xs, ys)` on scalars of `init_avals` (flat, `init_tree` structured):
  (jaxpr with constvars, consts, output treedef)."""
  avals = tu.tree_unflatten(init_tree, init_avals)
  flat_in, in_tree = tu.tree_flatten((avals, avals))
  store = []

  def flat(*args):
    xs, ys = tu.tree_unflatten(in_tree, args)
    out = computation(xs, ys)
    leaves, out_tree = tu.tree_flatten(out)
    store.append(out_tree)
    res = []
    for leaf in leaves:
      if not (type(leaf) is Array or isinstance(leaf, Tracer) or core.is_valid_jaxtype(leaf)):
        raise ValueError(f"Invalid return type from reduction function: {type(leaf)}\n"
                         "Reduction functions should only return an array.\n"
                         f"Full return value: {out}")
      res.append(L.asarray(leaf))
    return res
  jaxpr, consts, _ = pe.trace_to_jaxpr(flat, list(flat_in))
  if any(isinstance(c, Tracer) for c in consts):
    raise NotImplementedError(
        f"Reduction computations can't close over Tracers: the {what} computation uses a "
        "traced value from an enclosing transformation; pass it in through the operands.")
  return jaxpr, tuple(consts), store[0]


def _check_computation_outs(jaxpr: Jaxpr, init_avals, what: str) -> None:
  outs = [v.aval for v in jaxpr.outvars]
  if len(outs) != len(init_avals) or any(
      o.shape != () or o.dtype != i.dtype for o, i in zip(outs, init_avals)):
    raise TypeError(f"{what} computation must return scalars with the dtypes of the "
                    f"init values {[str(a) for a in init_avals]}, got "
                    f"{[str(a) for a in outs]}.")


# ----------------------------------------------------------------------------------------------
# reduce_window: the generic primitive
# ----------------------------------------------------------------------------------------------
def _rw_impl(*args, jaxpr, consts, window_dimensions, window_strides, padding, base_dilation,
             window_dilation):
  with core.set_current_trace(core.eval_trace):
    n = len(args) // 2
    ops = [np.asarray(a) for a in args[:n]]
    inits = [np.asarray(a) for a in args[n:]]
    out_shape = _window_shape(ops[0].shape, window_dimensions, window_strides, padding,
                              base_dilation, window_dilation)
    m = math.prod(out_shape)
    if m == 0:
      return [np.full(out_shape, i, o.dtype) for o, i in zip(ops, inits)]
    k = math.prod(window_dimensions)
    win = lambda a, fill: _windows(_pad_dilate(a, fill, padding, base_dilation),
                                   window_dimensions, window_strides,
                                   window_dilation).reshape(m, k)
    xs = [win(o, i) for o, i in zip(ops, inits)]
    valid = None
    if any(b != 1 for b in base_dilation) or any(lo > 0 or hi > 0 for lo, hi in padding):
      valid = win(np.ones(ops[0].shape, np.bool_), False)
    outs = _fold(_runner(jaxpr, consts), inits, xs, valid)
    return [np.asarray(r, o.dtype).reshape(out_shape) for r, o in zip(outs, ops)]


def _rw_aval(*avals, jaxpr, consts, window_dimensions, window_strides, padding, base_dilation,
             window_dilation):
  n = len(avals) // 2
  ops, inits = avals[:n], avals[n:]
  if any(o.dtype != i.dtype for o, i in zip(ops, inits)):
    raise TypeError(f"reduce_window got inconsistent dtypes for operands and init_values: got "
                    f"operand dtypes {[o.dtype for o in ops]} and init_value dtypes "
                    f"{[i.dtype for i in inits]}.")
  if any(i.shape != () for i in inits):
    raise TypeError(f"reduce_window expected init_values to be scalars but init_values have "
                    f"shapes {[i.shape for i in inits]}.")
  if any(o.shape != ops[0].shape for o in ops):
    raise TypeError(f"reduce_window operands must all have the same shape, got "
                    f"{[o.shape for o in ops]}.")
  shape = _window_shape(ops[0].shape, window_dimensions, window_strides, padding,
                        base_dilation, window_dilation)
  return [ShapedArray(shape, o.dtype) for o in ops]


reduce_window_p = primitive("reduce_window", _rw_impl, _rw_aval, multiple_results=True,
                            weak_type_rule=never_weak)


def _rw_jvp(primals, tangents, *, jaxpr, consts, **wparams):
  n = len(primals) // 2
  ops, inits = primals[:n], primals[n:]
  tops, tinits = tangents[:n], tangents[n:]
  if any(type(t) is not Zero for t in tinits):
    raise TypeError("reduce_window jvp does not support non-zero init_value_tangent.")
  floats = [dtypes.is_inexact(get_aval(o).dtype) for o in ops]
  # The JVP of the computation on (primal, tangent) pairs, its inputs reordered to
  # (left primals, left tangents, right primals, right tangents).
  jvp, _ = cfc.jvp_jaxpr(ClosedJaxpr(jaxpr, list(consts)), floats + floats, floats)
  m = sum(floats)
  pl, pr, tl, tr = cfc.split_list(jvp.jaxpr.invars, [n, n, m])[:4]
  pair_jaxpr = Jaxpr(jvp.jaxpr.constvars, pl + tl + pr + tr, jvp.jaxpr.outvars, jvp.jaxpr.eqns)
  t_ops = [ad.instantiate_zeros(t) for t, f in zip(tops, floats) if f]
  t_inits = [Array(np.zeros((), get_aval(o).dtype)[()], False) for o, f in zip(ops, floats) if f]
  # The primal outputs come from their own equation, so that linearize computes them now
  # (the pair reduction's tangent outputs are not linear in the tangents, as in JAX: no VJP).
  primal_out = reduce_window_p.bind(*ops, *inits, jaxpr=jaxpr, consts=consts, **wparams)
  outs = reduce_window_p.bind(*ops, *t_ops, *inits, *t_inits, jaxpr=pair_jaxpr,
                              consts=tuple(jvp.consts), **wparams)
  touts = iter(outs[n:])
  return primal_out, [next(touts) if f else Zero.from_primal_value(o)
                      for o, f in zip(primal_out, floats)]


def _rw_batch(vals, dims, *, jaxpr, consts, window_dimensions, window_strides, padding,
              base_dilation, window_dilation):
  n = len(vals) // 2
  if any(d is not None for d in dims[n:]):
    raise NotImplementedError("reduce_window batching is not implemented for initial values")
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  ops = [batching.bdim_at_front(v, d, size) for v, d in zip(vals[:n], dims[:n])]
  outs = reduce_window_p.bind(
      *ops, *vals[n:], jaxpr=jaxpr, consts=consts, window_dimensions=(1,) + window_dimensions,
      window_strides=(1,) + window_strides, padding=((0, 0),) + padding,
      base_dilation=(1,) + base_dilation, window_dilation=(1,) + window_dilation)
  return outs, [0] * n


reduce_window_p.jvp = _rw_jvp
reduce_window_p.batch = _rw_batch


# ----------------------------------------------------------------------------------------------
# reduce: the generic primitive
# ----------------------------------------------------------------------------------------------
def _reduce_impl(*args, computation, jaxpr, dimensions):
  with core.set_current_trace(core.eval_trace):
    n = len(args) // 2
    ops = [np.asarray(a) for a in args[:n]]
    inits = [np.asarray(a) for a in args[n:]]
    shape = ops[0].shape
    kept = [i for i in range(len(shape)) if i not in dimensions]
    kept_shape = tuple(shape[i] for i in kept)
    m, k = math.prod(kept_shape), math.prod(shape[d] for d in dimensions)
    if m == 0 or k == 0:
      return [np.full(kept_shape, i, o.dtype) for o, i in zip(ops, inits)]
    perm = kept + list(dimensions)
    xs = [np.transpose(o, perm).reshape(m, k) for o in ops]
    outs = _fold(_runner(jaxpr.jaxpr, jaxpr.consts), inits, xs, None)
    return [np.asarray(r, o.dtype).reshape(kept_shape) for r, o in zip(outs, ops)]


def _reduce_aval(*avals, computation, jaxpr, dimensions):
  n = len(avals) // 2
  ops, inits = avals[:n], avals[n:]
  if any(i.shape != () for i in inits):
    raise ValueError(f"reduce found non-scalar initial value: {[i.shape for i in inits]}")
  if [o.dtype for o in ops] != [i.dtype for i in inits]:
    raise TypeError("reduce operand dtypes should match corresponding initial value dtypes, "
                    f"got operands={list(ops)} and initial_values={list(inits)}")
  if any(o.shape != ops[0].shape for o in ops):
    raise ValueError(f"reduce operands must all have the same shape, got "
                     f"{[o.shape for o in ops]}.")
  _reduction_axes(ops[0], dimensions)
  return [ShapedArray(tuple(s for d, s in enumerate(o.shape) if d not in dimensions), o.dtype,
                      o.weak_type and i.weak_type) for o, i in zip(ops, inits)]


def _reduction_axes(aval, dimensions) -> None:
  if any(not 0 <= d < aval.ndim for d in dimensions):
    raise ValueError(f"reduction axes {tuple(dimensions)} contains out-of-bounds indices for "
                     f"{aval}.")
  if len(set(dimensions)) != len(dimensions):
    raise ValueError(f"duplicate value in 'axes' of reduction: {tuple(dimensions)}")


reduce_p = primitive(
    "reduce", _reduce_impl, _reduce_aval, multiple_results=True,
    weak_type_rule=lambda args, params: [
        getattr(o, "weak_type", False) and getattr(i, "weak_type", False)
        for o, i in zip(args[:len(args) // 2], args[len(args) // 2:])])


def _reduce_jvp(primals, tangents, *, computation, jaxpr, dimensions):
  """JAX's rule: differentiate a pairwise tree of the (vmapped) computation."""
  from numjax._src.api import vmap
  n = len(primals) // 2
  xs, inits = list(primals[:n]), list(primals[n:])
  txs, tinits = tangents[:n], tangents[n:]
  if any(type(t) is not Zero for t in tinits):
    raise NotImplementedError("Gradient of general lax.reduce with non-zero tangents for "
                              "initial values to reduction not implemented")
  shape = get_aval(xs[0]).shape
  non_axes = [i for i in range(len(shape)) if i not in dimensions]
  kept_shape = tuple(shape[i] for i in non_axes)
  new_shape = (math.prod(shape[d] for d in dimensions),) + kept_shape
  perm = tuple(dimensions) + tuple(non_axes)
  xs = [L.reshape(x, new_shape, perm) for x in xs]
  txs = [Zero(ShapedArray(new_shape, t.aval.dtype, t.aval.weak_type)) if type(t) is Zero
         else L.reshape(t, new_shape, perm) for t in txs]
  reducer = lambda *args: core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)
  for _ in range(len(non_axes) + 1):
    reducer = vmap(reducer)

  def tree(*xs):
    while get_aval(xs[0]).shape[0] > 1:
      k = get_aval(xs[0]).shape[0]
      k1 = (k + 1) // 2
      xs1 = [L.slice_in_dim(x, 0, k1) for x in xs]
      xs2 = [L.slice_in_dim(x, k1, None) for x in xs]
      if k - k1 != k1:
        config = [(0, 0, 0)] * len(new_shape)
        config[0] = (0, 1, 0)
        xs2 = [L.pad(x2, i, config) for x2, i in zip(xs2, inits)]
      xs = reducer(*(xs1 + xs2))
    if get_aval(xs[0]).shape[0] == 0:
      return [L.full(kept_shape, i) for i in inits]
    return [L.squeeze(x, (0,)) for x in xs]
  return ad.jvp_flat(tree, xs, txs)


def _reduce_batch(vals, dims, *, computation, jaxpr, dimensions):
  n = len(vals) // 2
  if any(d is not None for d in dims[n:]):
    raise NotImplementedError("reduce batching is not implemented for batched initial values")
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  ops = [batching.bdim_at_front(v, d, size) for v, d in zip(vals[:n], dims[:n])]
  return reduce_p.bind(*ops, *vals[n:], computation=computation, jaxpr=jaxpr,
                       dimensions=tuple(d + 1 for d in dimensions)), [0] * n


reduce_p.jvp = _reduce_jvp
reduce_p.batch = _reduce_batch


# ----------------------------------------------------------------------------------------------
# reduce_precision
# ----------------------------------------------------------------------------------------------
_FLOAT_BITS = {np.dtype(np.float16): (5, 10, np.uint16), np.dtype(np.float32): (8, 23, np.uint32),
               np.dtype(np.float64): (11, 52, np.uint64)}
if dtypes.bfloat16 is not None:
  _FLOAT_BITS[dtypes.bfloat16] = (8, 7, np.uint16)


def _reduce_precision_impl(x, *, exponent_bits, mantissa_bits):
  """XLA's ReducePrecision: round the mantissa to nearest even, then flush values whose
  exponent does not fit to signed zero (denormals included) or signed infinity; NaNs are
  returned unchanged."""
  x = np.asarray(x)
  nexp, nmant, U = _FLOAT_BITS[x.dtype]
  nbits = 8 * x.dtype.itemsize
  flat = x.reshape(-1)
  bits = flat.view(U)
  exp_mask = U(((1 << nexp) - 1) << nmant)
  sign_mask = U(1 << (nbits - 1))
  is_nan = (bits & ~sign_mask) > exp_mask
  if mantissa_bits < nmant:
    shift = nmant - mantissa_bits
    last_bit = (bits >> U(shift)) & U(1)
    bits = (bits + last_bit + U((1 << (shift - 1)) - 1)) & U(((1 << nbits) - 1) ^
                                                           ((1 << shift) - 1))
  if exponent_bits < nexp:
    bias = (1 << (nexp - 1)) - 1
    reduced_bias = (1 << (exponent_bits - 1)) - 1
    exponent = bits & exp_mask
    signed_zero = bits & sign_mask
    bits = np.where(exponent > U((bias + reduced_bias) << nmant), signed_zero | exp_mask, bits)
    bits = np.where(exponent <= U((bias - reduced_bias) << nmant), signed_zero, bits)
  out = np.asarray(bits, U).view(x.dtype)
  out = np.where(is_nan, flat, out)  # NaNs pass through unchanged (as XLA:CPU does)
  return out.astype(x.dtype, copy=False).reshape(x.shape)


def _reduce_precision_aval(x, *, exponent_bits, mantissa_bits):
  _check_precision_bits(exponent_bits, mantissa_bits)
  if not floating(x.dtype):
    raise TypeError(f"reduce_precision does not accept dtype {x.dtype.name}. Accepted dtypes "
                    "are subtypes of floating.")
  return ShapedArray(x.shape, x.dtype, x.weak_type)


def _check_precision_bits(exponent_bits, mantissa_bits):
  if exponent_bits < 1:
    raise ValueError(f"reduce_precision: exponent_bits must be positive; got {exponent_bits}")
  if mantissa_bits < 0:
    raise ValueError(f"reduce_precision: mantissa_bits must be non-negative; got "
                     f"{mantissa_bits}")


reduce_precision_p = primitive("reduce_precision", _reduce_precision_impl,
                               _reduce_precision_aval)
deflinear(reduce_precision_p, lambda ct, x, **params: [
    Zero(x.aval) if type(ct) is Zero else reduce_precision_p.bind(ct, **params)])
batch_unary(reduce_precision_p)


# ----------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------
def _int_tuple(v, what: str) -> tuple:
  if isinstance(v, (str, bytes)) or not hasattr(v, "__iter__"):
    raise TypeError(f"reduce_window {what} must be of type tuple/list/ndarray, got "
                    f"{type(v)}.")
  try:
    return tuple(operator.index(d) for d in v)
  except TypeError:
    raise TypeError(f"reduce_window {what} must have every element be an integer type, got "
                    f"{tuple(map(type, v))}.") from None


def _padding_pairs(padding) -> tuple:
  try:
    pairs = tuple(tuple(operator.index(p) for p in pair) for pair in padding)
  except TypeError:
    raise TypeError(f"reduce_window padding must be 'VALID', 'SAME', 'SAME_LOWER' or a "
                    f"sequence of (low, high) integer pairs, got {padding!r}.") from None
  if any(len(p) != 2 for p in pairs):
    raise TypeError(f"reduce_window padding must be a sequence of (low, high) integer pairs, "
                    f"got {padding!r}.")
  return pairs


def _is_identity(init, identity: Callable) -> bool:
  val = core.concrete_value(init)
  if val is None or np.shape(val) != ():
    return False
  dtype = get_aval(init).dtype
  try:
    return bool(np.equal(val, identity(dtype)))
  except ValueError:
    return False


def _monoid_window_prim(computation, flat_inits):
  if len(flat_inits) != 1:
    return None
  init, = flat_inits
  if computation is L.add:
    return reduce_window_sum_p if _is_identity(init, lambda dt: np.zeros((), dt)) else None
  if computation is L.max:
    return reduce_window_max_p if _is_identity(init, _max_identity) else None
  if computation is L.min:
    return reduce_window_min_p if _is_identity(init, _min_identity) else None
  return None


def reduce_window(operand: Any, init_value: Any, computation: Callable,
                  window_dimensions: Sequence[int], window_strides: Sequence[int] | None = None,
                  padding: str | Sequence[tuple[int, int]] = "VALID",
                  base_dilation: Sequence[int] | None = None,
                  window_dilation: Sequence[int] | None = None) -> Any:
  """Reduce each (padded, dilated, strided) window of `operand` with `computation`.

  `operand` and `init_value` are matching pytrees of arrays and scalars. With `lax.add`,
  `lax.max` or `lax.min` and the identity as `init_value` this is `reduce_window_sum/max/min`.

      >>> lax.reduce_window(jnp.arange(5.), -jnp.inf, lax.max, (2,), (1,), 'SAME')
      Array([1., 2., 3., 4., 4.], dtype=float32)
  """
  flat_ops, tree = tu.tree_flatten(operand)
  flat_inits, init_tree = tu.tree_flatten(init_value)
  if tree != init_tree:
    raise ValueError(f"Operands must have the same tree structure as init_values: {tree} vs. "
                     f"{init_tree}")
  if len(flat_ops) != len(flat_inits):
    raise ValueError(f"Must have same total number of operands as init_values:  "
                     f"{len(flat_ops)} vs. {len(flat_inits)}")
  if not flat_ops:
    raise ValueError("reduce_window must have at least one operand.")
  if not callable(computation):
    raise TypeError(f"reduce_window computation must be callable, got {computation!r}.")
  flat_ops = [L.asarray(x) for x in flat_ops]
  window_dimensions = _int_tuple(window_dimensions, "window_dimensions")
  nd = len(window_dimensions)
  window_strides = (1,) * nd if window_strides is None else _int_tuple(window_strides,
                                                                       "window_strides")
  base_dilation = (1,) * nd if base_dilation is None else _int_tuple(base_dilation,
                                                                     "base_dilation")
  window_dilation = (1,) * nd if window_dilation is None else _int_tuple(window_dilation,
                                                                         "window_dilation")
  shape = get_aval(flat_ops[0]).shape
  if isinstance(padding, str) or hasattr(padding, "name"):
    _check_shapelike("reduce_window", "window_dimensions", window_dimensions, non_zero=True)
    _check_shapelike("reduce_window", "window_strides", window_strides, non_zero=True)
    if len(shape) != nd or len(window_strides) != nd:
      _window_shape(shape, window_dimensions, window_strides, ((0, 0),) * nd, base_dilation,
                    window_dilation)  # raises JAX's error for the mismatch
    padding = tuple(padtype_to_pads(shape, _dilate_shape(window_dimensions, window_dilation),
                                    window_strides, padding))
  else:
    padding = _padding_pairs(padding)
  params = dict(window_dimensions=window_dimensions, window_strides=window_strides,
                padding=padding, base_dilation=base_dilation, window_dilation=window_dilation)
  prim = _monoid_window_prim(computation, flat_inits)
  if prim is not None:
    x, = flat_ops
    prim.abstract_eval(get_aval(x), **params)  # eagerly, the rule runs once per dtype only
    return tu.tree_unflatten(tree, [prim.bind(x, **params)])
  flat_inits = [L.asarray(i) for i in flat_inits]
  init_avals = [get_aval(i) for i in flat_inits]
  jaxpr, consts, out_tree = _trace_computation(computation, init_tree, init_avals,
                                               "reduce_window")
  if out_tree != tree:
    raise ValueError(f"reduce_window output must have the same tree structure as the operands "
                     f"{tree} vs. {out_tree}")
  _rw_aval(*[get_aval(x) for x in flat_ops], *init_avals, jaxpr=jaxpr, consts=consts, **params)
  _check_computation_outs(jaxpr, init_avals, "reduce_window")
  outs = reduce_window_p.bind(*flat_ops, *flat_inits, jaxpr=jaxpr, consts=consts, **params)
  return tu.tree_unflatten(out_tree, outs)


def _monoid_reduce_prim(computation, flat_inits):
  if len(flat_inits) != 1:
    return None
  init, = flat_inits
  dtype = get_aval(init).dtype
  intlike = dtype == np.bool_ or dtype.kind in "iu"
  if computation is L.add:
    return _red.reduce_sum_p if _is_identity(init, lambda dt: np.zeros((), dt)) else None
  if computation is L.mul:
    return _red.reduce_prod_p if _is_identity(init, lambda dt: np.ones((), dt)) else None
  if computation is L.bitwise_or and intlike:
    return _red.reduce_or_p if _is_identity(init, lambda dt: np.zeros((), dt)) else None
  if computation is L.bitwise_and and intlike:
    return _red.reduce_and_p if _is_identity(
        init, lambda dt: np.array(-1).astype(dt)) else None
  if computation is L.max:
    return _red.reduce_max_p if _is_identity(init, _max_identity) else None
  if computation is L.min:
    return _red.reduce_min_p if _is_identity(init, _min_identity) else None
  return None


def reduce(operands: Any, init_values: Any, computation: Callable[[Any, Any], Any],
           dimensions: Sequence[int], out_sharding=None) -> Any:
  """Reduce `operands` (a pytree of arrays) over `dimensions` with `computation`, starting from
  `init_values` (matching scalars). Monoids (`lax.add` with 0, `lax.mul` with 1, `lax.max`,
  `lax.min`, `lax.bitwise_and`/`bitwise_or` with their identities) bind `reduce_sum` etc.

      >>> lax.reduce(jnp.arange(6.).reshape(2, 3), 0., lax.add, (1,))
      Array([ 3., 12.], dtype=float32)
  """
  flat_ops, tree = tu.tree_flatten(operands)
  flat_inits, init_tree = tu.tree_flatten(init_values)
  if tree != init_tree:
    raise ValueError(f"Operands must have the same tree structure as init_values: {tree} vs. "
                     f"{init_tree}")
  if len(flat_ops) != len(flat_inits):
    raise ValueError(f"Must have same total number of operands as init_values:  "
                     f"{len(flat_ops)} vs. {len(flat_inits)}")
  if not callable(computation):
    raise TypeError(f"reduce computation must be callable, got {computation!r}.")
  try:
    dimensions = tuple(operator.index(d) for d in dimensions)
  except TypeError:
    raise TypeError(f"reduce dimensions must be a sequence of integers, got "
                    f"{dimensions!r}.") from None
  flat_ops = [L.asarray(x) for x in flat_ops]
  prim = _monoid_reduce_prim(computation, flat_inits)
  if prim is not None:
    x, = flat_ops
    _reduction_axes(get_aval(x), dimensions)
    weak = all(get_aval(o).weak_type for o in flat_ops) and all(
        get_aval(L.asarray(i)).weak_type for i in flat_inits)
    out = prim.bind(x, axes=dimensions, out_sharding=None)
    return L.convert_element_type(out, get_aval(out).dtype, weak)
  flat_inits = [L.asarray(i) for i in flat_inits]
  init_avals = [get_aval(i) for i in flat_inits]
  jaxpr, consts, out_tree = _trace_computation(computation, init_tree, init_avals, "reduce")
  _reduce_aval(*[get_aval(x) for x in flat_ops], *init_avals, computation=computation,
               jaxpr=None, dimensions=dimensions)
  _check_computation_outs(jaxpr, init_avals, "reduce")
  closed = ClosedJaxpr(jaxpr, list(consts))
  outs = reduce_p.bind(*flat_ops, *flat_inits, computation=computation, jaxpr=closed,
                       dimensions=dimensions)
  return tu.tree_unflatten(out_tree, outs)


def reduce_precision(operand, exponent_bits: int, mantissa_bits: int):
  """Round `operand` to a float format with the given exponent and mantissa bits (XLA's
  ReducePrecision: round to nearest even, overflow to inf, underflow to zero).

      >>> lax.reduce_precision(jnp.float32(1.0009765625), 5, 2)
      Array(1., dtype=float32)
  """
  exponent_bits = operator.index(exponent_bits)
  mantissa_bits = operator.index(mantissa_bits)
  _check_precision_bits(exponent_bits, mantissa_bits)
  x = L.asarray(operand)
  _reduce_precision_aval(get_aval(x), exponent_bits=exponent_bits,
                         mantissa_bits=mantissa_bits)
  return reduce_precision_p.bind(x, exponent_bits=exponent_bits, mantissa_bits=mantissa_bits)


def _slice_in_dim(x, start: int, limit: int | None, stride: int, axis: int):
  """lax.slice_in_dim binding explicit strides (JAX's jaxprs print `strides=(1,)`)."""
  shape = get_aval(x).shape
  n = shape[axis]
  limit = n if limit is None else (limit + n if limit < 0 else limit)
  starts = [0] * len(shape)
  limits = list(shape)
  strides = [1] * len(shape)
  starts[axis], limits[axis], strides[axis] = start, limit, stride
  return _st.slice_p.bind(x, start_indices=tuple(starts), limit_indices=tuple(limits),
                          strides=tuple(strides))


def _interleave(a, b, axis: int):
  """a[0], b[0], a[1], b[1], ... along `axis` (len(a) is len(b) or len(b) + 1)."""
  na, nb = get_aval(a).shape[axis], get_aval(b).shape[axis]
  nd = get_aval(a).ndim
  a_pad = [(0, 0, 0)] * nd
  b_pad = [(0, 0, 0)] * nd
  a_pad[axis] = (0, 1 if na == nb else 0, 1)
  b_pad[axis] = (1, 0 if na == nb else 1, 1)
  op = L.bitwise_or if get_aval(a).dtype == np.bool_ else L.add
  return op(L.pad(a, L._strong_zero(a), a_pad), L.pad(b, L._strong_zero(b), b_pad))


def associative_scan(fn: Callable, elems, reverse: bool = False, axis: int = 0):
  """Inclusive scan with the associative `fn` in O(log n) depth (Blelloch's parallel prefix),
  over a pytree of arrays along `axis`; built from lax ops, so it differentiates, vmaps and
  jits like any lax code.

      >>> lax.associative_scan(jnp.add, jnp.arange(4), reverse=True)
      Array([6, 6, 5, 3], dtype=int32)
  """
  if not callable(fn):
    raise TypeError("lax.associative_scan: fn argument should be callable.")
  elems_flat, tree = tu.tree_flatten(elems)
  if not elems_flat:
    raise ValueError("lax.associative_scan: elems must contain at least one array.")
  elems_flat = [L.asarray(e) for e in elems_flat]
  axis = canonical_axis(axis, get_aval(elems_flat[0]).ndim)
  if reverse:
    elems_flat = [L.rev(e, (axis,)) for e in elems_flat]
  num_elems = get_aval(elems_flat[0]).shape[axis]
  if not all(get_aval(e).ndim > axis and get_aval(e).shape[axis] == num_elems
             for e in elems_flat[1:]):
    raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                     f"(saw: {[get_aval(e).shape for e in elems_flat]})")

  def combine(a_flat, b_flat):
    c = fn(tu.tree_unflatten(tree, a_flat), tu.tree_unflatten(tree, b_flat))
    return tu.tree_leaves(c)

  def scan(elems):
    n = get_aval(elems[0]).shape[axis]
    if n < 2:
      return elems
    reduced = combine([_slice_in_dim(e, 0, -1, 2, axis) for e in elems],
                      [_slice_in_dim(e, 1, None, 2, axis) for e in elems])
    odd = scan(reduced)
    if n % 2 == 0:
      even = combine([_slice_in_dim(e, 0, -1, 1, axis) for e in odd],
                     [_slice_in_dim(e, 2, None, 2, axis) for e in elems])
    else:
      even = combine(odd, [_slice_in_dim(e, 2, None, 2, axis) for e in elems])
    even = [L.concatenate([_slice_in_dim(e, 0, 1, 1, axis), r], axis)
            for e, r in zip(elems, even)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd)]

  scans = scan(elems_flat)
  if reverse:
    scans = [L.rev(s, (axis,)) for s in scans]
  return tu.tree_unflatten(tree, scans)
