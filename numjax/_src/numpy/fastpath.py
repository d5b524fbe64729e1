"""The eager hot path of jnp's elementwise functions.

With no transformation active and Array / Python-scalar operands, promotion is a cached plan
per (primitive, dtypes, weak types) and the primitive's impl is called directly: the same
result `bind` would give (EvalTrace), without the generic dispatch. Anything else returns
None and takes the general path.
"""
from __future__ import annotations

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array

_plans: dict = {}
_PY = (float, int)


class _W:
  __slots__ = ("weak_type",)

  def __init__(self, w):
    self.weak_type = w


def _plan(prim, d1, w1, d2, w2, inexact):
  key = (prim, d1, w1, d2, w2, inexact)
  plan = _plans.get(key)
  if plan is None:
    a = 1.0 if d1 is float else (1 if d1 is int else np.zeros((), d1))
    b = 1.0 if d2 is float else (1 if d2 is int else np.zeros((), d2))
    pairs = [(dtypes.dtype_and_weak(a)[0], w1), (dtypes.dtype_and_weak(b)[0], w2)]
    dtype, weak = dtypes._promote_pairs(pairs)
    if inexact and dtype.kind not in "fc":
      dtype = dtypes.default_float()
    out_weak = prim.weak_type_rule([_W(weak), _W(weak)], {})
    plan = (dtype, dtype.type, out_weak)
    if prim.abstract_eval is not None:
      try:  # once per plan: dtypes the primitive rejects never take the fast path
        aval = core.ShapedArray((), dtype, weak)
        prim.abstract_eval(aval, aval)
      except (TypeError, ValueError):
        plan = (_NO_DTYPE, dtype.type, out_weak)  # equals no operand dtype: general path
    _plans[key] = plan
  return plan


_NO_DTYPE = np.dtype("V3")


def binary(prim, x1, x2, inexact: bool = False):
  """prim(x1, x2) for eager Array/scalar operands, or None to take the general path."""
  t1, t2 = type(x1), type(x2)
  if t1 is Array:
    v1 = x1._value
    d1, w1 = v1.dtype, x1.weak_type
    if t2 is Array:
      v2 = x2._value
      d2, w2 = v2.dtype, x2.weak_type
      if v1.ndim != v2.ndim and v1.ndim and v2.ndim:
        return None
    elif t2 in _PY:
      v2, d2, w2 = x2, t2, True
    else:
      return None
  elif t2 is Array and t1 in _PY:
    v2 = x2._value
    d2, w2 = v2.dtype, x2.weak_type
    v1, d1, w1 = x1, t1, True
  else:
    if isinstance(x1, core.Tracer) or isinstance(x2, core.Tracer):
      return _traced_binary(prim, x1, x2, inexact)
    return None
  if core._ctx.trace is not core.eval_trace:
    return None
  dtype, scalar, out_weak = _plan(prim, d1, w1, d2, w2, inexact)
  if t1 is Array:
    if d1 is not dtype and d1 != dtype:
      return None
  else:
    v1 = scalar(v1)
  if t2 is Array:
    if d2 is not dtype and d2 != dtype:
      return None
  else:
    v2 = scalar(v2)
  try:
    out = prim.impl(v1, v2)
  except (ValueError, TypeError):
    return None  # the general path raises JAX's error
  if core._check_floats:
    core.check_nans(prim, [out])
  return Array(out, out_weak)


def _traced_binary(prim, x1, x2, inexact):
  """Operands with matching dtypes/weak types and compatible ranks bind directly."""
  if isinstance(x1, (np.ndarray, np.generic)) or isinstance(x2, (np.ndarray, np.generic)):
    return None  # the general path makes NumPy values canonical Arrays (float64 -> float32)
  a1 = x1.aval if isinstance(x1, core.Tracer) else (None if type(x1) in _PY else core.get_aval(x1))
  a2 = x2.aval if isinstance(x2, core.Tracer) else (None if type(x2) in _PY else core.get_aval(x2))
  if a1 is None and a2 is None:
    return None
  if a1 is not None and a2 is not None:
    if a1.dtype != a2.dtype or a1.weak_type != a2.weak_type:
      return None
    if a1.shape != a2.shape and a1.shape and a2.shape:
      return None  # the general path checks that the shapes broadcast
    if inexact and a1.dtype.kind not in "fc" or a1.dtype.kind == "b":
      return None  # promotion (or bool semantics) first: the general path
    return prim.bind(x1, x2)
  # One Python scalar: it takes the array's dtype when promotion leaves that unchanged.
  aval, scalar, first = (a1, x2, False) if a1 is not None else (a2, x1, True)
  t = type(scalar)
  kind = aval.dtype.kind
  if not ((t is float and kind in "fc") or (t is int and kind in "ifc")):
    return None
  if inexact and kind not in "fc":
    return None
  s = Array(aval.dtype.type(scalar), aval.weak_type)
  return prim.bind(s, x2) if first else prim.bind(x1, s)


def unary(prim, x):
  """prim(x) for an eager inexact Array, or None."""
  if type(x) is not Array:
    if isinstance(x, core.Tracer):
      aval = x.aval
      if aval.dtype.kind in "fc":
        return prim.bind(x)
    return None
  if core._ctx.trace is not core.eval_trace:
    return None
  v = x._value
  if v.dtype.kind not in "fc":
    return None
  out = prim.impl(v)
  if core._check_floats:
    core.check_nans(prim, [out])
  return Array(out, x.weak_type)
