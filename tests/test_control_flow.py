"""lax control flow: cond/switch, while_loop/fori_loop, scan/map, custom_root,
custom_linear_solve.

Values are checked against Python loops / NumPy, derivatives against central differences in
float64, batching against a loop over the batch, jit against eager. Reprs, error messages and
jaxpr texts were pasted from JAX 0.10.2 (`/tmp/jaxenv/bin/python`).
"""
import functools
import re

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import lax

rng = np.random.RandomState(0)


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def _fd_grad(f, x, eps=1e-6):
  x = np.asarray(x, np.float64)
  g = np.zeros_like(x)
  for i in np.ndindex(x.shape):
    e = np.zeros_like(x)
    e[i] = eps
    g[i] = (float(f(jnp.asarray(x + e))) - float(f(jnp.asarray(x - e)))) / (2 * eps)
  return g


def _check_grad(f, x, jit=True):
  expected = _fd_grad(f, x)
  np.testing.assert_allclose(np.asarray(jax.grad(f)(jnp.asarray(x))), expected,
                             rtol=1e-6, atol=1e-7)
  if jit:
    np.testing.assert_allclose(np.asarray(jax.jit(jax.grad(f))(jnp.asarray(x))), expected,
                               rtol=1e-6, atol=1e-7)


def _check_jvp(f, x, t, jit=True):
  eps = 1e-6
  x, t = np.asarray(x, np.float64), np.asarray(t, np.float64)
  expected = (np.asarray(f(jnp.asarray(x + eps * t))) - np.asarray(f(jnp.asarray(x - eps * t)))
              ) / (2 * eps)
  fun = (lambda x, t: jax.jvp(f, (x,), (t,))[1])
  np.testing.assert_allclose(np.asarray(fun(jnp.asarray(x), jnp.asarray(t))), expected,
                             rtol=1e-6, atol=1e-7)
  if jit:
    np.testing.assert_allclose(np.asarray(jax.jit(fun)(jnp.asarray(x), jnp.asarray(t))),
                               expected, rtol=1e-6, atol=1e-7)


def _check_vmap(f, *args, in_axes=0):
  axes = in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args)
  n = next(np.shape(a)[ax] for a, ax in zip(args, axes) if ax is not None)
  ref = [f(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, axes)])
         for i in range(n)]
  for vf in (jax.vmap(f, in_axes=in_axes), jax.jit(jax.vmap(f, in_axes=in_axes))):
    out = vf(*args)
    jax.tree_util.tree_map(
        lambda o, *r: np.testing.assert_allclose(np.asarray(o), np.stack(r), rtol=1e-5,
                                                 atol=1e-6), out, *ref)


def _strip_paths(msg):
  return re.sub(r" at \S+:\d+", " at FILE:LINE", msg)


# ----------------------------------------------------------------------------------------------
# values and reprs
# ----------------------------------------------------------------------------------------------
def test_cond_values_and_pytrees():
  f = lambda p, x: lax.cond(p, lambda x: {"a": x[0] + 1, "b": x[1] * 2},
                            lambda x: {"a": x[0] - 1, "b": -x[1]}, x)
  x = (jnp.arange(3.), jnp.ones(2))
  out = f(True, x)
  np.testing.assert_array_equal(out["a"], np.arange(3.) + 1)
  np.testing.assert_array_equal(out["b"], [2., 2.])
  out = jax.jit(f)(False, x)
  np.testing.assert_array_equal(out["a"], np.arange(3.) - 1)
  # numeric predicates, several operands, operand keyword, the deprecated five-argument form
  assert float(lax.cond(2.5, lambda x, y: x + y, lambda x, y: x - y, 1., 2.)) == 3.
  assert float(lax.cond(0, lambda x, y: x + y, lambda x, y: x - y, 1., 2.)) == -1.
  assert float(lax.cond(True, lambda x: x, lambda x: x, operand=1.)) == 1.
  assert float(lax.cond(False, 1., lambda x: x, 2., lambda x: -x)) == -2.
  assert repr(lax.cond(True, lambda: 1., lambda: 2.)) == "Array(1., dtype=float32, weak_type=True)"


def test_cond_weak_types_follow_jax():
  assert repr(lax.cond(True, lambda x: x + 1, lambda x: x, 1.)) == \
      "Array(2., dtype=float32, weak_type=True)"
  # the output type is the false branch's (JAX's branches[0])
  assert repr(lax.cond(True, lambda x: 1., lambda x: jnp.float32(2.), 1.)) == \
      "Array(1., dtype=float32)"
  assert repr(lax.cond(jnp.int32(0), lambda: (1., 2), lambda: (2., 3))) == \
      "(Array(2., dtype=float32, weak_type=True), Array(3, dtype=int32, weak_type=True))"


def test_cond_traces_both_branches_once():
  calls = []

  def t(x):
    calls.append("t")
    return x

  def f(x):
    calls.append("f")
    return -x
  lax.cond(True, t, f, 1.)
  assert calls == ["t", "f"]


def test_switch_values_and_clamping():
  branches = [lambda x: x + 1., lambda x: x * 2., jnp.sin]
  for i in range(-2, 5):
    expected = [4., 6., np.sin(np.float32(3.))][min(max(i, 0), 2)]
    np.testing.assert_allclose(float(lax.switch(i, branches, 3.)), expected, rtol=1e-6)
    np.testing.assert_allclose(float(jax.jit(lambda i: lax.switch(i, branches, 3.))(i)),
                               expected, rtol=1e-6)
  assert float(lax.switch(0, [lambda x: x * 5], 2.)) == 10.
  assert repr(lax.switch(2, [lambda x: x, lambda x: x * 2, lambda x: x - 1.], 3.)) == \
      "Array(2., dtype=float32, weak_type=True)"
  assert float(lax.switch(1, [lambda x: x, lambda x: x + 1], operand=1.)) == 2.


def test_while_loop_values():
  def py(cond, body, c):
    while cond(c):
      c = body(c)
    return c
  cond = lambda c: c[0] < 7
  body = lambda c: (c[0] + 1, c[1] * 1.5 + c[2], c[2] - 1)
  init = (0, jnp.float32(1.), 2)
  expected = py(cond, body, (0, np.float32(1.), 2))
  for out in (lax.while_loop(cond, body, init), jax.jit(lambda i: lax.while_loop(cond, body, i))(
      init)):
    assert [float(o) for o in out] == [float(e) for e in expected]
  assert repr(lax.while_loop(lambda c: c < 3, lambda c: c + 1, 0)) == \
      "Array(3, dtype=int32, weak_type=True)"
  # a weakly typed int carry is promoted to the body's float output type, as in JAX
  assert repr(lax.while_loop(lambda c: c < 3, lambda c: c + 1., 0)) == \
      "Array(3., dtype=float32)"
  # a carry the body forwards unchanged (and cond does not read) is returned as given
  assert repr(lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0] + 1, c[1]), (0, 5))) == \
      "(Array(3, dtype=int32, weak_type=True), 5)"


def test_fori_loop_values():
  body = lambda i, c: c * 2. + i
  expected = 1.
  for i in range(2, 7):
    expected = expected * 2. + i
  assert float(lax.fori_loop(2, 7, body, 1.)) == expected                 # scan
  assert float(lax.fori_loop(2, jnp.int32(7), body, 1.)) == expected      # concrete: scan
  assert float(jax.jit(lambda n: lax.fori_loop(2, n, body, 1.))(7)) == expected  # while
  assert float(lax.fori_loop(5, 2, body, 1.)) == 1.
  assert repr(lax.fori_loop(0, 3, lambda i, c: c + i, 0)) == \
      "Array(3, dtype=int32, weak_type=True)"
  assert repr(lax.fori_loop(0, 3, lambda i, c: c + i, 0.)) == \
      "Array(3., dtype=float32, weak_type=True)"


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("unroll", [1, 2, True])
def test_scan_values(reverse, unroll):
  xs = {"a": rng.randn(5, 3).astype(np.float32), "b": np.arange(5, dtype=np.int32)}
  w = jnp.asarray(rng.randn(3).astype(np.float32))

  def f(c, x):
    return (c[0] * x["a"] + w, c[1] + x["b"]), (c[0].sum(), x["b"] * 2)

  def py(c, xs):
    ys = []
    order = range(4, -1, -1) if reverse else range(5)
    for i in order:
      c, y = f(c, {"a": xs["a"][i], "b": xs["b"][i]})
      ys.append(y)
    if reverse:
      ys.reverse()
    return c, (np.stack([y[0] for y in ys]), np.stack([y[1] for y in ys]))
  init = (jnp.ones(3), jnp.int32(0))
  expected = py(init, xs)
  for out in (lax.scan(f, init, xs, reverse=reverse, unroll=unroll),
              jax.jit(lambda i, x: lax.scan(f, i, x, reverse=reverse, unroll=unroll))(init, xs)):
    jax.tree_util.tree_map(lambda a, b: np.testing.assert_allclose(
        np.asarray(a), np.asarray(b), rtol=1e-6), out, expected)


def test_scan_special_cases():
  assert repr(lax.scan(lambda c, x: (c + x, c), 0., jnp.arange(3.))) == \
      "(Array(3., dtype=float32), Array([0., 0., 1.], dtype=float32, weak_type=True))"
  # weak int carry promoted to the body's float type
  assert repr(lax.scan(lambda carry, x: (carry + 1., x), 0, jnp.ones(3))) == \
      "(Array(3., dtype=float32), Array([1., 1., 1.], dtype=float32))"
  # forwarded carry comes back as given; no xs
  assert repr(lax.scan(lambda c, x: (c, None), 0., None, length=3)) == "(0.0, None)"
  assert repr(lax.scan(lambda c, x: (c, x * 2), 0, jnp.arange(3), reverse=True)) == \
      "(0, Array([0, 2, 4], dtype=int32))"
  c, ys = lax.scan(lambda c, x: (c + x.sum(), x), jnp.zeros(()), jnp.ones((0, 2)))
  assert float(c) == 0. and ys.shape == (0, 2)


def test_map():
  xs = rng.randn(7, 3).astype(np.float32)
  np.testing.assert_allclose(lax.map(lambda x: x.sum() * x, xs), xs.sum(1, keepdims=True) * xs,
                             rtol=1e-6)
  for bs in (0, 2, 3, 7, 10):
    out = lax.map(lambda x: (x, x.sum()), xs, batch_size=bs)
    np.testing.assert_allclose(out[0], xs)
    np.testing.assert_allclose(out[1], xs.sum(1), rtol=1e-6)
  assert repr(lax.map(lambda x: x * 2, jnp.arange(4))) == "Array([0, 2, 4, 6], dtype=int32)"


def test_disable_jit_runs_python_control_flow():
  calls = []
  with jax.disable_jit() if hasattr(jax, "disable_jit") else _DisableJit():
    out = lax.cond(True, lambda x: calls.append("t") or x, lambda x: calls.append("f") or x, 1.)
    assert calls == ["t"] and float(out) == 1.
    assert float(lax.while_loop(lambda c: c < 3, lambda c: c + 1, 0)) == 3
    c, ys = lax.scan(lambda c, x: (c + x, c), 0., jnp.arange(3.))
    assert float(c) == 3. and ys.tolist() == [0., 0., 1.]


class _DisableJit:
  def __enter__(self):
    self.prev = jax.config.jax_disable_jit
    jax.config.update("jax_disable_jit", True)

  def __exit__(self, *exc):
    jax.config.update("jax_disable_jit", self.prev)


# ----------------------------------------------------------------------------------------------
# derivatives (float64, against central differences)
# ----------------------------------------------------------------------------------------------
def test_cond_derivatives(x64):
  f = lambda x: lax.cond(x.sum() > 0, lambda x: jnp.sin(x) * x, lambda x: jnp.cos(x), x).sum()
  for x in (rng.randn(3) + 2, rng.randn(3) - 2):
    _check_grad(f, x)
    _check_jvp(f, x, rng.randn(3))
  g = lambda x: sum(lax.switch(i, [jnp.sin, jnp.cos, lambda z: z ** 3], x) for i in range(-1, 4))
  _check_grad(g, 0.8)
  # second order
  h = lambda x: lax.cond(x > 0, lambda x: jnp.sin(x) * x, lambda x: jnp.cos(x), x)
  np.testing.assert_allclose(jax.grad(jax.grad(h))(1.), 2 * np.cos(1.) - np.sin(1.), rtol=1e-12)
  np.testing.assert_allclose(jax.jit(jax.grad(jax.grad(h)))(-1.), -np.cos(-1.), rtol=1e-12)


W = rng.randn(3, 3) * 0.5


def _nested(x):
  def outer(c, a):
    def inner(c2, b):
      return jnp.tanh(jnp.asarray(W) @ c2 + b * a), c2.sum()
    c, ys = lax.scan(inner, c, jnp.arange(3.) * a)
    c = lax.cond(c.sum() > 0, lambda c: c * 2., lambda c: jnp.sin(c), c)
    return c, ys
  c, ys = lax.scan(outer, x, jnp.array([0.3, -0.5, 0.7]), reverse=True)
  return c.sum() + (ys ** 2).sum()


def test_scan_derivatives(x64):
  x = rng.randn(3)
  _check_grad(_nested, x)
  _check_jvp(_nested, x, rng.randn(3))
  H = np.asarray(jax.hessian(_nested)(x))
  Hfd = np.stack([_fd_grad(lambda v: jax.grad(_nested)(v)[i], x) for i in range(3)])
  np.testing.assert_allclose(H, Hfd, rtol=1e-5, atol=1e-6)
  # derivatives with respect to xs, consts and a pytree carry
  def g(xs):
    init = {"a": xs[0], "b": (xs[0] * 2., jnp.zeros(()))}

    def body(c, x):
      return ({"a": c["a"] * x, "b": (c["b"][0] + x, c["b"][1] + c["a"].sum())},
              [c["a"] * 2])
    c, ys = lax.scan(body, init, xs[1:])
    return c["a"].sum() + c["b"][0].sum() + c["b"][1] + ys[0].sum()
  _check_grad(g, rng.randn(4, 3))


def test_scan_transpose_identity(x64):
  # a scan linear in (init, xs): <u, J v> = <J^T u, v>
  A = jnp.asarray(rng.randn(3, 3))
  f = lambda c, xs: lax.scan(lambda c, x: (A @ c + x, c * 2.), c, xs)
  c0, xs0 = rng.randn(3), rng.randn(4, 3)
  (cu, ysu), (vc, vxs) = (rng.randn(3), rng.randn(4, 3)), (rng.randn(3), rng.randn(4, 3))
  _, (jc, jys) = jax.jvp(f, (c0, xs0), (vc, vxs))
  _, vjp = jax.vjp(f, c0, xs0)
  tc, txs = vjp((cu, ysu))
  lhs = np.vdot(cu, jc) + np.vdot(ysu, jys)
  rhs = np.vdot(tc, vc) + np.vdot(txs, vxs)
  np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
  tr = jax.linear_transpose(f, c0, xs0)((jnp.asarray(cu), jnp.asarray(ysu)))
  np.testing.assert_allclose(tr[0], tc, rtol=1e-10)
  np.testing.assert_allclose(tr[1], txs, rtol=1e-10)


def test_fori_loop_derivatives(x64):
  f = lambda x: lax.fori_loop(1, 5, lambda i, c: c * jnp.cos(x * i), x)
  _check_grad(f, 0.4)
  # concrete bounds given as arrays are a scan too (reverse mode works under jit)
  _check_grad(lambda x: lax.fori_loop(0, jnp.asarray(3), lambda i, c: c * x, x), 1.3)
  # outside jit, Python-int bounds passed as arguments are concrete
  np.testing.assert_allclose(
      jax.grad(lambda x, n: lax.fori_loop(0, n, lambda i, c: c * x, x))(1.5, 3), 4 * 1.5 ** 3)


def test_while_loop_forward_mode(x64):
  f = lambda x: lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, jnp.sin(c[1]) * x),
                               (0, x))[1]
  _check_jvp(f, 1.2, 1.)
  y, f_jvp = jax.linearize(f, 1.2)
  np.testing.assert_allclose(f_jvp(1.), jax.jvp(f, (1.2,), (1.,))[1], rtol=1e-12)
  t = jax.jit(lambda x: jax.linearize(f, x)[1](1.))(1.2)
  np.testing.assert_allclose(t, jax.jvp(f, (1.2,), (1.,))[1], rtol=1e-12)


def test_while_loop_reverse_mode_outside_jit(x64):
  # Beyond JAX: the trip count is known when evaluating eagerly, so the loop is
  # differentiated as a scan of that length.
  f = lambda x: lax.while_loop(lambda c: c[0] < 5, lambda c: (c[0] + 1, jnp.sin(c[1]) * x),
                               (0, x))[1]
  _check_grad(f, 1.2, jit=False)

  def g(x):
    def body(c):
      i, v = c
      return i + 1, lax.cond(i % 2 == 0, lambda v: v * x, lambda v: jnp.sin(v) + x, v)
    return lax.while_loop(lambda c: c[0] < 6, body, (0, x))[1]
  _check_grad(g, 0.7, jit=False)
  # dynamic trip count, second order, and a batched predicate under grad
  newton = lambda a: lax.while_loop(lambda c: jnp.abs(c * c - a) > 1e-12,
                                    lambda c: 0.5 * (c + a / c), a)
  np.testing.assert_allclose(jax.grad(newton)(2.), 0.5 / np.sqrt(2.), rtol=1e-8)
  np.testing.assert_allclose(jax.grad(jax.grad(newton))(2.), -0.25 * 2. ** -1.5, rtol=1e-6)
  a = np.array([2., 3., 9., 50.])   # lanes finish after different numbers of steps
  np.testing.assert_allclose(jax.grad(lambda a: jax.vmap(newton)(a).sum())(a),
                             0.5 / np.sqrt(a), rtol=1e-8)
  np.testing.assert_allclose(jax.vmap(jax.grad(newton))(a), 0.5 / np.sqrt(a), rtol=1e-8)
  # at a == 1 the loop runs no step: the program is the identity there
  np.testing.assert_allclose(jax.grad(lambda a: jax.vmap(newton)(a).sum())(np.array([1., 4.])),
                             [1., 0.25], rtol=1e-8)
  # a fori_loop with bounds only known inside: a while_loop, differentiated eagerly
  h = lambda x, n: lax.fori_loop(0, n, lambda i, c: c * x, x)
  np.testing.assert_allclose(jax.grad(lambda x: jax.jit(h)(x, 3))(1.5), 4 * 1.5 ** 3)


def test_while_loop_reverse_mode_under_jit_raises():
  f = lambda x: lax.while_loop(lambda c: c < 10., lambda c: c * x, 1.)
  msg = ("Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with "
         "dynamic start/stop values. Try using lax.scan, or using fori_loop with static "
         "start/stop.")
  with pytest.raises(ValueError, match=re.escape(msg)):
    jax.jit(jax.grad(f))(2.)
  with pytest.raises(ValueError, match=re.escape(msg)):
    jax.jit(jax.grad(lambda x, n: lax.fori_loop(0, n, lambda i, c: c * x, x)))(1.5, 3)


def test_custom_vjp_fixed_point_tutorial():
  # "Implicit function differentiation of iterative implementations" (custom_vjp tutorial)
  from numjax import custom_vjp, vjp

  def while_fixed_point(f, a, x_guess):
    def cond_fun(carry):
      x_prev, x = carry
      return jnp.abs(x_prev - x) > 1e-6

    def body_fun(carry):
      _, x = carry
      return x, f(a, x)
    _, x_star = lax.while_loop(cond_fun, body_fun, (x_guess, f(a, x_guess)))
    return x_star

  fixed_point = custom_vjp(while_fixed_point, nondiff_argnums=(0,))

  def fixed_point_fwd(f, a, x_init):
    x_star = fixed_point(f, a, x_init)
    return x_star, (a, x_star)

  def rev_iter(f, packed, u):
    a, x_star, x_star_bar = packed
    _, vjp_x = vjp(lambda x: f(a, x), x_star)
    return x_star_bar + vjp_x(u)[0]

  def fixed_point_rev(f, res, x_star_bar):
    a, x_star = res
    _, vjp_a = vjp(lambda a: f(a, x_star), a)
    a_bar, = vjp_a(fixed_point(functools.partial(rev_iter, f), (a, x_star, x_star_bar),
                               x_star_bar))
    return a_bar, jnp.zeros_like(x_star)
  fixed_point.defvjp(fixed_point_fwd, fixed_point_rev)
  update = lambda a, x: 0.5 * (x + a / x)
  newton_sqrt = lambda a: fixed_point(update, a, a)
  plain_sqrt = lambda a: while_fixed_point(update, a, a)
  assert str(plain_sqrt(2.)) == "1.4142135"
  assert str(jax.jit(jax.vmap(plain_sqrt))(jnp.array([1., 2., 3., 4.]))) == \
      "[1.        1.4142135 1.7320509 2.       ]"
  assert str(newton_sqrt(2.)) == "1.4142135"
  assert str(jax.grad(newton_sqrt)(2.)) == "0.35355338"
  assert str(jax.grad(jax.grad(newton_sqrt))(2.)) == "-0.088388346"


# ----------------------------------------------------------------------------------------------
# batching
# ----------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # log of a negative, branch not taken
def test_cond_batching():
  f = lambda p, x: lax.cond(p > 0, lambda x: jnp.sin(x), lambda x: x * 2., x)
  _check_vmap(f, rng.randn(5), rng.randn(5, 3))
  _check_vmap(f, 1.0, rng.randn(5, 3), in_axes=(None, 0))
  _check_vmap(f, rng.randn(5), rng.randn(3), in_axes=(0, None))
  _check_vmap(f, 1.0, rng.randn(3, 5), in_axes=(None, 1))
  g = lambda i, x: lax.switch(i, [jnp.sin, jnp.cos, lambda z: -z], x)
  _check_vmap(g, np.array([0, 1, 2, 5, -1]), rng.randn(5, 2))
  # the branch not taken gets no gradient (no nan from log of a negative number)
  h = lambda ps, xs: jax.vmap(lambda p, x: lax.cond(p > 0, jnp.log, lambda x: x * 2., x))(
      ps, xs).sum()
  np.testing.assert_allclose(jax.grad(h, 1)(jnp.array([1., -1., 1.]), jnp.array([2., -3., 4.])),
                             [0.5, 2., 0.25])


def test_while_batching():
  w = lambda x: lax.while_loop(lambda c: c[1] < 10., lambda c: (c[0] + 1, c[1] * 1.5 + c[2], c[2]),
                               (0, x, 1.))
  _check_vmap(w, np.array([0.5, 2., 11., 3.]))                       # batched predicate
  w2 = lambda k, x: lax.while_loop(lambda c: c[0] < 4, lambda c: (c[0] + 1, c[1] * k), (0, x))
  _check_vmap(w2, np.array([0.5, 2., 3.]), np.ones((3, 2)))          # unbatched predicate
  _check_vmap(w2, 2., np.ones((2, 3)), in_axes=(None, 1))
  newton = lambda a: lax.while_loop(lambda c: jnp.abs(c * c - a) > 1e-5,
                                    lambda c: 0.5 * (c + a / c), a)
  A = np.array([[1., 2., 3.], [4., 5., 6.]])
  np.testing.assert_allclose(jax.vmap(jax.vmap(newton))(A), np.sqrt(A), rtol=1e-5)
  np.testing.assert_allclose(jax.vmap(jax.vmap(newton), in_axes=1)(A), np.sqrt(A).T, rtol=1e-5)

  def w3(a):  # an outer unbatched predicate over an inner batched one
    return jax.vmap(lambda b: lax.while_loop(lambda c: c[0] < 3,
                                             lambda c: (c[0] + 1, c[1] * b + a), (0, b)))(
        jnp.arange(3.))
  _check_vmap(w3, np.array([1., 2.]))


def test_scan_batching():
  s = lambda c0, xs, w: lax.scan(lambda c, x: (c * w + x, c + x), c0, xs)
  _check_vmap(s, rng.randn(4, 3), rng.randn(4, 5, 3), rng.randn(4, 3))
  _check_vmap(s, np.ones(3), rng.randn(5, 3, 4), np.ones(3), in_axes=(None, 2, None))
  _check_vmap(s, np.ones(3), rng.randn(5, 3), rng.randn(4, 3), in_axes=(None, None, 0))
  _check_vmap(lambda x: lax.fori_loop(0, 3, lambda i, c: c * x + i, x), rng.randn(4))
  _check_vmap(lambda x: lax.map(lambda r: r.sum() * r, x), rng.randn(4, 3, 2))


def test_collectives_in_bodies():
  x = jnp.arange(6.).reshape(2, 3)
  f = lambda x: lax.scan(lambda c, a: (c + lax.psum(a, "i"), c), 0., x)
  c, ys = jax.vmap(f, axis_name="i", in_axes=1)(x)
  np.testing.assert_array_equal(c, [15., 15., 15.])
  np.testing.assert_array_equal(ys, [[0., 3.]] * 3)
  g = lambda v: lax.cond(True, lambda: lax.axis_index("i"), lambda: 0)
  np.testing.assert_array_equal(jax.vmap(g, axis_name="i")(x), [0, 1])
  h = lambda v: lax.while_loop(lambda c: c < 3, lambda c: c + lax.psum(1, "i"), 0)
  np.testing.assert_array_equal(jax.vmap(h, axis_name="i")(x), [4, 4])


def test_batching_under_grad(x64):
  xs = rng.randn(4, 3)
  expected = np.stack([jax.grad(_nested)(x) for x in xs])
  np.testing.assert_allclose(jax.vmap(jax.grad(_nested))(xs), expected, rtol=1e-12)
  np.testing.assert_allclose(jax.jit(jax.vmap(jax.grad(_nested)))(xs), expected, rtol=1e-12)


def test_effects_in_bodies_are_kept(capsys):
  def f(x):
    def body(c, a):
      jax.debug.print("c={c}", c=c)
      return c * a, c
    return lax.scan(body, x, jnp.arange(1., 4.))[0]
  # under jit(grad) the forward scan's outputs are unused; its prints must still happen
  assert float(jax.jit(jax.grad(f))(2.)) == 6.
  assert capsys.readouterr().out == "c=2.0\nc=2.0\nc=4.0\n"


def test_loop_invariant_residuals_are_hoisted():
  W = jnp.ones((2, 2))
  f = lambda x: lax.scan(lambda c, a: (jnp.sin(W * 2.) @ c * a, c.sum()), x,
                         jnp.arange(1., 4.))[0].sum()
  jaxpr = jax.make_jaxpr(jax.grad(f))(jnp.ones(2)).jaxpr
  # sin(W * 2), computed from a const only, is computed once outside the loops and is a const
  # of the backward scan (not a stacked per-iteration residual)
  sin_eqn, = [e for e in jaxpr.eqns if e.primitive.name == "sin"]
  fwd, bwd = [e for e in jaxpr.eqns if e.primitive.name == "scan"]
  assert not fwd.params["reverse"] and bwd.params["reverse"]
  assert bwd.params["num_consts"] == 1 and bwd.invars[0] is sin_eqn.outvars[0]
  assert all(v.aval.shape != (3, 2, 2) for v in bwd.invars)
  np.testing.assert_allclose(jax.grad(f)(jnp.ones(2)), jax.jit(jax.grad(f))(jnp.ones(2)))


# ----------------------------------------------------------------------------------------------
# custom_root, custom_linear_solve
# ----------------------------------------------------------------------------------------------
def _newton(f, x0):
  return lax.fori_loop(0, 20, lambda i, x: x - f(x) / jax.grad(f)(x), x0)


def test_custom_root():
  sqrt_root = lambda a: lax.custom_root(lambda x: x ** 2 - a, 1., _newton,
                                        lambda g, y: y / g(1.))
  assert str(sqrt_root(2.)) == "1.4142135"
  assert str(jax.grad(sqrt_root)(2.)) == "0.35355338"
  assert str(jax.jit(jax.grad(sqrt_root))(2.)) == "0.35355338"
  np.testing.assert_allclose(jax.grad(jax.grad(sqrt_root))(2.), -0.25 * 2. ** -1.5, rtol=1e-5)
  np.testing.assert_allclose(jax.vmap(sqrt_root)(jnp.array([1., 4., 9.])), [1., 2., 3.])


def test_custom_linear_solve(x64):
  A = jnp.asarray(rng.randn(3, 3) + 3 * np.eye(3))
  b = jnp.asarray(rng.randn(3))

  def solve(a, b):
    return lax.custom_linear_solve(lambda x: a @ x, b, lambda mv, b: jnp.linalg.solve(a, b),
                                   lambda vm, b: jnp.linalg.solve(a.T, b))
  np.testing.assert_allclose(solve(A, b), np.linalg.solve(A, b), rtol=1e-10)
  _check_grad(lambda b: (solve(A, b) ** 2).sum(), np.asarray(b))
  _check_grad(lambda a: (solve(a, b) ** 2).sum(), np.asarray(A))
  _check_jvp(lambda b: solve(A, b), np.asarray(b), rng.randn(3))
  B = rng.randn(4, 3)
  np.testing.assert_allclose(jax.vmap(solve, in_axes=(None, 0))(A, B),
                             np.linalg.solve(A, B.T).T, rtol=1e-10)


# ----------------------------------------------------------------------------------------------
# errors (JAX's messages)
# ----------------------------------------------------------------------------------------------
def _raises(exc, fun, expected):
  with pytest.raises(exc) as info:
    fun()
  assert _strip_paths(str(info.value)) == expected


def test_carry_errors():
  def body_bad(carry, x):
    return carry.astype(jnp.int32), x
  _raises(TypeError, lambda: lax.scan(body_bad, 0., jnp.arange(3.)),
          "scan body function carry input and carry output must have equal types, but they "
          "differ:\n\nThe input carry carry has type float32[] but the corresponding output "
          "carry component has type int32[], so the dtypes do not match.\n\nRevise the function "
          "so that all output types match the corresponding input types.")
  wbody = lambda c: {"a": c["a"] + 1., "b": c["b"].astype(jnp.float32)}
  _raises(TypeError, lambda: lax.while_loop(lambda c: c["a"] < 3, wbody,
                                            {"a": 0., "b": jnp.int32(1)}),
          "while_loop body function carry input and carry output must have equal types, but "
          "they differ:\n\nThe input carry component c['b'] has type int32[] but the "
          "corresponding output carry component has type float32[], so the dtypes do not "
          "match.\n\nRevise the function so that all output types match the corresponding "
          "input types.")
  _raises(TypeError, lambda: lax.while_loop(lambda c: c["a"] < 3, lambda c: {"a": c["a"]},
                                            {"a": 0., "b": 1}),
          "while_loop body function carry input and carry output must have the same pytree "
          "structure, but they differ:\n\nThe input carry c is a <class 'dict'> with 2 children "
          "but the corresponding component of the carry output is a <class 'dict'> with 1 "
          "child, so the numbers of children do not match, with the symmetric difference of "
          "key sets: {'b'}.\n\nRevise the function so that the carry output has the same pytree "
          "structure as the carry input.")
  _raises(TypeError, lambda: lax.while_loop(lambda c: c[0] < 3, lambda c: (c[0], c[1], c[1]),
                                            (0., 1.)),
          "while_loop body function carry input and carry output must have the same pytree "
          "structure, but they differ:\n\nThe input carry c is a tuple of length 2 but the "
          "corresponding component of the carry output is a tuple of length 3, so the lengths "
          "do not match.\n\nRevise the function so that the carry output has the same pytree "
          "structure as the carry input.")
  _raises(TypeError, lambda: lax.while_loop(lambda c: c < 3, lambda c: jnp.ones(2), 0.),
          "while_loop body function carry input and carry output must have equal types, but "
          "they differ:\n\nThe input carry c has type float32[] but the corresponding output "
          "carry component has type float32[2], so the shapes do not match.\n\nRevise the "
          "function so that all output types match the corresponding input types.")
  _raises(TypeError, lambda: lax.while_loop(lambda c: c, lambda c: c, 0.),
          "cond_fun must return a boolean scalar, but got output type(s) "
          "[ShapedArray(float32[], weak_type=True)].")
  _raises(TypeError, lambda: lax.while_loop(lambda c: (c < 3, c < 3), lambda c: c, 0.),
          "cond_fun must return a boolean scalar, but got pytree PyTreeDef((*, *)).")


def test_branch_errors():
  _raises(TypeError, lambda: lax.cond(True, lambda x: x, lambda x: (x, x), 1.),
          "cond branch outputs must have the same pytree structure, but they differ:\n\n"
          "true_fun is <lambda> at FILE:LINE\nfalse_fun is <lambda> at FILE:LINE\n\n"
          "true_fun output is a pytree leaf but false_fun output is a <class 'tuple'>, so their "
          "Python types differ.\n\nRevise true_fun and/or false_fun so that they have the same "
          "pytree structure.")
  _raises(TypeError, lambda: lax.cond(True, lambda x: {"a": x}, lambda x: {"b": x}, 1.),
          "cond branch outputs must have the same pytree structure, but they differ:\n\n"
          "true_fun is <lambda> at FILE:LINE\nfalse_fun is <lambda> at FILE:LINE\n\n"
          "true_fun output is a <class 'dict'> with pytree metadata ('a',) but false_fun output "
          "is a <class 'dict'> with pytree metadata ('b',), so the pytree node metadata does not "
          "match.\n\nRevise true_fun and/or false_fun so that they have the same pytree "
          "structure.")
  _raises(TypeError, lambda: lax.cond(True, lambda x: (jnp.int32(1), jnp.ones(2)),
                                      lambda x: (x, jnp.ones(3)), 1.),
          "cond branches must have equal output types but they differ.\n\n"
          "true_fun is <lambda> at FILE:LINE\nfalse_fun is <lambda> at FILE:LINE\n\n"
          "  * the output of true_fun at path [0] has type int32[] but the corresponding output "
          "of false_fun has type float32[], so the dtypes do not match;\n  * the output of "
          "true_fun at path [1] has type float32[2] but the corresponding output of false_fun "
          "has type float32[3], so the shapes do not match.\n\nRevise true_fun and/or false_fun "
          "so that all output types match.")
  _raises(TypeError, lambda: lax.switch(0, [lambda x: x, lambda x: (x,)], 1.),
          "switch branch outputs must have the same pytree structure, but they differ:\n\n"
          "branch 0 is <lambda> at FILE:LINE\nbranch1 is <lambda> at FILE:LINE\n\n"
          "branch 0 output is a pytree leaf but branch1 output is a <class 'tuple'>, so their "
          "Python types differ.\n\nRevise branch 0 and/or branch1 so that they have the same "
          "pytree structure.")


def test_argument_errors():
  _raises(TypeError, lambda: lax.cond(jnp.array([True]), lambda x: x, lambda x: x, 1.),
          "Pred must be a scalar, got [ True] of shape (1,).")
  _raises(TypeError, lambda: lax.cond("a", lambda x: x, lambda x: x, 1.),
          "Pred must be a scalar, got a of type <class 'str'>")
  _raises(TypeError, lambda: lax.cond(None, lambda x: x, lambda x: x, 1.),
          "cond predicate is None")
  _raises(TypeError, lambda: lax.cond(1.j, lambda x: x, lambda x: x, 1.),
          "Pred type must be either boolean or number, got complex64.")
  _raises(TypeError, lambda: lax.cond(True, 1., 2., 3.),
          "lax.cond: true_fun and false_fun arguments should be callable.")
  _raises(TypeError, lambda: lax.switch(1.0, [lambda x: x, lambda x: x + 1], 1.),
          "Index type must be an integer, got 1.0 as float32")
  _raises(TypeError, lambda: lax.switch(jnp.array([1, 2]), [lambda x: x, lambda x: x], 1.),
          "Branch index must be scalar, got [1 2] of shape (2,).")
  _raises(ValueError, lambda: lax.switch(1, [], 1.), "Empty branch sequence")
  _raises(ValueError, lambda: lax.scan(lambda c, x: (c, x), 0., jnp.ones(3), length=4),
          "scan got `length` argument of 4 which disagrees with leading axis sizes [3].")
  _raises(ValueError, lambda: lax.scan(lambda c, x: (c, x), 0., None),
          "scan got no values to scan over and `length` not provided.")
  _raises(ValueError, lambda: lax.scan(lambda c, x: (c, x), 0., (jnp.ones(3), jnp.ones(4))),
          "scan got values with different leading axis sizes: 3, 4.")
  _raises(TypeError, lambda: lax.scan(lambda c, x: c, 0., jnp.ones(3)),
          "scan body output must be a pair, got ~float32[].")
  _raises(ValueError, lambda: lax.scan(lambda c, x: (c, x), 0., jnp.ones(3), unroll=-1),
          "`unroll` must be a `bool` or a non-negative `int`.")
  _raises(TypeError, lambda: lax.scan(lambda c, x: (c, "a"), 0., jnp.ones(3)),
          "function <lambda> at FILE:LINE traced for scan returned a value of type "
          "<class 'str'> at output component [1], which is not a valid JAX type")
  _raises(TypeError, lambda: lax.fori_loop(0., 3, lambda i, c: c + i, 0),
          "lower and upper arguments to fori_loop must have equal types, got float32 and int32")
  _raises(ValueError, lambda: jax.jit(lambda n: lax.fori_loop(0, n, lambda i, c: c + 1., 0.,
                                                              unroll=2))(3),
          "Can only use `unroll` in `fori_loop` if the loop bounds are statically known.")
  _raises(TypeError, lambda: lax.while_loop(1, lambda c: c, 0.),
          "lax.while_loop: body_fun and cond_fun arguments should be callable.")
  with pytest.raises(jax.errors.ConcretizationTypeError,
                     match="The `length` argument to `scan` expects a concrete `int` value."):
    jax.jit(lambda n: lax.scan(lambda c, x: (c, x), 0., None, length=n))(3)


# ----------------------------------------------------------------------------------------------
# staging: jaxpr texts printed by JAX 0.10.2
# ----------------------------------------------------------------------------------------------
def test_jaxpr_while_and_cond():
  f = lambda x: lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] * 2.), (0, x))
  assert str(jax.make_jaxpr(f)(1.)) == """\
{ lambda ; a:f32[]. let
    b:i32[] c:f32[] = while[
      body_jaxpr={ lambda ; d:i32[] e:f32[]. let
          f:i32[] = add d 1:i32[]
          g:f32[] = mul e 2.0:f32[]
        in (f, g) }
      body_nconsts=0
      cond_jaxpr={ lambda ; h:i32[] i:f32[]. let
          j:bool[] = lt h 10:i32[]
        in (j,) }
      cond_nconsts=0
    ] 0:i32[] a
  in (b, c) }"""
  g = lambda p, x: lax.cond(p, lambda x: x + 1., lambda x: x * 2., x)
  assert str(jax.make_jaxpr(g)(True, 1.)) == """\
{ lambda ; a:bool[] b:f32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a
    d:f32[] = cond[
      branches=(
        { lambda ; e:f32[]. let f:f32[] = mul e 2.0:f32[] in (f,) }
        { lambda ; g:f32[]. let h:f32[] = add g 1.0:f32[] in (h,) }
      )
    ] c b
  in (d,) }"""


def test_jaxpr_scan_fori_switch_map():
  h = lambda x, xs: lax.scan(lambda c, x: (c + x, c * x), x, xs)
  assert str(jax.make_jaxpr(h)(1., jnp.ones(3))) == """\
{ lambda ; a:f32[] b:f32[3]. let
    c:f32[] d:f32[3] = scan[
      jaxpr={ lambda ; e:f32[] f:f32[]. let
          g:f32[] = convert_element_type[new_dtype=float32 weak_type=False] e
          h:f32[] = add g f
          i:f32[] = convert_element_type[new_dtype=float32 weak_type=False] e
          j:f32[] = mul i f
        in (h, j) }
      length=3
      num_carry=1
      num_consts=0
      reverse=False
      unroll=1
    ] a b
  in (c, d) }"""
  assert str(jax.make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, c: c * 2., x))(1.)) == """\
{ lambda ; a:f32[]. let
    _:i32[] b:f32[] = scan[
      jaxpr={ lambda ; c:i32[] d:f32[]. let
          e:i32[] = add c 1:i32[]
          f:f32[] = mul d 2.0:f32[]
        in (e, f) }
      length=3
      num_carry=2
      num_consts=0
      reverse=False
      unroll=1
    ] 0:i32[] a
  in (b,) }"""
  k2 = lambda x, n: lax.fori_loop(0, n, lambda i, c: c * 2., x)
  assert str(jax.make_jaxpr(k2)(1., 3)) == """\
{ lambda ; a:f32[] b:i32[]. let
    _:i32[] _:i32[] c:f32[] = while[
      body_jaxpr={ lambda ; d:i32[] e:i32[] f:f32[]. let
          g:i32[] = add d 1:i32[]
          h:f32[] = mul f 2.0:f32[]
        in (g, e, h) }
      body_nconsts=0
      cond_jaxpr={ lambda ; i:i32[] j:i32[] k:f32[]. let
          l:bool[] = lt i j
        in (l,) }
      cond_nconsts=0
    ] 0:i32[] b a
  in (c,) }"""
  a = jnp.arange(3.)
  w = lambda x: lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 1, c[1] * a), (0, x))
  assert str(jax.make_jaxpr(w)(jnp.ones(3))) == """\
{ lambda a:f32[3]; b:f32[3]. let
    c:i32[] d:f32[3] = while[
      body_jaxpr={ lambda ; e:f32[3] f:i32[] g:f32[3]. let
          h:i32[] = add f 1:i32[]
          i:f32[3] = mul g e
        in (h, i) }
      body_nconsts=1
      cond_jaxpr={ lambda ; j:i32[] k:f32[3]. let
          l:bool[] = lt j 10:i32[]
        in (l,) }
      cond_nconsts=0
    ] a 0:i32[] b
  in (c, d) }"""
  s = lambda i, x: lax.switch(i, [lambda x: x + 1., lambda x: x * 2., jnp.sin], x)
  assert str(jax.make_jaxpr(s)(1, 1.)) == """\
{ lambda ; a:i32[] b:f32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a
    d:i32[] = clamp 0:i32[] c 2:i32[]
    e:f32[] = cond[
      branches=(
        { lambda ; f:f32[]. let g:f32[] = add f 1.0:f32[] in (g,) }
        { lambda ; h:f32[]. let i:f32[] = mul h 2.0:f32[] in (i,) }
        { lambda ; j:f32[]. let k:f32[] = sin j in (k,) }
      )
    ] d b
  in (e,) }"""
  assert str(jax.make_jaxpr(lambda xs: lax.map(jnp.sin, xs))(jnp.ones(3))) == """\
{ lambda ; a:f32[3]. let
    b:f32[3] = scan[
      jaxpr={ lambda ; c:f32[]. let d:f32[] = sin c in (d,) }
      length=3
      num_carry=0
      num_consts=0
      reverse=False
      unroll=1
    ] a
  in (b,) }"""


def test_jaxpr_of_transformed_control_flow():
  newton = lambda a: lax.while_loop(lambda c: jnp.abs(c * c - a) > 1e-6,
                                    lambda c: 0.5 * (c + a / c), a)
  assert str(jax.make_jaxpr(jax.vmap(newton))(jnp.ones(4))) == """\
{ lambda ; a:f32[4]. let
    b:f32[4] = while[
      body_jaxpr={ lambda ; c:f32[4] d:f32[4]. let
          e:f32[4] = div c d
          f:f32[4] = add d e
          g:f32[4] = mul 0.5:f32[] f
        in (g,) }
      body_nconsts=1
      cond_jaxpr={ lambda ; h:f32[4] i:f32[4]. let
          j:f32[4] = mul i i
          k:f32[4] = sub j h
          l:f32[4] = abs k
          m:bool[4] = gt l 9.999999974752427e-07:f32[]
        in (m,) }
      cond_nconsts=1
    ] a a a
  in (b,) }"""
  f = lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x)
  assert str(jax.make_jaxpr(jax.vmap(f))(jnp.ones(3, bool), jnp.ones(3))) == """\
{ lambda ; a:bool[3] b:f32[3]. let
    c:i32[3] = convert_element_type[new_dtype=int32 weak_type=False] a
    d:bool[3] = eq c 0:i32[]
    e:f32[3] = stop_gradient b
    f:f32[3] = select_n d e b
    g:f32[3] = cos f
    h:bool[3] = eq c 1:i32[]
    i:f32[3] = stop_gradient b
    j:f32[3] = select_n h i b
    k:f32[3] = sin j
    l:f32[3] = select_n c g k
  in (l,) }"""
  g = lambda x: jax.jvp(lambda x: lax.cond(x > 0, jnp.sin, jnp.cos, x), (x,), (1.,))
  assert str(jax.make_jaxpr(g)(1.)) == """\
{ lambda ; a:f32[]. let
    b:bool[] = gt a 0.0:f32[]
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:f32[] e:f32[] = cond[
      branches=(
        { lambda ; f:f32[] g:f32[]. let
            h:f32[] = cos f
            i:f32[] = sin f
            j:f32[] = mul g i
            k:f32[] = neg j
          in (h, k) }
        { lambda ; l:f32[] m:f32[]. let
            n:f32[] = sin l
            o:f32[] = cos l
            p:f32[] = mul m o
          in (n, p) }
      )
    ] c a 1.0:f32[]
  in (d, e) }"""
