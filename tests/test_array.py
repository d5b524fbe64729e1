"""Array: printing, conversion, immutability, methods, as JAX has them."""
import threading

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp


def test_repr_and_str_match_jax():
  x = jnp.arange(3.)
  assert str(x) == "[0. 1. 2.]"
  assert repr(x) == "Array([0., 1., 2.], dtype=float32)"
  assert repr(jnp.array(2.5)) == "Array(2.5, dtype=float32, weak_type=True)"
  assert repr(jnp.array([[1, 2], [3, 4]], dtype=jnp.int8)) == \
      "Array([[1, 2],\n       [3, 4]], dtype=int8)"
  assert repr(jnp.array([True, False])) == "Array([ True, False], dtype=bool)"
  assert repr(jnp.zeros((0, 3))) == "Array([], shape=(0, 3), dtype=float32)"
  assert repr(jnp.array([1 + 2j])) == "Array([1.+2.j], dtype=complex64)"
  assert repr(jnp.arange(30.)).endswith("29.], dtype=float32)")
  assert f"{jnp.float32(2.5):.2f}" == "2.50"


def test_conversions():
  assert float(jnp.float32(2.5)) == 2.5 and int(jnp.int32(3)) == 3
  assert bool(jnp.array(True)) and jnp.array(7).item() == 7
  a = np.asarray(jnp.arange(3.))
  assert not a.flags.writeable
  np.testing.assert_array_equal(a, [0., 1., 2.])
  assert len(jnp.arange(4)) == 4
  assert [float(v) for v in jnp.arange(3.)] == [0., 1., 2.]
  assert repr(list(jnp.arange(2.))[1]) == "Array(1., dtype=float32)"


def test_immutable_and_unhashable():
  x = jnp.arange(3.)
  with pytest.raises(TypeError, match="JAX arrays are immutable"):
    x[0] = 1.
  with pytest.raises(TypeError, match="unhashable"):
    hash(x)


def test_methods():
  x = jnp.arange(6.).reshape(2, 3)
  assert x.T.shape == (3, 2) and x.reshape(3, 2).shape == (3, 2)
  assert float(x.sum()) == 15. and float(x.mean()) == 2.5
  assert repr(x.astype(jnp.int32)[1]) == "Array([3, 4, 5], dtype=int32)"
  np.testing.assert_array_equal(np.asarray(x.max(axis=0)), [3., 4., 5.])
  assert x.ndim == 2 and x.size == 6 and x.dtype == np.float32


def test_x64_flag():
  jax.config.update("jax_enable_x64", True)
  try:
    assert jnp.array(1.).dtype == np.float64
    assert (jnp.ones(2, jnp.float32) + 1.).dtype == np.float32
  finally:
    jax.config.update("jax_enable_x64", False)
  assert jnp.array(np.ones(2)).dtype == np.float32


def test_threads_run_nested_transformations_independently():
  f = lambda x: jnp.sum(jnp.tanh(x) ** 2)
  x = jnp.linspace(-1., 1., 5)
  expected = [np.asarray(jax.grad(f)(x * (i + 1))) for i in range(8)]
  expected_h = [np.asarray(jax.hessian(f)(x[:3] * (i + 1))) for i in range(8)]
  results = {}

  def work(i):
    for _ in range(5):
      g = jax.grad(f)(x * (i + 1))
      h = jax.jit(jax.hessian(f))(x[:3] * (i + 1))
      v = jax.vmap(jax.grad(f))(jnp.stack([x * (i + 1)] * 2))
    results[i] = (np.asarray(g), np.asarray(h), np.asarray(v))
  threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
  for t in threads:
    t.start()
  for t in threads:
    t.join()
  for i in range(8):
    np.testing.assert_allclose(results[i][0], expected[i], rtol=1e-6)
    np.testing.assert_allclose(results[i][1], expected_h[i], rtol=1e-5)
    np.testing.assert_allclose(results[i][2][0], expected[i], rtol=1e-6)


def test_tracer_errors():
  def f(x):
    if x > 0:
      return x
    return -x
  with pytest.raises(jax.errors.TracerBoolConversionError,
                     match="depends on the value of the argument x"):
    jax.jit(f)(1.)
  with pytest.raises(jax.errors.ConcretizationTypeError, match="The problem arose with the `int`"):
    jax.jit(lambda x: int(x))(1.)
  leak = []
  jax.jit(lambda x: leak.append(x) or x)(1.)
  with pytest.raises(jax.errors.UnexpectedTracerError):
    leak[0] + 1
  # Concrete values flow through grad, so Python control flow works there.
  assert float(jax.grad(f)(2.)) == 1.0 and float(jax.grad(f)(-2.)) == -1.0


def test_signbit_sees_negative_zero():
  assert bool(jnp.signbit(-0.)) and not bool(jnp.signbit(0.))
  assert float(jnp.copysign(1., -0.)) == -1.0


def test_isinstance_array_covers_tracers_and_keys_as_jax_array():
  import numjax
  assert numjax.jit(lambda x: isinstance(x, numjax.Array))(1.0)
  seen = []
  numjax.grad(lambda x: (seen.append(isinstance(x, numjax.Array)), x * x)[1])(1.0)
  numjax.vmap(lambda x: (seen.append(isinstance(x, numjax.Array)), x)[1])(numjax.numpy.ones(2))
  assert seen == [True, True]
  assert isinstance(numjax.random.key(0), numjax.Array)
  assert not isinstance(1.0, numjax.Array) and not isinstance(np.ones(2), numjax.Array)
  assert type(numjax.numpy.ones(2)) is numjax.Array   # still the concrete class
