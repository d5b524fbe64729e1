"""The core of `numjax.numpy`: creation, elementwise math, reductions, shapes, products.

Written in terms of lax only (never NumPy on traced values), so every function works under
every transformation.
"""
from __future__ import annotations

import builtins
import math
import operator as _operator
from typing import Any, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import Tracer, get_aval
from numjax._src.lax import lax
from numjax._src.lax.base import index_arg as _index_arg
from numjax._src.lax import elementwise as ew
from numjax._src.numpy import fastpath as _fast
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import axis_tuple as _axis_tuple
from numjax._src.numpy.util import (canonicalize_axis, check_arraylike, convert, dtype_of,
                                    ndim_of, promote_args, promote_args_inexact,
                                    promote_args_numeric, promote_dtypes, promote_dtypes_inexact,
                                    shape_of)

pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
euler_gamma = np.euler_gamma
newaxis = None

ndarray = Array


# ----------------------------------------------------------------------------------------------
# Creation
# ----------------------------------------------------------------------------------------------
def _leaves_have_tracer(x) -> bool:
  if isinstance(x, Tracer):
    return True
  if isinstance(x, (list, tuple)):
    return builtins.any(_leaves_have_tracer(v) for v in x)
  return False


def array(object, dtype=None, copy: bool = True, order=None, ndmin: int = 0) -> Any:
  """Create an array. Python scalars stay weakly typed: `jnp.array(1.)` is weak float32."""
  if dtype is not None:
    dtype = dtypes.canonicalize_dtype(dtype)
  t = type(object)
  if t is Array or isinstance(object, Tracer):
    out = object if dtype is None else lax.convert_element_type(object, dtype)
  elif t in (int, float, complex, bool):
    dt, weak = dtypes.dtype_and_weak(object)
    out = Array(np.array(object, dtype or dt), weak and dtype is None)
  elif isinstance(object, (list, tuple)) and _leaves_have_tracer(object):
    items = [array(o, dtype) for o in object]
    out = stack(items) if items else Array(np.array([], dtype or dtypes.default_float()))
  elif isinstance(object, (np.ndarray, np.generic)):
    if object.dtype.kind in "OSUMm":
      _invalid_array_value(object, object.dtype)
    dt = dtype or dtypes.canonicalize_dtype(object.dtype)
    out = Array(np.array(object, dt), False)
  elif hasattr(object, "__jax_array__"):
    return array(object.__jax_array__(), dtype)
  elif object is None:
    raise ValueError("None is not a valid value for jnp.array")
  else:
    if isinstance(object, (list, tuple)):
      object = _to_numpy_nested(object)
    try:
      np_val = np.array(object)
    except ValueError as err:  # ragged nested sequences
      raise ValueError(f"jnp.array: cannot convert {object!r} to an array: {err}") from None
    if np_val.dtype == object.__class__ or np_val.dtype.kind == "O":
      raise TypeError(f"JAX only supports number and bool dtypes, got {np_val.dtype} "
                      f"for {type(object).__name__} input")
    if np_val.dtype.kind in "SUMm":
      _invalid_array_value(object, np_val.dtype)
    weak = False
    if dtype is None:
      dt, weak = _infer_list_dtype(object, np_val)
    out = Array(np.array(np_val, dtype or dt), weak if dtype is None else False)
  if ndmin > ndim_of(out):
    out = lax.expand_dims(out, tuple(range(ndmin - ndim_of(out))))
  return out


def _invalid_array_value(value, dtype):
  raise TypeError(f"Value {value!r} with dtype {dtype.str} is not a valid JAX array type. Only "
                  "arrays of numeric types are supported by JAX.")


def _to_numpy_nested(obj):
  if isinstance(obj, (list, tuple)):
    return [_to_numpy_nested(o) for o in obj]
  if type(obj) is Array:
    return np.asarray(obj._value)
  return obj


def _infer_list_dtype(obj, np_val):
  leaves = []

  def walk(o):
    if isinstance(o, (list, tuple)):
      for v in o:
        walk(v)
    else:
      leaves.append(o)
  walk(obj)
  if not leaves:
    return dtypes.default_float(), False
  return dtypes.result_type(*leaves, return_weak_type_flag=True)[0], False


def asarray(a, dtype=None, order=None, copy=None) -> Any:
  if dtype is None and (type(a) is Array or isinstance(a, Tracer)):
    return a
  return array(a, dtype=dtype, copy=False)


def _dtype_arg(dtype, default=None):
  return dtypes.canonicalize_dtype(dtype if dtype is not None else (default or dtypes.default_float()))


def _filled(shape, value, dtype):
  shape, dtype = _shape_arg(shape), _dtype_arg(dtype)
  if core._ctx.trace is core.eval_trace and builtins.all(d >= 0 for d in shape):
    return Array(np.full(shape, value, dtype), False)   # eager: NumPy directly
  return lax.full(shape, value, dtype)


def zeros(shape, dtype=None) -> Any:
  return _filled(shape, 0, dtype)


def ones(shape, dtype=None) -> Any:
  return _filled(shape, 1, dtype)


def empty(shape, dtype=None) -> Any:
  return zeros(shape, dtype)


def full(shape, fill_value, dtype=None) -> Any:
  shape = _shape_arg(shape)
  if dtype is None:
    fill = asarray(fill_value)
    if ndim_of(fill) == 0:
      return lax.full(shape, fill)
    return broadcast_to(fill, shape)
  fill = asarray(fill_value, dtypes.canonicalize_dtype(dtype))
  return broadcast_to(fill, shape)


def _shape_arg(shape) -> tuple:
  if isinstance(shape, (int, np.integer)) or (type(shape) is Array and shape.ndim == 0):
    return (_operator.index(shape),)
  try:
    return tuple(_operator.index(core.concrete_value(s).item()) if isinstance(s, Tracer) else
                 _operator.index(s) for s in shape)
  except (TypeError, AttributeError) as err:
    raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got "
                    f"{shape!r}.") from err


def zeros_like(a, dtype=None, shape=None) -> Any:
  check_arraylike("zeros_like", a)
  return lax.full_like(asarray(a), 0, dtype, shape)


def ones_like(a, dtype=None, shape=None) -> Any:
  check_arraylike("ones_like", a)
  return lax.full_like(asarray(a), 1, dtype, shape)


def empty_like(a, dtype=None, shape=None) -> Any:
  return zeros_like(a, dtype, shape)


def full_like(a, fill_value, dtype=None, shape=None) -> Any:
  check_arraylike("full_like", a)
  return lax.full_like(asarray(a), fill_value, dtype, shape)


def eye(N: int, M: int | None = None, k: int = 0, dtype=None) -> Any:
  dt = _dtype_arg(dtype)
  N = _index_arg(N, "jnp.eye N")
  M, k = (None if v is None else _index_arg(v, f"jnp.eye {name}") for v, name in ((M, "M"),
                                                                                     (k, "k")))
  if N < 0 or (M is not None and M < 0):
    raise ValueError(f"negative dimensions are not allowed, got {N} and {M}")
  M = N if M is None else M
  rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
  cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
  return lax.convert_element_type(lax.eq(lax.add(rows, np.int32(k)), cols), dt)


def identity(n: int, dtype=None) -> Any:
  return eye(n, dtype=dtype)


def arange(start, stop=None, step=None, dtype=None) -> Any:
  for name, v in (("start", start), ("stop", stop), ("step", step)):
    if isinstance(v, Tracer) and core.concrete_value(v) is None:
      raise core.ConcretizationTypeError(v, "It arose in the jnp.arange argument. ")
    if v is not None and (np.ndim(v) if not isinstance(v, (Tracer, Array)) else
                          get_aval(v).ndim) or isinstance(v, (str, bytes)) or (
                              name == "start" and v is None):
      raise TypeError(f"jnp.arange: {name} must be a scalar, got {v!r}")
  vals = [core.concrete_value(v).item() if isinstance(v, (Tracer, Array)) else v
          for v in (start, stop, step)]
  start, stop, step = vals
  if stop is None and step is None:
    np_out = np.arange(start)
  else:
    np_out = np.arange(start, stop, step if step is not None else 1)
  if dtype is None:
    dt = dtypes.result_type(*[v for v in (start, stop, step) if v is not None])
  else:
    dt = dtypes.canonicalize_dtype(dtype)
  if stop is None and step is None and dt.kind in "iu" and np_out.size:
    return lax.iota(dt, np_out.size)
  return Array(np.asarray(np_out, dt), False)


def linspace(start, stop, num: int = 50, endpoint: bool = True, retstep: bool = False,
             dtype=None, axis: int = 0) -> Any:
  num = _index_arg(num, "jnp.linspace num")
  if num < 0:
    raise ValueError(f"Number of samples, {num}, must be non-negative.")
  dt = _dtype_arg(dtype, dtypes.result_type(start, stop, dtypes.default_float()))
  comp = dt if dt.kind in "fc" else dtypes.default_float()
  start, stop = asarray(start, comp), asarray(stop, comp)
  bshape = _util_broadcast_shapes(shape_of(start), shape_of(stop))
  start, stop = broadcast_to(start, bshape), broadcast_to(stop, bshape)
  div = (num - 1) if endpoint else num
  iota_shape = (num,) + (1,) * len(bshape)
  it = lax.broadcasted_iota(comp, iota_shape, 0)
  delta = lax.sub(stop, start)
  if num > 1:
    step = lax.div(delta, np.array(div, comp))
    out = lax.add(expand_dims(start, 0),
                  lax.mul(it, expand_dims(step, 0)) if div else it)
    if endpoint:
      out = concatenate([out[:-1], expand_dims(stop, 0)], 0)
  elif num == 1:
    out = expand_dims(start, 0)
    step = delta
  else:
    out = zeros((0,) + bshape, comp)
    step = delta
  out = moveaxis(out, 0, axis)
  if dt.kind in "iu":  # as JAX: round down, not toward zero
    out = lax.floor(out)
  out = lax.convert_element_type(out, dt) if dt != comp else out
  return (out, step) if retstep else out


def tri(N, M=None, k=0, dtype=None):
  M = N if M is None else M
  rows = lax.broadcasted_iota(dtypes.int32, (N, M), 0)
  cols = lax.broadcasted_iota(dtypes.int32, (N, M), 1)
  return lax.convert_element_type(lax.ge(lax.add(rows, np.int32(k)), cols), _dtype_arg(dtype))


def tril(m, k=0):
  m = asarray(m)
  if ndim_of(m) < 2:
    raise ValueError(f"Argument to jax.numpy.tril must be at least 2D, got shape {shape_of(m)}")
  mask = tri(*shape_of(m)[-2:], k=k, dtype=bool)
  return where(mask, m, zeros_like(m))


def triu(m, k=0):
  m = asarray(m)
  if ndim_of(m) < 2:
    raise ValueError(f"Argument to jax.numpy.triu must be at least 2D, got shape {shape_of(m)}")
  mask = tri(*shape_of(m)[-2:], k=k - 1, dtype=bool)
  return where(mask, zeros_like(m), m)


# ----------------------------------------------------------------------------------------------
# Elementwise math
# ----------------------------------------------------------------------------------------------
def _one_inexact(prim, name):
  def f(x, /):
    out = _fast.unary(prim, x)
    if out is not None:
      return out
    x, = promote_args_inexact(name, x)
    return prim.bind(x)
  f.__name__ = f.__qualname__ = name
  f.__doc__ = f"Elementwise {name} (`jnp.{name}`), computed in float for integer inputs."
  return f


def _one_numeric(prim, name):
  def f(x, /):
    x, = promote_args(name, x)
    return prim.bind(x)
  f.__name__ = f.__qualname__ = name
  return f


def _two(prim, name, inexact=False, bool_prim=None):
  promote = promote_args_inexact if inexact else promote_args

  def f(x1, x2, /):
    out = _fast.binary(prim, x1, x2, inexact)
    if out is not None:
      return out
    args = promote(name, x1, x2)
    if bool_prim is not None and get_aval(args[0]).dtype == np.bool_:
      return bool_prim.bind(*args)  # JAX: add is logical or, multiply logical and, on bools
    return prim.bind(*args)
  f.__name__ = f.__qualname__ = name
  f.__doc__ = f"Elementwise {name} (`jnp.{name}`) with JAX's type promotion and broadcasting."
  return f


sin = _one_inexact(ew.sin_p, "sin")
cos = _one_inexact(ew.cos_p, "cos")
tan = _one_inexact(ew.tan_p, "tan")
arcsin = _one_inexact(ew.asin_p, "arcsin")
arccos = _one_inexact(ew.acos_p, "arccos")
arctan = _one_inexact(ew.atan_p, "arctan")
sinh = _one_inexact(ew.sinh_p, "sinh")
cosh = _one_inexact(ew.cosh_p, "cosh")
tanh = _one_inexact(ew.tanh_p, "tanh")
arcsinh = _one_inexact(ew.asinh_p, "arcsinh")
arccosh = _one_inexact(ew.acosh_p, "arccosh")
arctanh = _one_inexact(ew.atanh_p, "arctanh")
exp = _one_inexact(ew.exp_p, "exp")
exp2 = _one_inexact(ew.exp2_p, "exp2")
expm1 = _one_inexact(ew.expm1_p, "expm1")
log = _one_inexact(ew.log_p, "log")
log1p = _one_inexact(ew.log1p_p, "log1p")
sqrt = _one_inexact(ew.sqrt_p, "sqrt")
cbrt = _one_inexact(ew.cbrt_p, "cbrt")
asin, acos, atan, asinh, acosh, atanh = arcsin, arccos, arctan, arcsinh, arccosh, arctanh
negative = _one_numeric(ew.neg_p, "negative")
sign = _one_numeric(ew.sign_p, "sign")
def conjugate(x, /):
  """Complex conjugate; real and integer inputs come back unchanged (lax.conj would make them
  complex)."""
  x, = promote_args("conjugate", x)
  return lax.conj(x) if dtype_of(x).kind == "c" else x


conj = conjugate

add = _two(ew.add_p, "add", bool_prim=ew.or_p)
subtract = _two(ew.sub_p, "subtract")
multiply = _two(ew.mul_p, "multiply", bool_prim=ew.and_p)
arctan2 = _two(ew.atan2_p, "arctan2", inexact=True)
atan2 = arctan2
nextafter = _two(ew.nextafter_p, "nextafter", inexact=True)
equal = _two(ew.eq_p, "equal")
not_equal = _two(ew.ne_p, "not_equal")


def _maybe_complex(x) -> bool:
  t = type(x)
  if t is Array:
    return x._value.dtype.kind == "c"
  if t is float or t is int or t is bool:
    return False
  if isinstance(x, Tracer):
    return x.aval.dtype.kind == "c"
  return True  # complex scalars, NumPy values, lists: decided after promotion


def _ordering(prim, name):
  """A comparison that orders complex numbers as JAX does: lexicographically, by real part
  and then by imaginary part (lax's comparisons themselves reject complex operands).

      >>> jnp.greater(1 + 2j, 1 + 1j)
      Array(True, dtype=bool, weak_type=True)
  """
  real_only = _two(prim, name)

  def f(x1, x2, /):
    if not (_maybe_complex(x1) or _maybe_complex(x2)):
      return real_only(x1, x2)
    x1, x2 = promote_args(name, x1, x2)
    if dtype_of(x1).kind != "c":
      return prim.bind(x1, x2)
    return lax.select(lax.eq(lax.real(x1), lax.real(x2)),
                      prim.bind(lax.imag(x1), lax.imag(x2)),
                      prim.bind(lax.real(x1), lax.real(x2)))
  f.__name__ = f.__qualname__ = name
  f.__doc__ = (f"Elementwise {name} (`jnp.{name}`) with JAX's type promotion and "
               "broadcasting; complex numbers compare lexicographically (real, then imaginary).")
  return f


less = _ordering(ew.lt_p, "less")
less_equal = _ordering(ew.le_p, "less_equal")
greater = _ordering(ew.gt_p, "greater")
greater_equal = _ordering(ew.ge_p, "greater_equal")
bitwise_and = _two(ew.and_p, "bitwise_and")
bitwise_or = _two(ew.or_p, "bitwise_or")
bitwise_xor = _two(ew.xor_p, "bitwise_xor")
left_shift = _two(ew.shift_left_p, "left_shift")


def right_shift(x1, x2, /):
  x1, x2 = promote_args("right_shift", x1, x2)
  prim = ew.shift_right_logical_p if dtype_of(x1).kind == "u" else ew.shift_right_arithmetic_p
  return prim.bind(x1, x2)


def maximum(x1, x2, /):
  out = _fast.binary(ew.max_p, x1, x2)
  if out is not None:
    return out
  x1, x2 = promote_args("maximum", x1, x2)
  return ew.max_p.bind(x1, x2)


def minimum(x1, x2, /):
  out = _fast.binary(ew.min_p, x1, x2)
  if out is not None:
    return out
  x1, x2 = promote_args("minimum", x1, x2)
  return ew.min_p.bind(x1, x2)


def logical_and(x1, x2, /):
  return ew.and_p.bind(*promote_args("logical_and", asarray(x1, bool), asarray(x2, bool)))


def logical_or(x1, x2, /):
  return ew.or_p.bind(*promote_args("logical_or", asarray(x1, bool), asarray(x2, bool)))


def logical_xor(x1, x2, /):
  return ew.xor_p.bind(*promote_args("logical_xor", asarray(x1, bool), asarray(x2, bool)))


def logical_not(x, /):
  return ew.not_p.bind(asarray(x, bool))


def invert(x, /):
  x, = promote_args("invert", x)
  return ew.not_p.bind(x)


bitwise_not = invert


def true_divide(x1, x2, /):
  out = _fast.binary(ew.div_p, x1, x2, True)
  if out is not None:
    return out
  x1, x2 = promote_args_inexact("true_divide", x1, x2)
  return ew.div_p.bind(x1, x2)


divide = true_divide


def floor_divide(x1, x2, /):
  x1, x2 = promote_args_numeric("floor_divide", x1, x2)
  dt = dtype_of(x1)
  if dt.kind in "iu":
    q = lax.div(x1, x2)
    if dt.kind == "i":
      # lax.div rounds toward zero; step down where the signs differ and there is a remainder.
      r = lax.rem(x1, x2)
      adjust = logical_and(not_equal(r, 0), not_equal(lax.lt(x1, 0 * x1 if False else zeros_like(x1)),
                                                      lax.lt(x2, zeros_like(x2))))
      q = where(adjust, lax.sub(q, ones_like(q)), q)
    return q
  return lax.floor(lax.div(x1, x2))


def remainder(x1, x2, /):
  x1, x2 = promote_args_numeric("remainder", x1, x2)
  r = lax.rem(x1, x2)
  fix = logical_and(not_equal(r, zeros_like(r)), not_equal(lax.lt(r, zeros_like(r)),
                                                           lax.lt(x2, zeros_like(x2))))
  return where(fix, lax.add(r, x2), r)


mod = remainder


def fmod(x1, x2, /):
  return lax.rem(*promote_args_numeric("fmod", x1, x2))


def divmod(x1, x2, /):
  return floor_divide(x1, x2), remainder(x1, x2)


def power(x1, x2, /):
  check_arraylike("power", x1, x2)
  if type(x2) is int or (isinstance(x2, (np.integer,)) and not isinstance(x2, bool)):
    x1, = promote_args_numeric("power", x1)
    return lax.integer_pow(x1, int(x2))
  x1, x2 = promote_args_numeric("power", x1, x2)
  if dtype_of(x1).kind in "iu":
    return _int_power(x1, x2)
  return ew.pow_p.bind(x1, x2)


pow = power


def _int_power(x, y):
  c = core.concrete_value(y)
  if c is not None and np.ndim(c) == 0:
    return lax.integer_pow(x, int(c))
  raise NotImplementedError("integer power with a traced or array exponent")


def square(x, /):
  x, = promote_args_numeric("square", x)
  return lax.integer_pow(x, 2)


def reciprocal(x, /):
  x, = promote_args_inexact("reciprocal", x)
  return lax.integer_pow(x, -1)


def absolute(x, /):
  x, = promote_args("absolute", x)
  if dtype_of(x).kind in "ub":
    return x
  return ew.abs_p.bind(x)


abs = absolute


def fabs(x, /):
  return ew.abs_p.bind(*promote_args_inexact("fabs", x))


def positive(x, /):
  return asarray(x)


def floor(x, /):
  x, = promote_args("floor", x)
  return x if dtype_of(x).kind in "iub" else ew.floor_p.bind(x)


def ceil(x, /):
  x, = promote_args("ceil", x)
  return x if dtype_of(x).kind in "iub" else ew.ceil_p.bind(x)


def trunc(x, /):
  x = asarray(x)
  if dtype_of(x).kind in "iub":
    return x
  return where(lax.lt(x, zeros_like(x)), ceil(x), floor(x))


def round(a, decimals: int = 0, out=None):
  decimals = _index_arg(decimals, "jnp.round decimals")
  a, = promote_args("round", a)
  if dtype_of(a).kind in "iub":
    return a
  if dtype_of(a).kind == "c":
    return lax.complex(round(lax.real(a), decimals), round(lax.imag(a), decimals))
  if decimals == 0:
    return lax.round(a, lax.RoundingMethod.TO_NEAREST_EVEN)
  factor = np.array(10.0 ** decimals, dtype_of(a))
  return lax.div(lax.round(lax.mul(a, factor), lax.RoundingMethod.TO_NEAREST_EVEN), factor)


around = round
rint = lambda x: round(x)


def real(val, /):
  val = asarray(val)
  return ew.real_p.bind(val) if dtype_of(val).kind == "c" else val


def imag(val, /):
  val = asarray(val)
  return ew.imag_p.bind(val) if dtype_of(val).kind == "c" else zeros_like(val)


def angle(z, deg=False):
  z = asarray(z)
  out = arctan2(imag(z), real(z))
  return out * (180 / np.pi) if deg else out


def isfinite(x, /):
  x = asarray(x)
  if dtype_of(x).kind in "iub":
    return full(shape_of(x), True)
  if dtype_of(x).kind == "c":
    return logical_and(isfinite(real(x)), isfinite(imag(x)))
  return ew.is_finite_p.bind(x)


def isnan(x, /):
  x = asarray(x)
  if dtype_of(x).kind in "iub":
    return full(shape_of(x), False)
  return not_equal(x, x)


def isinf(x, /):
  x = asarray(x)
  if dtype_of(x).kind in "iub":
    return full(shape_of(x), False)
  return equal(absolute(x), np.inf)


def logaddexp(x1, x2, /):
  x1, x2 = promote_args_inexact("logaddexp", x1, x2)
  amax = lax.max(x1, x2)
  delta = lax.sub(x1, x2)
  return where(isnan(delta), lax.add(x1, x2),
               lax.add(amax, lax.log1p(lax.exp(lax.neg(lax.abs(delta))))))


def sinc(x, /):
  x, = promote_args_inexact("sinc", x)
  pix = lax.mul(x, np.array(np.pi, dtype_of(x)))
  safe = where(equal(x, 0), ones_like(x), pix)
  return where(equal(x, 0), ones_like(x), lax.div(lax.sin(safe), safe))


def deg2rad(x, /):
  x, = promote_args_inexact("deg2rad", x)
  return lax.mul(x, np.array(np.pi / 180, dtype_of(x)))


def rad2deg(x, /):
  x, = promote_args_inexact("rad2deg", x)
  return lax.mul(x, np.array(180 / np.pi, dtype_of(x)))


radians, degrees = deg2rad, rad2deg


def log2(x, /):
  x, = promote_args_inexact("log2", x)
  return lax.div(lax.log(x), np.array(np.log(2), dtype_of(x)))


def log10(x, /):
  x, = promote_args_inexact("log10", x)
  return lax.div(lax.log(x), np.array(np.log(10), dtype_of(x)))


def hypot(x1, x2, /):
  x1, x2 = promote_args_inexact("hypot", x1, x2)
  return lax.sqrt(lax.add(lax.mul(x1, x1), lax.mul(x2, x2)))


def heaviside(x1, x2, /):
  x1, x2 = promote_args_inexact("heaviside", x1, x2)
  return where(lax.lt(x1, zeros_like(x1)), zeros_like(x1),
               where(lax.gt(x1, zeros_like(x1)), ones_like(x1), x2))


def signbit(x, /):
  """True where the sign bit is set (also for -0.0 and negative NaNs)."""
  x = asarray(x)
  dt = dtype_of(x)
  if dt.kind == "f":
    itype = {2: np.int16, 4: np.int32, 8: np.int64}[dt.itemsize]
    return lax.lt(lax.bitcast_convert_type(x, itype), itype(0))
  if dt.kind == "i":
    return lax.lt(x, zeros_like(x))
  return full(shape_of(x), False)


def copysign(x1, x2, /):
  x1, x2 = promote_args_inexact("copysign", x1, x2)
  return where(signbit(x2), lax.neg(lax.abs(x1)), lax.abs(x1))


def clip(arr=None, /, min=None, max=None, *, a=None, a_min=None, a_max=None):
  """Limit values to [min, max] (complex values have no order: ValueError, as in JAX)."""
  x = arr if arr is not None else a
  if x is None:
    raise ValueError("No input was provided to the clip function.")
  check_arraylike("clip", x)
  lo = min if min is not None else a_min
  hi = max if max is not None else a_max
  if builtins.any(iscomplexobj(t) for t in (x, lo, hi)):
    raise ValueError(
        "Clip received a complex value either through the input or the min/max keywords. "
        "Complex values have no ordering and cannot be clipped. Please convert to a real value "
        "or array by taking the real or imaginary components via jax.numpy.real/imag "
        "respectively.")
  x = asarray(x)
  if lo is not None:
    x = maximum(lo, x)
  if hi is not None:
    x = minimum(hi, x)
  return x


_key_array_type = None


def _key_arrays(xs) -> bool:
  """Whether typed PRNG key arrays are among `xs` (jnp's structural functions then act on
  their uint32 key data, whose extra trailing axis is the key's)."""
  global _key_array_type
  if _key_array_type is None:
    from numjax._src.random import PRNGKeyArray
    _key_array_type = PRNGKeyArray
  return builtins.any(type(x) is _key_array_type for x in xs)


def _key_data_of(xs, what: str) -> list:
  if not builtins.all(type(x) is _key_array_type for x in xs):
    raise TypeError(f"{what}: cannot mix typed PRNG key arrays with other arrays.")
  return [x._base for x in xs]


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
  """Elementwise `x if condition else y` (the one-argument form needs `size`)."""
  if x is not None and y is not None and _key_arrays((x, y)):
    xd, yd = _key_data_of((x, y), "where")
    return _key_array_type(where(expand_dims(asarray(condition), -1), xd, yd))
  if x is None and y is None:
    return nonzero(condition, size=size, fill_value=fill_value)
  if x is None or y is None:
    raise ValueError("Either both or neither of the x and y arguments should be provided to "
                     "jax.numpy.where, got {} and {}.".format(x, y))
  check_arraylike("where", condition, x, y)
  x, y = promote_dtypes(x, y)
  cond = asarray(condition)
  if (type(cond) is Array and type(x) is Array and type(y) is Array
      and core._ctx.trace is core.eval_trace):
    # Eager: NumPy's where broadcasts as jnp.where does, and selecting is exact.
    c = cond._value
    try:
      return Array(np.where(c if c.dtype == np.bool_ else c != 0, x._value, y._value),
                   x.weak_type and y.weak_type)
    except ValueError:
      pass  # shapes that do not broadcast: the general path raises JAX's error
  if dtype_of(cond) != np.bool_:
    cond = not_equal(cond, zeros_like(cond))
  cond, x, y = _broadcast_all(cond, x, y)
  return lax.select(cond, x, y)


def _broadcast_all(*args):
  shapes = [shape_of(a) for a in args]
  first = shapes[0]
  if builtins.all(s == first for s in shapes):
    return list(args)
  shape = _util_broadcast_shapes(*shapes)
  return [a if s == shape else broadcast_to(a, shape) for a, s in zip(args, shapes)]


def nonzero(a, *, size=None, fill_value=None):
  """Indices of the nonzero elements (see numjax/_src/numpy/advanced_indexing.py)."""
  from numjax._src.numpy.advanced_indexing import nonzero as _nonzero
  return _nonzero(a, size=size, fill_value=fill_value)


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
  """True where all |a - b| <= atol + rtol * |b|."""
  return all(isclose(a, b, rtol, atol, equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
  a, b = promote_args("isclose", a, b)
  dt = dtype_of(a)
  if dt.kind in "fc":
    rtol_, atol_ = np.array(rtol, dtypes.real_dtype(dt)), np.array(atol, dtypes.real_dtype(dt))
    out = lax.le(absolute(lax.sub(a, b)), lax.add(atol_, lax.mul(rtol_, absolute(b))))
    out = logical_and(out, logical_or(logical_and(isfinite(a), isfinite(b)), equal(a, b)))
    if equal_nan:
      out = logical_or(out, logical_and(isnan(a), isnan(b)))
    return out
  return equal(a, b)


def array_equal(a1, a2, equal_nan=False):
  check_arraylike("array_equal", a1, a2)
  if shape_of(asarray(a1)) != shape_of(asarray(a2)):
    return asarray(False)
  eq = equal(a1, a2)
  if equal_nan:
    eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
  return all(eq)


# ----------------------------------------------------------------------------------------------
# Reductions
# ----------------------------------------------------------------------------------------------
def _reduction_axes(x, axis):
  nd = ndim_of(x)
  if axis is None:
    return tuple(range(nd))
  if isinstance(axis, (tuple, list)):
    axes = tuple(sorted(canonicalize_axis(a, nd) for a in axis))
    if len(set(axes)) != len(axes):
      raise ValueError(f"duplicate value in 'axis': {tuple(axis)}")
    return axes
  return (canonicalize_axis(axis, nd),)


def _keep(out, x, axes, keepdims):
  if not keepdims:
    return out
  # As JAX: the kept axes come back with a broadcast_in_dim (an expand_dims).
  return lax.expand_dims(out, tuple(sorted(a % ndim_of(x) for a in axes)))


def _masked(x, where_, identity):
  if where_ is None:
    return x
  return lax.select(broadcast_to(asarray(where_), shape_of(x)), x,
                    lax.full_like(x, identity))


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
        promote_integers=True):
  check_arraylike("sum", a)
  a = asarray(a)
  dt = dtype_of(a)
  if dtype is not None:
    a = lax.convert_element_type(a, dtypes.canonicalize_dtype(dtype))
  elif dt == np.bool_ or (promote_integers and dt.kind in "iu" and dt.itemsize < 4):
    a = lax.convert_element_type(a, dtypes.default_int() if dt.kind != "u" else dtypes.default_uint())
  axes = _reduction_axes(a, axis)
  a = _masked(a, where, 0)
  out = lax.reduce_sum(a, axes)
  if initial is not None:
    out = lax.add(out, initial)
  return _keep(out, a, axes, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
  check_arraylike("prod", a)
  a = asarray(a)
  dt = dtype_of(a)
  if dtype is not None:
    a = lax.convert_element_type(a, dtypes.canonicalize_dtype(dtype))
  elif dt == np.bool_ or (promote_integers and dt.kind in "iu" and dt.itemsize < 4):
    a = lax.convert_element_type(a, dtypes.default_int())
  axes = _reduction_axes(a, axis)
  a = _masked(a, where, 1)
  out = lax.reduce_prod(a, axes)
  if initial is not None:
    out = lax.mul(out, initial)
  return _keep(out, a, axes, keepdims)


def _extremum(name, reduce, combine, sign):
  def f(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    check_arraylike(name, a)
    a = asarray(a)
    axes = _reduction_axes(a, axis)
    if builtins.any(shape_of(a)[i] == 0 for i in axes) and initial is None:
      raise ValueError(f"zero-size array to reduction operation {name} which has no identity")
    if where is not None:
      dt = dtype_of(a)
      info = np.iinfo(dt) if dt.kind in "iu" else None
      fill = (sign * np.inf if info is None else (info.min if sign < 0 else info.max))
      a = _masked(a, where, fill)
    out = reduce(a, axes)
    if initial is not None:
      out = combine(out, initial)
    return _keep(out, a, axes, keepdims)
  f.__name__ = f.__qualname__ = name
  f.__doc__ = f"NumPy's `{name}` (axis, keepdims, initial, where)."
  return f


max = _extremum("max", lax.reduce_max, lax.max, -1)
min = _extremum("min", lax.reduce_min, lax.min, 1)


amax, amin = max, min


def all(a, axis=None, out=None, keepdims=False, *, where=None):
  a = asarray(a)
  if dtype_of(a) != np.bool_:
    a = not_equal(a, zeros_like(a))
  axes = _reduction_axes(a, axis)
  a = _masked(a, where, True)
  return _keep(lax.reduce_and(a, axes), a, axes, keepdims)


def any(a, axis=None, out=None, keepdims=False, *, where=None):
  a = asarray(a)
  if dtype_of(a) != np.bool_:
    a = not_equal(a, zeros_like(a))
  axes = _reduction_axes(a, axis)
  a = _masked(a, where, False)
  return _keep(lax.reduce_or(a, axes), a, axes, keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
  check_arraylike("mean", a)
  a = asarray(a)
  axes = _reduction_axes(a, axis)
  if where is None:
    n = int(np.prod([shape_of(a)[i] for i in axes], dtype=np.int64))
    n = Array(np.array(n, dtypes.default_float() if dtype is None or dtypes.dtype_and_weak(dtype)[0].kind not in "fc" else dtypes.canonicalize_dtype(dtype)))
  else:
    n = sum(broadcast_to(asarray(where), shape_of(a)), axis, dtype=dtype or dtypes.default_float(), keepdims=keepdims)
  if dtype is None:
    dt = dtype_of(a) if dtype_of(a).kind in "fc" else dtypes.default_float()
  else:
    dt = dtypes.canonicalize_dtype(dtype)
  s = sum(a, axis, dtype=dt, keepdims=keepdims, where=where)
  return lax.div(s, lax.convert_element_type(n, dt) if not isinstance(n, Tracer) and dtype_of(n) != dt else n)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
  a = asarray(a)
  if correction is not None:
    ddof = correction
  a, = promote_dtypes_inexact(a)
  axes = _reduction_axes(a, axis)
  centered = lax.sub(a, mean(a, axis, keepdims=True, where=where))
  if dtype_of(centered).kind == "c":
    sq = lax.real(lax.mul(centered, lax.conj(centered)))
  else:
    sq = lax.mul(centered, centered)
  n = int(np.prod([shape_of(a)[i] for i in axes], dtype=np.int64))
  s = sum(sq, axis, keepdims=keepdims, where=where)
  return lax.div(s, np.array(builtins.max(n - ddof, 0), dtype_of(s)))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, correction=None):
  return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, correction=correction))


def argmax(a, axis=None, out=None, keepdims=False):
  a = asarray(a)
  if axis is None:
    a = ravel(a)
    axis = 0
  axis = canonicalize_axis(axis, ndim_of(a))
  out = lax.argmax(a, axis, dtypes.default_int())
  return lax.expand_dims(out, (axis,)) if keepdims else out


def argmin(a, axis=None, out=None, keepdims=False):
  a = asarray(a)
  if axis is None:
    a = ravel(a)
    axis = 0
  axis = canonicalize_axis(axis, ndim_of(a))
  out = lax.argmin(a, axis, dtypes.default_int())
  return lax.expand_dims(out, (axis,)) if keepdims else out


def count_nonzero(a, axis=None, keepdims=False):
  return sum(not_equal(a, 0), axis=axis, keepdims=keepdims)


def average(a, axis=None, weights=None, returned=False, keepdims=False):
  if weights is None:
    avg = mean(a, axis, keepdims=keepdims)
    n = np.prod([shape_of(asarray(a))[i] for i in _reduction_axes(asarray(a), axis)])
    return (avg, full_like(avg, n)) if returned else avg
  check_arraylike("average", a, weights)
  a, weights = asarray(a), asarray(weights)
  if shape_of(weights) != shape_of(a):
    if axis is None:
      raise ValueError(f"Axis must be specified when shapes of a and weights differ (got a.shape "
                       f"{shape_of(a)} and weights.shape {shape_of(weights)}).")
    ax = canonicalize_axis(axis, ndim_of(a))
    if shape_of(weights) != (shape_of(a)[ax],):
      raise ValueError(f"Shape of weights must be consistent with shape of a along specified "
                       f"axis: got a.shape {shape_of(a)}, axis {axis} and weights.shape "
                       f"{shape_of(weights)}.")
  a, weights = promote_dtypes_inexact(a, weights)
  wsum = sum(weights, axis, keepdims=keepdims) if shape_of(weights) == shape_of(a) else sum(weights)
  if shape_of(weights) != shape_of(a):
    ax = canonicalize_axis(axis, ndim_of(a))
    shape = [1] * ndim_of(a)
    shape[ax] = shape_of(weights)[0]
    weights = reshape(weights, shape)
    wsum = sum(weights)
  avg = lax.div(sum(lax.mul(a, weights), axis, keepdims=keepdims), wsum)
  return (avg, broadcast_to(wsum, shape_of(avg))) if returned else avg


# ----------------------------------------------------------------------------------------------
# Shapes
# ----------------------------------------------------------------------------------------------
def shape(a):
  return shape_of(asarray(a)) if not isinstance(a, (list, tuple)) else np.shape(a)


def ndim(a):
  return len(shape(a))


def size(a, axis=None):
  s = shape(a)
  if axis is None:
    return int(np.prod(s))
  return s[canonicalize_axis(axis, len(s))]


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
  check_arraylike("reshape", a)
  if shape is None:
    shape = newshape
  a = asarray(a)
  shape = _shape_arg(shape)
  total = math.prod(shape_of(a))
  if shape.count(-1) > 1:
    raise TypeError(f"can only specify one unknown axis size with a `-1` value, got {shape}")
  if -1 in shape:
    known = math.prod(s for s in shape if s != -1)
    if known == 0 or total % known:
      raise TypeError(f"cannot reshape array of shape {shape_of(a)} (size {total}) into shape "
                      f"{shape} because the product of specified axis sizes ({known}) does not "
                      f"evenly divide {total}")
    shape = tuple(total // known if s == -1 else s for s in shape)
  if math.prod(shape) != total:
    raise TypeError(f"cannot reshape array of shape {shape_of(a)} (size {total}) into shape "
                    f"{shape} (size {int(np.prod(shape))})")
  if order == "F":
    return transpose(lax.reshape(transpose(a), shape[::-1]))
  return lax.reshape(a, shape)


def ravel(a, order="C"):
  return reshape(a, (-1,), order)


def transpose(a, axes=None):
  a = asarray(a)
  nd = ndim_of(a)
  axes = tuple(range(nd))[::-1] if axes is None else tuple(canonicalize_axis(i, nd)
                                                            for i in _axis_tuple(axes))
  return lax.transpose(a, axes)


def matrix_transpose(x, /):
  x = asarray(x)
  nd = ndim_of(x)
  if nd < 2:
    raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got ndim={nd}")
  return lax.transpose(x, tuple(range(nd - 2)) + (nd - 1, nd - 2))


def permute_dims(a, /, axes):
  return transpose(a, axes)


def swapaxes(a, axis1, axis2):
  a = asarray(a)
  nd = ndim_of(a)
  perm = list(range(nd))
  i, j = canonicalize_axis(axis1, nd), canonicalize_axis(axis2, nd)
  perm[i], perm[j] = perm[j], perm[i]
  return lax.transpose(a, perm)


def moveaxis(a, source, destination):
  a = asarray(a)
  nd = ndim_of(a)
  src = [canonicalize_axis(s, nd) for s in _axis_tuple(source)]
  dst = [canonicalize_axis(d, nd) for d in _axis_tuple(destination)]
  if len(src) != len(dst):
    raise ValueError(f"Inconsistent number of elements: {len(src)} vs {len(dst)} (moveaxis "
                     f"source={source!r}, destination={destination!r}).")
  if len(set(src)) != len(src) or len(set(dst)) != len(dst):
    raise ValueError(f"repeated axis in moveaxis: source={source!r}, "
                     f"destination={destination!r}.")
  perm = [i for i in range(nd) if i not in src]
  for d, s in sorted(zip(dst, src)):
    perm.insert(d, s)
  return lax.transpose(a, perm)


def expand_dims(a, axis):
  a = asarray(a)
  axes = _axis_tuple(axis)
  nd = ndim_of(a) + len(axes)
  return lax.expand_dims(a, tuple(canonicalize_axis(x, nd) for x in axes))


def squeeze(a, axis=None):
  a = asarray(a)
  s = shape_of(a)
  if axis is None:
    axes = tuple(i for i, d in enumerate(s) if d == 1)
  else:
    axes = _axis_tuple(axis)
    axes = tuple(canonicalize_axis(x, len(s)) for x in axes)
    for x in axes:
      if s[x] != 1:
        raise ValueError(f"cannot select an axis to squeeze out which has size not equal to "
                         f"one, got shape={s} and dimensions={axes}")
  return lax.squeeze(a, axes)


def broadcast_to(array, shape):
  a = asarray(array)
  shape = _shape_arg(shape)
  s = shape_of(a)
  if s == shape:
    return a
  if len(s) > len(shape) or builtins.any(
      d not in (1, t) for d, t in zip(s[::-1], shape[::-1])):
    raise ValueError(f"Incompatible shapes for broadcasting: {s} and requested shape {shape}")
  nd = len(shape)
  lead = nd - len(s)
  squeezed = [i for i, d in enumerate(s) if d == 1 and shape[lead + i] != 1]
  if squeezed:
    a = lax.reshape(a, tuple(d for i, d in enumerate(s) if i not in squeezed))
  dims = tuple(lead + i for i in range(len(s)) if i not in squeezed)
  return lax.broadcast_in_dim(a, shape, dims)


def broadcast_arrays(*args):
  return _broadcast_all(*[asarray(a) for a in args])


def broadcast_shapes(*shapes):
  return _util_broadcast_shapes(*shapes)


def atleast_1d(*arys):
  check_arraylike("atleast_1d", *arys)
  outs = [reshape(asarray(a), (1,)) if ndim_of(asarray(a)) == 0 else asarray(a) for a in arys]
  return outs[0] if len(outs) == 1 else outs


def atleast_2d(*arys):
  check_arraylike("atleast_2d", *arys)
  outs = []
  for a in arys:
    a = asarray(a)
    outs.append(reshape(a, (1,) * (2 - ndim_of(a)) + shape_of(a)) if ndim_of(a) < 2 else a)
  return outs[0] if len(outs) == 1 else outs


def atleast_3d(*arys):
  check_arraylike("atleast_3d", *arys)
  outs = []
  for a in arys:
    a = asarray(a)
    nd = ndim_of(a)
    if nd == 0:
      a = reshape(a, (1, 1, 1))
    elif nd == 1:
      a = reshape(a, (1, shape_of(a)[0], 1))
    elif nd == 2:
      a = reshape(a, shape_of(a) + (1,))
    outs.append(a)
  return outs[0] if len(outs) == 1 else outs


def _check_sequence(fname, arrays):
  if isinstance(arrays, (Array, Tracer, np.ndarray)):
    if not shape_of(asarray(arrays)):
      raise ValueError(f"{fname} requires a sequence of arrays (or an array to unstack along "
                       "its first axis), got a 0-dimensional array.")
    return [arrays[i] for i in range(shape_of(asarray(arrays))[0])]
  if not isinstance(arrays, (list, tuple)) and not hasattr(arrays, "__iter__"):
    raise TypeError(f"{fname} requires a sequence of arrays, got {type(arrays).__name__}.")
  for pos, a in enumerate(arrays):
    check_arraylike(fname, a) if not isinstance(a, (list,)) else None
  return list(arrays)


def concatenate(arrays, axis: int | None = 0, dtype=None):
  if isinstance(arrays, (list, tuple)) and arrays and _key_arrays(arrays):
    data = _key_data_of(arrays, "concatenate")
    if axis is None:
      data = [reshape(d, (-1, 2)) for d in data]
      axis = 0
    return _key_array_type(concatenate(data, canonicalize_axis(axis, arrays[0].ndim)))
  arrays = _check_sequence("concatenate", arrays)
  if not arrays:
    raise ValueError("Need at least one array to concatenate.")
  arrs = promote_dtypes(*[asarray(a) for a in arrays])
  if dtype is not None:
    arrs = [lax.convert_element_type(a, dtypes.canonicalize_dtype(dtype)) for a in arrs]
  if axis is None:
    arrs = [ravel(a) for a in arrs]
    axis = 0
  nd = ndim_of(arrs[0])
  if nd == 0:
    raise ValueError("Zero-dimensional arrays cannot be concatenated.")
  return lax.concatenate(arrs, canonicalize_axis(axis, nd))


concat = concatenate


def stack(arrays, axis: int = 0, out=None, dtype=None):
  if isinstance(arrays, (list, tuple)) and arrays and _key_arrays(arrays):
    data = _key_data_of(arrays, "stack")
    return _key_array_type(stack(data, canonicalize_axis(axis, arrays[0].ndim + 1)))
  arrays = _check_sequence("stack", arrays)
  if not arrays:
    raise ValueError("Need at least one array to stack.")
  arrs = [asarray(a) for a in arrays]
  shapes = {shape_of(a) for a in arrs}
  if len(shapes) > 1:
    raise ValueError(f"All input arrays must have the same shape. Got "
                     f"{', '.join(str(shape_of(a)) for a in arrs)}.")
  nd = ndim_of(arrs[0]) + 1
  axis = canonicalize_axis(axis, nd)
  if dtype is not None:
    arrs = [lax.convert_element_type(a, dtypes.canonicalize_dtype(dtype)) for a in arrs]
  return lax.stack(promote_dtypes(*arrs), axis)   # one `stack` equation, as JAX 0.10


def vstack(tup, dtype=None):
  arrs = [atleast_2d(asarray(a)) for a in _check_sequence("vstack", tup)]
  return concatenate(arrs, 0, dtype)


row_stack = vstack


def hstack(tup, dtype=None):
  arrs = [atleast_1d(asarray(a)) for a in _check_sequence("hstack", tup)]
  if not arrs:
    raise ValueError("Need at least one array to concatenate.")
  return concatenate(arrs, 0 if ndim_of(arrs[0]) == 1 else 1, dtype)


def dstack(tup, dtype=None):
  return concatenate([atleast_3d(asarray(a)) for a in _check_sequence("dstack", tup)], 2, dtype)


def column_stack(tup):
  arrs = [asarray(a) for a in _check_sequence("column_stack", tup)]
  if not arrs:
    raise ValueError("Need at least one array to stack.")
  arrs = [reshape(a, (-1, 1)) if ndim_of(a) < 2 else a for a in arrs]
  return concatenate(arrs, 1)


def split(ary, indices_or_sections, axis: int = 0):
  ary = asarray(ary)
  axis = canonicalize_axis(axis, ndim_of(ary))
  n = shape_of(ary)[axis]
  if isinstance(indices_or_sections, (int, np.integer)):
    sections = int(indices_or_sections)
    if sections <= 0:
      raise ValueError(f"number sections must be larger than 0, got {sections}.")
    if n % sections:
      raise ValueError(f"array split does not result in an equal division: an axis of size {n} "
                       f"does not split into {sections} sections (use jnp.array_split for "
                       f"unequal ones).")
    bounds = [i * (n // sections) for i in range(sections + 1)]
  else:
    if not isinstance(indices_or_sections, (list, tuple, np.ndarray, Array)):
      raise TypeError(f"indices_or_sections must be an integer or a sequence of integers, got "
                      f"{indices_or_sections!r}")
    bounds = [0] + [_index_arg(i, "split index") for i in
                    np.asarray(indices_or_sections).tolist()] + [n]
  return [lax.slice_in_dim(ary, builtins.min(builtins.max(a, 0), n), builtins.min(builtins.max(b, a), n), axis=axis)
          for a, b in zip(bounds[:-1], bounds[1:])]


def array_split(ary, indices_or_sections, axis: int = 0):
  ary = asarray(ary)
  n = shape_of(ary)[canonicalize_axis(axis, ndim_of(ary))]
  if isinstance(indices_or_sections, (int, np.integer)):
    k = int(indices_or_sections)
    if k <= 0:
      raise ValueError(f"number sections must be larger than 0, got {k}.")
    sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
    indices_or_sections = np.cumsum(sizes)[:-1].tolist()
  return split(ary, indices_or_sections, axis)


def hsplit(ary, s):
  return split(ary, s, 1 if ndim_of(asarray(ary)) > 1 else 0)


def vsplit(ary, s):
  return split(ary, s, 0)


def flip(m, axis=None):
  m = asarray(m)
  axes = _reduction_axes(m, axis)
  return lax.rev(m, axes)


def fliplr(m):
  return flip(m, 1)


def flipud(m):
  return flip(m, 0)


def tile(A, reps):
  A = asarray(A)
  reps = tuple(builtins.max(r, 0) for r in _shape_arg(reps))  # NumPy: negative reps act as 0
  nd = builtins.max(len(reps), ndim_of(A))
  A = reshape(A, (1,) * (nd - ndim_of(A)) + shape_of(A))
  reps = (1,) * (nd - len(reps)) + reps
  for ax, r in enumerate(reps):
    if r == 0:
      A = lax.slice_in_dim(A, 0, 0, axis=ax)
    elif r != 1:
      A = concatenate([A] * r, ax)
  return A


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
  a = asarray(a)
  if axis is None:
    a = ravel(a)
    axis = 0
  axis = canonicalize_axis(axis, ndim_of(a))
  if isinstance(repeats, (int, np.integer)):
    s = list(shape_of(a))
    b = lax.broadcast_in_dim(lax.expand_dims(a, (axis + 1,)),
                             tuple(s[:axis + 1]) + (int(repeats),) + tuple(s[axis + 1:]),
                             tuple(range(len(s) + 1)))
    s[axis] *= int(repeats)
    return reshape(b, s)
  reps = core.concrete_value(asarray(repeats))
  if reps is None:
    raise core.ConcretizationTypeError(repeats, "jnp.repeat needs concrete repeats.")
  if np.ndim(reps) > 1 or np.size(reps) not in (1, shape_of(a)[axis]):
    raise ValueError(f"jnp.repeat: repeats must be a scalar or have one entry per element along "
                     f"axis {axis}, i.e. shape ({shape_of(a)[axis]},); got shape "
                     f"{np.shape(reps)} for an array of shape {shape_of(a)}.")
  reps = np.broadcast_to(np.asarray(reps), (shape_of(a)[axis],))
  pieces = [lax.slice_in_dim(a, i, i + 1, axis=axis) for i in range(shape_of(a)[axis])]
  return concatenate([repeat(p, int(r), axis) for p, r in zip(pieces, reps) if r], axis)


def roll(a, shift, axis=None):
  a = asarray(a)
  if axis is None:
    return reshape(roll(ravel(a), shift, 0), shape_of(a))
  axes = _axis_tuple(axis)
  if isinstance(shift, (int, np.integer)):
    shifts = (shift,) * len(axes)
  else:
    if isinstance(shift, (str, bytes)) or not np.ndim(shift) and not isinstance(shift, Array):
      raise TypeError(f"jnp.roll: shift must be an integer or a sequence of integers, got "
                      f"{shift!r}")
    shifts = tuple(np.asarray(shift).reshape(-1).tolist())
  if len(shifts) == 1 and len(axes) > 1:
    shifts = shifts * len(axes)
  if len(shifts) != len(axes):
    raise ValueError(f"roll: shift and axis must have the same length, got shift={shift} and "
                     f"axis={axis}")
  for s, ax in zip(shifts, axes):
    ax = canonicalize_axis(ax, ndim_of(a))
    n = shape_of(a)[ax]
    if n == 0:
      continue
    s = _index_arg(s, "jnp.roll shift") % n
    if s:
      a = concatenate([lax.slice_in_dim(a, n - s, n, axis=ax), lax.slice_in_dim(a, 0, n - s, axis=ax)], ax)
  return a


def diag(v, k=0):
  v = asarray(v)
  k = _index_arg(k, "jnp.diag k")
  if ndim_of(v) == 1:
    return _diag_from_vector(v, shape_of(v)[0] + builtins.abs(k), k)
  if ndim_of(v) == 2:
    return diagonal(v, k)
  raise ValueError("diag input must be 1d or 2d")


def _diag_from_vector(v, n, k):
  eye_mask = eye(n, k=k, dtype=dtype_of(v))
  if k >= 0:
    vec = concatenate([v, zeros((k,), dtype_of(v))]) if k else v
    return lax.mul(eye_mask, lax.broadcast_in_dim(vec, (n, n), (0,)))
  vec = concatenate([v, zeros((-k,), dtype_of(v))])
  return lax.mul(eye_mask, lax.broadcast_in_dim(vec, (n, n), (1,)))


def diagonal(a, offset=0, axis1=0, axis2=1):
  a = asarray(a)
  nd = ndim_of(a)
  if nd < 2:
    raise ValueError(f"diagonal requires an array of at least two dimensions, got shape "
                     f"{shape_of(a)}.")
  if canonicalize_axis(axis1, nd) == canonicalize_axis(axis2, nd):
    raise ValueError(f"axis1 and axis2 cannot be the same, got axis1={axis1}, axis2={axis2}.")
  a = moveaxis(a, (canonicalize_axis(axis1, nd), canonicalize_axis(axis2, nd)), (-2, -1))
  n, m = shape_of(a)[-2:]
  mask = eye(n, m, k=offset, dtype=dtype_of(a) if dtype_of(a) != np.bool_ else np.int32)
  mask = lax.broadcast_to_shape(mask, shape_of(a))  # lax.mul needs equal ranks (batches)
  summed = sum(lax.mul(a, mask) if dtype_of(a) != np.bool_ else lax.mul(
      lax.convert_element_type(a, np.int32), mask), axis=-2 if offset >= 0 else -1)
  length = builtins.max(0, builtins.min(n + builtins.min(offset, 0), m - builtins.max(offset, 0)))
  start = builtins.max(offset, 0) if offset >= 0 else builtins.max(-offset, 0)
  out = lax.slice_in_dim(summed, start, start + length, axis=-1)
  return out if dtype_of(a) != np.bool_ else lax.convert_element_type(out, np.bool_)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None):
  return sum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def pad(array, pad_width, mode="constant", **kwargs):
  """Pad an array (np.pad: every mode, as JAX has them; see numjax/_src/numpy/padding.py)."""
  from numjax._src.numpy import padding
  return padding.pad(array, pad_width, mode, **kwargs)


# ----------------------------------------------------------------------------------------------
# Products
# ----------------------------------------------------------------------------------------------
def _contract(a, b, dimension_numbers, precision, preferred_element_type):
  """lax.dot_general of promoted operands, binding preferred_element_type (the operands' dtype
  unless the caller names one) and the precision, as jnp's products do in JAX."""
  pet = dtype_of(a) if preferred_element_type is None else \
      dtypes.canonicalize_dtype(preferred_element_type)
  return lax.dot_general(a, b, dimension_numbers, precision=precision,
                         preferred_element_type=pet)


def _scalar_product(a, b, preferred_element_type):
  if preferred_element_type is not None:
    dt = dtypes.canonicalize_dtype(preferred_element_type)
    a, b = lax.convert_element_type(a, dt), lax.convert_element_type(b, dt)
  return multiply(a, b)


def dot(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
  """NumPy's dot: scalars multiply, otherwise contract a's last axis with b's second-to-last."""
  check_arraylike("dot", a, b)
  a, b = promote_dtypes(a, b)
  na, nb = ndim_of(a), ndim_of(b)
  if na == 0 or nb == 0:
    lax.canonicalize_precision(precision)
    return _scalar_product(a, b, preferred_element_type)
  contract_b = 0 if nb == 1 else nb - 2
  return _contract(a, b, (((na - 1,), (contract_b,)), ((), ())), precision,
                   preferred_element_type)


def vdot(a, b, *, precision=None, preferred_element_type=None):
  """Dot product of flattened arrays, conjugating the first."""
  a, b = promote_dtypes(a, b)
  if dtype_of(a).kind == "c":
    a = lax.conj(a)
  return dot(ravel(a), ravel(b), precision=precision,
             preferred_element_type=preferred_element_type)


def matmul(a, b, *, precision=None, preferred_element_type=None, out_sharding=None):
  if (type(a) is Array and type(b) is Array and precision is None
      and preferred_element_type is None and core._ctx.trace is core.eval_trace
      and not core._check_floats):
    # Eager 2-D @ 2-D of one inexact dtype: dot_general's impl is this very np.matmul.
    va, vb = a._value, b._value
    if (va.ndim == 2 and vb.ndim == 2 and va.dtype == vb.dtype and va.dtype.kind in "fc"
        and va.shape[1] == vb.shape[0]):
      return Array(np.matmul(va, vb), a.weak_type and b.weak_type)
  check_arraylike("matmul", a, b)
  a, b = promote_dtypes(a, b)
  na, nb = ndim_of(a), ndim_of(b)
  if na == 0 or nb == 0:
    raise ValueError(f"matmul: inputs must be at least 1-dimensional, got shapes "
                     f"{shape_of(a)} and {shape_of(b)}")
  if na == 1 or nb == 1:
    ka, kb = shape_of(a)[-1], shape_of(b)[0 if nb == 1 else -2]
    if ka != kb:
      raise TypeError(f"dot_general requires contracting dimensions to have the same shape, "
                      f"got ({ka},) and ({kb},).")
    return _contract(a, b, (((na - 1,), (0 if nb == 1 else nb - 2,)), ((), ())), precision,
                     preferred_element_type)
  a2, b2 = a, b
  if shape_of(a2)[-1] != shape_of(b2)[-2]:
    raise TypeError(f"dot_general requires contracting dimensions to have the same shape, got "
                    f"({shape_of(a2)[-1]},) and ({shape_of(b2)[-2]},).")
  batch = _util_broadcast_shapes(shape_of(a2)[:-2], shape_of(b2)[:-2])
  a2 = broadcast_to(a2, batch + shape_of(a2)[-2:])
  b2 = broadcast_to(b2, batch + shape_of(b2)[-2:])
  nbatch = len(batch)
  return _contract(a2, b2, (((nbatch + 1,), (nbatch,)),
                            (tuple(range(nbatch)), tuple(range(nbatch)))), precision,
                   preferred_element_type)


def inner(a, b, *, precision=None, preferred_element_type=None):
  a, b = promote_dtypes(a, b)
  if ndim_of(a) == 0 or ndim_of(b) == 0:
    return _scalar_product(a, b, preferred_element_type)
  return tensordot(a, b, ((ndim_of(a) - 1,), (ndim_of(b) - 1,)), precision=precision,
                   preferred_element_type=preferred_element_type)


def outer(a, b, out=None):
  a, b = promote_dtypes(ravel(a), ravel(b))
  return multiply(lax.expand_dims(a, (1,)), lax.expand_dims(b, (0,)))


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None, out_sharding=None):
  check_arraylike("tensordot", a, b)
  a, b = promote_dtypes(a, b)
  na, nb = ndim_of(a), ndim_of(b)
  if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
    axes = int(axes)
    if axes > builtins.min(na, nb):
      raise TypeError(f"Number of tensordot axes (axes {axes}) exceeds input ranks ({na} and {nb})")
    ca, cb = tuple(range(na - axes, na)), tuple(range(axes))
  elif isinstance(axes, (list, tuple)) and len(axes) == 2:
    ca, cb = axes
    ca = (ca,) if isinstance(ca, (int, np.integer)) else tuple(ca)
    cb = (cb,) if isinstance(cb, (int, np.integer)) else tuple(cb)
    if len(ca) != len(cb):
      raise TypeError(f"tensordot requires axes lists to have equal length, got {list(ca)} and "
                      f"{list(cb)}.")
    ca = tuple(canonicalize_axis(i, na) for i in ca)
    cb = tuple(canonicalize_axis(i, nb) for i in cb)
  else:
    raise TypeError(f"tensordot axes argument must be an int, a pair of ints, or a pair of "
                    f"lists/tuples of ints, got {axes!r}.")
  return _contract(a, b, ((ca, cb), ((), ())), precision, preferred_element_type)


def kron(a, b):
  check_arraylike("kron", a, b)
  a, b = promote_dtypes(a, b)
  na, nb = ndim_of(a), ndim_of(b)
  nd = builtins.max(na, nb)
  a = reshape(a, (1,) * (nd - na) + shape_of(a))
  b = reshape(b, (1,) * (nd - nb) + shape_of(b))
  a_e = reshape(a, tuple(x for s in shape_of(a) for x in (s, 1)))
  b_e = reshape(b, tuple(x for s in shape_of(b) for x in (1, s)))
  return reshape(multiply(a_e, b_e), tuple(x * y for x, y in zip(shape_of(a), shape_of(b))))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
  check_arraylike("cross", a, b)
  a, b = promote_dtypes(a, b)
  if axis is not None:
    axisa = axisb = axisc = axis
  a = moveaxis(a, axisa, -1)
  b = moveaxis(b, axisb, -1)
  if shape_of(a)[-1] not in (2, 3) or shape_of(b)[-1] not in (2, 3):
    raise ValueError(f"Dimension must be either 2 or 3 for cross product, got "
                     f"{shape_of(a)[-1]} and {shape_of(b)[-1]}.")
  if shape_of(a)[-1] == 2 and shape_of(b)[-1] == 2:  # 2-vectors: the z component only
    return a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]
  a0, a1 = a[..., 0], a[..., 1]
  b0, b1 = b[..., 0], b[..., 1]
  a2 = a[..., 2] if shape_of(a)[-1] == 3 else zeros_like(a0)
  b2 = b[..., 2] if shape_of(b)[-1] == 3 else zeros_like(b0)
  c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)
  return moveaxis(c, -1, axisc)


# ----------------------------------------------------------------------------------------------
# dtype helpers re-exported
# ----------------------------------------------------------------------------------------------
def result_type(*args):
  out = dtypes.result_type(*args)
  if out.kind in "OSUMm":
    raise TypeError(f"result_type: {out} is not a valid JAX array type (got arguments {args!r})."
                    " Only arrays of numeric types are supported by JAX.")
  return out


def promote_types(a, b):
  return dtypes.promote_types(a, b)


def can_cast(from_, to, casting="safe"):
  try:
    return np.can_cast(from_, to, casting)
  except (TypeError, ValueError) as e:
    raise TypeError(f"can_cast: cannot interpret {from_!r} and {to!r} as dtypes ({e})") from None


def issubdtype(arg1, arg2):
  try:
    return dtypes.issubdtype(arg1, arg2)
  except TypeError as e:
    raise TypeError(f"issubdtype: cannot interpret {arg1!r} and {arg2!r} as dtypes or dtype "
                    f"classes ({e})") from None


def isscalar(element):
  if isinstance(element, (int, float, complex, bool, np.generic)):
    return True
  if type(element) is Array or isinstance(element, Tracer):
    return ndim_of(element) == 0
  return False


def iscomplexobj(x):
  if x is None or isinstance(x, (str, bytes)):
    return False
  return dtype_of(asarray(x)).kind == "c"


def isrealobj(x):
  return not iscomplexobj(x)


def astype(x, dtype, /, *, copy=False, device=None):
  x = asarray(x)
  dt = dtypes.canonicalize_dtype(dtype)
  if dtype_of(x).kind == "c" and dt.kind != "c":
    x = real(x)
  return lax.convert_element_type(x, dt)


def copy(a, order=None):
  return asarray(a)


def size_of(x):
  return int(np.prod(shape_of(asarray(x))))
