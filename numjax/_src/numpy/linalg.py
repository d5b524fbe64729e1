"""`numjax.numpy.linalg`: NumPy's linear-algebra API on the linalg primitives.

Inputs are promoted to an inexact dtype (integers become the default float), leading axes
are batch axes, and every function works under every transformation. `solve`, `det`,
`slogdet` and `pinv` carry custom JVP rules (as in JAX), so their derivatives reuse one
factorisation and stay defined for singular inputs where JAX's are.

    >>> jnp.linalg.solve(jnp.array([[2., 0.], [0., 4.]]), jnp.array([1., 1.]))
    Array([0.5 , 0.25], dtype=float32)
"""
from __future__ import annotations

import builtins
import functools
import math
import operator
from typing import NamedTuple, Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src.array import Array
from numjax._src.custom_derivatives import custom_jvp
from numjax._src.jit import jit
from numjax._src.lax import lax
from numjax._src.lax import linalg as lax_linalg
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.lax.base import index_arg
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import (check_arraylike, dtype_of, ndim_of, promote_dtypes,
                                    promote_dtypes_inexact, shape_of)

__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
           "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm", "EighResult", "EigResult", "QRResult", "SlogdetResult", "SVDResult"]


class EighResult(NamedTuple):
  eigenvalues: Array
  eigenvectors: Array


class EigResult(NamedTuple):
  eigenvalues: Array
  eigenvectors: Array


class QRResult(NamedTuple):
  Q: Array
  R: Array


class SlogdetResult(NamedTuple):
  sign: Array
  logabsdet: Array


class SVDResult(NamedTuple):
  U: Array
  S: Array
  Vh: Array


def _inexact(fname: str, *args):
  check_arraylike(fname, *args)
  return promote_dtypes_inexact(*args)


def _H(x):
  return lax_linalg._H(x)


def _conj(x):
  """Complex conjugate; real arrays pass through unchanged (no equation), as in JAX."""
  return lax.conj(x) if dtype_of(x).kind == "c" else x


def _T(x):
  return lax_linalg._T(x)


def _mm(a, b):
  return jnp.matmul(a, b)


def _symmetrize(x):
  return lax_linalg.symmetrize(x)


# ----------------------------------------------------------------------------------------------
# Factorisations
# ----------------------------------------------------------------------------------------------
@functools.partial(jit, static_argnames=("upper", "symmetrize_input"))
def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
  """Cholesky factor of Hermitian positive-definite matrices: a = L Lᴴ (or Uᴴ U with
  `upper`). NaNs if `a` is not positive definite.

    >>> jnp.linalg.cholesky(jnp.array([[2., 1.], [1., 2.]]))
    Array([[1.4142135 , 0.        ],
           [0.70710677, 1.2247449 ]], dtype=float32)
  """
  a, = _inexact("jnp.linalg.cholesky", a)
  l = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
  return _H(l) if upper else l


@functools.partial(jit, static_argnames=("full_matrices", "compute_uv", "hermitian",
                                         "subset_by_index"))
def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index=None):
  """Singular value decomposition a = U diag(S) Vh; S descending. Returns SVDResult(U, S, Vh),
  or S alone when `compute_uv` is False. With `hermitian`, the input is symmetrised (as JAX's
  eigh-based path does) and decomposed by the general algorithm: the same singular values,
  singular vectors that may differ from JAX's in sign."""
  a, = _inexact("jnp.linalg.svd", a)
  if hermitian:  # JAX reads a Hermitian input through eigh, which symmetrises it
    a = _symmetrize(a)
  if compute_uv:
    u, s, vh = lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=True,
                              subset_by_index=subset_by_index)
    return SVDResult(u, s, vh)
  return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=False,
                        subset_by_index=subset_by_index)


def svdvals(x, /):
  """Singular values, descending."""
  check_arraylike("jnp.linalg.svdvals", x)
  return svd(x, compute_uv=False)


@functools.partial(jit, static_argnames=("mode",))
def qr(a, mode: str = "reduced"):
  """QR decomposition; `mode` is 'reduced' (default), 'complete', 'r' or 'raw'."""
  a, = _inexact("jnp.linalg.qr", a)
  if mode == "raw":
    h, taus = lax_linalg.geqrf(a)
    return QRResult(_T(h), taus)
  if mode in ("reduced", "r", "full"):
    full_matrices = False
  elif mode == "complete":
    full_matrices = True
  else:
    raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
  q, r = lax_linalg.qr(a, pivoting=False, full_matrices=full_matrices)
  if mode == "r":
    return r
  return QRResult(q, r)


@functools.partial(jit, static_argnames=("UPLO", "symmetrize_input"))
def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True) -> EighResult:
  """Eigenvalues (ascending) and eigenvectors of Hermitian matrices."""
  check_arraylike("jnp.linalg.eigh", a)
  if UPLO is None or UPLO == "L":
    lower = True
  elif UPLO == "U":
    lower = False
  else:
    raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
  a, = promote_dtypes_inexact(a)
  v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
  return EighResult(w, v)


@functools.partial(jit, static_argnames=("UPLO", "symmetrize_input"))
def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):
  """Eigenvalues (ascending) of Hermitian matrices."""
  check_arraylike("jnp.linalg.eigvalsh", a)
  w, _ = eigh(a, UPLO, symmetrize_input=symmetrize_input)
  return w


def eig(a) -> EigResult:
  """Eigenvalues and right eigenvectors of general square matrices (complex outputs)."""
  a, = _inexact("jnp.linalg.eig", a)
  w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
  return EigResult(w, v)


@jit
def eigvals(a):
  """Eigenvalues of general square matrices (complex)."""
  a, = _inexact("jnp.linalg.eigvals", a)
  return lax_linalg.eig(a, compute_left_eigenvectors=False,
                        compute_right_eigenvectors=False)[0]


# ----------------------------------------------------------------------------------------------
# solve / inv
# ----------------------------------------------------------------------------------------------
@custom_jvp
def _solve_matrices(a, b):
  """a⁻¹ b for a (..., m, m) and b (..., m, k) with equal batch shapes."""
  lu_, _, perm = lax_linalg.lu(a)
  return lax_linalg._lu_solve_core(lu_, perm, b, 0)


@_solve_matrices.defjvp
def _solve_matrices_jvp(primals, tangents):
  # x = a⁻¹ b  =>  dx = a⁻¹ (db - da x): one LU serves the primal and the tangent.
  a, b = primals
  da, db = tangents
  lu_, _, perm = lax_linalg.lu(a)
  x = lax_linalg._lu_solve_core(lu_, perm, b, 0)
  rhs = lax.sub(db, lax_linalg._mm(da, x))
  return x, lax_linalg._lu_solve_core(lu_, perm, rhs, 0)


@jit
def solve(a, b):
  """Solve a x = b; `b` is (..., m) (vectors) or (..., m, k); batch axes broadcast."""
  a, b = _inexact("jnp.linalg.solve", a, b)
  sa, sb = shape_of(a), shape_of(b)
  if len(sa) < 2:
    raise ValueError(f"left hand array must be at least two dimensional; got a.shape={sa}")
  if len(sb) > 1 and len(sa) == len(sb) + 1 and sa[-1] == sb[-1] and sa[-1] != sb[-2]:
    raise ValueError(f"Invalid shapes for solve: {sa}, {sb}. Prior to JAX v0.5.0, this would "
                     f"have been treated as a batched 1-dimensional solve. To recover this "
                     f"behavior, use solve(a, b[..., None]).squeeze(-1).")
  vector = len(sb) == 1
  core_b = 1 if vector else 2
  if (sa[-1] != sa[-2] or len(sb) < core_b or sb[len(sb) - core_b] != sa[-1]):
    raise ValueError(f"The arguments to solve must have shapes a=[..., m, m] and b=[..., m, k] "
                     f"or b=[..., m]; got a={sa} and b={sb}")
  if vector:
    b = lax.expand_dims(b, (1,))
    sb = shape_of(b)
  batch = tuple(_util_broadcast_shapes(sa[:-2], sb[:-2]))
  a = lax.broadcast_to_shape(a, batch + sa[-2:])
  b = lax.broadcast_to_shape(b, batch + sb[-2:])
  x = _solve_matrices(a, b)
  return lax.squeeze(x, (ndim_of(x) - 1,)) if vector else x


def _solve_plain(a, b):
  """a⁻¹ b for a (..., m, m), b (..., m, k) with equal batch shapes: no jit and no custom
  rule, for use inside JVP rules (where the operands may be tangents)."""
  lu_, _, perm = lax_linalg.lu(a)
  return lax_linalg._lu_solve_core(lu_, perm, b, 0)


@jit
def inv(a):
  """Matrix inverse (via LU)."""
  check_arraylike("jnp.linalg.inv", a)
  a = jnp.asarray(a)
  shape = shape_of(a)
  if len(shape) < 2 or shape[-1] != shape[-2]:
    raise ValueError(f"Argument to inv must have shape [..., n, n], got {shape}.")
  eye = jnp.eye(shape[-1], dtype=dtype_of(a))
  return solve(a, lax.broadcast(eye, shape[:-2]) if len(shape) > 2 else eye)


def tensorinv(a, ind: int = 2):
  """Inverse of an N-d array seen as a matrix over its first `ind` axes."""
  check_arraylike("tensorinv", a)
  arr = jnp.asarray(a)
  ind = index_arg(ind, "jnp.linalg.tensorinv ind")
  if ind <= 0:
    raise ValueError(f"ind must be a positive integer; got ind={ind}")
  shape = shape_of(arr)
  contracting_shape, batch_shape = shape[:ind], shape[ind:]
  flatshape = (math.prod(contracting_shape), math.prod(batch_shape))
  if flatshape[0] != flatshape[1]:
    raise ValueError("tensorinv is only possible when the product of the first `ind` "
                     "dimensions equals that of the remaining dimensions. got "
                     f"arr.shape={shape} with ind={ind}.")
  return jnp.reshape(inv(jnp.reshape(arr, flatshape)), (*batch_shape, *contracting_shape))


def tensorsolve(a, b, axes=None):
  """Solve the tensor equation tensordot(a, x, x.ndim) = b for x."""
  check_arraylike("tensorsolve", a, b)
  a_arr, b_arr = jnp.asarray(a), jnp.asarray(b)
  if axes is not None:
    a_arr = jnp.moveaxis(a_arr, axes, len(axes) * (ndim_of(a_arr) - 1,))
  sa, sb = shape_of(a_arr), shape_of(b_arr)
  out_shape = sa[len(sb):]
  if sa[:len(sb)] != sb:
    raise ValueError("After moving axes to end, leading shape of a must match shape of b. got "
                     f"a.shape={sa}, b.shape={sb}")
  size_b = math.prod(sb)
  if size_b != math.prod(out_shape):
    raise ValueError("Input arrays must have prod(a.shape[:b.ndim]) == prod(a.shape[b.ndim:]);"
                     f" got a.shape={sa}, b.ndim={len(sb)}.")
  a_arr = jnp.reshape(a_arr, (size_b, math.prod(out_shape)))
  return jnp.reshape(solve(a_arr, jnp.ravel(b_arr)), out_shape)


# ----------------------------------------------------------------------------------------------
# Determinants
# ----------------------------------------------------------------------------------------------
def _lu_parity(pivots):
  n = shape_of(pivots)[-1]
  iota = lax.broadcast_to_shape(lax.iota(np.int32, n), shape_of(pivots))
  return jnp.sum(lax.ne(pivots, iota), axis=-1)


def _slogdet_small_impl(a):
  n = shape_of(a)[-1]
  if n == 1:
    det = a[..., 0, 0]
  else:
    det = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
  return jnp.sign(det), jnp.real(jnp.log(jnp.abs(det)))


@custom_jvp
def _slogdet_small(a):
  return _slogdet_small_impl(a)


@_slogdet_small.defjvp
def _slogdet_small_jvp(primals, tangents):
  x, = primals
  g, = tangents
  n = shape_of(x)[-1]
  sign, ans = _slogdet_small_impl(x)
  if n == 1:
    ans_dot = g[..., 0, 0] / x[..., 0, 0]
  else:
    x00, x01, x10, x11 = x[..., 0, 0], x[..., 0, 1], x[..., 1, 0], x[..., 1, 1]
    det = x00 * x11 - x01 * x10
    ans_dot = (g[..., 0, 0] * x11 - g[..., 0, 1] * x10 - g[..., 1, 0] * x01
               + g[..., 1, 1] * x00) / det
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


def _slogdet_tangents(x, sign, ans_dot):
  if dtype_of(x).kind == "c":
    sign_dot = (ans_dot - jnp.real(ans_dot).astype(dtype_of(ans_dot))) * sign
    return sign_dot, jnp.real(ans_dot)
  return jnp.zeros_like(sign), ans_dot


def _slogdet_lu_impl(a):
  dtype = dtype_of(a)
  lu_, pivot, _ = lax_linalg.lu(a)
  diag = lax_linalg._diagonal(lu_)
  is_zero = jnp.any(diag == jnp.array(0, dtype=dtype), axis=-1)
  parity = _lu_parity(pivot)
  if dtype.kind == "c":
    sign = jnp.prod(diag / jnp.abs(diag).astype(dtype), axis=-1)
  else:
    sign = jnp.array(1, dtype=dtype)
    parity = parity + jnp.count_nonzero(diag < 0, axis=-1)
  sign = jnp.where(is_zero, jnp.array(0, dtype=dtype),
                   sign * jnp.array(-2 * (parity % 2) + 1, dtype=dtype))
  logdet = jnp.where(is_zero, jnp.array(-np.inf, dtype=dtype),
                     jnp.sum(jnp.log(jnp.abs(diag)).astype(dtype), axis=-1))
  return sign, jnp.real(logdet)


@custom_jvp
def _slogdet_lu(a):
  return _slogdet_lu_impl(a)


@_slogdet_lu.defjvp
def _slogdet_lu_jvp(primals, tangents):
  # d log|det a| = trace(a⁻¹ da); sign is piecewise constant (real) or a phase (complex).
  x, = primals
  g, = tangents
  sign, ans = _slogdet_lu_impl(x)
  ans_dot = jnp.trace(_solve_plain(x, g), axis1=-1, axis2=-2)
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


@functools.partial(jit, static_argnames=("method",))
def slogdet(a, *, method: str | None = None) -> SlogdetResult:
  """Sign and log of the absolute value of the determinant."""
  a, = _inexact("jnp.linalg.slogdet", a)
  shape = shape_of(a)
  if len(shape) < 2 or shape[-1] != shape[-2]:
    raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {shape}")
  if method is None or method == "lu":
    if shape[-1] in (1, 2):
      return SlogdetResult(*_slogdet_small(a))
    return SlogdetResult(*_slogdet_lu(a))
  if method == "qr":
    if dtype_of(a).kind == "c":
      raise NotImplementedError("slogdet method='qr' not implemented for complex inputs")
    return SlogdetResult(*_slogdet_qr(a))
  raise ValueError(f"Unknown slogdet method '{method}'. Supported methods are 'lu' (`None`), "
                   "and 'qr'.")


@custom_jvp
def _slogdet_qr(a):
  n = shape_of(a)[-1]
  h, taus = lax_linalg.geqrf(a)
  a_diag = lax_linalg._diagonal(h)
  log_abs_det = jnp.sum(jnp.log(jnp.abs(a_diag)), axis=-1)
  sign_diag = jnp.prod(jnp.sign(a_diag), axis=-1)
  # Each Householder reflection actually applied (tau != 0) has determinant -1.
  reflections = jnp.where(taus[..., :n - 1] != 0, -1, 1)
  sign_taus = jnp.prod(reflections, axis=-1).astype(dtype_of(sign_diag))
  return sign_diag * sign_taus, log_abs_det


@_slogdet_qr.defjvp
def _slogdet_qr_jvp(primals, tangents):
  x, = primals
  g, = tangents
  sign, ans = _slogdet_qr(x)
  ans_dot = jnp.trace(_solve_plain(x, g), axis1=-1, axis2=-2)
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


def _cofactor_solve(a, b):
  """(det(a), adjugate(a) @ b), well defined for singular a (see JAX's notes):

  with P a = L U, det(a) a⁻¹ b = det(a) U⁻¹ L⁻¹ P b. The last diagonal entry of U is replaced
  by 1 / prod(other diagonal entries) so rank n-1 matrices give the right (rank-1) answer
  without dividing by zero; lower ranks give zeros."""
  a, = promote_dtypes_inexact(a)
  b, = promote_dtypes_inexact(b)
  sa, sb = shape_of(a), shape_of(b)
  if not (len(sa) >= 2 and sa[-1] == sa[-2] and sb[-2:] == sa[-2:]):
    raise ValueError(f"The arguments to _cofactor_solve must have shapes a=[..., m, m] and "
                     f"b=[..., m, m]; got a={sa} and b={sb}")
  n = sa[-1]
  if n == 1:
    return a[..., 0, 0], b
  lu_, pivots, permutation = lax_linalg.lu(a)
  dtype = dtype_of(a)
  batch = tuple(_util_broadcast_shapes(sa[:-2], sb[:-2]))
  x = jnp.broadcast_to(b, batch + sb[-2:])
  lu_ = jnp.broadcast_to(lu_, batch + sa[-2:])
  permutation = jnp.broadcast_to(permutation, batch + (n,))
  diag = lax_linalg._diagonal(lu_)
  sign = jnp.asarray(-2 * (_lu_parity(pivots) % 2) + 1, dtype=dtype)
  sign = jnp.broadcast_to(sign, batch)
  partial_det = jnp.prod(diag[..., :-1], axis=-1) * sign   # det(u) / u_nn, with the sign
  full_det = partial_det * diag[..., -1]
  corner = lax.broadcast_to_shape(
      lax.bitwise_and(lax.eq(lax.broadcasted_iota(np.int32, (n, n), 0), np.int32(n - 1)),
                      lax.eq(lax.broadcasted_iota(np.int32, (n, n), 1), np.int32(n - 1))),
      batch + (n, n))
  inv_partial = jnp.broadcast_to((1.0 / partial_det)[..., None, None], batch + (n, n))
  lu_ = jnp.where(corner, inv_partial, lu_)
  # Filter out matrices that are not full rank (after the corner fix: rank n-1 passes).
  d = jnp.ones(shape_of(x)[:-1], dtype)
  d = lax_linalg.triangular_solve(lu_, d, left_side=True, lower=False)
  d = jnp.any(jnp.logical_or(jnp.isnan(d), jnp.isinf(d)), axis=-1)
  d = jnp.broadcast_to(d[..., None, None], shape_of(x))
  x = jnp.where(d, jnp.zeros_like(x), x)
  x = lax_linalg._mm(lax_linalg._permutation_matrix(permutation, dtype), x)
  x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
  x = jnp.concatenate((x[..., :-1, :] * full_det[..., None, None], x[..., -1:, :]), axis=-2)
  x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False)
  x = jnp.where(d, jnp.zeros_like(x), x)
  return full_det, x


def _det_2x2(a):
  return a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]


def _det_3x3(a):
  return (a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2] +
          a[..., 0, 1] * a[..., 1, 2] * a[..., 2, 0] +
          a[..., 0, 2] * a[..., 1, 0] * a[..., 2, 1] -
          a[..., 0, 2] * a[..., 1, 1] * a[..., 2, 0] -
          a[..., 0, 0] * a[..., 1, 2] * a[..., 2, 1] -
          a[..., 0, 1] * a[..., 1, 0] * a[..., 2, 2])


@custom_jvp
def _det(a):
  sign, logdet = slogdet(a)
  return sign * jnp.exp(logdet).astype(dtype_of(sign))


@_det.defjvp
def _det_jvp(primals, tangents):
  x, = primals
  g, = tangents
  y, z = _cofactor_solve(x, g)
  return y, jnp.trace(z, axis1=-1, axis2=-2)


@jit
def det(a):
  """Determinant (closed forms for 2x2 and 3x3, LU otherwise)."""
  a, = _inexact("jnp.linalg.det", a)
  shape = shape_of(a)
  if len(shape) >= 2 and shape[-1] == 2 and shape[-2] == 2:
    return _det_2x2(a)
  if len(shape) >= 2 and shape[-1] == 3 and shape[-2] == 3:
    return _det_3x3(a)
  if len(shape) >= 2 and shape[-1] == shape[-2]:
    return _det(a)
  raise ValueError(f"Argument to _det() must have shape [..., n, n], got {shape}")


# ----------------------------------------------------------------------------------------------
# pinv, lstsq, matrix_rank, matrix_power, cond
# ----------------------------------------------------------------------------------------------
def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
  """Moore-Penrose pseudo-inverse (singular values below rtol * max(s) are dropped)."""
  if rcond is not None:
    if rtol is not None:
      raise ValueError("pinv: only one of rtol and rcond may be specified.")
    rtol = rcond
  check_arraylike("jnp.linalg.pinv", a)
  return _pinv(a, rtol, hermitian)


def _pinv_impl(a, rtol, hermitian):
  arr, = promote_dtypes_inexact(a)
  if ndim_of(arr) < 2:
    raise ValueError(f"jnp.linalg.pinv requires an array of rank at least 2 (a matrix or a stack "
                     f"of matrices), got shape {shape_of(arr)}")
  m, n = shape_of(arr)[-2:]
  if m == 0 or n == 0:
    return jnp.zeros(shape_of(arr)[:-2] + (n, m), dtype_of(arr))
  arr = _conj(arr)
  if rtol is None:
    max_rows_cols = builtins.max(shape_of(arr)[-2:])
    rtol = 10. * max_rows_cols * jnp.array(float(np.finfo(dtypes.real_dtype(dtype_of(arr))).eps),
                                           dtype=dtypes.real_dtype(dtype_of(arr)))
  rtol = jnp.asarray(rtol)
  u, s, vh = svd(arr, full_matrices=False, hermitian=hermitian)
  rtol = lax.expand_dims(lax.expand_dims(rtol, (ndim_of(rtol),)),
                         tuple(range(ndim_of(s) - ndim_of(rtol) - 1)))
  cutoff = rtol * s[..., 0:1]
  s = jnp.where(s > cutoff, s, np.inf).astype(dtype_of(u))
  res = _mm(jnp.matrix_transpose(vh), jnp.divide(jnp.matrix_transpose(u), s[..., None]))
  return lax.convert_element_type(res, dtype_of(arr))


def _pinv_fun(a, rtol=None, hermitian=False):
  return _pinv_impl(a, rtol, hermitian)


_pinv = custom_jvp(jit(_pinv_fun, static_argnames=("hermitian",)),
                   nondiff_argnums=(1, 2))


@_pinv.defjvp
def _pinv_jvp(rtol, hermitian, primals, tangents):
  a, = primals
  a_dot, = tangents
  p = _pinv_impl(a, rtol, hermitian)
  if hermitian:
    a = _symmetrize(a)
    a_dot = _symmetrize(a_dot)
  m, n = shape_of(a)[-2:]
  if m >= n:
    s = _mm(_mm(p, _H(p)), _H(a_dot))
    t = _mm(_mm(_H(a_dot), _H(p)), p)
    p_dot = -_mm(_mm(p, a_dot), p) + s - _mm(_mm(s, a), p) + t - _mm(_mm(p, a), t)
  else:
    s = _mm(p, _mm(_H(p), _H(a_dot)))
    t = _mm(_H(a_dot), _mm(_H(p), p))
    p_dot = -_mm(p, _mm(a_dot, p)) + s - _mm(s, _mm(a, p)) + t - _mm(p, _mm(a, t))
  return p, p_dot


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
  """Least-squares solution of a x = b: returns (x, residuals, rank, s)."""
  check_arraylike("jnp.linalg.lstsq", a, b)
  if numpy_resid:
    return _lstsq(a, b, rcond, numpy_resid=True)
  return _jit_lstsq(a, b, rcond)


def _lstsq(a, b, rcond, *, numpy_resid: bool = False):
  a, b = promote_dtypes_inexact(a, b)
  if ndim_of(a) != 2:
    raise TypeError(f"{ndim_of(a)}-dimensional array given. Array must be two-dimensional "
                    f"(jnp.linalg.lstsq a has shape {shape_of(a)})")
  if ndim_of(b) not in (1, 2):
    raise TypeError(f"{ndim_of(b)}-dimensional array given. Array must be one or "
                    f"two-dimensional (jnp.linalg.lstsq b has shape {shape_of(b)})")
  if shape_of(a)[0] != shape_of(b)[0]:
    raise ValueError(f"Leading dimensions of input arrays must match, got a.shape "
                     f"{shape_of(a)} and b.shape {shape_of(b)}")
  b_orig_ndim = ndim_of(b)
  if b_orig_ndim == 1:
    b = b[:, None]
  if ndim_of(a) != 2:
    raise TypeError(f"{ndim_of(a)}-dimensional array given. Array must be two-dimensional")
  if ndim_of(b) != 2:
    raise TypeError(f"{ndim_of(b)}-dimensional array given. Array must be one or "
                    "two-dimensional")
  m, n = shape_of(a)
  dtype = dtype_of(a)
  rdt = dtypes.real_dtype(dtype)
  if m * n == 0:
    s = jnp.zeros((0,), rdt)
    rank = jnp.array(0, dtype=dtypes.default_int())
    x = jnp.zeros((n,) + shape_of(b)[1:], dtype)
  else:
    eps = float(np.finfo(rdt).eps)
    if rcond is None:
      rcond = eps * builtins.max(n, m)
    else:
      rcond = jnp.where(jnp.asarray(rcond) < 0, eps, rcond)
    u, s, vt = svd(a, full_matrices=False)
    mask = jnp.logical_and(s > 0, s >= jnp.asarray(rcond).astype(rdt) * s[0])
    rank = jnp.sum(mask)
    safe_s = jnp.where(mask, s, 1).astype(dtype)
    s_inv = jnp.where(mask, 1 / safe_s, 0)[:, None]
    utb = _mm(_conj(u).T, b)
    x = _mm(_conj(vt).T, s_inv * utb)
  if numpy_resid and (int(rank) < n or m <= n):
    resid = jnp.asarray([], dtype=rdt)
  else:
    b_estimate = _mm(a, x)
    resid = norm(b - b_estimate, axis=0) ** 2
  if b_orig_ndim == 1:
    x = jnp.ravel(x)
  return x, resid, rank, s


def _lstsq_jit_body(a, b, rcond):
  return _lstsq(a, b, rcond, numpy_resid=False)


_lstsq_jit_body.__name__ = _lstsq_jit_body.__qualname__ = "_lstsq"  # JAX's jit name
_jit_lstsq = jit(_lstsq_jit_body)


@functools.partial(jit, static_argnames=("hermitian",))
def matrix_rank(M, rtol=None, *, hermitian: bool = False, tol=None):
  """Number of singular values above rtol (default max(s) * max(m, n) * eps)."""
  check_arraylike("jnp.linalg.matrix_rank", M)
  if tol is not None:
    if rtol is not None:
      raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
    rtol = tol
  M, = promote_dtypes_inexact(M)
  if ndim_of(M) < 2:
    return jnp.any(M != 0).astype(np.int32)
  S = svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
  if rtol is None:
    rdt = dtype_of(S)
    rtol = jnp.max(S, axis=-1) * np.asarray(builtins.max(shape_of(M)[-2:]), rdt) \
        * np.asarray(np.finfo(rdt).eps, rdt)
  rtol = jnp.asarray(rtol)
  rtol = jnp.expand_dims(rtol, ndim_of(rtol))
  return jnp.sum(S > rtol, axis=-1)


@functools.partial(jit, static_argnames=("n",))
def matrix_power(a, n: int):
  """a raised to the integer power n by repeated squaring (n < 0 inverts first)."""
  check_arraylike("jnp.linalg.matrix_power", a)
  arr = jnp.asarray(a)
  shape = shape_of(arr)
  if len(shape) < 2:
    raise TypeError(f"{len(shape)}-dimensional array given. Array must be at least "
                    "two-dimensional")
  if shape[-2] != shape[-1]:
    raise TypeError(f"Last 2 dimensions of the array must be square, got shape {shape}")
  try:
    n = operator.index(n)
  except TypeError as err:
    raise TypeError(f"exponent must be an integer, got {n}") from err
  if n == 0:
    return jnp.broadcast_to(jnp.eye(shape[-2], dtype=dtype_of(arr)), shape)
  if n < 0:
    arr = inv(arr)
    n = -n
  if n == 1:
    return arr
  if n == 2:
    return _mm(arr, arr)
  if n == 3:
    return _mm(_mm(arr, arr), arr)
  z = result = None
  while n > 0:
    z = arr if z is None else _mm(z, z)
    n, bit = divmod(n, 2)
    if bit:
      result = z if result is None else _mm(result, z)
  return result


@functools.partial(jit, static_argnames=("p",))
def cond(x, p=None):
  """Condition number in the norm `p` (default: 2-norm, via singular values)."""
  check_arraylike("cond", x)
  arr = jnp.asarray(x)
  shape = shape_of(arr)
  if len(shape) < 2:
    raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got arr.shape={shape}")
  if shape[-1] == 0 or shape[-2] == 0:
    raise ValueError(f"jnp.linalg.cond: input array must not be empty; got arr.shape={shape}")
  if p is None or p == 2:
    s = svdvals(x)
    return s[..., 0] / s[..., -1]
  if p == -2:
    s = svdvals(x)
    r = s[..., -1] / s[..., 0]
  else:
    if shape[-2] != shape[-1]:
      raise ValueError(f"jnp.linalg.cond: for p={p}, array must be square; got "
                       f"arr.shape={shape}")
    r = norm(x, ord=p, axis=(-2, -1)) * norm(inv(x), ord=p, axis=(-2, -1))
  return jnp.where(jnp.logical_and(jnp.isnan(r),
                                   jnp.logical_not(jnp.any(jnp.isnan(arr), axis=(-2, -1)))),
                   np.inf, r)


# ----------------------------------------------------------------------------------------------
# Norms
# ----------------------------------------------------------------------------------------------
def _abs2_sum(x, axis, keepdims):
  return jnp.sqrt(jnp.sum(jnp.real(x * _conj(x)), axis=axis, keepdims=keepdims))


@functools.partial(jit, static_argnames=("ord", "axis", "keepdims"))
def norm(x, ord=None, axis=None, keepdims: bool = False):
  """Vector or matrix norm (NumPy's `ord` values: None, 'fro', 'nuc', ±inf, ±1, ±2, p)."""
  x, = _inexact("jnp.linalg.norm", x)
  ndim = ndim_of(x)
  if axis is None:
    if ord is None:
      return _abs2_sum(x, None, keepdims)
    axis = tuple(range(ndim))
  elif isinstance(axis, tuple):
    axis = tuple(_canon_axis(a, ndim) for a in axis)
  else:
    axis = (_canon_axis(axis, ndim),)
  if len(axis) == 1:
    return vector_norm(x, ord=2 if ord is None else ord, axis=axis, keepdims=keepdims)
  if len(axis) != 2:
    raise ValueError(f"Improper number of axes for norm: axis={axis}. Pass one axis to compute "
                     "a vector-norm, or two axes to compute a matrix-norm.")
  row_axis, col_axis = axis
  if ord is None or ord in ("f", "fro"):
    return _abs2_sum(x, axis, keepdims)
  if ord == 1 or ord == -1:
    if not keepdims and col_axis > row_axis:
      col_axis -= 1
    summed = jnp.sum(jnp.abs(x), axis=row_axis, keepdims=keepdims)
    return (jnp.max(summed, axis=col_axis, keepdims=keepdims, initial=0) if ord == 1
            else jnp.min(summed, axis=col_axis, keepdims=keepdims))
  if ord == np.inf or ord == -np.inf:
    if not keepdims and row_axis > col_axis:
      row_axis -= 1
    summed = jnp.sum(jnp.abs(x), axis=col_axis, keepdims=keepdims)
    return (jnp.max(summed, axis=row_axis, keepdims=keepdims, initial=0) if ord == np.inf
            else jnp.min(summed, axis=row_axis, keepdims=keepdims))
  if ord in ("nuc", 2, -2):
    y = jnp.moveaxis(x, axis, (-2, -1))
    s = svd(y, compute_uv=False)
    if ord == 2:
      out = jnp.max(s, axis=-1, initial=0)
    elif ord == -2:
      out = jnp.min(s, axis=-1)
    else:
      out = jnp.sum(s, axis=-1)
    if keepdims:
      out = jnp.expand_dims(out, axis)
    return out
  raise ValueError(f"Invalid order '{ord}' for matrix norm.")


def _canon_axis(a, ndim):
  from numjax._src.numpy.util import canonicalize_axis
  return canonicalize_axis(a, ndim)


def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):
  """Vector norm over `axis` (all axes by default)."""
  check_arraylike("jnp.linalg.vector_norm", x)
  x = jnp.asarray(x)
  if ord is None or ord == 2:
    return _abs2_sum(x, axis, keepdims)
  if ord == np.inf:
    return jnp.max(jnp.abs(x), axis=axis, keepdims=keepdims, initial=0)
  if ord == -np.inf:
    return jnp.min(jnp.abs(x), axis=axis, keepdims=keepdims)
  if ord == 0:
    rdt = dtypes.real_dtype(dtype_of(x)) if dtype_of(x).kind in "fc" else dtypes.default_float()
    return jnp.sum(x != 0, dtype=rdt, axis=axis, keepdims=keepdims)
  if ord == 1:
    return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
  if isinstance(ord, str):
    msg = f"Invalid order '{ord}' for vector norm."
    if ord == "inf":
      msg += "Use 'jax.numpy.inf' instead."
    if ord == "-inf":
      msg += "Use '-jax.numpy.inf' instead."
    raise ValueError(msg)
  abs_x = jnp.abs(x)
  ord_arr = lax._const(abs_x, ord)
  ord_inv = lax._const(abs_x, 1. / float(ord))
  out = jnp.sum(jnp.power(abs_x, ord_arr), axis=axis, keepdims=keepdims)
  return jnp.power(out, ord_inv)


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):
  """Matrix norm over the last two axes."""
  check_arraylike("jnp.linalg.matrix_norm", x)
  return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


# ----------------------------------------------------------------------------------------------
# Products and shape helpers (array-API names)
# ----------------------------------------------------------------------------------------------
def matrix_transpose(x, /):
  """Swap the last two axes."""
  check_arraylike("jnp.linalg.matrix_transpose", x)
  x = jnp.asarray(x)
  if ndim_of(x) < 2:
    raise ValueError(f"matrix_transpose requires at least 2 dimensions; got ndim={ndim_of(x)}")
  return _T(x)


def cross(x1, x2, /, *, axis=-1):
  """Cross product of 3-vectors along `axis`."""
  check_arraylike("jnp.linalg.cross", x1, x2)
  x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
  _canon_axis(axis, ndim_of(x1)), _canon_axis(axis, ndim_of(x2))
  if shape_of(x1)[axis] != 3 or shape_of(x2)[axis] != 3:
    raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                     f"have x1.shape[axis]={shape_of(x1)[axis]} and "
                     f"x2.shape[axis]={shape_of(x2)[axis]}")
  return jnp.cross(x1, x2, axis=axis)


def outer(x1, x2, /):
  """Outer product of two vectors."""
  check_arraylike("jnp.linalg.outer", x1, x2)
  x1, x2 = jnp.asarray(x1), jnp.asarray(x2)
  if ndim_of(x1) != 1 or ndim_of(x2) != 1:
    raise ValueError(f"Input arrays must be one-dimensional, but they are "
                     f"x1.ndim={ndim_of(x1)} x2.ndim={ndim_of(x2)}")
  return x1[:, None] * x2[None, :]


def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
  """Matrix product with broadcasting (`x1 @ x2`)."""
  check_arraylike("jnp.linalg.matmul", x1, x2)
  return jnp.matmul(x1, x2, precision=precision, preferred_element_type=preferred_element_type)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None,
              out_sharding=None):
  check_arraylike("jnp.linalg.tensordot", x1, x2)
  return jnp.tensordot(x1, x2, axes=axes, precision=precision,
                       preferred_element_type=preferred_element_type)


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
  """Conjugated dot product of vectors along `axis`, broadcasting the other axes."""
  check_arraylike("jnp.linalg.vecdot", x1, x2)
  x1, x2 = promote_dtypes(x1, x2)
  n1, n2 = ndim_of(x1), ndim_of(x2)
  _canon_axis(axis, n1), _canon_axis(axis, n2)
  if shape_of(x1)[axis] != shape_of(x2)[axis]:
    raise ValueError(f"vecdot: contracting axis sizes must match, got {shape_of(x1)} and "
                     f"{shape_of(x2)} with axis={axis}")
  x1 = jnp.moveaxis(x1, axis, -1)
  x2 = jnp.moveaxis(x2, axis, -1)
  if dtype_of(x1).kind == "c":
    x1 = jnp.conj(x1)
  return jnp.sum(x1 * x2, axis=-1)


def diagonal(x, /, *, offset: int = 0):
  """Diagonals of the last two axes."""
  check_arraylike("jnp.linalg.diagonal", x)
  return jnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset: int = 0, dtype=None):
  """Sum of the diagonals of the last two axes."""
  check_arraylike("jnp.linalg.trace", x)
  return jnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)


def multi_dot(arrays: Sequence, *, precision=None):
  """Chained matrix product, multiplied in the cheapest order (first/last may be vectors)."""
  if not isinstance(arrays, (list, tuple)):
    raise TypeError(f"jnp.linalg.multi_dot takes a sequence of arrays, got "
                    f"{type(arrays).__name__}")
  arrs = list(arrays)
  check_arraylike("jnp.linalg.multi_dot", *arrs)
  arrs = [jnp.asarray(a) for a in arrs]
  if len(arrs) < 2:
    raise ValueError(f"multi_dot requires at least two arrays; got len(arrays)={len(arrs)}")
  if not (ndim_of(arrs[0]) in (1, 2) and ndim_of(arrs[-1]) in (1, 2) and
          all(ndim_of(a) == 2 for a in arrs[1:-1])):
    raise ValueError("multi_dot: input arrays must all be two-dimensional, except for the first "
                     "and last array which may be 1 or 2 dimensional. Got array shapes "
                     f"{[shape_of(a) for a in arrs]}")
  if any(shape_of(a)[-1] != shape_of(b)[0] for a, b in zip(arrs[:-1], arrs[1:])):
    raise ValueError("multi_dot: last dimension of each array must match first dimension of "
                     f"following array. Got array shapes {[shape_of(a) for a in arrs]}")
  first_vec, last_vec = ndim_of(arrs[0]) == 1, ndim_of(arrs[-1]) == 1
  if first_vec:
    arrs[0] = arrs[0][None, :]
  if last_vec:
    arrs[-1] = arrs[-1][:, None]
  dims = [shape_of(a)[0] for a in arrs] + [shape_of(arrs[-1])[1]]
  order = _chain_order(dims)

  def build(i, j):
    if i == j:
      return arrs[i]
    k = order[i][j]
    return jnp.matmul(build(i, k), build(k + 1, j), precision=precision)
  out = build(0, len(arrs) - 1)
  if first_vec:
    out = out[0]
  if last_vec:
    out = out[..., 0]
  return out


def _chain_order(dims: list) -> list:
  """Optimal matrix-chain split points (textbook dynamic programme)."""
  n = len(dims) - 1
  cost = [[0] * n for _ in range(n)]
  split = [[0] * n for _ in range(n)]
  for length in range(1, n):
    for i in range(n - length):
      j = i + length
      cost[i][j] = math.inf
      for k in range(i, j):
        c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
        if c < cost[i][j]:
          cost[i][j], split[i][j] = c, k
  return split
