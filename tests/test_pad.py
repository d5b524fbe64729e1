"""jnp.pad (numjax/_src/numpy/padding.py): every mode against np.pad, JAX's dtypes, weak types
and errors (values recorded from jax 0.10.2), and grad / vmap / jit through each mode."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
from numjax import lax

MODES = ["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp", "maximum", "mean",
         "median", "minimum", "empty"]
STATS = ("maximum", "mean", "median", "minimum")


def _check_vs_numpy(x, pad_width, mode, **kw):
  expected = np.pad(x, pad_width, mode=mode, **kw)
  got = jnp.pad(jnp.asarray(x), pad_width, mode=mode, **kw)
  assert got.shape == expected.shape
  assert got.dtype == expected.dtype
  if mode == "empty":
    return
  got = np.asarray(got)
  if x.dtype.kind in "iu" and mode in ("mean", "median", "linear_ramp"):
    # JAX rounds means half to even and floors ramps computed as start*(1-t) + stop*t;
    # NumPy's arithmetic differs in the last bit, which can move a value by one.
    np.testing.assert_allclose(got, expected, atol=1)
  else:
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# Every mode vs np.pad
# ----------------------------------------------------------------------------------------------
@st.composite
def _cases(draw):
  nd = draw(st.integers(1, 3))
  shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
  dtype = draw(st.sampled_from([np.float32, np.int32, np.complex64]))
  mode = draw(st.sampled_from(MODES))
  if dtype == np.complex64 and mode == "median":
    mode = "mean"
  pairs = st.tuples(st.integers(0, 9), st.integers(0, 9))
  pad_width = draw(st.one_of(st.integers(0, 9), pairs,
                             st.lists(pairs, min_size=nd, max_size=nd).map(tuple)))
  kw = {}
  if mode in ("reflect", "symmetric"):
    kw["reflect_type"] = draw(st.sampled_from(["even", "odd"]))
  if mode in STATS and draw(st.booleans()):
    kw["stat_length"] = draw(st.one_of(st.integers(1, 6), st.tuples(st.integers(1, 6),
                                                                     st.integers(1, 6))))
  if mode == "linear_ramp":
    kw["end_values"] = draw(st.tuples(st.integers(-5, 5), st.integers(-5, 5)))
  if mode == "constant":
    kw["constant_values"] = draw(st.one_of(st.integers(-5, 5), st.tuples(st.integers(-5, 5),
                                                                          st.integers(-5, 5))))
  seed = draw(st.integers(0, 2**16))
  return shape, dtype, mode, pad_width, kw, seed


@settings(max_examples=150, deadline=None, derandomize=True)
@given(_cases())
def test_every_mode_matches_numpy(case):
  shape, dtype, mode, pad_width, kw, seed = case
  rng = np.random.default_rng(seed)
  if dtype == np.int32:
    x = rng.integers(-9, 9, size=shape).astype(dtype)
  else:
    x = (rng.normal(size=shape) * 3).astype(dtype)
    if dtype == np.complex64:
      x = x + 1j * rng.normal(size=shape).astype(np.float32)
  _check_vs_numpy(x, pad_width, mode, **kw)


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
@pytest.mark.parametrize("reflect_type", ["even", "odd"])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_reflection_longer_than_the_axis(mode, reflect_type, n):
  x = np.array([1., 2., 4., 8., 16.][:n], np.float32)
  for pw in [(0, 0), (n, n), (7, 8), (3 * n + 1, 2 * n + 3), (0, 11), (13, 0)]:
    _check_vs_numpy(x, pw, mode, reflect_type=reflect_type)
  x2 = np.arange(2 * n, dtype=np.float32).reshape(2, n) ** 2
  _check_vs_numpy(x2, ((5, 3), (2 * n + 1, 4)), mode, reflect_type=reflect_type)


def test_recorded_long_reflections():
  a = jnp.array([1., 2., 4.])
  assert jnp.pad(a, (7, 8), mode="reflect", reflect_type="odd").tolist() == [
      -10., -8., -6., -5., -4., -2., 0., 1., 2., 4., 6., 7., 8., 10., 12., 13., 14., 16.]
  assert jnp.pad(a, (7, 8), mode="symmetric", reflect_type="odd").tolist() == [
      -5., -5., -4., -2., -2., 0., 1., 1., 2., 4., 4., 6., 7., 7., 8., 10., 10., 12.]
  assert jnp.pad(a, (7, 8), mode="wrap").tolist() == [4., 1., 2.] * 6
  for mode in ("reflect", "symmetric"):
    assert jnp.pad(jnp.array([5.]), 3, mode=mode, reflect_type="odd").tolist() == [5.] * 7


@pytest.mark.parametrize("mode", ["wrap", "edge", "maximum", "mean", "minimum", "median",
                                  "linear_ramp", "constant", "empty"])
def test_pads_longer_than_the_axis(mode):
  x = np.arange(6, dtype=np.float32).reshape(2, 3) * 1.5 - 2
  _check_vs_numpy(x, ((9, 4), (1, 11)), mode)
  _check_vs_numpy(np.arange(3, dtype=np.int32), (10, 7), mode)


def test_stat_length_longer_than_the_axis():
  got = jnp.pad(jnp.array([1., 2., 4.]), (2, 2), mode="mean", stat_length=(10, 2))
  np.testing.assert_allclose(got, [7 / 3, 7 / 3, 1., 2., 4., 3., 3.], rtol=1e-6)
  _check_vs_numpy(np.arange(12, dtype=np.float32).reshape(3, 4), ((2, 3), (4, 1)), "maximum",
                  stat_length=((1, 5), (2, 9)))


def test_constant_values_per_axis():
  x = np.arange(6, dtype=np.float32).reshape(2, 3)
  _check_vs_numpy(x, ((1, 2), (2, 1)), "constant", constant_values=((1, 2), (3, 4)))
  _check_vs_numpy(x, 1, "constant", constant_values=(5, 6))
  _check_vs_numpy(x, 1, "constant", constant_values=((7,),))
  assert jnp.pad(jnp.asarray(x), 1, constant_values=np.array([[7.], [8.]])).tolist() == [
      [8., 7., 7., 7., 8.], [8., 0., 1., 2., 8.], [8., 3., 4., 5., 8.], [8., 7., 7., 7., 8.]]
  assert jnp.pad(jnp.arange(3.), 1, constant_values=[9.]).tolist() == [9., 0., 1., 2., 9.]


@pytest.mark.parametrize("mode", ["constant", "empty", "edge", "wrap", "reflect", "symmetric",
                                  "mean", "maximum", "linear_ramp"])
def test_zero_size_axes(mode):
  x = np.zeros((0, 3), np.float32)
  _check_vs_numpy(x, ((0, 0), (1, 2)), mode)
  if mode in ("constant", "empty"):
    _check_vs_numpy(x, 2, mode)
  elif mode in ("edge", "wrap", "reflect", "symmetric"):
    with pytest.raises(ValueError, match=f"Cannot apply '{mode}' padding to empty axis"):
      jnp.pad(jnp.asarray(x), 1, mode=mode)


def test_zero_dimensional_arrays_come_back_unchanged():
  out = jnp.pad(jnp.float32(3), 2, mode="reflect")
  assert out.shape == () and out.dtype == jnp.float32 and not out.weak_type
  out = jnp.pad(3.0, ((1, 2),))
  assert out.shape == () and out.weak_type
  with pytest.raises(ValueError, match="unsupported keyword"):
    jnp.pad(jnp.float32(3), 2, mode="edge", constant_values=1)


# ----------------------------------------------------------------------------------------------
# dtypes and weak types (values recorded from JAX)
# ----------------------------------------------------------------------------------------------
RECORDED = {
    "int_mean": (lambda: jnp.pad(jnp.array([1, 2, 4]), 2, mode="mean"),
                 [2, 2, 1, 2, 4, 2, 2], "int32"),
    "int_median": (lambda: jnp.pad(jnp.array([1, 2, 4, 8]), 2, mode="median"),
                   [3, 3, 1, 2, 4, 8, 3, 3], "int32"),
    "uint8_mean": (lambda: jnp.pad(jnp.array([1, 2, 250], jnp.uint8), 1, mode="mean"),
                   [84, 1, 2, 250, 84], "uint8"),
    "uint8_ramp": (lambda: jnp.pad(jnp.array([1, 2, 250], jnp.uint8), 3, mode="linear_ramp",
                                   end_values=(255, 0)),
                   [255, 170, 85, 1, 2, 250, 166, 83, 0], "uint8"),
    "uint8_ramp_saturates": (lambda: jnp.pad(jnp.array([1, 200], jnp.uint8), 3,
                                             mode="linear_ramp", end_values=(300, -5)),
                             [255, 200, 100, 1, 200, 131, 63, 0], "uint8"),
    "int_ramp_floors": (lambda: jnp.pad(jnp.array([1, 2]), 3, mode="linear_ramp",
                                        end_values=-7.6),
                        [-8, -5, -2, 1, 2, -2, -5, -8], "int32"),
    "bool_mean": (lambda: jnp.pad(jnp.array([True, False, True]), 2, mode="mean"),
                  [True, True, True, False, True, True, True], "bool"),
    "bool_median": (lambda: jnp.pad(jnp.array([True, False, False]), 2, mode="median"),
                    [False, False, True, False, False, False, False], "bool"),
    "bool_ramp": (lambda: jnp.pad(jnp.array([True, False, True]), 2, mode="linear_ramp"),
                  [False, True, True, False, True, True, False], "bool"),
    "bool_max": (lambda: jnp.pad(jnp.array([True, False, False]), (1, 2), mode="maximum",
                                 stat_length=(3, 1)),
                 [True, True, False, False, False, False], "bool"),
    "uint_reflect_odd": (lambda: jnp.pad(jnp.array([1, 5, 2], jnp.uint8), 4, mode="reflect",
                                         reflect_type="odd"),
                         [255, 3, 0, 253, 1, 5, 2, 255, 3, 7, 4], "uint8"),
    "int8_constant_wraps": (lambda: jnp.pad(jnp.array([1, 2], jnp.int8), 1,
                                            constant_values=300), [44, 1, 2, 44], "int8"),
    "int_constant_truncates": (lambda: jnp.pad(jnp.array([1, 2]), 1, constant_values=-2.7),
                               [-2, 1, 2, -2], "int32"),
    "complex_mean": (lambda: jnp.pad(jnp.array([1 + 1j, 2 - 3j]), 1, mode="mean"),
                     [1.5 - 1j, 1 + 1j, 2 - 3j, 1.5 - 1j], "complex64"),
    "complex_max": (lambda: jnp.pad(jnp.array([1 + 1j, 2 - 3j, 2 + 1j]), 1, mode="maximum"),
                    [2 + 1j, 1 + 1j, 2 - 3j, 2 + 1j, 2 + 1j], "complex64"),
    "complex_min": (lambda: jnp.pad(jnp.array([1 + 1j, 2 - 3j, 2 + 1j]), 1, mode="minimum"),
                    [1 + 1j, 1 + 1j, 2 - 3j, 2 + 1j, 1 + 1j], "complex64"),
    "complex_ramp": (lambda: jnp.pad(jnp.array([1 + 1j, 2 - 3j]), 2, mode="linear_ramp",
                                     end_values=(1j, 2)),
                     [1j, 0.5 + 1j, 1 + 1j, 2 - 3j, 2 - 1.5j, 2 + 0j], "complex64"),
    "complex_reflect_odd": (lambda: jnp.pad(jnp.array([1 + 1j, 2 - 3j, 0.5j]), (5, 4),
                                            mode="reflect", reflect_type="odd"),
                            [2 + 6j, 3 + 2j, 4 - 2j, 2 + 1.5j, 5j, 1 + 1j, 2 - 3j, 0.5j,
                             -2 + 4j, -1 + 0j, -4j, -2 - 0.5j], "complex64"),
    "empty_is_zeros": (lambda: jnp.pad(jnp.array([1, 2]), 2, mode="empty"),
                       [0, 0, 1, 2, 0, 0], "int32"),
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_values_and_dtypes_recorded_from_jax(name):
  f, expected, dtype = RECORDED[name]
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    out = f()
  assert str(out.dtype) == dtype
  assert not out.weak_type
  assert out.tolist() == expected


def test_float_array_with_complex_constant_keeps_the_real_part():
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    out = jnp.pad(jnp.array([1., 2.]), 1, constant_values=2 + 1j)
  assert out.dtype == jnp.float32 and out.tolist() == [2., 1., 2., 2.]


@pytest.mark.parametrize("mode,kw", [
    ("constant", {}), ("constant", {"constant_values": 2}), ("edge", {}),
    ("reflect", {"reflect_type": "odd"}), ("symmetric", {}), ("wrap", {}),
    ("linear_ramp", {"end_values": 3}), ("maximum", {}), ("mean", {}), ("median", {}),
    ("minimum", {}), ("empty", {})])
@pytest.mark.parametrize("fill", [2.5, 3])
def test_weak_types_follow_the_array(mode, kw, fill):
  # JAX: a weakly typed input gives a weakly typed result in every mode, eager and jitted.
  x = lax.full((3,), fill)
  assert x.weak_type
  for out in (jnp.pad(x, 2, mode=mode, **kw), numjax.jit(lambda x: jnp.pad(x, 2, mode=mode,
                                                                            **kw))(x)):
    assert out.weak_type
    assert out.dtype == (jnp.float32 if isinstance(fill, float) else jnp.int32)
  strong = jnp.pad(jnp.full((3,), fill, dtype=x.dtype), 2, mode=mode, **kw)
  assert not strong.weak_type


# ----------------------------------------------------------------------------------------------
# Callable modes
# ----------------------------------------------------------------------------------------------
def _custom(row, pad_width, iaxis, kwargs):
  before, after = pad_width
  row = row.at[:before].set(kwargs.get("before_value", 0))
  return row.at[len(row) - after:].set(kwargs.get("after_value", 0))


def test_callable_mode():
  out = jnp.pad(jnp.array([2, 3, 4]), 2, _custom, before_value=-10, after_value=10)
  assert out.tolist() == [-10, -10, 2, 3, 4, 10, 10] and out.dtype == jnp.int32
  # Axes in turn, each slice seeing (before, after) and the axis (recorded from JAX).
  f = lambda row, pw, iaxis, kw: row + iaxis + 10 * pw[0] + 100 * pw[1]
  out = jnp.pad(jnp.arange(4.).reshape(2, 2), ((1, 0), (0, 2)), f)
  assert out.tolist() == [[211.] * 4, [211., 212., 211., 211.], [213., 214., 211., 211.]]


def test_callable_mode_matches_numpy_in_place_version():
  def np_func(vector, pad_width, iaxis, kwargs):
    vector[:pad_width[0]] = kwargs.get("v", 7)
    if pad_width[1]:
      vector[-pad_width[1]:] = vector[pad_width[0]]

  def jnp_func(row, pad_width, iaxis, kwargs):
    row = row.at[:pad_width[0]].set(kwargs.get("v", 7))
    if pad_width[1]:
      row = row.at[len(row) - pad_width[1]:].set(row[pad_width[0]])
    return row
  x = np.arange(12.).reshape(3, 4)
  for pw in [1, ((2, 0), (1, 3)), ((0, 4), (0, 0))]:
    np.testing.assert_array_equal(jnp.pad(jnp.asarray(x), pw, jnp_func, v=-1.),
                                  np.pad(x, pw, np_func, v=-1.))


# ----------------------------------------------------------------------------------------------
# Transformations
# ----------------------------------------------------------------------------------------------
TRANSFORM_MODES = [
    ("constant", {"constant_values": ((1., 2.), (3., 4.))}), ("edge", {}), ("reflect", {}),
    ("reflect", {"reflect_type": "odd"}), ("symmetric", {"reflect_type": "odd"}),
    ("symmetric", {}), ("wrap", {}), ("linear_ramp", {"end_values": (1., -2.)}),
    ("maximum", {}), ("minimum", {"stat_length": 2}),
    ("mean", {"stat_length": ((1, 3), (2, 5))}), ("median", {}), ("empty", {}),
    (lambda r, pw, ax, kw: r.at[:pw[0]].set(r[pw[0]] * 2.), {})]
_IDS = [m if isinstance(m, str) else "callable" for m, _ in TRANSFORM_MODES]


@pytest.mark.parametrize("mode,kw", TRANSFORM_MODES, ids=_IDS)
def test_grad_matches_finite_differences(x64, mode, kw):
  rng = np.random.default_rng(0)
  x = rng.normal(size=(3, 4))
  pw = ((2, 5), (7, 1))
  f = lambda x: jnp.pad(x, pw, mode=mode, **kw)
  w = rng.normal(size=f(x).shape)
  loss = lambda x: jnp.sum(f(x) * w)
  g = numjax.grad(loss)(x)
  eps = 1e-6
  fd = np.zeros_like(x)
  for i in np.ndindex(x.shape):
    e = np.zeros_like(x)
    e[i] = eps
    fd[i] = (float(loss(x + e)) - float(loss(x - e))) / (2 * eps)
  np.testing.assert_allclose(g, fd, atol=1e-6)
  # The transpose identity <u, J v> = <J^T u, v>.
  v = rng.normal(size=x.shape)
  _, jv = numjax.jvp(f, (x,), (v,))
  _, vjp = numjax.vjp(f, x)
  u = rng.normal(size=jv.shape)
  np.testing.assert_allclose(np.sum(u * jv), np.sum(vjp(jnp.asarray(u))[0] * v), rtol=1e-10)


def test_grad_with_respect_to_constant_values(x64):
  x = jnp.arange(3.)
  g = numjax.grad(lambda c: jnp.sum(jnp.pad(x, (2, 1), constant_values=c) ** 2))(3.)
  assert float(g) == pytest.approx(2 * 3. * 3)


@pytest.mark.parametrize("mode,kw", TRANSFORM_MODES, ids=_IDS)
def test_vmap_and_jit_match_a_loop_and_eager(mode, kw):
  rng = np.random.default_rng(1)
  xs = rng.normal(size=(4, 3, 2)).astype(np.float32)
  f = lambda x: jnp.pad(x, ((3, 1), (0, 4)), mode=mode, **kw)
  loop = np.stack([np.asarray(f(jnp.asarray(x))) for x in xs])
  np.testing.assert_allclose(numjax.vmap(f)(xs), loop, rtol=1e-6)
  np.testing.assert_allclose(numjax.vmap(f, in_axes=2, out_axes=1)(np.moveaxis(xs, 0, 2)),
                             np.moveaxis(loop, 0, 1), rtol=1e-6)
  np.testing.assert_allclose(numjax.jit(f)(xs[0]), f(jnp.asarray(xs[0])), rtol=1e-6)


def test_vmap_over_constant_values():
  x = jnp.arange(3.)
  out = numjax.vmap(lambda c: jnp.pad(x, 1, constant_values=c))(jnp.array([5., 6.]))
  assert out.tolist() == [[5., 0., 1., 2., 5.], [6., 0., 1., 2., 6.]]


def test_traced_constant_values_under_jit():
  f = numjax.jit(lambda c: jnp.pad(jnp.arange(3.), 1, constant_values=c))
  assert f(5.).tolist() == [5., 0., 1., 2., 5.]


# ----------------------------------------------------------------------------------------------
# Errors (JAX's messages)
# ----------------------------------------------------------------------------------------------
_x1 = jnp.arange(3.)
_x2 = jnp.arange(6.).reshape(2, 3)

ERRORS = [
    (lambda: jnp.pad(_x1, ((1, 1), (1, 1))), ValueError,
     "jnp.pad: pad_width with nd=1 has unsupported shape (2, 2). Valid shapes are (1, 2), (1, 2), "
     "(2,), (1,), or ()."),
    (lambda: jnp.pad(_x1, -1), ValueError, "index can't contain negative values"),
    (lambda: jnp.pad(_x1, 1.5), TypeError, "`pad_width` must be of integral type."),
    (lambda: jnp.pad(_x1, (1.0, 2)), TypeError, "`pad_width` must be of integral type."),
    (lambda: jnp.pad(_x1, True), TypeError, "`pad_width` must be of integral type."),
    (lambda: jnp.pad(_x1, None), TypeError, "`pad_width` must be of integral type."),
    (lambda: jnp.pad(_x2, ((1,), (1, 2))), TypeError,
     "`pad_width` entries must be the same shape: ((1,), (1, 2))"),
    (lambda: jnp.pad(_x1, 1, mode="foo"), NotImplementedError,
     "Unimplemented padding mode 'foo' for np.pad."),
    (lambda: jnp.pad(_x1, 1, mode=None), NotImplementedError,
     "Unimplemented padding mode 'None' for np.pad."),
    (lambda: jnp.pad(_x1, 1, mode="constant", end_values=1), ValueError,
     "unsupported keyword arguments for mode 'constant': {'end_values'}"),
    (lambda: jnp.pad(_x1, 1, mode="edge", constant_values=1), ValueError,
     "unsupported keyword arguments for mode 'edge': {'constant_values'}"),
    (lambda: jnp.pad(_x1, 1, mode="reflect", stat_length=1), ValueError,
     "unsupported keyword arguments for mode 'reflect': {'stat_length'}"),
    (lambda: jnp.pad(_x1, 1, mode="mean", reflect_type="odd"), ValueError,
     "unsupported keyword arguments for mode 'mean': {'reflect_type'}"),
    (lambda: jnp.pad(_x1, 1, mode="mean", stat_length=0), ValueError,
     "stat_length of 0 yields no value for padding"),
    (lambda: jnp.pad(_x1, 1, mode="mean", stat_length=((1, 2), (1, 2))), ValueError,
     "jnp.pad: stat_length with nd=1 has unsupported shape (2, 2)."),
    (lambda: jnp.pad(_x1, 1, mode="linear_ramp", end_values=(1, 2, 3)), ValueError,
     "jnp.pad: end_values with nd=1 has unsupported shape (3,)."),
    (lambda: jnp.pad(_x1, 1, constant_values=(1, 2, 3)), ValueError,
     "jnp.pad: constant_values has unsupported shape (3,). If the shape is 1D or 2D, the last "
     "dimension must be of size 1 or 2."),
    (lambda: jnp.pad(jnp.zeros((0, 3)), 1, mode="edge"), ValueError,
     "Cannot apply 'edge' padding to empty axis"),
    (lambda: jnp.pad(jnp.zeros((0, 3)), 1, mode="wrap"), ValueError,
     "Cannot apply 'wrap' padding to empty axis"),
    (lambda: jnp.pad(jnp.zeros((0, 3)), 1, mode="symmetric"), ValueError,
     "Cannot apply 'symmetric' padding to empty axis"),
    (lambda: jnp.pad([1, 2, 3], 1), TypeError,
     "pad requires ndarray or scalar arguments, got <class 'list'> at position 0."),
    (lambda: jnp.pad(jnp.array([1 + 1j]), 1, mode="median"), ValueError,
     "quantile does not support complex input, as the operation is poorly defined."),
    (lambda: jnp.pad(_x1, 1, "constant", 5), TypeError, "positional argument"),
    # numjax's own messages where JAX raises a bare AssertionError or computes nonsense:
    (lambda: jnp.pad(_x1, 1, mode="reflect", reflect_type="foo"), ValueError,
     "reflect_type must be 'even' or 'odd'"),
    (lambda: jnp.pad(_x1, 1, mode="mean", stat_length=-1), ValueError,
     "index can't contain negative values"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
  f, exc, message = ERRORS[i]
  with pytest.raises(exc) as info:
    f()
  assert message in str(info.value)


def test_pad_width_must_be_concrete():
  with pytest.raises(numjax.errors.ConcretizationTypeError):
    numjax.jit(lambda p: jnp.pad(_x1, p))(1)
  with pytest.raises(numjax.errors.ConcretizationTypeError):
    numjax.jit(lambda s: jnp.pad(_x1, 1, mode="mean", stat_length=s))(2)


def test_pad_width_accepts_arrays_and_numpy_integers():
  assert jnp.pad(_x1, jnp.array([1, 2])).tolist() == [0., 0., 1., 2., 0., 0.]
  assert jnp.pad(_x1, np.array([[1, 2]])).tolist() == [0., 0., 1., 2., 0., 0.]
  assert jnp.pad(_x1, np.int64(1)).tolist() == [0., 0., 1., 2., 0.]
