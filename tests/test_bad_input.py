"""Errors under bad input: every public transformation and jnp/lax/random function, given wrong
shapes, dtypes, pytree structures, axes or non-array Python objects, raises a documented error
(TypeError / ValueError / IndexError as JAX does, or a numjax.errors class) whose message is
non-empty and names the shapes involved. Never an internal AssertionError, KeyError,
AttributeError, UnboundLocalError, a bare NumPy error from inside an impl, or a silent answer.

`expect_error` checks the *raise site* too: the innermost traceback frame must be a `raise`
statement in numjax (or user code), so an error NumPy raised from inside an impl fails the test
even when its type happens to be ValueError.

Eager evaluation runs a primitive's shape rule only on the first call with given operand dtypes,
so each eager case runs twice: "cold" (no primitive validated yet: core's cache is emptied for
the call) and "warm" (right after a valid call of the same function with the same dtypes, when
only NumPy sees the operands unless the public function checks them). Cases also run under
jit, vmap and grad where that makes sense. The exception types of a sample of cases were
recorded from JAX 0.10.2 (see `JAX_RECORDED`).
"""
import os
import traceback

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import numjax
import numjax.numpy as jnp
from numjax import lax
from numjax import random as jr
from numjax._src import core
from numjax.errors import UnexpectedTracerError

PKG = os.path.dirname(os.path.abspath(numjax.__file__))
FORBIDDEN = (AssertionError, KeyError, AttributeError, UnboundLocalError, NameError,
             ZeroDivisionError, RecursionError, StopIteration)
ALLOWED = (TypeError, ValueError, IndexError)


# NUMJAX_BAD_INPUT_SCALE=20 runs 20x the examples, randomized (for a deeper local search).
_SCALE = float(os.environ.get("NUMJAX_BAD_INPUT_SCALE", "1"))


def _sweep(n):
  return settings(max_examples=max(1, int(n * _SCALE)), derandomize=_SCALE == 1, deadline=None,
                  database=None, suppress_health_check=list(HealthCheck))


def expect_error(fn, types=ALLOWED, mention=()):
  """Call fn(); it must raise one of `types`, deliberately (see the module doc), with a
  non-empty message containing every string in `mention`. Returns the exception."""
  try:
    out = fn()
  except Exception as e:  # noqa: BLE001 - the point is to inspect it
    err = e
  else:
    raise AssertionError(f"no error raised; got {out!r}")
  where = traceback.extract_tb(err.__traceback__)[-1]
  desc = f"{type(err).__module__}.{type(err).__name__}: {err}  (raised at {where.filename}:" \
         f"{where.lineno}: {where.line})"
  assert not isinstance(err, FORBIDDEN), f"internal error escaped: {desc}"
  assert isinstance(err, types), f"expected {types}, got {desc}"
  module = type(err).__module__
  assert not module.startswith("numpy") or isinstance(err, np.exceptions.AxisError), \
      f"NumPy's own error escaped: {desc}"
  filename = os.path.abspath(where.filename)
  assert not filename.startswith(os.path.dirname(np.__file__)), f"raised inside NumPy: {desc}"
  if filename.startswith(PKG):
    assert (where.line or "").lstrip().startswith("raise"), \
        f"not a deliberate numjax error (raised by a call inside numjax): {desc}"
  msg = str(err)
  assert msg.strip(), f"empty message: {desc}"
  for m in mention:
    assert str(m) in msg, f"message does not mention {m!r}: {desc}"
  return err


def expect_errors(cases):
  """expect_error for each (fn, types, mention) case; reports every failing case at once."""
  failures = []
  for i, (fn, types, mention) in enumerate(cases):
    try:
      expect_error(fn, types, mention)
    except AssertionError as e:
      failures.append(f"case {i}: {e}")
  assert not failures, "\n".join(failures)


class _Cold:
  """No primitive's shape rule has run yet (core validates each (primitive, dtypes) once)."""

  def __enter__(self):
    self.saved = core._validated
    core._validated = set()

  def __exit__(self, *exc):
    core._validated = self.saved


def expect_error_eager(bad, good=None, **kw):
  """`bad()` fails cold, and again right after `good()` (a valid call with the same dtypes)."""
  with _Cold():
    expect_error(bad, **kw)
  if good is not None:
    good()
  return expect_error(bad, **kw)


def shape_str(s) -> str:
  return str(tuple(s))


# ----------------------------------------------------------------------------------------------
# Strategies
# ----------------------------------------------------------------------------------------------
small_shape = st.lists(st.integers(2, 4), min_size=1, max_size=3).map(tuple)
dtypes_ = st.sampled_from([np.float32, np.int32])


@st.composite
def incompatible_shapes(draw):
  """Two shapes NumPy broadcasting rejects: one dim differs (neither is 1), maybe ranks too."""
  a = draw(small_shape)
  i = draw(st.integers(0, len(a) - 1))
  b = list(a)
  b[i] = a[i] + draw(st.integers(1, 3))
  b = tuple(b)
  if draw(st.booleans()) and i > 0:
    b = b[i:]  # drop leading dims: ranks differ too
  return (a, b) if draw(st.booleans()) else (b, a)


def _arr(shape, dtype=np.float32):
  return jnp.asarray(np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape) % 5 + 1)


BINARY_JNP = [jnp.add, jnp.subtract, jnp.multiply, jnp.divide, jnp.true_divide, jnp.maximum,
              jnp.minimum, jnp.power, jnp.equal, jnp.not_equal, jnp.less, jnp.greater_equal,
              jnp.floor_divide, jnp.remainder, jnp.mod, jnp.arctan2, jnp.hypot, jnp.logaddexp,
              jnp.isclose, jnp.heaviside, jnp.copysign, jnp.fmax, jnp.logical_and,
              jnp.bitwise_or, jnp.left_shift]
FLOAT_ONLY = {jnp.arctan2, jnp.hypot, jnp.logaddexp, jnp.copysign, jnp.heaviside, jnp.power}
INT_ONLY = {jnp.bitwise_or, jnp.left_shift}


def _binary_dtype(op, dtype):
  return np.float32 if op in FLOAT_ONLY else np.int32 if op in INT_ONLY else dtype


# ----------------------------------------------------------------------------------------------
# Elementwise ops with shapes that do not broadcast
# ----------------------------------------------------------------------------------------------
@_sweep(120)
@given(op=st.sampled_from(BINARY_JNP), shapes=incompatible_shapes(), dtype=dtypes_,
       mode=st.sampled_from(["eager", "jit", "vmap", "grad"]))
def test_jnp_binary_incompatible_shapes(op, shapes, dtype, mode):
  sa, sb = shapes
  dtype = _binary_dtype(op, dtype)
  x, y = _arr(sa, dtype), _arr(sb, dtype)
  mention = (shape_str(sa), shape_str(sb))
  if mode == "eager":
    expect_error_eager(lambda: op(x, y), lambda: op(x, x), mention=mention)
  elif mode == "jit":
    expect_error(lambda: numjax.jit(op)(x, y), mention=mention)
  elif mode == "vmap":
    xb, yb = _arr((2,) + sa, dtype), _arr((2,) + sb, dtype)
    expect_error(lambda: numjax.vmap(op)(xb, yb), mention=mention)
  elif dtype == np.float32 and op not in (jnp.equal, jnp.not_equal, jnp.less, jnp.isclose,
                                          jnp.greater_equal, jnp.logical_and):
    expect_error(lambda: numjax.grad(lambda a: jnp.sum(op(a, y)))(x), mention=mention)


LAX_BINARY = [lax.add, lax.sub, lax.mul, lax.div, lax.max, lax.min, lax.pow, lax.atan2, lax.eq,
              lax.lt, lax.rem, lax.nextafter]


@_sweep(80)
@given(op=st.sampled_from(LAX_BINARY), shapes=incompatible_shapes(),
       mode=st.sampled_from(["eager", "jit", "vmap", "jvp"]))
def test_lax_binary_incompatible_shapes(op, shapes, mode):
  """lax broadcasts only equal ranks (and scalars); NumPy would broadcast the rest silently."""
  sa, sb = shapes
  x, y = _arr(sa), _arr(sb)
  mention = (shape_str(sa), shape_str(sb))
  if mode == "eager":
    expect_error_eager(lambda: op(x, y), lambda: op(x, x), types=TypeError, mention=mention)
  elif mode == "jit":
    expect_error(lambda: numjax.jit(op)(x, y), types=TypeError, mention=mention)
  elif mode == "vmap":
    expect_error(lambda: numjax.vmap(op, in_axes=(0, None))(_arr((2,) + sa), y),
                 types=TypeError, mention=mention)
  else:
    op(x, x)
    expect_error(lambda: numjax.jvp(lambda a: op(a, y), (x,), (x,)), types=TypeError,
                 mention=mention)


def test_lax_binary_rank_broadcast_is_rejected_warm():
  """NumPy broadcasts (3,) against (2, 3); lax (and JAX) reject it, also after a valid call."""
  x, m = jnp.ones(3), jnp.ones((2, 3))
  for op in (lax.add, lax.mul, lax.sub, lax.max):
    op(x, x)
    expect_error(lambda: op(x, m), types=TypeError, mention=("(3,)", "(2, 3)"))
    expect_error(lambda: numjax.grad(lambda a: jnp.sum(op(a, m)))(x), types=TypeError)


@pytest.mark.parametrize("op", [lax.add, lax.mul, lax.max, lax.div, lax.eq, lax.atan2, lax.rem])
def test_lax_binary_dtype_mismatch(op):
  x, i = jnp.ones(3), jnp.arange(3)
  expect_error_eager(lambda: op(x, i), lambda: op(x, x), types=TypeError,
                     mention=("float32", "int32"))
  expect_error(lambda: numjax.jit(op)(x, i), types=TypeError, mention=("float32", "int32"))


# ----------------------------------------------------------------------------------------------
# Non-array Python objects
# ----------------------------------------------------------------------------------------------
BAD_VALUES = ["a", None, object(), ["a", "b"], {"a": 1}, b"xy", (lambda: 1)]
RAGGED = [[1.0], [1.0, 2.0]]


def _f_sum(x):
  return jnp.sum(x * 2.0)


def _cj():
  @numjax.custom_jvp
  def f(x):
    return jnp.sin(x)
  f.defjvp(lambda p, t: (jnp.sin(p[0]), jnp.cos(p[0]) * t[0]))
  return f


def _cv():
  @numjax.custom_vjp
  def f(x):
    return jnp.sin(x)
  f.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), lambda r, g: (r * g,))
  return f


X3 = jnp.arange(3.0)
KEY = jr.PRNGKey(0)
TAKES_ARRAY = {
    "jnp.sin": lambda v: jnp.sin(v),
    "jnp.exp": lambda v: jnp.exp(v),
    "jnp.add": lambda v: jnp.add(X3, v),
    "jnp.multiply(left)": lambda v: jnp.multiply(v, X3),
    "jnp.sum": lambda v: jnp.sum(v),
    "jnp.mean": lambda v: jnp.mean(v),
    "jnp.max": lambda v: jnp.max(v),
    "jnp.dot": lambda v: jnp.dot(X3, v),
    "jnp.matmul": lambda v: jnp.matmul(v, X3),
    "jnp.where": lambda v: jnp.where(v, X3, X3),
    "jnp.clip": lambda v: jnp.clip(v, 0, 1),
    "jnp.sort": lambda v: jnp.sort(v),
    "jnp.concatenate": lambda v: jnp.concatenate([X3, v]),
    "jnp.stack": lambda v: jnp.stack([X3, v]),
    "jnp.reshape": lambda v: jnp.reshape(v, (3,)),
    "jnp.kron": lambda v: jnp.kron(X3, v),
    "jnp.take": lambda v: jnp.take(v, 0),
    "jnp.array": lambda v: jnp.array(v),
    "jnp.asarray": lambda v: jnp.asarray(v),
    "jnp.zeros_like": lambda v: jnp.zeros_like(v),
    "jnp.full_like": lambda v: jnp.full_like(X3, v),
    "jnp.atleast_2d": lambda v: jnp.atleast_2d(v),
    "jnp.array_equal": lambda v: jnp.array_equal(X3, v),
    "jnp.linalg.inv": lambda v: jnp.linalg.inv(v),
    "jnp.fft.fft": lambda v: jnp.fft.fft(v),
    "x.at[0].set": lambda v: X3.at[0].set(v),
    "lax.add": lambda v: lax.add(X3, v),
    "lax.sin": lambda v: lax.sin(v),
    "lax.exp": lambda v: lax.exp(v),
    "lax.stop_gradient": lambda v: lax.stop_gradient(v),
    "lax.convert_element_type": lambda v: lax.convert_element_type(v, jnp.float32),
    "lax.full_like": lambda v: lax.full_like(X3, v),
    "random.normal(key)": lambda v: jr.normal(v, (2,)),
    "random.uniform(minval)": lambda v: jr.uniform(KEY, (2,), minval=v),
    "random.split": lambda v: jr.split(v),
    "random.fold_in": lambda v: jr.fold_in(KEY, v),
    "grad": lambda v: numjax.grad(_f_sum)(v),
    "value_and_grad": lambda v: numjax.value_and_grad(_f_sum)(v),
    "jacfwd": lambda v: numjax.jacfwd(_f_sum)(v),
    "jacrev": lambda v: numjax.jacrev(_f_sum)(v),
    "hessian": lambda v: numjax.hessian(_f_sum)(v),
    "jvp": lambda v: numjax.jvp(_f_sum, (v,), (v,)),
    "vjp": lambda v: numjax.vjp(_f_sum, v),
    "vjp cotangent": lambda v: numjax.vjp(jnp.sin, X3)[1](v),
    "linearize": lambda v: numjax.linearize(_f_sum, v),
    "vmap": lambda v: numjax.vmap(_f_sum)(v),
    "jit": lambda v: numjax.jit(_f_sum)(v),
    "make_jaxpr": lambda v: numjax.make_jaxpr(_f_sum)(v),
    "eval_shape": lambda v: numjax.eval_shape(_f_sum, v),
    "device_put": lambda v: numjax.device_put(v),
    "custom_jvp": lambda v: _cj()(v),
    "custom_vjp": lambda v: _cv()(v),
    "checkpoint": lambda v: numjax.checkpoint(_f_sum)(v),
    "lax.cond operand": lambda v: lax.cond(True, lambda a: a, lambda a: a, v),
    "lax.scan xs": lambda v: lax.scan(lambda c, a: (c, a), 0.0, v),
    "lax.while_loop init": lambda v: lax.while_loop(lambda c: False, lambda c: c, v),
}
# Where the function does something else with a None (and JAX does the same).
_NONE_OK = {"jnp.where", "jnp.reshape", "vjp cotangent", "lax.cond operand", "lax.scan xs",
            "lax.while_loop init", "jnp.take", "grad", "value_and_grad", "jit", "checkpoint",
            "jnp.multiply(left)", "custom_jvp", "custom_vjp", "eval_shape", "make_jaxpr",
            "device_put", "vmap", "jacfwd", "jacrev", "hessian", "linearize", "vjp", "jvp"}


# Functions over pytrees: a dict or a list of numbers is a valid argument.
_PYTREES = {"device_put", "lax.cond operand", "lax.stop_gradient", "lax.while_loop init"}


@_sweep(300)
@given(name=st.sampled_from(sorted(TAKES_ARRAY)), value=st.sampled_from(BAD_VALUES + [RAGGED]))
def test_non_array_arguments(name, value):
  fn = TAKES_ARRAY[name]
  if name in _PYTREES and (value is None or isinstance(value, (dict, list)) and
                           not (isinstance(value, list) and isinstance(value[0], str))):
    fn(value)
    return
  if value is None and name in _NONE_OK:
    try:
      fn(value)
    except ALLOWED:
      pass  # None may be a valid pytree (or an "absent" operand); any error must be clean
    except Exception as e:  # noqa: BLE001
      raise AssertionError(f"{name}(None): {type(e).__name__}: {e}") from e
    return
  expect_error(lambda: fn(value))


# ----------------------------------------------------------------------------------------------
# Axes out of range or of the wrong type
# ----------------------------------------------------------------------------------------------
AXIS_FNS = {
    "sum": lambda x, a: jnp.sum(x, axis=a), "mean": lambda x, a: jnp.mean(x, axis=a),
    "max": lambda x, a: jnp.max(x, axis=a), "prod": lambda x, a: jnp.prod(x, axis=a),
    "std": lambda x, a: jnp.std(x, axis=a), "var": lambda x, a: jnp.var(x, axis=a),
    "argmax": lambda x, a: jnp.argmax(x, axis=a), "argmin": lambda x, a: jnp.argmin(x, axis=a),
    "any": lambda x, a: jnp.any(x, axis=a), "all": lambda x, a: jnp.all(x, axis=a),
    "cumsum": lambda x, a: jnp.cumsum(x, axis=a), "cumprod": lambda x, a: jnp.cumprod(x, axis=a),
    "sort": lambda x, a: jnp.sort(x, axis=a), "argsort": lambda x, a: jnp.argsort(x, axis=a),
    "median": lambda x, a: jnp.median(x, axis=a), "flip": lambda x, a: jnp.flip(x, axis=a),
    "roll": lambda x, a: jnp.roll(x, 1, axis=a), "diff": lambda x, a: jnp.diff(x, axis=a),
    "nanmean": lambda x, a: jnp.nanmean(x, axis=a),
    "take": lambda x, a: jnp.take(x, 0, axis=a),
    "take_along_axis": lambda x, a: jnp.take_along_axis(x, jnp.zeros_like(x, jnp.int32), a),
    "expand_dims": lambda x, a: jnp.expand_dims(x, a),
    "squeeze": lambda x, a: jnp.squeeze(x, axis=a),
    "concatenate": lambda x, a: jnp.concatenate([x, x], axis=a),
    "stack": lambda x, a: jnp.stack([x, x], axis=a),
    "split": lambda x, a: jnp.split(x, 1, axis=a),
    "repeat": lambda x, a: jnp.repeat(x, 2, axis=a),
    "moveaxis": lambda x, a: jnp.moveaxis(x, a, 0),
    "swapaxes": lambda x, a: jnp.swapaxes(x, 0, a),
    "linalg.norm": lambda x, a: jnp.linalg.norm(x, axis=a),
    "fft.fft": lambda x, a: jnp.fft.fft(x, axis=a),
    "fft.rfft": lambda x, a: jnp.fft.rfft(x, axis=a),
    "fft.fftshift": lambda x, a: jnp.fft.fftshift(x, axes=a),
    "nn.softmax": lambda x, a: numjax.nn.softmax(x, axis=a),
    "nn.logsumexp": lambda x, a: numjax.nn.logsumexp(x, axis=a),
    "random.permutation": lambda x, a: jr.permutation(KEY, x, axis=a),
    "random.categorical": lambda x, a: jr.categorical(KEY, x, axis=a),
    "lax.cumsum": lambda x, a: lax.cumsum(x, axis=a),
    "lax.sort": lambda x, a: lax.sort(x, dimension=a),
    "lax.reduce_sum": lambda x, a: lax.reduce_sum(x, (a,)),
    "lax.reduce_max": lambda x, a: lax.reduce_max(x, (a,)),
    "lax.argmax": lambda x, a: lax.argmax(x, a, jnp.int32),
    "lax.squeeze": lambda x, a: lax.squeeze(x, (a,)),
    "lax.expand_dims": lambda x, a: lax.expand_dims(x, (a,)),
    "lax.rev": lambda x, a: lax.rev(x, (a,)),
    "lax.top_k": lambda x, a: lax.top_k(x, 1, axis=a),
    "lax.slice_in_dim": lambda x, a: lax.slice_in_dim(x, 0, 1, axis=a),
    "lax.index_in_dim": lambda x, a: lax.index_in_dim(x, 0, axis=a),
    "lax.dynamic_slice_in_dim": lambda x, a: lax.dynamic_slice_in_dim(x, 0, 1, axis=a),
}


# Functions whose axis indexes the output, one rank higher than the input.
_AXIS_PLUS_ONE = {"stack", "expand_dims", "lax.expand_dims"}
# lax functions that take only non-negative axes (as JAX's do).
_NONNEGATIVE = {"lax.cumsum", "lax.reduce_sum", "lax.reduce_max", "lax.argmax", "lax.rev"}
_GOOD_AXIS_CALL = {"squeeze": lambda x: jnp.squeeze(x[None], axis=0),
                   "lax.squeeze": lambda x: lax.squeeze(x[None], (0,))}


@_sweep(300)
@given(name=st.sampled_from(sorted(AXIS_FNS)), shape=small_shape,
       bad=st.one_of(st.integers(0, 3), st.integers(-4, -1), st.sampled_from([1.5, "a"])),
       mode=st.sampled_from(["eager", "jit"]))
def test_bad_axes(name, shape, bad, mode):
  fn = AXIS_FNS[name]
  x = _arr(shape)
  n = len(shape) + (name in _AXIS_PLUS_ONE)
  if isinstance(bad, int):
    axis = n + bad if bad >= 0 else -n + bad  # just out of range, on either side
    if name in _NONNEGATIVE and axis < 0:
      axis = -axis - 1 + n
    mention, types = (str(axis),), ALLOWED
  else:
    axis, mention, types = bad, (), (TypeError, ValueError)
  good = _GOOD_AXIS_CALL.get(name, lambda x: fn(x, 0))
  if mode == "eager":
    expect_error_eager(lambda: fn(x, axis), lambda: good(x), types=types, mention=mention)
  else:
    expect_error(lambda: numjax.jit(lambda a: fn(a, axis))(x), types=types, mention=mention)


# ----------------------------------------------------------------------------------------------
# Shapes: reshape, broadcast_to, concatenate/stack, zeros
# ----------------------------------------------------------------------------------------------
@_sweep(80)
@given(shape=small_shape, new=small_shape, mode=st.sampled_from(["eager", "jit", "vmap"]))
def test_reshape_size_mismatch(shape, new, mode):
  if int(np.prod(shape)) == int(np.prod(new)):
    new = new + (2,)
  x = _arr(shape)
  mention = (shape_str(shape), shape_str(new))
  if mode == "eager":
    expect_error_eager(lambda: jnp.reshape(x, new), lambda: jnp.reshape(x, (-1,)),
                       types=TypeError, mention=mention)
    expect_error_eager(lambda: lax.reshape(x, new), lambda: lax.reshape(x, (x.size,)),
                       types=TypeError, mention=mention)
  elif mode == "jit":
    expect_error(lambda: numjax.jit(lambda a: a.reshape(new))(x), types=TypeError,
                 mention=mention)
  else:
    expect_error(lambda: numjax.vmap(lambda a: jnp.reshape(a, new))(_arr((2,) + shape)),
                 types=TypeError, mention=mention)


@pytest.mark.parametrize("bad", [(-1, -1), "a", (1.5, 2), None, (2, "3")])
def test_reshape_bad_shape_argument(bad):
  expect_error(lambda: jnp.reshape(jnp.ones(4), bad), types=TypeError)
  expect_error(lambda: lax.reshape(jnp.ones(4), bad if bad != (-1, -1) else (-1, 4)),
               types=TypeError)


@pytest.mark.parametrize("bad", [(-1,), "a", (2.5,), (2, None)])
def test_creation_bad_shapes(bad):
  for fn in (jnp.zeros, jnp.ones, lambda s: jnp.full(s, 1.0), lambda s: lax.full(s, 0.0),
             lambda s: jr.normal(KEY, s), lambda s: jr.uniform(KEY, s)):
    expect_error(lambda: fn(bad), types=(TypeError, ValueError))


@_sweep(80)
@given(shapes=incompatible_shapes(), fn=st.sampled_from(["concatenate", "stack", "hstack",
                                                          "vstack", "lax.concatenate",
                                                          "broadcast_arrays", "broadcast_to"]),
       mode=st.sampled_from(["eager", "jit"]))
def test_joining_mismatched_shapes(shapes, fn, mode):
  sa, sb = shapes
  if fn in ("concatenate", "lax.concatenate", "hstack", "vstack") and len(sa) == len(sb):
    # Only the concatenation axis may differ: make another one differ.
    k = next(i for i in range(len(sa)) if sa[i] != sb[i])
    axis = (k + 1) % len(sa)
    if len(sa) == 1:
      sa, sb, axis = sa + (2,), sb + (3,), 0
      if fn == "vstack":
        axis = 0
    sb = tuple(d + (1 if i == axis and fn in ("hstack", "vstack") else 0)
               for i, d in enumerate(sb))
  x, y = _arr(sa), _arr(sb)
  call = {
      "concatenate": lambda a, b: jnp.concatenate([a, b], axis=0),
      "stack": lambda a, b: jnp.stack([a, b]),
      "hstack": lambda a, b: jnp.hstack([a, b]),
      "vstack": lambda a, b: jnp.vstack([a, b]),
      "lax.concatenate": lambda a, b: lax.concatenate([a, b], 0),
      "broadcast_arrays": lambda a, b: jnp.broadcast_arrays(a, b),
      "broadcast_to": lambda a, b: jnp.broadcast_to(a, b.shape),
  }[fn]
  try:
    call(x, y)
  except ALLOWED:
    pass
  else:
    return  # these two shapes happen to be joinable that way
  if mode == "eager":
    expect_error_eager(lambda: call(x, y), lambda: call(x, x))
  else:
    expect_error(lambda: numjax.jit(call)(x, y))


def test_stack_and_concatenate_messages():
  x3, x4, m23 = jnp.ones(3), jnp.ones(4), jnp.ones((2, 3))
  expect_error(lambda: jnp.stack([x3, x4]), ValueError, mention=("(3,)", "(4,)"))
  expect_error(lambda: jnp.concatenate([x3, m23]), TypeError, mention=("(3,)", "(2, 3)"))
  expect_error(lambda: lax.concatenate([x3, x4], 1), TypeError, mention=("dimension 1",))
  expect_error(lambda: lax.concatenate([], 0), ValueError)
  expect_error(lambda: jnp.concatenate([]), ValueError)


# ----------------------------------------------------------------------------------------------
# Contractions with mismatched dimensions
# ----------------------------------------------------------------------------------------------
@_sweep(80)
@given(m=st.integers(1, 4), k=st.integers(2, 5), dk=st.integers(1, 3), n=st.integers(1, 4),
       fn=st.sampled_from(["dot", "matmul", "@", "tensordot", "einsum", "inner", "vdot",
                           "lax.dot", "lax.dot_general", "linalg.multi_dot"]),
       mode=st.sampled_from(["eager", "jit", "vmap", "grad"]))
def test_contraction_mismatch(m, k, dk, n, fn, mode):
  a, b = _arr((m, k)), _arr((k + dk, n))
  call = {
      "dot": jnp.dot, "matmul": jnp.matmul, "@": lambda p, q: p @ q,
      "tensordot": lambda p, q: jnp.tensordot(p, q, 1),
      "einsum": lambda p, q: jnp.einsum("ij,jk->ik", p, q),
      "inner": lambda p, q: jnp.inner(p, q.T),
      "vdot": lambda p, q: jnp.vdot(p[0], q[:, 0]),
      "lax.dot": lax.dot,
      "lax.dot_general": lambda p, q: lax.dot_general(p, q, (((1,), (0,)), ((), ()))),
      "linalg.multi_dot": lambda p, q: jnp.linalg.multi_dot([p, q]),
  }[fn]
  mention = (str(k), str(k + dk))
  if mode == "eager":
    expect_error_eager(lambda: call(a, b), lambda: call(a, _arr((k, n))), mention=mention)
  elif mode == "jit":
    expect_error(lambda: numjax.jit(call)(a, b), mention=mention)
  elif mode == "vmap":
    expect_error(lambda: numjax.vmap(call, in_axes=(0, None))(_arr((2, m, k)), b),
                 mention=mention)
  else:
    expect_error(lambda: numjax.grad(lambda p: jnp.sum(call(p, b)))(a), mention=mention)


@pytest.mark.parametrize("axes", ["a", (0, 1, 2), 1.5, ([0, 1], [0])])
def test_tensordot_bad_axes(axes):
  expect_error(lambda: jnp.tensordot(jnp.ones((2, 3)), jnp.ones((3, 4)), axes), TypeError)


@pytest.mark.parametrize("dn", ["a", (((1,), (0,)),), (((5,), (0,)), ((), ())),
                                (((1,), (0, 1)), ((), ())), (((0, 0), (0, 1)), ((), ()))])
def test_dot_general_bad_dimension_numbers(dn):
  a, b = jnp.ones((2, 3)), jnp.ones((3, 4))
  lax.dot_general(a, b, (((1,), (0,)), ((), ())))
  expect_error(lambda: lax.dot_general(a, b, dn), TypeError)
  expect_error(lambda: numjax.jit(lambda p, q: lax.dot_general(p, q, dn))(a, b), TypeError)


@pytest.mark.parametrize("spec,shapes", [
    ("ij,jk->ik", [(2, 3)]), ("ij,jk->ik", [(2, 3), (3, 4), (4, 5)]),
    ("ijk,jk->ik", [(2, 3), (3, 4)]), ("ij,jk->iz", [(2, 3), (3, 4)]),
    ("i->ii", [(3,)]), ("ii", [(2, 3)]), ("ij,jk->ik", [(2, 3), (2, 3)])])
def test_einsum_bad_subscripts(spec, shapes):
  expect_error(lambda: jnp.einsum(spec, *[_arr(s) for s in shapes]), ValueError)


def test_einsum_bad_first_argument():
  expect_error(lambda: jnp.einsum(3, jnp.ones(3)), TypeError)


# ----------------------------------------------------------------------------------------------
# Indexing
# ----------------------------------------------------------------------------------------------
BAD_INDICES = ["a", 1.5, (0, 0, 0, 0), jnp.ones(2), np.array([0.5]), [0.5], {"a": 1},
               object(), (Ellipsis, Ellipsis), jnp.array([True, False]),
               np.ones((2, 2), bool)]


@_sweep(80)
@given(idx=st.sampled_from(range(len(BAD_INDICES))),
       how=st.sampled_from(["getitem", "set", "add", "get", "jit"]))
def test_bad_indices(idx, how):
  x = _arr((3, 4))
  i = BAD_INDICES[idx]
  call = {
      "getitem": lambda: x[i], "set": lambda: x.at[i].set(0.0),
      "add": lambda: x.at[i].add(1.0), "get": lambda: x.at[i].get(),
      "jit": lambda: numjax.jit(lambda a: a[i])(x),
  }[how]
  expect_error(call, (TypeError, IndexError, ValueError))


@pytest.mark.parametrize("indices", [1.5, jnp.array([0.5]), "a"])
def test_take_bad_indices(indices):
  expect_error(lambda: jnp.take(jnp.ones(3), indices), (ValueError, TypeError))


def test_update_bad_values():
  x = jnp.ones(3)
  expect_error(lambda: x.at[0].set("a"), TypeError)
  expect_error(lambda: x.at[0].set(jnp.ones(4)), ValueError, mention=("(4,)",))
  expect_error(lambda: x.at[:].set(jnp.ones(4)), ValueError, mention=("(4,)",))


# ----------------------------------------------------------------------------------------------
# where, clip, sort, pad, split ... with bad arguments
# ----------------------------------------------------------------------------------------------
def test_misc_jnp_bad_arguments():
  x3, x4, m23 = jnp.ones(3), jnp.ones(4), jnp.ones((2, 3))
  cases = [
      (lambda: jnp.where(x3 > 0, x3, x4), ValueError, ("(3,)", "(4,)")),
      (lambda: jnp.where(x4 > 0, x3, x3), ValueError, ("(4,)", "(3,)")),
      (lambda: jnp.where(x3 > 0, x3), ValueError, ()),
      (lambda: jnp.clip(x3, x4), TypeError, ("(4,)", "(3,)")),
      (lambda: jnp.clip(x3, 0, x4), TypeError, ()),
      (lambda: jnp.pad(x3, ((1, 1), (1, 1))), ValueError, ("(2, 2)",)),
      (lambda: jnp.pad(x3, -1), ValueError, ()),
      (lambda: jnp.pad(x3, 1.5), TypeError, ()),
      (lambda: jnp.split(x3, 2), ValueError, ()),
      (lambda: jnp.array_split(x3, 0), ValueError, ()),
      (lambda: jnp.tril(x3), ValueError, ("(3,)",)),
      (lambda: jnp.triu(jnp.ones(())), ValueError, ()),
      (lambda: jnp.diagonal(x3), ValueError, ()),
      (lambda: jnp.cross(x3, x4), ValueError, ()),
      (lambda: jnp.moveaxis(m23, (0, 1), (0,)), ValueError, ()),
      (lambda: jnp.transpose(m23, (0,)), TypeError, ("(0,)", "(2, 3)")),
      (lambda: jnp.transpose(m23, (0, 0)), TypeError, ()),
      (lambda: jnp.expand_dims(m23, (0, 0)), ValueError, ()),
      (lambda: jnp.squeeze(m23, axis=0), ValueError, ("(2, 3)",)),
      (lambda: jnp.broadcast_to(x3, (4,)), ValueError, ("(3,)", "(4,)")),
      (lambda: jnp.broadcast_shapes((3,), (4,)), ValueError, ("(3,)", "(4,)")),
      (lambda: jnp.matmul(jnp.ones((2, 2, 3)), jnp.ones((3, 3, 4))), ValueError, ()),
      (lambda: jnp.matmul(jnp.ones(()), x3), ValueError, ()),
      (lambda: jnp.average(x3, weights=x4), ValueError, ()),
      (lambda: jnp.average(m23, axis=0, weights=x3), ValueError, ()),
      (lambda: jnp.round(x3, 1.5), TypeError, ()),
      (lambda: jnp.linspace(0, 1, "a"), TypeError, ()),
      (lambda: jnp.eye(-1), ValueError, ()),
      (lambda: jnp.eye(2, k="a"), TypeError, ()),
      (lambda: jnp.array([[1, 2], [3]]), ValueError, ()),
      (lambda: jnp.array(None), ValueError, ()),
      (lambda: jnp.result_type("abc"), TypeError, ()),
      (lambda: jnp.sum(m23, axis=(0, 0)), ValueError, ()),
      (lambda: jnp.sum(m23, axis=1.0), TypeError, ()),
      (lambda: jnp.max(jnp.ones(0)), ValueError, ()),
      (lambda: jnp.argmax(jnp.ones(0)), ValueError, ()),
      (lambda: jnp.repeat(x3, x4), ValueError, ()),
      (lambda: jnp.take_along_axis(m23, jnp.ones((2, 3)), axis=0), TypeError, ()),
      (lambda: jnp.searchsorted(x3, x3, side="bogus"), ValueError, ()),
      (lambda: jnp.fft.fft(x3, n=0), ValueError, ()),
      (lambda: jnp.fft.fft(x3, norm="bad"), ValueError, ()),
      (lambda: jnp.fft.fftn(x3, axes=(0, 0)), ValueError, ()),
      (lambda: jnp.fft.fftn(x3, s=(2, 2)), ValueError, ()),
      (lambda: jnp.fft.rfft(jnp.ones(3, jnp.complex64)), (TypeError, ValueError), ()),
      (lambda: jnp.sqrt(x3, x3), TypeError, ("sqrt",)),
  ]
  expect_errors(cases)


LINALG = {
    "inv": jnp.linalg.inv, "det": jnp.linalg.det, "slogdet": jnp.linalg.slogdet,
    "cholesky": jnp.linalg.cholesky, "eigh": jnp.linalg.eigh, "eigvalsh": jnp.linalg.eigvalsh,
    "eig": jnp.linalg.eig, "eigvals": jnp.linalg.eigvals, "svd": jnp.linalg.svd,
    "qr": jnp.linalg.qr, "pinv": jnp.linalg.pinv, "matrix_power": lambda a:
    jnp.linalg.matrix_power(a, 2), "expm": numjax.scipy.linalg.expm,
    "lu": numjax.scipy.linalg.lu, "solve": lambda a: jnp.linalg.solve(a, jnp.ones(3)),
    "solve_triangular": lambda a: numjax.scipy.linalg.solve_triangular(a, jnp.ones(3)),
}
NEEDS_SQUARE = {"inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "eig", "eigvals",
                "matrix_power", "expm", "solve", "solve_triangular"}


@pytest.mark.parametrize("name", sorted(LINALG))
def test_linalg_bad_shapes(name):
  fn = LINALG[name]
  expect_error(lambda: fn(jnp.ones(3)))  # rank 1
  if name in NEEDS_SQUARE:
    expect_error(lambda: fn(jnp.ones((2, 3))), mention=("(2, 3)",))
    expect_error(lambda: numjax.jit(fn)(jnp.ones((2, 3))), mention=("(2, 3)",))
  expect_error(lambda: fn("a"), TypeError)


def test_linalg_solve_mismatch():
  expect_error(lambda: jnp.linalg.solve(jnp.eye(2), jnp.ones(3)), ValueError,
               mention=("(2, 2)", "(3,)"))
  expect_error(lambda: jnp.linalg.lstsq(jnp.ones((2, 3)), jnp.ones(4)), ValueError)
  expect_error(lambda: jnp.linalg.matrix_power(jnp.eye(2), 1.5), TypeError)
  expect_error(lambda: jnp.linalg.norm(jnp.ones(3), ord="bad"), ValueError)
  expect_error(lambda: jnp.linalg.norm(jnp.ones((2, 2, 2)), axis=(0, 1, 2)), ValueError)


# ----------------------------------------------------------------------------------------------
# lax structural ops with bad parameters (also after a valid call: NumPy would clip silently)
# ----------------------------------------------------------------------------------------------
@_sweep(120)
@given(n=st.integers(1, 5), start=st.integers(-3, 7), size=st.integers(-2, 7),
       stride=st.integers(-1, 3))
def test_lax_slice_out_of_bounds(n, start, size, stride):
  x = _arr((n,))
  limit = start + size
  if 0 <= start <= limit <= n and stride >= 1:
    return  # a valid slice
  strides = None if stride == 1 else (stride,)
  expect_error_eager(lambda: lax.slice(x, (start,), (limit,), strides),
                     lambda: lax.slice(x, (0,), (n,), (1,)), types=TypeError,
                     mention=(shape_str((n,)),) if 0 <= start and stride >= 1 else ())
  expect_error(lambda: numjax.jit(lambda a: lax.slice(a, (start,), (limit,), strides))(x),
               TypeError)


@_sweep(80)
@given(shape=small_shape, delta=st.integers(-3, 3), extra=st.booleans())
def test_lax_dynamic_slice_bad_sizes(shape, delta, extra):
  x = _arr(shape)
  sizes = list(shape)
  sizes[0] += delta if delta else 1
  if extra:
    sizes.append(1)
  if all(0 <= s <= d for s, d in zip(sizes, shape)) and len(sizes) == len(shape):
    return
  starts = (0,) * len(shape)
  expect_error_eager(lambda: lax.dynamic_slice(x, starts, sizes),
                     lambda: lax.dynamic_slice(x, starts, shape), types=TypeError)
  expect_error(lambda: numjax.jit(lambda a: lax.dynamic_slice(a, starts, sizes))(x), TypeError)


def test_lax_structural_bad_parameters():
  x3, m23 = jnp.ones(3), jnp.ones((2, 3))
  i0 = jnp.array(0)
  warmups = [lambda: lax.broadcast_in_dim(x3, (2, 3), (1,)), lambda: lax.pad(x3, 0.0, [(1, 1, 0)]),
             lambda: lax.transpose(m23, (1, 0)), lambda: lax.rev(x3, (0,)),
             lambda: lax.dynamic_update_slice(x3, x3, (0,)), lambda: lax.squeeze(m23[:1], (0,)),
             lambda: lax.top_k(x3, 1), lambda: lax.sort((x3, x3), num_keys=1),
             lambda: lax.reduce_sum(m23, (0,)), lambda: lax.argmax(x3, 0, jnp.int32),
             lambda: lax.select(x3 > 0, x3, x3), lambda: lax.clamp(0.0, x3, 1.0),
             lambda: lax.dynamic_slice(x3, (i0,), (1,)), lambda: lax.iota(jnp.int32, 3)]
  for w in warmups:
    w()
  cases = [
      (lambda: lax.broadcast_in_dim(x3, (4,), (0,)), TypeError, ("(3,)", "(4,)")),
      (lambda: lax.broadcast_in_dim(x3, (2, 3), (0,)), TypeError, ("(3,)", "(2, 3)")),
      (lambda: lax.broadcast_in_dim(x3, (2, 3), (5,)), TypeError, ("(5,)",)),
      (lambda: lax.broadcast_in_dim(x3, (2, 3), (0, 1)), TypeError, ("(0, 1)",)),
      (lambda: lax.broadcast_in_dim(x3, (3, 3), ()), TypeError, ()),
      (lambda: lax.broadcast_in_dim(x3, (-1, 3), (1,)), TypeError, ("(-1, 3)",)),
      (lambda: lax.broadcast_in_dim(x3, "a", (0,)), TypeError, ()),
      (lambda: lax.broadcast(x3, (-1,)), TypeError, ()),
      (lambda: lax.pad(x3, 0.0, [(1, 1, 0), (1, 1, 0)]), ValueError, ("(3,)",)),
      (lambda: lax.pad(x3, 0.0, [(1, 1)]), ValueError, ()),
      (lambda: lax.pad(x3, 0.0, [(-5, 0, 0)]), ValueError, ("(3,)",)),
      (lambda: lax.pad(x3, 0.0, [(0, 0, -1)]), ValueError, ()),
      (lambda: lax.pad(x3, x3, [(0, 0, 0)]), ValueError, ("(3,)",)),
      (lambda: lax.transpose(m23, (0,)), TypeError, ("(2, 3)",)),
      (lambda: lax.transpose(m23, (0, 0)), TypeError, ("(2, 3)",)),
      (lambda: lax.transpose(m23, (0, 5)), TypeError, ("(2, 3)",)),
      (lambda: lax.rev(x3, (1,)), TypeError, ()),
      (lambda: lax.rev(x3, (0, 0)), TypeError, ()),
      (lambda: lax.squeeze(m23, (0,)), ValueError, ("(2, 3)",)),
      (lambda: lax.squeeze(m23, (5,)), ValueError, ()),
      (lambda: lax.expand_dims(x3, (5,)), ValueError, ()),
      (lambda: lax.expand_dims(x3, (0, 0)), ValueError, ()),
      (lambda: lax.dynamic_update_slice(x3, jnp.ones(4), (0,)), TypeError, ("(4,)", "(3,)")),
      (lambda: lax.dynamic_update_slice(x3, m23, (0,)), TypeError, ("(2, 3)", "(3,)")),
      (lambda: lax.dynamic_update_slice(x3, jnp.arange(3), (0,)), TypeError, ("int32",)),
      (lambda: lax.dynamic_update_slice(x3, x3, (0, 0)), ValueError, ()),
      (lambda: lax.dynamic_slice(x3, (0.5,), (1,)), TypeError, ("float32",)),
      (lambda: lax.dynamic_slice(x3, (jnp.zeros(2, jnp.int32),), (1,)), TypeError, ()),
      (lambda: lax.dynamic_slice(x3, ("a",), (1,)), TypeError, ()),
      (lambda: lax.top_k(x3, 5), ValueError, ("k=5",)),
      (lambda: lax.top_k(x3, -1), ValueError, ()),
      (lambda: lax.sort((x3, jnp.ones(4))), TypeError, ("(3,)", "(4,)")),
      (lambda: lax.sort(x3, num_keys=2), ValueError, ()),
      (lambda: lax.reduce_sum(x3, (1,)), ValueError, ("(1,)",)),
      (lambda: lax.reduce_sum(m23, (0, 0)), ValueError, ()),
      (lambda: lax.argmax(x3, 1, jnp.int32), ValueError, ("(3,)",)),
      (lambda: lax.argmax(x3, 0, jnp.float32), TypeError, ("float32",)),
      (lambda: lax.select(x3 > 0, x3, jnp.ones(4)), TypeError, ("(4,)", "(3,)")),
      (lambda: lax.select(jnp.ones(4) > 0, x3, x3), TypeError, ("(4,)", "(3,)")),
      (lambda: lax.select(x3, x3, x3), TypeError, ("float32",)),
      (lambda: lax.clamp(0.0, x3, jnp.ones(4)), TypeError, ("(4,)",)),
      (lambda: lax.iota(jnp.int32, -1), TypeError, ()),
      (lambda: lax.full((-2,), 0.0), TypeError, ("(-2,)",)),
      (lambda: lax.full("a", 0.0), TypeError, ()),
      (lambda: lax.full((2,), x3), TypeError, ("(3,)",)),
      (lambda: lax.integer_pow(x3, 1.5), TypeError, ("1.5",)),
      (lambda: lax.round(x3, 5), ValueError, ()),
      (lambda: lax.convert_element_type(x3, None), ValueError, ()),
      (lambda: lax.convert_element_type(x3, "notadtype"), TypeError, ()),
      (lambda: lax.bitcast_convert_type(x3, jnp.float16), TypeError, ()),
      (lambda: lax.cumsum(x3, axis=1), ValueError, ("(3,)",)),
      (lambda: lax.cumsum(x3, axis=-1), ValueError, ()),
      (lambda: lax.slice(x3, "a", "b"), TypeError, ()),
      (lambda: lax.fft(x3.astype(jnp.complex64), "BAD", (3,)), ValueError, ()),
      (lambda: lax.fft(x3.astype(jnp.complex64), "FFT", (4,)), ValueError, ()),
  ]
  expect_errors(cases)


def test_lax_broadcast_in_dim_unsorted_dimensions_transpose():
  """Unsorted broadcast_dimensions permute the operand (not a silent reshape)."""
  m = jnp.arange(6.0).reshape(2, 3)
  f = lambda a: lax.broadcast_in_dim(a, (4, 3, 2), (2, 1))
  want = np.broadcast_to(np.arange(6.0).reshape(2, 3).T, (4, 3, 2))
  np.testing.assert_array_equal(f(m), want)
  np.testing.assert_array_equal(numjax.jit(f)(m), want)
  _, f_vjp = numjax.vjp(f, m)
  u = jnp.arange(24.0).reshape(4, 3, 2)
  np.testing.assert_array_equal(f_vjp(u)[0], np.einsum("kji->ij", np.asarray(u)))


def test_eager_fast_path_dtype_checks():
  """jnp's eager fast path calls NumPy directly; dtypes lax rejects must not slip through."""
  x, i = jnp.ones(3), jnp.arange(3)
  for op in (jnp.bitwise_and, jnp.bitwise_or, jnp.bitwise_xor, jnp.left_shift):
    op(i, i)
    expect_error(lambda: op(x, x), TypeError, ("float32",))
    expect_error(lambda: op(x, 1.0), TypeError, ("float32",))
    expect_error(lambda: numjax.jit(op)(x, x), TypeError, ("float32",))


def test_bool_add_multiply_eager_and_jit():
  """JAX's add/multiply on bools are logical or/and, under jit as well as eagerly."""
  b, c = jnp.array([True, False, False]), jnp.array([True, True, False])
  for f in (lambda p, q: p + q, jnp.add, numjax.jit(jnp.add)):
    out = f(b, c)
    assert out.dtype == np.bool_ and np.asarray(out).tolist() == [True, True, False]
  for f in (lambda p, q: p * q, jnp.multiply, numjax.jit(jnp.multiply)):
    out = f(b, c)
    assert out.dtype == np.bool_ and np.asarray(out).tolist() == [True, False, False]
  expect_error(lambda: jnp.subtract(b, c), TypeError, ("bool",))
  expect_error(lambda: numjax.jit(jnp.subtract)(b, c), TypeError, ("bool",))


def test_select_n_which_out_of_range_and_bool_with_three_cases():
  x, y = jnp.zeros(3), jnp.ones(3)
  np.testing.assert_array_equal(lax.select_n(jnp.int32(5), x, y), y)  # clamped, not an error
  np.testing.assert_array_equal(lax.select_n(jnp.array([0, 7, -2]), x, y), [0.0, 1.0, 0.0])
  expect_error(lambda: lax.select_n(x > 0, x, y, y), TypeError, ("> 2 cases",))


def test_empty_fft_and_glu():
  assert jnp.fft.fft(jnp.ones(0)).shape == (0,)
  assert numjax.jit(jnp.fft.ifft)(jnp.ones((2, 0))).shape == (2, 0)
  expect_error(lambda: numjax.nn.glu(jnp.ones(3)), ValueError, ("(3,)",))


# ----------------------------------------------------------------------------------------------
# Control flow with mismatched carries and branches
# ----------------------------------------------------------------------------------------------
def test_control_flow_mismatch():
  x3 = jnp.ones(3)
  cases = [
      (lambda: lax.cond(True, lambda: 1.0, lambda: jnp.ones(2)), ("float32[]", "float32[2]")),
      (lambda: lax.cond(True, lambda: 1.0, lambda: jnp.int32(1)), ("float32[]", "int32[]")),
      (lambda: lax.cond(True, lambda: 1.0, lambda: (1.0, 1.0)), ("tuple",)),
      (lambda: lax.cond(x3, lambda: 1.0, lambda: 1.0), ("(3,)",)),
      (lambda: lax.cond("a", lambda: 1.0, lambda: 1.0), ()),
      (lambda: lax.cond(True, 1.0, 2.0), ("callable",)),
      (lambda: lax.switch(0, [lambda: 1.0, lambda: jnp.ones(2)]), ("float32[2]",)),
      (lambda: lax.switch(0, []), ()),
      (lambda: lax.switch(0.5, [lambda: 1.0, lambda: 2.0]), ("float32",)),
      (lambda: lax.switch(x3, [lambda: 1.0]), ("(3,)",)),
      (lambda: lax.scan(lambda c, x: (c + x, x), jnp.zeros(2), jnp.ones((3, 4))), ()),
      (lambda: lax.scan(lambda c, x: ((c, c), x), 0.0, x3), ("pytree",)),
      (lambda: lax.scan(lambda c, x: (jnp.ones(2), x), 0.0, x3), ("float32[2]",)),
      (lambda: lax.scan(lambda c, x: c, 0.0, x3), ("pair",)),
      (lambda: lax.scan(lambda c, x: (c, x), 0.0, (x3, jnp.ones(4))), ("3", "4")),
      (lambda: lax.scan(lambda c, x: (c, x), 0.0, 1.0), ()),
      (lambda: lax.scan(lambda c, x: (c, x), 0.0, x3, length=4), ("4",)),
      (lambda: lax.scan(lambda c, x: (c, x), 0.0, None), ("length",)),
      (lambda: lax.while_loop(lambda c: c < 3, lambda c: jnp.ones(2), 0.0), ("float32[2]",)),
      (lambda: lax.while_loop(lambda c: c < 3, lambda c: (c, c), 0.0), ("pytree",)),
      (lambda: lax.while_loop(lambda c: x3, lambda c: c, 0.0), ("boolean scalar",)),
      (lambda: lax.while_loop(lambda c: (c, c), lambda c: c, 0.0), ("boolean scalar",)),
      (lambda: lax.while_loop(3, lambda c: c, 0.0), ("callable",)),
      (lambda: lax.fori_loop(0, 3, lambda i, c: jnp.ones(2), 0.0), ("float32[2]",)),
      (lambda: lax.fori_loop(0.5, 3, lambda i, c: c, 0.0), ("float32", "int32")),
      (lambda: lax.map(lambda v: v, 3.0), ()),
  ]
  expect_errors([(fn, ALLOWED, mention) for fn, mention in cases])
  expect_errors([(lambda fn=fn: numjax.jit(lambda: fn())(), ALLOWED, mention)
                 for fn, mention in cases])


# ----------------------------------------------------------------------------------------------
# random: bad keys, shapes and dtypes
# ----------------------------------------------------------------------------------------------
def test_random_bad_arguments():
  key = jr.PRNGKey(0)
  x3 = jnp.ones(3)
  cases = [
      (lambda: jr.normal(0, (2,)), TypeError), (lambda: jr.normal(x3, (2,)), TypeError),
      (lambda: jr.normal(jnp.zeros(2), (2,)), TypeError),
      (lambda: jr.normal(jnp.zeros((2, 3), jnp.uint32), (2,)), TypeError),
      (lambda: jr.split(x3), TypeError), (lambda: jr.split(key, -1), ValueError),
      (lambda: jr.split(key, "a"), TypeError), (lambda: jr.fold_in(key, "a"), TypeError),
      (lambda: jr.PRNGKey("a"), TypeError), (lambda: jr.PRNGKey(1.5), TypeError),
      (lambda: jr.PRNGKey(x3), TypeError), (lambda: jr.key(x3), TypeError),
      (lambda: jr.normal(key, (2,), dtype=jnp.int32), ValueError),
      (lambda: jr.normal(key, (2,), dtype="bad"), TypeError),
      (lambda: jr.uniform(key, (2,), minval=x3), (TypeError, ValueError)),
      (lambda: jr.randint(key, (2,), 0, 10, dtype=jnp.float32), TypeError),
      (lambda: jr.bernoulli(key, x3, (2,)), ValueError),
      (lambda: jr.choice(key, x3, (5,), replace=False), ValueError),
      (lambda: jr.choice(key, x3, (2,), p=jnp.ones(4)), ValueError),
      (lambda: jr.permutation(key, jnp.ones(())), TypeError),
      (lambda: jr.categorical(key, jnp.ones((2, 3)), shape=(5,)), ValueError),
      (lambda: jr.multivariate_normal(key, x3, jnp.ones((2, 3))), ValueError),
      (lambda: jr.dirichlet(key, jnp.ones(())), ValueError),
      (lambda: jr.gamma(key, "a"), TypeError),
      (lambda: jr.bits(key, (2,), dtype=jnp.float32), ValueError),
  ]
  expect_errors([(fn, types, ()) for fn, types in cases])


# ----------------------------------------------------------------------------------------------
# Transformations
# ----------------------------------------------------------------------------------------------
def _f_vec(x):
  return x * 2.0


def _f_two(x, y):
  return jnp.sum(x * y)


def test_transformation_bad_arguments():
  x3, x4, i3 = jnp.ones(3), jnp.ones(4), jnp.arange(3)
  cases = [
      (lambda: numjax.grad(_f_vec)(x3), TypeError, ("(3,)",)),
      (lambda: numjax.grad(_f_sum)(i3), TypeError, ("int32",)),
      (lambda: numjax.grad(_f_sum, argnums=2)(x3), TypeError, ("argnums=2",)),
      (lambda: numjax.grad(_f_sum, argnums=-5)(x3), ValueError, ("-5",)),
      (lambda: numjax.grad(_f_sum, argnums="a")(x3), TypeError, ("argnums",)),
      (lambda: numjax.grad(_f_sum, has_aux=True)(x3), TypeError, ("pair",)),
      (lambda: numjax.grad(lambda x: None)(1.0), TypeError, ("None",)),
      (lambda: numjax.grad(3), TypeError, ("callable",)),
      (lambda: numjax.value_and_grad(_f_vec)(x3), TypeError, ("(3,)",)),
      (lambda: numjax.jvp(_f_vec, (x3,), (x4,)), ValueError, ("(3,)", "(4,)")),
      (lambda: numjax.jvp(_f_vec, (x3,), (i3,)), TypeError, ("int32",)),
      (lambda: numjax.jvp(_f_vec, x3, x3), TypeError, ("tuples or lists",)),
      (lambda: numjax.jvp(_f_vec, (x3,), (x3, x3)), TypeError, ("tree structure",)),
      (lambda: numjax.jvp(3, (x3,), (x3,)), TypeError, ("callable",)),
      (lambda: numjax.vjp(_f_vec, x3)[1](x4), ValueError, ("float32[4]", "float32[3]")),
      (lambda: numjax.vjp(_f_vec, x3)[1](i3), ValueError, ("int32[3]", "float32[3]")),
      (lambda: numjax.vjp(_f_vec, x3)[1]((x3,)), ValueError, ("tree structure",)),
      (lambda: numjax.vjp(lambda x: (x, x), x3)[1](x3), ValueError, ("tree structure",)),
      (lambda: numjax.vjp(3, x3), TypeError, ("callable",)),
      (lambda: numjax.linearize(_f_vec, x3)[1](x4), ValueError, ("float32[4]",)),
      (lambda: numjax.linearize(_f_vec, x3)[1](i3), ValueError, ("int32[3]",)),
      (lambda: numjax.linearize(_f_vec, x3)[1](x3, x3), TypeError, ()),
      (lambda: numjax.vmap(_f_vec)(1.0), ValueError, ("axis 0",)),
      (lambda: numjax.vmap(_f_vec, in_axes=1)(x3), ValueError, ("(3,)",)),
      (lambda: numjax.vmap(_f_vec, in_axes="a")(x3), TypeError, ("in_axes",)),
      (lambda: numjax.vmap(_f_vec, in_axes=(0, 0))(x3), ValueError, ("len(in_axes)=2",)),
      (lambda: numjax.vmap(_f_vec, in_axes={"a": 0})({"b": x3}), TypeError, ("in_axes",)),
      (lambda: numjax.vmap(_f_vec, in_axes=({"a": 0},))({"b": x3}), ValueError, ("prefix",)),
      (lambda: numjax.vmap(_f_two)(x3, x4), ValueError, ("size 3", "size 4")),
      (lambda: numjax.vmap(_f_two, in_axes=(None, None))(x3, x4), ValueError, ("non-None",)),
      (lambda: numjax.vmap(_f_vec, out_axes=1)(x3), ValueError, ("axis 1",)),
      (lambda: numjax.vmap(_f_vec, out_axes=-3)(x3), ValueError, ("axis -3",)),
      (lambda: numjax.vmap(_f_vec, out_axes="a")(x3), TypeError, ("out_axes",)),
      (lambda: numjax.vmap(_f_vec, out_axes=(0, 0))(x3), ValueError, ("out_axes",)),
      (lambda: numjax.vmap(_f_vec, out_axes=None)(x3), ValueError, ()),
      (lambda: numjax.vmap(_f_vec)(), ValueError, ("axis_size",)),
      (lambda: numjax.vmap(_f_vec)(None), ValueError, ("axis_size",)),
      (lambda: numjax.vmap(_f_vec, axis_size=4)(x3), ValueError, ("4",)),
      (lambda: numjax.jit(_f_vec, static_argnums=3), ValueError, ("static_argnums",)),
      (lambda: numjax.jit(_f_vec, static_argnames="y"), ValueError, ("'y'",)),
      (lambda: numjax.jit(_f_vec, donate_argnums=3), ValueError, ("donate_argnums",)),
      (lambda: numjax.jit(_f_vec, static_argnums="a"), TypeError, ("static_argnums",)),
      (lambda: numjax.jit(None), TypeError, ("callable",)),
      (lambda: numjax.jit(_f_vec, static_argnums=0)(x3), ValueError, ("hash",)),
      (lambda: numjax.jit(lambda x: "a")(x3), TypeError, ("str",)),
      (lambda: numjax.jacfwd(_f_vec)(i3), TypeError, ("jacfwd", "int32")),
      (lambda: numjax.jacrev(_f_vec)(i3), TypeError, ("jacrev", "int32")),
      (lambda: numjax.jacfwd(_f_vec, argnums=3)(x3), ValueError, ("3",)),
      (lambda: numjax.jacrev(_f_vec, argnums=(0, 4))(x3), ValueError, ("4",)),
      (lambda: numjax.hessian(_f_sum, argnums=7)(x3), ValueError, ("7",)),
      (lambda: numjax.make_jaxpr(_f_vec, static_argnums=4), ValueError, ("static_argnums",)),
      (lambda: numjax.make_jaxpr(3), TypeError, ("callable",)),
      (lambda: numjax.eval_shape(_f_two, numjax.ShapeDtypeStruct((2,), jnp.float32),
                                 numjax.ShapeDtypeStruct((3,), jnp.float32)), TypeError,
       ("(2,)", "(3,)")),
      (lambda: numjax.linear_transpose(_f_vec, x3)(x4), TypeError, ("f32[4]", "f32[3]")),
      (lambda: numjax.jit(lambda x: x if x > 0 else -x)(1.0),
       numjax.errors.TracerBoolConversionError, ("bool[]",)),
      (lambda: numjax.jit(lambda x: int(x))(1.0), numjax.errors.ConcretizationTypeError, ()),
      (lambda: numjax.jit(lambda x: range(x))(3), numjax.errors.TracerIntegerConversionError,
       ()),
      (lambda: numjax.jit(lambda x: np.asarray(x))(x3),
       numjax.errors.TracerArrayConversionError, ("float32[3]",)),
      (lambda: numjax.jit(lambda x: jnp.zeros(x))(3), TypeError, ("Shapes must be",)),
  ]
  expect_errors(cases)


def _custom_fns():
  out = {}

  def cj(rule):
    @numjax.custom_jvp
    def f(x):
      return jnp.sin(x)
    f.defjvp(rule)
    return f

  def cv(fwd, bwd):
    @numjax.custom_vjp
    def f(x):
      return jnp.sin(x)
    f.defvjp(fwd, bwd)
    return f
  out["jvp bad tangent shape"] = cj(lambda p, t: (jnp.sin(p[0]), jnp.ones(7)))
  out["jvp bad tree"] = cj(lambda p, t: ((jnp.sin(p[0]), p[0]), t[0]))
  out["jvp not a pair"] = cj(lambda p, t: jnp.sin(p[0]))
  out["jvp bad dtype"] = cj(lambda p, t: (jnp.sin(p[0]), t[0].astype(jnp.float16)))
  out["vjp bwd not a tuple"] = cv(lambda x: (jnp.sin(x), jnp.cos(x)), lambda r, g: r * g)
  out["vjp bwd bad shape"] = cv(lambda x: (jnp.sin(x), jnp.cos(x)),
                                lambda r, g: (jnp.ones(7),))
  out["vjp bwd bad length"] = cv(lambda x: (jnp.sin(x), jnp.cos(x)), lambda r, g: (g, g))
  out["vjp fwd not a pair"] = cv(lambda x: jnp.sin(x), lambda r, g: (g,))
  return out


@pytest.mark.parametrize("name", sorted(_custom_fns()))
def test_custom_derivative_rules_bad_outputs(name):
  f = _custom_fns()[name]
  x = jnp.ones(3)
  expect_error(lambda: numjax.grad(lambda a: jnp.sum(f(a)))(x))
  expect_error(lambda: numjax.jit(numjax.grad(lambda a: jnp.sum(f(a))))(x))
  if name.startswith("jvp"):
    expect_error(lambda: numjax.jvp(f, (x,), (x,)))


def test_custom_derivatives_without_rules():
  @numjax.custom_jvp
  def f(x):
    return jnp.sin(x)

  @numjax.custom_vjp
  def g(x):
    return jnp.sin(x)
  # JAX raises AttributeError here too (its documented error for a missing rule).
  with pytest.raises(AttributeError, match="No JVP defined"):
    numjax.grad(f)(1.0)
  with pytest.raises(AttributeError, match="No VJP defined"):
    numjax.grad(g)(1.0)


# ----------------------------------------------------------------------------------------------
# Tracer leaks
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("transform", ["jit", "grad", "vmap"])
@pytest.mark.parametrize("use", ["add", "sin", "jnp.dot", "index", "sum", "jit", "lax.add",
                                 "cond"])
def test_leaked_tracer(transform, use):
  leaked = []

  def f(x):
    leaked.append(x)
    return jnp.sum(x * 1.0)
  x = jnp.ones((2, 3))
  {"jit": numjax.jit(f), "grad": numjax.grad(f), "vmap": numjax.vmap(f)}[transform](x)
  t = leaked[0]
  call = {
      "add": lambda: t + 1.0, "sin": lambda: jnp.sin(t), "jnp.dot": lambda: jnp.dot(t, t),
      "index": lambda: t[0], "sum": lambda: t.sum(),
      "jit": lambda: numjax.jit(lambda y: y + t)(1.0), "lax.add": lambda: lax.add(t, t),
      "cond": lambda: lax.cond(True, lambda: t, lambda: t),
  }[use]
  err = expect_error(call, UnexpectedTracerError)
  assert "escape" in str(err) or "unexpected tracer" in str(err).lower()


def test_leaked_jit_tracer_concrete_conversion():
  leaked = []

  @numjax.jit
  def f(x):
    leaked.append(x)
    return x
  f(1.0)
  expect_error(lambda: float(leaked[0]), numjax.errors.ConcretizationTypeError)
  expect_error(lambda: np.asarray(leaked[0]), numjax.errors.TracerArrayConversionError)


# ----------------------------------------------------------------------------------------------
# Exception types recorded from JAX 0.10.2 for the same calls (`Ax` is np.exceptions.AxisError:
# a ValueError and an IndexError, matching JAX's ValueError or IndexError)
# ----------------------------------------------------------------------------------------------
_x3, _x4, _m23, _m34, _i3 = (jnp.ones(3), jnp.ones(4), jnp.ones((2, 3)), jnp.ones((3, 4)),
                             jnp.arange(3))
JAX_RECORDED = [
    ("jnp.add((3,),(4,))", lambda: jnp.add(_x3, _x4), TypeError),
    ("jnp.multiply((2,3),(4,))", lambda: jnp.multiply(_m23, _x4), ValueError),
    ("jnp.subtract((3,),(2,4))", lambda: jnp.subtract(_x3, jnp.ones((2, 4))), ValueError),
    ("jnp.maximum((3,),(4,))", lambda: jnp.maximum(_x3, _x4), TypeError),
    ("jnp.add(x, None)", lambda: jnp.add(_x3, None), TypeError),
    ("jnp.sin(list)", lambda: jnp.sin([1.0, 2.0]), TypeError),
    ("jnp.where shapes", lambda: jnp.where(_x3 > 0, _x3, _x4), ValueError),
    ("jnp.sum axis=1", lambda: jnp.sum(_x3, axis=1), ValueError),
    ("jnp.mean axis=3", lambda: jnp.mean(_x3, axis=3), IndexError),
    ("jnp.argmax axis=1", lambda: jnp.argmax(_x3, axis=1), IndexError),
    ("jnp.swapaxes", lambda: jnp.swapaxes(_m23, 0, 2), IndexError),
    ("jnp.cumsum axis", lambda: jnp.cumsum(_x3, axis=1), ValueError),
    ("jnp.reshape size", lambda: jnp.reshape(_x3, (2, 2)), TypeError),
    ("jnp.reshape -1,-1", lambda: jnp.reshape(_x3, (-1, -1)), TypeError),
    ("jnp.reshape str", lambda: jnp.reshape(_x3, "a"), TypeError),
    ("jnp.reshape float", lambda: jnp.reshape(_x3, (1.5, 2)), TypeError),
    ("jnp.transpose short perm", lambda: jnp.transpose(_m23, (0,)), TypeError),
    ("jnp.moveaxis lengths", lambda: jnp.moveaxis(_m23, (0, 1), (0,)), ValueError),
    ("jnp.expand_dims repeated", lambda: jnp.expand_dims(_m23, (0, 0)), ValueError),
    ("jnp.concatenate ranks", lambda: jnp.concatenate([_x3, _m23]), TypeError),
    ("jnp.hstack", lambda: jnp.hstack([_m23, _m34]), TypeError),
    ("jnp.vstack", lambda: jnp.vstack([_x3, _x4]), TypeError),
    ("jnp.stack", lambda: jnp.stack([_x3, _x4]), ValueError),
    ("jnp.pad width shape", lambda: jnp.pad(_x3, ((1, 1), (1, 1))), ValueError),
    ("jnp.pad negative", lambda: jnp.pad(_x3, -1), ValueError),
    ("jnp.tril 1-D", lambda: jnp.tril(_x3), ValueError),
    ("jnp.cross dim 4", lambda: jnp.cross(_x3, _x4), ValueError),
    ("jnp.dot", lambda: jnp.dot(_x3, _x4), TypeError),
    ("jnp.matmul", lambda: jnp.matmul(_m23, _m23), TypeError),
    ("jnp.tensordot axes str", lambda: jnp.tensordot(_m23, _m34, axes="a"), TypeError),
    ("jnp.tensordot axes 3-tuple", lambda: jnp.tensordot(_m23, _m34, axes=(0, 1, 2)),
     TypeError),
    ("jnp.einsum sizes", lambda: jnp.einsum("ij,jk->ik", _m23, _m23), ValueError),
    ("jnp.isclose", lambda: jnp.isclose(_x3, _x4), TypeError),
    ("jnp.floor_divide", lambda: jnp.floor_divide(_x3, _x4), TypeError),
    ("jnp.take float", lambda: jnp.take(_x3, 1.5), ValueError),
    ("jnp.zeros negative", lambda: jnp.zeros((-1,)), TypeError),
    ("jnp.zeros str", lambda: jnp.zeros("a"), TypeError),
    ("jnp.zeros float", lambda: jnp.zeros((2.5,)), TypeError),
    ("jnp.linspace num", lambda: jnp.linspace(0, 1, "a"), TypeError),
    ("jnp.array str", lambda: jnp.array("a"), TypeError),
    ("jnp.array strs", lambda: jnp.array(["a", "b"]), TypeError),
    ("jnp.array None", lambda: jnp.array(None), ValueError),
    ("jnp.array ragged", lambda: jnp.array([[1, 2], [3]]), ValueError),
    ("jnp.full_like str", lambda: jnp.full_like(_x3, "a"), TypeError),
    ("jnp.array_equal str", lambda: jnp.array_equal(_x3, "a"), TypeError),
    ("jnp.round decimals", lambda: jnp.round(_x3, 1.5), TypeError),
    ("x.at[0].set(str)", lambda: _x3.at[0].set("a"), TypeError),
    ("jnp.kron str", lambda: jnp.kron(_x3, "a"), TypeError),
    ("jnp.atleast_2d str", lambda: jnp.atleast_2d("a"), TypeError),
    ("jnp.result_type str", lambda: jnp.result_type("abc"), TypeError),
    ("jnp.average weights", lambda: jnp.average(_x3, weights=_x4), ValueError),
    ("jnp.average weights axis", lambda: jnp.average(_m23, axis=0, weights=_x3), ValueError),
    ("jnp.fft.fft axis", lambda: jnp.fft.fft(_x3, axis=1), ValueError),
    ("jnp.fft.fftshift axes", lambda: jnp.fft.fftshift(_x3, axes=2), IndexError),
    ("jnp.linalg.inv", lambda: jnp.linalg.inv(_m23), ValueError),
    ("jnp.linalg.solve", lambda: jnp.linalg.solve(jnp.eye(2), _x3), ValueError),
    ("lax.add dtypes", lambda: lax.add(_x3, _i3), TypeError),
    ("lax.add ranks", lambda: lax.add(_x3, _m23), TypeError),
    ("lax.add str", lambda: lax.add(_x3, "a"), TypeError),
    ("lax.sin int", lambda: lax.sin(_i3), TypeError),
    ("lax.integer_pow float", lambda: lax.integer_pow(_x3, 1.5), TypeError),
    ("lax.convert_element_type None", lambda: lax.convert_element_type(_x3, None), ValueError),
    ("lax.convert_element_type str", lambda: lax.convert_element_type("a", jnp.float32),
     TypeError),
    ("lax.dot_general dims", lambda: lax.dot_general(_m23, _m34, (((5,), (0,)), ((), ()))),
     TypeError),
    ("lax.reshape str", lambda: lax.reshape(_x3, "a"), TypeError),
    ("lax.slice stride", lambda: lax.slice(_x3, (0,), (3,), (-1,)), TypeError),
    ("lax.slice limit", lambda: lax.slice_in_dim(_x3, 0, 5), TypeError),
    ("lax.index_in_dim", lambda: lax.index_in_dim(_x3, 5), IndexError),
    ("lax.dynamic_slice index", lambda: lax.dynamic_slice(_x3, (jnp.zeros(2, jnp.int32),),
                                                          (1,)), TypeError),
    ("lax.dynamic_slice negative", lambda: lax.dynamic_slice(_x3, (0,), (-1,)), TypeError),
    ("lax.dynamic_update_slice rank", lambda: lax.dynamic_update_slice(_x3, _m23, (0,)),
     TypeError),
    ("lax.broadcast_in_dim dims", lambda: lax.broadcast_in_dim(_x3, (2, 3), (5,)), TypeError),
    ("lax.broadcast str", lambda: lax.broadcast(_x3, "a"), TypeError),
    ("lax.broadcast negative", lambda: lax.broadcast(_x3, (-1,)), TypeError),
    ("lax.transpose", lambda: lax.transpose(_m23, (0,)), TypeError),
    ("lax.squeeze", lambda: lax.squeeze(_m23, (0,)), ValueError),
    ("lax.squeeze axis", lambda: lax.squeeze(_m23, (5,)), ValueError),
    ("lax.expand_dims axis", lambda: lax.expand_dims(_x3, (5,)), ValueError),
    ("lax.expand_dims repeated", lambda: lax.expand_dims(_x3, (0, 0)), ValueError),
    ("lax.concatenate ranks", lambda: lax.concatenate([_x3, _m23], 0), TypeError),
    ("lax.concatenate dtypes", lambda: lax.concatenate([_x3, _i3], 0), TypeError),
    ("lax.concatenate dim", lambda: lax.concatenate([_x3, _x4], 1), TypeError),
    ("lax.concatenate empty", lambda: lax.concatenate([], 0), ValueError),
    ("lax.concatenate array", lambda: lax.concatenate(_x3, 0), TypeError),
    ("lax.pad config", lambda: lax.pad(_x3, 0.0, [(1, 1, 0), (1, 1, 0)]), ValueError),
    ("lax.pad negative", lambda: lax.pad(_x3, 0.0, [(-5, 0, 0)]), ValueError),
    ("lax.pad interior", lambda: lax.pad(_x3, 0.0, [(0, 0, -1)]), ValueError),
    ("lax.pad value", lambda: lax.pad(_x3, _x3, [(0, 0, 0)]), ValueError),
    ("lax.rev axis", lambda: lax.rev(_x3, (1,)), TypeError),
    ("lax.rev repeated", lambda: lax.rev(_x3, (0, 0)), TypeError),
    ("lax.reduce_sum axes", lambda: lax.reduce_sum(_x3, (1,)), ValueError),
    ("lax.argmax axis", lambda: lax.argmax(_x3, 1, jnp.int32), ValueError),
    ("lax.argmax dtype", lambda: lax.argmax(_x3, 0, jnp.float32), TypeError),
    ("lax.sort shapes", lambda: lax.sort((_x3, _x4)), TypeError),
    ("lax.sort dimension", lambda: lax.sort(_x3, dimension=1), ValueError),
    ("lax.top_k k", lambda: lax.top_k(_x3, 5), ValueError),
    ("lax.iota negative", lambda: lax.iota(jnp.float32, -1), TypeError),
    ("lax.full negative", lambda: lax.full((-2,), 0.0), TypeError),
    ("lax.full str", lambda: lax.full("a", 0.0), TypeError),
    ("lax.round method", lambda: lax.round(_x3, 5), ValueError),
    ("lax.stop_gradient str", lambda: lax.stop_gradient("a"), TypeError),
    ("lax.select dtypes", lambda: lax.select(_x3 > 0, _x3, _i3), TypeError),
    ("lax.clamp shape", lambda: lax.clamp(0.0, _x3, _x4), TypeError),
    ("lax.cumsum axis", lambda: lax.cumsum(_x3, axis=1), ValueError),
    ("lax.scan carry", lambda: lax.scan(lambda c, x: ((c, c), x), 0.0, _x3), TypeError),
    ("lax.cond branches", lambda: lax.cond(True, lambda: 1.0, lambda: _x4), TypeError),
    ("lax.while_loop carry", lambda: lax.while_loop(lambda c: c < 3, lambda c: _x4, 0.0),
     TypeError),
    ("random.normal key", lambda: jr.normal(_x3, (2,)), TypeError),
    ("grad argnums negative", lambda: numjax.grad(_f_sum, argnums=-5)(_x3), ValueError),
    ("jacfwd argnums", lambda: numjax.jacfwd(_f_vec, argnums=3)(_x3), ValueError),
    ("vjp ct dtype", lambda: numjax.vjp(_f_vec, _x3)[1](_i3), ValueError),
    ("vmap out_axes", lambda: numjax.vmap(_f_vec, out_axes=1)(_x3), ValueError),
    ("vmap no args", lambda: numjax.vmap(_f_vec)(None), ValueError),
    ("vmap in_axes dict", lambda: numjax.vmap(_f_vec, in_axes={"a": 0})({"b": _x3}), TypeError),
    ("vmap out_axes str", lambda: numjax.vmap(_f_vec, out_axes="a")(_x3), TypeError),
    ("jit static_argnums", lambda: numjax.jit(_f_vec, static_argnums=3)(_x3), ValueError),
    ("jit static_argnames", lambda: numjax.jit(_f_vec, static_argnames="y")(_x3), ValueError),
    ("jit None", lambda: numjax.jit(None), TypeError),
    ("linearize tangent", lambda: numjax.linearize(_f_vec, _x3)[1](_x4), ValueError),
    ("device_put str", lambda: numjax.device_put("a"), TypeError),
    ("jvp callable", lambda: numjax.jvp(3, (_x3,), (_x3,)), TypeError),
]


@pytest.mark.parametrize("name,fn,jax_type", JAX_RECORDED, ids=[c[0] for c in JAX_RECORDED])
def test_matches_jax_exception_type(name, fn, jax_type):
  expect_error(fn, jax_type)


# ----------------------------------------------------------------------------------------------
# Exact messages for the most common mistakes
# ----------------------------------------------------------------------------------------------
def test_message_dot_shape_mismatch():
  with pytest.raises(TypeError) as e:
    jnp.dot(jnp.ones((2, 3)), jnp.ones(4))
  assert str(e.value) == ("dot_general requires contracting dimensions to have the same shape, "
                          "got (3,) and (4,) (lhs shape (2, 3), rhs shape (4,)).")


def test_message_matmul_shape_mismatch():
  with pytest.raises(TypeError) as e:
    jnp.ones((2, 3)) @ jnp.ones((2, 3))
  assert str(e.value) == ("dot_general requires contracting dimensions to have the same shape, "
                          "got (3,) and (2,).")


def test_message_elementwise_broadcast():
  x3, x4 = jnp.ones(3), jnp.ones(4)
  jnp.add(x3, x3)  # warm: the shape rule has run for (add, float32, float32)
  with pytest.raises(TypeError) as e:
    jnp.add(x3, x4)
  assert str(e.value) == "add got incompatible shapes for broadcasting: (3,), (4,)."
  with pytest.raises(ValueError) as e:
    jnp.multiply(jnp.ones((2, 3)), x4)
  assert str(e.value) == "Incompatible shapes for broadcasting: shapes=[(2, 3), (4,)]"


def test_message_vmap_axes():
  with pytest.raises(ValueError) as e:
    numjax.vmap(_f_vec, in_axes=1)(jnp.ones(3))
  assert str(e.value) == ("vmap was requested to map its argument along axis 1, which implies "
                          "that its rank should be at least 2, but is only 1 (its shape is (3,))")
  with pytest.raises(ValueError) as e:
    numjax.vmap(_f_two)(jnp.ones(3), jnp.ones(4))
  assert str(e.value) == ("vmap got inconsistent sizes for array axes to be mapped:\n"
                          "  * one axis had size 3: axis 0 of argument x of type float32[3];\n"
                          "  * one axis had size 4: axis 0 of argument y of type float32[4]")
  with pytest.raises(ValueError) as e:
    numjax.vmap(_f_vec, out_axes=1)(jnp.ones(3))
  assert str(e.value) == ("axis 1 is out of bounds for array of dimension 1 (vmap out_axes=1: "
                          "the output with the mapped axis added has shape (3,)).")


def test_message_grad_non_scalar():
  with pytest.raises(TypeError) as e:
    numjax.grad(_f_vec)(jnp.ones(3))
  assert str(e.value) == ("Gradient only defined for scalar-output functions. Output had "
                          "shape: (3,).")
  with pytest.raises(TypeError) as e:
    numjax.grad(_f_sum)(jnp.arange(3))
  assert str(e.value) == (
      "grad requires real- or complex-valued inputs (input dtype that is a sub-dtype of "
      "np.inexact), but got int32. If you want to use Boolean- or integer-valued inputs, use "
      "vjp or set allow_int to True.")


def test_message_reshape_size_mismatch():
  with pytest.raises(TypeError) as e:
    jnp.reshape(jnp.ones(3), (2, 2))
  assert str(e.value) == "cannot reshape array of shape (3,) (size 3) into shape (2, 2) (size 4)"
  with pytest.raises(TypeError) as e:
    jnp.ones(6).reshape(-1, 4)
  assert str(e.value) == ("cannot reshape array of shape (6,) (size 6) into shape (-1, 4) "
                          "because the product of specified axis sizes (4) does not evenly "
                          "divide 6")


def test_message_lax_add_dtype_mismatch():
  with pytest.raises(TypeError) as e:
    lax.add(jnp.ones(3), jnp.arange(3))
  assert str(e.value) == (
      "lax.add requires arguments to have the same dtypes, got float32, int32. (Tip: jnp.add "
      "is a similar function that does automatic type promotion on inputs).")
  with pytest.raises(TypeError) as e:
    lax.add(jnp.ones(3), jnp.ones((2, 3)))
  assert str(e.value) == "add: arrays must have the same number of dimensions, got (3,), (2, 3)."


def test_message_tracer_leak():
  leaked = []

  @numjax.jit
  def f(x):
    leaked.append(x)
    return x
  f(jnp.ones(3))
  with pytest.raises(UnexpectedTracerError) as e:
    leaked[0] + 1.0
  msg = str(e.value)
  assert msg.startswith("Encountered an unexpected tracer: Traced<f32[3]>with<DynamicJaxprTrace>"
                        " was used in `add` after the transformation that created it")
  assert "Return the value from the transformed function instead" in msg


def test_message_non_array_arguments():
  with pytest.raises(TypeError) as e:
    numjax.jit(_f_vec)("abc")
  assert str(e.value).startswith(
      "Error interpreting argument to <function _f_vec at ") and \
      "The problematic value is of type <class 'str'> and was passed to the function at " \
      "path x." in str(e.value)
  with pytest.raises(TypeError) as e:
    numjax.grad(_f_sum)("abc")
  assert str(e.value) == "grad requires array arguments, got 'abc' of type str."
  with pytest.raises(TypeError) as e:
    jnp.add(jnp.ones(3), None)
  assert str(e.value) == ("add requires ndarray or scalar arguments, got <class 'NoneType'> at "
                          "position 1.")
  with pytest.raises(TypeError) as e:
    jnp.array(["a", "b"])
  assert str(e.value) == ("Value ['a', 'b'] with dtype <U1 is not a valid JAX array type. Only "
                          "arrays of numeric types are supported by JAX.")


def test_message_axis_out_of_bounds():
  for fn in (lambda: jnp.sum(jnp.ones(3), axis=1), lambda: jnp.mean(jnp.ones(3), axis=1),
             lambda: jnp.argmax(jnp.ones(3), axis=1)):
    with pytest.raises(ValueError) as e:
      fn()
    assert isinstance(e.value, IndexError)  # np.exceptions.AxisError: both, as in JAX
    assert str(e.value) == "axis 1 is out of bounds for array of dimension 1"


def test_message_slice_out_of_bounds_after_valid_call():
  x = jnp.ones(3)
  lax.slice(x, (0,), (2,))
  with pytest.raises(TypeError) as e:
    lax.slice(x, (0,), (5,))
  assert str(e.value) == ("slice limit_indices must be less than or equal to operand shape, got "
                          "limit_indices (5,) for operand shape (3,).")


def test_message_jit_static_argnums():
  with pytest.raises(ValueError) as e:
    numjax.jit(_f_vec, static_argnums=3)
  assert str(e.value) == ("Jitted function has static_argnums=(3,), but only accepts 1 "
                          "positional arguments.")


# ----------------------------------------------------------------------------------------------
# A sweep over every public function of numjax.numpy (with linalg and fft), numjax.lax,
# numjax.nn and numjax.scipy.{special,linalg}, called with odd arguments: nothing may escape
# as an internal error, a NumPy error from inside an implementation, or a timeout.
# ----------------------------------------------------------------------------------------------
_ODD_ARGS = {
    "scalar": (jnp.float32(1.5),), "vec3": (jnp.arange(3.0),), "mat23": (jnp.ones((2, 3)),),
    "t3d": (jnp.ones((2, 3, 4)),), "empty": (jnp.ones((0,)),), "int3": (jnp.arange(3),),
    "bool3": (jnp.ones(3, bool),), "str": ("a",), "none": (None,),
    "v3v4": (jnp.ones(3), jnp.ones(4)), "m23m23": (jnp.ones((2, 3)), jnp.ones((2, 3))),
    "v3str": (jnp.ones(3), "a"), "v3none": (jnp.ones(3), None), "v3int": (jnp.ones(3), 7),
    "v3float": (jnp.ones(3), 1.5), "v3neg": (jnp.ones(3), -7),
    "v3v3v4": (jnp.ones(3), jnp.ones(3), jnp.ones(4)),
}
_ODD_KWARGS = {"": {}, "axis=5": {"axis": 5}, "axis='a'": {"axis": "a"}}
# Python's own errors for a call that does not match the signature (the user's call site).
_CALL_ERRORS = ("positional argument", "unexpected keyword", "required positional",
                "required keyword", "multiple values for argument")
# Hyperparameters used in Python arithmetic (as JAX does): Python's TypeError names the types.
_PY_ARITHMETIC = {"nn.celu", "nn.elu", "nn.leaky_relu", "jnp.apply_over_axes"}
_NOT_FUZZED = {"jnp.save", "jnp.savez", "jnp.set_printoptions", "jnp.load", "jnp.fromfile",
               "jnp.frombuffer", "lax.psum", "lax.pmax",
               "lax.pmin", "lax.pmean", "lax.all_gather", "lax.axis_index", "lax.axis_size",
               # collectives need a named axis: outside one they raise JAX's NameError
               "lax.psum_scatter", "lax.pswapaxes", "lax.all_to_all", "lax.ppermute"}


def _public_functions(prefix, module):
  import inspect
  for name in sorted(dir(module)):
    fn = getattr(module, name)
    full = f"{prefix}.{name}"
    if (name.startswith("_") or not callable(fn) or inspect.isclass(fn) or full in _NOT_FUZZED
        or inspect.ismodule(fn)):
      continue
    yield full, fn


def _fuzz_failure(full, call, err):
  """None if `err` is an acceptable error for a call with odd arguments, else a description."""
  where = traceback.extract_tb(err.__traceback__)[-1]
  filename = os.path.abspath(where.filename)
  desc = f"{full}({call}): {type(err).__name__}: {str(err)[:150]} @ {where.filename}:" \
         f"{where.lineno} [{(where.line or '').strip()[:70]}]"
  if isinstance(err, FORBIDDEN):
    return desc
  if not isinstance(err, ALLOWED + (NotImplementedError,)):
    return desc
  if type(err).__module__.startswith("numpy") and not isinstance(err, np.exceptions.AxisError):
    return desc
  if filename.startswith(os.path.dirname(np.__file__)):
    return desc
  if filename.startswith(PKG) and not (where.line or "").lstrip().startswith("raise"):
    if isinstance(err, TypeError) and (any(s in str(err) for s in _CALL_ERRORS) or
                                       full in _PY_ARITHMETIC):
      return None
    return desc
  if not str(err).strip():
    return desc
  return None


@pytest.mark.parametrize("prefix", ["jnp", "jnp.linalg", "jnp.fft", "lax", "nn",
                                    "scipy.special", "scipy.linalg"])
def test_no_internal_errors_on_odd_arguments(prefix):
  import warnings
  module = {"jnp": jnp, "jnp.linalg": jnp.linalg, "jnp.fft": jnp.fft, "lax": lax,
            "nn": numjax.nn, "scipy.special": numjax.scipy.special,
            "scipy.linalg": numjax.scipy.linalg}[prefix]
  failures = []
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for full, fn in _public_functions(prefix, module):
      for an, args in _ODD_ARGS.items():
        for kn, kw in _ODD_KWARGS.items():
          if kn and an in ("str", "none"):
            continue
          try:
            fn(*args, **kw)
          except Exception as e:  # noqa: BLE001
            failure = _fuzz_failure(full, f"{an}, {kn}", e)
            if failure:
              failures.append(failure)
  assert not failures, f"{len(failures)} escapes:\n" + "\n".join(failures)


def test_direct_bind_with_bad_shapes_after_a_valid_call_names_the_shapes():
  # Eager evaluation runs the shape rule once per (primitive, dtypes); a later bad call must
  # still raise the rule's error (naming the shapes), not NumPy's.
  import numpy as np
  from numjax._src.lax import reductions
  import numjax.numpy as jnp
  params = dict(dimension_numbers=(((1,), (0,)), ((), ())), precision=None,
                preferred_element_type=np.dtype("float32"), out_sharding=None)
  ok = reductions.dot_general_p.bind(jnp.ones((2, 3)), jnp.ones((3, 4)), **params)
  assert ok.shape == (2, 4)
  with pytest.raises(TypeError, match=r"contracting dimensions to have the same shape.*"
                     r"lhs shape \(2, 3\), rhs shape \(2, 4\)"):
    reductions.dot_general_p.bind(jnp.ones((2, 3)), jnp.ones((2, 4)), **params)
