"""`numjax.random`: JAX's counter-based PRNG (threefry2x32), bit-exact with JAX.

Keys are uint32 *key data* of shape ``(..., 2)``. Two user-facing forms exist, as in JAX:

* typed keys, ``random.key(0)``: a `PRNGKeyArray` whose ``shape`` excludes the trailing 2 and
  whose ``dtype`` prints as ``key<fry>``. It is a pytree node with the key data as its single
  child, so jit, vmap, grad, scan, ... carry keys without knowing about them;
* raw keys, ``random.PRNGKey(0)``: the ``uint32[2]`` array itself.

Every function accepts both and returns keys in the form it was given.

The primitives work on key data and carry the PRNG flags as params captured at bind time
(`partitionable` = ``jax_threefry_partitionable``): ``random_seed``, ``random_split``,
``random_fold_in``, ``random_bits``, ``random_uniform`` (the scale-and-shift is one fused
multiply-add, as XLA computes it) and ``random_gamma`` (Marsaglia-Tsang rejection sampling,
differentiable in ``a`` by implicit reparameterisation). Their impls are the NumPy kernels of
`prng_kernels`, vectorised over leading key dimensions; their batching rules move the key
batch axis to the front. The distributions are composed from lax/jnp ops over these exactly
as JAX composes them, so they match JAX's values (bit for bit where our lax ops are, within a
few ulps where XLA's transcendental functions differ from NumPy's).

    >>> key = random.key(0)
    >>> key, subkey = random.split(key)
    >>> random.normal(subkey, (3,))
"""
from __future__ import annotations

import math
import operator
import warnings
from typing import Any, NamedTuple, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src import prng_kernels as pk
from numjax._src import tree_util as tu
from numjax._src import array as _array_mod
from numjax._src.array import Array
from numjax._src.config import config
from numjax._src.core import ShapedArray, Tracer, get_aval
from numjax._src.interpreters import batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import (batch_elementwise, def_zero_jvp, elementwise_aval, floating,
                                  never_weak, primitive)

_U32 = np.dtype(np.uint32)
_UINT = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
         64: np.dtype(np.uint64)}


def config_key() -> tuple:
  """The config flags baked into traced random computations (jit must key its caches on them).

  `jit` stages `random_*` primitives with `partitionable=config.jax_threefry_partitionable`;
  a cached trace is only valid for the flag value it was traced with.
  """
  return (bool(config.jax_threefry_partitionable),)


def _partitionable() -> bool:
  return bool(config.jax_threefry_partitionable)


# ==============================================================================================
# The PRNG implementation and key arrays
# ==============================================================================================
class PRNGImpl(NamedTuple):
  """A PRNG implementation: key data shape and its kernels (only threefry2x32 exists here)."""
  key_shape: tuple
  seed: Any
  split: Any
  random_bits: Any
  fold_in: Any
  name: str
  tag: str

  def __str__(self):
    return self.tag


threefry_prng_impl = PRNGImpl((2,), pk.threefry_seed, pk.threefry_split,
                              pk.threefry_random_bits, pk.threefry_fold_in,
                              "threefry2x32", "fry")
_KNOWN_IMPLS = ("philox2x32", "philox4x32", "threefry2x32", "rbg", "unsafe_rbg",
                "threefry4x32")


class KeyTy:
  """The dtype of typed key arrays; prints as ``key<fry>``."""
  __slots__ = ("_impl",)

  def __init__(self, impl: PRNGImpl):
    self._impl = impl

  name = property(lambda self: f"key<{self._impl.tag}>")
  itemsize = property(lambda self: 4 * math.prod(self._impl.key_shape))

  def __repr__(self):
    return self.name

  __str__ = __repr__

  def __eq__(self, other):
    return type(other) is KeyTy and other._impl == self._impl

  def __hash__(self):
    return hash(("KeyTy", self._impl.name))


_KEY_DTYPE = KeyTy(threefry_prng_impl)


class PRNGKeyArray:
  """An array of typed PRNG keys over uint32 key data of shape ``(*shape, 2)``.

  ``shape``/``ndim``/``size`` exclude the trailing key-data axis; indexing, iteration,
  ``len``, ``reshape`` and ``.T`` act on the key axes:

      >>> keys = random.split(random.key(0), 3)
      >>> keys.shape, len(keys), keys[0].shape
      ((3,), 3, ())
  """
  __slots__ = ("_base",)
  __array_priority__ = 100

  def __init__(self, base):
    self._base = base            # Array or tracer of uint32 (*shape, 2)

  # --- metadata ---------------------------------------------------------------------------
  dtype = property(lambda self: _KEY_DTYPE)
  shape = property(lambda self: tuple(self._base.shape[:-1]))
  ndim = property(lambda self: len(self.shape))
  size = property(lambda self: math.prod(self.shape))
  itemsize = property(lambda self: _KEY_DTYPE.itemsize)
  nbytes = property(lambda self: self.size * _KEY_DTYPE.itemsize)
  weak_type = False

  def __len__(self):
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __iter__(self):
    if not self.shape:
      raise TypeError("iteration over a 0-d key array")
    base = self._base
    if type(base) is Array:      # eager unpacking (`key, sub = split(key)`) without dispatch
      v = np.asarray(base._value)
      return iter([PRNGKeyArray(Array(v[i])) for i in range(v.shape[0])])
    return iter([self[i] for i in range(self.shape[0])])

  def __getitem__(self, idx):
    idx = idx if isinstance(idx, tuple) else (idx,)
    has_ellipsis = any(i is Ellipsis for i in idx)
    n = sum(1 for i in idx if i is not None and i is not Ellipsis)
    if n > self.ndim:
      raise IndexError(f"Too many indices: array is {self.ndim}-dimensional, but {n} were "
                       f"indexed")
    data_idx = idx + ((slice(None),) if has_ellipsis else (Ellipsis, slice(None)))
    return PRNGKeyArray(self._base[data_idx])

  def reshape(self, *shape, order="C"):
    if len(shape) == 1 and not isinstance(shape[0], int):
      shape = tuple(shape[0])
    size = self.size
    shape = tuple(int(s) for s in shape)
    if -1 in shape:
      known = math.prod(s for s in shape if s != -1)
      shape = tuple(size // known if known and s == -1 else s for s in shape)
    return PRNGKeyArray(L.reshape(self._base, shape + (2,)))

  def ravel(self):
    return self.reshape((self.size,))

  flatten = ravel

  def transpose(self, *axes):
    axes = tuple(axes[0]) if len(axes) == 1 and not isinstance(axes[0], int) else axes
    nd = self.ndim
    perm = tuple(range(nd))[::-1] if not axes else tuple(int(a) % nd for a in axes)
    return PRNGKeyArray(L.transpose(self._base, perm + (nd,)))

  T = property(lambda self: self.transpose())

  def squeeze(self, axis=None):
    shape = self.shape
    if axis is None:
      axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
      axes = tuple(int(a) % len(shape) for a in (axis if isinstance(axis, tuple) else (axis,)))
    return PRNGKeyArray(L.squeeze(self._base, axes))

  def copy(self):
    return self

  def block_until_ready(self):
    return self

  def __array__(self, dtype=None, copy=None):
    raise TypeError("JAX key arrays cannot be converted to NumPy arrays; use "
                    "jax.random.key_data(keys) for their uint32 key data.")

  # --- comparison ---------------------------------------------------------------------------
  def _compare(self, other, op):
    if not isinstance(other, PRNGKeyArray):
      return NotImplemented
    return _jnp().all(op(self._base, other._base), axis=-1)

  def __eq__(self, other):
    return self._compare(other, lambda a, b: a == b) if isinstance(other, PRNGKeyArray) \
        else NotImplemented

  def __ne__(self, other):
    if not isinstance(other, PRNGKeyArray):
      return NotImplemented
    return ~(self == other)

  __hash__ = None  # type: ignore

  # --- printing, as JAX prints ------------------------------------------------------------
  def __repr__(self):
    base = self._base
    if isinstance(base, Tracer):
      return f"Traced<{self.dtype}[{','.join(map(str, self.shape))}]>with<{base._trace!r}>"
    if not isinstance(base, (Array, np.ndarray)):   # e.g. eval_shape's ShapeDtypeStruct
      return f"{type(base).__name__}(shape={self.shape}, dtype={self.dtype})"
    return f"Array({self.shape}, dtype={self.dtype}) overlaying:\n{np.asarray(base)}"

  __str__ = __repr__


_array_mod._register_virtual(PRNGKeyArray)   # isinstance(key, numjax.Array), as in JAX
tu.register_pytree_node(PRNGKeyArray, lambda k: ((k._base,), None),
                        lambda _, children: PRNGKeyArray(children[0]))
tu.register_user_leaf(PRNGKeyArray)   # a leaf to users, as JAX key arrays are


def _impl_error(what: str) -> TypeError:
  return TypeError(f"JAX encountered invalid PRNG key data: {what} for "
                   f"impl={threefry_prng_impl!r}")


def _check_key_data(data) -> Any:
  """Validate raw key data (uint32, trailing axis 2) and return it as an Array/tracer."""
  if not (hasattr(data, "dtype") and hasattr(data, "shape") and hasattr(data, "ndim")):
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data to have ndim, "
                    f"shape, and dtype attributes. Got {data}")
  shape = tuple(data.shape)
  if shape[-1:] != (2,):
    raise _impl_error(f"expected key_data.shape to end with (2,); got shape={shape}")
  if np.dtype(data.dtype) != _U32:
    raise TypeError(f"JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; "
                    f"got dtype={np.dtype(data.dtype)}")
  return L.asarray(data)


def _check_prng_key(name: str, key, *, allow_batched: bool = False) -> tuple[Any, bool]:
  """(key data, whether `key` was typed); raw keys are validated as key data."""
  if isinstance(key, PRNGKeyArray):
    data, typed = key._base, True
    shape = key.shape
  elif isinstance(key, (Array, Tracer, np.ndarray, np.generic)) or \
      (hasattr(key, "dtype") and hasattr(key, "shape")):
    data, typed = _check_key_data(key), False
    shape = tuple(key.shape)
  elif isinstance(key, (list, tuple, dict, set)):
    raise TypeError(f"unexpected PRNG key type {type(key)}")
  else:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data to have ndim, "
                    f"shape, and dtype attributes. Got {key}")
  if not allow_batched and get_aval(data).ndim > 1:
    raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                     f"{shape} != (). Use jax.vmap for batching.")
  return data, typed


def _return_keys(typed: bool, data):
  return PRNGKeyArray(data) if typed else data


def _key_aval_check(name: str, keys: ShapedArray) -> None:
  if keys.dtype != _U32 or keys.ndim < 1 or keys.shape[-1] != 2:
    raise TypeError(f"{name} expects uint32 key data of shape (..., 2), got "
                    f"{keys.str_short()}")


# ==============================================================================================
# Primitives over key data
# ==============================================================================================
# --- random_seed: integer seeds -> key data ----------------------------------------------------
def _seed_aval(seeds, *, x64):
  if seeds.dtype.kind not in "iu":
    raise TypeError(f"PRNG key seed must be an integer; got {seeds.str_short()}")
  return ShapedArray(seeds.shape + (2,), _U32)


random_seed_p = primitive("random_seed",
                          lambda seeds, *, x64: pk.threefry_seed(np.asarray(seeds), x64=x64),
                          _seed_aval, weak_type_rule=never_weak)
def_zero_jvp(random_seed_p)
random_seed_p.batch = lambda vals, dims, **p: (random_seed_p.bind(vals[0], **p), dims[0])
random_seed_p.pp_params = lambda params: [("impl", "fry")]


# --- random_split: keys (*b, 2) -> (*b, *shape, 2) ----------------------------------------------
def _split_aval(keys, *, shape, partitionable):
  _key_aval_check("random_split", keys)
  return ShapedArray(keys.shape[:-1] + tuple(shape) + (2,), _U32)


random_split_p = primitive(
    "random_split",
    lambda keys, *, shape, partitionable: pk.threefry_split(keys, shape,
                                                            partitionable=partitionable),
    _split_aval, weak_type_rule=never_weak)
def_zero_jvp(random_split_p)
random_split_p.batch = lambda vals, dims, **p: (
    random_split_p.bind(batching.moveaxis(vals[0], dims[0], 0), **p), 0)
random_split_p.pp_params = lambda params: [("shape", params["shape"])]


# --- random_fold_in: keys (*b, 2), data uint32 (*b) or () -> (*b, 2) ----------------------------
def _fold_in_aval(keys, data):
  _key_aval_check("random_fold_in", keys)
  if data.dtype != _U32:
    raise TypeError(f"random_fold_in expects uint32 data, got {data.str_short()}")
  if data.shape not in ((), keys.shape[:-1]):
    raise TypeError(f"random_fold_in: data of shape {data.shape} does not match the key "
                    f"batch shape {keys.shape[:-1]}")
  return ShapedArray(keys.shape, _U32)


def _fold_in_batch(vals, dims):
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  keys, data = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
  return random_fold_in_p.bind(keys, data), 0


random_fold_in_p = primitive("random_fold_in",
                             lambda keys, data: pk.threefry_fold_in(keys, data),
                             _fold_in_aval, weak_type_rule=never_weak)
def_zero_jvp(random_fold_in_p)
random_fold_in_p.batch = _fold_in_batch
random_fold_in_p.pp_params = lambda params: []


# --- random_bits: keys (*b, 2) -> uint{bit_width} (*b, *shape) ----------------------------------
def _bits_aval(keys, *, bit_width, shape, partitionable):
  _key_aval_check("random_bits", keys)
  if bit_width not in _UINT:
    raise TypeError(f"random_bits: bit_width must be 8, 16, 32 or 64, got {bit_width}")
  return ShapedArray(keys.shape[:-1] + tuple(shape), _UINT[bit_width])


random_bits_p = primitive(
    "random_bits",
    lambda keys, *, bit_width, shape, partitionable: pk.threefry_random_bits(
        keys, bit_width, shape, partitionable=partitionable),
    _bits_aval, weak_type_rule=never_weak)
def_zero_jvp(random_bits_p)
random_bits_p.batch = lambda vals, dims, **p: (
    random_bits_p.bind(batching.moveaxis(vals[0], dims[0], 0), **p), 0)
random_bits_p.pp_params = lambda params: [("bit_width", params["bit_width"]),
                                          ("shape", params["shape"])]


# --- random_uniform: keys (*b, 2), minval, maxval -> dtype (*b, *shape) -------------------------
# max(minval, f * (maxval - minval) + minval) with f uniform on [0, 1) from the top mantissa
# bits; one primitive because XLA fuses the scale-and-shift into an FMA (a composition of lax
# ops would round twice). Bounds broadcast (NumPy-style, trailing) against (*b, *shape).
def _uniform_aval(keys, minval, maxval, *, shape, dtype, partitionable):
  _key_aval_check("random_uniform", keys)
  out = keys.shape[:-1] + tuple(shape)
  for b in (minval, maxval):
    if b.dtype != dtype:
      raise TypeError(f"random_uniform: bounds must have dtype {dtype.name}, got "
                      f"{b.str_short()}")
    try:
      ok = np.broadcast_shapes(b.shape, out) == out
    except ValueError:
      ok = False
    if not ok:
      raise TypeError(f"random_uniform: bound of shape {b.shape} does not broadcast to the "
                      f"output shape {out}")
  return ShapedArray(out, dtype)


def _uniform_impl(keys, minval, maxval, *, shape, dtype, partitionable):
  return pk.uniform(keys, shape, dtype, minval, maxval, partitionable=partitionable)


random_uniform_p = primitive("random_uniform", _uniform_impl, _uniform_aval,
                             weak_type_rule=never_weak)


def _uniform_jvp(primals, tangents, **params):
  keys, lo, hi = primals
  _, tlo, thi = tangents
  out = random_uniform_p.bind(keys, lo, hi, **params)
  if type(tlo) is Zero and type(thi) is Zero:
    return out, Zero.from_primal_value(out)
  # d out = f * (d maxval - d minval) + d minval, where f is the [0, 1) variate; d minval
  # where the result is clamped to minval (as JAX's derivative of its max).
  shape = get_aval(out).shape
  dtype = params["dtype"]
  zero, one = (Array(np.array(v, dtype)[()], False) for v in (0, 1))
  f = random_uniform_p.bind(keys, zero, one, **params)
  tlo = None if type(tlo) is Zero else L.broadcast_to_shape(tlo, shape)
  thi = None if type(thi) is Zero else L.broadcast_to_shape(thi, shape)
  if tlo is None:
    t = L.mul(f, thi)
    other = L.full_like(t, 0)
  else:
    t = L.add(L.mul(f, L.sub(thi, tlo)), tlo) if thi is not None else \
        L.add(L.mul(f, L.neg(tlo)), tlo)
    other = tlo
  inside = L.gt(out, L.broadcast_to_shape(lo, shape))
  return out, L.select(inside, t, other)


def _uniform_batch(vals, dims, **params):
  keys, lo, hi = vals
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  keys = batching.bdim_at_front(keys, dims[0], size)
  out_rank = get_aval(keys).ndim - 1 + len(params["shape"])

  def bound(x, d):
    if d is None:
      return x
    x = batching.moveaxis(x, d, 0)
    r = get_aval(x).ndim
    return L.expand_dims(x, tuple(range(1, 1 + out_rank - r))) if r < out_rank else x
  return random_uniform_p.bind(keys, bound(lo, dims[1]), bound(hi, dims[2]), **params), 0


random_uniform_p.jvp = _uniform_jvp
random_uniform_p.batch = _uniform_batch
random_uniform_p.pp_params = lambda params: [("dtype", params["dtype"].name),
                                             ("shape", params["shape"])]


# --- random_gamma: keys (*b, 2), a (*b, *s) -> samples like a ----------------------------------
# Marsaglia & Tsang's rejection sampler, element by element as JAX runs it (each element gets
# its own key from splitting its key), vectorised over elements in NumPy: the loops below run
# over rejection rounds, with the still-rejected elements only.
def _xla_log(x, dtype):
  """log as XLA's CPU backend computes it (float32: its Cephes polynomial; float64: libm)."""
  x = np.atleast_1d(np.asarray(x, dtype))
  if dtype == np.float16:
    return _xla_log(x.astype(np.float32), np.dtype(np.float32)).astype(np.float16)
  if dtype == np.float32:
    with np.errstate(divide="ignore", invalid="ignore"):
      ok = x > 0
      out = pk._log_f32(np.where(ok, x, np.float32(1)))
      return np.where(ok, out, np.log(x))
  return pk._libm_log(x.astype(np.float64))


def _xla_log1p(x, dtype):
  x = np.atleast_1d(np.asarray(x, dtype))
  if dtype == np.float16:
    return pk._log1p(x.astype(np.float32)).astype(np.float16)
  return pk._log1p(x)


def _fma(a, b, c, dtype):
  return pk._fma_any(a, b, c, np.dtype(dtype))


def _marsaglia_tsang(keys, alpha, log_space: bool, part: bool) -> np.ndarray:
  dtype = alpha.dtype
  f = dtype.type
  n = alpha.shape[0]
  boost_mask = alpha >= f(1)
  alpha_orig = alpha
  alpha = np.where(boost_mask, alpha, alpha + f(1))
  d = alpha - f(1. / 3.)
  # XLA computes 1/3 * rsqrt(d) from a hardware estimate refined by Newton steps, which can
  # differ from this correctly rounded quotient in the last bit (samples then differ by ulps).
  c = f(1. / 3.) / np.sqrt(d)
  ks = pk.threefry_split(keys, (2,), partitionable=part)
  key, subkey = ks[:, 0].copy(), ks[:, 1]
  X = np.zeros(n, dtype)
  V = np.ones(n, dtype)
  U = np.full(n, 2, dtype)
  todo = np.arange(n)
  while todo.size:
    k3 = pk.threefry_split(key[todo], (3,), partitionable=part)
    key[todo] = k3[:, 0]
    x_key, u_key = k3[:, 1].copy(), k3[:, 2]
    x = np.zeros(todo.size, dtype)
    v = np.full(todo.size, -1, dtype)
    inner = np.arange(todo.size)
    while inner.size:                        # draw x ~ N(0, 1) until v = 1 + x c > 0
      k2 = pk.threefry_split(x_key[inner], (2,), partitionable=part)
      x_key[inner] = k2[:, 0]
      xs = pk.normal(k2[:, 1], (), dtype, partitionable=part)
      x[inner] = xs
      v[inner] = _fma(xs, c[todo][inner], f(1), dtype)
      inner = inner[v[inner] <= 0]
    X[todo] = x * x
    V[todo] = v * v * v
    U[todo] = pk.uniform(u_key, (), dtype, partitionable=part)
    Xt, Vt, Ut, dt = X[todo], V[todo], U[todo], d[todo]
    with np.errstate(divide="ignore", invalid="ignore"):
      reject = (Ut >= f(1) - f(0.0331) * (Xt * Xt)) & \
          (_xla_log(Ut, dtype) >= Xt * f(0.5) + dt * ((f(1) - Vt) + _xla_log(Vt, dtype)))
    todo = todo[reject]
  u = pk.uniform(subkey, (), dtype, partitionable=part)
  with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    if log_space:
      log_samples = _xla_log1p(-u, dtype)           # -exponential(subkey)
      log_boost = np.where(boost_mask | (log_samples == 0), f(0),
                           log_samples * (f(1) / alpha_orig))
      return (_xla_log(d, dtype) + _xla_log(V, dtype)) + log_boost
    samples = f(1) - u
    boost = np.where(boost_mask, f(1), np.power(samples, f(1) / alpha_orig))
    return (d * V) * boost


def _gamma_impl(keys, a, *, log_space, partitionable):
  a = np.asarray(a)
  keys = np.asarray(keys)
  kb = keys.shape[:-1]
  if a.size == 0:
    return np.zeros(a.shape, a.dtype)
  per_key = math.prod(a.shape[len(kb):])
  sub = pk.threefry_split(keys, (per_key,), partitionable=partitionable).reshape(-1, 2)
  out = _marsaglia_tsang(sub, a.reshape(-1), log_space, partitionable)
  return np.asarray(out, a.dtype).reshape(a.shape)


def _gamma_aval(keys, a, *, log_space, partitionable):
  _key_aval_check("random_gamma", keys)
  if a.dtype.kind != "f":
    raise TypeError(f"random_gamma requires a floating alpha, got {a.str_short()}")
  if a.shape[:keys.ndim - 1] != keys.shape[:-1]:
    raise TypeError(f"random_gamma: alpha of shape {a.shape} does not start with the key "
                    f"batch shape {keys.shape[:-1]}")
  return ShapedArray(a.shape, a.dtype)


random_gamma_p = primitive("random_gamma", _gamma_impl, _gamma_aval, weak_type_rule=never_weak)


def _gamma_jvp(primals, tangents, *, log_space, partitionable):
  keys, a = primals
  out = random_gamma_p.bind(keys, a, log_space=log_space, partitionable=partitionable)
  ta = tangents[1]
  if type(ta) is Zero:
    return out, Zero.from_primal_value(out)
  if log_space:   # d log(x) = dx / x, with x = exp(log x) kept away from 0
    x = L.exp(out)
    tiny = L.full_like(x, np.finfo(get_aval(x).dtype).tiny)
    x = L.select(L.eq(x, L.full_like(x, 0)), tiny, x)
    g = L.div(random_gamma_grad_p.bind(a, x), x)
  else:
    g = random_gamma_grad_p.bind(a, out)
  return out, L.mul(ta, g)


def _gamma_batch(vals, dims, **params):
  size = next(get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  keys, a = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
  return random_gamma_p.bind(keys, a, **params), 0


random_gamma_p.jvp = _gamma_jvp
random_gamma_p.batch = _gamma_batch


# --- random_gamma_grad: d sample / d alpha at fixed CDF value (implicit reparameterisation) -----
def _gamma_grad_impl(a, x):
  """dx/da = -(dP(a, x)/da) / (dP(a, x)/dx), P the regularized lower incomplete gamma.

  dP/da by Richardson-extrapolated central differences of whichever of P, Q = 1 - P is the
  smaller (relative accuracy), in float64; dP/dx is the gamma density.
  """
  import scipy.special as sps
  dtype = np.result_type(a, x)
  a64, x64 = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
  with np.errstate(all="ignore"):
    use_q = x64 > a64
    fn = lambda aa: np.where(use_q, -sps.gammaincc(aa, x64), sps.gammainc(aa, x64))
    h = 1e-3 * a64
    d1 = (fn(a64 + h) - fn(a64 - h)) / (2 * h)
    d2 = (fn(a64 + h / 2) - fn(a64 - h / 2)) / h
    dp_da = (4 * d2 - d1) / 3
    log_pdf = (a64 - 1) * np.log(x64) - x64 - sps.gammaln(a64)
    grad = -dp_da / np.exp(log_pdf)
    grad = np.where(x64 > 0, grad, 0.)
  return np.asarray(grad, dtype)


random_gamma_grad_p = primitive("random_gamma_grad", _gamma_grad_impl,
                                elementwise_aval("random_gamma_grad", floating),
                                weak_type_rule=never_weak)
batch_elementwise(random_gamma_grad_p)


# ==============================================================================================
# Argument helpers
# ==============================================================================================
def _canon_shape(shape) -> tuple:
  if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
    shape = (shape,)
  try:
    out = tuple(operator.index(d) for d in shape)
  except TypeError:
    raise TypeError("Shapes must be 1D sequences of concrete values of integer type, got "
                    f"{shape}.") from None
  if any(d < 0 for d in out):
    raise ValueError(f"Shapes must have nonnegative dimensions, got {out}.")
  return out


_X64_MSG = ("Explicitly requested dtype {} is not available, and will be truncated to dtype {}."
            " To enable more dtypes, set the jax_enable_x64 configuration option or the "
            "JAX_ENABLE_X64 shell environment variable. See "
            "https://github.com/jax-ml/jax#current-gotchas for more.")


def _user_dtype(dtype, default: str) -> np.dtype:
  """The canonical dtype for a user's request (None: the default `default` type)."""
  if dtype is None:
    return {"float": dtypes.default_float, "int": dtypes.default_int,
            "uint": dtypes.default_uint}[default]()
  if dtype is float or dtype is int or dtype is complex:   # Python types: no warning
    return {float: dtypes.default_float, int: dtypes.default_int,
            complex: dtypes.default_complex}[dtype]()
  if isinstance(dtype, KeyTy):
    raise TypeError(f"dtype {dtype} is a key dtype; use random.key or random.wrap_key_data")
  try:
    dt = np.dtype(dtype)
  except TypeError:
    raise TypeError(f"data type {dtype!r} not understood") from None
  canon = dtypes.canonicalize_dtype(dt)
  if canon != dt:
    warnings.warn(_X64_MSG.format(dt.name, canon.name), UserWarning, stacklevel=3)
  return canon


def _dtype_of(x) -> np.dtype:
  return get_aval(L.asarray(x)).dtype


def _shape_of(x) -> tuple:
  return tuple(np.shape(x)) if not isinstance(x, (Array, Tracer)) else get_aval(x).shape


def _broadcast_shapes(*shapes) -> tuple:
  try:
    return tuple(np.broadcast_shapes(*shapes))
  except ValueError:
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def _check_shape(name: str, shape: tuple, *param_shapes) -> None:
  if param_shapes:
    shape_ = _broadcast_shapes(shape, *param_shapes)
    if shape != shape_:
      raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                       "argument, and the result of broadcasting the shapes must equal the "
                       f"shape argument, but got result {shape_} for shape argument {shape}.")


def _check_broadcast_shapes(name: str, shape, *args) -> tuple:
  arg_shapes = [_shape_of(a) for a in args]
  if shape is None:
    return _broadcast_shapes(*arg_shapes) if arg_shapes else ()
  shape = _canon_shape(shape)
  _check_shape(name, shape, *arg_shapes)
  return shape


def _check_float(name: str, dtype: np.dtype, what="a float") -> None:
  if dtype.kind != "f":
    raise ValueError(f"dtype argument to `{name}` must be {what} dtype, got {dtype}")


def _scalar(val, dtype) -> Array:
  return Array(np.array(val, dtype)[()], False)


def _convert(x, dtype):
  return L.convert_element_type(L.asarray(x), dtype)


def _broadcast_to_rank(x, rank: int):
  nd = get_aval(x).ndim
  return x if nd >= rank else L.expand_dims(x, tuple(range(rank - nd)))


def _jnp():
  import numjax.numpy
  return numjax.numpy


def _unstack(keys, n: int) -> list:
  return [L.index_in_dim(keys, i, 0, keepdims=False) for i in range(n)]


# ==============================================================================================
# Key operations
# ==============================================================================================
def _resolve_impl(impl) -> PRNGImpl:
  if impl is None or impl is threefry_prng_impl or impl == _KEY_DTYPE:
    return threefry_prng_impl
  if isinstance(impl, str):
    if impl == "threefry2x32":
      return threefry_prng_impl
    if impl in _KNOWN_IMPLS:
      raise NotImplementedError(f"PRNG implementation {impl!r} is not available in numjax; "
                                "only 'threefry2x32' is implemented.")
    keys_fmt = ", ".join(f'"{s}"' for s in _KNOWN_IMPLS)
    raise ValueError(f'unrecognized PRNG implementation "{impl}". Did you mean one of: '
                     f'{keys_fmt}?')
  raise TypeError(f"unrecognized type {type(impl)} for specifying PRNG implementation.")


def _seed_data(ctor_name: str, seed, impl):
  _resolve_impl(impl)
  if isinstance(seed, PRNGKeyArray):
    raise TypeError(f"{ctor_name} accepts a scalar seed, but was given a PRNG key.")
  if np.ndim(seed) if not isinstance(seed, (Array, Tracer)) else get_aval(seed).ndim:
    raise TypeError(f"{ctor_name} accepts a scalar seed, but was given an array of shape "
                    f"{_shape_of(seed)} != (). Use jax.vmap for batching")
  if isinstance(seed, (bool, np.bool_)):
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  if type(seed) is int:
    v = np.int64(seed)          # OverflowError outside the int64 range, as in JAX
    seed = Array(v if config.x64 else v.astype(np.int32), False)
  elif isinstance(seed, (np.ndarray, np.generic)):
    if np.asarray(seed).dtype.kind not in "iu":
      raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
    seed = L.asarray(seed)
  elif not isinstance(seed, (Array, Tracer)):
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  if get_aval(seed).dtype.kind not in "iu":
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  return random_seed_p.bind(seed, x64=config.x64)


def key(seed, *, impl=None, dtype=None) -> PRNGKeyArray:
  """A typed PRNG key from an integer seed: ``random.key(0)``."""
  if dtype is not None:
    if impl is not None:
      raise ValueError("Cannot specify both `impl` and `dtype` arguments to jax.random.key")
    impl = dtype
  return PRNGKeyArray(_seed_data("key", seed, impl))


def PRNGKey(seed, *, impl=None):
  """A raw (legacy) key, the uint32[2] key data: ``Array([0, 0], dtype=uint32)``."""
  return _seed_data("PRNGKey", seed, impl)


def key_data(keys):
  """The uint32 key data underlying `keys` (raw keys are returned as they are)."""
  data, _ = _check_prng_key("key_data", keys, allow_batched=True)
  return data


def wrap_key_data(key_bits_array, *, impl=None, dtype=None) -> PRNGKeyArray:
  """Wrap uint32 key data of shape (..., 2) into a typed key array."""
  if dtype is not None:
    if impl is not None:
      raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                       "jax.random.wrap_key_data")
    impl = dtype
  _resolve_impl(impl)
  if isinstance(key_bits_array, PRNGKeyArray):
    raise TypeError("wrap_key_data expects uint32 key data, got a key array")
  return PRNGKeyArray(_check_key_data(key_bits_array))


def key_impl(keys) -> str:
  """The name of the PRNG implementation of `keys`: ``'threefry2x32'``."""
  _check_prng_key("key_impl", keys, allow_batched=True)
  return threefry_prng_impl.name


def key_dtype(impl=None) -> KeyTy:
  """The dtype of typed keys of an implementation (``key<fry>``)."""
  _resolve_impl(impl)
  return _KEY_DTYPE


def clone(key):
  """A copy of `key` (keys are immutable here, so the key itself)."""
  return key


def default_prng_impl() -> PRNGImpl:
  return threefry_prng_impl


def _split(data, num) -> Any:
  shape = tuple(num) if isinstance(num, Sequence) else (num,)
  return random_split_p.bind(data, shape=_canon_shape(shape),
                             partitionable=_partitionable())


def split(key, num: int | tuple = 2):
  """Split a key into `num` new keys (a leading axis; `num` may be a shape)."""
  data, typed = _check_prng_key("split", key)
  return _return_keys(typed, _split(data, num))


def _fold_in_data(data):
  if type(data) is int:
    if not 0 <= data < 2**32:
      raise OverflowError(f"Python integer {data} out of bounds for uint32")
    return Array(np.uint32(data), False)
  if isinstance(data, float):
    return Array(np.array(data).astype(np.uint32)[()], False)
  return L.convert_element_type(L.asarray(data), _U32)


def fold_in(key, data):
  """A new key that is a deterministic function of `key` and the 32-bit integer `data`."""
  kd, typed = _check_prng_key("fold_in", key)
  if not isinstance(data, (Array, Tracer, int, np.integer, np.ndarray)):
    data = L.asarray(data)  # TypeError naming a non-array `data`
  if get_aval(data).ndim:
    raise TypeError("fold_in accepts a scalar, but was given an array of"
                    f"shape {_shape_of(data)} != (). Use jax.vmap for batching.")
  return _return_keys(typed, random_fold_in_p.bind(kd, _fold_in_data(data)))


def _bits(data, bit_width: int, shape: tuple):
  return random_bits_p.bind(data, bit_width=bit_width, shape=tuple(shape),
                            partitionable=_partitionable())


def bits(key, shape=(), dtype=None):
  """Uniform random bits as unsigned integers (uint32 by default, uint64 with x64)."""
  data, _ = _check_prng_key("bits", key)
  dtype = _user_dtype(dtype, "uint")
  if dtype.kind != "u":
    raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
  return _bits(data, dtype.itemsize * 8, _canon_shape(shape))


# ==============================================================================================
# Uniform, normal and the integer samplers
# ==============================================================================================
def _uniform(data, minval, maxval, shape: tuple, dtype: np.dtype):
  minval = _convert(minval, dtype)
  maxval = _convert(maxval, dtype)
  for b in (minval, maxval):
    bs = get_aval(b).shape
    if _broadcast_shapes(shape, bs) != shape:
      raise TypeError(f"uniform: minval/maxval of shape {bs} must broadcast to the sample "
                      f"shape {shape}")
  return random_uniform_p.bind(data, minval, maxval, shape=tuple(shape), dtype=dtype,
                               partitionable=_partitionable())


def uniform(key, shape=(), dtype=None, minval=0., maxval=1.):
  """Uniform samples in [minval, maxval) of the given shape and float dtype."""
  data, _ = _check_prng_key("uniform", key)
  dtype = _user_dtype(dtype, "float")
  shape = _canon_shape(shape)
  if dtype.kind != "f":
    raise ValueError(f"dtype argument to `uniform` must be a float dtype, got {dtype}")
  return _uniform(data, minval, maxval, shape, dtype)


def _normal_real(data, shape, dtype):
  lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype))
  u = _uniform(data, _scalar(lo, dtype), _scalar(1., dtype), shape, dtype)
  return L.mul(_scalar(np.sqrt(2), dtype), L.erf_inv(u))


def _normal(data, shape, dtype):
  if dtype.kind == "c":
    k_re, k_im = _unstack(_split(data, 2), 2)
    real = dtypes.real_dtype(dtype)
    re = L.convert_element_type(_normal_real(k_re, shape, real), dtype)
    im = L.convert_element_type(_normal_real(k_im, shape, real), dtype)
    z = L.add(re, L.mul(_scalar(1j, dtype), im))
    return L.div(z, _scalar(np.sqrt(2), dtype))
  return _normal_real(data, shape, dtype)


def normal(key, shape=(), dtype=None):
  """Standard normal samples (real or complex dtype)."""
  data, _ = _check_prng_key("normal", key)
  shape = _canon_shape(shape)
  dtype = _user_dtype(dtype, "float")
  if dtype.kind not in "fc":
    raise ValueError(f"dtype argument to `normal` must be a float or complex dtype, "
                     f"got {dtype}")
  return _normal(data, shape, dtype)


def _convert_and_clip_integer(val, dtype):
  """Convert an integer array to `dtype`, clipping to its range rather than wrapping."""
  jnp = _jnp()
  vd = get_aval(val).dtype
  lo = max(np.iinfo(dtype).min, np.iinfo(vd).min)
  hi = min(np.iinfo(dtype).max, np.iinfo(vd).max)
  return L.convert_element_type(jnp.clip(val, _scalar(lo, vd), _scalar(hi, vd)), dtype)


def _safe_rem(x, y):
  """XLA's integer remainder, where x % 0 == x."""
  jnp = _jnp()
  zero = jnp.equal(y, 0)
  return jnp.where(zero, x, L.rem(x, jnp.where(zero, 1, y)))


def _randint(data, minval, maxval, shape, dtype):
  jnp = _jnp()
  _check_shape("randint", shape, _shape_of(minval), _shape_of(maxval))
  minval = jnp.asarray(minval)
  maxval = jnp.asarray(maxval)
  if get_aval(minval).dtype.kind not in "iu":
    minval = minval.astype(int)
  if get_aval(maxval).dtype.kind not in "iu":
    maxval = maxval.astype(int)
  maxval_dtype = get_aval(maxval).dtype
  maxval_out_of_range = L.gt(maxval, _convert_and_clip_integer(
      _scalar(np.iinfo(dtype).max, dtype), maxval_dtype))
  minval = _broadcast_to_rank(_convert_and_clip_integer(minval, dtype), len(shape))
  maxval = _broadcast_to_rank(_convert_and_clip_integer(maxval, dtype), len(shape))
  nbits = np.iinfo(dtype).bits
  k1, k2 = _unstack(_split(data, 2), 2)
  higher_bits, lower_bits = _bits(k1, nbits, shape), _bits(k2, nbits, shape)
  udtype = _UINT[nbits]
  span = L.convert_element_type(maxval - minval, udtype)
  span = L.select(maxval <= minval, L.full_like(span, 1), span)   # always minval (#222)
  # maxval above the dtype's range: one more value (wrapping to 0 = the full range).
  span = L.select(jnp.logical_and(maxval_out_of_range, maxval > minval),
                  L.add(span, L._const(span, 1)), span)
  # (higher * 2**nbits + lower) mod span, with 2**nbits mod span = (2**(nbits/2) mod span)**2.
  multiplier = _safe_rem(L._const(span, 2 ** (nbits // 2)), span)
  multiplier = _safe_rem(L.mul(multiplier, multiplier), span)
  offset = L.add(L.mul(_safe_rem(higher_bits, span), multiplier), _safe_rem(lower_bits, span))
  offset = _safe_rem(offset, span)
  return L.add(minval, L.convert_element_type(offset, dtype))


def randint(key, shape, minval, maxval, dtype=None):
  """Integers uniform in [minval, maxval) (int32 by default, int64 with x64)."""
  jnp = _jnp()
  data, _ = _check_prng_key("randint", key)
  dtype = _user_dtype(dtype, "int")
  shape = _canon_shape(shape)
  if dtype.kind not in "iu":
    raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
  info = np.iinfo(dtype)
  sample_dtype = dtype
  if info.bits < 32:   # sample in 32 bits (less modulo bias), as JAX does
    sample_dtype = np.dtype(np.int32)
    minval = jnp.clip(jnp.asarray(minval).astype(np.int32), int(info.min), int(info.max))
    maxval = jnp.clip(jnp.asarray(maxval).astype(np.int32), int(info.min), int(info.max) + 1)
  out = _randint(data, minval, maxval, shape, sample_dtype)
  return L.convert_element_type(out, dtype)


def bernoulli(key, p=0.5, shape=None, mode: str = "low"):
  """Booleans that are True with probability `p`."""
  jnp = _jnp()
  if shape is not None:
    shape = _canon_shape(shape)
  if mode not in ("high", "low"):
    raise ValueError(f"got mode={mode!r}, expected 'high' or 'low'")
  data, _ = _check_prng_key("bernoulli", key)
  dtype = _dtype_of(p)
  if dtype.kind != "f":
    raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
  p = _convert(p, dtype)
  if shape is None:
    shape = get_aval(p).shape
  else:
    _check_shape("bernoulli", shape, get_aval(p).shape)
  if mode == "high":
    u1, u2 = _unstack(_uniform(data, 0., 1., (2, *shape), dtype), 2)
    u2 = L.mul(u2, _scalar(2. ** -np.finfo(dtype).nmant, dtype))
    return jnp.less(u2, jnp.subtract(p, u1))
  return jnp.less(_uniform(data, 0., 1., shape, dtype), p)


def rademacher(key, shape=(), dtype=None):
  """-1 or +1 with equal probability."""
  data, _ = _check_prng_key("rademacher", key)
  dtype = _user_dtype(dtype, "int")
  shape = _canon_shape(shape)
  b = L.convert_element_type(bernoulli(data, 0.5, shape), dtype)
  return L.convert_element_type(L.sub(L.mul(_scalar(2, dtype), b), _scalar(1, dtype)), dtype)


# ==============================================================================================
# Permutations and choices
# ==============================================================================================
def _shuffle(data, x, axis: int):
  size = get_aval(x).size
  # Sort by random 32-bit keys, enough rounds to make collisions negligible (tjablin's rule).
  rounds = int(np.ceil(3 * np.log(max(1, size)) / np.log(np.iinfo(np.uint32).max)))
  for _ in range(rounds):
    data, subkey = _unstack(_split(data, 2), 2)
    sort_keys = _bits(subkey, 32, get_aval(x).shape)
    _, x = L.sort_key_val(sort_keys, x, axis)
  return x


def _concrete_int(x, what: str) -> int:
  v = core.concrete_value(x) if isinstance(x, (Array, Tracer)) else x
  if v is None:
    from numjax._src.errors import ConcretizationTypeError
    raise ConcretizationTypeError(x, f"The error occurred in {what}")
  return operator.index(np.asarray(v)[()].item() if isinstance(v, np.ndarray) else v)


def _canonicalize_axis(axis: int, ndim: int) -> int:
  from numjax._src.lax.base import canonical_axis
  return canonical_axis(axis, ndim)


def permutation(key, x, axis: int = 0, independent: bool = False):
  """A random permutation of ``arange(x)`` (int `x`) or of `x` along `axis`."""
  jnp = _jnp()
  data, _ = _check_prng_key("permutation", key)
  ndim = len(_shape_of(x))
  axis = _canonicalize_axis(axis, ndim or 1)
  if not ndim:
    if _dtype_of(x).kind not in "iu":
      raise TypeError("x must be an integer or at least 1-dimensional")
    r = _concrete_int(x, "argument x of jax.random.permutation()")
    return _shuffle(data, jnp.arange(r), axis)
  x = jnp.asarray(x)
  if independent or ndim == 1:
    return _shuffle(data, x, axis)
  ind = _shuffle(data, jnp.arange(get_aval(x).shape[axis]), 0)
  return jnp.take(x, ind, axis)


def choice(key, a, shape: Sequence[int] = (), replace: bool = True, p=None, axis: int = 0,
           mode: str | None = None):
  """Samples from `a` (or ``arange(a)``), with or without replacement, optionally weighted."""
  jnp = _jnp()
  data, _ = _check_prng_key("choice", key)
  if not isinstance(shape, Sequence):
    raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
  shape = _canon_shape(shape)
  arr = jnp.asarray(a)
  arr_shape = get_aval(arr).shape
  if not arr_shape:
    n_inputs = _concrete_int(a, "jax.random.choice()")
  else:
    axis = _canonicalize_axis(axis, len(arr_shape))
    n_inputs = arr_shape[axis]
  n_draws = math.prod(shape)
  if n_draws == 0:
    return jnp.zeros(shape, dtype=get_aval(arr).dtype)
  if n_inputs <= 0:
    raise ValueError("a must be greater than 0 unless no samples are taken")
  if not replace and n_draws > n_inputs:
    raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population (size "
                     f"{n_inputs}) when 'replace=False'")
  if p is None:
    if replace:
      ind = randint(data, shape, 0, n_inputs)
      result = ind if not arr_shape else jnp.take(arr, ind, axis)
    else:
      perm = permutation(data, n_inputs if not arr_shape else arr, axis)
      result = L.slice_in_dim(perm, 0, n_draws, axis=axis)
  else:
    from numjax._src.numpy.util import promote_dtypes_inexact
    p_arr, = promote_dtypes_inexact(p)
    if get_aval(p_arr).shape != (n_inputs,):
      raise ValueError("p must be None or a 1D vector with the same size as a.shape[axis]. "
                       f"p has shape {get_aval(p_arr).shape} and a.shape[axis] is "
                       f"{n_inputs}.")
    pdt = get_aval(p_arr).dtype
    if replace:
      p_cuml = jnp.cumsum(p_arr)
      total = L.index_in_dim(p_cuml, n_inputs - 1, 0, keepdims=False)
      r = jnp.multiply(total, jnp.subtract(1, _uniform(data, 0., 1., shape, pdt)))
      ind = jnp.searchsorted(p_cuml, r).astype(int)
    else:
      g = jnp.add(gumbel(data, (n_inputs,), pdt, mode=mode), jnp.log(p_arr))
      ind = L.top_k(g, n_draws)[1].astype(int)
    result = ind if not arr_shape else jnp.take(arr, ind, axis)
  return result.reshape(shape if not arr_shape else
                        arr_shape[:axis] + tuple(shape) + arr_shape[axis + 1:])


# ==============================================================================================
# Continuous distributions from uniform / normal
# ==============================================================================================
def _float_args(name: str, key, dtype, kind="a float", kinds="f"):
  data, _ = _check_prng_key(name, key)
  dtype = _user_dtype(dtype, "float")
  if dtype.kind not in kinds:
    raise ValueError(f"dtype argument to `{name}` must be {kind} dtype, got {dtype}")
  return data, dtype


def exponential(key, shape=(), dtype=None):
  """Exponential(1) samples: -log(1 - u)."""
  data, dtype = _float_args("exponential", key, dtype)
  u = _uniform(data, 0., 1., _canon_shape(shape), dtype)
  return L.neg(L.log1p(L.neg(u)))   # 1 - u moves the domain of log to (0, 1]


def laplace(key, shape=(), dtype=None):
  """Laplace(0, 1) samples."""
  data, dtype = _float_args("laplace", key, dtype)
  u = _uniform(data, -1. + np.finfo(dtype).epsneg, 1., _canon_shape(shape), dtype)
  return L.mul(L.sign(u), L.log1p(L.neg(L.abs(u))))


def logistic(key, shape=(), dtype=None):
  """Standard logistic samples: log(u) - log(1 - u)."""
  data, dtype = _float_args("logistic", key, dtype)
  x = _uniform(data, np.finfo(dtype).tiny, 1., _canon_shape(shape), dtype)
  return L.sub(L.log(x), L.log1p(L.neg(x)))


def cauchy(key, shape=(), dtype=None):
  """Standard Cauchy samples: tan(pi (u - 1/2))."""
  data, dtype = _float_args("cauchy", key, dtype)
  u = _uniform(data, np.finfo(dtype).eps, 1., _canon_shape(shape), dtype)
  return L.tan(L.mul(_scalar(np.pi, dtype), L.sub(u, _scalar(0.5, dtype))))


def _clz32(x):
  """Count leading zeros of uint32 values (smear the top bit right, count the ones)."""
  for s in (1, 2, 4, 8, 16):
    x = L.bitwise_or(x, L.shift_right_logical(x, L._const(x, s)))
  return L.sub(L._const(x, 32), L.population_count(x))


def _safe_int_to_float(hi, lo, dtype):
  """Two uint32 words of a fixed-point fraction -> float32 in (0, 1), keeping precision."""
  jnp = _jnp()
  u32 = lambda v: _scalar(v, _U32)
  finfo = np.finfo(dtype)
  hiclz, loclz = _clz32(hi), _clz32(lo)
  mantissa = L.bitwise_or(
      L.shift_left(hi, hiclz),
      jnp.where(hiclz == 32, L.shift_left(lo, loclz),
                L.shift_right_logical(lo, L.sub(u32(finfo.bits), hiclz))))
  mantissa = L.shift_right_logical(mantissa, u32(finfo.bits - finfo.nmant - 1))
  mantissa = L.bitwise_and(mantissa, u32((1 << finfo.nmant) - 1))
  exp = L.shift_left(L.sub(u32(-finfo.minexp),
                           jnp.where(hiclz == 32, L.add(u32(32), loclz), hiclz)),
                     u32(finfo.nmant))
  exp = L.bitwise_and(exp, u32((1 << (finfo.bits - 2)) - (1 << (finfo.nmant - 1))))
  return L.bitcast_convert_type(L.bitwise_or(exp, mantissa), dtype)


def _gumbel(data, shape, dtype, mode):
  jnp = _jnp()
  info = np.finfo(dtype)
  if dtype == np.float32 and mode == "highest":
    b = _bits(data, 32, (2,) + shape)
    hi_b, lo_b = _unstack(b, 2)
    neg = L.bitwise_not(b)
    neg_hi, neg_lo = _unstack(neg, 2)
    # 1 - bits in 64-bit fixed point: carry into the high word when the low word wraps.
    carry = L.convert_element_type(jnp.equal(neg_lo, np.uint32(0xFFFFFFFF)), _U32)
    neg_hi = L.add(neg_hi, carry)
    neg_lo = L.add(neg_lo, _scalar(1, _U32))
    flip = jnp.less(hi_b, np.uint32(1 << 31))
    x = _safe_int_to_float(jnp.where(flip, hi_b, neg_hi), jnp.where(flip, lo_b, neg_lo), dtype)
    return jnp.where(flip, -jnp.log(-jnp.log1p(-x)), -jnp.log(-jnp.log(x)))
  if mode in ("high", "highest"):
    high, low = _unstack(_uniform(data, 0., 1., (2,) + shape, dtype), 2)
    x = jnp.where(high >= 0.5, high,
                  high + _scalar(2. ** -info.nmant, dtype) * low + _scalar(info.tiny, dtype))
    return -jnp.log(-jnp.log1p(-x))
  return -jnp.log(-jnp.log(_uniform(data, info.tiny, 1., shape, dtype)))


def gumbel(key, shape=(), dtype=None, mode: str | None = None):
  """Standard Gumbel samples: -log(-log(u)); mode 'high'/'highest' use more random bits."""
  data, dtype = _float_args("gumbel", key, dtype)
  shape = _canon_shape(shape)
  mode = "low" if mode is None else mode
  if mode not in ("highest", "high", "low"):
    raise ValueError("Must provide valid mode for gumbel got: %s" % mode)
  return _gumbel(data, shape, dtype, mode)


def categorical(key, logits, axis: int = -1, shape=None, replace: bool = True,
                mode: str | None = None):
  """Indices sampled from softmax(logits) along `axis` (the Gumbel-max / top-k trick)."""
  jnp = _jnp()
  data, _ = _check_prng_key("categorical", key)
  from numjax._src.numpy.util import check_arraylike
  check_arraylike("categorical", logits)
  logits = jnp.asarray(logits)
  lshape = get_aval(logits).shape
  ldtype = get_aval(logits).dtype
  nd = len(lshape)
  axis = _canonicalize_axis(axis, nd) - nd  # checked; negative, as the code below expects
  batch_shape = tuple(np.delete(np.array(lshape, dtype=np.int64), axis).tolist())
  if shape is None:
    shape = batch_shape
  else:
    shape = _canon_shape(shape)
    _check_shape("categorical", shape, batch_shape)
  prefix = shape[:len(shape) - len(batch_shape)]
  if replace:
    if axis >= 0:
      axis -= nd
    logits_shape = list(shape[len(shape) - len(batch_shape):])
    logits_shape.insert(axis % nd, lshape[axis])
    g = gumbel(data, (*prefix, *logits_shape), ldtype, mode=mode)
    return jnp.argmax(jnp.add(g, L.expand_dims(logits, tuple(range(len(prefix))))), axis=axis)
  logits = jnp.add(logits, gumbel(data, lshape, ldtype, mode=mode))
  k = math.prod(prefix)
  if k > lshape[axis]:
    raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number of "
                     f"categories ({lshape[axis]}).")
  _, indices = L.top_k(jnp.moveaxis(logits, axis, -1), k)
  nd_i = get_aval(indices).ndim
  return L.reshape(indices, shape, (nd_i - 1, *range(nd_i - 1)))


def truncated_normal(key, lower, upper, shape=None, dtype=None):
  """Standard normal samples conditioned on lower < x < upper."""
  jnp = _jnp()
  if shape is not None:
    shape = _canon_shape(shape)
  data, dtype = _float_args("truncated_normal", key, dtype)
  if shape is None:
    shape = _broadcast_shapes(_shape_of(lower), _shape_of(upper))
  else:
    _check_shape("truncated_normal", shape, _shape_of(lower), _shape_of(upper))
  sqrt2 = _scalar(np.sqrt(2), dtype)
  lower = _convert(lower, dtype)
  upper = _convert(upper, dtype)
  a = L.erf(L.div(lower, sqrt2))
  b = L.erf(L.div(upper, sqrt2))
  u = _uniform(data, a, b, shape, dtype)
  out = L.mul(sqrt2, L.erf_inv(u))
  # Clamp to the open interval: rounding (or drawing u == a) must not leave it.
  inf = _scalar(np.inf, dtype)
  return jnp.clip(out, L.nextafter(L.stop_gradient(lower), inf),
                  L.nextafter(L.stop_gradient(upper), L.neg(inf)))


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method: str = "cholesky"):
  """Samples of N(mean, cov); `method` factors cov by 'cholesky', 'eigh' or 'svd'."""
  jnp = _jnp()
  from numjax._src.numpy import linalg as jla
  from numjax._src.numpy.util import promote_dtypes_inexact
  data, _ = _check_prng_key("multivariate_normal", key)
  mean, cov = promote_dtypes_inexact(mean, cov)
  if method not in {"svd", "eigh", "cholesky"}:
    raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
  dtype = get_aval(mean).dtype if dtype is None else _user_dtype(dtype, "float")
  if dtype.kind != "f":
    raise ValueError(f"dtype argument to `multivariate_normal` must be a float dtype, "
                     f"got {dtype}")
  if shape is not None:
    shape = _canon_shape(shape)
  mshape, cshape = get_aval(mean).shape, get_aval(cov).shape
  if not len(mshape) >= 1:
    raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                     f"{len(mshape)}")
  if not len(cshape) >= 2:
    raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == "
                     f"{len(cshape)}")
  n = mshape[-1]
  if cshape[-2:] != (n, n):
    raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, but "
                     f"got cov.shape == {cshape}.")
  if shape is None:
    shape = _broadcast_shapes(mshape[:-1], cshape[:-2])
  else:
    _check_shape("normal", shape, mshape[:-1], cshape[:-2])
  if method == "svd":
    u, s, _ = jla.svd(cov)
    factor = u * jnp.sqrt(s[..., None, :])
  elif method == "eigh":
    w, v = jla.eigh(cov)
    factor = v * jnp.sqrt(w[..., None, :])
  else:
    factor = jla.cholesky(cov)
  samples = _normal(data, shape + mshape[-1:], dtype)
  return mean + jnp.matmul(factor, samples[..., None])[..., 0]


def orthogonal(key, n: int, shape=(), dtype=None, m: int | None = None):
  """A matrix uniform on O(n) (U(n) for complex dtypes); semi-orthogonal (n, m) if m != n."""
  jnp = _jnp()
  from numjax._src.numpy import linalg as jla
  shape = _canon_shape(shape)
  data, dtype = _float_args("orthogonal", key, dtype, "a float or complex", "fc")
  n = _concrete_int(n, "jax.random.orthogonal()")
  m = n if m is None else _concrete_int(m, "jax.random.orthogonal()")
  z = _normal(data, (*shape, max(n, m), min(n, m)), dtype)
  q, r = jla.qr(z)
  d = jnp.diagonal(r, axis1=-2, axis2=-1)
  x = q * jnp.expand_dims(jnp.sign(d), -2)
  return jnp.swapaxes(x, -1, -2) if n < m else x


def maxwell(key, shape=(), dtype=None):
  """One-sided Maxwell samples: the norm of three standard normals."""
  from numjax._src.numpy import linalg as jla
  data, dtype = _float_args("maxwell", key, dtype)
  return jla.norm(_normal(data, _canon_shape(shape) + (3,), dtype), axis=-1)


def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
  """Maxwell samples with a random sign, scaled and shifted."""
  data, dtype = _float_args("double_sided_maxwell", key, dtype)
  shape = _canon_shape(shape)
  params_shape = _broadcast_shapes(_shape_of(loc), _shape_of(scale))
  if not shape:
    shape = params_shape
  shape = shape + params_shape
  mk, rk = _unstack(_split(data, 2), 2)
  maxwell_rvs = maxwell(mk, shape, dtype)
  random_sign = rademacher(rk, shape, dtype)
  return random_sign * maxwell_rvs * scale + loc


def lognormal(key, sigma=np.float32(1), shape=None, dtype=None):
  """exp(sigma * N(0, 1))."""
  data, dtype = _float_args("lognormal", key, dtype, "a float or complex", "fc")
  shape = _check_broadcast_shapes("lognormal", shape, sigma)
  return L.exp(_normal(data, shape, dtype) * _convert(sigma, dtype))


def rayleigh(key, scale, shape=None, dtype=None):
  """Rayleigh samples: scale * sqrt(-2 log u)."""
  jnp = _jnp()
  data, dtype = _float_args("rayleigh", key, dtype)
  shape = _check_broadcast_shapes("rayleigh", shape, scale)
  u = _uniform(data, 0., 1., shape, dtype)
  scale = jnp.broadcast_to(_convert(scale, dtype), shape)
  return L.mul(scale, L.sqrt(L.mul(L.log(u), _scalar(-2, dtype))))


def weibull_min(key, scale, concentration, shape=(), dtype=None):
  """Weibull samples by the inverse CDF."""
  jnp = _jnp()
  data, dtype = _float_args("weibull_min", key, dtype)
  u = _uniform(data, 0, 1, _canon_shape(shape), dtype)
  return jnp.power(-jnp.log1p(-u), 1.0 / concentration) * scale


def wald(key, mean, shape=None, dtype=None):
  """Wald (inverse Gaussian) samples."""
  jnp = _jnp()
  data, dtype = _float_args("wald", key, dtype)
  shape = _check_broadcast_shapes("wald", shape, mean)
  k1, k2 = _unstack(_split(data, 2), 2)
  mean = jnp.broadcast_to(_convert(mean, dtype), shape)
  v = _normal(k1, shape, dtype)
  z = _uniform(k2, 0., 1., shape, dtype)
  y = L.integer_pow(v, 2)
  y_sq = L.integer_pow(y, 2)
  mean_sq = L.integer_pow(mean, 2)
  sqrt_term = L.sqrt(4 * mean * y + mean_sq * y_sq)
  x = mean + mean_sq * y / 2 - mean / 2 * sqrt_term
  return L.select(L.le(z, mean / (mean + x)), x, mean_sq / x)


def geometric(key, p, shape=None, dtype=None):
  """Number of Bernoulli(p) trials up to and including the first success."""
  jnp = _jnp()
  from numjax._src.numpy.util import promote_dtypes_inexact
  data, _ = _check_prng_key("geometric", key)
  dtype = _user_dtype(dtype, "int")
  if dtype.kind not in "iu":
    raise ValueError(f"dtype argument to `geometric` must be an int dtype, got {dtype}")
  shape = _check_broadcast_shapes("geometric", shape, p)
  p, = promote_dtypes_inexact(p)
  u = _uniform(data, 0., 1., shape, get_aval(p).dtype)
  u = jnp.where(u == 0, 1, u)
  log_one_minus_p = jnp.broadcast_to(L.log1p(-p), shape)
  g = L.floor(L.div(L.log(u), log_one_minus_p)) + 1
  return g.astype(dtype)


def triangular(key, left, mode, right, shape=None, dtype=None):
  """Triangular samples on [left, right] peaking at mode, by the inverse CDF."""
  jnp = _jnp()
  data, dtype = _float_args("triangular", key, dtype)
  shape = _check_broadcast_shapes("triangular", shape, left, mode, right)
  left, right, mode = (jnp.broadcast_to(_convert(v, dtype), shape) for v in (left, right, mode))
  fc = (mode - left) / (right - left)
  u = _uniform(data, 0., 1., shape, dtype)
  out1 = left + L.sqrt(u * (right - left) * (mode - left))
  out2 = right - L.sqrt((1 - u) * (right - left) * (right - mode))
  return L.select(u < fc, out1, out2)


# ==============================================================================================
# Gamma and the distributions built on it
# ==============================================================================================
def _gamma(data, a, shape, dtype, log_space=False):
  jnp = _jnp()
  if shape is None:
    shape = _shape_of(a)
  else:
    _check_shape("gamma", shape, _shape_of(a))
  a = _convert(a, dtype)
  if get_aval(a).shape != shape:
    a = jnp.broadcast_to(a, shape)
  return random_gamma_p.bind(data, a, log_space=log_space, partitionable=_partitionable())


def gamma(key, a, shape=None, dtype=None):
  """Gamma(a, 1) samples; differentiable in `a` (implicit reparameterisation)."""
  data, _ = _check_prng_key("gamma", key)
  dtype = _user_dtype(dtype, "float")
  _check_float("gamma", dtype)
  return _gamma(data, a, None if shape is None else _canon_shape(shape), dtype)


def loggamma(key, a, shape=None, dtype=None):
  """log of Gamma(a, 1) samples, computed in log space (accurate for small `a`)."""
  data, _ = _check_prng_key("loggamma", key)
  dtype = _user_dtype(dtype, "float")
  _check_float("gamma", dtype)
  return _gamma(data, a, None if shape is None else _canon_shape(shape), dtype,
                log_space=True)


def beta(key, a, b, shape=None, dtype=None):
  """Beta(a, b) samples, from two log-gamma samples."""
  jnp = _jnp()
  data, dtype = _float_args("beta", key, dtype)
  shape = _check_broadcast_shapes("beta", shape, a, b)
  a, b = _convert(a, dtype), _convert(b, dtype)
  key_a, key_b = _unstack(_split(data, 2), 2)
  a, b = jnp.broadcast_to(a, shape), jnp.broadcast_to(b, shape)
  log_gamma_a = _gamma(key_a, a, shape, dtype, log_space=True)
  log_gamma_b = _gamma(key_b, b, shape, dtype, log_space=True)
  # gamma_a / (gamma_a + gamma_b) without losing precision.
  log_max = L.max(log_gamma_a, log_gamma_b)
  gamma_a_scaled = jnp.exp(log_gamma_a - log_max)
  gamma_b_scaled = jnp.exp(log_gamma_b - log_max)
  return gamma_a_scaled / (gamma_a_scaled + gamma_b_scaled)


def dirichlet(key, alpha, shape=None, dtype=None):
  """Dirichlet(alpha) samples over the last axis of `alpha`."""
  from numjax._src.nn import functions as nn
  data, dtype = _float_args("dirichlet", key, dtype)
  if shape is not None:
    shape = _canon_shape(shape)
  ashape = _shape_of(alpha)
  if not len(ashape) >= 1:
    raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(ashape)}")
  if shape is None:
    shape = ashape[:-1]
  else:
    _check_shape("dirichlet", shape, ashape[:-1])
  alpha = _convert(alpha, dtype)
  log_gamma_samples = _gamma(data, alpha, shape + ashape[-1:], dtype, log_space=True)
  return nn.softmax(log_gamma_samples, -1)


def chisquare(key, df, shape=None, dtype=None):
  """Chi-square(df) samples: 2 Gamma(df / 2)."""
  data, dtype = _float_args("chisquare", key, dtype)
  shape = _check_broadcast_shapes("chisquare", shape, df)
  return _chisquare(data, df, shape, dtype)


def _chisquare(data, df, shape, dtype):
  jnp = _jnp()
  df = _convert(df, dtype)
  two = _scalar(2, dtype)
  log_g = _gamma(data, L.div(df, two), shape, dtype, log_space=True)
  return L.mul(jnp.exp(log_g), two)


def f(key, dfnum, dfden, shape=None, dtype=None):
  """F(dfnum, dfden) samples: a ratio of scaled chi-squares."""
  data, dtype = _float_args("f", key, dtype)
  shape = _check_broadcast_shapes("f", shape, dfnum, dfden)
  dfden, dfnum = _convert(dfden, dtype), _convert(dfnum, dtype)
  key_dfd, key_dfn = _unstack(_split(data, 2), 2)
  chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
  chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
  return L.div(L.div(chi2_dfn, dfnum), L.div(chi2_dfd, dfden))


def t(key, df, shape=None, dtype=None):
  """Student's t(df) samples: N / sqrt(Gamma(df / 2) / (df / 2))."""
  jnp = _jnp()
  data, dtype = _float_args("t", key, dtype)
  shape = _check_broadcast_shapes("t", shape, df)
  df = _convert(df, dtype)
  key_n, key_g = _unstack(_split(data, 2), 2)
  n = _normal(key_n, shape, dtype)
  half_df = L.div(df, _scalar(2, dtype))
  g = _gamma(key_g, half_df, shape, dtype)
  return n * jnp.sqrt(half_df / g)


def pareto(key, b, shape=None, dtype=None):
  """Pareto(b) samples: exp(Exponential / b)."""
  data, dtype = _float_args("pareto", key, dtype)
  shape = _check_broadcast_shapes("pareto", shape, b)
  b = _convert(b, dtype)
  return L.exp(exponential(data, shape, dtype) / b)


def generalized_normal(key, p: float, shape=(), dtype=None):
  """Generalized normal samples with shape parameter `p`."""
  shape = _canon_shape(shape)
  data, dtype = _float_args("generalized_normal", key, dtype)
  k1, k2 = _unstack(_split(data, 2), 2)
  g = gamma(k1, 1 / p, shape, dtype)
  r = rademacher(k2, shape, dtype)
  return r * g ** (1 / p)


def ball(key, d: int, p: float = 2, shape=(), dtype=None):
  """Points uniform in the unit p-norm ball of dimension d."""
  jnp = _jnp()
  shape = _canon_shape(shape)
  data, dtype = _float_args("ball", key, dtype)
  d = _concrete_int(d, "jax.random.ball()")
  k1, k2 = _unstack(_split(data, 2), 2)
  g = generalized_normal(k1, p, (*shape, d), dtype)
  e = exponential(k2, shape, dtype)
  return g / (((jnp.abs(g) ** p).sum(-1) + e) ** (1 / p))[..., None]


# --- poisson: Knuth's algorithm for lam < 10, Hormann's transformed rejection otherwise --------
def _poisson_knuth(data, lam, shape, dtype, max_iters):
  jnp = _jnp()

  def body_fn(carry):
    i, k, rng, log_prod = carry
    rng, subkey = _unstack(_split(rng, 2), 2)
    k = L.select(log_prod > -lam, k + 1, k)
    u = _uniform(subkey, 0., 1., shape, np.dtype(np.float32))
    return i + 1, k, rng, log_prod + jnp.log(u)

  def cond_fn(carry):
    i, log_prod = carry[0], carry[3]
    return jnp.logical_and(jnp.any(log_prod > -lam), i < max_iters)

  k_init = L.full_like(lam, 0, dtype, shape)
  log_rate_init = L.full_like(lam, 0, np.float32, shape)
  k = L.while_loop(cond_fn, body_fn, (0, k_init, data, log_rate_init))[1]
  return (k - 1).astype(dtype)


def _poisson_rejection(data, lam, shape, dtype, max_iters):
  jnp = _jnp()
  lam_dtype = get_aval(lam).dtype
  log_lam = L.log(lam)
  b = 0.931 + 2.53 * L.sqrt(lam)
  a = -0.059 + 0.02483 * b
  inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
  v_r = 0.9277 - 3.6224 / (b - 2)

  def body_fn(carry):
    i, k_out, accepted, rng = carry
    rng, subkey_0, subkey_1 = _unstack(_split(rng, 3), 3)
    u = _uniform(subkey_0, 0., 1., shape, lam_dtype) - 0.5
    v = _uniform(subkey_1, 0., 1., shape, lam_dtype)
    u_shifted = 0.5 - abs(u)
    k = L.floor((2 * a / u_shifted + b) * u + lam + 0.43)
    s = L.log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
    t_ = -lam + k * log_lam - L.lgamma(k + 1)
    accept1 = (u_shifted >= 0.07) & (v <= v_r)
    reject = (k < 0) | ((u_shifted < 0.013) & (v > u_shifted))
    accept2 = s <= t_
    accept = accept1 | (~reject & accept2)
    k_out = L.select(accept, k, k_out)
    accepted = accepted | accept
    return i + 1, k_out, accepted, rng

  def cond_fn(carry):
    i, _, accepted, _ = carry
    return jnp.logical_and(jnp.any(~accepted), i < max_iters)

  k_init = L.full_like(lam, -1, lam_dtype, shape)
  accepted = L.full_like(lam, False, np.dtype(np.bool_), shape)
  k = L.while_loop(cond_fn, body_fn, (0, k_init, accepted, data))[1]
  return k.astype(dtype)


def poisson(key, lam, shape=None, dtype=None):
  """Poisson(lam) counts (int32 by default)."""
  jnp = _jnp()
  data, _ = _check_prng_key("poisson", key)
  dtype = _user_dtype(dtype, "int")
  if dtype.kind not in "iu":
    raise ValueError(f"dtype argument to `poisson` must be an int dtype, got {dtype}")
  shape = _shape_of(lam) if shape is None else _canon_shape(shape)
  lam = _convert(jnp.broadcast_to(lam, shape), np.float32)
  use_knuth = jnp.logical_or(jnp.isnan(lam), lam < 10)
  lam_knuth = L.select(use_knuth, lam, L.full_like(lam, 0.0))
  lam_rejection = L.select(use_knuth, L.full_like(lam, 1e5), lam)
  max_iters = dtype.type(np.iinfo(dtype).max)
  result = L.select(use_knuth,
                    _poisson_knuth(data, lam_knuth, shape, dtype, max_iters),
                    _poisson_rejection(data, lam_rejection, shape, dtype, max_iters))
  return L.select(lam == 0, jnp.zeros_like(result), result)


# --- binomial: inversion (sums of geometric waiting times) for n q <= 10, BTRS otherwise ------
_STIRLING_TAIL = np.array([0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                           0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                           0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                           0.00833056343336287])


def _stirling_approx_tail(k):
  """log(k!) minus its Stirling approximation: a table for k <= 9, a series above."""
  jnp = _jnp()
  dtype = get_aval(k).dtype
  table = Array(_STIRLING_TAIL.astype(dtype), False)
  use_table = k <= 9
  k = L.clamp(L._const(k, 0.0), k, L._const(k, 9.0))
  kp1sq = (k + 1) * (k + 1)
  approx = (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)
  idx = jnp.asarray(jnp.floor(k), dtype="int32")
  return L.select(use_table, table[idx], approx)


def _binomial_inversion(data, count, prob, shape, dtype, max_iters):
  jnp = _jnp()
  prob_dtype = get_aval(prob).dtype
  log1minusprob = jnp.log1p(-prob)

  def body_fn(carry):
    i, num_geom, geom_sum, rng = carry
    subkey, rng = _unstack(_split(rng, 2), 2)
    num_geom_out = L.select(geom_sum <= count, num_geom + 1, num_geom)
    u = _uniform(subkey, 0., 1., shape, prob_dtype)
    geom = jnp.ceil(jnp.log(u) / log1minusprob)
    return i + 1, num_geom_out, geom_sum + geom, rng

  def cond_fn(carry):
    i, geom_sum = carry[0], carry[2]
    return jnp.logical_and(jnp.any(geom_sum <= count), i < max_iters)

  zeros = L.full_like(prob, 0, prob_dtype, shape)
  k = L.while_loop(cond_fn, body_fn, (0, zeros, zeros, data))[1]
  return (k - 1).astype(dtype)


def _btrs(data, count, prob, shape, dtype, max_iters):
  """Hormann's transformed rejection with squeeze (BTRS), as TensorFlow and JAX use it."""
  jnp = _jnp()
  prob_dtype = get_aval(prob).dtype
  stddev = jnp.sqrt(count * prob * (1 - prob))
  b = 1.15 + 2.53 * stddev
  a = -0.0873 + 0.0248 * b + 0.01 * prob
  c = count * prob + 0.5
  v_r = 0.92 - 4.2 / b
  r = prob / (1 - prob)
  alpha = (2.83 + 5.1 / b) * stddev
  m = jnp.floor((count + 1) * prob)

  def body_fn(carry):
    i, k_out, accepted, rng = carry
    rng, subkey_0, subkey_1 = _unstack(_split(rng, 3), 3)
    u = _uniform(subkey_0, 0., 1., shape, prob_dtype)
    v = _uniform(subkey_1, 0., 1., shape, prob_dtype)
    u = u - 0.5
    us = 0.5 - jnp.abs(u)
    accept1 = (us >= 0.07) & (v <= v_r)
    k = jnp.floor((2 * a / us + b) * u + c)
    reject = (k < 0) | (k > count)
    v = jnp.log(v * alpha / (a / (us * us) + b))
    ub = ((m + 0.5) * jnp.log((m + 1) / (r * (count - m + 1)))
          + (count + 1) * jnp.log((count - m + 1) / (count - k + 1))
          + (k + 0.5) * jnp.log(r * (count - k + 1) / (k + 1))
          + _stirling_approx_tail(m) + _stirling_approx_tail(count - m)
          - _stirling_approx_tail(k) - _stirling_approx_tail(count - k))
    accept = accept1 | (~reject & (v <= ub))
    return i + 1, L.select(accept, k, k_out), accepted | accept, rng

  def cond_fn(carry):
    i, accepted = carry[0], carry[2]
    return jnp.logical_and(jnp.any(~accepted), i < max_iters)

  k_init = L.full_like(prob, -1, prob_dtype, shape)
  accepted = L.full_like(prob, False, np.dtype(np.bool_), shape)
  return L.while_loop(cond_fn, body_fn, (0, k_init, accepted, data))[1].astype(dtype)


def _binomial(data, count, prob, shape, dtype):
  jnp = _jnp()
  from numjax._src.numpy.util import promote_dtypes_inexact
  if shape is None:
    shape = _broadcast_shapes(_shape_of(count), _shape_of(prob))
  else:
    _check_shape("binomial", shape, _shape_of(count), _shape_of(prob))
  prob, = promote_dtypes_inexact(prob)
  count = L.convert_element_type(jnp.asarray(count), get_aval(prob).dtype)
  count = jnp.broadcast_to(count, shape)
  prob = jnp.broadcast_to(prob, shape)
  p_lt_half = prob < 0.5
  q = L.select(p_lt_half, prob, 1.0 - prob)
  count_nan_or_neg = jnp.isnan(count) | (count < 0.0)
  count_inf = jnp.isinf(count)
  q_is_nan = jnp.isnan(q)
  q_l_0 = q < 0.0
  q = L.select(q_is_nan | q_l_0, L.full_like(q, 0.01), q)
  use_inversion = count_nan_or_neg | (count * q <= 10.0)
  count = jnp.floor(count)      # as np.random.binomial treats a float count
  count_inv = L.select(use_inversion, count, L.full_like(count, 0.0))
  count_btrs = L.select(use_inversion, L.full_like(count, 1e4), count)
  q_btrs = L.select(use_inversion, L.full_like(q, 0.5), q)
  max_iters = dtype.type(np.finfo(dtype).max)
  samples = L.select(use_inversion,
                     _binomial_inversion(data, count_inv, q, shape, dtype, max_iters),
                     _btrs(data, count_btrs, q_btrs, shape, dtype, max_iters))
  invalid = q_l_0 | q_is_nan | count_nan_or_neg
  samples = L.select(invalid, jnp.full_like(samples, np.nan, dtype), samples)
  samples = L.select(count_inf & ~invalid, jnp.full_like(samples, np.inf, dtype), samples)
  return L.select(p_lt_half | count_nan_or_neg | q_is_nan | count_inf, samples,
                  count.astype(dtype) - samples)


def binomial(key, n, p, shape=None, dtype=None):
  """Binomial(n, p) counts as floats (float32 by default), as `jax.random.binomial`.

      >>> binomial(random.key(0), 10., 0.5, (3,)).dtype
      dtype('float32')
  """
  from numjax._src.numpy.util import check_arraylike
  data, _ = _check_prng_key("binomial", key)
  check_arraylike("binomial", n, p)
  dtype = _user_dtype(float if dtype is None else dtype, "float")
  if dtype.kind != "f":
    raise ValueError(f"dtype argument to `binomial` must be a float dtype, got {dtype}")
  if shape is not None:
    shape = _canon_shape(shape)
  return _binomial(data, n, p, shape, dtype)


def multinomial(key, n, p, *, shape=None, dtype=None, unroll: int | bool = 1):
  """Multinomial(n, p) counts, outcomes along the last axis of `p`: a scan of binomials of the
  remaining trials with the conditional probabilities p_i / sum_{j>=i} p_j.

      >>> multinomial(random.key(0), 10., jnp.array([0.2, 0.8])).shape
      (2,)
  """
  jnp = _jnp()
  from numjax._src.numpy.util import check_arraylike, promote_dtypes_inexact
  data, _ = _check_prng_key("multinomial", key)
  check_arraylike("multinomial", n, p)
  n, p = promote_dtypes_inexact(n, p)
  shape = get_aval(p).shape if shape is None else _canon_shape(shape)
  n = jnp.broadcast_to(n, shape[:-1])
  p = jnp.broadcast_to(p, shape)
  out_dtype = None if dtype is None else _user_dtype(dtype, "float")

  def step(remainder, ratio_key):
    ratio, k = ratio_key
    count = binomial(k, remainder, jnp.clip(ratio, 0, 1), dtype=get_aval(remainder).dtype)
    return remainder - count, count

  p = jnp.moveaxis(p, -1, 0)
  remaining = jnp.cumsum(p[::-1], axis=0)[::-1]
  ratios = p / jnp.where(remaining == 0, 1, remaining)
  keys = _split(data, get_aval(ratios).shape[0])
  _, counts = L.scan(step, n, (ratios, keys), unroll=unroll)
  counts = jnp.moveaxis(counts, 0, -1)
  return counts.astype(out_dtype if out_dtype is not None else dtypes.default_float())
