"""More of `jax.lax`: the public functions JAX 0.10.2 has that the other lax modules do not.

New primitives, one block each (declaration, shape rule, JVP, transpose, batching), named and
parameterised as JAX stages them: `split`, `stack`, `unstack`, `tile`, `clz`, `mulhi`,
`reduce_xor`, `optimization_barrier`, `empty`, `sharding_constraint`, and `stage` (which, as in
JAX, never shows in a jaxpr: it lifts a value into the current trace). The rest compose
existing primitives where JAX does (`reciprocal`, `collapse`, `batch_matmul`, `index_take`,
`broadcast_to_rank`, `broadcast_like`, `random_gamma_grad`) or are plain Python
(`broadcast_shapes`, `dtype`). The special functions (`igamma`, `zeta`, `betainc`, ...) bind the
primitives numjax.scipy.special declares; that module loads on their first call.

    >>> lax.split(jnp.arange(5), (2, 3))
    [Array([0, 1], dtype=int32), Array([2, 3, 4], dtype=int32)]
"""
from __future__ import annotations

import builtins
import math
import operator
import warnings
from typing import Any, Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ShapedArray, Tracer, get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.parallel import (  # noqa: F401  (exported with the functions below)
    all_gather_p, all_to_all, all_to_all_p, axis_index_p, pmax_p, pmin_p, ppermute, ppermute_p,
    pshuffle, psum_p, psum_scatter, pswapaxes)
from numjax._src.lax.base import (batch_elementwise, canonical_axis, canonical_shape,
                                  def_zero_jvp, deflinear, elementwise_aval, index_arg, integral,
                                  never_weak, primitive)

__all__ = [
    "all_gather_p", "all_to_all", "all_to_all_p", "axis_index_p", "pmax_p", "pmin_p", "ppermute",
    "ppermute_p", "pshuffle", "psum_p", "psum_scatter", "pswapaxes",
    "batch_matmul", "betainc", "bessel_i0e", "bessel_i1e", "broadcast_like", "broadcast_shapes",
    "broadcast_to_rank", "clz", "clz_p", "collapse", "dtype", "empty", "empty_p", "igamma",
    "igamma_grad_a", "igammac", "index_take", "mulhi", "mulhi_p", "optimization_barrier",
    "optimization_barrier_p", "random_gamma_grad", "reciprocal", "reduce_xor", "reduce_xor_p",
    "sharding_constraint_p", "split", "split_p", "stack", "stack_p", "stage", "stage_p", "tile",
    "tile_p", "unstack", "unstack_p", "with_sharding_constraint", "zeta",
]


def _checked_bind(prim, args, params):
  """Bind after running prim's shape rule on `args`: eager evaluation runs the rule only once
  per (primitive, dtypes), and NumPy would accept some operands lax rejects."""
  prim.abstract_eval(*[get_aval(a) for a in args], **params)
  return prim.bind(*args, **params)


def _keep_weak(args, params):
  return getattr(args[0], "weak_type", False)


def _instantiate(ts):
  return [ad.instantiate_zeros(t) for t in ts]


def _linear_multi_jvp(prim):
  """JVP of a primitive with several results that is linear in its (only) operand."""
  def jvp(primals, tangents, **params):
    outs = prim.bind(*primals, **params)
    if all(type(t) is Zero for t in tangents):
      return outs, [Zero.from_primal_value(o) for o in outs]
    return outs, prim.bind(*_instantiate(tangents), **params)
  prim.jvp = jvp


# ----------------------------------------------------------------------------------------------
# JAX's n-ary op checks (dtype per position, then equal dtypes, then broadcastable shapes)
# ----------------------------------------------------------------------------------------------
def _check_naryop(name: str, avals, kinds: str, accepted: str) -> None:
  for i, a in enumerate(avals):
    if a.dtype.kind not in kinds:
      raise TypeError(f"{name} does not accept dtype {a.dtype.name} at position {i}. "
                      f"Accepted dtypes at position {i} are {accepted}.")
  if any(a.dtype != avals[0].dtype for a in avals[1:]):
    raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got "
                    f"{', '.join(a.dtype.name for a in avals)}.")
  _broadcasting_shape(name, [a.shape for a in avals])


def _broadcasting_shape(name: str, shapes) -> tuple:
  shapes = [s for s in shapes if s]
  if not shapes:
    return ()
  ranks = {len(s) for s in shapes}
  if len(ranks) != 1:
    raise TypeError(f"{name}: arrays must have the same number of dimensions, got {ranks}")
  out = []
  for ds in zip(*shapes):
    non1 = {d for d in ds if d != 1}
    if len(non1) > 1:
      raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                      f"{', '.join(map(str, map(tuple, shapes)))}.")
    out.append(non1.pop() if non1 else 1)
  return tuple(out)


def _nary_args(name: str, args, kinds: str, accepted: str) -> list:
  args = L._args(*args)
  _check_naryop(name, [get_aval(a) for a in args], kinds, accepted)
  return args


# ----------------------------------------------------------------------------------------------
# Special functions: the primitives live in numjax/_src/scipy/special.py (loaded on first use)
# ----------------------------------------------------------------------------------------------
def _special():
  from numjax._src.scipy import special
  return special


_FLOATING = "subtypes of floating"


def igamma(a, x):
  """Elementwise regularized lower incomplete gamma function P(a, x)."""
  return _special().igamma_p.bind(*_nary_args("igamma", (a, x), "f", _FLOATING))


def igammac(a, x):
  """Elementwise regularized upper incomplete gamma function Q(a, x) = 1 - P(a, x)."""
  return _special().igammac_p.bind(*_nary_args("igammac", (a, x), "f", _FLOATING))


def igamma_grad_a(a, x):
  """Elementwise derivative of `igamma(a, x)` with respect to `a`."""
  return _special().igamma_grad_a_p.bind(*_nary_args("igamma_grad_a", (a, x), "f", _FLOATING))


def zeta(x, q):
  """Elementwise Hurwitz zeta function zeta(x, q)."""
  return _special().zeta_p.bind(*_nary_args("zeta", (x, q), "f", _FLOATING))


def betainc(a, b, x):
  """Elementwise regularized incomplete beta integral I_x(a, b)."""
  return _special().regularized_incomplete_beta_p.bind(
      *_nary_args("regularized_incomplete_beta", (a, b, x), "f", _FLOATING))


def bessel_i0e(x):
  """Exponentially scaled modified Bessel function of order 0: exp(-|x|) I0(x)."""
  return _special().bessel_i0e_p.bind(L.asarray(x))


def bessel_i1e(x):
  """Exponentially scaled modified Bessel function of order 1: exp(-|x|) I1(x)."""
  return _special().bessel_i1e_p.bind(L.asarray(x))


def random_gamma_grad(a, x):
  """Elementwise derivative of samples from Gamma(a, 1) with respect to `a`, at the sample `x`.

  As in JAX, `a` and `x` must be arrays; they are broadcast to a common shape (each operand's
  axes aligned with the leading axes of the result), and float16/bfloat16 are computed in
  float32."""
  from numjax._src.random import random_gamma_grad_p
  a, x = L.asarray(a), L.asarray(x)
  shape = broadcast_shapes(*(get_aval(v).shape for v in (a, x)))
  args = [L.broadcast_in_dim(v, shape, tuple(range(np.ndim(v)))) for v in (a, x)]
  a_dtype = get_aval(args[0]).dtype
  upcast = a_dtype == dtypes.float16 or (dtypes.bfloat16 is not None and a_dtype == dtypes.bfloat16)
  if upcast:
    args = [L.convert_element_type(v, dtypes.float32) for v in args]
  out = random_gamma_grad_p.bind(*args)
  return L.convert_element_type(out, a_dtype) if upcast else out


def reciprocal(x):
  """Elementwise 1 / x (JAX's `integer_pow(x, -1)`)."""
  x = L.asarray(x)
  aval = get_aval(x)
  if aval.dtype.kind in "iub":
    raise TypeError("Integers cannot be raised to negative powers, got "
                    f"integer_pow({'~' if aval.weak_type else ''}{aval}, -1)")
  return L.integer_pow(x, -1)


# ----------------------------------------------------------------------------------------------
# clz: count leading zeros
# ----------------------------------------------------------------------------------------------
def _clz_impl(x):
  x = np.asarray(x)
  bits = 8 * x.dtype.itemsize
  u = np.atleast_1d(x).view(np.dtype(f"u{x.dtype.itemsize}"))
  n = np.zeros(u.shape, np.int64)
  s = bits // 2
  while s:
    top_zero = (u >> (bits - s)) == 0
    n += np.where(top_zero, s, 0)
    u = np.where(top_zero, u << s, u).astype(u.dtype)
    s //= 2
  n += u == 0
  out = n.astype(x.dtype).reshape(x.shape)
  return out if out.ndim else out[()]


clz_p = primitive("clz", _clz_impl, elementwise_aval("clz", integral))
batch_elementwise(clz_p)
def_zero_jvp(clz_p)


def clz(x):
  """Elementwise count of leading zero bits of integers (of their two's complement)."""
  return clz_p.bind(L.asarray(x))


# ----------------------------------------------------------------------------------------------
# mulhi: the high half of the double-width product
# ----------------------------------------------------------------------------------------------
def _mulhi_impl(x, y):
  x, y = np.asarray(x), np.asarray(y)
  dt = x.dtype
  bits = 8 * dt.itemsize
  with np.errstate(over="ignore"):
    if bits <= 32:
      wide = np.int64 if dt.kind == "i" else np.uint64
      out = ((x.astype(wide) * y.astype(wide)) >> bits).astype(dt)
    else:  # 64-bit: schoolbook on 32-bit halves of the unsigned values, then the sign fix
      ux, uy = x.view(np.uint64), y.view(np.uint64)
      lo_mask, s32 = np.uint64(0xFFFFFFFF), np.uint64(32)
      xl, xh, yl, yh = ux & lo_mask, ux >> s32, uy & lo_mask, uy >> s32
      ll, lh, hl, hh = xl * yl, xl * yh, xh * yl, xh * yh
      cross = (ll >> s32) + (lh & lo_mask) + (hl & lo_mask)
      hi = hh + (lh >> s32) + (hl >> s32) + (cross >> s32)
      if dt.kind == "i":
        hi = hi - np.where(x < 0, uy, np.uint64(0)) - np.where(y < 0, ux, np.uint64(0))
      out = np.asarray(hi, np.uint64).view(dt).reshape(np.broadcast_shapes(x.shape, y.shape))
  return out if out.ndim else out[()]


def _mulhi_aval(x, y):
  _check_naryop("mulhi", (x, y), "iu", "subtypes of integer")
  return ShapedArray(_broadcasting_shape("mulhi", (x.shape, y.shape)), x.dtype,
                     x.weak_type and y.weak_type)


mulhi_p = primitive("mulhi", _mulhi_impl, _mulhi_aval)
batch_elementwise(mulhi_p)
def_zero_jvp(mulhi_p)


def mulhi(x, y, /):
  """Elementwise multiply-high: the upper N bits of the 2N-bit product of N-bit integers."""
  return _checked_bind(mulhi_p, L._args(x, y), {})


# ----------------------------------------------------------------------------------------------
# reduce_xor
# ----------------------------------------------------------------------------------------------
def _reduce_xor_impl(x, *, axes):
  x = np.asarray(x)
  f = np.logical_xor if x.dtype == np.bool_ else np.bitwise_xor
  out = f.reduce(x, axis=tuple(axes)) if axes else x.copy()
  return np.asarray(out, x.dtype) if np.ndim(out) else np.asarray(out, x.dtype)[()]


def _reduce_xor_aval(x, *, axes):
  if x.dtype != np.bool_ and x.dtype.kind not in "iu":
    raise TypeError(f"logical reduction requires operand dtype bool or int, got {x.dtype}.")
  for a in axes:
    if not 0 <= a < x.ndim:
      raise ValueError(f"reduction axes {tuple(axes)} contains out-of-bounds indices for {x}.")
  if len(set(axes)) != len(axes):
    raise ValueError(f"duplicate value in 'axes' of reduction: {tuple(axes)}")
  return ShapedArray(tuple(s for i, s in enumerate(x.shape) if i not in axes), x.dtype)


reduce_xor_p = primitive("reduce_xor", _reduce_xor_impl, _reduce_xor_aval,
                         weak_type_rule=never_weak)
def_zero_jvp(reduce_xor_p)


def _reduce_xor_batch(vals, dims, *, axes):
  x = batching.moveaxis(vals[0], dims[0], 0)
  return reduce_xor_p.bind(x, axes=tuple(a + 1 for a in axes)), 0


reduce_xor_p.batch = _reduce_xor_batch


def reduce_xor(operand, axes: Sequence[int]):
  """Bitwise XOR (logical XOR for bool) of the elements over `axes`."""
  return _checked_bind(reduce_xor_p, (L.asarray(operand),),
                       dict(axes=canonical_shape(axes, "reduce_xor axes")))


# ----------------------------------------------------------------------------------------------
# split
# ----------------------------------------------------------------------------------------------
def _split_impl(x, *, sizes, axis):
  return np.split(np.asarray(x), np.cumsum(sizes)[:-1], axis=axis)


def _split_aval(x, *, sizes, axis):
  if any(s < 0 for s in sizes):
    raise ValueError(f"Sizes passed to split must be nonnegative, got {list(sizes)}")
  if x.shape[axis] != sum(sizes):
    raise ValueError(f"Sum of sizes {sum(sizes)} must be equal to dimension {axis} of the "
                     f"operand shape {list(x.shape)}")
  shape = list(x.shape)
  out = []
  for s in sizes:
    shape[axis] = s
    out.append(ShapedArray(tuple(shape), x.dtype, x.weak_type))
  return out


split_p = primitive("split", _split_impl, _split_aval, multiple_results=True,
                    weak_type_rule=_keep_weak)
_linear_multi_jvp(split_p)


def _split_transpose(cts, x, *, sizes, axis):
  if all(type(ct) is Zero for ct in cts):
    return [Zero(x.aval)]
  return [L.concatenate(_instantiate(cts), axis)]


def _split_batch(vals, dims, *, sizes, axis):
  (x,), (d,) = vals, dims
  outs = split_p.bind(x, sizes=sizes, axis=axis + 1 if axis >= d else axis)
  return outs, [d] * len(sizes)


split_p.transpose = _split_transpose
split_p.batch = _split_batch


def split(operand, sizes: Sequence[int], axis: int = 0) -> list:
  """Split `operand` along `axis` into pieces of the given `sizes` (which must sum to its
  size): `lax.split(jnp.arange(5), (2, 3))` is `[Array([0, 1]), Array([2, 3, 4])]`."""
  operand = L.asarray(operand)
  sizes = canonical_shape(sizes, "split sizes")
  return _checked_bind(split_p, (operand,),
                       dict(sizes=sizes, axis=canonical_axis(axis, get_aval(operand).ndim)))


# ----------------------------------------------------------------------------------------------
# stack / unstack
# ----------------------------------------------------------------------------------------------
def _stack_aval(*xs, axis):
  if not xs:
    raise ValueError("stack expects at least one operand, got 0.")
  if len({x.ndim for x in xs}) != 1:
    raise ValueError("Cannot stack arrays with different numbers of dimensions: got "
                     f"{', '.join(str(x.shape) for x in xs)}.")
  if len({x.shape for x in xs}) != 1:
    raise ValueError("All input arrays must have the same shape. Got "
                     f"{', '.join(str(x.shape) for x in xs)}.")
  if len({x.dtype for x in xs}) != 1:
    raise TypeError("lax.stack requires arguments to have the same dtypes, got "
                    f"{', '.join(x.dtype.name for x in xs)}.")
  shape = list(xs[0].shape)
  shape.insert(axis, len(xs))
  return ShapedArray(tuple(shape), xs[0].dtype, all(x.weak_type for x in xs))


stack_p = primitive("stack", lambda *xs, axis: np.stack(xs, axis=axis), _stack_aval)


def _stack_transpose(ct, *xs, axis):
  if type(ct) is Zero:
    return [Zero(x.aval) if is_undefined_primal(x) else None for x in xs]
  return unstack_p.bind(ct, axis=axis)


def _stack_batch(vals, dims, *, axis):
  d0 = dims[0]
  if d0 is not None and all(d == d0 for d in dims):
    out_axis, out_d = (axis, d0 + 1) if axis <= d0 else (axis + 1, d0)
    return stack_p.bind(*vals, axis=out_axis), out_d
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  vals = [batching.matchaxis(v, d, 0, size) for v, d in zip(vals, dims)]
  return stack_p.bind(*vals, axis=axis + 1), 0


deflinear(stack_p, _stack_transpose)
stack_p.batch = _stack_batch


def stack(operands: Sequence, axis: int = 0):
  """Join equally shaped arrays along a new axis `axis`."""
  if not isinstance(operands, (list, tuple)) or not operands:
    raise TypeError(f"lax.stack requires a non-empty sequence of arrays, got {operands!r}.")
  arrays = [L.asarray(x) for x in operands]
  axis = canonical_axis(axis, get_aval(arrays[0]).ndim + 1)
  return _checked_bind(stack_p, arrays, dict(axis=axis))


def _unstack_impl(x, *, axis):
  x = np.asarray(x)
  return [x[(slice(None),) * axis + (i,)] for i in range(x.shape[axis])]


def _unstack_aval(x, *, axis):
  if x.ndim == 0:
    raise ValueError("unstack requires arrays with rank > 0, however a scalar array of shape "
                     f"{x.shape} was passed.")
  shape = list(x.shape)
  n = shape.pop(axis)
  return [ShapedArray(tuple(shape), x.dtype, x.weak_type) for _ in range(n)]


unstack_p = primitive("unstack", _unstack_impl, _unstack_aval, multiple_results=True,
                      weak_type_rule=_keep_weak)
_linear_multi_jvp(unstack_p)


def _unstack_transpose(cts, x, *, axis):
  if all(type(ct) is Zero for ct in cts):
    return [Zero(x.aval)]
  return [stack_p.bind(*_instantiate(cts), axis=axis)]


def _unstack_batch(vals, dims, *, axis):
  (x,), (d,) = vals, dims
  out_axis, out_d = (axis, d - 1) if axis < d else (axis + 1, d)
  outs = unstack_p.bind(x, axis=out_axis)
  return outs, [out_d] * len(outs)


unstack_p.transpose = _unstack_transpose
unstack_p.batch = _unstack_batch


def unstack(x, axis: int = 0) -> tuple:
  """The slices of `x` along `axis`, as a tuple."""
  x = L.asarray(x)
  return tuple(unstack_p.bind(x, axis=canonical_axis(axis, get_aval(x).ndim)))


# ----------------------------------------------------------------------------------------------
# tile
# ----------------------------------------------------------------------------------------------
def _tile_aval(x, *, reps):
  if x.ndim != len(reps):
    raise TypeError(f"reps length must be equal to the ndim of x, got len(reps)={len(reps)} "
                    f"and x.ndim={x.ndim}.")
  if any(r < 0 for r in reps):
    raise ValueError(f"tile reps must be nonnegative, got reps={tuple(reps)}.")
  return ShapedArray(tuple(s * r for s, r in zip(x.shape, reps)), x.dtype, x.weak_type)


tile_p = primitive("tile", lambda x, *, reps: np.tile(x, reps), _tile_aval,
                   weak_type_rule=_keep_weak)


def _tile_transpose(ct, x, *, reps):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval)]
  split_shape = tuple(k for pair in zip(reps, aval.shape) for k in pair)
  return [L.reduce_sum(L.reshape(ct, split_shape), tuple(range(0, 2 * aval.ndim, 2)))]


def _tile_batch(vals, dims, *, reps):
  (x,), (d,) = vals, dims
  reps = list(reps)
  reps.insert(d, 1)
  return tile_p.bind(x, reps=tuple(reps)), d


deflinear(tile_p, _tile_transpose)
tile_p.batch = _tile_batch


def tile(operand, reps: Sequence[int]):
  """Repeat `operand` `reps[i]` times along each axis i (len(reps) == operand.ndim)."""
  return _checked_bind(tile_p, (L.asarray(operand),),
                       dict(reps=canonical_shape(reps, "tile reps")))


# ----------------------------------------------------------------------------------------------
# optimization_barrier: the identity on a pytree, kept as one equation
# ----------------------------------------------------------------------------------------------
optimization_barrier_p = primitive(
    "optimization_barrier", lambda *xs: list(xs), lambda *avals: list(avals),
    multiple_results=True,
    weak_type_rule=lambda args, params: [getattr(a, "weak_type", False) for a in args])


def _opt_barrier_jvp(primals, tangents):
  return (optimization_barrier_p.bind(*primals),
          optimization_barrier_p.bind(*_instantiate(tangents)))


optimization_barrier_p.jvp = _opt_barrier_jvp
optimization_barrier_p.transpose = lambda cts, *xs: optimization_barrier_p.bind(
    *_instantiate(cts))
optimization_barrier_p.batch = lambda vals, dims: (optimization_barrier_p.bind(*vals),
                                                   list(dims))


def optimization_barrier(operand, /):
  """The identity on a pytree of arrays; under jit the compiler may not move work across it
  (numjax's optimizer treats it as opaque). `lax.optimization_barrier((x, y))` is `(x, y)`."""
  leaves, treedef = tu.tree_flatten(operand)
  outs = optimization_barrier_p.bind(*[L.asarray(x) for x in leaves])
  return tu.tree_unflatten(treedef, outs)


# ----------------------------------------------------------------------------------------------
# stage: lift a value into the current trace (no equation, as in JAX)
# ----------------------------------------------------------------------------------------------
stage_p = primitive("stage", lambda x: x, lambda x: x)
stage_p.jvp = lambda primals, tangents: (stage_p.bind(*primals), tangents[0])
stage_p.transpose = lambda ct, x: [ct]
batch_elementwise(stage_p)


def _stage_rule(trace, args, params):
  from numjax._src.interpreters.partial_eval import JaxprTracer
  x, = args
  if trace.is_own(x):
    return x
  return JaxprTracer(trace, get_aval(x), trace.getvar(x))


stage_p.stage_rule = _stage_rule


def stage(x, /):
  """Lift `x` (a Python scalar, a NumPy array) into the active trace: the identity, which
  outside any transformation returns an Array. Under `make_jaxpr` a scalar becomes a literal
  and an array a constant of the jaxpr."""
  return stage_p.bind(x if type(x) is Array or isinstance(x, Tracer) else L.asarray(x))


# ----------------------------------------------------------------------------------------------
# empty
# ----------------------------------------------------------------------------------------------
def _empty_shape(shape) -> tuple:
  return (operator.index(shape),) if np.ndim(shape) == 0 else tuple(map(operator.index, shape))


def _empty_aval(*, shape, dtype, out_sharding):
  return ShapedArray(_empty_shape(shape), dtypes.canonicalize_dtype(dtype))


empty_p = primitive(
    "empty", lambda *, shape, dtype, out_sharding: np.zeros(_empty_shape(shape),
                                                           dtypes.canonicalize_dtype(dtype)),
    _empty_aval, weak_type_rule=never_weak)


def _empty_batch(vals, dims, *, shape, dtype, out_sharding, axis_data):
  return empty_p.bind(shape=(axis_data.size, *_empty_shape(shape)), dtype=dtype,
                      out_sharding=out_sharding), 0


_empty_batch.needs_axis_data = True
empty_p.batch = _empty_batch


def empty(shape, dtype, *, out_sharding=None):
  """An array of `shape` and `dtype` whose values are unspecified (numjax: zeros)."""
  if isinstance(shape, list):
    shape = tuple(shape)
  return empty_p.bind(shape=shape, dtype=dtype, out_sharding=out_sharding)


# ----------------------------------------------------------------------------------------------
# with_sharding_constraint: the identity on one device, staged as JAX stages it
# ----------------------------------------------------------------------------------------------
class _ContextMesh:
  """The (empty) mesh a sharding constraint is recorded under on a single device."""
  __slots__ = ()

  def __repr__(self):
    return "Mesh()"

  def __eq__(self, other):
    return type(other) is _ContextMesh

  def __hash__(self):
    return hash(_ContextMesh)


_CONTEXT_MESH = _ContextMesh()

sharding_constraint_p = primitive(
    "sharding_constraint", lambda x, **params: x,
    lambda x, *, sharding, layout, context_mesh, unconstrained_dims: x,
    weak_type_rule=_keep_weak)
sharding_constraint_p.jvp = lambda primals, tangents, **params: (
    sharding_constraint_p.bind(*primals, **params),
    tangents[0] if type(tangents[0]) is Zero else sharding_constraint_p.bind(tangents[0],
                                                                            **params))
sharding_constraint_p.transpose = lambda ct, x, **params: [
    ct if type(ct) is Zero else sharding_constraint_p.bind(ct, **params)]
batch_elementwise(sharding_constraint_p)


def with_sharding_constraint(x, shardings):
  """Constrain the sharding of the arrays of the pytree `x`. numjax runs on one device, so
  this is the identity (staged as a `sharding_constraint` equation, as in JAX)."""
  leaves, treedef = tu.tree_flatten(x)
  shard_leaves = tu.tree_leaves(shardings, is_leaf=lambda s: s is None)
  if any(s is None for s in shard_leaves):
    raise ValueError("One of with_sharding_constraint arguments got sharding None which is not "
                     "allowed. Please only pass `jax.sharding.Sharding` instances.")
  if len(shard_leaves) == 1:
    shard_leaves = shard_leaves * len(leaves)
  elif len(shard_leaves) != len(leaves):
    raise ValueError(f"with_sharding_constraint shardings: got {len(shard_leaves)} shardings "
                     f"for a pytree of {len(leaves)} arrays.")
  outs = [sharding_constraint_p.bind(L.asarray(v), sharding=s, layout=None,
                                     context_mesh=_CONTEXT_MESH,
                                     unconstrained_dims=frozenset())
          for v, s in zip(leaves, shard_leaves)]
  return tu.tree_unflatten(treedef, outs)


# ----------------------------------------------------------------------------------------------
# Compositions
# ----------------------------------------------------------------------------------------------
def broadcast_shapes(*shapes):
  """The NumPy broadcast of `shapes`: `lax.broadcast_shapes((3, 1), (1, 4))` is `(3, 4)`.
  ValueError for incompatible shapes."""
  assert shapes, "broadcast_shapes requires at least one shape"
  for shape in shapes:
    canon = L._canonical_shape(shape)
    if not all(d >= 0 for d in canon):
      raise TypeError("Only non-negative indices are allowed when broadcasting static shapes, "
                      f"but got shape {shape!r}.")
  first, *rest = shapes
  if not rest:
    return first
  result = builtins.max(shapes, key=len)
  nd = len(result)
  if nd == 0 or all(tuple(result[nd - len(s):]) == tuple(s) for s in shapes):
    return result
  out = []
  for ds in zip(*[(1,) * (nd - len(s)) + tuple(s) for s in shapes]):
    non1 = {d for d in ds if d != 1}
    if len(non1) > 1:
      raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}")
    out.append(non1.pop() if non1 else 1)
  return tuple(out)


def broadcast_to_rank(x, rank: int):
  """Add leading axes of size 1 to give `x` rank `rank`."""
  rank = index_arg(rank, "broadcast_to_rank rank")
  nd = np.ndim(x) if not (type(x) is Array or isinstance(x, Tracer)) else get_aval(x).ndim
  if nd == rank:
    return L.asarray(x)
  return L.broadcast(x, (1,) * (rank - nd))


def broadcast_like(arr, like_arr):
  """Broadcast `arr` (NumPy-style: leading axes added, size-1 axes stretched) to the shape of
  `like_arr`."""
  shape = tuple(get_aval(like_arr).shape if (type(like_arr) is Array or isinstance(
      like_arr, Tracer)) else np.shape(like_arr))
  arr = L.asarray(arr)
  aval = get_aval(arr)
  if aval.shape == shape:
    return arr
  if len(shape) < aval.ndim:
    raise ValueError("Cannot broadcast to shape with fewer dimensions: "
                     f"arr_shape={aval.shape} shape={shape}")
  nlead = len(shape) - aval.ndim
  if any(d not in (1, t) for d, t in zip(aval.shape, shape[nlead:])):
    raise ValueError(f"Incompatible types for broadcasting: input type={aval} and "
                     f"requested type={aval.update(shape=shape)}")
  return L.broadcast_in_dim(arr, shape, tuple(range(nlead, len(shape))))


def collapse(operand, start_dimension: int, stop_dimension: int | None = None):
  """Merge the axes [start_dimension, stop_dimension) of `operand` into one (row-major)."""
  operand = L.asarray(operand)
  shape = get_aval(operand).shape
  start_dimension = index_arg(start_dimension, "collapse start_dimension")
  if stop_dimension is not None:
    stop_dimension = index_arg(stop_dimension, "collapse stop_dimension")
  lo, hi, _ = builtins.slice(start_dimension, stop_dimension).indices(len(shape))
  if hi < lo:
    raise ValueError(f"Invalid dimension range passed to collapse: {shape}"
                     f"[{start_dimension}:{stop_dimension}]")
  size = math.prod(shape[lo:hi])
  return L.reshape(operand, shape[:lo] + (size,) + shape[hi:])


def batch_matmul(lhs, rhs, precision=None):
  """Matrix product over the last two axes, batched over the leading ones (equal ranks)."""
  lhs, rhs = L.asarray(lhs), L.asarray(rhs)
  ln, rn = get_aval(lhs).ndim, get_aval(rhs).ndim
  if builtins.min(ln, rn) < 2:
    raise ValueError(f"Arguments to batch_matmul must be at least 2D, got {ln}, {rn}")
  if ln != rn:
    raise ValueError(f"Arguments to batch_matmul must have same ndim, got {ln}, {rn}")
  batch = tuple(range(ln - 2))
  return L.dot_general(lhs, rhs, (((ln - 1,), (rn - 2,)), (batch, batch)), precision=precision)


def index_take(src, idxs, axes: Sequence[int]):
  """`src` gathered at the index arrays `idxs` (one per axis in `axes`, wrapped modulo the axis
  size): the result has one leading axis over the indices, then `src`'s other axes."""
  from numjax._src.lax.indexing import GatherDimensionNumbers, gather
  src = L.asarray(src)
  shape = get_aval(src).shape
  indices = L.concatenate([L.expand_dims(i, (1,)) for i in idxs], 1)
  nd = get_aval(indices).ndim
  max_idx = L.expand_dims(np.array([shape[ax] for ax in axes]), tuple(range(nd - 1)))
  indices = indices % max_idx
  slice_sizes = list(shape)
  for ax in axes:
    slice_sizes[ax] = 1
  offset_dims = tuple(range(1, len(shape) - get_aval(indices).shape[1] + 1))
  dnums = GatherDimensionNumbers(offset_dims=offset_dims, collapsed_slice_dims=tuple(axes),
                                 start_index_map=tuple(axes))
  return gather(src, indices, dimension_numbers=dnums, slice_sizes=tuple(slice_sizes))


# ----------------------------------------------------------------------------------------------
# dtype
# ----------------------------------------------------------------------------------------------
_PY_DEFAULTS = {bool: dtypes.bool_, int: np.dtype(np.int64), float: np.dtype(np.float64),
                complex: np.dtype(np.complex128)}
_X64_MSG = ("Explicitly requested dtype {} requested in dtype is not available, and will be "
            "truncated to dtype {}. To enable more dtypes, set the jax_enable_x64 configuration "
            "option or the JAX_ENABLE_X64 shell environment variable. See "
            "https://github.com/jax-ml/jax#current-gotchas for more.")
_VALID_KINDS = "biufc"


def _explicit(dt: np.dtype) -> np.dtype:
  canon = dtypes.canonicalize_dtype(dt)
  if canon != dt:
    warnings.warn(_X64_MSG.format(dt.name, canon.name), stacklevel=4)
  return canon


def _check_valid(x, dt: np.dtype) -> None:
  if dt.kind not in _VALID_KINDS or dt == dtypes.float0:
    raise TypeError(f"Value '{x}' with dtype {dt} is not a valid JAX array type. Only arrays "
                    "of numeric types are supported by JAX.")


def dtype(x: Any) -> np.dtype:
  """The canonical dtype of a value or type (JAX's `jax.dtypes.dtype`): Python scalars and
  types give the default dtypes (`lax.dtype(1.)` is float32), explicit NumPy dtypes and types
  are canonicalised (with a warning when x64 is off), arrays keep their dtype."""
  if x is None:
    raise ValueError(f"Invalid argument to dtype: {x}.")
  if isinstance(x, type):
    if x in _PY_DEFAULTS:
      return dtypes.canonicalize_dtype(_PY_DEFAULTS[x])
    if issubclass(x, np.generic):
      return _explicit(np.dtype(x))
  elif type(x) in _PY_DEFAULTS:
    return dtypes.canonicalize_dtype(_PY_DEFAULTS[type(x)])
  elif type(x) is Array or isinstance(x, Tracer):
    return get_aval(x).dtype
  if isinstance(x, (str, np.dtype)):
    dt = np.dtype(x)
    _check_valid(x, dt)
    return _explicit(dt)
  attr = getattr(x, "dtype", None)
  if isinstance(attr, np.dtype):
    dt = attr
  else:
    try:
      dt = np.result_type(x)
    except TypeError as err:
      raise TypeError(f"Cannot determine dtype of {x}") from err
  _check_valid(x, dt)
  return dtypes.canonicalize_dtype(dt)


# ----------------------------------------------------------------------------------------------
# JAX's `lax.<name>_p` primitive objects, for those numjax has registered by now (the special
# functions' primitives load with numjax.scipy.special, the random ones with numjax.random)
# ----------------------------------------------------------------------------------------------
_JAX_LAX_PRIMITIVES = """
abs acos acosh add and argmax argmin asin asinh atan2 atan atanh bitcast_convert_type
broadcast_in_dim cbrt ceil clamp complex concatenate cond conj conv_general_dilated
convert_element_type cos cosh cumlogsumexp cummax cummin cumprod cumsum digamma div dot_general
dynamic_slice dynamic_update_slice eq erf_inv erf erfc exp2 exp expm1 floor gather ge gt imag
integer_pow iota is_finite le lgamma log1p log logistic lt max min mul ne neg nextafter not or
pad polygamma population_count pow real reduce_and reduce_max reduce_min reduce_or reduce
reduce_precision reduce_prod reduce_sum reduce_window_max reduce_window_min reduce_window
reduce_window_sum rem reshape rev round rsqrt scan scatter select_and_gather_add
select_and_scatter_add select_n shift_left shift_right_arithmetic shift_right_logical sign sin
sinh slice sort sqrt square squeeze stop_gradient sub tan tanh top_k transpose while xor
scatter-add scatter-max scatter-min scatter-mul scatter-sub custom_linear_solve:linear_solve
""".split()


def _registered_primitives() -> dict:
  from numjax._src.lax.base import all_primitives
  registry = all_primitives()
  out = {}
  for entry in _JAX_LAX_PRIMITIVES:
    name, _, attr = entry.partition(":")
    prim = registry.get(name)
    if prim is not None:
      out[f"{(attr or name).replace('-', '_')}_p"] = prim
  return out


_prims = _registered_primitives()
globals().update({k: v for k, v in _prims.items() if k not in globals()})
__all__ += sorted(k for k in _prims if k not in __all__)
del _prims
