"""The `conv_general_dilated` primitive and its wrappers (conv, conv_with_general_padding,
conv_transpose): values vs JAX-recorded literals and a direct loop-based NumPy reference (1-3
spatial dims, strides, padding modes, dilations, feature/batch groups, layouts), dtypes, the shape
rule vs the impl, JVP vs central differences and VJP vs JVP (float64), vmap vs a Python loop,
jit vs eager, gradients of a small CNN, jaxpr text and errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
from numjax import lax
from numjax._src.lax.convolution import conv_general_dilated_p

F32, F64 = np.float32, np.float64


def small(n):
  return settings(max_examples=n, deadline=None, derandomize=True, database=None)


def ints(shape, mod=7, off=3, mul=5):
  """Small integer-valued float32 inputs (exact sums: results compare exactly)."""
  n = int(np.prod(shape))
  return ((np.arange(n) * mul) % mod - off).reshape(shape).astype(np.float32)


def pair(a, b) -> float:
  return float(np.sum(np.asarray(a, np.float64) * np.asarray(b, np.float64)))


# ----------------------------------------------------------------------------------------------
# An independent reference: dilate, pad, and accumulate one kernel tap at a time
# ----------------------------------------------------------------------------------------------
def _perms(dn, ndim):
  if dn is None:
    return (list(range(ndim)),) * 3
  lhs, rhs, out = dn
  spatial = [c for c in rhs if c not in "OI"]
  return ([lhs.index("N"), lhs.index("C")] + [lhs.index(c) for c in spatial],
          [rhs.index("O"), rhs.index("I")] + [rhs.index(c) for c in spatial],
          [out.index("N"), out.index("C")] + [out.index(c) for c in spatial])


def ref_conv(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
             dimension_numbers=None, feature_group_count=1, batch_group_count=1):
  dtype = np.result_type(lhs, rhs, np.float64)
  lhs, rhs = np.asarray(lhs, dtype), np.asarray(rhs, dtype)
  lp, rp, op = _perms(dimension_numbers, lhs.ndim)
  x, w = lhs.transpose(lp), rhs.transpose(rp)
  nsp = x.ndim - 2
  lhs_dilation = lhs_dilation or (1,) * nsp
  rhs_dilation = rhs_dilation or (1,) * nsp
  if isinstance(padding, str):
    pads = []
    for d, k, s, r in zip(x.shape[2:], w.shape[2:], window_strides, rhs_dilation):
      if padding == "VALID":
        pads.append((0, 0))
        continue
      kd = (k - 1) * r + 1
      total = max((-(-d // s) - 1) * s + kd - d, 0)
      lo = total // 2 if padding == "SAME" else total - total // 2
      pads.append((lo, total - lo))
    padding = pads
  # Dilate the input with zeros.
  dil = np.zeros(x.shape[:2] + tuple((s - 1) * d + 1 if s else 0
                                     for s, d in zip(x.shape[2:], lhs_dilation)), dtype)
  dil[(slice(None),) * 2 + tuple(slice(None, None, d) for d in lhs_dilation)] = x
  # Pad (negative padding crops).
  x = np.pad(dil, [(0, 0)] * 2 + [(max(lo, 0), max(hi, 0)) for lo, hi in padding])
  x = x[(slice(None),) * 2 + tuple(slice(-lo if lo < 0 else 0, n + hi if hi < 0 else n)
                                   for (lo, hi), n in zip(padding, x.shape[2:]))]
  ks = w.shape[2:]
  out_sp = [max(0, (p - ((k - 1) * r + 1)) // s + 1)
            for p, k, r, s in zip(x.shape[2:], ks, rhs_dilation, window_strides)]
  G = feature_group_count * batch_group_count
  n_out, O = x.shape[0] // batch_group_count, w.shape[0]
  out = np.zeros([n_out, O] + out_sp, dtype)
  og = O // G
  for g in range(G):
    if batch_group_count > 1:
      xs = x[g * n_out:(g + 1) * n_out]
    else:
      cg = x.shape[1] // G
      xs = x[:, g * cg:(g + 1) * cg]
    ws = w[g * og:(g + 1) * og]
    for tap in itertools.product(*map(range, ks)):
      sl = tuple(slice(t * r, t * r + s * (n - 1) + 1, s) if n else slice(0, 0)
                 for t, r, s, n in zip(tap, rhs_dilation, window_strides, out_sp))
      slab = xs[(slice(None),) * 2 + sl]
      out[:, g * og:(g + 1) * og] += np.einsum("nc...,oc->no...", slab,
                                               ws[(slice(None),) * 2 + tap])
  return out.transpose(np.argsort(op))


# (lhs shape, rhs shape, params): layouts follow `dimension_numbers`.
CASES = {
    "1d_valid": ((2, 3, 9), (4, 3, 3), dict(window_strides=(1,), padding="VALID")),
    "1d_same_s2": ((2, 3, 9), (4, 3, 3), dict(window_strides=(2,), padding="SAME")),
    "1d_same_lower_even_k": ((2, 3, 9), (4, 3, 4),
                             dict(window_strides=(2,), padding="SAME_LOWER")),
    "2d_pairs_dilations": ((2, 3, 8, 7), (4, 3, 3, 2),
                           dict(window_strides=(2, 1), padding=[(1, 2), (0, 1)],
                                lhs_dilation=(2, 1), rhs_dilation=(1, 2))),
    "2d_negative_pads": ((2, 3, 8, 7), (4, 3, 3, 2),
                         dict(window_strides=(1, 3), padding=[(-1, 2), (2, -1)],
                              lhs_dilation=(1, 3), rhs_dilation=(2, 1))),
    "2d_nhwc_hwio": ((2, 8, 7, 3), (3, 2, 3, 4),
                     dict(window_strides=(1, 1), padding="SAME",
                          dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    "2d_nhwc_to_nchw": ((2, 8, 7, 3), (3, 2, 3, 4),
                        dict(window_strides=(2, 2), padding="VALID",
                             dimension_numbers=("NHWC", "HWIO", "NCHW"))),
    "2d_odd_layout": ((3, 2, 6, 7), (3, 4, 3, 2),
                      dict(window_strides=(1, 1), padding="SAME",
                           dimension_numbers=("CNHW", "IOHW", "HWNC"))),
    "2d_depthwise": ((2, 4, 6, 5), (8, 1, 3, 3),
                     dict(window_strides=(1, 1), padding="SAME", feature_group_count=4)),
    "2d_feature_groups": ((2, 6, 6, 5), (4, 3, 3, 3),
                          dict(window_strides=(1, 2), padding="SAME", feature_group_count=2)),
    "2d_batch_groups": ((4, 3, 6, 5), (6, 3, 3, 3),
                        dict(window_strides=(1, 1), padding="VALID", batch_group_count=2)),
    "2d_batch_groups_3": ((6, 3, 6, 5), (6, 3, 3, 2),
                          dict(window_strides=(2, 1), padding=[(1, 1), (0, 2)],
                               batch_group_count=3, rhs_dilation=(1, 2))),
    "3d_same_dilated": ((1, 2, 5, 4, 3), (3, 2, 2, 3, 2),
                        dict(window_strides=(1, 2, 1), padding="SAME", rhs_dilation=(2, 1, 1))),
    "3d_ndhwc": ((2, 5, 4, 3, 2), (2, 2, 3, 2, 3),
                 dict(window_strides=(1, 1, 2), padding=[(1, 0), (0, 1), (1, 1)],
                      dimension_numbers=("NDHWC", "DHWIO", "NDHWC"))),
    "2d_window_too_big": ((2, 3, 5, 5), (4, 3, 7, 7), dict(window_strides=(1, 1),
                                                           padding="VALID")),
    "2d_all_dilations_strided": ((2, 3, 5, 5), (4, 3, 2, 2),
                                 dict(window_strides=(3, 3), padding=[(0, 0), (0, 0)],
                                      lhs_dilation=(2, 2), rhs_dilation=(2, 2))),
    "2d_1x1": ((2, 3, 5, 5), (4, 3, 1, 1), dict(window_strides=(1, 1), padding="VALID")),
}
# A subset for the (slower) derivative and batching checks.
DIFF_CASES = ["1d_same_s2", "2d_pairs_dilations", "2d_negative_pads", "2d_odd_layout",
              "2d_depthwise", "2d_feature_groups", "2d_batch_groups", "2d_batch_groups_3",
              "3d_ndhwc", "2d_all_dilations_strided"]


def case_args(name, dtype=F32, seed=0):
  lshape, rshape, params = CASES[name]
  rng = np.random.default_rng(seed)
  return (rng.standard_normal(lshape).astype(dtype), rng.standard_normal(rshape).astype(dtype),
          params)


# ----------------------------------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_loop_reference(name):
  lhs, rhs, params = case_args(name)
  got = lax.conv_general_dilated(lhs, rhs, **params)
  want = ref_conv(lhs, rhs, **params)
  assert got.shape == want.shape and got.dtype == np.float32
  np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)


def test_reference_agrees_with_a_direct_definition():
  # out[n, o, i, j] = sum_{c, a, b} x[n, c, i*s + a, j*s + b] * w[o, c, a, b]: the reference
  # itself, checked once against the textbook formula.
  rng = np.random.default_rng(3)
  x, w = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
  want = np.zeros((2, 4, 3, 3))
  for n, o, i, j in itertools.product(range(2), range(4), range(3), range(3)):
    want[n, o, i, j] = np.sum(x[:, :, 2 * i:2 * i + 3, 2 * j:2 * j + 2][n] * w[o])
  np.testing.assert_allclose(ref_conv(x, w, (2, 2), "VALID"), want, rtol=1e-12)


JAX_FWD_ARGS = {
    "1d_same_lower_stride2": (ints((1, 2, 6)), ints((2, 2, 3), 5, 2, 3),
                              dict(window_strides=(2,), padding="SAME_LOWER")),
    "2d_nhwc_dilated": (ints((1, 4, 6, 2)), ints((2, 2, 2, 2), 5, 2, 3),
                        dict(window_strides=(1, 2), padding=[(1, 0), (0, -1)],
                             lhs_dilation=(2, 1), rhs_dilation=(1, 2),
                             dimension_numbers=("NHWC", "HWIO", "NHWC"))),
    "2d_depthwise": (ints((1, 2, 3, 3)), ints((4, 1, 2, 2), 5, 2, 3),
                     dict(window_strides=(1, 1), padding="SAME", feature_group_count=2)),
    "2d_batch_group": (ints((4, 2, 3, 3)), ints((2, 2, 2, 2), 5, 2, 3),
                       dict(window_strides=(1, 1), padding="VALID", batch_group_count=2)),
    "3d_same": (ints((1, 1, 3, 3, 2)), ints((2, 1, 2, 2, 2), 5, 2, 3),
                dict(window_strides=(2, 1, 1), padding="SAME")),
}
JAX_TR_ARGS = {
    "same_s2": (ints((1, 3, 2, 1)), ints((3, 2, 1, 2), 5, 2, 3),
                dict(strides=(2, 2), padding="SAME")),
    "valid_s2_tk": (ints((1, 3, 2, 1)), ints((3, 2, 2, 1), 5, 2, 3),
                    dict(strides=(2, 1), padding="VALID", transpose_kernel=True)),
    "pairs": (ints((1, 3, 2, 1)), ints((3, 2, 1, 2), 5, 2, 3),
              dict(strides=(2, 2), padding=[(1, 2), (0, 1)])),
    "consistent": (ints((1, 3, 2, 1)), ints((3, 2, 1, 2), 5, 2, 3),
                   dict(strides=(2, 2), padding=[(1, 0), (0, 1)], use_consistent_padding=True,
                        rhs_dilation=(1, 2))),
}
# Recorded with JAX 0.10.2 (integer-valued inputs: the results are exact).
JAX_FWD = {
    "1d_same_lower_stride2":
        [[[1, -8, 0], [6, -6, 4]]],
    "2d_batch_group":
        [[[[22, -9], [6, 10]], [[13, -8], [13, -1]]],
         [[[10, -14], [22, -9]], [[-1, -8], [13, -8]]]],
    "2d_depthwise":
        [[[[16, -5, -1], [2, 2, -4], [-1, 8, -4]], [[-9, 2, 1], [-4, -7, 2], [6, -4, 0]],
          [[-3, -5, 12], [-2, -4, -2], [4, 0, -4]], [[-2, 14, -3], [-3, -1, 3], [-2, -4, 2]]]],
    "2d_nhwc_dilated":
        [[[[-13, 6], [2, 5]], [[5, -6], [-7, 1]], [[4, 3], [5, 2]], [[-3, 1], [-1, 1]],
          [[-7, -7], [-13, 6]], [[3, 8], [5, -6]], [[3, 4], [4, 3]]]],
    "3d_same":
        [[[[[12, -2], [-8, 6], [-11, -2]], [[4, 0], [4, -2], [-2, 4]]],
          [[[-13, 11], [-13, -6], [14, -1]], [[10, -6], [-8, 8], [0, -4]]]]],
}
JAX_TR = {
    "consistent":
        [[[[-3, 3], [0, 0], [2, 4], [0, 0]], [[3, -6], [0, 0], [8, -1], [0, 0]],
          [[0, 0], [0, 0], [-2, 2], [0, 0]], [[-6, 3], [0, 0], [6, -3], [0, 0]],
          [[3, -3], [0, 0], [1, -7], [0, 0]], [[-3, 6], [0, 0], [-7, 5], [0, 0]]]],
    "pairs":
        [[[[0, 6], [2, -2], [0, -4]], [[6, -3], [2, 2], [-8, 2]], [[0, 0], [-2, 2], [0, 4]],
          [[6, 0], [0, -3], [6, -2]], [[0, -6], [1, -1], [0, -2]], [[-6, 3], [-1, 2], [-2, 1]]]],
    "same_s2":
        [[[[6, -3], [-6, 0], [-4, 2], [4, 0]], [[-3, 3], [0, 6], [2, -2], [0, -4]],
          [[3, -6], [6, -3], [2, 2], [-8, 2]], [[0, 0], [0, 0], [-2, 2], [0, 4]],
          [[-6, 3], [6, 0], [0, -3], [6, -2]], [[3, -3], [0, -6], [1, -1], [0, -2]]]],
    "valid_s2_tk":
        [[[[6, -3], [-1, -4], [-2, 4]], [[0, 6], [-3, -1], [2, -2]], [[-6, 0], [14, -5], [-2, -2]],
          [[0, 0], [0, 4], [-2, 2]], [[-6, 3], [-9, 7], [3, 0]], [[0, -6], [3, -5], [1, -1]],
          [[6, 0], [-4, 3], [-2, 1]]]],
}
JAX_CNN_LOSS = 2.3245403776248095
JAX_CNN_G1 = (
    [[[[-1.9180557756560794, 2.4640665247921953, -1.5497445986317113],
       [-0.2874344269846367, -0.405489185950002, 0.7580869090265537],
       [1.6939994854549771, -2.977992896349616, 2.6979310740732014]]],
     [[[1.5256773380388005, -1.0632396740467074, 0.48562843539541234],
       [0.4403039671910838, 0.8209479301709653, -1.3898499731160248],
       [-1.0198863085473526, 1.435846646965566, -0.5497190804676553]]],
     [[[-0.9180597713079341, 1.1001187205433185, -0.7201155179984774],
       [1.038585304161165, -2.953885760471052, 2.8898040262914684],
       [0.061705608557392794, -0.013602603606180597, -0.35103090983721097]]]])
JAX_CNN_G2 = (
    [[[[-2.916787629993144, 3.383449120400393], [2.020943280887805, -1.4150928644421001]],
      [[1.9267124043536896, -2.764501889349494], [3.736330418843502, -3.329458318140408]],
      [[3.6825368303926402, -2.6924766820773485], [-0.023800465356181934, -1.6878430772238304]]],
     [[[-0.743821264586729, 1.649986408704553], [0.7582672614790985, -2.202810645920789]],
      [[1.7603380988301778, -2.5685805654161826], [2.3292554582812066, -1.1119250485025511]],
      [[1.3009163600136011, -2.430452978382344], [-0.7087415095460565, 0.6969129378214377]]]])


@pytest.mark.parametrize("name", sorted(JAX_FWD))
def test_matches_jax_recorded(name):
  lhs, rhs, params = JAX_FWD_ARGS[name]
  got = lax.conv_general_dilated(lhs, rhs, **params)
  np.testing.assert_array_equal(np.asarray(got), np.array(JAX_FWD[name], np.float32))
  np.testing.assert_array_equal(np.asarray(got), ref_conv(lhs, rhs, **params))


@pytest.mark.parametrize("name", sorted(JAX_TR))
def test_conv_transpose_matches_jax_recorded(name):
  lhs, rhs, params = JAX_TR_ARGS[name]
  got = lax.conv_transpose(lhs, rhs, **params)
  np.testing.assert_array_equal(np.asarray(got), np.array(JAX_TR[name], np.float32))


def test_conv_transpose_with_transposed_kernel_is_the_gradient_of_conv():
  # Holds when the strides tile the (padded) input exactly, as in JAX.
  rng = np.random.default_rng(1)
  dn = ("NHWC", "HWIO", "NHWC")
  w = rng.standard_normal((3, 3, 3, 4)).astype(F32)
  for shape, padding in [((2, 8, 6, 3), "SAME"), ((2, 7, 9, 3), "VALID")]:
    x = rng.standard_normal(shape).astype(F32)
    y, f_vjp = numjax.vjp(lambda x: lax.conv_general_dilated(x, w, (2, 2), padding,
                                                              dimension_numbers=dn), x)
    ct = rng.standard_normal(y.shape).astype(F32)
    got = lax.conv_transpose(ct, w, (2, 2), padding, dimension_numbers=dn,
                             transpose_kernel=True)
    want, = f_vjp(ct)
    assert got.shape == want.shape
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-4, atol=1e-4)


def test_conv_and_conv_with_general_padding():
  lhs, rhs, _ = case_args("2d_feature_groups")
  lhs, rhs = lhs[:, :3], rhs[:, :, :3, :2]
  np.testing.assert_allclose(np.asarray(lax.conv(lhs, rhs, (2, 1), "SAME")),
                             ref_conv(lhs, rhs, (2, 1), "SAME"), rtol=1e-4, atol=1e-4)
  got = lax.conv_with_general_padding(lhs, rhs, (1, 2), [(2, 1), (0, 3)], (2, 1), (1, 2))
  np.testing.assert_allclose(np.asarray(got), ref_conv(lhs, rhs, (1, 2), [(2, 1), (0, 3)],
                                                       (2, 1), (1, 2)), rtol=1e-4, atol=1e-4)
  got = lax.conv_with_general_padding(lhs, rhs, (1, 1), "VALID", None, None)
  np.testing.assert_allclose(np.asarray(got), ref_conv(lhs, rhs, (1, 1), "VALID"),
                             rtol=1e-4, atol=1e-4)


@given(st.data())
@small(25)
def test_random_configurations_match_reference(data):
  nsp = data.draw(st.integers(1, 3))
  groups = data.draw(st.sampled_from(["none", "feature", "batch"]))
  g = data.draw(st.integers(1, 3)) if groups != "none" else 1
  fgc, bgc = (g, 1) if groups == "feature" else (1, g) if groups == "batch" else (1, 1)
  n = data.draw(st.integers(1, 2)) * bgc
  cin = data.draw(st.integers(1, 2)) * fgc
  cout = data.draw(st.integers(1, 2)) * g
  sp = [data.draw(st.integers(1, 6)) for _ in range(nsp)]
  ks = [data.draw(st.integers(1, 3)) for _ in range(nsp)]
  strides = tuple(data.draw(st.integers(1, 3)) for _ in range(nsp))
  ld = tuple(data.draw(st.integers(1, 2)) for _ in range(nsp))
  rd = tuple(data.draw(st.integers(1, 2)) for _ in range(nsp))
  pads = [(data.draw(st.integers(-1, 2)), data.draw(st.integers(-1, 2))) for _ in range(nsp)]
  pads = [(lo, hi) if s + lo + hi + (s - 1) * (d - 1) >= 0 else (0, 0)
          for (lo, hi), s, d in zip(pads, sp, ld)]
  rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
  x = rng.standard_normal([n, cin] + sp).astype(F32)
  w = rng.standard_normal([cout, cin // fgc] + ks).astype(F32)
  params = dict(window_strides=strides, padding=pads, lhs_dilation=ld, rhs_dilation=rd,
                feature_group_count=fgc, batch_group_count=bgc)
  got = lax.conv_general_dilated(x, w, **params)
  np.testing.assert_allclose(np.asarray(got), ref_conv(x, w, **params), rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------------------------
# Dtypes and the shape rule
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(CASES))
def test_shape_rule_matches_impl(name):
  lhs, rhs, params = case_args(name)
  out = lax.conv_general_dilated(lhs, rhs, **params)
  abstract = numjax.eval_shape(lambda a, b: lax.conv_general_dilated(a, b, **params), lhs, rhs)
  assert abstract.shape == out.shape and abstract.dtype == out.dtype
  staged = numjax.make_jaxpr(lambda a, b: lax.conv_general_dilated(a, b, **params))(lhs, rhs)
  aval = staged.out_avals[0]
  assert aval.shape == out.shape and aval.dtype == out.dtype


@pytest.mark.parametrize("in_dtype,pet,out_dtype", [
    (np.int32, None, np.int32), (np.int8, np.int32, np.int32), (np.int8, np.float32, np.float32),
    (np.uint8, np.int32, np.int32), (np.float16, None, np.float16),
    (np.float16, np.float32, np.float32), (np.bool_, None, np.bool_),
    (np.complex64, None, np.complex64)])
def test_dtypes(in_dtype, pet, out_dtype):
  x = ints((2, 3, 5, 5)) > 0 if in_dtype == np.bool_ else ints((2, 3, 5, 5)).astype(in_dtype)
  w = ints((4, 3, 3, 3), 5, 2, 3) > 0 if in_dtype == np.bool_ else \
      ints((4, 3, 3, 3), 5, 2, 3).astype(in_dtype)
  if in_dtype == np.uint8:
    x, w = (x + 3).astype(np.uint8), (w + 2).astype(np.uint8)
  if in_dtype == np.complex64:
    x = (x * (1 + 0.5j)).astype(np.complex64)
  f = lambda a, b: lax.conv(a, b, (1, 1), "SAME", preferred_element_type=pet)
  out = f(x, w)
  assert out.dtype == out_dtype and not out.weak_type
  assert numjax.eval_shape(f, x, w).dtype == out_dtype
  assert numjax.jit(f)(x, w).dtype == out_dtype
  wide = np.complex128 if in_dtype == np.complex64 else np.float64
  want = ref_conv(x.astype(wide), w.astype(wide), (1, 1), "SAME")
  if in_dtype == np.bool_:
    want = want > 0
  np.testing.assert_array_equal(np.asarray(out), want.astype(out_dtype))


def test_weak_type_only_when_both_operands_are_weak():
  x, w = jnp.ones((1, 1, 3)), jnp.ones((1, 1, 2))
  weak_x = lax.convert_element_type(x, np.float32, weak_type=True)
  weak_w = lax.convert_element_type(w, np.float32, weak_type=True)
  assert not lax.conv(weak_x, w, (1,), "VALID").weak_type
  assert lax.conv(weak_x, weak_w, (1,), "VALID").weak_type


def test_float64_input_is_canonicalised_without_x64():
  out = lax.conv(np.ones((1, 1, 4)), np.ones((1, 1, 2)), (1,), "VALID")
  assert out.dtype == np.float32
  np.testing.assert_array_equal(np.asarray(out), [[[2, 2, 2]]])


def test_empty_operands():
  out = lax.conv(jnp.ones((0, 3, 5, 5)), jnp.ones((4, 3, 3, 3)), (1, 1), "VALID")
  assert out.shape == (0, 4, 3, 3)
  out = lax.conv(jnp.ones((2, 0, 5, 5)), jnp.ones((4, 0, 3, 3)), (1, 1), "SAME")
  np.testing.assert_array_equal(np.asarray(out), np.zeros((2, 4, 5, 5)))
  # A window larger than the input: an empty output, zero gradients.
  x, w = jnp.ones((2, 3, 2, 2)), jnp.ones((4, 3, 3, 3))
  assert lax.conv(x, w, (1, 1), "VALID").shape == (2, 4, 0, 0)
  gx, gw = numjax.grad(lambda a, b: lax.conv(a, b, (1, 1), "VALID").sum(), (0, 1))(x, w)
  np.testing.assert_array_equal(np.asarray(gx), np.zeros(x.shape))
  np.testing.assert_array_equal(np.asarray(gw), np.zeros(w.shape))


def test_helpers():
  assert lax.padtype_to_pads((5, 6), (3, 2), (2, 2), "SAME") == [(1, 1), (0, 0)]
  assert lax.padtype_to_pads((6,), (4,), (1,), "SAME") == [(1, 2)]
  assert lax.padtype_to_pads((6,), (4,), (1,), "SAME_LOWER") == [(2, 1)]
  assert lax.padtype_to_pads((6, 2), (4, 1), (1, 1), "VALID") == [(0, 0), (0, 0)]
  dn = lax.conv_dimension_numbers((1, 2, 3, 4), (1, 2, 3, 4), ("NHWC", "HWIO", "NHWC"))
  assert dn == lax.ConvDimensionNumbers((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
  assert lax.conv_dimension_numbers((1, 2, 3, 4), (1, 2, 3, 4), ("NHWC", "OIWH", "NWHC")) == \
      lax.ConvDimensionNumbers((0, 3, 2, 1), (0, 1, 2, 3), (0, 3, 1, 2))
  assert lax.conv_dimension_numbers((1, 2, 3), (1, 2, 3), None) == \
      lax.ConvDimensionNumbers((0, 1, 2), (0, 1, 2), (0, 1, 2))
  assert lax.conv_general_shape_tuple((2, 8, 7, 3), (3, 2, 3, 4), (2, 2), "SAME",
                                      ("NHWC", "HWIO", "NHWC")) == (2, 4, 4, 4)
  assert lax.conv_shape_tuple((2, 3, 8, 8), (4, 3, 3, 3), (1, 1), [(1, 1), (1, 1)]) == \
      (2, 4, 8, 8)
  assert lax.conv_transpose_shape_tuple((1, 3, 2, 1), (3, 2, 1, 2), (2, 2), "SAME",
                                        ("NHWC", "HWIO", "NHWC")) == (1, 6, 4, 2)


# ----------------------------------------------------------------------------------------------
# Derivatives (float64)
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DIFF_CASES)
def test_jvp_matches_finite_differences_and_vjp_transposes_it(name, x64):
  lhs, rhs, params = case_args(name, F64, seed=1)
  rng = np.random.default_rng(2)
  f = lambda a, b: lax.conv_general_dilated(a, b, **params)
  tl, tr = rng.standard_normal(lhs.shape), rng.standard_normal(rhs.shape)
  y, t = numjax.jvp(f, (lhs, rhs), (tl, tr))
  assert y.dtype == t.dtype == np.float64
  eps = 1e-6
  fd = (np.asarray(f(lhs + eps * tl, rhs + eps * tr))
        - np.asarray(f(lhs - eps * tl, rhs - eps * tr))) / (2 * eps)
  np.testing.assert_allclose(np.asarray(t), fd, rtol=1e-6, atol=1e-7)
  # Each argument alone (symbolic-zero tangent for the other).
  _, t_l = numjax.jvp(lambda a: f(a, rhs), (lhs,), (tl,))
  _, t_r = numjax.jvp(lambda b: f(lhs, b), (rhs,), (tr,))
  np.testing.assert_allclose(np.asarray(t_l) + np.asarray(t_r), np.asarray(t), rtol=1e-10,
                             atol=1e-10)
  # <u, J v> == <J^T u, v>
  _, f_vjp = numjax.vjp(f, lhs, rhs)
  u = rng.standard_normal(y.shape)
  cl, cr = f_vjp(u)
  assert cl.shape == lhs.shape and cr.shape == rhs.shape and cl.dtype == cr.dtype == np.float64
  np.testing.assert_allclose(pair(u, t), pair(cl, tl) + pair(cr, tr), rtol=1e-9, atol=1e-9)


def test_second_order_derivatives(x64):
  lhs, rhs, params = case_args("2d_feature_groups", F64, seed=4)
  loss = lambda a, b: jnp.sum(jnp.sin(lax.conv_general_dilated(a, b, **params)))
  g = numjax.grad(loss, argnums=(0, 1))
  rng = np.random.default_rng(5)
  vl, vr = rng.standard_normal(lhs.shape), rng.standard_normal(rhs.shape)
  _, (hl, hr) = numjax.jvp(g, (lhs, rhs), (vl, vr))
  eps = 1e-5
  gp, gm = g(lhs + eps * vl, rhs + eps * vr), g(lhs - eps * vl, rhs - eps * vr)
  np.testing.assert_allclose(np.asarray(hl), (np.asarray(gp[0]) - np.asarray(gm[0])) / (2 * eps),
                             rtol=1e-5, atol=1e-6)
  np.testing.assert_allclose(np.asarray(hr), (np.asarray(gp[1]) - np.asarray(gm[1])) / (2 * eps),
                             rtol=1e-5, atol=1e-6)


def test_integer_operands_have_no_tangent():
  x, w = ints((1, 2, 5)).astype(np.int32), ints((3, 2, 2)).astype(np.int32)
  _, f_vjp = numjax.vjp(lambda a: lax.conv(a, w, (1,), "VALID"), x)
  ct, = f_vjp(np.ones((1, 3, 4), np.int32))
  assert ct.dtype == numjax.dtypes.float0 and ct.shape == x.shape


def _cnn_loss(w1, w2, x):
  h = jnp.tanh(lax.conv_general_dilated(x, w1, (1, 1), "SAME"))
  h = lax.conv_general_dilated(h, w2, (2, 2), "VALID")
  return jnp.sum(h ** 2)


def test_grad_of_small_cnn_matches_jax(x64):
  x = ints((2, 1, 6, 6), 9, 4, 5).astype(F64) / 4
  w1 = ints((3, 1, 3, 3), 7, 3, 3).astype(F64) / 8
  w2 = ints((2, 3, 2, 2), 5, 2, 3).astype(F64) / 8
  val, (g1, g2) = numjax.value_and_grad(_cnn_loss, (0, 1))(w1, w2, x)
  np.testing.assert_allclose(float(val), JAX_CNN_LOSS, rtol=1e-12)
  np.testing.assert_allclose(np.asarray(g1), JAX_CNN_G1, rtol=1e-10, atol=1e-12)
  np.testing.assert_allclose(np.asarray(g2), JAX_CNN_G2, rtol=1e-10, atol=1e-12)
  # and under jit
  jv, (j1, j2) = numjax.jit(numjax.value_and_grad(_cnn_loss, (0, 1)))(w1, w2, x)
  np.testing.assert_allclose(np.asarray(j1), np.asarray(g1), rtol=1e-12)
  np.testing.assert_allclose(np.asarray(j2), np.asarray(g2), rtol=1e-12)


def test_grad_of_small_cnn_float32_trains():
  rng = np.random.default_rng(0)
  x = rng.standard_normal((4, 2, 8, 8)).astype(F32)
  w1 = (0.3 * rng.standard_normal((4, 2, 3, 3))).astype(F32)
  w2 = (0.3 * rng.standard_normal((2, 4, 3, 3))).astype(F32)
  step = numjax.jit(lambda w1, w2: [w - 0.01 * g for w, g in
                                    zip((w1, w2), numjax.grad(_cnn_loss, (0, 1))(w1, w2, x))])
  before = float(_cnn_loss(w1, w2, x))
  for _ in range(5):
    w1, w2 = step(w1, w2)
  assert w1.dtype == np.float32 and float(_cnn_loss(w1, w2, x)) < before


# ----------------------------------------------------------------------------------------------
# Batching (vmap vs a Python loop), jit vs eager
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", DIFF_CASES)
@pytest.mark.parametrize("in_axes", [(0, None), (None, 0), (0, 0), (2, None), (None, 1), (1, 3)])
def test_vmap_matches_loop(name, in_axes):
  lhs, rhs, params = case_args(name, seed=7)
  rng = np.random.default_rng(8)
  B = 3
  args = []
  for a, ax in zip((lhs, rhs), in_axes):
    if ax is None:
      args.append(a)
    else:
      args.append(np.moveaxis(rng.standard_normal((B,) + a.shape).astype(F32), 0, ax))
  f = lambda a, b: lax.conv_general_dilated(a, b, **params)
  got = numjax.vmap(f, in_axes=in_axes)(*args)
  want = np.stack([np.asarray(f(*[a if ax is None else np.take(a, i, ax)
                                   for a, ax in zip(args, in_axes)])) for i in range(B)])
  assert got.shape == want.shape
  np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)


def test_vmap_does_not_loop_over_the_batch():
  lhs, rhs, params = case_args("2d_depthwise")
  xs = np.stack([lhs] * 5)
  ws = np.stack([rhs] * 5)
  jaxpr = numjax.make_jaxpr(numjax.vmap(lambda a, b: lax.conv_general_dilated(a, b, **params)))(
      xs, ws)
  convs = [e for e in jaxpr.eqns if e.primitive is conv_general_dilated_p]
  assert len(convs) == 1 and convs[0].params["feature_group_count"] == 5 * 4


def test_vmap_with_empty_batch():
  lhs, rhs, params = case_args("2d_batch_groups")
  out = numjax.vmap(lambda a: lax.conv_general_dilated(a, rhs, **params))(
      np.zeros((0,) + lhs.shape, F32))
  assert out.shape == (0,) + lax.conv_general_dilated(lhs, rhs, **params).shape


@pytest.mark.parametrize("name", ["2d_depthwise", "2d_batch_groups", "2d_odd_layout"])
def test_vmap_of_grad_and_grad_of_vmap(name):
  lhs, rhs, params = case_args(name, seed=9)
  rng = np.random.default_rng(10)
  xs = rng.standard_normal((2,) + lhs.shape).astype(F32)
  loss = lambda a, b: jnp.sum(jnp.tanh(lax.conv_general_dilated(a, b, **params)))
  got = numjax.vmap(numjax.grad(loss, (0, 1)), in_axes=(0, None))(xs, rhs)
  want = [numjax.grad(loss, (0, 1))(x, rhs) for x in xs]
  np.testing.assert_allclose(np.asarray(got[0]), np.stack([np.asarray(w[0]) for w in want]),
                             rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(np.asarray(got[1]), np.stack([np.asarray(w[1]) for w in want]),
                             rtol=1e-4, atol=1e-5)
  g = numjax.grad(lambda b: jnp.sum(numjax.vmap(lambda a: loss(a, b))(xs)))(rhs)
  np.testing.assert_allclose(np.asarray(g), sum(np.asarray(w[1]) for w in want), rtol=1e-4,
                             atol=1e-5)


@pytest.mark.parametrize("name", ["2d_pairs_dilations", "2d_batch_groups", "3d_ndhwc"])
def test_jit_matches_eager(name):
  lhs, rhs, params = case_args(name)
  f = lambda a, b: lax.conv_general_dilated(a, b, **params)
  eager = f(lhs, rhs)
  jitted = numjax.jit(f)(lhs, rhs)
  assert jitted.dtype == eager.dtype and jitted.shape == eager.shape
  np.testing.assert_array_equal(np.asarray(jitted), np.asarray(eager))


# ----------------------------------------------------------------------------------------------
# Jaxpr text (JAX 0.10.2)
# ----------------------------------------------------------------------------------------------
JAXPR_CONV = """\
{ lambda ; a:f32[2,8,8,3] b:f32[3,3,3,4]. let
    c:f32[2,3,10,4] = conv_general_dilated[
      batch_group_count=1
      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
      feature_group_count=1
      lhs_dilation=(1, 1)
      out_sharding=None
      padding=((1, 0), (2, 2))
      precision=None
      preferred_element_type=None
      rhs_dilation=(2, 1)
      window_strides=(2, 1)
    ] a b
  in (c,) }"""

JAXPR_GRAD = """\
{ lambda ; a:f32[2,3,8,8] b:f32[4,3,3,3]. let
    c:f32[2,4,4,4] = conv_general_dilated[
      batch_group_count=1
      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3), out_spec=(0, 1, 2, 3))
      feature_group_count=1
      lhs_dilation=(1, 1)
      out_sharding=None
      padding=((0, 1), (0, 1))
      precision=None
      preferred_element_type=None
      rhs_dilation=(1, 1)
      window_strides=(2, 2)
    ] a b
    _:f32[] = reduce_sum[axes=(0, 1, 2, 3) out_sharding=None] c
    d:f32[2,4,4,4] = broadcast_in_dim 1.0:f32[]
    e:f32[4,3,3,3] = conv_general_dilated[
      batch_group_count=1
      dimension_numbers=ConvDimensionNumbers(lhs_spec=(1, 0, 2, 3), rhs_spec=(1, 0, 2, 3), out_spec=(1, 0, 2, 3))
      feature_group_count=1
      lhs_dilation=(1, 1)
      out_sharding=None
      padding=((0, 1), (0, 1))
      precision=None
      preferred_element_type=None
      rhs_dilation=(2, 2)
      window_strides=(1, 1)
    ] a d
    f:f32[4,3,3,3] = rev[dimensions=(2, 3)] b
    g:f32[2,3,8,8] = conv_general_dilated[
      batch_group_count=1
      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(1, 0, 2, 3), out_spec=(0, 1, 2, 3))
      feature_group_count=1
      lhs_dilation=(2, 2)
      out_sharding=None
      padding=((2, 1), (2, 1))
      precision=None
      preferred_element_type=None
      rhs_dilation=(1, 1)
      window_strides=(1, 1)
    ] d f
  in (g, e) }"""


def test_jaxpr_text_matches_jax():
  f = lambda x, w: lax.conv_general_dilated(x, w, (2, 1), [(1, 0), (2, 2)], (1, 1), (2, 1),
                                            ("NHWC", "HWIO", "NHWC"))
  assert str(numjax.make_jaxpr(f)(jnp.ones((2, 8, 8, 3)), jnp.ones((3, 3, 3, 4)))) == JAXPR_CONV
  g = numjax.grad(lambda x, w: lax.conv(x, w, (2, 2), "SAME").sum(), (0, 1))
  assert str(numjax.make_jaxpr(g)(jnp.ones((2, 3, 8, 8)), jnp.ones((4, 3, 3, 3)))) == JAXPR_GRAD


def test_jaxpr_shows_precision_and_preferred_type_like_jax():
  text = str(numjax.make_jaxpr(lambda x, w: lax.conv(
      x, w, (1, 1), "SAME", precision="highest", preferred_element_type=jnp.float32))(
          jnp.ones((1, 1, 3, 3)), jnp.ones((1, 1, 2, 2))))
  assert "precision=(Precision.HIGHEST, Precision.HIGHEST)" in text
  assert "preferred_element_type=float32" in text


# ----------------------------------------------------------------------------------------------
# Errors
# ----------------------------------------------------------------------------------------------
X, W = np.ones((2, 3, 8, 8), F32), np.ones((4, 3, 3, 3), F32)

ERRORS = [
    (lambda: lax.conv(X, W.astype(np.float16), (1, 1), "SAME"), TypeError,
     "lax.conv_general_dilated requires arguments to have the same dtypes, got float32, "
     "float16."),
    (lambda: lax.conv(X, W, (1, 1), "SAME", preferred_element_type=np.int32), TypeError,
     "Input type is incompatible with `preferred_element_type`"),
    (lambda: lax.conv(X.astype(np.int32), W.astype(np.int32), (1, 1), "SAME",
                      preferred_element_type=np.uint32), TypeError,
     "`preferred_element_type` must have the same signedness as the original type."),
    (lambda: lax.conv(X.astype(np.float32), W, (1, 1), "SAME",
                      preferred_element_type=np.float16), TypeError,
     "`preferred_element_type` must not be narrower than the original type."),
    (lambda: lax.conv(X, W, (1, 1), "FOO"), RuntimeError,
     "Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got FOO."),
    (lambda: lax.conv(X, W, (1,), "SAME"), ValueError,
     "conv_general_dilated window and window_strides must have the same number of dimensions, "
     "but got 2 and 1"),
    (lambda: lax.conv(X, W[:, :2], (1, 1), "SAME"), ValueError,
     "conv_general_dilated lhs feature dimension size divided by feature_group_count must "
     "equal the rhs input feature dimension size, but 3 // 1 != 2."),
    (lambda: lax.conv(X, W[0], (1, 1), "SAME"), TypeError,
     "convolution requires lhs and rhs ndim to be equal, got 4 and 3."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), [(1, 1)]), TypeError,
     "Wrong number of explicit pads for convolution: expected 2, got 1."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), [(1, 1), (1,)]), ValueError,
     "padding argument to conv_general_dilated should be a string or a sequence of (low, high) "
     "pairs, got [(1, 1), (1,)]"),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), [(-9, 0), (0, 0)]), ValueError,
     "Negative padding is larger than the size of the corresponding dimension"),
    (lambda: lax.conv_general_dilated(X, W, (0, 1), "VALID"), ValueError,
     "conv_general_dilated window_strides must be positive, got (0, 1)."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", rhs_dilation=(0, 1)), TypeError,
     "All dilations must be positive, got (0, 1)."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), [(0, 0)] * 2, lhs_dilation=(1, 0)),
     TypeError, "All dilations must be positive, got (1, 0)."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "SAME", lhs_dilation=(2, 1)), ValueError,
     "String padding is not implemented for transposed convolution using this op."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", feature_group_count=2), ValueError,
     "conv_general_dilated feature_group_count must divide lhs feature dimension size, but 2 "
     "does not divide 3."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", feature_group_count=0), ValueError,
     "conv_general_dilated feature_group_count must be a positive integer, got 0."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", batch_group_count=3), ValueError,
     "conv_general_dilated batch_group_count must divide lhs batch dimension size, but 3 does "
     "not divide 2."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", batch_group_count=0), ValueError,
     "conv_general_dilated batch_group_count must be a positive integer, got 0."),
    (lambda: lax.conv_general_dilated(np.ones((6, 3, 8, 8)), W, (1, 1), "VALID",
                                      batch_group_count=3), ValueError,
     "conv_general_dilated rhs output feature dimension size must be a multiple of "
     "batch_group_count, but 4 is not a multiple of 3."),
    (lambda: lax.conv_general_dilated(np.ones((2, 6, 8, 8)), np.ones((4, 2, 3, 3)), (1, 1),
                                      "VALID", feature_group_count=3), ValueError,
     "conv_general_dilated rhs output feature dimension size must be a multiple of "
     "feature_group_count, but 4 is not a multiple of 3."),
    (lambda: lax.conv_general_dilated(np.ones((2, 6, 8, 8)), np.ones((4, 3, 3, 3)), (1, 1),
                                      "VALID", feature_group_count=2, batch_group_count=2),
     ValueError, "At most one of batch_group_count and feature_group_count may be > 1, got "
     "batch_group_count=2 and feature_group_count=2"),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID",
                                      dimension_numbers=("NCHW", "OIHW")), TypeError,
     "convolution dimension_numbers list/tuple must be length 3, got 2."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID",
                                      dimension_numbers=("NCHW", "OIHW", "NCH")), TypeError,
     "convolution dimension_numbers[2] must have len equal to the ndim of lhs and rhs, got 3 "
     "for lhs and rhs shapes (2, 3, 8, 8) and (4, 3, 3, 3)."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID",
                                      dimension_numbers=("NCHW", "OIHW", "NCHX")), TypeError,
     "convolution dimension_numbers elements must each have the same set of spatial "
     "characters, got ('NCHW', 'OIHW', 'NCHX')."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID",
                                      dimension_numbers=("NCHH", "OIHW", "NCHW")), TypeError,
     "convolution dimension_numbers[0] cannot have duplicate characters, got NCHH."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID",
                                      dimension_numbers=("NXHW", "OIHW", "NCHW")), TypeError,
     "convolution dimension_numbers[0] must contain the characters 'N' and 'C' exactly once, "
     "got NXHW."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", dimension_numbers=5), TypeError,
     "convolution dimension_numbers must be tuple/list or None, got <class 'int'>."),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", dimension_numbers=(1, 2, 3)),
     TypeError, "convolution dimension_numbers elements must be strings"),
    (lambda: lax.conv_general_dilated(X, W, (1, 1), "VALID", precision="foo"), ValueError,
     "Precision argument must be one of:"),
    (lambda: lax.conv_general_dilated(X, W[:, :, :0], (1, 1), "VALID"), ValueError,
     "conv_general_dilated rhs spatial (window) dimensions must be positive, got window (0, 3) "
     "for rhs shape (4, 3, 0, 3)."),
    (lambda: lax.padtype_to_pads((5, 6), (3, 2), (2, 2), 3), TypeError,
     "Unknown padding type: 3."),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
  fn, exc, msg = ERRORS[i]
  with pytest.raises(exc) as info:
    fn()
  assert msg in str(info.value)


def test_errors_also_under_jit_and_after_a_good_call():
  lax.conv(X, W, (1, 1), "SAME")  # validates this dtype signature once
  with pytest.raises(ValueError, match="3 // 1 != 2"):
    lax.conv(X, W[:, :2], (1, 1), "SAME")
  with pytest.raises(ValueError, match="3 // 1 != 2"):
    numjax.jit(lambda a, b: lax.conv(a, b, (1, 1), "SAME"))(X, W[:, :2])


def test_odd_arguments_raise_deliberate_errors():
  """Every public function rejects odd arguments with its own TypeError/ValueError (JAX's
  RuntimeError for an unknown padding string), never an internal error from arithmetic."""
  import os
  import traceback
  pkg = os.path.dirname(os.path.abspath(numjax.__file__))
  x, w = jnp.ones((2, 3, 8, 8)), jnp.ones((4, 3, 3, 3))
  dn = ("NCHW", "OIHW", "NCHW")
  good = {
      lax.conv_general_dilated: (x, w, (1, 1), "SAME", None, None, None, 1, 1),
      lax.conv: (x, w, (1, 1), "SAME"),
      lax.conv_with_general_padding: (x, w, (1, 1), [(1, 1), (1, 1)], None, None),
      lax.conv_transpose: (jnp.ones((2, 8, 8, 3)), jnp.ones((3, 3, 3, 4)), (1, 1), "SAME"),
      lax.conv_dimension_numbers: ((2, 3, 8, 8), (4, 3, 3, 3), dn),
      lax.conv_general_permutations: (dn,),
      lax.conv_general_shape_tuple: ((2, 3, 8, 8), (4, 3, 3, 3), (1, 1), "SAME", dn),
      lax.conv_shape_tuple: ((2, 3, 8, 8), (4, 3, 3, 3), (1, 1), "SAME", 1),
      lax.conv_transpose_shape_tuple: ((2, 8, 8, 3), (3, 3, 3, 4), (1, 1), "SAME",
                                       ("NHWC", "HWIO", "NHWC")),
      lax.padtype_to_pads: ((8, 8), (3, 3), (1, 1), "SAME"),
  }
  odd = [None, "a", 5, 1.5, (), (0, 1), [(1, 1)], [(1, 2, 3), (1, 1)], ("NCHW",), (1, 2, 3),
         jnp.ones(3), jnp.ones((2, 3)), ("NCHW", "OIHW", 5), {"a": 1},
         lax.ConvDimensionNumbers((0, 1), (0, 1), (0, 1))]
  escapes = []
  for fn, args in good.items():
    fn(*args)
    for i in range(len(args)):
      for o in odd:
        bad = list(args)
        bad[i] = o
        try:
          fn(*bad)
        except (TypeError, ValueError, RuntimeError) as e:
          frame = traceback.extract_tb(e.__traceback__)[-1]
          if (isinstance(e, RuntimeError) and "Unrecognized padding type" not in str(e)) or (
              os.path.abspath(frame.filename).startswith(pkg)
              and not (frame.line or "").lstrip().startswith("raise")):
            escapes.append(f"{fn.__name__} arg {i}={o!r}: {type(e).__name__}: {e}")
        except Exception as e:  # noqa: BLE001
          escapes.append(f"{fn.__name__} arg {i}={o!r}: {type(e).__name__}: {e}")
  assert not escapes, "\n".join(escapes)
