"""Cumulative reductions, sorting, searching, set operations and order statistics.

Values against NumPy (hypothesis-drawn shapes/axes) and literals recorded from jax 0.10.2;
JVPs against central finite differences (float64, with zeros and ties), VJP vs JVP; vmap
against a Python loop; jit against eager; jaxpr text against JAX's.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import numjax as jax
import numjax.numpy as jnp
from numjax import lax


def examples(n):
  return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])


def val(x):
  return np.asarray(x)


def assert_same(actual, expected, rtol=1e-6):
  actual, expected = np.asarray(actual), np.asarray(expected)
  assert actual.shape == expected.shape, (actual.shape, expected.shape)
  np.testing.assert_allclose(actual, expected, rtol=rtol, atol=1e-6)


@st.composite
def array_and_axis(draw, dtype=np.float32, min_ndim=1):
  ndim = draw(st.integers(min_ndim, 3))
  shape = tuple(draw(st.lists(st.integers(1, 5), min_size=ndim, max_size=ndim)))
  rng = np.random.default_rng(draw(st.integers(0, 2**31)))
  if np.dtype(dtype).kind == "f":
    x = rng.choice(np.array([-2., -1., -0., 0., 0.5, 1., 3., np.nan], dtype), size=shape) \
        if draw(st.booleans()) else rng.normal(size=shape).astype(dtype)
  else:
    x = rng.integers(-4, 5, size=shape).astype(dtype)
  return x, draw(st.integers(0, ndim - 1))


# ----------------------------------------------------------------------------------------------
# lax cumulative primitives
# ----------------------------------------------------------------------------------------------
CUM = {
    "cumsum": (lax.cumsum, np.cumsum),
    "cumprod": (lax.cumprod, np.cumprod),
    "cummax": (lax.cummax, np.maximum.accumulate),
    "cummin": (lax.cummin, np.minimum.accumulate),
    "cumlogsumexp": (lax.cumlogsumexp, np.logaddexp.accumulate),
}


@examples(40)
@given(array_and_axis(), st.sampled_from(sorted(CUM)), st.booleans())
def test_lax_cumulative_matches_numpy(case, name, reverse):
  x, axis = case
  f, ref = CUM[name]
  with np.errstate(all="ignore"):
    xin = np.flip(x, axis) if reverse else x
    expected = ref(xin, axis=axis).astype(x.dtype)
    expected = np.flip(expected, axis) if reverse else expected
  out = f(x, axis=axis, reverse=reverse)
  assert out.dtype == x.dtype and out.shape == x.shape
  np.testing.assert_allclose(val(out), expected, rtol=2e-5, atol=1e-6)
  jitted = jax.jit(lambda x: f(x, axis=axis, reverse=reverse))(x)
  np.testing.assert_allclose(val(jitted), expected, rtol=2e-5, atol=1e-6)


@examples(10)
@given(array_and_axis(np.int32), st.sampled_from(["cumsum", "cumprod", "cummax", "cummin"]))
def test_lax_cumulative_ints(case, name):
  x, axis = case
  f, ref = CUM[name]
  out = f(x, axis=axis)
  assert out.dtype == np.int32
  assert np.array_equal(val(out), ref(x, axis=axis).astype(np.int32))


def test_lax_cumulative_errors():
  with pytest.raises(ValueError, match="XLA operations do not allow negative axes"):
    lax.cumsum(jnp.ones(3), axis=-1)
  with pytest.raises(ValueError, match=r"axis 3 is out of bounds for array of shape \(3,\)"):
    jax.jit(lambda x: lax.cumsum(x, axis=3))(jnp.ones(3))
  with pytest.raises(TypeError, match="cumlogsumexp does not accept dtype int32"):
    jax.make_jaxpr(lambda x: lax.cumlogsumexp(x))(jnp.ones(3, jnp.int32))


def _check_jvp_vjp(f, x, eps=1e-6, seed=0):
  rng = np.random.default_rng(seed)
  x = np.asarray(x, np.float64)
  v = rng.normal(size=x.shape)
  out, t = jax.jvp(f, (jnp.asarray(x),), (jnp.asarray(v),))
  fd = (val(f(jnp.asarray(x + eps * v))) - val(f(jnp.asarray(x - eps * v)))) / (2 * eps)
  np.testing.assert_allclose(val(t), fd, rtol=1e-5, atol=1e-6)
  u = rng.normal(size=np.shape(out))
  ct, = jax.vjp(f, jnp.asarray(x))[1](jnp.asarray(u))
  np.testing.assert_allclose(np.sum(u * val(t)), np.sum(val(ct) * v), rtol=1e-9, atol=1e-10)


X64 = np.random.default_rng(2).normal(size=(4, 5))
XZ = X64.copy()
XZ[1, 2] = XZ[2, 1] = XZ[2, 3] = 0.     # zeros for cumprod


@pytest.mark.parametrize("name,axis,reverse,x", [
    ("cumsum", 1, True, X64), ("cumprod", 1, False, X64), ("cumprod", 1, True, XZ),
    ("cumprod", 0, False, XZ), ("cumlogsumexp", 0, False, X64), ("cumlogsumexp", 1, True, X64),
    ("cummax", 1, False, X64), ("cummin", 0, True, X64)])
def test_cumulative_derivatives(name, axis, reverse, x, x64):
  _check_jvp_vjp(lambda x: CUM[name][0](x, axis=axis, reverse=reverse), x)


def test_cumulative_jvp_zeros_and_ties():
  # cumprod through zeros is exact (as JAX's)
  out, t = jax.jvp(lax.cumprod, (jnp.array([2., 0., 3., 0., 5.]),),
                   (jnp.array([1., 10., 100., 1000., 10000.]),))
  assert_same(t, [1., 20., 60., 0., 0.])
  # cummax: the tangent is the mean over the inputs tied for the running maximum
  out, t = jax.jvp(lax.cummax, (jnp.array([1., 1., 1., 0., 2., 2.]),),
                   (jnp.array([1., 10., 100., 1000., 10000., 100000.]),))
  assert_same(out, [1., 1., 1., 1., 2., 2.])
  assert_same(t, [1., 5.5, 37., 37., 10000., 55000.])
  out, t = jax.jvp(lambda x: lax.cumlogsumexp(x), (jnp.array([-np.inf, 0., -np.inf]),),
                   (jnp.array([1., 2., 3.]),))
  assert_same(t, [1., 2., 2.])          # as JAX


def test_cumsum_transpose_is_reverse_cumsum(x64):
  x = jnp.asarray(X64)
  ct, = jax.linear_transpose(lambda x: lax.cumsum(x, axis=1), x)(jnp.ones((4, 5)))
  assert_same(ct, np.flip(np.cumsum(np.ones((4, 5)), axis=1), 1))
  jaxpr = str(jax.make_jaxpr(jax.grad(lambda x: lax.cumsum(x, 1).sum()))(x))
  assert "cumsum[axis=1 reverse=True]" in jaxpr


def test_reduce_prod_jvp_uses_cumprod(x64):
  _check_jvp_vjp(lambda x: jnp.prod(x, axis=1), XZ)


@pytest.mark.parametrize("name", sorted(CUM))
@pytest.mark.parametrize("bdim", [0, 1, 2])
def test_cumulative_vmap(name, bdim):
  x = np.random.default_rng(3).normal(size=(3, 4, 2)).astype(np.float32)
  f = lambda x: CUM[name][0](x, axis=1, reverse=True)
  out = jax.vmap(f, in_axes=bdim)(x)
  expected = np.stack([val(f(jnp.asarray(np.take(x, b, axis=bdim))))
                       for b in range(x.shape[bdim])])
  np.testing.assert_allclose(val(out), expected, rtol=1e-5)


# ----------------------------------------------------------------------------------------------
# jnp cumulative functions
# ----------------------------------------------------------------------------------------------
def test_jnp_cumulative_functions_like_jax():
  assert val(jnp.cumsum(jnp.ones((2, 3)), dtype=bool)).all()
  assert jnp.cumsum(jnp.ones(3, jnp.int8)).dtype == jnp.int8
  assert jnp.cumsum(jnp.ones(3, bool)).dtype == jnp.int32
  assert jnp.cumulative_sum(jnp.ones(3, jnp.int8)).dtype == jnp.int32
  assert_same(jnp.cumsum(jnp.arange(6).reshape(2, 3)), [0, 1, 3, 6, 10, 15])
  assert_same(jnp.cumprod(jnp.arange(1, 5).reshape(2, 2), axis=1), [[1, 2], [3, 12]])
  assert_same(jnp.nancumsum(jnp.array([1., np.nan, 2.])), [1., 1., 3.])
  assert_same(jnp.nancumprod(jnp.array([2., np.nan, 3.])), [2., 2., 6.])
  assert_same(jnp.cumulative_sum(jnp.ones(3), include_initial=True), [0., 1., 2., 3.])
  assert_same(jnp.cumulative_prod(jnp.arange(1., 4.), include_initial=True), [1., 1., 2., 6.])
  assert_same(jnp.cumsum(3), [3])
  with pytest.raises(ValueError, match="axis was not set to an explicit value"):
    jnp.cumulative_sum(jnp.ones((2, 2)))
  assert_same(jnp.arange(4.).cumsum(), [0., 1., 3., 6.])


def test_diff_ediff1d_trapezoid():
  assert_same(jnp.diff(jnp.array([1, 4, 9]), prepend=0), [1, 3, 5])
  x = np.arange(12).reshape(3, 4) ** 2
  assert_same(jnp.diff(x, n=2, axis=0), np.diff(x, n=2, axis=0))
  assert val(jnp.diff(jnp.array([True, False, False]))).tolist() == [True, False]
  assert_same(jnp.ediff1d(jnp.array([1, 4, 9]), to_begin=jnp.array([-1]), to_end=7),
              [-1, 3, 5, 7])
  assert_same(jnp.trapezoid(jnp.array([1., 2., 3.])), 4.)
  assert_same(jnp.trapezoid(jnp.array([[1., 2., 3.]]), x=jnp.array([0., 1., 3.])), [6.5])
  with pytest.raises(ValueError, match="order must be non-negative but got -1"):
    jnp.diff(jnp.ones(3), n=-1)


def test_cumsum_jaxpr_text_matches_jax():
  expected = ("{ lambda ; a:f32[3,4]. let\n    b:f32[12] = jit[\n      name=cumsum\n"
              "      jaxpr={ lambda ; a:f32[3,4]. let\n"
              "          c:f32[12] = reshape[dimensions=None new_sizes=(12,) sharding=None] a\n"
              "          b:f32[12] = cumsum[axis=0 reverse=False] c\n        in (b,) }\n"
              "    ] a\n  in (b,) }")
  assert str(jax.make_jaxpr(lambda x: jnp.cumsum(x))(jnp.ones((3, 4)))) == expected


# ----------------------------------------------------------------------------------------------
# lax.sort / sort_key_val / top_k
# ----------------------------------------------------------------------------------------------
@examples(40)
@given(array_and_axis())
def test_sort_and_argsort_match_numpy(case):
  x, axis = case
  assert_same(jnp.sort(x, axis=axis), np.sort(x, axis=axis, kind="stable"))
  assert np.array_equal(val(jnp.argsort(x, axis=axis)), np.argsort(x, axis=axis, kind="stable"))
  # descending: stable (ties keep their order), NaNs first
  desc = val(jnp.argsort(x, axis=axis, descending=True))
  n = x.shape[axis]
  flipped = np.flip(np.argsort(np.flip(x, axis), axis=axis, kind="stable"), axis)
  assert np.array_equal(desc, n - 1 - flipped)
  assert_same(jnp.sort(x, axis=axis, descending=True), np.flip(np.sort(x, axis=axis), axis))


def test_sort_signed_zeros_keep_order():
  x = jnp.array([0., -0., 1., -0., 0.])
  assert np.signbit(val(jnp.sort(x))).tolist() == [False, True, True, False, False]
  assert val(jnp.argsort(jnp.array([0., -0., 0., -0.]))).tolist() == [0, 1, 2, 3]


def test_lax_sort_multiple_operands():
  keys = jnp.array([2, 1, 2, 1])
  a, b = lax.sort((keys, jnp.array([4., 3., 2., 1.])), num_keys=2)
  assert val(a).tolist() == [1, 1, 2, 2] and val(b).tolist() == [1., 3., 2., 4.]
  a, b = lax.sort((keys, jnp.array([4., 3., 2., 1.])), num_keys=1)
  assert val(b).tolist() == [3., 1., 4., 2.]          # stable
  k, v = lax.sort_key_val(jnp.array([[3., 1.], [0., 2.]]), jnp.array([[1, 2], [3, 4]]),
                          dimension=0)
  assert val(k).tolist() == [[0., 1.], [3., 2.]] and val(v).tolist() == [[3, 2], [1, 4]]
  with pytest.raises(ValueError, match="num_keys=2 must be equal to 1 for a single operand"):
    lax.sort(jnp.ones(3), num_keys=2)


def test_top_k_like_jax():
  v, i = lax.top_k(jnp.array([1., np.nan, 3., 3., -0., 0., -np.inf]), 7)
  assert val(i).tolist() == [1, 2, 3, 0, 5, 4, 6] and i.dtype == jnp.int32
  v, i = lax.top_k(jnp.array([[1., 5., 5., 0.], [2., -1., 7., 7.]]), 3)
  assert val(v).tolist() == [[5., 5., 1.], [7., 7., 2.]]
  assert val(i).tolist() == [[1, 2, 0], [2, 3, 0]]
  with pytest.raises(ValueError, match="k argument to top_k must be no larger than size"):
    jax.make_jaxpr(lambda x: lax.top_k(x, 5))(jnp.ones(3))


@pytest.mark.parametrize("f", [
    lambda x: jnp.sort(x, axis=0), lambda x: jnp.sort(x, axis=1, descending=True),
    lambda x: lax.top_k(x, 3)[0], lambda x: lax.sort((x[0], x[1] * 2.), num_keys=1)[1],
    lambda x: jnp.take_along_axis(x, jnp.argsort(x, axis=0), axis=0)])
def test_sort_derivatives(f, x64):
  _check_jvp_vjp(f, X64)


@pytest.mark.parametrize("f,bdim", [
    (lambda x: jnp.sort(x, axis=0), 1), (lambda x: jnp.argsort(x, axis=-1, descending=True), 2),
    (lambda x: lax.top_k(x, 2), 1), (lambda x: lax.sort((x, -x), dimension=0, num_keys=1), 0),
    (lambda x: jnp.quantile(x, 0.3, axis=0), 2), (lambda x: jnp.unique(x[0], size=4), 0)])
def test_sort_vmap(f, bdim):
  x = np.round(np.random.default_rng(4).normal(size=(3, 4, 5)), 0).astype(np.float32)
  out = jax.vmap(f, in_axes=bdim)(x)
  loops = [f(jnp.asarray(np.take(x, b, axis=bdim))) for b in range(x.shape[bdim])]
  for k, o in enumerate(jax.tree_util.tree_leaves(out)):
    expected = np.stack([val(jax.tree_util.tree_leaves(l)[k]) for l in loops])
    np.testing.assert_allclose(val(o), expected, rtol=1e-6)


def test_sort_vmap_unbatched_operand():
  x = np.random.default_rng(5).normal(size=(3, 4)).astype(np.float32)
  y = np.random.default_rng(6).normal(size=(4,)).astype(np.float32)
  out = jax.vmap(lambda x, y: lax.sort_key_val(x, y), in_axes=(0, None))(x, y)
  for b in range(3):
    k, v = lax.sort_key_val(x[b], y)
    assert_same(out[0][b], k)
    assert_same(out[1][b], v)


SORT_TEXT = ("{ lambda ; a:f32[3,4]. let\n    b:i32[3,4] = jit[\n      name=argsort\n"
             "      jaxpr={ lambda ; a:f32[3,4]. let\n"
             "          c:i32[3,4] = iota[dimension=0 dtype=int32 shape=(3, 4) sharding=None] \n"
             "          d:f32[3,4] b:i32[3,4] = sort[dimension=0 is_stable=True num_keys=1] a c\n"
             "        in (b,) }\n    ] a\n  in (b,) }")


def test_sort_jaxpr_text_matches_jax():
  x = jnp.ones((3, 4))
  assert str(jax.make_jaxpr(lambda x: jnp.argsort(x, 0))(x)) == SORT_TEXT
  assert str(jax.make_jaxpr(lambda x: lax.top_k(x, 2))(x)) == (
      "{ lambda ; a:f32[3,4]. let\n    b:f32[3,2] c:i32[3,2] = top_k[axis=1 k=2] a\n"
      "  in (b, c) }")


# ----------------------------------------------------------------------------------------------
# jnp sorting functions (values recorded from jax 0.10.2)
# ----------------------------------------------------------------------------------------------
def test_lexsort_partition():
  assert val(jnp.lexsort((jnp.array([1, 1, 0]), jnp.array([2, 1, 1])))).tolist() == [2, 1, 0]
  assert val(jnp.partition(jnp.array([5, 1, 4, 2, 3]), 2)).tolist() == [1, 2, 3, 5, 4]
  assert val(jnp.argpartition(jnp.array([5, 1, 4, 2, 3]), 2)).tolist() == [1, 3, 4, 0, 2]
  x = jnp.array([[5., 1., 4.], [0., 7., -1.]])
  assert val(jnp.partition(x, 1, axis=1)).tolist() == [[1., 4., 5.], [-1., 0., 7.]]
  assert val(jnp.argpartition(x, 0, axis=0)).tolist() == [[1, 0, 1], [0, 1, 0]]


def test_searchsorted_and_digitize():
  s = jnp.array([1., 2., np.nan])
  assert val(jnp.searchsorted(s, jnp.array([np.nan, 2., 5.]))).tolist() == [2, 1, 2]
  a = jnp.array([1, 2, 2, 3])
  v = np.array([[2, 0], [4, 3]])
  for side in ("left", "right"):
    for method in ("scan", "sort", "compare_all"):
      assert np.array_equal(val(jnp.searchsorted(a, v, side=side, method=method)),
                            np.searchsorted(np.asarray(a), v, side=side))
  assert val(jnp.searchsorted(jnp.array([3, 1, 2]), 2, sorter=jnp.array([1, 2, 0]))) == 1
  assert val(jax.jit(jnp.searchsorted)(a, jnp.array([2, 3]))).tolist() == [1, 3]
  assert val(jnp.digitize(jnp.array([0.5, 1., 2.5]), jnp.array([1., 2., 3.]))).tolist() == \
      [0, 1, 2]
  assert val(jnp.digitize(jnp.array([0.5, 1., 2.5]), jnp.array([3., 2., 1.]), right=True)
             ).tolist() == [3, 3, 1]
  with pytest.raises(ValueError, match="a should be 1-dimensional"):
    jnp.searchsorted(jnp.ones((2, 2)), 1.)


def test_unique_like_jax():
  u, inv = jnp.unique(jnp.array([[3, 1], [1, 2]]), return_inverse=True)
  assert val(u).tolist() == [1, 2, 3] and val(inv).tolist() == [[2, 0], [0, 1]]
  out = jnp.unique(jnp.array([3, 1, 1, 2]), return_inverse=True, return_index=True,
                   return_counts=True, size=5)
  assert [val(o).tolist() for o in out] == [[1, 2, 3, 1, 1], [1, 3, 0, 1, 1], [2, 0, 0, 1],
                                            [2, 1, 1, 0, 0]]
  out = jnp.unique(jnp.array([3, 1, 1, 2]), return_counts=True, size=5, fill_value=9)
  assert [val(o).tolist() for o in out] == [[1, 2, 3, 9, 9], [2, 1, 1, 0, 0]]
  u, c = jnp.unique(jnp.array([3, 1, 1, 2, 5, 5]), return_counts=True, size=2)
  assert val(u).tolist() == [1, 2] and val(c).tolist() == [2, 1]
  u = val(jnp.unique(jnp.array([1., np.nan, np.nan])))
  assert u[0] == 1. and np.isnan(u[1]) and u.shape == (2,)
  u, idx, inv, cnt = jnp.unique(jnp.array([[1, 2], [0, 1], [1, 2]]), axis=0, return_index=True,
                                return_inverse=True, return_counts=True)
  assert val(u).tolist() == [[0, 1], [1, 2]] and val(idx).tolist() == [1, 0]
  assert val(inv).tolist() == [1, 0, 1] and val(cnt).tolist() == [1, 2]
  f = jax.jit(lambda x: jnp.unique(x, size=3, fill_value=-1))
  assert val(f(jnp.array([4, 4, 2]))).tolist() == [2, 4, -1]
  with pytest.raises(jax.errors.ConcretizationTypeError, match="jnp.unique"):
    jax.jit(jnp.unique)(jnp.array([1, 2]))


def test_set_operations_like_jax():
  a, b = jnp.array([1, 2, 3, 3]), jnp.array([3, 1, 5])
  out = jnp.intersect1d(a, b, return_indices=True)
  assert [val(o).tolist() for o in out] == [[1, 3], [0, 2], [1, 0]]
  out = jnp.intersect1d(a, b, return_indices=True, size=4, fill_value=-1)
  assert [val(o).tolist() for o in out] == [[1, 3, -1, -1], [0, 2, 4, 4], [1, 0, 3, 3]]
  assert val(jnp.setdiff1d(a, b, size=3, fill_value=-1)).tolist() == [2, -1, -1]
  assert val(jnp.setdiff1d(jnp.array([4, 2, 3, 3]), b)).tolist() == [2, 4]
  assert val(jnp.union1d(jnp.array([1, 2]), jnp.array([5, 1]))).tolist() == [1, 2, 5]
  assert val(jnp.union1d(jnp.array([1, 2]), jnp.array([5, 1]), size=5)).tolist() == \
      [1, 2, 5, 1, 1]
  assert val(jnp.setxor1d(jnp.array([1, 2, 3]), jnp.array([5, 1, 3, 7]))).tolist() == [2, 5, 7]
  assert val(jnp.isin(jnp.array([[1, 2], [3, 4]]), jnp.array([2, 4]))).tolist() == \
      [[False, True], [False, True]]
  assert val(jnp.isin(jnp.array([1., np.nan]), jnp.array([np.nan, 1.]), invert=True)
             ).tolist() == [False, True]
  assert val(jnp.in1d(jnp.array([[1, 5]]), jnp.array([5]))).tolist() == [False, True]
  for method in ("compare_all", "binary_search", "sort"):
    assert val(jnp.isin(jnp.arange(6), jnp.array([4, 1, 9]), method=method)).tolist() == \
        [False, True, False, False, True, False]


def test_bincount_histogram():
  assert val(jnp.bincount(jnp.array([0, 1, 1, -1, 7]), length=4)).tolist() == [2, 2, 0, 0]
  c = jnp.bincount(jnp.array([1, 3]))
  assert val(c).tolist() == [0, 1, 0, 1] and c.dtype == jnp.int32
  assert_same(jnp.bincount(jnp.array([1, 3]), weights=jnp.array([.5, 1.]), minlength=6),
              [0., .5, 0., 1., 0., 0.])
  assert val(jax.jit(lambda x: jnp.bincount(x, length=3))(jnp.array([2, 2]))).tolist() == \
      [0, 0, 2]
  with pytest.raises(TypeError, match="x argument to bincount must have an integer type"):
    jnp.bincount(jnp.ones(3))
  counts, edges = jnp.histogram(jnp.array([1., 2., 2., 3.]), bins=3)
  assert counts.dtype == jnp.float32 and val(counts).tolist() == [1., 2., 1.]
  assert_same(edges, [1., 5 / 3, 7 / 3, 3.])
  counts, _ = jnp.histogram(jnp.array([1, 2, 2, 3]), bins=3)
  assert counts.dtype == jnp.float32 and val(counts).tolist() == [1., 2., 1.]
  counts, edges = jnp.histogram(jnp.array([1., 2.]), bins=jnp.array([0., 1.5, 3.]), density=True)
  assert_same(counts, [1 / 3, 1 / 3])


def test_quantiles_like_jax():
  assert_same(jnp.quantile(jnp.arange(5), 0.3), 1.2)
  assert_same(jnp.median(jnp.array([1, 2, 3, 4])), 2.5)
  assert np.isnan(val(jnp.quantile(jnp.array([1., np.nan]), 0.5)))
  assert_same(jnp.nanmedian(jnp.array([1., np.nan, 3.])), 2.)
  x = jnp.array([[1., 5., 2., 8.], [3., 3., 9., 0.]])
  q = jnp.array([0.1, 0.5, 0.77])
  expected = {"linear": [[1.3, 0.9], [3.5, 3.], [5.93, 4.86]],
              "lower": [[1., 0.], [2., 3.], [5., 3.]], "higher": [[2., 3.], [5., 3.], [8., 9.]],
              "midpoint": [[1.5, 1.5], [3.5, 3.], [6.5, 6.]],
              "nearest": [[1., 0.], [2., 3.], [5., 3.]]}
  for method, want in expected.items():
    assert_same(jnp.quantile(x, q, axis=1, method=method), want, rtol=1e-5)
  assert_same(jnp.quantile(jnp.arange(24.).reshape(2, 3, 4), 0.4, axis=(0, 2), keepdims=True),
              np.quantile(np.arange(24.).reshape(2, 3, 4), 0.4, axis=(0, 2), keepdims=True))
  assert_same(jnp.nanquantile(jnp.array([[1., np.nan], [2., 3.]]), 0.5, axis=1), [1., 2.5])
  assert_same(jnp.percentile(jnp.arange(7.), jnp.array([10., 50., 95.])),
              np.percentile(np.arange(7.), [10., 50., 95.]))
  assert_same(jnp.median(jnp.arange(24.).reshape(2, 3, 4), axis=1),
              np.median(np.arange(24.).reshape(2, 3, 4), axis=1))
  assert jnp.median(jnp.arange(4)).dtype == jnp.float32
  with pytest.raises(ValueError, match=r"Quantiles must be in the range \[0, 1\]"):
    jnp.quantile(jnp.ones(3), 1.5)


def test_quantile_grad(x64):
  _check_jvp_vjp(lambda x: jnp.quantile(x, jnp.array([0.2, 0.7]), axis=1), X64)
  _check_jvp_vjp(lambda x: jnp.median(x), X64)


def test_abstract_eval_matches_impl():
  from numjax._src.core import ShapedArray
  from numjax._src.lax import cumulative as lc, sorting as ls
  x = np.random.default_rng(8).normal(size=(3, 4)).astype(np.float32)
  for p in (lc.cumsum_p, lc.cumprod_p, lc.cummax_p, lc.cummin_p, lc.cumlogsumexp_p):
    for weak in (False, True):
      aval = p.abstract_eval(ShapedArray(x.shape, x.dtype, weak), axis=1, reverse=True)
      out = p.impl(x, axis=1, reverse=True)
      assert (aval.shape, aval.dtype, aval.weak_type) == (out.shape, out.dtype, weak)
      assert p.weak_type_rule([jnp.asarray(2.) if weak else jnp.asarray(x)], {}) == weak
  i = np.arange(12, dtype=np.int32).reshape(3, 4)
  avals = ls.sort_p.abstract_eval(ShapedArray(x.shape, x.dtype), ShapedArray(i.shape, i.dtype),
                                  dimension=0, is_stable=True, num_keys=1)
  outs = ls.sort_p.impl(x, i, dimension=0, is_stable=True, num_keys=1)
  assert [(a.shape, a.dtype) for a in avals] == [(o.shape, o.dtype) for o in outs]
  avals = ls.top_k_p.abstract_eval(ShapedArray(x.shape, x.dtype), k=2, axis=1)
  outs = ls.top_k_p.impl(x, k=2, axis=1)
  assert [(a.shape, a.dtype) for a in avals] == [(o.shape, o.dtype) for o in outs]
