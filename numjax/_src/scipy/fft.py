"""`numjax.scipy.fft`: the type-II discrete cosine transform and its inverse (`jax.scipy.fft`).

`dct` reorders the input (even samples, then odd samples reversed), takes one complex FFT and
rotates each bin by a quarter-sample phase (Makhoul's algorithm); `dctn` does two axes at once
from a 2-d FFT. `idct` runs the same steps backwards. Only ``type=2`` and ``norm`` in
(None, 'backward', 'ortho') exist, as in JAX.

    >>> dct(jnp.array([1., 2., 3.])).round(4)
    Array([12.    , -3.4641,  0.    ], dtype=float32)
"""
from __future__ import annotations

import math
import operator
from typing import Sequence

import numpy as np

from numjax._src.lax import lax
from numjax._src.numpy import fft as jnp_fft
import numjax.numpy as jnp
from numjax._src.numpy.util import canonicalize_axis, check_arraylike, promote_dtypes_inexact

__all__ = ["dct", "dctn", "idct", "idctn"]


def _complex_dtype(dtype):
  dtype = np.dtype(dtype)
  if dtype.kind == "c":
    return dtype
  return np.dtype(np.complex128) if dtype == np.float64 else np.dtype(np.complex64)


def _twiddle(N: int, k):
  """exp(-i pi k / (2N)), complex of k's precision."""
  k = jnp.asarray(k)
  k = k.astype(_complex_dtype(jnp.result_type(k, float)))
  return jnp.exp(-.5j * np.pi * k / np.asarray(N, k.dtype))


def _others(ndim: int, axis: int) -> list:
  return [a for a in range(ndim) if a != axis]


def _interleave(x, axis: int):
  """Even-indexed samples followed by the odd-indexed ones reversed."""
  evens = lax.slice_in_dim(x, None, None, 2, axis)
  odds = lax.rev(lax.slice_in_dim(x, 1, None, 2, axis), (axis,))
  return lax.concatenate([evens, odds], axis)


def _deinterleave(x, axis: int):
  """Inverse of `_interleave`."""
  n = x.shape[axis]
  half = math.ceil(n / 2)
  first = lax.slice_in_dim(x, 0, half, axis=axis)
  second = lax.rev(lax.slice_in_dim(x, half, n, axis=axis), (axis,))
  full = [slice(None)] * x.ndim
  out = jnp.zeros(x.shape, dtype=x.dtype)
  full[axis] = slice(None, None, 2)
  out = out.at[tuple(full)].set(first)
  full[axis] = slice(1, None, 2)
  return out.at[tuple(full)].set(second)


def _ortho_scale(out, axis: int):
  """Scale by 1/sqrt(4N) for bin 0 and 1/sqrt(2N) for the others."""
  n = out.shape[axis]
  factor = lax.concatenate([lax.full((1,), 4, out.dtype), lax.full((n - 1,), 2, out.dtype)], 0)
  factor = lax.expand_dims(factor, _others(out.ndim, axis))
  return out / lax.sqrt(factor * n)


def _check(fname: str, type: int, norm):
  if type != 2:
    raise NotImplementedError("Only DCT type 2 is implemented.")
  if norm is not None and norm not in ["backward", "ortho"]:
    raise ValueError(f"jax.scipy.fft.{fname}: norm={norm!r} is not implemented")


def _pad_axes(x, sizes: dict):
  """Zero-pad (or truncate, for negative pads) axes to the given sizes."""
  cfg = [(0, sizes[a] - x.shape[a] if a in sizes else 0, 0) for a in range(x.ndim)]
  return lax.pad(x, jnp.array(0, x.dtype), cfg)


def dct(x, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Type-II DCT along `axis` (SciPy's `fft.dct`); `n` zero-pads or truncates first.

      >>> dct(jnp.array([1., 1., 1., 1.]), norm="ortho")
      Array([2., 0., 0., 0.], dtype=float32)
  """
  check_arraylike("dct", x)
  x = jnp.asarray(x)
  _check("dct", type, norm)
  if x.dtype.kind == "c":
    return lax.complex(dct(x.real, type=type, n=n, norm=norm, axis=axis),
                       dct(x.imag, type=type, n=n, norm=norm, axis=axis))
  axis = canonicalize_axis(axis, x.ndim)
  if n is not None:
    x = _pad_axes(x, {axis: n})
  N = x.shape[axis]
  V = jnp_fft.fft(_interleave(x, axis), axis=axis)
  k = lax.expand_dims(jnp.arange(N, dtype=V.real.dtype), _others(x.ndim, axis))
  out = 2 * (V * _twiddle(N, k)).real
  return _ortho_scale(out, axis) if norm == "ortho" else out


def _dct_2axes(x, axes, norm):
  a1, a2 = (canonicalize_axis(a, x.ndim) for a in axes)
  N1, N2 = x.shape[a1], x.shape[a2]
  V = jnp_fft.fftn(_interleave(_interleave(x, a1), a2), axes=axes)
  k1 = lax.expand_dims(jnp.arange(N1, dtype=V.dtype), _others(x.ndim, a1))
  k2 = lax.expand_dims(jnp.arange(N2, dtype=V.dtype), _others(x.ndim, a2))
  # Combine bins k2 and -k2 of the 2-d spectrum to take the real part along axis 2 first.
  mirrored = jnp.roll(jnp.flip(V, axis=a2), shift=1, axis=a2)
  out = 2 * (_twiddle(N1, k1) * (_twiddle(N2, k2) * V + _twiddle(N2, -k2) * mirrored)).real
  if norm == "ortho":
    return _ortho_scale(_ortho_scale(out, a1), a2)
  return out


def _axes_and_sizes(x, s, axes):
  if s is not None:
    try:
      s = list(s)
    except TypeError:
      s = [operator.index(s)]
    if len(s) > x.ndim:
      raise ValueError(f"s must have at most x.ndim ({x.ndim}) elements, got {len(s)}")
  if axes is None:
    axes = tuple(range(x.ndim - len(s), x.ndim)) if s is not None else tuple(range(x.ndim))
  else:
    axes = (axes,) if isinstance(axes, int) else tuple(axes)
    axes = tuple(canonicalize_axis(a, x.ndim) for a in axes)
    if len(set(axes)) != len(axes):
      raise ValueError(f"repeated axis in axes: {axes}")
  return s, axes


def dctn(x, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = None):
  """Multidimensional type-II DCT over `axes` (all by default), sizes `s` (SciPy's `dctn`)."""
  check_arraylike("dctn", x)
  x = jnp.asarray(x)
  _check("dctn", type, norm)
  if x.dtype.kind == "c":
    return lax.complex(dctn(x.real, type=type, s=s, norm=norm, axes=axes),
                       dctn(x.imag, type=type, s=s, norm=norm, axes=axes))
  s, axes = _axes_and_sizes(x, s, axes)
  if len(axes) == 1:
    return dct(x, n=s[0] if s is not None else None, axis=axes[0], norm=norm)
  if s is not None:
    x = _pad_axes(x, dict(zip(axes, s)))
  if len(axes) == 2:
    return _dct_2axes(x, axes, norm)
  for i in range(0, len(axes), 2):
    x = dctn(x, axes=axes[i:i + 2], norm=norm)
  return x


def idct(x, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None):
  """Inverse of the type-II DCT along `axis` (SciPy's `fft.idct`, i.e. a scaled DCT-III).

      >>> idct(dct(jnp.array([1., 2., 3.]))).round(4)
      Array([1., 2., 3.], dtype=float32)
  """
  check_arraylike("idct", x)
  x = jnp.asarray(x)
  _check("idct", type, norm)
  if x.dtype.kind == "c":
    return lax.complex(idct(x.real, type=type, n=n, norm=norm, axis=axis),
                       idct(x.imag, type=type, n=n, norm=norm, axis=axis))
  axis = canonicalize_axis(axis, x.ndim)
  if n is not None:
    x = _pad_axes(x, {axis: n})
  N = x.shape[axis]
  x, = promote_dtypes_inexact(x)
  if norm is None or norm == "backward":
    x = _ortho_scale(x, axis)
  x = _ortho_scale(x, axis)
  k = lax.expand_dims(jnp.arange(N, dtype=x.dtype), _others(x.ndim, axis))
  w = _twiddle(N, k)
  x = x.astype(w.dtype) / w * 2 * N
  return _deinterleave(jnp_fft.ifft(x, axis=axis).real, axis)


def idctn(x, type: int = 2, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = None):
  """Multidimensional inverse type-II DCT over `axes` (SciPy's `fft.idctn`)."""
  check_arraylike("idctn", x)
  x = jnp.asarray(x)
  _check("idctn", type, norm)
  if x.dtype.kind == "c":
    return lax.complex(idctn(x.real, type=type, s=s, norm=norm, axes=axes),
                       idctn(x.imag, type=type, s=s, norm=norm, axes=axes))
  s, axes = _axes_and_sizes(x, s, axes)
  if len(axes) == 1:
    return idct(x, n=s[0] if s is not None else None, axis=axes[0], norm=norm)
  if s is not None:
    x = _pad_axes(x, dict(zip(axes, s)))
  for axis in axes:
    x = idct(x, axis=axis, norm=norm)
  return x
