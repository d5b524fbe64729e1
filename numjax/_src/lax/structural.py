"""Shape-changing primitives: broadcast, reshape, squeeze, transpose, rev, concatenate, pad,
slice, dynamic_slice, dynamic_update_slice, iota. All linear in their array operand."""
from __future__ import annotations

import math

import numpy as np

from numjax._src import codegen, core, dtypes
from numjax._src.core import ShapedArray
from numjax._src.interpreters import batching
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import deflinear, deflinear_in, never_weak, operand_aval, primitive



def moveaxis(x, src, dst):
  return batching.moveaxis(x, src, dst)


def _keep_weak(args, params):
  return getattr(args[0], "weak_type", False)


def _structural(name, impl, shape_rule):
  """A primitive whose output has the operand's dtype and weak type and a new shape."""
  return primitive(name, impl,
                   lambda x, *rest, **p: ShapedArray(shape_rule(x, *rest, **p), x.dtype,
                                                     x.weak_type),
                   weak_type_rule=_keep_weak)


# --- broadcast_in_dim ---------------------------------------------------------------------------
def _bid_impl(x, *, shape, broadcast_dimensions, sharding=None):
  x = np.asarray(x)
  dims = broadcast_dimensions
  if len(dims) > 1 and list(dims) != sorted(dims):  # unsorted: the operand's axes are permuted
    order = np.argsort(dims)
    x, dims = x.transpose(order), tuple(dims[i] for i in order)
  expanded = [1] * len(shape)
  for src, dst in enumerate(dims):
    expanded[dst] = x.shape[src]
  if math.prod(shape) <= _SMALL:
    return _fill(x, tuple(expanded), shape)
  return np.broadcast_to(x.reshape(expanded), shape)


_SMALL = 4096  # np.broadcast_to costs ~10 us; filling a small array ~2 us


def _fill(x, expanded, shape):
  """A new array of `shape` holding `x` (of shape `expanded`) broadcast."""
  out = np.empty(shape, x.dtype)
  out[...] = x if np.shape(x) == expanded else np.reshape(x, expanded)
  return out


def _bid_shape(x, *, shape, broadcast_dimensions, sharding=None):
  if any(d < 0 for d in shape):
    raise TypeError(f"broadcast_in_dim shape must have every element be nonnegative, got "
                    f"{tuple(shape)}.")
  if len(broadcast_dimensions) != x.ndim:
    raise TypeError(f"broadcast_in_dim broadcast_dimensions must have length equal to operand "
                    f"ndim; got broadcast_dimensions {broadcast_dimensions} for operand ndim "
                    f"{x.ndim}.")
  if any(not 0 <= d < len(shape) for d in broadcast_dimensions) or \
      len(set(broadcast_dimensions)) != len(broadcast_dimensions):
    raise TypeError(f"broadcast_in_dim broadcast_dimensions must be a subset of output "
                    f"dimensions, got {tuple(broadcast_dimensions)} for operand ndim {x.ndim} "
                    f"and shape {tuple(shape)}.")
  for src, dst in enumerate(broadcast_dimensions):
    if x.shape[src] not in (1, shape[dst]):
      raise TypeError(f"broadcast_in_dim operand dimension sizes must either be 1, or be equal "
                      f"to their corresponding dimensions in the target broadcast shape; got "
                      f"operand of shape {x.shape}, target broadcast shape {shape}, "
                      f"broadcast_dimensions {broadcast_dimensions} ")
  return tuple(shape)


broadcast_in_dim_p = _structural("broadcast_in_dim", _bid_impl, _bid_shape)
def _bid_codegen(in_avals, out_avals, *, shape, broadcast_dimensions, sharding=None):
  x, = in_avals
  dims = tuple(broadcast_dimensions)
  if any(a > b for a, b in zip(dims, dims[1:])):
    return None  # unsorted dimensions permute the operand: the impl transposes first
  expanded = [1] * len(shape)
  for src, dst in enumerate(broadcast_dimensions):
    expanded[dst] = x.shape[src]
  if math.prod(shape) <= _SMALL:
    return codegen.Emit(f"{{fill}}({{0}}, {tuple(expanded)!r}, {tuple(shape)!r})",
                        {"fill": _fill})
  if tuple(expanded) == tuple(x.shape):
    return f"np.broadcast_to({{0}}, {tuple(shape)!r})"
  return f"np.broadcast_to(np.asarray({{0}}).reshape({tuple(expanded)!r}), {tuple(shape)!r})"
broadcast_in_dim_p.codegen = _bid_codegen


def _bid_transpose(ct, x, *, shape, broadcast_dimensions, sharding=None):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval)]
  unit = tuple(d for s, d in enumerate(broadcast_dimensions) if aval.shape[s] == 1 and shape[d] != 1)
  summed = tuple(sorted(set(range(len(shape))) - set(broadcast_dimensions)) + list(unit))
  out = L.reduce_sum(ct, tuple(sorted(summed))) if summed else ct
  kept = [d for d in sorted(broadcast_dimensions) if d not in unit]
  want = [d for d in broadcast_dimensions if d not in unit]
  if kept != want:  # unsorted broadcast_dimensions permuted the operand's axes
    out = L.transpose(out, tuple(kept.index(d) for d in want))
  if core.get_aval(out).shape != aval.shape:
    out = L.reshape(out, aval.shape)
  return [out]


def _bid_batch(vals, dims, *, shape, broadcast_dimensions, sharding=None):
  x = moveaxis(vals[0], dims[0], 0)
  size = core.get_aval(x).shape[0]
  return broadcast_in_dim_p.bind(x, shape=(size,) + tuple(shape),
                                 broadcast_dimensions=(0,) + tuple(d + 1 for d in broadcast_dimensions),
                                 sharding=None), 0


deflinear(broadcast_in_dim_p, _bid_transpose)
broadcast_in_dim_p.batch = _bid_batch
broadcast_in_dim_p.pp_params = lambda params: (  # JAX 0.10 hides shape and sharding
    {"broadcast_dimensions": params["broadcast_dimensions"]} if params["broadcast_dimensions"]
    else {})


# --- reshape ---------------------------------------------------------------------------------------
def _reshape_shape(x, *, new_sizes, dimensions=None, sharding=None):
  if int(np.prod(new_sizes, dtype=np.int64)) != x.size:
    raise TypeError(f"reshape total size must be unchanged, got new_sizes {tuple(new_sizes)} "
                    f"(size {int(np.prod(new_sizes))}) for shape {x.shape} (size {x.size}).")
  return tuple(new_sizes)


reshape_p = _structural("reshape", lambda x, *, new_sizes, dimensions=None, sharding=None:
                        np.reshape(x, new_sizes), _reshape_shape)
def _reshape_codegen(in_avals, out_avals, *, new_sizes, dimensions=None, sharding=None):
  if dimensions is not None:
    return None
  if in_avals[0].ndim == 0:
    return f"np.reshape({{0}}, {tuple(new_sizes)!r})"
  return f"{{0}}.reshape({tuple(new_sizes)!r})"
reshape_p.codegen = _reshape_codegen
deflinear(reshape_p, lambda ct, x, **p: [L.reshape(ct, x.aval.shape)])
reshape_p.batch = lambda vals, dims, *, new_sizes, dimensions=None, sharding=None: (
    reshape_p.bind(moveaxis(vals[0], dims[0], 0),
                   new_sizes=(core.get_aval(vals[0]).shape[dims[0]],) + tuple(new_sizes),
                   dimensions=None, sharding=None), 0)


# --- squeeze -------------------------------------------------------------------------------------
def _squeeze_shape(x, *, dimensions):
  for d in dimensions:
    if not -x.ndim <= d < x.ndim:
      raise ValueError(f"axis {d} is out of bounds for array of dimension {x.ndim}")
  dims = {d % x.ndim for d in dimensions} if x.ndim else set()
  for d in dims:
    if x.shape[d] != 1:
      raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one, "
                      f"got shape={x.shape} and dimensions={tuple(dimensions)}")
  return tuple(s for i, s in enumerate(x.shape) if i not in dims)


squeeze_p = _structural("squeeze", lambda x, *, dimensions: np.squeeze(x, tuple(dimensions)),
                        _squeeze_shape)
deflinear(squeeze_p, lambda ct, x, *, dimensions: [L.reshape(ct, x.aval.shape)])
squeeze_p.batch = lambda vals, dims, *, dimensions: (
    squeeze_p.bind(moveaxis(vals[0], dims[0], 0),
                   dimensions=tuple(d % (core.get_aval(vals[0]).ndim - 1) + 1 for d in dimensions)),
    0)


# --- transpose -----------------------------------------------------------------------------------
def _transpose_shape(x, *, permutation):
  if sorted(permutation) != list(range(x.ndim)):
    raise TypeError(f"transpose permutation isn't a permutation of operand dimensions, got "
                    f"permutation {tuple(permutation)} for operand shape {x.shape}.")
  return tuple(x.shape[p] for p in permutation)


transpose_p = _structural("transpose", lambda x, *, permutation: np.transpose(x, permutation),
                          _transpose_shape)
def _transpose_codegen(in_avals, out_avals, *, permutation):
  if in_avals[0].ndim == 0:
    return None
  if tuple(permutation) == (1, 0):
    return "{0}.T"
  return f"{{0}}.transpose({tuple(permutation)!r})"
transpose_p.codegen = _transpose_codegen
deflinear(transpose_p, lambda ct, x, *, permutation: [
    L.transpose(ct, tuple(np.argsort(permutation)))])
transpose_p.batch = lambda vals, dims, *, permutation: (
    transpose_p.bind(moveaxis(vals[0], dims[0], 0),
                     permutation=(0,) + tuple(p + 1 for p in permutation)), 0)


# --- rev -------------------------------------------------------------------------------------------
def _rev_shape(x, *, dimensions):
  if len(set(dimensions)) != len(dimensions):
    raise TypeError(f"rev dimensions must be unique, got {tuple(dimensions)}.")
  if any(not 0 <= d < x.ndim for d in dimensions):
    raise TypeError(f"rev dimensions must all be less than operand ndim (and non-negative), got "
                    f"dimensions {tuple(dimensions)} for operand ndim {x.ndim}.")
  return x.shape


rev_p = _structural("rev", lambda x, *, dimensions: np.flip(x, tuple(dimensions)) if dimensions
                    else x, _rev_shape)
deflinear(rev_p, lambda ct, x, *, dimensions: [L.rev(ct, dimensions)])
rev_p.batch = lambda vals, dims, *, dimensions: (
    rev_p.bind(moveaxis(vals[0], dims[0], 0), dimensions=tuple(d + 1 for d in dimensions)), 0)


# --- concatenate ---------------------------------------------------------------------------------
def _concat_aval(*xs, dimension):
  if not xs:
    raise ValueError("concatenate requires a non-empty sequences of arrays")
  x0 = xs[0]
  if len({x.ndim for x in xs}) > 1:
    raise TypeError(f"Cannot concatenate arrays with different numbers of dimensions: got "
                    f"{', '.join(str(x.shape) for x in xs)}.")
  if not 0 <= dimension < x0.ndim:
    raise TypeError(f"concatenate dimension out of bounds: dimension {dimension} for shapes "
                    f"{', '.join(str(x.shape) for x in xs)}.")
  for x in xs:
    if x.ndim != x0.ndim or any(a != b for i, (a, b) in enumerate(zip(x.shape, x0.shape))
                                if i != dimension):
      raise TypeError(f"Cannot concatenate arrays with shapes that differ in dimensions other "
                      f"than the one being concatenated: concatenating along dimension "
                      f"{dimension} for shapes {', '.join(str(x.shape) for x in xs)}.")
  if len({x.dtype for x in xs}) > 1:
    raise TypeError(f"lax.concatenate requires arguments to have the same dtypes, got "
                    f"{', '.join(x.dtype.name for x in xs)}. (Tip: jnp.concatenate is a similar "
                    "function that does automatic type promotion on inputs).")
  shape = list(x0.shape)
  shape[dimension] = sum(x.shape[dimension] for x in xs)
  return ShapedArray(tuple(shape), x0.dtype, all(x.weak_type for x in xs))


concatenate_p = primitive("concatenate", lambda *xs, dimension: np.concatenate(xs, dimension),
                          _concat_aval)


def _concat_transpose(ct, *xs, dimension):
  outs, start = [], 0
  for x in xs:
    aval = operand_aval(x)
    size = aval.shape[dimension]
    if is_undefined_primal(x):
      if type(ct) is Zero:
        outs.append(Zero(aval))
      else:
        lo = [0] * aval.ndim
        hi = list(core.get_aval(ct).shape)
        lo[dimension], hi[dimension] = start, start + size
        outs.append(L.slice(ct, tuple(lo), tuple(hi)))
    else:
      outs.append(None)
    start += size
  return outs


def _concat_batch(vals, dims, *, dimension):
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  xs = [batching.matchaxis(v, d, 0, size) for v, d in zip(vals, dims)]
  return concatenate_p.bind(*xs, dimension=dimension + 1), 0


deflinear(concatenate_p, _concat_transpose)
concatenate_p.batch = _concat_batch


# --- pad -------------------------------------------------------------------------------------------
def _pad_impl(x, pv, *, padding_config):
  x = np.asarray(x)
  # Interior padding first, then (possibly negative) edge padding.
  shape = [(s - 1) * (i + 1) + 1 if s else 0 for s, (_, _, i) in zip(x.shape, padding_config)]
  inner = np.full(shape, pv, dtype=x.dtype)
  inner[tuple(slice(None, None, i + 1) for (_, _, i) in padding_config)] = x
  widths = [(max(lo, 0), max(hi, 0)) for lo, hi, _ in padding_config]
  out = np.pad(inner, widths, constant_values=pv) if any(a or b for a, b in widths) else inner
  crop = tuple(slice(-lo if lo < 0 else 0, out.shape[k] + hi if hi < 0 else out.shape[k])
               for k, (lo, hi, _) in enumerate(padding_config))
  return out[crop]


def _pad_shape(x, pv, *, padding_config):
  if len(padding_config) != x.ndim:
    raise ValueError(f"length of padding_config must equal the number of axes of operand, got "
                     f"padding_config {padding_config} for operand shape {x.shape}")
  if pv.shape:
    raise ValueError(f"padding_value must be a scalar; got np.shape(padding_value)={pv.shape}")
  if pv.dtype != x.dtype:
    raise TypeError(f"pad operand and padding_value must be same dtype: got {x.dtype.name} and "
                    f"{pv.dtype.name}.")
  if any(i < 0 for _, _, i in padding_config):
    raise ValueError(f"interior padding in padding_config must be nonnegative, got "
                     f"padding_config {padding_config}")
  out = []
  for s, (lo, hi, interior) in zip(x.shape, padding_config):
    n = lo + hi + s + max(0, s - 1) * interior
    if n < 0:
      raise ValueError(f"Dimension size after padding is not at least 0, got {n} for shape "
                       f"{x.shape} and padding_config {padding_config}")
    out.append(n)
  return tuple(out)


pad_p = primitive("pad", _pad_impl,
                  lambda x, pv, **p: ShapedArray(_pad_shape(x, pv, **p), x.dtype,
                                                 x.weak_type and pv.weak_type))


def _pad_transpose(ct, x, pv, *, padding_config):
  if type(ct) is Zero:
    return [Zero(operand_aval(x)) if is_undefined_primal(x) else None,
            Zero(operand_aval(pv)) if is_undefined_primal(pv) else None]
  unpad = [(-lo, -hi, 0) for lo, hi, _ in padding_config]
  zero = L._zeros(ct)
  t = L.pad(ct, zero, unpad)
  t_op = L.slice(t, (0,) * len(padding_config), core.get_aval(t).shape,
                 tuple(i + 1 for _, _, i in padding_config))
  t_pv = None
  if is_undefined_primal(pv):
    all_axes = tuple(range(core.get_aval(ct).ndim))
    t_pv = L.sub(L.reduce_sum(ct, all_axes), L.reduce_sum(t_op, all_axes))
  return [t_op if is_undefined_primal(x) else None, t_pv]


def _pad_jvp(primals, tangents, *, padding_config):
  x, pv = primals
  out = pad_p.bind(x, pv, padding_config=padding_config)
  tx, tpv = tangents
  if type(tx) is Zero and type(tpv) is Zero:
    return out, Zero.from_primal_value(out)
  from numjax._src.interpreters import ad
  return out, pad_p.bind(ad.instantiate_zeros(tx), ad.instantiate_zeros(tpv),
                         padding_config=padding_config)


def _pad_batch(vals, dims, *, padding_config):
  x, pv = vals
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  x = batching.matchaxis(x, dims[0], 0, size)
  config = ((0, 0, 0),) + tuple(padding_config)
  if dims[1] is None:
    return pad_p.bind(x, pv, padding_config=config), 0
  # A batched padding value: pad with anything, then select it where the mask says padding.
  mask = pad_p.bind(L.full(core.get_aval(x).shape, True, np.bool_), np.bool_(False),
                    padding_config=config)
  out = pad_p.bind(x, L._zeros(x), padding_config=config)
  shape = core.get_aval(out).shape
  return L.select(mask, out, L.broadcast_in_dim(pv, shape, (0,))), 0


pad_p.jvp = _pad_jvp
pad_p.transpose = _pad_transpose
pad_p.batch = _pad_batch


# --- slice -----------------------------------------------------------------------------------------
def _slice_impl(x, *, start_indices, limit_indices, strides=None):
  strides = strides or (1,) * len(start_indices)
  return np.asarray(x)[tuple(slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


def _slice_shape(x, *, start_indices, limit_indices, strides=None):
  if len(start_indices) != x.ndim or len(limit_indices) != x.ndim:
    raise TypeError(f"slice start_indices and limit_indices must have length equal to the "
                    f"operand rank, got start_indices {start_indices}, limit_indices "
                    f"{limit_indices} for operand shape {x.shape}.")
  strides = strides or (1,) * x.ndim
  if len(strides) != x.ndim:
    raise TypeError(f"slice strides must have length equal to the number of dimensions of the "
                    f"operand, got strides {strides} for operand shape {x.shape}.")
  if any(st <= 0 for st in strides):
    raise TypeError(f"slice strides must be positive, got {tuple(strides)}.")
  if any(a < 0 for a in start_indices):
    raise TypeError(f"slice start_indices must be greater than or equal to zero, got "
                    f"start_indices {tuple(start_indices)} for operand shape {x.shape}.")
  if any(b > s for b, s in zip(limit_indices, x.shape)):
    raise TypeError(f"slice limit_indices must be less than or equal to operand shape, got "
                    f"limit_indices {tuple(limit_indices)} for operand shape {x.shape}.")
  out = []
  for s, a, b, st in zip(x.shape, start_indices, limit_indices, strides):
    if not 0 <= a <= b <= s:
      raise TypeError(f"slice limit_indices must be greater than or equal to start_indices, got "
                      f"start_indices {tuple(start_indices)} and limit_indices "
                      f"{tuple(limit_indices)} for operand shape {x.shape}.")
    out.append(max(0, -(-(b - a) // st)))
  return tuple(out)


slice_p = _structural("slice", _slice_impl, _slice_shape)


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides=None):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval)]
  strides = strides or (1,) * aval.ndim
  out_shape = core.get_aval(ct).shape
  config = []
  for s, a, st, n in zip(aval.shape, start_indices, strides, out_shape):
    real_limit = a + (n - 1) * st + 1 if n else a
    config.append((a, s - real_limit, st - 1))
  return [L.pad(ct, L._zeros(ct), tuple(config))]


deflinear(slice_p, _slice_transpose)
slice_p.batch = lambda vals, dims, *, start_indices, limit_indices, strides=None: (
    slice_p.bind(moveaxis(vals[0], dims[0], 0),
                 start_indices=(0,) + tuple(start_indices),
                 limit_indices=(core.get_aval(vals[0]).shape[dims[0]],) + tuple(limit_indices),
                 strides=None if strides is None else (1,) + tuple(strides)), 0)


# --- dynamic_slice / dynamic_update_slice ----------------------------------------------------------
def _clamped_starts(shape, starts, sizes):
  return tuple(int(min(max(int(i), 0), s - n)) for i, s, n in zip(starts, shape, sizes))


def _ds_impl(x, *starts, slice_sizes):
  st = _clamped_starts(x.shape, starts, slice_sizes)
  return np.asarray(x)[tuple(slice(a, a + n) for a, n in zip(st, slice_sizes))]


def _ds_aval(x, *starts, slice_sizes):
  if len(starts) != x.ndim or len(slice_sizes) != x.ndim:
    raise TypeError(f"dynamic_slice: expected {x.ndim} start indices and slice sizes for operand "
                    f"of shape {x.shape}, got {len(starts)} and {tuple(slice_sizes)}.")
  if any(n < 0 for n in slice_sizes):
    raise TypeError(f"slice slice_sizes must be greater than or equal to zero, got slice_sizes "
                    f"of {tuple(slice_sizes)}.")
  if any(n > s for n, s in zip(slice_sizes, x.shape)):
    raise TypeError(f"slice slice_sizes must be less than or equal to operand shape, got "
                    f"slice_sizes {tuple(slice_sizes)} for operand shape {x.shape}.")
  if any(i.shape for i in starts):
    raise TypeError(f"start_indices arguments to dynamic_slice must be scalars, got indices "
                    f"{tuple(starts)}")
  return ShapedArray(tuple(slice_sizes), x.dtype, x.weak_type)


dynamic_slice_p = primitive("dynamic_slice", _ds_impl, _ds_aval, weak_type_rule=_keep_weak)


def _ds_transpose(ct, x, *starts, slice_sizes):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval)] + [None] * len(starts)
  zeros = L.full(aval.shape, 0, aval.dtype)
  return [L.dynamic_update_slice(zeros, ct, starts, allow_negative_indices=False)] + [
      None] * len(starts)


def _ds_batch(vals, dims, *, slice_sizes):
  x, *starts = vals
  xd, *sd = dims
  if all(d is None for d in sd):
    x = moveaxis(x, xd, 0)
    zero = L._zeros(starts[0]) if starts else np.int32(0)
    return dynamic_slice_p.bind(x, zero, *starts,
                                slice_sizes=(core.get_aval(x).shape[0],) + tuple(slice_sizes)), 0
  from numjax._src.lax import indexing
  return indexing.batched_dynamic_slice(vals, dims, slice_sizes)


deflinear_in(dynamic_slice_p, 0, _ds_transpose)
dynamic_slice_p.batch = _ds_batch


def _dus_impl(x, update, *starts):
  st = _clamped_starts(x.shape, starts, update.shape)
  out = np.array(x, copy=True)
  out[tuple(slice(a, a + n) for a, n in zip(st, update.shape))] = update
  return out


def _dus_aval(x, update, *starts):
  if update.ndim != x.ndim:
    raise TypeError(f"dynamic_update_slice update must have the same rank as operand, got "
                    f"update shape {update.shape} for operand shape {x.shape}.")
  if len(starts) != x.ndim:
    raise TypeError(f"dynamic_update_slice: expected {x.ndim} start indices for operand of "
                    f"shape {x.shape}, got {len(starts)}.")
  if any(u > s for u, s in zip(update.shape, x.shape)):
    raise TypeError(f"dynamic_update_slice update shape must be smaller than operand shape, got "
                    f"update shape {update.shape} for operand shape {x.shape}.")
  if update.dtype != x.dtype:
    raise TypeError(f"lax.dynamic_update_slice requires arguments to have the same dtypes, got "
                    f"{x.dtype.name}, {update.dtype.name}.")
  # Weak when every operand is, indices included (JAX's standard rule).
  return ShapedArray(x.shape, x.dtype, all(a.weak_type for a in (x, update) + starts))


dynamic_update_slice_p = primitive("dynamic_update_slice", _dus_impl, _dus_aval)


def _dus_jvp(primals, tangents):
  x, update, *starts = primals
  out = dynamic_update_slice_p.bind(x, update, *starts)
  tx, tu = tangents[:2]
  if type(tx) is Zero and type(tu) is Zero:
    return out, Zero.from_primal_value(out)
  from numjax._src.interpreters import ad
  return out, dynamic_update_slice_p.bind(ad.instantiate_zeros(tx), ad.instantiate_zeros(tu),
                                          *starts)


def _dus_transpose(ct, x, update, *starts):
  ux = operand_aval(update)
  if type(ct) is Zero:
    return [Zero(operand_aval(x)) if is_undefined_primal(x) else None,
            Zero(ux) if is_undefined_primal(update) else None] + [None] * len(starts)
  ct_x = L.dynamic_update_slice(ct, L.full(ux.shape, 0, ux.dtype), starts,
                                allow_negative_indices=False) \
      if is_undefined_primal(x) else None
  ct_u = L.dynamic_slice(ct, starts, ux.shape, allow_negative_indices=False) \
      if is_undefined_primal(update) else None
  return [ct_x, ct_u] + [None] * len(starts)


def _dus_batch(vals, dims):
  x, u, *starts = vals
  xd, ud, *sd = dims
  if all(d is None for d in sd):
    size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
    x = batching.matchaxis(x, xd, 0, size)
    u = batching.matchaxis(u, ud, 0, size)
    zero = L._zeros(starts[0]) if starts else np.int32(0)
    return dynamic_update_slice_p.bind(x, u, zero, *starts), 0
  from numjax._src.lax import indexing
  return indexing.batched_dynamic_update_slice(vals, dims)


dynamic_update_slice_p.jvp = _dus_jvp
dynamic_update_slice_p.transpose = _dus_transpose
dynamic_update_slice_p.batch = _dus_batch


# --- iota ------------------------------------------------------------------------------------------
def _iota_impl(*, dtype, shape, dimension, sharding=None):
  r = np.arange(shape[dimension], dtype=dtype)
  expanded = [1] * len(shape)
  expanded[dimension] = shape[dimension]
  return np.broadcast_to(r.reshape(expanded), shape)


iota_p = primitive("iota", _iota_impl,
                   lambda *, dtype, shape, dimension, sharding=None: ShapedArray(tuple(shape), dtype),
                   weak_type_rule=never_weak)
