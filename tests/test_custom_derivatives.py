"""custom_jvp / custom_vjp: rules open lazily, compose with every transformation, errors."""
from collections import namedtuple
from functools import partial

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import custom_jvp, custom_vjp


def _traced_f():
  @custom_jvp
  def f(x):
    print("called f!")
    return jnp.sin(x)

  @f.defjvp
  def f_jvp(primals, tangents):
    print("called f_jvp!")
    x, = primals
    t, = tangents
    return f(x), jnp.cos(x) * t
  return f


def test_custom_jvp_rules_open_lazily(capsys):
  f = _traced_f()
  f(3.)
  assert capsys.readouterr().out == "called f!\n"
  jax.vmap(f)(jnp.arange(3.))
  assert capsys.readouterr().out == "called f!\n"
  jax.jit(f)(3.)
  assert capsys.readouterr().out == "called f!\n"
  jax.jit(f)(3.)  # cached: no retrace, nothing printed
  assert capsys.readouterr().out == ""
  jax.jvp(f, (3.,), (1.,))
  assert capsys.readouterr().out == "called f_jvp!\ncalled f!\n"
  out = jax.grad(jax.grad(f))(3.)
  assert capsys.readouterr().out == "called f_jvp!\ncalled f_jvp!\ncalled f!\n"
  assert repr(out) == "Array(-0.14112, dtype=float32, weak_type=True)"


def test_custom_jvp_log1pexp_everywhere():
  @custom_jvp
  def log1pexp(x):
    return jnp.log(1. + jnp.exp(x))
  log1pexp.defjvps(lambda t, ans, x: (1 - 1 / (1 + jnp.exp(x))) * t)
  assert float(jax.grad(log1pexp)(100.)) == 1.0
  np.testing.assert_allclose(float(jax.jit(jax.grad(log1pexp))(3.)), 0.95257413, rtol=1e-6)
  out = jax.vmap(jax.jit(jax.grad(log1pexp)))(jnp.arange(3.))
  np.testing.assert_allclose(np.asarray(out), [0.5, 0.7310586, 0.8807971], rtol=1e-6)
  # grad(vmap(...)) opens the batched rule
  g = jax.grad(lambda x: jnp.sum(jax.vmap(log1pexp)(x)))(jnp.array([100., 0.]))
  np.testing.assert_allclose(np.asarray(g), [1., 0.5], rtol=1e-6)
  # hessian through a custom_jvp whose rule is differentiable
  h = jax.hessian(log1pexp)(0.)
  np.testing.assert_allclose(float(h), 0.25, rtol=1e-6)


def test_python_control_flow_in_rules():
  @custom_jvp
  def f(x):
    return jnp.sin(x) if x > 0 else jnp.cos(x)

  @f.defjvp
  def f_jvp(primals, tangents):
    x, = primals
    x_dot, = tangents
    ans = f(x)
    return (ans, 2 * x_dot) if x > 0 else (ans, 3 * x_dot)
  assert float(jax.grad(f)(1.)) == 2.0
  assert float(jax.grad(f)(-1.)) == 3.0


def _traced_vjp():
  @custom_vjp
  def f(x):
    print("called f!")
    return jnp.sin(x)

  def f_fwd(x):
    print("called f_fwd!")
    return f(x), jnp.cos(x)

  def f_bwd(cos_x, y_bar):
    print("called f_bwd!")
    return (cos_x * y_bar,)
  f.defvjp(f_fwd, f_bwd)
  return f


def test_custom_vjp_traces_and_jvp_error(capsys):
  f = _traced_vjp()
  jax.grad(f)(3.)
  assert capsys.readouterr().out == "called f_fwd!\ncalled f!\ncalled f_bwd!\n"
  y, f_vjp = jax.vjp(f, 3.)
  assert capsys.readouterr().out == "called f_fwd!\ncalled f!\n"
  assert repr(f_vjp(1.)) == "(Array(-0.9899925, dtype=float32, weak_type=True),)"
  with pytest.raises(TypeError, match=r"can't apply forward-mode autodiff \(jvp\) to a "
                                      r"custom_vjp function."):
    jax.jvp(f, (3.,), (1.,))


def test_custom_vjp_under_vmap_jit_and_concrete_bwd():
  seen = []

  @custom_vjp
  def clip_gradient(lo, hi, x):
    return x

  def fwd(lo, hi, x):
    return x, (lo, hi)

  def bwd(res, g):
    lo, hi = res
    seen.append(type(g).__name__)
    return (None, None, jnp.clip(g, lo, hi))
  clip_gradient.defvjp(fwd, bwd)
  f = lambda x: 3. * clip_gradient(-0.75, 0.75, x)
  assert float(jax.grad(f)(1.)) == 0.75 * 1.0 or float(jax.grad(f)(1.)) == 0.75
  assert seen[-1] == "Array"  # bwd sees concrete arrays outside jit
  g = jax.vmap(jax.grad(f))(jnp.array([0., 1.]))
  np.testing.assert_allclose(np.asarray(g), [0.75, 0.75])
  gj = jax.jit(jax.grad(f))(1.)
  assert float(gj) == 0.75


def test_nondiff_argnums_and_tracer_error():
  @partial(custom_jvp, nondiff_argnums=(0,))
  def app(f, x):
    return f(x)

  @app.defjvp
  def app_jvp(f, primals, tangents):
    x, = primals
    x_dot, = tangents
    return f(x), 2. * x_dot
  assert float(jax.grad(app, 1)(lambda x: x ** 3, 3.)) == 2.0

  @partial(custom_vjp, nondiff_argnums=(0,))
  def scale(s, x):
    return s * x
  scale.defvjp(lambda s, x: (s * x, None), lambda s, res, g: (s * g,))
  with pytest.raises(jax.errors.UnexpectedTracerError if hasattr(jax, "errors") else Exception,
                     match="nondiff_argnums"):
    jax.grad(lambda s: scale(s, 2.))(3.)


def test_pytree_inputs_outputs():
  Point = namedtuple("Point", ["x", "y"])

  @custom_vjp
  def f(pt):
    return {"a": pt.x ** 2, "b": (jnp.sin(pt.x), jnp.cos(pt.y))}

  def f_fwd(pt):
    return f(pt), pt

  def f_bwd(pt, g):
    return (Point(2 * pt.x * g["a"] + jnp.cos(pt.x) * g["b"][0], -jnp.sin(pt.y) * g["b"][1]),)
  f.defvjp(f_fwd, f_bwd)
  g = jax.grad(lambda pt: f(pt)["a"] + f(pt)["b"][0])(Point(1., 2.))
  np.testing.assert_allclose([float(g.x), float(g.y)], [2 + np.cos(1.), 0.], rtol=1e-6)


def test_reverse_mode_of_custom_jvp_needs_linear_rule():
  @custom_jvp
  def f(x):
    return x ** 2

  @f.defjvp
  def f_jvp(primals, tangents):
    x, = primals
    t, = tangents
    return f(x), t * t  # not linear in t
  assert float(jax.jvp(f, (3.,), (2.,))[1]) == 4.0
  with pytest.raises(NotImplementedError, match="not linear|transpose"):
    jax.grad(f)(3.)


def test_missing_rule_errors():
  @custom_jvp
  def f(x):
    return x
  with pytest.raises(AttributeError, match="No JVP defined for custom_jvp function f"):
    f(1.)

  @custom_vjp
  def g(x):
    return x
  with pytest.raises(AttributeError, match="No VJP defined for custom_vjp function g"):
    g(1.)


def test_custom_vjp_with_a_forward_rule_too():
  # Goes past JAX (issues #3996, #16049): forward mode and Hessians of custom_vjp functions.
  calls = []

  @custom_vjp
  def f(x):
    return jnp.sin(x)

  def f_bwd(c, g):
    calls.append("bwd")
    return (c * g,)
  f.defvjp(lambda x: (jnp.sin(x), jnp.cos(x)), f_bwd)

  @f.defjvp
  def f_jvp(primals, tangents):
    calls.append("jvp")
    x, = primals
    t, = tangents
    return jnp.sin(x), jnp.cos(x) * t
  np.testing.assert_allclose(float(jax.jvp(f, (1.,), (1.,))[1]), np.cos(1.), rtol=1e-6)
  assert calls == ["jvp"]
  calls.clear()
  np.testing.assert_allclose(float(jax.grad(f)(1.)), np.cos(1.), rtol=1e-6)
  assert calls == ["bwd"]  # reverse mode still uses fwd/bwd
  np.testing.assert_allclose(float(jax.hessian(f)(1.)), -np.sin(1.), rtol=1e-6)
  np.testing.assert_allclose(float(jax.jit(jax.hessian(f))(1.)), -np.sin(1.), rtol=1e-6)
  np.testing.assert_allclose(np.asarray(jax.vmap(jax.jacfwd(f))(jnp.arange(3.))),
                             np.cos(np.arange(3.)), rtol=1e-6)


def test_symbolic_zeros_are_visible_on_request():
  seen = []

  @custom_jvp
  def f(x, y):
    return x * y

  def f_jvp(primals, tangents):
    x, y = primals
    tx, ty = tangents
    seen.append((type(tx).__name__, type(ty).__name__))
    tx = jnp.zeros_like(x) if isinstance(tx, jax.custom_derivatives.SymbolicZero) else tx
    ty = jnp.zeros_like(y) if isinstance(ty, jax.custom_derivatives.SymbolicZero) else ty
    return f(x, y), tx * y + x * ty
  f.defjvp(f_jvp, symbolic_zeros=True)
  assert float(jax.grad(f)(2., 3.)) == 3.0
  assert seen[-1][1] == "SymbolicZero"


def test_custom_rules_closing_over_vmapped_values():
  # The custom function is called on an unbatched operand but closes over the vmapped value:
  # the batch rules trace it under the same vmap (as JAX's batch_subtrace does).
  def with_jvp(y):
    @jax.custom_jvp
    def f(x):
      return x * y

    @f.defjvp
    def f_jvp(primals, tangents):
      return f(primals[0]), tangents[0] * y
    return f(2.)

  def with_vjp(y):
    @jax.custom_vjp
    def f(x):
      return x * y
    f.defvjp(lambda x: (f(x), None), lambda _, g: (g * y,))
    return f(2.)

  ys = jnp.arange(3.)
  np.testing.assert_allclose(jax.vmap(with_jvp)(ys), [0., 2., 4.])
  np.testing.assert_allclose(jax.vmap(with_vjp)(ys), [0., 2., 4.])
  per_y = jax.vmap(jax.grad(lambda x, y: with_jvp(y) * x), (None, 0))(1., ys)
  np.testing.assert_allclose(per_y, [0., 2., 4.])
  np.testing.assert_allclose(jax.jit(jax.vmap(with_jvp))(ys), [0., 2., 4.])
