"""jax_debug_nans / jax_debug_infs: FloatingPointError at the first primitive producing one."""
import pytest

import numjax as jax
import numjax.numpy as jnp


@pytest.fixture
def debug_nans():
  jax.config.update("jax_debug_nans", True)
  yield
  jax.config.update("jax_debug_nans", False)


def test_eager(debug_nans):
  with pytest.raises(FloatingPointError, match=r"invalid value \(nan\) encountered in log"):
    jnp.log(-1.)
  assert float(jnp.log(1.)) == 0.0


def test_under_grad_names_the_transformation_and_line(debug_nans):
  with pytest.raises(FloatingPointError,
                     match=r"encountered in div, under grad \(at .*test_debug_nans.py"):
    jax.grad(lambda x: x / 0.)(0.)


def test_in_the_transpose():
  # d sqrt(x)/dx = 1 / (2 sqrt(x)): the backward pass divides by zero at x = 0.
  jax.config.update("jax_debug_infs", True)
  try:
    with pytest.raises(FloatingPointError,
                       match=r"\(inf\) encountered in div, in the transpose of div, under grad"):
      jax.grad(jnp.sqrt)(0.)
  finally:
    jax.config.update("jax_debug_infs", False)


def test_infs_flag():
  jax.config.update("jax_debug_infs", True)
  try:
    with pytest.raises(FloatingPointError, match=r"invalid value \(inf\) encountered in div"):
      jnp.float32(1.) / 0.
  finally:
    jax.config.update("jax_debug_infs", False)
  assert float(jnp.float32(1.) / 0.) == float("inf")


def test_under_jit_names_the_primitive(debug_nans):
  f = jax.jit(lambda x: jnp.log(x) * 2)
  with pytest.raises(FloatingPointError, match=r"encountered in log, under jit\(<lambda>\)"):
    f(-1.)
  assert float(f(1.)) == 0.0
