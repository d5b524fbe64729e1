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
