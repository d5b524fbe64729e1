"""`numjax.nn.initializers`: parameter initializers, as `jax.nn.initializers` has them.

An initializer is a function `init(key, shape, dtype=...) -> Array`; the builders below
(`uniform`, `variance_scaling`, `glorot_uniform`, ...) return one. Random draws go through
`numjax.random` (imported on first use).

    >>> init = glorot_uniform()
    >>> init(numjax.random.key(0), (3, 4)).shape
    (3, 4)
"""
from __future__ import annotations

import math
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src.numpy import lax_numpy as jnp


class Initializer(Protocol):
  def __call__(self, key, shape, dtype=None) -> Any:
    ...


def _random():
  import numjax.random as random
  return random


def _dtype(dtype):
  return dtypes.default_float() if dtype is None else dtypes.canonicalize_dtype(dtype)


def _shape(shape) -> tuple:
  if isinstance(shape, (int, np.integer)):
    return (int(shape),)
  return tuple(int(s) for s in shape)


def zeros(key, shape, dtype=None):
  """An array of zeros (the key is ignored)."""
  return jnp.zeros(_shape(shape), _dtype(dtype))


def ones(key, shape, dtype=None):
  """An array of ones (the key is ignored)."""
  return jnp.ones(_shape(shape), _dtype(dtype))


def constant(value, dtype=None) -> Callable:
  """An initializer filling arrays with `value`."""
  def init(key, shape, dtype=dtype):
    return jnp.full(_shape(shape), value, dtype=_dtype(dtype))
  return init


def uniform(scale=1e-2, dtype=None) -> Callable:
  """An initializer drawing uniformly from [0, scale)."""
  def init(key, shape, dtype=dtype):
    dt = _dtype(dtype)
    return _random().uniform(key, _shape(shape), dt) * jnp.array(scale, dt)
  return init


def normal(stddev=1e-2, dtype=None) -> Callable:
  """An initializer drawing from N(0, stddev^2)."""
  def init(key, shape, dtype=dtype):
    dt = _dtype(dtype)
    return _random().normal(key, _shape(shape), dt) * jnp.array(stddev, dt)
  return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0) -> Callable:
  """An initializer drawing from N(0, 1) truncated to (lower, upper), times stddev."""
  def init(key, shape, dtype=dtype):
    dt = _dtype(dtype)
    return _random().truncated_normal(key, lower, upper, _shape(shape), dt) * jnp.array(
        stddev, dt)
  return init


def _size(shape, axes) -> int:
  if isinstance(axes, (int, np.integer)):
    return shape[axes]
  return math.prod(shape[i] for i in axes)


def _compute_fans(shape: Sequence[int], in_axis=-2, out_axis=-1, batch_axis=()):
  """(fan_in, fan_out): axes outside in/out/batch are the receptive field."""
  if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
    raise ValueError(f"Can't compute input and output sizes of a {len(shape)}-dimensional "
                     "weights tensor with default in_axis. Must be at least 2D or specify "
                     "in_axis explicitly.")
  in_size = _size(shape, in_axis)
  out_size = _size(shape, out_axis)
  batch_size = _size(shape, batch_axis)
  receptive = math.prod(shape) / in_size / out_size / batch_size
  return in_size * receptive, out_size * receptive


# Standard deviation of a standard normal truncated to (-2, 2).
_TRUNC_STD = 0.87962566103423978


def variance_scaling(scale, mode: str, distribution: str, in_axis=-2, out_axis=-1,
                     batch_axis=(), dtype=None) -> Callable:
  """Draw with variance `scale / n`, n the fan given by `mode`.

  mode: "fan_in", "fan_out", "fan_avg" or "fan_geo_avg"; distribution: "truncated_normal",
  "normal" or "uniform".
  """
  def init(key, shape, dtype=dtype):
    shape = _shape(shape)
    dt = _dtype(dtype)
    if dt.kind == "c":
      raise NotImplementedError("variance_scaling with a complex dtype")
    fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
    if mode == "fan_in":
      denom = fan_in
    elif mode == "fan_out":
      denom = fan_out
    elif mode == "fan_avg":
      denom = (fan_in + fan_out) / 2
    elif mode == "fan_geo_avg":
      denom = (fan_in * fan_out) ** 0.5
    else:
      raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    variance = jnp.array(scale / denom, dtype=dt)
    random = _random()
    if distribution == "truncated_normal":
      stddev = jnp.sqrt(variance) / jnp.array(_TRUNC_STD, dt)
      return random.truncated_normal(key, -2, 2, shape, dt) * stddev
    if distribution == "normal":
      return random.normal(key, shape, dt) * jnp.sqrt(variance)
    if distribution == "uniform":
      return random.uniform(key, shape, dt, -1) * jnp.sqrt(3 * variance)
    raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")
  return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Callable:
  """variance_scaling(1.0, "fan_avg", "uniform")."""
  return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Callable:
  """variance_scaling(1.0, "fan_avg", "truncated_normal")."""
  return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                          dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Callable:
  """variance_scaling(1.0, "fan_in", "uniform")."""
  return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Callable:
  """variance_scaling(1.0, "fan_in", "truncated_normal")."""
  return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                          dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Callable:
  """variance_scaling(2.0, "fan_in", "uniform")."""
  return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Callable:
  """variance_scaling(2.0, "fan_in", "truncated_normal")."""
  return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                          dtype)


xavier_uniform, xavier_normal = glorot_uniform, glorot_normal
kaiming_uniform, kaiming_normal = he_uniform, he_normal


def _orthogonal_matrix(key, n_rows: int, n_cols: int, dt):
  random = _random()
  if hasattr(random, "orthogonal"):
    return random.orthogonal(key, n_rows, (), dt, n_cols)
  from numjax._src.numpy import linalg
  big, small = max(n_rows, n_cols), min(n_rows, n_cols)
  z = random.normal(key, (big, small), dt)
  q, r = linalg.qr(z)
  q = q * jnp.sign(jnp.diagonal(r))[None, :]
  return q if n_rows >= n_cols else jnp.transpose(q)


def orthogonal(scale=1.0, column_axis=-1, dtype=None) -> Callable:
  """An initializer of matrices with orthonormal rows or columns (whichever are fewer)."""
  def init(key, shape, dtype=dtype):
    shape = _shape(shape)
    dt = _dtype(dtype)
    if len(shape) < 2:
      raise ValueError("orthogonal initializer requires at least a 2D shape")
    if any(d == 0 for d in shape):
      return jnp.zeros(shape, dt)
    n_cols = shape[column_axis]
    n_rows = math.prod(shape) // n_cols
    q = _orthogonal_matrix(key, n_rows, n_cols, dt)
    q = jnp.reshape(q, tuple(np.delete(shape, column_axis)) + (n_cols,))
    q = jnp.moveaxis(q, -1, column_axis)
    return jnp.array(scale, dt) * q
  return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=None) -> Callable:
  """Orthogonal matrices at the centre of a 3-, 4- or 5-D convolution kernel, zeros elsewhere."""
  def init(key, shape, dtype=dtype):
    shape = _shape(shape)
    dt = _dtype(dtype)
    if len(shape) not in (3, 4, 5):
      raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
    if shape[-1] < shape[-2]:
      raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
    ortho = orthogonal(scale=scale, column_axis=column_axis, dtype=dt)(key, shape[-2:])
    w = jnp.zeros(shape, dt)
    centre = tuple(s // 2 for s in shape[:-2])
    return w.at[centre].set(ortho)
  return init
