"""Collectives over named vmap axes (values as real JAX gives them)."""
import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import lax


def test_collectives_under_vmap():
  x = jnp.arange(4.)
  np.testing.assert_allclose(np.asarray(jax.vmap(lambda v: v / lax.psum(v, "i"), axis_name="i")(x)),
                             np.arange(4.) / 6.)
  np.testing.assert_array_equal(np.asarray(jax.vmap(lambda v: lax.pmean(v, "i"), axis_name="i")(x)),
                                [1.5] * 4)
  np.testing.assert_array_equal(
      np.asarray(jax.vmap(lambda v: lax.pmax(v, "i") - lax.pmin(v, "i"), axis_name="i")(x)), [3.] * 4)
  g = jax.vmap(lambda v: lax.all_gather(v, "i"), axis_name="i")(x)
  assert g.shape == (4, 4)
  np.testing.assert_array_equal(np.asarray(g[2]), np.arange(4.))
  np.testing.assert_array_equal(
      np.asarray(jax.vmap(lambda v: lax.axis_index("i") + v, axis_name="i")(x)), [0., 2., 4., 6.])
  assert repr(jax.vmap(lambda v: lax.psum(1, "i"), axis_name="i")(x)) == \
      "Array([4, 4, 4, 4], dtype=int32, weak_type=True)"


def test_nested_names_grad_and_jit():
  ones = jnp.ones((2, 3))
  inner = jax.vmap(jax.vmap(lambda a: lax.psum(a, "j"), axis_name="j"), axis_name="i")(ones)
  outer = jax.vmap(jax.vmap(lambda a: lax.psum(a, "i"), axis_name="j"), axis_name="i")(ones)
  np.testing.assert_array_equal(np.asarray(inner), np.full((2, 3), 3.))
  np.testing.assert_array_equal(np.asarray(outer), np.full((2, 3), 2.))
  x = jnp.arange(4.)
  # Same as JAX: psum transposes to psum.
  g = jax.vmap(jax.grad(lambda v: v * lax.psum(v, "i")), axis_name="i")(x)
  np.testing.assert_array_equal(np.asarray(g), [12.] * 4)
  j = jax.jit(jax.vmap(lambda v: v / lax.psum(v, "i"), axis_name="i"))(x)
  np.testing.assert_allclose(np.asarray(j), np.arange(4.) / 6.)


def test_unbound_axis_name():
  with pytest.raises(NameError, match="unbound axis name: i"):
    lax.psum(jnp.ones(3), "i")
