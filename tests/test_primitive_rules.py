"""Tests generated from the primitive table (tests/primitive_table.py).

For every row: impl vs the NumPy/SciPy reference, the shape/dtype rule vs the impl, JVP vs
central finite differences (float64), VJP vs JVP through <u, J v> = <J^T u, v>, second order,
complex JVPs, batching vs a Python loop for each placement of the mapped axis, jit vs eager,
and the transpose of linear primitives. Random values come from hypothesis-drawn seeds
(derandomized) or fixed seeds, so runs are deterministic.
"""
import contextlib

import numpy as np
import re
import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

import numjax
from numjax._src import core, dtypes as jax_dtypes
from numjax._src.array import Array
from numjax._src.lax import lax as L
from numjax._src.lax.base import all_primitives

from primitive_table import (ACCEPTS, BOOL, C64, C128, COVERED_ELSEWHERE, F32, F64, I64,
                             ROW_NAMES, ROWS)

PRIMS = all_primitives()
SEEDS = st.integers(0, 2**32 - 1)


def examples(n):
  # No shrinking: a smaller seed is not a simpler example.
  return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=[HealthCheck.function_scoped_fixture])


@contextlib.contextmanager
def x64_mode(on: bool):
  prev = numjax.config.jax_enable_x64
  numjax.config.update("jax_enable_x64", bool(on))
  try:
    yield
  finally:
    numjax.config.update("jax_enable_x64", prev)


def wide(dtype) -> bool:
  return np.dtype(dtype) in (F64, C128, I64)


def params_of(row, dtype):
  return row.get_params(dtype)


def arrays(np_args, weak=False):
  """numjax Arrays over the operands; `weak` marks every non-bool operand weakly typed.
  `weak` may also be a sequence of flags, one per operand."""
  flags = weak if isinstance(weak, (list, tuple)) else [weak] * len(np_args)
  return [Array(np.asarray(a), bool(w) and np.asarray(a).dtype != BOOL)
          for a, w in zip(np_args, flags)]


def value(x):
  return np.asarray(x._value if type(x) is Array else x)


def bind_fn(row, params):
  prim = PRIMS[row.name]
  return lambda *xs: prim.bind(*xs, **params)


def rand_like(rng, a):
  a = np.asarray(a)
  v = rng.standard_normal(a.shape)
  if a.dtype.kind == "c":
    v = v + 1j * rng.standard_normal(a.shape)
  return np.asarray(v, a.dtype)


def pair(a, b) -> float:
  """The real bilinear pairing Re(sum(a * b)) under which transposes are checked."""
  return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def assert_close(actual, expected, dtype, rtol=None, atol=None):
  actual, expected = np.asarray(actual), np.asarray(expected)
  assert actual.shape == expected.shape, (actual.shape, expected.shape)
  if np.dtype(dtype).kind in "fc":
    lo = np.dtype(dtype) in (F32, C64)
    np.testing.assert_allclose(actual, expected, equal_nan=True,
                               rtol=rtol or (1e-5 if lo else 1e-12),
                               atol=atol or (1e-6 if lo else 1e-13))
  else:
    np.testing.assert_array_equal(actual, expected)


def main_dtype(row):
  """The dtype derivative tests use: float64, else complex128 for complex-only rows."""
  return F64 if F64 in row.dtypes else C128


def diff_argnums(row, args):
  if row.diff_argnums is not None:
    return row.diff_argnums
  return tuple(i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fc")


def partial_fn(row, params, args, argnums):
  """The primitive as a function of the operands at `argnums`, the others fixed."""
  full = arrays(args)
  prim = PRIMS[row.name]

  def f(*xs):
    vals = list(full)
    for i, x in zip(argnums, xs):
      vals[i] = x
    return prim.bind(*vals, **params)
  return f


def finite_difference(f, xs, vs, eps=1e-6):
  plus = f(*[Array(x + eps * v) for x, v in zip(xs, vs)])
  minus = f(*[Array(x - eps * v) for x, v in zip(xs, vs)])
  return (value(plus) - value(minus)) / (2 * eps)


def _ids(pairs):
  return [f"{r.id}-{np.dtype(d).name}" for r, d in pairs]


ROW_DTYPES = [(r, d) for r in ROWS for d in r.dtypes]
DIFF_ROWS = [r for r in ROWS if r.diff and (F64 in r.dtypes or C64 in r.dtypes)]
SMOOTH_ROWS = [r for r in DIFF_ROWS if r.smooth and F64 in r.dtypes]
COMPLEX_ROWS = [r for r in DIFF_ROWS if C64 in r.dtypes]
ZERO_JVP_ROWS = [r for r in ROWS if r.zero_jvp]
LINEAR_CASES = [(r, g, d) for r in ROWS for g in r.linear
                for d in ([F64] if F64 in r.dtypes else []) + ([C128] if C64 in r.dtypes else [])]
BATCH_CASES = [(r, d) for r, d in ROW_DTYPES if r.make_args(np.random.default_rng(0), d)]


# ----------------------------------------------------------------------------------------------
# The table covers every registered primitive
# ----------------------------------------------------------------------------------------------
def test_every_registered_primitive_has_a_row():
  registered = set(all_primitives())
  missing = sorted(registered - ROW_NAMES - COVERED_ELSEWHERE)
  assert not missing, (f"primitives without a row in tests/primitive_table.py (add one, or "
                       f"name them in COVERED_ELSEWHERE): {missing}")
  unknown = sorted(ROW_NAMES - registered)
  assert not unknown, f"rows for primitives that are not registered: {unknown}"


PROBE_DTYPES = {"f": F32, "c": C64, "i": np.dtype(np.int32), "u": np.dtype(np.uint32), "b": BOOL}


@pytest.mark.parametrize("name", sorted(ACCEPTS))
def test_elementwise_dtype_acceptance(name):
  prim = PRIMS[name]
  params = {"y": 2} if name == "integer_pow" else {}
  n = len(next(r for r in ROWS if r.name == name).make_args(np.random.default_rng(0), F32))
  for kind, dtype in PROBE_DTYPES.items():
    avals = [core.ShapedArray((2,), dtype)] * n
    if kind in ACCEPTS[name]:
      prim.abstract_eval(*avals, **params)
    else:
      with pytest.raises(TypeError, match=name):
        prim.abstract_eval(*avals, **params)


# ----------------------------------------------------------------------------------------------
# impl vs reference; shape/dtype rule vs impl; jit vs eager
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("row,dtype", ROW_DTYPES, ids=_ids(ROW_DTYPES))
@examples(3)
@given(seed=SEEDS)
def test_impl_matches_reference(row, dtype, seed):
  with x64_mode(wide(dtype)):
    args = row.make_args(np.random.default_rng(seed), dtype)
    params = params_of(row, dtype)
    out = PRIMS[row.name].bind(*arrays(args), **params)
    expected = np.asarray(row.ref(*args, **params))
    got = value(out)
    assert isinstance(out._value, (np.ndarray, np.generic)), type(out._value)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.dtype == jax_dtypes.canonicalize_dtype(got.dtype)
    rtol = row.rtol if np.dtype(dtype) in (F32, C64) else None
    assert_close(got, expected, got.dtype, rtol=rtol)


def _weak_patterns(n):
  pats = [[False] * n, [True] * n]
  if n > 1:
    pats += [[i == j for j in range(n)] for i in range(n)]
  return pats


@pytest.mark.parametrize("row,dtype", ROW_DTYPES, ids=_ids(ROW_DTYPES))
def test_abstract_eval_matches_impl(row, dtype):
  prim = PRIMS[row.name]
  with x64_mode(wide(dtype)):
    args = row.make_args(np.random.default_rng(0), dtype)
    params = params_of(row, dtype)
    for weak in _weak_patterns(len(args)):
      ins = arrays(args, weak)
      aval = prim.abstract_eval(*[core.get_aval(a) for a in ins], **params)
      out = prim.bind(*ins, **params)
      outs, avals = (out, aval) if prim.multiple_results else ([out], [aval])
      for o, a in zip(outs, avals):
        assert (o.shape, o.dtype) == (a.shape, a.dtype), (weak, o, a)
        assert o.weak_type == a.weak_type, f"weak inputs {weak}: eager {o.weak_type}, aval {a}"


@pytest.mark.parametrize("row,dtype", ROW_DTYPES, ids=_ids(ROW_DTYPES))
def test_jit_matches_eager(row, dtype):
  with x64_mode(wide(dtype)):
    args = row.make_args(np.random.default_rng(1), dtype)
    f = bind_fn(row, params_of(row, dtype))
    for weak in (False, True):
      ins = arrays(args, weak)
      eager, jitted = f(*ins), numjax.jit(f)(*ins)
      assert (jitted.dtype, jitted.weak_type) == (eager.dtype, eager.weak_type)
      assert_close(value(jitted), value(eager), eager.dtype)


# ----------------------------------------------------------------------------------------------
# Derivatives (float64)
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("row", DIFF_ROWS, ids=[r.id for r in DIFF_ROWS])
@examples(3)
@given(seed=SEEDS)
def test_jvp_matches_finite_differences(row, seed, x64):
  dtype = main_dtype(row)
  rng = np.random.default_rng(seed)
  args = row.make_args(rng, dtype)
  params = params_of(row, dtype)
  nums = diff_argnums(row, args)
  f = partial_fn(row, params, args, nums)
  xs = [np.asarray(args[i]) for i in nums]
  vs = [rand_like(rng, x) for x in xs]
  out, t = numjax.jvp(f, arrays(xs), arrays(vs))
  eager = f(*arrays(xs))
  assert_close(value(out), value(eager), eager.dtype)
  assert (t.shape, t.dtype) == (eager.shape, eager.dtype)
  assert_close(value(t), finite_difference(f, xs, vs), dtype, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("row", DIFF_ROWS, ids=[r.id for r in DIFF_ROWS])
@examples(2)
@given(seed=SEEDS)
def test_vjp_is_transpose_of_jvp(row, seed, x64):
  dtype = main_dtype(row)
  rng = np.random.default_rng(seed)
  args = row.make_args(rng, dtype)
  params = params_of(row, dtype)
  nums = diff_argnums(row, args)
  f = partial_fn(row, params, args, nums)
  xs = [np.asarray(args[i]) for i in nums]
  vs = [rand_like(rng, x) for x in xs]
  out, f_vjp = numjax.vjp(f, *arrays(xs))
  u = rand_like(rng, value(out))
  cts = f_vjp(Array(u))
  for c, x in zip(cts, xs):
    assert (c.shape, c.dtype) == (x.shape, x.dtype)
  _, jv = numjax.jvp(f, arrays(xs), arrays(vs))
  lhs = pair(u, value(jv))
  rhs = sum(pair(value(c), v) for c, v in zip(cts, vs))
  np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


def _scalarised(row, params, args, nums, w):
  """sum(w * f) as a real scalar function of the operands at `nums`."""
  f = partial_fn(row, params, args, nums)

  def g(*xs):
    y = L.mul(f(*xs), Array(w))
    if np.dtype(w.dtype).kind == "c":
      y = L.real(y)
    return L.reduce_sum(y, tuple(range(y.ndim)))
  return g


@pytest.mark.parametrize("row", SMOOTH_ROWS, ids=[r.id for r in SMOOTH_ROWS])
@examples(2)
@given(seed=SEEDS)
def test_second_order_matches_finite_differences(row, seed, x64):
  rng = np.random.default_rng(seed)
  args = row.make_args(rng, F64)
  params = params_of(row, F64)
  nums = diff_argnums(row, args)
  eager = bind_fn(row, params)(*arrays(args))
  w = rand_like(rng, value(eager))
  g = _scalarised(row, params, args, nums, w)
  grad_g = numjax.grad(g, argnums=tuple(range(len(nums))))
  xs = [np.asarray(args[i]) for i in nums]
  vs = [rand_like(rng, x) for x in xs]
  _, hv = numjax.jvp(grad_g, tuple(arrays(xs)), tuple(arrays(vs)))
  eps = 1e-6
  plus = grad_g(*[Array(x + eps * v) for x, v in zip(xs, vs)])
  minus = grad_g(*[Array(x - eps * v) for x, v in zip(xs, vs)])
  for h, p, m in zip(hv, plus, minus):
    assert_close(value(h), (value(p) - value(m)) / (2 * eps), F64, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("row", COMPLEX_ROWS, ids=[r.id for r in COMPLEX_ROWS])
@examples(2)
@given(seed=SEEDS)
def test_complex_jvp_and_vjp(row, seed, x64):
  rng = np.random.default_rng(seed)
  args = row.make_args(rng, C128)
  params = params_of(row, C128)
  nums = diff_argnums(row, args)
  f = partial_fn(row, params, args, nums)
  xs = [np.asarray(args[i]) for i in nums]
  for direction in (1, 1j):  # real and imaginary directions
    vs = [np.asarray(direction * rng.standard_normal(x.shape), x.dtype) for x in xs]
    _, t = numjax.jvp(f, arrays(xs), arrays(vs))
    assert_close(value(t), finite_difference(f, xs, vs), C128, rtol=1e-5, atol=1e-6)
  vs = [rand_like(rng, x) for x in xs]
  out, f_vjp = numjax.vjp(f, *arrays(xs))
  u = rand_like(rng, value(out))
  cts = f_vjp(Array(u))
  _, jv = numjax.jvp(f, arrays(xs), arrays(vs))
  rhs = sum(pair(value(c), v) for c, v in zip(cts, vs))
  np.testing.assert_allclose(pair(u, value(jv)), rhs, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("row", ZERO_JVP_ROWS, ids=[r.id for r in ZERO_JVP_ROWS])
def test_zero_jvp(row, x64):
  rng = np.random.default_rng(0)
  args = row.make_args(rng, F64)
  f = bind_fn(row, params_of(row, F64))
  out, t = numjax.jvp(f, tuple(arrays(args)), tuple(arrays([rand_like(rng, a) for a in args])))
  assert_close(value(out), value(f(*arrays(args))), F64)
  assert not np.any(value(t))
  g = numjax.grad(lambda *xs: L.reduce_sum(f(*xs), tuple(range(len(args[0].shape)))))
  assert not np.any(value(g(*arrays(args))))


@pytest.mark.parametrize("row,group,dtype", LINEAR_CASES,
                         ids=[f"{r.id}-{g}-{np.dtype(d).name}" for r, g, d in LINEAR_CASES])
def test_linear_transpose(row, group, dtype, x64):
  rng = np.random.default_rng(2)
  args = row.make_args(rng, dtype)
  params = params_of(row, dtype)
  f = partial_fn(row, params, args, group)
  vs = [rand_like(rng, args[i]) for i in group]
  out = f(*arrays(vs))
  f_t = numjax.linear_transpose(f, *arrays(vs))
  u = rand_like(rng, value(out))
  cts = f_t(Array(u))
  assert len(cts) == len(group)
  for c, v in zip(cts, vs):
    assert (c.shape, c.dtype) == (v.shape, v.dtype)
  rhs = sum(pair(value(c), v) for c, v in zip(cts, vs))
  np.testing.assert_allclose(pair(u, value(out)), rhs, rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------------------------
# Batching vs a Python loop
# ----------------------------------------------------------------------------------------------
def in_axes_cases(ranks):
  """Each placement of the mapped axis on each operand (others at 0 or unbatched), negative
  axes, and unbatched operands."""
  n = len(ranks)
  cases = [tuple([0] * n)]
  for i, r in enumerate(ranks):
    for ax in list(range(1, r + 1)) + [-1, -(r + 1)]:
      cases.append(tuple(ax if j == i else 0 for j in range(n)))
      if n > 1:
        cases.append(tuple(ax if j == i else None for j in range(n)))
    if n > 1:
      cases.append(tuple(None if j == i else 0 for j in range(n)))
      cases.append(tuple(None if j == i else -1 for j in range(n)))
  return list(dict.fromkeys(cases))


@pytest.mark.parametrize("row,dtype", BATCH_CASES, ids=_ids(BATCH_CASES))
def test_batching_matches_loop(row, dtype):
  with x64_mode(wide(dtype)):
    _check_batching(row, dtype)


def _check_batching(row, dtype):
  rng = np.random.default_rng(3)
  size = 3
  per_example = [row.make_args(rng, dtype) for _ in range(size)]
  params = params_of(row, dtype)
  f = bind_fn(row, params)
  ranks = [np.ndim(a) for a in per_example[0]]
  for axes in in_axes_cases(ranks):
    stacked = [per_example[0][i] if ax is None
               else np.stack([ex[i] for ex in per_example], ax if ax >= 0 else ax + r + 1)
               for i, (ax, r) in enumerate(zip(axes, ranks))]
    expected = np.stack([value(f(*arrays([ex[i] if ax is not None else per_example[0][i]
                                          for i, ax in enumerate(axes)])))
                         for ex in per_example])
    got = numjax.vmap(f, in_axes=axes)(*arrays(stacked))
    assert got.dtype == expected.dtype, (axes, got.dtype, expected.dtype)
    try:
      assert_close(value(got), expected, expected.dtype)
    except AssertionError as e:
      raise AssertionError(f"in_axes={axes}: {e}") from None


# ----------------------------------------------------------------------------------------------
# Derivative rules are themselves batched and staged: vmap and jit of JVP and VJP
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("row", DIFF_ROWS, ids=[r.id for r in DIFF_ROWS])
def test_vmap_and_jit_of_derivatives(row, x64):
  dtype = main_dtype(row)
  rng = np.random.default_rng(4)
  size = 3
  examples_ = [row.make_args(rng, dtype) for _ in range(size)]
  params = params_of(row, dtype)
  nums = diff_argnums(row, examples_[0])
  fixed = [i for i in range(len(examples_[0])) if i not in nums]
  prim = PRIMS[row.name]

  def f(fixed_vals, *xs):
    vals = [None] * (len(nums) + len(fixed_vals))
    for i, v in zip(fixed, fixed_vals):
      vals[i] = v
    for i, x in zip(nums, xs):
      vals[i] = x
    return prim.bind(*vals, **params)

  def jvp_and_vjp(fixed_vals, xs, vs, u):
    g = lambda *a: f(fixed_vals, *a)
    _, t = numjax.jvp(g, tuple(xs), tuple(vs))
    _, pullback = numjax.vjp(g, *xs)
    return t, pullback(u)

  def operands(ex):
    fx = [Array(np.asarray(ex[i])) for i in fixed]
    xs = [Array(np.asarray(ex[i])) for i in nums]
    vs = [Array(rand_like(rng, x)) for x in xs]
    out = f(fx, *xs)
    return fx, xs, vs, Array(rand_like(rng, value(out)))

  per_example = [operands(ex) for ex in examples_]
  loop = [jvp_and_vjp(*ops) for ops in per_example]
  stacked = numjax.tree_util.tree_map(lambda *xs: Array(np.stack([value(x) for x in xs])),
                                      *per_example)
  batched = numjax.vmap(jvp_and_vjp)(*stacked)
  jitted = numjax.jit(jvp_and_vjp)(*per_example[0])
  for k, (got, exp) in enumerate(zip(numjax.tree_util.tree_leaves(batched),
                                     zip(*[numjax.tree_util.tree_leaves(l) for l in loop]))):
    assert_close(value(got), np.stack([value(e) for e in exp]), dtype)
  for got, exp in zip(numjax.tree_util.tree_leaves(jitted),
                      numjax.tree_util.tree_leaves(loop[0])):
    assert_close(value(got), value(exp), dtype)


# ----------------------------------------------------------------------------------------------
# Public lax wrappers around these primitives (literals recorded from jax 0.10.2)
# ----------------------------------------------------------------------------------------------
def test_dynamic_slice_wraps_negative_indices_like_jax():
  x = numjax.numpy.arange(12.0).reshape(4, 3)
  np.testing.assert_array_equal(value(numjax.lax.dynamic_slice(x, (-1, 1), (2, 2))),
                                [[7.0, 8.0], [10.0, 11.0]])
  out = numjax.lax.dynamic_update_slice(x, np.zeros((1, 2), np.float32), (-1, -5))
  np.testing.assert_array_equal(value(out)[3], [0.0, 0.0, 11.0])
  traced = numjax.make_jaxpr(lambda x, i: numjax.lax.dynamic_slice(x, (i, 1), (2, 2)))(
      np.ones((4, 4), np.float32), np.int32(1))
  assert str(traced) == """\
{ lambda ; a:f32[4,4] b:i32[]. let
    c:bool[] = lt b 0:i32[]
    d:i32[] = add b 4:i32[]
    e:i32[] = select_n c b d
    f:f32[2,2] = dynamic_slice[slice_sizes=(2, 2)] a e 1:i32[]
  in (f,) }"""
  static = numjax.make_jaxpr(lambda x: numjax.lax.dynamic_slice(x, (-1, 1), (2, 2)))(
      np.ones((4, 4), np.float32))
  assert "dynamic_slice[slice_sizes=(2, 2)] a 3:i32[] 1:i32[]" in str(static)


def test_jax_recorded_values():
  lax = numjax.lax
  assert repr(lax.conj(np.float32(1.5))) == "Array(1.5+0.j, dtype=complex64)"
  assert repr(numjax.numpy.conj(1.0)) == "Array(1., dtype=float32, weak_type=True)"
  assert repr(lax.eq(1.0, 2.0)) == "Array(False, dtype=bool, weak_type=True)"
  assert repr(lax.round(np.float32(0.49999997))) == "Array(0., dtype=float32)"
  assert value(lax.population_count(np.int32(-7))) == 30
  np.testing.assert_array_equal(
      value(lax.convert_element_type(np.float32([np.nan, 1e10, -1e10, np.inf]), np.int32)),
      [0, 2147483647, -2147483648, 2147483647])
  np.testing.assert_array_equal(value(lax.rem(np.int32([7, -7]), np.int32([0, 0]))), [7, -7])
  np.testing.assert_array_equal(value(lax.reduce_max(np.zeros((0, 2), np.float32), (0,))),
                                [-np.inf, -np.inf])
  grads = [numjax.grad(lambda x: lax.pow(x, 0.0))(0.0),
           numjax.grad(lambda y: lax.pow(0.0, y))(0.0),
           numjax.grad(lambda y: lax.pow(0.0, y))(-1.0)]
  np.testing.assert_array_equal([float(g) for g in grads], [np.nan, 0.0, np.nan])


def test_integer_pow_of_integers_with_negative_exponent_raises_as_jax():
  import numjax
  import numjax.numpy as jnp
  from numjax import lax
  assert int(lax.integer_pow(jnp.int32(3), 2)) == 9   # a valid call first (eager validation)
  for call, shown in [(lambda: lax.integer_pow(2, -1), "~int32[]"),
                      (lambda: jnp.int32(2) ** -1, "int32[]"),
                      (lambda: numjax.jit(lambda x: lax.integer_pow(x, -2))(3), "~int32[]")]:
    with pytest.raises(TypeError, match=re.escape(
        f"Integers cannot be raised to negative powers, got integer_pow({shown}, ")):
      call()
