"""Shared test fixtures: the repository on sys.path, and `x64` (64-bit mode for one test)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numjax  # noqa: E402


@pytest.fixture
def x64():
  """Enable `jax_enable_x64` for the test, restoring the previous value afterwards."""
  prev = numjax.config.jax_enable_x64
  numjax.config.update("jax_enable_x64", True)
  try:
    yield
  finally:
    numjax.config.update("jax_enable_x64", prev)
