"""`numjax.scipy.signal`: convolution, detrending and spectral analysis (`jax.scipy.signal`).

Direct convolutions lower to `lax.conv_general_dilated` (one batch, one feature); `fftconvolve`
multiplies spectra. The spectral functions (`stft`, `istft`, `csd`, `welch`) cut the signal
into overlapping windowed segments with a vmapped `dynamic_slice`, as SciPy's helpers do, so
everything differentiates, vmaps and jits. Window names other than 'hann' are built with
SciPy's `get_window` (a constant, not traced).

    >>> convolve(jnp.array([1., 2., 3.]), jnp.array([0., 1., 0.5]))
    Array([0. , 1. , 2.5, 4. , 1.5], dtype=float32)
"""
from __future__ import annotations

import math
import operator
import warnings
from functools import partial
from typing import Sequence

import numpy as np

from numjax._src import core
from numjax._src.api import vmap
from numjax._src.lax import lax
from numjax._src.lax.convolution import conv_general_dilated
from numjax._src.numpy import fft as jnp_fft
from numjax._src.numpy.extra import _flip_jit
import numjax.numpy as jnp
from numjax._src.numpy import linalg as jnp_linalg
from numjax._src.numpy.util import (canonicalize_axis, check_arraylike, ndim_of,
                                    promote_dtypes_inexact)

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "csd", "detrend",
           "fftconvolve", "istft", "stft", "welch"]

_MODES = ("full", "same", "valid")


def _to_complex_dtype(dtype) -> np.dtype:
  dtype = np.dtype(dtype)
  if dtype.kind == "c":
    return dtype
  return np.dtype(np.complex128) if dtype == np.float64 else np.dtype(np.complex64)


def _static_int(x, what: str) -> int:
  if isinstance(x, core.Tracer):
    raise core.ConcretizationTypeError(x, f"The error arose for {what}.")
  return operator.index(x) if not hasattr(x, "dtype") else int(x)


# ----------------------------------------------------------------------------------------------
# Convolution

def fftconvolve(in1, in2, mode: str = "full", axes: Sequence[int] | None = None):
  """N-d convolution through FFTs (SciPy's `fftconvolve`); `axes` picks the convolved axes,
  the others are matched elementwise (and must have equal sizes).

      >>> fftconvolve(jnp.array([1., 2., 3.]), jnp.array([1., 1.]), mode="valid")
      Array([3., 5.], dtype=float32)
  """
  check_arraylike("fftconvolve", in1, in2)
  in1, in2 = promote_dtypes_inexact(jnp.asarray(in1), jnp.asarray(in2))
  if in1.ndim != in2.ndim:
    raise ValueError("in1 and in2 should have the same dimensionality")
  if mode not in ["same", "full", "valid"]:
    raise ValueError("mode must be one of ['same', 'full', 'valid']")
  conv = partial(_fftconvolve_all_axes, mode=mode)
  if axes is None:
    return conv(in1, in2)
  axes = (axes,) if isinstance(axes, int) else tuple(axes)
  axes = tuple(canonicalize_axis(a, in1.ndim) for a in axes)
  mapped = sorted(set(range(in1.ndim)) - set(axes))
  if any(in1.shape[i] != in2.shape[i] for i in mapped):
    raise ValueError(f"mapped axes must have same shape; got in1.shape={in1.shape} "
                     f"in2.shape={in2.shape} axes={axes}")
  for ax in mapped:
    conv = vmap(conv, in_axes=ax, out_axes=ax)
  return conv(in1, in2)


def _fftconvolve_all_axes(in1, in2, mode: str):
  full_shape = tuple(a + b - 1 for a, b in zip(in1.shape, in2.shape))
  if mode == "valid":
    bigger = all(a >= b for a, b in zip(in1.shape, in2.shape))
    smaller = all(a <= b for a, b in zip(in1.shape, in2.shape))
    if not (bigger or smaller):
      raise ValueError("For 'valid' mode, One input must be at least as large as the other in "
                       "every dimension.")
    if smaller:
      in1, in2 = in2, in1
  if all(a == 1 or b == 1 for a, b in zip(in1.shape, in2.shape)):
    conv = in1 * in2
  elif jnp.iscomplexobj(in1):
    conv = jnp_fft.ifftn(jnp_fft.fftn(in1, full_shape) * jnp_fft.fftn(in2, full_shape),
                         full_shape)
  else:
    conv = jnp_fft.irfftn(jnp_fft.rfftn(in1, full_shape) * jnp_fft.rfftn(in2, full_shape),
                          full_shape)
  if mode == "full":
    out_shape = full_shape
  elif mode == "same":
    out_shape = in1.shape
  else:
    out_shape = tuple(a - b + 1 for a, b in zip(in1.shape, in2.shape))
  starts = tuple((f - o) // 2 for f, o in zip(full_shape, out_shape))
  return lax.dynamic_slice(conv, starts, out_shape)


def _convolve_nd(in1, in2, mode: str, *, precision):
  """Direct N-d convolution via conv_general_dilated (padding decides the mode)."""
  if mode not in _MODES:
    raise ValueError("mode must be one of ['full', 'same', 'valid']")
  in1, in2 = jnp.asarray(in1), jnp.asarray(in2)
  if in1.ndim != in2.ndim:
    raise ValueError("in1 and in2 must have the same number of dimensions")
  if in1.size == 0 or in2.size == 0:
    raise ValueError(f"zero-size arrays not supported in convolutions, got shapes {in1.shape} "
                     f"and {in2.shape}.")
  in1, in2 = promote_dtypes_inexact(in1, in2)
  bigger = all(a >= b for a, b in zip(in1.shape, in2.shape))
  smaller = all(a <= b for a, b in zip(in1.shape, in2.shape))
  if not (bigger or smaller):
    raise ValueError("One input must be smaller than the other in every dimension.")
  orig_in2_shape = in2.shape
  if smaller:
    in1, in2 = in2, in1
  kshape = in2.shape
  kernel = _flip_jit(in2)  # jitted, as jnp.flip is in JAX, so staged jaxprs print alike
  if mode == "valid":
    padding = [(0, 0)] * len(kshape)
  elif mode == "same":
    # centred on the first input's grid, SciPy's convention (keyed on the original in2)
    padding = [(k - 1 - (k0 - 1) // 2, k - k0 + (k0 - 1) // 2)
               for k, k0 in zip(kshape, orig_in2_shape)]
  else:
    padding = [(k - 1, k - 1) for k in kshape]
  spatial = tuple(range(2, in1.ndim + 2))
  lhs = lax.broadcast_in_dim(in1, (1, 1) + in1.shape, spatial)
  rhs = lax.broadcast_in_dim(kernel, (1, 1) + kernel.shape, spatial)
  out = conv_general_dilated(lhs, rhs, (1,) * len(kshape), padding, precision=precision)
  return lax.squeeze(out, (0, 1))


def convolve(in1, in2, mode: str = "full", method: str = "auto", precision=None):
  """N-d convolution (SciPy's `signal.convolve`); method 'auto'/'direct' lowers to
  `conv_general_dilated`, 'fft' uses `fftconvolve`.

      >>> convolve(jnp.array([1, 2, 3, 2, 1]), jnp.array([1, 1, 1]), mode="same")
      Array([3., 6., 7., 6., 3.], dtype=float32)
  """
  if method == "fft":
    return fftconvolve(in1, in2, mode=mode)
  if method in ("direct", "auto"):
    return _convolve_nd(in1, in2, mode, precision=precision)
  raise ValueError(f"Got method={method!r}; expected 'auto', 'fft', or 'direct'.")


def _check_2d(fname: str, in1, in2, boundary, fillvalue):
  if boundary != "fill" or fillvalue != 0:
    raise NotImplementedError(f"{fname}() only supports boundary='fill', fillvalue=0")
  if ndim_of(in1) != 2 or ndim_of(in2) != 2:
    raise ValueError(f"{fname}() only supports 2-dimensional inputs.")


def convolve2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue=0,
               precision=None):
  """2-d convolution (SciPy's `convolve2d`); only ``boundary='fill', fillvalue=0``."""
  _check_2d("convolve2d", in1, in2, boundary, fillvalue)
  return _convolve_nd(in1, in2, mode, precision=precision)


def correlate(in1, in2, mode: str = "full", method: str = "auto", precision=None):
  """N-d cross-correlation (SciPy's `signal.correlate`): convolution with the flipped
  conjugate of `in2`.

      >>> correlate(jnp.array([1., 2., 3., 2., 1.]), jnp.array([1., 3., 2.]), mode="valid")
      Array([13., 15., 11.], dtype=float32)
  """
  in2 = jnp.asarray(in2)
  return convolve(in1, jnp.flip(in2.conj()), mode, precision=precision, method=method)


def correlate2d(in1, in2, mode: str = "full", boundary: str = "fill", fillvalue=0,
                precision=None):
  """2-d cross-correlation (SciPy's `correlate2d`); only ``boundary='fill', fillvalue=0``."""
  _check_2d("correlate2d", in1, in2, boundary, fillvalue)
  in1, in2 = jnp.asarray(in1), jnp.asarray(in2)
  swap = all(a <= b for a, b in zip(in1.shape, in2.shape))
  same_shape = in1.shape == in2.shape
  # corr(a, b) = flip(conv(flip(a), conj(b))); when b is the larger input SciPy swaps the
  # roles, giving conv(flip(b), conj(a)) (conjugated in 'full' mode).
  if mode == "same" or (mode == "valid" and not (swap and not same_shape)) or (
      mode not in ("same", "valid") and not swap):
    return jnp.flip(_convolve_nd(jnp.flip(in1), in2.conj(), mode, precision=precision))
  out = _convolve_nd(jnp.flip(in2), in1.conj(), mode, precision=precision)
  return out if mode == "valid" else out.conj()


# ----------------------------------------------------------------------------------------------
# Detrending

def detrend(data, axis: int = -1, type: str = "linear", bp=0, overwrite_data=None):
  """Remove a linear (optionally piecewise, at breakpoints `bp`) or constant trend along
  `axis` (SciPy's `signal.detrend`).

      >>> detrend(jnp.array([1., 2., 3.]), type="constant")
      Array([-1.,  0.,  1.], dtype=float32)
  """
  if overwrite_data is not None:
    raise NotImplementedError("overwrite_data argument not implemented.")
  if type not in ["constant", "linear"]:
    raise ValueError("Trend type must be 'linear' or 'constant'.")
  data, = promote_dtypes_inexact(jnp.asarray(data))
  if type == "constant":
    return data - data.mean(axis, keepdims=True)
  n = data.shape[axis]
  bps = np.sort(np.unique(np.r_[0, bp, n]))  # static breakpoints
  if bps[0] < 0 or bps[-1] > n:
    raise ValueError("Breakpoints must be non-negative and less than length of data along "
                     "given axis.")
  moved = jnp.moveaxis(data, axis, 0)
  shape = moved.shape
  flat = moved.reshape(n, -1)
  for lo, hi in zip(bps[:-1], bps[1:]):
    npts = int(hi - lo)
    ramp = jnp.arange(1, npts + 1, dtype=flat.dtype) / np.asarray(npts, flat.dtype)
    A = jnp.vstack([jnp.ones(npts, dtype=flat.dtype), ramp]).T
    seg = slice(int(lo), int(hi))
    coef = jnp_linalg.lstsq(A, flat[seg])[0]
    flat = flat.at[seg].add(-jnp.matmul(A, coef, precision="highest"))
  return jnp.moveaxis(flat.reshape(shape), 0, axis)


# ----------------------------------------------------------------------------------------------
# Spectral analysis

def _hann(n: int, dtype):
  if n == 1:
    win = jnp.array([1.0])
  else:
    win = jnp.sin(jnp.linspace(0, np.pi, n, endpoint=False)) ** 2
  return jnp.asarray(win, dtype=dtype)


def _named_window(window, n: int, dtype):
  if isinstance(window, str) and window == "hann":
    return _hann(n, dtype)
  from scipy.signal import get_window
  return jnp.array(get_window(window, n), dtype=dtype)


def _triage_segments(window, nperseg, input_length: int, dtype):
  """(window array, segment length) from a window name/tuple or an explicit window."""
  if isinstance(window, (str, tuple)):
    n = input_length if nperseg is None else int(nperseg)
    if n > input_length:
      warnings.warn(f"nperseg={n} is greater than input_length={input_length}, using "
                    f"nperseg={input_length}")
      n = input_length
    return _named_window(window, n, dtype), n
  win = jnp.asarray(window, dtype=dtype)
  n = win.size if nperseg is None else int(nperseg)
  if win.ndim != 1:
    raise ValueError("window must be 1-D")
  if input_length < win.size:
    raise ValueError("window is longer than input signal")
  if n != win.size:
    raise ValueError("value specified for nperseg is different from length of window")
  return win, n


def _median_bias(n: int):
  """Bias of the median of n periodograms relative to their mean."""
  k = jnp.arange(2., n, 2)
  return 1 + jnp.sum(1. / (k + 1) - 1. / k)


def _segments(x, nperseg: int, noverlap: int):
  """(..., L) -> (..., nseg, nperseg): overlapping segments with step nperseg - noverlap."""
  if nperseg == 1 and noverlap == 0:
    return x[..., None]
  starts = jnp.arange(x.shape[-1] - nperseg + 1, step=nperseg - noverlap)
  cut = lambda s: lax.dynamic_slice_in_dim(x, s, nperseg, axis=-1)
  return vmap(cut, out_axes=-2)(starts)


def _windowed_fft(x, win, detrend_func, nperseg, noverlap, nfft, sides):
  if x.dtype.kind == "i":
    x = x.astype(win.dtype)
  segs = detrend_func(_segments(x, nperseg, noverlap))
  if jnp.iscomplexobj(win) and not jnp.iscomplexobj(segs):
    segs = segs.astype(_to_complex_dtype(segs.dtype))
  segs = win.reshape((1,) * (x.ndim - 1) + (1, nperseg)) * segs
  if sides == "twosided":
    return jnp_fft.fft(segs, n=nfft)
  return jnp_fft.rfft(segs.real, n=nfft)


def _odd_ext(x, n: int, axis: int = -1):
  """Extend x by n points at both ends with its point reflection about each end point."""
  if n < 1:
    return x
  if n > x.shape[axis] - 1:
    raise ValueError(f"The extension length n ({n}) is too big. It must not exceed "
                     f"x.shape[axis]-1, which is {x.shape[axis] - 1}.")
  first = lax.slice_in_dim(x, 0, 1, axis=axis)
  last = lax.slice_in_dim(x, -1, None, axis=axis)
  left = jnp.flip(lax.slice_in_dim(x, 1, n + 1, axis=axis), axis=axis)
  right = jnp.flip(lax.slice_in_dim(x, -(n + 1), -1, axis=axis), axis=axis)
  return jnp.concatenate((2 * first - left, x, 2 * last - right), axis=axis)


def _even_ext(x, n: int, axis: int = -1):
  """Mirror extension without repeating the end points ('reflect' padding)."""
  if n < 1:
    return x
  if n > x.shape[axis] - 1:
    raise ValueError(f"The extension length n ({n}) is too big. It must not exceed "
                     f"x.shape[axis]-1, which is {x.shape[axis] - 1}.")
  left = jnp.flip(lax.slice_in_dim(x, 1, n + 1, axis=axis), axis=axis)
  right = jnp.flip(lax.slice_in_dim(x, -(n + 1), -1, axis=axis), axis=axis)
  return jnp.concatenate((left, x, right), axis=axis)


def _const_ext(x, n: int, axis: int = -1):
  """Repeat the end points n times ('edge' padding)."""
  if n < 1:
    return x
  reps = [1] * x.ndim
  reps[axis] = n
  first = jnp.tile(lax.slice_in_dim(x, 0, 1, axis=axis), reps)
  last = jnp.tile(lax.slice_in_dim(x, -1, None, axis=axis), reps)
  return jnp.concatenate((first, x, last), axis=axis)


def _zero_ext(x, n: int, axis: int = -1):
  widths = [(0, 0)] * x.ndim
  widths[axis] = (n, n)
  return jnp.pad(x, widths)


_BOUNDARY_FUNCS = {"even": _even_ext, "odd": _odd_ext, "constant": _const_ext,
                   "zeros": _zero_ext, None: lambda x, *args, **kwargs: x}


def _pad_end(x, n: int):
  if n == 0:
    return x
  return jnp.concatenate((x, jnp.zeros((*x.shape[:-1], n), x.dtype)), axis=-1)


def _spectral_helper(x, y, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
                     detrend_type="constant", return_onesided=True, scaling="density",
                     axis=-1, mode="psd", boundary=None, padded=False):
  """(freqs, times, spectra) of the windowed segments of x (x against y for cross spectra)."""
  if mode not in ("psd", "stft"):
    raise ValueError(f"Unknown value for mode {mode}, must be one of: ('psd', 'stft')")
  if boundary not in _BOUNDARY_FUNCS:
    raise ValueError(f"Unknown boundary option '{boundary}', must be one of: "
                     f"{list(_BOUNDARY_FUNCS.keys())}")
  axis = _static_int(axis, "axis of windowed-FFT")
  if y is None:
    check_arraylike("spectral_helper", x)
    x, = promote_dtypes_inexact(jnp.asarray(x))
    axis = canonicalize_axis(axis, x.ndim)
    y_arr = x
    outershape = x.shape[:axis] + x.shape[axis + 1:]
  else:
    if mode != "psd":
      raise ValueError("two-argument mode is available only when mode=='psd'")
    check_arraylike("spectral_helper", x, y)
    x, y_arr = promote_dtypes_inexact(jnp.asarray(x), jnp.asarray(y))
    axis = canonicalize_axis(axis, x.ndim)
    if x.ndim != y_arr.ndim:
      raise ValueError(f"two-arguments must have the same rank ({x.ndim} vs {y_arr.ndim}).")
    try:
      outershape = jnp.broadcast_shapes(x.shape[:axis] + x.shape[axis + 1:],
                                        y_arr.shape[:axis] + y_arr.shape[axis + 1:])
    except ValueError as err:
      raise ValueError("x and y cannot be broadcast together.") from err

  result_dtype = _to_complex_dtype(x.dtype)
  freq_dtype = np.finfo(result_dtype).dtype
  if nperseg is not None:
    nperseg = _static_int(nperseg, "nperseg of windowed-FFT")
    if nperseg < 1:
      raise ValueError("nperseg must be a positive integer")
  win, nperseg = _triage_segments(window, nperseg, x.shape[axis], x.dtype)
  noverlap = nperseg // 2 if noverlap is None else _static_int(noverlap,
                                                               "noverlap of windowed-FFT")
  nfft = nperseg if nfft is None else _static_int(nfft, "nfft of windowed-FFT")

  if y is None:
    if x.size == 0:
      return (jnp.zeros(x.shape, freq_dtype), jnp.zeros(x.shape, freq_dtype),
              jnp.zeros(x.shape, result_dtype))
  elif x.size == 0 or y_arr.size == 0:
    shape = tuple(outershape[:axis]) + (min(x.shape[axis], y_arr.shape[axis]),) + tuple(
        outershape[axis:])
    return (jnp.zeros(shape, freq_dtype), jnp.zeros(shape, freq_dtype),
            jnp.zeros(shape, result_dtype))

  x = jnp.moveaxis(x, axis, -1)
  if y is not None and y_arr.ndim > 1:
    y_arr = jnp.moveaxis(y_arr, axis, -1)
  if y is not None and x.shape[-1] != y_arr.shape[-1]:
    if x.shape[-1] < y_arr.shape[-1]:
      x = _pad_end(x, y_arr.shape[-1] - x.shape[-1])
    else:
      y_arr = _pad_end(y_arr, x.shape[-1] - y_arr.shape[-1]).astype(x.dtype)

  if nfft < nperseg:
    raise ValueError("nfft must be greater than or equal to nperseg.")
  if noverlap >= nperseg:
    raise ValueError("noverlap must be less than nperseg.")
  nstep = nperseg - noverlap

  if boundary is not None:
    ext = _BOUNDARY_FUNCS[boundary]
    x = ext(x, nperseg // 2, axis=-1)
    if y is not None:
      y_arr = ext(y_arr, nperseg // 2, axis=-1)
  if padded:
    # zero-pad so the segments tile the signal exactly
    nadd = (-(x.shape[-1] - nperseg) % nstep) % nperseg
    x = _pad_end(x, nadd)
    if y is not None:
      y_arr = _pad_end(y_arr, nadd).astype(x.dtype)

  if isinstance(detrend_type, str):
    detrend_func = partial(detrend, type=detrend_type, axis=-1)
  elif callable(detrend_type):
    if axis != -1:
      def detrend_func(d):
        return jnp.moveaxis(detrend_type(jnp.moveaxis(d, axis, -1)), -1, axis)
    else:
      detrend_func = detrend_type
  elif not detrend_type:
    detrend_func = lambda d: d
  else:
    raise ValueError(f"Unsupported detrend type: {detrend_type}")

  if scaling == "density":
    scale = 1.0 / (fs * (win * win).sum())
  elif scaling == "spectrum":
    scale = 1.0 / win.sum() ** 2
  else:
    raise ValueError(f"Unknown scaling: {scaling}")
  if mode == "stft":
    scale = jnp.sqrt(scale)
  scale = jnp.asarray(scale)
  scale = scale.astype(_to_complex_dtype(scale.dtype))

  sides = "onesided" if return_onesided else "twosided"
  if return_onesided and (jnp.iscomplexobj(x) or jnp.iscomplexobj(y)):
    sides = "twosided"
    warnings.warn("Input data is complex, switching to return_onesided=False")
  if sides == "twosided":
    freqs = jnp_fft.fftfreq(nfft, 1 / fs, dtype=freq_dtype)
  else:
    freqs = jnp_fft.rfftfreq(nfft, 1 / fs, dtype=freq_dtype)

  result = _windowed_fft(x, win, detrend_func, nperseg, noverlap, nfft, sides)
  if y is not None:
    result_y = _windowed_fft(y_arr, win, detrend_func, nperseg, noverlap, nfft, sides)
    result = jnp.conjugate(result) * result_y
  elif mode == "psd":
    result = jnp.conjugate(result) * result
  result = result * scale
  if sides == "onesided" and mode == "psd":
    # fold the negative frequencies in (not DC, nor Nyquist when nfft is even)
    end = None if nfft % 2 else -1
    result = result.at[..., 1:end].mul(2)

  time = jnp.arange(nperseg / 2, x.shape[-1] - nperseg / 2 + 1, nperseg - noverlap,
                    dtype=freq_dtype) / fs
  if boundary is not None:
    time = time - (nperseg / 2) / fs
  result = result.astype(result_dtype)
  if y is None and mode != "stft":
    result = result.real
  return freqs, time, jnp.moveaxis(result, -1, axis)


def stft(x, fs=1.0, window="hann", nperseg: int = 256, noverlap: int | None = None,
         nfft: int | None = None, detrend=False, return_onesided: bool = True,
         boundary: str | None = "zeros", padded: bool = True, axis: int = -1):
  """Short-time Fourier transform (SciPy's `signal.stft`): ``(f, t, Zxx)``.

      >>> f, t, Z = stft(jnp.arange(8.), nperseg=4)
      >>> Z.shape
      (3, 5)
  """
  return _spectral_helper(x, None, fs, window, nperseg, noverlap, nfft, detrend,
                          return_onesided, scaling="spectrum", axis=axis, mode="stft",
                          boundary=boundary, padded=padded)


def csd(x, y, fs=1.0, window="hann", nperseg: int | None = None, noverlap: int | None = None,
        nfft: int | None = None, detrend="constant", return_onesided: bool = True,
        scaling: str = "density", axis: int = -1, average: str = "mean"):
  """Cross power spectral density by Welch's method (SciPy's `signal.csd`): ``(f, Pxy)``.

  ``y=None`` computes the PSD of x (real output); otherwise Pxy is complex.
  """
  freqs, _, pxy = _spectral_helper(x, y, fs, window, nperseg, noverlap, nfft, detrend,
                                   return_onesided, scaling, axis, mode="psd")
  if y is not None:
    pxy = pxy + 0j
  if pxy.ndim >= 2 and pxy.size > 0:
    if pxy.shape[-1] > 1:
      if average == "median":
        bias = _median_bias(pxy.shape[-1]).astype(pxy.dtype)
        if jnp.iscomplexobj(pxy):
          pxy = jnp.median(jnp.real(pxy), axis=-1) + 1j * jnp.median(jnp.imag(pxy), axis=-1)
        else:
          pxy = jnp.median(pxy, axis=-1)
        pxy = pxy / bias
      elif average == "mean":
        pxy = pxy.mean(axis=-1)
      else:
        raise ValueError(f'average must be "median" or "mean", got {average}')
    else:
      pxy = jnp.reshape(pxy, pxy.shape[:-1])
  return freqs, pxy


def welch(x, fs=1.0, window="hann", nperseg: int | None = None, noverlap: int | None = None,
          nfft: int | None = None, detrend="constant", return_onesided: bool = True,
          scaling: str = "density", axis: int = -1, average: str = "mean"):
  """Power spectral density by Welch's method (SciPy's `signal.welch`): ``(f, Pxx)``.

      >>> f, p = welch(jnp.sin(jnp.arange(64.)), nperseg=16)
      >>> f.shape, p.shape
      ((9,), (9,))
  """
  freqs, pxx = csd(x, None, fs=fs, window=window, nperseg=nperseg, noverlap=noverlap,
                   nfft=nfft, detrend=detrend, return_onesided=return_onesided,
                   scaling=scaling, axis=axis, average=average)
  return freqs, pxx.real


def _greater(x, c):
  """x > c, ordering complex numbers lexicographically (real part first), as jnp.greater
  does in JAX."""
  if jnp.iscomplexobj(x):
    re, im = jnp.real(x), jnp.imag(x)
    return (re > c) | ((re == c) & (im > 0))
  return x > c


def _overlap_and_add(frames, step: int):
  """(..., nframes, frame_len) -> (..., step * (nframes - 1) + frame_len): frame k added in at
  offset k * step."""
  check_arraylike("_overlap_and_add", frames)
  step = _static_int(step, "step_size for overlap_and_add")
  frames = jnp.asarray(frames)
  if frames.ndim < 2:
    raise ValueError("Input must have (..., frames, frame_length) shape.")
  *batch, nframes, flen = frames.shape
  out_len = step * (nframes - 1) + flen
  nchunks = -(-flen // step)
  # Cut each frame into nchunks chunks of `step` samples; chunk c of frame k lands in output
  # block k + c, so shifting chunk column c down by c frames and summing gives every block.
  frames = frames.reshape((math.prod(batch), nframes, flen))
  frames = jnp.pad(frames, ((0, 0), (0, 0), (0, nchunks * step - flen)))
  chunks = frames.reshape((frames.shape[0], nframes, nchunks, step))
  blocks = sum(jnp.pad(chunks[:, :, c, :], ((0, 0), (c, nchunks - 1 - c), (0, 0)))
               for c in range(nchunks))
  out = blocks.reshape((frames.shape[0], -1))[:, :out_len]
  return out.reshape(tuple(batch) + (out_len,))


def istft(Zxx, fs=1.0, window="hann", nperseg: int | None = None, noverlap: int | None = None,
          nfft: int | None = None, input_onesided: bool = True, boundary: bool = True,
          time_axis: int = -1, freq_axis: int = -2):
  """Inverse short-time Fourier transform (SciPy's `signal.istft`): ``(t, x)``.

      >>> x = jnp.array([1., 2., 3., 2., 1., 0., 1., 2.])
      >>> istft(stft(x, nperseg=4)[2])[1].round(4)
      Array([1., 2., 3., 2., 1., 0., 1., 2.], dtype=float32)
  """
  check_arraylike("istft", Zxx)
  Zxx = jnp.asarray(Zxx)
  if Zxx.ndim < 2:
    raise ValueError("Input stft must be at least 2d!")
  freq_axis = canonicalize_axis(freq_axis, Zxx.ndim)
  time_axis = canonicalize_axis(time_axis, Zxx.ndim)
  if freq_axis == time_axis:
    raise ValueError("Must specify differing time and frequency axes!")
  Zxx = jnp.asarray(Zxx, dtype=_to_complex_dtype(Zxx.dtype))
  n_default = 2 * (Zxx.shape[freq_axis] - 1) if input_onesided else Zxx.shape[freq_axis]
  nperseg_int = _static_int(nperseg or n_default, "nperseg: segment length of STFT")
  if nperseg_int < 1:
    raise ValueError("nperseg must be a positive integer")
  if nfft is None:
    nfft_int = n_default
    if input_onesided and nperseg_int == n_default + 1:
      nfft_int += 1  # odd nperseg, no FFT padding
  else:
    nfft_int = _static_int(nfft, "nfft of STFT")
  if nfft_int < nperseg_int:
    raise ValueError(f"FFT length ({nfft_int}) must be longer than nperseg ({nperseg_int}).")
  noverlap_int = _static_int(noverlap or nperseg_int // 2, "noverlap of STFT")
  if noverlap_int >= nperseg_int:
    raise ValueError("noverlap must be less than nperseg.")
  nstep = nperseg_int - noverlap_int

  if time_axis != Zxx.ndim - 1 or freq_axis != Zxx.ndim - 2:
    outer = tuple(i for i in range(Zxx.ndim) if i not in (time_axis, freq_axis))
    Zxx = jnp.transpose(Zxx, outer + (freq_axis, time_axis))
  # (JAX passes the user's nfft, not the resolved length, to the inverse FFT.)
  ifunc = jnp_fft.irfft if input_onesided else jnp_fft.ifft
  xsubs = ifunc(Zxx, axis=-2, n=nfft)[..., :nperseg_int, :]  # (..., frame_len, nframes)

  if isinstance(window, (str, tuple)):
    win = _named_window(window, nperseg_int, xsubs.dtype)
  else:
    win = jnp.asarray(window)
    if len(win.shape) != 1:
      raise ValueError("window must be 1-D")
    if win.shape[0] != nperseg_int:
      raise ValueError(f"window must have length of {nperseg_int}")
  xsubs = xsubs * win.sum()  # undo the 'spectrum' scaling of stft
  win = lax.expand_dims(win, (*range(xsubs.ndim - 2), -1))
  x = _overlap_and_add((xsubs * win).swapaxes(-2, -1), nstep)
  win_sq = jnp.repeat(win * win, xsubs.shape[-1], axis=-1)
  norm = _overlap_and_add(win_sq.swapaxes(-2, -1), nstep)
  if boundary:
    half = nperseg_int // 2
    x = x[..., half:-half]
    norm = norm[..., half:-half]
  x = x / jnp.where(_greater(norm, 1e-10), norm, 1.0)

  if x.ndim > 1 and time_axis != Zxx.ndim - 1:
    if freq_axis < time_axis:
      time_axis -= 1
    x = jnp.moveaxis(x, -1, time_axis)
  time = jnp.arange(x.shape[0], dtype=np.finfo(x.dtype).dtype) / fs
  return time, x
