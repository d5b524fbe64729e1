"""`jit`: stage a function to a jaxpr once per signature, compile it to NumPy code, cache it.

Under another transformation (grad, vmap, ...) a jitted function binds the `jit` primitive,
whose fallback inlines the staged jaxpr into that transformation; under staging it becomes a
`jit[name=... jaxpr={...}]` equation.
"""
from __future__ import annotations

import functools
import inspect
import logging
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.config import config, on_change
from numjax._src.core import ClosedJaxpr, ShapedArray, Tracer, get_aval
from numjax._src.interpreters import partial_eval as pe
from numjax._src.lax import lax

logger = logging.getLogger("numjax")


# ----------------------------------------------------------------------------------------------
# The jit primitive
# ----------------------------------------------------------------------------------------------
def _jit_impl(*args, jaxpr: ClosedJaxpr, name: str):
  return compiled_fun(jaxpr)(*args)


def _jit_weak(args, params):
  return [a.weak_type for a in params["jaxpr"].out_avals]


jit_p = core.Primitive("jit", multiple_results=True)
jit_p.impl = _jit_impl
jit_p.abstract_eval = lambda *avals, jaxpr, name: list(jaxpr.out_avals)
jit_p.fallback = lambda *args, jaxpr, name: core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)
jit_p.weak_type_rule = _jit_weak
jit_p.pp_params = lambda params: [("name", params["name"]), ("jaxpr", params["jaxpr"])]
jit_p.pp_alias_jaxpr = "jaxpr"


# ----------------------------------------------------------------------------------------------
# Compilation: jaxpr -> a Python function over NumPy values
# ----------------------------------------------------------------------------------------------
def compiled_fun(closed: ClosedJaxpr) -> Callable:
  """A function of NumPy inputs returning NumPy outputs (cached on the jaxpr object)."""
  fn = _compiled.get(id(closed))
  if fn is not None and fn[0] is closed:
    return fn[1]
  from numjax._src import codegen
  f = codegen.compile_jaxpr(closed)
  _compiled[id(closed)] = (closed, f)
  return f


_compiled: dict = {}


# ----------------------------------------------------------------------------------------------
# The user-facing wrapper
# ----------------------------------------------------------------------------------------------
class _CacheEntry:
  __slots__ = ("closed", "out_tree", "fn", "out_weak")

  def __init__(self, closed, out_tree, fn):
    self.closed = closed
    self.out_tree = out_tree
    self.fn = fn
    self.out_weak = [a.weak_type for a in closed.out_avals]


_MAX_CACHE = 4096


def _signature_key(leaf) -> tuple:
  t = type(leaf)
  if t is Array:
    v = leaf._value
    return (v.shape, v.dtype, leaf.weak_type)
  aval = get_aval(leaf)
  return (aval.shape, aval.dtype, aval.weak_type)


class JitWrapped:
  """A jitted function: `jit(f)(x)` traces f once per input signature and caches the code."""

  def __init__(self, fun: Callable, static_argnums=(), static_argnames=(), donate_argnums=(),
               donate_argnames=(), inline=False, keep_unused=False, device=None, backend=None,
               abstracted_axes=None, compiler_options=None):
    self.fun = fun
    functools.update_wrapper(self, fun, updated=())
    self.static_argnums = (static_argnums,) if isinstance(static_argnums, int) \
        else tuple(static_argnums or ())
    self.static_argnames = (static_argnames,) if isinstance(static_argnames, str) \
        else tuple(static_argnames or ())
    try:
      self._sig = inspect.signature(fun)
    except (TypeError, ValueError):
      self._sig = None
    if self._sig is not None:
      params = list(self._sig.parameters)
      # Static argnames imply argnums and vice versa, as in JAX.
      nums = set(self.static_argnums)
      for n in self.static_argnames:
        if n in params and self._sig.parameters[n].kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY):
          nums.add(params.index(n))
      names = set(self.static_argnames)
      for i in self.static_argnums:
        if 0 <= i < len(params):
          names.add(params[i])
      self.static_argnums = tuple(sorted(nums))
      self.static_argnames = tuple(sorted(names))
    self._cache: dict = {}
    self.__name__ = getattr(fun, "__name__", "fun")

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def _split(self, args, kwargs):
    static_nums = self.static_argnums
    nargs = len(args)
    statics = tuple((i, args[i]) for i in static_nums if i < nargs) if static_nums else ()
    static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames)) \
        if kwargs and self.static_argnames else ()
    dyn_args = tuple(a for i, a in enumerate(args) if i not in static_nums) if static_nums else args
    dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames} \
        if kwargs and self.static_argnames else kwargs
    return statics, static_kw, dyn_args, dyn_kwargs

  def __call__(self, *args, **kwargs):
    if config.disable_jit:
      return self.fun(*args, **kwargs)
    statics, static_kw, dyn_args, dyn_kwargs = self._split(args, kwargs)
    leaves, in_tree = tu.tree_flatten((dyn_args, dyn_kwargs))
    try:
      key = (in_tree, tuple(_signature_key(l) for l in leaves), statics, static_kw, config.x64)
      hash(key)
    except TypeError as err:
      self._raise_unhashable(statics, static_kw, err)
    except Exception:
      leaves = [_check_leaf(l) for l in leaves]
      key = (in_tree, tuple(_signature_key(l) for l in leaves), statics, static_kw, config.x64)
    entry = self._cache.get(key)
    if entry is None:
      entry = self._trace(key, args, kwargs, statics, static_kw, leaves, in_tree)
    trace = core._ctx.trace
    if trace is core.eval_trace:
      vals = [l._value if type(l) is Array else _to_numpy(l) for l in leaves]
      outs = entry.fn(*vals)
      out_leaves = [Array(o, w) for o, w in zip(outs, entry.out_weak)]
    else:
      closed = entry.closed
      out_leaves = jit_p.bind(*leaves, jaxpr=closed, name=self.__name__)
    return tu.tree_unflatten(entry.out_tree, out_leaves)

  def _raise_unhashable(self, statics, static_kw, err):
    for _, v in list(statics) + list(static_kw):
      try:
        hash(v)
      except TypeError as e:
        raise ValueError(
            "Non-hashable static arguments are not supported. An error occurred while trying "
            f"to hash an object of type {type(v)}, {v}. The error was:\nTypeError: {e}\n") from None
    raise err

  def _trace(self, key, args, kwargs, statics, static_kw, leaves, in_tree) -> _CacheEntry:
    if config.jax_explain_cache_misses and self._cache:
      _explain_miss(self, key)
    static_pos = dict(statics)
    static_kws = dict(static_kw)

    def flat_fun(*flat):
      dyn_args, dyn_kwargs = tu.tree_unflatten(in_tree, flat)
      it = iter(dyn_args)
      full = [static_pos[i] if i in static_pos else next(it)
              for i in range(len(dyn_args) + len(static_pos))]
      out = self.fun(*full, **dyn_kwargs, **static_kws)
      out_leaves, out_tree = tu.tree_flatten(out)
      store.append(out_tree)
      return [_check_out(o) for o in out_leaves]

    store: list = []
    avals = [ShapedArray(s, d, w) for s, d, w in key[1]]
    names = _arg_names(self._sig, args, statics)
    with core.set_current_trace(core.eval_trace):
      jaxpr, consts, _ = pe.trace_to_jaxpr(flat_fun, avals, pe.DebugInfo(self.fun, names, "jit"))
    closed = ClosedJaxpr(jaxpr, consts)
    from numjax._src import passes
    closed = passes.optimize(closed)
    entry = _CacheEntry(closed, store[0], compiled_fun(closed))
    if len(self._cache) >= _MAX_CACHE:
      self._cache.pop(next(iter(self._cache)))
    self._cache[key] = entry
    return entry

  def lower(self, *args, **kwargs):
    return _Lowered(self, args, kwargs)

  def trace(self, *args, **kwargs):
    return _Lowered(self, args, kwargs)

  def eval_shape(self, *args, **kwargs):
    from numjax._src.api import eval_shape
    return eval_shape(self.fun, *args, **kwargs)

  def clear_cache(self):
    self._cache.clear()

  def _cache_size(self):
    return len(self._cache)


class _Lowered:
  """`jit(f).lower(*args)`: shows the staged jaxpr and the generated NumPy source."""

  def __init__(self, wrapped, args, kwargs):
    from numjax._src.api import make_jaxpr
    self.jaxpr = make_jaxpr(wrapped.fun, static_argnums=wrapped.static_argnums)(*args, **kwargs)
    self.wrapped = wrapped

  def as_text(self) -> str:
    from numjax._src import codegen
    return codegen.source_of(self.jaxpr)

  def compile(self):
    return self

  def __call__(self, *args, **kwargs):
    return self.wrapped(*args, **kwargs)


def _arg_names(sig, args, statics) -> list:
  static_idx = {i for i, _ in statics}
  params = list(sig.parameters) if sig is not None else []
  return [params[i] if i < len(params) else f"args[{i}]" for i in range(len(args))
          if i not in static_idx]


def _check_leaf(x):
  if type(x) is Array or isinstance(x, Tracer):
    return x
  if not core.is_valid_jaxtype(x):
    raise TypeError(f"Error interpreting argument to jit as an abstract array. The problematic "
                    f"value is of type {type(x)} and was passed to the function. This typically "
                    f"means that a jit-wrapped function was called with a non-array argument, "
                    f"and this argument was not marked as static using the static_argnums or "
                    f"static_argnames parameters of jax.jit.")
  return lax.asarray(x)


def _check_out(x):
  if type(x) is Array or isinstance(x, Tracer):
    return x
  if not core.is_valid_jaxtype(x):
    raise TypeError(f"the output of a jit-compiled function must be a pytree of arrays, got "
                    f"{type(x)}")
  return lax.asarray(x)


def _to_numpy(x):
  if isinstance(x, Tracer):
    raise core._escaped_tracer_error(x, jit_p)
  return lax.asarray(x)._value


def _explain_miss(wrapped, key):
  best = None
  for old in wrapped._cache:
    diffs = []
    if old[0] != key[0]:
      diffs.append(f"different input pytree structure: {old[0]} vs {key[0]}")
    for i, (a, b) in enumerate(zip(old[1], key[1])):
      if a != b:
        diffs.append(f"argument {i}: {ShapedArray(*a).str_short()} (weak_type={a[2]}) vs "
                     f"{ShapedArray(*b).str_short()} (weak_type={b[2]})")
    if old[2] != key[2] or old[3] != key[3]:
      diffs.append(f"different static arguments: {old[2] + old[3]} vs {key[2] + key[3]}")
    if old[4] != key[4]:
      diffs.append("different x64 mode")
    if best is None or len(diffs) < len(best):
      best = diffs
  logger.warning("TRACING CACHE MISS at %s because:\n  %s", wrapped.__name__,
                 "\n  ".join(best or ["never seen input type signature"]))


def jit(fun: Callable | None = None, *, static_argnums=(), static_argnames=(), donate_argnums=(),
        donate_argnames=(), inline=False, keep_unused=False, device=None, backend=None,
        abstracted_axes=None, compiler_options=None, in_shardings=None, out_shardings=None):
  """Compile `fun` to NumPy code, traced once per input signature. Also a decorator."""
  if fun is None:
    return lambda f: jit(f, static_argnums=static_argnums, static_argnames=static_argnames,
                         donate_argnums=donate_argnums)
  if not callable(fun):
    raise TypeError(f"Expected a callable value, got {fun!r}")
  return JitWrapped(fun, static_argnums, static_argnames, donate_argnums)
