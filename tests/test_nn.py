"""numjax.nn: activations vs NumPy formulas, JAX's custom JVPs at the kinks, softmax/log_softmax
with `where`, one_hot, standardize, and the initializers (against values recorded from JAX
0.10.2, which numjax.random reproduces bit for bit).
"""
import numpy as np
import pytest
import scipy.special as sps
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
import numjax.nn as nn
from numjax.test_util import check_grads

SEEDS = st.integers(0, 2**31 - 1)


def examples(n):
  return settings(max_examples=n, deadline=None, derandomize=True, database=None)


def close(a, b, rtol=1e-5, atol=1e-6):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def dtype_weak(x):
  return (str(x.dtype), bool(x.weak_type))


SELU_A, SELU_L = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _gelu_tanh(x):
  return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


REFS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0), 6),
    "sigmoid": sps.expit,
    "log_sigmoid": lambda x: -np.logaddexp(0, -x),
    "softplus": lambda x: np.logaddexp(x, 0),
    "soft_sign": lambda x: x / (np.abs(x) + 1),
    "silu": lambda x: x * sps.expit(x),
    "swish": lambda x: x * sps.expit(x),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "celu": lambda x: np.maximum(x, 0) + np.expm1(np.minimum(x, 0)),
    "selu": lambda x: SELU_L * np.where(x > 0, x, SELU_A * np.expm1(x)),
    "gelu": _gelu_tanh,
    "leaky_relu": lambda x: np.where(x >= 0, x, 0.01 * x),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "mish": lambda x: x * np.tanh(np.logaddexp(x, 0)),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
}


@pytest.mark.parametrize("name", list(REFS))
@examples(3)
@given(seed=SEEDS)
def test_activations_match_numpy(name, seed):
  x = np.random.default_rng(seed).uniform(-8, 8, (4, 5)).astype(np.float32)
  f = getattr(nn, name)
  out = f(x)
  assert out.dtype == np.float32 and out.shape == x.shape
  close(out, REFS[name](x.astype(np.float64)), rtol=1e-5, atol=1e-6)
  close(numjax.jit(f)(x), out)
  close(numjax.vmap(f)(x), out)


def test_gelu_exact_and_glu():
  x = np.linspace(-4, 4, 9).astype(np.float32)
  close(nn.gelu(x, approximate=False), x * 0.5 * sps.erfc(-x / np.sqrt(2)), rtol=1e-6)
  y = np.arange(8.).reshape(2, 4).astype(np.float32)
  close(nn.glu(y), y[:, :2] * sps.expit(y[:, 2:]))
  close(nn.glu(y, axis=0), y[:1] * sps.expit(y[1:]))
  with pytest.raises(ValueError, match="divisible by 2"):  # JAX raises AssertionError
    nn.glu(jnp.ones(3))


def test_kink_derivatives_follow_jax():
  g = numjax.grad
  assert float(g(nn.relu)(0.)) == 0. and float(g(nn.relu)(1.)) == 1.
  assert float(g(nn.relu6)(0.)) == 0. and float(g(nn.relu6)(6.)) == 0.
  assert float(g(nn.relu6)(3.)) == 1.
  assert float(g(nn.hard_sigmoid)(-3.)) == 0.
  assert float(g(nn.leaky_relu)(0.)) == 1.
  close(g(nn.elu)(0.), 1.)
  close(numjax.vmap(g(nn.relu))(jnp.array([-1., 0., 2.])), [0., 0., 1.])
  close(numjax.jit(g(nn.relu))(0.), 0.)
  # second derivative of relu is zero away from 0
  assert float(g(g(nn.relu))(2.)) == 0.


def test_activation_dtypes_match_jax():
  assert dtype_weak(nn.relu(1.0)) == ("float32", True)
  assert dtype_weak(nn.relu(jnp.array([-1, 0, 2]))) == ("int32", False)
  assert dtype_weak(nn.gelu(2)) == ("float32", False)
  assert dtype_weak(nn.gelu(jnp.array([-1, 0, 2]))) == ("float32", False)
  assert dtype_weak(nn.sigmoid(2.0)) == ("float32", True)
  assert dtype_weak(nn.softplus(1)) == ("float32", True)
  assert dtype_weak(nn.hard_tanh(jnp.array([-3, 0, 2]))) == ("int32", False)
  assert dtype_weak(nn.leaky_relu(jnp.array([-3, 0, 2]))) == ("float32", True)
  assert dtype_weak(nn.softmax(jnp.arange(6).reshape(2, 3))) == ("float32", False)
  assert dtype_weak(numjax.grad(nn.relu)(2.)) == ("float32", True)


@examples(5)
@given(seed=SEEDS)
def test_softmax_log_softmax_match_scipy(seed):
  x = np.random.default_rng(seed).uniform(-20, 20, (3, 4)).astype(np.float32)
  for axis in (-1, 0, None, (0, 1)):
    close(nn.softmax(x, axis=axis), sps.softmax(x, axis=axis), rtol=1e-5)
    close(nn.log_softmax(x, axis=axis), sps.log_softmax(x, axis=axis), rtol=1e-5, atol=1e-5)
  close(nn.logsumexp(x, axis=1), sps.logsumexp(x, axis=1), rtol=1e-6)
  close(nn.logmeanexp(x, axis=1), sps.logsumexp(x, axis=1) - np.log(4), rtol=1e-6)


def test_softmax_where():
  x = np.arange(6.).reshape(2, 3).astype(np.float32)
  mask = np.array([[True, False, True], [False, True, True]])
  out = nn.softmax(x, where=mask)
  ref = np.where(mask, np.exp(x) / np.sum(np.where(mask, np.exp(x), 0), -1, keepdims=True), 0)
  close(out, ref, rtol=1e-6)
  log_out = nn.log_softmax(x, where=mask)
  assert np.all(np.isneginf(np.asarray(log_out)[~mask]))
  close(np.asarray(log_out)[mask], np.log(ref[mask]), rtol=1e-6)
  g = numjax.grad(lambda v: nn.softmax(v, where=mask[0])[0])(x[0])
  y = ref[0]
  close(g, [y[0] * (1 - y[0]), 0., -y[0] * y[2]], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "gelu", "selu", "softplus",
                                  "log_sigmoid", "silu", "mish", "standardize", "logsumexp"])
def test_gradients_match_finite_differences(name, x64):
  x = np.random.default_rng(0).uniform(-3, 3, (3, 4))
  f = getattr(nn, name)
  check_grads(f, (x,), order=2, modes=("fwd", "rev"), atol=1e-5, rtol=1e-5)


def test_one_hot():
  close(nn.one_hot(jnp.array([0, 2, -1, 3]), 3), np.eye(3)[[0, 2]].tolist() + [[0] * 3] * 2)
  out = nn.one_hot(jnp.array([[0, 2], [1, 1]]), 3, axis=0)
  assert out.shape == (3, 2, 2)
  close(out, np.moveaxis(np.eye(3)[[[0, 2], [1, 1]]], -1, 0))
  assert dtype_weak(nn.one_hot(jnp.array([0, 2]), 3, dtype=jnp.int32)) == ("int32", False)
  assert dtype_weak(nn.one_hot(2, 4)) == ("float32", False)
  close(numjax.vmap(lambda i: nn.one_hot(i, 4))(jnp.array([1, 3])), np.eye(4)[[1, 3]])
  close(numjax.jit(nn.one_hot, static_argnums=1)(jnp.array([1, 0]), 2), np.eye(2)[[1, 0]])
  with pytest.raises(numjax.errors.ConcretizationTypeError):
    numjax.jit(nn.one_hot)(jnp.array([1]), 3)


def test_standardize():
  x = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float32)
  ref = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
  close(nn.standardize(x), ref, rtol=1e-4, atol=1e-5)
  close(nn.standardize(x, algorithm="stable"), ref, rtol=1e-5, atol=1e-6)
  ref0 = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5)
  close(nn.standardize(x, axis=0), ref0, rtol=1e-4, atol=1e-5)
  close(nn.standardize(x, mean=0., variance=1.), x / np.sqrt(1 + 1e-5), rtol=1e-6)
  with pytest.raises(ValueError, match="Unknown algorithm"):
    nn.standardize(x, algorithm="slow")


# ----------------------------------------------------------------------------------------------
# Initializers
# ----------------------------------------------------------------------------------------------
try:
  import numjax.random as random
  HAVE_RANDOM = hasattr(random, "PRNGKey") and hasattr(random, "truncated_normal")
except ImportError:  # pragma: no cover
  HAVE_RANDOM = False

needs_random = pytest.mark.skipif(not HAVE_RANDOM, reason="numjax.random is not available yet "
                                  "(initializers draw through it)")

I = nn.initializers

# Values recorded from JAX 0.10.2 (jax.nn.initializers with jax.random.PRNGKey).
JAX_INIT_VALUES = {
    "glorot_uniform": (lambda: I.glorot_uniform()(random.PRNGKey(0), (2, 3)),
                       [[0.98078930, 1.04851603, -0.36743096],
                        [-0.06864396, 0.15311849, -0.73284620]]),
}


@needs_random
def test_initializers_match_jax_values():
  for name, (make, expected) in JAX_INIT_VALUES.items():
    close(make(), expected, rtol=1e-6)


@needs_random
def test_initializer_shapes_dtypes_and_scales():
  key = random.PRNGKey(0)
  shape = (200, 300)
  fan_in, fan_out = 200, 300
  for init, var in [(I.glorot_uniform(), 2 / (fan_in + fan_out)),
                    (I.glorot_normal(), 2 / (fan_in + fan_out)),
                    (I.lecun_uniform(), 1 / fan_in), (I.lecun_normal(), 1 / fan_in),
                    (I.he_uniform(), 2 / fan_in), (I.he_normal(), 2 / fan_in),
                    (I.variance_scaling(3., "fan_out", "normal"), 3 / fan_out),
                    (I.variance_scaling(1., "fan_geo_avg", "uniform"),
                     1 / np.sqrt(fan_in * fan_out))]:
    w = init(key, shape)
    assert w.shape == shape and w.dtype == np.float32
    np.testing.assert_allclose(float(jnp.var(w)), var, rtol=0.05)
  w = I.he_normal()(key, (4, 5), jnp.float16)
  assert w.dtype == np.float16
  assert I.zeros(key, (2, 3)).dtype == np.float32
  assert I.ones(key, (2, 3), jnp.int32).dtype == np.int32
  close(I.constant(-7.)(key, (2,)), [-7., -7.])
  u = I.uniform(0.5)(key, (1000,))
  assert 0 <= float(u.min()) and float(u.max()) < 0.5
  t = I.truncated_normal(1., lower=-1., upper=0.5)(key, (1000,))
  assert -1 <= float(t.min()) and float(t.max()) <= 0.5
  conv = I.he_uniform(in_axis=-2, out_axis=-1)(key, (3, 3, 8, 16))
  np.testing.assert_allclose(float(jnp.var(conv)), 2 / (3 * 3 * 8), rtol=0.1)


@needs_random
def test_orthogonal_initializers():
  key = random.PRNGKey(3)
  for shape in [(3, 5), (5, 3), (4, 4)]:
    q = I.orthogonal()(key, shape)
    m = q @ q.T if shape[0] <= shape[1] else q.T @ q
    close(m, np.eye(min(shape)), atol=1e-5)
  q = I.orthogonal(2., column_axis=0)(key, (3, 2, 2))
  flat = np.moveaxis(np.asarray(q), 0, -1).reshape(4, 3)
  close(flat.T @ flat, 4 * np.eye(3), atol=1e-4)
  d = I.delta_orthogonal()(key, (3, 3, 2, 4))
  centre = np.asarray(d)[1, 1]
  close(centre @ centre.T, np.eye(2), atol=1e-5)
  assert float(jnp.abs(d).sum()) == pytest.approx(float(jnp.abs(d[1, 1]).sum()))


def test_initializer_errors():
  with pytest.raises(ValueError, match="Must be at least 2D"):
    I.glorot_uniform()(None, (3,))
  with pytest.raises(ValueError, match="invalid mode"):
    I.variance_scaling(1., "fan_sum", "normal")(None, (2, 2))
  with pytest.raises(ValueError, match="requires at least a 2D shape"):
    I.orthogonal()(None, (3,))


# ----------------------------------------------------------------------------------------------
# dot_product_attention
# ----------------------------------------------------------------------------------------------
def _attention_ref(q, k, v, bias=None, mask=None, scale=None, causal=False):
  B, T, N, H = q.shape
  S, K = k.shape[1], k.shape[2]
  k = np.repeat(k, N // K, axis=2)
  v = np.repeat(v, N // K, axis=2)
  logits = np.einsum("btnh,bsnh->bnts", q, k) * (1 / np.sqrt(H) if scale is None else scale)
  if bias is not None:
    logits = logits + bias
  keep = np.ones(logits.shape, bool)
  if mask is not None:
    keep &= np.broadcast_to(mask, logits.shape)
  if causal:
    keep &= np.tril(np.ones((T, S), bool))
  logits = np.where(keep, logits, -1e30)
  return np.einsum("bnts,bsnh->btnh", sps.softmax(logits, axis=-1), v)


def test_dot_product_attention_matches_reference():
  rng = np.random.default_rng(0)
  q = rng.normal(size=(2, 3, 4, 8)).astype(np.float32)
  k = rng.normal(size=(2, 5, 2, 8)).astype(np.float32)
  v = rng.normal(size=(2, 5, 2, 8)).astype(np.float32)
  bias = rng.normal(size=(1, 1, 3, 5)).astype(np.float32)
  mask = rng.random((2, 1, 3, 5)) < 0.7
  mask[..., 0] = True
  close(nn.dot_product_attention(q, k, v), _attention_ref(q, k, v), rtol=1e-5, atol=1e-5)
  close(nn.dot_product_attention(q, k, v, bias=bias, mask=mask, scale=0.5),
        _attention_ref(q, k, v, bias, mask, 0.5), rtol=1e-5, atol=1e-5)
  close(nn.dot_product_attention(q[0], k[0], v[0], is_causal=True),
        _attention_ref(q[:1], k[:1], v[:1], causal=True)[0], rtol=1e-5, atol=1e-5)
  out = nn.dot_product_attention(q, k, v, query_seq_lengths=jnp.array([2, 3]))
  assert float(jnp.abs(out[0, 2]).sum()) == 0.
  close(numjax.jit(nn.dot_product_attention)(q, k, v), _attention_ref(q, k, v), rtol=1e-5,
        atol=1e-5)
  with pytest.raises(ValueError, match="multiple of the number of key/value heads"):
    nn.dot_product_attention(q, k[:, :, :1].repeat(3, 2), v[:, :, :1].repeat(3, 2))


def test_dot_product_attention_gradients(x64):
  # As in JAX, the softmax runs in float32 even for float64 inputs: coarse differences.
  rng = np.random.default_rng(1)
  q, k, v = (rng.normal(size=(1, 3, 2, 4)) for _ in range(3))
  check_grads(lambda q, k, v: nn.dot_product_attention(q, k, v, is_causal=True), (q, k, v),
              order=1, modes=("fwd", "rev"), atol=2e-3, rtol=2e-3, eps=1e-3)
