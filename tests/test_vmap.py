"""vmap: in_axes/out_axes, pytrees, kwargs, composition with autodiff, errors."""
import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp


def _td_loss(theta, s_tm1, r_t, s_t):
  v_tm1 = jnp.dot(theta, s_tm1)
  target = r_t + jnp.dot(theta, s_t)
  return -0.5 * ((jax.lax.stop_gradient(target) - v_tm1) ** 2)


def test_basic_and_axes():
  assert repr(jax.vmap(lambda x: x * 2)(jnp.arange(3.))) == \
      "Array([0., 2., 4.], dtype=float32)"
  assert jax.vmap(lambda x, y: x @ y, in_axes=(0, None))(
      jnp.ones((4, 2, 3)), jnp.ones((3, 5))).shape == (4, 2, 5)
  out = jax.vmap(lambda x: x.sum(), in_axes=1)(jnp.arange(6.).reshape(2, 3))
  np.testing.assert_array_equal(np.asarray(out), [3., 5., 7.])
  x = jnp.arange(24.).reshape(2, 3, 4)
  out = jax.vmap(lambda v: v * 2, in_axes=-1, out_axes=1)(x)
  np.testing.assert_array_equal(np.asarray(out), np.moveaxis(np.asarray(x) * 2, -1, 1))


def test_out_axes_none_and_axis_size():
  a, b = jax.vmap(lambda x: (x, 1.), out_axes=(0, None))(jnp.arange(3.))
  assert float(b) == 1.0 and a.shape == (3,)
  out = jax.vmap(lambda x: x, in_axes=None, axis_size=2)(jnp.ones(3))
  assert out.shape == (2, 3)


def test_pytree_in_axes_and_kwargs():
  f = lambda d, s: d["a"] * s + d["b"]
  d = {"a": jnp.arange(3.), "b": jnp.array(1.)}
  out = jax.vmap(f, in_axes=({"a": 0, "b": None}, None))(d, 2.)
  np.testing.assert_array_equal(np.asarray(out), [1., 3., 5.])
  out = jax.vmap(lambda x, y: x + y)(jnp.arange(3.), y=jnp.ones(3))
  np.testing.assert_array_equal(np.asarray(out), [1., 2., 3.])


def test_per_example_gradients_match_loop():
  theta = jnp.array([0.1, -0.1, 0.])
  rng = np.random.default_rng(0)
  s_tm1, s_t = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal((5, 3)).astype(np.float32)
  r_t = rng.standard_normal(5).astype(np.float32)
  g = jax.vmap(jax.grad(_td_loss), in_axes=(None, 0, 0, 0))(theta, s_tm1, r_t, s_t)
  loop = np.stack([np.asarray(jax.grad(_td_loss)(theta, s_tm1[i], r_t[i], s_t[i]))
                   for i in range(5)])
  np.testing.assert_allclose(np.asarray(g), loop, rtol=1e-5)
  gj = jax.jit(jax.vmap(jax.grad(_td_loss), in_axes=(None, 0, 0, 0)))(theta, s_tm1, r_t, s_t)
  np.testing.assert_allclose(np.asarray(gj), loop, rtol=1e-5)


def test_vmap_of_vjp_and_jvp_give_jacobian():
  W = jnp.array([0.3, -0.2, 0.5])
  inputs = jnp.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15]])
  f = lambda W: jnp.tanh(jnp.dot(inputs, W))
  y, vjp_fun = jax.vjp(f, W)
  J_rev, = jax.vmap(vjp_fun)(jnp.eye(2))
  J_fwd = jax.vmap(lambda s: jax.jvp(f, (W,), (s,))[1], in_axes=1)(jnp.eye(3)).T
  np.testing.assert_allclose(np.asarray(J_rev), np.asarray(J_fwd), rtol=1e-5)
  np.testing.assert_allclose(np.asarray(jax.jacrev(f)(W)), np.asarray(J_rev), rtol=1e-6)


def test_nested_vmap_and_grad_of_vmap():
  f = lambda x, y: jnp.sin(x) * y
  x, y = jnp.arange(6.).reshape(2, 3), jnp.arange(3.)
  out = jax.vmap(jax.vmap(f, in_axes=(0, 0)), in_axes=(0, None))(x, y)
  np.testing.assert_allclose(np.asarray(out), np.sin(np.asarray(x)) * np.asarray(y), rtol=1e-6)
  g = jax.grad(lambda x: jnp.sum(jax.vmap(jnp.sin)(x)))(jnp.arange(3.))
  np.testing.assert_allclose(np.asarray(g), np.cos(np.arange(3.)), rtol=1e-6)


def test_unbatched_operands_stay_unbatched_in_jaxpr():
  text = str(jax.make_jaxpr(jax.vmap(lambda x, y: jnp.dot(x, y), in_axes=(0, None)))(
      jnp.ones((5, 3)), jnp.ones((3,))))
  assert "dimension_numbers=(([1], [0]), ([], []))" in text
  assert "broadcast_in_dim" not in text


@pytest.mark.parametrize("call, err, msg", [
    (lambda: jax.vmap(lambda x, y: x + y)(jnp.ones(2), jnp.ones(3)), ValueError,
     r"vmap got inconsistent sizes for array axes to be mapped:\n  \* one axis had size 2: "
     r"axis 0 of argument x of type float32\[2\];\n  \* one axis had size 3: axis 0 of "
     r"argument y of type float32\[3\]"),
    (lambda: jax.vmap(lambda x: x)(1.), ValueError,
     r"rank should be at least 1, but is only 0 \(its shape is \(\)\)"),
    (lambda: jax.vmap(lambda x: x, in_axes=None)(jnp.ones(3)), ValueError,
     "vmap must have at least one non-None value in in_axes"),
    (lambda: jax.vmap(lambda x: x, in_axes=2)(jnp.ones(3)), ValueError,
     "along axis 2, which implies that its rank should be at least 3"),
    (lambda: jax.vmap(lambda x: x, in_axes="a")(jnp.ones(3)), TypeError,
     "vmap in_axes must be an int, None, or"),
])
def test_errors(call, err, msg):
  with pytest.raises(err, match=msg):
    call()
