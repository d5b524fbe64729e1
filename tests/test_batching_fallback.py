"""vmap of a primitive with no batching rule: it runs once per batch element (batching's
`_loop_fallback`) and warns once, naming the primitive.

The primitives here are built with `core.Primitive` directly, not `lax.base.primitive`, so they
stay out of the primitive registry (whose coverage test_primitive_rules.py checks).
"""
import itertools
import warnings

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax._src import core
from numjax._src.core import ShapedArray

_count = itertools.count()


def _unbatchable_binary():
  """f(x, y) = 2 x - y on equal-shape float arrays, with impl and abstract eval only.

  Each call makes a fresh name: the fallback's warning is once per primitive name per process."""
  p = core.Primitive(f"test_unbatchable_{next(_count)}")

  def impl(x, y):
    return np.asarray(2 * x - y, dtype=x.dtype)

  def abstract_eval(x, y):
    if x.shape != y.shape or x.dtype != y.dtype:
      raise TypeError(f"{p.name}: operands must match, got {x.str_short()} and {y.str_short()}")
    return ShapedArray(x.shape, x.dtype, x.weak_type and y.weak_type)

  p.impl, p.abstract_eval = impl, abstract_eval
  assert p.batch is None and p.fallback is None
  return p


def _unbatchable_pair():
  """(x + y, x * y) as a multiple-results primitive with no batching rule."""
  p = core.Primitive(f"test_unbatchable_pair_{next(_count)}", multiple_results=True)
  p.impl = lambda x, y: [np.asarray(x + y, x.dtype), np.asarray(x * y, x.dtype)]
  p.abstract_eval = lambda x, y: [ShapedArray(x.shape, x.dtype), ShapedArray(x.shape, x.dtype)]
  return p


def _fallback_warnings(record):
  return [w for w in record if issubclass(w.category, RuntimeWarning)
          and "no batching rule" in str(w.message)]


def _operands():
  rng = np.random.default_rng(0)
  x = rng.standard_normal((4, 3)).astype(np.float32)
  y = rng.standard_normal((4, 3)).astype(np.float32)
  return x, y


def test_not_registered():
  from numjax._src.lax import base
  p = _unbatchable_binary()
  assert p.name not in base.all_primitives()


@pytest.mark.parametrize("y_axis", [0, 1, None])
def test_matches_python_loop(y_axis):
  p = _unbatchable_binary()
  f = lambda x, y: p.bind(x, y)
  x, y = _operands()  # x: f32[4, 3], mapped over axis 0
  yv = {0: y, 1: np.ascontiguousarray(y.T), None: y[0]}[y_axis]
  with warnings.catch_warnings(record=True):
    warnings.simplefilter("always")
    out = jax.vmap(f, in_axes=(0, y_axis))(jnp.asarray(x), jnp.asarray(yv))
  y_i = lambda i: y[0] if y_axis is None else y[i]
  want = np.stack([np.asarray(f(jnp.asarray(x[i]), jnp.asarray(y_i(i)))) for i in range(4)])
  assert out.shape == (4, 3) and out.dtype == jnp.float32
  np.testing.assert_array_equal(np.asarray(out), want)
  np.testing.assert_array_equal(want, 2 * x - (y[0] if y_axis is None else y))


def test_mapped_over_a_later_axis_and_out_axes():
  p = _unbatchable_binary()
  x, y = _operands()
  with warnings.catch_warnings(record=True):
    warnings.simplefilter("always")
    out = jax.vmap(lambda a, b: p.bind(a, b), in_axes=(1, 1), out_axes=1)(
        jnp.asarray(x), jnp.asarray(y))
  np.testing.assert_array_equal(np.asarray(out), 2 * x - y)


def test_warns_once_naming_the_primitive():
  p = _unbatchable_binary()
  f = jax.vmap(lambda x, y: p.bind(x, y))
  x, y = map(jnp.asarray, _operands())
  with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")  # no deduplication by the warnings module: only numjax's
    f(x, y)
    f(x, y)
    jax.vmap(lambda x, y: p.bind(x, y), in_axes=(0, None))(x, y[0])
  ws = _fallback_warnings(record)
  assert len(ws) == 1, [str(w.message) for w in record]
  msg = str(ws[0].message)
  assert f"'{p.name}'" in msg and "once per batch element" in msg
  assert ws[0].filename == __file__  # points at the code that bound the primitive


def test_each_primitive_warns_for_itself():
  p, q = _unbatchable_binary(), _unbatchable_binary()
  x, y = map(jnp.asarray, _operands())
  with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    jax.vmap(lambda a, b: q.bind(p.bind(a, b), b))(x, y)
  names = sorted(str(w.message).split("'")[1] for w in _fallback_warnings(record))
  assert names == sorted([p.name, q.name])


def test_no_warning_when_nothing_is_batched():
  p = _unbatchable_binary()
  x, y = map(jnp.asarray, _operands())
  with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    # x is mapped but the primitive only sees unbatched values: it binds once, no fallback
    out = jax.vmap(lambda a, b: a + p.bind(b, b), in_axes=(0, None))(x, y[0])
  assert not _fallback_warnings(record)
  np.testing.assert_allclose(np.asarray(out), np.asarray(x) + np.asarray(y[0]), rtol=1e-6)


def test_multiple_results():
  p = _unbatchable_pair()
  x, y = _operands()
  with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    s, m = jax.vmap(lambda a, b: p.bind(a, b), in_axes=(0, 1))(
        jnp.asarray(x), jnp.asarray(np.ascontiguousarray(y.T)))
  assert len(_fallback_warnings(record)) == 1
  np.testing.assert_array_equal(np.asarray(s), x + y)
  np.testing.assert_array_equal(np.asarray(m), x * y)


def test_under_jit_and_nested_vmap():
  p = _unbatchable_binary()
  f = lambda a, b: p.bind(a, b)
  rng = np.random.default_rng(1)
  x = rng.standard_normal((2, 4, 3)).astype(np.float32)
  y = rng.standard_normal((4, 3)).astype(np.float32)
  with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    staged = jax.jit(jax.vmap(f, in_axes=(0, None)))(jnp.asarray(x[0]), jnp.asarray(y[0]))
    nested = jax.vmap(jax.vmap(f, in_axes=(0, 0)), in_axes=(0, None))(
        jnp.asarray(x), jnp.asarray(y))
  assert len(_fallback_warnings(record)) == 1
  np.testing.assert_array_equal(np.asarray(staged), 2 * x[0] - y[0])
  np.testing.assert_array_equal(np.asarray(nested), 2 * x - y[None])
  assert nested.dtype == jnp.float32
