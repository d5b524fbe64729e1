"""`numjax.scipy.optimize.minimize` with BFGS, as `jax.scipy.optimize` has it.

BFGS (Nocedal & Wright, Algorithm 6.1) with a strong-Wolfe line search (Algorithms 3.5 and
3.6). Both loops are `lax.while_loop`s over pytree states and every step is a numjax op, so
`minimize` runs eagerly and under `jit` (and `vmap`).

    >>> res = minimize(lambda x: jnp.sum((x - 3.) ** 2), jnp.zeros(2), method="BFGS")
    >>> res.x
    Array([3., 3.], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from numjax._src import api
from numjax._src.lax import lax
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import dtype_of, ndim_of, promote_dtypes_inexact, shape_of


class OptimizeResults(NamedTuple):
  """x: the solution; success: converged without a line-search failure; status: 0 converged,
  1 maximum iterations, 2 + line-search status on a line-search failure; fun, jac, hess_inv:
  objective, gradient and inverse-Hessian estimate at x; nfev/njev: evaluations; nit: steps."""
  x: Any
  success: Any
  status: Any
  fun: Any
  jac: Any
  hess_inv: Any
  nfev: Any
  njev: Any
  nit: Any


class LineSearchResults(NamedTuple):
  failed: Any
  nit: Any
  nfev: Any
  ngev: Any
  k: Any
  a_k: Any
  f_k: Any
  g_k: Any
  status: Any


class _LSState(NamedTuple):
  i: Any            # evaluations made in this search
  mode: Any         # 0 bracketing, 1 zooming
  done: Any
  failed: Any
  a_cur: Any        # next trial step while bracketing
  a_prev: Any
  phi_prev: Any
  dphi_prev: Any
  a_lo: Any
  phi_lo: Any
  dphi_lo: Any
  a_hi: Any
  phi_hi: Any
  dphi_hi: Any
  a_star: Any
  phi_star: Any
  g_star: Any
  a_best: Any       # the lowest objective seen (fallback on failure)
  phi_best: Any
  g_best: Any


def _dot(a, b):
  return jnp.sum(jnp.multiply(a, b))


def _where(c, a, b):
  return jnp.where(c, a, b)


def _interpolate(a_lo, phi_lo, dphi_lo, a_hi, phi_hi, dphi_hi):
  """A trial step in the bracket: safeguarded cubic, then quadratic, then bisection."""
  d = a_hi - a_lo
  d1 = dphi_lo + dphi_hi - 3 * (phi_lo - phi_hi) / _where(d == 0, jnp.ones_like(d), -d)
  rad = d1 * d1 - dphi_lo * dphi_hi
  d2 = jnp.sign(d) * jnp.sqrt(jnp.maximum(rad, 0))
  den = dphi_hi - dphi_lo + 2 * d2
  cubic = a_hi - d * (dphi_hi + d2 - d1) / _where(den == 0, jnp.ones_like(den), den)
  qden = 2 * (phi_hi - phi_lo - dphi_lo * d)
  quad = a_lo - dphi_lo * d * d / _where(qden == 0, jnp.ones_like(qden), qden)
  lo_b = jnp.minimum(a_lo, a_hi) + 0.1 * jnp.abs(d)
  hi_b = jnp.maximum(a_lo, a_hi) - 0.1 * jnp.abs(d)

  def ok(t):
    return jnp.isfinite(t) & (t >= lo_b) & (t <= hi_b)
  cubic_ok = ok(cubic) & (rad >= 0) & (den != 0)
  quad_ok = ok(quad) & (qden != 0)
  return _where(cubic_ok, cubic, _where(quad_ok, quad, a_lo + 0.5 * d))


def line_search(f: Callable, xk, pk, old_fval=None, old_old_fval=None, gfk=None, c1=1e-4,
                c2=0.9, maxiter: int = 20) -> LineSearchResults:
  """Find a step a along pk satisfying the strong Wolfe conditions."""
  xk, pk = promote_dtypes_inexact(jnp.asarray(xk), jnp.asarray(pk))
  dt = dtype_of(xk)
  value_and_grad = api.value_and_grad(f)

  def phi_and_grad(a):
    v, g = value_and_grad(xk + a * pk)
    return v, jnp.real(_dot(g, pk)), g

  n0 = 0
  if old_fval is None or gfk is None:
    phi0, dphi0, gfk = phi_and_grad(jnp.zeros((), dt))
    n0 = 1
  else:
    phi0 = jnp.asarray(old_fval)
    dphi0 = jnp.real(_dot(gfk, pk))
  phi0 = jnp.asarray(phi0)
  if old_old_fval is not None:
    cand = 1.01 * 2 * (phi0 - old_old_fval) / dphi0
    start = jnp.where(jnp.isfinite(cand) & (cand > 0), jnp.minimum(cand, 1.0), 1.0)
  else:
    start = jnp.ones((), dtype_of(phi0))
  start = jnp.asarray(start, dt)
  zero = jnp.zeros((), dt)
  phi_dt = dtype_of(phi0)
  f0 = jnp.asarray(phi0, phi_dt)
  d0 = jnp.asarray(dphi0, phi_dt)
  false = jnp.asarray(False)
  state = _LSState(
      i=jnp.asarray(0, np.int32), mode=jnp.asarray(0, np.int32), done=false, failed=false,
      a_cur=start, a_prev=zero, phi_prev=f0, dphi_prev=d0,
      a_lo=zero, phi_lo=f0, dphi_lo=d0, a_hi=zero, phi_hi=f0, dphi_hi=d0,
      a_star=zero, phi_star=f0, g_star=gfk, a_best=zero, phi_best=f0, g_best=gfk)

  def cond(s):
    return jnp.logical_not(s.done) & jnp.logical_not(s.failed) & (s.i < maxiter)

  def body(s):
    zooming = s.mode == 1
    a = _where(zooming, _interpolate(s.a_lo, s.phi_lo, s.dphi_lo, s.a_hi, s.phi_hi,
                                     s.dphi_hi), s.a_cur)
    phi, dphi, g = phi_and_grad(a)
    armijo_fail = phi > f0 + c1 * a * d0
    curvature = jnp.abs(dphi) <= -c2 * d0
    better = phi < s.phi_best
    a_best = _where(better, a, s.a_best)
    phi_best = _where(better, phi, s.phi_best)
    g_best = _where(better, g, s.g_best)
    # Bracketing phase.
    b_to_zoom1 = armijo_fail | ((phi >= s.phi_prev) & (s.i > 0))
    b_done = curvature & jnp.logical_not(b_to_zoom1)
    b_to_zoom2 = (dphi >= 0) & jnp.logical_not(b_to_zoom1) & jnp.logical_not(b_done)
    # Zoom phase.
    z_shrink_hi = armijo_fail | (phi >= s.phi_lo)
    z_done = curvature & jnp.logical_not(z_shrink_hi)
    z_swap = (dphi * (s.a_hi - s.a_lo) >= 0) & jnp.logical_not(z_shrink_hi)

    done = _where(zooming, z_done, b_done)
    # New bracket.
    lo_from_b1 = (s.a_prev, s.phi_prev, s.dphi_prev)
    new = (a, phi, dphi)
    old_lo = (s.a_lo, s.phi_lo, s.dphi_lo)
    old_hi = (s.a_hi, s.phi_hi, s.dphi_hi)

    def pick3(c, x, y):
      return tuple(_where(c, u, v) for u, v in zip(x, y))
    # bracketing: zoom1 -> (lo=prev, hi=new); zoom2 -> (lo=new, hi=prev)
    b_lo = pick3(b_to_zoom1, lo_from_b1, pick3(b_to_zoom2, new, old_lo))
    b_hi = pick3(b_to_zoom1, new, pick3(b_to_zoom2, lo_from_b1, old_hi))
    # zooming: shrink hi -> hi=new; else (swap: hi=lo); lo=new
    z_lo = pick3(z_shrink_hi, old_lo, new)
    z_hi = pick3(z_shrink_hi, new, pick3(z_swap, old_lo, old_hi))
    lo = pick3(zooming, z_lo, b_lo)
    hi = pick3(zooming, z_hi, b_hi)
    mode = _where(zooming | b_to_zoom1 | b_to_zoom2, 1, 0).astype(np.int32)
    width = jnp.abs(hi[0] - lo[0])
    collapsed = zooming & jnp.logical_not(z_done) & (
        width <= 1e-10 * jnp.maximum(jnp.abs(hi[0]), 1.0))
    return _LSState(
        i=s.i + 1, mode=mode, done=done, failed=collapsed,
        a_cur=_where(zooming, s.a_cur, 2 * a),
        a_prev=_where(zooming, s.a_prev, a), phi_prev=_where(zooming, s.phi_prev, phi),
        dphi_prev=_where(zooming, s.dphi_prev, dphi),
        a_lo=lo[0], phi_lo=lo[1], dphi_lo=lo[2], a_hi=hi[0], phi_hi=hi[1], dphi_hi=hi[2],
        a_star=_where(done, a, s.a_star), phi_star=_where(done, phi, s.phi_star),
        g_star=_where(done, g, s.g_star), a_best=a_best, phi_best=phi_best, g_best=g_best)

  s = lax.while_loop(cond, body, state)
  failed = s.failed | jnp.logical_not(s.done)
  status = jnp.where(s.failed, 1, jnp.where(jnp.logical_not(s.done), 3, 0)).astype(np.int32)
  # On failure fall back to the lowest point seen (possibly no step at all).
  a_k = _where(s.done, s.a_star, s.a_best)
  f_k = _where(s.done, s.phi_star, s.phi_best)
  g_k = _where(s.done, s.g_star, s.g_best)
  return LineSearchResults(failed=failed, nit=s.i, nfev=s.i + n0, ngev=s.i + n0, k=s.i,
                           a_k=a_k, f_k=f_k, g_k=g_k, status=status)


class _BFGSState(NamedTuple):
  converged: Any
  failed: Any
  k: Any
  nfev: Any
  ngev: Any
  x_k: Any
  f_k: Any
  g_k: Any
  H_k: Any
  old_old_fval: Any
  ls_status: Any


def _norm(g, ord_):
  if ord_ == np.inf:
    return jnp.max(jnp.abs(g))
  if ord_ == -np.inf:
    return jnp.min(jnp.abs(g))
  return jnp.sum(jnp.abs(g) ** ord_) ** (1.0 / ord_)


def minimize_bfgs(fun: Callable, x0, maxiter: int | None = None, norm=np.inf,
                  gtol: float = 1e-5, line_search_maxiter: int = 10):
  """BFGS from x0 until the gradient's `norm` is below gtol (or maxiter steps)."""
  x0, = promote_dtypes_inexact(jnp.asarray(x0))
  if ndim_of(x0) != 1:
    raise ValueError(f"minimize: x0 must be one-dimensional, got shape {shape_of(x0)}.")
  d = shape_of(x0)[0]
  if maxiter is None:
    maxiter = d * 200
  dt = dtype_of(x0)
  f0, g0 = api.value_and_grad(fun)(x0)
  f0 = jnp.asarray(f0)
  state = _BFGSState(
      converged=_norm(g0, norm) < gtol, failed=jnp.asarray(False),
      k=jnp.asarray(0, np.int32), nfev=jnp.asarray(1, np.int32), ngev=jnp.asarray(1, np.int32),
      x_k=x0, f_k=f0, g_k=g0, H_k=jnp.eye(d, dtype=dt),
      old_old_fval=f0 + jnp.sqrt(jnp.sum(g0 * g0)) / 2, ls_status=jnp.asarray(0, np.int32))

  def cond(s):
    return jnp.logical_not(s.converged) & jnp.logical_not(s.failed) & (s.k < maxiter)

  def body(s):
    p = -jnp.matmul(s.H_k, s.g_k)
    ls = line_search(fun, s.x_k, p, old_fval=s.f_k, old_old_fval=s.old_old_fval, gfk=s.g_k,
                     maxiter=line_search_maxiter)
    step = ls.a_k * p
    x_new = s.x_k + step
    y = ls.g_k - s.g_k
    rho = 1.0 / _dot(y, step)
    eye = jnp.eye(d, dtype=dt)
    w = eye - rho * jnp.outer(step, y)
    h_new = jnp.matmul(jnp.matmul(w, s.H_k), jnp.transpose(w)) + rho * jnp.outer(step, step)
    h_new = jnp.where(jnp.isfinite(rho), h_new, s.H_k)
    return _BFGSState(
        converged=_norm(ls.g_k, norm) < gtol, failed=ls.failed, k=s.k + 1,
        nfev=s.nfev + ls.nfev, ngev=s.ngev + ls.ngev, x_k=x_new, f_k=ls.f_k, g_k=ls.g_k,
        H_k=h_new, old_old_fval=s.f_k, ls_status=ls.status)

  s = lax.while_loop(cond, body, state)
  status = jnp.where(s.converged, 0, jnp.where(s.k == maxiter, 1,
                                               jnp.where(s.failed, 2 + s.ls_status, -1)))
  return s, status.astype(np.int32)


def minimize(fun: Callable, x0, args: tuple = (), *, method: str, tol: float | None = None,
             options: Mapping[str, Any] | None = None) -> OptimizeResults:
  """Minimize a scalar function of one 1-D array (method="BFGS").

  options: maxiter, norm, gtol (default 1e-5), line_search_maxiter. As in JAX, `tol` is
  accepted and ignored (pass options={"gtol": ...}).
  """
  if options is None:
    options = {}
  if not isinstance(args, tuple):
    raise TypeError(f"args argument to jax.scipy.optimize.minimize must be a tuple, got {args}")
  fun_with_args = lambda x: fun(x, *args)
  if method.lower() == "bfgs":
    s, status = minimize_bfgs(fun_with_args, x0, **options)
    success = s.converged & jnp.logical_not(s.failed)
    weak = lambda v: lax.convert_element_type(v, np.int32, weak_type=True)  # as JAX has them
    return OptimizeResults(x=s.x_k, success=success, status=weak(status), fun=s.f_k,
                           jac=s.g_k, hess_inv=s.H_k, nfev=weak(s.nfev), njev=weak(s.ngev),
                           nit=weak(s.k))
  raise ValueError(f"Method {method} not recognized")
