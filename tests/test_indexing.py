"""NumPy indexing, `.at[...]` updates, gather/scatter primitives and the jnp index functions.

Values are checked against NumPy (over hypothesis-drawn shapes and indices) and against
literals recorded from jax 0.10.2; derivatives against central finite differences in float64
and the transpose identity <u, J v> = <J^T u, v>; vmap against a Python loop (batched
operand, batched indices, both); jit against eager; jaxpr text against JAX's.
"""
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import numjax as jax
import numjax.numpy as jnp
from numjax import lax
from numjax._src.numpy.advanced_indexing import NonConcreteBooleanIndexError


def examples(n):
  return settings(max_examples=n, derandomize=True, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow])


def np_value(x):
  return np.asarray(x)


def assert_same(actual, expected):
  actual = np.asarray(actual)
  expected = np.asarray(expected)
  assert actual.shape == expected.shape, (actual.shape, expected.shape)
  np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# Index generation
# ----------------------------------------------------------------------------------------------
@st.composite
def shape_and_index(draw, allow_bool=True):
  """A shape and a NumPy index tuple for it (ints in bounds; may mix slices, None, Ellipsis,
  integer arrays, lists and boolean masks)."""
  ndim = draw(st.integers(1, 3))
  shape = tuple(draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim)))
  rng = np.random.default_rng(draw(st.integers(0, 2**31)))
  items, axis = [], 0
  used_ellipsis = False
  while axis < ndim and draw(st.booleans()) or not items:
    if axis >= ndim:
      items.append(None)
      break
    n = shape[axis]
    kind = draw(st.sampled_from(["int", "slice", "none", "array", "list", "ellipsis", "bool"]))
    if kind == "int":
      items.append(int(rng.integers(-n, n)))
    elif kind == "slice":
      start = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
      stop = draw(st.one_of(st.none(), st.integers(-n - 1, n + 1)))
      step = draw(st.one_of(st.none(), st.sampled_from([1, 2, -1, -2, 3])))
      items.append(slice(start, stop, step))
    elif kind == "none":
      items.append(None)
      continue
    elif kind == "array":
      k = draw(st.sampled_from([(), (2,), (3,), (2, 1), (1, 2)]))
      items.append(rng.integers(-n, n, size=k).astype(np.int32))
    elif kind == "list":
      items.append([int(v) for v in rng.integers(-n, n, size=2)])
    elif kind == "ellipsis" and not used_ellipsis:
      used_ellipsis = True
      items.append(Ellipsis)
      axis = ndim - sum(1 for i in items if i is not None and i is not Ellipsis)
      continue
    elif kind == "bool" and allow_bool:
      items.append(rng.random(n) < 0.6)
    else:
      items.append(slice(None))
    axis += 1
  return shape, tuple(items)


def _numpy_ok(x, idx):
  try:
    with np.errstate(all="ignore"):
      return x[idx]
  except (IndexError, ValueError):
    return None


@examples(120)
@given(shape_and_index())
def test_getitem_matches_numpy(case):
  shape, idx = case
  x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
  expected = _numpy_ok(x, idx)
  if expected is None:
    return
  jidx = tuple(jnp.asarray(i) if isinstance(i, np.ndarray) else i for i in idx)
  assert_same(jnp.asarray(x)[jidx], expected)
  assert_same(jnp.asarray(x)[idx], expected)   # NumPy arrays as indices


@examples(60)
@given(shape_and_index())
def test_getitem_jit_matches_eager(case):
  shape, idx = case
  x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
  expected = _numpy_ok(x, idx)
  if expected is None or any(isinstance(i, np.ndarray) and i.dtype == np.bool_ for i in idx):
    return
  arrays = [i for i in idx if isinstance(i, np.ndarray)]

  def f(x, *arrs):
    it = iter(arrs)
    return x[tuple(next(it) if isinstance(i, np.ndarray) else i for i in idx)]
  assert_same(jax.jit(f)(x, *arrays), expected)


@examples(80)
@given(shape_and_index(), st.sampled_from(["set", "add", "mul", "min", "max"]))
def test_at_update_matches_numpy(case, kind):
  shape, idx = case
  x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape) - 3
  sub = _numpy_ok(x, idx)
  if sub is None:
    return
  rng = np.random.default_rng(0)
  vals = rng.normal(size=sub.shape).astype(np.float32)
  expected = x.copy()
  if kind == "set":
    # NumPy applies repeated indices in order (the last write wins); so does numjax.
    expected[idx] = vals
  else:
    ufunc = {"add": np.add, "mul": np.multiply, "min": np.minimum, "max": np.maximum}[kind]
    try:
      ufunc.at(expected, idx, vals)
    except (IndexError, ValueError):
      return
  ref = jnp.asarray(x).at[idx]
  out = {"set": ref.set, "add": ref.add, "mul": ref.multiply, "min": ref.min,
         "max": ref.max}[kind](vals)
  assert_same(out, expected)


# ----------------------------------------------------------------------------------------------
# Fixed cases recorded from jax 0.10.2
# ----------------------------------------------------------------------------------------------
X = np.arange(12.0, dtype=np.float32).reshape(3, 4)


def test_out_of_bound_indices_clamp_like_jax():
  x = jnp.asarray(X)
  assert_same(x[5], X[2])
  assert_same(x[-4], X[0])
  assert_same(x[jnp.array([5, -1, -7])], X[[2, 2, 0]])


def test_at_modes_like_jax():
  x = jnp.asarray(X)
  i = jnp.array([0, 5])
  assert_same(x.at[i].add(1.), X + np.array([[1.], [0.], [0.]], np.float32))        # drop
  assert_same(x.at[i].add(1., mode="clip"), X + np.array([[1.], [0.], [1.]], np.float32))
  assert_same(x.at[i].get(mode="fill", fill_value=-1.), [X[0], [-1.] * 4])
  out = x.at[jnp.array([5, -1, -7])].get(mode="fill")
  assert np.isnan(np_value(out)[[0, 2]]).all() and np.array_equal(np_value(out)[1], X[2])
  assert_same(x.at[jnp.array([5, -1, 0])].add(1., mode="promise_in_bounds"),
              X + np.array([[1.], [0.], [1.]], np.float32))


def test_at_methods():
  x = jnp.asarray(X)
  assert_same(x.at[1].power(2.), np.where(np.arange(3)[:, None] == 1, X ** 2, X))
  assert_same(x.at[1].divide(2.), np.where(np.arange(3)[:, None] == 1, X / 2, X))
  assert_same(x.at[1].subtract(2.), np.where(np.arange(3)[:, None] == 1, X - 2, X))
  assert_same(x.at[jnp.array([1, 1])].min(2.), np.where(np.arange(3)[:, None] == 1, 2., X))
  assert_same(x.at[::2, 1].set(jnp.array([7., 8.])), [[0, 7, 2, 3], [4, 5, 6, 7],
                                                       [8, 8, 10, 11]])
  i = jnp.arange(5)
  out = i.at[1].add(2.5)      # computed in float32, cast back to the int32 operand
  assert out.dtype == jnp.int32 and np_value(out).tolist() == [0, 3, 2, 3, 4]
  assert np_value(i.at[1].set(7)).tolist() == [0, 7, 2, 3, 4]
  w = jnp.zeros(3).at[0].set(1.)
  assert w.dtype == jnp.float32 and not w.weak_type


def test_scalar_bool_and_newaxis_indices():
  x = jnp.asarray(X)
  assert x[True].shape == (1, 3, 4)
  assert x[False].shape == (0, 3, 4)
  assert x[:, True, [0, 1]].shape == (3, 2)
  assert_same(x[[0, 1], None, [0, 1]], X[[0, 1], None, [0, 1]])
  assert_same(x[None, [0, 1], ::2], X[None, [0, 1], ::2])
  assert_same(x.at[True].add(1.), X + 1)


def test_traced_scalar_index_uses_dynamic_slice():
  x = jnp.asarray(X)
  for i in (1, -1, 2):
    assert_same(jax.jit(lambda x, i: x[i])(x, i), X[i])
    assert_same(jax.jit(lambda x, i: x[i, ::-1])(x, i), X[i, ::-1])
    assert_same(jax.jit(lambda x, i: x[:, i])(x, i), X[:, i])
    assert_same(jax.jit(lambda x, i: x[i, ::2])(x, i), X[i, ::2])
    assert_same(jax.jit(lambda x, i: x.at[i].set(0.))(x, i),
                np.where(np.arange(3)[:, None] == i % 3, 0., X))


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------
def test_traced_boolean_mask_raises():
  x = jnp.asarray(X)
  with pytest.raises(NonConcreteBooleanIndexError,
                     match=re.escape("Array boolean indices must be concrete; got bool[3,4]")):
    jax.jit(lambda x, m: x[m])(x, x > 3)
  with pytest.raises(NonConcreteBooleanIndexError):
    jax.jit(lambda x: x.at[x > 3].set(0.))(x)
  assert issubclass(NonConcreteBooleanIndexError, IndexError)   # JAXIndexError, as in JAX
  assert NonConcreteBooleanIndexError is jax.errors.NonConcreteBooleanIndexError
  assert_same(x[x > 3], X[X > 3])               # concrete masks are fine
  assert_same(jax.grad(lambda x: x[x > 3].sum())(x), (X > 3).astype(np.float32))


def test_index_errors():
  x = jnp.asarray(X)
  with pytest.raises(IndexError, match="Too many indices: array is 2-dimensional, but 3 were "
                     "indexed"):
    x[0, 1, 2]
  with pytest.raises(IndexError, match=re.escape("an index can only have a single ellipsis")):
    x[..., ...]
  with pytest.raises(IndexError, match="index is out of bounds for axis 0 with size 0"):
    jnp.zeros((0, 3))[0]
  with pytest.raises(TypeError, match="Using a non-tuple sequence for multidimensional "
                     "indexing is not allowed; use `arr\\[array\\(seq\\)\\]`"):
    x[[0, 1]]
  with pytest.raises(TypeError, match="Indexer must have integer or boolean type, got indexer "
                     "with type float64"):
    x[1.0]
  with pytest.raises(TypeError, match="Indexer must have integer or boolean type, got indexer "
                     "with type float32"):
    x[jnp.array([1.0])]
  with pytest.raises(TypeError, match="JAX does not support string indexing"):
    x["a"]
  with pytest.raises(IndexError, match="boolean index did not match shape of indexed array"):
    x[np.array([True, False])]
  with pytest.raises(IndexError, match="Slice entries must be static integers"):
    jax.jit(lambda x, i: x[i:])(x, 1)


def test_lax_gather_scatter_errors():
  x = jnp.asarray(X)
  dn = lax.GatherDimensionNumbers((1,), (0,), (0,))
  with pytest.raises(TypeError, match="Gather op can only collapse slice dims with bound 1"):
    lax.gather(x, jnp.array([[0]]), dn, (2, 4))
  with pytest.raises(TypeError, match="Gather op has 1 elements in start_index_map"):
    lax.gather(x, jnp.array([[0, 1]]), dn, (1, 4))
  with pytest.raises(ValueError, match="indices must have an integer type"):
    lax.gather(x, jnp.array([[0.]]), dn, (1, 4))
  sdn = lax.ScatterDimensionNumbers((1,), (0,), (0,))
  with pytest.raises(TypeError, match="Updates tensor must be of rank 2; got 1"):
    lax.scatter_add(x, jnp.array([[0]]), jnp.ones(4), sdn)
  with pytest.raises(TypeError, match="lax.scatter_add requires arguments to have the same "
                     "dtypes"):
    lax.scatter_add(x, jnp.array([[0]]), jnp.ones((1, 4), jnp.int32), sdn)
  with pytest.raises(ValueError, match='Unknown gather mode "bogus"'):
    lax.gather(x, jnp.array([[0]]), dn, (1, 4), mode="bogus")


# ----------------------------------------------------------------------------------------------
# lax.gather / lax.scatter directly
# ----------------------------------------------------------------------------------------------
def test_lax_gather_with_batching_dims_and_modes():
  rng = np.random.default_rng(1)
  x = rng.normal(size=(3, 5, 4)).astype(np.float32)
  idx = np.array([[4], [0], [7]], np.int32)           # one index per batch row; 7 is OOB
  dn = lax.GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(1,),
                                  start_index_map=(1,), operand_batching_dims=(0,),
                                  start_indices_batching_dims=(0,))
  out = lax.gather(x, idx, dn, (1, 1, 4), mode="clip")
  assert_same(out, x[np.arange(3), [4, 0, 4]])
  out = lax.gather(x, idx, dn, (1, 1, 4), mode="fill", fill_value=-2.)
  assert_same(out, np.stack([x[0, 4], x[1, 0], np.full(4, -2., np.float32)]))
  # windows of size 2 along axis 1 are clamped so the whole window fits
  dn2 = lax.GatherDimensionNumbers((1, 2), (), (1,), (0,), (0,))
  out = lax.gather(x, idx, dn2, (1, 2, 4), mode="clip")
  assert_same(out, np.stack([x[0, 3:5], x[1, 0:2], x[2, 3:5]]))


def test_lax_scatter_variants():
  x = np.arange(6.0, dtype=np.float32)
  idx = np.array([[1], [3], [1], [9]], np.int32)
  upd = np.array([10., 20., 30., 40.], np.float32)
  dn = lax.ScatterDimensionNumbers((), (0,), (0,))
  expect_add = x.copy()
  np.add.at(expect_add, [1, 3, 1], upd[:3])
  assert_same(lax.scatter_add(x, idx, upd, dn), expect_add)
  assert_same(lax.scatter_sub(x, idx, upd, dn), 2 * x - expect_add)
  expect_mul = x.copy()
  np.multiply.at(expect_mul, [1, 3, 1], upd[:3])
  assert_same(lax.scatter_mul(x, idx, upd, dn), expect_mul)
  assert_same(lax.scatter_max(x, idx, upd, dn), [0, 30, 2, 20, 4, 5])
  assert_same(lax.scatter_min(x, idx, upd, dn), x)
  clipped = lax.scatter_add(x, idx, upd, dn, mode="clip")
  assert_same(clipped, expect_add + np.array([0, 0, 0, 0, 0, 40], np.float32))
  out = lax.scatter(x, np.array([[1], [3]], np.int32), np.array([7., 8.], np.float32), dn)
  assert_same(out, [0, 7, 2, 8, 4, 5])


# ----------------------------------------------------------------------------------------------
# Derivatives
# ----------------------------------------------------------------------------------------------
def _check_derivatives(f, *xs, eps=1e-6, seed=0):
  """JVP vs central differences and VJP vs JVP, in float64."""
  rng = np.random.default_rng(seed)
  xs = [np.asarray(x, np.float64) for x in xs]
  vs = [rng.normal(size=x.shape) for x in xs]
  out, tangent = jax.jvp(f, tuple(map(jnp.asarray, xs)), tuple(map(jnp.asarray, vs)))
  plus = f(*[jnp.asarray(x + eps * v) for x, v in zip(xs, vs)])
  minus = f(*[jnp.asarray(x - eps * v) for x, v in zip(xs, vs)])
  fd = (np_value(plus) - np_value(minus)) / (2 * eps)
  np.testing.assert_allclose(np_value(tangent), fd, rtol=1e-5, atol=1e-6)
  u = rng.normal(size=np.shape(out))
  _, vjp = jax.vjp(f, *map(jnp.asarray, xs))
  cts = vjp(jnp.asarray(u))
  lhs = np.sum(u * np_value(tangent))
  rhs = sum(np.sum(np_value(c) * v) for c, v in zip(cts, vs))
  np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-10)


I_DUP = np.array([3, 0, 0, -1], np.int32)
DERIV_CASES = {
    "take": lambda x: x[I_DUP],
    "take_cols_strided": lambda x: x[:, I_DUP][1:, ::-2],
    "outer_arrays": lambda x: x[I_DUP[:, None], I_DUP[None, :3]],
    "bool_mask": lambda x: x[np.array([True, False, True, True])],
    "get_fill": lambda x: x.at[np.array([7, 1])].get(mode="fill", fill_value=0.),
    "get_clip": lambda x: x.at[np.array([7, 1])].get(mode="clip"),
    "mul_const": lambda x: x.at[I_DUP].mul(3.),
    "take_fn": lambda x: jnp.take(x, np.array([[1, 0], [4, 2]]), axis=1),
    "take_along": lambda x: jnp.take_along_axis(x, jnp.argsort(x, axis=1), axis=1),
    "basic": lambda x: x[1:, None, ::-1][..., 2],
}


@pytest.mark.parametrize("name", sorted(DERIV_CASES))
def test_getitem_derivatives(name, x64):
  x = np.random.default_rng(3).normal(size=(4, 5))
  _check_derivatives(DERIV_CASES[name], x)


UPDATE_CASES = {
    "set_dup": (lambda x, v: x.at[I_DUP].set(v), (4, 5)),
    "add_dup": (lambda x, v: x.at[I_DUP].add(v), (4, 5)),
    "min_dup": (lambda x, v: x.at[I_DUP].min(v), (4, 5)),
    "max_dup": (lambda x, v: x.at[I_DUP].max(v), (4, 5)),
    "set_slice": (lambda x, v: x.at[1:3, 2].set(v), (2,)),
    "mul_unique": (lambda x, v: x.at[np.array([1, 2])].mul(v, unique_indices=True), (2, 5)),
    "set_drop": (lambda x, v: x.at[np.array([1, 9])].set(v), (2, 5)),
    "put_along": (lambda x, v: jnp.put_along_axis(x, np.array([[0], [3], [1], [1]]), v, 1,
                                                  inplace=False), (4, 1)),
}


@pytest.mark.parametrize("name", sorted(UPDATE_CASES))
def test_update_derivatives(name, x64):
  f, vshape = UPDATE_CASES[name]
  rng = np.random.default_rng(4)
  _check_derivatives(f, rng.normal(size=(4, 5)), rng.normal(size=vshape))


def test_scatter_min_ties_average_tangents():
  x = jnp.array([1., 5.])
  t = jax.jvp(lambda x, v: x.at[jnp.array([0, 0])].min(v), (x, jnp.array([1., 3.])),
              (jnp.array([1., 0.]), jnp.array([10., 100.])))[1]
  assert_same(t, [5.5, 0.])     # operand and first update tie at 1: mean of 1 and 10


def test_gather_scatter_add_transpose_identity(x64):
  rng = np.random.default_rng(5)
  x = rng.normal(size=(4, 3, 5))
  idx = rng.integers(-1, 6, size=(6, 2)).astype(np.int32)
  dn = lax.GatherDimensionNumbers((1,), (0, 2), (2, 0))
  for mode in ("clip", "fill", None):
    # promise_in_bounds (None) clamps gathers but drops scatters: adjoint only in bounds
    ix = idx if mode else np.clip(idx, 0, 3)
    g = lambda x: lax.gather(x, ix, dn, (1, 3, 1), mode=mode, fill_value=0. if mode == "fill"
                             else None)
    u = rng.normal(size=g(x).shape)
    gt, = jax.linear_transpose(g, jnp.asarray(x))(jnp.asarray(u))
    v = rng.normal(size=x.shape)
    np.testing.assert_allclose(np.sum(u * np_value(g(jnp.asarray(v)))),
                               np.sum(np_value(gt) * v), rtol=1e-10)
  sdn = lax.ScatterDimensionNumbers((1,), (0, 2), (2, 0))
  upd = rng.normal(size=(6, 3))
  s = lambda x, u: lax.scatter_add(x, idx, u, sdn)
  w = rng.normal(size=x.shape)
  ct_x, ct_u = jax.linear_transpose(s, jnp.asarray(x), jnp.asarray(upd))(jnp.asarray(w))
  lhs = np.sum(w * np_value(s(jnp.asarray(x), jnp.asarray(upd))))
  rhs = np.sum(np_value(ct_x) * x) + np.sum(np_value(ct_u) * upd)
  np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


# ----------------------------------------------------------------------------------------------
# vmap vs a Python loop
# ----------------------------------------------------------------------------------------------
def _loop_check(f, args, in_axes):
  out = jax.vmap(f, in_axes=in_axes)(*args)
  size = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
  loops = [f(*[jnp.asarray(a) if ax is None else jnp.asarray(np.take(a, b, axis=ax))
               for a, ax in zip(args, in_axes)]) for b in range(size)]
  outs = jax.tree_util.tree_leaves(out)
  for k, o in enumerate(outs):
    expected = np.stack([np_value(jax.tree_util.tree_leaves(l)[k]) for l in loops])
    np.testing.assert_allclose(np_value(o), expected, rtol=1e-6)


RNG = np.random.default_rng(6)
XB = RNG.normal(size=(3, 4, 5)).astype(np.float32)
IB = RNG.integers(-4, 4, size=(3, 2)).astype(np.int32)
VB = RNG.normal(size=(3, 2, 5)).astype(np.float32)
VMAP_CASES = [
    ("take", lambda x, i: x[i], [(XB, 0), (IB, 0)]),
    ("take_op", lambda x, i: x[i], [(XB, 0), (IB[0], None)]),
    ("take_idx", lambda x, i: x[i], [(XB[0], None), (IB, 0)]),
    ("take_axes", lambda x, i: x[:, i], [(np.moveaxis(XB, 0, 2), 2), (IB.T, 1)]),
    ("fill", lambda x, i: x.at[i].get(mode="fill", fill_value=-1.), [(XB, 0), (IB, 0)]),
    ("add", lambda x, i, v: x.at[i].add(v), [(XB, 0), (IB, 0), (VB, 0)]),
    ("add_op", lambda x, i, v: x.at[i].add(v), [(XB, 0), (IB[0], None), (VB[0], None)]),
    ("set_idx", lambda x, i, v: x.at[i].set(v), [(XB[0], None), (IB, 0), (VB[0], None)]),
    ("max_upd", lambda x, i, v: x.at[i].max(v), [(XB[0], None), (IB[0], None), (VB, 0)]),
    ("mul", lambda x, i, v: x.at[i].mul(v), [(np.moveaxis(XB, 0, 1), 1), (IB, 0), (VB, 0)]),
    ("strided", lambda x, i: x[i, ::2], [(XB, 0), (IB[:, 0], 0)]),
    ("dyn_slice", lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 3)), [(XB, 0), (IB[:, 0], 0)]),
    ("dyn_slice_idx", lambda x, i: lax.dynamic_slice(x, (i, 1), (2, 3)),
     [(XB[0], None), (IB[:, 0], 0)]),
    ("dus", lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 1)),
     [(XB, 0), (VB[:, :, :2], 0), (IB[:, 1], 0)]),
    ("dus_idx", lambda x, u, i: lax.dynamic_update_slice(x, u, (i, 1)),
     [(XB[0], None), (VB[0, :, :2], None), (IB[:, 1], 0)]),
    ("take_along", lambda x, i: jnp.take_along_axis(x, i, axis=0),
     [(XB, 0), (np.abs(IB[:, :, None]) % 3, 0)]),
    ("nonzero", lambda x: jnp.nonzero(x > 0, size=6, fill_value=-1), [(XB[:, 0], 0)]),
]


@pytest.mark.parametrize("name,f,args", VMAP_CASES, ids=[c[0] for c in VMAP_CASES])
def test_vmap_matches_loop(name, f, args):
  _loop_check(f, [a for a, _ in args], [ax for _, ax in args])


def test_vmap_of_grad_of_indexing():
  g = jax.vmap(jax.grad(lambda x, i: (x[i] ** 2).sum()))(XB, IB)
  for b in range(3):
    expected = np.zeros((4, 5), np.float32)
    np.add.at(expected, IB[b] % 4, 2 * XB[b][IB[b]])
    np.testing.assert_allclose(np_value(g)[b], expected, rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# jnp index functions
# ----------------------------------------------------------------------------------------------
def test_take_and_take_along_axis():
  out = np_value(jnp.take(jnp.arange(5.), jnp.array([7, -1])))
  assert np.isnan(out[0]) and out[1] == 4.
  assert_same(jnp.take(X, jnp.array([[0, 2], [1, -1]]), axis=1), np.take(X, [[0, 2], [1, -1]],
                                                                           axis=1))
  assert_same(jnp.take(X, jnp.array([5, 0]), axis=0, mode="clip"), X[[2, 0]])
  assert_same(jnp.take(X, jnp.array([5, -1]), axis=0, mode="wrap"), X[[2, 2]])
  assert np_value(jnp.take(jnp.arange(5), jnp.array([9]), fill_value=-3)).tolist() == [-3]
  i = np.argsort(X, axis=0)
  assert_same(jnp.take_along_axis(X, i, axis=0), np.take_along_axis(X, i, axis=0))
  assert_same(jnp.take_along_axis(X, jnp.array([[1], [0], [3]]), axis=1), X[[0, 1, 2], [1, 0, 3]][:, None])
  assert_same(jnp.take_along_axis(np.arange(4.).reshape(1, 4), np.array([[0, 1], [3, 2]]), 1),
              [[0., 1.], [3., 2.]])
  assert_same(jnp.take_along_axis(X, jnp.array([3, 0, 11]), axis=None), [3., 0., 11.])
  with pytest.raises(ValueError, match="indices and arr must have the same number of"):
    jnp.take_along_axis(X, jnp.array([1]), axis=0)


def test_put_along_axis():
  out = jnp.put_along_axis(jnp.zeros((2, 3)), jnp.array([[1], [2]]), 5., axis=1, inplace=False)
  assert_same(out, [[0, 5, 0], [0, 0, 5]])
  with pytest.raises(ValueError, match="cannot modify arrays in-place"):
    jnp.put_along_axis(jnp.zeros(3), jnp.array([1]), 1., axis=0)


def test_choose_compress_extract_select_piecewise():
  assert np_value(jnp.choose(jnp.array([0, 1, 1]), [jnp.arange(3), 10 + jnp.arange(3)])
                  ).tolist() == [0, 11, 12]
  assert_same(jnp.choose(jnp.array([0, 3, -1]), [jnp.arange(3.), 10 + jnp.arange(3.)],
                         mode="wrap"), [0., 11., 12.])
  with pytest.raises(ValueError, match="invalid entry in choice array"):
    jnp.choose(jnp.array([2]), [jnp.arange(1), jnp.arange(1)])
  assert np_value(jnp.extract(jnp.array([True, False, True]), jnp.array([1, 2, 3]), size=3,
                              fill_value=9)).tolist() == [1, 3, 9]
  assert_same(jnp.compress(jnp.array([False, True]), jnp.arange(6).reshape(3, 2), axis=1),
              [[1], [3], [5]])
  assert np_value(jnp.compress(jnp.array([1, 0, 1]), jnp.arange(6))).tolist() == [0, 2]
  f = jax.jit(lambda c, a: jnp.extract(c, a, size=4, fill_value=0))
  assert np_value(f(jnp.arange(5) % 2 == 0, jnp.arange(5))).tolist() == [0, 2, 4, 0]
  assert np_value(jnp.select([jnp.array([True, False]), jnp.array([True, True])], [1, 2], 0)
                  ).tolist() == [1, 2]
  with pytest.raises(ValueError, match="condlist must have length equal to choicelist"):
    jnp.select([jnp.array([True])], [1, 2])
  xs = jnp.array([-2., 0.5, 3.])
  assert_same(jnp.piecewise(xs, [xs < 0], [lambda x: -x, lambda x: x ** 2]), [2., .25, 9.])
  assert_same(jnp.piecewise(xs, [xs < 0, xs > 1], [-1, 1]), [-1., 0., 1.])


def test_index_grids_and_ravel():
  assert_same(jnp.indices((2, 3)), np.indices((2, 3)))
  for a, b in zip(jnp.indices((2, 3), sparse=True), np.indices((2, 3), sparse=True)):
    assert_same(a, b)
  rows, cols = jnp.ix_(jnp.array([0, 2]), jnp.array([3, 1]))
  assert_same(jnp.asarray(X)[rows, cols], X[np.ix_([0, 2], [3, 1])])
  for got, want in [(jnp.diag_indices(3), np.diag_indices(3)),
                    (jnp.tril_indices(3, -1), np.tril_indices(3, -1)),
                    (jnp.triu_indices(2, 1, 4), np.triu_indices(2, 1, 4)),
                    (jnp.tril_indices_from(jnp.ones((3, 2))), np.tril_indices_from(np.ones((3, 2)))),
                    (jnp.diag_indices_from(jnp.ones((2, 2, 2))), np.diag_indices(2, 3))]:
    for a, b in zip(got, want):
      assert np_value(a).tolist() == b.tolist() and a.dtype == jnp.int32
  # out-of-range flat indices are clipped (JAX's behaviour)
  r, c = jnp.unravel_index(jnp.array([5, 7, -1]), (2, 3))
  assert np_value(r).tolist() == [1, 1, 1] and np_value(c).tolist() == [2, 2, 2]
  assert np_value(jnp.ravel_multi_index((jnp.array([1, 0]), jnp.array([2, 1])), (2, 3))
                  ).tolist() == [5, 1]
  assert np_value(jnp.ravel_multi_index((jnp.array([1, 0]), jnp.array([4, -1])), (2, 3),
                                        mode="clip", order="F")).tolist() == [5, 0]
  with pytest.raises(ValueError, match="invalid entry in coordinates array"):
    jnp.ravel_multi_index((jnp.array([2]), jnp.array([0])), (2, 3))


def test_nonzero_family_with_size_under_jit():
  a = jnp.array([[0, 1], [2, 0]])
  r, c = jnp.nonzero(a)
  assert np_value(r).tolist() == [0, 1] and np_value(c).tolist() == [1, 0]
  f = jax.jit(lambda a: jnp.nonzero(a, size=3, fill_value=-1))
  r, c = f(a)
  assert np_value(r).tolist() == [0, 1, -1] and np_value(c).tolist() == [1, 0, -1]
  assert np_value(jax.jit(lambda a: jnp.where(a, size=1))(jnp.array([0, 2, 3]))[0]).tolist() \
      == [1]
  assert np_value(jax.jit(lambda a: jnp.argwhere(a, size=4, fill_value=9))(a)).tolist() == \
      [[0, 1], [1, 0], [9, 9], [9, 9]]
  assert np_value(jnp.flatnonzero(jnp.array([0, 3, 0, 1]))).tolist() == [1, 3]
  with pytest.raises(jax.errors.ConcretizationTypeError, match="The size argument of "
                     "jnp.nonzero must be statically specified"):
    jax.jit(jnp.nonzero)(a)
  with pytest.raises(ValueError, match="Calling nonzero on 0d arrays is not allowed"):
    jnp.nonzero(jnp.array(1))


# ----------------------------------------------------------------------------------------------
# Jaxpr text (recorded from jax 0.10.2)
# ----------------------------------------------------------------------------------------------
GATHER_TEXT = """{ lambda ; a:f32[3,4] b:i32[2]. let
    c:bool[2] = lt b 0:i32[]
    d:i32[2] = add b 3:i32[]
    e:i32[2] = select_n c b d
    f:i32[2,1] = broadcast_in_dim[broadcast_dimensions=(0,)] e
    g:f32[2,4] = gather[
      dimension_numbers=GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,), operand_batching_dims=(), start_indices_batching_dims=())
      fill_value=None
      indices_are_sorted=False
      mode=GatherScatterMode.PROMISE_IN_BOUNDS
      slice_sizes=(1, 4)
      unique_indices=False
    ] a f
  in (g,) }"""

SCATTER_TEXT = """{ lambda ; a:f32[3,4] b:i32[2]. let
    c:bool[2] = lt b 0:i32[]
    d:i32[2] = add b 3:i32[]
    e:i32[2] = select_n c b d
    f:i32[2,1] = broadcast_in_dim[broadcast_dimensions=(0,)] e
    g:f32[2,4] = broadcast_in_dim 1.0:f32[]
    h:f32[3,4] = scatter-add[
      dimension_numbers=ScatterDimensionNumbers(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,), operand_batching_dims=(), scatter_indices_batching_dims=())
      indices_are_sorted=False
      mode=GatherScatterMode.FILL_OR_DROP
      unique_indices=False
      update_consts=()
      update_jaxpr={ lambda ; i:f32[] j:f32[]. let k:f32[] = add i j in (k,) }
    ] a f g
  in (h,) }"""

DYNAMIC_TEXT = """{ lambda ; a:f32[3,4] b:i32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:bool[] = lt c 0:i32[]
    e:i32[] = add c 3:i32[]
    f:i32[] = select_n d c e
    g:bool[] = lt 0:i32[] 0:i32[]
    h:i32[] = add 0:i32[] 4:i32[]
    i:i32[] = select_n g 0:i32[] h
    j:f32[1,4] = dynamic_slice[slice_sizes=(1, 4)] a f i
    k:f32[4] = squeeze[dimensions=(0,)] j
  in (k,) }"""

STATIC_TEXT = """{ lambda ; a:f32[3,4]. let
    b:f32[2,2] = slice[limit_indices=(3, 3) start_indices=(0, 1) strides=(2, 1)] a
    c:f32[2,2] = rev[dimensions=(0,)] b
    d:f32[2,1,2] = broadcast_in_dim[broadcast_dimensions=(0, 2)] c
  in (d,) }"""


def test_jaxpr_text_matches_jax():
  x, i = jnp.asarray(X), jnp.array([0, 2])
  assert str(jax.make_jaxpr(lambda x, i: x[i])(x, i)) == GATHER_TEXT
  assert str(jax.make_jaxpr(lambda x, i: x.at[i].add(1.))(x, i)) == SCATTER_TEXT
  assert str(jax.make_jaxpr(lambda x, i: x[i])(x, 1)) == DYNAMIC_TEXT
  assert str(jax.make_jaxpr(lambda x: x[::-2, None, 1:3])(x)) == STATIC_TEXT
  assert str(jax.make_jaxpr(lambda x: x[::-1])(x)) == (
      "{ lambda ; a:f32[3,4]. let b:f32[3,4] = rev[dimensions=(0,)] a in (b,) }")


def test_check_static_indices_flag():
  x = jnp.asarray(X)
  jax.config.update("jax_check_static_indices", True)
  try:
    with pytest.raises(IndexError, match=re.escape(
        "index 5 out of bounds for axis 0 with size 3 (normalize_indices=True)")):
      x[5]
    with pytest.raises(IndexError, match="index -5 out of bounds for axis 1 with size 4"):
      x[0, -5]
    assert_same(x.at[5].get(mode="clip"), X[2])
  finally:
    jax.config.update("jax_check_static_indices", False)
  assert_same(x[5], X[2])


def test_abstract_eval_matches_impl():
  from numjax._src.core import ShapedArray
  from numjax._src.lax import indexing as li
  rng = np.random.default_rng(7)
  x = rng.normal(size=(3, 4, 5)).astype(np.float32)
  idx = rng.integers(0, 3, size=(2, 6, 1)).astype(np.int32)
  gparams = dict(dimension_numbers=lax.GatherDimensionNumbers((2, 3), (0,), (0,)),
                 slice_sizes=(1, 2, 5), unique_indices=False, indices_are_sorted=False,
                 mode=lax.GatherScatterMode.CLIP, fill_value=None)
  for weak in (False, True):
    aval = li.gather_p.abstract_eval(ShapedArray(x.shape, x.dtype, weak),
                                     ShapedArray(idx.shape, idx.dtype), **gparams)
    out = li.gather_p.impl(x, idx, **gparams)
    assert (aval.shape, aval.dtype, aval.weak_type) == (out.shape, out.dtype, weak)
  upd = rng.normal(size=(2, 6, 2, 5)).astype(np.float32)
  sdn = lax.ScatterDimensionNumbers((2, 3), (0,), (0,))
  for prim in (li.scatter_p, li.scatter_add_p, li.scatter_sub_p, li.scatter_mul_p,
               li.scatter_min_p, li.scatter_max_p):
    params = dict(dimension_numbers=sdn, indices_are_sorted=False, unique_indices=False,
                  mode=lax.GatherScatterMode.FILL_OR_DROP, update_jaxpr=None, update_consts=())
    aval = prim.abstract_eval(*[ShapedArray(a.shape, a.dtype) for a in (x, idx, upd)],
                              **params)
    out = prim.impl(x, idx, upd, **params)
    assert (aval.shape, aval.dtype) == (out.shape, out.dtype)
  w = jnp.asarray(2.)   # weakly typed operands stay weak through gather and scatter
  assert w.weak_type and jnp.broadcast_to(w, (3,))[jnp.array([0])].weak_type


@pytest.mark.parametrize("idx", [
    1, -1, slice(1, 3), slice(None, None, -1), (slice(None), 2), (1, 2), (-1, slice(0, 4, 2)),
    (), np.array([0, 2, -1, 5]), (slice(None), np.array([[1], [3]])), np.array([-7, 9]),
    (slice(None), np.array([], np.int32))])
def test_eager_basic_and_take_indexing_equals_staged(idx):
  # Eager ints/slices/one integer array run NumPy directly; the result must equal what the
  # staged path (static slice / gather with JAX's clamping) computes.
  x = jnp.arange(12.).reshape(3, 4)
  eager = x[idx]
  staged = jax.jit(lambda x: x[idx])(x)
  assert eager.shape == staged.shape and eager.dtype == staged.dtype
  np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged))
  w = jnp.asarray(3.0) * jnp.ones(4)   # weak stays weak
  assert jnp.ones(4)[1:].weak_type is False and (x[0] + 1.0).weak_type is False
  assert (jnp.zeros(3) + 1.)[1:].dtype == jnp.float32 and w[1:].weak_type == w.weak_type
  assert not np.asarray(eager).flags.writeable or eager.ndim == 0


@pytest.mark.parametrize("kind", ["set", "add", "subtract", "multiply", "min", "max"])
@pytest.mark.parametrize("idx, val", [
    (2, 7.), ((1, slice(1, 3)), 10.), (0, np.arange(4.)), ((-1, slice(None, None, 2)), 100.),
    ((0, 0), -1.), (5, 1.)])
def test_eager_basic_updates_equal_staged(kind, idx, val):
  # Eager .at[] updates with a basic in-bounds index run NumPy on a copy; they must equal the
  # staged scatter (out-of-bound indices dropped), and leave x unchanged.
  x = jnp.arange(12.).reshape(3, 4)
  before = np.asarray(x).copy()
  v = jnp.asarray(val, jnp.float32) if isinstance(val, np.ndarray) else val
  eager = getattr(x.at[idx], kind)(v)
  staged = jax.jit(lambda x, v: getattr(x.at[idx], kind)(v))(x, v)
  assert eager.dtype == staged.dtype and eager.weak_type == staged.weak_type
  np.testing.assert_array_equal(np.asarray(eager), np.asarray(staged))
  np.testing.assert_array_equal(np.asarray(x), before)
