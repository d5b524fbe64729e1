"""checkpoint / remat: same derivatives, residuals recomputed, policies, JAX's jaxpr text."""
import numpy as np

import numjax as jax
import numjax.numpy as jnp


def _f(x):
  return jnp.sin(jnp.sin(x))


def test_values_and_derivatives_match_unchecked():
  f = jax.checkpoint(_f)
  for x in (0.3, 1.0, -2.0):
    assert float(f(x)) == float(_f(x))
    np.testing.assert_allclose(float(jax.grad(f)(x)), float(jax.grad(_f)(x)), rtol=1e-6)
    np.testing.assert_allclose(float(jax.grad(jax.grad(f))(x)),
                               float(jax.grad(jax.grad(_f))(x)), rtol=1e-5)
  np.testing.assert_allclose(np.asarray(jax.vmap(jax.grad(f))(jnp.arange(3.))),
                             np.asarray(jax.vmap(jax.grad(_f))(jnp.arange(3.))), rtol=1e-6)
  np.testing.assert_allclose(float(jax.jit(jax.grad(f))(1.)), float(jax.grad(_f)(1.)), rtol=1e-6)
  assert float(jax.jvp(f, (1.,), (2.,))[1]) == float(jax.jvp(_f, (1.,), (2.,))[1])


def test_jaxpr_text_matches_jax():
  # Produced by jax 0.10.2: make_jaxpr(checkpoint(f)) and make_jaxpr(grad(checkpoint(f))).
  assert str(jax.make_jaxpr(jax.checkpoint(_f))(1.)) == """{ lambda ; a:f32[]. let
    b:f32[] = remat2[
      differentiated=False
      jaxpr={ lambda ; c:f32[]. let d:f32[] = sin c; e:f32[] = sin d in (e,) }
      policy=None
      prevent_cse=True
    ] a
  in (b,) }"""
  assert str(jax.make_jaxpr(jax.grad(jax.checkpoint(_f)))(1.)) == """{ lambda ; a:f32[]. let
    b:f32[] = sin a
    _:f32[] = sin b
    c:f32[] = remat2[
      differentiated=True
      jaxpr={ lambda ; d:f32[] e:f32[]. let
          f:f32[] = sin d
          g:f32[] = cos d
          h:f32[] = cos f
          i:f32[] = mul e h
          j:f32[] = mul i g
        in (j,) }
      policy=None
      prevent_cse=True
    ] a 1.0:f32[]
  in (c,) }"""


def test_policies_control_what_is_saved():
  def loss(W, x):
    return jnp.tanh(W @ jnp.tanh(W @ x)).sum()
  W = jnp.arange(9.).reshape(3, 3) / 10
  x = jnp.arange(3.)
  expected = np.asarray(jax.grad(loss)(W, x))
  for policy in (None, jax.checkpoint_policies.nothing_saveable,
                 jax.checkpoint_policies.dots_saveable,
                 jax.checkpoint_policies.everything_saveable):
    g = jax.grad(jax.checkpoint(loss, policy=policy))(W, x)
    np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-5)
  text_none = str(jax.make_jaxpr(jax.grad(jax.checkpoint(loss)))(W, x))
  text_dots = str(jax.make_jaxpr(jax.grad(jax.checkpoint(
      loss, policy=jax.checkpoint_policies.dots_saveable)))(W, x))
  # Forward: 2 products. Backward: 3 transposed products, plus, with nothing saveable, the 2
  # products recomputed inside the differentiated remat.
  assert text_none.count("dot_general") == 2 + 2 + 3
  assert text_dots.count("dot_general") == 2 + 3


def test_control_flow_inside_checkpoint():
  from numjax import lax

  def f(x):
    return lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * x, x)
  g = jax.checkpoint(f)
  np.testing.assert_allclose(float(jax.grad(g)(0.5)), float(jax.grad(f)(0.5)), rtol=1e-6)
  np.testing.assert_allclose(float(jax.grad(jax.grad(g))(0.5)), float(jax.grad(jax.grad(f))(0.5)),
                             rtol=1e-5)
  np.testing.assert_allclose(float(jax.jvp(g, (0.5,), (1.,))[1]), float(jax.grad(f)(0.5)),
                             rtol=1e-6)
