"""How jnp orders complex numbers, as jax 0.10.2 does (every expected value below was recorded
from JAX): comparisons are lexicographic (real part, then imaginary part), max/min pick by that
order (XLA's select, so NaNs do not propagate), sort puts NaNs last in each part, clip and
argmax refuse complex input, and lax's comparisons still reject complex operands."""
import numpy as np
import pytest

import numjax
import numjax.numpy as jnp
from numjax import lax

nan, inf = float("nan"), float("inf")
A = np.array([1 + 2j, 1 + 1j, 0 + 5j, 2 - 1j, 1 + 2j, complex(nan, 0), complex(1, nan),
              complex(-0.0, 0.0), complex(inf, 1), complex(1, -inf)], np.complex64)
B = np.array([1 + 1j, 1 + 2j, 0 + 5j, 1 + 9j, 2 + 0j, 0j, 1 + 0j, complex(0.0, -0.0),
              complex(inf, 2), 1 + 0j], np.complex64)

RECORDED = {
    "greater": [True, False, False, True, False, False, False, False, False, False],
    "less": [False, True, False, False, True, False, False, False, True, True],
    "greater_equal": [True, False, True, True, False, False, False, True, False, False],
    "less_equal": [False, True, True, False, True, False, False, True, True, True],
    "maximum": [1 + 2j, 1 + 2j, 5j, 2 - 1j, 2 + 0j, 0j, 1 + 0j, complex(0.0, -0.0),
                complex(inf, 2), 1 + 0j],
    "minimum": [1 + 1j, 1 + 1j, 5j, 1 + 9j, 1 + 2j, 0j, 1 + 0j, complex(0.0, -0.0),
                complex(inf, 1), complex(1, -inf)],
    "fmax": [1 + 2j, 1 + 2j, 5j, 2 - 1j, 2 + 0j, 0j, 1 + 0j, complex(0.0, -0.0),
             complex(inf, 2), 1 + 0j],
    "fmin": [1 + 1j, 1 + 1j, 5j, 1 + 9j, 1 + 2j, 0j, 1 + 0j, complex(0.0, -0.0),
             complex(inf, 1), complex(1, -inf)],
}


def _same(got, expected):
  got, expected = np.asarray(got), np.asarray(expected)
  assert got.shape == expected.shape
  if got.dtype.kind == "c":
    for part in (np.real, np.imag):
      g, e = part(got), part(expected)
      np.testing.assert_array_equal(g, e)  # NaNs in the same places
      np.testing.assert_array_equal(np.signbit(g), np.signbit(e))
  else:
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", sorted(RECORDED))
@pytest.mark.parametrize("how", ["eager", "jit", "vmap"])
def test_elementwise_ordering(name, how):
  f = getattr(jnp, name)
  if how == "jit":
    f = numjax.jit(f)
  elif how == "vmap":
    f = numjax.vmap(f)
  out = f(A, B)
  assert out.dtype == (jnp.complex64 if name in ("maximum", "minimum", "fmax", "fmin")
                       else jnp.bool_)
  _same(out, np.array(RECORDED[name], out.dtype))


def test_operators_and_mixed_operands():
  a, b = jnp.asarray(A), jnp.asarray(B)
  _same(a > b, RECORDED["greater"])
  _same(a <= b, RECORDED["less_equal"])
  out = jnp.greater(1 + 2j, 1 + 1j)
  assert bool(out) and out.weak_type and out.dtype == jnp.bool_
  _same(jnp.greater(a[:5], 1), [True, True, False, True, True])
  _same(jnp.less(a[:5], jnp.float32(1)), [False, False, True, False, False])
  _same(jnp.greater(a[:4].reshape(2, 2), b[:2]), [[True, False], [False, True]])
  _same(lax.max(a, b), RECORDED["maximum"])
  _same(lax.min(a, b), RECORDED["minimum"])


def test_real_inputs_unchanged():
  x, y = jnp.array([1., nan, 3.]), jnp.array([2., 2., nan])
  _same(jnp.greater(x, y), [False, False, False])
  _same(jnp.maximum(x, y), [2., nan, nan])
  _same(jnp.less_equal(jnp.array([1, 2]), 1), [True, False])


def test_comparison_jaxpr_is_jax_text():
  c = jnp.ones((3,), jnp.complex64)
  expected = ("{ lambda ; a:c64[3] b:c64[3]. let\n    c:f32[3] = real a\n    d:f32[3] = real b\n"
              "    e:bool[3] = eq c d\n    f:f32[3] = imag a\n    g:f32[3] = imag b\n"
              "    h:bool[3] = {op} f g\n    i:f32[3] = real a\n    j:f32[3] = real b\n"
              "    k:bool[3] = {op} i j\n    l:bool[3] = select_n e k h\n  in (l,) }")
  for fn, op in [(jnp.greater, "gt"), (jnp.less_equal, "le")]:
    assert str(numjax.make_jaxpr(fn)(c, c)) == expected.replace("{op}", op)
  assert str(numjax.make_jaxpr(jnp.maximum)(c, c)) == (
      "{ lambda ; a:c64[3] b:c64[3]. let c:c64[3] = max a b in (c,) }")


def test_max_min_jvp_is_jax_text():
  out = numjax.make_jaxpr(numjax.grad(lambda x: jnp.minimum(x, 2.).sum()))(jnp.ones(3))
  assert str(out) == (
      "{ lambda ; a:f32[3]. let\n    b:f32[3] = min a 2.0:f32[]\n    c:bool[3] = eq a b\n"
      "    d:f32[3] = broadcast_in_dim 1.0:f32[]\n    e:f32[3] = broadcast_in_dim 0.0:f32[]\n"
      "    f:f32[3] = select_n c e d\n    g:bool[3] = eq 2.0:f32[] b\n"
      "    h:f32[3] = broadcast_in_dim 2.0:f32[]\n    i:f32[3] = broadcast_in_dim 1.0:f32[]\n"
      "    j:f32[3] = select_n g i h\n    k:f32[3] = div f j\n"
      "    _:f32[] = reduce_sum[axes=(0,) out_sharding=None] b\n"
      "    l:f32[3] = broadcast_in_dim 1.0:f32[]\n    m:f32[3] = mul l k\n  in (m,) }")


def test_grad_of_complex_maximum():
  a = jnp.asarray(A[:5])
  _same(numjax.grad(lambda c: jnp.maximum(c, 2 * c).real.sum())(a), [2 + 0j] * 5)
  # Ties split the gradient.
  _same(numjax.grad(lambda c: jnp.maximum(c, jnp.asarray(B[:5])).real.sum())(a),
        [1 + 0j, 0j, 0.5 + 0j, 1 + 0j, 0j])


def test_sorting():
  x = jnp.array([complex(1, nan), complex(nan, 0), 2, complex(nan, 1), 1, 1 - 1j,
                 complex(nan, nan), -1 + 5j], jnp.complex64)
  _same(jnp.sort(x), np.array([-1 + 5j, 1 - 1j, 1 + 0j, complex(1, nan), 2 + 0j,
                               complex(nan, 0), complex(nan, 1), complex(nan, nan)],
                              np.complex64))
  _same(jnp.argsort(x), [7, 5, 4, 0, 2, 1, 3, 6])
  _same(lax.sort_key_val(jnp.asarray(A), jnp.arange(10))[1], [7, 2, 9, 1, 0, 4, 6, 3, 8, 5])
  s = jnp.sort(jnp.asarray(A[:5]))
  _same(jnp.searchsorted(s, jnp.asarray(B[:5])), [1, 2, 0, 4, 5])
  _same(jnp.searchsorted(s, jnp.asarray(A[:5]), side="right"), [4, 2, 1, 5, 4])
  _same(jnp.unique(jnp.asarray(A[:5])), np.array([5j, 1 + 1j, 1 + 2j, 2 - 1j], np.complex64))


def test_lax_sort_puts_nan_parts_last():
  _same(lax.sort(jnp.asarray(A)),
        np.array([complex(-0.0, 0.0), 5j, complex(1, -inf), 1 + 1j, 1 + 2j, 1 + 2j,
                  complex(1, nan), 2 - 1j, complex(inf, 1), complex(nan, 0)], np.complex64))


def test_reductions():
  a = jnp.asarray(A[:5])
  _same(jnp.max(a), np.complex64(2 - 1j))
  _same(jnp.min(a.reshape(1, 5)[:, :4].reshape(2, 2), axis=1),
        np.array([1 + 1j, 5j], np.complex64))
  _same(jnp.nanmax(a), np.complex64(2 - 1j))
  _same(jnp.ptp(a), np.complex64(2 - 6j))
  _same(jnp.maximum.reduce(a), np.complex64(2 - 1j))


CLIP = ("Clip received a complex value either through the input or the min/max keywords. Complex "
        "values have no ordering and cannot be clipped. Please convert to a real value or array "
        "by taking the real or imaginary components via jax.numpy.real/imag respectively.")


@pytest.mark.parametrize("call", [
    lambda: jnp.clip(jnp.asarray(A), 1 + 0j, 1 + 3j), lambda: jnp.clip(jnp.asarray(A), min=1.),
    lambda: jnp.clip(jnp.ones(3), max=2j), lambda: jnp.clip(jnp.ones(3), 1j, 2)])
def test_clip_rejects_complex(call):
  with pytest.raises(ValueError) as info:
    call()
  assert str(info.value) == CLIP


def test_clip_without_input():
  with pytest.raises(ValueError, match="No input was provided to the clip function."):
    jnp.clip(min=1)


@pytest.mark.parametrize("fn,op", [(jnp.argmax, "gt"), (jnp.argmin, "lt"),
                                   (jnp.nanargmax, "gt"), (jnp.nanargmin, "lt")])
def test_argmax_of_complex_fails_when_run(fn, op):
  a = jnp.asarray(A[:5])
  msg = (f"{op} does not accept dtype complex64 at position 0. Accepted dtypes at position 0 are "
         "subtypes of integer, floating, bool.")
  with pytest.raises(TypeError) as info:
    fn(a)
  assert str(info.value) == msg
  with pytest.raises(TypeError):
    numjax.jit(fn)(a)


def test_argmax_of_complex_still_traces():
  c = jnp.ones((3,), jnp.complex64)
  assert str(numjax.make_jaxpr(jnp.argmax)(c)) == (
      "{ lambda ; a:c64[3]. let\n    b:i32[] = argmax[axes=(0,) index_dtype=int32] a\n"
      "  in (b,) }")


def test_lax_comparisons_reject_complex():
  a = jnp.asarray(A)
  for fn in (lax.gt, lax.lt, lax.ge, lax.le):
    with pytest.raises(TypeError, match="does not accept dtype complex64"):
      fn(a, a)


def test_other_complex_refusals():
  a = jnp.asarray(A[:5])
  with pytest.raises(ValueError, match="top_k is not compatible with complex inputs."):
    lax.top_k(a, 2)
  with pytest.raises(NotImplementedError, match="jnp.partition for complex dtype"):
    jnp.partition(a, 2)
  with pytest.raises(ValueError, match="quantile does not support complex input, as the "
                                       "operation is poorly defined."):
    jnp.median(a)
