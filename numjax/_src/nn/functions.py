"""`numjax.nn` activation functions and helpers, as `jax.nn` has them.

Written with jnp/lax ops so they work under every transformation; `relu` and `relu6` carry
JAX's custom JVPs (derivative 0 at the kinks), `softmax` its custom JVP.

    >>> import numjax.nn as nn
    >>> nn.relu(jnp.array([-1., 0., 2.]))
    Array([0., 0., 2.], dtype=float32)
"""
from __future__ import annotations

import numpy as np

from numjax._src import core, dtypes
from numjax._src.custom_derivatives import custom_jvp
from numjax._src.lax import lax as L
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import (canonicalize_axis, check_arraylike, dtype_of, ndim_of,
                                    promote_args_inexact)
from numjax._src.scipy.special import logsumexp  # noqa: F401  (jax.nn.logsumexp)


def _arr(fname, x):
  check_arraylike(fname, x)
  return jnp.asarray(x)


@custom_jvp
def relu(x):
  """max(x, 0); its derivative at 0 is 0 (as in JAX)."""
  return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: L.select(jnp.greater(x, 0), g, L.full_like(g, 0)))


@custom_jvp
def relu6(x):
  """min(max(x, 0), 6); derivative 0 at 0 and at 6."""
  return jnp.minimum(jnp.maximum(x, 0), 6.)


relu6.defjvps(lambda g, ans, x: L.select(
    jnp.logical_and(jnp.greater(x, 0), jnp.less(x, 6)), g, L.full_like(g, 0)))


def identity(x):
  """x unchanged (as an array)."""
  return _arr("identity", x)


def sigmoid(x):
  """1 / (1 + exp(-x))."""
  x = _arr("sigmoid", x)
  return L.logistic(x)


def softplus(x):
  """log(1 + exp(x)), computed as logaddexp(x, 0)."""
  return jnp.logaddexp(x, 0)


def sparse_plus(x):
  """0 for x <= -1, (x + 1)^2 / 4 on (-1, 1), x for x >= 1."""
  x = _arr("sparse_plus", x)
  return jnp.where(jnp.less_equal(x, -1.0), 0.0,
                   jnp.where(jnp.greater_equal(x, 1.0), x, (x + 1.0) ** 2 / 4))


def sparse_sigmoid(x):
  """The derivative of sparse_plus: clip((x + 1) / 2, 0, 1)."""
  x = _arr("sparse_sigmoid", x)
  return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


def squareplus(x, b=4):
  """(x + sqrt(x^2 + b)) / 2."""
  check_arraylike("squareplus", x, b)
  return (x + jnp.sqrt(jnp.square(x) + b)) / 2


def soft_sign(x):
  """x / (|x| + 1)."""
  x = _arr("soft_sign", x)
  return x / (jnp.abs(x) + 1)


def silu(x):
  """x * sigmoid(x) (a.k.a. swish)."""
  x = _arr("silu", x)
  return x * sigmoid(x)


swish = silu


def mish(x):
  """x * tanh(softplus(x))."""
  x = _arr("mish", x)
  return x * jnp.tanh(softplus(x))


def log_sigmoid(x):
  """log(sigmoid(x)) = -softplus(-x)."""
  x = _arr("log_sigmoid", x)
  return -softplus(-x)


def elu(x, alpha=1.0):
  """x for x > 0, alpha * (exp(x) - 1) otherwise."""
  x = _arr("elu", x)
  pos = jnp.greater(x, 0)
  return jnp.where(pos, x, alpha * jnp.expm1(jnp.where(pos, 0., x)))


def leaky_relu(x, negative_slope=1e-2):
  """x for x >= 0, negative_slope * x otherwise."""
  x = _arr("leaky_relu", x)
  return jnp.where(jnp.greater_equal(x, 0), x, negative_slope * x)


def hard_tanh(x):
  """clip(x, -1, 1)."""
  x = _arr("hard_tanh", x)
  return jnp.where(jnp.greater(x, 1), 1, jnp.where(jnp.less(x, -1), -1, x))


def celu(x, alpha=1.0):
  """max(x, 0) + alpha * expm1(min(x, 0) / alpha)."""
  return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x):
  """scale * elu(x, alpha) with the self-normalising constants."""
  return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x, approximate: bool = True):
  """x * Phi(x); with approximate=True the tanh approximation."""
  x, = promote_args_inexact("gelu", x)
  dt = dtype_of(x)
  if approximate:
    c = np.array(np.sqrt(2 / np.pi), dt)
    cdf = 0.5 * (1.0 + jnp.tanh(c * (x + 0.044715 * (x ** 3))))
    return x * cdf
  half = np.array(np.sqrt(0.5), dt)
  return jnp.asarray(0.5 * x * L.erfc(L.neg(x) * half), dtype=dt)


def glu(x, axis: int = -1):
  """a * sigmoid(b) where x splits into halves a, b along `axis`."""
  x = _arr("glu", x)
  size = x.shape[canonicalize_axis(axis, x.ndim)]
  if size % 2:
    # JAX raises AssertionError here; a ValueError is what a caller can rely on.
    raise ValueError(f"glu: axis size must be divisible by 2, got size {size} along axis {axis} "
                     f"of an array of shape {x.shape}")
  a, b = jnp.split(x, 2, axis)
  return a * sigmoid(b)


def hard_sigmoid(x):
  """relu6(x + 3) / 6."""
  x = _arr("hard_sigmoid", x)
  return relu6(x + 3.) / 6.


def hard_silu(x):
  """x * hard_sigmoid(x)."""
  x = _arr("hard_silu", x)
  return x * hard_sigmoid(x)


hard_swish = hard_silu


def _reduce_axes(x, axis):
  nd = ndim_of(x)
  if axis is None:
    return tuple(range(nd))
  from numjax._src.numpy.util import axis_tuple
  axes = axis_tuple(axis)
  return tuple(sorted(canonicalize_axis(a, nd) for a in axes))


def log_softmax(x, axis=-1, where=None):
  """x - logsumexp(x) along `axis`; masked-out entries (`where` False) give -inf."""
  check_arraylike("log_softmax", x)
  x, = promote_args_inexact("log_softmax", x)
  axes = _reduce_axes(x, axis)
  x_max = jnp.max(x, axes, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  shifted = x_safe - L.stop_gradient(x_max)
  shifted_lse = jnp.log(jnp.sum(jnp.exp(shifted), axes, where=where, keepdims=True))
  out = shifted - shifted_lse
  if where is not None:
    return jnp.where(where, out, -np.inf)
  return out


def _softmax_value(x, axes, where, initial):
  x_max = jnp.max(x, axes, where=where, initial=initial, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, initial)
  unnormalized = jnp.exp(x_safe - x_max)
  out = unnormalized / jnp.sum(unnormalized, axes, where=where, keepdims=True)
  if where is not None:
    out = jnp.where(where, out, 0)
  return out


def _softmax_fun(x, axes, where, initial):
  return _softmax_value(x, axes, where, initial)


_softmax = custom_jvp(_softmax_fun, nondiff_argnums=(1,))


@_softmax.defjvp
def _softmax_jvp(axes, primals, tangents):
  x, where, initial = primals
  xt = tangents[0]
  y = _softmax(x, axes, where, initial)
  return y, y * (xt - jnp.sum(y * xt, axes, where=where, keepdims=True))


def softmax(x, axis=-1, where=None):
  """exp(x) / sum(exp(x)) along `axis`; masked-out entries give 0."""
  check_arraylike("softmax", x)
  x, = promote_args_inexact("softmax", x)
  axes = _reduce_axes(x, axis)
  if where is None:
    return _softmax_nowhere(x, axes)
  return _softmax(x, axes, where, -np.inf)


def _softmax_nowhere_fun(x, axes):
  return _softmax_value(x, axes, None, -np.inf)


_softmax_nowhere = custom_jvp(_softmax_nowhere_fun, nondiff_argnums=(1,))


@_softmax_nowhere.defjvp
def _softmax_nowhere_jvp(axes, primals, tangents):
  x, = primals
  xt, = tangents
  y = _softmax_nowhere(x, axes)
  return y, y * (xt - jnp.sum(y * xt, axes, keepdims=True))


def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
  """logsumexp(x) - log(n) along `axis`."""
  x = _arr("logmeanexp", x)
  lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
  axes = _reduce_axes(x, axis)
  if where is None:
    n = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    count = jnp.asarray(n, dtype=dtype_of(lse))
  else:
    count = jnp.sum(jnp.broadcast_to(where, x.shape), axis=axes, keepdims=keepdims,
                    dtype=dtype_of(lse))
  return lse - jnp.log(count)


def log1mexp(x):
  """log(1 - exp(-x)) for x > 0, accurate for small and large x."""
  return _log1mexp(x)


@custom_jvp
def _log1mexp(x):
  x = _arr("log1mexp", x)
  c = jnp.log(2.0)
  return jnp.where(jnp.greater(x, c), jnp.log1p(-jnp.exp(-x)), jnp.log(-jnp.expm1(-x)))


_log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm: str = "fast"):
  """(x - mean) / sqrt(variance + epsilon) along `axis`."""
  check_arraylike("standardize", x)
  axes = _reduce_axes(jnp.asarray(x), axis)
  if mean is None:
    mean = jnp.mean(x, axes, keepdims=True, where=where)
  if variance is None:
    if algorithm == "stable":
      variance = jnp.mean(jnp.square(jnp.subtract(x, mean)), axes, keepdims=True, where=where)
    elif algorithm == "fast":
      variance = jnp.mean(jnp.square(x), axes, keepdims=True, where=where) - jnp.square(mean)
      variance = jnp.clip(variance, 0)
    else:
      raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
  return jnp.subtract(x, mean) * L.rsqrt(variance + epsilon)


def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1):
  """Encode integer indices as one-hot vectors along a new axis `axis`.

      >>> one_hot(jnp.array([0, 2, -1]), 3)
      Array([[1., 0., 0.],
             [0., 0., 1.],
             [0., 0., 0.]], dtype=float32)
  """
  nc = core.concrete_value(num_classes) if not isinstance(num_classes, int) else num_classes
  if nc is None:
    raise core.ConcretizationTypeError(
        num_classes, "The error arose in jax.nn.one_hot argument `num_classes`.")
  if np.ndim(nc) or not isinstance(np.asarray(nc).item(), (int, np.integer)) and \
      not float(np.asarray(nc).item()).is_integer():
    raise TypeError(f"one_hot num_classes must be an integer, got {num_classes!r}")
  num_classes = int(nc)
  x = jnp.asarray(x)
  dtype = dtypes.default_float() if dtype is None else dtypes.canonicalize_dtype(dtype)
  out_axis = canonicalize_axis(axis, ndim_of(x) + 1)
  lhs = L.expand_dims(x, (out_axis,))
  rhs_shape = [1] * ndim_of(x)
  rhs_shape.insert(out_axis, num_classes)
  rhs = L.broadcasted_iota(dtype_of(x), tuple(rhs_shape), out_axis)
  return jnp.asarray(jnp.equal(lhs, rhs), dtype=dtype)


def tanh(x):
  return jnp.tanh(x)


def _einsum(*args, **kwargs):
  from numjax._src.numpy.einsum import einsum
  return einsum(*args, **kwargs)


def _attention_mask(T, S, is_causal, local_window_size, q_seqlen, kv_seqlen):
  """A (B or 1, 1, T, S) boolean mask from the structural options, or None."""
  mask = None

  def both(a, b):
    return b if a is None else jnp.logical_and(a, b)
  q_pos = jnp.arange(T)[:, None]
  k_pos = jnp.arange(S)[None, :]
  if is_causal:
    mask = both(mask, (q_pos >= k_pos)[None, None])
  if local_window_size is not None:
    left, right = local_window_size
    mask = both(mask, jnp.logical_and(q_pos <= k_pos + left, q_pos >= k_pos - right)[None, None])
  if q_seqlen is not None:
    mask = both(mask, (jnp.arange(T)[None, :, None] < q_seqlen[:, None, None])[:, None])
  if kv_seqlen is not None:
    mask = both(mask, (jnp.arange(S)[None, None, :] < kv_seqlen[:, None, None])[:, None])
  return mask


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None):
  """softmax(Q K^T * scale + bias, masked) V over arrays shaped [B, T, N, H] (or [T, N, H]).

  Keys and values may have fewer heads K than the queries' N (grouped-query attention, N a
  multiple of K). `mask` is boolean (True: attend); bias and mask broadcast to [B, N, T, S].
  """
  if implementation not in (None, "xla"):
    raise ValueError(f"Unsupported implementation option: {implementation!r} (numjax has "
                     "the 'xla' reference implementation only).")
  query, key, value = jnp.asarray(query), jnp.asarray(key), jnp.asarray(value)
  unbatched = query.ndim == 3
  if unbatched:
    query, key, value = query[None], key[None], value[None]
    bias = None if bias is None else jnp.asarray(bias)[None] if jnp.ndim(bias) == 3 else bias
    mask = None if mask is None else jnp.asarray(mask)[None] if jnp.ndim(mask) == 3 else mask
  if query.ndim != 4 or key.ndim != 4 or value.ndim != 4:
    raise ValueError(f"query, key and value must have rank 3 or 4, got shapes {query.shape}, "
                     f"{key.shape} and {value.shape}.")
  B, T, N, H = query.shape
  _, S, K, _ = key.shape
  if key.shape != value.shape:
    raise ValueError(f"key and value must have the same shape, got {key.shape} and "
                     f"{value.shape}.")
  if N % K:
    raise ValueError(f"The number of query heads ({N}) must be a multiple of the number of "
                     f"key/value heads ({K}).")
  G = N // K
  if scale is None:
    scale = 1.0 / np.sqrt(H)
  logits_dtype = jnp.promote_types(query.dtype, np.float32)
  q = jnp.reshape(query, (B, T, K, G, H))
  logits = _einsum("BTKGH,BSKH->BKGTS", q, key, preferred_element_type=logits_dtype)
  logits = logits * jnp.array(scale, dtype=logits.dtype)

  def grouped(t):
    t = jnp.broadcast_to(jnp.asarray(t), (B, N, T, S))
    return jnp.reshape(t, (B, K, G, T, S))
  if bias is not None:
    logits = jnp.asarray(logits + grouped(bias), logits.dtype)
  structural = _attention_mask(T, S, is_causal, local_window_size, query_seq_lengths,
                               key_value_seq_lengths)
  full_mask = None
  if mask is not None:
    mask = jnp.asarray(mask)
    if mask.dtype != np.bool_:
      raise ValueError(f"mask must be boolean, got dtype {mask.dtype}")
    full_mask = grouped(mask)
  if structural is not None:
    s_mask = grouped(structural)
    full_mask = s_mask if full_mask is None else jnp.logical_and(full_mask, s_mask)
  if full_mask is not None:
    big_neg = -0.7 * min(float(np.finfo(logits.dtype).max), float(np.finfo(np.float32).max))
    logits = jnp.where(full_mask, logits, jnp.asarray(big_neg, logits.dtype))
  probs = jnp.asarray(softmax(jnp.asarray(logits, np.float32), axis=-1), key.dtype)
  out = _einsum("BKGTS,BSKH->BTKGH", probs, value)
  out = jnp.reshape(out, (B, T, N, H))
  if query_seq_lengths is not None:
    keep = jnp.arange(T)[None, :] < jnp.asarray(query_seq_lengths)[:, None]
    out = out * jnp.asarray(keep[:, :, None, None], out.dtype)
  return out[0] if unbatched else out
