"""Convolutions: the `conv_general_dilated` primitive and its public wrappers.

    lax.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                             dimension_numbers, feature_group_count, batch_group_count)

is XLA's Conv: an N-d cross-correlation of `lhs` (batch, feature, spatial...) with `rhs`
(out feature, in feature, spatial...), the axes of each named by a `ConvDimensionNumbers`.
The NumPy impl dilates and pads the input once, takes strided sliding windows (a view), and
contracts them with the kernel in one batched matmul per call (feature/batch groups are a
matmul batch axis). The rules follow JAX's: the JVP is bilinear, the transposes are
convolutions again (the lhs one with the flipped kernel and `lhs_dilation = window_strides`),
and vmap folds the mapped axis into the batch or feature dimensions.
"""
from __future__ import annotations

import operator
from typing import Any, NamedTuple, Sequence, Union

import numpy as np

from numjax._src import core, dtypes
from numjax._src.core import ShapedArray
from numjax._src.interpreters import ad
from numjax._src.interpreters.ad import Zero, is_undefined_primal
from numjax._src.lax import lax as L
from numjax._src.lax.base import primitive

__all__ = ["ConvDimensionNumbers", "ConvGeneralDilatedDimensionNumbers", "conv",
           "conv_dimension_numbers", "conv_general_dilated", "conv_general_dilated_p",
           "conv_general_dilated_patches", "conv_general_permutations",
           "conv_general_shape_tuple", "conv_shape_tuple", "conv_transpose",
           "conv_transpose_shape_tuple", "conv_with_general_padding", "padtype_to_pads",
           "reduce_window_shape_tuple"]


class ConvDimensionNumbers(NamedTuple):
  """Batch, feature and spatial axes of a convolution's operands and output.

  lhs_spec: (batch dim, feature dim, spatial dims...) of the input.
  rhs_spec: (out feature dim, in feature dim, spatial dims...) of the kernel.
  out_spec: (batch dim, feature dim, spatial dims...) of the output.

  >>> conv_dimension_numbers((1, 5, 5, 3), (3, 3, 3, 8), ("NHWC", "HWIO", "NHWC"))
  ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), out_spec=(0, 3, 1, 2))
  """
  lhs_spec: Sequence[int]
  rhs_spec: Sequence[int]
  out_spec: Sequence[int]


ConvGeneralDilatedDimensionNumbers = Union[tuple, ConvDimensionNumbers, None]


# ----------------------------------------------------------------------------------------------
# Static helpers: padding, dimension numbers, shapes (Python ints only)
# ----------------------------------------------------------------------------------------------
def _dilate_dim(d: int, dilation: int) -> int:
  return d if dilation == 1 else max(0, 1 + dilation * (d - 1))


def _stride_dim(d: int, window: int, stride: int) -> int:
  return max(0, (d - window) // stride + 1)


def _dilate_shape(shape, dilation) -> tuple:
  if not all(d > 0 for d in dilation):
    raise TypeError(f"All dilations must be positive, got {tuple(dilation)}.")
  dilation = (1,) * (len(shape) - len(dilation)) + tuple(dilation)
  return tuple(map(_dilate_dim, shape, dilation))


def _take(shape, idx) -> tuple:
  return tuple(shape[i] for i in idx)


# Argument checks for the public functions: static arguments are Python ints, and a bad one
# raises here (naming the function and argument) rather than deep inside the arithmetic.
def _ints(xs, what: str) -> tuple:
  if isinstance(xs, (str, bytes)):
    raise TypeError(f"{what} must be a sequence of integers, got {xs!r}.")
  try:
    return tuple(operator.index(x) for x in xs)
  except TypeError:
    raise TypeError(f"{what} must be a sequence of integers, got {xs!r}.") from None


def _int(x, what: str) -> int:
  try:
    return operator.index(x)
  except TypeError:
    raise TypeError(f"{what} must be an integer, got {x!r}.") from None


def _positive(xs: tuple, what: str) -> tuple:
  if not all(x > 0 for x in xs):
    raise ValueError(f"{what} must be positive, got {xs}.")
  return xs


def _pad_pairs(padding, fn: str = "conv_general_dilated") -> tuple:
  try:
    if isinstance(padding, (str, bytes)):
      raise TypeError
    return tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
  except (ValueError, TypeError):
    raise ValueError(f"padding argument to {fn} should be a string or a sequence of (low, high) "
                     f"pairs, got {padding}") from None


def _lhs_rhs_shapes(lhs_shape, rhs_shape, fn: str) -> tuple:
  lhs_shape = _ints(lhs_shape, f"{fn} lhs_shape")
  rhs_shape = _ints(rhs_shape, f"{fn} rhs_shape")
  if len(lhs_shape) != len(rhs_shape) or len(lhs_shape) < 2:
    raise TypeError(f"{fn} requires lhs and rhs shapes of equal rank >= 2, got {lhs_shape} and "
                    f"{rhs_shape}.")
  return lhs_shape, rhs_shape


_PADDING_TYPES = ("VALID", "SAME", "SAME_LOWER")


def padtype_to_pads(in_shape, window_shape, window_strides, padding) -> list:
  """Explicit (low, high) pads per spatial dim for 'SAME', 'SAME_LOWER' or 'VALID' padding.

  >>> padtype_to_pads((5, 6), (3, 2), (2, 2), "SAME")
  [(1, 1), (0, 0)]
  """
  if isinstance(padding, str):
    if padding.upper() not in _PADDING_TYPES:
      raise RuntimeError("Unrecognized padding type: expected 'VALID', 'SAME', or "
                         f"'SAME_LOWER', got {padding}.")
    padding = padding.upper()
  else:
    padding = getattr(padding, "name", padding)  # a PaddingType-like enum
    if not isinstance(padding, str) or padding not in _PADDING_TYPES:
      raise TypeError(f"Unknown padding type: {padding}.")
  in_shape = _ints(in_shape, "padtype_to_pads in_shape")
  if padding == "VALID":
    return [(0, 0)] * len(in_shape)
  window_shape = _ints(window_shape, "padtype_to_pads window_shape")
  window_strides = _positive(_ints(window_strides, "padtype_to_pads window_strides"),
                             "padtype_to_pads window_strides")
  if not len(in_shape) == len(window_shape) == len(window_strides):
    raise ValueError(f"padtype_to_pads in_shape, window_shape and window_strides must have the "
                     f"same length, got {in_shape}, {window_shape} and {window_strides}.")
  pads = []
  for d, w, s in zip(in_shape, window_shape, window_strides):
    out = -(-d // s)
    total = max((out - 1) * s + w - d, 0)
    lo = total // 2 if padding == "SAME" else total - total // 2
    pads.append((lo, total - lo))
  return pads


def conv_general_permutations(dimension_numbers) -> tuple:
  """The (lhs, rhs, out) axis permutations named by three spec strings ('NCHW', ...).

  >>> conv_general_permutations(("NHWC", "HWIO", "NHWC"))
  ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
  """
  if (not isinstance(dimension_numbers, (list, tuple)) or len(dimension_numbers) != 3
      or not all(isinstance(e, str) for e in dimension_numbers)):
    raise TypeError("convolution dimension_numbers must be a tuple/list of three strings "
                    f"(lhs_spec, rhs_spec, out_spec), got {dimension_numbers!r}.")
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  charpairs = (("N", "C"), ("O", "I"), ("N", "C"))
  for i, (a, b) in enumerate(charpairs):
    spec = dimension_numbers[i]
    if not spec.count(a) == spec.count(b) == 1:
      raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters '{a}' "
                      f"and '{b}' exactly once, got {spec}.")
    if len(spec) != len(set(spec)):
      raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate characters, "
                      f"got {spec}.")
  if not (set(lhs_spec) - set(charpairs[0]) == set(rhs_spec) - set(charpairs[1])
          == set(out_spec) - set(charpairs[2])):
    raise TypeError("convolution dimension_numbers elements must each have the same set of "
                    f"spatial characters, got {tuple(dimension_numbers)}.")

  def getperm(spec, charpair):
    spatial = [i for i, c in enumerate(spec) if c not in charpair]
    if spec is not rhs_spec:
      spatial = sorted(spatial, key=lambda i: rhs_spec.index(spec[i]))
    return (spec.index(charpair[0]), spec.index(charpair[1])) + tuple(spatial)

  return tuple(getperm(s, c) for s, c in zip(dimension_numbers, charpairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
  """`dimension_numbers` (None, three spec strings or a ConvDimensionNumbers) in canonical form.

  >>> conv_dimension_numbers((2, 3, 8, 8), (4, 3, 3, 3), None)
  ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3), out_spec=(0, 1, 2, 3))
  """
  lhs_shape = _ints(lhs_shape, "conv_dimension_numbers lhs_shape")
  rhs_shape = _ints(rhs_shape, "conv_dimension_numbers rhs_shape")
  if isinstance(dimension_numbers, ConvDimensionNumbers):
    specs = [_ints(spec, f"ConvDimensionNumbers.{name}")
             for spec, name in zip(dimension_numbers, ConvDimensionNumbers._fields)]
    for spec, name in zip(specs, ConvDimensionNumbers._fields):
      if sorted(spec) != list(range(len(lhs_shape))):
        raise TypeError(f"ConvDimensionNumbers.{name} must be a permutation of the "
                        f"{len(lhs_shape)} dimensions of lhs shape {lhs_shape}, got {spec}.")
    return ConvDimensionNumbers(*specs)
  if len(lhs_shape) != len(rhs_shape):
    raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got {len(lhs_shape)} "
                    f"and {len(rhs_shape)}.")
  if dimension_numbers is None:
    iota = tuple(range(len(lhs_shape)))
    return ConvDimensionNumbers(iota, iota, iota)
  if isinstance(dimension_numbers, (list, tuple)):
    if len(dimension_numbers) != 3:
      raise TypeError(f"convolution dimension_numbers list/tuple must be length 3, got "
                      f"{len(dimension_numbers)}.")
    if not all(isinstance(e, str) for e in dimension_numbers):
      raise TypeError(f"convolution dimension_numbers elements must be strings, got "
                      f"{tuple(map(type, dimension_numbers))}.")
    for i, e in enumerate(dimension_numbers):
      if len(e) != len(lhs_shape):
        raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the ndim "
                        f"of lhs and rhs, got {len(e)} for lhs and rhs shapes "
                        f"{tuple(lhs_shape)} and {tuple(rhs_shape)}.")
    return ConvDimensionNumbers(*conv_general_permutations(tuple(dimension_numbers)))
  raise TypeError(f"convolution dimension_numbers must be tuple/list or None, got "
                  f"{type(dimension_numbers)}.")


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1) -> tuple:
  """The output shape of a conv, all shapes in canonical (N, C, spatial...) order.

  >>> conv_shape_tuple((2, 3, 8, 8), (4, 3, 3, 3), (2, 2), "SAME")
  (2, 4, 4, 4)
  """
  lhs_shape, rhs_shape = _lhs_rhs_shapes(lhs_shape, rhs_shape, "conv_shape_tuple")
  nsp = len(lhs_shape) - 2
  strides = _positive(_ints(strides, "conv_shape_tuple strides"), "conv_shape_tuple strides")
  if len(strides) != nsp:
    raise ValueError(f"conv_shape_tuple strides must have one entry per spatial dimension "
                     f"({nsp}), got {strides}.")
  batch_group_count = _int(batch_group_count, "conv_shape_tuple batch_group_count")
  if batch_group_count < 1 or lhs_shape[0] % batch_group_count:
    raise ValueError(f"conv_shape_tuple batch_group_count must be a positive divisor of the "
                     f"lhs batch size {lhs_shape[0]}, got {batch_group_count}.")
  if isinstance(pads, str):
    pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
  pads = _pad_pairs(pads, "conv_shape_tuple")
  if len(pads) != nsp:
    raise TypeError(f"Wrong number of explicit pads for convolution: expected {nsp}, got "
                    f"{len(pads)}.")
  padded = [d + lo + hi for d, (lo, hi) in zip(lhs_shape[2:], pads)]
  if any(p < 0 for p in padded):
    raise ValueError("Negative padding is larger than the size of the corresponding dimension: "
                     f"got padding={pads} for lhs_shape[2:]={lhs_shape[2:]}")
  space = tuple(map(_stride_dim, padded, rhs_shape[2:], strides))
  return (lhs_shape[0] // batch_group_count, rhs_shape[0]) + space


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers) -> tuple:
  """The output shape of a conv whose axes are named by three spec strings.

  >>> conv_general_shape_tuple((2, 8, 8, 3), (3, 3, 3, 4), (2, 2), "SAME",
  ...                          ("NHWC", "HWIO", "NHWC"))
  (2, 4, 4, 4)
  """
  lhs_shape, rhs_shape = _lhs_rhs_shapes(lhs_shape, rhs_shape, "conv_general_shape_tuple")
  lhs_perm, rhs_perm, out_perm = conv_dimension_numbers(lhs_shape, rhs_shape,
                                                        dimension_numbers)
  out = conv_shape_tuple(_take(lhs_shape, lhs_perm), _take(rhs_shape, rhs_perm),
                         window_strides, padding)
  return _take(out, np.argsort(out_perm))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers) -> tuple:
  """The output shape of `conv_transpose` (axes named by three spec strings).

  >>> conv_transpose_shape_tuple((1, 3, 2, 1), (3, 2, 1, 2), (2, 2), "SAME",
  ...                            ("NHWC", "HWIO", "NHWC"))
  (1, 6, 4, 2)
  """
  fn = "conv_transpose_shape_tuple"
  lhs_shape, rhs_shape = _lhs_rhs_shapes(lhs_shape, rhs_shape, fn)
  lhs_perm, rhs_perm, out_perm = conv_dimension_numbers(lhs_shape, rhs_shape,
                                                        dimension_numbers)
  lhs_t, rhs_t = _take(lhs_shape, lhs_perm), _take(rhs_shape, rhs_perm)
  nsp = len(lhs_t) - 2
  window_strides = _ints(window_strides, f"{fn} window_strides")
  if len(window_strides) != nsp:
    raise ValueError(f"{fn} window_strides must have one entry per spatial dimension ({nsp}), "
                     f"got {window_strides}.")
  if isinstance(padding, str):
    padding = [_conv_transpose_padding(k, s, padding) for k, s in zip(rhs_t[2:], window_strides)]
  padding = _pad_pairs(padding, fn)
  if len(padding) != nsp:
    raise TypeError(f"Wrong number of explicit pads for convolution: expected {nsp}, got "
                    f"{len(padding)}.")
  space = [(i - 1) * s - k + 2 + sum(p)
           for i, k, s, p in zip(lhs_t[2:], rhs_t[2:], window_strides, padding)]
  out = (lhs_t[0], rhs_t[0]) + tuple(space)
  return _take(out, np.argsort(out_perm))


# ----------------------------------------------------------------------------------------------
# Precision (kept as a param and printed like JAX's; NumPy has one precision)
# ----------------------------------------------------------------------------------------------
_Precision = L.Precision  # the public lax.Precision (image.py imports this name)


def _canonicalize_precision(precision):
  return L.canonicalize_precision(precision)


# ----------------------------------------------------------------------------------------------
# The primitive
# ----------------------------------------------------------------------------------------------
def _compute_dtype(dtype: np.dtype) -> np.dtype:
  """The dtype NumPy computes in: half precision accumulates in float32."""
  if dtype.kind == "f" and dtype.itemsize < 4:
    return np.dtype(np.float32)
  return dtype


def _dilate_and_pad(x, lhs_dilation, padding):
  """x (N, C, spatial...) with interior zeros (`lhs_dilation`) and (possibly negative) edge
  padding, in one allocation; x itself when both are trivial."""
  if all(d == 1 for d in lhs_dilation) and all(lo == 0 and hi == 0 for lo, hi in padding):
    return x
  out_shape, src, dst = list(x.shape[:2]), [slice(None)] * 2, [slice(None)] * 2
  for s, d, (lo, hi) in zip(x.shape[2:], lhs_dilation, padding):
    size = lo + _dilate_dim(s, d) + hi
    out_shape.append(size)
    # Element i of x lands at lo + i*d; keep those inside [0, size).
    first = 0 if lo >= 0 else -(lo // d)
    last = min(s, (size - 1 - lo) // d + 1) if size > 0 else 0
    if last <= first:
      src.append(slice(0, 0))
      dst.append(slice(0, 0))
    else:
      src.append(slice(first, last))
      start = lo + first * d
      dst.append(slice(start, start + (last - first - 1) * d + 1, d))
  out = np.zeros(out_shape, x.dtype)
  out[tuple(dst)] = x[tuple(src)]
  return out


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count, precision=None,
               preferred_element_type=None, out_sharding=None):
  lhs, rhs = np.asarray(lhs), np.asarray(rhs)
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  out_dtype = np.dtype(preferred_element_type) if preferred_element_type is not None \
      else lhs.dtype
  ct = _compute_dtype(out_dtype)
  x = np.transpose(lhs, lhs_spec).astype(ct, copy=False)   # (N, C, spatial...)
  w = np.transpose(rhs, rhs_spec).astype(ct, copy=False)   # (O, I, window...)
  nsp = x.ndim - 2
  G = feature_group_count * batch_group_count  # one of them is 1
  n_out = x.shape[0] // batch_group_count
  O, I = w.shape[:2]
  windows = tuple(_dilate_dim(k, d) for k, d in zip(w.shape[2:], rhs_dilation))
  x = _dilate_and_pad(x, lhs_dilation, padding)
  space = tuple(map(_stride_dim, x.shape[2:], windows, window_strides))
  canon_shape = (n_out, O) + space
  if x.size == 0 or w.size == 0 or 0 in canon_shape:
    out = np.zeros(canon_shape, out_dtype)
  else:
    # (N, C, P...) -> strided windows (N, C, space..., k...), a view until the reshape below.
    pw = np.lib.stride_tricks.sliding_window_view(x, windows, axis=tuple(range(2, 2 + nsp)))
    pw = pw[(slice(None),) * 2 + tuple(slice(None, None, s) for s in window_strides)
            + tuple(slice(None, None, d) for d in rhs_dilation)]
    # Split the group axis out of batch (batch groups) or features (feature groups).
    Cg = x.shape[1] // feature_group_count
    pw = pw.reshape((batch_group_count, n_out, feature_group_count, Cg) + pw.shape[2:])
    sp_axes = tuple(range(4, 4 + nsp))
    k_axes = tuple(range(4 + nsp, 4 + 2 * nsp))
    pw = pw.transpose((0, 2, 1) + sp_axes + (3,) + k_axes)
    ksize = int(np.prod(w.shape[2:], dtype=np.int64))
    m = n_out * int(np.prod(space, dtype=np.int64))
    patches = pw.reshape(G, m, Cg * ksize)                    # im2col: one copy
    kern = w.reshape(G, O // G, I * ksize).transpose(0, 2, 1)   # (G, I*k, O/G)
    res = np.matmul(patches, kern)                             # (G, m, O/G)
    res = res.reshape((G, n_out) + space + (O // G,))
    res = res.transpose((1, 0, 2 + nsp) + tuple(range(2, 2 + nsp)))  # (N, G, O/G, space...)
    out = res.reshape(canon_shape)
  out = np.transpose(out, np.argsort(out_spec))
  return out if out.dtype == out_dtype else out.astype(out_dtype)


def _check_preferred(input_dtype, preferred):
  if input_dtype.kind in "iu" and preferred.kind == "f":
    pass  # integer -> float accumulation is allowed, whatever the signedness
  else:
    for kinds in ("iu", "f", "c"):
      if input_dtype.kind in kinds and preferred.kind not in kinds:
        raise TypeError("Input type is incompatible with `preferred_element_type`. The "
                        "compatible combinations of (input_type, preferred_element_type) are "
                        "(integral, integral), (integral, floating), (floating, floating), "
                        "(complex, complex.")
    if input_dtype.kind == "i" and preferred.kind != "i":
      raise TypeError("`preferred_element_type` must have the same signedness as the "
                      "original type.")
  if preferred.itemsize < input_dtype.itemsize:
    raise TypeError("`preferred_element_type` must not be narrower than the original type.")


def _conv_shape(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                dimension_numbers, feature_group_count, batch_group_count, **_):
  name = "conv_general_dilated"
  if lhs.ndim != rhs.ndim:
    raise ValueError(f"{name} lhs and rhs must have the same number of dimensions, but got "
                     f"{lhs.shape} and {rhs.shape}.")
  if lhs.ndim < 2:
    raise ValueError(f"{name} lhs and rhs must have rank at least 2 (batch and feature "
                     f"dimensions), but got shapes {lhs.shape} and {rhs.shape}.")
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  for what, spec in (("lhs_spec", lhs_spec), ("rhs_spec", rhs_spec), ("out_spec", out_spec)):
    if sorted(spec) != list(range(lhs.ndim)):
      raise ValueError(f"{name} dimension_numbers.{what} must be a permutation of the "
                       f"{lhs.ndim} operand dimensions, got {tuple(spec)} for lhs shape "
                       f"{lhs.shape} and rhs shape {rhs.shape}.")
  if not feature_group_count > 0:
    raise ValueError(f"{name} feature_group_count must be a positive integer, got "
                     f"{feature_group_count}.")
  lhs_features = lhs.shape[lhs_spec[1]]
  quot, rem = divmod(lhs_features, feature_group_count)
  if rem:
    raise ValueError(f"{name} feature_group_count must divide lhs feature dimension size, but "
                     f"{feature_group_count} does not divide {lhs_features}.")
  if quot != rhs.shape[rhs_spec[1]]:
    raise ValueError(f"{name} lhs feature dimension size divided by feature_group_count must "
                     f"equal the rhs input feature dimension size, but {lhs_features} // "
                     f"{feature_group_count} != {rhs.shape[rhs_spec[1]]}.")
  if rhs.shape[rhs_spec[0]] % feature_group_count:
    raise ValueError(f"{name} rhs output feature dimension size must be a multiple of "
                     f"feature_group_count, but {rhs.shape[rhs_spec[0]]} is not a multiple of "
                     f"{feature_group_count}.")
  if not batch_group_count > 0:
    raise ValueError(f"{name} batch_group_count must be a positive integer, got "
                     f"{batch_group_count}.")
  lhs_batch = lhs.shape[lhs_spec[0]]
  if batch_group_count > 1 and lhs_batch % batch_group_count:
    raise ValueError(f"{name} batch_group_count must divide lhs batch dimension size, but "
                     f"{batch_group_count} does not divide {lhs_batch}.")
  if rhs.shape[rhs_spec[0]] % batch_group_count:
    raise ValueError(f"{name} rhs output feature dimension size must be a multiple of "
                     f"batch_group_count, but {rhs.shape[rhs_spec[0]]} is not a multiple of "
                     f"{batch_group_count}.")
  if batch_group_count > 1 and feature_group_count > 1:
    raise ValueError(f"At most one of batch_group_count and feature_group_count may be > 1, "
                     f"got batch_group_count={batch_group_count} and "
                     f"feature_group_count={feature_group_count}")
  nsp = rhs.ndim - 2
  if len(window_strides) != nsp:
    raise ValueError(f"{name} window and window_strides must have the same number of "
                     f"dimensions, but got {nsp} and {len(window_strides)}")
  if not all(s > 0 for s in window_strides):
    raise ValueError(f"{name} window_strides must be positive, got {tuple(window_strides)}.")
  for what, dil in (("lhs_dilation", lhs_dilation), ("rhs_dilation", rhs_dilation)):
    if len(dil) != nsp:
      raise ValueError(f"{name} {what} must have one entry per spatial dimension ({nsp}), "
                       f"got {tuple(dil)}.")
  rhs_window = tuple(rhs.shape[i] for i in rhs_spec[2:])
  if not all(k > 0 for k in rhs_window):
    raise ValueError(f"{name} rhs spatial (window) dimensions must be positive, got window "
                     f"{rhs_window} for rhs shape {rhs.shape}.")
  lhs_t = _dilate_shape(tuple(lhs.shape[i] for i in lhs_spec), lhs_dilation)
  rhs_t = _dilate_shape(tuple(rhs.shape[i] for i in rhs_spec), rhs_dilation)
  out_t = conv_shape_tuple(lhs_t, rhs_t, window_strides, padding, batch_group_count)
  return tuple(out_t[i] for i in np.argsort(out_spec))


def _conv_dtype(lhs, rhs, *, preferred_element_type=None, **_):
  if lhs.dtype != rhs.dtype:
    raise TypeError(f"lax.conv_general_dilated requires arguments to have the same dtypes, got "
                    f"{lhs.dtype.name}, {rhs.dtype.name}.")
  if preferred_element_type is None:
    return lhs.dtype
  preferred = np.dtype(preferred_element_type)
  _check_preferred(lhs.dtype, preferred)
  return preferred


def _conv_aval(lhs, rhs, **params):
  dtype = _conv_dtype(lhs, rhs, **params)
  return ShapedArray(_conv_shape(lhs, rhs, **params), dtype, lhs.weak_type and rhs.weak_type)


conv_general_dilated_p = primitive("conv_general_dilated", _conv_impl, _conv_aval)


def _conv_jvp(primals, tangents, **params):
  lhs, rhs = primals
  tl, tr = tangents
  out = conv_general_dilated_p.bind(lhs, rhs, **params)
  t = Zero.from_primal_value(out)
  if type(tl) is not Zero:
    t = ad.add_tangents(t, conv_general_dilated_p.bind(tl, rhs, **params))
  if type(tr) is not Zero:
    t = ad.add_tangents(t, conv_general_dilated_p.bind(lhs, tr, **params))
  return out, t


# Transposes. Ignoring space, a conv is the contraction [m, j] x [j, k] -> [m, k] (m batch,
# j in features, k out features); its transposes are [m, k] x [k, j] -> [m, j] (lhs: a conv with
# the kernel's feature axes swapped and its window flipped) and [j, m] x [m, k] -> [j, k] (rhs: a
# conv of lhs with the cotangent, batch playing the role of features). Feature groups of the
# forward conv become batch groups of the rhs transpose and vice versa.
def _spec_t(spec):
  return (spec[1], spec[0]) + tuple(spec[2:])


def _vjp_lhs_padding(in_shape, window, strides, out_shape, padding, lhs_dil, rhs_dil):
  lhs_d = _dilate_shape(in_shape, lhs_dil)
  rhs_d = _dilate_shape(window, rhs_dil)
  out_d = _dilate_shape(out_shape, strides)
  before = [k - lo - 1 for k, (lo, _) in zip(rhs_d, padding)]
  after = [l + k - 1 - o - b for l, k, o, b in zip(lhs_d, rhs_d, out_d, before)]
  return tuple(zip(before, after))


def _vjp_rhs_padding(in_shape, window, strides, out_shape, padding, lhs_dil, rhs_dil):
  if not in_shape:
    return ()
  lhs_d = _dilate_shape(in_shape, lhs_dil)
  rhs_d = _dilate_shape(window, rhs_dil)
  out_d = _dilate_shape(out_shape, strides)
  los = [lo for lo, _ in padding]
  his = [o - l + k - lo - 1 for o, l, k, lo in zip(out_d, lhs_d, rhs_d, los)]
  return tuple(zip(los, his))


def _reshape_axis_into(src, dst, x):
  """Merge axis `src` of x into axis `dst` (numbered after removing src), src outermost."""
  shape = core.get_aval(x).shape
  perm = [i for i in range(len(shape)) if i != src]
  perm.insert(dst, src)
  new_shape = [s for i, s in enumerate(shape) if i != src]
  new_shape[dst] *= shape[src]
  return L.reshape(x, tuple(new_shape), tuple(perm))


def _reshape_axis_out_of(src, size1, x):
  """Split axis `src` of x into (size1, rest)."""
  shape = list(core.get_aval(x).shape)
  shape[src:src + 1] = [size1, shape[src] // size1]
  return L.reshape(x, tuple(shape))


def _transpose_lhs(g, lhs_aval, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision,
                   preferred_element_type, out_sharding=None):
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  rhs_shape = core.get_aval(rhs).shape
  g_aval = core.get_aval(g)
  if feature_group_count > 1:
    # Move the group out of the kernel's out features into its in features.
    rhs = _reshape_axis_out_of(rhs_spec[0], feature_group_count, rhs)
    rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
  elif batch_group_count > 1:
    rhs = _reshape_axis_out_of(rhs_spec[0], batch_group_count, rhs)
    rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
    feature_group_count = batch_group_count
  dn = ConvDimensionNumbers(out_spec, _spec_t(rhs_spec), lhs_spec)
  pads = _vjp_lhs_padding(_take(lhs_aval.shape, lhs_spec[2:]), _take(rhs_shape, rhs_spec[2:]),
                          window_strides, _take(g_aval.shape, out_spec[2:]), padding,
                          lhs_dilation, rhs_dilation)
  rev = L.rev(rhs, tuple(rhs_spec[2:]))
  if core.get_aval(rev).dtype != g_aval.dtype:
    rev = L.convert_element_type(rev, g_aval.dtype)
  out = conv_general_dilated_p.bind(
      g, rev, window_strides=tuple(lhs_dilation), padding=pads,
      lhs_dilation=tuple(window_strides), rhs_dilation=tuple(rhs_dilation),
      dimension_numbers=dn, feature_group_count=feature_group_count, batch_group_count=1,
      precision=precision, preferred_element_type=preferred_element_type, out_sharding=None)
  if core.get_aval(out).dtype != lhs_aval.dtype:
    out = L.convert_element_type(out, lhs_aval.dtype)
  if batch_group_count > 1:
    out = _reshape_axis_out_of(lhs_spec[1], batch_group_count, out)
    out = _reshape_axis_into(lhs_spec[1], lhs_spec[0], out)
  return out


def _transpose_rhs(g, lhs, rhs_aval, *, window_strides, padding, lhs_dilation, rhs_dilation,
                   dimension_numbers, feature_group_count, batch_group_count, precision,
                   preferred_element_type, out_sharding=None):
  g_aval = core.get_aval(g)
  if g_aval.size == 0:  # avoid a degenerate conv whose kernel has an empty window
    return Zero(rhs_aval.to_tangent_aval())
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  lhs_aval = core.get_aval(lhs)
  if batch_group_count > 1:
    feature_group_count, batch_group_count = batch_group_count, 1
  elif feature_group_count > 1:
    feature_group_count, batch_group_count = 1, feature_group_count
  dn = ConvDimensionNumbers(_spec_t(lhs_spec), _spec_t(out_spec), _spec_t(rhs_spec))
  pads = _vjp_rhs_padding(_take(lhs_aval.shape, lhs_spec[2:]),
                          _take(rhs_aval.shape, rhs_spec[2:]), window_strides,
                          _take(g_aval.shape, out_spec[2:]), padding, lhs_dilation, rhs_dilation)
  if lhs_aval.dtype != g_aval.dtype:
    lhs = L.convert_element_type(lhs, g_aval.dtype)
  out = conv_general_dilated_p.bind(
      lhs, g, window_strides=tuple(rhs_dilation), padding=pads,
      lhs_dilation=tuple(lhs_dilation), rhs_dilation=tuple(window_strides),
      dimension_numbers=dn, feature_group_count=feature_group_count,
      batch_group_count=batch_group_count, precision=precision,
      preferred_element_type=preferred_element_type, out_sharding=None)
  if core.get_aval(out).dtype != rhs_aval.dtype:
    out = L.convert_element_type(out, rhs_aval.dtype)
  return out


def _conv_transpose_rule(ct, lhs, rhs, **params):
  if is_undefined_primal(lhs) and is_undefined_primal(rhs):
    raise NotImplementedError("conv_general_dilated of two linear values is not linear")
  if is_undefined_primal(lhs):
    if type(ct) is Zero:
      return [Zero(lhs.aval.to_tangent_aval()), None]
    return [_transpose_lhs(ct, lhs.aval, rhs, **params), None]
  if type(ct) is Zero:
    return [None, Zero(rhs.aval.to_tangent_aval())]
  return [None, _transpose_rhs(ct, lhs, rhs.aval, **params)]


def _conv_batch(vals, dims, **params):
  lhs, rhs = vals
  lhs_bdim, rhs_bdim = dims
  lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
  fgc, bgc = params["feature_group_count"], params["batch_group_count"]
  lhs_shape, rhs_shape = core.get_aval(lhs).shape, core.get_aval(rhs).shape
  bind = conv_general_dilated_p.bind

  if ((lhs_bdim is not None and lhs_shape[lhs_bdim] == 0) or
      (rhs_bdim is not None and rhs_shape[rhs_bdim] == 0)):
    la, ra = core.get_aval(lhs), core.get_aval(rhs)
    ul = ShapedArray(tuple(s for i, s in enumerate(la.shape) if i != lhs_bdim), la.dtype)
    ur = ShapedArray(tuple(s for i, s in enumerate(ra.shape) if i != rhs_bdim), ra.dtype)
    out_aval = _conv_aval(ul, ur, **params)
    return L.full((0,) + out_aval.shape, 0, out_aval.dtype), 0

  if lhs_bdim is not None and rhs_bdim is not None:
    size = lhs_shape[lhs_bdim]
    if bgc > 1:
      new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[0], lhs)
      new_params = dict(params, batch_group_count=bgc * size)
    else:
      new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[1], lhs)
      new_params = dict(params, feature_group_count=fgc * size)
    new_rhs = _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs)
    out = bind(new_lhs, new_rhs, **new_params)
    return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]

  if lhs_bdim is not None:
    size = lhs_shape[lhs_bdim]
    if bgc == 1:
      new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[0], lhs)
    else:
      # Batch groups must stay outermost in the batch dim: (groups, vmap, rest).
      new_lhs = _reshape_axis_out_of(lhs_spec[0] + int(lhs_bdim <= lhs_spec[0]), bgc, lhs)
      new_lhs = _reshape_axis_into(lhs_bdim + int(lhs_spec[0] < lhs_bdim), lhs_spec[0] + 1,
                                   new_lhs)
      new_lhs = _reshape_axis_into(lhs_spec[0], lhs_spec[0], new_lhs)
    out = bind(new_lhs, rhs, **params)
    return _reshape_axis_out_of(out_spec[0], size, out), out_spec[0]

  size = rhs_shape[rhs_bdim]
  if fgc == 1 and bgc == 1:
    new_rhs = _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs)
    out = bind(lhs, new_rhs, **params)
    return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]
  # Groups must stay outermost in the kernel's out features: (groups, vmap, rest).
  groups = fgc if fgc > 1 else bgc
  new_rhs = _reshape_axis_out_of(rhs_spec[0] + int(rhs_bdim <= rhs_spec[0]), groups, rhs)
  new_rhs = _reshape_axis_into(rhs_bdim + int(rhs_spec[0] < rhs_bdim), rhs_spec[0] + 1,
                               new_rhs)
  new_rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[0], new_rhs)
  out = bind(lhs, new_rhs, **params)
  out = _reshape_axis_out_of(out_spec[1], groups, out)
  out = _reshape_axis_out_of(out_spec[1] + 1, size, out)
  out = _reshape_axis_into(out_spec[1], out_spec[1] + 1, out)
  return out, out_spec[1]


conv_general_dilated_p.jvp = _conv_jvp
conv_general_dilated_p.transpose = _conv_transpose_rule
conv_general_dilated_p.batch = _conv_batch


# ----------------------------------------------------------------------------------------------
# Public functions
# ----------------------------------------------------------------------------------------------
def conv_general_dilated(lhs, rhs, window_strides: Sequence[int], padding,
                         lhs_dilation: Sequence[int] | None = None,
                         rhs_dilation: Sequence[int] | None = None,
                         dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                         feature_group_count: int = 1, batch_group_count: int = 1,
                         precision: Any = None, preferred_element_type: Any = None,
                         out_sharding: Any = None):
  """General N-d convolution (cross-correlation) with strides, padding and dilations.

  `padding` is 'SAME', 'SAME_LOWER', 'VALID' or one (low, high) pair per spatial dim;
  `dimension_numbers` is None (NCHW/OIHW/NCHW), three spec strings such as
  ('NHWC', 'HWIO', 'NHWC'), or a ConvDimensionNumbers.

  >>> x = jnp.ones((1, 1, 4, 4)); w = jnp.ones((1, 1, 3, 3))
  >>> lax.conv_general_dilated(x, w, (1, 1), "VALID").shape
  (1, 1, 2, 2)
  """
  fn = "conv_general_dilated"
  lhs, rhs = L.asarray(lhs), L.asarray(rhs)
  la, ra = core.get_aval(lhs), core.get_aval(rhs)
  dnums = conv_dimension_numbers(la.shape, ra.shape, dimension_numbers)
  if la.ndim < 2:
    raise ValueError(f"{fn} lhs and rhs must have rank at least 2 (batch and feature "
                     f"dimensions), but got shapes {la.shape} and {ra.shape}.")
  nsp = la.ndim - 2
  window_strides = _ints(window_strides, f"{fn} window_strides")
  if len(window_strides) != nsp:
    raise ValueError(f"{fn} window and window_strides must have the same number of "
                     f"dimensions, but got {nsp} and {len(window_strides)}")
  _positive(window_strides, f"{fn} window_strides")
  if lhs_dilation is None:
    lhs_dilation = (1,) * nsp
  else:
    lhs_dilation = _ints(lhs_dilation, f"{fn} lhs_dilation")
    if isinstance(padding, str) and lhs_dilation.count(1) != len(lhs_dilation):
      raise ValueError("String padding is not implemented for transposed convolution using "
                       "this op. Please either exactly specify the required padding or use "
                       "conv_transpose.")
  rhs_dilation = (1,) * nsp if rhs_dilation is None \
      else _ints(rhs_dilation, f"{fn} rhs_dilation")
  if isinstance(padding, str):
    if len(rhs_dilation) != nsp:
      raise ValueError(f"{fn} rhs_dilation must have one entry per spatial dimension ({nsp}), "
                       f"got {rhs_dilation}.")
    if any(d <= 0 for d in rhs_dilation):
      raise TypeError(f"All dilations must be positive, got {rhs_dilation}.")
    effective = [_dilate_dim(k, r) for k, r in zip(_take(ra.shape, dnums.rhs_spec)[2:],
                                                   rhs_dilation)]
    padding = tuple(padtype_to_pads(_take(la.shape, dnums.lhs_spec)[2:], effective,
                                    window_strides, padding))
  else:
    padding = _pad_pairs(padding)
  if preferred_element_type is not None:
    preferred_element_type = dtypes.canonicalize_dtype(preferred_element_type)
  params = dict(window_strides=window_strides, padding=padding, lhs_dilation=lhs_dilation,
                rhs_dilation=rhs_dilation, dimension_numbers=dnums,
                feature_group_count=_int(feature_group_count, f"{fn} feature_group_count"),
                batch_group_count=_int(batch_group_count, f"{fn} batch_group_count"),
                precision=_canonicalize_precision(precision),
                preferred_element_type=preferred_element_type, out_sharding=None)
  # Eagerly, core validates only the first call per dtype signature: check shapes every time.
  _conv_aval(la, ra, **params)
  return conv_general_dilated_p.bind(lhs, rhs, **params)


def conv(lhs, rhs, window_strides: Sequence[int], padding: str, precision: Any = None,
         preferred_element_type: Any = None):
  """N-d convolution in NCHW/OIHW layout with 'SAME' or 'VALID' padding.

  >>> lax.conv(jnp.ones((1, 1, 4, 4)), jnp.ones((1, 1, 3, 3)), (1, 1), "SAME").shape
  (1, 1, 4, 4)
  """
  return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                              preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides: Sequence[int], padding,
                              lhs_dilation: Sequence[int] | None,
                              rhs_dilation: Sequence[int] | None, precision: Any = None,
                              preferred_element_type: Any = None):
  """N-d convolution in NCHW/OIHW layout with explicit padding and dilations.

  >>> lax.conv_with_general_padding(jnp.ones((1, 1, 4, 4)), jnp.ones((1, 1, 3, 3)), (1, 1),
  ...                               [(1, 1), (0, 0)], None, (1, 1)).shape
  (1, 1, 4, 2)
  """
  return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                              rhs_dilation=rhs_dilation, precision=precision,
                              preferred_element_type=preferred_element_type)


def _conv_transpose_padding(k: int, s: int, padding) -> tuple:
  """(before, after) padding of one spatial dim of a transposed conv."""
  if padding == "SAME":
    pad_len = k + s - 2
    pad_a = k - 1 if s > k - 1 else -(-pad_len // 2)
  elif padding == "VALID":
    pad_len = k + s - 2 + max(k - s, 0)
    pad_a = k - 1
  elif isinstance(padding, tuple):
    pads = tuple(k - p - 1 for p in padding)
    pad_a = pads[0]
    pad_len = sum(pads)
  else:
    raise ValueError(f"Invalid padding mode: {padding}")
  return pad_a, pad_len - pad_a


_TRANSPOSE_DEFAULT_DNUMS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"),
                            4: ("NHWC", "HWIO", "NHWC"), 5: ("NHWDC", "HWDIO", "NHWDC")}


def conv_transpose(lhs, rhs, strides: Sequence[int], padding,
                   rhs_dilation: Sequence[int] | None = None,
                   dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                   transpose_kernel: bool = False, precision: Any = None,
                   preferred_element_type: Any = None, use_consistent_padding: bool = False):
  """N-d transposed ("fractionally strided") convolution, TensorFlow layout by default.

  With `transpose_kernel=True` the kernel's window is flipped and its feature axes swapped,
  which makes this the gradient of `conv_general_dilated` with the same arguments.

  >>> lax.conv_transpose(jnp.ones((1, 4, 4, 1)), jnp.ones((3, 3, 1, 1)), (2, 2), "SAME").shape
  (1, 8, 8, 1)
  """
  lhs, rhs = L.asarray(lhs), L.asarray(rhs)
  la, ra = core.get_aval(lhs), core.get_aval(rhs)
  if la.ndim != ra.ndim or la.ndim < 2:
    raise ValueError(f"conv_transpose requires lhs and rhs of equal rank >= 2, got shapes "
                     f"{la.shape} and {ra.shape}.")
  ndims = la.ndim
  if dimension_numbers is None:
    if ndims not in _TRANSPOSE_DEFAULT_DNUMS:
      raise ValueError("No 4+ dimensional dimension_number defaults.")
    dimension_numbers = _TRANSPOSE_DEFAULT_DNUMS[ndims]
  dn = conv_dimension_numbers(la.shape, ra.shape, dimension_numbers)
  k_sdims = _take(ra.shape, dn.rhs_spec)[2:]
  strides = _ints(strides, "conv_transpose strides")
  rhs_dilation = (1,) * (ndims - 2) if rhs_dilation is None \
      else _ints(rhs_dilation, "conv_transpose rhs_dilation")
  if len(strides) != ndims - 2 or len(rhs_dilation) != ndims - 2:
    raise ValueError(f"conv_transpose strides and rhs_dilation must have one entry per spatial "
                     f"dimension ({ndims - 2}), got {strides} and {rhs_dilation}.")
  _positive(rhs_dilation, "conv_transpose rhs_dilation")
  if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
    effective = [_dilate_dim(k, r) for k, r in zip(k_sdims, rhs_dilation)]
    replicated = [padding] * len(strides) if isinstance(padding, str) else \
        _pad_pairs(padding, "conv_transpose")
    pads = tuple(_conv_transpose_padding(k, s, p)
                 for k, s, p in zip(effective, strides, replicated))
  else:
    pads = padding
  if transpose_kernel:
    rhs = L.rev(rhs, tuple(dn.rhs_spec[2:]))
    perm = list(range(ndims))
    perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = perm[dn.rhs_spec[1]], perm[dn.rhs_spec[0]]
    rhs = L.transpose(rhs, tuple(perm))
  return conv_general_dilated(lhs, rhs, (1,) * (ndims - 2), pads, strides, rhs_dilation, dn,
                              precision=precision,
                              preferred_element_type=preferred_element_type)


# ----------------------------------------------------------------------------------------------
# Patches and windowed shapes
# ----------------------------------------------------------------------------------------------
def conv_general_dilated_patches(lhs, filter_shape: Sequence[int], window_strides: Sequence[int],
                                 padding, lhs_dilation: Sequence[int] | None = None,
                                 rhs_dilation: Sequence[int] | None = None,
                                 dimension_numbers: ConvGeneralDilatedDimensionNumbers = None,
                                 precision: Any = None, preferred_element_type: Any = None):
  """The patches a `conv_general_dilated` with a `filter_shape` window would see, as output
  features: `in_features * prod(filter_shape)` of them, feature-major (a grouped convolution
  with an identity kernel, as JAX builds it).

  >>> lax.conv_general_dilated_patches(jnp.ones((2, 3, 5, 4)), (2, 2), (1, 1), "VALID").shape
  (2, 12, 4, 3)
  """
  lhs = L.asarray(lhs)
  filter_shape = tuple(filter_shape)
  shape = core.get_aval(lhs).shape
  dnums = conv_dimension_numbers(shape, (1, 1) + filter_shape, dimension_numbers)
  lhs_spec, rhs_spec, _ = dnums
  size = int(np.prod(filter_shape, dtype=np.int64))
  channels = shape[lhs_spec[1]]
  dtype = core.get_aval(lhs).dtype
  # Identity kernel: each spatial offset of each input channel to its own output channel.
  eye = L.convert_element_type(
      L.eq(L.add(L.broadcasted_iota(np.int32, (size, size), 0), 0),
           L.broadcasted_iota(np.int32, (size, size), 1)), dtype)
  rhs = L.broadcast_in_dim(eye, (channels, size, size), (1, 2))
  rhs = L.reshape(rhs, (channels * size, 1) + filter_shape)
  nd = len(filter_shape) + 2
  order = [d for d in range(nd) if d not in (rhs_spec[0], rhs_spec[1])]
  perm = [0] * nd  # moveaxis((0, 1) -> (rhs_spec[0], rhs_spec[1]))
  perm[rhs_spec[0]], perm[rhs_spec[1]] = 0, 1
  for dst, src in zip(order, range(2, nd)):
    perm[dst] = src
  if perm != list(range(nd)):
    rhs = L.transpose(rhs, tuple(perm))
  return conv_general_dilated(
      lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
      dimension_numbers=dnums, precision=None if precision is None else (precision,
                                                                          L.Precision.DEFAULT),
      feature_group_count=channels, preferred_element_type=preferred_element_type)


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None) -> tuple:
  """The output shape of a `reduce_window` (Python ints).

  >>> lax.reduce_window_shape_tuple((5, 6), (2, 3), (1, 2), ((0, 1), (1, 1)))
  (5, 3)
  """
  if base_dilation is not None:
    operand_shape = tuple(map(_dilate_dim, operand_shape, base_dilation))
  if window_dilation is not None:
    window_dimensions = tuple(map(_dilate_dim, window_dimensions, window_dilation))
  padded = tuple(d + lo + hi for d, (lo, hi) in zip(operand_shape, padding))
  return tuple(max(0, (d - w) // s + 1) for d, w, s in zip(padded, window_dimensions,
                                                           window_strides))
