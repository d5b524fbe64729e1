"""Image resampling (`jax.image`): `resize`, `scale_and_translate`, `ResizeMethod`.

Every separable method builds, per resized axis, a dense (input_size, output_size) weight
matrix from a kernel evaluated at the distances between input pixel centres and the
(inverse-warped) output pixel centres, then contracts the image with all matrices in one
einsum. Everything is jnp/lax, so results differentiate (in the image, and in scale and
translation for `scale_and_translate`), batch and stage. Nearest-neighbour resizing gathers.

    >>> resize(jnp.array([0., 1.]), (4,), "linear")
    Array([0.  , 0.25, 0.75, 1.  ], dtype=float32)
"""
from __future__ import annotations

import enum
import math
import operator
from typing import Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src.jit import jit
from numjax._src.lax import lax
from numjax._src.lax.convolution import _Precision
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.einsum import einsum
from numjax._src.numpy.util import canonicalize_axis, promote_dtypes_inexact


# ----------------------------------------------------------------------------------------------
# Kernels (x >= 0 is the distance, in kernel units, from the sample point)

def _lanczos_kernel(radius: float, x):
  y = radius * jnp.sin(np.pi * x) * jnp.sin(np.pi * x / radius)
  safe = jnp.where(x != 0, np.pi ** 2 * x ** 2, 1)
  out = jnp.where(x > 1e-3, jnp.divide(y, safe), 1)
  return jnp.where(x > radius, 0., out)


def _keys_cubic_kernel(x):
  # Keys (1981) cubic convolution kernel with a = -0.5 (Pillow/TF/PyTorch with antialias).
  out = ((1.5 * x - 2.5) * x) * x + 1.
  out = jnp.where(x >= 1., ((-0.5 * x + 2.5) * x - 4.) * x + 2., out)
  return jnp.where(x >= 2., 0., out)


def _opencv_cubic_kernel(x):
  # The a = -0.75 cubic PyTorch and OpenCV use without antialiasing.
  a = -0.75
  out = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
  out = jnp.where(x >= 1.0, ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a, out)
  return jnp.where(x >= 2.0, 0.0, out)


def _triangle_kernel(x):
  return jnp.maximum(0, 1 - jnp.abs(x))


_AREA = object()  # marker: weights are overlaps of pixel intervals, not a kernel


class ResizeMethod(enum.Enum):
  """Image resize method: NEAREST, LINEAR, LANCZOS3, LANCZOS5, CUBIC, CUBIC_PYTORCH, AREA."""
  NEAREST = 0
  LINEAR = 1
  LANCZOS3 = 2
  LANCZOS5 = 3
  CUBIC = 4
  CUBIC_PYTORCH = 5
  AREA = 6

  @staticmethod
  def from_string(s: str):
    """The method named by a string ('linear', 'bilinear', 'bicubic', 'lanczos3', ...)."""
    names = {"nearest": ResizeMethod.NEAREST, "linear": ResizeMethod.LINEAR,
             "bilinear": ResizeMethod.LINEAR, "trilinear": ResizeMethod.LINEAR,
             "triangle": ResizeMethod.LINEAR, "lanczos3": ResizeMethod.LANCZOS3,
             "lanczos5": ResizeMethod.LANCZOS5, "cubic": ResizeMethod.CUBIC,
             "bicubic": ResizeMethod.CUBIC, "tricubic": ResizeMethod.CUBIC,
             "cubic-pytorch": ResizeMethod.CUBIC_PYTORCH,
             "bicubic-pytorch": ResizeMethod.CUBIC_PYTORCH, "area": ResizeMethod.AREA}
    if s not in names:
      raise ValueError(f'Unknown resize method "{s}"')
    return names[s]


_KERNELS: dict = {
    ResizeMethod.LINEAR: (1, _triangle_kernel),
    ResizeMethod.LANCZOS3: (3, lambda x: _lanczos_kernel(3., x)),
    ResizeMethod.LANCZOS5: (5, lambda x: _lanczos_kernel(5., x)),
    ResizeMethod.CUBIC: (2, _keys_cubic_kernel),
    ResizeMethod.CUBIC_PYTORCH: (2, _opencv_cubic_kernel),
    ResizeMethod.AREA: (1, _AREA),
}

_TINY = 1000. * float(np.finfo(np.float32).eps)


def _normalize_columns(w):
  """Divide each column by its sum; columns whose sum is ~0 become 0."""
  total = jnp.sum(w, axis=0, keepdims=True)
  return jnp.where(jnp.abs(total) > _TINY, jnp.divide(w, jnp.where(total != 0, total, 1)), 0)


def _weight_matrix(input_size: int, output_size: int, scale, translation, kernel,
                   antialias: bool, edge_padding: bool, radius):
  """The (input_size, output_size) resampling matrix for one axis."""
  dtype = dtypes.result_type(scale, translation)
  inv_scale = 1. / scale
  # Downsampling widens the kernel (a low-pass filter) when antialiasing; upsampling does not.
  kernel_scale = jnp.maximum(inv_scale, 1.) if antialias else 1.
  # Input coordinate of each output pixel centre (pixel i has centre i + 0.5).
  sample_f = ((jnp.arange(output_size, dtype=dtype) + 0.5) * inv_scale
              - translation * inv_scale - 0.5)
  if edge_padding:
    if antialias:
      k = math.ceil(radius * max(1.0 / float(scale), 1.0))
    else:
      k = radius
  else:
    k = 0
  positions = jnp.arange(-k, input_size + k, dtype=dtype)
  if kernel is _AREA:
    # Overlap of the output pixel [L_i, R_i] (in input coordinates) with input pixel [j, j+1].
    left_out = jnp.arange(output_size, dtype=dtype) * inv_scale - translation * inv_scale
    right_out = left_out + inv_scale
    left_in = jnp.arange(input_size, dtype=dtype)
    right_in = left_in + 1.0
    weights = jnp.maximum(0.0, jnp.minimum(right_out[None, :], right_in[:, None])
                          - jnp.maximum(left_out[None, :], left_in[:, None]))
  else:
    weights = kernel(jnp.abs(sample_f[None, :] - positions[:, None]) / kernel_scale)

  if edge_padding:
    # Fold the weights of positions outside the image onto the nearest edge pixel.
    rows = jnp.clip(positions.astype(np.int32), 0, input_size - 1)
    cols = lax.broadcast_in_dim(jnp.arange(output_size), (positions.shape[0], output_size),
                                (1,))
    folded = jnp.zeros((input_size, output_size), dtype=dtype)
    folded = folded.at[rows[:, None], cols].add(weights)
    return _normalize_columns(folded)
  weights = _normalize_columns(weights)
  # Output pixels whose centre falls outside the input get no weight at all.
  inside = jnp.logical_and(sample_f >= -0.5, sample_f <= input_size - 0.5)
  return jnp.where(inside[None, :], weights, 0)


def _scale_and_translate(x, output_shape, spatial_dims, scale, translation, kernel,
                         antialias: bool, precision, edge_padding: bool = False, radius=None):
  if not spatial_dims:
    return x
  nd = len(output_shape)
  operands = []
  out_idx = list(range(nd))
  for i, d in enumerate(spatial_dims):
    d = canonicalize_axis(d, x.ndim)
    w = _weight_matrix(x.shape[d], output_shape[d], scale[i], translation[i], kernel,
                       antialias, edge_padding, radius).astype(x.dtype)
    operands += [w, [d, nd + i]]
    out_idx[d] = nd + i
  return einsum(x, list(range(nd)), *operands, out_idx, precision=precision)


def _canonical_shape(shape) -> tuple:
  try:
    return tuple(operator.index(d) for d in shape)
  except TypeError:
    raise TypeError("Shapes must be 1D sequences of concrete values of integer type, "
                    f"got {shape}.") from None


def _method(method) -> ResizeMethod:
  if isinstance(method, str):
    return ResizeMethod.from_string(method)
  if not isinstance(method, ResizeMethod):
    raise TypeError(f"method must be a string or a ResizeMethod, got {method!r}")
  return method


def scale_and_translate(image, shape: Sequence[int], spatial_dims: Sequence[int], scale,
                        translation, method, antialias: bool = True,
                        precision=_Precision.HIGHEST):
  """Resample `image` to `shape` under the map ``x -> x * scale + translation`` per spatial dim.

  Pixels are half-centred (pixel ``i`` sits at ``i + 0.5``); output pixels whose source lies
  outside the input are zero. ``method`` is any `ResizeMethod` except NEAREST.

      >>> scale_and_translate(jnp.arange(4.), (4,), (0,), jnp.array([1.]), jnp.array([1.]),
      ...                     "linear")
      Array([0., 0., 1., 2.], dtype=float32)
  """
  shape = _canonical_shape(shape)
  image = jnp.asarray(image)
  if len(shape) != image.ndim:
    raise ValueError("shape must have length equal to the number of dimensions of x; "
                     f" {shape} vs {image.shape}")
  method = _method(method)
  if method == ResizeMethod.NEAREST:
    raise ValueError("Nearest neighbor resampling is not currently supported for "
                     "scale_and_translate.")
  spatial_dims = tuple(spatial_dims)
  if method == ResizeMethod.CUBIC_PYTORCH and antialias:
    method = ResizeMethod.CUBIC
  radius, kernel = _KERNELS[method]
  edge_padding = method == ResizeMethod.CUBIC_PYTORCH and not antialias
  image, = promote_dtypes_inexact(image)
  scale, translation = promote_dtypes_inexact(jnp.asarray(scale), jnp.asarray(translation))
  if len(spatial_dims) != scale.shape[0] or len(spatial_dims) != translation.shape[0]:
    raise ValueError("scale and translation must have one entry per spatial dimension; got "
                     f"{len(spatial_dims)} spatial dims, scale {scale.shape} and translation "
                     f"{translation.shape}")
  return _scale_and_translate(image, shape, spatial_dims, scale, translation, kernel, antialias,
                              precision, edge_padding=edge_padding, radius=radius)


def _resize_nearest(x, output_shape):
  for d in range(x.ndim):
    m, n = x.shape[d], output_shape[d]
    if m == n:
      continue
    # float32 offsets, as JAX computes them (its float64 path is avoided on purpose)
    offsets = (jnp.arange(n, dtype=np.float32) + 0.5) * m / n
    offsets = jnp.floor(offsets.astype(np.float32)).astype(np.int32)
    index = [slice(None)] * x.ndim
    index[d] = offsets
    x = x[tuple(index)]
  return x


def _resize(image, shape: tuple, method, antialias: bool, precision):
  if len(shape) != image.ndim:
    raise ValueError("shape must have length equal to the number of dimensions of x; "
                     f" {shape} vs {image.shape}")
  method = _method(method)
  if method == ResizeMethod.NEAREST:
    return _resize_nearest(image, shape)
  image, = promote_dtypes_inexact(image)
  # Axes whose size is unchanged are skipped: every kernel here interpolates exactly.
  spatial_dims = tuple(i for i in range(len(shape)) if image.shape[i] != shape[i])
  if method == ResizeMethod.CUBIC_PYTORCH and antialias:
    method = ResizeMethod.CUBIC
  radius, kernel = _KERNELS[method]
  scale = [1.0 if shape[d] == 0 else shape[d] / image.shape[d] for d in spatial_dims]
  edge_padding = method == ResizeMethod.CUBIC_PYTORCH and not antialias
  return _scale_and_translate(image, shape, spatial_dims, scale, [0.] * len(spatial_dims),
                              kernel, antialias, precision, edge_padding=edge_padding,
                              radius=radius)


_resize_jit = jit(_resize, static_argnums=(1, 2, 3, 4))


def resize(image, shape: Sequence[int], method, antialias: bool = True,
           precision=_Precision.HIGHEST):
  """Resize `image` to `shape` (every axis, batch and channel axes included).

  ``method``: 'nearest', 'linear' ('bilinear', 'trilinear', 'triangle'), 'cubic'
  ('bicubic', 'tricubic'), 'cubic-pytorch', 'lanczos3', 'lanczos5', 'area', or a
  `ResizeMethod`. With ``antialias`` (default) downsampling low-pass filters first. Nearest
  keeps the input dtype; the other methods return a floating dtype.

      >>> resize(jnp.arange(4.).reshape(2, 2), (2, 4), "nearest")
      Array([[0., 0., 1., 1.],
             [2., 2., 3., 3.]], dtype=float32)
  """
  return _resize_jit(jnp.asarray(image), _canonical_shape(shape), method, antialias, precision)
