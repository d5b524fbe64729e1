"""Stax: a small neural-network library of layer constructors (`jax.example_libraries.stax`).

A layer is an ``(init_fun, apply_fun)`` pair:

* ``init_fun(rng, input_shape) -> (output_shape, params)``
* ``apply_fun(params, inputs, **kwargs) -> outputs`` (``rng=key`` for random layers).

Layer constructors are CamelCase (``Dense``, ``Conv``, ``Relu``); combinators ``serial``,
``parallel`` and ``shape_dependent`` build bigger layers from smaller ones.

    >>> init_fun, apply_fun = serial(Dense(4), Relu, Dense(1))
    >>> out_shape, params = init_fun(random.PRNGKey(0), (-1, 3))
    >>> out_shape
    (-1, 1)
"""
from __future__ import annotations

import functools
import math

import numjax.numpy as jnp
from numjax import lax, random
from numjax.nn import (elu, gelu, leaky_relu, log_softmax, relu, selu, sigmoid, softmax,
                       softplus, standardize)
from numjax.nn.initializers import glorot_normal, normal, ones, zeros

# Older names kept by JAX for backwards compatibility.
glorot = glorot_normal
randn = normal
logsoftmax = log_softmax


def Dense(out_dim, W_init=glorot_normal(), b_init=normal()):
  """A fully-connected layer ``inputs @ W + b`` with ``out_dim`` outputs."""
  def init_fun(rng, input_shape):
    output_shape = tuple(input_shape[:-1]) + (out_dim,)
    k1, k2 = random.split(rng)
    W, b = W_init(k1, (input_shape[-1], out_dim)), b_init(k2, (out_dim,))
    return output_shape, (W, b)

  def apply_fun(params, inputs, **kwargs):
    W, b = params
    return jnp.dot(inputs, W) + b

  return init_fun, apply_fun


def _kernel_shape(rhs_spec, lhs_spec, input_shape, out_chan, filter_shape):
  spatial = iter(filter_shape)
  return [out_chan if c == "O" else input_shape[lhs_spec.index("C")] if c == "I"
          else next(spatial) for c in rhs_spec]


def _general_conv_layer(transpose: bool):
  def layer(dimension_numbers, out_chan, filter_shape, strides=None, padding="VALID",
            W_init=None, b_init=normal(1e-6)):
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    one = (1,) * len(filter_shape)
    strides = strides or one
    W_init = W_init or glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))
    shape_fn = lax.conv_transpose_shape_tuple if transpose else lax.conv_general_shape_tuple

    def init_fun(rng, input_shape):
      kernel_shape = _kernel_shape(rhs_spec, lhs_spec, input_shape, out_chan, filter_shape)
      output_shape = shape_fn(input_shape, kernel_shape, strides, padding, dimension_numbers)
      bias_shape = [out_chan if c == "C" else 1 for c in out_spec]
      k1, k2 = random.split(rng)
      return output_shape, (W_init(k1, kernel_shape), b_init(k2, bias_shape))

    def apply_fun(params, inputs, **kwargs):
      W, b = params
      if transpose:
        out = lax.conv_transpose(inputs, W, strides, padding,
                                 dimension_numbers=dimension_numbers)
      else:
        out = lax.conv_general_dilated(inputs, W, strides, padding, one, one,
                                       dimension_numbers=dimension_numbers)
      return out + b

    return init_fun, apply_fun
  return layer


GeneralConv = _general_conv_layer(transpose=False)
GeneralConv.__name__ = GeneralConv.__qualname__ = "GeneralConv"
GeneralConv.__doc__ = ("A general convolution layer: ``dimension_numbers`` names the input, "
                       "kernel and output axes (e.g. ``('NHWC', 'HWIO', 'NHWC')``).")
Conv = functools.partial(GeneralConv, ("NHWC", "HWIO", "NHWC"))

GeneralConvTranspose = _general_conv_layer(transpose=True)
GeneralConvTranspose.__name__ = GeneralConvTranspose.__qualname__ = "GeneralConvTranspose"
GeneralConvTranspose.__doc__ = "A general transposed-convolution layer (see GeneralConv)."
Conv1DTranspose = functools.partial(GeneralConvTranspose, ("NHC", "HIO", "NHC"))
ConvTranspose = functools.partial(GeneralConvTranspose, ("NHWC", "HWIO", "NHWC"))


def BatchNorm(axis=(0, 1, 2), epsilon=1e-5, center=True, scale=True, beta_init=zeros,
              gamma_init=ones):
  """Batch normalisation over ``axis``, with a learned shift (beta) and scale (gamma)."""
  axis = (axis,) if jnp.isscalar(axis) else axis

  def init_fun(rng, input_shape):
    shape = tuple(d for i, d in enumerate(input_shape) if i not in axis)
    k1, k2 = random.split(rng)
    beta = beta_init(k1, shape) if center else ()
    gamma = gamma_init(k2, shape) if scale else ()
    return input_shape, (beta, gamma)

  def apply_fun(params, x, **kwargs):
    beta, gamma = params
    expand = tuple(None if i in axis else slice(None) for i in range(jnp.ndim(x)))
    z = standardize(x, axis, epsilon=epsilon)
    if scale:
      z = gamma[expand] * z
    if center:
      z = z + beta[expand]
    return z

  return init_fun, apply_fun


def elementwise(fun, **fun_kwargs):
  """A parameter-free layer applying ``fun(inputs, **fun_kwargs)``."""
  init_fun = lambda rng, input_shape: (input_shape, ())
  apply_fun = lambda params, inputs, **kwargs: fun(inputs, **fun_kwargs)
  return init_fun, apply_fun


Tanh = elementwise(jnp.tanh)
Relu = elementwise(relu)
Exp = elementwise(jnp.exp)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)


def _reduce_window_shape(shape, window, strides, pads):
  return tuple((d + lo + hi - w) // s + 1
               for d, w, s, (lo, hi) in zip(shape, window, strides, pads))


def _insert_unit_axes(window_shape, strides, spec):
  """Window/strides over all axes: 1 at the batch (N) and channel (C) axes."""
  if spec is None:
    non_spatial = (0, len(window_shape) + 1)
  else:
    non_spatial = (spec.index("N"), spec.index("C"))
  window_shape, strides = tuple(window_shape), tuple(strides)
  for i in sorted(non_spatial):
    window_shape = window_shape[:i] + (1,) + window_shape[i:]
    strides = strides[:i] + (1,) + strides[i:]
  return window_shape, strides


def _pooling_layer(reducer, init_val, rescaler=None):
  def PoolingLayer(window_shape, strides=None, padding="VALID", spec=None):
    """A pooling layer over the spatial axes (``spec`` names axes, default 'NHWC'-like)."""
    strides = strides or (1,) * len(window_shape)
    rescale = rescaler(window_shape, strides, padding) if rescaler else None
    full_window, full_strides = _insert_unit_axes(window_shape, strides, spec)

    def init_fun(rng, input_shape):
      pads = lax.padtype_to_pads(input_shape, full_window, full_strides, padding)
      return _reduce_window_shape(input_shape, full_window, full_strides, pads), ()

    def apply_fun(params, inputs, **kwargs):
      out = lax.reduce_window(inputs, init_val, reducer, full_window, full_strides, padding)
      return rescale(out, inputs, spec) if rescale else out

    return init_fun, apply_fun
  return PoolingLayer


MaxPool = _pooling_layer(lax.max, -jnp.inf)
SumPool = _pooling_layer(lax.add, 0.)


def _normalize_by_window_size(dims, strides, padding):
  def rescale(outputs, inputs, spec):
    if spec is None:
      non_spatial = (0, inputs.ndim - 1)
    else:
      non_spatial = (spec.index("N"), spec.index("C"))
    spatial_shape = tuple(d for i, d in enumerate(inputs.shape) if i not in non_spatial)
    counts = lax.reduce_window(jnp.ones(spatial_shape, dtype=inputs.dtype), 0., lax.add, dims,
                               strides, padding)
    for i in sorted(non_spatial):
      counts = jnp.expand_dims(counts, i)
    return outputs / counts
  return rescale


AvgPool = _pooling_layer(lax.add, 0., _normalize_by_window_size)


def _flatten():
  def init_fun(rng, input_shape):
    return (input_shape[0], math.prod(input_shape[1:])), ()

  def apply_fun(params, inputs, **kwargs):
    return jnp.reshape(inputs, (inputs.shape[0], -1))

  return init_fun, apply_fun


Flatten = _flatten()  # flattens all but the leading (batch) axis


def _identity():
  return (lambda rng, input_shape: (input_shape, ()),
          lambda params, inputs, **kwargs: inputs)


Identity = _identity()


def FanOut(num):
  """Copies its input ``num`` times (a list of ``num`` outputs)."""
  init_fun = lambda rng, input_shape: ([input_shape] * num, ())
  apply_fun = lambda params, inputs, **kwargs: [inputs] * num
  return init_fun, apply_fun


def _fan_in_sum():
  init_fun = lambda rng, input_shape: (input_shape[0], ())
  apply_fun = lambda params, inputs, **kwargs: sum(inputs)
  return init_fun, apply_fun


FanInSum = _fan_in_sum()  # sums a sequence of inputs


def FanInConcat(axis=-1):
  """Concatenates a sequence of inputs along ``axis``."""
  def init_fun(rng, input_shape):
    ax = axis % len(input_shape[0])
    size = sum(shape[ax] for shape in input_shape)
    first = tuple(input_shape[0])
    return first[:ax] + (size,) + first[ax + 1:], ()

  def apply_fun(params, inputs, **kwargs):
    return jnp.concatenate(inputs, axis)

  return init_fun, apply_fun


def Dropout(rate, mode="train"):
  """Dropout: in 'train' mode keeps each input with probability ``rate`` (scaled by 1/rate)."""
  def init_fun(rng, input_shape):
    return input_shape, ()

  def apply_fun(params, inputs, **kwargs):
    rng = kwargs.get("rng", None)
    if rng is None:
      raise ValueError(
          "Dropout layer requires apply_fun to be called with a PRNG key argument. That is, "
          "instead of `apply_fun(params, inputs)`, call it like `apply_fun(params, inputs, "
          "rng)` where `rng` is a PRNG key (e.g. from `jax.random.key`).")
    if mode == "train":
      keep = random.bernoulli(rng, rate, inputs.shape)
      return jnp.where(keep, inputs / rate, 0)
    return inputs

  return init_fun, apply_fun


# ----------------------------------------------------------------------------------------------
# Combinators

def serial(*layers):
  """Compose layers in sequence; params are a list with one entry per layer."""
  nlayers = len(layers)
  init_funs, apply_funs = zip(*layers) if layers else ((), ())

  def init_fun(rng, input_shape):
    params = []
    for init in init_funs:
      rng, layer_rng = random.split(rng)
      input_shape, param = init(layer_rng, input_shape)
      params.append(param)
    return input_shape, params

  def apply_fun(params, inputs, **kwargs):
    rng = kwargs.pop("rng", None)
    rngs = random.split(rng, nlayers) if rng is not None else (None,) * nlayers
    for fun, param, r in zip(apply_funs, params, rngs):
      inputs = fun(param, inputs, rng=r, **kwargs)
    return inputs

  return init_fun, apply_fun


def parallel(*layers):
  """Apply layers side by side to a sequence of inputs (one input per layer)."""
  nlayers = len(layers)
  init_funs, apply_funs = zip(*layers) if layers else ((), ())

  def init_fun(rng, input_shape):
    rngs = random.split(rng, nlayers)
    results = [init(r, shape) for init, r, shape in zip(init_funs, rngs, input_shape)]
    return tuple(s for s, _ in results), tuple(p for _, p in results)

  def apply_fun(params, inputs, **kwargs):
    rng = kwargs.pop("rng", None)
    rngs = random.split(rng, nlayers) if rng is not None else (None,) * nlayers
    return [f(p, x, rng=r, **kwargs)
            for f, p, x, r in zip(apply_funs, params, inputs, rngs)]

  return init_fun, apply_fun


def shape_dependent(make_layer):
  """A layer built by ``make_layer(input_shape)`` once the input shape is known."""
  def init_fun(rng, input_shape):
    return make_layer(input_shape)[0](rng, input_shape)

  def apply_fun(params, inputs, **kwargs):
    return make_layer(inputs.shape)[1](params, inputs, **kwargs)

  return init_fun, apply_fun
