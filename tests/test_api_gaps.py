"""The public API JAX 0.10.2 has that numjax gained late: lax functions of lax/more.py, the
collectives of lax/parallel.py under vmap, experimental.io_callback, custom_derivatives.linear_call,
and small additions to numjax.errors / dtypes / typing / debug / tree_util / tree.

Expected values are NumPy/SciPy computations or literals recorded from JAX 0.10.2; jaxpr texts
are JAX 0.10.2's."""
import dataclasses
import logging
import typing
from functools import partial

import numpy as np
import pytest
import scipy.special as sps

import numjax as jax
import numjax.numpy as jnp
from numjax import lax
from numjax.test_util import check_grads

S = jax.ShapeDtypeStruct
X = jnp.arange(6.).reshape(2, 3)


def jaxpr(f, *args, **kw):
  return str(jax.make_jaxpr(f, **kw)(*args))


def assert_arr(a, expected, dtype=None, weak=None):
  np.testing.assert_allclose(np.asarray(a), expected, rtol=1e-6)
  if dtype is not None:
    assert a.dtype == np.dtype(dtype), a.dtype
  if weak is not None:
    assert a.weak_type == weak


# ----------------------------------------------------------------------------------------------
# split / stack / unstack / tile
# ----------------------------------------------------------------------------------------------
def test_split_stack_unstack_tile_values():
  a, b = lax.split(X, (1, 2), axis=-1)
  assert_arr(a, [[0.], [3.]], np.float32)
  assert_arr(b, [[1., 2.], [4., 5.]])
  assert_arr(lax.stack([X, X + 1], axis=-1), np.stack([X, X + 1], -1))
  s = lax.stack([1., 2.])
  assert s.weak_type and s.dtype == np.float32
  us = lax.unstack(X, axis=-1)
  assert isinstance(us, tuple) and len(us) == 3
  assert_arr(us[1], [1., 4.])
  assert_arr(lax.tile(X, (2, 2)), np.tile(X, (2, 2)))
  assert repr(lax.tile(1., ())) == "Array(1., dtype=float32, weak_type=True)"
  assert repr(lax.split(jnp.arange(5), (2, 3))) == \
      "[Array([0, 1], dtype=int32), Array([2, 3, 4], dtype=int32)]"


@pytest.mark.parametrize("f, exc, msg", [
    (lambda: lax.split(X, (1, 3), axis=1), ValueError,
     r"Sum of sizes 4 must be equal to dimension 1 of the operand shape \[2, 3\]"),
    (lambda: lax.split(X, (-1, 4), axis=1), ValueError,
     r"Sizes passed to split must be nonnegative, got \[-1, 4\]"),
    (lambda: lax.split(X, (1, 2), axis=2), ValueError,
     "axis 2 is out of bounds for array of dimension 2"),
    (lambda: lax.stack([X, X[0]]), ValueError,
     r"Cannot stack arrays with different numbers of dimensions: got \(2, 3\), \(3,\)."),
    (lambda: lax.stack([X, X.astype(int)]), TypeError,
     "lax.stack requires arguments to have the same dtypes, got float32, int32."),
    (lambda: lax.stack([X, X[:, :2]]), ValueError, "All input arrays must have the same shape"),
    (lambda: lax.unstack(jnp.float32(1)), ValueError,
     "axis 0 is out of bounds for array of dimension 0"),
    (lambda: lax.tile(X, (2,)), TypeError,
     r"reps length must be equal to the ndim of x, got len\(reps\)=1 and x.ndim=2."),
])
def test_structural_errors(f, exc, msg):
  with pytest.raises(exc, match=msg):
    f()


def test_structural_jaxprs():
  assert jaxpr(lambda x: lax.split(x, (1, 2), axis=1), X) == (
      "{ lambda ; a:f32[2,3]. let\n    b:f32[2,1] c:f32[2,2] = split[axis=1 sizes=(1, 2)] a\n"
      "  in (b, c) }")
  assert jaxpr(lambda x: lax.stack([x, x], axis=1), X) == \
      "{ lambda ; a:f32[2,3]. let b:f32[2,2,3] = stack[axis=1] a a in (b,) }"
  assert jaxpr(lambda x: lax.unstack(x, axis=1), X) == (
      "{ lambda ; a:f32[2,3]. let\n    b:f32[2] c:f32[2] d:f32[2] = unstack[axis=1] a\n"
      "  in (b, c, d) }")
  assert jaxpr(lambda x: lax.tile(x, (2, 1)), X) == \
      "{ lambda ; a:f32[2,3]. let b:f32[4,3] = tile[reps=(2, 1)] a in (b,) }"
  # transposes (JAX's text)
  assert jaxpr(lambda x: jax.vjp(lambda x: lax.stack([x, 2 * x], 1), x)[1](jnp.ones((3, 2))),
               X[0]) == """{ lambda ; a:f32[3]. let
    b:f32[3] = mul 2.0:f32[] a
    _:f32[3,2] = stack[axis=1] a b
    c:f32[3,2] = broadcast_in_dim 1.0:f32[]
    d:f32[3] e:f32[3] = unstack[axis=1] c
    f:f32[3] = mul 2.0:f32[] e
    g:f32[3] = add_any d f
  in (g,) }"""
  assert jaxpr(jax.grad(lambda x: (lax.split(x, (1, 2), axis=1)[1] ** 2).sum()), X) == """\
{ lambda ; a:f32[2,3]. let
    _:f32[2,1] b:f32[2,2] = split[axis=1 sizes=(1, 2)] a
    c:f32[2,2] = integer_pow[y=2] b
    d:f32[2,2] = mul 2.0:f32[] b
    _:f32[] = reduce_sum[axes=(0, 1) out_sharding=None] c
    e:f32[2,2] = broadcast_in_dim 1.0:f32[]
    f:f32[2,2] = mul e d
    g:f32[2,1] = broadcast_in_dim 0.0:f32[]
    h:f32[2,3] = concatenate[dimension=1] g f
  in (h,) }"""
  assert jaxpr(lambda x: jax.vjp(lambda x: lax.tile(x, (2, 2)), x)[1](jnp.ones((4, 6))),
               X) == """{ lambda ; a:f32[2,3]. let
    _:f32[4,6] = tile[reps=(2, 2)] a
    b:f32[4,6] = broadcast_in_dim 1.0:f32[]
    c:f32[2,2,2,3] = reshape[
      dimensions=None
      new_sizes=(2, 2, 2, 3)
      sharding=None
    ] b
    d:f32[2,3] = reduce_sum[axes=(0, 2) out_sharding=None] c
  in (d,) }"""
  # batching (JAX's text)
  assert jaxpr(jax.vmap(lambda a, b: lax.stack([a, b], 1), in_axes=(1, 1)), X, X) == """\
{ lambda ; a:f32[2,3] b:f32[2,3]. let
    c:f32[2,2,3] = stack[axis=1] a b
    d:f32[3,2,2] = transpose[permutation=(2, 0, 1)] c
  in (d,) }"""
  assert jaxpr(jax.vmap(lambda a: lax.unstack(a, 0), in_axes=1), X) == \
      "{ lambda ; a:f32[2,3]. let b:f32[3] c:f32[3] = unstack[axis=0] a in (b, c) }"
  assert jaxpr(jax.vmap(lambda a: lax.tile(a, (3,)), in_axes=1), X) == """\
{ lambda ; a:f32[2,3]. let
    b:f32[6,3] = tile[reps=(3, 1)] a
    c:f32[3,6] = transpose[permutation=(1, 0)] b
  in (c,) }"""
  assert jaxpr(jax.vmap(lambda x: lax.split(x, (1, 2)), in_axes=1), X.T) == """\
{ lambda ; a:f32[3,2]. let
    b:f32[1,2] c:f32[2,2] = split[axis=0 sizes=(1, 2)] a
    d:f32[2,1] = transpose[permutation=(1, 0)] b
    e:f32[2,2] = transpose[permutation=(1, 0)] c
  in (d, e) }"""


def test_structural_derivatives(x64):
  x = np.random.default_rng(0).normal(size=(2, 3))
  check_grads(lambda x: lax.split(x, (2, 1), axis=1)[0] * lax.split(x, (2, 1), 1)[1], (x,), 2)
  check_grads(lambda x: lax.stack([x, jnp.sin(x)], axis=1), (x,), 2)
  check_grads(lambda x: lax.unstack(x, axis=1)[2] * lax.unstack(x)[0][:2], (x,), 2)
  check_grads(lambda x: lax.tile(x, (2, 3)), (x,), 2)


def test_structural_vmap_and_jit_match_loops():
  rng = np.random.default_rng(1)
  xs = jnp.asarray(rng.normal(size=(4, 2, 3)), jnp.float32)
  for f in (lambda x: lax.split(x, (1, 2), axis=1)[1], lambda x: lax.stack([x, x * 2], 0),
            lambda x: lax.unstack(x, axis=1)[2], lambda x: lax.tile(x, (1, 2))):
    for axis in (0, 2):
      moved = jnp.moveaxis(xs, 0, axis)
      expected = np.stack([np.asarray(f(x)) for x in xs])
      np.testing.assert_allclose(np.asarray(jax.vmap(f, in_axes=axis)(moved)), expected)
      np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(f, in_axes=axis))(moved)), expected)
  # stack with one batched and one unbatched operand
  out = jax.vmap(lambda a, b: lax.stack([a, b], 0), in_axes=(0, None))(X, X[0])
  np.testing.assert_array_equal(np.asarray(out), np.stack([np.stack([r, X[0]]) for r in X]))


# ----------------------------------------------------------------------------------------------
# clz, mulhi, reduce_xor
# ----------------------------------------------------------------------------------------------
def _ref_clz(v, bits):
  return bits - (int(v) % (1 << bits)).bit_length()


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32, np.uint32])
def test_clz_values(dtype):
  info = np.iinfo(dtype)
  v = np.array([0, 1, 2, info.max, info.min, 16, info.max // 3], dtype)
  bits = 8 * v.dtype.itemsize
  out = lax.clz(jnp.asarray(v))
  assert out.dtype == v.dtype
  np.testing.assert_array_equal(np.asarray(out), [_ref_clz(a, bits) for a in v])
  np.testing.assert_array_equal(np.asarray(jax.jit(lax.clz)(v)), np.asarray(out))


def test_clz_literals_and_errors():
  assert repr(lax.clz(jnp.array([0, 1, 2, -1, 255, 2**30], jnp.int32))) == \
      "Array([32, 31, 30,  0, 24,  1], dtype=int32)"
  assert repr(lax.clz(3)) == "Array(30, dtype=int32, weak_type=True)"
  with pytest.raises(TypeError, match="clz does not accept dtype float32. Accepted dtypes are "
                     "subtypes of integer."):
    lax.clz(jnp.array([0., 1.]))
  assert jaxpr(lax.clz, jnp.arange(3)) == "{ lambda ; a:i32[3]. let b:i32[3] = clz a in (b,) }"


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.uint32])
def test_mulhi_values(dtype):
  rng = np.random.default_rng(2)
  info = np.iinfo(dtype)
  x = np.concatenate([[info.min, info.max, info.max, -7 if info.min else 7],
                      rng.integers(info.min, info.max, 20, endpoint=True)]).astype(dtype)
  y = np.concatenate([[info.max, info.max, info.min, 3],
                      rng.integers(info.min, info.max, 20, endpoint=True)]).astype(dtype)
  bits = 8 * x.dtype.itemsize
  expected = np.array([(int(a) * int(b)) >> bits for a, b in zip(x, y)]).astype(dtype)
  np.testing.assert_array_equal(np.asarray(lax.mulhi(x, y)), expected)
  np.testing.assert_array_equal(np.asarray(jax.vmap(lax.mulhi)(x, y)), expected)


def test_mulhi_64_bit(x64):
  x = np.array([-2**63, 2**63 - 1, -7, 5, 12345678901234], np.int64)
  y = np.array([4, 2**63 - 1, 3, -1, -98765432109876], np.int64)
  np.testing.assert_array_equal(np.asarray(lax.mulhi(x, y)),
                                [(int(a) * int(b)) >> 64 for a, b in zip(x, y)])
  u = np.array([2**64 - 1, 2**63, 7], np.uint64)
  v = np.array([2**64 - 1, 4, 3], np.uint64)
  np.testing.assert_array_equal(np.asarray(lax.mulhi(u, v)),
                                np.array([2**64 - 2, 2, 0], np.uint64))


def test_mulhi_literals_and_errors():
  assert repr(lax.mulhi(jnp.array([-2**31, 2**31 - 1, -7, 5], jnp.int32),
                        jnp.array([4, 2**31 - 1, 3, -1], jnp.int32))) == \
      "Array([        -2, 1073741823,         -1,         -1], dtype=int32)"
  assert repr(lax.mulhi(3, 5)) == "Array(0, dtype=int32, weak_type=True)"
  with pytest.raises(TypeError, match="mulhi does not accept dtype float32 at position 0. "
                     "Accepted dtypes at position 0 are subtypes of integer."):
    lax.mulhi(X, X)
  with pytest.raises(TypeError, match="mulhi: arrays must have the same number of dimensions"):
    lax.mulhi(jnp.arange(3), jnp.ones((2, 3), int))
  assert jaxpr(lambda x: lax.mulhi(x, x), jnp.arange(3, dtype=jnp.uint32)) == \
      "{ lambda ; a:u32[3]. let b:u32[3] = mulhi a a in (b,) }"
  # integer outputs: float0 tangents
  t = jax.jvp(lambda x: lax.mulhi(x, x), (jnp.arange(3),),
              (np.zeros(3, jax.dtypes.float0),))[1]
  assert t.dtype == jax.dtypes.float0


def test_reduce_xor():
  v = np.arange(24).reshape(2, 3, 4) * 7 - 30
  np.testing.assert_array_equal(np.asarray(lax.reduce_xor(v, (0, 2))),
                                np.bitwise_xor.reduce(np.bitwise_xor.reduce(v, 2), 0))
  assert repr(lax.reduce_xor(jnp.arange(12).reshape(3, 4), (0,))) == \
      "Array([12, 13, 14, 15], dtype=int32)"
  assert repr(lax.reduce_xor(jnp.array([[True, False], [True, True]]), (1,))) == \
      "Array([ True, False], dtype=bool)"
  assert repr(lax.reduce_xor(jnp.asarray(3), ())) == "Array(3, dtype=int32)"
  with pytest.raises(TypeError, match="logical reduction requires operand dtype bool or int, "
                     "got float32."):
    lax.reduce_xor(X, (1,))
  assert jaxpr(lambda x: lax.reduce_xor(x, (0,)), jnp.arange(3)) == \
      "{ lambda ; a:i32[3]. let b:i32[] = reduce_xor[axes=(0,)] a in (b,) }"
  np.testing.assert_array_equal(
      np.asarray(jax.vmap(lambda a: lax.reduce_xor(a, (0,)), in_axes=1)(v[0])),
      np.bitwise_xor.reduce(v[0], 0))


# ----------------------------------------------------------------------------------------------
# optimization_barrier, stage, empty, with_sharding_constraint
# ----------------------------------------------------------------------------------------------
def test_optimization_barrier():
  out = lax.optimization_barrier((X, 1., [2]))
  assert out[0] is not None and repr(out[1]) == "Array(1., dtype=float32, weak_type=True)"
  assert repr(out[2]) == "[Array(2, dtype=int32, weak_type=True)]"
  assert jaxpr(lambda x: lax.optimization_barrier((x, x + 1)), X) == """\
{ lambda ; a:f32[2,3]. let
    b:f32[2,3] = add a 1.0:f32[]
    c:f32[2,3] d:f32[2,3] = optimization_barrier a b
  in (c, d) }"""
  assert jaxpr(jax.grad(lambda x: lax.optimization_barrier((x, x * 2))[1].sum()), X) == """\
{ lambda ; a:f32[2,3]. let
    b:f32[2,3] = mul a 2.0:f32[]
    _:f32[2,3] c:f32[2,3] = optimization_barrier a b
    _:f32[] = reduce_sum[axes=(0, 1) out_sharding=None] c
    d:f32[2,3] = broadcast_in_dim 1.0:f32[]
    e:f32[2,3] = broadcast_in_dim 0.0:f32[]
    f:f32[2,3] g:f32[2,3] = optimization_barrier e d
    h:f32[2,3] = mul g 2.0:f32[]
    i:f32[2,3] = add_any f h
  in (i,) }"""
  assert jaxpr(lambda x: jax.jvp(lambda x: lax.optimization_barrier(jnp.sin(x)), (x,), (x,)),
               X) == """{ lambda ; a:f32[2,3]. let
    b:f32[2,3] = sin a
    c:f32[2,3] = cos a
    d:f32[2,3] = mul a c
    e:f32[2,3] = optimization_barrier b
    f:f32[2,3] = optimization_barrier d
  in (e, f) }"""
  a, b = jax.vmap(lambda a, b: lax.optimization_barrier((a, b)), in_axes=(0, None))(X, 1.)
  assert repr(b) == "Array([1., 1.], dtype=float32, weak_type=True)"
  assert float(jax.jit(lambda x: lax.optimization_barrier(jnp.sin(x)) + jnp.sin(x))(0.5)) == \
      pytest.approx(2 * np.sin(0.5))


def test_stage():
  assert repr(lax.stage(1.0)) == "Array(1., dtype=float32, weak_type=True)"
  assert repr(lax.stage(np.ones(2))) == "Array([1., 1.], dtype=float32)"
  assert jaxpr(lax.stage, X) == "{ lambda ; a:f32[2,3]. let  in (a,) }"
  assert jaxpr(lambda: lax.stage(1.0)) == "{ lambda ; . let  in (1.0:f32[],) }"
  assert jaxpr(lambda: lax.stage(np.ones(3))) == "{ lambda a:f32[3]; . let  in (a,) }"
  assert float(jax.grad(lambda x: lax.stage(x) * 2.)(3.)) == 2.0
  assert_arr(jax.vmap(lambda x: lax.stage(x) * 2.)(jnp.arange(3.)), [0., 2., 4.])


def test_empty():
  e = lax.empty((2,), jnp.int32)
  assert e.shape == (2,) and e.dtype == np.int32 and not e.weak_type
  assert lax.empty(3, "float32").shape == (3,)
  assert jax.vmap(lambda x: lax.empty((2,), jnp.float32))(jnp.ones(3)).shape == (3, 2)
  assert jaxpr(lambda: lax.empty((2,), np.dtype("int32"))) == """{ lambda ; . let
    a:i32[2] = empty[dtype=int32 out_sharding=None shape=(2,)] 
  in (a,) }"""
  assert jaxpr(jax.vmap(lambda x: lax.empty((2,), jnp.float32)), jnp.ones(3)) == """\
{ lambda ; a:f32[3]. let
    b:f32[3,2] = empty[
      dtype=<class 'jax.numpy.float32'>
      out_sharding=None
      shape=(3, 2)
    ] 
  in (b,) }"""


def test_with_sharding_constraint():
  s = jax.sharding.SingleDeviceSharding(jax.devices()[0])
  assert repr(lax.with_sharding_constraint(1., s)) == "Array(1., dtype=float32, weak_type=True)"
  out = lax.with_sharding_constraint({"a": X, "b": [X + 1]}, s)
  np.testing.assert_array_equal(np.asarray(out["b"][0]), np.asarray(X + 1))
  with pytest.raises(ValueError, match="got sharding None which is not allowed"):
    lax.with_sharding_constraint(X, None)
  text = jaxpr(lambda x: lax.with_sharding_constraint(x, s), X)
  assert "sharding_constraint[" in text and "context_mesh=Mesh()" in text
  assert float(jax.grad(lambda x: lax.with_sharding_constraint(x * x, s))(3.)) == 6.


# ----------------------------------------------------------------------------------------------
# Compositions: reciprocal, collapse, batch_matmul, broadcast_*, index_take, dtype
# ----------------------------------------------------------------------------------------------
def test_compositions():
  assert repr(lax.reciprocal(2.)) == "Array(0.5, dtype=float32, weak_type=True)"
  assert float(jax.grad(lax.reciprocal)(2.)) == -0.25
  assert jaxpr(lax.reciprocal, 1.) == \
      "{ lambda ; a:f32[]. let b:f32[] = integer_pow[y=-1] a in (b,) }"
  with pytest.raises(TypeError, match=r"Integers cannot be raised to negative powers, got "
                     r"integer_pow\(~int32\[\], -1\)"):
    lax.reciprocal(2)
  assert lax.collapse(jnp.zeros((2, 3, 4)), 1).shape == (2, 12)
  assert lax.collapse(jnp.zeros((2, 3, 4)), -2, None).shape == (2, 12)
  assert lax.collapse(jnp.zeros((2, 3, 4)), 0, -1).shape == (6, 4)
  assert jaxpr(lambda x: lax.collapse(x, 0, 2), X) == """{ lambda ; a:f32[2,3]. let
    b:f32[6] = reshape[dimensions=None new_sizes=(6,) sharding=None] a
  in (b,) }"""
  assert jaxpr(lambda x: lax.broadcast_to_rank(x, 4), X) == """{ lambda ; a:f32[2,3]. let
    b:f32[1,1,2,3] = broadcast_in_dim[broadcast_dimensions=(2, 3)] a
  in (b,) }"""
  assert repr(lax.broadcast_to_rank(1., 2)) == "Array([[1.]], dtype=float32, weak_type=True)"
  assert lax.broadcast_like(X[0], X).shape == (2, 3)
  rng = np.random.default_rng(3)
  a, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 5, 2))
  np.testing.assert_allclose(np.asarray(lax.batch_matmul(a, b)), a @ b, rtol=1e-5)
  assert jaxpr(lambda x: lax.batch_matmul(x, x), jnp.ones((2, 3, 3))) == """\
{ lambda ; a:f32[2,3,3]. let
    b:f32[2,3,3] = dot_general[dimension_numbers=(([2], [1]), ([0], [0]))] a a
  in (b,) }"""
  with pytest.raises(ValueError, match="Arguments to batch_matmul must be at least 2D, got 1, 2"):
    lax.batch_matmul(jnp.ones(3), jnp.ones((3, 3)))
  with pytest.raises(ValueError, match="Arguments to batch_matmul must have same ndim, got 3, 2"):
    lax.batch_matmul(jnp.ones((1, 3, 3)), jnp.ones((3, 3)))
  i, j = np.array([1, 0, 1]), np.array([2, 2, -3])
  assert_arr(lax.index_take(X, (i, j), (0, 1)), np.asarray(X)[i, j % 3])
  assert_arr(lax.index_take(X, (i,), (1,)), np.asarray(X)[:, i].T)
  assert_arr(jax.grad(lambda x: lax.index_take(x, (i,), (1,)).sum())(X),
             [[1., 2., 0.], [1., 2., 0.]])


def test_broadcast_shapes_and_dtype():
  assert lax.broadcast_shapes((3, 1), (1, 4), (5, 1, 1)) == (5, 3, 4)
  assert lax.broadcast_shapes((1,), (4,)) == (4,)
  with pytest.raises(ValueError, match=r"Incompatible shapes for broadcasting: "
                     r"shapes=\[\(3, 1\), \(4, 1\)\]"):
    lax.broadcast_shapes((3, 1), (4, 1))
  with pytest.raises(TypeError, match="Only non-negative indices are allowed"):
    lax.broadcast_shapes((2,), (-1,))
  assert lax.dtype(1.) == np.float32 and lax.dtype(X) == np.float32
  assert lax.dtype(1) == np.int32 and lax.dtype(True) == np.bool_
  assert lax.dtype(1j) == np.complex64
  with pytest.warns(UserWarning, match="Explicitly requested dtype int64 requested in dtype is "
                    "not available"):
    assert lax.dtype(np.int64) == np.int32
  with pytest.raises(ValueError, match="Invalid argument to dtype: None."):
    lax.dtype(None)


def test_dtype_x64(x64):
  assert lax.dtype(1.) == np.float64 and lax.dtype(np.int64) == np.int64


# ----------------------------------------------------------------------------------------------
# Special functions
# ----------------------------------------------------------------------------------------------
A = jnp.array([0.5, 1., 2.5])
XV = jnp.array([0.3, 1.5, 4.])


@pytest.mark.parametrize("name, ref", [("igamma", sps.gammainc), ("igammac", sps.gammaincc),
                                       ("zeta", sps.zeta)])
def test_special_binary(name, ref):
  f = getattr(lax, name)
  out = f(A, XV)
  assert out.dtype == np.float32 and not out.weak_type
  np.testing.assert_allclose(np.asarray(out), ref(np.asarray(A, np.float64), np.asarray(XV)),
                             rtol=2e-6)
  assert f(2., 1.5).weak_type
  assert jaxpr(f, A, XV) == (f"{{ lambda ; a:f32[3] b:f32[3]. let c:f32[3] = {name} a b "
                             f"in (c,) }}")
  with pytest.raises(TypeError, match=f"{name} does not accept dtype int32 at position 0. "
                     "Accepted dtypes at position 0 are subtypes of floating."):
    f(jnp.arange(3), jnp.arange(3))
  with pytest.raises(TypeError, match=f"lax.{name} requires arguments to have the same dtypes, "
                     "got float32, float16."):
    f(A, XV.astype(jnp.float16))
  with pytest.raises(TypeError, match=f"{name}: arrays must have the same number of "
                     r"dimensions, got \{1, 2\}"):
    f(A, XV[:, None])
  with pytest.raises(TypeError, match=fr"{name} got incompatible shapes for broadcasting: "
                     r"\(3,\), \(2,\)."):
    f(A, XV[:2])
  np.testing.assert_allclose(np.asarray(jax.vmap(f, in_axes=(0, None))(A, 1.5)),
                             ref(np.asarray(A, np.float64), 1.5), rtol=2e-6)


def test_special_others():
  np.testing.assert_allclose(np.asarray(lax.igamma_grad_a(A, XV)),
                             [-0.77057064, -0.31928515, -0.14765683], rtol=2e-6)  # JAX
  b, xx = jnp.array([1., 2., 0.5]), jnp.array([0.2, 0.5, 0.9])
  np.testing.assert_allclose(np.asarray(lax.betainc(A, b, xx)),
                             sps.betainc(np.asarray(A), np.asarray(b), np.asarray(xx)), rtol=2e-6)
  assert jaxpr(lax.betainc, A, b, xx) == """\
{ lambda ; a:f32[3] b:f32[3] c:f32[3]. let
    d:f32[3] = regularized_incomplete_beta a b c
  in (d,) }"""
  assert float(jax.grad(lax.betainc, argnums=2)(1., 2., 0.5)) == pytest.approx(1., rel=1e-6)
  with pytest.raises(ValueError, match="Betainc gradient with respect to a and b not supported."):
    jax.grad(lax.betainc)(1., 2., 0.5)
  v = jnp.array([-2., 0., 1.5])
  np.testing.assert_allclose(np.asarray(lax.bessel_i0e(v)), sps.i0e(np.asarray(v)), rtol=2e-6)
  np.testing.assert_allclose(np.asarray(lax.bessel_i1e(v)), sps.i1e(np.asarray(v)), rtol=2e-6)
  assert float(jax.grad(lax.bessel_i1e)(0.)) == 0.5
  with pytest.raises(TypeError, match="bessel_i0e does not accept dtype int32"):
    lax.bessel_i0e(1)
  g = jax.grad(lax.igamma, argnums=(0, 1))(2., 1.5)
  np.testing.assert_allclose([float(g[0]), float(g[1])], [-0.3134886, 0.33469525], rtol=1e-5)
  # random_gamma_grad: JAX's values; as in JAX it takes arrays (and no dtype argument)
  np.testing.assert_allclose(np.asarray(lax.random_gamma_grad(A, XV)),
                             [1.0098022, 1.4309374, 1.339608], rtol=2e-6)
  h = lax.random_gamma_grad(A.astype(jnp.float16), XV.astype(jnp.float16))
  assert h.dtype == np.float16
  assert lax.random_gamma_grad(A, XV[:, None]).shape == (3, 3)
  with pytest.raises(TypeError, match="unexpected keyword argument 'dtype'"):
    lax.random_gamma_grad(A, XV, dtype=jnp.float32)


# ----------------------------------------------------------------------------------------------
# Collectives under vmap (vs explicit NumPy)
# ----------------------------------------------------------------------------------------------
def V(f, **kw):
  return jax.vmap(f, axis_name="i", **kw)


def test_ppermute_pshuffle():
  x = np.arange(12.).reshape(4, 3)
  perm = [(0, 1), (1, 2), (2, 3), (3, 0)]
  expected = np.zeros_like(x)
  for s, d in perm:
    expected[d] = x[s]
  np.testing.assert_array_equal(np.asarray(V(lambda v: lax.ppermute(v, "i", perm))(x)), expected)
  np.testing.assert_array_equal(
      np.asarray(V(jax.jit(lambda v: lax.ppermute(v, "i", perm)))(x)), expected)
  # mapped axis elsewhere; a partial permutation leaves zeros
  out = V(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 0)]), in_axes=1, out_axes=1)(x)
  np.testing.assert_array_equal(np.asarray(out), np.stack([x[:, 1], x[:, 0], 0 * x[:, 2]], 1))
  np.testing.assert_array_equal(
      np.asarray(V(lambda v: lax.pshuffle(v, "i", [3, 0, 2, 1]))(x)), x[[3, 0, 2, 1]])
  with pytest.raises(ValueError, match=r"`perm` does not represent a permutation: \[3, 0, 2, 2\]"):
    V(lambda v: lax.pshuffle(v, "i", [3, 0, 2, 2]))(x)
  # ppermute is linear; its transpose is the inverse permutation
  w = np.arange(12.).reshape(4, 3)
  g = jax.grad(lambda x: (V(lambda v: lax.ppermute(v, "i", perm))(x) * w).sum())(x)
  np.testing.assert_array_equal(np.asarray(g), w[[1, 2, 3, 0]])
  # nested names
  y = np.arange(6.).reshape(2, 3)
  out = jax.vmap(jax.vmap(lambda v: lax.ppermute(v, "j", [(0, 1), (1, 2), (2, 0)]),
                          axis_name="j"), axis_name="i")(y)
  np.testing.assert_array_equal(np.asarray(out), y[:, [2, 0, 1]])
  out = jax.vmap(jax.vmap(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 0)]), axis_name="j"),
                 axis_name="i")(y)
  np.testing.assert_array_equal(np.asarray(out), y[::-1])


def test_psum_scatter():
  y = np.arange(16.).reshape(4, 4)
  np.testing.assert_array_equal(np.asarray(V(lambda v: lax.psum_scatter(v, "i"))(y)),
                                y.sum(0))
  z = np.arange(32.).reshape(4, 8)
  np.testing.assert_array_equal(
      np.asarray(V(lambda v: lax.psum_scatter(v, "i", tiled=True))(z)), z.sum(0).reshape(4, 2))
  w = np.arange(32.).reshape(4, 2, 4)
  np.testing.assert_array_equal(
      np.asarray(V(lambda v: lax.psum_scatter(v, "i", scatter_dimension=1))(w)), w.sum(0).T)
  # transpose: all_gather
  g = jax.grad(lambda y: (V(lambda v: lax.psum_scatter(v, "i"))(y) * jnp.arange(4.)).sum())(y)
  np.testing.assert_array_equal(np.asarray(g), np.tile(np.arange(4.), (4, 1)))
  with pytest.raises(ValueError, match="reduce_scatter operand scatter dimension size 3 must "
                     "match shard count 4"):
    V(lambda v: lax.psum_scatter(v, "i"))(np.ones((4, 3)))


def _all_to_all_ref(x, split_axis, concat_axis):
  # x[i] is element i's value; element j's output takes chunk j of every x[i] along split_axis
  # and stacks them at concat_axis.
  n = x.shape[0]
  outs = []
  for j in range(n):
    chunks = [np.take(x[i], j, axis=split_axis) for i in range(n)]
    outs.append(np.stack(chunks, axis=concat_axis))
  return np.stack(outs)


@pytest.mark.parametrize("shape, split, concat", [((4, 4), 0, 0), ((4, 4, 2), 0, 1),
                                                  ((4, 2, 4), 1, 0), ((4, 3, 4), 1, 1)])
def test_all_to_all(shape, split, concat):
  x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
  out = V(lambda v: lax.all_to_all(v, "i", split, concat))(x)
  np.testing.assert_array_equal(np.asarray(out), _all_to_all_ref(x, split, concat))
  # linear: <u, A v> = <A^T u, v>
  f = V(lambda v: lax.all_to_all(v, "i", split, concat))
  u = np.random.default_rng(4).normal(size=np.asarray(out).shape).astype(np.float32)
  ct, = jax.vjp(f, x)[1](jnp.asarray(u))
  np.testing.assert_allclose(float(np.vdot(u, np.asarray(f(x)))),
                             float(np.vdot(np.asarray(ct), x)), rtol=1e-5)


def test_all_to_all_tiled_pswapaxes_and_errors():
  z = np.arange(32.).reshape(4, 8)
  out = V(lambda v: lax.all_to_all(v, "i", 0, 0, tiled=True))(z)
  expected = z.reshape(4, 4, 2).transpose(1, 0, 2).reshape(4, 8)
  np.testing.assert_array_equal(np.asarray(out), expected)
  y = np.arange(16.).reshape(4, 4)
  np.testing.assert_array_equal(np.asarray(V(lambda v: lax.pswapaxes(v, "i", 0))(y)), y.T)
  with pytest.raises(ValueError, match="all_to_all requires the size of the mapped axis "
                     "axis_name to equal x.shape\\[split_axis\\], but they are 4 and 3"):
    V(lambda v: lax.all_to_all(v, "i", 0, 0))(np.ones((4, 3)))
  # two names: the flattened (i, j) axis
  x = np.arange(36.).reshape(2, 3, 6)
  out = jax.vmap(jax.vmap(lambda v: lax.all_to_all(v, ("i", "j"), 0, 0), axis_name="j"),
                 axis_name="i")(x)
  np.testing.assert_array_equal(np.asarray(out).reshape(6, 6), x.reshape(6, 6).T)


def test_all_gather_and_reductions():
  x = np.arange(12.).reshape(4, 3)
  out = V(lambda v: lax.all_gather(v, "i", axis=1))(x)
  np.testing.assert_array_equal(np.asarray(out), np.broadcast_to(x.T, (4, 3, 4)))
  out = V(lambda v: lax.all_gather(v, "i", tiled=True))(x)
  np.testing.assert_array_equal(np.asarray(out), np.broadcast_to(x.reshape(-1), (4, 12)))
  w = np.arange(48.).reshape(4, 4, 3)
  g = jax.grad(lambda x: (V(lambda v: lax.all_gather(v, "i"))(x) * w).sum())(x)
  np.testing.assert_array_equal(np.asarray(g), w.sum(0))   # transpose: psum_scatter
  # psum: constants are multiplied by the axis size (a Python int stays a Python int)
  sizes = []
  V(lambda v: (sizes.append(lax.psum(1, "i")), v)[1])(x)
  assert sizes == [4] and type(sizes[0]) is int
  assert repr(V(lambda v: lax.psum(True, "i"))(x)) == "Array([4, 4, 4, 4], dtype=int32)"
  assert repr(V(lambda v: lax.psum(v > 3, "i"))(x)) == \
      "Array([[2, 3, 3],\n       [2, 3, 3],\n       [2, 3, 3],\n       [2, 3, 3]], dtype=int32)"
  assert repr(V(lambda v: lax.pmean(v.astype(int), "i"))(x)[0]) == \
      "Array([4.5, 5.5, 6.5], dtype=float32)"
  # positional axes
  np.testing.assert_array_equal(np.asarray(V(lambda v: lax.psum(v, ("i", 0)))(x)),
                                np.full(4, x.sum()))
  np.testing.assert_array_equal(np.asarray(lax.psum(x, 1)), x.sum(1))
  assert jaxpr(V(lambda v: lax.psum(v, ("i", 0))), x) == """{ lambda ; a:f32[4,3]. let
    b:f32[] = psum[axes=(0, 1) axis_index_groups=None] a
    c:f32[4] = broadcast_in_dim b
  in (c,) }"""
  with pytest.raises(NotImplementedError, match="axis_index_groups not supported in vmap "
                     "collectives"):
    V(lambda v: lax.psum(v, "i", axis_index_groups=[[0, 1], [2, 3]]))(x)
  assert_arr(jax.vmap(jax.vmap(lambda v: lax.axis_index(("i", "j")), axis_name="j"),
                      axis_name="i")(jnp.ones((2, 3))), np.arange(6).reshape(2, 3))
  assert_arr(V(lambda v: v * lax.axis_size("i"))(x), x * 4)


def test_collectives_unbound_and_in_control_flow():
  for f in (lambda: lax.ppermute(X, "i", [(0, 1)]), lambda: lax.all_to_all(X, "i", 0, 0),
            lambda: lax.psum_scatter(X, "i"), lambda: lax.all_gather(X, "i"),
            lambda: lax.psum(X, "i")):
    with pytest.raises(NameError, match="unbound axis name: i"):
      f()
  y = np.arange(16.).reshape(4, 4)
  out = V(lambda v: lax.scan(lambda c, _: (lax.all_to_all(c, "i", 0, 0), None), v, None,
                             length=1)[0])(y)
  np.testing.assert_array_equal(np.asarray(out), y.T)
  out = V(lambda v: lax.scan(lambda c, _: (c + lax.psum(1, "i"), None), v, None, length=2)[0])(y)
  np.testing.assert_array_equal(np.asarray(out), y + 8)
  np.testing.assert_array_equal(
      np.asarray(jax.jit(V(lambda v: lax.all_gather(v, "i")))(y[:, 0])), np.tile(y[:, 0], (4, 1)))
  # jit inside vmap: the function is traced with the enclosing axes' sizes (the axis
  # environment, part of jit's cache key), so shape-changing collectives work there too
  v = jnp.arange(4.)
  assert_arr(V(jax.jit(lambda v: v / lax.psum(1, "i")))(v), np.arange(4.) / 4)
  assert_arr(V(jax.jit(lambda v: lax.pmean(v.astype(int), "i") * lax.axis_size("i")))(v),
             [6.] * 4)
  gather = jax.jit(lambda v: lax.all_gather(v, "i"))
  assert_arr(V(gather)(v), np.tile(np.arange(4.), (4, 1)))
  assert_arr(jax.vmap(gather, axis_name="i")(jnp.arange(3.)), np.tile(np.arange(3.), (3, 1)))
  assert_arr(V(jax.jit(lambda r: lax.psum_scatter(r, "i", tiled=True)))(y), y.sum(0)[:, None])
  with pytest.raises(NameError, match="unbound axis name: i"):
    gather(v)


# ----------------------------------------------------------------------------------------------
# io_callback
# ----------------------------------------------------------------------------------------------
def test_io_callback_eager_jit_and_effects():
  io_callback = jax.experimental.io_callback
  log = []

  def cb(x):
    log.append(np.asarray(x).tolist())
    return np.asarray(x) * 2
  x = jnp.arange(3.)
  out = io_callback(cb, S((3,), jnp.float32), x)
  assert repr(out) == "Array([0., 2., 4.], dtype=float32)" and log == [[0., 1., 2.]]
  log.clear()
  f = jax.jit(lambda x: (io_callback(cb, S((3,), jnp.float32), x), x + 1)[1])
  for _ in range(2):   # never dead-code eliminated, runs on every call
    assert_arr(f(x), [1., 2., 3.])
  assert log == [[0., 1., 2.]] * 2
  log.clear()
  jax.jit(lambda x: [io_callback(cb, S((3,), jnp.float32), x * i, ordered=True)
                     for i in range(3)][0])(x)
  assert log == [[0., 0., 0.], [0., 1., 2.], [0., 2., 4.]]
  text = jaxpr(lambda x: io_callback(cb, S((3,), jnp.float32), x, ordered=True), x)
  assert text == """{ lambda ; a:f32[3]. let
    b:f32[3] = io_callback[
      callback=_FlatCallback(callback_func=<function test_io_callback_eager_jit_and_effects.<locals>.cb at 0xXXXXXXXXXXXX>, in_tree=PyTreeDef(((*,), {})))
      ordered=True
      result_avals=(ShapedArray(float32[3]),)
      sharding=None
    ] a
  in (b,) }"""
  out = io_callback(lambda a: {"a": a["b"], "c": [a["b"] * 2]},
                    {"a": S((3,), jnp.float32), "c": [S((3,), jnp.float32)]}, {"b": x})
  assert_arr(out["c"][0], [0., 2., 4.])
  assert io_callback(lambda a: None, None, x) is None
  assert repr(io_callback(lambda a: np.int32(3), S((), jnp.int32), x)) == \
      "Array(3, dtype=int32)"
  with pytest.raises(RuntimeError, match=r"returned an array of shape \(2,\), but "
                     r"result_shape_dtypes expects \(3,\)"):
    io_callback(lambda a: np.zeros(2, np.float32), S((3,), jnp.float32), x)


def test_io_callback_vmap_grad_and_control_flow():
  io_callback = jax.experimental.io_callback
  log = []

  def cb(x, y=None):
    log.append((np.asarray(x).tolist(), None if y is None else float(y)))
    return (np.asarray(x) + 1).astype(np.float32)
  x = jnp.arange(3.)
  out = jax.vmap(lambda v, w: io_callback(cb, S((), jnp.float32), v, y=w),
                 in_axes=(0, None))(x, 5.)
  assert_arr(out, [1., 2., 3.])
  assert log == [(0., 5.), (1., 5.), (2., 5.)]   # one call per element, in order
  log.clear()
  jax.vmap(jax.jit(lambda v: io_callback(cb, S((), jnp.float32), v)))(x)
  assert [a for a, _ in log] == [0., 1., 2.]
  assert "scan[" in jaxpr(jax.vmap(lambda v: io_callback(cb, S((), jnp.float32), v)), x)
  with pytest.raises(ValueError, match="Cannot `vmap` ordered IO callback."):
    jax.vmap(lambda v: io_callback(cb, S((), jnp.float32), v, ordered=True))(x)
  with pytest.raises(ValueError, match="IO callbacks do not support JVP."):
    jax.grad(lambda v: io_callback(cb, S((), jnp.float32), v))(1.)
  log.clear()
  lax.scan(lambda c, v: (c, io_callback(cb, S((), jnp.float32), v, ordered=True)), 0., x)
  assert [a for a, _ in log] == [0., 1., 2.]
  log.clear()
  jax.jit(lambda x: lax.cond(x[0] > 0, lambda: io_callback(cb, S((3,), jnp.float32), x),
                             lambda: x))(x)
  assert log == []   # the branch not taken does not call back


# ----------------------------------------------------------------------------------------------
# custom_derivatives.linear_call / custom_gradient
# ----------------------------------------------------------------------------------------------
def test_linear_call():
  linear_call = jax.custom_derivatives.linear_call

  def f(r, x):
    return x / r

  def t(r, ct):
    return ct / r

  def div_add(x, denom):
    return x + linear_call(f, t, denom, x)

  def transpose(f, x_example):
    return lambda y: jax.linear_transpose(f, x_example)(y)[0]

  def custom_id(x):
    return linear_call(lambda _, x: x, lambda _, t: 7., (), x)

  assert repr(div_add(9., 3.)) == "Array(12., dtype=float32, weak_type=True)"
  assert repr(transpose(partial(div_add, denom=3.), 1.)(18.)) == \
      "Array(24., dtype=float32, weak_type=True)"
  assert [float(g(1.)) for g in (custom_id, transpose(custom_id, 1.),
                                 transpose(transpose(custom_id, 1.), 1.))] == [1., 7., 1.]
  assert float(jax.grad(lambda x: linear_call(f, t, 3., x))(2.)) == pytest.approx(1 / 3)
  assert float(jax.jit(lambda x: linear_call(f, t, 3., x))(2.)) == pytest.approx(2 / 3)
  assert_arr(jax.vmap(lambda x: linear_call(f, t, 3., x))(jnp.arange(3.)), np.arange(3.) / 3)
  assert jaxpr(lambda x, d: x + linear_call(f, t, d, x), 9., 3.) == """\
{ lambda ; a:f32[] b:f32[]. let
    c:f32[] = linear_call[
      callee={ lambda ; d:f32[] e:f32[]. let f:f32[] = div e d in (f,) }
      num_callee_consts=0
      num_res=1
      transpose_thunk=<function _memoize.<locals>.memoized at 0xXXXXXXXXXXXX>
    ] b a
    g:f32[] = add a c
  in (g,) }"""
  with pytest.raises(TypeError, match=r"transpose output pytree structure must match that of "
                     r"linear inputs, got output structure PyTreeDef\(\(\*, \*\)\) and input "
                     r"structure PyTreeDef\(\*\)."):
    jax.linear_transpose(lambda x: linear_call(f, lambda r, c: (c, c), 3., x), 1.)(2.)
  assert jax.custom_derivatives.custom_gradient is jax.custom_gradient


# ----------------------------------------------------------------------------------------------
# errors, dtypes, typing, debug.log, tree_util.default_registry, tree.static
# ----------------------------------------------------------------------------------------------
def test_errors_and_dtypes():
  from numjax import dtypes, errors
  assert issubclass(errors.JAXIndexError, IndexError)
  assert str(errors.JAXIndexError("bad")) == \
      "bad\nSee https://docs.jax.dev/en/latest/errors.html#jax.errors.JAXIndexError"
  assert issubclass(errors.JaxprTypeError, TypeError)
  assert issubclass(errors.InconclusiveDimensionOperation, Exception)
  assert issubclass(dtypes.TypePromotionError, ValueError)
  k = jax.random.key(0)
  assert jnp.issubdtype(k.dtype, dtypes.extended) and jnp.issubdtype(k.dtype, dtypes.prng_key)
  assert not jnp.issubdtype(jnp.float32, dtypes.extended)
  assert not jnp.issubdtype(k.dtype, jnp.floating)
  assert [dtypes.scalar_type_of(v) for v in (1., jnp.int8(1), jnp.ones(2, bool), 1j,
                                             jnp.float16)] == [float, int, bool, complex, float]
  assert [dtypes.itemsize_bits(d) for d in ("int8", bool, jnp.complex64, float, jnp.float16)] \
      == [8, 8, 64, 64, 16]
  with pytest.raises(ValueError, match="dtype cannot be None."):
    dtypes.itemsize_bits(None)
  with pytest.raises(ValueError, match="unexpected input: dtype=key<fry>"):
    dtypes.itemsize_bits(k.dtype)


def test_typing():
  import numjax
  assert set(typing.get_args(numjax.typing.ArrayLike)) >= {jax.Array, np.ndarray, np.bool_,
                                                           np.number, bool, int, float, complex}
  assert str in typing.get_args(numjax.typing.DTypeLike)


def test_debug_log(caplog):
  with caplog.at_level(logging.INFO, logger="numjax._src.debugging"):
    jax.debug.log("x={x} s={s}", x=jnp.arange(3.), s="hi")
    jax.jit(lambda x: jax.debug.log("jit {}", x))(jnp.ones(2))
    jax.vmap(lambda x: jax.debug.log(ordered=True)("v {x}", x=x))(jnp.arange(2))
  assert [r.getMessage() for r in caplog.records] == ["x=[0. 1. 2.] s=hi", "jit [1. 1.]",
                                                     "v 0", "v 1"]
  assert caplog.records[0].filename == "test_api_gaps.py"
  with pytest.raises(ValueError, match="Unused keyword arguments to `jax.debug.print`: \\['y'\\]"):
    jax.debug.log("{x}", x=1, y=2)


def test_tree_additions():
  r = jax.tree_util.default_registry
  leaves, treedef = r.flatten([1, (2, 3)])
  assert leaves == [1, 2, 3] and str(treedef) == "PyTreeDef([*, (*, *)])"
  assert r.flatten_one_level([1, (2, 3)]) == ([1, (2, 3)], None)
  assert r.flatten_one_level(1) is None

  @jax.tree_util.register_dataclass
  @dataclasses.dataclass
  class MyOp:
    x: jax.Array
    y: jax.Array
    op: str = jax.tree.static(default="add")
  m = MyOp(x=jnp.ones(3), y=jnp.arange(3))
  leaves, treedef = jax.tree.flatten(m)
  assert len(leaves) == 2 and str(treedef) == "PyTreeDef(CustomNode(MyOp[('add',)], [*, *]))"
  assert jax.tree.unflatten(treedef, leaves).op == "add"
