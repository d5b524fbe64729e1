"""numjax.flatten_util.ravel_pytree: JAX's dtype promotion of the leaves, unravel restoring
shapes and dtypes, hashable unravel functions, and use under grad, vmap and jit."""
import collections

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
from numjax import tree_util
from numjax.flatten_util import ravel_pytree


def dtype_weak(x):
  return (str(x.dtype), bool(x.weak_type))


def test_ravel_and_unravel_roundtrip():
  tree = {"w": jnp.arange(6.).reshape(2, 3), "b": (jnp.ones(2), jnp.zeros((0,))), "s": 5.}
  flat, unravel = ravel_pytree(tree)
  assert flat.shape == (9,) and flat.dtype == np.float32
  np.testing.assert_array_equal(flat, [1., 1., 5., 0., 1., 2., 3., 4., 5.])   # sorted keys
  back = unravel(flat)
  assert tree_util.tree_structure(back) == tree_util.tree_structure(tree)
  for a, b in zip(tree_util.tree_leaves(back), tree_util.tree_leaves(tree)):
    assert np.shape(a) == np.shape(b)
    np.testing.assert_array_equal(a, b)


def test_dtype_promotion_and_restoration():
  # Values recorded from JAX 0.10.2.
  flat, unravel = ravel_pytree({"a": jnp.ones((2, 2)), "b": jnp.arange(3)})
  assert dtype_weak(flat) == ("float32", False)
  out = unravel(jnp.arange(7.))
  assert out["b"].dtype == np.int32 and out["a"].dtype == np.float32
  np.testing.assert_array_equal(out["b"], [4, 5, 6])
  flat, unravel = ravel_pytree([1., 2, jnp.array([3, 4], jnp.int8)])
  assert dtype_weak(flat) == ("float32", False)
  leaves = unravel(jnp.arange(4.))
  assert [str(l.dtype) for l in leaves] == ["float32", "int32", "int8"]
  flat, unravel = ravel_pytree([jnp.ones(2, jnp.float16), jnp.zeros(1, jnp.int8)])
  assert flat.dtype == np.float16
  flat, unravel = ravel_pytree([jnp.ones(2), jnp.zeros(1, jnp.complex64)])
  assert flat.dtype == np.complex64
  leaves = unravel(jnp.array([1 + 2j, 3, 4j], jnp.complex64))
  assert leaves[0].dtype == np.float32
  np.testing.assert_array_equal(leaves[0], [1., 3.])
  with pytest.raises(TypeError, match="unravel function given array of dtype int32, but "
                                      "expected dtype float32"):
    ravel_pytree({"a": jnp.ones(2), "b": jnp.arange(3)})[1](jnp.arange(5))


def test_single_dtype_keeps_weak_types_and_empty_trees():
  flat, unravel = ravel_pytree((jnp.ones((2, 2)), 3.))
  assert dtype_weak(flat) == ("float32", False)
  assert dtype_weak(unravel(jnp.arange(5.))[1]) == ("float32", False)
  flat, unravel = ravel_pytree([])
  assert flat.shape == (0,) and flat.dtype == np.float32
  assert unravel(flat) == []
  flat, unravel = ravel_pytree({})
  assert unravel(flat) == {}


def test_unravel_is_hashable_and_checks_shapes():
  _, u1 = ravel_pytree({"a": jnp.ones(2), "b": jnp.zeros(3)})
  _, u2 = ravel_pytree({"a": jnp.zeros(2), "b": jnp.ones(3)})
  _, u3 = ravel_pytree({"a": jnp.zeros(3), "b": jnp.ones(2)})
  assert u1 == u2 and hash(u1) == hash(u2) and u1 != u3
  with pytest.raises(ValueError, match=r"expected an array of shape \(5,\)"):
    u1(jnp.ones(4))


Point = collections.namedtuple("Point", ["x", "y"])


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(shapes=st.lists(st.lists(st.integers(0, 3), max_size=3), min_size=1, max_size=4),
       seed=st.integers(0, 1000))
def test_roundtrip_random_trees(shapes, seed):
  rng = np.random.default_rng(seed)
  dts = [np.float32, np.int32, np.float16, np.bool_]
  leaves = [np.asarray(rng.normal(size=s) * 3, dts[i % len(dts)]) for i, s in enumerate(shapes)]
  tree = {"p": Point(leaves[0], leaves[1:])}
  flat, unravel = ravel_pytree(tree)
  assert flat.ndim == 1 and flat.shape[0] == sum(l.size for l in leaves)
  back = tree_util.tree_leaves(unravel(flat))
  for a, b in zip(back, leaves):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


def test_under_grad_vmap_jit():
  params = {"w": jnp.arange(6.).reshape(2, 3), "b": jnp.ones(2)}
  flat, unravel = ravel_pytree(params)

  def loss(p):
    return jnp.sum(p["w"] ** 2) + jnp.sum(3 * p["b"])
  g = numjax.grad(lambda f: loss(unravel(f)))(flat)
  expected, _ = ravel_pytree(numjax.grad(loss)(params))
  np.testing.assert_allclose(g, expected)
  g2 = numjax.grad(lambda p: jnp.sum(ravel_pytree(p)[0] ** 2))(params)
  np.testing.assert_allclose(g2["w"], 2 * params["w"])
  batch = numjax.vmap(lambda f: unravel(f)["w"])(jnp.stack([flat, 2 * flat]))
  assert batch.shape == (2, 2, 3)
  np.testing.assert_allclose(batch[1], 2 * params["w"])
  flat_j = numjax.jit(lambda p: ravel_pytree(p)[0])(params)
  np.testing.assert_allclose(flat_j, flat)
  np.testing.assert_allclose(numjax.jit(unravel)(flat)["b"], params["b"])
  per_example = numjax.vmap(lambda p: ravel_pytree(p)[0])(
      {"w": jnp.ones((4, 2, 3)), "b": jnp.zeros((4, 2))})
  assert per_example.shape == (4, 8)
