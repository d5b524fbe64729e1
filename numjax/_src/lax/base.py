"""Helpers that make most primitive declarations one line per rule.

A primitive is declared once, in its family's module, with all its rules next to each other:

    sin_p = unop("sin", np.sin, _float_or_complex)
    defjvp(sin_p, lambda g, x: mul(g, cos(x)))

Only impl rules call NumPy; every other rule is written with lax ops, so it can itself be
differentiated, batched and staged.
"""
from __future__ import annotations

import operator
import warnings
from typing import Callable, Sequence

import numpy as np

import numjax._src.lax as _pkg  # `_pkg.lax` at call time: lax.py imports this module first
from numjax._src import core
from numjax._src.array import Array
from numjax._src.core import Primitive, ShapedArray
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero, is_undefined_primal

_registry: dict[str, Primitive] = {}

# JAX computes nan/inf silently; NumPy warns. Silence NumPy's floating-point warnings raised
# from numjax's own modules (impls and generated code) without touching global error state.
warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"numjax\._src(\.|$)")


def primitive(name: str, impl: Callable, abstract_eval: Callable, *,
              multiple_results: bool = False, weak_type_rule: Callable | None = None
              ) -> Primitive:
  """Declare a primitive with its NumPy impl and shape/dtype rule."""
  p = Primitive(name, multiple_results=multiple_results)
  p.impl = impl
  p.abstract_eval = abstract_eval
  if weak_type_rule is not None:
    p.weak_type_rule = weak_type_rule
  _registry[name] = p
  return p


def all_primitives() -> dict[str, Primitive]:
  return dict(_registry)


def never_weak(args, params) -> bool:
  return False


# ----------------------------------------------------------------------------------------------
# Elementwise shape/dtype rules
# ----------------------------------------------------------------------------------------------
def broadcast_shapes(name: str, *shapes: tuple) -> tuple:
  """lax's broadcasting: equal ranks with size-1 dims stretching, or rank-0 operands."""
  first = shapes[0]
  if all(s == first for s in shapes):
    return first
  nonscalar = [s for s in shapes if s]
  if not nonscalar:
    return ()
  rank = len(nonscalar[0])
  if any(len(s) != rank for s in nonscalar):
    raise TypeError(f"{name}: arrays must have the same number of dimensions, got "
                    f"{', '.join(map(str, shapes))}.")
  out = []
  for dims in zip(*nonscalar):
    sizes = {d for d in dims if d != 1}
    if len(sizes) > 1:
      raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                      f"{', '.join(map(str, shapes))}.")
    out.append(sizes.pop() if sizes else 1)
  return tuple(out)


def same_dtype(name: str, avals) -> np.dtype:
  dts = {a.dtype for a in avals}
  if len(dts) > 1:
    got = ", ".join(a.dtype.name for a in avals)
    raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got {got}. "
                    f"(Tip: jnp.{name} is a similar function that does automatic type "
                    f"promotion on inputs).")
  return avals[0].dtype


def elementwise_aval(name: str, allowed: Callable | None, out_dtype: Callable | None = None,
                     weak: bool = True) -> Callable:
  """Shape/dtype rule for an n-ary elementwise op."""
  kinds = getattr(allowed, "kinds", None)  # the fast paths test dtype kinds inline

  def rule(*avals, **params):
    n = len(avals)
    if n == 2:  # fast path: binary with equal dtypes and shapes
      a, b = avals
      dt = a.dtype
      if (dt == b.dtype and a.shape == b.shape
          and (allowed is None or (dt.kind in kinds if kinds is not None else allowed(dt)))):
        return ShapedArray(a.shape, out_dtype(dt) if out_dtype is not None else dt,
                           weak and a.weak_type and b.weak_type)
    elif n == 1:  # fast path: unary
      a, = avals
      if allowed is not None and not allowed(a.dtype):
        raise TypeError(f"{name} does not accept dtype {a.dtype.name}. Accepted dtypes are "
                        f"{allowed.__doc__ or 'restricted'}.")
      return ShapedArray(a.shape, out_dtype(a.dtype) if out_dtype is not None else a.dtype,
                         weak and a.weak_type)
    dtype = same_dtype(name, avals)
    if allowed is not None and not allowed(dtype):
      raise TypeError(f"{name} does not accept dtype {dtype.name}. Accepted dtypes are "
                      f"{allowed.__doc__ or 'restricted'}.")
    shape = broadcast_shapes(name, *(a.shape for a in avals))
    out = out_dtype(dtype) if out_dtype is not None else dtype
    return ShapedArray(shape, out, weak and all(a.weak_type for a in avals))
  return rule


def _kinds(kinds: str, doc: str) -> Callable:
  def ok(dtype):
    return dtype.kind in kinds
  ok.__doc__ = doc
  ok.kinds = kinds
  return ok


float_or_complex = _kinds("fc", "subtypes of floating or complex")
floating = _kinds("f", "subtypes of floating")
integral = _kinds("iu", "subtypes of integer")
int_or_bool = _kinds("iub", "subtypes of integer or bool")
numeric = _kinds("iufc", "numeric")
real_numeric = _kinds("iuf", "integer or floating")
any_dtype = None


# ----------------------------------------------------------------------------------------------
# JVP helpers
# ----------------------------------------------------------------------------------------------
def _shape(x) -> tuple:
  return x._value.shape if type(x) is Array else core.get_aval(x).shape


def _sum_contributions(out, contributions):
  """Add per-argument tangent contributions, broadcasting each to the output's shape."""
  if len(contributions) == 1:
    c, = contributions
    if _shape(c) == _shape(out):
      return c
  total = None
  shape = _shape(out)
  for c in contributions:
    if _shape(c) != shape:
      c = _pkg.lax.broadcast_to_shape(c, shape)
    total = c if total is None else ad.add_jaxvals(total, c)
  if total is None:
    return Zero.from_primal_value(out)
  return total


def defjvp(prim: Primitive, *rules: Callable | None) -> None:
  """Per-argument JVP rules `rule(g, *primals, **params) -> contribution` (None: zero)."""

  def jvp(primals, tangents, **params):
    out = prim.bind(*primals, **params)
    return out, _sum_contributions(out, [rule(t, *primals, **params)
                                         for rule, t in zip(rules, tangents)
                                         if rule is not None and type(t) is not Zero])
  prim.jvp = jvp


def defjvp2(prim: Primitive, *rules: Callable | None) -> None:
  """Like `defjvp`, with the primal output: `rule(g, ans, *primals, **params)`."""

  def jvp(primals, tangents, **params):
    out = prim.bind(*primals, **params)
    return out, _sum_contributions(out, [rule(t, out, *primals, **params)
                                         for rule, t in zip(rules, tangents)
                                         if rule is not None and type(t) is not Zero])
  prim.jvp = jvp


def def_zero_jvp(prim: Primitive) -> None:
  """Outputs that do not depend differentiably on the inputs (comparisons, floor, argmax)."""

  def jvp(primals, tangents, **params):
    out = prim.bind(*primals, **params)
    if prim.multiple_results:
      return out, [Zero.from_primal_value(o) for o in out]
    return out, Zero.from_primal_value(out)
  prim.jvp = jvp


def deflinear(prim: Primitive, transpose: Callable) -> None:
  """A primitive linear in all its array arguments: JVP applies it to the tangents."""

  def jvp(primals, tangents, **params):
    out = prim.bind(*primals, **params)
    if all(type(t) is Zero for t in tangents):
      return out, Zero.from_primal_value(out)
    ts = [ad.instantiate_zeros(t) for t in tangents]
    return out, prim.bind(*ts, **params)
  prim.jvp = jvp
  prim.transpose = transpose


def deflinear_in(prim: Primitive, argnum: int, transpose: Callable) -> None:
  """Linear in argument `argnum` only (the others are indices or shapes)."""

  def jvp(primals, tangents, **params):
    out = prim.bind(*primals, **params)
    t = tangents[argnum]
    if type(t) is Zero:
      return out, Zero.from_primal_value(out)
    args = list(primals)
    args[argnum] = t
    return out, prim.bind(*args, **params)
  prim.jvp = jvp
  prim.transpose = transpose


# ----------------------------------------------------------------------------------------------
# Batching helpers
# ----------------------------------------------------------------------------------------------
def batch_elementwise(prim: Primitive) -> None:
  """Elementwise ops: put every batched operand's axis first; unbatched ones broadcast."""

  def rule(vals, dims, **params):
    if len(vals) == 1:
      return prim.bind(vals[0], **params), dims[0]
    lax = _pkg.lax
    shapes = [_shape(v) for v in vals]
    ranks = [len(s) - (d is not None) for s, d in zip(shapes, dims)]
    rank = max(ranks)
    args = []
    for v, d, r in zip(vals, dims, ranks):
      if d is None:
        args.append(v if r == 0 else lax.expand_dims(v, (0,)))
      else:
        if d != 0:
          v = batching.moveaxis(v, d, 0)
        if r < rank:
          v = lax.expand_dims(v, tuple(range(1, 1 + rank - r)))
        args.append(v)
    return prim.bind(*args, **params), 0
  prim.batch = rule


def batch_unary(prim: Primitive) -> None:
  prim.batch = lambda vals, dims, **params: (prim.bind(vals[0], **params), dims[0])


# ----------------------------------------------------------------------------------------------
# Transpose helpers
# ----------------------------------------------------------------------------------------------
def unbroadcast(aval: ShapedArray, ct):
  """Sum a cotangent down to the shape of an operand that was broadcast into it."""
  if type(ct) is Zero:
    return Zero(aval.to_tangent_aval())
  ct_shape = _shape(ct)
  if ct_shape == aval.shape:
    return ct
  lax = _pkg.lax
  if not aval.shape:
    return lax.reduce_sum(ct, tuple(range(len(ct_shape))))
  axes = tuple(i for i, (a, c) in enumerate(zip(aval.shape, ct_shape)) if a == 1 and c != 1)
  summed = lax.reduce_sum(ct, axes)
  return lax.reshape(summed, aval.shape)


def operand_aval(x) -> ShapedArray:
  return x.aval if is_undefined_primal(x) else core.get_aval(x)


# ----------------------------------------------------------------------------------------------
# Errors for bad input
# ----------------------------------------------------------------------------------------------
def rule_error(prim: Primitive, args: Sequence, params: dict, err: Exception) -> Exception:
  """The error to raise when binding `prim` eagerly failed with `err`.

  Eager evaluation runs a primitive's shape rule only for the first call with given operand
  dtypes (core's `_validated`), so a later call with bad shapes or parameters reaches NumPy,
  which either raises its own error (this function is called from the `except` clause of the
  public function) or silently does something else. Run the rule now: its JAX-style error
  (naming the shapes) replaces NumPy's; if the rule accepts the operands, `err` stands. Only
  failing calls pay for this.
  """
  if prim.abstract_eval is None:
    return err
  try:
    avals = [core.get_aval(a) for a in args]
  except TypeError:
    return err
  try:
    prim.abstract_eval(*avals, **params)
  except (TypeError, ValueError, IndexError) as rule_err:
    return rule_err
  return err


def check_rule(prim: Primitive, *args, **params) -> None:
  """Run prim's shape rule on args now (for eager calls whose inputs look wrong)."""
  prim.abstract_eval(*[core.get_aval(a) for a in args], **params)


def canonical_shape(shape, name: str = "Shapes") -> tuple:
  """A shape as a tuple of Python ints; TypeError (JAX's wording) for anything else."""
  try:
    return tuple(map(operator.index, shape))
  except TypeError:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
      return (operator.index(shape),)
    raise TypeError(f"{name} must be 1D sequences of concrete values of integer type, got "
                    f"{shape!r}.") from None


def index_arg(value, what: str) -> int:
  """operator.index(value), with a TypeError naming the argument when it is not an integer."""
  try:
    return operator.index(value)
  except TypeError:
    raise TypeError(f"{what} must be an integer, got {value!r} of type "
                    f"{type(value).__name__}.") from None


def canonical_axis(axis, ndim: int, what: str = "axis") -> int:
  """axis in [-ndim, ndim) as a non-negative int; TypeError for non-integers, ValueError (JAX's
  wording) when out of range."""
  try:
    a = operator.index(axis)
  except TypeError:
    raise TypeError(f"{what} must be an integer, got {axis!r} of type "
                    f"{type(axis).__name__}.") from None
  if not -ndim <= a < ndim:
    raise np.exceptions.AxisError(f"axis {a} is out of bounds for array of dimension {ndim}")
  return a % ndim if ndim else a
