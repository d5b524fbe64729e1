"""numjax.scipy.special (bessel_jn, fresnel, hyp2f1, owens_t, sici, sph_harm_y, wofz),
numjax.scipy.linalg (structured matrices; schur, hessenberg, sqrtm, funm, rsf2csf, polar,
solve_sylvester, eigh_tridiagonal, qr_multiply) and numjax.scipy.stats (betabinom, gennorm,
gumbel_l/r, multinomial, nbinom, truncnorm, vonmises, wrapcauchy, mode, rankdata, sem).

Values against SciPy, dtypes/weak types and a few values recorded from JAX 0.10.2, derivatives
against central finite differences in float64 (numjax.test_util.check_grads), vmap against a
loop, jit against eager, and error messages.
"""
import numpy as np
import pytest
import scipy.linalg as sla
import scipy.special as sps
import scipy.stats as sst

import numjax
import numjax.numpy as jnp
import numjax.scipy.linalg as la
import numjax.scipy.special as sp
from numjax.scipy import stats
from numjax.test_util import check_grads


def close(a, b, rtol=1e-5, atol=1e-6):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol,
                             equal_nan=True)


def dtype_weak(x):
  return (str(x.dtype), bool(x.weak_type))


RNG = np.random.default_rng(0)


# ==============================================================================================
# special
# ==============================================================================================
def test_special_values_match_scipy():
  x = np.array([-3.1, -0.4, 0.0, 0.7, 2.5, 9.0], np.float32)
  s, c = sp.fresnel(x)
  close(s, sps.fresnel(x)[0]), close(c, sps.fresnel(x)[1])
  si, ci = sp.sici(x[2:])
  close(si, sps.sici(x[2:])[0]), close(ci, sps.sici(x[2:])[1], rtol=2e-5)
  z = np.array([0.5 + 0.2j, -1.5 + 2j, 3 - 1j, 0.1 - 0.1j], np.complex64)
  close(sp.wofz(z), sps.wofz(z), rtol=1e-5)
  h, a = np.array([0.3, -1.2, 2.0, 0.], np.float32), np.array([0.7, 2.5, -0.4, 3.], np.float32)
  close(sp.owens_t(h, a), sps.owens_t(h, a))
  args = [np.array(v, np.float32) for v in ([0.5, 1., 2.3], [1.5, -0.5, 1.], [2.5, 3., 4.1],
                                            [0.3, -0.7, 0.9])]
  close(sp.hyp2f1(*args), sps.hyp2f1(*args), rtol=1e-5)
  n, m = np.array([0, 2, 3, 5]), np.array([0, -1, 3, 2])
  th, ph = np.array([0.2, 1.1, 2.0, 2.9], np.float32), np.array([0.1, 3.0, 4.0, 6.0], np.float32)
  close(sp.sph_harm_y(jnp.array(n), jnp.array(m), th, ph), sps.sph_harm_y(n, m, th, ph),
        rtol=1e-5, atol=1e-6)


def test_special_dtypes_and_jax_literals():
  s, c = sp.fresnel(1.)
  assert dtype_weak(s) == dtype_weak(c) == ("float32", False)
  close([s, c], [0.43825915, 0.7798934])
  assert sp.fresnel(jnp.array([1, 2]))[0].dtype == np.float32
  si, ci = sp.sici(1.)
  assert dtype_weak(si) == ("float32", False)
  close([si, ci], [0.94608307, 0.33740395])
  w = sp.wofz(1.)
  assert dtype_weak(w) == ("complex64", False)
  close(w, 0.36787948 + 0.60715777j)
  t = sp.owens_t(0.5, 2.)
  assert dtype_weak(t) == ("float32", False)
  close(t, 0.14158061)
  h = sp.hyp2f1(1., 2., 3., 0.5)
  assert dtype_weak(h) == ("float32", False)
  close(h, 1.5451772)
  y = sp.sph_harm_y(jnp.array([1]), jnp.array([1]), jnp.array([0.3]), jnp.array([0.4]))
  assert dtype_weak(y) == ("complex64", False)
  close(y, [-0.09404077 - 0.0397598j])


def test_special_x64_dtypes(x64):
  assert sp.fresnel(1.)[0].dtype == np.float64
  assert sp.wofz(0.5).dtype == np.complex128
  assert sp.hyp2f1(1., 2., 3., 0.5).dtype == np.float64


@pytest.mark.filterwarnings("ignore::RuntimeWarning")   # 0/0 in the recurrence, as in JAX
def test_bessel_jn():
  z = jnp.array([0.5, 3.])
  out = sp.bessel_jn(z, v=3, n_iter=20)
  assert out.shape == (4, 2) and dtype_weak(out) == ("float32", False)
  close(out, [[0.9384698, -0.26005197], [0.24226844, 0.33905897], [0.03060402, 0.4860913],
              [0.00256373, 0.30906272]], rtol=1e-5)
  # at 0 Miller's normalisation divides 0 by 0, as in JAX
  assert np.isnan(np.asarray(sp.bessel_jn(jnp.array([0., 3.]), v=0, n_iter=20))[0, 0])
  with pytest.raises(TypeError):
    sp.bessel_jn(1., v=1.5)


def test_bessel_jn_x64_matches_scipy(x64):
  z = np.array([0.5, 2.0, 7., 15.])
  close(sp.bessel_jn(jnp.array(z), v=4), np.stack([sps.jv(k, z) for k in range(5)]),
        rtol=1e-12, atol=1e-14)


def test_special_errors():
  with pytest.raises(NotImplementedError,
                     match="Support for complex-valued inputs is not implemented yet."):
    sp.fresnel(jnp.array([1 + 1j]))
  with pytest.raises(ValueError, match="Argument `x` to sici must be real-valued. Got dtype "
                                       "complex64."):
    sp.sici(jnp.array([1 + 1j]))
  with pytest.raises(NotImplementedError, match="The 'diff_n' argument to "
                                                "jax.scipy.special.sph_harm_y is not supported"):
    sp.sph_harm_y(jnp.array([2]), jnp.array([1]), jnp.array([.3]), jnp.array([.4]), diff_n=1)
  with pytest.raises(numjax.errors.ConcretizationTypeError,
                     match="The `n_max` argument of `jnp.scipy.special.sph_harm` must be "
                           "statically specified"):
    numjax.jit(sp.sph_harm_y)(jnp.array([2]), jnp.array([1]), jnp.array([.3]), jnp.array([.4]))


def test_sph_harm_y_clips_to_n_max_and_jits():
  n, m = jnp.array([5, 3]), jnp.array([-1, 2])
  th, ph = jnp.array([0.3, 1.]), jnp.array([0.4, 2.])
  close(sp.sph_harm_y(n, m, th, ph, n_max=3),
        sps.sph_harm_y(np.array([3, 3]), np.array([-1, 2]), np.asarray(th), np.asarray(ph)))
  f = numjax.jit(lambda n, m, t, p: sp.sph_harm_y(n, m, t, p, n_max=4))
  close(f(n, m, th, ph), sp.sph_harm_y(n, m, th, ph, n_max=4))


def test_special_gradients(x64):
  kw = dict(atol=1e-6, rtol=1e-6)
  check_grads(sp.owens_t, (jnp.array([0.3, -1.2]), jnp.array([0.7, 2.5])), 1, **kw)
  check_grads(sp.hyp2f1, (0.7, 1.3, 2.9, jnp.array([0.2, -0.4])), 1, **kw)
  check_grads(sp.fresnel, (jnp.array([0.3, 1.7, -2.]),), 2, **kw)
  check_grads(sp.sici, (jnp.array([0.3, 1.7, -2.]),), 2, **kw)
  check_grads(lambda x: sp.wofz(x).real, (jnp.array([0.3, -1.7]),), 2, **kw)
  check_grads(sp.wofz, (jnp.array([0.3 + 0.2j, -1.7 + 1j]),), 2, modes=("fwd",), **kw)
  check_grads(lambda z: sp.bessel_jn(z, v=3, n_iter=30), (jnp.array([0.5, 2.0, 7.]),), 2, **kw)
  n, m = jnp.array([2, 3, 3, 1, 4]), jnp.array([1, -2, 3, 0, -1])
  th, ph = jnp.array([0.3, 0.9, 1.4, 2.0, 2.8]), jnp.array([0.4, 1.1, 2.0, 3.0, 5.0])
  check_grads(lambda t, p: sp.sph_harm_y(n, m, t, p).real, (th, ph), 1, **kw)
  check_grads(lambda t, p: sp.sph_harm_y(n, m, t, p).imag, (th, ph), 1, **kw)
  # Si'(0) = 1 (the removable singularity)
  assert float(numjax.grad(lambda x: sp.sici(x)[0])(0.)) == 1.


def test_wofz_vjp_is_holomorphic(x64):
  z = jnp.array([0.3 + 0.2j])
  _, vjp = numjax.vjp(sp.wofz, z)
  w = sps.wofz(0.3 + 0.2j)
  dw = -2 * (0.3 + 0.2j) * w + 2j / np.sqrt(np.pi)
  close(vjp(jnp.array([1. + 0.5j]))[0], [(1. + 0.5j) * dw], rtol=1e-12)


def test_hyp2f1_second_parameter_derivative_raises(x64):
  with pytest.raises(NotImplementedError, match="second derivative in its parameters"):
    numjax.grad(numjax.grad(sp.hyp2f1))(0.7, 1.3, 2.9, 0.2)


def test_special_vmap_and_jit():
  x = jnp.array([[0.3, 1.2], [2.0, -0.7]])
  np.testing.assert_allclose(numjax.vmap(sp.owens_t)(x, x + 1), sp.owens_t(x, x + 1))
  np.testing.assert_allclose(numjax.vmap(lambda v: sp.fresnel(v)[1])(x), sp.fresnel(x)[1])
  np.testing.assert_allclose(numjax.jit(sp.hyp2f1)(1., 2., 3., x), sp.hyp2f1(1., 2., 3., x))
  np.testing.assert_allclose(numjax.vmap(lambda z: sp.bessel_jn(z, v=2, n_iter=20))(x[0]),
                             np.stack([sp.bessel_jn(z, v=2, n_iter=20) for z in x[0]]),
                             rtol=1e-6)
  z = jnp.array([0.5 + 1j, -2 + 0.5j])
  np.testing.assert_allclose(numjax.jit(sp.wofz)(z), sp.wofz(z))


# ==============================================================================================
# linalg: structured matrices
# ==============================================================================================
def test_structured_matrices_match_scipy():
  c = np.array([1., 2., 3.5], np.float32)
  r = np.array([9., 4., 5., 6.], np.float32)
  close(la.toeplitz(c), sla.toeplitz(c))
  close(la.toeplitz(c, r), sla.toeplitz(c, r))
  close(la.hankel(c), sla.hankel(c))
  close(la.hankel(c, r), sla.hankel(c, r))
  close(la.circulant(c), sla.circulant(c))
  close(la.companion(c), sla.companion(c))
  close(la.leslie(c, r[:2]), sla.leslie(c, r[:2]))
  close(la.fiedler(c), sla.fiedler(c))
  for k in range(1, 8):
    a = np.arange(1., k + 2, dtype=np.float32)
    close(la.fiedler_companion(a), sla.fiedler_companion(a))
  for mode in ("full", "same", "valid"):
    for n in (2, 4, 6):
      close(la.convolution_matrix(c, n, mode), sla.convolution_matrix(c, n, mode))
  for n in (1, 3, 6):
    close(la.hilbert(n), sla.hilbert(n))
    close(la.invhilbert(n), sla.invhilbert(n), rtol=1e-6)
    for kind in ("symmetric", "lower", "upper"):
      close(la.pascal(n, kind), sla.pascal(n, kind))
      close(la.invpascal(n, kind), sla.invpascal(n, kind))
    close(la.helmert(n), sla.helmert(n)), close(la.helmert(n, True), sla.helmert(n, True))
  for n in (1, 2, 8):
    close(la.hadamard(n), sla.hadamard(n))
    for scale in (None, "sqrtn", "n"):
      close(la.dft(n, scale), sla.dft(n, scale), atol=1e-6)


def test_structured_dtypes_like_jax():
  assert dtype_weak(la.toeplitz(jnp.array([1, 2, 3]))) == ("int32", False)
  assert dtype_weak(la.toeplitz(jnp.array([1., 2j]), jnp.array([3., 4., 5.]))) == \
      ("complex64", False)
  assert dtype_weak(la.toeplitz(1.)) == ("float32", False)
  assert dtype_weak(la.companion(jnp.array([1, 2, 3]))) == ("float32", False)
  assert dtype_weak(la.leslie(jnp.array([1, 2]), jnp.array([0.5]))) == ("float32", False)
  assert dtype_weak(la.fiedler(jnp.array([1, 4, 2]))) == ("int32", False)
  for f in (la.hilbert, la.invhilbert, la.pascal, la.invpascal, la.helmert):
    assert dtype_weak(f(3)) == ("float32", False)
  assert dtype_weak(la.hadamard(2)) == ("int32", False)
  assert la.hadamard(2, jnp.float32).dtype == np.float32
  assert dtype_weak(la.dft(2)) == ("complex64", False)


def test_structured_batching():
  c = jnp.array([[1., 2., 3.], [4., 5., 6.]])
  r = jnp.array([[3., 4., 5.], [6., 7., 8.]])
  out = la.toeplitz(c, r)
  assert out.shape == (2, 3, 3)
  for i in range(2):
    close(out[i], sla.toeplitz(c[i], r[i]))
  close(la.hankel(jnp.array([1., 2.]), r), [sla.hankel([1., 2.], ri) for ri in np.asarray(r)])
  close(la.circulant(c), [sla.circulant(ci) for ci in np.asarray(c)])
  close(la.companion(c), [sla.companion(ci) for ci in np.asarray(c)])
  close(numjax.vmap(la.toeplitz)(c, r), out)
  close(numjax.vmap(la.fiedler_companion)(c), [sla.fiedler_companion(ci) for ci in np.asarray(c)])
  close(numjax.jit(la.leslie)(c[0], c[1, :2]), sla.leslie(c[0], c[1, :2]))


def test_structured_gradients(x64):
  c, r = jnp.array([1., 2., 3.5]), jnp.array([9., 4., 5., 6.])
  kw = dict(atol=1e-7, rtol=1e-7)
  check_grads(la.toeplitz, (c, r), 1, **kw)
  check_grads(la.hankel, (c, r), 1, **kw)
  check_grads(la.circulant, (c,), 1, **kw)
  check_grads(la.companion, (c,), 1, **kw)
  check_grads(la.fiedler_companion, (jnp.array([2., 3., 4., 5.]),), 1, **kw)
  check_grads(lambda a: la.convolution_matrix(a, 4, "same"), (c,), 1, **kw)


def test_structured_errors():
  with pytest.raises(ValueError, match="The length of `a` along the last axis must be at "
                                       r"least 2; got shape \(1,\)."):
    la.companion(jnp.array([1.]))
  with pytest.raises(ValueError, match="Incorrect lengths for f and s"):
    la.leslie(jnp.array([1., 2]), jnp.array([1., 3]))
  with pytest.raises(ValueError, match="hankel: c must be at least 1-dimensional"):
    la.hankel(1.)
  with pytest.raises(ValueError, match="n must be a positive integer; got 0."):
    la.convolution_matrix(jnp.array([1.]), 0)
  with pytest.raises(ValueError, match="mode must be one of 'full', 'valid', 'same'"):
    la.convolution_matrix(jnp.array([1.]), 2, "foo")
  with pytest.raises(ValueError, match="n must be a positive power of 2; got 3."):
    la.hadamard(3)
  with pytest.raises(ValueError, match="scale must be None, 'sqrtn', or 'n'; got 'x'."):
    la.dft(3, "x")
  with pytest.raises(ValueError, match="dtype must be a complex floating-point type"):
    la.dft(3, dtype=jnp.float32)
  with pytest.raises(ValueError, match="Expected kind to be on of"):
    la.pascal(3, "x")
  with pytest.raises(ValueError, match="fiedler_companion requires the last axis"):
    la.fiedler_companion(jnp.array([]))
  with pytest.raises(TypeError, match="toeplitz requires ndarray or scalar arguments"):
    la.toeplitz([1, 2])


# ==============================================================================================
# linalg: decompositions
# ==============================================================================================
A = np.array([[1., 2., 0.], [3., 4., 1.], [0.5, 1., 2.]], np.float32)
R = np.array([[1., -2., 0.5], [3., 1., 1.], [0.5, 1., 2.]], np.float32)   # complex eigenvalues


def test_schur_and_hessenberg():
  t, z = la.schur(A)
  ts, zs = sla.schur(A)
  close(t, ts, atol=1e-5), close(np.abs(z), np.abs(zs), atol=1e-5)
  t, z = la.schur(R, output="complex")
  assert t.dtype == np.complex64
  close(np.asarray(z) @ np.asarray(t) @ np.asarray(z).conj().T, R, atol=1e-5)
  assert np.allclose(np.tril(np.asarray(t), -1), 0)
  h, q = la.hessenberg(A, calc_q=True)
  hs, qs = sla.hessenberg(A, calc_q=True)
  close(h, hs, atol=1e-5), close(q, qs, atol=1e-5)
  close(la.hessenberg(A), hs, atol=1e-5)
  # batched, and under vmap
  stack = jnp.stack([jnp.asarray(A), jnp.asarray(R)])
  hb = numjax.vmap(la.hessenberg)(stack)
  close(hb, np.stack([sla.hessenberg(A), sla.hessenberg(R)]), atol=1e-5)
  tb = la.schur(stack)[0]
  close(tb[0], sla.schur(A)[0], atol=1e-5)


def test_schur_is_not_differentiable_like_jax():
  with pytest.raises(NotImplementedError, match="Differentiation rule for 'schur' not "
                                                "implemented"):
    numjax.grad(lambda a: la.schur(a)[0].sum())(jnp.asarray(A))
  with pytest.raises(NotImplementedError, match="Differentiation rule for 'schur'"):
    numjax.grad(lambda a: la.sqrtm(a).real.sum())(jnp.asarray(A))
  with pytest.raises(NotImplementedError, match="Differentiation rule for 'hessenberg'"):
    numjax.grad(lambda a: la.hessenberg(a).sum())(jnp.asarray(A))
  with pytest.raises(ValueError, match="Expected 'output' to be either 'real' or 'complex', "
                                       "got output='foo'."):
    la.schur(A, output="foo")


def test_sqrtm_funm_rsf2csf():
  s = la.sqrtm(A)
  assert s.dtype == np.complex64
  close(s, sla.sqrtm(A.astype(np.float64)), rtol=1e-4, atol=1e-5)
  close(la.sqrtm(jnp.eye(2, dtype=int)), np.eye(2))
  with pytest.raises(NotImplementedError, match="Blocked version is not implemented yet."):
    la.sqrtm(A, blocksize=2)
  close(la.funm(R, jnp.exp), sla.expm(R.astype(np.float64)), rtol=1e-4, atol=1e-4)
  f, err = la.funm(R, jnp.exp, disp=False)
  assert float(err) < 1e-5
  t, z = la.rsf2csf(*sla.schur(R))
  ts, zs = sla.rsf2csf(*sla.schur(R))
  close(t, ts, atol=1e-5), close(z, zs, atol=1e-5)
  with pytest.raises(ValueError, match="Input 'T' must be square."):
    la.rsf2csf(jnp.ones((2, 3)), jnp.ones((2, 2)))


def test_sqrtm_jit_matches_eager():
  close(numjax.jit(la.sqrtm)(A), la.sqrtm(A), rtol=1e-6)


def test_polar():
  u, p = la.polar(A)
  us, ps = sla.polar(A)
  close(u, us, atol=1e-5), close(p, ps, rtol=1e-5, atol=1e-5)
  u, p = la.polar(A, side="left", method="svd")
  us, ps = sla.polar(A, side="left")
  close(u, us, atol=1e-5), close(p, ps, rtol=1e-5, atol=1e-5)
  with pytest.raises(NotImplementedError, match="method='qdwh' only supports"):
    la.polar(A, side="left")
  with pytest.raises(ValueError, match="Unknown polar decomposition method foo."):
    la.polar(A, method="foo")
  with pytest.raises(ValueError, match="The input `a` must be at least a 2-D array."):
    la.polar(jnp.ones(3))
  batch = jnp.stack([jnp.asarray(A), jnp.asarray(R)])
  close(la.polar(batch)[0][1], sla.polar(R)[0], atol=1e-5)


def test_polar_gradient(x64):
  check_grads(lambda a: la.polar(a, method="svd")[1], (jnp.asarray(A, np.float64),), 1,
              atol=1e-6, rtol=1e-6)


def test_solve_sylvester():
  b = A.T + 5
  c = np.ones((3, 3), np.float32)
  for method in ("schur", "eigen"):
    close(la.solve_sylvester(A, b, c, method=method), sla.solve_sylvester(A, b, c),
          rtol=1e-4, atol=1e-5)
  assert np.isnan(np.asarray(la.solve_sylvester(A, -A, c))).all()
  with pytest.raises(ValueError, match="Unrecognized method foo"):
    la.solve_sylvester(A, b, c, method="foo")


def test_eigh_tridiagonal(x64):
  d, e = np.array([1., 2., 3., 0.5]), np.array([.5, -.3, 1.2])
  w = la.eigh_tridiagonal(d, e, eigvals_only=True)
  close(w, sla.eigh_tridiagonal(d, e, eigvals_only=True), rtol=1e-12)
  w, v = la.eigh_tridiagonal(d, e)
  t = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
  close(t @ np.asarray(v), np.asarray(v) * np.asarray(w), atol=1e-12)
  close(la.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 2)),
        sla.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 2)))
  check_grads(lambda d, e: la.eigh_tridiagonal(d, e, eigvals_only=True), (d, e), 1,
              atol=1e-6, rtol=1e-6)
  with pytest.raises(NotImplementedError, match="select='v'"):
    la.eigh_tridiagonal(d, e, select="v")
  with pytest.raises(TypeError, match="diagonal and off-diagonal values must have same dtype"):
    la.eigh_tridiagonal(d, e.astype(np.float32))


def test_qr_multiply():
  c = np.arange(6., dtype=np.float32).reshape(2, 3)
  for kw in (dict(), dict(conjugate=True)):
    cq, r = la.qr_multiply(A, c, **kw)
    cqs, rs = sla.qr_multiply(A, c, **kw)
    close(cq, cqs, atol=1e-5), close(r, rs, atol=1e-5)
  cq, r = la.qr_multiply(A, np.ones((3, 2), np.float32), mode="left")
  cqs, rs = sla.qr_multiply(A, np.ones((3, 2)), mode="left")
  close(cq, cqs, atol=1e-5)
  cq, _ = la.qr_multiply(A, np.ones(3, np.float32))
  close(cq, sla.qr_multiply(A, np.ones(3))[0], atol=1e-5)
  rect = np.arange(8., dtype=np.float32).reshape(4, 2) + np.eye(4, 2, dtype=np.float32)
  close(la.qr_multiply(rect, np.ones(2, np.float32), mode="left")[0],
        sla.qr_multiply(rect, np.ones(2), mode="left")[0], atol=1e-5)
  assert len(la.qr_multiply(A, np.ones(3, np.float32), pivoting=True)) == 3
  with pytest.raises(ValueError, match="Array shapes are not compatible for c @ Q operation"):
    la.qr_multiply(A, np.ones((3, 2), np.float32))


# ==============================================================================================
# stats
# ==============================================================================================
X = np.array([-1., 0., 0.5, 2., 5.5], np.float32)
K = np.array([0., 1., 2., 5., 11.], np.float32)


def test_discrete_distributions_match_scipy():
  close(stats.betabinom.logpmf(K, 10., 2., 3.), sst.betabinom.logpmf(K, 10, 2., 3.), rtol=1e-5)
  close(stats.betabinom.pmf(K, 10., 2., 3., 1.), sst.betabinom.pmf(K, 10, 2., 3., 1.))
  close(stats.nbinom.logpmf(K, 3., 0.4), sst.nbinom.logpmf(K, 3, 0.4), rtol=1e-5)
  close(stats.nbinom.pmf(K, 3., 0.4, 1.), sst.nbinom.pmf(K, 3, 0.4, 1))
  x = jnp.array([1, 2, 3])
  p = np.array([0.2, 0.3, 0.5], np.float32)
  close(stats.multinomial.logpmf(x, 6, p), sst.multinomial.logpmf([1, 2, 3], 6, p))
  close(stats.multinomial.pmf(x, 6, p), sst.multinomial.pmf([1, 2, 3], 6, p))
  assert float(stats.multinomial.logpmf(x, 5, p)) == -np.inf
  assert np.isnan(np.asarray(stats.betabinom.logpmf(K, -1., 2., 3.))).all()
  with pytest.raises(ValueError, match="x and n must be of integer type"):
    stats.multinomial.logpmf(jnp.array([1., 2, 3]), 6, p)


def test_continuous_distributions_match_scipy():
  close(stats.gennorm.logpdf(X, 1.5), sst.gennorm.logpdf(X, 1.5), rtol=1e-5)
  close(stats.gennorm.pdf(X, 1.5), sst.gennorm.pdf(X, 1.5), rtol=1e-5)
  close(stats.gennorm.cdf(X, 1.5), sst.gennorm.cdf(X, 1.5), rtol=1e-5)
  for name in ("gumbel_l", "gumbel_r"):
    ours, ref = getattr(stats, name), getattr(sst, name)
    for fn in ("logpdf", "pdf", "logcdf", "cdf", "sf", "logsf"):
      close(getattr(ours, fn)(X, 0.5, 2.), getattr(ref, fn)(X, 0.5, 2.), rtol=2e-5, atol=1e-6)
    q = np.array([0.1, 0.5, 0.9], np.float32)
    close(ours.ppf(q, 0.5, 2.), ref.ppf(q, 0.5, 2.), rtol=1e-5)
    assert np.isnan(np.asarray(ours.ppf(jnp.array([0., 1.])))).all()
    assert np.isnan(np.asarray(ours.logpdf(X, 0.5, -2.))).all()
  theta = np.array([-3., 0., 1., 2.5, 6.], np.float32)
  close(stats.vonmises.logpdf(theta, 2.), sst.vonmises.logpdf(theta, 2.), rtol=1e-5)
  close(stats.vonmises.pdf(theta, 0.5), sst.vonmises.pdf(theta, 0.5), rtol=1e-5)
  assert np.isnan(np.asarray(stats.vonmises.pdf(theta, 0.))).all()
  close(stats.wrapcauchy.logpdf(theta, 0.3), [-np.inf] + list(
      sst.wrapcauchy.logpdf(theta[1:], 0.3)), rtol=1e-5)
  assert float(stats.wrapcauchy.logpdf(7., 0.3)) == -np.inf
  close(stats.wrapcauchy.pdf(1., 0.3), sst.wrapcauchy.pdf(1., 0.3))
  for fn in ("logpdf", "pdf", "logcdf", "cdf", "sf", "logsf"):
    close(getattr(stats.truncnorm, fn)(X, -0.5, 2.5, 0.2, 1.5),
          getattr(sst.truncnorm, fn)(X, -0.5, 2.5, 0.2, 1.5), rtol=2e-5, atol=1e-6)
  close(stats.truncnorm.logcdf(jnp.array([10., 12.]), 9., 15.),
        sst.truncnorm.logcdf([10., 12.], 9., 15.), rtol=1e-4)
  assert np.isnan(np.asarray(stats.truncnorm.logpdf(X, 2., 1.))).all()


def test_distribution_dtypes():
  assert dtype_weak(stats.gumbel_r.logpdf(1.)) == ("float32", True)
  assert dtype_weak(stats.gumbel_r.logpdf(jnp.array([1.]))) == ("float32", False)
  assert dtype_weak(stats.betabinom.pmf(3, 10, 2., 3.)) == ("float32", True)
  assert dtype_weak(stats.nbinom.pmf(2, 3, 0.4)) == ("float32", True)
  assert stats.multinomial.logpmf(jnp.array([1, 2, 3]), 6, jnp.array([.2, .3, .5])).dtype == \
      np.float32


def test_distribution_gradients(x64):
  kw = dict(atol=1e-6, rtol=1e-6)
  x = jnp.array([-0.3, 0.4, 1.7])
  check_grads(stats.truncnorm.logpdf, (x, -0.5, 2.5, 0.2, 1.5), 1, **kw)
  check_grads(stats.truncnorm.logcdf, (x, -0.5, 2.5, 0.2, 1.5), 1, **kw)
  check_grads(stats.gumbel_r.logsf, (x, 0.1, 2.), 1, **kw)
  check_grads(stats.gumbel_l.logcdf, (x, 0.1, 2.), 1, **kw)
  check_grads(stats.gennorm.logpdf, (x, 1.7), 1, **kw)
  check_grads(stats.gennorm.cdf, (x, 1.7), 1, modes=("fwd",), **kw)
  check_grads(stats.vonmises.logpdf, (x, 2.), 1, **kw)
  check_grads(stats.wrapcauchy.logpdf, (x + 1, 0.3), 1, **kw)
  check_grads(lambda n, p: stats.nbinom.logpmf(jnp.array([0., 2., 5.]), n, p), (3., 0.4), 1,
              **kw)
  check_grads(lambda a, b: stats.betabinom.logpmf(jnp.array([0., 2., 5.]), 10., a, b),
              (2., 3.), 1, **kw)


def test_distribution_vmap_and_jit():
  x = jnp.array([[0.1, 0.4], [1.2, -0.5]])
  close(numjax.vmap(stats.truncnorm.logpdf, (0, None, None))(x, -1., 1.),
        stats.truncnorm.logpdf(x, -1., 1.))
  close(numjax.jit(stats.gumbel_l.cdf)(x, 0.5, 2.), stats.gumbel_l.cdf(x, 0.5, 2.))
  close(numjax.vmap(lambda v: stats.vonmises.pdf(v, 2.))(x), stats.vonmises.pdf(x, 2.))


def test_mode():
  r = stats.mode(jnp.array([1, 3, 3, 2]))
  assert (int(r.mode), int(r.count)) == (3, 2) and r.count.dtype == np.int32
  a = np.array([[1, 3, 3, 2], [2, 2, 1, 1.]], np.float32)
  r = stats.mode(a, axis=1)
  ref = sst.mode(a, axis=1)
  close(r.mode, ref.mode), close(r.count, ref.count)
  r = stats.mode(a, axis=None, keepdims=True)
  assert r.mode.shape == (1, 1) and float(r.mode[0, 0]) == 1. and int(r.count[0, 0]) == 3
  r = stats.mode(a, keepdims=True)
  ref = sst.mode(a, axis=0, keepdims=True)
  close(r.mode, ref.mode), close(r.count, ref.count)
  mode, count = numjax.jit(stats.mode)(jnp.array([4, 4, 1]))
  assert (int(mode), int(count)) == (4, 2)
  with pytest.raises(ValueError, match="Illegal nan_policy value 'foo'"):
    stats.mode(a, nan_policy="foo")
  with pytest.raises(NotImplementedError, match="Logic for `nan_policy` of omit"):
    stats.mode(a, nan_policy="omit")


def test_rankdata_and_sem():
  a = np.array([10, 30, 20, 20, 5, 30])
  for method in ("average", "min", "max", "dense", "ordinal"):
    out = stats.rankdata(jnp.array(a), method)
    assert out.dtype == np.float32
    close(out, sst.rankdata(a, method))
  b = np.array([[10, 30, 20, 20], [1, 1, 1, 0]])
  close(stats.rankdata(jnp.array(b), axis=1), sst.rankdata(b, axis=1))
  assert np.isnan(np.asarray(stats.rankdata(jnp.array([1., np.nan])))).all()
  close(numjax.jit(stats.rankdata)(jnp.array(a)), sst.rankdata(a))
  with pytest.raises(ValueError, match="unknown method 'foo'"):
    stats.rankdata(jnp.array(a), "foo")
  c = np.array([[1., 2, 4], [3, 5, 9]], np.float32)
  close(stats.sem(c), sst.sem(c))
  close(stats.sem(c, axis=None), sst.sem(c, axis=None))
  close(stats.sem(c, axis=1, ddof=0, keepdims=True), sst.sem(c, axis=1, ddof=0, keepdims=True))
  close(stats.sem(jnp.array([1., np.nan, 4, 5]), nan_policy="omit"),
        sst.sem([1., np.nan, 4, 5], nan_policy="omit"))
  with pytest.raises(ValueError, match="raise is not supported"):
    stats.sem(c, nan_policy="raise")


def test_gaussian_kde_matches_scipy():
  data = np.array([[0., 1., 3., 2.5, -1.], [1., 0.5, 2., 1., 0.]], np.float32)
  pts = np.array([[0., 1., -0.5], [1., 1., 0.2]], np.float32)
  ours, ref = stats.gaussian_kde(data), sst.gaussian_kde(data)
  close(ours.evaluate(pts), ref.evaluate(pts), rtol=1e-5)
  close(ours(pts), ref(pts), rtol=1e-5)
  close(ours.logpdf(pts), ref.logpdf(pts), rtol=1e-5)
  close(ours.covariance, ref.covariance, rtol=1e-5)
  close(ours.integrate_gaussian(jnp.array([0.5, 1.]), jnp.eye(2)),
        ref.integrate_gaussian([0.5, 1.], np.eye(2)), rtol=1e-5)
  x = np.array([0., 1., 3.], np.float32)
  w = np.array([1., 2., 1.], np.float32)
  ours = stats.gaussian_kde(x, bw_method="silverman", weights=w)
  ref = sst.gaussian_kde(x, bw_method="silverman", weights=w)
  close(ours.pdf(jnp.array([0.5, 2.])), ref.pdf([0.5, 2.]), rtol=1e-5)
  close(ours.integrate_box_1d(0., 2.), ref.integrate_box_1d(0., 2.), rtol=1e-5)
  other = np.array([0., 2., 4., 5.], np.float32)
  close(ours.integrate_kde(stats.gaussian_kde(other)),
        ref.integrate_kde(sst.gaussian_kde(other)), rtol=1e-5)
  close(stats.gaussian_kde(x, bw_method=0.7).covariance,
        sst.gaussian_kde(x, bw_method=0.7).covariance, rtol=1e-5)
  # JAX literal (same threefry bits): resampling
  from numjax import random
  close(ours.resample(random.key(0), (3,)), [[-2.9308763, 0.55724204, 3.2466471]], rtol=1e-5)


def test_gaussian_kde_transformations_and_errors(x64):
  kde = stats.gaussian_kde(jnp.array([0., 1., 3.]))
  close(numjax.jit(lambda k, v: k.evaluate(v))(kde, jnp.array([0.5])), kde.evaluate(
      jnp.array([0.5])), rtol=1e-12)
  check_grads(lambda d: stats.gaussian_kde(d).evaluate(jnp.array([0.5, 2.])),
              (jnp.array([0., 1., 3.]),), 1, atol=1e-6, rtol=1e-6)
  with pytest.raises(ValueError, match="`dataset` input should have multiple elements."):
    stats.gaussian_kde(jnp.array([1.]))
  with pytest.raises(ValueError, match="`bw_method` should be 'scott', 'silverman'"):
    stats.gaussian_kde(jnp.array([1., 2.]), bw_method="foo")
  with pytest.raises(ValueError, match="points have dimension 3, dataset has dimension 1"):
    kde.evaluate(jnp.ones((3, 2)))
  with pytest.raises(NotImplementedError, match="only 1D box integrations are supported"):
    kde.integrate_box(0., 1.)
