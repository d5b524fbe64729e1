"""numjax.random against real JAX 0.10.2.

References: tests/data/prng_reference.json (kernel-level: split, fold_in, bits, uniform,
normal, randint, bernoulli for both settings of jax_threefry_partitionable, written by
tests/data/make_prng_reference.py) and tests/data/random_reference.json (the public API:
reprs, distributions, gradients, vmap; written by tests/data/make_random_reference.py).
Both scripts import jax and are never imported here. Floats are stored as bit patterns.

Distributions whose arithmetic is ours (bits, uniform's fused multiply-add, erf_inv, the
gamma sampler's log) are compared bit for bit; the ones that go through transcendental
functions, where XLA's implementations differ from NumPy's in the last bits, within a few
ulps.
"""
import json
import os
import re
import warnings

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import random
from numjax._src import random as random_impl
from numjax._src.lax.base import all_primitives

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
with open(os.path.join(_DATA, "prng_reference.json")) as _f:
  PREF = json.load(_f)
with open(os.path.join(_DATA, "random_reference.json")) as _f:
  RREF = json.load(_f)

_UINT = {"float16": np.uint16, "float32": np.uint32, "float64": np.uint64}
MODES = {"partitionable": True, "original": False}


def dec(e):
  """A reference entry as a NumPy array."""
  if "bits" in e:
    return np.array(e["bits"], _UINT[e["dtype"]]).view(e["dtype"]).reshape(e["shape"])
  if "re" in e:
    real = {"complex64": "float32", "complex128": "float64"}[e["dtype"]]
    re_ = np.array(e["re"], _UINT[real]).view(real)
    im = np.array(e["im"], _UINT[real]).view(real)
    return (re_ + 1j * im).astype(e["dtype"]).reshape(e["shape"])
  return np.array(e["values"], dtype=e["dtype"]).reshape(e["shape"])


def assert_same(actual, expected):
  actual = np.asarray(actual)
  assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
  assert actual.shape == expected.shape, (actual.shape, expected.shape)
  np.testing.assert_array_equal(actual, expected)


def assert_close(actual, expected, rtol=None, atol=None):
  actual = np.asarray(actual)
  assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
  assert actual.shape == expected.shape, (actual.shape, expected.shape)
  if expected.dtype.kind not in "fc":
    np.testing.assert_array_equal(actual, expected)
    return
  wide = expected.dtype in (np.float64, np.complex128)
  np.testing.assert_allclose(actual, expected, rtol=rtol or (1e-13 if wide else 4e-6),
                             atol=atol or (1e-14 if wide else 1e-6))


@pytest.fixture
def flag():
  """Set jax_threefry_partitionable for one test (restored afterwards)."""
  prev = jax.config.jax_threefry_partitionable
  yield lambda value: jax.config.update("jax_threefry_partitionable", value)
  jax.config.update("jax_threefry_partitionable", prev)


def keyof(seed, typed=True):
  return random.key(seed) if typed else random.PRNGKey(seed)


def data_of(k):
  return np.asarray(random.key_data(k))


# ----------------------------------------------------------------------------------------------
# The acceptance sequence
# ----------------------------------------------------------------------------------------------
def test_tutorial_sequence():
  key = random.key(0)
  key, W_key, b_key = random.split(key, 3)
  W = random.normal(W_key, (3,))
  b = random.normal(b_key, ())
  np.testing.assert_array_equal(W, np.array([-2.4424558, -2.0356805, 0.20554423], np.float32))
  assert b.dtype == np.float32 and b.shape == () and float(b) == np.float32(1.2956359)
  key, subkey1, subkey2 = random.split(key, 3)
  X = random.normal(subkey1, (30, 40))
  ref = RREF["tutorial"]
  assert_same(W, dec(ref["W"]))
  assert_same(b, dec(ref["b"]))
  assert_same(random.key_data(key), dec(ref["key"]))
  assert_same(random.key_data(subkey2), dec(ref["y_key"]))
  assert_same(X, dec(ref["X"]))


def test_tutorial_sequence_with_raw_keys():
  key = random.PRNGKey(0)
  key, W_key, b_key = random.split(key, 3)
  key, subkey1, _ = random.split(key, 3)
  assert_same(random.normal(W_key, (3,)), dec(RREF["tutorial"]["W"]))
  assert_same(random.normal(subkey1, (30, 40)), dec(RREF["tutorial"]["X"]))


# ----------------------------------------------------------------------------------------------
# Key arrays
# ----------------------------------------------------------------------------------------------
def test_reprs_match_jax():
  r = RREF["repr"]
  k = random.key(0)
  assert repr(k) == r["key0"] == "Array((), dtype=key<fry>) overlaying:\n[0 0]"
  assert str(k) == r["str_key0"]
  assert repr(random.split(k, 3)) == r["split3"]
  assert repr(random.split(k, (2, 3))) == r["split23"]
  assert repr(random.split(k, 0)) == r["split0"]
  assert repr(random.PRNGKey(0)) == r["prngkey0"] == "Array([0, 0], dtype=uint32)"
  assert repr(random.key_data(random.split(k, 3))) == r["key_data3"]
  assert str(k.dtype) == repr(k.dtype) == r["dtype"] == "key<fry>"


def test_key_array_shape_dtype_indexing_iteration():
  k = random.key(0)
  assert k.shape == () and k.ndim == 0 and k.size == 1 and k.dtype.itemsize == 8
  ks = random.split(k, 3)
  assert ks.shape == (3,) and len(ks) == 3 and ks.dtype == k.dtype
  a, b, c = ks
  assert a.shape == () and repr(a) == repr(ks[0])
  np.testing.assert_array_equal(data_of(c), data_of(ks[-1]))
  ks2 = random.split(k, (2, 3))
  assert ks2[1].shape == (3,) and ks2[:, 1].shape == (2,) and ks2[..., 1].shape == (2,)
  assert ks2.T.shape == (3, 2) and ks2.reshape(6).shape == (6,)
  assert ks2.reshape(-1, 2).shape == (3, 2) and ks2.ravel().shape == (6,)
  np.testing.assert_array_equal(data_of(ks2.T[2, 1]), data_of(ks2[1, 2]))
  np.testing.assert_array_equal(data_of(ks2[None]), data_of(ks2)[None])
  assert bool(ks2[0, 1] == ks2[0][1]) and not bool(ks2[0, 1] != ks2[0][1])
  np.testing.assert_array_equal(np.asarray(ks == ks[0]), [True, False, False])
  assert bool(random.wrap_key_data(random.key_data(k)) == k)


def test_key_array_errors():
  k = random.key(0)
  with pytest.raises(TypeError, match=re.escape("len() of unsized object")):
    len(k)
  with pytest.raises(TypeError, match="iteration over a 0-d key array"):
    list(k)
  with pytest.raises(IndexError, match=re.escape(
      "Too many indices: array is 0-dimensional, but 1 were indexed")):
    k[0]
  with pytest.raises(IndexError, match=re.escape(
      "Too many indices: array is 1-dimensional, but 2 were indexed")):
    random.split(k)[0, 0]


def test_keys_are_pytrees_carried_by_transformations():
  k = random.key(0)
  # As in JAX, a key array is a leaf to users (tree_util, tree) ...
  leaves, tree = jax.tree_util.tree_flatten(k)
  assert len(leaves) == 1 and leaves[0] is k and str(tree) == "PyTreeDef(*)"
  state = {"key": k, "w": jnp.ones(2), "keys": random.split(k, 3)}
  assert jax.tree.map(lambda x: x.shape, state) == {"key": (), "keys": (3,), "w": (2,)}
  assert repr(jax.tree_util.tree_unflatten(tree, leaves)) == repr(k)
  # ... while transformations carry its uint32 data
  out = jax.jit(lambda key: random.split(key))(k)
  assert isinstance(out, random.PRNGKeyArray) and out.shape == (2,)
  np.testing.assert_array_equal(data_of(out), data_of(random.split(k)))

  def body(key, _):
    key, sub = random.split(key)
    return key, random.uniform(sub)
  last, xs = jax.lax.scan(body, k, None, length=3)
  key, expect = k, []
  for _ in range(3):
    key, sub = random.split(key)
    expect.append(random.uniform(sub))
  np.testing.assert_array_equal(np.asarray(xs), np.array(expect))
  np.testing.assert_array_equal(data_of(last), data_of(key))
  keys = jax.vmap(random.key)(jnp.arange(3))
  assert keys.shape == (3,)
  np.testing.assert_array_equal(data_of(keys), [[0, 0], [0, 1], [0, 2]])


def test_raw_and_typed_keys_interoperate():
  k, raw = random.key(7), random.PRNGKey(7)
  np.testing.assert_array_equal(np.asarray(raw), data_of(k))
  assert isinstance(random.split(k), random.PRNGKeyArray)
  s = random.split(raw)
  assert type(s) is jax.Array and s.dtype == np.uint32 and s.shape == (2, 2)
  np.testing.assert_array_equal(np.asarray(s), data_of(random.split(k)))
  np.testing.assert_array_equal(np.asarray(random.fold_in(raw, 3)),
                                data_of(random.fold_in(k, 3)))
  assert random.key_impl(k) == random.key_impl(raw) == "threefry2x32"
  assert random.key_data(raw) is not None and random.key_dtype() == k.dtype
  wrapped = random.wrap_key_data(np.array([[1, 2], [3, 4]], np.uint32))
  assert wrapped.shape == (2,)
  np.testing.assert_array_equal(np.asarray(random.clone(raw)), np.asarray(raw))


@pytest.mark.parametrize("x64", [False, True])
def test_seeds(x64):
  table = PREF["seed_x64" if x64 else "seed"]
  prev = jax.config.jax_enable_x64
  jax.config.update("jax_enable_x64", x64)
  try:
    for seed, expected in table.items():
      assert_same(random.key_data(random.key(int(seed))), np.array(expected, np.uint32))
      assert_same(random.PRNGKey(int(seed)), np.array(expected, np.uint32))
  finally:
    jax.config.update("jax_enable_x64", prev)
  np.testing.assert_array_equal(data_of(random.key(np.uint32(5))), [0, 5])
  np.testing.assert_array_equal(data_of(random.key(np.int8(-1))), [0, 2**32 - 1])
  np.testing.assert_array_equal(data_of(random.key(jnp.int32(3))), [0, 3])


# ----------------------------------------------------------------------------------------------
# split / fold_in / bits / uniform / normal / randint / bernoulli vs the kernel references,
# through the public API, typed and raw keys, both settings of the flag
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "raw"])
def test_split_fold_in_bits(mode, typed, flag):
  flag(MODES[mode])
  ref = PREF[mode]
  for case in ref["split"]:
    num = tuple(case["num"]) if isinstance(case["num"], list) else case["num"]
    out = random.split(keyof(case["seed"], typed), num)
    assert_same(random.key_data(out), np.array(case["keys"], np.uint32).reshape(
        random.key_data(out).shape))
  for case in ref["fold_in"]:
    out = random.fold_in(keyof(case["seed"], typed), case["data"])
    assert_same(random.key_data(out), np.array(case["key"], np.uint32))
  for case in ref["bits"]:
    if case["bit_width"] == 64:
      continue
    out = random.bits(keyof(case["seed"], typed), tuple(case["shape"]),
                      np.dtype(f"uint{case['bit_width']}"))
    assert_same(out, dec(case))


@pytest.mark.parametrize("mode", MODES)
def test_bits64_with_x64(mode, flag, x64):
  flag(MODES[mode])
  for case in PREF[mode]["bits"]:
    if case["bit_width"] == 64:
      # the reference keys were made with x64 off: seeds wrap to 32 bits
      k = random.wrap_key_data(np.array(PREF["seed"][str(case["seed"])], np.uint32))
      out = random.bits(k, tuple(case["shape"]), jnp.uint64)
      assert_same(out, dec(case))
  assert random.bits(random.key(0)).dtype == np.uint64


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("typed", [True, False], ids=["typed", "raw"])
def test_uniform_and_normal_bit_exact(mode, typed, flag):
  flag(MODES[mode])
  ref = PREF[mode]
  for case in ref["uniform"] + ref["normal"]:
    kind = "uniform" if "minval" in case else "normal"
    expected = dec(case)
    wide = expected.dtype == np.float64
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", wide)
    try:
      k = keyof(case["seed"], typed)
      if kind == "uniform":
        out = random.uniform(k, tuple(case["shape"]), expected.dtype, case["minval"],
                             case["maxval"])
      else:
        out = random.normal(k, tuple(case["shape"]), expected.dtype)
      assert_same(out, expected)
    finally:
      jax.config.update("jax_enable_x64", prev)


@pytest.mark.parametrize("mode", MODES)
def test_randint_and_bernoulli(mode, flag):
  flag(MODES[mode])
  ref = PREF[mode]
  for case in ref["randint"]:
    expected = dec(case)
    wide = abs(case["minval"]) > 2**31 or case["maxval"] > 2**32 or \
        expected.dtype == np.int64
    prev = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", wide)
    try:
      out = random.randint(random.key(case["seed"]), tuple(case["shape"]), case["minval"],
                           case["maxval"], expected.dtype)
      assert_same(out, expected)
    finally:
      jax.config.update("jax_enable_x64", prev)
  for case in ref["bernoulli"]:
    out = random.bernoulli(random.key(case["seed"]), case["p"], tuple(case["shape"]),
                           mode=case["mode"])
    assert_same(out, dec(case))


@pytest.mark.parametrize("mode", MODES)
def test_vmap_over_a_batch_of_keys(mode, flag):
  flag(MODES[mode])
  ref = PREF[mode]["batched"]
  kb = random.wrap_key_data(jnp.asarray(np.array(ref["keys"], np.uint32)))
  vm = lambda f: jax.vmap(jax.vmap(f))(kb)
  assert_same(random.key_data(vm(lambda k: random.split(k, 3))),
              np.array(ref["split3"], np.uint32))
  assert_same(random.key_data(vm(lambda k: random.fold_in(k, 9))),
              np.array(ref["fold_in9"], np.uint32))
  assert_same(vm(lambda k: random.bits(k, (3, 5), jnp.uint8)), dec(ref["bits8"]))
  assert_same(vm(lambda k: random.bits(k, (3, 5), jnp.uint32)), dec(ref["bits32"]))
  assert_same(vm(lambda k: random.normal(k, (4,))), dec(ref["normal"]))
  assert_same(vm(lambda k: random.randint(k, (4,), 0, 10)), dec(ref["randint"]))


# ----------------------------------------------------------------------------------------------
# Distributions vs JAX
# ----------------------------------------------------------------------------------------------
_K = lambda: random.key(0)
CASES = {
    "uniform": lambda k: random.uniform(k, (5,), minval=jnp.array([0., 1, 2, 3, 4]),
                                        maxval=7.5),
    "normal_c64": lambda k: random.normal(k, (6,), jnp.complex64),
    "normal_c128": lambda k: random.normal(k, (4,), jnp.complex128),
    "normal_f64": lambda k: random.normal(random.key(42), (5,), jnp.float64),
    "exponential": lambda k: random.exponential(k, (200,)),
    "exponential_f64": lambda k: random.exponential(k, (50,), jnp.float64),
    "laplace": lambda k: random.laplace(k, (200,)),
    "logistic": lambda k: random.logistic(k, (200,)),
    "cauchy": lambda k: random.cauchy(k, (200,)),
    "gumbel": lambda k: random.gumbel(k, (200,)),
    "gumbel_high": lambda k: random.gumbel(k, (50,), mode="high"),
    "gumbel_highest": lambda k: random.gumbel(k, (50,), mode="highest"),
    "rademacher": lambda k: random.rademacher(k, (40,)),
    "rademacher_f32": lambda k: random.rademacher(k, (10,), jnp.float32),
    "truncated_normal": lambda k: random.truncated_normal(k, -1.5, 2.0, (200,)),
    "truncated_normal_vec": lambda k: random.truncated_normal(
        k, jnp.array([-3., 0., 1.]), jnp.array([3., 0.5, 4.]), (2, 3)),
    "bernoulli_vec": lambda k: random.bernoulli(k, jnp.array([0.1, 0.5, 0.9]), (4, 3)),
    "categorical": lambda k: random.categorical(
        k, jnp.log(jnp.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])), axis=-1, shape=(5, 2)),
    "categorical_axis0": lambda k: random.categorical(
        k, jnp.log(jnp.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])), axis=0),
    "categorical_noreplace": lambda k: random.categorical(
        k, jnp.linspace(-1., 1., 6), shape=(4,), replace=False),
    "categorical_noreplace_batch": lambda k: random.categorical(
        k, jnp.reshape(jnp.linspace(-1., 1., 12), (2, 6)), shape=(3, 2), replace=False),
    "choice_int": lambda k: random.choice(k, 10, (6,)),
    "choice_arr": lambda k: random.choice(k, jnp.arange(20.).reshape(5, 4), (3,), axis=1),
    "choice_noreplace": lambda k: random.choice(k, 10, (6,), replace=False),
    "choice_noreplace_arr": lambda k: random.choice(
        k, jnp.arange(20.).reshape(5, 4), (2,), replace=False, axis=0),
    "choice_p": lambda k: random.choice(k, 5, (8,), p=jnp.array([.1, .2, .3, .15, .25])),
    "choice_p_noreplace": lambda k: random.choice(
        k, 5, (3,), replace=False, p=jnp.array([.1, .2, .3, .15, .25])),
    "permutation_int": lambda k: random.permutation(k, 10),
    "permutation_arr": lambda k: random.permutation(k, jnp.arange(12).reshape(4, 3)),
    "permutation_axis1": lambda k: random.permutation(k, jnp.arange(12).reshape(4, 3),
                                                      axis=1),
    "permutation_indep": lambda k: random.permutation(
        k, jnp.arange(12).reshape(4, 3), axis=1, independent=True),
    "gamma": lambda k: random.gamma(k, jnp.array([0.1, 0.5, 1.0, 2.5, 7.0, 30.0])),
    "gamma_shape": lambda k: random.gamma(k, 0.7, (40,)),
    "gamma_big": lambda k: random.gamma(k, 3.0, (200,)),
    "gamma_f64": lambda k: random.gamma(k, jnp.array([0.3, 1.0, 4.0]), dtype=jnp.float64),
    "loggamma": lambda k: random.loggamma(k, jnp.array([0.01, 0.5, 2.5, 7.0])),
    "beta": lambda k: random.beta(k, 2.0, 3.0, (20,)),
    "beta_vec": lambda k: random.beta(k, jnp.array([0.5, 1., 4.]), 0.3),
    "dirichlet": lambda k: random.dirichlet(k, jnp.array([0.5, 1., 2., 4.]), (3,)),
    "chisquare": lambda k: random.chisquare(k, 3.0, (20,)),
    "t": lambda k: random.t(k, 4.0, (20,)),
    "f": lambda k: random.f(k, 3.0, 5.0, (10,)),
    "pareto": lambda k: random.pareto(k, 3.0, (20,)),
    "poisson": lambda k: random.poisson(k, 3.5, (50,)),
    "poisson_vec": lambda k: random.poisson(k, jnp.array([0., 0.5, 4., 9.9, 12., 100.])),
    "mvn_cholesky": lambda k: random.multivariate_normal(
        k, jnp.array([1., -1.]), jnp.array([[2., 0.5], [0.5, 1.]]), (4,)),
    "mvn_eigh": lambda k: random.multivariate_normal(
        k, jnp.array([1., -1.]), jnp.array([[2., 0.5], [0.5, 1.]]), (4,), method="eigh"),
    "mvn_svd": lambda k: random.multivariate_normal(
        k, jnp.array([1., -1.]), jnp.array([[2., 0.5], [0.5, 1.]]), (4,), method="svd"),
    "orthogonal": lambda k: random.orthogonal(k, 3),
    "orthogonal_rect": lambda k: random.orthogonal(k, 2, (2,), m=4),
    "maxwell": lambda k: random.maxwell(k, (10,)),
    "lognormal": lambda k: random.lognormal(k, 0.5, (10,)),
    "rayleigh": lambda k: random.rayleigh(k, 2.0, (10,)),
    "weibull_min": lambda k: random.weibull_min(k, 2.0, 1.5, (10,)),
    "geometric": lambda k: random.geometric(k, 0.3, (10,)),
    "triangular": lambda k: random.triangular(k, 0.0, 0.3, 1.0, (10,)),
    "wald": lambda k: random.wald(k, 1.5, (10,)),
    "double_sided_maxwell": lambda k: random.double_sided_maxwell(k, 1.0, 2.0, (5,)),
    "generalized_normal": lambda k: random.generalized_normal(k, 1.5, (10,)),
    "ball": lambda k: random.ball(k, 3, 2, (4,)),
    "bits_u8": lambda k: random.bits(k, (7,), jnp.uint8),
    "randint_vec": lambda k: random.randint(k, (2, 3), jnp.array([0, 10, -5]), 20),
    "fold_in_split": lambda k: random.key_data(random.split(random.fold_in(k, 7), 4)),
}
# Float results that are bit-identical to JAX's (our arithmetic is XLA's).
BIT_EXACT = {"uniform", "normal_c64", "normal_c128", "normal_f64", "rademacher_f32", "gamma",
             "gamma_f64", "loggamma", "beta_vec", "t", "triangular"}
_REF_CASES = {c["name"]: c for c in RREF["cases"]}


def _run_case(name, fn, key):
  case = _REF_CASES[name]
  prev = jax.config.jax_enable_x64
  jax.config.update("jax_enable_x64", case["x64"])
  try:
    with warnings.catch_warnings():
      warnings.simplefilter("error")
      out = np.asarray(fn(key))
  finally:
    jax.config.update("jax_enable_x64", prev)
  expected = dec(case["out"])
  if name in BIT_EXACT or expected.dtype.kind not in "fc":
    assert_same(out, expected)
  else:
    assert_close(out, expected)


@pytest.mark.parametrize("name", sorted(CASES))
def test_distribution_matches_jax(name):
  _run_case(name, CASES[name], random.key(0))


@pytest.mark.parametrize("name", ["exponential", "gamma_big", "choice_p", "permutation_arr",
                                  "categorical", "poisson_vec", "normal_c64", "dirichlet"])
def test_distribution_with_raw_key(name):
  _run_case(name, CASES[name], random.PRNGKey(0))


ORIGINAL = {
    "exponential": lambda k: random.exponential(k, (20,)),
    "gamma": lambda k: random.gamma(k, jnp.array([0.5, 2.5, 7.0])),
    "permutation_int": lambda k: random.permutation(k, 10),
    "categorical": lambda k: random.categorical(k, jnp.zeros((4, 5))),
    "choice_int": lambda k: random.choice(k, 10, (6,)),
    "tutorial_X": lambda k: random.normal(random.split(random.split(k, 3)[0], 3)[1],
                                          (30, 40)),
}


def test_distributions_with_partitionable_false(flag):
  flag(False)
  for case in RREF["cases_original"]:
    out = ORIGINAL[case["name"]](random.key(0))
    expected = dec(case["out"])
    if case["name"] == "exponential":
      assert_close(out, expected)
    else:
      assert_same(out, expected)


def test_vmap_references():
  ref = RREF["vmap"]
  keys = random.split(random.key(5), 3)
  assert_same(random.key_data(keys), dec(ref["keys"]))
  assert_same(jax.vmap(lambda k, a: random.gamma(k, a, (2,)))(
      keys, jnp.array([0.5, 2.0, 5.0])), dec(ref["gamma"]))
  assert_same(jax.vmap(lambda k, lo: random.uniform(k, (2,), minval=lo))(
      keys, jnp.array([-1., 0., 0.5])), dec(ref["uniform_bounds"]))
  assert_same(jax.vmap(lambda k: random.permutation(k, 6))(keys), dec(ref["permutation"]))
  assert_same(jax.vmap(lambda k: random.poisson(k, 2.0, (3,)))(keys), dec(ref["poisson"]))


# ----------------------------------------------------------------------------------------------
# Gradients
# ----------------------------------------------------------------------------------------------
def test_gradients_match_jax():
  g = RREF["grads"]
  k = random.key(0)
  glo, ghi = jax.grad(lambda lo, hi: jnp.sum(random.uniform(k, (5,), minval=lo, maxval=hi)
                                             ** 2), argnums=(0, 1))(-1.5, 2.0)
  assert_close(glo, dec(g["uniform_minmax"][0]))
  assert_close(ghi, dec(g["uniform_minmax"][1]))
  assert_close(jax.grad(lambda s: jnp.sum(jnp.sin(s * random.normal(k, (5,)))))(0.7),
               dec(g["normal_scale"]))
  alphas = jnp.array([0.3, 1.0, 2.5, 8.0])
  assert_close(jax.grad(lambda a: jnp.sum(random.gamma(k, a)))(alphas),
               dec(g["gamma_alpha"]), rtol=2e-5)
  assert_close(jax.grad(lambda a: jnp.sum(random.loggamma(k, a)))(alphas),
               dec(g["loggamma_alpha"]), rtol=2e-5)
  assert_close(jax.grad(lambda a: jnp.sum(random.beta(k, a, 2.0, (3,))))(1.5),
               dec(g["beta_a"]), rtol=2e-5)
  gl, gu = jax.grad(lambda lo, hi: jnp.sum(random.truncated_normal(k, lo, hi, (4,))),
                    argnums=(0, 1))(-1.0, 2.0)
  assert_close(gl, dec(g["truncated_normal_bounds"][0]))
  assert_close(gu, dec(g["truncated_normal_bounds"][1]))


def test_uniform_derivatives_vs_finite_differences(x64):
  k = random.key(3)
  lo = jnp.array([-1.0, 0.5, 2.0])
  hi = jnp.array([1.0, 3.0, 2.5])
  f = lambda lo, hi: random.uniform(k, (2, 3), minval=lo, maxval=hi)
  v_lo, v_hi = jnp.array([0.3, -0.2, 0.7]), jnp.array([-0.1, 0.4, 0.2])
  _, t = jax.jvp(f, (lo, hi), (v_lo, v_hi))
  eps = 1e-6
  fd = (np.asarray(f(lo + eps * v_lo, hi + eps * v_hi)) -
        np.asarray(f(lo - eps * v_lo, hi - eps * v_hi))) / (2 * eps)
  np.testing.assert_allclose(np.asarray(t), fd, rtol=1e-7, atol=1e-9)
  # transpose identity <u, J v> = <J^T u, v>
  u = jnp.asarray(np.random.default_rng(0).normal(size=(2, 3)))
  _, f_vjp = jax.vjp(f, lo, hi)
  ct_lo, ct_hi = f_vjp(u)
  lhs = float(jnp.sum(u * t))
  rhs = float(jnp.sum(ct_lo * v_lo) + jnp.sum(ct_hi * v_hi))
  np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def test_normal_and_truncated_normal_derivatives(x64):
  k = random.key(1)
  f = lambda s, m: jnp.sum(jnp.tanh(m + s * random.normal(k, (4,))))
  g = jax.grad(f, argnums=(0, 1))(0.7, 0.2)
  eps = 1e-6
  np.testing.assert_allclose(float(g[0]), (f(0.7 + eps, 0.2) - f(0.7 - eps, 0.2)) / (2 * eps),
                             rtol=1e-7)
  h = lambda lo: jnp.sum(random.truncated_normal(k, lo, 2.0, (5,)))
  np.testing.assert_allclose(float(jax.grad(h)(-0.5)),
                             (h(-0.5 + eps) - h(-0.5 - eps)) / (2 * eps), rtol=1e-6)


def test_gamma_gradient_is_implicit_reparameterisation(x64):
  import scipy.special as sps
  k = random.key(2)
  a = jnp.array([0.2, 0.9, 1.7, 6.0, 40.0])
  x = np.asarray(random.gamma(k, a))
  g = np.asarray(jax.grad(lambda a: jnp.sum(random.gamma(k, a)))(a))
  # dx/da = -(dP/da) / pdf at fixed x; dP/da by a wide central difference in float64
  an = np.asarray(a)
  h = 1e-5 * an
  dp = (sps.gammainc(an + h, x) - sps.gammainc(an - h, x)) / (2 * h)
  pdf = np.exp((an - 1) * np.log(x) - x - sps.gammaln(an))
  np.testing.assert_allclose(g, -dp / pdf, rtol=1e-5)
  # loggamma: d log(x) / da = (dx/da) / x
  gl = np.asarray(jax.grad(lambda a: jnp.sum(random.loggamma(k, a)))(a))
  xl = np.exp(np.asarray(random.loggamma(k, a)))
  dpl = (sps.gammainc(an + h, xl) - sps.gammainc(an - h, xl)) / (2 * h)
  pdfl = np.exp((an - 1) * np.log(xl) - xl - sps.gammaln(an))
  np.testing.assert_allclose(gl, -dpl / pdfl / xl, rtol=1e-5)


# ----------------------------------------------------------------------------------------------
# vmap = loop, jit = eager
# ----------------------------------------------------------------------------------------------
PER_KEY = {
    "split": lambda k: random.key_data(random.split(k, 3)),
    "fold_in": lambda k: random.key_data(random.fold_in(k, 5)),
    "bits": lambda k: random.bits(k, (2, 3), jnp.uint16),
    "uniform": lambda k: random.uniform(k, (3,), minval=-2., maxval=jnp.array([1., 2., 3.])),
    "normal": lambda k: random.normal(k, (2, 2)),
    "normal_c": lambda k: random.normal(k, (3,), jnp.complex64),
    "randint": lambda k: random.randint(k, (4,), -3, 9),
    "bernoulli": lambda k: random.bernoulli(k, 0.3, (5,), mode="high"),
    "categorical": lambda k: random.categorical(k, jnp.array([[0., 1., 2.], [2., 1., 0.]])),
    "choice": lambda k: random.choice(k, 6, (3,), replace=False),
    "choice_p": lambda k: random.choice(k, 4, (3,), p=jnp.array([.1, .2, .3, .4])),
    "permutation": lambda k: random.permutation(k, jnp.arange(6)),
    "truncated_normal": lambda k: random.truncated_normal(k, -1., 2., (3,)),
    "gamma": lambda k: random.gamma(k, jnp.array([0.5, 2.0]), (2,)),
    "beta": lambda k: random.beta(k, 2., 3., (2,)),
    "dirichlet": lambda k: random.dirichlet(k, jnp.array([1., 2., 3.])),
    "poisson": lambda k: random.poisson(k, jnp.array([1., 20.])),
    "exponential": lambda k: random.exponential(k, (3,)),
    "gumbel": lambda k: random.gumbel(k, (3,)),
    "mvn": lambda k: random.multivariate_normal(k, jnp.zeros(2), jnp.eye(2)),
}


@pytest.mark.parametrize("name", sorted(PER_KEY))
def test_vmap_over_keys_is_a_loop_and_jit_is_eager(name):
  fn = PER_KEY[name]
  keys = random.split(random.key(11), 3)
  loop = np.stack([np.asarray(fn(k)) for k in keys])
  batched = np.asarray(jax.vmap(fn)(keys))
  raw = np.asarray(jax.vmap(fn, in_axes=1)(random.key_data(keys).T))
  jitted = np.stack([np.asarray(jax.jit(fn)(k)) for k in keys])
  for other in (batched, raw, jitted):
    assert other.dtype == loop.dtype
    if loop.dtype.kind in "fc":
      np.testing.assert_allclose(other, loop, rtol=1e-6, atol=1e-7)
    else:
      np.testing.assert_array_equal(other, loop)


def test_vmap_over_parameters_is_a_loop():
  k = random.key(4)
  cases = [
      (lambda lo: random.uniform(k, (2,), minval=lo, maxval=2.), jnp.array([-1., 0., 1.5])),
      (lambda p: random.bernoulli(k, p, (4,)), jnp.array([0.2, 0.5, 0.9])),
      (lambda a: random.gamma(k, a, (2,)), jnp.array([0.3, 1.0, 4.0])),
      (lambda lo: random.truncated_normal(k, lo, 3.0, (2,)), jnp.array([-2., 0., 1.])),
      (lambda d: random.key_data(random.fold_in(k, d)), jnp.arange(3, dtype=jnp.uint32)),
      (lambda s: random.key_data(random.key(s)), jnp.arange(3)),
      (lambda lam: random.poisson(k, lam, (2,)), jnp.array([0.5, 3., 15.])),
  ]
  for fn, params in cases:
    loop = np.stack([np.asarray(fn(p)) for p in params])
    np.testing.assert_allclose(np.asarray(jax.vmap(fn)(params)), loop, rtol=1e-6)
  both = jax.vmap(lambda kk, lo: random.uniform(kk, (2, 2), minval=lo))(
      random.split(k, 2), jnp.array([[0.], [0.5]]))
  loop = np.stack([np.asarray(random.uniform(kk, (2, 2), minval=lo))
                   for kk, lo in zip(random.split(k, 2), jnp.array([[0.], [0.5]]))])
  np.testing.assert_array_equal(np.asarray(both), loop)


def test_jit_with_keys_and_distributions():
  k = random.key(9)
  for fn in [lambda k: random.gamma(k, 2.0, (3,)), lambda k: random.poisson(k, 2.0, (3,)),
             lambda k: random.orthogonal(k, 3), lambda k: random.t(k, 3.0, (4,))]:
    np.testing.assert_allclose(np.asarray(jax.jit(fn)(k)), np.asarray(fn(k)), rtol=1e-6)
  seeded = jax.jit(lambda s: random.normal(random.key(s), (2,)))
  np.testing.assert_array_equal(np.asarray(seeded(0)),
                                np.asarray(random.normal(random.key(0), (2,))))


def test_flag_is_a_param_captured_at_trace_time(flag):
  k = random.key(0)
  jaxpr = jax.make_jaxpr(lambda k: random.bits(k, (2,)))(k)
  assert jaxpr.eqns[0].params["partitionable"] is True
  assert random_impl.config_key() == (True,)
  flag(False)
  assert random_impl.config_key() == (False,)
  # The staged jaxpr keeps computing with the flag it was traced with.
  from numjax._src import core
  out = core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, random.key_data(k))[0]
  flag(True)
  np.testing.assert_array_equal(np.asarray(out), np.asarray(random.bits(k, (2,))))


def test_jaxpr_text():
  k = random.key(0)
  assert str(jax.make_jaxpr(lambda k: random.split(k))(k)) == (
      "{ lambda ; a:u32[2]. let b:u32[2,2] = random_split[shape=(2,)] a in (b,) }")
  assert str(jax.make_jaxpr(lambda k: random.fold_in(k, 3))(k)) == (
      "{ lambda ; a:u32[2]. let b:u32[2] = random_fold_in a 3:u32[] in (b,) }")
  assert str(jax.make_jaxpr(lambda s: random.key(s))(1)) == (
      "{ lambda ; a:i32[]. let b:u32[2] = random_seed[impl=fry] a in (b,) }")
  text = str(jax.make_jaxpr(lambda k: random.normal(k, (3,)))(k))
  assert "random_uniform[dtype=float32 shape=(3,)] a -0.9999999403953552:f32[]" in text
  assert "erf_inv" in text
  assert "random_bits[bit_width=32 shape=(3,)]" in str(
      jax.make_jaxpr(lambda k: random.bits(k, (3,)))(k))


# ----------------------------------------------------------------------------------------------
# Shapes and dtypes
# ----------------------------------------------------------------------------------------------
def test_default_dtypes_and_shapes():
  k = random.key(0)
  assert random.uniform(k, 3).shape == (3,)
  for fn, dtype in [(random.uniform, np.float32), (random.normal, np.float32),
                    (random.exponential, np.float32), (random.bits, np.uint32),
                    (random.rademacher, np.int32), (random.gumbel, np.float32)]:
    out = fn(k, (2, 3))
    assert out.shape == (2, 3) and out.dtype == dtype and not out.weak_type
  assert random.randint(k, (2,), 0, 5).dtype == np.int32
  assert random.randint(k, (2,), 0, 5, jnp.uint8).dtype == np.uint8
  assert random.bernoulli(k).shape == () and random.bernoulli(k).dtype == np.bool_
  assert random.bernoulli(k, jnp.full((2, 3), 0.5)).shape == (2, 3)
  assert random.gamma(k, jnp.ones((2, 3))).shape == (2, 3)
  assert random.gamma(k, 1.0, (4, 2)).shape == (4, 2)
  assert random.poisson(k, 2.0, (3,)).dtype == np.int32
  assert random.categorical(k, jnp.zeros((2, 5))).shape == (2,)
  assert random.categorical(k, jnp.zeros((2, 5)), axis=0).shape == (5,)
  assert random.choice(k, 5, (0,)).shape == (0,)
  assert random.normal(k, (0, 3)).shape == (0, 3)
  assert random.split(k, 0).shape == (0,)
  assert random.multivariate_normal(k, jnp.zeros(3), jnp.eye(3)).shape == (3,)
  assert random.dirichlet(k, jnp.ones(4), (2,)).shape == (2, 4)
  assert random.orthogonal(k, 3, (2,)).shape == (2, 3, 3)
  o = np.asarray(random.orthogonal(k, 4))
  np.testing.assert_allclose(o @ o.T, np.eye(4), atol=1e-5)
  assert random.normal(k, (), jnp.float16).dtype == np.float16


def test_x64_dtypes_and_truncation_warning(x64):
  k = random.key(0)
  assert random.uniform(k).dtype == np.float64
  assert random.normal(k, (2,)).dtype == np.float64
  assert random.randint(k, (2,), 0, 3).dtype == np.int64
  assert random.bits(k).dtype == np.uint64
  assert random.normal(k, (), jnp.complex128).dtype == np.complex128
  jax.config.update("jax_enable_x64", False)
  with pytest.warns(UserWarning, match=re.escape(
      "Explicitly requested dtype float64 is not available, and will be truncated to dtype "
      "float32. To enable more dtypes, set the jax_enable_x64 configuration option")):
    out = random.normal(k, (2,), jnp.float64)
  assert out.dtype == np.float32
  with warnings.catch_warnings():
    warnings.simplefilter("error")
    assert random.normal(k, (2,), float).dtype == np.float32


# ----------------------------------------------------------------------------------------------
# Errors, with JAX's messages
# ----------------------------------------------------------------------------------------------
def _raises(exc, msg, fn):
  with pytest.raises(exc, match=re.escape(msg)):
    fn()


def test_wrong_keys():
  k = random.key(0)
  _raises(TypeError, "JAX encountered invalid PRNG key data: expected key_data to have ndim, "
          "shape, and dtype attributes. Got abc", lambda: random.normal("abc"))
  _raises(TypeError, "JAX encountered invalid PRNG key data: expected key_data to have ndim, "
          "shape, and dtype attributes. Got 1.0", lambda: random.normal(1.0))
  _raises(TypeError, "JAX encountered invalid PRNG key data: expected key_data.shape to end "
          "with (2,); got shape=(3,) for impl=PRNGImpl(key_shape=(2,), seed=<function "
          "threefry_seed at", lambda: random.normal(jnp.zeros(3, jnp.uint32)))
  _raises(TypeError, "JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; "
          "got dtype=float32", lambda: random.normal(jnp.zeros(2, jnp.float32)))
  _raises(TypeError, "unexpected PRNG key type <class 'list'>", lambda: random.normal([0, 0]))
  _raises(ValueError, "normal accepts a single key, but was given a key array of shape (2,) "
          "!= (). Use jax.vmap for batching.", lambda: random.normal(random.split(k)))
  _raises(ValueError, "split accepts a single key, but was given a key array of shape (2,) "
          "!= (). Use jax.vmap for batching.", lambda: random.split(random.split(k)))
  _raises(ValueError, "fold_in accepts a single key, but was given a key array of shape (2, 2) "
          "!= (). Use jax.vmap for batching.", lambda: random.fold_in(random.split(
              random.PRNGKey(0)), 1))
  _raises(TypeError, "fold_in accepts a scalar, but was given an array ofshape (3,) != (). "
          "Use jax.vmap for batching.", lambda: random.fold_in(k, jnp.arange(3)))
  _raises(OverflowError, "Python integer -1 out of bounds for uint32",
          lambda: random.fold_in(k, -1))
  _raises(TypeError, "JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; "
          "got dtype=int32", lambda: random.wrap_key_data(jnp.zeros((3, 2), jnp.int32)))


def test_wrong_seeds_and_impls():
  k = random.key(0)
  _raises(TypeError, "key accepts a scalar seed, but was given an array of shape (3,) != (). "
          "Use jax.vmap for batching", lambda: random.key(jnp.arange(3)))
  _raises(TypeError, "key accepts a scalar seed, but was given a PRNG key.",
          lambda: random.key(k))
  _raises(TypeError, "PRNG key seed must be an integer; got", lambda: random.key(1.5))
  _raises(TypeError, "PRNG key seed must be an integer; got", lambda: random.PRNGKey(1.5))
  _raises(OverflowError, "Python int too large to convert to C long",
          lambda: random.key(2**64))
  _raises(ValueError, 'unrecognized PRNG implementation "foo". Did you mean one of: '
          '"philox2x32", "philox4x32", "threefry2x32", "rbg", "unsafe_rbg", "threefry4x32"?',
          lambda: random.key(0, impl="foo"))
  assert random.key(0, impl="threefry2x32").shape == ()


def test_wrong_arguments():
  k = random.key(0)
  _raises(ValueError, "dtype argument to `uniform` must be a float dtype, got int32",
          lambda: random.uniform(k, (3,), jnp.int32))
  _raises(ValueError, "dtype argument to `normal` must be a float or complex dtype, got int32",
          lambda: random.normal(k, (3,), jnp.int32))
  _raises(ValueError, "dtype argument to `bits` must be an unsigned int dtype, got int32",
          lambda: random.bits(k, (3,), jnp.int32))
  _raises(TypeError, "randint only accepts integer dtypes, got float32",
          lambda: random.randint(k, (3,), 0, 10, jnp.float32))
  _raises(ValueError, "got mode='mid', expected 'high' or 'low'",
          lambda: random.bernoulli(k, 0.5, mode="mid"))
  _raises(TypeError, "bernoulli probability `p` must have a floating dtype, got int32.",
          lambda: random.bernoulli(k, 1))
  _raises(TypeError, "shape argument of jax.random.choice must be a sequence, got 3",
          lambda: random.choice(k, 5, 3))
  _raises(ValueError, "Cannot take a larger sample (size 5) than population (size 3) when "
          "'replace=False'", lambda: random.choice(k, 3, (5,), replace=False))
  _raises(ValueError, "p must be None or a 1D vector with the same size as a.shape[axis]. p "
          "has shape (4,) and a.shape[axis] is 3.",
          lambda: random.choice(k, jnp.arange(3), (2,), p=jnp.ones(4)))
  _raises(TypeError, "x must be an integer or at least 1-dimensional",
          lambda: random.permutation(k, 2.5))
  _raises(ValueError, "method must be one of {'svd', 'eigh', 'cholesky'}",
          lambda: random.multivariate_normal(k, jnp.zeros(2), jnp.eye(2), method="lu"))
  _raises(ValueError, "multivariate_normal requires mean.ndim >= 1, got mean.ndim == 0",
          lambda: random.multivariate_normal(k, 0., jnp.eye(2)))
  _raises(ValueError, "Must provide valid mode for gumbel got: x",
          lambda: random.gumbel(k, mode="x"))
  _raises(ValueError, "dirichlet requires alpha.ndim >= 1, got alpha.ndim == 0",
          lambda: random.dirichlet(k, 1.))
  _raises(ValueError, "dtype argument to `gamma` must be a float dtype, got int32",
          lambda: random.gamma(k, 1., (3,), jnp.int32))
  _raises(ValueError, "dtype argument to `truncated_normal` must be a float dtype, got int32",
          lambda: random.truncated_normal(k, 0., 1., (3,), jnp.int32))
  _raises(ValueError, "Incompatible shapes for broadcasting: shapes=[(3,), (4,), ()]",
          lambda: random.randint(k, (3,), jnp.zeros(4, int), 5))
  _raises(ValueError, "gamma parameter shapes must be broadcast-compatible with shape "
          "argument, and the result of broadcasting the shapes must equal the shape argument, "
          "but got result (2, 3) for shape argument (2, 1).",
          lambda: random.gamma(k, jnp.ones(3), (2, 1)))
  _raises(TypeError, "Shapes must be 1D sequences of concrete values of integer type, got "
          "(2.0,).", lambda: random.normal(k, (2.0,)))


# ----------------------------------------------------------------------------------------------
# The primitives' rules
# ----------------------------------------------------------------------------------------------
def test_primitive_impl_dtypes_match_abstract_eval():
  from numjax._src import core
  prims = all_primitives()
  kd = np.array([[1, 2], [3, 4]], np.uint32)
  cases = [
      ("random_seed", (np.arange(3, dtype=np.int32),), dict(x64=False)),
      ("random_split", (kd,), dict(shape=(3,), partitionable=True)),
      ("random_fold_in", (kd, np.array([5, 6], np.uint32)), {}),
      ("random_bits", (kd,), dict(bit_width=8, shape=(2, 3), partitionable=False)),
      ("random_uniform", (kd, np.float32(0), np.float32(2)),
       dict(shape=(4,), dtype=np.dtype(np.float32), partitionable=True)),
      ("random_gamma", (kd, np.ones((2, 3), np.float32)),
       dict(log_space=False, partitionable=True)),
      ("random_gamma_grad", (np.ones(3, np.float32), np.ones(3, np.float32)), {}),
  ]
  for name, args, params in cases:
    p = prims[name]
    out = p.impl(*args, **params)
    aval = p.abstract_eval(*[core.get_aval(a) for a in args], **params)
    assert np.asarray(out).dtype == aval.dtype and np.shape(out) == aval.shape, name
  with pytest.raises(TypeError, match=re.escape(
      "random_split expects uint32 key data of shape (..., 2), got f32[2]")):
    prims["random_split"].abstract_eval(core.ShapedArray((2,), np.dtype(np.float32)),
                                        shape=(2,), partitionable=True)


def test_uniform_batching_with_batch_axis_not_in_front():
  k = random.split(random.key(8), 3)
  lo = jnp.array([[0., 1.], [2., 3.], [4., 5.]])       # batch axis 1 below
  f = lambda kk, lo: random.uniform(kk, (2, 2), minval=lo, maxval=10.)
  out = jax.vmap(f, in_axes=(0, 1))(k, lo.T.reshape(2, 3))
  loop = np.stack([np.asarray(f(kk, l)) for kk, l in zip(k, lo.T.reshape(2, 3).T)])
  np.testing.assert_array_equal(np.asarray(out), loop)
  # keys unbatched, bounds batched; jvp under vmap
  g = jax.vmap(lambda l: jax.jvp(lambda l: random.uniform(k[0], (3,), minval=l), (l,),
                                 (jnp.ones(()),))[1])(jnp.array([0., 0.5]))
  f0 = np.asarray(random.uniform(k[0], (3,)))
  np.testing.assert_allclose(np.asarray(g), np.stack([1 - f0, 1 - f0]), rtol=1e-6)


def test_jit_cache_follows_the_partitionable_flag():
  f = jax.jit(lambda k: random.normal(k, (2,)))
  k = random.key(0)
  a = np.asarray(f(k))
  jax.config.update("jax_threefry_partitionable", False)
  try:
    np.testing.assert_array_equal(np.asarray(f(k)), np.asarray(random.normal(k, (2,))))
    assert not np.array_equal(np.asarray(f(k)), a)
  finally:
    jax.config.update("jax_threefry_partitionable", True)
  np.testing.assert_array_equal(np.asarray(f(k)), a)


def test_jnp_structural_functions_on_typed_key_arrays():
  # JAX's key arrays stack/concatenate/where like arrays (key data recorded from JAX 0.10.2).
  import numjax
  import numjax.numpy as jnp
  k = numjax.random.key(0)
  ks = numjax.random.split(k, 3)
  data = lambda x: np.asarray(numjax.random.key_data(x)).tolist()
  assert data(jnp.stack([k, k])) == [[0, 0], [0, 0]]
  assert data(jnp.where(jnp.array([True, False, True]), ks, ks[::-1])) == data(ks)
  assert data(jnp.concatenate([ks, ks])) == data(ks) * 2
  assert jnp.stack([ks, ks], axis=-1).shape == (3, 2)
  assert numjax.vmap(lambda a, b: jnp.stack([a, b]))(ks, ks).shape == (3, 2)
  with pytest.raises(TypeError, match="cannot mix typed PRNG key arrays"):
    jnp.stack([k, jnp.ones(2)])
