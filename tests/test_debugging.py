"""debug.print / debug.callback / pure_callback under every transformation (outputs as JAX)."""
import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp


def _f(x):
  jax.debug.print("x={x} y={}", x * 2, x=x)
  return x


def test_debug_print_eager_jit_vmap_grad(capsys):
  x = jnp.arange(3.)
  _f(x)
  assert capsys.readouterr().out == "x=[0. 1. 2.] y=[0. 2. 4.]\n"
  jax.jit(_f)(x)
  assert capsys.readouterr().out == "x=[0. 1. 2.] y=[0. 2. 4.]\n"
  jax.vmap(_f)(x)
  assert capsys.readouterr().out == "x=0.0 y=0.0\nx=1.0 y=2.0\nx=2.0 y=4.0\n"
  jax.grad(lambda v: _f(v).sum())(x)
  assert capsys.readouterr().out == "x=[0. 1. 2.] y=[0. 2. 4.]\n"


def test_debug_print_survives_dce_in_jit(capsys):
  @jax.jit
  def g(x):
    jax.debug.print("side {}", x)
    return x + 1
  g(1.)
  g(2.)
  assert capsys.readouterr().out == "side 1.0\nside 2.0\n"


def test_debug_callback(capsys):
  jax.debug.callback(lambda v: print("cb", v), jnp.arange(2))
  assert capsys.readouterr().out == "cb [0 1]\n"


def _g(x):
  return jax.pure_callback(lambda v: np.sin(v), jax.ShapeDtypeStruct(x.shape, x.dtype), x)


def test_pure_callback():
  x = jnp.arange(3.)
  np.testing.assert_allclose(np.asarray(jax.jit(_g)(x)), np.sin(np.arange(3.)), rtol=1e-6)
  with pytest.raises(NotImplementedError, match="Got vmap_method=None"):
    jax.vmap(_g)(x)
  with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
    jax.grad(lambda v: _g(v).sum())(x)
  h = lambda x: jax.pure_callback(np.sin, jax.ShapeDtypeStruct((), jnp.float32), x,
                                  vmap_method="sequential")
  np.testing.assert_allclose(np.asarray(jax.vmap(h)(x)), np.sin(np.arange(3.)), rtol=1e-6)
