"""`numjax.scipy.ndimage`: `map_coordinates` (`jax.scipy.ndimage`).

Samples an N-d array at fractional coordinates with nearest (order 0) or linear (order 1)
interpolation; out-of-range indices follow `mode` ('constant', 'nearest', 'wrap', 'mirror',
'reflect'). The output differentiates in both the input and the coordinates.

    >>> map_coordinates(jnp.arange(4.), [jnp.array([0.5, 2.25])], order=1)
    Array([0.5 , 2.25], dtype=float32)
"""
from __future__ import annotations

import functools
import itertools
import operator
from typing import Sequence

import numpy as np

from numjax._src.jit import jit
from numjax._src.lax import lax
import numjax.numpy as jnp

__all__ = ["map_coordinates"]


def _mirror(index, size: int):
  # triangle wave of half-period size - 1: ... 2 1 0 1 2 ... size-1 size-2 ...
  s = size - 1
  return jnp.abs((index + s) % (2 * s) - s)


def _reflect(index, size: int):
  # reflection about the pixel edges: ... 1 0 0 1 ... size-1 size-1 size-2 ...
  return jnp.floor_divide(_mirror(2 * index + 1, 2 * size + 1) - 1, 2)


_INDEX_FIXERS = {
    "constant": lambda index, size: index,
    "nearest": lambda index, size: jnp.clip(index, 0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _round_half_away(a):
  return a if a.dtype.kind in "iub" else lax.round(a)


def _nearest_nodes(coordinate):
  return [(_round_half_away(coordinate).astype(np.int32), coordinate.dtype.type(1))]


def _linear_nodes(coordinate):
  lower = jnp.floor(coordinate)
  upper_weight = coordinate - lower
  index = lower.astype(np.int32)
  return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def _map_coordinates(input, coordinates, order: int, mode: str, cval):
  arr = jnp.asarray(input)
  coords = [jnp.asarray(c) for c in coordinates]
  cval = jnp.asarray(cval, arr.dtype)
  if len(coordinates) != arr.ndim:
    raise ValueError("coordinates must be a sequence of length input.ndim, but "
                     f"{len(coordinates)} != {arr.ndim}")
  fixer = _INDEX_FIXERS.get(mode)
  if fixer is None:
    raise NotImplementedError(
        f"jax.scipy.ndimage.map_coordinates does not yet support mode {mode}. "
        f"Currently supported modes are {set(_INDEX_FIXERS)}.")
  if order == 0:
    nodes_of = _nearest_nodes
  elif order == 1:
    nodes_of = _linear_nodes
  else:
    raise NotImplementedError(
        "jax.scipy.ndimage.map_coordinates currently requires order<=1")

  per_axis = []
  for coord, size in zip(coords, arr.shape):
    entries = []
    for index, weight in nodes_of(coord):
      valid = ((0 <= index) & (index < size)) if mode == "constant" else True
      entries.append((fixer(index, size), valid, weight))
    per_axis.append(entries)

  terms = []
  for corner in itertools.product(*per_axis):
    indices = tuple(c[0] for c in corner)
    valids = [c[1] for c in corner]
    weights = [c[2] for c in corner]
    if all(v is True for v in valids):
      value = arr[indices]
    else:
      value = jnp.where(functools.reduce(operator.and_, valids), arr[indices], cval)
    terms.append(functools.reduce(operator.mul, weights) * value)
  result = sum(terms[1:], terms[0])
  if arr.dtype.kind in "iu":
    result = _round_half_away(result)
  return result.astype(arr.dtype)


_map_coordinates_jit = jit(_map_coordinates, static_argnums=(2, 3, 4))


def map_coordinates(input, coordinates: Sequence, order: int, mode: str = "constant",
                    cval=0.0):
  """Sample `input` at `coordinates` (one array per input axis, all the output's shape).

  `order` is 0 (nearest, halves rounded away from zero) or 1 (linear); points outside the
  input take `cval` in mode 'constant'. Integer inputs are rounded back to their dtype.
  """
  return _map_coordinates_jit(input, coordinates, order, mode, cval)
