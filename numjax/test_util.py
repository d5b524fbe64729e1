"""`numjax.test_util.check_grads`: compare derivatives with finite differences, as JAX does.

    check_grads(f, (x,), order=2, modes=("fwd", "rev"))
"""
from __future__ import annotations

import numpy as np

from numjax._src import api, dtypes
from numjax._src import tree_util as tu
from numjax._src.core import get_aval

_DEFAULT_EPS = {np.float16: 1e-1, np.float32: 1e-2, np.float64: 1e-5, np.complex64: 1e-2,
                np.complex128: 1e-5}
_DEFAULT_TOL = {np.float16: 1e-1, np.float32: 2e-2, np.float64: 1e-5, np.complex64: 2e-2,
                np.complex128: 1e-5}


def _tol(args, table, given):
  if given is not None:
    return given
  dts = [np.dtype(get_aval(x).dtype).type for x in tu.tree_leaves(args)]
  return max((table.get(d, 1e-5) for d in dts), default=1e-5)


def _rand_like(rng, x):
  aval = get_aval(x)
  v = rng.standard_normal(aval.shape)
  if dtypes.is_complex(aval.dtype):
    v = v + 1j * rng.standard_normal(aval.shape)
  return np.asarray(v, aval.dtype)


def _add(xs, ys, scale=1.0):
  return tu.tree_map(lambda x, y: np.asarray(x) + scale * np.asarray(y), xs, ys)


def _vdot(xs, ys):
  return sum(np.vdot(np.ravel(np.asarray(y)), np.ravel(np.asarray(x))).real
             for x, y in zip(tu.tree_leaves(xs), tu.tree_leaves(ys)))


def _assert_close(a, b, atol, rtol, what):
  for x, y in zip(tu.tree_leaves(a), tu.tree_leaves(b)):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), atol=atol, rtol=rtol,
                               err_msg=f"{what} does not match")


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=None):
  """f_jvp's tangents vs central finite differences along a random direction."""
  rng = np.random.default_rng(0)
  atol, rtol = _tol(args, _DEFAULT_TOL, atol), _tol(args, _DEFAULT_TOL, rtol)
  eps = _tol(args, _DEFAULT_EPS, eps)
  tangent = tu.tree_map(lambda x: _rand_like(rng, x), args)
  v_out, t_out = f_jvp(args, tangent)
  v_expected = f(*args)
  _assert_close(v_out, v_expected, atol, rtol, "primal output")
  plus = f(*_add(args, tangent, eps))
  minus = f(*_add(args, tangent, -eps))
  fd = tu.tree_map(lambda p, m: (np.asarray(p) - np.asarray(m)) / (2 * eps), plus, minus)
  _assert_close(t_out, fd, atol, rtol, "JVP vs finite differences")


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=None):
  """<u, J v> from a JVP equals <J^T u, v> from the VJP."""
  rng = np.random.default_rng(1)
  atol, rtol = _tol(args, _DEFAULT_TOL, atol), _tol(args, _DEFAULT_TOL, rtol)
  out, vjpfun = f_vjp(*args)
  v = tu.tree_map(lambda x: _rand_like(rng, x), args)
  u = tu.tree_map(lambda x: _rand_like(rng, x), out)
  _, jv = api.jvp(f, tuple(args), tuple(v))
  # J^H u, as JAX's check: the VJP of a C->C function is the (unconjugated) transpose.
  ju = tu.tree_map(np.conj, vjpfun(tu.tree_map(np.conj, u)))
  lhs, rhs = _vdot(jv, u), _vdot(v, ju)
  np.testing.assert_allclose(lhs, rhs, atol=atol * 10, rtol=rtol * 10,
                             err_msg="VJP is not the transpose of the JVP")


def check_grads(f, args, order: int, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
  """Check derivatives of `f` at `args` up to `order` in forward and/or reverse mode."""
  args = tuple(args)

  def _check(fun, order):
    if "fwd" in modes:
      check_jvp(fun, lambda a, t: api.jvp(fun, a, t), args, atol, rtol, eps)
      if order > 1:
        _check(lambda *a: api.jvp(fun, a, tuple(tu.tree_map(np.ones_like, a)))[1], order - 1)
    if "rev" in modes:
      check_vjp(fun, lambda *a: api.vjp(fun, *a), args, atol, rtol, eps)
      if order > 1:
        def f_vjp_fixed(*a):
          out, vjp_fn = api.vjp(fun, *a)
          ct = tu.tree_map(lambda o: np.ones(np.shape(o), get_aval(o).dtype), out)
          return vjp_fn(ct)
        _check(f_vjp_fixed, order - 1)
  _check(f, order)
