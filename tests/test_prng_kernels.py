"""Tests for numjax/_src/prng_kernels.py (bit-exact threefry PRNG in NumPy).

Reference values come from real jax 0.10.2: the literals below, and
tests/data/prng_reference.json written by tests/data/make_prng_reference.py
(which imports jax and is never imported here).  Floats in the JSON are stored
as IEEE bit patterns so comparisons are bit-exact.
"""
import json
import os
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from numjax._src import prng_kernels as pk  # noqa: E402

_REF_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                         "prng_reference.json")
with open(_REF_PATH) as _f:
  REF = json.load(_f)

MODES = {"partitionable": True, "original": False}
_UINT = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}


def _floats(entry):
  bits = np.array(entry["bits"], dtype=_UINT[entry["dtype"]])
  return bits.view(entry["dtype"]).reshape(entry["shape"])


def _ints(entry):
  return np.array(entry["values"], dtype=entry["dtype"]).reshape(
      entry["shape"])


def _keys(lst):
  return np.array(lst, dtype=np.uint32)


def _ulp_diff(a, b):
  """Distance in units in the last place between same-dtype float arrays."""
  a, b = np.asarray(a), np.asarray(b)
  assert a.dtype == b.dtype and a.shape == b.shape
  it = {2: np.int16, 4: np.int32, 8: np.int64}[a.dtype.itemsize]
  ai = a.view(it).astype(np.int64)
  bi = b.view(it).astype(np.int64)
  mask = np.iinfo(it).max
  ai = np.where(ai < 0, -(ai & mask), ai)  # sign-magnitude -> monotone ints
  bi = np.where(bi < 0, -(bi & mask), bi)
  return np.abs(ai - bi)


def _assert_same(actual, expected):
  actual = np.asarray(actual)
  assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
  assert actual.shape == expected.shape, (actual.shape, expected.shape)
  np.testing.assert_array_equal(actual, expected)


def _shape(num):
  return tuple(num) if isinstance(num, list) else num


# ---------------------------------------------------------------------------
# Literal values (jax 0.10.2, default flags).
# ---------------------------------------------------------------------------

def test_tutorial_sequence_literal():
  # key = random.key(0); key, W_key, b_key = random.split(key, 3)
  # W = random.normal(W_key, (3,)); b = random.normal(b_key, ())
  key = pk.threefry_seed(0)
  np.testing.assert_array_equal(key, np.array([0, 0], np.uint32))
  key, w_key, b_key = pk.threefry_split(key, 3)
  np.testing.assert_array_equal(key, [1797259609, 2579123966])
  np.testing.assert_array_equal(w_key, [928981903, 3453687069])
  np.testing.assert_array_equal(b_key, [4146024105, 2718843009])
  w = pk.normal(w_key, (3,))
  b = pk.normal(b_key, ())
  assert w.dtype == np.float32 and w.shape == (3,)
  assert b.dtype == np.float32 and b.shape == ()
  np.testing.assert_array_equal(
      w, np.array([-2.4424558, -2.0356805, 0.20554423], np.float32))
  np.testing.assert_array_equal(b, np.float32(1.2956359))


def test_tutorial_sequence_literal_original_mode():
  # Same program with jax_threefry_partitionable=False (the numbers the older
  # docs printed).
  key = pk.threefry_seed(0)
  key, w_key, b_key = pk.threefry_split(key, 3, partitionable=False)
  np.testing.assert_array_equal(key, [2467461003, 428148500])
  np.testing.assert_array_equal(w_key, [3186719485, 3840466878])
  np.testing.assert_array_equal(b_key, [2562233961, 1946702221])
  w = pk.normal(w_key, (3,), partitionable=False)
  b = pk.normal(b_key, (), partitionable=False)
  np.testing.assert_array_equal(
      w, np.array([-0.36838785, -2.275689, 0.011447566], np.float32))
  np.testing.assert_array_equal(b, np.float32(0.8535516))


def test_seed_literals():
  np.testing.assert_array_equal(pk.threefry_seed(42), [0, 42])
  np.testing.assert_array_equal(pk.threefry_seed(-1), [0, 0xFFFFFFFF])
  np.testing.assert_array_equal(pk.threefry_seed(2**31 + 5), [0, 2**31 + 5])
  np.testing.assert_array_equal(pk.threefry_seed(-1, x64=True),
                                [0xFFFFFFFF, 0xFFFFFFFF])
  assert pk.threefry_seed(0).dtype == np.uint32
  assert pk.threefry_seed(0).shape == (2,)


# ---------------------------------------------------------------------------
# Against the JSON reference.
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", REF["threefry2x32_kat"],
                         ids=lambda c: hex(c["key"][0]))
def test_threefry2x32_known_answers(case):
  k1, k2 = case["key"]
  x1, x2 = case["count"]
  y1, y2 = pk.threefry2x32(k1, k2, x1, x2)
  assert y1.dtype == y2.dtype == np.uint32
  assert [int(y1), int(y2)] == case["out"]
  # via the flat-counter hash
  out = pk.threefry_2x32_hash(np.array(case["key"], np.uint32),
                              np.array(case["count"], np.uint32))
  assert out.tolist() == case["out"]


def test_threefry2x32_broadcasting():
  k = np.array([[1], [2]], np.uint32)
  x = np.arange(3, dtype=np.uint32)
  y1, y2 = pk.threefry2x32(k, np.uint32(7), x, x[::-1])
  assert y1.shape == y2.shape == (2, 3)
  for i in range(2):
    for j in range(3):
      a, b = pk.threefry2x32(k[i, 0], 7, x[j], x[2 - j])
      assert (y1[i, j], y2[i, j]) == (a, b)


@pytest.mark.parametrize("x64", [False, True])
def test_seed(x64):
  table = REF["seed_x64" if x64 else "seed"]
  for seed, expected in table.items():
    _assert_same(pk.threefry_seed(int(seed), x64=x64), _keys(expected))


def test_seed_numpy_scalars_and_errors():
  np.testing.assert_array_equal(pk.threefry_seed(np.int8(-1)), [0, 2**32 - 1])
  np.testing.assert_array_equal(pk.threefry_seed(np.uint64(2**63 + 5)), [0, 5])
  np.testing.assert_array_equal(
      pk.threefry_seed(np.uint64(2**63 + 5), x64=True), [2**31, 5])
  np.testing.assert_array_equal(pk.threefry_seed(np.array([1, -1])),
                                [[0, 1], [0, 2**32 - 1]])
  with pytest.raises(OverflowError):
    pk.threefry_seed(2**63)
  with pytest.raises(TypeError):
    pk.threefry_seed(1.5)


@pytest.mark.parametrize("mode", MODES)
def test_split(mode):
  for case in REF[mode]["split"]:
    key = pk.threefry_seed(case["seed"])
    num = _shape(case["num"])
    expected = _keys(case["keys"]).reshape(
        (num if isinstance(num, tuple) else (num,)) + (2,))
    _assert_same(pk.threefry_split(key, num, partitionable=MODES[mode]),
                 expected)


@pytest.mark.parametrize("mode", MODES)
def test_fold_in(mode):
  for case in REF[mode]["fold_in"]:
    key = pk.threefry_seed(case["seed"])
    _assert_same(
        pk.threefry_fold_in(key, case["data"], partitionable=MODES[mode]),
        _keys(case["key"]))


@pytest.mark.parametrize("mode", MODES)
def test_random_bits(mode):
  for case in REF[mode]["bits"]:
    key = pk.threefry_seed(case["seed"])
    out = pk.threefry_random_bits(key, case["bit_width"], tuple(case["shape"]),
                                  partitionable=MODES[mode])
    _assert_same(out, _ints(case))


@pytest.mark.parametrize("mode", MODES)
def test_uniform_exact(mode):
  for case in REF[mode]["uniform"]:
    expected = _floats(case)
    out = pk.uniform(pk.threefry_seed(case["seed"]), tuple(case["shape"]),
                     expected.dtype, case["minval"], case["maxval"],
                     partitionable=MODES[mode])
    _assert_same(out, expected)


@pytest.mark.parametrize("mode", MODES)
def test_normal_within_one_ulp(mode):
  for case in REF[mode]["normal"]:
    expected = _floats(case)
    out = pk.normal(pk.threefry_seed(case["seed"]), tuple(case["shape"]),
                    expected.dtype, partitionable=MODES[mode])
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert _ulp_diff(out, expected).max(initial=0) <= 1


@pytest.mark.parametrize("mode", MODES)
def test_normal_bit_exact(mode):
  # Stronger than the 1-ulp contract: erfinv mimics XLA-CPU (FMA) exactly.
  for case in REF[mode]["normal"]:
    expected = _floats(case)
    out = pk.normal(pk.threefry_seed(case["seed"]), tuple(case["shape"]),
                    expected.dtype, partitionable=MODES[mode])
    _assert_same(out, expected)


@pytest.mark.parametrize("mode", MODES)
def test_randint(mode):
  for case in REF[mode]["randint"]:
    expected = _ints(case)
    out = pk.randint(pk.threefry_seed(case["seed"]), tuple(case["shape"]),
                     case["minval"], case["maxval"], expected.dtype,
                     partitionable=MODES[mode])
    _assert_same(out, expected)


@pytest.mark.parametrize("mode", MODES)
def test_bernoulli(mode):
  for case in REF[mode]["bernoulli"]:
    out = pk.bernoulli(pk.threefry_seed(case["seed"]), case["p"],
                       tuple(case["shape"]), mode=case["mode"],
                       partitionable=MODES[mode])
    _assert_same(out, _ints(case))


@pytest.mark.parametrize("mode", MODES)
def test_batched_keys_match_vmap(mode):
  ref = REF[mode]["batched"]
  part = MODES[mode]
  keys = _keys(ref["keys"])
  assert keys.shape == (2, 3, 2)
  _assert_same(pk.threefry_split(keys, 3, partitionable=part),
               _keys(ref["split3"]))
  _assert_same(pk.threefry_fold_in(keys, 9, partitionable=part),
               _keys(ref["fold_in9"]))
  _assert_same(pk.threefry_random_bits(keys, 8, (3, 5), partitionable=part),
               _ints(ref["bits8"]))
  _assert_same(pk.threefry_random_bits(keys, 32, (3, 5), partitionable=part),
               _ints(ref["bits32"]))
  _assert_same(pk.normal(keys, (4,), partitionable=part),
               _floats(ref["normal"]))
  _assert_same(pk.randint(keys, (4,), 0, 10, partitionable=part),
               _ints(ref["randint"]))


@pytest.mark.parametrize("mode", MODES)
def test_tutorial_sequence(mode):
  ref = REF[mode]["tutorial"]
  part = MODES[mode]
  key, w_key, b_key = pk.threefry_split(pk.threefry_seed(0), 3,
                                        partitionable=part)
  _assert_same(key, _keys(ref["key"]))
  _assert_same(w_key, _keys(ref["W_key"]))
  _assert_same(b_key, _keys(ref["b_key"]))
  _assert_same(pk.normal(w_key, (3,), partitionable=part), _floats(ref["W"]))
  _assert_same(pk.normal(b_key, (), partitionable=part), _floats(ref["b"]))


@pytest.mark.parametrize("width", ["f32", "f64"])
def test_erfinv_matches_xla(width):
  ref = REF["erfinv"][width]
  x, expected = _floats(ref["x"]), _floats(ref["y"])
  out = pk.erfinv(x)
  assert out.dtype == expected.dtype and out.shape == expected.shape
  np.testing.assert_array_equal(np.isnan(out), np.isnan(expected))
  ok = ~np.isnan(expected)
  # bit-exact, including signed zeros from flushed denormals
  np.testing.assert_array_equal(out[ok].view(_UINT[str(out.dtype)]),
                                expected[ok].view(_UINT[str(out.dtype)]))


# ---------------------------------------------------------------------------
# Structural properties.
# ---------------------------------------------------------------------------

_u32 = st.integers(0, 2**32 - 1)


@settings(max_examples=30, deadline=None)
@given(k1=_u32, k2=_u32, data=_u32)
def test_fold_in_is_cipher_of_zero_data(k1, k2, data):
  key = np.array([k1, k2], np.uint32)
  y1, y2 = pk.threefry2x32(k1, k2, 0, data)
  for part in (True, False):
    np.testing.assert_array_equal(
        pk.threefry_fold_in(key, data, partitionable=part), [y1, y2])


@settings(max_examples=20, deadline=None)
@given(k1=_u32, k2=_u32,
       shape=st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple))
def test_partitionable_bits64_are_split_keys(k1, k2, shape):
  # With the partitionable flag, split and random_bits use the same counters:
  # the 64-bit draws are exactly the split keys glued together.
  key = np.array([k1, k2], np.uint32)
  keys = pk.threefry_split(key, shape).astype(np.uint64)
  bits = pk.threefry_random_bits(key, 64, shape)
  np.testing.assert_array_equal(bits, (keys[..., 0] << np.uint64(32))
                                | keys[..., 1])
  bits32 = pk.threefry_random_bits(key, 32, shape)
  np.testing.assert_array_equal(bits32, (keys[..., 0] ^ keys[..., 1]))


@settings(max_examples=20, deadline=None)
@given(k1=_u32, k2=_u32, n=st.integers(0, 13))
def test_original_narrow_bits_are_little_endian_words(k1, k2, n):
  key = np.array([k1, k2], np.uint32)
  words = pk.threefry_random_bits(key, 32, ((n + 1) // 2,),
                                  partitionable=False)
  b16 = pk.threefry_random_bits(key, 16, (n,), partitionable=False)
  np.testing.assert_array_equal(b16, words.astype("<u4").view("<u2")[:n])
  words = pk.threefry_random_bits(key, 32, ((n + 3) // 4,),
                                  partitionable=False)
  b8 = pk.threefry_random_bits(key, 8, (n,), partitionable=False)
  np.testing.assert_array_equal(b8, words.astype("<u4").view("u1")[:n])


@settings(max_examples=8, deadline=None)
@given(seeds=st.lists(st.integers(-2**31, 2**31 - 1), min_size=1,
                      max_size=4), part=st.booleans())
def test_batched_equals_per_key(seeds, part):
  keys = np.stack([pk.threefry_seed(s) for s in seeds])
  fns = [
      lambda k: pk.threefry_split(k, (2, 3), partitionable=part),
      lambda k: pk.threefry_random_bits(k, 8, (5,), partitionable=part),
      lambda k: pk.threefry_random_bits(k, 64, (3,), partitionable=part),
      lambda k: pk.uniform(k, (2, 2), np.float32, -1.0, 3.0,
                           partitionable=part),
      lambda k: pk.normal(k, (3,), np.float64, partitionable=part),
      lambda k: pk.randint(k, (4,), -3, 9, partitionable=part),
      lambda k: pk.bernoulli(k, 0.4, (2, 3), mode="high", partitionable=part),
  ]
  for fn in fns:
    batched = fn(keys)
    for i in range(len(seeds)):
      np.testing.assert_array_equal(batched[i], fn(keys[i]))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), part=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]),
       lo=st.floats(-10, 10), span=st.floats(0.5, 10))
def test_sampler_ranges(seed, part, dtype, lo, span):
  key = pk.threefry_seed(seed)
  u = pk.uniform(key, (64,), dtype, lo, lo + span, partitionable=part)
  assert u.dtype == dtype
  assert np.all(u >= dtype(lo)) and np.all(u < dtype(lo + span))
  z = pk.normal(key, (64,), dtype, partitionable=part)
  assert z.dtype == dtype and np.all(np.isfinite(z))
  r = pk.randint(key, (64,), -7, 5, partitionable=part)
  assert r.dtype == np.int32 and r.min() >= -7 and r.max() < 5


def test_randint_degenerate_and_full_ranges():
  key = pk.threefry_seed(3)
  np.testing.assert_array_equal(pk.randint(key, (5,), 4, 4), [4] * 5)
  np.testing.assert_array_equal(pk.randint(key, (5,), 9, 2), [9] * 5)
  full = pk.randint(key, (2000,), 0, 256, np.uint8)
  assert full.dtype == np.uint8 and full.max() > 250


def test_input_validation():
  with pytest.raises(TypeError):
    pk.threefry_split(np.zeros(2, np.int32), 2)
  with pytest.raises(TypeError):
    pk.threefry_split(np.zeros(3, np.uint32), 2)
  with pytest.raises(TypeError):
    pk.threefry_random_bits(np.zeros(2, np.uint32), 12, (3,))
  with pytest.raises(TypeError):
    pk.randint(np.zeros(2, np.uint32), (3,), 0, 5, np.float32)
  with pytest.raises(OverflowError):
    pk.threefry_fold_in(np.zeros(2, np.uint32), -1)
