"""jvp, linearize, vjp, grad, value_and_grad, jacfwd, jacrev, hessian, linear_transpose:
values, pytrees, nesting, closures, complex conventions and error messages."""
from collections import namedtuple

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import lax
from numjax.test_util import check_grads


def test_higher_order_scalar():
  f = lambda x: x ** 3 + 2 * x ** 2 - 3 * x + 1
  assert float(jax.grad(f)(1.)) == 4.0
  assert float(jax.grad(jax.grad(f))(1.)) == 10.0
  assert float(jax.grad(jax.grad(jax.grad(f)))(1.)) == 6.0


def test_grad_reprs_keep_weak_types_like_jax():
  assert repr(jax.grad(lambda x: x ** 2)(3.)) == "Array(6., dtype=float32, weak_type=True)"
  assert repr(jax.grad(lambda x: x * 2)(jnp.float32(3.))) == "Array(2., dtype=float32)"
  # The cotangent takes the input's weak type even when the computation is strong (JAX).
  assert repr(jax.grad(lambda x: x * np.float32(2))(3.)) == \
      "Array(2., dtype=float32, weak_type=True)"


def test_hessian_of_dot_is_twice_identity():
  H = jax.hessian(lambda x: jnp.dot(x, x))(jnp.array([1., 2., 3.]))
  np.testing.assert_array_equal(np.asarray(H), 2 * np.eye(3))


def test_perturbation_confusion():
  # d/dx (x * d/dy (x * y)) at 1 = d/dx (x * x) = 2, not 1 + ...
  f = lambda x: x * jax.grad(lambda y: x * y)(1.)
  assert float(jax.grad(f)(1.)) == 2.0
  g = lambda x: jax.grad(lambda y: x * y)(1.)
  assert float(jax.grad(g)(3.)) == 1.0


def test_closure_over_outer_grad_tracer_hvp():
  def hvp(f, x, v):
    return jax.grad(lambda x: jnp.vdot(jax.grad(f)(x), v))(x)
  f = lambda x: jnp.sum(jnp.sin(x) * x)
  x, v = jnp.array([0.3, 0.7]), jnp.array([1., -2.])
  H = np.diag([2 * np.cos(0.3) - 0.3 * np.sin(0.3), 2 * np.cos(0.7) - 0.7 * np.sin(0.7)])
  np.testing.assert_allclose(np.asarray(hvp(f, x, v)), H @ np.array([1., -2.]), rtol=1e-5)


def test_stop_gradient_and_straight_through():
  f = lambda x: jnp.round(x)

  def straight_through_f(x):
    zero = x - lax.stop_gradient(x)
    return zero + lax.stop_gradient(f(x))
  assert float(straight_through_f(3.2)) == 3.0
  assert float(jax.grad(f)(3.2)) == 0.0
  assert float(jax.grad(straight_through_f)(3.2)) == 1.0


def test_pytrees_argnums_has_aux():
  Point = namedtuple("Point", ["x", "y"])
  f = lambda p, s: s * (p.x ** 2 + jnp.sin(p.y))
  g = jax.grad(f)(Point(1., 2.), 3.)
  assert isinstance(g, Point)
  np.testing.assert_allclose([float(g.x), float(g.y)], [6., 3 * np.cos(2.)], rtol=1e-6)
  gp, gs = jax.grad(f, argnums=(0, 1))(Point(1., 2.), 3.)
  np.testing.assert_allclose(float(gs), 1 + np.sin(2.), rtol=1e-6)
  h = lambda d: (d["a"] * d["b"], {"aux": d["a"]})
  (val, aux), grads = jax.value_and_grad(h, has_aux=True)({"a": 2., "b": 5.})
  assert float(val) == 10. and float(aux["aux"]) == 2.
  assert float(grads["a"]) == 5. and float(grads["b"]) == 2.


def test_jvp_linearize_vjp_agree():
  f = lambda x: jnp.tanh(x) * jnp.exp(x)
  x, t = jnp.array([0.1, 0.5, -1.]), jnp.array([1., 2., 3.])
  y, jt = jax.jvp(f, (x,), (t,))
  y2, f_jvp = jax.linearize(f, x)
  np.testing.assert_allclose(np.asarray(y), np.asarray(y2))
  np.testing.assert_allclose(np.asarray(f_jvp(t)), np.asarray(jt), rtol=1e-6)
  _, f_vjp = jax.vjp(f, x)
  (ct,) = f_vjp(t)
  np.testing.assert_allclose(np.asarray(ct), np.asarray(jt), rtol=1e-6)  # diagonal Jacobian


def test_vjp_of_python_control_flow_is_jittable():
  def f(x):
    try:
      if x < 3:
        return 2 * x ** 3
      else:
        raise ValueError
    except ValueError:
      return jnp.pi * x
  y, f_vjp = jax.vjp(f, 4.)
  assert repr(jax.jit(f_vjp)(1.)) == "(Array(3.1415927, dtype=float32, weak_type=True),)"


def test_jacobians_of_pytrees():
  f = lambda d: {"s": jnp.sin(d["w"]) * d["b"], "t": d["b"] ** 2}
  d = {"w": jnp.array([0.1, 0.2]), "b": jnp.array(3.)}
  jf, jr = jax.jacfwd(f)(d), jax.jacrev(f)(d)
  for out in ("s", "t"):
    for inp in ("w", "b"):
      np.testing.assert_allclose(np.asarray(jf[out][inp]), np.asarray(jr[out][inp]), rtol=1e-6)
  np.testing.assert_allclose(np.asarray(jr["s"]["w"]), np.diag(3 * np.cos([0.1, 0.2])),
                             rtol=1e-6)
  assert jr["s"]["b"].shape == (2,) and jr["t"]["w"].shape == (2,)


def test_jacfwd_of_jacrev_third_order():
  f = lambda x: jnp.sum(x ** 4)
  x = jnp.array([1., 2.])
  H = jax.jacfwd(jax.jacrev(f))(x)
  np.testing.assert_allclose(np.asarray(H), np.diag(12 * np.array([1., 4.])))
  T = jax.jacfwd(jax.jacfwd(jax.jacrev(f)))(x)
  assert T.shape == (2, 2, 2)
  assert float(T[1, 1, 1]) == 48.0


def test_complex_conventions():
  def f(z):
    x, y = jnp.real(z), jnp.imag(z)
    return x ** 2 + y ** 2
  assert repr(jax.grad(f)(3. + 4j)) == "Array(6.-8.j, dtype=complex64)"
  g = jax.grad(jnp.sin, holomorphic=True)(3. + 4j)
  np.testing.assert_allclose(complex(g), np.cos(3 + 4j), rtol=1e-5)
  assert repr(jax.grad(jnp.conjugate, holomorphic=True)(3. + 4j)) == \
      "Array(1.-0.j, dtype=complex64, weak_type=True)"


def test_linear_transpose():
  f = lambda x: jnp.array([[1., 2.], [3., 4.]]) @ x
  ft = jax.linear_transpose(f, jnp.zeros(2))
  (out,) = ft(jnp.array([1., 1.]))
  np.testing.assert_allclose(np.asarray(out), [4., 6.])


def test_check_grads_on_composite():
  f = lambda x, y: jnp.sum(jnp.tanh(x * y) + jnp.log1p(x ** 2))
  x = np.array([0.3, -0.7], np.float64)
  jax.config.update("jax_enable_x64", True)
  try:
    check_grads(f, (x, x + 1), order=2)
  finally:
    jax.config.update("jax_enable_x64", False)


def test_check_grads_on_holomorphic_complex_function():
  # the VJP of a C->C function is the transpose, not the adjoint: check_vjp conjugates as
  # JAX's does (it used to reject correct VJPs of complex functions)
  jax.config.update("jax_enable_x64", True)
  try:
    check_grads(lambda z: z * jnp.exp(z ** 2), (np.complex128(0.3 + 0.2j),), order=2)
    with pytest.raises(AssertionError, match="not the transpose"):
      from numjax.test_util import check_vjp
      bad = lambda z: (z * jnp.exp(z ** 2), lambda ct: (jnp.conj(ct) * 2.0,))
      check_vjp(lambda z: z * jnp.exp(z ** 2), bad, (np.complex128(0.3 + 0.2j),))
  finally:
    jax.config.update("jax_enable_x64", False)


def test_integer_inputs():
  with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs"):
    jax.grad(lambda x: x * 2)(1)
  g = jax.grad(lambda x: x * 2., allow_int=True)(1)
  assert g.dtype == jax.dtypes.float0 if hasattr(jax, "dtypes") else True


@pytest.mark.parametrize("call, err, msg", [
    (lambda: jax.grad(lambda x: x * 2)(jnp.ones(3)), TypeError,
     r"Gradient only defined for scalar-output functions. Output had shape: \(3,\)"),
    (lambda: jax.grad(lambda x: x * 2, argnums=1)(1.), TypeError,
     "argnums=1 requires at least 2 positional arguments"),
    (lambda: jax.grad(lambda x: x * 1j)(1.), TypeError, "grad requires real-valued outputs"),
    (lambda: jax.jvp(jnp.sin, (jnp.ones(3),), (jnp.ones(2),)), ValueError,
     r"Got primal shape \(3,\) and tangent shape as \(2,\)"),
    (lambda: jax.jvp(jnp.sin, (jnp.ones(3),), (jnp.ones(3, jnp.int32),)), TypeError,
     "expected tangent dtype float32, but got tangent dtype int32"),
    (lambda: jax.jvp(jnp.sin, 1., 1.), TypeError, "must be tuples or lists; found float"),
    (lambda: jax.vjp(jnp.sin, jnp.ones(3))[1](jnp.ones(2)), ValueError,
     r"got float32\[2\], but expected float32\[3\]"),
    (lambda: jax.grad(jnp.sin, holomorphic=True)(1.), TypeError, "requires inputs with complex"),
])
def test_error_messages(call, err, msg):
  with pytest.raises(err, match=msg):
    call()


def test_pullback_called_many_times_compiles_its_transpose_with_the_same_results():
  # A vjp function called in a loop is transposed once into a jaxpr and compiled (after the
  # interpreting budget); every call agrees with the interpreted first call bit for bit.
  from numjax._src.interpreters import ad
  inputs = jnp.asarray(np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32))
  f = lambda W: jnp.tanh(jnp.dot(inputs, W) + 0.5) * W.sum()
  _, vjp_fun = jax.vjp(f, jnp.array([0.1, -0.2, 0.3]))
  us = np.random.default_rng(1).standard_normal((40, 4)).astype(np.float32)
  outs = [np.asarray(vjp_fun(jnp.asarray(u))[0]) for u in us]
  lin = next(c.cell_contents for c in vjp_fun.func.__closure__
             if isinstance(c.cell_contents, ad.LinearFunction))
  assert lin._compiled is not None          # compiled along the way
  again = [np.asarray(vjp_fun(jnp.asarray(u))[0]) for u in us]
  for a, b in zip(outs, again):
    np.testing.assert_array_equal(a, b)
  ref = np.asarray(jax.vmap(vjp_fun)(jnp.asarray(us))[0])
  np.testing.assert_allclose(np.stack(outs), ref, rtol=1e-6, atol=1e-6)
