"""numjax.numpy extras (numjax/_src/numpy/extra.py) and einsum (einsum.py).

Values are checked against NumPy on random inputs (hypothesis-drawn seeds, small budgets),
dtypes and weak types against values recorded from JAX 0.10.2, and every function eagerly,
under jit and under vmap (against a Python loop); derivatives against central finite
differences in float64.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
from numjax.test_util import check_grads

SEEDS = st.integers(0, 2**31 - 1)


def examples(n):
  return settings(max_examples=n, deadline=None, derandomize=True, database=None)


def close(a, b, rtol=1e-5, atol=1e-6):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol,
                             equal_nan=True)


def dtype_weak(x):
  return (str(x.dtype), bool(x.weak_type))


def rnd(seed, shape, lo=-2., hi=2., dtype=np.float32):
  return np.random.default_rng(seed).uniform(lo, hi, shape).astype(dtype)


def with_nans(seed, shape):
  x = rnd(seed, shape)
  mask = np.random.default_rng(seed + 1).random(shape) < 0.3
  x[mask] = np.nan
  return x


# ----------------------------------------------------------------------------------------------
# Elementwise extras
# ----------------------------------------------------------------------------------------------
@examples(5)
@given(seed=SEEDS)
def test_binary_elementwise_match_numpy(seed):
  x, y = with_nans(seed, (3, 4)), with_nans(seed + 7, (3, 4))
  with np.errstate(invalid="ignore"):
    close(jnp.logaddexp2(x, y), np.logaddexp2(x, y))
  close(jnp.fmax(x, y), np.fmax(x, y))
  close(jnp.fmin(x, y), np.fmin(x, y))
  a, b = np.abs(rnd(seed, (5,))) + 0.1, rnd(seed + 1, (5,))
  close(jnp.float_power(a, b), np.float_power(a, b), rtol=1e-5)
  k = np.random.default_rng(seed).integers(-5, 5, (5,)).astype(np.int32)
  close(jnp.ldexp(b, k), np.ldexp(b, k))
  ints = np.random.default_rng(seed).integers(-30, 30, (2, 6)).astype(np.int32)
  np.testing.assert_array_equal(jnp.gcd(ints[0], ints[1]), np.gcd(ints[0], ints[1]))
  np.testing.assert_array_equal(jnp.lcm(ints[0], ints[1]), np.lcm(ints[0], ints[1]))


def test_elementwise_special_values_and_dtypes():
  x = np.array([0., 1., -3.5, 1e-40, 1e30, np.inf, -np.inf, np.nan], np.float32)
  m, e = jnp.frexp(x)
  m_ref, e_ref = np.frexp(x)
  close(m, m_ref)
  np.testing.assert_array_equal(e, e_ref)
  assert dtype_weak(e) == ("int32", False)
  frac, whole = jnp.modf(np.array([1.5, -2.25, 3.], np.float32))
  close(frac, [0.5, -0.25, 0.])
  close(whole, [1., -2., 3.])
  assert dtype_weak(jnp.modf(jnp.array([1, 2]))[0]) == ("float32", False)
  close(jnp.i0(np.array([0., 1., -2.], np.float32)), np.i0([0., 1., -2.]))
  y = np.array([1., np.nan, np.inf, -np.inf], np.float32)
  close(jnp.nan_to_num(y), np.nan_to_num(y))
  close(jnp.nan_to_num(y, nan=-1., posinf=9., neginf=-9.), [1., -1., 9., -9.])
  np.testing.assert_array_equal(jnp.isposinf(y), np.isposinf(y))
  np.testing.assert_array_equal(jnp.isneginf(y), np.isneginf(y))
  c = np.array([1 + 1j, 2 + 0j], np.complex64)
  np.testing.assert_array_equal(jnp.iscomplex(c), [True, False])
  np.testing.assert_array_equal(jnp.isreal(c), [False, True])
  np.testing.assert_array_equal(jnp.iscomplex(jnp.arange(2.)), [False, False])
  assert bool(jnp.array_equiv(jnp.array([1, 2]), jnp.array([[1, 2], [1, 2]])))
  assert not bool(jnp.array_equiv(jnp.array([1, 2]), jnp.array([1, 2, 3])))
  # dtypes and weak types as JAX has them
  assert dtype_weak(jnp.logaddexp2(1, 2)) == ("float32", True)
  assert dtype_weak(jnp.fmax(jnp.array([1, 5]), 3)) == ("int32", False)
  assert dtype_weak(jnp.float_power(jnp.array([2, 3]), 2)) == ("float32", False)
  assert dtype_weak(jnp.float_power(2., 0.5)) == ("float32", True)
  assert dtype_weak(jnp.ldexp(jnp.array([1, 2]), 2)) == ("float32", False)
  assert dtype_weak(jnp.gcd(12, 8)) == ("int32", True)
  assert dtype_weak(jnp.i0(jnp.array([0, 1]))) == ("float32", False)
  assert dtype_weak(jnp.nan_to_num(jnp.array([1, 2]))) == ("int32", False)


def test_elementwise_errors():
  with pytest.raises(ValueError, match="must be integers"):
    jnp.gcd(jnp.array([1., 2.]), 2)
  with pytest.raises(ValueError, match="complex"):
    jnp.isposinf(jnp.array([1j]))


def test_float_power_is_float64_with_x64(x64):
  assert jnp.float_power(jnp.array([2, 3], jnp.int32), 2).dtype == np.float64


# ----------------------------------------------------------------------------------------------
# NaN-aware reductions
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_nan_reductions_match_numpy(axis, keepdims):
  x = with_nans(3, (4, 5))
  x[1] = np.nan   # an all-NaN row
  kw = dict(axis=axis, keepdims=keepdims)
  with np.errstate(all="ignore"), pytest.warns() if False else _nowarn():
    for name in ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"]:
      close(getattr(jnp, name)(x, **kw), getattr(np, name)(x, **kw), rtol=1e-5, atol=1e-5)
    close(jnp.nanvar(x, ddof=1, **kw), np.nanvar(x, ddof=1, **kw), rtol=1e-5)
    close(jnp.ptp(x[0], axis=None), np.ptp(x[0]))


class _nowarn:
  def __enter__(self):
    import warnings
    self._w = warnings.catch_warnings()
    self._w.__enter__()
    warnings.simplefilter("ignore")

  def __exit__(self, *a):
    self._w.__exit__(*a)


def test_nanargmax_nanargmin():
  x = np.array([[1., np.nan, 3.], [np.nan, np.nan, np.nan], [2., 0., np.nan]], np.float32)
  np.testing.assert_array_equal(jnp.nanargmax(x, axis=1), [2, -1, 0])
  np.testing.assert_array_equal(jnp.nanargmin(x, axis=1), [0, -1, 1])
  assert int(jnp.nanargmax(jnp.array([1, 5, 3]))) == 1
  np.testing.assert_array_equal(jnp.nanargmax(x, axis=0, keepdims=True), [[2, 2, 0]])


def test_nan_reduction_dtypes():
  assert dtype_weak(jnp.nansum(jnp.array([1, 2]))) == ("int32", False)
  assert dtype_weak(jnp.nanmean(jnp.array([1, 2]))) == ("float32", False)
  assert dtype_weak(jnp.nanvar(jnp.array([1, 2, 4]))) == ("float32", False)
  assert dtype_weak(jnp.nanmax(jnp.array([3, 1]))) == ("int32", False)
  assert dtype_weak(jnp.ptp(jnp.array([[1, 5], [3, -2]]))) == ("int32", False)


# ----------------------------------------------------------------------------------------------
# Statistics
# ----------------------------------------------------------------------------------------------
@examples(5)
@given(seed=SEEDS)
def test_cov_corrcoef_match_numpy(seed):
  m = rnd(seed, (3, 6)).astype(np.float64)
  y = rnd(seed + 1, (2, 6)).astype(np.float64)
  fw = np.random.default_rng(seed).integers(1, 4, 6)
  aw = np.random.default_rng(seed).uniform(0.5, 2, 6)
  tol = dict(rtol=2e-4, atol=2e-5)
  close(jnp.cov(m), np.cov(m), **tol)
  close(jnp.cov(m, y), np.cov(m, y), **tol)
  close(jnp.cov(m.T, rowvar=False, bias=True), np.cov(m.T, rowvar=False, bias=True), **tol)
  close(jnp.cov(m, ddof=0), np.cov(m, ddof=0), **tol)
  close(jnp.cov(m, fweights=fw), np.cov(m, fweights=fw), **tol)
  close(jnp.cov(m, aweights=aw), np.cov(m, aweights=aw), **tol)
  close(jnp.cov(m, fweights=fw, aweights=aw), np.cov(m, fweights=fw, aweights=aw), **tol)
  close(jnp.cov(m[0]), np.cov(m[0]), **tol)
  close(jnp.corrcoef(m), np.corrcoef(m), **tol)
  close(jnp.corrcoef(m[0], m[1]), np.corrcoef(m[0], m[1]), **tol)


def test_cov_dtypes_and_errors():
  assert dtype_weak(jnp.cov(jnp.array([0, 1, 2, 5]))) == ("float32", False)
  assert jnp.cov(jnp.array([0, 1, 2, 5])).shape == ()
  with pytest.raises(ValueError, match="more than 2 dimensions"):
    jnp.cov(jnp.ones((2, 2, 2)))


# ----------------------------------------------------------------------------------------------
# Convolution and polynomials
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("n,m", [(5, 3), (3, 5), (4, 4), (1, 3), (6, 1), (2, 7)])
def test_convolve_correlate_match_numpy(mode, n, m):
  a, v = rnd(n, (n,)), rnd(m + 10, (m,))
  close(jnp.convolve(a, v, mode), np.convolve(a, v, mode), rtol=1e-5, atol=1e-5)
  close(jnp.correlate(a, v, mode), np.correlate(a, v, mode), rtol=1e-5, atol=1e-5)
  ac = (a + 1j * rnd(1, (n,))).astype(np.complex64)
  vc = (v - 1j * rnd(2, (m,))).astype(np.complex64)
  close(jnp.correlate(ac, vc, mode), np.correlate(ac, vc, mode), rtol=1e-5, atol=1e-5)


def test_convolve_dtype_and_errors():
  assert dtype_weak(jnp.convolve(jnp.array([1, 2, 3]), jnp.array([0, 1, 5]))) == (
      "float32", False)
  with pytest.raises(ValueError, match="only support 1-dimensional"):
    jnp.convolve(jnp.ones((1, 2)), jnp.ones(1))
  with pytest.raises(ValueError, match="mode must be one of"):
    jnp.convolve(jnp.ones(3), jnp.ones(2), mode="middle")


@examples(5)
@given(seed=SEEDS)
def test_polynomials_match_numpy(seed):
  p, q = rnd(seed, (4,)), rnd(seed + 1, (3,))
  x = rnd(seed + 2, (5,))
  close(jnp.polyval(p, x), np.polyval(p, x), rtol=1e-5, atol=1e-5)
  close(jnp.polyadd(p, q), np.polyadd(p, q))
  close(jnp.polysub(p, q), np.polysub(p, q))
  close(jnp.polymul(p, q), np.polymul(p, q), rtol=1e-5, atol=1e-5)
  close(jnp.polyder(p), np.polyder(p))
  close(jnp.polyder(p, 2), np.polyder(p, 2))
  close(jnp.polyint(p), np.polyint(p))
  close(jnp.polyint(p, 2, k=[1., 2.]), np.polyint(p, 2, k=[1., 2.]))
  xs = np.linspace(-1, 1, 9)
  ys = np.polyval([0.5, -1, 2], xs) + rnd(seed, (9,)) * 0.1
  close(jnp.polyfit(xs.astype(np.float32), ys.astype(np.float32), 2), np.polyfit(xs, ys, 2),
        rtol=1e-3, atol=1e-4)
  w = np.abs(rnd(seed + 3, (9,))) + 0.5
  close(jnp.polyfit(xs.astype(np.float32), ys.astype(np.float32), 1, w=w.astype(np.float32)),
        np.polyfit(xs, ys, 1, w=w), rtol=1e-3, atol=1e-4)
  close(jnp.vander(x), np.vander(x), rtol=1e-5)
  close(jnp.vander(x, 3, increasing=True), np.vander(x, 3, increasing=True), rtol=1e-5)


def test_polyfit_cov_and_2d(x64):
  xs = np.linspace(0, 4, 7)
  ys = np.stack([xs ** 2 - xs, np.sin(xs)], 1)
  close(jnp.polyfit(xs, ys, 2), np.polyfit(xs, ys, 2), rtol=1e-8)
  c, v = jnp.polyfit(xs, ys[:, 1], 1, cov=True)
  c_ref, v_ref = np.polyfit(xs, ys[:, 1], 1, cov=True)
  close(c, c_ref, rtol=1e-8)
  close(v, v_ref, rtol=1e-6)


@examples(5)
@given(seed=SEEDS)
def test_interp_unwrap_gradient_match_numpy(seed):
  xp = np.sort(rnd(seed, (6,), -3, 3))
  fp = rnd(seed + 1, (6,))
  x = rnd(seed + 2, (8,), -4, 4)
  close(jnp.interp(x, xp, fp), np.interp(x, xp, fp), rtol=1e-5, atol=1e-5)
  close(jnp.interp(x, xp, fp, left=-9., right=9.), np.interp(x, xp, fp, left=-9., right=9.),
        rtol=1e-5, atol=1e-5)
  close(jnp.interp(x, xp, fp, period=2.5), np.interp(x, xp, fp, period=2.5), rtol=1e-4,
        atol=1e-4)
  ph = np.cumsum(rnd(seed, (3, 7), -4, 4), axis=-1)
  close(jnp.unwrap(ph), np.unwrap(ph), rtol=1e-5, atol=1e-4)
  close(jnp.unwrap(ph, axis=0), np.unwrap(ph, axis=0), rtol=1e-5, atol=1e-4)
  close(jnp.unwrap(ph, discont=4.), np.unwrap(ph, discont=4.), rtol=1e-5, atol=1e-4)
  close(jnp.unwrap(ph, period=5.), np.unwrap(ph, period=5.), rtol=1e-5, atol=1e-4)
  f = rnd(seed, (5, 6))
  coords = np.cumsum(np.abs(rnd(seed + 5, (6,))) + 0.2)
  for got, ref in zip(jnp.gradient(f), np.gradient(f)):
    close(got, ref, rtol=1e-5, atol=1e-5)
  close(jnp.gradient(f, 2., axis=1), np.gradient(f, 2., axis=1), rtol=1e-5, atol=1e-5)
  close(jnp.gradient(f, coords, axis=1), np.gradient(f, coords, axis=1), rtol=1e-4, atol=1e-4)
  close(jnp.gradient(f, axis=1, edge_order=2), np.gradient(f, axis=1, edge_order=2),
        rtol=1e-5, atol=1e-5)
  close(jnp.gradient(f, coords, axis=1, edge_order=2),
        np.gradient(f, coords, axis=1, edge_order=2), rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------------------------
# Grids and ranges
# ----------------------------------------------------------------------------------------------
def test_grids_and_ranges_match_numpy():
  a, b, c = np.arange(3.), np.arange(2.) + 4, np.arange(4) + 6
  for indexing in ("xy", "ij"):
    for sparse in (False, True):
      for got, ref in zip(jnp.meshgrid(a, b, c, indexing=indexing, sparse=sparse),
                          np.meshgrid(a, b, c, indexing=indexing, sparse=sparse)):
        assert got.shape == ref.shape
        close(got, ref)
  close(jnp.logspace(0., 2., 5), np.logspace(0., 2., 5), rtol=1e-5)
  close(jnp.logspace(0., 2., 4, endpoint=False, base=2.),
        np.logspace(0., 2., 4, endpoint=False, base=2.), rtol=1e-5)
  close(jnp.logspace(np.array([0., 1.]), 2., 3, axis=1),
        np.logspace(np.array([0., 1.]), 2., 3, axis=1), rtol=1e-5)
  close(jnp.geomspace(1., 1000., 4), np.geomspace(1., 1000., 4), rtol=1e-5)
  close(jnp.geomspace(-1., -1000., 4, endpoint=False),
        np.geomspace(-1., -1000., 4, endpoint=False), rtol=1e-5)
  assert dtype_weak(jnp.logspace(0, 2, 3)) == ("float32", False)
  np.testing.assert_array_equal(jnp.mgrid[0:3, 0:2], np.mgrid[0:3, 0:2])
  close(jnp.mgrid[-1:1:3j, 0:2:3j], np.mgrid[-1:1:3j, 0:2:3j])
  close(jnp.mgrid[0:1:5j], np.mgrid[0:1:5j])
  for got, ref in zip(jnp.ogrid[0:3, 0:2], np.ogrid[0:3, 0:2]):
    np.testing.assert_array_equal(got, ref)
  np.testing.assert_array_equal(jnp.r_[jnp.array([1, 2]), 3, jnp.array([4])], [1, 2, 3, 4])
  np.testing.assert_array_equal(jnp.r_[0:4, 7], np.r_[0:4, 7])
  close(jnp.r_[-1:1:5j], np.r_[-1:1:5j])
  np.testing.assert_array_equal(jnp.r_["0,2", [1, 2], [3, 4]], np.r_["0,2", [1, 2], [3, 4]])
  np.testing.assert_array_equal(jnp.r_["0,2,0", [1, 2], [3, 4]],
                                np.r_["0,2,0", [1, 2], [3, 4]])
  np.testing.assert_array_equal(jnp.c_[jnp.array([1, 2]), jnp.array([3, 4])],
                                np.c_[np.array([1, 2]), np.array([3, 4])])
  np.testing.assert_array_equal(jnp.c_[jnp.array([[1, 2]]), 5, 6], np.c_[np.array([[1, 2]]), 5, 6])


# ----------------------------------------------------------------------------------------------
# Array manipulation
# ----------------------------------------------------------------------------------------------
def test_manipulation_matches_numpy():
  x = np.arange(12).reshape(3, 4).astype(np.int32)
  cases = [
      (lambda m: m.append(x, m.array([[9, 9, 9, 9]]), axis=0)),
      (lambda m: m.append(x, m.array([7, 8]))),
      (lambda m: m.insert(x, 1, 9, axis=1)),
      (lambda m: m.insert(x, 1, m.array([7, 8, 9]), axis=1)),
      (lambda m: m.insert(x, 2, m.array([7, 8, 9, 10]), axis=0)),
      (lambda m: m.insert(x, m.array([0, 2, 4]), 5, axis=1)),
      (lambda m: m.insert(x, m.array([3, 0]), m.array([7, 8]))),
      (lambda m: m.insert(x, slice(0, 2), -1, axis=1)),
      (lambda m: m.insert(x, -1, 5)),
      (lambda m: m.delete(x, 1, axis=1)),
      (lambda m: m.delete(x, m.array([0, 2]), axis=0)),
      (lambda m: m.delete(x, slice(1, 3), axis=1)),
      (lambda m: m.delete(x, -1)),
      (lambda m: m.resize(x, (5, 3))),
      (lambda m: m.resize(x[0], 7)),
      (lambda m: m.rot90(x)),
      (lambda m: m.rot90(x, 2)),
      (lambda m: m.rot90(x, -1)),
      (lambda m: m.rot90(m.reshape(m.arange(24), (2, 3, 4)), 1, (1, 2))),
      (lambda m: m.block([[x, x[:, :1]], [x[:1], x[:1, :1]]])),
      (lambda m: m.block([m.array([1, 2]), m.array([3])])),
      (lambda m: m.block([[m.array([1, 2])], [m.array([3, 4])]])),
      (lambda m: m.block([[1, 2], [3, 4]])),
      (lambda m: m.trim_zeros(m.array([0, 0, 1, 2, 0, 3, 0]))),
      (lambda m: m.trim_zeros(m.array([0, 0, 1, 2, 0, 3, 0]), "f")),
      (lambda m: m.trim_zeros(m.array([0, 0, 1, 2, 0, 3, 0]), "b")),
  ]
  for case in cases:
    got, ref = case(jnp), case(np)
    assert got.shape == ref.shape, case
    np.testing.assert_array_equal(got, ref)


def test_fill_diagonal_matches_numpy():
  for shape, val, wrap in [((3, 3), 5., False), ((3, 3), [1., 2.], False), ((5, 2), 1., False),
                           ((5, 2), [1., 2., 3.], True), ((2, 4), [1., 2.], False),
                           ((2, 2, 2), 3., False)]:
    ref = np.zeros(shape, np.float32)
    np.fill_diagonal(ref, val, wrap=wrap)
    close(jnp.fill_diagonal(jnp.zeros(shape), jnp.asarray(val), wrap=wrap, inplace=False), ref)
  with pytest.raises(NotImplementedError, match="must use inplace=False"):
    jnp.fill_diagonal(jnp.zeros((2, 2)), 1.)


def test_manipulation_errors():
  with pytest.raises(ValueError, match="Axes must be different"):
    jnp.rot90(jnp.ones((2, 2)), 1, (1, 1))
  with pytest.raises(ValueError, match="List depths are mismatched"):
    jnp.block([[1, 2], 3])
  with pytest.raises(IndexError):
    jnp.delete(jnp.arange(4), 7)
  with pytest.raises(numjax.errors.ConcretizationTypeError):
    numjax.jit(lambda i: jnp.delete(jnp.arange(4), i))(1)


# ----------------------------------------------------------------------------------------------
# vectorize and apply_along_axis
# ----------------------------------------------------------------------------------------------
def test_vectorize():
  close(jnp.vectorize(lambda a, b: a + 2 * b)(jnp.array([1., 2.]), jnp.array([[1.], [2.], [3.]])),
        np.array([1., 2.]) + 2 * np.array([[1.], [2.], [3.]]))
  close(jnp.vectorize(jnp.dot, signature="(n),(n)->()")(jnp.ones((3, 2)), jnp.arange(2.)),
        [1., 1., 1.])
  close(jnp.vectorize(lambda x: x[::-1], signature="(n)->(n)")(jnp.arange(6.).reshape(2, 3)),
        [[2., 1., 0.], [5., 4., 3.]])
  close(jnp.vectorize(lambda x, p: x ** p, excluded={1})(jnp.arange(3.), 2), [0., 1., 4.])
  a, b = jnp.vectorize(lambda x: (x, 2 * x), signature="()->(),()")(jnp.arange(3.))
  close(b, [0., 2., 4.])
  mm = jnp.vectorize(lambda a, b: a @ b, signature="(m,n),(n,k)->(m,k)")
  assert mm(jnp.ones((4, 2, 3)), jnp.ones((3, 5))).shape == (4, 2, 5)
  with pytest.raises(ValueError, match="does not match core dimensions"):
    jnp.vectorize(lambda x: x, signature="(n)->()")(jnp.arange(6.).reshape(2, 3))
  with pytest.raises(ValueError, match="not a valid gufunc signature"):
    jnp.vectorize(lambda x: x, signature="(n->()")


def test_apply_along_axis_matches_numpy():
  x = rnd(0, (2, 3, 4))
  for axis in (0, 1, 2, -1):
    close(jnp.apply_along_axis(jnp.sum, axis, x), np.apply_along_axis(np.sum, axis, x),
          rtol=1e-5)
  f = lambda v: v[:2] * 2
  close(jnp.apply_along_axis(f, 1, x), np.apply_along_axis(f, 1, x))


# ----------------------------------------------------------------------------------------------
# einsum
# ----------------------------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("iii->i", [(3, 3, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,i->i", [(3,), (3,)]),
    ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(5, 2, 3), (1, 3, 4)]),
    ("bij,bjk,bkl->bil", [(2, 3, 4), (2, 4, 5), (2, 5, 2)]),
    ("ij,jk,kl,lm->im", [(2, 3), (3, 4), (4, 5), (5, 2)]),
    ("ab,cd,bc->ad", [(2, 3), (4, 5), (3, 4)]),
    ("ijk,ikj->i", [(2, 3, 4), (2, 4, 3)]),
    ("ij,kj->ik", [(2, 3), (4, 3)]),
    ("i,j,k", [(2,), (3,), (4,)]),
    ("abc,cd,db->a", [(2, 3, 4), (4, 5), (5, 3)]),
    (",i->i", [(), (3,)]),
    ("ij,ij,ij->i", [(2, 3), (2, 3), (2, 3)]),
    ("ijk,jil->kl", [(3, 2, 4), (2, 3, 5)]),
]


@pytest.mark.parametrize("spec,shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_matches_numpy(spec, shapes):
  ops = [rnd(i, s) for i, s in enumerate(shapes)]
  ref = np.einsum(spec, *[o.astype(np.float64) for o in ops])
  for optimize in ("auto", "greedy", False):
    close(jnp.einsum(spec, *ops, optimize=optimize), ref, rtol=1e-4, atol=1e-4)


def test_einsum_paths_dtypes_and_forms():
  a, b, c = jnp.ones((2, 30)), jnp.ones((30, 40)), jnp.ones((40, 2))
  path, info = jnp.einsum_path("ij,jk,kl->il", a, b, c)
  assert path == [(1, 2), (0, 1)]    # JAX (opt_einsum) picks the same order
  assert "Complete contraction" in info
  assert jnp.einsum_path("ab,cd,bc->ad", jnp.ones((2, 3)), jnp.ones((4, 5)),
                         jnp.ones((3, 4)))[0] == [(0, 2), (0, 1)]
  close(jnp.einsum("ij,jk,kl->il", a, b, c, optimize=[(1, 2), (0, 1)]), np.full((2, 2), 1200.))
  ints = jnp.einsum("ij,j->i", jnp.ones((2, 3), jnp.int32), jnp.array([1, 2, 3]))
  assert dtype_weak(ints) == ("int32", False)
  assert dtype_weak(jnp.einsum("ij,j->i", jnp.ones((2, 3)), jnp.array([1, 2, 3]))) == (
      "float32", False)
  close(jnp.einsum(jnp.ones((2, 3)), [0, 1], jnp.ones((3, 4)), [1, 2], [0, 2]),
        np.full((2, 4), 3.))
  close(jnp.einsum(jnp.ones((2, 3)), [Ellipsis, 1], jnp.ones((3,)), [1], [Ellipsis]), [3., 3.])
  cplx = jnp.einsum("ij,jk->ik", jnp.array([[1 + 1j, 2]]), jnp.array([[1j], [2.]]))
  close(cplx, [[3 + 1j]])


def test_einsum_errors():
  with pytest.raises(ValueError, match="inconsistent sizes"):
    jnp.einsum("ij,jk->ik", jnp.ones((2, 3)), jnp.ones((4, 4)))
  with pytest.raises(ValueError, match="does not appear in the inputs"):
    jnp.einsum("ij,jk->il", jnp.ones((2, 3)), jnp.ones((3, 4)))
  with pytest.raises(ValueError, match="more than once"):
    jnp.einsum("ij->ii", jnp.ones((2, 3)))
  with pytest.raises(ValueError, match="2 input subscripts given for 1 operands"):
    jnp.einsum("ij,jk->ik", jnp.ones((2, 3)))
  with pytest.raises(ValueError, match="for an operand of rank 2"):
    jnp.einsum("ijk->ij", jnp.ones((2, 3)))


# ----------------------------------------------------------------------------------------------
# Transformations: jit vs eager, vmap vs a loop, gradients vs finite differences
# ----------------------------------------------------------------------------------------------
X = rnd(11, (3, 4), 0.1, 0.9)

TRANSFORM_CASES = {
    "logaddexp2": lambda v: jnp.logaddexp2(v, 2 * v),
    "fmax": lambda v: jnp.fmax(v, 0.5),
    "float_power": lambda v: jnp.float_power(v, 1.5),
    "ldexp": lambda v: jnp.ldexp(v, 2),
    "i0": jnp.i0,
    "nanmean": lambda v: jnp.nanmean(v, axis=0),
    "nanvar": lambda v: jnp.nanvar(v, axis=-1),
    "nanmax": lambda v: jnp.nanmax(v, 0),
    "ptp": lambda v: jnp.ptp(v, 1),
    "cov": jnp.cov,
    "corrcoef": jnp.corrcoef,
    "convolve": lambda v: jnp.convolve(v[0], v[1]),
    "correlate": lambda v: jnp.correlate(v[0], v[1][:2], "same"),
    "polyval": lambda v: jnp.polyval(v[0], v[1]),
    "polymul": lambda v: jnp.polymul(v[0], v[1]),
    "vander": lambda v: jnp.vander(v[0]),
    "unwrap": lambda v: jnp.unwrap(10 * v),
    "gradient": lambda v: jnp.gradient(v, axis=1),
    "interp": lambda v: jnp.interp(v[0], jnp.array([0., 0.5, 1.]), v[1][:3]),
    "rot90": jnp.rot90,
    "insert": lambda v: jnp.insert(v, 1, 5., axis=1),
    "delete": lambda v: jnp.delete(v, jnp.array([0, 2]), axis=1),
    "fill_diagonal": lambda v: jnp.fill_diagonal(v, 2., inplace=False),
    "block": lambda v: jnp.block([[v, v], [v, v]]),
    "resize": lambda v: jnp.resize(v, (5, 5)),
    "einsum": lambda v: jnp.einsum("ij,kj->ik", v, v),
    "einsum3": lambda v: jnp.einsum("ij,jk,kl->il", v, v.T, v),
    "einsum_diag": lambda v: jnp.einsum("ii->i", v[:, :3]),
    "vectorize": lambda v: jnp.vectorize(jnp.dot, signature="(n),(n)->()")(v, v),
    "apply_along_axis": lambda v: jnp.apply_along_axis(jnp.sum, 1, v),
}


@pytest.mark.parametrize("name", list(TRANSFORM_CASES))
def test_jit_and_vmap_agree_with_eager(name):
  f = TRANSFORM_CASES[name]
  eager = f(X)
  close(numjax.jit(f)(X), eager, rtol=1e-5, atol=1e-6)
  xs = np.stack([X, X[::-1] * 0.9])
  batched = numjax.vmap(f)(xs)
  for i in range(2):
    close(batched[i], f(xs[i]), rtol=1e-5, atol=1e-6)


def test_frexp_gcd_under_transformations():
  x = np.array([0.3, 5., -7.25, 0.], np.float32)
  m, e = numjax.jit(jnp.frexp)(x)
  close(m, np.frexp(x)[0])
  np.testing.assert_array_equal(e, np.frexp(x)[1])
  a = np.array([[12, 18], [7, 21]], np.int32)
  b = np.array([[8, 27], [0, 14]], np.int32)
  np.testing.assert_array_equal(numjax.vmap(jnp.gcd)(a, b), np.gcd(a, b))
  np.testing.assert_array_equal(numjax.jit(jnp.lcm)(a, b), np.lcm(a, b))


GRAD_CASES = {
    "logaddexp2": lambda v: jnp.logaddexp2(v, 2 * v),
    "float_power": lambda v: jnp.float_power(v, 1.5),
    "i0": jnp.i0,
    "nanmean": lambda v: jnp.nanmean(v, axis=0),
    "nanstd": lambda v: jnp.nanstd(v, axis=-1, ddof=1),
    "cov": jnp.cov,
    "corrcoef": jnp.corrcoef,
    "convolve": lambda v: jnp.convolve(v[0], v[1], "same"),
    "correlate": lambda v: jnp.correlate(v[0], v[1][:3]),
    "polyval": lambda v: jnp.polyval(v[0], v[1]),
    "vander": lambda v: jnp.vander(v[0]),
    "gradient": lambda v: jnp.gradient(v, axis=1),
    "interp": lambda v: jnp.interp(v[0], jnp.array([0., 0.5, 1.]), v[1][:3]),
    "insert": lambda v: jnp.insert(v, 1, v[:, 0] * 2, axis=1),
    "fill_diagonal": lambda v: jnp.fill_diagonal(v, v[0, :2], inplace=False),
    "einsum3": lambda v: jnp.einsum("ij,jk,kl->il", v, v.T, v),
    "einsum_diag": lambda v: jnp.einsum("ii,ij->j", v[:, :3], v),
    "vectorize": lambda v: jnp.vectorize(jnp.dot, signature="(n),(n)->()")(v, v),
}


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradients_match_finite_differences(name, x64):
  x = np.asarray(X, np.float64)
  check_grads(GRAD_CASES[name], (x,), order=1, modes=("fwd", "rev"), atol=1e-5, rtol=1e-5)


def test_einsum_second_order(x64):
  a, b = rnd(1, (2, 3)).astype(np.float64), rnd(2, (3, 4)).astype(np.float64)
  check_grads(lambda a, b: jnp.einsum("ij,jk->ik", a, b) ** 2, (a, b), order=2,
              atol=1e-5, rtol=1e-5)


# ----------------------------------------------------------------------------------------------
# Smaller functions: windows, bit counts, spacing, polynomial roots, index expressions, ...
# ----------------------------------------------------------------------------------------------
def test_windows_match_numpy():
  for m in (0, 1, 2, 5, 8):
    for name in ("bartlett", "blackman", "hamming", "hanning"):
      close(getattr(jnp, name)(m), getattr(np, name)(m), atol=1e-6)
    close(jnp.kaiser(m, 2.5), np.kaiser(m, 2.5), rtol=1e-5, atol=1e-6)
  assert jnp.hamming(5).dtype == np.float32


def test_small_functions_match_numpy():
  ints = np.array([-3, 7, 0, 255], np.int32)
  np.testing.assert_array_equal(jnp.bitwise_count(ints), np.bitwise_count(ints))
  assert jnp.bitwise_count(ints).dtype == np.uint8
  x = np.array([1., -1., 1e-30, 3e38, -7.5], np.float32)
  close(jnp.spacing(x), np.spacing(x), rtol=0)
  v = np.arange(4).reshape(2, 2)
  np.testing.assert_array_equal(jnp.diagflat(v), np.diagflat(v))
  np.testing.assert_array_equal(jnp.diagflat(v[0], -1), np.diagflat(v[0], -1))
  a = np.arange(24.).reshape(2, 3, 4)
  for got, ref in zip(jnp.dsplit(a, 2), np.dsplit(a, 2)):
    np.testing.assert_array_equal(got, ref)
  for axis, start in [(2, 0), (0, 2), (1, 3), (-1, 1)]:
    assert jnp.rollaxis(a, axis, start).shape == np.rollaxis(a, axis, start).shape
  for got, ref in zip(jnp.unstack(a, axis=1), [a[:, i] for i in range(3)]):
    np.testing.assert_array_equal(got, ref)
  close(jnp.apply_over_axes(jnp.sum, a, [0, 2]), np.apply_over_axes(np.sum, a, [0, 2]))
  close(jnp.fromfunction(lambda i, j: i + 2 * j, (2, 3)),
        np.fromfunction(lambda i, j: i + 2 * j, (2, 3)))
  m, w = rnd(0, (2, 3, 4)), rnd(1, (4,))
  close(jnp.matvec(m, w), np.einsum("...ij,...j->...i", m, w), rtol=1e-5)
  close(jnp.vecmat(rnd(2, (3,)), m), np.einsum("...i,...ij->...j", rnd(2, (3,)), m), rtol=1e-5)
  c1 = np.array([1 + 1j, 2], np.complex64)
  c2 = np.array([1j, 3], np.complex64)
  close(jnp.vecdot(c1, c2), np.vdot(c1, c2))
  assert jnp.s_[1:2, ::3] == np.s_[1:2, ::3] and jnp.index_exp[1:2] == np.index_exp[1:2]
  assert jnp.isdtype(jnp.float32, "real floating") and jnp.isdtype(jnp.int8, ("bool", "integral"))
  assert not jnp.isdtype(jnp.float32, "integral") and jnp.isdtype(jnp.complex64, "numeric")
  assert jnp.iterable([1]) and not jnp.iterable(1)
  assert jnp.double is jnp.float64 and jnp.single is jnp.float32


def test_poly_polydiv_roots_match_numpy():
  r = np.array([1., 2., 3.], np.float32)
  close(jnp.poly(r), np.poly(r), rtol=1e-5)
  close(jnp.poly(np.array([[1., 2.], [3., 4.]])), np.poly(np.array([[1., 2.], [3., 4.]])),
        rtol=1e-4, atol=1e-4)
  for u, v in [([1., 3., 2.], [1., 1.]), ([1., 3., 2.], [2., 1.]), ([4., 1.], [1., 2., 3.])]:
    q, rem = jnp.polydiv(np.array(u, np.float32), np.array(v, np.float32))
    q_ref, r_ref = np.polydiv(u, v)
    close(q, q_ref, atol=1e-6)
    close(np.trim_zeros(np.asarray(rem), "f") if np.any(rem) else [0.],
          r_ref if np.any(r_ref) else [0.], atol=1e-5)
  for p in ([1., -3., 2.], [0., 1., -3., 2., 0.], [1., 0., 1.], [2., -6., 4., 0.]):
    got = np.sort_complex(np.asarray(jnp.roots(np.array(p, np.float32))))
    close(got, np.sort_complex(np.roots(p)), atol=1e-5)
  jitted = numjax.jit(lambda p: jnp.roots(p, strip_zeros=False))(np.array([1., -3., 2.]))
  close(np.sort_complex(np.asarray(jitted)), [1., 2.], atol=1e-5)
  with pytest.raises(numjax.errors.ConcretizationTypeError):
    numjax.jit(jnp.roots)(np.array([1., -3., 2.]))


def test_linspace_integer_dtype_rounds_down_as_jax():
  # values recorded from JAX 0.10.2
  np.testing.assert_array_equal(jnp.linspace(-7.6, 1, 3, endpoint=False, dtype=jnp.int32),
                                [-8, -5, -2])
  np.testing.assert_array_equal(jnp.linspace(-7.6, 1, 4, dtype=jnp.int32), [-8, -5, -2, 1])
  np.testing.assert_array_equal(jnp.linspace(0, 10, 4, dtype=jnp.uint8), [0, 3, 6, 10])
  np.testing.assert_array_equal(jnp.linspace(-2.5, 2.5, 5, dtype=bool),
                                [True, True, False, True, True])


def test_eager_matmul_and_zeros_fast_paths_equal_staged():
  import numjax
  x = jnp.arange(6.).reshape(2, 3)
  y = jnp.arange(12.).reshape(3, 4) / 7
  eager, staged = x @ y, numjax.jit(lambda a, b: a @ b)(x, y)
  assert eager.dtype == staged.dtype and eager.weak_type == staged.weak_type
  np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged))   # same np.matmul
  w = jnp.asarray(2.0) * jnp.ones((2, 2))
  assert (w @ w).weak_type == numjax.jit(lambda a: a @ a)(w).weak_type
  for f in (lambda: jnp.zeros((2, 3)), lambda: jnp.ones(3, jnp.int32), lambda: jnp.zeros(())):
    e, s = f(), numjax.jit(f)()
    assert e.shape == s.shape and e.dtype == s.dtype and e.weak_type == s.weak_type
    np.testing.assert_array_equal(np.asarray(e), np.asarray(s))


@pytest.mark.parametrize("f", [
    lambda x: jnp.where(x > 2, x, 0.), lambda x: jnp.where(x, 1., 2.),
    lambda x: jnp.where(x[0] > 1, x, -x), lambda x: jnp.where(True, x, 1),
    lambda x: jnp.where(x > 2, x.astype(jnp.int32), 0.5)])
def test_eager_where_equals_staged(f):
  import numjax
  x = jnp.arange(6.).reshape(2, 3)
  e, s = f(x), numjax.jit(f)(x)
  assert e.dtype == s.dtype and e.weak_type == s.weak_type and e.shape == s.shape
  np.testing.assert_array_equal(np.asarray(e), np.asarray(s))
