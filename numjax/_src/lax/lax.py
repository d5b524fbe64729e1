"""`numjax.lax`: the public functions over the primitives, as `jax.lax` has them.

Each function converts Python scalars to arrays of the operand dtype (weakly typed) and binds
its primitive. The primitive families live in elementwise.py, structural.py, reductions.py,
indexing.py, control_flow.py, linalg.py, fft.py and random_bits.py.
"""
from __future__ import annotations

import builtins as _builtins
import enum
import operator as _operator
from typing import Any, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src.config import config as _config
from numjax._src.array import Array
from numjax._src.core import Tracer, get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.lax.base import (canonical_shape as _canonical_shape, check_rule as _check_rule,
                                  index_arg as _int_arg, rule_error as _rule_error)


_PY_SCALARS = (int, float, complex, bool)  # before this module shadows `complex`


def _is_python_scalar(x) -> bool:
  return type(x) in _PY_SCALARS


def asarray(x) -> Any:
  """An Array/tracer as is; NumPy values and Python scalars as canonical Arrays."""
  t = type(x)
  if t is Array or isinstance(x, Tracer):
    return x
  if t in _PY_SCALARS:
    dtype, weak = dtypes.dtype_and_weak(x)
    return Array(np.array(x, dtype)[()], weak)
  if isinstance(x, (np.ndarray, np.generic)):
    dt = dtypes.canonicalize_dtype(x.dtype)
    if dt.kind in _NON_NUMERIC:
      _raise_non_numeric(x, dt)
    return Array(np.array(x, dt), False)
  if hasattr(x, "__jax_array__"):
    return asarray(x.__jax_array__())
  if x is None or isinstance(x, (str, bytes, dict, set)) or callable(x):
    raise TypeError(f"Value {x!r} of type {type(x)} is not a valid JAX type: pass arrays, NumPy "
                    "values or Python scalars.")
  try:
    val = np.asarray(x)
  except ValueError as err:  # ragged nested sequences
    raise TypeError(f"Value {x!r} of type {type(x)} is not a valid JAX type: {err}") from None
  dt = dtypes.canonicalize_dtype(val.dtype)
  if dt.kind in _NON_NUMERIC:
    _raise_non_numeric(x, dt)
  return Array(np.array(val, dt), False)


_NON_NUMERIC = "OSUMm"


def _raise_non_numeric(x, dt):
  raise TypeError(f"Value {x!r} with dtype {dt.str} is not a valid JAX array type. Only arrays "
                  "of numeric types are supported by JAX.")


def _scalar_like(val, ref) -> Array:
  aval = get_aval(ref)
  return Array(np.array(val, aval.dtype)[()], True if _is_python_scalar(val) else False)


def _args(*xs):
  """Convert operands for a lax call: Python scalars take the dtype of an array operand."""
  ref = next((x for x in xs if not _is_python_scalar(x)), None)
  if ref is None:
    return [asarray(x) for x in xs]
  return [_scalar_like(x, ref) if _is_python_scalar(x) else asarray(x) for x in xs]


def _const(x, val) -> Array:
  """A scalar constant of x's dtype and weak type (for use inside rules)."""
  aval = get_aval(x)
  return Array(np.array(val, aval.dtype)[()], aval.weak_type)


def _strong_zero(x) -> Array:
  """A strongly typed scalar zero of x's dtype (JAX's `np.zeros((), dtype)` in rules)."""
  return Array(np.zeros((), get_aval(x).dtype)[()], False)


def _ones(x) -> Array:
  aval = get_aval(x)
  return Array(np.array(1, aval.dtype)[()], aval.weak_type)


def _zeros(x) -> Array:
  aval = get_aval(x)
  return Array(np.array(0, aval.dtype)[()], aval.weak_type)


# ----------------------------------------------------------------------------------------------
# Elementwise
# ----------------------------------------------------------------------------------------------
def _is_value(x) -> bool:
  return type(x) is Array or isinstance(x, Tracer)


def _unary(prim):
  def f(x):
    return prim.bind(x if _is_value(x) else asarray(x))
  f.__name__ = f.__qualname__ = prim.name
  f.__doc__ = f"Elementwise {prim.name}: `lax.{prim.name}(x)`."
  return f


def _binary(prim):
  def f(x, y):
    tx, ty = type(x), type(y)
    if tx in _PY_SCALARS or ty in _PY_SCALARS:  # scalars broadcast with anything
      return prim.bind(*_args(x, y))
    if not ((tx is Array or isinstance(x, Tracer)) and (ty is Array or isinstance(y, Tracer))):
      x, y = _args(x, y)
      tx, ty = type(x), type(y)
    sx = x._value.shape if tx is Array else x.aval.shape
    sy = y._value.shape if ty is Array else y.aval.shape
    if sx != sy and sx and sy:
      # NumPy would broadcast ranks that lax rejects, and eagerly core runs the shape rule only
      # once per (primitive, dtypes): run it here when two non-scalar shapes differ (rare).
      _check_rule(prim, x, y)
    return prim.bind(x, y)
  f.__name__ = f.__qualname__ = prim.name
  f.__doc__ = f"Elementwise {prim.name}: `lax.{prim.name}(x, y)`."
  return f


from numjax._src.lax import elementwise as _ew  # noqa: E402  (needs the helpers above)

add = _binary(_ew.add_p)
sub = _binary(_ew.sub_p)
mul = _binary(_ew.mul_p)
div = _binary(_ew.div_p)
rem = _binary(_ew.rem_p)
max = _binary(_ew.max_p)
min = _binary(_ew.min_p)
pow = _binary(_ew.pow_p)
atan2 = _binary(_ew.atan2_p)
nextafter = _binary(_ew.nextafter_p)
complex = _binary(_ew.complex_p)
polygamma = _binary(_ew.polygamma_p)
eq = _binary(_ew.eq_p)
ne = _binary(_ew.ne_p)
lt = _binary(_ew.lt_p)
le = _binary(_ew.le_p)
gt = _binary(_ew.gt_p)
ge = _binary(_ew.ge_p)
bitwise_and = _binary(_ew.and_p)
bitwise_or = _binary(_ew.or_p)
bitwise_xor = _binary(_ew.xor_p)
shift_left = _binary(_ew.shift_left_p)
shift_right_logical = _binary(_ew.shift_right_logical_p)
shift_right_arithmetic = _binary(_ew.shift_right_arithmetic_p)
add_any = _binary(_ew.add_any_p)

neg = _unary(_ew.neg_p)
sign = _unary(_ew.sign_p)
floor = _unary(_ew.floor_p)
ceil = _unary(_ew.ceil_p)
is_finite = _unary(_ew.is_finite_p)
exp = _unary(_ew.exp_p)
exp2 = _unary(_ew.exp2_p)
log = _unary(_ew.log_p)
log1p = _unary(_ew.log1p_p)
expm1 = _unary(_ew.expm1_p)
tanh = _unary(_ew.tanh_p)
logistic = _unary(_ew.logistic_p)
sin = _unary(_ew.sin_p)
cos = _unary(_ew.cos_p)
tan = _unary(_ew.tan_p)
asin = _unary(_ew.asin_p)
acos = _unary(_ew.acos_p)
atan = _unary(_ew.atan_p)
sinh = _unary(_ew.sinh_p)
cosh = _unary(_ew.cosh_p)
asinh = _unary(_ew.asinh_p)
acosh = _unary(_ew.acosh_p)
atanh = _unary(_ew.atanh_p)
sqrt = _unary(_ew.sqrt_p)
rsqrt = _unary(_ew.rsqrt_p)
cbrt = _unary(_ew.cbrt_p)
square = _unary(_ew.square_p)
erf = _unary(_ew.erf_p)
erfc = _unary(_ew.erfc_p)
erf_inv = _unary(_ew.erf_inv_p)
lgamma = _unary(_ew.lgamma_p)
digamma = _unary(_ew.digamma_p)
abs = _unary(_ew.abs_p)
real = _unary(_ew.real_p)
imag = _unary(_ew.imag_p)


def conj(x):
  """Elementwise complex conjugate (a real x gives a complex result, as in JAX)."""
  x = x if _is_value(x) else asarray(x)
  return _ew.conj_p.bind(x, input_dtype=get_aval(x).dtype)


bitwise_not = _unary(_ew.not_p)
population_count = _unary(_ew.population_count_p)
stop_gradient_elementwise = _unary(_ew.stop_gradient_p)


def integer_pow(x, y: int):
  """x ** y for a static Python int y."""
  try:
    y = _operator.index(y)
  except TypeError:
    raise TypeError(f"lax.integer_pow requires an integer exponent y, got {y!r} of type "
                    f"{type(y).__name__}; use lax.pow for non-integer powers.") from None
  return _ew.integer_pow_p.bind(asarray(x), y=y)


def round(x, rounding_method=0):
  """Round to nearest; ties away from zero (0) or to even (1)."""
  if rounding_method not in (0, 1):
    raise ValueError(f"{rounding_method!r} is not a valid RoundingMethod: use "
                     "lax.RoundingMethod.AWAY_FROM_ZERO (0) or TO_NEAREST_EVEN (1).")
  return _ew.round_p.bind(asarray(x), rounding_method=int(rounding_method))


class RoundingMethod:
  AWAY_FROM_ZERO = 0
  TO_NEAREST_EVEN = 1


def select_n(which, *cases):
  """cases[which] elementwise; `which` is bool (two cases) or int32."""
  if not cases:
    raise ValueError("select_n requires at least one case")
  args = (asarray(which), *_args(*cases))
  try:
    return _ew.select_n_p.bind(*args)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(_ew.select_n_p, args, {}, e) from None


def select(pred, on_true, on_false):
  """on_true where pred else on_false."""
  return select_n(pred, on_false, on_true)


def clamp(min, x, max):
  """min(max(x, min), max) elementwise."""
  return _bind(_ew.clamp_p, _args(min, x, max), {})


def convert_element_type(x, new_dtype, weak_type: bool = False):
  """Cast to `new_dtype` (canonicalised)."""
  x = asarray(x)
  if new_dtype is None:
    raise ValueError("lax.convert_element_type: new_dtype must be specified, got None.")
  new_dtype = _numeric_dtype(new_dtype, "lax.convert_element_type new_dtype")
  aval = get_aval(x)
  if aval.dtype == new_dtype and aval.weak_type == weak_type:
    return x
  return _ew.convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type,
                                         sharding=None)


def bitcast_convert_type(x, new_dtype):
  x, params = asarray(x), dict(new_dtype=_numeric_dtype(new_dtype, "bitcast_convert_type "
                                                       "new_dtype"))
  try:
    return _ew.bitcast_convert_type_p.bind(x, **params)
  except (ValueError, TypeError) as e:
    raise _rule_error(_ew.bitcast_convert_type_p, (x,), params, e) from None


def stop_gradient(x):
  """The identity whose derivative is zero; maps over pytrees."""
  from numjax._src import tree_util
  if isinstance(x, Tracer) and x.aval.dtype.kind in "fc":
    return _ew.stop_gradient_p.bind(x)

  def stop(v):
    v = asarray(v)
    if dtypes.is_inexact(get_aval(v).dtype):
      return _ew.stop_gradient_p.bind(v)
    return v
  return tree_util.tree_map(stop, x)


# ----------------------------------------------------------------------------------------------
# Structural
# ----------------------------------------------------------------------------------------------
from numjax._src.lax import structural as _st  # noqa: E402


def _bind(prim, args, params):
  """prim.bind(*args, **params); an eager NumPy failure becomes the shape rule's error."""
  try:
    return prim.bind(*args, **params)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(prim, args, params, e) from None


def broadcast_in_dim(x, shape: Sequence[int], broadcast_dimensions: Sequence[int], sharding=None):
  """Broadcast x into `shape`, its axes going to `broadcast_dimensions`."""
  x = asarray(x)
  shape = _canonical_shape(shape, "broadcast_in_dim shape")
  broadcast_dimensions = _canonical_shape(broadcast_dimensions, "broadcast_in_dim "
                                         "broadcast_dimensions")
  if get_aval(x).shape == shape and broadcast_dimensions == tuple(range(len(shape))):
    return x
  try:
    return _st.broadcast_in_dim_p.bind(x, shape=shape, broadcast_dimensions=broadcast_dimensions,
                                       sharding=None)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(_st.broadcast_in_dim_p, (x,), dict(
        shape=shape, broadcast_dimensions=broadcast_dimensions, sharding=None), e) from None


def broadcast(x, sizes: Sequence[int]):
  """Add leading dimensions of the given sizes."""
  x = asarray(x)
  nd = get_aval(x).ndim
  sizes = _canonical_shape(sizes, "broadcast sizes")
  return broadcast_in_dim(x, sizes + get_aval(x).shape, tuple(range(len(sizes), len(sizes) + nd)))


def broadcast_to_shape(x, shape):
  """NumPy-style broadcast of x to `shape` (trailing alignment)."""
  x = asarray(x)
  xs = get_aval(x).shape
  shape = _canonical_shape(shape)
  if xs == shape:
    return x
  nd = len(shape)
  dims = tuple(range(nd - len(xs), nd))
  return broadcast_in_dim(x, shape, dims)


def reshape(x, new_sizes: Sequence[int], dimensions=None, sharding=None):
  """Reshape (row-major); `dimensions` transposes first."""
  x = asarray(x)
  new_sizes = _canonical_shape(new_sizes)
  if dimensions is not None and tuple(dimensions) != tuple(range(get_aval(x).ndim)):
    x = transpose(x, dimensions)
  if get_aval(x).shape == new_sizes:
    return x
  if -1 in new_sizes:  # NumPy would infer it; other negative sizes make NumPy raise
    raise TypeError(f"lax.reshape new_sizes must all be non-negative (no -1 placeholders), got "
                    f"{new_sizes} for operand shape {get_aval(x).shape}; use jnp.reshape to "
                    "infer a dimension.")
  try:
    return _st.reshape_p.bind(x, new_sizes=new_sizes, dimensions=None, sharding=None)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(_st.reshape_p, (x,), dict(new_sizes=new_sizes, dimensions=None,
                                                sharding=None), e) from None


def _out_of_range(dims, nd) -> bool:
  """Whether some axis in `dims` is outside [-nd, nd)."""
  return bool(dims) and (_builtins.min(dims) < -nd or _builtins.max(dims) >= nd)


def _first_out_of_range(dims, nd):
  return next(d for d in dims if not -nd <= d < nd)


def _axis_error(axis, ndim):
  # NumPy's AxisError: a ValueError and an IndexError (JAX raises either, depending on the op).
  return np.exceptions.AxisError(f"axis {axis} is out of bounds for array of dimension {ndim}")


def squeeze(x, dimensions: Sequence[int]):
  x = asarray(x)
  shape = get_aval(x).shape
  nd = len(shape)
  dims = _canonical_shape(dimensions, "squeeze dimensions")
  if _out_of_range(dims, nd):
    raise _axis_error(_first_out_of_range(dims, nd), nd)
  dims = tuple(sorted({d % nd for d in dims})) if nd else ()
  if not dims:
    return x
  if _builtins.any(shape[d] != 1 for d in dims):
    raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one, "
                     f"got shape={shape} and dimensions={tuple(dimensions)}")
  return _st.squeeze_p.bind(x, dimensions=dims)


def expand_dims(x, dimensions: Sequence[int]):
  """Insert size-1 axes at `dimensions` (positions in the output)."""
  x = asarray(x)
  shape = list(get_aval(x).shape)
  dimensions = _canonical_shape(dimensions, "expand_dims dimensions")
  nd = len(shape) + len(dimensions)
  if _out_of_range(dimensions, nd):
    raise _axis_error(_first_out_of_range(dimensions, nd), nd)
  dims = sorted({d % nd for d in dimensions})
  if len(dims) != len(dimensions):
    raise ValueError(f"repeated axis in lax.expand_dims: {tuple(dimensions)}")
  for d in dims:
    shape.insert(d, 1)
  kept = tuple(i for i in range(nd) if i not in dims)
  return broadcast_in_dim(x, tuple(shape), kept)


def transpose(x, permutation: Sequence[int]):
  x = asarray(x)
  permutation = _canonical_shape(permutation, "transpose permutation")
  if permutation == tuple(range(len(permutation))) and len(permutation) == get_aval(x).ndim:
    return x
  try:
    return _st.transpose_p.bind(x, permutation=permutation)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(_st.transpose_p, (x,), dict(permutation=permutation), e) from None


def rev(x, dimensions: Sequence[int]):
  x = asarray(x)
  return _bind(_st.rev_p, (x,), dict(dimensions=_canonical_shape(dimensions, "rev dimensions")))


def concatenate(operands: Sequence, dimension: int):
  if type(operands) is not list and type(operands) is not tuple and (
      _is_value(operands) or isinstance(operands, (np.ndarray, str, bytes)) or
      not hasattr(operands, "__iter__")):
    raise TypeError(f"lax.concatenate takes a sequence of arrays, got {type(operands).__name__}"
                    f" {operands!r}.")
  if not operands:
    raise ValueError("concatenate requires a non-empty sequences of arrays")
  ops = _args(*operands)
  dimension = _int_arg(dimension, "concatenate dimension")
  if len(ops) == 1:
    x, = ops
    if not 0 <= dimension < get_aval(x).ndim:
      raise TypeError(f"concatenate dimension out of bounds: dimension {dimension} for shapes "
                      f"{get_aval(x).shape}.")
    return x
  try:
    return _st.concatenate_p.bind(*ops, dimension=dimension)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(_st.concatenate_p, ops, dict(dimension=dimension), e) from None


def pad(x, padding_value, padding_config):
  x, pv = _args(x, padding_value)
  try:
    config = tuple(tuple(_operator.index(v) for v in c) for c in padding_config)
  except TypeError:
    raise TypeError(f"padding_config must be a sequence of (low, high, interior) integer "
                    f"triples, got {padding_config!r}.") from None
  if any(len(c) != 3 for c in config):
    raise ValueError(f"padding_config must be a sequence of (low, high, interior) triples, got "
                     f"{padding_config!r}.")
  params = dict(padding_config=config)
  if get_aval(pv).shape or any(lo < 0 or hi < 0 or i < 0 for lo, hi, i in config):
    _check_rule(_st.pad_p, x, pv, **params)  # what NumPy would silently accept
  return _bind(_st.pad_p, (x, pv), params)


def slice(x, start_indices, limit_indices, strides=None):
  x = asarray(x)
  start = _canonical_shape(start_indices, "slice start_indices")
  limit = _canonical_shape(limit_indices, "slice limit_indices")
  strides = None if strides is None else _canonical_shape(strides, "slice strides")
  shape = get_aval(x).shape
  params = dict(start_indices=start, limit_indices=limit, strides=strides)
  n = len(shape)
  # 0 <= start <= limit <= shape, checked in one pass (NumPy would clip or wrap silently).
  if (len(start) != n or len(limit) != n or not _builtins.all(_builtins.map(
      _operator.le, (0,) * n + start + limit, start + limit + shape))
      or (strides is not None and (len(strides) != n or _builtins.min(strides) <= 0))):
    _check_rule(_st.slice_p, x, **params)  # NumPy would clip or wrap silently
  return _st.slice_p.bind(x, **params)


def slice_in_dim(x, start_index, limit_index, stride=1, axis=0):
  x = asarray(x)
  shape = get_aval(x).shape
  axis = _int_arg(axis, "slice_in_dim axis")
  if not -len(shape) <= axis < len(shape):
    raise _axis_error(axis, len(shape))
  axis = axis % len(shape)
  start = [0] * len(shape)
  limit = list(shape)
  strides = [1] * len(shape)
  n = shape[axis]
  start_index = 0 if start_index is None else (start_index + n if start_index < 0 else start_index)
  limit_index = n if limit_index is None else (limit_index + n if limit_index < 0 else limit_index)
  start[axis], limit[axis], strides[axis] = start_index, limit_index, stride
  return slice(x, start, limit, strides)


def index_in_dim(x, index, axis=0, keepdims=True):
  x = asarray(x)
  shape = get_aval(x).shape
  axis, index = _int_arg(axis, "index_in_dim axis"), _int_arg(index, "index_in_dim index")
  if not -len(shape) <= axis < len(shape):
    raise _axis_error(axis, len(shape))
  n = shape[axis]
  if not -n <= index < n:
    raise IndexError(f"index {index} is out of bounds for axis {axis} with size {n}")
  index = index + n if index < 0 else index
  out = slice_in_dim(x, index, index + 1, 1, axis)
  return out if keepdims else squeeze(out, (axis,))


def _index_arg(i, what="dynamic_slice"):
  if isinstance(i, (str, bytes)) or i is None:
    raise TypeError(f"index arguments to {what} must be integers, got {i!r} of type "
                    f"{type(i).__name__}.")
  i = asarray(i)
  aval = get_aval(i)
  if aval.dtype.kind not in "iu":
    raise TypeError(f"index arguments to {what} must be integers, got {aval.dtype.name}")
  if aval.shape:
    raise TypeError(f"start_indices arguments to {what} must be scalars, got an index of shape "
                    f"{aval.shape}; pass one scalar index per operand dimension.")
  return i


def _dynamic_indices(x, start_indices, allow_negative_indices=True, what="dynamic_slice") -> list:
  """Start indices as integer arrays; negative ones count from the end (as in JAX), before
  the primitive clamps them into range."""
  shape = get_aval(x).shape
  if isinstance(start_indices, (str, bytes)) or not hasattr(start_indices, "__len__"):
    raise TypeError(f"start_indices to {what} must be a sequence of scalar indices, got "
                    f"{start_indices!r}.")
  if len(start_indices) != len(shape):
    raise ValueError(f"Length of slice indices must match number of operand dimensions "
                     f"({len(start_indices)} vs {shape})")
  if isinstance(allow_negative_indices, bool):
    allow_negative_indices = [allow_negative_indices] * len(shape)
  out = []
  for i, d, neg in zip(start_indices, shape, allow_negative_indices):
    if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
      # Static: wrap now, into a strongly typed index (JAX converts it the same way).
      dt = np.asarray(i).dtype if isinstance(i, np.integer) else dtypes.default_int()
      out.append(Array(np.array(i + d if neg and i < 0 else i, dt)[()], False))
      continue
    i = _index_arg(i, what)
    if not neg or get_aval(i).dtype.kind == "u":
      out.append(i)
    elif type(i) is Array:  # known now: wrap without staging anything
      out.append(Array(np.asarray(i._value + d, i.dtype)[()], i.weak_type)
                 if i._value < 0 else i)
    else:
      out.append(select(lt(i, 0), add(i, d), i))
  return out


def dynamic_slice(x, start_indices, slice_sizes, *, allow_negative_indices=True):
  """The slice of `slice_sizes` at `start_indices` (clamped into range)."""
  x = asarray(x)
  sizes = _canonical_shape(slice_sizes, "dynamic_slice slice_sizes")
  shape = get_aval(x).shape
  idx = _dynamic_indices(x, start_indices, allow_negative_indices)
  if len(sizes) != len(shape) or not all(0 <= n <= s for n, s in zip(sizes, shape)):
    _check_rule(_st.dynamic_slice_p, x, *idx, slice_sizes=sizes)  # NumPy would clip silently
  return _st.dynamic_slice_p.bind(x, *idx, slice_sizes=sizes)


def dynamic_update_slice(x, update, start_indices, *, allow_negative_indices=True):
  """x with `update` written at `start_indices` (clamped into range)."""
  x, update = _args(x, update)
  args = (x, update, *_dynamic_indices(x, start_indices, allow_negative_indices,
                                       "dynamic_update_slice"))
  xa, ua = get_aval(x), get_aval(update)
  if xa.dtype != ua.dtype or xa.ndim != ua.ndim:
    _check_rule(_st.dynamic_update_slice_p, *args)
  return _bind(_st.dynamic_update_slice_p, args, {})


def dynamic_slice_in_dim(x, start_index, slice_size, axis=0):
  x = asarray(x)
  shape = get_aval(x).shape
  axis = _int_arg(axis, "dynamic_slice_in_dim axis")
  if not -len(shape) <= axis < len(shape):
    raise _axis_error(axis, len(shape))
  starts = [np.int32(0)] * len(shape)
  starts[axis] = start_index
  sizes = list(shape)
  sizes[axis] = slice_size
  return dynamic_slice(x, starts, sizes)


def dynamic_index_in_dim(x, index, axis=0, keepdims=True):
  out = dynamic_slice_in_dim(x, index, 1, axis)
  return out if keepdims else squeeze(out, (axis,))


def dynamic_update_slice_in_dim(x, update, start_index, axis):
  x = asarray(x)
  nd = get_aval(x).ndim
  axis = _int_arg(axis, "dynamic_update_slice_in_dim axis")
  if not -nd <= axis < nd:
    raise _axis_error(axis, nd)
  starts = [np.int32(0)] * nd
  starts[axis] = start_index
  return dynamic_update_slice(x, update, starts)


def dynamic_update_index_in_dim(x, update, index, axis):
  update = asarray(update)
  if get_aval(update).ndim == get_aval(x).ndim - 1:
    update = expand_dims(update, (axis,))
  return dynamic_update_slice_in_dim(x, update, index, axis)


def _numeric_dtype(dtype, what: str):
  dt = dtypes.canonicalize_dtype(dtype)
  if dt.kind in _NON_NUMERIC:
    raise TypeError(f"{what} must be a numeric (or bool) dtype, got {dtype!r}")
  return dt


def iota(dtype, size: int):
  size, = _canonical_shape((size,), "iota size")
  if size < 0:
    raise TypeError(f"iota shape must have every element be nonnegative, got ({size},).")
  return _st.iota_p.bind(dtype=_numeric_dtype(dtype, "iota dtype"), shape=(size,), dimension=0,
                         sharding=None)


def broadcasted_iota(dtype, shape, dimension: int):
  shape = _canonical_shape(shape, "broadcasted_iota shape")
  if any(d < 0 for d in shape):
    raise TypeError(f"iota shape must have every element be nonnegative, got {shape}.")
  if not 0 <= dimension < len(shape):
    raise ValueError(f"iota dimension must be between 0 and len(shape), got "
                     f"dimension={dimension} for shape {shape}")
  return _st.iota_p.bind(dtype=_numeric_dtype(dtype, "iota dtype"), shape=shape,
                         dimension=int(dimension), sharding=None)


def full(shape, fill_value, dtype=None):
  """An array of `shape` filled with `fill_value`."""
  shape = _canonical_shape(shape)
  if any(d < 0 for d in shape):
    raise TypeError(f"broadcast_in_dim shape must have every element be nonnegative, got "
                    f"{shape}.")
  weak = dtype is None and _is_python_scalar(fill_value)
  if dtype is None:
    dtype = get_aval(fill_value).dtype
  dtype = dtypes.canonicalize_dtype(dtype)
  if isinstance(fill_value, Tracer):
    return broadcast_to_shape(convert_element_type(fill_value, dtype, weak), shape)
  if not _is_python_scalar(fill_value) and type(fill_value) is not Array:
    fill_value = asarray(fill_value)
  if get_aval(fill_value).shape:
    raise TypeError(f"full must be called with scalar fill_value, got fill_value.shape "
                    f"{get_aval(fill_value).shape}.")
  val = Array(np.array(fill_value._value if type(fill_value) is Array else fill_value,
                       dtype)[()], weak)
  if not shape:
    return val
  return broadcast_in_dim(val, shape, ())


def full_like(x, fill_value, dtype=None, shape=None):
  aval = get_aval(x)
  dt = dtypes.canonicalize_dtype(dtype) if dtype is not None else aval.dtype
  weak = aval.weak_type if dtype is None else False
  shape = aval.shape if shape is None else _canonical_shape(shape)
  if isinstance(fill_value, Tracer):
    return broadcast_to_shape(convert_element_type(fill_value, dt, weak), shape)
  if not _is_python_scalar(fill_value):
    fill_value = asarray(fill_value)._value
  val = Array(np.array(fill_value, dt)[()], weak)
  return broadcast_in_dim(val, shape, ()) if shape else val


def zeros_like_array(x):
  return full_like(x, 0)


def _zeros_like_aval(aval):
  if aval.dtype == dtypes.float0:
    return Array(np.zeros(aval.shape, dtypes.float0), False)
  return full(aval.shape, Array(np.array(0, aval.dtype)[()], aval.weak_type), aval.dtype) \
      if aval.shape else Array(np.array(0, aval.dtype)[()], aval.weak_type)


ad.zeros_like_aval = _zeros_like_aval


# ----------------------------------------------------------------------------------------------
# Reductions and contractions
# ----------------------------------------------------------------------------------------------
from numjax._src.lax import reductions as _red  # noqa: E402


def _axes(x, axes):
  aval = get_aval(x)
  nd = len(aval.shape)
  axes = _canonical_shape(axes, "reduction axes")
  if not axes or not nd:
    return ()
  if _builtins.min(axes) < -nd or _builtins.max(axes) >= nd:
    raise ValueError(f"reduction axes {axes} contains out-of-bounds indices for {aval}.")
  out = tuple(sorted({a % nd for a in axes}))
  if len(out) != len(axes):
    raise ValueError(f"duplicate value in 'axes' of reduction: {axes}")
  return out


def _reducer(prim):
  params = {"out_sharding": None} if prim is _red.reduce_sum_p else {}  # as JAX 0.10 binds them

  def reducer(x, axes):
    x = asarray(x)
    axes = _axes(x, axes)
    return prim.bind(x, axes=axes, **params) if axes else x
  reducer.__name__ = reducer.__qualname__ = prim.name
  reducer.__doc__ = f"`{prim.name}` over `axes` (a sequence of ints)."
  return reducer


reduce_sum = _reducer(_red.reduce_sum_p)
reduce_max = _reducer(_red.reduce_max_p)
reduce_min = _reducer(_red.reduce_min_p)
reduce_prod = _reducer(_red.reduce_prod_p)
reduce_and = _reducer(_red.reduce_and_p)
reduce_or = _reducer(_red.reduce_or_p)


def _arg_params(x, axis, index_dtype):
  shape = get_aval(x).shape
  axis = _int_arg(axis, "axis")
  if not 0 <= axis < len(shape):
    raise ValueError(f"Invalid axis {axis} for operand shape {shape}")
  if shape[axis] == 0:
    raise ValueError(f"attempt to get argmax or argmin of an empty sequence: axis {axis} of "
                     f"an operand of shape {shape} has size 0")
  index_dtype = dtypes.canonicalize_dtype(index_dtype)
  if index_dtype.kind not in "iu":
    raise TypeError(f"index_dtype must be an integer type, but got {index_dtype.name}")
  return dict(axes=(axis,), index_dtype=index_dtype)


def argmax(x, axis: int, index_dtype):
  x = asarray(x)
  return _red.argmax_p.bind(x, **_arg_params(x, axis, index_dtype))


def argmin(x, axis: int, index_dtype):
  x = asarray(x)
  return _red.argmin_p.bind(x, **_arg_params(x, axis, index_dtype))


class Precision(enum.Enum):
  """Precision of a matrix multiply or convolution on accelerators (`precision=` arguments).

  NumPy computes every product at full precision, so numjax records the value (it shows in
  jaxprs, as JAX prints it) without changing the numerics. Members: DEFAULT (aliases
  'default', 'bfloat16', 'fastest'), HIGH ('high', 'bfloat16_3x', 'tensorfloat32') and
  HIGHEST ('highest', 'float32').

      >>> lax.Precision("highest")
      Precision.HIGHEST
  """
  DEFAULT = 0
  HIGH = 1
  HIGHEST = 2

  @classmethod
  def _missing_(cls, value):
    return _PRECISION_STRINGS.get(value)

  def __repr__(self) -> str:
    return f"{type(self).__name__}.{self.name}"

  def __str__(self) -> str:
    return self.name


_PRECISION_STRINGS = {"highest": Precision.HIGHEST, "float32": Precision.HIGHEST,
                      "high": Precision.HIGH, "bfloat16_3x": Precision.HIGH,
                      "tensorfloat32": Precision.HIGH, "default": Precision.DEFAULT,
                      "bfloat16": Precision.DEFAULT, "fastest": Precision.DEFAULT,
                      None: Precision.DEFAULT}


def canonicalize_precision(precision) -> tuple | None:
  """A `precision=` argument as JAX binds it: None or a pair of `Precision` values.

  Accepts None (then the `jax_default_matmul_precision` flag decides), a Precision, one of
  the strings 'default', 'high', 'highest', 'bfloat16', 'tensorfloat32', 'float32', ..., or a
  pair of Precisions or a pair of strings (one per operand)."""
  if precision is None:
    default = _config.read("jax_default_matmul_precision")
    if default is None or default not in _PRECISION_STRINGS:
      return None  # (a DotAlgorithmPreset name: numjax has no algorithm presets)
    return canonicalize_precision(default)
  if isinstance(precision, str) and precision in _PRECISION_STRINGS:
    p = Precision(precision)
    return (p, p)
  if isinstance(precision, Precision):
    return (precision, precision)
  if isinstance(precision, (list, tuple)) and len(precision) == 2:
    if _builtins.all(isinstance(p, Precision) for p in precision):
      return tuple(precision)
    if _builtins.all(isinstance(p, str) for p in precision):
      return tuple(canonicalize_precision(p)[0] for p in precision)
  raise ValueError(
      "Precision argument must be one of:\n- None,\n"
      f"- a string in {list(_PRECISION_STRINGS)},\n"
      "- a lax.Precision value,\n"
      "- a tuple of two lax.Precision values or strings,\n"
      "- a lax.DotAlgorithmPreset or the name of one of these presets, or\n"
      "- a lax.DotAlgorithm value;\n"
      f"but got {precision}.")


def _dot_result_dtype(x: np.dtype, y: np.dtype) -> np.dtype:
  """XLA's (and JAX's) output dtype of a dot of mixed operand dtypes: the operand whose type
  is (complex, max exponent, mantissa bits, bit width, signed) larger."""
  def props(dt):
    c = dtypes.real_dtype(dt) if dt.kind == "c" else dt
    fl = c.kind == "f"
    return (dt.kind == "c", np.finfo(c).maxexp if fl else -1, np.finfo(c).nmant if fl else -1,
            1 if c == np.bool_ else c.itemsize * 8, c.kind != "u")
  px, py = props(x), props(y)
  if px == py and x != y:
    raise TypeError(f"lax.dot_general argument type error: {x}, {y}")
  return x if px >= py else y


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None,
                out_sharding=None):
  """General tensor contraction: ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch)).

  `precision` (a `Precision`, a string or a pair of them) is recorded, not used: NumPy
  computes at full precision. Without `preferred_element_type` the result has the operands'
  dtype (for mixed dtypes the wider one, as XLA picks it)."""
  lhs, rhs = _args(lhs, rhs)
  try:
    (lc, rc), (lb, rb) = dimension_numbers
    dn = ((_canonical_shape(lc), _canonical_shape(rc)),
          (_canonical_shape(lb), _canonical_shape(rb)))
  except (TypeError, ValueError):
    raise TypeError("dot_general dimension_numbers must be a pair "
                    "((lhs_contracting_dims, rhs_contracting_dims), (lhs_batch_dims, "
                    f"rhs_batch_dims)) of integer sequences, got {dimension_numbers!r}.") from None
  precision = canonicalize_precision(precision)
  if preferred_element_type is not None:
    pet = dtypes.canonicalize_dtype(preferred_element_type)
  else:
    xd, yd = get_aval(lhs).dtype, get_aval(rhs).dtype
    # Equal dtypes bind None, as JAX does; mixed ones name the result dtype for the impl.
    pet = None if xd == yd else _dot_result_dtype(xd, yd)
  params = dict(dimension_numbers=dn, precision=precision, preferred_element_type=pet,
                out_sharding=None)
  try:
    return _red.dot_general_p.bind(lhs, rhs, **params)
  except (ValueError, TypeError, IndexError) as e:
    raise _rule_error(_red.dot_general_p, (lhs, rhs), params, e) from None


def dot(lhs, rhs, *, dimension_numbers=None, precision=None, preferred_element_type=None,
        out_sharding=None):
  """Vector/matrix product of rank-1 or rank-2 operands, or a `dot_general` when
  `dimension_numbers` is given (JAX 0.10's `lax.dot`)."""
  lhs, rhs = _args(lhs, rhs)
  if dimension_numbers is None:
    ls, rs = get_aval(lhs).shape, get_aval(rhs).shape
    if not (1 <= len(ls) <= 2 and 1 <= len(rs) <= 2 and ls[-1] == rs[0]):
      raise ValueError("jax.lax.dot: dimension_numbers must be specified when not performing "
                       "simple un-batched matrix-matrix, matrix-vector, or vector-vector "
                       f"products; got lhs_shape={ls} rhs_shape={rs}")
    dimension_numbers = (((len(ls) - 1,), (0,)), ((), ()))
  return dot_general(lhs, rhs, dimension_numbers, precision, preferred_element_type)


# ----------------------------------------------------------------------------------------------
# Batching helpers the interpreters use
# ----------------------------------------------------------------------------------------------
def _moveaxis(x, src: int, dst: int):
  if src == dst and src >= 0:
    return x
  nd = get_aval(x).ndim
  src, dst = src % nd, dst % nd
  if src == dst:
    return x
  perm = [i for i in range(nd) if i != src]
  perm.insert(dst, src)
  return transpose(x, perm)


def _broadcast_batched(x, size: int, axis: int):
  x = asarray(x)
  shape = list(get_aval(x).shape)
  shape.insert(axis, size)
  dims = tuple(i for i in range(len(shape)) if i != axis)
  return broadcast_in_dim(x, tuple(shape), dims)


def _stack(xs):
  return concatenate([expand_dims(x, (0,)) for x in xs], 0)


batching.moveaxis = _moveaxis
batching.broadcast_batched = _broadcast_batched
batching.index_in_dim = lambda x, i, axis: index_in_dim(x, i, axis, keepdims=False)
batching.stack = _stack


# ----------------------------------------------------------------------------------------------
# Indexing (gather/scatter), cumulative reductions and sorting: lax/indexing.py, cumulative.py,
# sorting.py
# ----------------------------------------------------------------------------------------------
from numjax._src.lax.indexing import (  # noqa: E402,F401
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, gather, scatter,
    scatter_add, scatter_max, scatter_min, scatter_mul, scatter_sub)
from numjax._src.lax.cumulative import (  # noqa: E402,F401
    cumlogsumexp, cummax, cummin, cumprod, cumsum)
from numjax._src.lax.sorting import sort, sort_key_val, top_k  # noqa: E402,F401


# ----------------------------------------------------------------------------------------------
# Control flow
# ----------------------------------------------------------------------------------------------
from numjax._src.lax.control_flow import (  # noqa: E402,F401
    cond, custom_linear_solve, custom_root, fori_loop, map, scan, switch, while_loop)


from numjax._src.lax.parallel import (  # noqa: E402,F401
    all_gather, axis_index, axis_size, pmax, pmean, pmin, psum)
from numjax._src.lax.convolution import (  # noqa: E402,F401
    ConvDimensionNumbers, ConvGeneralDilatedDimensionNumbers, conv, conv_dimension_numbers,
    conv_general_dilated, conv_general_dilated_p, conv_general_dilated_patches,
    conv_general_permutations, reduce_window_shape_tuple,
    conv_general_shape_tuple, conv_shape_tuple, conv_transpose, conv_transpose_shape_tuple,
    conv_with_general_padding, padtype_to_pads)
from numjax._src.lax.windowed import (  # noqa: E402,F401
    associative_scan, reduce, reduce_precision, reduce_window)
from numjax._src.lax.more import *  # noqa: E402,F401,F403  (lax functions of more.py, parallel.py)
