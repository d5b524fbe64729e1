"""lax.Precision, `precision=` arguments and the conj param, printed in jaxprs as jax 0.10.2
prints them (every expected string below was recorded from JAX); numerics never change (NumPy
computes every product at full precision)."""
import numpy as np
import pytest

import numjax
import numjax.numpy as jnp
from numjax import lax

P = lax.Precision
f32 = jnp.ones((2, 2), jnp.float32)
f16 = jnp.ones((2, 2), jnp.float16)
c64 = jnp.ones((2,), jnp.complex64)
r32 = jnp.ones((2,), jnp.float32)
x4 = jnp.ones((1, 1, 3, 3), jnp.float32)

CASES = {
    'dot_highest': (lambda a, b: lax.dot(a, b, precision=P.HIGHEST), (f32, f32)),
    'dot_none': (lambda a, b: lax.dot(a, b), (f32, f32)),
    'dot_str_pair': (lambda a, b: lax.dot(a, b, precision=('high', 'highest')), (f32, f32)),
    'dot_enum_pair': (lambda a, b: lax.dot_general(a, b, (((1,), (0,)), ((), ())),
                                                   precision=(P.HIGH, P.DEFAULT)), (f32, f32)),
    'dot_float32': (lambda a, b: lax.dot(a, b, precision='float32'), (f32, f32)),
    'jnp_dot': (lambda a, b: jnp.dot(a, b, precision='highest'), (f32, f32)),
    'jnp_matmul': (lambda a, b: jnp.matmul(a, b, precision=P.HIGH), (f32, f32)),
    'jnp_einsum': (lambda a, b: jnp.einsum('ij,jk->ik', a, b, precision='tensorfloat32'),
                   (f32, f32)),
    'jnp_tensordot': (lambda a, b: jnp.tensordot(a, b, precision='bfloat16'), (f32, f32)),
    'jnp_inner': (lambda a, b: jnp.inner(a, b, precision='highest'), (f32, f32)),
    'jnp_vdot_complex': (lambda a, b: jnp.vdot(a, b), (c64, c64)),
    'grad_dot_highest': (numjax.grad(lambda a, b: lax.dot(a, b, precision=P.HIGHEST).sum()),
                         (f32, f32)),
    'grad_dot_f16_pet': (numjax.grad(lambda a, b: lax.dot(
        a, b, preferred_element_type=jnp.float32).sum()), (f16, f16)),
    'vmap_dot_high': (numjax.vmap(lambda a, b: lax.dot(a, b, precision='high')), (f32, f32)),
    'conv_high': (lambda a, b: lax.conv(a, b, (1, 1), 'SAME', precision=P.HIGH), (x4, x4)),
    'conv_pair': (lambda a, b: lax.conv(a, b, (1, 1), 'VALID', precision=('high', 'default')),
                  (x4, x4)),
    'conj_complex': (jnp.conj, (c64,)),
    'conj_real_jnp': (jnp.conj, (r32,)),
    'conj_real_lax': (lax.conj, (r32,)),
    'conj_grad_real': (numjax.grad(lambda x: lax.conj(x).real.sum()), (r32,)),
    'conj_vmap': (numjax.vmap(lax.conj), (c64,)),
    'conj_jvp': (lambda x: numjax.jvp(lax.conj, (x,), (x,)), (r32,)),
    'conj_transpose': (lambda x: numjax.linear_transpose(lax.conj, x)(x), (c64,)),
}

EXPECTED = {
    'dot_highest': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n    ] a b\n  in (c,) }',
    'dot_none': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[dimension_numbers=(([1], [0]), ([], []))] a b\n  in (c,) }',
    'dot_str_pair': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGH, Precision.HIGHEST)\n    ] a b\n  in (c,) }',
    'dot_enum_pair': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGH, Precision.DEFAULT)\n    ] a b\n  in (c,) }',
    'dot_float32': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n    ] a b\n  in (c,) }',
    'jnp_dot': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'jnp_matmul': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGH, Precision.HIGH)\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'jnp_einsum': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGH, Precision.HIGH)\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'jnp_tensordot': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[] = dot_general[\n      dimension_numbers=(([0, 1], [0, 1]), ([], []))\n      precision=(Precision.DEFAULT, Precision.DEFAULT)\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'jnp_inner': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [1]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'jnp_vdot_complex': '{ lambda ; a:c64[2] b:c64[2]. let\n    c:c64[2] = conj[input_dtype=complex64] a\n    d:c64[] = dot_general[\n      dimension_numbers=(([0], [0]), ([], []))\n      preferred_element_type=complex64\n    ] c b\n  in (d,) }',
    'grad_dot_highest': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n    ] a b\n    _:f32[] = reduce_sum[axes=(0, 1) out_sharding=None] c\n    d:f32[2,2] = broadcast_in_dim 1.0:f32[]\n    e:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [1]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n    ] d b\n  in (e,) }',
    'grad_dot_f16_pet': '{ lambda ; a:f16[2,2] b:f16[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      preferred_element_type=float32\n    ] a b\n    _:f32[] = reduce_sum[axes=(0, 1) out_sharding=None] c\n    d:f32[2,2] = broadcast_in_dim 1.0:f32[]\n    e:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [1]), ([], []))\n      preferred_element_type=float32\n    ] d b\n    f:f16[2,2] = convert_element_type[new_dtype=float16 weak_type=False] e\n  in (f,) }',
    'vmap_dot_high': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2] = dot_general[\n      dimension_numbers=(([1], [1]), ([0], [0]))\n      precision=(Precision.HIGH, Precision.HIGH)\n    ] a b\n  in (c,) }',
    'conv_high': '{ lambda ; a:f32[1,1,3,3] b:f32[1,1,3,3]. let\n    c:f32[1,1,3,3] = conv_general_dilated[\n      batch_group_count=1\n      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3), out_spec=(0, 1, 2, 3))\n      feature_group_count=1\n      lhs_dilation=(1, 1)\n      out_sharding=None\n      padding=((1, 1), (1, 1))\n      precision=(Precision.HIGH, Precision.HIGH)\n      preferred_element_type=None\n      rhs_dilation=(1, 1)\n      window_strides=(1, 1)\n    ] a b\n  in (c,) }',
    'conv_pair': '{ lambda ; a:f32[1,1,3,3] b:f32[1,1,3,3]. let\n    c:f32[1,1,1,1] = conv_general_dilated[\n      batch_group_count=1\n      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3), out_spec=(0, 1, 2, 3))\n      feature_group_count=1\n      lhs_dilation=(1, 1)\n      out_sharding=None\n      padding=((0, 0), (0, 0))\n      precision=(Precision.HIGH, Precision.DEFAULT)\n      preferred_element_type=None\n      rhs_dilation=(1, 1)\n      window_strides=(1, 1)\n    ] a b\n  in (c,) }',
    'conj_complex': '{ lambda ; a:c64[2]. let b:c64[2] = conj[input_dtype=complex64] a in (b,) }',
    'conj_real_jnp': '{ lambda ; a:f32[2]. let  in (a,) }',
    'conj_real_lax': '{ lambda ; a:f32[2]. let b:c64[2] = conj[input_dtype=float32] a in (b,) }',
    'conj_grad_real': '{ lambda ; a:f32[2]. let\n    b:c64[2] = conj[input_dtype=float32] a\n    c:f32[2] = real b\n    _:f32[] = reduce_sum[axes=(0,) out_sharding=None] c\n    d:f32[2] = broadcast_in_dim 1.0:f32[]\n    e:c64[2] = complex d 0.0:f32[]\n    f:f32[2] = real e\n  in (f,) }',
    'conj_vmap': '{ lambda ; a:c64[2]. let b:c64[2] = conj[input_dtype=complex64] a in (b,) }',
    'conj_jvp': '{ lambda ; a:f32[2]. let\n    b:c64[2] = conj[input_dtype=float32] a\n    c:c64[2] = conj[input_dtype=float32] a\n  in (b, c) }',
    'conj_transpose': '{ lambda ; a:c64[2]. let b:c64[2] = conj[input_dtype=complex64] a in (b,) }',
}

DEFAULT_FLAG = {
    'default_flag': '{ lambda ; a:f32[2,2] b:f32[2,2]. let\n    c:f32[2,2] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      precision=(Precision.HIGHEST, Precision.HIGHEST)\n    ] a b\n  in (c,) }',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_jaxpr_text_matches_jax(name):
  f, args = CASES[name]
  assert str(numjax.make_jaxpr(f)(*args)) == EXPECTED[name]


def test_default_matmul_precision_flag():
  with numjax.default_matmul_precision("highest"):
    text = str(numjax.make_jaxpr(lambda a, b: lax.dot(a, b))(f32, f32))
  assert text == DEFAULT_FLAG['default_flag']
  assert str(numjax.make_jaxpr(lambda a, b: lax.dot(a, b))(f32, f32)) == EXPECTED['dot_none']


def test_precision_enum():
  assert [repr(p) for p in P] == ["Precision.DEFAULT", "Precision.HIGH", "Precision.HIGHEST"]
  assert [str(p) for p in P] == ["DEFAULT", "HIGH", "HIGHEST"]
  assert [p.value for p in P] == [0, 1, 2]
  aliases = {"default": P.DEFAULT, "fastest": P.DEFAULT, "bfloat16": P.DEFAULT,
             "high": P.HIGH, "bfloat16_3x": P.HIGH, "tensorfloat32": P.HIGH,
             "highest": P.HIGHEST, "float32": P.HIGHEST}
  for s, p in aliases.items():
    assert P(s) is p
  assert P(None) is P.DEFAULT and P(2) is P.HIGHEST
  with pytest.raises(ValueError, match="'DEFAULT' is not a valid Precision"):
    P("DEFAULT")
  with pytest.raises(ValueError, match="'foo' is not a valid Precision"):
    P("foo")
  assert lax.canonicalize_precision("high") == (P.HIGH, P.HIGH)
  assert lax.canonicalize_precision(None) is None


PRECISION_ERROR = (
    "Precision argument must be one of:\n- None,\n- a string in ['highest', 'float32', 'high', "
    "'bfloat16_3x', 'tensorfloat32', 'default', 'bfloat16', 'fastest', None],\n- a lax.Precision "
    "value,\n- a tuple of two lax.Precision values or strings,\n- a lax.DotAlgorithmPreset or the "
    "name of one of these presets, or\n- a lax.DotAlgorithm value;\nbut got {}.")


@pytest.mark.parametrize("bad", ["foo", 3, (P.HIGH,), (P.HIGH, "x"), (P.HIGH, "highest")])
@pytest.mark.parametrize("where", ["dot", "jnp.dot", "einsum", "conv"])
def test_bad_precision(bad, where):
  call = {
      "dot": lambda: lax.dot(f32, f32, precision=bad),
      "jnp.dot": lambda: jnp.dot(f32, f32, precision=bad),
      "einsum": lambda: jnp.einsum("ij,jk", f32, f32, precision=bad),
      "conv": lambda: lax.conv(x4, x4, (1, 1), "SAME", precision=bad)}[where]
  with pytest.raises(ValueError) as info:
    call()
  assert str(info.value) == PRECISION_ERROR.format(bad)


def test_precision_leaves_numerics_unchanged():
  rng = np.random.default_rng(0)
  a = rng.normal(size=(3, 4)).astype(np.float32)
  b = rng.normal(size=(4, 5)).astype(np.float32)
  ref = np.asarray(lax.dot(a, b))
  for p in [None, P.DEFAULT, "high", (P.HIGHEST, P.DEFAULT)]:
    np.testing.assert_array_equal(lax.dot(a, b, precision=p), ref)
    np.testing.assert_array_equal(jnp.matmul(a, b, precision=p), ref)
    np.testing.assert_array_equal(numjax.jit(lambda a, b: jnp.dot(a, b, precision=p))(a, b), ref)
    np.testing.assert_array_equal(jnp.einsum("ij,jk->ik", a, b, precision=p), ref)


def test_preferred_element_type_of_jnp_products():
  a = jnp.ones((2, 3), jnp.int32)
  for out in (jnp.dot(a, a.T, preferred_element_type=jnp.float32),
              jnp.matmul(a, a.T, preferred_element_type=jnp.float32),
              jnp.tensordot(a, a.T, 1, preferred_element_type=jnp.float32),
              jnp.inner(a, a, preferred_element_type=jnp.float32)):
    assert out.dtype == jnp.float32 and float(out[0, 0]) == 3.0


def test_lax_dot_mixed_dtypes_take_the_wider_type():
  # As JAX 0.10: lax.dot of f32 and i32 (either order) is f32; f16 and f32 is f32.
  i32 = jnp.ones((2, 2), jnp.int32)
  assert lax.dot(f32, i32).dtype == jnp.float32
  assert lax.dot(i32, f32).dtype == jnp.float32
  assert lax.dot(f16, f32).dtype == jnp.float32


def test_lax_dot_dimension_numbers_and_errors():
  a = jnp.arange(24.).reshape(2, 3, 4)
  b = jnp.arange(8.).reshape(2, 4)
  out = lax.dot(a, b, dimension_numbers=(((2,), (1,)), ((0,), (0,))))
  np.testing.assert_array_equal(out, np.einsum("bij,bj->bi", np.asarray(a), np.asarray(b)))
  with pytest.raises(ValueError, match="jax.lax.dot: dimension_numbers must be specified"):
    lax.dot(a, b)
  with pytest.raises(TypeError):
    lax.dot(f32, f32, P.HIGH)  # precision is keyword-only in JAX 0.10


def test_conj_param_and_values():
  x = jnp.array([1 + 2j, 3 - 4j], jnp.complex64)
  assert jnp.conj(x).tolist() == [1 - 2j, 3 + 4j]
  out = lax.conj(jnp.array([1., 2.]))
  assert out.dtype == jnp.complex64 and out.tolist() == [1 + 0j, 2 + 0j]
  assert numjax.jit(jnp.conj)(x).tolist() == [1 - 2j, 3 + 4j]
  eqn = numjax.make_jaxpr(jnp.conj)(x).jaxpr.eqns[0]
  assert eqn.params == {"input_dtype": np.dtype(np.complex64)}


PATCHES_JAXPR = (
    '{ lambda ; a:f32[2,3,5,4]. let\n    b:i32[4,4] = iota[dimension=0 dtype=int32 shape=(4, 4) sharding=None] \n    c:i32[4,4] = add b 0:i32[]\n    d:i32[4,4] = iota[dimension=1 dtype=int32 shape=(4, 4) sharding=None] \n    e:bool[4,4] = eq c d\n    f:f32[4,4] = convert_element_type[new_dtype=float32 weak_type=False] e\n    g:f32[3,4,4] = broadcast_in_dim[broadcast_dimensions=(1, 2)] f\n    h:f32[12,1,2,2] = reshape[\n      dimensions=None\n      new_sizes=(12, 1, 2, 2)\n      sharding=None\n    ] g\n    i:f32[2,12,4,3] = conv_general_dilated[\n      batch_group_count=1\n      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3), out_spec=(0, 1, 2, 3))\n      feature_group_count=3\n      lhs_dilation=(1, 1)\n      out_sharding=None\n      padding=((0, 0), (0, 0))\n      precision=(Precision.HIGH, Precision.DEFAULT)\n      preferred_element_type=None\n      rhs_dilation=(1, 1)\n      window_strides=(1, 1)\n    ] a h\n  in (i,) }')


def test_conv_general_dilated_patches():
  x = jnp.arange(2 * 3 * 5 * 4.).reshape(2, 3, 5, 4)
  out = lax.conv_general_dilated_patches(x, (2, 2), (1, 1), "VALID")
  assert out.shape == (2, 12, 4, 3)
  xn = np.asarray(x)
  # Channel c * 4 + (di * 2 + dj) holds x[:, c, i + di, j + dj].
  for c in range(3):
    for di in range(2):
      for dj in range(2):
        np.testing.assert_array_equal(out[:, c * 4 + di * 2 + dj], xn[:, c, di:di + 4, dj:dj + 3])
  assert str(numjax.make_jaxpr(lambda x: lax.conv_general_dilated_patches(
      x, (2, 2), (1, 1), "VALID", precision=P.HIGH))(x)) == PATCHES_JAXPR
  y = jnp.arange(2 * 5 * 4 * 3.).reshape(2, 5, 4, 3)
  # (shape, sum) recorded from JAX.
  for dn, shape, total in [(("NHWC", "OIHW", "NHWC"), (2, 3, 4, 18), 17682.0),
                           (("NHWC", "HWIO", "NHWC"), (2, 3, 4, 18), 17682.0)]:
    out = lax.conv_general_dilated_patches(y, (3, 2), (2, 1), "SAME", dimension_numbers=dn)
    assert out.shape == shape and float(out.sum()) == total
  g = numjax.grad(lambda x: lax.conv_general_dilated_patches(x, (2, 2), (1, 1), "VALID").sum())(x)
  assert g.shape == x.shape


def test_reduce_window_shape_tuple():
  # Values recorded from JAX.
  assert lax.reduce_window_shape_tuple((5, 6), (2, 3), (1, 2), ((0, 1), (1, 1))) == (5, 3)
  assert lax.reduce_window_shape_tuple((5, 6), (2, 3), (1, 2), ((0, 1), (1, 1)),
                                       base_dilation=(2, 1), window_dilation=(1, 2)) == (9, 2)
  assert lax.reduce_window_shape_tuple((1, 6), (4, 3), (1, 2), ((0, 0), (1, 1))) == (0, 3)
  assert lax.reduce_window_shape_tuple((0, 6), (1, 3), (1, 2), ((0, 0), (1, 1)),
                                       base_dilation=(3, 1)) == (0, 3)
