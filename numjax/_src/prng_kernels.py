"""Bit-exact pure-NumPy reimplementation of JAX's default PRNG (threefry2x32).

Everything here operates on *raw key data*: ``uint32`` arrays whose last axis
has length 2 (two 32-bit words), exactly what ``jax.random.key_data`` returns.
All functions are vectorised over any number of leading key dimensions: a key
array of shape ``(*batch, 2)`` produces results of shape ``(*batch, ...)``,
which is what ``jax.vmap`` over the keys would give.

Two generations of the key-derivation / bit-generation algorithms exist in
JAX, selected by the ``jax_threefry_partitionable`` flag; every function that
depends on it takes ``partitionable: bool`` (default ``True``, JAX 0.10.2's
default).  ``fold_in`` and ``seed`` are the same under both settings.

The samplers at the bottom (``uniform``, ``normal``, ``randint``,
``bernoulli``) reproduce the arithmetic ``jax.random`` performs on those bits
(``normal`` via the same Giles ``erfinv`` polynomials XLA evaluates, including
its fused multiply-adds, so results are bit-identical to XLA on x86-64 CPUs).
They take an explicit, already-canonical dtype: with x64 disabled the caller
must map float64 -> float32 and int64 -> int32 itself.
"""

from __future__ import annotations

import math
import operator

import numpy as np

__all__ = [
    "threefry2x32",
    "threefry_2x32_hash",
    "threefry_seed",
    "threefry_split",
    "threefry_fold_in",
    "threefry_random_bits",
    "iota_2x32_shape",
    "erfinv",
    "uniform",
    "normal",
    "randint",
    "bernoulli",
]

_U32 = np.uint32
_UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16),
                32: np.dtype(np.uint32), 64: np.dtype(np.uint64)}


def _canon_shape(shape) -> tuple[int, ...]:
  if isinstance(shape, (int, np.integer)):
    return (operator.index(shape),)
  return tuple(operator.index(d) for d in shape)


def _check_keys(keys) -> np.ndarray:
  keys = np.asarray(keys)
  if keys.dtype != np.uint32 or keys.ndim < 1 or keys.shape[-1] != 2:
    raise TypeError(
        f"expected raw threefry key data of dtype uint32 and shape (..., 2), "
        f"got {keys.dtype}{list(keys.shape)}")
  return keys


# ---------------------------------------------------------------------------
# The block cipher.
# ---------------------------------------------------------------------------

# Rotation schedule of Threefry-2x32 (Salmon et al. 2011); the two groups of
# four alternate between the five 4-round blocks.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KS_PARITY = 0x1BD11BDA


def _rotl(v: np.ndarray, r: int) -> np.ndarray:
  return (v << _U32(r)) | (v >> _U32(32 - r))


def threefry2x32(k1, k2, x1, x2):
  """Threefry-2x32, 20 rounds: the semantics of JAX's ``threefry2x32_p``.

  All four operands are (converted to) ``uint32`` and broadcast against each
  other; returns the pair ``(y1, y2)`` of the broadcast shape.
  """
  k1, k2, x1, x2 = (np.asarray(a, dtype=_U32) for a in (k1, k2, x1, x2))
  shape = np.broadcast_shapes(k1.shape, k2.shape, x1.shape, x2.shape)
  # Work on 1-d arrays: NumPy *scalar* arithmetic warns on uint32 wraparound,
  # array arithmetic wraps silently, which is what we want.
  k1, k2, x1, x2 = (np.broadcast_to(a, shape).reshape(-1)
                    for a in (k1, k2, x1, x2))
  ks = (k1, k2, k1 ^ k2 ^ _U32(_KS_PARITY))
  a = x1 + ks[0]
  b = x2 + ks[1]
  for block in range(5):
    for r in _ROTATIONS[block % 2]:
      a = a + b
      b = _rotl(b, r) ^ a
    # key injection after every 4 rounds; the subkey index rotates through
    # (k1, k2, k1^k2^C) and the injection counter is added to the 2nd word.
    a = a + ks[(block + 1) % 3]
    b = b + ks[(block + 2) % 3] + _U32(block + 1)
  return a.reshape(shape), b.reshape(shape)


def threefry_2x32_hash(keys, counts) -> np.ndarray:
  """JAX's ``threefry_2x32(keypair, count)``: hash a flat counter array.

  The flattened counts are padded with one zero if their length is odd,
  split into a first and second half which are fed to the cipher as
  ``(x1, x2)``, and the two outputs are concatenated (and the pad dropped).
  ``keys`` has shape ``(*batch, 2)``; returns ``(*batch, *counts.shape)``.
  """
  keys = _check_keys(keys)
  counts = np.asarray(counts, dtype=_U32)
  flat = counts.reshape(-1)
  n = flat.shape[0]
  if n % 2:
    flat = np.concatenate([flat, np.zeros(1, _U32)])
  half = flat.shape[0] // 2
  y1, y2 = threefry2x32(keys[..., 0:1], keys[..., 1:2], flat[:half],
                        flat[half:])
  out = np.concatenate([y1, y2], axis=-1)[..., :n]
  return out.reshape(keys.shape[:-1] + counts.shape)


def iota_2x32_shape(shape) -> tuple[np.ndarray, np.ndarray]:
  """(hi, lo) uint32 words of a row-major uint64 iota of the given shape."""
  shape = _canon_shape(shape)
  idx = np.arange(math.prod(shape), dtype=np.uint64).reshape(shape)
  return ((idx >> np.uint64(32)).astype(_U32),
          (idx & np.uint64(0xFFFFFFFF)).astype(_U32))


# ---------------------------------------------------------------------------
# Key operations.
# ---------------------------------------------------------------------------

def threefry_seed(seed, *, x64: bool = False) -> np.ndarray:
  """Raw key data of ``jax.random.key(seed)`` / ``jax.random.PRNGKey(seed)``.

  The key is ``[seed >> 32, seed & 0xFFFFFFFF]`` where ``seed`` has the
  integer dtype JAX gives it: Python ints go through ``np.int64`` (so values
  outside ``[-2**63, 2**63)`` raise ``OverflowError``) and then, with x64
  disabled (the default), are canonicalised to ``int32`` by wrapping, so the
  high word is always 0 and only the low 32 bits of the seed matter (e.g.
  ``-1 -> [0, 0xFFFFFFFF]``, ``2**32 + 7 -> [0, 7]``).  With ``x64=True``
  64-bit seeds keep their high word (``-1 -> [0xFFFFFFFF, 0xFFFFFFFF]``).
  Narrower integer seeds are sign-/zero-extended into the low word.
  Array seeds are accepted and give keys of shape ``(*seed.shape, 2)``.
  """
  if isinstance(seed, (bool, np.bool_)):
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  if isinstance(seed, int):
    seed = np.int64(seed)  # OverflowError outside the int64 range, as in JAX
  a = np.asarray(seed)
  if a.dtype.kind not in "iu":
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  if not x64 and a.dtype.itemsize == 8:
    a = a.astype(np.int32 if a.dtype.kind == "i" else np.uint32)
  if a.dtype.itemsize == 8:
    u = a.astype(np.uint64)  # two's-complement reinterpretation
    hi = (u >> np.uint64(32)).astype(_U32)
    lo = (u & np.uint64(0xFFFFFFFF)).astype(_U32)
  else:
    hi = np.zeros(a.shape, _U32)
    lo = a.astype(_U32)  # sign-extends narrow signed types
  return np.stack([hi, lo], axis=-1)


def threefry_split(keys, shape=2, *, partitionable: bool = True) -> np.ndarray:
  """``jax.random.split``: keys ``(*batch, 2)`` -> ``(*batch, *shape, 2)``.

  partitionable=True: new key ``i`` (row-major index into ``shape``) is the
  cipher output pair for counter ``(hi(i), lo(i))``, i.e. a 64-bit counter.
  partitionable=False: hash ``iota(2 * n)``; the ``2n`` outputs are reshaped
  to ``(*shape, 2)``, so key ``i`` is ``(out[2i], out[2i+1])`` and each key
  mixes outputs of two different cipher calls.
  """
  keys = _check_keys(keys)
  shape = _canon_shape(shape)
  batch = keys.shape[:-1]
  if partitionable:
    hi, lo = iota_2x32_shape(shape)
    expand = (Ellipsis,) + (None,) * len(shape)
    y1, y2 = threefry2x32(keys[..., 0][expand], keys[..., 1][expand], hi, lo)
    return np.stack([y1, y2], axis=-1)
  n = math.prod(shape)
  out = threefry_2x32_hash(keys, np.arange(2 * n, dtype=_U32))
  return out.reshape(batch + shape + (2,))


def threefry_fold_in(keys, data, *, partitionable: bool = True) -> np.ndarray:
  """``jax.random.fold_in``: identical for both settings of the flag.

  ``data`` is converted like ``jnp.asarray(data, dtype='uint32')`` (Python
  ints must lie in ``[0, 2**32)``) and used as the counter pair
  ``(0, data)``: the new key is the cipher output for that pair.  ``data``
  may be an array broadcasting against the key batch shape.
  """
  del partitionable  # fold_in has a single algorithm
  keys = _check_keys(keys)
  data = np.asarray(data, dtype=_U32)
  y1, y2 = threefry2x32(keys[..., 0], keys[..., 1], np.zeros_like(data), data)
  return np.stack([y1, y2], axis=-1)


def threefry_random_bits(keys, bit_width: int, shape, *,
                         partitionable: bool = True) -> np.ndarray:
  """``jax.random.bits``: uint{bit_width} array of shape ``(*batch, *shape)``.

  partitionable=True: element ``i`` comes from the cipher applied to the
  64-bit counter ``i`` -> ``(y1, y2)``; 64-bit values are ``y1 << 32 | y2``,
  narrower ones are ``y1 ^ y2`` truncated to the low bits.  One cipher call
  per element whatever the width.
  partitionable=False: hash ``iota(ceil(bit_width * size / 32))`` into a
  stream of 32-bit words (see ``threefry_2x32_hash``).  For 64 bits, the first
  half of the stream gives the high words and the second half the low words;
  for 8/16 bits each word is cut into 4/2 little-endian pieces (low bits
  first) and the stream is truncated to ``size``.
  """
  keys = _check_keys(keys)
  shape = _canon_shape(shape)
  if bit_width not in _UINT_DTYPES:
    raise TypeError("requires 8-, 16-, 32- or 64-bit field width.")
  dtype = _UINT_DTYPES[bit_width]
  batch = keys.shape[:-1]

  if partitionable:
    hi, lo = iota_2x32_shape(shape)
    expand = (Ellipsis,) + (None,) * len(shape)
    y1, y2 = threefry2x32(keys[..., 0][expand], keys[..., 1][expand], hi, lo)
    if bit_width == 64:
      return (y1.astype(np.uint64) << np.uint64(32)) | y2.astype(np.uint64)
    return (y1 ^ y2).astype(dtype)  # truncation to the low bits

  size = math.prod(shape)
  max_count = -(-bit_width * size // 32)
  if max_count >= np.iinfo(np.uint32).max:
    # JAX switches to hashing with split subkeys in this regime; an array this
    # large would not fit in memory here anyway.
    raise NotImplementedError("random bits array with >= 2**32 - 1 words")
  words = threefry_2x32_hash(keys, np.arange(max_count, dtype=_U32))
  if bit_width == 64:
    hi_w, lo_w = words[..., :size], words[..., size:]
    bits = (hi_w.astype(np.uint64) << np.uint64(32)) | lo_w.astype(np.uint64)
  elif bit_width == 32:
    bits = words
  else:
    per_word = 32 // bit_width
    shifts = (np.arange(per_word, dtype=_U32) * _U32(bit_width))
    pieces = (words[..., :, None] >> shifts) & _U32((1 << bit_width) - 1)
    bits = pieces.reshape(batch + (max_count * per_word,))[..., :size]
    bits = bits.astype(dtype)
  return bits.reshape(batch + shape)


# ---------------------------------------------------------------------------
# erfinv, as XLA's CPU backend evaluates it.
#
# XLA expands ``erf_inv`` into Giles' polynomials ("Approximating the erfinv
# function", GPU Computing Gems, 2012):  w = -log1p(-x*x), then a Horner
# polynomial in (w - 2.5) if w < 5 else in (sqrt(w) - 3) for float32 (three
# pieces for float64), times x; |x| == 1 gives x * inf.
#
# To be bit-exact we also mimic how the CPU backend evaluates the pieces:
# LLVM contracts every single-use ``a * b + c`` into a fused multiply-add (on
# FMA hardware; emulated here by ``_fma32`` / ``_fma64``), ``log1p`` is XLA's
# own expansion (Cephes rational function for |x| < sqrt(2) - 1, else
# log(1 + x)), ``log`` is XLA's inlined Cephes-style polynomial for float32
# and libm's ``log`` for float64, and denormals are flushed to zero.
# float16 is computed in float32 and rounded, as XLA does.
# ---------------------------------------------------------------------------

_F32 = np.float32

_ERFINV_F32_CENTRAL = (  # in (w - 2.5), highest degree first
    2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
    0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_ERFINV_F32_TAIL = (  # in (sqrt(w) - 3)
    -0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844,
    0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)

_ERFINV_F64_CENTRAL = (  # w < 6.25, in (w - 3.125)
    -3.6444120640178196996e-21, -1.685059138182016589e-19,
    1.2858480715256400167e-18, 1.115787767802518096e-17,
    -1.333171662854620906e-16, 2.0972767875968561637e-17,
    6.6376381343583238325e-15, -4.0545662729752068639e-14,
    -8.1519341976054721522e-14, 2.6335093153082322977e-12,
    -1.2975133253453532498e-11, -5.4154120542946279317e-11,
    1.051212273321532285e-09, -4.1126339803469836976e-09,
    -2.9070369957882005086e-08, 4.2347877827932403518e-07,
    -1.3654692000834678645e-06, -1.3882523362786468719e-05,
    0.0001867342080340571352, -0.00074070253416626697512,
    -0.0060336708714301490533, 0.24015818242558961693,
    1.6536545626831027356)
_ERFINV_F64_MID = (  # 6.25 <= w < 16, in (sqrt(w) - 3.25)
    2.2137376921775787049e-09, 9.0756561938885390979e-08,
    -2.7517406297064545428e-07, 1.8239629214389227755e-08,
    1.5027403968909827627e-06, -4.013867526981545969e-06,
    2.9234449089955446044e-06, 1.2475304481671778723e-05,
    -4.7318229009055733981e-05, 6.8284851459573175448e-05,
    2.4031110387097893999e-05, -0.0003550375203628474796,
    0.00095328937973738049703, -0.0016882755560235047313,
    0.0024914420961078508066, -0.0037512085075692412107,
    0.005370914553590063617, 1.0052589676941592334,
    3.0838856104922207635)
_ERFINV_F64_TAIL = (  # w >= 16, in (sqrt(w) - 5)
    -2.7109920616438573243e-11, -2.5556418169965252055e-10,
    1.5076572693500548083e-09, -3.7894654401267369937e-09,
    7.6157012080783393804e-09, -1.4960026627149240478e-08,
    2.9147953450901080826e-08, -6.7711997758452339498e-08,
    2.2900482228026654717e-07, -9.9298272942317002539e-07,
    4.5260625972231537039e-06, -1.9681778105531670567e-05,
    7.5995277030017761139e-05, -0.00021503011930044477347,
    -0.00013871931833623122026, 1.0103004648645343977,
    4.8499064014085844221)

# XLA's log1p(x) for |x| < sqrt(2) - 1:  x - x^2/2 + x^3 * P(x) / Q(x).
_LOG1P_NUM = (4.5270000862445199635215E-5, 4.9854102823193375972212E-1,
              6.5787325942061044846969E0, 2.9911919328553073277375E1,
              6.0949667980987787057556E1, 5.7112963590585538103336E1,
              2.0039553499201281259648E1)
_LOG1P_DEN = (1., 1.5062909083469192043167E1, 8.3047565967967209469434E1,
              2.2176239823732856465394E2, 3.0909872225312059774938E2,
              2.1642788614495947685003E2, 6.0118660497603843919306E1)

# XLA's float32 log: Cephes logf coefficients.
_LOG_P = (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
          -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
          2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)
_LOG_Q1, _LOG_Q2 = -2.12194440e-4, 0.693359375


_TINY32 = float(np.finfo(np.float32).tiny)


def _double_rounding_risk(s: np.ndarray) -> np.ndarray:
  """Where rounding float64 `s` to float32 may differ from rounding the exact value it stands
  for: only where s lands exactly on a float32 tie (a midpoint has 25 significant bits, so it
  is a float64 number and the float64 rounding cannot cross it) or where float32 spacing is
  not the normal one (subnormals)."""
  low = s.view(np.uint64) & np.uint64(0x1FFFFFFF)
  return (low == np.uint64(0x10000000)) | (np.abs(s) < _TINY32)


def _fma32(a, b, c):
  """Correctly rounded float32 fused multiply-add ``a * b + c``."""
  a, b, c = (np.asarray(v, _F32).astype(np.float64) for v in (a, b, c))
  p = a * b                                 # exact: 48 significant bits
  s = np.asarray(p + c)
  odd = _double_rounding_risk(s)
  if odd.any():
    p, c, so = np.broadcast_to(p, s.shape)[odd], np.broadcast_to(c, s.shape)[odd], s[odd]
    bv = so - p                             # TwoSum: so + err == p + c exactly
    err = (p - (so - bv)) + (c - bv)
    # nudge an inexact sum one float64 ulp towards the exact value: no tie is left to break
    s = s.copy()
    s[odd] = np.where(err != 0, np.nextafter(so, so + err), so)
  return s.astype(_F32)


def _fma64(a, b, c):
  """float64 fused multiply-add via error-free transformations (Dekker's
  TwoProduct + TwoSum); correctly rounded except in vanishingly rare
  double-rounding cases.  Finite, non-huge operands only."""
  a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
  split = 134217729.0                       # 2**27 + 1 (Veltkamp)
  ta, tb = split * a, split * b
  ah, bh = ta - (ta - a), tb - (tb - b)
  al, bl = a - ah, b - bh
  p = a * b
  pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl   # a*b == p + pe
  s = p + c
  bv = s - p
  se = (p - (s - bv)) + (c - bv)                        # p+c == s + se
  return s + (pe + se)


def _fma(a, b, c, dtype):
  return _fma32(a, b, c) if dtype == np.float32 else _fma64(a, b, c)


def _fma_any(a, b, c, dtype):
  """``a * b + c`` the way XLA-CPU computes it: fused for float32/float64,
  two separately rounded operations for float16."""
  a, b, c = np.broadcast_arrays(*(np.asarray(v, dtype) for v in (a, b, c)))
  if dtype == np.float16:
    return a * b + c
  return _fma(a, b, c, dtype).reshape(a.shape)


def _horner(coeffs, z, dtype):
  """Horner evaluation with a fused multiply-add per step; ``coeffs`` is a
  sequence of scalars or of per-element coefficient arrays."""
  if dtype == np.float32:
    return _horner32(coeffs, z)
  p = np.broadcast_to(np.asarray(coeffs[0], dtype), z.shape)
  for c in coeffs[1:]:
    p = _fma(p, z, c, dtype)
  return p


def _horner32(coeffs, z):
  """float32 Horner with a correctly rounded FMA per step, vectorised: every step runs in
  float64 (the product of two float32 values is exact) and rounds to float32. Elements where
  some step's float64 sum could round differently from a true FMA (see `_fma32`) are rare;
  they are recomputed afterwards, step by step, with `_fma32`."""
  z = np.asarray(z, _F32)
  z64 = z.astype(np.float64)
  cs = [np.asarray(c, _F32).astype(np.float64) for c in coeffs]
  p = np.broadcast_to(cs[0], z.shape)
  suspect = np.zeros(z.shape, bool)
  for c in cs[1:]:
    s = p * z64
    s += c
    suspect |= _double_rounding_risk(s)
    p = s.astype(_F32).astype(np.float64)
  out = p.astype(_F32)
  if suspect.any():
    idx = np.nonzero(suspect)
    pick = lambda c: c[idx] if np.ndim(c) else c
    q = np.broadcast_to(np.asarray(coeffs[0], _F32), z.shape)[idx]
    for c in coeffs[1:]:
      q = _fma32(q, z[idx], pick(np.broadcast_to(np.asarray(c, _F32), z.shape)))
    out[idx] = q
  return out


def _log_f32(v):
  """XLA CPU's float32 natural log (Cephes polynomial with FMAs); v > 0."""
  v = np.maximum(v, np.finfo(_F32).tiny)
  bits = v.view(np.uint32)
  e = ((bits >> np.uint32(23)).astype(np.int32) - 126).astype(_F32)
  m = ((bits & np.uint32(0x807FFFFF)) | np.uint32(0x3F000000)).view(_F32)
  small = m < _F32(0.707106781186547524)      # move m to [sqrt(.5), sqrt(2))
  xm = (m - _F32(1)) + np.where(small, m, _F32(0))
  e = e - small.astype(_F32)
  x2 = xm * xm
  x3 = x2 * xm
  y = _fma32(_fma32(_LOG_P[0], xm, _LOG_P[1]), xm, _LOG_P[2])
  y1 = _fma32(_fma32(_LOG_P[3], xm, _LOG_P[4]), xm, _LOG_P[5])
  y2 = _fma32(_fma32(_LOG_P[6], xm, _LOG_P[7]), xm, _LOG_P[8])
  y = _fma32(y, x3, y1)
  y = _fma32(y, x3, y2)
  y = _fma32(y, x3, e * _F32(_LOG_Q1))
  r = _fma32(_F32(-0.5), x2, xm) + y
  return _fma32(e, _LOG_Q2, r)


def _libm_log(v):
  """float64 log through the C library: XLA calls libm, and NumPy's own SIMD
  log differs from it in the last bit for ~0.3% of arguments.  (This is an
  element-wise call of ``math.log`` at C speed, ~0.1 us per element.)"""
  out = np.log(v)
  ok = np.isfinite(out)  # v > 0 and finite: only these go through math.log
  if ok.any():
    out[ok] = np.frompyfunc(math.log, 1, 1)(v[ok]).astype(np.float64)
  return out


def _log1p(x):
  """XLA CPU's log1p for float32/float64 arguments in (-1, 0]."""
  dtype = x.dtype.type
  x2 = x * x
  num = _horner(_LOG1P_NUM, x, x.dtype)
  den = _horner(_LOG1P_DEN, x, x.dtype)
  small = _fma(dtype(-0.5), x2, (x * x2) * (num / den), x.dtype) + x
  is_small = np.abs(x) < dtype(0.41421356237309504880)
  one_plus = x + dtype(1)
  if x.dtype == np.float32:
    safe = np.where(one_plus > 0, one_plus, dtype(1))
    large = np.where(one_plus > 0, _log_f32(safe), np.log(one_plus))
  else:
    large = np.zeros_like(x)  # only evaluate libm's log where it is used
    large[~is_small] = _libm_log(one_plus[~is_small])
  return np.where(is_small, small, large)


def _erfinv(x):
  dtype = x.dtype
  f = dtype.type
  x = _ftz(x)
  with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    w = -_log1p(x * -x)
    sw = np.sqrt(w)
    if dtype == np.float32:
      central = w < f(5)
      z = np.where(central, w - f(2.5), sw - f(3))
      coeffs = [np.where(central, f(a), f(b))
                for a, b in zip(_ERFINV_F32_CENTRAL, _ERFINV_F32_TAIL)]
      p = _horner(coeffs, z, dtype)
    else:
      central, mid = w < 6.25, w < 16.0
      z = np.where(central, w - 3.125, sw - np.where(mid, 3.25, 5.0))
      p = np.where(central, _horner(_ERFINV_F64_CENTRAL, z, dtype),
                   np.where(mid, _horner(_ERFINV_F64_MID, z, dtype),
                            _horner(_ERFINV_F64_TAIL, z, dtype)))
    return np.where(np.abs(x) == 1, x * f(np.inf), _ftz(p * x))


def _ftz(x):
  """XLA runs CPU kernels with denormals flushed to (signed) zero."""
  return np.where(np.abs(x) < np.finfo(x.dtype).tiny,
                  np.copysign(x.dtype.type(0), x), x)


def erfinv(x) -> np.ndarray:
  """Inverse error function as XLA computes it on (x86-64, FMA) CPUs.

  Bit-identical to ``jax.lax.erf_inv`` for float32 and float64 (checked on
  tens of millions of float32 inputs); float16 is evaluated in float32 and
  rounded, as XLA does.
  """
  x = np.asarray(x)
  if x.dtype == np.float16:
    return erfinv(x.astype(np.float32)).astype(np.float16)
  if x.dtype not in (np.float32, np.float64):
    raise TypeError(f"erfinv: float16/32/64 only, got {x.dtype}")
  return _erfinv(np.atleast_1d(x)).reshape(x.shape)


# ---------------------------------------------------------------------------
# Samplers (references for jax.random.{uniform, normal, randint, bernoulli}).
# ---------------------------------------------------------------------------

def _float_dtype(dtype) -> np.dtype:
  dtype = np.dtype(dtype)
  if dtype not in (np.float16, np.float32, np.float64):
    raise TypeError(f"expected float16/float32/float64, got {dtype}")
  return dtype


def uniform(keys, shape=(), dtype=np.float32, minval=0.0, maxval=1.0, *,
            partitionable: bool = True) -> np.ndarray:
  """``jax.random.uniform``: result shape ``(*batch, *shape)``.

  Draw ``nbits`` random bits, keep the top ``nmant`` as the mantissa of a
  float in [1, 2), subtract 1, then ``max(minval, f * (maxval - minval) +
  minval)``, all in ``dtype``.
  """
  keys = _check_keys(keys)
  shape = _canon_shape(shape)
  dtype = _float_dtype(dtype)
  finfo = np.finfo(dtype)
  nbits, nmant = finfo.bits, finfo.nmant
  udtype = _UINT_DTYPES[nbits]
  minval = np.asarray(minval).astype(dtype)
  maxval = np.asarray(maxval).astype(dtype)
  bits = threefry_random_bits(keys, nbits, shape, partitionable=partitionable)
  one_bits = np.array(1.0, dtype).view(udtype)
  float_bits = (bits >> udtype.type(nbits - nmant)) | one_bits
  floats = float_bits.view(dtype) - dtype.type(1)
  # XLA fuses the scale-and-shift into one multiply-add on CPU.
  scaled = _fma_any(floats, maxval - minval, minval, dtype)
  return np.maximum(minval, scaled)


def normal(keys, shape=(), dtype=np.float32, *,
           partitionable: bool = True) -> np.ndarray:
  """``jax.random.normal`` (real dtypes): ``sqrt(2) * erfinv(u)`` with ``u``
  uniform on ``[nextafter(-1, 0), 1)``."""
  dtype = _float_dtype(dtype)
  lo = np.nextafter(np.array(-1.0, dtype), np.array(0.0, dtype))
  u = uniform(keys, shape, dtype, lo, dtype.type(1), partitionable=partitionable)
  return dtype.type(np.sqrt(2)) * erfinv(u)


def _safe_rem(a, b):
  """XLA's unsigned remainder: ``a % 0 == a``."""
  a, b = np.broadcast_arrays(np.asarray(a), np.asarray(b))
  zero = b == 0
  return np.where(zero, a, a % np.where(zero, b.dtype.type(1), b))


def _convert_and_clip(val: np.ndarray, dtype: np.dtype) -> np.ndarray:
  """Convert an integer array to ``dtype``, clipping rather than wrapping."""
  src = np.iinfo(val.dtype)
  dst = np.iinfo(dtype)
  lo, hi = max(src.min, dst.min), min(src.max, dst.max)
  if lo > src.min or hi < src.max:
    val = np.clip(val, val.dtype.type(lo), val.dtype.type(hi))
  return val.astype(dtype)


def randint(keys, shape, minval, maxval, dtype=np.int32, *,
            partitionable: bool = True) -> np.ndarray:
  """``jax.random.randint``: result shape ``(*batch, *shape)``.

  Splits each key in two, draws ``nbits`` bits from each half (``higher``,
  ``lower``) and returns ``minval + (higher * 2**nbits + lower) mod span``
  computed with modular identities in the unsigned dtype.  Bounds are clipped
  into the dtype's range; ``maxval`` above the dtype max widens the span by 1.
  """
  keys = _check_keys(keys)
  shape = _canon_shape(shape)
  dtype = np.dtype(dtype)
  if dtype.kind not in "iu":
    raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
  if dtype.itemsize < 4:
    # JAX samples 8- and 16-bit integers as int32 (less modulo bias), with
    # the bounds clipped to the narrow range, then casts the result.
    info = np.iinfo(dtype)
    minval = np.clip(np.asarray(minval).astype(np.int32), info.min, info.max)
    maxval = np.clip(np.asarray(maxval).astype(np.int32), info.min,
                     info.max + 1)
    return randint(keys, shape, minval, maxval, np.int32,
                   partitionable=partitionable).astype(dtype)
  nbits = dtype.itemsize * 8
  udtype = _UINT_DTYPES[nbits]
  info = np.iinfo(dtype)

  minval = np.asarray(minval)
  maxval = np.asarray(maxval)
  if minval.dtype.kind not in "iu":
    minval = minval.astype(np.int64)
  if maxval.dtype.kind not in "iu":
    maxval = maxval.astype(np.int64)
  if np.iinfo(maxval.dtype).max > info.max:
    maxval_out_of_range = maxval > maxval.dtype.type(info.max)
  else:
    maxval_out_of_range = np.zeros(maxval.shape, bool)
  minval = _convert_and_clip(minval, dtype)
  maxval = _convert_and_clip(maxval, dtype)

  subkeys = threefry_split(keys, (2,), partitionable=partitionable)
  higher = threefry_random_bits(subkeys[..., 0, :], nbits, shape,
                                partitionable=partitionable)
  lower = threefry_random_bits(subkeys[..., 1, :], nbits, shape,
                               partitionable=partitionable)

  # All integer arithmetic below wraps around, as in XLA.
  with np.errstate(over="ignore"):
    span = np.asarray(maxval - minval).astype(udtype)
    # maxval <= minval: always return minval.
    span = np.where(maxval <= minval, udtype.type(1), span).astype(udtype)
    # maxval beyond the dtype: one more value (may wrap to 0 = full range,
    # where the remainders below become no-ops).
    span = np.where(maxval_out_of_range & (maxval > minval),
                    span + udtype.type(1), span).astype(udtype)
    # (higher * 2**nbits + lower) mod span, via multiplier = 2**nbits mod span
    # computed as (2**(nbits/2) mod span)**2 mod span -- in nbits-wide
    # unsigned arithmetic, overflow included, exactly like JAX.
    multiplier = _safe_rem(np.full_like(span, 1 << (nbits // 2)), span)
    multiplier = _safe_rem(multiplier * multiplier, span)
    offset = _safe_rem(higher, span) * multiplier + _safe_rem(lower, span)
    offset = _safe_rem(offset, span)
    return (minval + offset.astype(dtype)).astype(dtype)


def bernoulli(keys, p=0.5, shape=None, dtype=np.float32, *, mode="low",
              partitionable: bool = True) -> np.ndarray:
  """``jax.random.bernoulli``: boolean ``(*batch, *shape)``.

  ``p`` is cast to ``dtype`` (JAX: float32 unless ``p`` is a wider float);
  ``shape`` defaults to ``p.shape``.  mode='low': ``uniform < p``;
  mode='high': draws two uniforms ``u1, u2`` and tests
  ``u2 * 2**-nmant < p - u1`` for finer resolution.
  """
  keys = _check_keys(keys)
  dtype = _float_dtype(dtype)
  p = np.asarray(p).astype(dtype)
  shape = p.shape if shape is None else _canon_shape(shape)
  if mode == "high":
    u = uniform(keys, (2,) + shape, dtype, partitionable=partitionable)
    axis = keys.ndim - 1
    u1, u2 = np.take(u, 0, axis=axis), np.take(u, 1, axis=axis)
    u2 = u2 * dtype.type(2.0 ** -np.finfo(dtype).nmant)
    return u2 < p - u1
  if mode != "low":
    raise ValueError(f"bernoulli: mode must be 'low' or 'high', got {mode!r}")
  return uniform(keys, shape, dtype, partitionable=partitionable) < p
