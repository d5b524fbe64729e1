"""The `fft` primitive: FFT / IFFT / RFFT / IRFFT over the trailing `len(fft_lengths)` axes.

It is linear: the JVP applies the same transform to the tangent, and the transpose follows
JAX (the DFT matrix is symmetric, so FFT and IFFT transpose to themselves; RFFT and IRFFT
transpose to each other with a mask that accounts for the Hermitian redundancy).

    >>> fft(jnp.ones(8), FftType.RFFT, (8,))     # complex64[5]
"""
from __future__ import annotations

import enum
import math
from typing import Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src.array import Array
from numjax._src.core import ShapedArray
from numjax._src.interpreters import batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import deflinear, primitive


class FftType(enum.IntEnum):
  """Which FFT to perform (prints as its integer value, as in JAX's jaxprs)."""
  FFT = 0     # forward complex-to-complex
  IFFT = 1    # inverse complex-to-complex
  RFFT = 2    # forward real-to-complex
  IRFFT = 3   # inverse complex-to-real


def _str_to_fft_type(s: str) -> FftType:
  try:
    return {"fft": FftType.FFT, "ifft": FftType.IFFT, "rfft": FftType.RFFT,
            "irfft": FftType.IRFFT}[s.lower()]
  except KeyError:
    raise ValueError(f"Unknown FFT type '{s}'") from None


def _fft_impl(x, *, fft_type, fft_lengths):
  k = len(fft_lengths)
  if not all(fft_lengths) or not x.size:  # empty transforms (NumPy rejects them): empty output
    aval = _fft_aval(core.ShapedArray(x.shape, x.dtype), fft_type=fft_type,
                     fft_lengths=fft_lengths)
    return np.zeros(aval.shape, aval.dtype)
  if k == 1:  # the common case: NumPy's 1-D transforms are cheaper to call
    if fft_type == FftType.FFT:
      out, dtype = np.fft.fft(x), x.dtype
    elif fft_type == FftType.IFFT:
      out, dtype = np.fft.ifft(x), x.dtype
    elif fft_type == FftType.RFFT:
      out, dtype = np.fft.rfft(x), dtypes.complex_dtype_for(x.dtype)
    else:
      out, dtype = np.fft.irfft(x, fft_lengths[0]), dtypes.real_dtype(x.dtype)
    return out if out.dtype == dtype else out.astype(dtype)
  axes = tuple(range(x.ndim - k, x.ndim))
  if fft_type == FftType.FFT:
    out, dtype = np.fft.fftn(x, axes=axes), x.dtype
  elif fft_type == FftType.IFFT:
    out, dtype = np.fft.ifftn(x, axes=axes), x.dtype
  elif fft_type == FftType.RFFT:
    out, dtype = np.fft.rfftn(x, axes=axes), dtypes.complex_dtype_for(x.dtype)
  else:
    out, dtype = np.fft.irfftn(x, s=fft_lengths, axes=axes), dtypes.real_dtype(x.dtype)
  return np.asarray(out).astype(dtype, copy=False)


def _fft_aval(x, *, fft_type, fft_lengths):
  fft_lengths = tuple(fft_lengths)
  k = len(fft_lengths)
  if k > x.ndim:
    raise ValueError(f"FFT input shape {x.shape} must have at least as many input "
                     f"dimensions as fft_lengths {fft_lengths}.")
  if fft_type == FftType.RFFT:
    if x.dtype not in (np.float32, np.float64):
      raise ValueError(f"RFFT input must be float32 or float64, got {x.dtype}")
    if x.shape[x.ndim - k:] != fft_lengths:
      raise ValueError(f"RFFT input shape {x.shape} minor dimensions must be equal to "
                       f"fft_lengths {fft_lengths}")
    shape = x.shape[:x.ndim - k] + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
    dtype = dtypes.complex_dtype_for(x.dtype)
  elif fft_type == FftType.IRFFT:
    if x.dtype.kind != "c":
      raise ValueError(f"IRFFT input must be complex64 or complex128, got {x.dtype}")
    if x.shape[x.ndim - k:x.ndim - 1] != fft_lengths[:-1]:
      raise ValueError(f"IRFFT input shape {x.shape} minor dimensions must be equal to all "
                       f"except the last fft_length, got fft_lengths={fft_lengths}")
    shape = x.shape[:x.ndim - k] + fft_lengths
    dtype = dtypes.real_dtype(x.dtype)
  else:
    if x.dtype.kind != "c":
      raise ValueError(f"FFT input must be complex64 or complex128, got {x.dtype}")
    if x.shape[x.ndim - k:] != fft_lengths:
      raise ValueError(f"FFT input shape {x.shape} minor dimensions must be equal to "
                       f"fft_lengths {fft_lengths}")
    shape, dtype = x.shape, x.dtype
  return ShapedArray(shape, dtype, x.weak_type)


fft_p = primitive("fft", _fft_impl, _fft_aval)


def _hermitian_mask(n_last: int, m: int, dtype, ndim: int):
  """1 for the DC (and, for even lengths, Nyquist) bins, 2 for the others: (1, ..., m)."""
  mask = np.full((m,), 2, dtype)
  mask[0] = 1
  if n_last % 2 == 0:
    mask[m - 1] = 1
  return Array(mask.reshape((1,) * (ndim - 1) + (m,)), False)


def _rfft_transpose(t, fft_lengths):
  # irfft of the cotangent, with the doubled (Hermitian-redundant) bins halved.
  shape = core.get_aval(t).shape
  mask = _hermitian_mask(fft_lengths[-1], shape[-1], core.get_aval(t).dtype, len(shape))
  n = math.prod(fft_lengths)
  out = fft_p.bind(L.div(L.conj(t), mask), fft_type=FftType.IRFFT, fft_lengths=fft_lengths)
  return L.mul(L._const(out, n), out)


def _irfft_transpose(t, fft_lengths):
  # rfft of the cotangent, scaled, with the deduplicated bins counted twice; conjugated
  # for JAX's convention for complex cotangents.
  x = fft_p.bind(t, fft_type=FftType.RFFT, fft_lengths=fft_lengths)
  shape = core.get_aval(x).shape
  mask = _hermitian_mask(fft_lengths[-1], shape[-1], core.get_aval(x).dtype, len(shape))
  scale = L._const(x, 1 / math.prod(fft_lengths))
  return L.conj(L.mul(L.mul(scale, mask), x))


def _fft_transpose(ct, x, *, fft_type, fft_lengths):
  if type(ct) is Zero:
    return [Zero(x.aval)]
  if fft_type == FftType.RFFT:
    return [_rfft_transpose(ct, fft_lengths)]
  if fft_type == FftType.IRFFT:
    return [_irfft_transpose(ct, fft_lengths)]
  return [fft_p.bind(ct, fft_type=fft_type, fft_lengths=fft_lengths)]


deflinear(fft_p, _fft_transpose)
fft_p.batch = lambda vals, dims, **params: (
    fft_p.bind(batching.moveaxis(vals[0], dims[0], 0), **params), 0)


def fft(x, fft_type: FftType | str, fft_lengths: Sequence[int]):
  """`jax.lax.fft`: the transform `fft_type` over the trailing `len(fft_lengths)` axes.

  The operand is cast to complex (or, for RFFT, to an inexact real dtype) first. Like JAX's,
  it is jitted (`jit[name=fft ...]` in jaxprs)."""
  if isinstance(fft_type, str):
    typ = _str_to_fft_type(fft_type)
  elif isinstance(fft_type, (FftType, int)):
    typ = FftType(fft_type)
  else:
    raise TypeError(f"Unknown FFT type value '{fft_type}'")
  return _jitted_fft()(x, typ, tuple(int(n) for n in fft_lengths))


_jit_fft = None


def _jitted_fft():
  global _jit_fft
  if _jit_fft is None:
    from numjax._src.jit import jit  # jit imports lax: bind it on first use
    _fft.__name__ = _fft.__qualname__ = "fft"
    _jit_fft = jit(_fft, static_argnums=(1, 2))
  return _jit_fft


def _fft(x, typ: FftType, fft_lengths: tuple):
  """The body of `fft` (named so for jaxprs)."""
  x = L.asarray(x)
  dt = core.get_aval(x).dtype
  if typ == FftType.RFFT:
    if dt.kind == "c":
      raise ValueError("only real valued inputs supported for rfft")
    if dt.kind not in "f":
      dt = dtypes.default_float()
    x = L.convert_element_type(x, dt)
  else:
    if dt.kind != "c":
      dt = dtypes.complex_dtype_for(dt if dt.kind == "f" else dtypes.default_float())
    x = L.convert_element_type(x, dt)
  if not fft_lengths:
    return x
  return fft_p.bind(x, fft_type=typ, fft_lengths=fft_lengths)
