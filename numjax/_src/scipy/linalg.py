"""`numjax.scipy.linalg`: SciPy's linear-algebra API (`jax.scipy.linalg`).

Written on the linalg primitives and `numjax.numpy`, so everything is differentiable,
batchable and jittable; `expm` is a Padé approximant with scaling and squaring in jnp.

    >>> jsl.solve_triangular(jnp.array([[2., 0.], [1., 1.]]), jnp.array([2., 2.]), lower=True)
    Array([1., 1.], dtype=float32)
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from numjax._src import core, dtypes
from numjax._src.custom_derivatives import custom_jvp
from numjax._src.jit import jit
from numjax._src.lax import lax
from numjax._src.lax import linalg as lax_linalg
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy import linalg as jnp_linalg
from numjax._src.numpy.util import broadcast_shapes as _util_broadcast_shapes
from numjax._src.numpy.util import (check_arraylike, dtype_of, ndim_of, promote_dtypes,
                                    promote_dtypes_inexact, shape_of)

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm",
           "expm_frechet", "inv", "lu", "lu_factor", "lu_solve", "qr", "solve",
           "solve_triangular", "svd"]


def _inexact(*args):
  return promote_dtypes_inexact(*[jnp.asarray(a) for a in args])


def _vector_or_matrix(fname: str, a, b) -> bool:
  """Whether `b` holds vectors ('(n,n),(n)->(n)') rather than matrices ('(n,n),(n,k)')."""
  sa, sb = shape_of(a), shape_of(b)
  if len(sa) < 2 or sa[-1] != sa[-2]:
    raise ValueError(f"jax.scipy.linalg.{fname}: a must be a (batch of) square matrices, got "
                     f"shape {sa}")
  if not sb:
    raise ValueError(f"jax.scipy.linalg.{fname}: b must have at least one dimension, got a "
                     f"scalar")
  if len(sb) == 1:
    return True
  if len(sa) == len(sb) + 1 and sa[-1] == sb[-1]:
    warnings.warn(f"jax.scipy.linalg.{fname}: batched 1D solves with b.ndim > 1 are "
                  f"deprecated, and in the future will be treated as a batched 2D solve. Use "
                  f"{fname}(a, b[..., None]).squeeze(-1) to avoid this warning.",
                  category=FutureWarning, stacklevel=3)
    return True
  return False


def _broadcast_batch(a, b, vector: bool, a_core: int = 2):
  """Broadcast the batch (non-core) axes of a and b against each other."""
  b_core = 1 if vector else 2
  sa, sb = shape_of(a), shape_of(b)
  batch = tuple(_util_broadcast_shapes(sa[:len(sa) - a_core], sb[:len(sb) - b_core]))
  a = lax.broadcast_to_shape(a, batch + sa[len(sa) - a_core:])
  b = lax.broadcast_to_shape(b, batch + sb[len(sb) - b_core:])
  return a, b


# ----------------------------------------------------------------------------------------------
# Cholesky
# ----------------------------------------------------------------------------------------------
def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """Cholesky factor: upper U with a = Uᴴ U (default, as SciPy) or lower L with a = L Lᴴ.
  Only the chosen triangle of `a` is read."""
  return _cholesky(a, lower)


@functools.partial(jit, static_argnames=("lower",))
def _cholesky(a, lower: bool):
  a, = _inexact(a)
  l = lax_linalg.cholesky(a if lower else lax_linalg._H(a), symmetrize_input=False)
  return l if lower else lax_linalg._H(l)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """(c, lower) for use with `cho_solve`."""
  return (cholesky(a, lower=lower), lower)


def _cho_solve_core(c, b, lower: bool):
  kw = dict(left_side=True, lower=lower)
  b = lax_linalg.triangular_solve(c, b, transpose_a=not lower, conjugate_a=not lower, **kw)
  return lax_linalg.triangular_solve(c, b, transpose_a=lower, conjugate_a=lower, **kw)


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
  """Solve a x = b from the Cholesky factor (c, lower) of a."""
  if not (isinstance(c_and_lower, (tuple, list)) and len(c_and_lower) == 2):
    raise TypeError(f"cho_solve expects c_and_lower = (c, lower), as cho_factor returns; got "
                    f"{type(c_and_lower).__name__}")
  c, lower = c_and_lower
  return _cho_solve(c, b, lower)


@functools.partial(jit, static_argnames=("lower",))
def _cho_solve(c, b, lower: bool):
  c, b = _inexact(c, b)
  vector = _vector_or_matrix("cho_solve", c, b)
  c, b = _broadcast_batch(c, b, vector)
  return _cho_solve_core(c, b, lower)


# ----------------------------------------------------------------------------------------------
# Triangular and general solves
# ----------------------------------------------------------------------------------------------
def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
  """Solve op(a) x = b for triangular a; trans is 0/'N', 1/'T' or 2/'C'."""
  if trans == 0 or trans == "N":
    transpose_a, conjugate_a = False, False
  elif trans == 1 or trans == "T":
    transpose_a, conjugate_a = True, False
  elif trans == 2 or trans == "C":
    transpose_a, conjugate_a = True, True
  else:
    raise ValueError(f"Invalid 'trans' value {trans}")
  return _solve_triangular(a, b, transpose_a, conjugate_a, lower, unit_diagonal)


@functools.partial(jit, static_argnames=("transpose_a", "conjugate_a", "lower", "unit_diagonal"))
def _solve_triangular(a, b, transpose_a, conjugate_a, lower, unit_diagonal):
  a, b = _inexact(a, b)
  vector = _vector_or_matrix("solve_triangular", a, b)
  a, b = _broadcast_batch(a, b, vector)
  return lax_linalg.triangular_solve(a, b, left_side=True, lower=lower,
                                     transpose_a=transpose_a, conjugate_a=conjugate_a,
                                     unit_diagonal=unit_diagonal)


def _pos_solve_fun(a, b, lower=False):
  return _cho_solve_core(cholesky(a, lower=lower), b, lower)


_pos_solve = custom_jvp(_pos_solve_fun, nondiff_argnums=(2,))


@_pos_solve.defjvp
def _pos_solve_jvp(lower, primals, tangents):
  # x = a⁻¹ b  =>  dx = a⁻¹ (db - da x), with one Cholesky factorisation.
  a, b = primals
  da, db = tangents
  c = cholesky(a, lower=lower)
  x = _cho_solve_core(c, b, lower)
  return x, _cho_solve_core(c, lax.sub(db, lax_linalg._mm(da, x)), lower)


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen"):
  """Solve a x = b; assume_a='pos' uses a Cholesky factorisation of `a`'s `lower` triangle."""
  valid = ["gen", "sym", "her", "pos"]
  if assume_a not in valid:
    raise ValueError(f"Expected assume_a to be one of {valid}; got {assume_a!r}")
  return _solve(a, b, assume_a, lower)


@functools.partial(jit, static_argnames=("assume_a", "lower"))
def _solve(a, b, assume_a, lower):
  if assume_a != "pos":
    return jnp_linalg.solve(a, b)
  a, b = _inexact(a, b)
  sa, sb = shape_of(a), shape_of(b)
  if not (len(sa) >= 2 and len(sb) in (len(sa), len(sa) - 1) and
          sa[-1] == sa[-2] == sb[len(sa) - 2]):
    raise ValueError(f"The arguments to solve must have shapes a=[..., m, m] and b=[..., m, k] "
                     f"or b=[..., m]; got a={sa} and b={sb}")
  vector = len(sb) == len(sa) - 1
  if vector:
    b = lax.expand_dims(b, (len(sb),))
  a, b = _broadcast_batch(a, b, False)
  x = _pos_solve(a, b, bool(lower))
  return lax.squeeze(x, (ndim_of(x) - 1,)) if vector else x


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
  """Matrix inverse."""
  return jnp_linalg.inv(a)


def det(a, overwrite_a: bool = False, check_finite: bool = True):
  """Determinant."""
  return jnp_linalg.det(a)


# ----------------------------------------------------------------------------------------------
# LU
# ----------------------------------------------------------------------------------------------
@functools.partial(jit, static_argnames=("overwrite_a", "check_finite"))
def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
  """(lu, piv): LU factors and the row swaps (int32 pivots), as scipy.linalg.lu_factor."""
  a, = _inexact(a)
  lu_, pivots, _ = lax_linalg.lu(a)
  return lu_, pivots


@functools.partial(jit, static_argnames=("trans", "overwrite_b", "check_finite"))
def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
  """Solve a x = b (trans=0), aᵀ x = b (1) or aᴴ x = b (2) from `lu_factor`'s output."""
  if not (isinstance(lu_and_piv, (tuple, list)) and len(lu_and_piv) == 2):
    raise TypeError(f"lu_solve expects lu_and_piv = (lu, piv), as lu_factor returns; got "
                    f"{type(lu_and_piv).__name__}")
  lu_, pivots = lu_and_piv
  lu_, b = _inexact(lu_, b)
  m = shape_of(lu_)[-2]
  perm = lax_linalg.lu_pivots_to_permutation(jnp.asarray(pivots), m)
  vector = _vector_or_matrix("lu_solve", lu_, b)
  sl, sb = shape_of(lu_), shape_of(b)
  b_core = 1 if vector else 2
  batch = tuple(_util_broadcast_shapes(sl[:-2], shape_of(perm)[:-1], sb[:len(sb) - b_core]))
  lu_ = lax.broadcast_to_shape(lu_, batch + sl[-2:])
  perm = lax.broadcast_to_shape(perm, batch + shape_of(perm)[-1:])
  b = lax.broadcast_to_shape(b, batch + sb[len(sb) - b_core:])
  return lax_linalg.lu_solve(lu_, perm, b, trans=trans)


@functools.partial(jit, static_argnames=("permute_l", "overwrite_a", "check_finite"))
def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """(p, l, u) with a = p @ l @ u, or (p @ l, u) with `permute_l`."""
  a, = _inexact(a)
  lu_, _, permutation = lax_linalg.lu(a)
  dtype = dtype_of(a)
  shape = shape_of(a)
  m, n = shape[-2:]
  k = min(m, n)
  # p[..., i, j] = (permutation[..., j] == i)
  p = lax.convert_element_type(lax_linalg._T(lax_linalg._permutation_matrix(permutation,
                                                                           np.int32)),
                               dtypes.real_dtype(dtype))
  l = jnp.tril(lu_, -1)[..., :, :k] + jnp.eye(m, k, dtype=dtype)
  u = jnp.triu(lu_)[..., :k, :]
  if permute_l:
    return jnp.matmul(p.astype(dtype), l), u
  return p, l, u


# ----------------------------------------------------------------------------------------------
# Decompositions with SciPy signatures
# ----------------------------------------------------------------------------------------------
def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals=None, type: int = 1,
         check_finite: bool = True):
  """Eigenvalues (ascending) and eigenvectors of a Hermitian matrix: (w, v), or w."""
  if b is not None:
    raise NotImplementedError("Only the b=None case of eigh is implemented")
  if type != 1:
    raise NotImplementedError("Only the type=1 case of eigh is implemented.")
  if eigvals is not None:
    raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
  return _eigh(a, lower, eigvals_only)


@functools.partial(jit, static_argnames=("lower", "eigvals_only"))
def _eigh(a, lower, eigvals_only):
  a, = _inexact(a)
  v, w = lax_linalg.eigh(a, lower=lower)
  return w if eigvals_only else (w, v)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
  """(u, s, vh) with a = u diag(s) vh, or s alone."""
  return _svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


@functools.partial(jit, static_argnames=("full_matrices", "compute_uv"))
def _svd(a, *, full_matrices, compute_uv):
  a, = _inexact(a)
  return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
  """QR decomposition; mode 'full', 'economic' or 'r'; `pivoting` adds the permutation."""
  if mode in ("full", "r"):
    full_matrices = True
  elif mode == "economic":
    full_matrices = False
  else:
    raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
  return _qr(a, mode, pivoting, full_matrices)


@functools.partial(jit, static_argnames=("mode", "pivoting", "full_matrices"))
def _qr(a, mode, pivoting, full_matrices):
  a, = _inexact(a)
  q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=full_matrices)
  if mode == "r":
    return (r, p[0]) if pivoting else (r,)
  return (q, r, p[0]) if pivoting else (q, r)


# ----------------------------------------------------------------------------------------------
# expm: Padé approximation with scaling and squaring
# ----------------------------------------------------------------------------------------------
def _dot(a, b):
  return jnp.matmul(a, b)


def _pade(b, A):
  """(U, V) of the [m/m] Padé approximant: U = A · (odd terms), V = even terms."""
  degree = len(b) - 1
  ident = jnp.eye(shape_of(A)[-1], dtype=dtype_of(A))
  A2 = _dot(A, A)
  if degree == 13:
    A4 = _dot(A2, A2)
    A6 = _dot(A4, A2)
    U = _dot(A, _dot(A6, b[13] * A6 + b[11] * A4 + b[9] * A2)
             + b[7] * A6 + b[5] * A4 + b[3] * A2 + b[1] * ident)
    V = _dot(A6, b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 \
        + b[0] * ident
    return U, V
  powers = [ident, A2]                     # A^0, A^2, A^4, ...
  for _ in range(degree // 2 - 1):
    powers.append(_dot(powers[-1], A2) if len(powers) > 2 else _dot(A2, A2))
  top = degree // 2
  u_sum = b[2 * top + 1] * powers[top]
  v_sum = b[2 * top] * powers[top]
  for i in range(top - 1, -1, -1):
    u_sum = u_sum + b[2 * i + 1] * powers[i]
    v_sum = v_sum + b[2 * i] * powers[i]
  return _dot(A, u_sum), v_sum


_PADE = {
    3: (120., 60., 12., 1.),
    5: (30240., 15120., 3360., 420., 30., 1.),
    7: (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
    9: (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
        3960., 90., 1.),
    13: (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.),
}


def _expm_params(dtype):
  if dtypes.real_dtype(dtype) == np.float64:
    return 5.371920351148152, (1.495585217958292e-002, 2.539398330063230e-001,
                               9.504178996162932e-001, 2.097847961257068e+000), (3, 5, 7, 9, 13)
  if dtypes.real_dtype(dtype) == np.float32:
    return 3.925724783138660, (4.258730016922831e-001, 1.880152677804762e+000), (3, 5, 7)
  raise TypeError(f"A.dtype={dtype} is not supported.")


def _expm_2d(A, upper_triangular: bool, max_squarings: int):
  dtype = dtype_of(A)
  maxnorm, conds, degrees = _expm_params(dtype)
  A_L1 = jnp_linalg.norm(A, 1)
  n_squarings = jnp.maximum(0, jnp.floor(jnp.log2(A_L1 / maxnorm)))
  A = A / (2 ** n_squarings).astype(dtype)
  idx = jnp.sum(jnp.asarray(A_L1)[None] >= jnp.asarray(np.array(conds, dtype_of(A_L1))))
  idx_c = core.concrete_value(idx)
  if idx_c is not None:  # value known now: evaluate only the approximant needed
    U, V = _pade(_PADE[degrees[int(idx_c)]], A)
  else:  # traced: evaluate all and select (no control flow needed)
    U, V = _pade(_PADE[degrees[-1]], A)
    for i in range(len(degrees) - 2, -1, -1):
      Ui, Vi = _pade(_PADE[degrees[i]], A)
      U = jnp.where(idx == i, Ui, U)
      V = jnp.where(idx == i, Vi, V)
  P = U + V
  Q = -U + V
  R = solve_triangular(Q, P) if upper_triangular else jnp_linalg.solve(Q, P)
  n_c = core.concrete_value(n_squarings)
  if n_c is not None:
    n_c = int(n_c)
    if n_c > max_squarings:
      return jnp.full_like(R, np.nan)
    for _ in range(n_c):
      R = _dot(R, R)
    return R
  for i in range(max_squarings):
    R = jnp.where(i < n_squarings, _dot(R, R), R)
  return jnp.where(n_squarings > max_squarings, jnp.full_like(R, np.nan), R)


@functools.partial(jit, static_argnames=("upper_triangular", "max_squarings"))
def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
  """Matrix exponential (Padé approximant with scaling and squaring; differentiable)."""
  check_arraylike("expm", A)
  A, = promote_dtypes_inexact(jnp.asarray(A))
  shape = shape_of(A)
  if len(shape) < 2 or shape[-1] != shape[-2]:
    raise ValueError(f"Expected A to be a (batched) square matrix, got A.shape={shape}.")
  if len(shape) > 2:
    from numjax._src.api import vmap
    flat = jnp.reshape(A, (-1,) + shape[-2:])
    out = vmap(lambda x: _expm_2d(x, upper_triangular, max_squarings))(flat)
    return jnp.reshape(out, shape)
  return _expm_2d(A, upper_triangular, max_squarings)


def expm_frechet(A, E, *, method=None, compute_expm: bool = True):
  """Frechet derivative of expm at A in direction E (and expm(A) with `compute_expm`)."""
  from numjax._src.api import jvp
  A_arr, E_arr = jnp.asarray(A), jnp.asarray(E)
  sa, se = shape_of(A_arr), shape_of(E_arr)
  if len(sa) < 2 or sa[-2] != sa[-1]:
    raise ValueError(f"expected A to be a (batched) square matrix, got A.shape={sa}")
  if len(se) < 2 or se[-2] != se[-1]:
    raise ValueError(f"expected E to be a (batched) square matrix, got E.shape={se}")
  if sa != se:
    raise ValueError(f"expected A and E to be the same shape, got A.shape={sa} E.shape={se}")
  expm_A, expm_frechet_AE = jvp(lambda x: expm(x), (A_arr,), (E_arr,))
  return (expm_A, expm_frechet_AE) if compute_expm else expm_frechet_AE


# ----------------------------------------------------------------------------------------------
# Matrix construction
# ----------------------------------------------------------------------------------------------
@jit
def block_diag(*arrs):
  """Block-diagonal matrix from 0-, 1- or 2-d blocks."""
  if len(arrs) == 0:
    arrs = (jnp.zeros((1, 0)),)
  check_arraylike("block_diag", *arrs)
  arrs = tuple(promote_dtypes(*arrs))
  bad = [i for i, a in enumerate(arrs) if ndim_of(a) > 2]
  if bad:
    raise ValueError(f"Arguments to jax.scipy.linalg.block_diag must have at most 2 "
                     f"dimensions, got {arrs[bad[0]]} at argument {bad[0]}.")
  blocks = [jnp.atleast_2d(a) for a in arrs]
  total_cols = sum(shape_of(a)[1] for a in blocks)
  padded, col = [], 0
  for blk in blocks:
    cols = shape_of(blk)[1]
    padded.append(lax.pad(blk, lax._zeros(blk), ((0, 0, 0), (col, total_cols - cols - col, 0))))
    col += cols
  return jnp.concatenate(padded, axis=0)


# ----------------------------------------------------------------------------------------------
# Structured matrices. Each is a gather `vals[..., idx]` from the (batched) defining vector(s)
# with a static index matrix, so leading axes batch and every transformation applies.
# ----------------------------------------------------------------------------------------------
def _strong(x):
  return lax.convert_element_type(x, dtype_of(x), weak_type=False)


def _gather_matrix(vals, idx):
  return vals[..., np.asarray(idx)]


def _broadcast_batch_vectors(*vs):
  batch = _util_broadcast_shapes(*[shape_of(v)[:-1] for v in vs])
  return [jnp.broadcast_to(v, batch + shape_of(v)[-1:]) for v in vs]


def toeplitz(c, r=None):
  """The Toeplitz matrix with first column c and first row r (r[0] is ignored; r defaults to
  conj(c)); leading axes of c and r batch.

      >>> toeplitz(jnp.array([1, 2, 3]))[0]
      Array([1, 2, 3], dtype=int32)
  """
  if r is None:
    check_arraylike("toeplitz", c)
    r = jnp.conjugate(jnp.asarray(c))
  else:
    check_arraylike("toeplitz", c, r)
  c, r = promote_dtypes(jnp.atleast_1d(jnp.asarray(c)), jnp.atleast_1d(jnp.asarray(r)))
  c, r = _broadcast_batch_vectors(c, r)
  m, n = shape_of(c)[-1], shape_of(r)[-1]
  if m == 0 or n == 0:
    return jnp.zeros(shape_of(c)[:-1] + (m, n), dtype_of(c))
  elems = jnp.concatenate([jnp.flip(c, -1), r[..., 1:]], axis=-1)
  return _strong(_gather_matrix(elems, (m - 1) - np.arange(m)[:, None] + np.arange(n)[None, :]))


def hankel(c, r=None):
  """The Hankel matrix with first column c and last row r (r[0] is ignored; zeros by default).

      >>> hankel(jnp.array([1, 2, 3]))[0]
      Array([1, 2, 3], dtype=int32)
  """
  if r is None:
    check_arraylike("hankel", c)
    c = jnp.asarray(c)
    r = jnp.zeros_like(c)
  else:
    check_arraylike("hankel", c, r)
    c, r = jnp.asarray(c), jnp.asarray(r)
  if ndim_of(c) == 0:
    raise ValueError("hankel: c must be at least 1-dimensional, got a scalar.")
  if ndim_of(r) == 0:
    raise ValueError("hankel: r must be at least 1-dimensional, got a scalar.")
  c, r = _broadcast_batch_vectors(*promote_dtypes(c, r))
  m, n = shape_of(c)[-1], shape_of(r)[-1]
  if m == 0 or n == 0:
    return jnp.zeros(shape_of(c)[:-1] + (m, n), dtype_of(c))
  v = jnp.concatenate([c, r[..., 1:]], axis=-1)
  return _strong(_gather_matrix(v, np.arange(m)[:, None] + np.arange(n)[None, :]))


def circulant(c):
  """The circulant matrix whose first column is c (leading axes batch)."""
  check_arraylike("circulant", c)
  c = jnp.atleast_1d(jnp.asarray(c))
  n = shape_of(c)[-1]
  return _gather_matrix(c, (np.arange(n)[:, None] - np.arange(n)[None, :]) % n)


def leslie(f, s):
  """The Leslie matrix: fecundities f in the first row, survival rates s on the subdiagonal."""
  check_arraylike("leslie", f, s)
  f, s = jnp.atleast_1d(jnp.asarray(f)), jnp.atleast_1d(jnp.asarray(s))
  if shape_of(f)[-1] < 2:
    raise ValueError("The length of f along the last axis must be at least 2; "
                     f"got shape {shape_of(f)}.")
  if shape_of(s)[-1] != shape_of(f)[-1] - 1:
    raise ValueError("Incorrect lengths for f and s. The length of s along the last axis must "
                     f"be one less than the length of f; got f shape {shape_of(f)} and s shape "
                     f"{shape_of(s)}.")
  f, s = _broadcast_batch_vectors(*promote_dtypes(f, s))
  n = shape_of(f)[-1]
  idx = np.full((n, n), 2 * n - 1)
  idx[0] = np.arange(n)
  idx[np.arange(1, n), np.arange(n - 1)] = n + np.arange(n - 1)
  zero = jnp.zeros(shape_of(f)[:-1] + (1,), dtype_of(f))
  return _gather_matrix(jnp.concatenate([f, s, zero], axis=-1), idx)


def companion(a):
  """The companion matrix of the polynomial with coefficients a (highest degree first)."""
  check_arraylike("companion", a)
  a, = promote_dtypes_inexact(jnp.asarray(a))
  a = jnp.atleast_1d(a)
  if shape_of(a)[-1] < 2:
    raise ValueError("The length of `a` along the last axis must be at least 2; "
                     f"got shape {shape_of(a)}.")
  m = shape_of(a)[-1] - 1
  first_row = -a[..., 1:] / a[..., :1]
  idx = np.full((m, m), m + 1)
  idx[0] = np.arange(m)
  idx[np.arange(1, m), np.arange(m - 1)] = m
  consts = jnp.broadcast_to(jnp.array([1, 0], dtype_of(a)), shape_of(a)[:-1] + (2,))
  return _gather_matrix(jnp.concatenate([first_row, consts], axis=-1), idx)


def fiedler(a):
  """The symmetric Fiedler matrix |a_i - a_j|."""
  check_arraylike("fiedler", a)
  a = jnp.atleast_1d(jnp.asarray(a))
  return jnp.abs(a[..., :, None] - a[..., None, :])


def fiedler_companion(a):
  """The pentadiagonal Fiedler companion matrix of the polynomial with coefficients a."""
  check_arraylike("fiedler_companion", a)
  a, = promote_dtypes_inexact(jnp.asarray(a))
  a = jnp.atleast_1d(a)
  if shape_of(a)[-1] == 0:
    raise ValueError("fiedler_companion requires the last axis of 'a' to have nonzero length, "
                     f"but got an array of shape {shape_of(a)}.")
  n = shape_of(a)[-1] - 1
  if n == 0:
    return jnp.zeros(shape_of(a)[:-1] + (0, 0), dtype_of(a))
  a = a / a[..., :1]
  # vals[k - 1] = -a[k] for k = 1..n, then the constants 1 and 0.
  one, zero = n, n + 1
  idx = np.full((n, n), zero)
  idx[0, 0] = 0
  if n > 1:
    idx[1, 0] = one
  for i in range(0, n, 2):
    if i + 1 < n:
      idx[i, i + 1] = i + 1           # -a[i + 2]
    if i + 2 < n:
      idx[i, i + 2] = one
    if i >= 2:
      idx[i, i - 1] = i               # -a[i + 1]
  for i in range(3, n, 2):
    idx[i, i - 2] = one
  consts = jnp.broadcast_to(jnp.array([1, 0], dtype_of(a)), shape_of(a)[:-1] + (2,))
  return _gather_matrix(jnp.concatenate([-a[..., 1:], consts], axis=-1), idx)


def convolution_matrix(a, n: int, mode: str = "full"):
  """The Toeplitz matrix A with A @ v == convolve(a, v, mode) for v of length n."""
  n = _static_n(n)
  if n <= 0:
    raise ValueError(f"n must be a positive integer; got {n}.")
  check_arraylike("convolution_matrix", a)
  a = jnp.asarray(a)
  if ndim_of(a) == 0:
    raise ValueError("convolution_matrix: a must be at least 1-dimensional, got a scalar.")
  m = shape_of(a)[-1]
  if m < 1:
    raise ValueError(f"len(a) must be at least 1; got shape {shape_of(a)}.")
  if mode not in ("full", "valid", "same"):
    raise ValueError(f"mode must be one of 'full', 'valid', 'same'; got {mode!r}.")
  pad = [(0, 0)] * (ndim_of(a) - 1) + [(0, n - 1)]
  az = jnp.pad(a, pad)
  raz = jnp.pad(jnp.flip(a, axis=-1), pad)
  length = m + n - 1
  if mode == "same":
    trim = min(n, m) - 1
    tb, te = trim // 2, trim - trim // 2
  elif mode == "valid":
    tb = te = min(n, m) - 1
  else:
    tb = te = 0
  return toeplitz(az[..., tb:length - te], raz[..., length - n - tb:length - tb])


def _const_matrix(value, dtype):
  from numjax._src.array import Array
  return Array(np.asarray(value).astype(dtype), False)


def _static_n(n, what="n") -> int:
  from numjax._src.lax.base import index_arg
  return index_arg(n, what)


def hilbert(n: int):
  """The Hilbert matrix 1 / (i + j + 1) (float32, as JAX builds it)."""
  n = _static_n(n)
  i = np.arange(n, dtype=np.float64)
  return _const_matrix(1 / (i[:, None] + i[None, :] + 1), np.float32)


def invhilbert(n: int):
  """The exact inverse of the Hilbert matrix, in the default float dtype."""
  import scipy.linalg as _sl
  n = _static_n(n)
  return _const_matrix(_sl.invhilbert(n) if n else np.zeros((0, 0)), dtypes.default_float())


_PASCAL_KINDS = ["symmetric", "lower", "upper"]


def pascal(n: int, kind: str | None = None):
  """The Pascal matrix (binomial coefficients), float32 as in JAX; kind 'symmetric', 'lower'
  or 'upper'."""
  import scipy.linalg as _sl
  n = _static_n(n)
  kind = "symmetric" if kind is None else kind
  if kind not in _PASCAL_KINDS:
    raise ValueError(f"Expected kind to be on of: {_PASCAL_KINDS}; got {kind}")
  return _const_matrix(_sl.pascal(n, kind, exact=False), np.float32)


def invpascal(n: int, kind: str | None = None):
  """The inverse of the Pascal matrix, in the default float dtype."""
  import scipy.linalg as _sl
  n = _static_n(n)
  kind = "symmetric" if kind is None else kind
  if kind not in _PASCAL_KINDS:
    raise ValueError(f"Expected kind to be one of: {_PASCAL_KINDS}; got {kind}")
  return _const_matrix(_sl.invpascal(n, kind, exact=False), dtypes.default_float())


def helmert(n: int, full: bool = False):
  """The Helmert matrix ((n - 1) x n, or n x n with `full`), in the default float dtype."""
  import scipy.linalg as _sl
  n = _static_n(n)
  if n < 1:
    raise ValueError(f"n must be a positive integer; got {n}.")
  return _const_matrix(_sl.helmert(n, full=full), dtypes.default_float())


def hadamard(n: int, dtype=int):
  """The Sylvester Hadamard matrix of order n (a power of 2)."""
  import math
  import scipy.linalg as _sl
  n = _static_n(n)
  if n < 1 or not math.log2(n).is_integer():
    raise ValueError(f"n must be a positive power of 2; got {n}.")
  return jnp.asarray(_sl.hadamard(n), dtype=dtype)


def dft(n: int, scale: str | None = None, *, dtype=None):
  """The discrete Fourier transform matrix exp(-2 pi i j k / n) (scaled by 1/sqrt(n) or 1/n)."""
  n = _static_n(n)
  if scale is not None and scale not in ("sqrtn", "n"):
    raise ValueError(f"scale must be None, 'sqrtn', or 'n'; got {scale!r}.")
  if dtype is None:
    dtype = dtypes.default_complex()
  else:
    dtype = dtypes.canonicalize_dtype(np.dtype(dtype))
    if dtype.kind != "c":
      raise ValueError(f"dtype must be a complex floating-point type; got {dtype}.")
  k = np.arange(n)
  # exact roots of unity: reduce j k mod n before taking the angle
  omegas = np.exp(-2j * np.pi * ((k[:, None] * k[None, :]) % max(n, 1)) / max(n, 1))
  if scale == "sqrtn":
    omegas = omegas / np.sqrt(n)
  elif scale == "n":
    omegas = omegas / n
  return _const_matrix(omegas, dtype)


# ----------------------------------------------------------------------------------------------
# Schur, Hessenberg and the functions built on the Schur form (not differentiable: the schur
# primitive has no derivative rule, as in JAX)
# ----------------------------------------------------------------------------------------------
def _vectorize(f, signature):
  from numjax._src.numpy.extra import vectorize
  return vectorize(f, signature=signature)


def _complex_of(dtype):
  return np.dtype(np.complex128) if dtype in (np.float64, np.complex128) else \
      np.dtype(np.complex64)


def schur(a, output: str = "real"):
  """The Schur decomposition a = Z T Z^H as [T, Z] (T quasi-triangular for output='real' and
  real a, triangular for output='complex')."""
  if output not in ("real", "complex"):
    raise ValueError(f"Expected 'output' to be either 'real' or 'complex', got {output=}.")
  a, = _inexact(a)
  if output == "complex":
    a = a.astype(_complex_of(dtype_of(a)))
  return lax_linalg.schur(a)


def _set_superdiag(m, vals, p: int):
  """m + a matrix with `vals` on superdiagonal p (batched over leading axes)."""
  n = shape_of(m)[-1]
  rows = np.arange(n - p)
  return m.at[..., rows, rows + p].set(vals)


def _superdiag(m, p: int):
  return jnp.diagonal(m, offset=p, axis1=-2, axis2=-1)


def _sqrtm_triu(t):
  """The upper-triangular square root of an upper-triangular t, one superdiagonal at a time:
  r_ij = (t_ij - sum_{i<k<j} r_ik r_kj) / (r_ii + r_jj) (the sum is (R R)_ij while r_ij is 0)."""
  n = shape_of(t)[-1]
  d = jnp.sqrt(_superdiag(t, 0))
  r = _set_superdiag(jnp.zeros_like(t), d, 0)
  for p in range(1, n):
    s = _superdiag(r @ r, p)
    tij = _superdiag(t, p)
    val = jnp.where(tij == s, jnp.zeros_like(s), (tij - s) / (d[..., :n - p] + d[..., p:]))
    r = _set_superdiag(r, val, p)
  return r


def sqrtm(A, blocksize: int = 1):
  """The principal matrix square root (complex), from the complex Schur form."""
  if _static_n(blocksize, "blocksize") > 1:
    raise NotImplementedError("Blocked version is not implemented yet.")
  t, z = schur(A, output="complex")
  return z @ _sqrtm_triu(t) @ jnp.conj(jnp.swapaxes(z, -1, -2))


def _rsf2csf_2d(t, z):
  t, z = promote_dtypes(t, z)
  cdt = _complex_of(dtype_of(t))
  t, z = t.astype(cdt), z.astype(cdt)
  eps = float(np.finfo(cdt).eps)
  n = shape_of(t)[0]
  for m in range(n - 1, 0, -1):
    sub = t[m, m - 1]
    cond = jnp.abs(sub) > eps * (jnp.abs(t[m - 1, m - 1]) + jnp.abs(t[m, m]))
    mu = jnp_linalg.eigvals(t[m - 1:m + 1, m - 1:m + 1]) - t[m, m]
    r = jnp.sqrt(jnp.abs(mu[0]) ** 2 + jnp.abs(sub) ** 2).astype(cdt)
    r = jnp.where(cond, r, jnp.ones_like(r))
    c, s = mu[0] / r, sub / r
    g = jnp.stack([jnp.stack([jnp.conj(c), s]), jnp.stack([-s, c])])
    gh = jnp.conj(g.T)
    t_new = t.at[m - 1:m + 1, m - 1:].set(g @ t[m - 1:m + 1, m - 1:])
    t_new = t_new.at[:m + 1, m - 1:m + 1].set(t_new[:m + 1, m - 1:m + 1] @ gh)
    z_new = z.at[:, m - 1:m + 1].set(z[:, m - 1:m + 1] @ gh)
    t = jnp.where(cond, t_new, t).at[m, m - 1].set(0)
    z = jnp.where(cond, z_new, z)
  return t, z


def rsf2csf(T, Z, check_finite: bool = True):
  """Convert a real Schur form (T, Z) to the complex Schur form (leading axes batch)."""
  t, z = jnp.asarray(T), jnp.asarray(Z)
  if ndim_of(t) < 2 or shape_of(t)[-1] != shape_of(t)[-2]:
    raise ValueError("Input 'T' must be square.")
  if ndim_of(z) < 2 or shape_of(z)[-1] != shape_of(z)[-2]:
    raise ValueError("Input 'Z' must be square.")
  if shape_of(t)[-1] != shape_of(z)[-1]:
    raise ValueError(f"Input array shapes must match: Z: {shape_of(z)} vs. T: {shape_of(t)}")
  return _vectorize(_rsf2csf_2d, signature="(n,n),(n,n)->(n,n),(n,n)")(t, z)


def funm(A, func, disp: bool = True):
  """f(A) for a matrix A and an elementwise function `func`, by Parlett's recurrence on the
  complex Schur form; with disp=False, (f(A), error estimate)."""
  a = jnp.asarray(A)
  if ndim_of(a) != 2 or shape_of(a)[0] != shape_of(a)[1]:
    raise ValueError("expected square array_like input")
  t, z = rsf2csf(*schur(a))
  n = shape_of(t)[0]
  f = jnp.diag(func(jnp.diag(t))).astype(dtype_of(t))
  minden = jnp.abs(t[0, 0])
  for p in range(1, n):
    # f_ij (t_jj - t_ii) = t_ij (f_jj - f_ii) + sum_{i<k<j} (t_ik f_kj - f_ik t_kj): the sum plus
    # the first term is (T F - F T)_ij while f_ij is still 0.
    s = _superdiag(t @ f - f @ t, p)
    den = _superdiag(t, 0)[p:] - _superdiag(t, 0)[:n - p]
    f = _set_superdiag(f, jnp.where(den != 0, s / jnp.where(den != 0, den, 1), s), p)
    minden = jnp.minimum(minden, jnp.min(jnp.abs(den)))
  f = z @ f @ jnp.conj(z.T)
  if disp:
    return f
  tol = float(np.finfo(np.float32 if dtype_of(f) == np.complex64 else np.float64).eps)
  minden = jnp.where(minden == 0.0, tol, minden)
  err = jnp.where(jnp.any(jnp.isinf(f)), np.inf, jnp.minimum(1, jnp.maximum(
      tol, (tol / minden) * jnp_linalg.norm(jnp.triu(t, 1), 1))))
  return f, err


def hessenberg(a, *, calc_q: bool = False, overwrite_a: bool = False,
               check_finite: bool = True):
  """The Hessenberg form H = Q^H a Q (and Q with calc_q=True)."""
  a, = _inexact(a)
  if ndim_of(a) < 2:
    raise ValueError(f"hessenberg: the input must be a (batch of) square matrices, got shape "
                     f"{shape_of(a)}.")
  n = shape_of(a)[-1]
  if n == 0:
    return (jnp.zeros_like(a), jnp.zeros_like(a)) if calc_q else jnp.zeros_like(a)
  packed, taus = lax_linalg.hessenberg(a)
  h = jnp.triu(packed, -1)
  if not calc_q:
    return h
  batch = shape_of(a)[:-2]
  q = jnp.broadcast_to(jnp.eye(n, dtype=dtype_of(a)), batch + (n, n))
  for i in range(n - 1):
    # H_i = I - tau_i v v^H with v = (0 .. 0, 1, packed[i + 2:, i])
    v = jnp.concatenate([jnp.zeros(batch + (i + 1,), dtype_of(a)),
                         jnp.ones(batch + (1,), dtype_of(a)), packed[..., i + 2:, i]], axis=-1)
    qv = (q @ v[..., None])[..., 0]
    q = q - taus[..., i, None, None] * qv[..., :, None] * jnp.conj(v)[..., None, :]
  return h, q


def _polar_2d(a, side, method):
  m, n = shape_of(a)
  if method == "qdwh":
    if not ((m >= n and side == "right") or (m < n and side == "left")):
      raise NotImplementedError("method='qdwh' only supports mxn matrices where m < n where "
                                "side='right' and m >= n side='left', got "
                                f"{shape_of(a)} with {side=}")
  elif method != "svd":
    raise ValueError(f"Unknown polar decomposition method {method}.")
  u, s, vh = lax_linalg.svd(a, full_matrices=False)
  s = s.astype(dtype_of(u))
  unitary = u @ vh
  if side == "right":
    posdef = (jnp.conj(vh.T) * s[None, :]) @ vh
  else:
    posdef = (u * s[None, :]) @ jnp.conj(u.T)
  return unitary, posdef


def polar(a, side: str = "right", *, method: str = "qdwh", eps: float | None = None,
          max_iterations: int | None = None):
  """The polar decomposition a = U P (side='right') or P U (side='left'), U unitary and P
  Hermitian positive semi-definite (computed from the SVD for either method)."""
  arr = jnp.asarray(a)
  if ndim_of(arr) < 2:
    raise ValueError("The input `a` must be at least a 2-D array.")
  if side not in ["right", "left"]:
    raise ValueError("The argument `side` must be either 'right' or 'left'.")
  arr, = _inexact(arr)
  sig = "(m,n)->(m,n),(n,n)" if side == "right" else "(m,n)->(m,n),(m,m)"
  return _vectorize(lambda x: _polar_2d(x, side, method), signature=sig)(arr)


def _solve_sylvester_2d(a, b, c, *, method, tol):
  m, n = shape_of(c)
  if method == "schur":
    r, u = schur(a, output="complex")
    s, v = schur(jnp.conj(b.T), output="complex")
    f = jnp.conj(u.T) @ c.astype(dtype_of(r)) @ v
    # R Y + Y S^H = F, i.e. (I (x) R + conj(S) (x) I) vec(Y) = vec(F) (column-major vec)
    k = jnp.kron(jnp.eye(n, dtype=dtype_of(r)), r) + \
        jnp.kron(jnp.conj(s), jnp.eye(m, dtype=dtype_of(r)))
    y = jnp_linalg.solve(k, f.T.reshape(-1)).reshape(n, m).T
    x = u @ y @ jnp.conj(v.T)
  elif method == "eigen":
    ra, ua = jnp_linalg.eig(a)
    rb, ub = jnp_linalg.eig(b)
    f = jnp_linalg.solve(ua, c.astype(dtype_of(ra)) @ ub)
    x = ua @ (f / (ra[:, None] + rb[None, :])) @ jnp_linalg.inv(ub)
  else:
    raise ValueError(f"Unrecognized method {method}. The two valid methods are either "
                     "\"schur\" or \"eigen\".")
  if dtype_of(c).kind != "c":
    x = jnp.real(x)
  near_singular = jnp.any(jnp.abs(jnp_linalg.eigvals(a)[:, None] +
                                  jnp_linalg.eigvals(b)[None, :]) < tol)
  return jnp.where(near_singular, jnp.full_like(x, np.nan), x)


def solve_sylvester(A, B, C, *, method: str = "schur", tol: float = 1e-8):
  """Solve A X + X B = C by the Bartels-Stewart (schur) or eigendecomposition method; NaNs when
  an eigenvalue sum lambda_A + lambda_B is within tol of 0. Leading axes batch."""
  a, b, c = _inexact(A, B, C)
  if method not in ("schur", "eigen"):
    raise ValueError(f"Unrecognized method {method}. The two valid methods are either "
                     "\"schur\" or \"eigen\".")
  return _vectorize(lambda x, y, z: _solve_sylvester_2d(x, y, z, method=method, tol=tol),
                       signature="(m,m),(n,n),(m,n)->(m,n)")(a, b, c)


def eigh_tridiagonal(d, e, *, eigvals_only: bool = False, select: str = "a",
                     select_range=None, tol: float | None = None, key=None):
  """Eigenvalues (ascending) and optionally eigenvectors of the Hermitian tridiagonal matrix
  with diagonal d and superdiagonal e (select='a' all, 'i' an index range)."""
  alpha, beta = jnp.asarray(d), jnp.asarray(e)
  if dtype_of(alpha) != dtype_of(beta):
    raise TypeError("diagonal and off-diagonal values must have same dtype, got "
                    f"{dtype_of(alpha)} and {dtype_of(beta)}")
  supported = (np.float32, np.float64, np.complex64, np.complex128)
  if dtype_of(alpha) not in supported:
    raise TypeError("Only float32 and float64 inputs are supported as inputs to "
                    "jax.scipy.linalg.eigh_tridiagonal, got "
                    f"{dtype_of(alpha)} and {dtype_of(beta)}")
  n = shape_of(alpha)[0]
  if n <= 1:
    return jnp.real(alpha) if eigvals_only else (jnp.real(alpha), jnp.eye(n, dtype=dtype_of(alpha)))
  if select == "a":
    lo, hi = 0, n - 1
  elif select == "i":
    if select_range is None:
      raise ValueError("for select='i', select_range must be specified.")
    if select_range[0] > select_range[1]:
      raise ValueError("Got empty index range in select_range.")
    lo, hi = int(select_range[0]), int(select_range[1])
  elif select == "v":
    raise NotImplementedError("eigh_tridiagonal(..., select='v') is not implemented")
  else:
    raise ValueError("'select must have a value in {'a', 'i', 'v'}.")
  rows = np.arange(n - 1)
  t = jnp.zeros((n, n), dtype_of(alpha)).at[np.arange(n), np.arange(n)].set(alpha)
  t = t.at[rows, rows + 1].set(beta).at[rows + 1, rows].set(jnp.conj(beta))
  v, w = lax_linalg.eigh(t, lower=True, symmetrize_input=False)
  if eigvals_only:
    return w[lo:hi + 1]
  return w[lo:hi + 1], v[:, lo:hi + 1]


def qr_multiply(a, c, mode: str = "right", pivoting: bool = False, conjugate: bool = False,
                overwrite_a: bool = False, overwrite_c: bool = False):
  """Q @ c (mode='left') or c @ Q (mode='right') for the economic Q of a = Q R, with R (and
  the pivots with pivoting=True); `conjugate` uses conj(Q)."""
  a, c = promote_dtypes_inexact(jnp.asarray(a), jnp.asarray(c))
  if mode not in ("right", "left"):
    raise ValueError(f"mode must be 'right' or 'left', got {mode!r}")
  if ndim_of(a) < 2 or ndim_of(c) < 1:
    raise ValueError(f"qr_multiply: a must have at least 2 dimensions and c at least 1, got "
                     f"shapes {shape_of(a)} and {shape_of(c)}.")
  onedim = ndim_of(c) == 1
  if onedim:
    c = c[:, None] if mode == "left" else c[None, :]
  m, n = shape_of(a)[-2:]
  k = min(m, n)
  if mode == "left":
    if shape_of(c)[-2] != k:
      raise ValueError(f"Array shapes are not compatible for Q @ c operation: a has shape "
                       f"{tuple(shape_of(a))} so Q has {k} columns, but c has "
                       f"{shape_of(c)[-2]} rows (expected {k}).")
  elif shape_of(c)[-1] != m:
    raise ValueError(f"Array shapes are not compatible for c @ Q operation: a has shape "
                     f"{tuple(shape_of(a))} so Q has {m} rows, but c has {shape_of(c)[-1]} "
                     f"columns (expected {m}).")
  batch = _util_broadcast_shapes(shape_of(a)[:-2], shape_of(c)[:-2])
  a = jnp.broadcast_to(a, batch + shape_of(a)[-2:])
  c = jnp.broadcast_to(c, batch + shape_of(c)[-2:])
  q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=False)
  if conjugate:
    q = jnp.conj(q)
  cq = q @ c if mode == "left" else c @ q
  if onedim:
    cq = cq.ravel()
  r = jnp.triu(r[..., :k, :])
  return (cq, r, p[0]) if pivoting else (cq, r)
