"""Elementwise primitives: arithmetic, math functions, comparisons, logic, select, casts.

Operands have equal dtypes and broadcast NumPy-style when their ranks are equal (or an operand
is rank 0), as lax does. Each primitive is one block: declaration, JVP, transpose, batching.
"""
from __future__ import annotations

import numpy as np
import scipy.special as sps

from numjax._src import codegen, core, dtypes
from numjax._src.core import ShapedArray
from numjax._src.interpreters import ad
from numjax._src.interpreters.ad import UndefinedPrimal, Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import (any_dtype, batch_elementwise, defjvp, defjvp2, def_zero_jvp,
                                  deflinear, elementwise_aval, float_or_complex, floating,
                                  int_or_bool, integral, never_weak, numeric, operand_aval,
                                  primitive, real_numeric, unbroadcast)


def unop(name, impl, allowed=float_or_complex, out_dtype=None):
  p = primitive(name, impl, elementwise_aval(name, allowed, out_dtype))
  batch_elementwise(p)
  return p


def binop(name, impl, allowed=numeric, out_dtype=None):
  p = primitive(name, impl, elementwise_aval(name, allowed, out_dtype))
  batch_elementwise(p)
  return p


def _bool_out(dtype):
  return dtypes.bool_


def _cmp(name, impl, allowed=any_dtype):
  # Weakly typed when all operands are, as in JAX (`lax.eq(1., 2.)` is a weak bool).
  p = primitive(name, impl, elementwise_aval(name, allowed, _bool_out))
  def_zero_jvp(p)
  batch_elementwise(p)
  return p


def _np_fn(f, dtype_preserving=True):
  """Wrap a NumPy/SciPy function so it returns the input dtype (SciPy may upcast)."""
  if not dtype_preserving:
    return f

  def impl(x):
    out = f(x)
    dt = np.asarray(x).dtype
    return out if out.dtype == dt else out.astype(dt)
  return impl


# --- arithmetic ---------------------------------------------------------------------------------
add_p = binop("add", np.add)
add_p.codegen = codegen.binop_hook("+", "iufc")
def _add_transpose(ct, x, y):
  return [unbroadcast(operand_aval(x), ct) if is_undefined_primal(x) else None,
          unbroadcast(operand_aval(y), ct) if is_undefined_primal(y) else None]
defjvp(add_p, lambda g, x, y: g, lambda g, x, y: g)
add_p.transpose = _add_transpose

# add_any: the sum of two tangents/cotangents (JAX's add_jaxvals).
add_any_p = binop("add_any", np.add)
add_any_p.codegen = codegen.binop_hook("+", "iufc")
deflinear(add_any_p, lambda ct, x, y: [ct, ct])
ad.add_jaxvals = lambda x, y: add_any_p.bind(x, y)

sub_p = binop("sub", np.subtract)
sub_p.codegen = codegen.binop_hook("-", "iufc")
defjvp(sub_p, lambda g, x, y: g, lambda g, x, y: L.neg(g))
sub_p.transpose = lambda ct, x, y: [
    unbroadcast(operand_aval(x), ct) if is_undefined_primal(x) else None,
    unbroadcast(operand_aval(y), L.neg(ct)) if is_undefined_primal(y) else None]

mul_p = binop("mul", np.multiply)
mul_p.codegen = codegen.binop_hook("*", "iufc")
defjvp(mul_p, lambda g, x, y: L.mul(g, y), lambda g, x, y: L.mul(x, g))
def _mul_transpose(ct, x, y):
  x_linear, y_linear = type(x) is UndefinedPrimal, type(y) is UndefinedPrimal
  if x_linear and y_linear:
    raise NotImplementedError("mul of two linear values is not linear; cannot transpose")
  if x_linear:
    return [unbroadcast(x.aval, L.mul(ct, y)), None]
  return [None, unbroadcast(y.aval, L.mul(x, ct))]
mul_p.transpose = _mul_transpose


def _div_impl(x, y):
  if x.dtype.kind in "iu":
    # Exact integer division rounding toward zero (a float quotient is inexact past 2**53).
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
      safe = np.where(y == 0, 1, y)
      q = np.floor_divide(x, safe)
      q = q + ((q * safe != x) & ((x < 0) != (safe < 0)))
      out = np.where(y == 0, -1, q).astype(x.dtype)  # x / 0 is -1, as XLA computes it
    return out if out.ndim else out[()]
  return np.true_divide(x, y)
div_p = binop("div", _div_impl)
div_p.codegen = codegen.binop_hook("/", "fc")
defjvp(div_p, lambda g, x, y: L.div(g, y),
       lambda g, x, y: L.mul(L.mul(L.neg(g), x), L.integer_pow(y, -2)))
def _div_transpose(ct, x, y):
  if is_undefined_primal(y):
    raise NotImplementedError("div is not linear in its denominator; cannot transpose")
  return [unbroadcast(x.aval, L.div(ct, y)), None]
div_p.transpose = _div_transpose

def _rem_impl(x, y):
  if x.dtype.kind in "iu":  # x rem 0 is x, as XLA computes it
    with np.errstate(divide="ignore", invalid="ignore"):
      return np.where(y == 0, x, np.fmod(x, np.where(y == 0, 1, y))).astype(x.dtype)
  return np.fmod(x, y)
rem_p = binop("rem", _rem_impl, real_numeric)
defjvp(rem_p, lambda g, x, y: g,
       lambda g, x, y: L.mul(L.neg(g), L.mul(L.sign(L.div(x, y)), L.floor(L.abs(L.div(x, y))))))

neg_p = unop("neg", np.negative, numeric)
def _neg_codegen(in_avals, out_avals):
  return "-{0}" if in_avals[0].dtype.kind in "ifc" else None
neg_p.codegen = _neg_codegen
deflinear(neg_p, lambda ct, x: [L.neg(ct)])

sign_p = unop("sign", np.sign, numeric)
def_zero_jvp(sign_p)

def _lex_gt(x, y):
  """XLA's order of complex numbers: by real part, then by imaginary part."""
  return (x.real > y.real) | ((x.real == y.real) & (x.imag > y.imag))


def _max_impl(x, y):  # complex: x if x > y (lexicographically) else y, as XLA computes it
  return np.where(_lex_gt(x, y), x, y) if x.dtype.kind == "c" else np.maximum(x, y)


def _min_impl(x, y):
  return np.where(_lex_gt(y, x), x, y) if x.dtype.kind == "c" else np.minimum(x, y)


max_p = binop("max", _max_impl, any_dtype)
max_p.codegen = codegen.ufunc_hook("maximum", kinds="iuf")
min_p = binop("min", _min_impl, any_dtype)
min_p.codegen = codegen.ufunc_hook("minimum", kinds="iuf")


def _balanced_eq(x, z, y):
  """JAX's derivative of max/min w.r.t. x (z the result): 1 where x == z, 1/2 where y == z
  too (ties split the gradient). Works for complex operands."""
  return L.div(L.select(L.eq(x, z), L.full_like(z, 1), L.full_like(z, 0)),
               L.select(L.eq(y, z), L.full_like(z, 2), L.full_like(z, 1)))
defjvp2(max_p, lambda g, ans, x, y: L.mul(g, _balanced_eq(x, ans, y)),
        lambda g, ans, x, y: L.mul(g, _balanced_eq(y, ans, x)))
defjvp2(min_p, lambda g, ans, x, y: L.mul(g, _balanced_eq(x, ans, y)),
        lambda g, ans, x, y: L.mul(g, _balanced_eq(y, ans, x)))


def _pow_impl(x, y):
  with np.errstate(all="ignore"):
    return np.power(x, y)
pow_p = binop("pow", _pow_impl, float_or_complex)
def _pow_jvp_x(g, x, y):
  # y * x**(y-1); JAX special-cases y == 0 only for integer exponents, which lax.pow here
  # does not take, so d/dx x**0. at 0 is nan, as in JAX.
  return L.mul(g, L.mul(y, L.pow(x, L.sub(y, L._ones(y)))))
def _pow_jvp_y(g, ans, x, y):
  # log(x) * x**y, with log(1) standing in for log(0) (JAX's _replace_zero).
  safe_x = L.select(L.eq(x, L._zeros(x)), L.full_like(x, 1), x)
  return L.mul(g, L.mul(L.log(safe_x), ans))
defjvp2(pow_p, lambda g, ans, x, y: _pow_jvp_x(g, x, y), _pow_jvp_y)


def _integer_pow_impl(x, *, y):
  if y == 2:
    return np.multiply(x, x)
  if y < 0 and x.dtype.kind in "iu":  # the shape rule words the error (core re-runs it)
    raise TypeError("integer_pow of integers with a negative exponent")
  with np.errstate(all="ignore"):
    return np.power(x, x.dtype.type(y)) if x.dtype.kind != "c" else np.power(x, y).astype(x.dtype)


_integer_pow_elementwise = elementwise_aval("integer_pow", numeric)


def _integer_pow_aval(x, *, y):
  if y < 0 and x.dtype.kind in "iu":
    raise TypeError(f"Integers cannot be raised to negative powers, got "
                    f"integer_pow({'~' if x.weak_type else ''}{x}, {y})")
  return _integer_pow_elementwise(x, y=y)
integer_pow_p = primitive("integer_pow", _integer_pow_impl, _integer_pow_aval)
integer_pow_p.codegen = lambda in_avals, out_avals, *, y: "{0} * {0}" if y == 2 else None
batch_elementwise(integer_pow_p)
defjvp(integer_pow_p, lambda g, x, *, y: (
    L._zeros(g) if y == 0 else
    L.mul(g, L.mul(L._const(x, y), L.integer_pow(x, y - 1) if y - 1 != 1 else x))))

square_p = unop("square", np.square, numeric)
square_p.codegen = codegen.ufunc_hook("square")
defjvp(square_p, lambda g, x: L.mul(g, L.mul(L._const(x, 2), x)))


# --- transcendental -----------------------------------------------------------------------------
def _safe(f):
  # NumPy's floating-point RuntimeWarnings from numjax modules are filtered once (see
  # lax/base.py); np.errstate per call would cost more than the op itself.
  return f


exp_p = unop("exp", _safe(np.exp))
exp_p.codegen = codegen.ufunc_hook("exp", True, "fc")
defjvp2(exp_p, lambda g, ans, x: L.mul(g, ans))

exp2_p = unop("exp2", _safe(np.exp2))
defjvp2(exp2_p, lambda g, ans, x: L.mul(g, L.mul(ans, L._const(ans, np.log(2)))))

log_p = unop("log", _safe(np.log))
log_p.codegen = codegen.ufunc_hook("log", True, "fc")
defjvp(log_p, lambda g, x: L.div(g, x))

log1p_p = unop("log1p", _safe(np.log1p))
log1p_p.codegen = codegen.ufunc_hook("log1p", True, "fc")
defjvp(log1p_p, lambda g, x: L.div(g, L.add(x, L._ones(x))))

expm1_p = unop("expm1", _safe(np.expm1))
expm1_p.codegen = codegen.ufunc_hook("expm1", True, "fc")
defjvp2(expm1_p, lambda g, ans, x: L.mul(g, L.add(ans, L._ones(ans))))

tanh_p = unop("tanh", _safe(np.tanh))
tanh_p.codegen = codegen.ufunc_hook("tanh", True, "fc")
defjvp2(tanh_p, lambda g, ans, x: L.mul(L.add(g, L.mul(g, ans)), L.sub(L._ones(x), ans)))

logistic_p = unop("logistic", _safe(lambda x: (1 / (1 + np.exp(-x))).astype(x.dtype)
                                     if x.dtype.kind == "c" else _np_fn(sps.expit)(x)))
defjvp2(logistic_p, lambda g, ans, x: L.mul(g, L.mul(ans, L.sub(L._ones(ans), ans))))

sin_p = unop("sin", _safe(np.sin))
sin_p.codegen = codegen.ufunc_hook("sin", True, "fc")
defjvp(sin_p, lambda g, x: L.mul(g, L.cos(x)))

cos_p = unop("cos", _safe(np.cos))
cos_p.codegen = codegen.ufunc_hook("cos", True, "fc")
defjvp(cos_p, lambda g, x: L.neg(L.mul(g, L.sin(x))))

tan_p = unop("tan", _safe(np.tan))
defjvp2(tan_p, lambda g, ans, x: L.mul(g, L.add(L._ones(ans), L.mul(ans, ans))))

asin_p = unop("asin", _safe(np.arcsin))
defjvp(asin_p, lambda g, x: L.mul(g, L.rsqrt(L.sub(L._ones(x), L.mul(x, x)))))

acos_p = unop("acos", _safe(np.arccos))
defjvp(acos_p, lambda g, x: L.neg(L.mul(g, L.rsqrt(L.sub(L._ones(x), L.mul(x, x))))))

atan_p = unop("atan", _safe(np.arctan))
defjvp(atan_p, lambda g, x: L.div(g, L.add(L._ones(x), L.mul(x, x))))

sinh_p = unop("sinh", _safe(np.sinh))
defjvp(sinh_p, lambda g, x: L.mul(g, L.cosh(x)))

cosh_p = unop("cosh", _safe(np.cosh))
defjvp(cosh_p, lambda g, x: L.mul(g, L.sinh(x)))

asinh_p = unop("asinh", _safe(np.arcsinh))
defjvp(asinh_p, lambda g, x: L.mul(g, L.rsqrt(L.add(L.mul(x, x), L._ones(x)))))

acosh_p = unop("acosh", _safe(np.arccosh))
defjvp(acosh_p, lambda g, x: L.mul(g, L.rsqrt(L.mul(L.sub(x, L._ones(x)),
                                                     L.add(x, L._ones(x))))))

atanh_p = unop("atanh", _safe(np.arctanh))
defjvp(atanh_p, lambda g, x: L.div(g, L.sub(L._ones(x), L.mul(x, x))))

atan2_p = binop("atan2", _safe(np.arctan2), floating)
defjvp(atan2_p,
       lambda g, x, y: L.mul(g, L.div(y, L.add(L.mul(x, x), L.mul(y, y)))),
       lambda g, x, y: L.mul(g, L.div(L.neg(x), L.add(L.mul(x, x), L.mul(y, y)))))

sqrt_p = unop("sqrt", _safe(np.sqrt))
sqrt_p.codegen = codegen.ufunc_hook("sqrt", True, "fc")
defjvp2(sqrt_p, lambda g, ans, x: L.div(g, L.mul(L._const(ans, 2), ans)))

rsqrt_p = unop("rsqrt", _safe(lambda x: (1 / np.sqrt(x)).astype(x.dtype)))
defjvp2(rsqrt_p, lambda g, ans, x: L.mul(g, L.mul(L._const(x, -0.5), L.div(ans, x))))

cbrt_p = unop("cbrt", _safe(np.cbrt), floating)
defjvp2(cbrt_p, lambda g, ans, x: L.mul(g, L.mul(L._const(x, 1 / 3), L.div(ans, x))))

erf_p = unop("erf", _safe(_np_fn(sps.erf)), floating)
defjvp(erf_p, lambda g, x: L.mul(g, L.mul(L._const(x, 2 / np.sqrt(np.pi)),
                                          L.exp(L.neg(L.mul(x, x))))))

erfc_p = unop("erfc", _safe(_np_fn(sps.erfc)), floating)
defjvp(erfc_p, lambda g, x: L.mul(g, L.mul(L._const(x, -2 / np.sqrt(np.pi)),
                                           L.exp(L.neg(L.mul(x, x))))))

def _erf_inv_impl(x):
  # XLA's polynomial (bit-identical to JAX on CPU), so random.normal matches JAX exactly.
  from numjax._src.prng_kernels import erfinv
  return erfinv(x)


erf_inv_p = unop("erf_inv", _erf_inv_impl, floating)
defjvp2(erf_inv_p, lambda g, ans, x: L.mul(g, L.mul(L._const(x, np.sqrt(np.pi) / 2),
                                                    L.exp(L.mul(ans, ans)))))

lgamma_p = unop("lgamma", _safe(_np_fn(sps.gammaln)), floating)
defjvp(lgamma_p, lambda g, x: L.mul(g, L.digamma(x)))

digamma_p = unop("digamma", _safe(_np_fn(sps.digamma)), floating)
defjvp(digamma_p, lambda g, x: L.mul(g, L.polygamma(L._ones(x), x)))

polygamma_p = binop("polygamma", _safe(lambda n, x: sps.polygamma(n, x).astype(x.dtype)), floating)
defjvp(polygamma_p, None, lambda g, n, x: L.mul(g, L.polygamma(L.add(n, L._ones(n)), x)))

_signed = lambda d: d.kind in "fci"  # noqa: E731
_signed.__doc__ = "subtypes of signed integer, floating or complex"
abs_p = unop("abs", np.abs, _signed, out_dtype=dtypes.real_dtype)
def _abs_jvp(g, ans, x):
  if dtypes.is_complex(core.get_aval(x).dtype):
    safe = L.select(L.eq(ans, L._zeros(ans)), L.full_like(ans, 1), ans)
    return L.real(L.mul(L.div(L.conj(x), L.complex(safe, L._zeros(safe))), g))
  return L.select(L.ge(x, L._zeros(x)), g, L.neg(g))   # JAX's rule (its jaxprs show it)
defjvp2(abs_p, _abs_jvp)

floor_p = unop("floor", np.floor, floating)
def_zero_jvp(floor_p)
ceil_p = unop("ceil", np.ceil, floating)
def_zero_jvp(ceil_p)


def _round_impl(x, *, rounding_method=0):
  if int(rounding_method) == 0:  # away from zero; x - trunc(x) is exact, x + 0.5 is not
    t = np.trunc(x)
    return np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t).astype(x.dtype)
  return np.round(x)
round_p = primitive("round", _round_impl, elementwise_aval("round", floating))
batch_elementwise(round_p)
def_zero_jvp(round_p)

is_finite_p = unop("is_finite", np.isfinite, floating, out_dtype=_bool_out)  # weak as in JAX
def_zero_jvp(is_finite_p)

nextafter_p = binop("nextafter", np.nextafter, floating)
def_zero_jvp(nextafter_p)


# --- complex parts --------------------------------------------------------------------------------
real_p = unop("real", np.real, lambda d: d.kind == "c", out_dtype=dtypes.real_dtype)
deflinear(real_p, lambda ct, x: [L.complex(ct, L._strong_zero(ct))])

imag_p = unop("imag", np.imag, lambda d: d.kind == "c", out_dtype=dtypes.real_dtype)
deflinear(imag_p, lambda ct, x: [L.complex(L._strong_zero(ct), L.neg(ct))])

def _to_complex(dtype):
  return dtype if dtype.kind == "c" else dtypes.complex_dtype_for(dtype)
# `input_dtype` is recorded as JAX binds it (`conj[input_dtype=float32]`); real x gives a
# complex result, as in JAX.
conj_p = unop("conj", lambda x, *, input_dtype=None: np.conj(x).astype(_to_complex(x.dtype)),
              float_or_complex, out_dtype=_to_complex)
deflinear(conj_p, lambda ct, x, **params: [
    L.conj(ct) if dtypes.is_complex(x.aval.dtype) else L.real(ct)])

complex_p = binop("complex", lambda x, y: (x + 1j * y).astype(dtypes.complex_dtype_for(x.dtype)),
                  floating, out_dtype=dtypes.complex_dtype_for)
deflinear(complex_p, lambda ct, x, y: [L.real(ct), L.imag(L.neg(ct))])


# --- comparisons and logic ----------------------------------------------------------------------
eq_p = _cmp("eq", np.equal)
eq_p.codegen = codegen.binop_hook("==")
ne_p = _cmp("ne", np.not_equal)
ne_p.codegen = codegen.binop_hook("!=")
_ordered = lambda d: d.kind in "iufb"  # noqa: E731
_ordered.__doc__ = "subtypes of integer, floating or bool"
lt_p = _cmp("lt", np.less, _ordered)
lt_p.codegen = codegen.binop_hook("<", "iuf")
le_p = _cmp("le", np.less_equal, _ordered)
le_p.codegen = codegen.binop_hook("<=", "iuf")
gt_p = _cmp("gt", np.greater, _ordered)
gt_p.codegen = codegen.binop_hook(">", "iuf")
ge_p = _cmp("ge", np.greater_equal, _ordered)
ge_p.codegen = codegen.binop_hook(">=", "iuf")

and_p = binop("and", np.bitwise_and, int_or_bool)
def_zero_jvp(and_p)
or_p = binop("or", np.bitwise_or, int_or_bool)
def_zero_jvp(or_p)
xor_p = binop("xor", np.bitwise_xor, int_or_bool)
def_zero_jvp(xor_p)
not_p = unop("not", np.invert, int_or_bool)
def_zero_jvp(not_p)


def _shift_right_logical(x, y):
  ux = x.view(np.dtype(f"u{x.dtype.itemsize}"))
  bits = 8 * x.dtype.itemsize
  out = np.where(np.asarray(y) >= bits, 0, np.right_shift(ux, np.minimum(y, bits - 1).astype(ux.dtype)))
  return np.asarray(out, dtype=ux.dtype).view(x.dtype).reshape(np.shape(out))


def _shift_left(x, y):
  bits = 8 * x.dtype.itemsize
  out = np.where(np.asarray(y) >= bits, 0, np.left_shift(x, np.minimum(y, bits - 1).astype(x.dtype)))
  return np.asarray(out, dtype=x.dtype)


shift_left_p = binop("shift_left", _shift_left, integral)
def_zero_jvp(shift_left_p)
shift_right_logical_p = binop("shift_right_logical", _shift_right_logical, integral)
def_zero_jvp(shift_right_logical_p)
shift_right_arithmetic_p = binop("shift_right_arithmetic",
                                 lambda x, y: np.right_shift(x, y.astype(x.dtype)), integral)
def_zero_jvp(shift_right_arithmetic_p)
def _population_count(x):  # count the bits of the two's complement, not of |x|
  u = x.view(np.dtype(f"u{x.dtype.itemsize}")) if x.dtype.kind == "i" else x
  return np.bitwise_count(u).astype(x.dtype)
population_count_p = unop("population_count", _population_count, integral)
def_zero_jvp(population_count_p)


# --- select and clamp ---------------------------------------------------------------------------
def _select_n_impl(which, *cases):
  if len(cases) == 1:
    return cases[0]
  if which.dtype == np.bool_:
    return np.where(which, cases[1], cases[0])
  # Out-of-range `which` is implementation-defined in JAX; clamp (as XLA's CPU backend does).
  return np.choose(which, cases, mode="clip") if np.ndim(which) else \
      cases[min(max(int(which), 0), len(cases) - 1)]


def _select_n_aval(which, *cases):
  if not cases:
    raise TypeError("select_n must have at least one case")
  dtype = cases[0].dtype
  if any(c.dtype != dtype for c in cases):
    raise TypeError(f"select_n cases must have the same dtypes, got "
                    f"{[c.dtype.name for c in cases]}.")
  if any(c.shape != cases[0].shape for c in cases):
    raise TypeError(f"select_n cases must have the same shapes, got "
                    f"{[c.shape for c in cases]}.")
  if which.shape and which.shape != cases[0].shape:
    raise TypeError(f"select_n `which` must be scalar or have the same shape as cases, got "
                    f"`which` shape {which.shape} but case shape {cases[0].shape}.")
  if which.dtype.kind not in "bi":
    raise TypeError(f"select_n `which` must be boolean or int32, got {which.dtype.name}")
  if which.dtype.kind == "b" and len(cases) > 2:
    raise TypeError(f"select_n with boolean `which` cannot have > 2 cases, got {len(cases)}.")
  return ShapedArray(cases[0].shape, dtype, all(c.weak_type for c in cases))


select_n_p = primitive("select_n", _select_n_impl, _select_n_aval,
                       weak_type_rule=lambda args, params: all(
                           getattr(a, "weak_type", False) for a in args[1:]))
def _select_n_codegen(in_avals, out_avals):
  if len(in_avals) == 3 and in_avals[0].dtype == np.bool_:
    return "np.where({0}, {2}, {1})"
  return None
select_n_p.codegen = _select_n_codegen


def _select_n_jvp(primals, tangents):
  which, *cases = primals
  out = select_n_p.bind(which, *cases)
  if all(type(t) is Zero for t in tangents[1:]):
    return out, Zero.from_primal_value(out)
  ts = [ad.instantiate_zeros(t) for t in tangents[1:]]
  return out, select_n_p.bind(which, *ts)


def _select_n_transpose(ct, which, *cases):
  if is_undefined_primal(which):
    raise NotImplementedError("select_n is not linear in its predicate")
  if type(ct) is Zero:
    return [None] + [Zero(c.aval) if is_undefined_primal(c) else None for c in cases]
  zeros = L.full_like(ct, 0)
  outs = [None]
  for i, c in enumerate(cases):
    if is_undefined_primal(c):
      branches = [zeros] * len(cases)
      branches[i] = ct
      outs.append(select_n_p.bind(which, *branches))
    else:
      outs.append(None)
  return outs


select_n_p.jvp = _select_n_jvp
select_n_p.transpose = _select_n_transpose
batch_elementwise(select_n_p)


def _select_n_batch(vals, dims):
  which, wd = vals[0], dims[0]
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  from numjax._src.interpreters import batching
  cases = [batching.matchaxis(v, d, 0, size) for v, d in zip(vals[1:], dims[1:])]
  if core.get_aval(which).ndim - (wd is not None) == 0 and wd is not None and cases[0] is not None:
    # A batched scalar predicate selects whole slices: broadcast it over the case shape.
    shape = core.get_aval(cases[0]).shape
    which = L.broadcast_in_dim(batching.moveaxis(which, wd, 0), shape, (0,))
  elif wd is not None or core.get_aval(which).ndim:
    which = batching.matchaxis(which, wd, 0, size)
  return select_n_p.bind(which, *cases), 0


select_n_p.batch = _select_n_batch


def _clamp_aval(lo, x, hi):
  for b in (lo, hi):
    if b.shape and b.shape != x.shape:
      raise TypeError(f"clamp requires min and max to be scalars or have the same shape as "
                      f"operand, got {b.shape} and operand {x.shape}")
  same_dtype_check = {lo.dtype, x.dtype, hi.dtype}
  if len(same_dtype_check) > 1:
    raise TypeError(f"lax.clamp requires arguments to have the same dtypes, got "
                    f"{lo.dtype.name}, {x.dtype.name}, {hi.dtype.name}.")
  return ShapedArray(x.shape, x.dtype, lo.weak_type and x.weak_type and hi.weak_type)


clamp_p = primitive("clamp", lambda lo, x, hi: np.clip(x, lo, hi), _clamp_aval)
def _clamp_pick(pred, g, x):
  """g (broadcast to x's shape: bounds may be scalars) where pred, else 0."""
  g = L.broadcast_to_shape(g, core.get_aval(x).shape)
  return L.select(pred, g, L.full_like(g, 0))
defjvp(clamp_p,
       lambda g, lo, x, hi: _clamp_pick(L.bitwise_and(L.gt(lo, x), L.lt(lo, hi)), g, x),
       lambda g, lo, x, hi: _clamp_pick(L.bitwise_and(L.gt(x, lo), L.lt(x, hi)), g, x),
       lambda g, lo, x, hi: _clamp_pick(L.lt(hi, x), g, x))


def _clamp_batch(vals, dims):
  # Bounds stay scalars only when unbatched scalars; otherwise they take x's batched shape.
  from numjax._src.interpreters import batching
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  x = batching.matchaxis(vals[1], dims[1], 0, size)
  shape = core.get_aval(x).shape
  lo, hi = [v if d is None and not core.get_aval(v).shape else
            L.broadcast_in_dim(batching.matchaxis(v, d, 0, size), shape,
                               tuple(range(core.get_aval(v).ndim + (d is None))))
            for v, d in ((vals[0], dims[0]), (vals[2], dims[2]))]
  return clamp_p.bind(lo, x, hi), 0
clamp_p.batch = _clamp_batch


# --- dtype conversion -----------------------------------------------------------------------------
def _convert_impl(x, *, new_dtype, weak_type=False, sharding=None):
  if x.dtype == new_dtype:
    return x
  if x.dtype.kind == "c" and new_dtype.kind != "c":
    x = np.real(x)
  with np.errstate(invalid="ignore", over="ignore"):
    if new_dtype.kind in "iu" and x.dtype.kind == "f":
      # Saturate (NaN -> 0); compare in x's dtype, where info.max may round up.
      info = np.iinfo(new_dtype)
      big, small = x >= np.asarray(info.max, x.dtype), x <= info.min
      v = np.where(big | small | np.isnan(x), 0, x).astype(new_dtype)
      x = np.where(big, info.max, np.where(small, info.min, v)).astype(new_dtype)
    if new_dtype == np.bool_:
      return np.not_equal(x, 0)
    return np.asarray(x).astype(new_dtype)[()] if np.ndim(x) == 0 else x.astype(new_dtype)


def _convert_aval(x, *, new_dtype, weak_type=False, sharding=None):
  return ShapedArray(x.shape, new_dtype, weak_type)


convert_element_type_p = primitive(
    "convert_element_type", _convert_impl, _convert_aval,
    weak_type_rule=lambda args, params: params.get("weak_type", False))
def _convert_codegen(in_avals, out_avals, *, new_dtype, weak_type=False, sharding=None):
  x, = in_avals
  new = np.dtype(new_dtype)
  if x.ndim == 0 or x.dtype == new or x.dtype.kind not in "f" or new.kind != "f":
    return None
  return codegen.Emit("{0}.astype({dt})", {"dt": new}, quiet=True)
convert_element_type_p.codegen = _convert_codegen


def _convert_jvp(primals, tangents, *, new_dtype, weak_type=False, sharding=None):
  x, = primals
  t, = tangents
  out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type, sharding=sharding)
  old = core.get_aval(x).dtype
  if type(t) is Zero or not dtypes.is_inexact(new_dtype) or not dtypes.is_inexact(old):
    return out, Zero.from_primal_value(out)
  return out, convert_element_type_p.bind(t, new_dtype=new_dtype, weak_type=weak_type,
                                          sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type=False, sharding=None):
  old = x.aval
  if type(ct) is Zero:
    return [Zero(old.to_tangent_aval())]
  return [convert_element_type_p.bind(ct, new_dtype=old.dtype, weak_type=old.weak_type,
                                      sharding=sharding)]


convert_element_type_p.jvp = _convert_jvp
convert_element_type_p.pp_params = lambda params: {
    k: v for k, v in params.items() if not (k == "sharding" and v is None)}
convert_element_type_p.transpose = _convert_transpose
batch_elementwise(convert_element_type_p)


def _bitcast_aval(x, *, new_dtype):
  if np.dtype(new_dtype).itemsize != x.dtype.itemsize:
    raise TypeError("bitcast_convert_type between types of different widths is not supported")
  return ShapedArray(x.shape, np.dtype(new_dtype), False)


bitcast_convert_type_p = primitive(
    "bitcast_convert_type", lambda x, *, new_dtype: np.asarray(x).view(new_dtype).reshape(np.shape(x)),
    _bitcast_aval, weak_type_rule=never_weak)
def_zero_jvp(bitcast_convert_type_p)
batch_elementwise(bitcast_convert_type_p)


# --- stop_gradient ------------------------------------------------------------------------------
stop_gradient_p = primitive("stop_gradient", lambda x: x,
                            lambda x: ShapedArray(x.shape, x.dtype, x.weak_type))
def_zero_jvp(stop_gradient_p)
batch_elementwise(stop_gradient_p)
