"""`numjax.numpy.fft`: NumPy's FFT API on the `fft` primitive (`jax.numpy.fft`).

    >>> jnp.fft.rfft(jnp.arange(4.))      # complex64[3]: [6+0j, -2+2j, -2+0j]
"""
from __future__ import annotations

import operator
from typing import Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src.array import Array
from numjax._src.lax import lax
from numjax._src.lax.fft import FftType
from numjax._src.lax import fft as lax_fft
from numjax._src.lax.base import index_arg
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import (axis_tuple, canonicalize_axis, check_arraylike, dtype_of,
                                    ndim_of, shape_of)

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
           "fftn", "ifftn", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _fft_norm(s: Sequence[int], func_name: str, norm: str, dtype):
  """The factor the transform is multiplied by for `norm`, computed as JAX does (in the
  result dtype, from an array of the transform lengths)."""
  if norm == "backward":
    return jnp.array(1)
  if norm not in ("ortho", "forward"):
    raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')
  lengths = Array(np.array(s, dtype), False)
  n = lax.reduce_prod(lengths, (0,))
  if norm == "ortho":
    root = lax.sqrt(n)
    return root if func_name.startswith("i") else lax.div(lax._const(root, 1), root)
  return n if func_name.startswith("i") else lax.div(lax._const(n, 1), n)


def _fft_core(func_name: str, fft_type: FftType, a, s, axes, norm):
  full_name = f"jax.numpy.fft.{func_name}"
  check_arraylike(full_name, a)
  arr = jnp.asarray(a)
  if s is not None:
    try:
      s = tuple(map(operator.index, s))
    except TypeError:
      raise TypeError(f"{full_name}: the FFT sizes (n or s) must be integers, got {s!r}") from None
    if any(n <= 0 for n in s):
      raise ValueError("Shape should be positive.")
  if s is not None and axes is not None and len(s) != len(axes):
    raise ValueError("Shape and axes have different lengths.")
  orig_axes = axes
  nd = ndim_of(arr)
  if axes is None:
    axes = tuple(range(nd)) if s is None else tuple(range(nd - len(s), nd))
  else:
    axes = axis_tuple(axes)
    if len(axes) != len(set(axes)):
      raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
    axes = tuple(canonicalize_axis(a, nd) for a in axes)
  if len(axes) != len(set(axes)):
    raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
  if orig_axes is not None:
    new_axes = tuple(range(nd - len(axes), nd))
    if axes == new_axes:
      orig_axes = None  # already the trailing axes, in order: no transposes needed
    else:
      arr = jnp.moveaxis(arr, axes, new_axes)
    axes = new_axes
  if s is not None:
    in_s = list(shape_of(arr))
    for axis, n in zip(axes, s):
      in_s[axis] = n
    if fft_type == FftType.IRFFT:
      in_s[-1] = in_s[-1] // 2 + 1
    cur = shape_of(arr)
    arr = lax.slice(arr, (0,) * nd, tuple(min(a, b) for a, b in zip(in_s, cur)))
    cur = shape_of(arr)
    if any(x != y for x, y in zip(in_s, cur)):
      arr = lax.pad(arr, lax._zeros(arr), [(0, x - y, 0) for x, y in zip(in_s, cur)])
  else:
    if fft_type == FftType.IRFFT:
      s = [shape_of(arr)[axis] for axis in axes[:-1]]
      if axes:
        s += [max(0, 2 * (shape_of(arr)[axes[-1]] - 1))]
    else:
      s = [shape_of(arr)[axis] for axis in axes]
  transformed = _fft_core_nd(arr, fft_type, tuple(s))
  if norm is not None:
    if norm not in ("backward", "ortho", "forward"):
      raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or '
                       f'"forward".')
    transformed = jnp.multiply(transformed,
                               _fft_norm(s, func_name, norm, dtype_of(transformed)))
  if orig_axes is not None:
    transformed = jnp.moveaxis(transformed, axes, orig_axes)
  return transformed


def _fft_core_nd(arr, fft_type: FftType, s: tuple):
  """Transforms of more than three axes are done three (or two) axes at a time, like XLA."""
  if len(s) <= 3:
    return lax_fft.fft(arr, fft_type, s)
  n = 2 if len(s) == 4 else 3
  nd = ndim_of(arr)
  src = tuple(range(nd - len(s), nd - n))
  dst = tuple(range(nd - len(s) + n, nd))
  if fft_type in (FftType.RFFT, FftType.FFT):
    arr = lax_fft.fft(arr, fft_type, s[-n:])
    arr = jnp.moveaxis(arr, src, dst)
    arr = _fft_core_nd(arr, FftType.FFT, s[:-n])
    return jnp.moveaxis(arr, dst, src)
  arr = jnp.moveaxis(arr, src, dst)
  arr = _fft_core_nd(arr, FftType.IFFT, s[:-n])
  arr = jnp.moveaxis(arr, dst, src)
  return lax_fft.fft(arr, fft_type, s[-n:])


def _axis_check_1d(func_name: str, axis):
  if isinstance(axis, (list, tuple)):
    full_name = f"jax.numpy.fft.{func_name}"
    raise ValueError(f"{full_name} does not support multiple axes. Please use {full_name}n. "
                     f"Got axis = {axis!r}.")


def _fft_core_1d(func_name, fft_type, a, n, axis, norm):
  _axis_check_1d(func_name, axis)
  axes = None if axis is None else [axis]
  s = None if n is None else [n]
  return _fft_core(func_name, fft_type, a, s, axes, norm)


def _fft_core_2d(func_name, fft_type, a, s, axes, norm):
  if len(axes) != 2:
    raise ValueError(f"jax.numpy.fft.{func_name} only supports 2 axes. Got axes = {axes!r}.")
  return _fft_core(func_name, fft_type, a, s, axes, norm)


def fft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """1-D discrete Fourier transform along `axis` (cropped/zero-padded to `n`)."""
  return _fft_core_1d("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """1-D inverse discrete Fourier transform."""
  return _fft_core_1d("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """1-D transform of real input: the n//2 + 1 non-negative frequencies."""
  return _fft_core_1d("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of `rfft`: real output of length n (default 2 * (m - 1))."""
  return _fft_core_1d("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Transform of a Hermitian-symmetric signal given by its first half: real output."""
  _axis_check_1d("hfft", axis)
  conj_a = jnp.asarray(a)
  conj_a = lax.conj(conj_a) if dtype_of(conj_a).kind == "c" else conj_a
  nn = (shape_of(conj_a)[canonicalize_axis(axis, ndim_of(conj_a))] - 1) * 2 if n is None else n
  return _fft_core_1d("hfft", FftType.IRFFT, conj_a, n, axis, norm) * nn


def ihfft(a, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of `hfft`."""
  _axis_check_1d("ihfft", axis)
  arr = jnp.asarray(a)
  nn = shape_of(arr)[canonicalize_axis(axis, ndim_of(arr))] if n is None else n
  output = _fft_core_1d("ihfft", FftType.RFFT, arr, n, axis, norm)
  return lax.conj(output) * (1 / nn if nn else 0.0)


def fftn(a, s=None, axes=None, norm: str | None = None):
  """N-D discrete Fourier transform over `axes` (default: all, or the last len(s))."""
  return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm: str | None = None):
  return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm: str | None = None):
  return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm: str | None = None):
  return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


def fft2(a, s=None, axes=(-2, -1), norm: str | None = None):
  return _fft_core_2d("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm: str | None = None):
  return _fft_core_2d("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm: str | None = None):
  return _fft_core_2d("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm: str | None = None):
  return _fft_core_2d("irfft2", FftType.IRFFT, a, s, axes, norm)


def fftfreq(n: int, d=1.0, *, dtype=None, device=None):
  """Sample frequencies [0, 1, ..., -1] / (d * n) of an `fft` of length n."""
  if isinstance(n, (list, tuple)):
    raise ValueError(f"The n argument of jax.numpy.fft.fftfreq only takes an int. "
                     f"Got n = {list(n)}.")
  if isinstance(d, (list, tuple)):
    raise ValueError(f"The d argument of jax.numpy.fft.fftfreq only takes a single value. "
                     f"Got d = {list(d)}.")
  out_dtype = dtypes.canonicalize_dtype(dtype or dtypes.default_float())
  dt = out_dtype if out_dtype.kind in "fc" else dtypes.default_float()
  dt = dtypes.real_dtype(dt)
  n = index_arg(n, "jnp.fft.fftfreq n")
  i = np.arange(n)
  k = Array(((i + n // 2) % n - n // 2).astype(dt), False)
  result = lax.div(k, jnp.array(d * n, dtype=dt))
  return lax.convert_element_type(result, out_dtype)


def rfftfreq(n: int, d=1.0, *, dtype=None, device=None):
  """Sample frequencies [0, 1, ..., n//2] / (d * n) of an `rfft` of length n."""
  if isinstance(n, (list, tuple)):
    raise ValueError(f"The n argument of jax.numpy.fft.rfftfreq only takes an int. "
                     f"Got n = {list(n)}.")
  if isinstance(d, (list, tuple)):
    raise ValueError(f"The d argument of jax.numpy.fft.rfftfreq only takes a single value. "
                     f"Got d = {list(d)}.")
  dt = dtypes.canonicalize_dtype(dtype or dtypes.default_float())
  n = index_arg(n, "jnp.fft.rfftfreq n")
  k = jnp.arange(0, n // 2 + 1, dtype=dt)
  return jnp.true_divide(k, jnp.array(d * n, dtype=dt))


def _shifts(x, axes, sign):
  shape = shape_of(x)
  if axes is None:
    axes = tuple(range(len(shape)))
  axes = tuple(canonicalize_axis(a, len(shape)) for a in axis_tuple(axes))
  return [sign * (shape[ax] // 2) for ax in axes], axes


def fftshift(x, axes=None):
  """Move the zero-frequency term to the centre."""
  check_arraylike("fftshift", x)
  x = jnp.asarray(x)
  shift, axes = _shifts(x, axes, 1)
  return jnp.roll(x, shift, axes) if axes else x


def ifftshift(x, axes=None):
  """Inverse of `fftshift`."""
  check_arraylike("ifftshift", x)
  x = jnp.asarray(x)
  shift, axes = _shifts(x, axes, -1)
  return jnp.roll(x, shift, axes) if axes else x
