"""Linear algebra: the `lax.linalg` primitives, `numjax.numpy.linalg` and `numjax.scipy.linalg`.

Values vs NumPy/SciPy on random well-conditioned inputs, impl dtype vs the shape/dtype rule,
JVPs vs central differences (float64), VJP vs JVP through <u, J v> = <Jᵀ u, v>, vmap vs a
loop, jit vs eager, complex inputs, errors, jaxpr text, and gradients recorded from JAX.
"""
import itertools

import numpy as np
import pytest
import scipy.linalg as sl
from hypothesis import given, settings, strategies as st

import numjax
import numjax.numpy as jnp
import numjax.scipy.linalg as jsl
from numjax import lax
from numjax._src import core, tree_util
from numjax._src.array import Array
from numjax._src.lax import linalg as lx

LA = jnp.linalg
F32, F64, C64, C128 = (np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                              np.complex128))


def small(n):
  return settings(max_examples=n, deadline=None, derandomize=True, database=None)


def rand(rng, shape, dtype=F64):
  v = rng.standard_normal(shape)
  if np.dtype(dtype).kind == "c":
    v = v + 1j * rng.standard_normal(shape)
  return np.asarray(v, dtype)


def general(rng, shape, dtype=F64):
  """Random matrices made well conditioned by a dominant diagonal."""
  n = shape[-1]
  return np.asarray(rand(rng, shape, dtype) + 2 * n * np.eye(n), dtype)


def hpd(rng, shape, dtype=F64):
  """Random Hermitian positive-definite matrices."""
  a = rand(rng, shape, dtype)
  n = shape[-1]
  return np.asarray(a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n), dtype)


def hermitian(rng, shape, dtype=F64):
  a = rand(rng, shape, dtype)
  return np.asarray(a + np.conj(np.swapaxes(a, -1, -2)), dtype)


def pair(a, b) -> float:
  """JAX's real bilinear pairing Re(sum(a * b)), under which transposes hold."""
  return float(np.real(np.sum(np.asarray(a) * np.asarray(b))))


def leaves(x):
  return [np.asarray(v) for v in tree_util.tree_leaves(x)]


def check_derivatives(f, args, rng, tangents=None, rtol=1e-5, atol=1e-7, eps=1e-6):
  """JVP vs central differences, and the transpose identity for the VJP (float64)."""
  args = [np.asarray(a) for a in args]
  vs = tangents or [rand(rng, a.shape, a.dtype) for a in args]
  out, t = numjax.jvp(f, tuple(args), tuple(vs))
  plus = f(*[a + eps * v for a, v in zip(args, vs)])
  minus = f(*[a - eps * v for a, v in zip(args, vs)])
  for tt, p, m, o in zip(leaves(t), leaves(plus), leaves(minus), leaves(out)):
    assert tt.shape == o.shape and tt.dtype == o.dtype
    scale = max(1.0, float(np.max(np.abs(o), initial=0)))
    np.testing.assert_allclose(tt, (p - m) / (2 * eps), rtol=rtol, atol=atol * scale)
  out, f_vjp = numjax.vjp(f, *args)
  us = [rand(rng, o.shape, o.dtype) for o in leaves(out)]
  cts = f_vjp(tree_util.tree_unflatten(tree_util.tree_structure(out), us))
  for c, a in zip(cts, args):
    assert c.shape == a.shape and c.dtype == a.dtype
  lhs = sum(pair(u, tt) for u, tt in zip(us, leaves(t)))
  rhs = sum(pair(c, v) for c, v in zip(cts, vs))
  np.testing.assert_allclose(lhs, rhs, rtol=1e-8, atol=1e-8)


def check_vmap(f, args, in_axes_list=((0,),)):
  """vmap vs a Python loop, for each placement of the mapped axes."""
  n = next(np.shape(a)[0] for a in args)
  want = [np.stack([leaves(f(*[a[i] for a in args]))[k] for i in range(n)])
          for k in range(len(leaves(f(*[a[0] for a in args]))))]
  for axes in in_axes_list:
    axes = axes * len(args) if len(axes) == 1 else axes
    moved = [a if ax is None else np.moveaxis(a, 0, ax) for a, ax in zip(args, axes)]
    fixed = [a[0] if ax is None else None for a, ax in zip(args, axes)]
    if any(ax is None for ax in axes):
      want_here = [np.stack([leaves(f(*[a[i] if ax is not None else a[0]
                                        for a, ax in zip(args, axes)]))[k]
                             for i in range(n)]) for k in range(len(want))]
      moved = [m if x is None else x for m, x in zip(moved, fixed)]
    else:
      want_here = want
    got = leaves(numjax.vmap(f, in_axes=tuple(axes))(*moved))
    for g, w in zip(got, want_here):
      np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def check_jit(f, args):
  eager, jitted = leaves(f(*args)), leaves(numjax.jit(f)(*args))
  for e, j in zip(eager, jitted):
    assert e.dtype == j.dtype and e.shape == j.shape
    np.testing.assert_allclose(j, e, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# The tutorial example
# ----------------------------------------------------------------------------------------------
def test_tutorial_cholesky_gradient():
  A = jnp.array([[5., 2. + 3j, 5j], [2. - 3j, 7., 1. + 7j], [-5j, 1. - 7j, 12.]])

  def f(X):
    L = jnp.linalg.cholesky(X)
    return jnp.sum((L - jnp.sin(L)) ** 2)
  g = numjax.grad(f, holomorphic=True)(A)
  assert g.dtype == C64 and g.shape == (3, 3)
  want = np.array([[-0.75341904 + 0.j, -3.0509028 - 10.940545j, 5.9896846 + 3.5423026j],
                   [-3.0509028 + 10.940545j, -8.904491 + 0.j, -5.1351523 - 6.559373j],
                   [5.9896846 - 3.5423026j, -5.1351523 + 6.559373j, 0.01320427 + 0.j]])
  np.testing.assert_allclose(g, want, rtol=2e-5, atol=2e-5)


def test_cholesky_jaxpr_matches_jax():
  text = str(numjax.make_jaxpr(jnp.linalg.cholesky)(jnp.ones((3, 3), jnp.float32)))
  assert text == """\
{ lambda ; a:f32[3,3]. let
    b:f32[3,3] = jit[
      name=cholesky
      jaxpr={ lambda ; a:f32[3,3]. let
          c:f32[3,3] = transpose[permutation=(1, 0)] a
          d:f32[3,3] = add a c
          e:f32[3,3] = div d 2.0:f32[]
          f:f32[3,3] = cholesky e
          g:i32[3,3] = iota[dimension=0 dtype=int32 shape=(3, 3) sharding=None] 
          h:i32[3,3] = add g 0:i32[]
          i:i32[3,3] = iota[dimension=1 dtype=int32 shape=(3, 3) sharding=None] 
          j:bool[3,3] = ge h i
          k:f32[3,3] = broadcast_in_dim 0.0:f32[]
          b:f32[3,3] = select_n j k f
        in (b,) }
    ] a
  in (b,) }"""


def test_primitive_jaxpr_params():
  x = jnp.ones((3, 3))
  text = str(numjax.make_jaxpr(lambda a, b: lax.linalg.triangular_solve(
      a, b, left_side=True, lower=True))(x, x))
  assert "conjugate_a=False\n      left_side=True\n      lower=True\n      transpose_a=False\n" \
         "      unit_diagonal=False" in text
  text = str(numjax.make_jaxpr(lambda a: lax.linalg.qr(a, full_matrices=False))(x))
  assert text == ("{ lambda ; a:f32[3,3]. let\n    b:f32[3,3] c:f32[3,3] = qr[\n"
                  "      full_matrices=False\n      pivoting=False\n      use_magma=None\n"
                  "    ] a\n  in (b, c) }")
  text = str(numjax.make_jaxpr(lambda a: lax.linalg.svd(a, compute_uv=False))(x))
  assert "svd[\n      algorithm=None\n      compute_uv=False" in text


# ----------------------------------------------------------------------------------------------
# Primitives: impl vs reference, dtypes, errors
# ----------------------------------------------------------------------------------------------
def _prim_cases(rng, dtype):
  a = general(rng, (2, 4, 4), dtype)
  h = hpd(rng, (2, 4, 4), dtype)
  b = rand(rng, (2, 4, 3), dtype)
  w = rand(rng, (2, 3, 5), dtype)
  return [
      ("cholesky", lambda: lx.cholesky_p.bind(Array(h)), lambda: np.linalg.cholesky(h)),
      ("triangular_solve", lambda: lx.triangular_solve_p.bind(
          Array(a), Array(b), left_side=True, lower=True, transpose_a=False, conjugate_a=False,
          unit_diagonal=False), lambda: np.linalg.solve(np.tril(a), b)),
      ("eigh-values", lambda: lx.eigh_p.bind(Array(h), lower=True, sort_eigenvalues=True,
                                            subset_by_index=None)[1],
       lambda: np.linalg.eigvalsh(h)),
      ("svd-values", lambda: lx.svd_p.bind(Array(w), full_matrices=False, compute_uv=False,
                                          subset_by_index=None)[0],
       lambda: np.linalg.svd(w, compute_uv=False)),
      ("qr-r", lambda: lx.qr_p.bind(Array(w), pivoting=False, full_matrices=True)[1],
       lambda: np.linalg.qr(w, mode="complete")[1]),
      ("lu", lambda: lx.lu_p.bind(Array(a))[0],
       lambda: np.stack([sl.lu_factor(m)[0] for m in a])),
      ("eig-values", lambda: lx.eig_p.bind(Array(a), compute_left_eigenvectors=False,
                                          compute_right_eigenvectors=False)[0],
       lambda: np.linalg.eigvals(a)),
  ]


@pytest.mark.parametrize("dtype", [F32, F64, C64, C128])
def test_primitive_values(dtype):
  rng = np.random.default_rng(0)
  real = np.dtype(dtype).type(0).real.dtype
  expected_dtype = {"eigh-values": real, "svd-values": real,
                    "eig-values": C128 if dtype in (F64, C128) else C64}
  with _x64(dtype in (F64, C128)):
    for name, got, want in _prim_cases(rng, dtype):
      g, w = got(), np.asarray(want())
      tol = 1e-4 if dtype in (F32, C64) else 1e-10
      if name == "eig-values":
        g, w = np.sort_complex(np.asarray(g)), np.sort_complex(w)
      np.testing.assert_allclose(g, w, rtol=tol, atol=tol, err_msg=name)
      assert g.dtype == expected_dtype.get(name, dtype), name


class _x64:
  def __init__(self, on):
    self.on = on

  def __enter__(self):
    self.prev = numjax.config.jax_enable_x64
    numjax.config.update("jax_enable_x64", self.on)

  def __exit__(self, *exc):
    numjax.config.update("jax_enable_x64", self.prev)


@pytest.mark.parametrize("dtype", [F32, F64, C64, C128])
def test_impl_dtypes_match_abstract_eval(dtype):
  rng = np.random.default_rng(1)
  a = general(rng, (2, 3, 3), dtype)
  h = hpd(rng, (2, 3, 3), dtype)
  w = rand(rng, (2, 3, 4), dtype)
  t = rand(rng, (2, 3, 2), dtype)
  d = np.asarray(rng.standard_normal((2, 3)) + 4, dtype)
  cases = [
      (lx.cholesky_p, (h,), {}),
      (lx.triangular_solve_p, (a, t), dict(left_side=True, lower=False, transpose_a=True,
                                          conjugate_a=dtype.kind == "c", unit_diagonal=False)),
      (lx.lu_p, (w,), {}), (lx.lu_p, (np.swapaxes(w, -1, -2),), {}),
      (lx.qr_p, (w,), dict(pivoting=False, full_matrices=True)),
      (lx.qr_p, (w,), dict(pivoting=True, full_matrices=False)),
      (lx.eigh_p, (h,), dict(lower=True, sort_eigenvalues=True, subset_by_index=None)),
      (lx.eigh_p, (h,), dict(lower=False, sort_eigenvalues=True, subset_by_index=(1, 3))),
      (lx.eig_p, (a,), dict(compute_left_eigenvectors=True, compute_right_eigenvectors=True)),
      (lx.eig_p, (a,), dict(compute_left_eigenvectors=False, compute_right_eigenvectors=False)),
      (lx.svd_p, (w,), dict(full_matrices=True, compute_uv=True, subset_by_index=None)),
      (lx.svd_p, (w,), dict(full_matrices=False, compute_uv=True, subset_by_index=(0, 2))),
      (lx.svd_p, (w,), dict(full_matrices=False, compute_uv=False, subset_by_index=None)),
      (lx.geqrf_p, (w,), {}),
      (lx.tridiagonal_solve_p, (d * 0.1, d, d * 0.2, t), {}),
  ]
  with _x64(dtype in (F64, C128)):
    for prim, args, params in cases:
      ins = [Array(x) for x in args]
      avals = prim.abstract_eval(*[core.get_aval(x) for x in ins], **params)
      outs = prim.bind(*ins, **params)
      if not prim.multiple_results:
        avals, outs = [avals], [outs]
      for o, av in zip(outs, avals):
        assert (o.shape, o.dtype) == (av.shape, av.dtype), (prim, params, o, av)
        assert isinstance(o._value, np.ndarray)
      staged = numjax.jit(lambda *xs: prim.bind(*xs, **params))(*ins)
      for o, s in zip(outs, staged if prim.multiple_results else [staged]):
        np.testing.assert_allclose(s, o, rtol=1e-5, atol=1e-5)


def test_lu_pivots_and_permutation():
  rng = np.random.default_rng(2)
  for shape in [(4, 4), (5, 3), (3, 5), (7, 2, 2), (9, 3, 3)]:  # also the vectorised path
    a = rand(rng, shape, F32)
    lu_, piv, perm = lax.linalg.lu(a)
    assert piv.dtype == np.int32 and perm.dtype == np.int32
    flat = a.reshape((-1,) + shape[-2:])
    for i, (l1, p1, q1) in enumerate(zip(np.asarray(lu_).reshape(flat.shape),
                                         np.asarray(piv).reshape(flat.shape[0], -1),
                                         np.asarray(perm).reshape(flat.shape[0], -1))):
      m, n = shape[-2:]
      k = min(m, n)
      L = np.tril(l1, -1)[:, :k] + np.eye(m, k)
      U = np.triu(l1)[:k, :]
      np.testing.assert_allclose(L @ U, flat[i][q1], rtol=1e-5, atol=1e-5)
      ref_lu, ref_piv = sl.lu_factor(flat[i]) if m == n else (None, None)
      if ref_piv is not None:
        np.testing.assert_array_equal(p1, ref_piv)
    np.testing.assert_array_equal(lax.linalg.lu_pivots_to_permutation(piv, shape[-2]), perm)


def test_singular_and_failure_behaviour():
  # Not positive definite: NaNs, as JAX's CPU kernels give (also inside a batch).
  bad = np.stack([np.eye(2), -np.eye(2)]).astype(np.float32)
  out = np.asarray(lax.linalg.cholesky(bad))
  np.testing.assert_allclose(out[0], np.eye(2))
  np.testing.assert_array_equal(out[1], [[np.nan, 0], [np.nan, np.nan]])  # NaNs, then tril
  # Singular LU: no error, a zero pivot.
  lu_, _, _ = lax.linalg.lu(np.ones((3, 3), np.float32))
  assert np.asarray(lu_)[2, 2] == 0
  # Singular triangular solve: infinities/NaNs, not an exception.
  x = lax.linalg.triangular_solve(np.zeros((2, 2), np.float32), np.ones((2, 1), np.float32),
                                  left_side=True, lower=True)
  np.testing.assert_array_equal(x, [[np.inf], [np.nan]])
  assert float(LA.det(np.ones((4, 4), np.float32))) == 0.0


def test_primitive_errors():
  with pytest.raises(TypeError, match="cholesky does not accept dtype int32 at position 0. "
                     "Accepted dtypes at position 0 are subtypes of floating, complexfloating."):
    lax.linalg.cholesky(np.ones((3, 3), np.int32), symmetrize_input=False)
  with pytest.raises(ValueError, match=r"The input to cholesky must be a square matrix. "
                     r"Got shape \(3, 2\)."):
    lax.linalg.cholesky(np.ones((3, 2), np.float32))
  with pytest.raises(ValueError, match=r"Incompatible shapes for arguments to triangular_solve: "
                     r"\(3, 3\) and \(2, 3\)."):
    lax.linalg.triangular_solve(np.ones((3, 3), np.float32), np.ones((2, 3), np.float32),
                                left_side=True)
  with pytest.raises(TypeError, match=r"Input 0 to lu must have rank at least 2, but got "
                     r"shape=\(3,\)"):
    lax.linalg.lu(np.ones(3, np.float32))
  with pytest.raises(ValueError, match="must have shape \\[..., n, n\\]"):
    lax.linalg.eigh(np.ones((2, 3), np.float32))
  with pytest.raises(ValueError, match="full_matrices and subset_by_index cannot both be set"):
    lax.linalg.svd(np.ones((3, 3), np.float32), subset_by_index=(0, 1))
  with pytest.raises(NotImplementedError, match="enable_eigvec_derivs=True"):
    numjax.jvp(lambda a: lax.linalg.eig(a)[2], (np.eye(2),), (np.eye(2),))
  with pytest.raises(NotImplementedError, match="not implemented for full matrices"):
    numjax.jvp(lambda a: lax.linalg.svd(a), (np.ones((3, 2)),), (np.ones((3, 2)),))


# ----------------------------------------------------------------------------------------------
# Primitive derivatives (float64 / complex128)
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [F64, C128])
def test_cholesky_derivatives(dtype, x64):
  rng = np.random.default_rng(3)
  a = hpd(rng, (2, 4, 4), dtype)
  # The primitive reads one triangle: its JVP holds for Hermitian tangents.
  check_derivatives(lambda x: lx.cholesky_p.bind(x), [a], rng,
                    tangents=[hermitian(rng, a.shape, dtype)])
  # The public function symmetrises: any tangent.
  check_derivatives(lax.linalg.cholesky, [a], rng)
  check_derivatives(LA.cholesky, [a], rng)
  check_derivatives(lambda x: LA.cholesky(x, upper=True), [a[0]], rng)


@pytest.mark.parametrize("left_side,lower,transpose_a,unit_diagonal",
                         list(itertools.product([True, False], repeat=4)))
def test_triangular_solve_derivatives(left_side, lower, transpose_a, unit_diagonal, x64):
  rng = np.random.default_rng(4)
  for dtype, conjugate_a, bshape in [(F64, False, (4, 2)), (C128, True, (4, 5)),
                                     (C128, False, (4, 3))]:
    a = np.asarray(rand(rng, (4, 4), dtype) * 0.3 + 3 * np.eye(4), dtype)
    b = rand(rng, bshape if left_side else bshape[::-1], dtype)
    kw = dict(left_side=left_side, lower=lower, transpose_a=transpose_a,
              conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
    f = lambda a, b: lax.linalg.triangular_solve(a, b, **kw)
    # value vs SciPy
    op = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
      op = op - np.diag(np.diag(op)) + np.eye(4)
    op = op.T if transpose_a else op
    op = op.conj() if conjugate_a else op
    want = np.linalg.solve(op, b) if left_side else np.linalg.solve(op.T, b.T).T
    np.testing.assert_allclose(f(a, b), want, rtol=1e-10, atol=1e-10)
    check_derivatives(f, [a, b], rng)


def test_triangular_solve_vector_and_batching():
  rng = np.random.default_rng(5)
  a = np.asarray(rand(rng, (3, 4, 4)) * 0.3 + 3 * np.eye(4), F32)
  b = rand(rng, (3, 4, 2), F32)
  v = rand(rng, (3, 4), F32)
  np.testing.assert_allclose(lax.linalg.triangular_solve(a[0], v[0], left_side=True, lower=True),
                             np.linalg.solve(np.tril(a[0]), v[0]), rtol=1e-5)
  for left in (True, False):
    bb = b if left else np.swapaxes(b, -1, -2)
    f = lambda a, b: lax.linalg.triangular_solve(a, b, left_side=left, lower=True)
    check_vmap(f, [a, bb], [(0,), (1,), (2, 0), (None, 0), (None, 2), (0, None)])
    check_jit(f, [a, bb])
  # many small systems take the vectorised substitution path
  a = np.asarray(rand(rng, (50, 3, 3)) * 0.3 + 3 * np.eye(3), F32)
  b = rand(rng, (50, 3, 2), F32)
  np.testing.assert_allclose(lax.linalg.triangular_solve(a, b, left_side=True, lower=False),
                             np.linalg.solve(np.triu(a), b), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(4, 4), (5, 3), (3, 5), (2, 3, 3)])
@pytest.mark.parametrize("dtype", [F64, C128])
def test_lu_derivatives(shape, dtype, x64):
  rng = np.random.default_rng(6)
  a = rand(rng, shape, dtype)
  check_derivatives(lambda x: lax.linalg.lu(x)[0], [a], rng)
  lu_, piv, perm = lax.linalg.lu(a)
  _, tans = numjax.jvp(lambda x: lax.linalg.lu(x), (a,), (a,))
  assert tans[1].dtype == numjax.dtypes.float0 and tans[2].dtype == numjax.dtypes.float0


@pytest.mark.parametrize("shape,full", [((4, 4), True), ((5, 3), False), ((5, 3), True),
                                        ((3, 5), False), ((3, 5), True), ((2, 4, 3), False)])
@pytest.mark.parametrize("dtype", [F64, C128])
def test_qr_derivatives(shape, full, dtype, x64):
  rng = np.random.default_rng(7)
  a = rand(rng, shape, dtype)
  q, r = lax.linalg.qr(a, full_matrices=full)
  np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a, atol=1e-12)
  check_derivatives(lambda x: lax.linalg.qr(x, full_matrices=full), [a], rng)


def test_qr_pivoting(x64):
  rng = np.random.default_rng(8)
  a = rand(rng, (4, 3))
  q, r, p = lax.linalg.qr(a, pivoting=True, full_matrices=False)
  qs, rs, ps = sl.qr(a, pivoting=True, mode="economic")
  np.testing.assert_array_equal(p, ps)
  np.testing.assert_allclose(r, rs, atol=1e-12)
  check_derivatives(lambda x: lax.linalg.qr(x, pivoting=True, full_matrices=False)[:2], [a], rng)


@pytest.mark.parametrize("dtype", [F64, C128])
def test_eigh_derivatives(dtype, x64):
  rng = np.random.default_rng(9)
  a = hermitian(rng, (2, 4, 4), dtype)
  w, v = LA.eigh(a)
  np.testing.assert_allclose(w, np.linalg.eigvalsh(a), atol=1e-12)
  check_derivatives(lambda x: LA.eigh(x)[0], [a], rng)
  if dtype == F64:
    check_derivatives(lambda x: lax.linalg.eigh(x), [a], rng)
  # Complex eigenvectors are defined up to a phase: differentiate the projectors v vᴴ.
  def projectors(x):  # P_k[i, j] = v[i, k] conj(v[j, k]), for each eigenvector k
    v = LA.eigh(x)[1]
    return v[..., :, None, :] * jnp.conj(v[..., None, :, :])
  check_derivatives(projectors, [a], rng)


@pytest.mark.parametrize("shape,full", [((4, 4), True), ((5, 3), False), ((3, 5), False),
                                        ((2, 4, 3), False)])
@pytest.mark.parametrize("dtype", [F64, C128])
def test_svd_derivatives(shape, full, dtype, x64):
  rng = np.random.default_rng(10)
  a = rand(rng, shape, dtype)
  check_derivatives(lambda x: lax.linalg.svd(x, compute_uv=False), [a], rng)
  if dtype == F64:
    check_derivatives(lambda x: lax.linalg.svd(x, full_matrices=full), [a], rng)
  else:  # gauge-invariant: |u|², |vh|² and the reconstruction
    def f(x):
      u, s, vh = lax.linalg.svd(x, full_matrices=full)
      k = min(shape[-2:])
      recon = (u[..., :, :k] * s[..., None, :].astype(u.dtype)) @ vh[..., :k, :]
      return jnp.abs(u[..., :, :k]) ** 2, jnp.abs(vh[..., :k, :]) ** 2, recon
    check_derivatives(f, [a], rng)


def test_eig_derivatives(x64):
  rng = np.random.default_rng(11)
  a = rand(rng, (2, 4, 4))
  w = lax.linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]
  np.testing.assert_allclose(np.sort_complex(np.asarray(w)),
                             np.sort_complex(np.linalg.eigvals(a)), atol=1e-12)
  check_derivatives(lambda x: lax.linalg.eig(x, compute_left_eigenvectors=False,
                                             compute_right_eigenvectors=False)[0], [a], rng)
  check_derivatives(lambda x: lax.linalg.eig(x, enable_eigvec_derivs=True), [a], rng)
  check_derivatives(lambda x: jnp.real(LA.eigvals(x)), [a[0]], rng)


def test_tridiagonal_solve(x64):
  rng = np.random.default_rng(12)
  m = 5
  dl, du = rand(rng, (3, m)), rand(rng, (3, m))
  dl[:, 0] = 0
  du[:, -1] = 0
  d = rand(rng, (3, m)) + 5
  b = rand(rng, (3, m, 2))
  x = lax.linalg.tridiagonal_solve(dl, d, du, b)
  T = np.stack([np.diag(d[i]) + np.diag(dl[i, 1:], -1) + np.diag(du[i, :-1], 1)
                for i in range(3)])
  np.testing.assert_allclose(x, np.linalg.solve(T, b), atol=1e-12)
  check_derivatives(lax.linalg.tridiagonal_solve, [dl, d, du, b], rng)
  check_vmap(lax.linalg.tridiagonal_solve, [dl, d, du, b], [(0,), (1,), (None, 0, None, 0)])


# ----------------------------------------------------------------------------------------------
# Primitive batching and jit
# ----------------------------------------------------------------------------------------------
def test_primitives_vmap_and_jit():
  rng = np.random.default_rng(13)
  a = general(rng, (3, 2, 4, 4), F32)
  h = hpd(rng, (3, 2, 4, 4), F32)
  w = rand(rng, (3, 2, 4, 3), F32)
  fns = [(lambda x: lax.linalg.cholesky(x), h), (lambda x: lax.linalg.lu(x), a),
         (lambda x: lax.linalg.qr(x), w), (lambda x: lax.linalg.qr(x, full_matrices=False), w),
         (lambda x: lax.linalg.eigh(x)[1], h), (lambda x: lax.linalg.svd(x), w),
         (lambda x: lax.linalg.svd(x, compute_uv=False), w),
         (lambda x: lax.linalg.eig(x, compute_left_eigenvectors=False)[0], a),
         (lambda x: lax.linalg.geqrf(x), w)]
  for f, x in fns:
    check_vmap(f, [x], [(0,), (1,), (2,)])
    check_jit(f, [x])
  # vmap of JVPs (batching the JVP rules)
  for f, x in [(lax.linalg.cholesky, h), (lambda x: lax.linalg.svd(x, full_matrices=False), w),
               (lambda x: lax.linalg.qr(x), w), (lambda x: lax.linalg.lu(x)[0], a)]:
    jf = lambda x, f=f: numjax.jvp(f, (x,), (x,))[1]
    check_vmap(jf, [x], [(0,), (1,)])


# ----------------------------------------------------------------------------------------------
# numjax.numpy.linalg: values vs NumPy, dtypes
# ----------------------------------------------------------------------------------------------
def test_solve_inv_det_values():
  rng = np.random.default_rng(14)
  a = general(rng, (2, 4, 4), F32)
  b = rand(rng, (2, 4, 3), F32)
  np.testing.assert_allclose(LA.solve(a, b), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(LA.solve(a[0], b[0, :, 0]), np.linalg.solve(a[0], b[0, :, 0]),
                             rtol=1e-4, atol=1e-6)
  # batch axes broadcast: one matrix, several right-hand sides (and vice versa)
  np.testing.assert_allclose(LA.solve(a[0], b), np.linalg.solve(a[0], b), rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(LA.solve(a, b[0]), np.linalg.solve(a, b[0]), rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(LA.inv(a), np.linalg.inv(a), rtol=1e-4, atol=1e-6)
  for n in range(1, 6):
    m = rand(rng, (3, n, n), F32)
    np.testing.assert_allclose(LA.det(m), np.linalg.det(m), rtol=1e-4, atol=1e-5)
    sign, logdet = LA.slogdet(m)
    ws, wl = np.linalg.slogdet(m)
    np.testing.assert_allclose(sign, ws)
    np.testing.assert_allclose(logdet, wl, rtol=1e-4, atol=1e-5)
  c = general(rng, (4, 4), C64)
  np.testing.assert_allclose(LA.det(c), np.linalg.det(c), rtol=1e-4)
  s, l = LA.slogdet(c)
  assert s.dtype == C64 and l.dtype == F32
  np.testing.assert_allclose(s * np.exp(l), np.linalg.det(c), rtol=1e-4)
  np.testing.assert_allclose(LA.slogdet(a, method="qr")[1], np.linalg.slogdet(a)[1], rtol=1e-4)
  assert LA.slogdet(np.zeros((3, 3), np.float32)) == (0.0, -np.inf)


def test_dtype_promotion():
  i = np.array([[2, 1], [1, 3]], np.int32)
  assert LA.inv(i).dtype == F32
  assert LA.det(i).dtype == F32
  assert LA.cholesky(i).dtype == F32
  assert LA.eigh(i).eigenvalues.dtype == F32
  assert LA.solve(i, np.array([1, 2])).dtype == F32
  assert LA.svd(i).S.dtype == F32
  assert LA.norm(i).dtype == F32
  assert LA.eigvalsh(jnp.eye(2, dtype=jnp.complex64)).dtype == F32
  assert LA.eigvals(jnp.eye(2)).dtype == C64
  assert LA.svd(jnp.eye(2, dtype=C64), compute_uv=False).dtype == F32


def test_dtype_promotion_x64(x64):
  i = np.array([[2, 1], [1, 3]])
  assert LA.inv(i).dtype == F64
  assert LA.inv(i.astype(np.float32)).dtype == F32
  assert LA.eigvals(np.eye(2)).dtype == C128


def test_decompositions():
  rng = np.random.default_rng(15)
  h = hpd(rng, (2, 4, 4), F32)
  w, v = LA.eigh(h)
  assert isinstance(LA.eigh(h), LA.EighResult)
  np.testing.assert_allclose(w, np.linalg.eigvalsh(h), rtol=1e-4)
  np.testing.assert_allclose(v @ (w[..., None] * np.swapaxes(np.asarray(v), -1, -2)), h,
                             rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(LA.eigvalsh(h, UPLO="U"), np.linalg.eigvalsh(h, UPLO="U"),
                             rtol=1e-4)
  # Only the named triangle is read with symmetrize_input=False.
  t = np.tril(h) + 100 * np.triu(np.ones((4, 4), np.float32), 1)
  np.testing.assert_allclose(LA.eigh(t, symmetrize_input=False).eigenvalues,
                             np.linalg.eigvalsh(h), rtol=1e-4)
  a = rand(rng, (2, 5, 3), C64)
  for full in (True, False):
    u, s, vh = LA.svd(a, full_matrices=full)
    nu, ns, nvh = np.linalg.svd(a, full_matrices=full)
    assert u.shape == nu.shape and vh.shape == nvh.shape
    np.testing.assert_allclose(s, ns, rtol=1e-4)
    np.testing.assert_allclose(np.abs(np.asarray(u)), np.abs(nu), rtol=1e-3, atol=1e-4)
  np.testing.assert_allclose(LA.svdvals(a), np.linalg.svd(a, compute_uv=False), rtol=1e-4)
  np.testing.assert_allclose(LA.svd(h, hermitian=True, compute_uv=False),
                             np.linalg.svd(h, hermitian=True, compute_uv=False), rtol=1e-4)
  for mode in ("reduced", "complete", "r"):
    got, want = LA.qr(a, mode=mode), np.linalg.qr(a, mode=mode)
    for g, w_ in zip(leaves(got), [want] if mode == "r" else list(want)):
      np.testing.assert_allclose(g, w_, rtol=1e-4, atol=1e-5)
  h_raw, tau = LA.qr(a[0], mode="raw")
  wh, wt = np.linalg.qr(a[0], mode="raw")
  np.testing.assert_allclose(h_raw, wh, rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(tau, wt, rtol=1e-4, atol=1e-5)
  g = general(rng, (4, 4), F32)
  wv, vv = LA.eig(g)
  np.testing.assert_allclose(np.asarray(g) @ np.asarray(vv), np.asarray(vv) * np.asarray(wv),
                             rtol=1e-3, atol=1e-3)
  np.testing.assert_allclose(np.sort_complex(np.asarray(LA.eigvals(g))),
                             np.sort_complex(np.linalg.eigvals(g)), rtol=1e-4)
  np.testing.assert_allclose(LA.cholesky(h), np.linalg.cholesky(h), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(LA.cholesky(h, upper=True),
                             np.swapaxes(np.linalg.cholesky(h), -1, -2), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2])
def test_matrix_norms(ord):
  rng = np.random.default_rng(16)
  x = rand(rng, (3, 4, 5), F32)
  for axis in [(1, 2), (2, 1), (0, 2), (-1, -3)]:
    for keepdims in (False, True):
      got = LA.norm(x, ord, axis, keepdims)
      want = np.linalg.norm(x, ord, axis, keepdims)
      assert got.shape == want.shape
      np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
  if ord is not None:
    np.testing.assert_allclose(LA.matrix_norm(x, ord=ord), np.linalg.matrix_norm(x, ord=ord),
                               rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(LA.norm(x[0], ord), np.linalg.norm(x[0], ord), rtol=1e-4)


@pytest.mark.parametrize("ord", [None, np.inf, -np.inf, 0, 1, -1, 2, -2, 3, 0.5])
def test_vector_norms(ord):
  rng = np.random.default_rng(17)
  x = rand(rng, (3, 4), C64)
  for axis in (0, 1, -1):
    for keepdims in (False, True):
      np.testing.assert_allclose(LA.norm(x, ord, axis, keepdims),
                                 np.linalg.norm(x, ord, axis, keepdims), rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(LA.norm(x[0], ord), np.linalg.norm(x[0], ord), rtol=1e-4)
  np.testing.assert_allclose(LA.vector_norm(x, ord=2 if ord is None else ord, axis=(0, 1)),
                             np.linalg.vector_norm(x, ord=2 if ord is None else ord,
                                                   axis=(0, 1)), rtol=1e-4)
  assert LA.norm(x, ord, 0).dtype == F32


def test_norm_errors():
  x = np.ones((2, 2, 2), np.float32)
  with pytest.raises(ValueError, match="Invalid order 'bogus' for matrix norm."):
    LA.norm(x[0], "bogus")
  with pytest.raises(ValueError, match="Improper number of axes for norm"):
    LA.norm(x, 2, axis=(0, 1, 2))
  with pytest.raises(ValueError, match="Invalid order 'inf' for vector norm.Use 'jax.numpy.inf'"):
    LA.vector_norm(x[0, 0], ord="inf")


def test_misc_functions():
  rng = np.random.default_rng(18)
  a = general(rng, (4, 4), F32)
  r = rand(rng, (6, 3), F32)
  b = rand(rng, (6, 2), F32)
  np.testing.assert_allclose(LA.pinv(r), np.linalg.pinv(r), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(LA.pinv(r, rtol=0.5), np.linalg.pinv(r, rtol=0.5), rtol=1e-4,
                             atol=1e-5)
  x, resid, rank, s = LA.lstsq(r, b)
  wx, wr, wrank, ws = np.linalg.lstsq(r, b)
  np.testing.assert_allclose(x, wx, rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(resid, wr, rtol=1e-3, atol=1e-5)
  assert int(rank) == wrank
  np.testing.assert_allclose(s, ws, rtol=1e-4)
  x1 = LA.lstsq(r, b[:, 0])[0]
  np.testing.assert_allclose(x1, wx[:, 0], rtol=1e-4, atol=1e-5)
  assert LA.lstsq(r[:2], b[:2], numpy_resid=True)[1].shape == (0,)
  for n in (-2, -1, 0, 1, 2, 3, 5, 6):
    np.testing.assert_allclose(LA.matrix_power(a, n), np.linalg.matrix_power(a, n),
                               rtol=2e-4, atol=1e-5)
  low = np.outer(np.arange(1., 5.), np.arange(1., 4.)).astype(np.float32)
  assert int(LA.matrix_rank(low)) == 1 and int(LA.matrix_rank(a)) == 4
  assert LA.matrix_rank(np.zeros(3)).dtype == np.int32
  np.testing.assert_array_equal(LA.matrix_rank(np.stack([low[:3], a[:3, :3]])), [1, 3])
  for p in (None, 1, -1, 2, -2, np.inf, -np.inf, "fro", "nuc"):
    np.testing.assert_allclose(LA.cond(a, p), np.linalg.cond(a, p), rtol=1e-3)
  u, v = rand(rng, (2, 3), F32), rand(rng, (2, 3), F32)
  np.testing.assert_allclose(LA.cross(u, v), np.cross(u, v), rtol=1e-5)
  np.testing.assert_allclose(LA.outer(u[0], v[1]), np.outer(u[0], v[1]))
  np.testing.assert_allclose(LA.vecdot(u, v), np.sum(u * v, -1), rtol=1e-5)
  c = rand(rng, (2, 3), C64)
  np.testing.assert_allclose(LA.vecdot(c, c), np.linalg.vecdot(c, c), rtol=1e-5)
  np.testing.assert_allclose(LA.matmul(a, r[:4]), a @ r[:4], rtol=1e-5)
  np.testing.assert_allclose(LA.tensordot(a, a, axes=1), np.tensordot(a, a, 1), rtol=1e-5)
  np.testing.assert_allclose(LA.trace(a), np.trace(a), rtol=1e-5)
  np.testing.assert_allclose(LA.diagonal(a, offset=1), np.diagonal(a, 1))
  np.testing.assert_allclose(LA.matrix_transpose(r), r.T)
  chain = [rand(rng, (3,), F32), rand(rng, (3, 7), F32), rand(rng, (7, 2), F32),
           rand(rng, (2, 5), F32)]
  np.testing.assert_allclose(LA.multi_dot(chain), np.linalg.multi_dot(chain), rtol=1e-4)
  np.testing.assert_allclose(LA.multi_dot(chain[1:]), np.linalg.multi_dot(chain[1:]), rtol=1e-4)
  t = general(rng, (6, 6), F32).reshape(2, 3, 6)
  rhs = rand(rng, (2, 3), F32)
  np.testing.assert_allclose(LA.tensorsolve(t, rhs), np.linalg.tensorsolve(t, rhs), rtol=1e-4,
                             atol=1e-5)
  ti = general(rng, (6, 6), F32).reshape(6, 2, 3)
  np.testing.assert_allclose(LA.tensorinv(ti, 1), np.linalg.tensorinv(ti, 1), rtol=1e-4,
                             atol=1e-5)


def test_linalg_errors():
  with pytest.raises(ValueError, match="Invalid shapes for solve"):
    LA.solve(np.ones((3, 2, 2)), np.ones((3, 2)))
  with pytest.raises(ValueError, match="left hand array must be at least two dimensional"):
    LA.solve(np.ones(2), np.ones(2))
  with pytest.raises(ValueError, match=r"Argument to inv must have shape \[..., n, n\]"):
    LA.inv(np.ones((2, 3)))
  with pytest.raises(ValueError, match=r"Argument to _det\(\) must have shape \[..., n, n\]"):
    LA.det(np.ones((2, 3)))
  with pytest.raises(ValueError, match="UPLO must be one of None, 'L', or 'U'"):
    LA.eigh(np.eye(2), UPLO="X")
  with pytest.raises(ValueError, match="Unsupported QR decomposition mode 'bogus'"):
    LA.qr(np.eye(2), mode="bogus")
  with pytest.raises(TypeError, match="Last 2 dimensions of the array must be square"):
    LA.matrix_power(np.ones((2, 3)), 2)
  with pytest.raises(TypeError, match="exponent must be an integer"):
    LA.matrix_power(np.eye(2), 1.5)
  with pytest.raises(TypeError, match="requires ndarray or scalar arguments"):
    LA.det([[1., 2.], [3., 4.]])
  with pytest.raises(ValueError, match="Both input arrays must be"):
    LA.cross(np.ones(2), np.ones(2))
  with pytest.raises(ValueError, match="multi_dot requires at least two arrays"):
    LA.multi_dot([np.ones((2, 2))])
  with pytest.raises(ValueError, match="only one of rtol and rcond"):
    LA.pinv(np.eye(2), rtol=0.1, rcond=0.1)


def test_public_jaxprs_match_jax_structure():
  x = jnp.ones((3, 3))
  text = str(numjax.make_jaxpr(LA.det)(x))  # more than ten equations: printed up front
  assert text.startswith("let det = { lambda ; a:f32[3,3]. let\n")
  assert text.endswith("{ lambda ; cc:f32[3,3]. let cd:f32[] = jit[name=det jaxpr=det] cc in "
                       "(cd,) }")
  text = str(numjax.make_jaxpr(LA.inv)(x))
  assert "name=inv" in text and "name=solve" in text
  text = str(numjax.make_jaxpr(lambda a: LA.eigh(a))(x))
  assert "eigh[\n" in text and "sort_eigenvalues=True" in text


# ----------------------------------------------------------------------------------------------
# numjax.numpy.linalg: derivatives
# ----------------------------------------------------------------------------------------------
def test_solve_inv_derivatives(x64):
  rng = np.random.default_rng(19)
  for dtype in (F64, C128):
    a = general(rng, (2, 3, 3), dtype)
    b = rand(rng, (2, 3, 2), dtype)
    check_derivatives(LA.solve, [a, b], rng)
    check_derivatives(LA.solve, [a[0], b[0, :, 0]], rng)
    check_derivatives(LA.inv, [a], rng)
  check_derivatives(lambda a, b: LA.solve(a, b), [general(rng, (3, 3)), rand(rng, (4, 3, 1))],
                    rng)


def test_det_derivatives(x64):
  rng = np.random.default_rng(20)
  for n in (1, 2, 3, 4, 5):
    for dtype in (F64, C128):
      a = rand(rng, (2, n, n), dtype)
      check_derivatives(LA.det, [a], rng)
      check_derivatives(lambda x: LA.slogdet(x)[1], [a], rng)
      if dtype == C128:
        check_derivatives(lambda x: LA.slogdet(x)[0], [a], rng)
  check_derivatives(lambda x: LA.slogdet(x, method="qr")[1], [rand(rng, (4, 4))], rng)
  # Singular matrices: the gradient of det is the adjugate (transposed), rank n-1 included.
  m = np.array([[1., 2., 3., 4.], [2., 4., 6., 8.], [0., 1., 1., 0.], [1., 0., 0., 1.]])
  np.testing.assert_allclose(numjax.grad(LA.det)(m), [[-2., 6., -6., 2.], [1., -3., 3., -1.],
                                                      [0., 0., 0., 0.], [0., 0., 0., 0.]],
                             atol=1e-12)
  np.testing.assert_allclose(numjax.grad(LA.det)(np.ones((5, 5))), np.zeros((5, 5)))
  # second order
  a = rand(rng, (4, 4))
  h = numjax.hessian(LA.det)(a)
  eps = 1e-5
  e = np.zeros((4, 4))
  e[1, 2] = 1
  fd = (np.asarray(numjax.grad(LA.det)(a + eps * e)) -
        np.asarray(numjax.grad(LA.det)(a - eps * e))) / (2 * eps)
  np.testing.assert_allclose(np.asarray(h)[:, :, 1, 2], fd, rtol=1e-6, atol=1e-8)


def test_decomposition_derivatives(x64):
  rng = np.random.default_rng(21)
  h = hermitian(rng, (3, 3))
  check_derivatives(lambda x: LA.eigh(x), [h], rng)
  check_derivatives(LA.eigvalsh, [hermitian(rng, (3, 3), C128)], rng)
  check_derivatives(lambda x: LA.svd(x, full_matrices=False), [rand(rng, (4, 3))], rng)
  check_derivatives(lambda x: LA.qr(x), [rand(rng, (4, 3))], rng)
  check_derivatives(lambda x: LA.qr(x, mode="complete"), [rand(rng, (4, 3))], rng)
  check_derivatives(LA.pinv, [rand(rng, (4, 3))], rng)
  check_derivatives(LA.pinv, [rand(rng, (3, 4), C128)], rng)
  check_derivatives(lambda x: LA.pinv(x, hermitian=True), [hpd(rng, (3, 3))], rng)
  check_derivatives(lambda x: LA.matrix_power(x, -3), [general(rng, (3, 3))], rng)
  x = rand(rng, (3, 4))
  for ord in (None, "fro", "nuc", 2, -2, 1, np.inf):
    check_derivatives(lambda a: LA.norm(a, ord), [x], rng)
  for ord in (None, 1, 3, np.inf):
    check_derivatives(lambda a: LA.norm(a, ord, axis=1), [x], rng)
  check_derivatives(lambda a, b: LA.lstsq(a, b)[0], [rand(rng, (5, 3)), rand(rng, (5, 2))], rng)


def test_gradients_match_jax():
  # Recorded with JAX 0.10.2 (float32).
  A = np.array([[2., 1., 0.5], [0.3, 3., -1.], [1., -0.5, 4.]], np.float32)
  S = A @ A.T + np.eye(3, dtype=np.float32)
  cases = [
      (lambda a: LA.slogdet(a)[1], A,
       [[0.59817946, -0.11443434, -0.16384915], [-0.22106633, 0.39011705, 0.10403121],
        [-0.130039, 0.11183356, 0.29648894]]),
      (lambda a: jnp.sum(LA.pinv(a[:, :2]) ** 2), A,
       [[-0.17160517, 0.03896156, 0.], [0.0716778, -0.07795261, 0.],
        [-0.11998454, 0.04888318, 0.]]),
      (lambda a: jnp.sum(jsl.expm(a) * A), A * 0.5,
       [[8.067806, 2.2718663, 9.649905], [4.829262, 17.15358, -8.9883175],
        [6.2830315, -13.300905, 35.28038]]),
      (lambda a: LA.eigh(a)[1][0, 2] + LA.eigh(a)[0][1], A,
       [[0.39287552, 0.37658876, 0.3408522], [0.37658876, 0.5391079, 0.292431],
        [0.3408522, 0.292431, 0.06801654]]),
      (lambda a: jnp.sum(LA.svd(a)[0][:, 0] ** 3) + LA.norm(a, 2), A,
       [[0.06733751, -0.03857539, 0.2178891], [-0.03481786, -0.18037586, 0.04322004],
        [0.3739627, -0.09283389, 1.1155932]]),
      (lambda a: jnp.sum(LA.qr(a)[0] * A) + jnp.sum(LA.qr(a)[1]), A,
       [[0.6917259, -1.154373, -1.3677255], [0.31614178, -0.9215078, -0.78604585],
        [-3.734398, 0.3290962, 0.71516275]]),
      (lambda a: jnp.sum(LA.solve(a, A[:, 0]) ** 2), A,
       [[-1.1963589, 0., 0.], [0.44213265, 0., 0.], [0.260078, 0., 0.]]),
      (lambda a: jnp.sum(jnp.real(LA.eigvals(a)) ** 2), A,
       [[4.0000005, 0.60000014, 1.9999987], [1.9999995, 5.999998, -1.0000002],
        [1.0000001, -1.9999995, 8.]]),
      (lambda a: jnp.sum(LA.cholesky(a) * A), S,
       [[0.82302505, -0.50461566, -0.30845654], [-0.50461566, 0.74091643, 0.35200208],
        [-0.30845654, 0.35200208, 0.5961849]]),
      (lambda a: jnp.sum(jsl.solve(a, A, assume_a="pos")), S,
       [[-0.01967007, -0.01693886, -0.01780461], [-0.03033415, -0.02612223, -0.02745734],
        [-0.02073669, -0.01785738, -0.01877007]]),
  ]
  for i, (f, x, want) in enumerate(cases):
    g = numjax.grad(f)(x)
    assert g.dtype == F32, i
    np.testing.assert_allclose(g, want, rtol=2e-4, atol=2e-5, err_msg=f"case {i}")
  lu_, piv = jsl.lu_factor(A)
  np.testing.assert_allclose(lu_, [[2., 1., 0.5], [0.15, 2.85, -1.075],
                                   [0.5, -0.3508772, 3.372807]], rtol=1e-6)
  np.testing.assert_array_equal(piv, [0, 1, 2])


@small(6)
@given(st.integers(1, 4), st.integers(0, 2), st.integers(0, 2**31))
def test_solve_random_shapes(n, nbatch, seed):
  rng = np.random.default_rng(seed)
  batch = tuple(rng.integers(1, 3, nbatch))
  a = general(rng, batch + (n, n), F32)
  b = rand(rng, batch + (n, 2), F32)
  np.testing.assert_allclose(LA.solve(a, b), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(LA.det(a), np.linalg.det(a), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(LA.inv(a), np.linalg.inv(a), rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------------------------
# numjax.numpy.linalg: vmap and jit
# ----------------------------------------------------------------------------------------------
def test_public_vmap_and_grad_of_vmap():
  rng = np.random.default_rng(22)
  a = general(rng, (3, 4, 4), F32)
  b = rand(rng, (3, 4, 2), F32)
  h = hpd(rng, (3, 4, 4), F32)
  for f, args in [(LA.solve, [a, b]), (LA.inv, [a]), (LA.det, [a]), (LA.slogdet, [a]),
                  (LA.cholesky, [h]), (LA.eigh, [h]), (LA.pinv, [a]),
                  (lambda x: LA.norm(x, 2), [a]), (jsl.expm, [a * 0.1]),
                  (lambda x, y: jsl.solve_triangular(x, y, lower=True), [a, b]),
                  (lambda x, y: jsl.cho_solve(jsl.cho_factor(x), y), [h, b]),
                  (lambda x, y: jsl.lu_solve(jsl.lu_factor(x), y), [a, b])]:
    check_vmap(f, args, [(0,), (1,)])
  g = numjax.grad(lambda x, y: jnp.sum(LA.solve(x, y) ** 2))
  check_vmap(g, [a, b], [(0,), (None, 0)])
  gd = numjax.grad(LA.det)
  check_vmap(gd, [a], [(0,)])


def test_jit_of_public_functions():
  rng = np.random.default_rng(23)
  a = general(rng, (4, 4), F32)
  for f in [LA.inv, LA.det, lambda x: LA.slogdet(x), LA.pinv, lambda x: LA.norm(x, "nuc"),
            lambda x: LA.qr(x), jsl.expm, lambda x: jsl.lu(x), lambda x: LA.lstsq(x, x[:, 0])]:
    check_jit(f, [a])
  check_jit(numjax.grad(lambda x: jnp.sum(LA.inv(x))), [a])


# ----------------------------------------------------------------------------------------------
# numjax.scipy.linalg
# ----------------------------------------------------------------------------------------------
def test_scipy_values():
  rng = np.random.default_rng(24)
  a = general(rng, (4, 4), F32)
  h = hpd(rng, (4, 4), F32)
  b = rand(rng, (4, 3), F32)
  for trans in (0, 1, 2, "N", "T", "C"):
    for lower in (True, False):
      for unit in (True, False):
        np.testing.assert_allclose(
            jsl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit),
            sl.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit),
            rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(jsl.solve_triangular(a, b[:, 0], lower=True),
                             sl.solve_triangular(a, b[:, 0], lower=True), rtol=1e-4)
  for lower in (True, False):
    np.testing.assert_allclose(jsl.cholesky(h, lower=lower), sl.cholesky(h, lower=lower),
                               rtol=1e-4, atol=1e-5)
    c = jsl.cho_factor(h, lower=lower)
    assert c[1] == lower
    np.testing.assert_allclose(jsl.cho_solve(c, b), np.linalg.solve(h, b), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(jsl.solve(h, b, assume_a="pos", lower=lower),
                               np.linalg.solve(h, b), rtol=1e-4, atol=1e-5)
  for permute_l in (False, True):
    got = jsl.lu(a, permute_l=permute_l)
    want = sl.lu(a, permute_l=permute_l)
    for g, w in zip(got, want):
      np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
  for shape in [(5, 3), (3, 5)]:
    r = rand(rng, shape, F32)
    for g, w in zip(jsl.lu(r), sl.lu(r)):
      np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
  lu_piv = jsl.lu_factor(a)
  wlu, wpiv = sl.lu_factor(a)
  np.testing.assert_allclose(lu_piv[0], wlu, rtol=1e-5)
  np.testing.assert_array_equal(lu_piv[1], wpiv)
  for trans in (0, 1, 2):
    np.testing.assert_allclose(jsl.lu_solve(lu_piv, b, trans=trans),
                               sl.lu_solve((wlu, wpiv), b, trans=trans), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(jsl.solve(a, b), np.linalg.solve(a, b), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(jsl.inv(a), np.linalg.inv(a), rtol=1e-4, atol=1e-6)
  np.testing.assert_allclose(jsl.det(a), np.linalg.det(a), rtol=1e-4)
  w, v = jsl.eigh(h)
  np.testing.assert_allclose(w, sl.eigh(h)[0], rtol=1e-4)
  np.testing.assert_allclose(jsl.eigh(h, eigvals_only=True), sl.eigh(h, eigvals_only=True),
                             rtol=1e-4)
  u, s, vh = jsl.svd(a)
  np.testing.assert_allclose(s, sl.svd(a)[1], rtol=1e-4)
  np.testing.assert_allclose(jsl.svd(a, compute_uv=False), sl.svd(a, compute_uv=False),
                             rtol=1e-4)
  tall = rand(rng, (5, 3), F32)
  for mode in ("full", "economic"):
    for g, w_ in zip(jsl.qr(tall, mode=mode), sl.qr(tall, mode=mode)):
      np.testing.assert_allclose(g, w_, rtol=1e-4, atol=1e-5)
  r, = jsl.qr(a, mode="r")
  np.testing.assert_allclose(r, sl.qr(a, mode="r")[0], rtol=1e-4, atol=1e-5)
  blocks = (np.ones((2, 2)), 3., np.arange(3), np.zeros((1, 0)))
  np.testing.assert_array_equal(jsl.block_diag(*blocks), sl.block_diag(*blocks))
  assert jsl.block_diag(np.ones((1, 1), np.int32), 2).dtype == np.int32
  with pytest.raises(ValueError, match="must have at most 2 dimensions"):
    jsl.block_diag(np.ones((1, 1, 1)))


@pytest.mark.parametrize("scale", [0.01, 0.3, 1.0, 3.0, 20.0])
def test_expm_values(scale):
  rng = np.random.default_rng(25)
  a = rand(rng, (4, 4), F32) * scale
  want = sl.expm(a.astype(np.float64))
  np.testing.assert_allclose(jsl.expm(a), want, rtol=1e-4 * max(1, scale),
                             atol=1e-5 * np.abs(want).max())
  with _x64(True):
    a64 = a.astype(np.float64)
    np.testing.assert_allclose(jsl.expm(a64), want, rtol=1e-10, atol=1e-12 * np.abs(want).max())
    c = rand(rng, (3, 3), C128) * scale
    np.testing.assert_allclose(jsl.expm(c), sl.expm(c), rtol=1e-9, atol=1e-10 * np.abs(
        sl.expm(c)).max())
    u = np.triu(a64)
    np.testing.assert_allclose(jsl.expm(u, upper_triangular=True), sl.expm(u), rtol=1e-9)
  assert np.isnan(np.asarray(jsl.expm(np.full((2, 2), 1e30, np.float32), max_squarings=4))).all()
  batch = np.stack([a, a * 0.5])
  np.testing.assert_allclose(jsl.expm(batch), np.stack([sl.expm(m) for m in batch]),
                             rtol=1e-4 * max(1, scale), atol=1e-5 * np.abs(want).max())


def test_expm_derivatives(x64):
  rng = np.random.default_rng(26)
  for scale in (0.1, 2.0, 10.0):
    a = rand(rng, (3, 3)) * scale
    e = rand(rng, (3, 3))
    _, frechet = numjax.jvp(jsl.expm, (a,), (e,))
    np.testing.assert_allclose(frechet, sl.expm_frechet(a, e)[1], rtol=1e-9,
                               atol=1e-10 * np.abs(sl.expm(a)).max())
    ea, fa = jsl.expm_frechet(a, e)
    np.testing.assert_allclose(fa, frechet, rtol=1e-12)
    check_derivatives(jsl.expm, [a], rng, rtol=1e-5)


def test_scipy_derivatives(x64):
  rng = np.random.default_rng(27)
  a = general(rng, (3, 3))
  h = hpd(rng, (3, 3))
  b = rand(rng, (3, 2))
  check_derivatives(lambda x, y: jsl.solve_triangular(x, y, trans=1, lower=True), [a, b], rng)
  check_derivatives(lambda x, y: jsl.cho_solve(jsl.cho_factor(x), y), [h, b], rng,
                    tangents=[hermitian(rng, (3, 3)), rand(rng, (3, 2))])
  # assume_a="pos" reads one triangle but differentiates as a full matrix (as JAX's
  # custom_linear_solve does): symmetric tangents.
  check_derivatives(lambda x, y: jsl.solve(x, y, assume_a="pos"), [h, b], rng,
                    tangents=[hermitian(rng, (3, 3)), rand(rng, (3, 2))])
  check_derivatives(lambda x: jsl.lu(x), [a], rng)
  check_derivatives(lambda x, y: jsl.lu_solve(jsl.lu_factor(x), y, trans=2), [a, b], rng)
  check_derivatives(lambda x: jsl.cholesky(x), [h], rng, tangents=[hermitian(rng, (3, 3))])
  check_derivatives(lambda x: jsl.block_diag(x, x[:2, :1]), [a], rng)


def test_scipy_errors_and_warnings():
  with pytest.raises(ValueError, match="Invalid 'trans' value 7"):
    jsl.solve_triangular(np.eye(2), np.ones(2), trans=7)
  with pytest.raises(ValueError, match="Expected assume_a to be one of"):
    jsl.solve(np.eye(2), np.ones(2), assume_a="diag")
  with pytest.raises(NotImplementedError, match="Only the b=None case of eigh"):
    jsl.eigh(np.eye(2), np.eye(2))
  with pytest.raises(ValueError, match=r"Expected A to be a \(batched\) square matrix"):
    jsl.expm(np.ones((2, 3)))
  with pytest.warns(FutureWarning, match="batched 1D solves with b.ndim > 1 are deprecated"):
    out = jsl.solve_triangular(np.eye(3)[None].repeat(2, 0), np.ones((2, 3)), lower=True)
  assert out.shape == (2, 3)


def test_transposing_jitted_and_custom_jvp_functions(x64):
  # jnp.linalg functions are jitted and solve has a custom JVP: both must transpose when they
  # are applied to tangents (inside another rule) or under linear_transpose.
  rng = np.random.default_rng(28)
  a = general(rng, (3, 3))
  b = rand(rng, (3,))
  t = numjax.linear_transpose(lambda v: LA.solve(a, v), b)
  np.testing.assert_allclose(t(b)[0], np.linalg.solve(a.T, b), rtol=1e-12)

  @numjax.custom_jvp
  def g(x, y):
    return LA.solve(x, y)

  @g.defjvp
  def g_jvp(primals, tangents):
    x, y = primals
    dx, dy = tangents
    out = LA.solve(x, y)
    return out, LA.solve(x, dy - dx @ out)  # jitted, custom_jvp function of tangents
  check_derivatives(g, [a, b], rng)
  np.testing.assert_allclose(numjax.grad(lambda x: jnp.sum(g(x, b)))(a),
                             numjax.grad(lambda x: jnp.sum(LA.solve(x, b)))(a), rtol=1e-12)
