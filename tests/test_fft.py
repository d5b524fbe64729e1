"""The `fft` primitive and `numjax.numpy.fft`: values vs NumPy, dtypes, derivatives (finite
differences, transpose identity, JAX-recorded gradients), vmap vs a loop, jit vs eager,
jaxpr text and errors."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
from numjax import lax
from numjax._src.lax.fft import FftType, fft_p

FFT = jnp.fft
C64, C128, F32, F64 = np.complex64, np.complex128, np.float32, np.float64


def small(n):
  return settings(max_examples=n, deadline=None, derandomize=True, database=None)


def rand(rng, shape, dtype):
  v = rng.standard_normal(shape)
  if np.dtype(dtype).kind == "c":
    v = v + 1j * rng.standard_normal(shape)
  return np.asarray(v, dtype)


def pair(a, b) -> float:
  """JAX's real bilinear pairing Re(sum(a * b)), under which transposes hold."""
  return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def check_derivatives(f, x, rng, rtol=1e-6):
  """float64 JVP vs central differences, and <u, J v> == <J^T u, v>."""
  x = np.asarray(x)
  v = rand(rng, x.shape, x.dtype)
  y, t = numjax.jvp(f, (x,), (v,))
  eps = 1e-6
  fd = (np.asarray(f(x + eps * v)) - np.asarray(f(x - eps * v))) / (2 * eps)
  np.testing.assert_allclose(np.asarray(t), fd, rtol=rtol, atol=1e-7)
  y, f_vjp = numjax.vjp(f, x)
  u = rand(rng, np.shape(y), np.asarray(y).dtype)
  ct, = f_vjp(u)
  assert ct.dtype == x.dtype and ct.shape == x.shape
  np.testing.assert_allclose(pair(u, t), pair(ct, v), rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------------------------------------------
# Values and dtypes
# ----------------------------------------------------------------------------------------------
ONE_D = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]
N_D = ["fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn", "rfftn", "irfftn"]
REAL_IN = {"rfft", "ihfft", "rfft2", "rfftn"}


@pytest.mark.parametrize("name", ONE_D)
@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
def test_1d_matches_numpy(name, norm):
  rng = np.random.default_rng(0)
  x = rand(rng, (3, 6), F32 if name in REAL_IN else C64)
  for n, axis in [(None, -1), (4, -1), (9, 1), (None, 0), (5, 0)]:
    got = getattr(FFT, name)(x, n=n, axis=axis, norm=norm)
    want = getattr(np.fft, name)(x, n=n, axis=axis, norm=norm)
    assert got.shape == want.shape
    assert got.dtype == (F32 if want.dtype.kind == "f" else C64)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", N_D)
@pytest.mark.parametrize("norm", [None, "ortho", "forward"])
def test_nd_matches_numpy(name, norm):
  rng = np.random.default_rng(1)
  x = rand(rng, (2, 3, 4, 5), F32 if name in REAL_IN else C64)
  cases = [dict(), dict(axes=(0, 2)), dict(s=(3, 6)), dict(s=(2, 4), axes=(-1, 1))]
  if name.endswith("n"):
    cases += [dict(axes=(0, 1, 2, 3)), dict(s=(3, 2, 4)), dict(axes=(3, 1, 0))]
  for kw in cases:
    got = getattr(FFT, name)(x, norm=norm, **kw)
    ref_kw = dict(kw)
    if "s" in kw and "axes" not in kw:  # the last len(s) axes (NumPy deprecates the default)
      ref_kw["axes"] = tuple(range(-len(kw["s"]), 0))
    elif not kw and name.endswith("2"):
      ref_kw["axes"] = (-2, -1)
    want = getattr(np.fft, name)(x, norm=norm, **ref_kw)
    assert got.shape == want.shape, kw
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4, err_msg=str(kw))


def test_dtypes():
  assert FFT.fft(np.ones(4, np.float32)).dtype == C64
  assert FFT.fft(jnp.ones(4)).dtype == C64
  assert FFT.fft(jnp.arange(4)).dtype == C64          # integers become complex64
  assert FFT.rfft(jnp.arange(4)).dtype == C64
  assert FFT.irfft(jnp.ones(3, C64)).dtype == F32
  assert FFT.hfft(jnp.ones(3, C64)).dtype == F32
  assert FFT.ihfft(jnp.ones(4)).dtype == C64
  np.testing.assert_allclose(FFT.rfft(jnp.arange(4.)), [6, -2 + 2j, -2])


def test_dtypes_x64(x64):
  assert FFT.fft(np.ones(4)).dtype == C128
  assert FFT.fft(np.ones(4, np.float32)).dtype == C64
  assert FFT.rfft(np.ones(4)).dtype == C128
  assert FFT.irfft(np.ones(3, C128)).dtype == F64
  assert FFT.fft(jnp.arange(4)).dtype == C128


@small(8)
@given(st.integers(1, 9), st.integers(1, 3), st.sampled_from(ONE_D), st.integers(0, 2**31))
def test_1d_lengths(n, rows, name, seed):
  rng = np.random.default_rng(seed)
  x = rand(rng, (rows, n), F32 if name in REAL_IN else C64)
  m = 2 * n + 1
  np.testing.assert_allclose(getattr(FFT, name)(x, n=m), getattr(np.fft, name)(x, n=m),
                             rtol=1e-4, atol=1e-4)


def test_freqs_and_shifts():
  for n in (1, 4, 5):
    for d in (1.0, 0.5):
      np.testing.assert_allclose(FFT.fftfreq(n, d), np.fft.fftfreq(n, d), rtol=1e-6)
      np.testing.assert_allclose(FFT.rfftfreq(n, d), np.fft.rfftfreq(n, d), rtol=1e-6)
  assert FFT.fftfreq(4).dtype == F32 and FFT.rfftfreq(4).dtype == F32
  assert FFT.fftfreq(4, dtype=np.float16).dtype == np.float16
  x = np.arange(30).reshape(5, 6)
  for axes in (None, 0, 1, (0, 1), (1,)):
    np.testing.assert_array_equal(FFT.fftshift(x, axes), np.fft.fftshift(x, axes))
    np.testing.assert_array_equal(FFT.ifftshift(x, axes), np.fft.ifftshift(x, axes))
  with pytest.raises(ValueError, match="only takes an int"):
    FFT.fftfreq([4])


def test_lax_fft():
  x = np.arange(8, dtype=np.float32)
  out = lax.fft(x, "rfft", (8,))
  assert out.dtype == C64 and out.shape == (5,)
  np.testing.assert_allclose(out, np.fft.rfft(x), rtol=1e-5, atol=1e-5)
  np.testing.assert_allclose(lax.fft(out, lax.FftType.IRFFT, [8]), x, atol=1e-5)
  y = np.arange(12, dtype=np.float32).reshape(3, 4)
  np.testing.assert_allclose(lax.fft(y, FftType.FFT, (3, 4)), np.fft.fft2(y), atol=1e-4)
  np.testing.assert_allclose(lax.fft(y, FftType.IFFT, (4,)), np.fft.ifft(y), atol=1e-5)
  assert lax.fft(y, "fft", ()).dtype == C64          # no axes: just the cast


def test_impl_dtype_matches_aval():
  cases = [(FftType.FFT, C64, (2, 4), (4,)), (FftType.IFFT, C128, (3, 4), (3, 4)),
           (FftType.RFFT, F32, (2, 6), (6,)), (FftType.RFFT, F64, (2, 6), (2, 6)),
           (FftType.IRFFT, C64, (2, 4), (6,)), (FftType.IRFFT, C128, (2, 4), (2, 7))]
  for typ, dt, shape, lengths in cases:
    x = np.ones(shape, dt)
    aval = fft_p.abstract_eval(numjax.ShapedArray(shape, np.dtype(dt)), fft_type=typ,
                               fft_lengths=lengths)
    out = fft_p.impl(x, fft_type=typ, fft_lengths=lengths)
    assert (out.shape, out.dtype) == (aval.shape, aval.dtype), (typ, dt)


def test_errors():
  with pytest.raises(ValueError, match="only real valued inputs supported for rfft"):
    lax.fft(np.ones(4, C64), "rfft", (4,))
  with pytest.raises(ValueError, match="Unknown FFT type 'dct'"):
    lax.fft(np.ones(4), "dct", (4,))
  staged = lambda typ, lengths: numjax.make_jaxpr(
      lambda a: fft_p.bind(a, fft_type=typ, fft_lengths=lengths))
  with pytest.raises(ValueError, match=r"FFT input shape \(4,\) minor dimensions must be equal"):
    staged(FftType.FFT, (5,))(np.ones(4, C64))
  with pytest.raises(ValueError, match="RFFT input must be float32 or float64"):
    staged(FftType.RFFT, (4,))(np.ones(4, C64))
  with pytest.raises(ValueError, match="IRFFT input must be complex64 or complex128"):
    staged(FftType.IRFFT, (4,))(np.ones(3, F32))
  with pytest.raises(ValueError, match="must have at least as many input dimensions"):
    staged(FftType.FFT, (2, 2))(np.ones(2, C64))
  with pytest.raises(ValueError, match="does not support repeated axes"):
    FFT.fftn(np.ones((2, 2)), axes=(0, 0))
  with pytest.raises(ValueError, match="Shape and axes have different lengths"):
    FFT.fftn(np.ones((2, 2)), s=(2,), axes=(0, 1))
  with pytest.raises(ValueError, match="does not support multiple axes"):
    FFT.fft(np.ones((2, 2)), axis=(0, 1))
  with pytest.raises(ValueError, match="only supports 2 axes"):
    FFT.fft2(np.ones((2, 2, 2)), axes=(0, 1, 2))
  with pytest.raises(ValueError, match="Invalid norm value"):
    FFT.fft(np.ones(2), norm="bogus")
  with pytest.raises(ValueError, match="Shape should be positive"):
    FFT.fft(np.ones(2), n=0)


def test_jaxpr_text():
  text = str(numjax.make_jaxpr(FFT.rfft)(jnp.ones(8)))
  assert text == ("{ lambda ; a:f32[8]. let\n"
                  "    b:c64[5] = jit[\n"
                  "      name=fft\n"
                  "      jaxpr={ lambda ; a:f32[8]. let\n"
                  "          b:c64[5] = fft[fft_lengths=(8,) fft_type=2] a\n"
                  "        in (b,) }\n"
                  "    ] a\n"
                  "  in (b,) }")


# ----------------------------------------------------------------------------------------------
# Derivatives
# ----------------------------------------------------------------------------------------------
def test_primitive_derivatives(x64):
  rng = np.random.default_rng(3)
  cases = [(FftType.FFT, (2, 5), (5,)), (FftType.IFFT, (2, 4, 3), (4, 3)),
           (FftType.FFT, (3, 2, 4), (3, 2, 4)), (FftType.RFFT, (2, 6), (6,)),
           (FftType.RFFT, (3, 5), (3, 5)), (FftType.IRFFT, (2, 4), (6,)),
           (FftType.IRFFT, (2, 4), (7,)), (FftType.IRFFT, (3, 3), (3, 4))]
  for typ, shape, lengths in cases:
    dt = C128 if typ in (FftType.FFT, FftType.IFFT, FftType.IRFFT) else F64
    x = rand(rng, shape, dt)
    if typ == FftType.IRFFT:  # a Hermitian-consistent input: the rfft of real data
      x = np.fft.rfftn(rand(rng, shape[:-len(lengths)] + lengths, F64),
                       axes=tuple(range(-len(lengths), 0)))
    f = lambda a, typ=typ, lengths=lengths: fft_p.bind(a, fft_type=typ, fft_lengths=lengths)
    check_derivatives(f, x, rng)


@pytest.mark.parametrize("name", ONE_D + N_D)
def test_public_derivatives(name, x64):
  rng = np.random.default_rng(4)
  x = rand(rng, (3, 4), F64 if name in REAL_IN else C128)
  for norm in (None, "ortho"):
    check_derivatives(lambda a: getattr(FFT, name)(a, norm=norm), x, rng)


def test_linear_transpose(x64):
  rng = np.random.default_rng(5)
  x = rand(rng, (4, 6), F64)
  t = numjax.linear_transpose(FFT.rfft, x)
  u = rand(rng, (4, 4), C128)
  ct, = t(u)
  _, jv = numjax.jvp(FFT.rfft, (x,), (x,))
  np.testing.assert_allclose(pair(u, jv), pair(ct, x), rtol=1e-10)


def test_gradients_match_jax():
  # Recorded with JAX 0.10.2 (float32).
  c = np.array([0.49671414 - 0.23413695j, -0.1382643 + 1.5792128j, 0.64768857 + 0.7674347j,
                1.5230298 - 0.46947438j, -0.23415338 + 0.54256004j], np.complex64)
  w = np.array([-0.46341768, -0.46572974, 0.24196227, -1.9132802, -1.7249179, -0.5622875,
                -1.0128311, 0.31424734], np.float32)
  x = np.array([-0.9080241, -1.4123037, 1.4656488, -0.2257763, 0.0675282, -1.4247482,
                -0.54438275], np.float32)
  g = numjax.grad(lambda c: jnp.sum(FFT.irfft(c, n=8) ** 2 * w))(c)
  assert g.dtype == C64
  np.testing.assert_allclose(g, [-0.28665888, 0.19682294 + 0.012851499j,
                                 0.2768541 + 0.36303955j, -0.7087385 - 0.21996939j,
                                 0.020363927], rtol=1e-5, atol=1e-6)
  g = numjax.grad(lambda x: jnp.sum(jnp.abs(FFT.rfft(x)) ** 2 * w[:4]))(x)
  np.testing.assert_allclose(g, [0.82378745, 9.64824, -9.746022, 12.482976, -9.110613,
                                 10.608331, 4.6404424], rtol=1e-5, atol=1e-5)
  g = numjax.grad(lambda c: jnp.sum(jnp.real(FFT.fft(c) * w[:5])))(c)
  np.testing.assert_allclose(g, [-4.325383, 0.21175957 - 2.4643788j, 0.79238784 + 1.3096253j,
                                 0.79238784 - 1.3096253j, 0.21175957 + 2.4643788j],
                             rtol=1e-5, atol=1e-6)
  g = numjax.grad(lambda c: jnp.sum(FFT.hfft(c, n=7, norm="ortho") * w[:7]))(c)
  np.testing.assert_allclose(g, [-2.2301805, 1.4845669 - 0.8542748j, -1.5981725 - 0.25074255j,
                                 1.1176981 + 0.43469638j, 0], rtol=1e-5, atol=1e-6)
  g = numjax.grad(lambda x: jnp.sum(jnp.imag(FFT.ihfft(x)) * w[:4]))(x)
  np.testing.assert_allclose(g, [0., -0.13690968, 0.13383237, -0.32236522, 0.32236522,
                                 -0.13383237, 0.13690968], rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# vmap and jit
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["fft", "rfft", "irfft", "fft2", "rfftn", "irfft2"])
def test_vmap_matches_loop(name):
  rng = np.random.default_rng(6)
  x = rand(rng, (3, 4, 5), F32 if name in REAL_IN else C64)
  f = getattr(FFT, name)
  want = np.stack([np.asarray(f(x[i])) for i in range(3)])
  for ax in (0, 1, 2):
    got = numjax.vmap(f, in_axes=ax)(np.moveaxis(x, 0, ax))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
  # batching the primitive through its transpose (vmap of grad)
  g = numjax.grad(lambda a: jnp.sum(jnp.abs(f(a)) ** 2))
  want = np.stack([np.asarray(g(x[i])) for i in range(3)])
  np.testing.assert_allclose(numjax.vmap(g)(x), want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ONE_D + N_D)
def test_jit_matches_eager(name):
  rng = np.random.default_rng(7)
  x = rand(rng, (4, 6), F32 if name in REAL_IN else C64)
  f = lambda a: getattr(FFT, name)(a, norm="ortho")
  eager, jitted = f(x), numjax.jit(f)(x)
  assert eager.dtype == jitted.dtype
  np.testing.assert_allclose(jitted, eager, rtol=1e-6, atol=1e-6)
