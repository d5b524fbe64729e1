"""numjax.random.binomial and multinomial.

Samples are bit-exact with JAX 0.10.2 (the same inversion / BTRS rejection samplers on the
same threefry bits): literals recorded from JAX. The distributions are also checked
statistically (mean and variance over many samples with fixed keys, so deterministic),
together with shapes, dtypes, edge cases, errors, jit and vmap.
"""
import numpy as np
import pytest

import numjax
import numjax.numpy as jnp
from numjax import random


def test_binomial_matches_jax_literals():
  k = random.key(42)
  out = random.binomial(k, jnp.array([3., 20., 200.]), jnp.array([0.3, 0.6, 0.05]), (2, 3))
  assert np.asarray(out).tolist() == [[1.0, 11.0, 9.0], [1.0, 9.0, 8.0]]
  out = random.binomial(random.PRNGKey(7), 1000., 0.7, (4,))   # BTRS (n q > 10)
  assert np.asarray(out).tolist() == [692.0, 684.0, 734.0, 672.0]
  out = random.binomial(random.key(0), 10., 0.3, (5,))
  assert np.asarray(out).tolist() == [2., 2., 1., 2., 1.]


def test_multinomial_matches_jax_literals():
  k = random.key(42)
  out = random.multinomial(k, jnp.array([10., 50.]), jnp.array([[0.1, 0.2, 0.7],
                                                               [0.5, 0.25, 0.25]]))
  assert np.asarray(out).tolist() == [[0.0, 1.0, 9.0], [31.0, 10.0, 9.0]]
  out = random.multinomial(random.key(0), jnp.array([10., 100.]), jnp.array([0.2, 0.3, 0.5]),
                           shape=(2, 3))
  assert np.asarray(out).tolist() == [[1., 1., 8.], [18., 29., 53.]]


def test_dtypes_and_weak_types(x64):
  k = random.key(42)
  out = random.binomial(k, 10, 0.5)
  assert out.dtype == np.float64 and not out.weak_type and float(out) == 7.
  out = random.multinomial(k, 5, jnp.array([0.5, 0.5]))
  assert out.dtype == np.float64 and np.asarray(out).tolist() == [3., 2.]
  out = random.multinomial(k, 5, jnp.array([0.5, 0.5]), dtype=jnp.int32)
  assert out.dtype == np.int32 and np.asarray(out).tolist() == [3, 2]


def test_default_dtype_float32_and_float16():
  k = random.key(42)
  assert random.binomial(k, 10, 0.5).dtype == np.float32
  out = random.binomial(k, 10, 0.5, dtype=jnp.float16)
  assert out.dtype == np.float16 and float(out) == 6.


@pytest.mark.parametrize("n,p", [(5., 0.3), (40., 0.5), (300., 0.9), (2000., 0.02),
                                 (1000., 0.45)])
def test_binomial_mean_and_variance(n, p):
  x = np.asarray(random.binomial(random.key(3), n, p, (4000,)), np.float64)
  assert x.min() >= 0 and x.max() <= n and np.all(x == np.round(x))
  mean, var = n * p, n * p * (1 - p)
  se = np.sqrt(var / x.size)
  assert abs(x.mean() - mean) < 5 * se
  assert abs(x.var() / var - 1) < 0.12


def test_multinomial_moments_and_totals():
  p = jnp.array([0.1, 0.2, 0.3, 0.4])
  x = np.asarray(random.multinomial(random.key(5), 30., p, shape=(3000, 4)), np.float64)
  assert x.shape == (3000, 4)
  np.testing.assert_array_equal(x.sum(-1), 30.)
  pn = np.asarray(p, np.float64)
  np.testing.assert_allclose(x.mean(0), 30 * pn, rtol=0.05)
  np.testing.assert_allclose(x.var(0), 30 * pn * (1 - pn), rtol=0.12)
  # the covariance of two counts is -n p_i p_j
  cov = np.cov(x[:, 0], x[:, 3])[0, 1]
  assert abs(cov - (-30 * 0.1 * 0.4)) < 0.25


def test_binomial_edge_cases():
  k = random.key(1)
  out = random.binomial(k, jnp.array([np.nan, -1., np.inf, 5., 5., 0., 7., 7.]),
                        jnp.array([0.5, 0.5, 0.5, np.nan, -0.1, 0.5, 0., 1.]))
  o = np.asarray(out)
  assert np.isnan(o[:2]).all() and o[2] == np.inf and np.isnan(o[3:5]).all()
  assert o[5:].tolist() == [0., 0., 7.]
  # a float count is floored, as np.random.binomial does
  assert np.asarray(random.binomial(k, 3.9, 1.0, (3,))).tolist() == [3., 3., 3.]


def test_shapes_and_broadcasting():
  k = random.key(0)
  assert random.binomial(k, jnp.ones((3, 1)) * 10, jnp.full((4,), 0.5)).shape == (3, 4)
  assert random.binomial(k, 10., 0.5, (2, 5)).shape == (2, 5)
  assert random.multinomial(k, 10., jnp.ones((2, 3)) / 3).shape == (2, 3)
  assert random.multinomial(k, jnp.array([1., 2.]), jnp.ones(4) / 4, shape=(2, 4)).shape == \
      (2, 4)


def test_errors():
  k = random.key(0)
  with pytest.raises(ValueError, match="dtype argument to `binomial` must be a float dtype, "
                                       "got int32"):
    random.binomial(k, 10., 0.5, dtype=jnp.int32)
  with pytest.raises(ValueError, match=r"Incompatible shapes for broadcasting: "
                                       r"shapes=\[\(2,\), \(3,\), \(\)\]"):
    random.binomial(k, jnp.ones(3), 0.5, shape=(2,))
  with pytest.raises(TypeError, match="binomial requires ndarray or scalar arguments"):
    random.binomial(k, [1.], 0.5)
  with pytest.raises(TypeError, match="multinomial requires ndarray or scalar arguments"):
    random.multinomial(k, 5., [0.5, 0.5])
  with pytest.raises(ValueError, match="binomial accepts a single key"):
    random.binomial(random.split(k, 2), 5., 0.5)


def test_jit_and_vmap():
  k = random.key(0)
  f = lambda key: random.binomial(key, 100., 0.4, (4,))
  np.testing.assert_array_equal(numjax.jit(f)(k), f(k))
  keys = random.split(k, 3)
  batched = numjax.vmap(f)(keys)
  np.testing.assert_array_equal(batched, np.stack([f(keys[i]) for i in range(3)]))
  g = lambda key, n: random.multinomial(key, n, jnp.array([0.3, 0.7]))
  ns = jnp.array([3., 30., 300.])
  np.testing.assert_array_equal(numjax.vmap(g, (None, 0))(k, ns),
                                np.stack([g(k, n) for n in ns]))
  np.testing.assert_array_equal(numjax.jit(g)(k, 30.), g(k, 30.))
