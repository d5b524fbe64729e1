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


def test_make_jaxpr_axis_env_stages_collectives_as_jax():
  # recorded from JAX 0.10.2
  import numjax
  text = str(numjax.make_jaxpr(lambda x: lax.psum(x, "i") + lax.axis_index("i"),
                               axis_env=[("i", 4)])(1.))
  assert text == """\
{ lambda ; a:f32[]. let
    b:f32[] = psum[axes=('i',) axis_index_groups=None] a
    c:i32[] = axis_index[axis_name=i] 
    d:f32[] = convert_element_type[new_dtype=float32 weak_type=False] c
    e:f32[] = add b d
  in (e,) }"""
  text = str(numjax.make_jaxpr(lambda x: lax.all_gather(x, "i"),
                               axis_env=[("i", 4)])(numjax.numpy.ones(2)))
  assert "b:f32[4,2] = all_gather[" in text and "axis_size=4" in text
  with pytest.raises(NameError, match="unbound axis name: j"):
    numjax.make_jaxpr(lambda x: lax.psum(x, "j"), axis_env=[("i", 4)])(1.)
