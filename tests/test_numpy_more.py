"""numjax.numpy additions in numjax/_src/numpy/more.py: packbits/unpackbits, place/put,
histogram2d/histogramdd, mask_indices, sort_complex, the printing/IO wrappers, the re-exported
scalar types, and jnp.ufunc/frompyfunc. Values against NumPy and JAX-recorded literals,
dtypes, errors, jit/vmap/grad for the traceable ones.
"""
import io

import numpy as np
import pytest

import numjax
import numjax.numpy as jnp


def eq(a, b):
  np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def close(a, b, rtol=1e-6, atol=1e-6):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------------------------
# bits
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("bitorder", ["big", "little"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_packbits_unpackbits_match_numpy(axis, bitorder):
  a = np.random.default_rng(0).integers(0, 2, (3, 11)).astype(np.int32)
  p = jnp.packbits(jnp.array(a), axis=axis, bitorder=bitorder)
  ref = np.packbits(a, axis=axis, bitorder=bitorder)
  assert p.dtype == np.uint8
  eq(p, ref)
  eq(jnp.unpackbits(p, axis=axis, bitorder=bitorder),
     np.unpackbits(ref, axis=axis, bitorder=bitorder))
  for count in (3, -2, 20):
    eq(jnp.unpackbits(p, axis=axis, count=count, bitorder=bitorder),
       np.unpackbits(ref, axis=axis, count=count, bitorder=bitorder))


def test_packbits_literals_and_errors():
  eq(jnp.packbits(jnp.array([1, 0, 1, 1, 0, 0, 0, 1, 1])), [177, 128])
  eq(jnp.packbits(jnp.array([True, False])), [128])
  eq(jnp.packbits(jnp.array([[1, 0, 1], [0, 1, 1]]), axis=0), [[128, 64, 192]])
  eq(numjax.vmap(jnp.packbits)(jnp.array([[1, 0, 1], [0, 1, 1]])), [[160], [96]])
  eq(numjax.jit(jnp.unpackbits)(jnp.array([5, 255], dtype=jnp.uint8)),
     [0, 0, 0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1])
  with pytest.raises(TypeError, match="Expected an input array of integer or boolean data type"):
    jnp.packbits(jnp.array([1., 0.]))
  with pytest.raises(ValueError, match="'order' must be either 'little' or 'big'"):
    jnp.packbits(jnp.array([1, 0]), bitorder="x")
  with pytest.raises(TypeError, match="Expected an input array of unsigned byte data type"):
    jnp.unpackbits(jnp.array([5]))


# ----------------------------------------------------------------------------------------------
# place / put
# ----------------------------------------------------------------------------------------------
def test_place_matches_numpy():
  a = np.arange(12).reshape(3, 4)
  mask = a % 3 == 0
  ref = a.copy()
  np.place(ref, mask, [10, 20])
  eq(jnp.place(jnp.array(a), jnp.array(mask), jnp.array([10, 20]), inplace=False), ref)
  eq(numjax.jit(lambda x, m: jnp.place(x, m, jnp.array([7]), inplace=False))(
      jnp.array(a), jnp.array(mask)), np.where(mask, 7, a))
  with pytest.raises(ValueError, match="jax.numpy.place cannot modify arrays in-place"):
    jnp.place(jnp.array(a), jnp.array(mask), jnp.array([1]))
  with pytest.raises(ValueError, match="place: arr and mask must be the same size"):
    jnp.place(jnp.array(a), jnp.array([True]), jnp.array([1]), inplace=False)
  with pytest.raises(ValueError, match="Cannot place values from an empty array"):
    jnp.place(jnp.array(a), jnp.array(mask), jnp.array([]), inplace=False)


def test_put():
  # JAX literals: out-of-range indices are clipped (mode None), as jax's unravel_index does
  eq(jnp.put(jnp.arange(6), jnp.array([0, 7]), jnp.array([10, 20]), inplace=False),
     [10, 1, 2, 3, 4, 20])
  eq(jnp.put(jnp.arange(6), jnp.array([0, 7]), jnp.array([10, 20]), mode="clip", inplace=False),
     [10, 1, 2, 3, 4, 20])
  a = np.arange(6).reshape(2, 3)
  ref = a.copy()
  np.put(ref, [0, 7, -1], [10, 20], mode="wrap")
  eq(jnp.put(jnp.array(a), jnp.array([0, 7, -1]), jnp.array([10, 20]), mode="wrap",
             inplace=False), ref)
  x = jnp.arange(5.)
  g = numjax.grad(lambda v: jnp.put(x, jnp.array([1, 3]), v, inplace=False).sum())(
      jnp.array([2., 3.]))
  eq(g, [1., 1.])
  with pytest.raises(ValueError, match="jax.numpy.put cannot modify arrays in-place"):
    jnp.put(x, jnp.array([0]), 1.)
  with pytest.raises(NotImplementedError, match="The 'raise' mode to jnp.put is not supported."):
    jnp.put(x, jnp.array([0]), 1., mode="raise", inplace=False)
  with pytest.raises(ValueError, match="mode should be one of 'wrap' or 'clip'"):
    jnp.put(x, jnp.array([0]), 1., mode="foo", inplace=False)


# ----------------------------------------------------------------------------------------------
# histograms, mask_indices, sort_complex
# ----------------------------------------------------------------------------------------------
def test_histograms_match_numpy():
  rng = np.random.default_rng(1)
  x, y = rng.normal(size=50).astype(np.float32), rng.normal(size=50).astype(np.float32)
  w = rng.uniform(size=50).astype(np.float32)
  for kw in (dict(bins=4), dict(bins=[3, 5], density=True),
             dict(bins=3, weights=w, range=[(-2, 2), (-3, 3)])):
    h, ex, ey = jnp.histogram2d(x, y, **kw)
    hr, exr, eyr = np.histogram2d(x, y, **kw)
    close(h, hr, rtol=1e-5), close(ex, exr, rtol=1e-5), close(ey, eyr, rtol=1e-5)
  sample = np.stack([x, y, w], axis=1)
  h, edges = jnp.histogramdd(sample, bins=(2, 3, 4))
  hr, edges_r = np.histogramdd(sample, bins=(2, 3, 4))
  close(h, hr)
  for e, er in zip(edges, edges_r):
    close(e, er, rtol=1e-5)
  # JAX literals: an int result without weights and density
  h, ex, ey = jnp.histogram2d(jnp.array([0., 1, 2, 3]), jnp.array([1., 1, 2, 0]), bins=2)
  assert h.dtype == np.int32
  eq(h, [[0, 2], [1, 1]])
  h, _, ey = jnp.histogram2d(jnp.array([0., 1, 2, 3]), jnp.array([1., 1, 2, 0]),
                             bins=[jnp.array([0., 1.5, 3.]), 3])
  eq(h, [[0, 2, 0], [1, 0, 1]])
  with pytest.raises(ValueError, match="should have one weight for each sample."):
    jnp.histogramdd(sample, weights=jnp.ones(3))
  with pytest.raises(ValueError, match="should be a bin for each dimension."):
    jnp.histogramdd(sample, bins=[2, 2])


def test_mask_indices_and_sort_complex():
  for k in (0, 1, -1):
    for f in (jnp.triu, jnp.tril):
      i, j = jnp.mask_indices(4, f, k)
      ir, jr = np.mask_indices(4, {jnp.triu: np.triu, jnp.tril: np.tril}[f], k)
      eq(i, ir), eq(j, jr)
  i, j = jnp.mask_indices(3, jnp.triu, 1, size=4)
  eq(i, [0, 0, 1, 0]), eq(j, [1, 2, 2, 0])
  a = np.array([3, 1 + 2j, 1 - 1j, 1.], np.complex64)
  out = jnp.sort_complex(a)
  assert out.dtype == np.complex64
  eq(out, np.sort_complex(a))
  assert jnp.sort_complex(jnp.array([3, 1, 2])).dtype == np.complex64
  eq(jnp.sort_complex(jnp.array([[3, 1], [0, -1]])), [[1, 3], [-1, 0]])


def test_sort_complex_x64(x64):
  assert jnp.sort_complex(jnp.array([3., 1.])).dtype == np.complex128
  assert jnp.sort_complex(jnp.array([3., 1.], dtype=jnp.float32)).dtype == np.complex64


# ----------------------------------------------------------------------------------------------
# printing, buffers, files, types
# ----------------------------------------------------------------------------------------------
def test_printing_and_buffers():
  assert jnp.array_str(jnp.array([1., 2.])) == "[1. 2.]"
  assert "1., 2." in jnp.array_repr(jnp.array([1., 2.]))
  with jnp.printoptions(precision=2):
    assert jnp.get_printoptions()["precision"] == 2
  assert jnp.get_printoptions()["precision"] == 8
  out = jnp.frombuffer(b"\x01\x02\x03\x04", dtype=jnp.uint8)
  assert out.dtype == np.uint8 and isinstance(out, numjax.Array)
  eq(out, [1, 2, 3, 4])
  out = jnp.frombuffer(np.arange(3, dtype=np.float64).tobytes(), dtype=np.float64)
  assert out.dtype == np.float32     # canonicalised, as in JAX without x64
  eq(out, [0., 1., 2.])
  with pytest.raises(ValueError, match="buffer size must be a multiple of element size"):
    jnp.frombuffer(np.arange(3, dtype=np.float32).tobytes())
  out = jnp.fromstring("1 2 3", sep=" ")
  assert out.dtype == np.float32
  eq(out, [1., 2., 3.])
  eq(jnp.fromstring("1,2,3", dtype=int, sep=","), [1, 2, 3])
  with pytest.raises(NotImplementedError, match=r"jnp.fromiter\(\) is not implemented because "
                                                "it may be non-pure"):
    jnp.fromiter(iter([1, 2]), dtype=float)
  with pytest.raises(NotImplementedError, match=r"jnp.fromfile\(\) is not implemented"):
    jnp.fromfile("x")


def test_save_and_load_round_trip():
  buf = io.BytesIO()
  jnp.save(buf, jnp.arange(4.))
  buf.seek(0)
  out = jnp.load(buf)
  assert isinstance(out, numjax.Array) and out.dtype == np.float32
  eq(out, [0., 1., 2., 3.])
  buf = io.BytesIO()
  jnp.savez(buf, a=jnp.ones(2), b=jnp.zeros(3))
  buf.seek(0)
  with jnp.load(buf) as z:
    eq(z["a"], [1., 1.]), eq(z["b"], [0., 0., 0.])


def test_scalar_type_names():
  assert jnp.ComplexWarning is np.exceptions.ComplexWarning
  assert jnp.character is np.character and jnp.flexible is np.flexible
  assert jnp.object_ is np.object_


# ----------------------------------------------------------------------------------------------
# ufunc / frompyfunc
# ----------------------------------------------------------------------------------------------
mul = jnp.frompyfunc(lambda x, y: x * y, 2, 1, identity=1)
add = jnp.frompyfunc(lambda x, y: x + y, 2, 1, identity=0)


def test_ufunc_attributes():
  assert isinstance(mul, jnp.ufunc)
  assert (mul.nin, mul.nout, mul.nargs, mul.identity, mul.__name__) == (2, 1, 2, 1, "<lambda>")
  assert repr(mul) == "<jnp.ufunc '<lambda>'>"
  f = lambda x, y: x
  assert jnp.frompyfunc(f, 2, 1) == jnp.frompyfunc(f, 2, 1)
  assert hash(jnp.frompyfunc(f, 2, 1)) == hash(jnp.frompyfunc(f, 2, 1))
  assert jnp.frompyfunc(f, 2, 1) != jnp.frompyfunc(f, 2, 1, identity=0)


def test_ufunc_methods_match_numpy():
  a = np.arange(1, 7).reshape(2, 3)
  eq(mul(jnp.arange(3), 2), [0, 2, 4])
  eq(mul.reduce(jnp.arange(1, 5)), 24)
  for axis in (0, 1, None):
    for keepdims in (False, True):
      eq(mul.reduce(jnp.array(a), axis=axis, keepdims=keepdims),
         np.multiply.reduce(a, axis=axis, keepdims=keepdims))
  w = a % 2 == 0
  close(add.reduce(jnp.array(a, float), axis=None, where=jnp.array(w)),
        np.add.reduce(a.astype(float), axis=None, where=w))
  eq(add.reduce(jnp.zeros((0,))), 0.)
  for axis in (0, 1):
    eq(add.accumulate(jnp.array(a), axis=axis), np.add.accumulate(a, axis=axis))
  eq(mul.accumulate(jnp.arange(1, 5)), [1, 2, 6, 24])
  eq(mul.outer(jnp.arange(1, 3), jnp.arange(3)), np.multiply.outer(np.arange(1, 3), np.arange(3)))
  ref = np.zeros(4)
  np.add.at(ref, [0, 0, 2], [1., 2., 3.])
  eq(add.at(jnp.zeros(4), jnp.array([0, 0, 2]), jnp.array([1., 2., 3.]), inplace=False), ref)
  eq(mul.at(jnp.arange(1, 5), jnp.array([0, 0]), 3, inplace=False), [9, 2, 3, 4])
  x = np.arange(8.)
  eq(add.reduceat(jnp.array(x), jnp.array([0, 4, 1, 5])), np.add.reduceat(x, [0, 4, 1, 5]))
  mx = jnp.frompyfunc(jnp.maximum, 2, 1)
  eq(mx.reduceat(jnp.array(x), jnp.array([0, 4, 1, 5])), [3., 4., 4., 7.])
  two = jnp.frompyfunc(lambda x: (x, 2 * x), 1, 2)(jnp.arange(3))
  eq(two[0], [0, 1, 2]), eq(two[1], [0, 2, 4])


def test_ufunc_transformations():
  a = jnp.arange(1., 5.)
  eq(numjax.jit(mul.accumulate)(a), [1., 2., 6., 24.])
  close(numjax.grad(lambda v: mul.reduce(v))(a), [24., 12., 8., 6.])
  close(numjax.grad(lambda v: mul.accumulate(v).sum())(a), [33., 16., 10., 6.])
  eq(numjax.vmap(mul.reduce)(jnp.arange(1., 7.).reshape(2, 3)), [6., 120.])


def test_ufunc_errors():
  one = jnp.frompyfunc(lambda x: 2 * x, 1, 1)
  for method, args in (("reduce", (jnp.arange(3),)), ("accumulate", (jnp.arange(3),)),
                       ("outer", (jnp.arange(3), jnp.arange(3))),
                       ("reduceat", (jnp.arange(3), jnp.array([0])))):
    with pytest.raises(ValueError, match=f"{method} only supported for binary ufuncs"):
      getattr(one, method)(*args)
  with pytest.raises(NotImplementedError, match=r"jnp.ufunc.at\(\) cannot operate inplace"):
    mul.at(jnp.arange(3), jnp.array([0]), 2)
  with pytest.raises(ValueError, match="to use a where mask one has to specify 'initial'"):
    jnp.frompyfunc(lambda x, y: x + y, 2, 1).reduce(jnp.arange(3), where=jnp.ones(3, bool))
  with pytest.raises(ValueError, match="zero-size array to reduction operation <lambda> which "
                                       "has no identity"):
    jnp.frompyfunc(lambda x, y: x + y, 2, 1).reduce(jnp.zeros((0,)))
  with pytest.raises(NotImplementedError, match="out argument of"):
    mul(jnp.arange(3), 2, out=jnp.zeros(3))


UFUNC_NAMES = {  # name: identity, as JAX 0.10.2 has them
    "add": 0, "bitwise_and": -1, "bitwise_or": 0, "bitwise_xor": 0, "logaddexp": -np.inf,
    "logaddexp2": -np.inf, "logical_and": True, "logical_or": False, "logical_xor": False,
    "maximum": None, "minimum": None, "multiply": 1, "negative": None, "subtract": None}


def test_jnp_functions_that_are_ufuncs_in_jax():
  for name, identity in UFUNC_NAMES.items():
    u = getattr(jnp, name)
    assert isinstance(u, jnp.ufunc) and repr(u) == f"<jnp.ufunc '{name}'>"
    assert u.identity == identity and u.nout == 1 and u.nin == (1 if name == "negative" else 2)
  # values recorded from JAX 0.10.2
  np.testing.assert_array_equal(jnp.maximum.reduce(jnp.array([[1, 5], [3, 2]]), axis=1), [5, 3])
  np.testing.assert_array_equal(jnp.add.accumulate(jnp.arange(4)), [0, 1, 3, 6])
  np.testing.assert_array_equal(jnp.multiply.outer(jnp.arange(2.), jnp.arange(3.)),
                                [[0., 0., 0.], [0., 1., 2.]])
  assert float(jnp.subtract.reduce(jnp.arange(4.))) == -6.0
  np.testing.assert_allclose(float(jnp.logaddexp.reduce(jnp.arange(3.))), 2.407606, rtol=1e-6)
  np.testing.assert_array_equal(jnp.add.at(jnp.zeros(3), jnp.array([0, 0, 2]), 1.,
                                           inplace=False), [2., 0., 1.])
  # calling one is calling the function: same values, transformable
  np.testing.assert_array_equal(numjax.grad(lambda x: jnp.add.reduce(x * x))(jnp.arange(3.)),
                                [0., 2., 4.])
  assert float(numjax.jit(jnp.multiply)(2., 3.)) == 6.0
