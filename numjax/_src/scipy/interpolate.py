"""`numjax.scipy.interpolate`: `RegularGridInterpolator` (`jax.scipy.interpolate`).

    >>> points = (jnp.array([1., 2., 3.]), jnp.array([4., 5., 6.]))
    >>> values = jnp.array([[10., 20., 30.], [40., 50., 60.], [70., 80., 90.]])
    >>> RegularGridInterpolator(points, values)(jnp.array([[1.5, 4.5], [2.2, 5.8]]))
    Array([30., 64.], dtype=float32)
"""
from __future__ import annotations

import itertools

import numpy as np

import numjax.numpy as jnp
from numjax._src.numpy.util import check_arraylike, ndim_of, promote_dtypes_inexact
from numjax._src.tree_util import register_pytree_node

__all__ = ["RegularGridInterpolator"]


def _ndim_coords_from_arrays(points, ndim=None):
  """A (..., ndim) array of query points from an array or a tuple of coordinate arrays."""
  if isinstance(points, tuple) and len(points) == 1:
    points = points[0]
  if isinstance(points, tuple):
    parts = jnp.broadcast_arrays(*points)
    for p in parts[1:]:
      if p.shape != parts[0].shape:
        raise ValueError("coordinate arrays do not have the same shape")
    return jnp.stack([jnp.asarray(p, dtype=float) for p in parts], axis=-1)
  check_arraylike("_ndim_coords_from_arrays", points)
  points = jnp.asarray(points)
  if points.ndim == 1:
    points = points.reshape(-1, 1) if ndim is None else points.reshape(-1, ndim)
  return points


class RegularGridInterpolator:
  """Interpolate on a rectilinear grid (SciPy's `interpolate.RegularGridInterpolator`).

  Args:
    points: N 1-d arrays of strictly increasing grid coordinates.
    values: array whose first N axes match the grid (trailing axes are carried along).
    method: 'linear' (default) or 'nearest'.
    bounds_error: must be False (no errors under jit).
    fill_value: returned outside the grid (default NaN); None extrapolates.
  """

  def __init__(self, points, values, method="linear", bounds_error=False, fill_value=np.nan):
    if method not in ("linear", "nearest"):
      raise ValueError(f"method {method!r} is not defined")
    self.method = method
    self.bounds_error = bounds_error
    if self.bounds_error:
      raise NotImplementedError("`bounds_error` takes no effect under JIT")
    check_arraylike("RegularGridInterpolator", values)
    if len(points) > ndim_of(values):
      raise ValueError(f"there are {len(points)} point arrays, but values has "
                       f"{ndim_of(values)} dimensions")
    values, = promote_dtypes_inexact(jnp.asarray(values))
    if fill_value is not None:
      check_arraylike("RegularGridInterpolator", fill_value)
      fill_value = jnp.asarray(fill_value)
      if not np.can_cast(fill_value.dtype, values.dtype, casting="same_kind"):
        raise ValueError("fill_value must be either 'None' or of a type compatible with values")
    self.fill_value = fill_value
    check_arraylike("RegularGridInterpolator", *points)
    self.grid = tuple(jnp.asarray(p) for p in points)
    self.values = values

  def __call__(self, xi, method=None):
    method = self.method if method is None else method
    if method not in ("linear", "nearest"):
      raise ValueError(f"method {method!r} is not defined")
    ndim = len(self.grid)
    xi = _ndim_coords_from_arrays(xi, ndim=ndim)
    if xi.shape[-1] != ndim:
      raise ValueError(f"the requested sample points xi have dimension {xi.shape[1]}, but this "
                       f"RegularGridInterpolator has dimension {ndim}")
    xi_shape = xi.shape
    xi = xi.reshape(-1, xi_shape[-1])
    indices, norm_distances, out_of_bounds = self._find_indices(xi.T)
    if method == "linear":
      result = self._evaluate_linear(indices, norm_distances)
    else:
      result = self._evaluate_nearest(indices, norm_distances)
    if self.fill_value is not None:
      bc = result.shape[:1] + (1,) * (result.ndim - 1)
      result = jnp.where(out_of_bounds.reshape(bc), self.fill_value, result)
    return result.reshape(xi_shape[:-1] + self.values.shape[ndim:])

  def _evaluate_linear(self, indices, norm_distances):
    trailing = (slice(None),) + (None,) * (self.values.ndim - len(indices))
    total = jnp.asarray(0.)
    for corner in itertools.product(*[[i, i + 1] for i in indices]):
      weight = jnp.asarray(1.)
      for ci, i, t in zip(corner, indices, norm_distances):
        weight = weight * jnp.where(ci == i, 1 - t, t)
      total = total + self.values[corner] * weight[trailing]
    return total

  def _evaluate_nearest(self, indices, norm_distances):
    nearest = tuple(jnp.where(t <= .5, i, i + 1) for i, t in zip(indices, norm_distances))
    return self.values[nearest]

  def _find_indices(self, xi):
    indices, norm_distances = [], []
    out_of_bounds = jnp.zeros((xi.shape[1],), dtype=bool)
    for x, g in zip(xi, self.grid):
      i = jnp.searchsorted(g, x) - 1
      i = jnp.clip(i, 0, g.size - 2)
      indices.append(i)
      norm_distances.append((x - g[i]) / (g[i + 1] - g[i]))
      out_of_bounds = out_of_bounds | (x < g[0]) | (x > g[-1])
    return indices, norm_distances, out_of_bounds


register_pytree_node(
    RegularGridInterpolator,
    lambda obj: ((obj.grid, obj.values, obj.fill_value), (obj.method, obj.bounds_error)),
    lambda aux, children: RegularGridInterpolator(*children[:2], *aux, *children[2:]),
)
