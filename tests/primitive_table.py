"""The primitive table: one row per primitive (or per interesting variant of one).

`tests/test_primitive_rules.py` generates its tests from these rows: impl vs the NumPy/SciPy
reference, shape/dtype rule vs impl, JVP vs finite differences, VJP vs JVP, second order,
complex JVPs, batching vs a loop, jit vs eager, and the transpose of linear primitives.
Adding a primitive means adding one row here.

A row gives:
  name        the registered primitive name (`numjax._src.lax.base.all_primitives()`)
  make_args   `make_args(rng, dtype) -> tuple of NumPy operands`; shapes are fixed per row and
              domains respect the op (positive for log, |x| < 1 for atanh, ...)
  ref         the NumPy/SciPy reference `ref(*operands, **params)`, in the expected out dtype
  params      the primitive's keyword parameters (a dict, or `params(dtype) -> dict`)
  dtypes      the dtypes the row is tested with (float64/complex128 run with x64 enabled)
  diff        JVP is checked against central finite differences (float64)
  smooth      second order (jvp of grad) is checked too
  linear      groups of operand positions in which the primitive is (jointly) linear, the
              other operands held fixed: checked through `numjax.linear_transpose`
  diff_argnums  operands to differentiate (default: the inexact ones)
  zero_jvp    the JVP is zero by definition (stop_gradient): checked instead of differences
Only NumPy and SciPy are needed to build the rows; numjax is imported by the tests.
"""
from __future__ import annotations

import dataclasses
import itertools
import string
from typing import Callable

import numpy as np
import scipy.special as sps

F32, F64, C64, C128 = (np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))
I32, I64, BOOL = np.dtype(np.int32), np.dtype(np.int64), np.dtype(np.bool_)
FLOATS = (F32, F64)
INEXACT = (F32, F64, C64)
NUMERIC = (F32, F64, C64, I32)
REAL = (F32, F64, I32)
ALL = (F32, F64, C64, I32, BOOL)
INTS = (I32,)
INT_BOOL = (I32, BOOL)


@dataclasses.dataclass(frozen=True)
class Row:
  name: str
  make_args: Callable
  ref: Callable
  params: dict | Callable = dataclasses.field(default_factory=dict)
  dtypes: tuple = FLOATS
  diff: bool = False
  smooth: bool = False
  linear: tuple = ()
  diff_argnums: tuple | None = None
  zero_jvp: bool = False
  variant: str = ""
  rtol: float | None = None     # impl vs reference, float32 (float64 uses 1e-12)

  @property
  def id(self) -> str:
    return f"{self.name}-{self.variant}" if self.variant else self.name

  def get_params(self, dtype) -> dict:
    return dict(self.params(np.dtype(dtype)) if callable(self.params) else self.params)


# ----------------------------------------------------------------------------------------------
# Operand generators: `gen(rng, dtype) -> np.ndarray`
# ----------------------------------------------------------------------------------------------
def arr(shape=(2, 3), lo=-2.0, hi=2.0, *, signed=False, imag=0.5, ints=(-5, 6)):
  """Uniform in [lo, hi] (|x| in [lo, hi] with a random sign when `signed`); complex values
  add an imaginary part in [-imag, imag]; integers are drawn from `ints` (nonzero if signed)."""

  def gen(rng, dtype):
    dtype = np.dtype(dtype)
    if dtype == BOOL:
      return rng.random(shape) < 0.5
    sign = np.where(rng.random(shape) < 0.5, -1, 1) if signed else 1
    if dtype.kind in "iu":
      v = rng.integers(ints[0], ints[1], shape)
      if signed:
        v = np.where(v == 0, 1, v)
      return np.asarray(v, dtype)
    x = sign * rng.uniform(lo, hi, shape)
    if dtype.kind == "c":
      x = x + 1j * rng.uniform(-imag, imag, shape)
    return np.asarray(x, dtype)
  return gen


def offgrid(shape=(2, 3)):
  """Floats at least 0.1 away from integers and half-integers (floor, round, sign, ...)."""

  def gen(rng, dtype):
    whole = rng.integers(-3, 3, shape)
    frac = np.where(rng.random(shape) < 0.5, rng.uniform(0.1, 0.4, shape),
                    rng.uniform(0.6, 0.9, shape))
    return np.asarray(whole + frac, dtype)
  return gen


def const(values, dtype=None):
  """A fixed operand (for edge cases such as rounding ties)."""
  return lambda rng, dt: np.asarray(values, dtype or dt)


def fixed_dtype(gen, dtype):
  """An operand whose dtype does not follow the row's dtype (indices, predicates)."""
  return lambda rng, dt: gen(rng, dtype)


def small(shape=(2, 3)):
  """Values in {-1, 0, 1} (any dtype), so that ties between operands are common."""

  def gen(rng, dtype):
    dtype = np.dtype(dtype)
    if dtype == BOOL:
      return rng.random(shape) < 0.5
    v = rng.integers(-1, 2, shape)
    if dtype.kind == "c":
      v = v + 1j * rng.integers(-1, 2, shape)
    return np.asarray(v, dtype)
  return gen


def ops(*gens):
  return lambda rng, dtype: tuple(g(rng, dtype) for g in gens)


def index(lo, hi):
  return lambda rng, dt: np.asarray(rng.integers(lo, hi), np.int32)


# ----------------------------------------------------------------------------------------------
# Reference helpers
# ----------------------------------------------------------------------------------------------
def keep(f):
  """A reference returning its first operand's dtype (SciPy computes some in float64)."""
  return lambda *xs, **p: np.asarray(f(*xs), np.asarray(xs[-1]).dtype)


def _wrap(v: int, bits: int) -> int:
  v &= (1 << bits) - 1
  return v - (1 << bits) if v >> (bits - 1) else v


def int_ref(f):
  """Elementwise reference on Python ints (shifts, popcount, integer division)."""

  def ref(*xs):
    xs = [np.asarray(x) for x in xs]
    dtype = xs[0].dtype
    bits = 8 * dtype.itemsize
    b = np.broadcast(*xs)
    out = [_wrap(f(*(int(v) for v in vals), bits), bits) for vals in b]
    return np.array(out, dtype=np.int64).reshape(b.shape).astype(dtype)
  return ref


def _shl(a, b, bits):
  return 0 if b < 0 or b >= bits else a << b


def _srl(a, b, bits):
  return 0 if b < 0 or b >= bits else (a & ((1 << bits) - 1)) >> b


def _sra(a, b, bits):
  return (-1 if a < 0 else 0) if b < 0 or b >= bits else a >> b


def _idiv(a, b, bits):
  if b == 0:
    return -1
  q = abs(a) // abs(b)
  return q if (a < 0) == (b < 0) else -q


def _irem(a, b, bits):
  return a if b == 0 else a - b * _idiv(a, b, bits)


def div_ref(x, y):
  return int_ref(_idiv)(x, y) if x.dtype.kind in "iu" else np.true_divide(x, y)


def rem_ref(x, y):
  return int_ref(_irem)(x, y) if x.dtype.kind in "iu" else np.fmod(x, y)


def sign_ref(x):
  if x.dtype.kind == "c":
    a = np.abs(x)
    return np.where(a == 0, 0, x / np.where(a == 0, 1, a)).astype(x.dtype)
  return np.sign(x)


def round_ref(x, *, rounding_method):
  if rounding_method == 1:
    return np.round(x)
  # Ties away from zero, decided exactly: compare the fractional part with one half.
  t = np.trunc(x)
  return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t).astype(x.dtype)


def integer_pow_ref(x, *, y):
  if y < 0:
    return np.asarray(1 / x ** -y, x.dtype)
  return np.asarray(x ** y, x.dtype) if y else np.ones_like(x)


def convert_ref(x, *, new_dtype, **_):
  new_dtype = np.dtype(new_dtype)
  if x.dtype.kind == "c" and new_dtype.kind != "c":
    x = x.real
  if new_dtype == BOOL:
    return x != 0
  if new_dtype.kind in "iu" and x.dtype.kind == "f":
    info = np.iinfo(new_dtype)
    v = np.trunc(np.nan_to_num(x.astype(np.float64), nan=0.0))
    out = np.where(v >= info.max, info.max, np.where(v <= info.min, info.min,
                                                     np.where(np.isfinite(v), v, 0)))
    return out.astype(new_dtype)
  return x.astype(new_dtype)


def select_n_ref(which, *cases):
  w = np.broadcast_to(np.asarray(which).astype(np.int64), cases[0].shape)
  return np.choose(w, cases)


def clamp_ref(lo, x, hi):
  return np.minimum(np.maximum(x, lo), hi)


def conj_ref(x):
  return np.conj(x) if x.dtype.kind == "c" else x.astype(C128 if x.dtype == F64 else C64)


def logistic_ref(x):
  return np.asarray(1 / (1 + np.exp(-x)), x.dtype)


def complex_ref(x, y):
  return (x + 1j * y).astype(C128 if x.dtype == F64 else C64)


# --- structural references ---------------------------------------------------------------------
def bid_ref(x, *, shape, broadcast_dimensions, sharding=None):
  new = [d for d in range(len(shape)) if d not in broadcast_dimensions]
  return np.broadcast_to(np.expand_dims(x, tuple(new)), shape)


def pad_ref(x, pv, *, padding_config):
  """lax.pad by the index map out[lo + i * (interior + 1)] = x[i]; everything else is pv."""
  src = []
  for s, (lo, hi, interior) in zip(x.shape, padding_config):
    n = lo + hi + s + max(s - 1, 0) * interior
    t = np.arange(n) - lo
    ok = (t >= 0) & (t % (interior + 1) == 0) & (t // (interior + 1) < s)
    src.append(np.where(ok, t // (interior + 1), -1))
  grids = np.meshgrid(*src, indexing="ij") if src else []
  valid = np.ones([len(s) for s in src], bool)
  for g in grids:
    valid &= g >= 0
  picked = x[tuple(np.maximum(g, 0) for g in grids)] if src else x
  return np.where(valid, picked, pv).astype(x.dtype)


def slice_ref(x, *, start_indices, limit_indices, strides=None):
  strides = strides or (1,) * x.ndim
  return x[tuple(slice(a, b, s) for a, b, s in zip(start_indices, limit_indices, strides))]


def dynamic_slice_ref(x, *starts, slice_sizes):
  st = [int(np.clip(i, 0, s - n)) for i, s, n in zip(starts, x.shape, slice_sizes)]
  return x[tuple(slice(a, a + n) for a, n in zip(st, slice_sizes))]


def dus_ref(x, u, *starts):
  st = [int(np.clip(i, 0, s - n)) for i, s, n in zip(starts, x.shape, u.shape)]
  out = x.copy()
  out[tuple(slice(a, a + n) for a, n in zip(st, u.shape))] = u
  return out


def iota_ref(*, dtype, shape, dimension, sharding=None):
  return np.indices(shape)[dimension].astype(dtype)


# --- reductions and dot_general ----------------------------------------------------------------
def reduce_ref(f):
  def ref(x, *, axes, out_sharding=None):
    return np.asarray(f(x, axis=tuple(axes)), x.dtype)
  return ref


def empty_ok(f, sign):
  """np.max / np.min with the identity JAX uses for empty reductions."""
  def ref(x, axis):
    dt = x.dtype
    init = (sign > 0 if dt == BOOL else
            (np.iinfo(dt).max if sign > 0 else np.iinfo(dt).min) if dt.kind in "iu" else
            sign * np.inf)
    return f(x, axis=axis, initial=init)
  return ref


def bitwise_reduce_ref(ufunc, np_bool):
  def ref(x, *, axes, out_sharding=None):
    if x.dtype == BOOL:
      return np.asarray(np_bool(x, axis=tuple(axes)))
    out = x
    for a in sorted(axes, reverse=True):
      out = ufunc.reduce(out, axis=a)
    return np.asarray(out, x.dtype)
  return ref


def arg_ref(f):
  def ref(x, *, axes, index_dtype):
    return np.asarray(f(x, axis=axes[0]), index_dtype)
  return ref


def dot_ref(x, y, *, dimension_numbers, precision=None, preferred_element_type=None,
            out_sharding=None):
  """dot_general through einsum subscripts built from the dimension numbers."""
  (lc, rc), (lb, rb) = dimension_numbers
  letters = iter(string.ascii_letters)
  xs, ys = [None] * x.ndim, [None] * y.ndim
  for a, b in itertools.chain(zip(lb, rb), zip(lc, rc)):
    xs[a] = ys[b] = next(letters)
  xs = [s or next(letters) for s in xs]
  ys = [s or next(letters) for s in ys]
  out = ([xs[a] for a in lb] + [xs[i] for i in range(x.ndim) if i not in lb and i not in lc]
         + [ys[i] for i in range(y.ndim) if i not in rb and i not in rc])
  res = np.einsum(f"{''.join(xs)},{''.join(ys)}->{''.join(out)}", x, y)
  return np.asarray(res, preferred_element_type or x.dtype)


# ----------------------------------------------------------------------------------------------
# Row builders
# ----------------------------------------------------------------------------------------------
def unary(name, ref, gen=None, dtypes=INEXACT, diff=True, smooth=None, **kw):
  gen = gen or arr()
  return Row(name, ops(gen), ref, dtypes=dtypes, diff=diff,
             smooth=diff if smooth is None else smooth, **kw)


def binary(name, ref, gx=None, gy=None, dtypes=INEXACT, diff=True, smooth=None, **kw):
  gx, gy = gx or arr(), gy or arr()
  return Row(name, ops(gx, gy), ref, dtypes=dtypes, diff=diff,
             smooth=diff if smooth is None else smooth, **kw)


def compare(name, ref, dtypes):
  # Values in {-1, 0, 1} make ties (x == y) common, which is what comparisons must get right.
  return [binary(name, ref, small(), small(), dtypes=dtypes, diff=False),
          binary(name, ref, small(), small(()), dtypes=dtypes, diff=False, variant="scalar")]


def _ties_float():
  return const([[-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], [0.49999997, -0.49999997, 2.0, -3.0, 0.0,
                                                    7.5]])


POS = arr(lo=0.5, hi=3.0)
UNIT = arr(lo=-0.9, hi=0.9)
NONZERO = arr(lo=0.5, hi=2.0, signed=True)

ROWS: list[Row] = [
    # --- arithmetic ----------------------------------------------------------------------------
    binary("add", np.add, dtypes=NUMERIC, linear=((0, 1),)),
    binary("add", np.add, arr((2, 3)), arr(()), dtypes=NUMERIC, linear=((0, 1),),
           variant="scalar"),
    binary("add", np.add, arr((1, 3)), arr((2, 3)), dtypes=(F32, F64), linear=((0, 1),),
           variant="bcast"),
    binary("add_any", np.add, dtypes=NUMERIC, linear=((0, 1),)),
    binary("sub", np.subtract, dtypes=NUMERIC, linear=((0, 1),)),
    binary("sub", np.subtract, arr(()), arr((2, 3)), dtypes=NUMERIC, linear=((0, 1),),
           variant="scalar"),
    binary("mul", np.multiply, dtypes=NUMERIC, linear=((0,), (1,))),
    binary("mul", np.multiply, arr((2, 3)), arr(()), dtypes=NUMERIC, linear=((0,), (1,)),
           variant="scalar"),
    binary("mul", np.multiply, arr((2, 1)), arr((2, 3)), dtypes=NUMERIC, linear=((0,), (1,)),
           variant="bcast"),
    binary("div", div_ref, arr(), NONZERO, dtypes=NUMERIC, linear=((0,),)),
    binary("div", div_ref, arr(()), NONZERO, dtypes=NUMERIC, linear=((0,),), variant="scalar"),
    binary("div", div_ref, arr((2, 3)), arr((1, 3), lo=0.5, hi=2.0, signed=True), dtypes=INEXACT,
           linear=((0,),), variant="bcast"),
    binary("div", div_ref, arr(ints=(-20, 21)), arr(signed=True, ints=(-7, 8)), dtypes=INTS,
           diff=False, variant="int"),
    binary("div", div_ref, arr(ints=(-2**62, 2**62)), arr(signed=True, ints=(-7, 8)),
           dtypes=(I64,), diff=False, variant="int64"),
    binary("rem", rem_ref, arr(lo=2.2, hi=2.8, signed=True), arr(lo=1.0, hi=1.05, signed=True),
           dtypes=REAL),
    binary("rem", rem_ref, arr(ints=(-20, 21)), arr(signed=True, ints=(-7, 8)), dtypes=INTS,
           diff=False, variant="int"),
    unary("neg", np.negative, dtypes=NUMERIC, linear=((0,),)),
    unary("sign", sign_ref, NONZERO, dtypes=REAL),
    unary("sign", sign_ref, NONZERO, dtypes=(C64,), diff=False, variant="complex"),  # JAX: zero JVP
    binary("max", np.maximum, dtypes=REAL),
    binary("max", np.maximum, arr((2, 1)), arr(()), dtypes=REAL, variant="scalar"),
    binary("max", np.maximum, small(), small(), dtypes=(F32, I32, BOOL, C64),
           diff=False, variant="ties"),
    binary("min", np.minimum, dtypes=REAL),
    binary("min", np.minimum, small(), small(), dtypes=(F32, I32, BOOL, C64),
           diff=False, variant="ties"),
    binary("pow", np.power, POS, arr(), dtypes=INEXACT),
    binary("pow", np.power, POS, arr(()), dtypes=INEXACT, variant="scalar"),
    binary("pow", np.power, arr((1, 3), lo=0.5, hi=3.0), arr((2, 3)), dtypes=INEXACT,
           variant="bcast"),
    unary("integer_pow", integer_pow_ref, dtypes=NUMERIC, params={"y": 2}, variant="2"),
    unary("integer_pow", integer_pow_ref, dtypes=NUMERIC, params={"y": 3}, variant="3"),
    unary("integer_pow", integer_pow_ref, NONZERO, dtypes=INEXACT, params={"y": -2},
          variant="-2"),
    unary("integer_pow", integer_pow_ref, dtypes=NUMERIC, params={"y": 1}, variant="1"),
    unary("integer_pow", integer_pow_ref, dtypes=NUMERIC, params={"y": 0}, variant="0"),
    unary("square", np.square, dtypes=NUMERIC),
    # --- transcendental ------------------------------------------------------------------------
    unary("exp", np.exp),
    unary("exp2", np.exp2),
    unary("log", np.log, POS),
    unary("log1p", np.log1p, arr(lo=-0.5, hi=2.0)),
    unary("expm1", np.expm1),
    unary("tanh", np.tanh),
    unary("logistic", logistic_ref),
    unary("sin", np.sin),
    unary("cos", np.cos),
    unary("tan", np.tan, arr(lo=-1.2, hi=1.2)),
    unary("asin", np.arcsin, UNIT),
    unary("acos", np.arccos, UNIT),
    unary("atan", np.arctan),
    unary("sinh", np.sinh),
    unary("cosh", np.cosh),
    unary("asinh", np.arcsinh),
    unary("acosh", np.arccosh, arr(lo=1.2, hi=3.0)),
    unary("atanh", np.arctanh, UNIT),
    binary("atan2", np.arctan2, NONZERO, NONZERO, dtypes=FLOATS),
    binary("atan2", np.arctan2, arr((2, 1), lo=0.5, hi=2.0, signed=True), NONZERO, dtypes=FLOATS,
           variant="bcast"),
    unary("sqrt", np.sqrt, POS),
    unary("rsqrt", lambda x: np.asarray(1 / np.sqrt(x), x.dtype), POS),
    unary("cbrt", np.cbrt, NONZERO, dtypes=FLOATS),
    unary("erf", keep(sps.erf), dtypes=FLOATS),
    unary("erfc", keep(sps.erfc), dtypes=FLOATS),
    unary("erf_inv", keep(sps.erfinv), UNIT, dtypes=FLOATS),
    unary("lgamma", keep(sps.gammaln), arr(lo=0.5, hi=4.0), dtypes=FLOATS),
    unary("digamma", keep(sps.digamma), arr(lo=0.5, hi=4.0), dtypes=FLOATS),
    Row("polygamma", ops(lambda rng, dt: np.asarray(rng.integers(0, 3, (2, 3)), dt),
                         arr(lo=0.5, hi=4.0)), keep(sps.polygamma), dtypes=FLOATS, diff=True,
        smooth=True, diff_argnums=(1,)),
    unary("abs", np.abs, NONZERO, dtypes=NUMERIC),
    unary("floor", np.floor, offgrid(), dtypes=FLOATS),
    unary("ceil", np.ceil, offgrid(), dtypes=FLOATS),
    unary("round", round_ref, offgrid(), dtypes=FLOATS, params={"rounding_method": 0},
          variant="away"),
    unary("round", round_ref, offgrid(), dtypes=FLOATS, params={"rounding_method": 1},
          variant="even"),
    unary("round", round_ref, _ties_float(), dtypes=FLOATS, params={"rounding_method": 0},
          diff=False, variant="away_ties"),
    unary("round", round_ref, _ties_float(), dtypes=FLOATS, params={"rounding_method": 1},
          diff=False, variant="even_ties"),
    unary("is_finite", np.isfinite, const([[0.0, np.inf, -np.inf], [np.nan, -1.5, 3e38]]),
          dtypes=FLOATS, diff=False),
    binary("nextafter", np.nextafter, dtypes=FLOATS, diff=False),
    # --- complex parts -------------------------------------------------------------------------
    unary("real", np.real, dtypes=(C64,), linear=((0,),)),
    unary("imag", np.imag, dtypes=(C64,), linear=((0,),)),
    unary("conj", conj_ref, dtypes=INEXACT, linear=((0,),)),
    binary("complex", complex_ref, dtypes=FLOATS, linear=((0, 1),)),
    # --- comparisons and logic -----------------------------------------------------------------
    *compare("eq", np.equal, ALL),
    *compare("ne", np.not_equal, ALL),
    *compare("lt", np.less, (F32, F64, I32, BOOL)),
    *compare("le", np.less_equal, (F32, F64, I32, BOOL)),
    *compare("gt", np.greater, (F32, F64, I32, BOOL)),
    *compare("ge", np.greater_equal, (F32, F64, I32, BOOL)),
    binary("and", np.bitwise_and, dtypes=INT_BOOL, diff=False),
    binary("or", np.bitwise_or, dtypes=INT_BOOL, diff=False),
    binary("xor", np.bitwise_xor, dtypes=INT_BOOL, diff=False),
    unary("not", np.invert, dtypes=INT_BOOL, diff=False),
    binary("shift_left", int_ref(_shl), arr(ints=(-2**31, 2**31)), arr(ints=(-2, 36)),
           dtypes=INTS, diff=False),
    binary("shift_right_logical", int_ref(_srl), arr(ints=(-2**31, 2**31)), arr(ints=(-2, 36)),
           dtypes=INTS, diff=False),
    binary("shift_right_arithmetic", int_ref(_sra), arr(ints=(-2**31, 2**31)),
           arr(ints=(-2, 36)), dtypes=INTS, diff=False),
    unary("population_count", int_ref(lambda a, bits: bin(a & ((1 << bits) - 1)).count("1")),
          arr(ints=(-2**31, 2**31)), dtypes=INTS, diff=False),
    # --- select, clamp, casts ------------------------------------------------------------------
    Row("select_n", ops(fixed_dtype(arr(), BOOL), arr(), arr()), select_n_ref, dtypes=ALL,
        diff=True, smooth=True, linear=((1, 2),)),
    Row("select_n", ops(fixed_dtype(arr(()), BOOL), arr(), arr()), select_n_ref, dtypes=INEXACT,
        diff=True, smooth=True, linear=((1, 2),), variant="scalar_pred"),
    Row("select_n", ops(fixed_dtype(arr(ints=(0, 3)), I32), arr(), arr(), arr()), select_n_ref,
        dtypes=NUMERIC, diff=True, smooth=True, linear=((1, 2, 3),), variant="int3"),
    Row("clamp", ops(arr(lo=-2.0, hi=-1.0), arr(lo=-3.0, hi=3.0), arr(lo=1.0, hi=2.0)),
        clamp_ref, dtypes=REAL, diff=True, smooth=True),
    Row("clamp", ops(arr((), lo=-1.0, hi=-0.5), arr(lo=-3.0, hi=3.0), arr((), lo=0.5, hi=1.0)),
        clamp_ref, dtypes=REAL, diff=True, smooth=True, variant="scalar_bounds"),
    Row("convert_element_type", ops(arr(lo=-4.0, hi=4.0)), convert_ref, dtypes=ALL,
        params=lambda dt: {"new_dtype": F32, "weak_type": False, "sharding": None},
        variant="to_f32"),
    Row("convert_element_type", ops(arr(lo=-4.0, hi=4.0)), convert_ref, dtypes=FLOATS,
        diff=True, smooth=True, linear=((0,),), variant="to_complex",
        params=lambda dt: {"new_dtype": C64 if dt == F32 else C128, "weak_type": False,
                           "sharding": None}),
    Row("convert_element_type", ops(arr(lo=-4.0, hi=4.0)), convert_ref, dtypes=(F32, C64, BOOL),
        params={"new_dtype": I32, "weak_type": False, "sharding": None}, variant="to_i32"),
    Row("convert_element_type",
        ops(const([[np.nan, 3e9, -3e9], [np.inf, -np.inf, 2147483520.0]])), convert_ref,
        dtypes=(F32,), params={"new_dtype": I32, "weak_type": False, "sharding": None},
        variant="to_i32_edges"),
    Row("convert_element_type", ops(arr(lo=-4.0, hi=4.0)), convert_ref, dtypes=ALL,
        params={"new_dtype": BOOL, "weak_type": False, "sharding": None}, variant="to_bool"),
    Row("convert_element_type", ops(arr(lo=-4.0, hi=4.0)), convert_ref, dtypes=(F32, I32),
        params={"new_dtype": C64, "weak_type": False, "sharding": None}, variant="to_c64"),
    Row("convert_element_type", ops(arr(lo=-4.0, hi=4.0)), convert_ref, dtypes=(F32, I32),
        params=lambda dt: {"new_dtype": dt, "weak_type": True, "sharding": None},
        variant="to_weak"),
    Row("bitcast_convert_type", ops(arr()), lambda x, *, new_dtype: x.view(new_dtype),
        dtypes=(F32, I32), params=lambda dt: {"new_dtype": I32 if dt == F32 else F32}),
    Row("stop_gradient", ops(arr()), lambda x: x, dtypes=NUMERIC, zero_jvp=True),
    # --- structural ----------------------------------------------------------------------------
    Row("broadcast_in_dim", ops(arr((3, 1))), bid_ref, dtypes=ALL, diff=True, smooth=True,
        linear=((0,),), params={"shape": (2, 3, 4), "broadcast_dimensions": (1, 2),
                                "sharding": None}),
    Row("broadcast_in_dim", ops(arr(())), bid_ref, dtypes=INEXACT, diff=True, smooth=True,
        linear=((0,),), params={"shape": (2, 3), "broadcast_dimensions": (), "sharding": None},
        variant="scalar"),
    Row("reshape", ops(arr((2, 3, 2))), lambda x, *, new_sizes, **_: np.reshape(x, new_sizes),
        dtypes=ALL, diff=True, smooth=True, linear=((0,),),
        params={"new_sizes": (3, 4), "dimensions": None, "sharding": None}),
    Row("squeeze", ops(arr((2, 1, 3, 1))), lambda x, *, dimensions: np.squeeze(x, dimensions),
        dtypes=ALL, diff=True, smooth=True, linear=((0,),), params={"dimensions": (1, 3)}),
    Row("transpose", ops(arr((2, 3, 4))), lambda x, *, permutation: np.transpose(x, permutation),
        dtypes=ALL, diff=True, smooth=True, linear=((0,),), params={"permutation": (2, 0, 1)}),
    Row("rev", ops(arr((2, 3, 4))), lambda x, *, dimensions: np.flip(x, dimensions), dtypes=ALL,
        diff=True, smooth=True, linear=((0,),), params={"dimensions": (0, 2)}),
    Row("concatenate", ops(arr((2, 1)), arr((2, 3)), arr((2, 2))),
        lambda *xs, dimension: np.concatenate(xs, dimension), dtypes=ALL, diff=True,
        smooth=True, linear=((0, 1, 2),), params={"dimension": 1}),
    Row("pad", ops(arr((3, 4)), arr(())), pad_ref, dtypes=ALL, diff=True, smooth=True,
        linear=((0, 1),), params={"padding_config": ((1, 2, 1), (-1, 1, 2))}),
    Row("pad", ops(arr((2, 3)), arr(())), pad_ref, dtypes=INEXACT, diff=True, smooth=True,
        linear=((0, 1),), params={"padding_config": ((0, -1, 0), (2, -3, 0))},
        variant="negative"),
    Row("slice", ops(arr((5, 6))), slice_ref, dtypes=ALL, diff=True, smooth=True,
        linear=((0,),), params={"start_indices": (1, 0), "limit_indices": (4, 6),
                                "strides": None}),
    Row("slice", ops(arr((5, 7))), slice_ref, dtypes=INEXACT, diff=True, smooth=True,
        linear=((0,),), params={"start_indices": (0, 1), "limit_indices": (5, 7),
                                "strides": (2, 3)}, variant="strided"),
    Row("dynamic_slice", ops(arr((5, 6)), index(-2, 6), index(0, 8)), dynamic_slice_ref,
        dtypes=ALL, diff=True, smooth=True, linear=((0,),), params={"slice_sizes": (2, 3)}),
    Row("dynamic_update_slice", ops(arr((5, 6)), arr((2, 3)), index(-2, 6), index(0, 8)),
        dus_ref, dtypes=ALL, diff=True, smooth=True, linear=((0, 1),)),
    Row("iota", ops(), iota_ref, dtypes=(F32, I32),
        params=lambda dt: {"dtype": dt, "shape": (2, 3), "dimension": 1, "sharding": None}),
    # --- reductions ----------------------------------------------------------------------------
    Row("reduce_sum", ops(arr((2, 3, 4))), reduce_ref(np.sum), dtypes=NUMERIC, diff=True,
        smooth=True, linear=((0,),), params={"axes": (0, 2), "out_sharding": None}),
    Row("reduce_sum", ops(arr((2, 3))), reduce_ref(np.sum), dtypes=NUMERIC, diff=True,
        smooth=True, linear=((0,),), params={"axes": (1,), "out_sharding": None},
        variant="last"),
    Row("reduce_max", ops(arr((2, 3, 4))), reduce_ref(np.max), dtypes=REAL, diff=True,
        smooth=True, params={"axes": (1,), "out_sharding": None}),
    Row("reduce_max", ops(small((2, 3, 4))), reduce_ref(np.max), dtypes=(F32, I32, BOOL, C64),
        params={"axes": (0, 2), "out_sharding": None}, variant="ties"),
    Row("reduce_min", ops(arr((2, 3, 4))), reduce_ref(np.min), dtypes=REAL, diff=True,
        smooth=True, params={"axes": (0, 2), "out_sharding": None}),
    Row("reduce_min", ops(small((2, 3, 4))), reduce_ref(np.min), dtypes=(F32, I32, BOOL, C64),
        params={"axes": (1,), "out_sharding": None}, variant="ties"),
    Row("reduce_max", ops(arr((0, 3))), reduce_ref(empty_ok(np.max, -1)), dtypes=(F32, I32, BOOL),
        params={"axes": (0,), "out_sharding": None}, variant="empty"),
    Row("reduce_min", ops(arr((2, 0))), reduce_ref(empty_ok(np.min, 1)), dtypes=(F32, I32, BOOL),
        params={"axes": (1,), "out_sharding": None}, variant="empty"),
    Row("reduce_sum", ops(arr((0, 3))), reduce_ref(np.sum), dtypes=NUMERIC, diff=True,
        linear=((0,),), params={"axes": (0,), "out_sharding": None}, variant="empty"),
    Row("reduce_prod", ops(arr((3, 0))), reduce_ref(np.prod), dtypes=NUMERIC,
        params={"axes": (1,), "out_sharding": None}, variant="empty"),
    Row("reduce_prod", ops(arr((2, 3, 4), lo=0.5, hi=1.5, signed=True, ints=(-2, 3))),
        reduce_ref(np.prod), dtypes=NUMERIC, diff=True, smooth=True,
        params={"axes": (0, 2), "out_sharding": None}),
    Row("reduce_prod", ops(arr((3, 4))), reduce_ref(np.prod), dtypes=INEXACT, diff=True,
        smooth=True, params={"axes": (1,), "out_sharding": None}, variant="last"),
    Row("reduce_and", ops(arr((2, 3, 4), ints=(-8, 8))),
        bitwise_reduce_ref(np.bitwise_and, np.all), dtypes=INT_BOOL,
        params={"axes": (0, 2), "out_sharding": None}),
    Row("reduce_or", ops(arr((2, 3, 4), ints=(-8, 8))),
        bitwise_reduce_ref(np.bitwise_or, np.any), dtypes=INT_BOOL,
        params={"axes": (1,), "out_sharding": None}),
    Row("argmax", ops(arr((3, 4))), arg_ref(np.argmax), dtypes=(F32, F64, I32, BOOL),
        params={"axes": (1,), "index_dtype": I32}),
    Row("argmin", ops(arr((3, 4))), arg_ref(np.argmin), dtypes=(F32, F64, I32, BOOL),
        params={"axes": (0,), "index_dtype": I32}),
    Row("argmax", ops(const([[1.0, np.nan, 3.0], [2.0, 5.0, np.nan]])), arg_ref(
        lambda x, axis: np.argmax(np.where(np.isnan(x), np.inf, x), axis)), dtypes=FLOATS,
        params={"axes": (1,), "index_dtype": I32}, variant="nan"),
    # --- dot_general ---------------------------------------------------------------------------
    Row("dot_general", ops(arr((2, 3)), arr((3, 4))), dot_ref, dtypes=NUMERIC, diff=True,
        smooth=True, linear=((0,), (1,)), variant="matmul",
        params={"dimension_numbers": (((1,), (0,)), ((), ())), "precision": None,
                "preferred_element_type": None, "out_sharding": None}),
    Row("dot_general", ops(arr((3,)), arr((3,))), dot_ref, dtypes=NUMERIC, diff=True,
        smooth=True, linear=((0,), (1,)), variant="vdot",
        params=lambda dt: {"dimension_numbers": (((0,), (0,)), ((), ())), "precision": None,
                           "preferred_element_type": dt, "out_sharding": None}),
    Row("dot_general", ops(arr((2,)), arr((3, 1))), dot_ref, dtypes=NUMERIC, diff=True,
        smooth=True, linear=((0,), (1,)), variant="outer",
        params={"dimension_numbers": (((), ()), ((), ())), "precision": None,
                "preferred_element_type": None, "out_sharding": None}),
    Row("dot_general", ops(arr((4, 2, 3)), arr((3, 2, 5))), dot_ref, dtypes=NUMERIC, diff=True,
        smooth=True, linear=((0,), (1,)), variant="batch_middle",
        params={"dimension_numbers": (((2,), (0,)), ((1,), (1,))), "precision": None,
                "preferred_element_type": None, "out_sharding": None}),
    Row("dot_general", ops(arr((3, 2, 4, 5)), arr((5, 4, 2, 3))), dot_ref, dtypes=(F32, F64),
        diff=True, smooth=True, linear=((0,), (1,)), variant="unsorted",
        params={"dimension_numbers": (((3, 0), (0, 3)), ((1,), (2,))), "precision": None,
                "preferred_element_type": None, "out_sharding": None}),
]

# --- special functions (numjax/_src/scipy/special.py) -------------------------------------------
# Declared with numjax.scipy.special (jax.lax has them as lax.igamma & co.); import it so they
# are registered whichever test module runs first.
import numjax._src.scipy.special  # noqa: E402,F401


def _igamma_grad_a_ref(a, x):
  """d/da P(a, x) by its series (200 terms suffice for x <= 5)."""
  a, x = np.asarray(a, np.float64), np.asarray(x, np.float64)
  n = np.arange(200.0).reshape((-1,) + (1,) * a.ndim)
  t = np.exp(-x + (a + n) * np.log(x) - sps.gammaln(a + n + 1))
  return np.sum(t * (np.log(x) - sps.digamma(a + n + 1)), axis=0)


def _hyp2f1_dparam_ref(a, b, c, x, wrt):
  """d/db 2F1(a, b; c; x) = sum_k (a)_k (b)_k / (c)_k x^k / k! (psi(b + k) - psi(b))."""
  dtype = np.asarray(x).dtype
  a, b, c, x = (np.asarray(v, np.float64) for v in (a, b, c, x))
  assert wrt == 1
  k = np.arange(400.0).reshape((-1,) + (1,) * a.ndim)
  log_term = (sps.gammaln(a + k) - sps.gammaln(a) + sps.gammaln(b + k) - sps.gammaln(b)
              - sps.gammaln(c + k) + sps.gammaln(c) - sps.gammaln(k + 1))
  term = np.exp(log_term) * x ** k
  return np.asarray(np.sum(term * (sps.digamma(b + k) - sps.digamma(b)), axis=0), dtype)


ROWS += [
    binary("igamma", keep(sps.gammainc), arr(lo=0.5, hi=4.0), arr(lo=0.2, hi=5.0),
           dtypes=FLOATS, smooth=False),
    binary("igammac", keep(sps.gammaincc), arr(lo=0.5, hi=4.0), arr(lo=0.2, hi=5.0),
           dtypes=FLOATS, smooth=False),
    binary("igamma_grad_a", keep(_igamma_grad_a_ref), arr(lo=0.5, hi=4.0), arr(lo=0.2, hi=5.0),
           dtypes=FLOATS, diff=False, rtol=1e-4),
    Row("regularized_incomplete_beta", ops(arr(lo=0.5, hi=4.0), arr(lo=0.5, hi=4.0),
                                           arr(lo=0.05, hi=0.95)),
        keep(sps.betainc), dtypes=FLOATS, diff=True, smooth=True, diff_argnums=(2,)),
    Row("zeta", ops(arr(lo=1.5, hi=4.0), arr(lo=0.5, hi=3.0)), keep(sps.zeta), dtypes=FLOATS,
        diff=True, smooth=True, diff_argnums=(1,)),
    unary("bessel_i0e", keep(sps.i0e), arr(lo=-3.0, hi=3.0), dtypes=FLOATS),
    unary("bessel_i1e", keep(sps.i1e), arr(lo=-3.0, hi=3.0), dtypes=FLOATS),
    unary("erfcx", keep(sps.erfcx), arr(lo=-2.0, hi=3.0), dtypes=FLOATS),
    unary("exp1", keep(sps.exp1), arr(lo=0.2, hi=3.0), dtypes=FLOATS),
    unary("expi", keep(sps.expi), arr(lo=0.2, hi=3.0), dtypes=FLOATS),
    Row("expn", ops(lambda rng, dt: np.asarray(rng.integers(2, 5, (2, 3)), dt),
                    arr(lo=0.2, hi=3.0)), keep(sps.expn), dtypes=FLOATS, diff=True,
        smooth=True, diff_argnums=(1,)),
    unary("dawsn", keep(sps.dawsn), arr(lo=-2.0, hi=2.0), dtypes=FLOATS),
    unary("spence", keep(sps.spence), arr(lo=0.1, hi=0.9), dtypes=FLOATS),
    Row("hyp1f1", ops(arr(lo=0.5, hi=2.0), arr(lo=1.0, hi=3.0), arr(lo=-1.0, hi=1.5)),
        keep(sps.hyp1f1), dtypes=FLOATS, diff=True, smooth=True, diff_argnums=(2,)),
    # numjax/_src/scipy/special.py: fresnel, sici, wofz, owens_t, hyp2f1, sph_harm_y
    unary("fresnel_s", keep(lambda x: sps.fresnel(x)[0]), arr(lo=-2.0, hi=2.0), dtypes=FLOATS),
    unary("fresnel_c", keep(lambda x: sps.fresnel(x)[1]), arr(lo=-2.0, hi=2.0), dtypes=FLOATS),
    unary("sici_si", keep(lambda x: sps.sici(x)[0]), arr(lo=-3.0, hi=3.0), dtypes=FLOATS),
    unary("sici_ci", keep(lambda x: sps.sici(x)[1]), arr(lo=0.3, hi=3.0), dtypes=FLOATS),
    unary("wofz", keep(sps.wofz), arr(lo=-2.0, hi=2.0, imag=1.5), dtypes=(C64,), diff=False),
    binary("owens_t", keep(sps.owens_t), arr(lo=-2.0, hi=2.0), arr(lo=-2.0, hi=2.0),
           dtypes=FLOATS),
    Row("hyp2f1", ops(arr(lo=0.5, hi=2.0), arr(lo=0.5, hi=2.0), arr(lo=2.5, hi=4.0),
                      arr(lo=-0.6, hi=0.6)), keep(sps.hyp2f1), dtypes=FLOATS, diff=True,
        smooth=False, rtol=1e-4),
    Row("hyp2f1_dparam", ops(arr(lo=0.5, hi=2.0), arr(lo=0.5, hi=2.0), arr(lo=2.5, hi=4.0),
                             arr(lo=-0.6, hi=0.6)), _hyp2f1_dparam_ref, params={"wrt": 1},
        dtypes=FLOATS),
    Row("sph_harm_y", ops(lambda rng, dt: np.asarray(rng.integers(2, 5, (2, 3)), np.int32),
                          lambda rng, dt: np.asarray(rng.integers(-2, 3, (2, 3)), np.int32),
                          arr(lo=0.3, hi=2.8), arr(lo=0.0, hi=6.0)),
        lambda n, m, t, p: np.asarray(sps.sph_harm_y(n, m, np.float64(t), np.float64(p)),
                                      np.complex64 if t.dtype == np.float32 else np.complex128),
        dtypes=FLOATS, diff=False),
]

# The dtype kinds each elementwise primitive accepts (f float, c complex, i int, u uint, b bool),
# as probed from JAX 0.10.2; every other kind must raise TypeError from the shape/dtype rule.
ACCEPTS = {
    "neg": "fciu", "sign": "fciu", "floor": "f", "ceil": "f", "round": "f", "is_finite": "f",
    "exp": "fc", "exp2": "fc", "log": "fc", "log1p": "fc", "expm1": "fc", "tanh": "fc",
    "logistic": "fc", "sin": "fc", "cos": "fc", "tan": "fc", "asin": "fc", "acos": "fc",
    "atan": "fc", "sinh": "fc", "cosh": "fc", "asinh": "fc", "acosh": "fc", "atanh": "fc",
    "sqrt": "fc", "rsqrt": "fc", "cbrt": "f", "square": "fciu", "erf": "f", "erfc": "f",
    "erf_inv": "f", "lgamma": "f", "digamma": "f", "abs": "fci", "real": "c", "imag": "c",
    "conj": "fc", "not": "iub", "population_count": "iu", "integer_pow": "fciu",
    "add": "fciu", "add_any": "fciu", "sub": "fciu", "mul": "fciu", "div": "fciu", "rem": "fiu",
    "max": "fciub", "min": "fciub", "pow": "fc", "nextafter": "f", "complex": "f",
    "atan2": "f",  # JAX also takes complex atan2; numjax does not implement it
    "polygamma": "f", "eq": "fciub", "ne": "fciub", "lt": "fiub", "le": "fiub", "gt": "fiub",
    "ge": "fiub", "and": "iub", "or": "iub", "xor": "iub", "shift_left": "iu",
    "shift_right_logical": "iu", "shift_right_arithmetic": "iu",
}

# Primitives whose families are tested in their own test files (indexing, control flow,
# cumulative, sorting, linalg, fft, random bits). A registered primitive must have a row above
# or a name here, so that none silently goes untested.
COVERED_ELSEWHERE = {
    # indexing
    "gather", "scatter", "scatter-add", "scatter_add", "scatter-mul", "scatter_mul",
    "scatter-min", "scatter_min", "scatter-max", "scatter_max", "scatter_apply", "scatter-sub",
    # control flow
    "cond", "while", "scan", "custom_linear_solve", "fori_loop", "pjit", "jit",
    "custom_jvp_call", "custom_vjp_call",
    "custom_vjp_call_jaxpr", "remat", "checkpoint", "closed_call", "core_call",
    # cumulative
    "cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp",
    # sorting
    "sort", "top_k", "argsort",
    # linalg
    "cholesky", "eig", "eigh", "lu", "lu_pivots_to_permutation", "qr", "householder_product",
    "svd", "triangular_solve", "tridiagonal", "tridiagonal_solve", "schur", "hessenberg",
    "geqrf",
    # windowed reductions
    "reduce_window_sum", "reduce_window_max", "reduce_window_min", "reduce_window", "reduce",
    "select_and_gather_add", "select_and_scatter_add", "reduce_precision",
    # fft
    "fft",
    # convolution
    "conv_general_dilated",
    # random bits
    "random_bits", "random_seed", "random_wrap", "random_unwrap", "random_fold_in",
    "random_split", "threefry2x32", "random_uniform", "random_gamma", "random_gamma_grad",
}

ROW_NAMES = {r.name for r in ROWS}


# --- numjax/_src/lax/more.py -------------------------------------------------------------------
def _clz_ref(x):
  bits = 8 * x.dtype.itemsize
  u = x.astype(np.int64) % (1 << bits)
  return np.asarray([bits - int(v).bit_length() for v in u.ravel()], x.dtype).reshape(x.shape)


def _mulhi_ref(x, y):
  bits = 8 * x.dtype.itemsize
  out = [(int(a) * int(b)) >> bits for a, b in zip(*(np.broadcast_arrays(x, y)))]
  return np.asarray(np.asarray(out, np.int64).astype(x.dtype)).reshape(np.broadcast_shapes(
      x.shape, y.shape))


ROWS += [
    unary("clz", _clz_ref, arr(ints=(-2**31, 2**31 - 1)), dtypes=INTS, diff=False),
    binary("mulhi", lambda x, y: _mulhi_ref(x.ravel(), y.ravel()).reshape(x.shape),
           arr(ints=(-2**31, 2**31 - 1)), arr(ints=(-2**31, 2**31 - 1)), dtypes=INTS,
           diff=False),
    Row("reduce_xor", ops(arr((2, 3, 4), ints=(-8, 8))),
        bitwise_reduce_ref(np.bitwise_xor, np.logical_xor.reduce), dtypes=INT_BOOL,
        params={"axes": (0, 2)}),
    Row("stack", ops(arr((2, 3)), arr((2, 3)), arr((2, 3))),
        lambda *xs, axis: np.stack(xs, axis), dtypes=ALL, diff=True, smooth=True,
        linear=((0, 1, 2),), params={"axis": 1}),
    Row("tile", ops(arr((2, 3))), lambda x, *, reps: np.tile(x, reps), dtypes=ALL, diff=True,
        smooth=True, linear=((0,),), params={"reps": (2, 3)}),
    Row("sharding_constraint", ops(arr((2, 3))), lambda x, **params: x, dtypes=ALL, diff=True,
        smooth=True, linear=((0,),),
        params={"sharding": None, "layout": None, "context_mesh": None,
                "unconstrained_dims": frozenset()}),
    Row("empty", ops(), lambda *, shape, dtype, out_sharding: np.zeros(shape, dtype),
        dtypes=(F32, I32), params=lambda dt: {"shape": (2, 3), "dtype": dt,
                                              "out_sharding": None}),
]
ACCEPTS.update({"clz": "iu", "mulhi": "iu"})
# Multiple results (split, unstack, optimization_barrier) and stage (never staged):
# tests/test_api_gaps.py.
COVERED_ELSEWHERE |= {"split", "unstack", "optimization_barrier", "stage"}
ROW_NAMES = {r.name for r in ROWS}
