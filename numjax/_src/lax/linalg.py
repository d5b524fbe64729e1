"""Linear-algebra primitives: cholesky, triangular_solve, lu, lu_pivots_to_permutation, qr,
eigh, eig, svd, tridiagonal_solve (`jax.lax.linalg`).

Every primitive works on a batch of matrices: the last two axes are the matrix, leading axes
are batch axes, so batching a primitive just moves the mapped axis to the front. Impl rules
call NumPy/SciPy (LAPACK); failures give NaNs, as JAX's CPU kernels do. JVP rules are JAX's
formulas written with lax ops, so they can be differentiated, batched and staged again.

    >>> L = cholesky(jnp.array([[4., 2.], [2., 3.]]))      # lower factor
    >>> x = triangular_solve(L, b, left_side=True, lower=True)
"""
from __future__ import annotations

import numpy as np
import scipy.linalg
from scipy.linalg import lapack

from numjax._src import core, dtypes
from numjax._src.core import ShapedArray
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import defjvp2, primitive


# ----------------------------------------------------------------------------------------------
# Helpers written with lax ops (usable inside rules)
# ----------------------------------------------------------------------------------------------
def _shape(x) -> tuple:
  return core.get_aval(x).shape


def _dtype(x) -> np.dtype:
  return core.get_aval(x).dtype


def _is_complex(x) -> bool:
  return _dtype(x).kind == "c"


def _T(x):
  """Swap the last two axes."""
  nd = len(_shape(x))
  return L.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _H(x):
  """Conjugate transpose of the last two axes."""
  t = _T(x)
  return L.conj(t) if _is_complex(t) else t


def symmetrize(x):
  """(x + xᴴ) / 2 (true division: integer input becomes the default float, as in JAX)."""
  if _dtype(x).kind not in "fc":
    x = L.convert_element_type(x, dtypes.default_float())
  return L.div(L.add(x, _H(x)), 2)


def _tri(n: int, m: int, k: int):
  """Boolean (n, m) mask of the entries on or below diagonal k (JAX's `lax._tri`)."""
  rows = L.broadcasted_iota(np.int32, (n, m), 0)
  rows = L.add(rows, np.int32(k))
  cols = L.broadcasted_iota(np.int32, (n, m), 1)
  return L.ge(rows, cols)


def _batched_mask(mask, shape):
  return mask if len(shape) == 2 else L.broadcast(mask, shape[:-2])


def _tril(x, k: int = 0):
  shape = _shape(x)
  mask = _batched_mask(_tri(shape[-2], shape[-1], k), shape)
  return L.select(mask, x, L.full_like(x, 0))


def _triu(x, k: int = 0):
  shape = _shape(x)
  mask = _batched_mask(_tri(shape[-2], shape[-1], k - 1), shape)
  return L.select(mask, L.full_like(x, 0), x)


def _eye(dtype, n: int, m: int | None = None, batch: tuple = ()):
  m = n if m is None else m
  eye = L.convert_element_type(L.eq(L.broadcasted_iota(np.int32, (n, m), 0),
                                    L.broadcasted_iota(np.int32, (n, m), 1)), dtype)
  return L.broadcast(eye, batch) if batch else eye


def _mm(a, b):
  """Batched matrix product of operands with equal batch shapes (rank >= 2)."""
  nd = len(_shape(a))
  batch = tuple(range(nd - 2))
  return L.dot_general(a, b, (((nd - 1,), (nd - 2,)), (batch, batch)))


def _diagonal(x):
  """The main diagonal of the last two axes, (..., min(m, n)), via reshape + strided slice."""
  shape = _shape(x)
  m, n = shape[-2:]
  k = min(m, n)
  flat = L.reshape(x, shape[:-2] + (m * n,))
  if k == 0:
    return L.slice_in_dim(flat, 0, 0, axis=-1)
  return L.slice_in_dim(flat, 0, (k - 1) * (n + 1) + 1, n + 1, axis=len(shape) - 2)


def _diag_matrix(s):
  """A (..., n, n) matrix with s (..., n) on its diagonal (interior padding + reshape)."""
  shape = _shape(s)
  n = shape[-1]
  if n == 0:
    return L.full(shape + (0,), 0, _dtype(s))
  cfg = [(0, 0, 0)] * (len(shape) - 1) + [(0, 0, n)]
  padded = L.pad(s, L._const(s, 0), cfg)
  return L.reshape(padded, shape + (n,))


def _permutation_matrix(perm, dtype):
  """One-hot P with P[..., i, j] = (perm[..., i] == j), so P @ x == x[..., perm, :]."""
  shape = _shape(perm)
  m = shape[-1]
  full = shape + (m,)
  p = L.broadcast_in_dim(perm, full, tuple(range(len(shape))))
  j = L.broadcasted_iota(_dtype(perm), full, len(shape))
  return L.convert_element_type(L.eq(p, j), dtype)


def _checked_bind(prim, *args, **params):
  """Bind after running the shape/dtype rule, so eager calls raise JAX's errors too (the
  eager path runs only the impl)."""
  prim.abstract_eval(*[core.get_aval(a) for a in args], **params)
  return prim.bind(*args, **params)


def _batch_front(prim):
  """Batching rule for single-operand linalg primitives: leading axes are free batch axes."""

  def rule(vals, dims, **params):
    x = batching.moveaxis(vals[0], dims[0], 0)
    out = prim.bind(x, **params)
    return out, ([0] * len(out) if prim.multiple_results else 0)
  prim.batch = rule


# ----------------------------------------------------------------------------------------------
# Shape/dtype checking and impl helpers
# ----------------------------------------------------------------------------------------------
def _check_operand(name: str, x: ShapedArray, pos: int = 0, rank: int = 2,
                   kinds: str = "fc") -> None:
  if x.dtype.kind not in kinds:
    accepted = "floating, complexfloating" if kinds == "fc" else "int32"
    raise TypeError(f"{name} does not accept dtype {x.dtype.name} at position {pos}. Accepted "
                    f"dtypes at position {pos} are subtypes of {accepted}.")
  if x.ndim < rank:
    raise TypeError(f"Input {pos} to {name} must have rank at least {rank}, but got "
                    f"shape={x.shape}")


def _square(name: str, x: ShapedArray, what: str) -> int:
  if x.shape[-1] != x.shape[-2]:
    raise ValueError(f"The input to {name} must be a square matrix. Got shape "
                     f"{x.shape[-2:]}.{what}")
  return x.shape[-1]


def _real_dtype(dtype):
  return dtypes.real_dtype(dtype)


def _complex_dtype(dtype):
  return dtypes.complex_dtype_for(dtype) if dtype.kind != "c" else dtype


def _per_matrix(fn, x, n_out: int, out_shapes, out_dtypes):
  """Apply `fn` (one matrix -> list of outputs) to each matrix of a batch; NaNs on failure."""
  batch = x.shape[:-2]
  flat = x.reshape((-1,) + x.shape[-2:])
  outs = [np.empty((flat.shape[0],) + tuple(s), d) for s, d in zip(out_shapes, out_dtypes)]
  for i in range(flat.shape[0]):
    try:
      res = fn(flat[i])
    except (np.linalg.LinAlgError, ValueError):
      res = None
    for o, r in zip(outs, res if res is not None else [None] * n_out):
      if r is None:
        o[i] = {"f": np.nan, "c": complex(np.nan, np.nan)}.get(o.dtype.kind, 0)
      else:
        o[i] = r
  return [o.reshape(batch + o.shape[1:]) for o in outs]


# ----------------------------------------------------------------------------------------------
# cholesky
# ----------------------------------------------------------------------------------------------
def _cholesky_impl(x):
  n = x.shape[-1]
  if n == 0:
    return np.zeros(x.shape, x.dtype)
  try:
    return np.linalg.cholesky(x).astype(x.dtype, copy=False)
  except np.linalg.LinAlgError:
    return _per_matrix(lambda m: [np.linalg.cholesky(m)], x, 1, [x.shape[-2:]], [x.dtype])[0]


def _cholesky_aval(x):
  _check_operand("cholesky", x)
  _square("cholesky", x, "")
  return ShapedArray(x.shape, x.dtype, x.weak_type)


cholesky_p = primitive("cholesky", _cholesky_impl, _cholesky_aval)


def _cholesky_jvp(primals, tangents):
  x, = primals
  sigma_dot, = tangents
  l = _tril(cholesky_p.bind(x))
  if type(sigma_dot) is Zero:
    return l, Zero.from_primal_value(l)
  n = _shape(x)[-1]

  def phi(a):  # lower triangle with the diagonal halved
    t = _tril(a)
    half = L.add(L._const(a, 1), _eye(_dtype(a), n))
    return L.div(t, _batched_mask(half, _shape(t)))

  tmp = triangular_solve(l, sigma_dot, left_side=False, transpose_a=True, conjugate_a=True,
                         lower=True)
  l_dot = _mm(l, phi(triangular_solve(l, tmp, left_side=True, transpose_a=False, lower=True)))
  return l, l_dot


cholesky_p.jvp = _cholesky_jvp
_batch_front(cholesky_p)


def cholesky(x, *, symmetrize_input: bool = True):
  """Lower Cholesky factor L of Hermitian positive-definite matrices, x = L Lᴴ (NaNs on
  failure). With `symmetrize_input`, factors (x + xᴴ)/2; otherwise reads the lower triangle."""
  x = L.asarray(x)
  if symmetrize_input:
    shape = _shape(x)
    if len(shape) >= 2 and shape[-1] != shape[-2]:
      _cholesky_aval(core.get_aval(x))  # raises: not square
    x = symmetrize(x)
  return _tril(_checked_bind(cholesky_p, x))


# ----------------------------------------------------------------------------------------------
# triangular_solve
# ----------------------------------------------------------------------------------------------
def _substitution(a, b, lower: bool, unit: bool):
  """Solve A X = B for a batch (B, n, n) of triangular A by vectorised substitution."""
  n = a.shape[-1]
  x = np.empty(b.shape, np.result_type(a.dtype, b.dtype))
  order = range(n) if lower else range(n - 1, -1, -1)
  with np.errstate(all="ignore"):
    for i in order:
      acc = b[:, i, :]
      if lower and i > 0:
        acc = acc - np.matmul(a[:, i:i + 1, :i], x[:, :i, :])[:, 0]
      elif not lower and i < n - 1:
        acc = acc - np.matmul(a[:, i:i + 1, i + 1:], x[:, i + 1:, :])[:, 0]
      x[:, i, :] = acc if unit else acc / a[:, i, i, None]
  return x


_lapack_cache: dict = {}


def _lapack(name: str, dtype):
  """SciPy's LAPACK wrapper `name` for `dtype`, looked up once."""
  key = (name, dtype)
  fn = _lapack_cache.get(key)
  if fn is None:
    fn = _lapack_cache[key] = lapack.get_lapack_funcs((name,), dtype=dtype)[0]
  return fn


def _trtrs(a, b, lower: bool, unit: bool):
  """Solve A X = B for one triangular A with LAPACK; substitution (inf/NaN) if singular."""
  trtrs = _lapack("trtrs", a.dtype)
  x, info = trtrs(a, b, lower=int(lower), trans=0, unitdiag=int(unit))
  if info != 0:
    return _substitution(a[None], b[None], lower, unit)[0]
  return x


def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
  dtype = b.dtype
  if not left_side:  # X op(A) = B  <=>  op(A)ᵀ Xᵀ = Bᵀ
    b = np.swapaxes(b, -1, -2)
    transpose_a = not transpose_a
  if transpose_a:
    a = np.swapaxes(a, -1, -2)
    lower = not lower
  if conjugate_a:
    a = np.conj(a)
  n, k = b.shape[-2:]
  batch = b.shape[:-2]
  if n == 0 or k == 0:
    out = np.zeros(b.shape, dtype)
  else:
    af = np.ascontiguousarray(a.reshape((-1, n, n)))
    bf = np.ascontiguousarray(b.reshape((-1, n, k)))
    size = bf.shape[0]
    if size > n:  # many small systems: vectorise over the batch
      out = _substitution(af, bf, lower, unit_diagonal)
    elif size == 1:
      out = _trtrs(af[0], bf[0], lower, unit_diagonal)
    else:
      out = np.stack([_trtrs(af[i], bf[i], lower, unit_diagonal) for i in range(size)])
    out = out.reshape(batch + (n, k))
  if not left_side:
    out = np.swapaxes(out, -1, -2)
  return np.ascontiguousarray(out, dtype=dtype)


def _triangular_solve_aval(a, b, *, left_side, lower, transpose_a, conjugate_a, unit_diagonal):
  name = "triangular_solve"
  _check_operand(name, a, 0)
  _check_operand(name, b, 1)
  if a.ndim != b.ndim:
    raise TypeError(f"All inputs to {name} must have the same number of batch dimensions, "
                    f"but got {[a.ndim - 2, b.ndim - 2]} batch dimensions for the inputs.")
  if a.shape[:-2] != b.shape[:-2]:
    raise TypeError(f"{name} requires equal batch dimensions, got shapes {a.shape} and "
                    f"{b.shape}.")
  if a.dtype != b.dtype:
    raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got "
                    f"{a.dtype.name}, {b.dtype.name}.")
  if a.shape[-1] != a.shape[-2]:
    raise ValueError(f"The first input to triangular_solve must be a square matrix. Got "
                     f"shape {a.shape[-2:]}.")
  common = -2 if left_side else -1
  if a.shape[-1] != b.shape[common]:
    raise ValueError(f"Incompatible shapes for arguments to triangular_solve: "
                     f"{a.shape[-2:]} and {b.shape[-2:]}.")
  return ShapedArray(b.shape, b.dtype, a.weak_type and b.weak_type)


triangular_solve_p = primitive("triangular_solve", _triangular_solve_impl,
                               _triangular_solve_aval)


def _triangular_solve_jvp_a(g_a, ans, a, b, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
  m, n = _shape(b)[-2:]
  k = 1 if unit_diagonal else 0
  g_a = _tril(g_a, -k) if lower else _triu(g_a, k)
  g_a = L.neg(g_a)
  g_a = _T(g_a) if transpose_a else g_a
  g_a = L.conj(g_a) if conjugate_a else g_a

  def a_inverse(rhs):
    return triangular_solve_p.bind(a, rhs, left_side=left_side, lower=lower,
                                   transpose_a=transpose_a, conjugate_a=conjugate_a,
                                   unit_diagonal=unit_diagonal)

  # Whichever order is cheaper: a solve costs about as much as a matrix product.
  if left_side:
    return a_inverse(_mm(g_a, ans)) if m > n else _mm(a_inverse(g_a), ans)
  return a_inverse(_mm(ans, g_a)) if m < n else _mm(ans, a_inverse(g_a))


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
  if ad.is_undefined_primal(a):
    raise NotImplementedError("triangular_solve is not linear in its first argument")
  if type(ct) is Zero:
    return [None, Zero(b.aval)]
  ct_b = triangular_solve_p.bind(a, ct, left_side=left_side, lower=lower,
                                 transpose_a=not transpose_a, conjugate_a=conjugate_a,
                                 unit_diagonal=unit_diagonal)
  return [None, ct_b]


def _triangular_solve_batch(vals, dims, **params):
  a, b = vals
  da, db = dims
  if da is None:
    # Fold the batch axis of b into its free (non-solved) axis: one solve for all.
    shape = _shape(b)
    if params["left_side"]:
      b = batching.moveaxis(b, db, -1)
      s = _shape(b)
      flat = L.reshape(b, s[:-2] + (s[-2] * s[-1],))
      out = triangular_solve_p.bind(a, flat, **params)
      return L.reshape(out, s), len(s) - 1
    b = batching.moveaxis(b, db, -2)
    s = _shape(b)
    flat = L.reshape(b, s[:-3] + (s[-3] * s[-2], s[-1]))
    out = triangular_solve_p.bind(a, flat, **params)
    return L.reshape(out, s), len(s) - 2
  size = _shape(a)[da] if da is not None else _shape(b)[db]
  a = batching.bdim_at_front(a, da, size)
  b = batching.bdim_at_front(b, db, size)
  return triangular_solve_p.bind(a, b, **params), 0


defjvp2(triangular_solve_p, _triangular_solve_jvp_a,
        lambda g_b, ans, a, b, **params: triangular_solve_p.bind(a, g_b, **params))
triangular_solve_p.transpose = _triangular_solve_transpose
triangular_solve_p.batch = _triangular_solve_batch


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
  """Solve op(a) x = b (`left_side`) or x op(a) = b for triangular `a`; op transposes
  and/or conjugates. A `b` with one axis fewer than `a` is a (batch of) vector(s)."""
  a, b = L.asarray(a), L.asarray(b)
  conjugate_a = bool(conjugate_a) and _is_complex(a)
  singleton = len(_shape(b)) == len(_shape(a)) - 1
  if singleton:
    b = L.expand_dims(b, (len(_shape(b)) if left_side else len(_shape(b)) - 1,))
  out = _checked_bind(triangular_solve_p, a, b, left_side=bool(left_side), lower=bool(lower),
                                transpose_a=bool(transpose_a), conjugate_a=conjugate_a,
                                unit_diagonal=bool(unit_diagonal))
  if singleton:
    nd = len(_shape(out))
    out = L.squeeze(out, (nd - 1,) if left_side else (nd - 2,))
  return out


# ----------------------------------------------------------------------------------------------
# lu (partial pivoting: P A = L U)
# ----------------------------------------------------------------------------------------------
def _pivots_to_permutation(piv, m: int):
  """Apply the row swaps `piv` (..., k) to arange(m): numpy, vectorised over the batch."""
  batch = piv.shape[:-1]
  if not batch:  # one matrix: plain Python swaps are fastest
    perm = list(range(m))
    for i, j in enumerate(piv.tolist()):
      perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, np.int32)
  flat = piv.reshape((-1, piv.shape[-1]))
  perm = np.broadcast_to(np.arange(m, dtype=np.int32), (flat.shape[0], m)).copy()
  rows = np.arange(flat.shape[0])
  for i in range(flat.shape[1]):
    j = flat[:, i]
    pi, pj = perm[rows, i].copy(), perm[rows, j].copy()
    perm[rows, i] = pj
    perm[rows, j] = pi
  return perm.reshape(batch + (m,))


def _lu_vectorised(a):
  """Unblocked LU with partial pivoting of a batch (B, m, n), as LAPACK's getf2 computes it."""
  a = np.array(a, copy=True)
  size, m, n = a.shape
  k = min(m, n)
  piv = np.zeros((size, k), np.int32)
  rows = np.arange(size)
  with np.errstate(all="ignore"):
    for j in range(k):
      col = a[:, j:, j]
      mag = np.abs(col.real) + np.abs(col.imag) if a.dtype.kind == "c" else np.abs(col)
      p = j + np.argmax(mag, axis=1)
      piv[:, j] = p
      top = a[rows, j, :].copy()
      a[rows, j, :] = a[rows, p, :]
      a[rows, p, :] = top
      pivot = a[:, j, j]
      nz = pivot != 0
      safe = np.where(nz, pivot, 1)
      a[:, j + 1:, j] = np.where(nz[:, None], a[:, j + 1:, j] / safe[:, None], a[:, j + 1:, j])
      a[:, j + 1:, j + 1:] -= a[:, j + 1:, j, None] * a[:, j, None, j + 1:]
  return a, piv


def _lu_impl(x):
  m, n = x.shape[-2:]
  batch = x.shape[:-2]
  k = min(m, n)
  flat = x.reshape((-1, m, n))
  size = flat.shape[0]
  if m == 0 or n == 0:
    lu_, piv = np.array(flat, copy=True), np.zeros((size, 0), np.int32)
  elif size > max(m, n):
    lu_, piv = _lu_vectorised(flat)
  else:
    getrf = _lapack("getrf", x.dtype)
    outs = [getrf(flat[i])[:2] for i in range(size)]
    if size == 1:
      lu_, piv = outs[0][0][None], outs[0][1][None]
    else:
      lu_ = np.stack([o[0] for o in outs])
      piv = np.stack([o[1] for o in outs])
    lu_, piv = lu_.astype(x.dtype, copy=False), piv.astype(np.int32, copy=False)
  lu_ = lu_.reshape(batch + (m, n))
  piv = piv.reshape(batch + (k,))
  return [np.ascontiguousarray(lu_, x.dtype), piv, _pivots_to_permutation(piv, m)]


def _lu_aval(x):
  _check_operand("lu", x)
  m, n = x.shape[-2:]
  batch = x.shape[:-2]
  weak = x.weak_type
  return [ShapedArray(x.shape, x.dtype, weak),
          ShapedArray(batch + (min(m, n),), dtypes.int32, weak),
          ShapedArray(batch + (m,), dtypes.int32, weak)]


lu_p = primitive("lu", _lu_impl, _lu_aval, multiple_results=True)


def _lu_jvp(primals, tangents):
  # De Hoog, Anderssen & Lukas, "Differentiation of matrix functionals using triangular
  # factorization": with PA = LU and X = L⁻¹ P dA U⁻¹,
  #   dL = L tril(X, -1),  dU = triu(X) U.
  a, = primals
  a_dot, = tangents
  lu_, pivots, perm = lu_p.bind(a)
  outs = [lu_, pivots, perm]
  zeros = [Zero.from_primal_value(pivots), Zero.from_primal_value(perm)]
  if type(a_dot) is Zero:
    return outs, [Zero.from_primal_value(lu_)] + zeros
  shape = _shape(a)
  batch, (m, n) = shape[:-2], shape[-2:]
  k = min(m, n)
  dtype = _dtype(a)
  nb = len(batch)
  zero = L._const(lu_, 0)
  lk = L.slice(lu_, (0,) * (nb + 2), batch + (m, k))
  l = L.pad(_tril(lk, -1), zero, [(0, 0, 0)] * (nb + 1) + [(0, m - k, 0)])
  l = L.add(l, _eye(dtype, m, batch=batch))
  uk = L.slice(lu_, (0,) * (nb + 2), batch + (k, n))
  u = L.pad(_triu(uk), zero, [(0, 0, 0)] * nb + [(0, n - k, 0), (0, 0, 0)])
  if n > k:
    u_eye = L.pad(_eye(dtype, n - k), zero, ((k, 0, 0), (k, 0, 0)))
    u = L.add(u, _batched_mask(u_eye, batch + (n, n)))
  pa = _mm(_permutation_matrix(perm, dtype), a_dot)
  la = triangular_solve_p.bind(l, pa, left_side=True, transpose_a=False, lower=True,
                               unit_diagonal=True, conjugate_a=False)
  lau = triangular_solve_p.bind(u, la, left_side=False, transpose_a=False, lower=False,
                                unit_diagonal=False, conjugate_a=False)
  l_dot = _mm(l, _tril(lau, -1))
  u_dot = _mm(_triu(lau), u)
  return outs, [L.add(l_dot, u_dot)] + zeros


lu_p.jvp = _lu_jvp
_batch_front(lu_p)


def lu(x):
  """LU decomposition with partial pivoting, P x = L U: returns (lu, pivots, permutation);
    `lu` holds L (unit diagonal implied) below and U on/above the diagonal."""
  lu_, pivots, perm = _checked_bind(lu_p, L.asarray(x))
  return lu_, pivots, perm


# --- lu_pivots_to_permutation ------------------------------------------------------------------
def _l2p_aval(pivots, *, permutation_size):
  _check_operand("lu_pivots_to_permutation", pivots, 0, 1, "i")
  if pivots.dtype != dtypes.int32:
    raise TypeError(f"lu_pivots_to_permutation does not accept dtype {pivots.dtype.name} at "
                    f"position 0. Accepted dtypes at position 0 are subtypes of int32.")
  if permutation_size < pivots.shape[-1]:
    raise ValueError(f"Output permutation size {permutation_size} has to exceed the trailing "
                     f"dimension of the pivots. Got pivots size {pivots.shape[-1]}")
  return ShapedArray(pivots.shape[:-1] + (permutation_size,), dtypes.int32, pivots.weak_type)


lu_pivots_to_permutation_p = primitive(
    "lu_pivots_to_permutation",
    lambda pivots, *, permutation_size: _pivots_to_permutation(np.asarray(pivots),
                                                               permutation_size),
    _l2p_aval)
lu_pivots_to_permutation_p.jvp = lambda primals, tangents, **p: (
    lu_pivots_to_permutation_p.bind(*primals, **p),
    Zero(ShapedArray(_shape(primals[0])[:-1] + (p["permutation_size"],), dtypes.float0)))
lu_pivots_to_permutation_p.batch = lambda vals, dims, **p: (
    lu_pivots_to_permutation_p.bind(batching.moveaxis(vals[0], dims[0], 0), **p), 0)


def lu_pivots_to_permutation(pivots, permutation_size: int):
  """The permutation (int32 (..., permutation_size)) performed by the row swaps `pivots`."""
  return _checked_bind(lu_pivots_to_permutation_p, L.asarray(pivots),
                                         permutation_size=int(permutation_size))


def lu_solve(lu_, permutation, b, trans: int = 0):
  """Solve a x = b (trans=0), aᵀ x = b (1) or aᴴ x = b (2) from a's LU factors.

  `b` is (..., m) (vectors) when it has one axis fewer than `lu_`, else (..., m, k); batch
  axes broadcast."""
  lu_, permutation, b = L.asarray(lu_), L.asarray(permutation), L.asarray(b)
  ls, bs = _shape(lu_), _shape(b)
  if len(ls) < 2 or ls[-1] != ls[-2]:
    raise ValueError(f"last two dimensions of LU decomposition must be equal, got shape {ls}")
  if len(bs) < 1:
    raise ValueError(f"b matrix must have rank >= 1, got shape {bs}")
  vector = len(ls) == len(bs) + 1
  if vector:
    if bs[-1] != ls[-1]:
      raise ValueError(f"When LU decomposition matrix and b have the same number of "
                       f"dimensions, last axis of LU decomposition matrix (shape {ls}) and b "
                       f"array (shape {bs}) must match")
    b = L.expand_dims(b, (len(bs),))
  elif bs[-2] != ls[-1]:
    raise ValueError(f"When LU decomposition matrix and b different numbers of dimensions, "
                     f"last axis of LU decomposition matrix (shape {ls}) and second to last "
                     f"axis of b array (shape {bs}) must match")
  bs = _shape(b)
  batch = tuple(np.broadcast_shapes(ls[:-2], _shape(permutation)[:-1], bs[:-2]))
  lu_ = L.broadcast_to_shape(lu_, batch + ls[-2:])
  permutation = L.broadcast_to_shape(permutation, batch + _shape(permutation)[-1:])
  b = L.broadcast_to_shape(b, batch + bs[-2:])
  x = _lu_solve_core(lu_, permutation, b, trans)
  return L.squeeze(x, (len(_shape(x)) - 1,)) if vector else x


def _lu_solve_core(lu_, perm, b, trans: int):
  """lu_solve on operands with equal batch shapes; b is (..., m, k)."""
  dtype = _dtype(lu_)
  kw = dict(left_side=True, conjugate_a=False)
  if trans == 0:
    x = _mm(_permutation_matrix(perm, dtype), b)
    x = triangular_solve_p.bind(lu_, x, lower=True, unit_diagonal=True, transpose_a=False, **kw)
    return triangular_solve_p.bind(lu_, x, lower=False, unit_diagonal=False, transpose_a=False,
                                   **kw)
  if trans not in (1, 2):
    raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
  kw["conjugate_a"] = trans == 2 and dtype.kind == "c"
  x = triangular_solve_p.bind(lu_, b, lower=False, unit_diagonal=False, transpose_a=True, **kw)
  x = triangular_solve_p.bind(lu_, x, lower=True, unit_diagonal=True, transpose_a=True, **kw)
  return _mm(_T(_permutation_matrix(perm, dtype)), x)  # x[argsort(perm)]


# ----------------------------------------------------------------------------------------------
# qr
# ----------------------------------------------------------------------------------------------
def _qr_impl(x, *, pivoting, full_matrices, use_magma=None):
  m, n = x.shape[-2:]
  kk = m if full_matrices else min(m, n)
  batch = x.shape[:-2]
  if pivoting:
    mode = "full" if full_matrices else "economic"

    def one(a):
      q, r, p = scipy.linalg.qr(a, mode=mode, pivoting=True, check_finite=False)
      return [q, r, p]
    return _per_matrix(one, x, 3, [(m, kk), (kk, n), (n,)], [x.dtype, x.dtype, np.int32])
  if m == 0 or n == 0:
    q = np.broadcast_to(np.eye(m, kk, dtype=x.dtype), batch + (m, kk)).copy()
    return [q, np.zeros(batch + (kk, n), x.dtype)]
  q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
  return [q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)]


def _qr_aval(x, *, pivoting, full_matrices, use_magma=None):
  _check_operand("qr", x)
  m, n = x.shape[-2:]
  batch = x.shape[:-2]
  k = m if full_matrices else min(m, n)
  outs = [ShapedArray(batch + (m, k), x.dtype, x.weak_type),
          ShapedArray(batch + (k, n), x.dtype, x.weak_type)]
  if pivoting:
    outs.append(ShapedArray(batch + (n,), dtypes.int32, x.weak_type))
  return outs


qr_p = primitive("qr", _qr_impl, _qr_aval, multiple_results=True)


def _thin_qr_jvp(q, r, dx):
  """JVP of the QR decomposition of (..., m, n) matrices with m >= n."""
  # See j-towns.github.io/papers/qr-derivative.pdf for a terse derivation.
  dx_rinv = triangular_solve_p.bind(r, dx, left_side=False, lower=False, transpose_a=False,
                                    conjugate_a=False, unit_diagonal=False)
  qt_dx_rinv = _mm(_H(q), dx_rinv)
  qt_dx_rinv_lower = _tril(qt_dx_rinv, -1)
  do = L.sub(qt_dx_rinv_lower, _H(qt_dx_rinv_lower))  # skew-symmetric
  if _is_complex(qt_dx_rinv):  # the diagonal correction needed for complex inputs
    n = _shape(r)[-1]
    eye = _batched_mask(_eye(_dtype(do), n), _shape(do))
    imag_part = L.sub(qt_dx_rinv, L.convert_element_type(L.real(qt_dx_rinv), _dtype(do)))
    do = L.add(do, L.mul(eye, imag_part))
  dq = L.add(_mm(q, L.sub(do, qt_dx_rinv)), dx_rinv)
  dr = _mm(L.sub(qt_dx_rinv, do), r)
  return dq, dr


def _slice_last2(x, rows, cols):
  """x[..., rows[0]:rows[1], cols[0]:cols[1]]."""
  shape = _shape(x)
  nb = len(shape) - 2
  return L.slice(x, (0,) * nb + (rows[0], cols[0]), shape[:-2] + (rows[1], cols[1]))


def _qr_jvp(primals, tangents, *, pivoting, full_matrices, use_magma=None):
  x, = primals
  dx, = tangents
  outs = qr_p.bind(x, pivoting=pivoting, full_matrices=full_matrices, use_magma=use_magma)
  q, r = outs[0], outs[1]
  pzero = [Zero.from_primal_value(outs[2])] if pivoting else []
  if type(dx) is Zero:
    return outs, [Zero.from_primal_value(q), Zero.from_primal_value(r)] + pzero
  *_, m, n = _shape(x)
  if pivoting:  # dx[..., p]: a column permutation
    dx = _mm(dx, _T(_permutation_matrix(outs[2], _dtype(dx))))
    x = _mm(x, _T(_permutation_matrix(outs[2], _dtype(x))))
  if m < n:
    # Wide: X = [X1 X2] = Q [R1 R2]; X1 = Q R1 is a square QR, and R2 = Qᴴ X2.
    x2 = _slice_last2(x, (0, m), (m, n))
    dx1 = _slice_last2(dx, (0, m), (0, m))
    dx2 = _slice_last2(dx, (0, m), (m, n))
    r1 = _slice_last2(r, (0, m), (0, m))
    dq, dr1 = _thin_qr_jvp(q, r1, dx1)
    dr2 = L.add(_mm(_H(dq), x2), _mm(_H(q), dx2))
    dr = L.concatenate([dr1, dr2], len(_shape(dr1)) - 1)
    return outs, [dq, dr] + pzero
  q_mn = _slice_last2(q, (0, m), (0, n)) if full_matrices else q
  r_nn = _slice_last2(r, (0, n), (0, n)) if full_matrices else r
  dq_mn, dr_nn = _thin_qr_jvp(q_mn, r_nn, dx)
  if not full_matrices or m == n:
    return outs, [dq_mn, dr_nn] + pzero
  # Tall with full matrices (https://arxiv.org/pdf/2409.13374, eqs. 32-33).
  q_nn = _slice_last2(q_mn, (0, n), (0, n))
  q_pn = _slice_last2(q_mn, (n, m), (0, n))
  q_mp = _slice_last2(q, (0, m), (n, m))
  dq_nn = _slice_last2(dq_mn, (0, n), (0, n))
  dq_pn = _slice_last2(dq_mn, (n, m), (0, n))
  batch = _shape(q)[:-2]
  lu_f, _, perm = lu_p.bind(L.sub(q_nn, _eye(_dtype(q), n, batch=batch)))
  z_pn_h = _lu_solve_core(lu_f, perm, _H(q_pn), 2)  # (Q_nn - I)ᴴ Z_pnᴴ = Q_pnᴴ
  z_pn = _H(z_pn_h)
  dq_mp = L.sub(_mm(dq_mn, z_pn_h),
                _mm(L.add(q_mn, _mm(q_mp, z_pn)), _H(L.sub(dq_pn, _mm(z_pn, dq_nn)))))
  nd = len(_shape(dq_mn))
  dq = L.concatenate([dq_mn, dq_mp], nd - 1)
  dr = L.concatenate([dr_nn, L.full(batch + (m - n, n), 0, _dtype(dr_nn))], nd - 2)
  return outs, [dq, dr] + pzero


qr_p.jvp = _qr_jvp
_batch_front(qr_p)


def qr(x, *, pivoting: bool = False, full_matrices: bool = True, use_magma=None):
  """QR decomposition x = q r (q unitary, r upper triangular); with `pivoting`, x[:, p] = q r
  and returns (q, r, p). Shapes: q (..., m, k), r (..., k, n), k = m if full_matrices else
  min(m, n)."""
  outs = _checked_bind(qr_p, L.asarray(x), pivoting=bool(pivoting), full_matrices=bool(full_matrices),
                   use_magma=use_magma)
  return tuple(outs)


# --- geqrf: Householder QR in LAPACK's compact form (not differentiable, as in JAX) ----------
def _geqrf_impl(x):
  m, n = x.shape[-2:]
  if m == 0 or n == 0:
    return [np.array(x, copy=True), np.zeros(x.shape[:-2] + (min(m, n),), x.dtype)]
  h, tau = np.linalg.qr(x, mode="raw")  # h is the transposed (Fortran-order) factor
  return [np.ascontiguousarray(np.swapaxes(h, -1, -2), x.dtype),
          np.ascontiguousarray(tau, x.dtype)]


def _geqrf_aval(x):
  _check_operand("geqrf", x)
  m, n = x.shape[-2:]
  return [ShapedArray(x.shape, x.dtype, x.weak_type),
          ShapedArray(x.shape[:-2] + (min(m, n),), x.dtype, x.weak_type)]


geqrf_p = primitive("geqrf", _geqrf_impl, _geqrf_aval, multiple_results=True)
_batch_front(geqrf_p)


def geqrf(x):
  """(a, taus): R in the upper triangle of a, Householder reflectors below it."""
  a, taus = _checked_bind(geqrf_p, L.asarray(x))
  return a, taus


# ----------------------------------------------------------------------------------------------
# eigh (Hermitian / symmetric eigendecomposition): returns (v, w)
# ----------------------------------------------------------------------------------------------
def _eigh_impl(x, *, lower, sort_eigenvalues, subset_by_index, algorithm=None):
  n = x.shape[-1]
  rdt = _real_dtype(x.dtype)
  if n == 0:
    return [np.zeros(x.shape, x.dtype), np.zeros(x.shape[:-1], rdt)]
  uplo = "L" if lower else "U"
  try:
    w, v = np.linalg.eigh(x, UPLO=uplo)
  except np.linalg.LinAlgError:
    v, w = _per_matrix(lambda a: list(np.linalg.eigh(a, UPLO=uplo))[::-1], x, 2,
                       [(n, n), (n,)], [x.dtype, rdt])
  if subset_by_index is not None:
    lo, hi = subset_by_index
    v, w = v[..., lo:hi], w[..., lo:hi]
  return [np.ascontiguousarray(v, x.dtype), np.ascontiguousarray(w, rdt)]


def _eigh_aval(x, *, lower, sort_eigenvalues, subset_by_index, algorithm=None):
  _check_operand("eigh", x)
  if x.shape[-1] != x.shape[-2]:
    raise ValueError(f"Argument to symmetric eigendecomposition must have shape [..., n, n], "
                     f"got shape {x.shape}")
  n = x.shape[-1]
  d = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
  batch = x.shape[:-2]
  return [ShapedArray(batch + (n, d), x.dtype, x.weak_type),
          ShapedArray(batch + (d,), _real_dtype(x.dtype), x.weak_type)]


eigh_p = primitive("eigh", _eigh_impl, _eigh_aval, multiple_results=True)


def _eigh_jvp(primals, tangents, *, lower, sort_eigenvalues, subset_by_index, algorithm=None):
  # Nondegenerate perturbation theory (distinct eigenvalues); see
  # https://people.maths.ox.ac.uk/gilesm/files/NA-08-01.pdf
  a, = primals
  a_dot, = tangents
  n = _shape(a)[-1]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
    raise NotImplementedError("Derivatives not defined for partial eigen decomposition.")
  v, w_real = eigh_p.bind(symmetrize(a), lower=lower, sort_eigenvalues=sort_eigenvalues,
                          subset_by_index=subset_by_index, algorithm=algorithm)
  if type(a_dot) is Zero:
    return [v, w_real], [Zero.from_primal_value(v), Zero.from_primal_value(w_real)]
  dtype = _dtype(a)
  batch = _shape(a)[:-2]
  w = L.convert_element_type(w_real, dtype)
  eye = _eye(dtype, n, batch=batch)
  nb = len(batch)
  w_row = L.broadcast_in_dim(w, batch + (n, n), tuple(range(nb)) + (nb + 1,))
  w_col = L.broadcast_in_dim(w, batch + (n, n), tuple(range(nb)) + (nb,))
  fmat = L.sub(L.integer_pow(L.sub(L.add(eye, w_row), w_col), -1), eye)
  vdag_adot_v = _mm(_mm(_H(v), a_dot), v)
  dv = _mm(v, L.mul(fmat, vdag_adot_v))
  dw = _diagonal(L.real(vdag_adot_v) if _is_complex(vdag_adot_v) else vdag_adot_v)
  return [v, w_real], [dv, dw]


eigh_p.jvp = _eigh_jvp
_batch_front(eigh_p)


def eigh(x, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index=None, implementation=None):
  """Eigendecomposition of Hermitian matrices: returns (v, w) with x v = v diag(w), w
  ascending and real."""
  x = L.asarray(x)
  if symmetrize_input:
    shape = _shape(x)
    if len(shape) < 2 or shape[-1] != shape[-2]:
      _eigh_aval(core.get_aval(x), lower=lower, sort_eigenvalues=sort_eigenvalues,
                 subset_by_index=None)  # raises: not a batch of square matrices
    x = symmetrize(x)
  v, w = _checked_bind(eigh_p, x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                     subset_by_index=None if subset_by_index is None
                     else tuple(int(i) for i in subset_by_index), algorithm=implementation)
  return v, w


# ----------------------------------------------------------------------------------------------
# eig (general eigendecomposition): returns [w, (vl), (vr)]
# ----------------------------------------------------------------------------------------------
def _eig_impl(x, *, compute_left_eigenvectors, compute_right_eigenvectors,
              enable_eigvec_derivs=False, implementation=None):
  n = x.shape[-1]
  cdt = _complex_dtype(x.dtype)

  def one(a):
    if compute_left_eigenvectors:
      w, vl, vr = scipy.linalg.eig(a, left=True, right=True, check_finite=False)
      outs = [w, vl]
      return outs + [vr] if compute_right_eigenvectors else outs
    if compute_right_eigenvectors:
      return list(np.linalg.eig(a))
    return [np.linalg.eigvals(a)]
  shapes = [(n,)] + [(n, n)] * (compute_left_eigenvectors + compute_right_eigenvectors)
  outs = None
  if not compute_left_eigenvectors and np.all(np.isfinite(x)):
    try:  # the whole batch in one call
      outs = list(np.linalg.eig(x)) if compute_right_eigenvectors else [np.linalg.eigvals(x)]
    except np.linalg.LinAlgError:
      pass
  if outs is None:  # per matrix, NaNs where LAPACK fails
    outs = _per_matrix(one, x, len(shapes), shapes, [cdt] * len(shapes))
  return [np.ascontiguousarray(o, cdt) for o in outs]


def _eig_aval(x, *, compute_left_eigenvectors, compute_right_eigenvectors,
              enable_eigvec_derivs=False, implementation=None):
  _check_operand("eig", x)
  _square("eig", x, "")
  cdt = _complex_dtype(x.dtype)
  count = compute_left_eigenvectors + compute_right_eigenvectors
  return [ShapedArray(x.shape[:-1], cdt, x.weak_type)] + [
      ShapedArray(x.shape, cdt, x.weak_type)] * count


eig_p = primitive("eig", _eig_impl, _eig_aval, multiple_results=True)


def _solve_general(a, b):
  """a⁻¹ b for equal batch shapes (used inside rules)."""
  lu_, _, perm = lu_p.bind(a)
  return _lu_solve_core(lu_, perm, b, 0)


def _eig_vec_jvp(w, v, da):
  # Nondegenerate perturbation theory, with LAPACK's geev normalisation (unit 2-norm,
  # real largest-magnitude component) differentiated through.
  shape = _shape(v)
  batch, n = shape[:-2], shape[-1]
  nb = len(batch)
  dtype = _dtype(v)
  eye = _eye(dtype, n, batch=batch)
  w_row = L.broadcast_in_dim(w, batch + (n, n), tuple(range(nb)) + (nb + 1,))
  w_col = L.broadcast_in_dim(w, batch + (n, n), tuple(range(nb)) + (nb,))
  fmat = L.sub(L.div(L._const(eye, 1), L.sub(L.add(eye, w_row), w_col)), eye)
  p = _mm(_solve_general(v, da), v)
  dw = _diagonal(p)
  u = _mm(v, L.mul(fmat, p))
  k = L.argmax(L.abs(v), nb, np.int32)
  mask = L.convert_element_type(
      L.eq(L.broadcasted_iota(np.int32, shape, nb),
           L.broadcast_in_dim(k, shape, tuple(range(nb)) + (nb + 1,))), dtype)
  re = L.neg(L.real(L.reduce_sum(L.mul(L.conj(v), u), (nb,))))
  im = L.div(L.neg(L.imag(L.reduce_sum(L.mul(mask, u), (nb,)))),
             L.real(L.reduce_sum(L.mul(mask, v), (nb,))))
  c = L.complex(re, im)
  return dw, L.add(u, L.mul(v, L.broadcast_in_dim(c, shape, tuple(range(nb)) + (nb + 1,))))


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs=False, implementation=None):
  a, = primals
  da, = tangents
  if (compute_left_eigenvectors or compute_right_eigenvectors) and not enable_eigvec_derivs:
    raise NotImplementedError(
        "Derivatives of non-symmetric eigenvectors are only valid under assumptions on the "
        "input that JAX cannot check (see the enable_eigvec_derivs argument to "
        "jax.lax.linalg.eig). Pass enable_eigvec_derivs=True to jax.lax.linalg.eig to opt in. "
        "See https://github.com/jax-ml/jax/issues/2748 for discussion.")
  outs = eig_p.bind(a, compute_left_eigenvectors=compute_left_eigenvectors,
                    compute_right_eigenvectors=True, enable_eigvec_derivs=enable_eigvec_derivs,
                    implementation=implementation)
  w, vr = outs[0], outs[-1]
  da = L.convert_element_type(da, _dtype(vr))
  if not (compute_left_eigenvectors or compute_right_eigenvectors):
    nd = len(_shape(vr))
    return [w], [L.reduce_sum(L.mul(_solve_general(vr, da), _T(vr)), (nd - 1,))]
  dw, dvr = _eig_vec_jvp(w, vr, da)
  primal_out, tangent_out = [w], [dw]
  if compute_left_eigenvectors:
    _, dvl = _eig_vec_jvp(L.conj(w), outs[1], _H(da))
    primal_out.append(outs[1])
    tangent_out.append(dvl)
  if compute_right_eigenvectors:
    primal_out.append(vr)
    tangent_out.append(dvr)
  return primal_out, tangent_out


eig_p.jvp = _eig_jvp
_batch_front(eig_p)


def eig(x, *, compute_left_eigenvectors: bool = True, compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False, implementation=None, use_magma=None):
  """Eigendecomposition of general square matrices: [w, vl (if left), vr (if right)]."""
  return _checked_bind(eig_p, L.asarray(x), compute_left_eigenvectors=bool(compute_left_eigenvectors),
                    compute_right_eigenvectors=bool(compute_right_eigenvectors),
                    enable_eigvec_derivs=bool(enable_eigvec_derivs),
                    implementation=implementation)


# ----------------------------------------------------------------------------------------------
# svd: returns [s, u, vt] (compute_uv) or [s]
# ----------------------------------------------------------------------------------------------
def _svd_impl(x, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  m, n = x.shape[-2:]
  batch = x.shape[:-2]
  rdt = _real_dtype(x.dtype)
  k = min(m, n)
  if k == 0:
    s = np.zeros(batch + (0,), rdt)
    if not compute_uv:
      return [s]
    if full_matrices:
      u = np.broadcast_to(np.eye(m, dtype=x.dtype), batch + (m, m)).copy()
      vt = np.broadcast_to(np.eye(n, dtype=x.dtype), batch + (n, n)).copy()
    else:
      u, vt = np.zeros(batch + (m, 0), x.dtype), np.zeros(batch + (0, n), x.dtype)
    return [s, u, vt]
  try:
    if compute_uv:
      u, s, vt = np.linalg.svd(x, full_matrices=full_matrices, compute_uv=True)
    else:
      s = np.linalg.svd(x, compute_uv=False)
  except np.linalg.LinAlgError:
    ku = m if full_matrices else k
    kv = n if full_matrices else k
    if compute_uv:
      s, u, vt = _per_matrix(
          lambda a: (lambda r: [r[1], r[0], r[2]])(np.linalg.svd(a, full_matrices)), x, 3,
          [(k,), (m, ku), (kv, n)], [rdt, x.dtype, x.dtype])
    else:
      s, = _per_matrix(lambda a: [np.linalg.svd(a, compute_uv=False)], x, 1, [(k,)], [rdt])
  if subset_by_index is not None:
    lo, hi = subset_by_index
    s = s[..., lo:hi]
    if compute_uv:
      u, vt = u[..., :, lo:hi], vt[..., lo:hi, :]
  s = np.ascontiguousarray(s, rdt)
  if not compute_uv:
    return [s]
  return [s, np.ascontiguousarray(u, x.dtype), np.ascontiguousarray(vt, x.dtype)]


def _svd_aval(x, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  _check_operand("svd", x)
  m, n = x.shape[-2:]
  batch = x.shape[:-2]
  rank = min(m, n)
  if subset_by_index is not None:
    if full_matrices and tuple(subset_by_index) != (0, rank):
      raise ValueError("full_matrices and subset_by_index cannot both be set")
    rank = min(rank, subset_by_index[1] - subset_by_index[0])
  weak = x.weak_type
  s = ShapedArray(batch + (rank,), _real_dtype(x.dtype), weak)
  if not compute_uv:
    return [s]
  return [s, ShapedArray(batch + (m, m if full_matrices else rank), x.dtype, weak),
          ShapedArray(batch + (n if full_matrices else rank, n), x.dtype, weak)]


svd_p = primitive("svd", _svd_impl, _svd_aval, multiple_results=True)


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  a, = primals
  da, = tangents
  s, u, vt = svd_p.bind(a, full_matrices=False, compute_uv=True,
                        subset_by_index=subset_by_index, algorithm=algorithm)
  shape = _shape(a)
  m, n = shape[-2:]
  if compute_uv and full_matrices and m != n:
    raise NotImplementedError(
        "Singular value decomposition JVP not implemented for full matrices")
  if type(da) is Zero:
    outs = [s, u, vt] if compute_uv else [s]
    return outs, [Zero.from_primal_value(o) for o in outs]
  dtype = _dtype(a)
  rdt = _dtype(s)
  batch = shape[:-2]
  nb = len(batch)
  k = _shape(s)[-1]
  ut, v = _H(u), _H(vt)
  ds_mat = _mm(_mm(ut, da), v)
  ds = _diagonal(L.real(ds_mat) if _is_complex(ds_mat) else ds_mat)
  if not compute_uv:
    return [s], [ds]
  s_row = L.broadcast_in_dim(s, batch + (k, k), tuple(range(nb)) + (nb + 1,))  # s_j
  s_col = L.broadcast_in_dim(s, batch + (k, k), tuple(range(nb)) + (nb,))      # s_i
  s_diffs = L.mul(L.add(s_row, s_col), L.sub(s_row, s_col))
  eye = _eye(rdt, k, batch=batch)
  f = L.sub(L.div(L._const(s_diffs, 1), L.add(s_diffs, eye)), eye)
  s_row_c = L.convert_element_type(s_row, dtype)
  s_col_c = L.convert_element_type(s_col, dtype)
  dss = L.mul(s_row_c, ds_mat)   # dS diag(s)
  sds = L.mul(s_col_c, ds_mat)   # diag(s) dS
  s_zeros = L.convert_element_type(L.eq(s, L._const(s, 0)), rdt)
  s_inv = L.sub(L.div(L._const(s, 1), L.add(s, s_zeros)), s_zeros)
  s_inv_mat = _diag_matrix(s_inv)
  half = L._const(ds_mat, 0.5)
  dudv_diag = L.mul(L.mul(half, L.sub(ds_mat, _H(ds_mat))),
                    L.convert_element_type(s_inv_mat, dtype))
  fc = L.convert_element_type(f, dtype)
  du = _mm(u, L.add(L.mul(fc, L.add(dss, _H(dss))), dudv_diag))
  dv = _mm(v, L.mul(fc, L.add(sds, _H(sds))))
  s_dim = L.broadcast_in_dim(L.convert_element_type(s, dtype), batch + (1, k),
                             tuple(range(nb)) + (nb + 1,))
  if m > n:
    dav = _mm(da, v)
    du = L.add(du, L.div(L.sub(dav, _mm(u, _mm(ut, dav))), s_dim))
  if n > m:
    dahu = _mm(_H(da), u)
    dv = L.add(dv, L.div(L.sub(dahu, _mm(v, _mm(vt, dahu))), s_dim))
  return [s, u, vt], [ds, du, _H(dv)]


svd_p.jvp = _svd_jvp
_batch_front(svd_p)


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True, subset_by_index=None,
        algorithm=None):
  """Singular value decomposition: (u, s, vh) with x = u diag(s) vh, or s alone."""
  outs = _checked_bind(svd_p, L.asarray(x), full_matrices=bool(full_matrices),
                    compute_uv=bool(compute_uv),
                    subset_by_index=None if subset_by_index is None
                    else tuple(int(i) for i in subset_by_index), algorithm=algorithm)
  if compute_uv:
    s, u, vt = outs
    return u, s, vt
  return outs[0]


# ----------------------------------------------------------------------------------------------
# tridiagonal_solve: (dl, d, du, b) -> x with the tridiagonal system T x = b
# ----------------------------------------------------------------------------------------------
def _tridiagonal_solve_impl(dl, d, du, b, *, perturb_singular=False):
  m = d.shape[-1]
  batch = b.shape[:-2]
  k = b.shape[-1]
  out = np.empty(b.shape, b.dtype)
  flat = [np.reshape(v, (-1,) + v.shape[len(batch):]) for v in (dl, d, du, b)]
  res = out.reshape((-1, m, k))
  for i in range(flat[0].shape[0]):
    ab = np.zeros((3, m), b.dtype)
    ab[0, 1:] = flat[2][i][:-1]
    ab[1] = flat[1][i]
    ab[2, :-1] = flat[0][i][1:]
    try:
      res[i] = scipy.linalg.solve_banded((1, 1), ab, flat[3][i], check_finite=False)
    except (np.linalg.LinAlgError, ValueError):
      res[i] = np.nan
  return out


def _tridiagonal_solve_aval(dl, d, du, b, *, perturb_singular=False):
  name = "tridiagonal_solve"
  for i, v in enumerate((dl, d, du)):
    _check_operand(name, v, i, 1)
  _check_operand(name, b, 3, 2)
  if not (dl.shape == d.shape == du.shape):
    raise TypeError(f"{name} requires that all diagonal arguments have the same shape, got "
                    f"{dl.shape}, {d.shape}, {du.shape}.")
  if b.shape[:-1] != d.shape:
    raise TypeError(f"{name} requires that the leading ndim-1 dimensions of b equal the "
                    f"dimensions of the diagonal arguments, got b.shape={b.shape} and "
                    f"diagonal shape {d.shape}.")
  if len({dl.dtype, d.dtype, du.dtype, b.dtype}) > 1:
    raise TypeError(f"{name} requires that all arguments have the same dtype.")
  return ShapedArray(b.shape, b.dtype, b.weak_type)


tridiagonal_solve_p = primitive("tridiagonal_solve", _tridiagonal_solve_impl,
                                _tridiagonal_solve_aval)


def _tridiagonal_product(dl, d, du, b):
  """T b for the tridiagonal T given by (dl, d, du); b is (..., m, k)."""
  shape = _shape(b)
  nb = len(shape) - 2
  m = shape[-2]
  dims = tuple(range(nb + 1))
  y = L.mul(L.broadcast_in_dim(d, shape, dims), b)
  if m > 1:
    zero = L._const(b, 0)
    lo_cfg = [(0, 0, 0)] * nb + [(1, -1, 0), (0, 0, 0)]
    hi_cfg = [(0, 0, 0)] * nb + [(-1, 1, 0), (0, 0, 0)]
    y = L.add(y, L.mul(L.broadcast_in_dim(dl, shape, dims), L.pad(b, zero, lo_cfg)))
    y = L.add(y, L.mul(L.broadcast_in_dim(du, shape, dims), L.pad(b, zero, hi_cfg)))
  return y


def _tridiagonal_solve_jvp(primals, tangents, *, perturb_singular=False):
  dl, d, du, b = primals
  tdl, td, tdu, tb = tangents
  x = tridiagonal_solve_p.bind(dl, d, du, b, perturb_singular=perturb_singular)
  if all(type(t) is Zero for t in tangents):
    return x, Zero.from_primal_value(x)
  # T x = b  =>  T dx = db - dT x
  rhs = Zero.from_primal_value(b) if type(tb) is Zero else tb
  if not all(type(t) is Zero for t in (tdl, td, tdu)):
    dt_x = _tridiagonal_product(*[L.full_like(d, 0) if type(t) is Zero else t
                                  for t in (tdl, td, tdu)], x)
    rhs = L.neg(dt_x) if type(rhs) is Zero else L.sub(rhs, dt_x)
  return x, tridiagonal_solve_p.bind(dl, d, du, rhs, perturb_singular=perturb_singular)


def _tridiagonal_solve_transpose(ct, dl, d, du, b, *, perturb_singular=False):
  if any(ad.is_undefined_primal(v) for v in (dl, d, du)):
    raise NotImplementedError("tridiagonal_solve is not linear in its diagonals")
  if type(ct) is Zero:
    return [None, None, None, Zero(b.aval)]
  # Tᵀ has diagonals (du shifted down, d, dl shifted up).
  shape = _shape(dl)
  nb = len(shape) - 1
  zero = L._const(dl, 0)
  dl_t = L.pad(du, zero, [(0, 0, 0)] * nb + [(1, -1, 0)])
  du_t = L.pad(dl, zero, [(0, 0, 0)] * nb + [(-1, 1, 0)])
  return [None, None, None, tridiagonal_solve_p.bind(dl_t, d, du_t, ct,
                                                     perturb_singular=perturb_singular)]


def _tridiagonal_solve_batch(vals, dims, **params):
  size = next(_shape(v)[dd] for v, dd in zip(vals, dims) if dd is not None)
  vals = [batching.bdim_at_front(v, dd, size) for v, dd in zip(vals, dims)]
  return tridiagonal_solve_p.bind(*vals, **params), 0


tridiagonal_solve_p.jvp = _tridiagonal_solve_jvp
tridiagonal_solve_p.transpose = _tridiagonal_solve_transpose
tridiagonal_solve_p.batch = _tridiagonal_solve_batch


def tridiagonal_solve(dl, d, du, b, *, perturb_singular: bool = False):
  """Solve the tridiagonal system T x = b; dl[0] and du[-1] are ignored (must be 0 in JAX)."""
  return _checked_bind(tridiagonal_solve_p, *L._args(dl, d, du, b),
                       perturb_singular=perturb_singular)


# ----------------------------------------------------------------------------------------------
# schur (real or complex Schur form, following the operand's dtype): returns [T, (Z)].
# Not differentiable, as in JAX (no jvp rule: differentiation raises JAX's error).
# ----------------------------------------------------------------------------------------------
def _schur_impl(x, *, compute_schur_vectors, sort_eig_vals, select_callable):
  n = x.shape[-1]
  output = "complex" if x.dtype.kind == "c" else "real"
  count = 2 if compute_schur_vectors else 1

  def one(a):
    t, z = scipy.linalg.schur(a, output=output, check_finite=False)
    return [t, z][:count]
  outs = _per_matrix(one, x, count, [(n, n)] * count, [x.dtype] * count)
  return [np.ascontiguousarray(o, x.dtype) for o in outs]


def _schur_aval(x, *, compute_schur_vectors, sort_eig_vals, select_callable):
  _check_operand("schur", x)
  _square("schur", x, "")
  return [ShapedArray(x.shape, x.dtype, x.weak_type)] * (2 if compute_schur_vectors else 1)


schur_p = primitive("schur", _schur_impl, _schur_aval, multiple_results=True)
_batch_front(schur_p)


def schur(x, *, compute_schur_vectors: bool = True, sort_eig_vals: bool = False,
          select_callable=None):
  """The Schur decomposition x = Z T Z^H: (T, Z) (a list, as JAX returns it); T is
  quasi-triangular for real x and triangular for complex x."""
  if sort_eig_vals or select_callable is not None:
    raise NotImplementedError("schur: sort_eig_vals and select_callable are not supported.")
  return _checked_bind(schur_p, L.asarray(x), compute_schur_vectors=compute_schur_vectors,
                       sort_eig_vals=False, select_callable=None)


# ----------------------------------------------------------------------------------------------
# hessenberg (LAPACK gehrd): returns [a, taus], H in the upper Hessenberg part of a and the
# Householder reflectors below its first subdiagonal. Not differentiable, as in JAX.
# ----------------------------------------------------------------------------------------------
def _hessenberg_impl(x):
  n = x.shape[-1]
  taus_n = max(n - 1, 0)
  if n == 0:
    return [np.array(x, copy=True), np.zeros(x.shape[:-2] + (0,), x.dtype)]
  gehrd = scipy.linalg.lapack.get_lapack_funcs("gehrd", dtype=x.dtype)

  def one(a):
    h, tau, info = gehrd(np.asarray(a, order="F"))
    return [h, tau[:taus_n]]
  outs = _per_matrix(one, x, 2, [(n, n), (taus_n,)], [x.dtype, x.dtype])
  return [np.ascontiguousarray(o, x.dtype) for o in outs]


def _hessenberg_aval(x):
  _check_operand("hessenberg", x)
  _square("hessenberg", x, "")
  n = x.shape[-1]
  return [ShapedArray(x.shape, x.dtype, x.weak_type),
          ShapedArray(x.shape[:-2] + (max(n - 1, 0),), x.dtype, x.weak_type)]


hessenberg_p = primitive("hessenberg", _hessenberg_impl, _hessenberg_aval,
                         multiple_results=True)
_batch_front(hessenberg_p)


def hessenberg(a):
  """(a, taus): the Hessenberg reduction of a square matrix, packed as LAPACK's gehrd packs it."""
  return _checked_bind(hessenberg_p, L.asarray(a))
