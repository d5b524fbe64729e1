"""`jit`: stage a function to a jaxpr once per signature, compile it to NumPy code, cache it.

A call with no transformation active runs generated code (numjax/_src/codegen.py) of the
jaxpr after the optimization passes (numjax/_src/passes.py); without static arguments that
code also checks the arguments and wraps the results, so a cached call is one Python call
into it. Under another transformation (grad, vmap, ...) a jitted function binds the `jit`
primitive with the jaxpr *as staged*; the primitive's rules turn it into jit equations of
derived jaxprs (JVP, batched, known/unknown split, transposed), so the work stays compiled;
under staging it becomes a `jit[name=... jaxpr={...}]` equation printed as JAX prints it.
Tracers of an enclosing transformation that the function closes over become leading operands
of that equation (and such a trace is not cached).
"""
from __future__ import annotations

import collections
import functools
import inspect
import logging
import weakref
from typing import Callable

from numjax._src import codegen, core
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.config import config, on_change
from numjax._src.core import ClosedJaxpr, Jaxpr, ShapedArray, Tracer, get_aval
from numjax._src.interpreters import ad
from numjax._src.interpreters import partial_eval as pe
from numjax._src.lax import control_flow_common as cfc
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


# Transformations of a jit equation produce jit equations of derived jaxprs (JVP, batched,
# split into known and unknown parts, transposed), each traced once per jaxpr and input
# pattern and cached on the jaxpr; evaluating them runs compiled code, so grad(jit(f)) and
# vmap(jit(f)) keep jit's speed. JAX stages the same jit equations.
def _jit_jvp(primals, tangents, *, jaxpr: ClosedJaxpr, name: str):
  nonzero = tuple(type(t) is not ad.Zero for t in tangents)
  jvp_closed, out_nonzero = jaxpr.derived(("jvp", nonzero),
                                          lambda: cfc.jvp_jaxpr(jaxpr, nonzero, False))
  outs = jit_p.bind(*primals, *[t for t in tangents if type(t) is not ad.Zero],
                    jaxpr=jvp_closed, name=name)
  n = len(jaxpr.jaxpr.outvars)
  it = iter(outs[n:])
  return outs[:n], [next(it) if nz else ad.Zero(a.to_tangent_aval())
                    for nz, a in zip(out_nonzero, jaxpr.out_avals)]


def _jit_partial_eval(trace, args, params):
  """Under linearize: run the part that depends only on known inputs now (compiled) and
  stage the rest as a jit equation over its residuals and the unknown inputs."""
  jaxpr, name = params["jaxpr"], params["name"]
  unknowns = tuple(trace.is_own(a) for a in args)
  split = jaxpr.derived(("partial_eval", unknowns),
                        lambda: cfc.partial_eval_jaxpr(jaxpr, unknowns, False))
  if not _transposable(split):
    # e.g. a while_loop whose trip count is only known eagerly: evaluate the body on this
    # trace, where the known values are concrete (numjax differentiates such loops eagerly)
    return core.eval_jaxpr(jaxpr.jaxpr, jaxpr.consts, *args)
  known_args = [a for a, u in zip(args, unknowns) if not u]
  known_outs = jit_p.bind_with_trace(trace.parent, known_args,
                                     dict(jaxpr=split.known, name=name))
  n_known = len(known_outs) - sum(k[0] == "out" for k in split.res_kinds)
  residuals = [known_args[i] if kind == "fwd" else i if kind == "const" else
               known_outs[n_known + i] for kind, i in split.res_kinds]
  unknown_outs = trace.default_process_primitive(
      jit_p, residuals + [a for a, u in zip(args, unknowns) if u],
      dict(jaxpr=split.unknown, name=name))
  k, u = iter(known_outs[:n_known]), iter(unknown_outs)
  return [next(u) if unk else next(k) for unk in split.out_uk]


def _try_transpose(closed, linear, ct_nonzero):
  """ad.transpose_jaxpr, or None where the jaxpr cannot be transposed as a whole."""
  try:
    return ad.transpose_jaxpr(closed, linear, ct_nonzero)
  except (ValueError, TypeError, NotImplementedError):
    return None


def _transposable(split) -> bool:
  """Whether the unknown (linear) part of a split can be transposed as a jaxpr; the transpose
  is cached under the key `_jit_transpose` uses for it."""
  unknown = split.unknown
  linear = tuple([False] * len(split.res_kinds) + [True] * (len(unknown.in_avals)
                                                            - len(split.res_kinds)))
  key = ("transpose", linear, (True,) * len(unknown.out_avals))
  return unknown.derived(key, lambda: _try_transpose(unknown, linear, key[2])) is not None


def _jit_transpose(cts, *args, jaxpr: ClosedJaxpr, name: str):
  linear = tuple(ad.is_undefined_primal(a) for a in args)
  ct_nonzero = tuple(type(c) is not ad.Zero for c in cts)
  derived = jaxpr.derived(("transpose", linear, ct_nonzero),
                          lambda: _try_transpose(jaxpr, linear, ct_nonzero))
  if derived is None:  # not transposable as a whole: transpose it equation by equation
    return ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, args, cts)
  t_closed, in_nonzero = derived
  outs = iter(jit_p.bind(*[a for a, lin in zip(args, linear) if not lin],
                         *[c for c in cts if type(c) is not ad.Zero], jaxpr=t_closed, name=name))
  nz = iter(in_nonzero)
  return [(next(outs) if next(nz) else ad.Zero(a.aval)) if lin else None
          for a, lin in zip(args, linear)]


def _jit_batch(vals, dims, *, jaxpr: ClosedJaxpr, name: str, axis_data):
  dims = tuple(dims)
  key = ("batch", dims, axis_data.size, axis_data.name)
  b_closed, out_dims = jaxpr.derived(key, lambda: cfc.batch_jaxpr_dims(jaxpr, axis_data, dims))
  return jit_p.bind(*vals, jaxpr=b_closed, name=name), list(out_dims)


_jit_batch.needs_axis_data = True  # collectives in the body may name the vmapped axis
jit_p.jvp = _jit_jvp
jit_p.partial_eval_rule = _jit_partial_eval
jit_p.transpose = _jit_transpose
jit_p.batch = _jit_batch


# ----------------------------------------------------------------------------------------------
# Compilation: jaxpr -> a Python function over NumPy values
# ----------------------------------------------------------------------------------------------
# Compiled functions of jaxprs, by id(jaxpr); weakly held, so a jaxpr's code lives as long as
# the cache entry (or jaxpr equation) that uses it. `_recent` keeps the last few alive for
# jaxprs nobody else holds (a `jit` equation evaluated by eval_jaxpr).
_compiled: "weakref.WeakValueDictionary[int, Callable]" = weakref.WeakValueDictionary()
_recent: list = []
_RECENT = 16


def _for_codegen(closed: ClosedJaxpr) -> ClosedJaxpr:
  """The jaxpr jit compiles: `closed` optimized, with custom-derivative calls inlined."""
  from numjax._src import passes
  _install_inline_params()
  return passes.optimize(closed)


def compiled_fun(closed: ClosedJaxpr) -> Callable:
  """A function of NumPy inputs returning a list of NumPy outputs (cached on the jaxpr)."""
  fn = _compiled.get(id(closed))
  if fn is not None and fn.__numjax_jaxpr__ is closed:
    return fn
  fn = codegen.compile_jaxpr(_for_codegen(closed))
  _register(closed, fn)
  _recent.append(fn)
  del _recent[:-_RECENT]
  return fn


def _register(closed, fn):
  fn.__numjax_jaxpr__ = closed
  _compiled[id(closed)] = fn


_inline_installed = False


def _install_inline_params():
  # Evaluating a custom_jvp/custom_vjp call outside any transformation is evaluating its primal
  # jaxpr, so jit's optimizer may splice it. (Here rather than in custom_derivatives.py, whose
  # primitives only gain the attribute; see core.Primitive.inline_param.)
  global _inline_installed
  if _inline_installed:
    return
  _inline_installed = True
  try:
    from numjax._src import custom_derivatives as cd
  except Exception:  # pragma: no cover
    return
  for name in ("custom_jvp_call_p", "custom_vjp_call_p"):
    p = getattr(cd, name, None)
    if p is not None and getattr(p, "inline_param", None) is None:
      p.inline_param = "call_jaxpr"


jit_p.inline_param = "jaxpr"


# ----------------------------------------------------------------------------------------------
# Hot-path flags, refreshed when the config changes
# ----------------------------------------------------------------------------------------------
_x64 = False
_fast = True   # the fast path applies: jit enabled and no NaN/Inf checking


def _refresh_flags():
  global _x64, _fast
  # Every flag that changes what a trace produces is part of the cache key.
  _x64 = (config.x64, bool(config.jax_threefry_partitionable))
  _fast = not (config.disable_jit or config.debug_nans or config.debug_infs)


on_change(_refresh_flags)
_refresh_flags()


# ----------------------------------------------------------------------------------------------
# The user-facing wrapper
# ----------------------------------------------------------------------------------------------
class _CacheEntry:
  """One traced signature: the staged jaxpr, its output tree, and the compiled code."""
  __slots__ = ("closed", "_optimized", "out_tree", "out_weak", "_fn", "call", "lifted",
               "__weakref__")

  def __init__(self, closed: ClosedJaxpr, out_tree, lifted=()):
    self.closed = closed            # as traced: what transformations and printing see
    self.out_tree = out_tree
    self.out_weak = [a.weak_type for a in closed.out_avals]
    self.lifted = list(lifted)      # tracers the function closes over: leading operands
    self._optimized = None
    self._fn = None
    self.call = None                # Arrays -> pytree of Arrays (the fast path), if built

  @property
  def optimized(self) -> ClosedJaxpr:
    """What the generated code computes: `closed` after the optimization passes."""
    if self._optimized is None:
      self._optimized = _for_codegen(self.closed)
    return self._optimized

  @property
  def fn(self) -> Callable:
    """NumPy values -> list of NumPy values."""
    if self._fn is None:
      self._fn = codegen.compile_jaxpr(self.optimized)
      _register(self.closed, self._fn)
    return self._fn


_MAX_CACHE = 1024   # traced signatures kept per jitted function (oldest dropped first)

# Traces are shared by every `jit(f)` of the same function with the same options, as in JAX
# (`jit(f)(x); jit(f)(x)` traces once). Held weakly on the function: when `f` dies (a closure
# that went out of scope), its caches go with it. A cache that refers back to its function
# (a custom rule closing over it) would keep it alive, so only the `_MAX_SHARED` functions
# traced most recently are shared, as JAX's weakref LRU cache does; a JitWrapped keeps its own
# caches either way.
_shared: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_shared_order: "collections.OrderedDict[int, weakref.ref]" = collections.OrderedDict()
_MAX_SHARED = 512


def _caches_for(fun, options) -> tuple[dict, dict]:
  """(cache, fast cache) for `fun` jitted with `options`; private ones if `fun` cannot be
  weakly referenced."""
  try:
    per_fun = _shared.get(fun)
    if per_fun is None:
      per_fun = _shared[fun] = {}
      _shared_order.pop(id(fun), None)   # a dead function's id may be reused: go to the end
      _shared_order[id(fun)] = weakref.ref(fun)
      while len(_shared_order) > _MAX_SHARED:
        _, ref = _shared_order.popitem(last=False)
        old = ref()
        if old is not None:
          _shared.pop(old, None)
  except TypeError:  # not weakly referenceable (or not hashable)
    return {}, {}
  caches = per_fun.get(options)
  if caches is None:
    caches = per_fun[options] = ({}, {})
  return caches


def _touch(fun) -> None:
  """Mark `fun` as recently traced (last to be dropped from the shared caches)."""
  if id(fun) in _shared_order:
    _shared_order.move_to_end(id(fun))


class JitWrapped:
  """A jitted function: `jit(f)(x)` traces f once per input signature and caches the code.

  Cache key: (input treedef, (shape, dtype, weak_type) per leaf, static args, x64 flag). Each
  entry keeps the staged jaxpr (what transformations and `make_jaxpr` see), the optimized one
  and its generated code. Without static arguments, a call runs straight into generated code
  that checks the arguments' structure and signature itself (`codegen.compile_call`), unwraps
  them, runs the body and wraps the results: first the code of the last signature called, then,
  for Array positional arguments, the entry found by (x64, (shape, dtype, weak_type) per
  argument); anything else takes the general path (flatten, key, look up, trace on a miss).
  The caches belong to this object: once it is unreachable, the function, its closures and its
  compiled code are freed with it.
  """

  def __init__(self, fun: Callable, static_argnums=(), static_argnames=(), donate_argnums=(),
               donate_argnames=(), inline=False, keep_unused=False, device=None, backend=None,
               abstracted_axes=None, compiler_options=None):
    self.fun = fun
    functools.update_wrapper(self, fun, updated=())
    self.static_argnums = _index_tuple(static_argnums, "static_argnums")
    self.static_argnames = (static_argnames,) if isinstance(static_argnames, str) \
        else tuple(static_argnames or ())
    try:
      self._sig = inspect.signature(fun)
    except (TypeError, ValueError):
      self._sig = None
    if self._sig is not None:
      validate_argnums(self._sig, self.static_argnums, "static_argnums")
      validate_argnums(self._sig, _index_tuple(donate_argnums, "donate_argnums"),
                       "donate_argnums")
      validate_argnames(self._sig, self.static_argnames, "static_argnames")
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
    self._no_statics = not self.static_argnums and not self.static_argnames
    self._cache, self._fast_cache = _caches_for(
        fun, (self.static_argnums, self.static_argnames, tuple(donate_argnums or ())
              if not isinstance(donate_argnums, int) else (donate_argnums,)))
    self._last = None   # (x64, call) of the last fast-path signature
    self.__name__ = getattr(fun, "__name__", "fun")

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def __call__(self, *args, **kwargs):
    # Fast path (no transformation active, no static arguments): the generated code of the
    # last signature called checks its own arguments; for Array positional arguments, a
    # dictionary keyed on (x64, (shape, dtype, weak_type) per argument) finds the others.
    if _fast and core._ctx.trace is _eval_trace and not core._ctx.axis_env:
      last = self._last
      if last is not None and last[0] is _x64:
        out = last[1](args, kwargs)
        if out is not _MISS:
          return out
      if not kwargs and self._no_statics:
        key = [_x64]
        for a in args:
          if type(a) is not Array:
            break
          v = a._value
          key.append((v.shape, v.dtype, a.weak_type))
        else:
          entry = self._fast_cache.get(tuple(key))
          if entry is not None:
            out = entry.call(args, kwargs)
            if out is not _MISS:
              self._last = (_x64, entry.call)
              return out
    return self._call(args, kwargs)

  def _call(self, args, kwargs):
    if config.disable_jit:
      return self.fun(*args, **kwargs)
    statics, static_kw, dyn_args, dyn_kwargs = self._split(args, kwargs)
    leaves, in_tree = tu.tree_flatten((dyn_args, dyn_kwargs))
    leaf_types = [type(l) for l in leaves]
    sig = []
    for i, l in enumerate(leaves):
      t = type(l)
      if t is Array:
        v = l._value
        sig.append((v.shape, v.dtype, l.weak_type))
        continue
      if not isinstance(l, Tracer):
        if not core.is_valid_jaxtype(l):
          self._raise_bad_arg(args, kwargs, i, l)
        l = leaves[i] = lax.asarray(l)
      aval = get_aval(l)
      sig.append((aval.shape, aval.dtype, aval.weak_type))
    key = (in_tree, tuple(sig), statics, static_kw, _x64)
    env = core._ctx.axis_env
    if env:  # collectives in the function are sized by the enclosing named vmaps
      key += (tuple((a.name, a.size) for a in env),)
    try:
      entry = self._cache.get(key)
    except TypeError as err:
      self._raise_unhashable(statics, static_kw, err)
    if entry is None:
      entry = self._trace(key, args, kwargs, statics, static_kw, leaves, in_tree, leaf_types)
    if entry.lifted:
      out_leaves = jit_p.bind(*entry.lifted, *leaves, jaxpr=entry.closed, name=self.__name__)
    elif core._ctx.trace is _eval_trace:
      if entry.call is not None and _fast:
        out = entry.call(args, kwargs)
        if out is not _MISS:
          return out
      outs = entry.fn(*[l._value if type(l) is Array else _to_numpy(l) for l in leaves])
      if core._check_floats:
        try:
          core.check_nans(_NamedPrim(f"jit({self.__name__})"), outs)
        except FloatingPointError:
          # As JAX does: run the de-optimized function (the staged jaxpr, eagerly) to name
          # the primitive that produced the value; if it does not, re-raise as is.
          with core.transformation_context(f"under jit({self.__name__})"):
            core.eval_jaxpr(entry.closed.jaxpr, entry.closed.consts, *leaves)
          raise
      out_leaves = [Array(o, w) for o, w in zip(outs, entry.out_weak)]
    else:
      out_leaves = jit_p.bind(*leaves, jaxpr=entry.closed, name=self.__name__)
    return tu.tree_unflatten(entry.out_tree, out_leaves)

  def _split(self, args, kwargs):
    if self._no_statics:
      return (), (), args, kwargs
    static_nums = self.static_argnums
    nargs = len(args)
    statics = tuple((i, args[i]) for i in static_nums if i < nargs) if static_nums else ()
    static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames)) \
        if kwargs and self.static_argnames else ()
    dyn_args = tuple(a for i, a in enumerate(args) if i not in static_nums) if static_nums else args
    dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames} \
        if kwargs and self.static_argnames else kwargs
    return statics, static_kw, dyn_args, dyn_kwargs

  def _raise_unhashable(self, statics, static_kw, err):
    for _, v in list(statics) + list(static_kw):
      try:
        hash(v)
      except TypeError as e:
        raise ValueError(
            "Non-hashable static arguments are not supported. An error occurred while trying "
            f"to hash an object of type {type(v)}, {v}. The error was:\nTypeError: {e}\n") from None
    raise err

  def _raise_bad_arg(self, args, kwargs, index, leaf):
    path = _leaf_paths(self._sig, args, kwargs, self.static_argnums, self.static_argnames)
    where = path[index] if index < len(path) else f"args[{index}]"
    raise TypeError(
        f"Error interpreting argument to {self.fun!r} as an abstract array. The problematic "
        f"value is of type {type(leaf)} and was passed to the function at path {where}.\n"
        "This typically means that a jit-wrapped function was called with a non-array "
        "argument, and this argument was not marked as static using the static_argnums or "
        "static_argnames parameters of jax.jit.")

  def _trace(self, key, args, kwargs, statics, static_kw, leaves, in_tree,
             leaf_types) -> _CacheEntry:
    if config.jax_explain_cache_misses:
      _explain_miss(self, key, args, kwargs)
    _touch(self.fun)
    static_pos = dict(statics)
    static_kws = dict(static_kw)
    fun = self.fun

    def flat_fun(*flat):
      dyn_args, dyn_kwargs = tu.tree_unflatten(in_tree, flat)
      it = iter(dyn_args)
      full = [static_pos[i] if i in static_pos else next(it)
              for i in range(len(dyn_args) + len(static_pos))]
      out = fun(*full, **dyn_kwargs, **static_kws)
      out_leaves, out_tree = tu.tree_flatten(out)
      store.append(out_tree)
      for o in out_leaves:
        if type(o) is not Array and not isinstance(o, Tracer) and not core.is_valid_jaxtype(o):
          _raise_bad_output(fun, out)
      return [o if type(o) is Array or isinstance(o, Tracer) else lax.asarray(o)
              for o in out_leaves]

    store: list = []
    avals = [ShapedArray(s, d, w) for s, d, w in key[1]]
    names = _arg_names(self._sig, args, statics)
    debug = pe.DebugInfo(fun, names, "jit") if hasattr(pe, "DebugInfo") else None
    with core.set_current_trace(_eval_trace):
      jaxpr, consts, _ = pe.trace_to_jaxpr(flat_fun, avals, debug)
    if any(isinstance(c, Tracer) for c in consts):
      # The function closes over tracers of an enclosing transformation: they become leading
      # operands of the `jit` equation, and the entry (specific to them) is not cached.
      lifted = [(v, c) for v, c in zip(jaxpr.constvars, consts) if isinstance(c, Tracer)]
      kept = [(v, c) for v, c in zip(jaxpr.constvars, consts) if not isinstance(c, Tracer)]
      jaxpr = Jaxpr([v for v, _ in kept], [v for v, _ in lifted] + jaxpr.invars, jaxpr.outvars,
                    jaxpr.eqns)
      return _CacheEntry(ClosedJaxpr(jaxpr, [c for _, c in kept]), store[0],
                         [c for _, c in lifted])
    closed = ClosedJaxpr(jaxpr, consts)
    entry = _CacheEntry(closed, store[0])
    fast_key = None
    if self._no_statics:
      entry.call = codegen.compile_call(entry.optimized, entry.out_weak, entry.out_tree, in_tree,
                                        key[1], leaf_types)
      if entry.call is not None:
        self._last = (key[4], entry.call)
        if not kwargs and all(type(a) is Array for a in args):
          fast_key = (key[4],) + key[1]
    if len(self._cache) >= _MAX_CACHE:
      old_key = next(iter(self._cache))
      old = self._cache.pop(old_key)
      if old.call is not None:
        self._fast_cache.pop((old_key[4],) + old_key[1], None)
        if self._last is not None and self._last[1] is old.call:
          self._last = None
    self._cache[key] = entry
    if fast_key is not None:
      self._fast_cache[fast_key] = entry
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
    self._fast_cache.clear()
    self._last = None

  def _cache_size(self):
    return len(self._cache)


class _NamedPrim:
  """Stands in for a primitive in NaN-check messages (`... encountered in jit(f)`)."""

  def __init__(self, name):
    self.name = name


class _Lowered:
  """`jit(f).lower(*args)`: the staged jaxpr and the generated NumPy source (`as_text()`)."""

  def __init__(self, wrapped, args, kwargs):
    from numjax._src.api import make_jaxpr
    self.jaxpr = make_jaxpr(wrapped.fun, static_argnums=wrapped.static_argnums)(*args, **kwargs)
    self.optimized = _for_codegen(self.jaxpr)
    self.wrapped = wrapped

  def as_text(self) -> str:
    """The Python source jit runs for these arguments (after the optimization passes)."""
    return codegen.source_of(self.optimized)

  def compile(self):
    return self

  def __call__(self, *args, **kwargs):
    return self.wrapped(*args, **kwargs)


_eval_trace = core.eval_trace
_MISS = codegen.MISS


def _to_numpy(x):
  if isinstance(x, Tracer):
    raise core._escaped_tracer_error(x, jit_p)
  return lax.asarray(x)._value


def _arg_names(sig, args, statics) -> list:
  static_idx = {i for i, _ in statics}
  params = list(sig.parameters) if sig is not None else []
  return [params[i] if i < len(params) else f"args[{i}]" for i in range(len(args))
          if i not in static_idx]


def _leaf_paths(sig, args, kwargs, static_nums, static_names) -> list:
  """How JAX names each dynamic leaf in messages: `x`, `y['a'][0]`, `rest[1]`, `kw['z']`."""
  params = list(sig.parameters.values()) if sig is not None else []
  positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                 inspect.Parameter.POSITIONAL_OR_KEYWORD)]
  var_pos = next((p.name for p in params if p.kind == inspect.Parameter.VAR_POSITIONAL), "args")
  var_kw = next((p.name for p in params if p.kind == inspect.Parameter.VAR_KEYWORD), "kwargs")
  out = []
  for i, a in enumerate(args):
    if i in static_nums:
      continue
    base = positional[i].name if i < len(positional) else f"{var_pos}[{i - len(positional)}]"
    out.extend(base + tu.keystr(p) for p, _ in tu.tree_flatten_with_path(a)[0])
  named = {p.name for p in params}
  for k in sorted(kwargs):
    if k in static_names:
      continue
    base = k if k in named else f"{var_kw}[{k!r}]"
    out.extend(base + tu.keystr(p) for p, _ in tu.tree_flatten_with_path(kwargs[k])[0])
  return out


def _fun_location(fun) -> str:
  code = getattr(fun, "__code__", None)
  if code is None:
    return getattr(fun, "__name__", repr(fun))
  return f"{getattr(fun, '__name__', 'fun')} at {code.co_filename}:{code.co_firstlineno}"


def _raise_bad_output(fun, out):
  for path, leaf in tu.tree_flatten_with_path(out)[0]:
    if type(leaf) is Array or isinstance(leaf, Tracer) or core.is_valid_jaxtype(leaf):
      continue
    where = f" at output component {tu.keystr(path)}" if path else ""
    raise TypeError(f"function {_fun_location(fun)} traced for jit returned a value of type "
                    f"{type(leaf)}{where}, which is not a valid JAX type")


def _caller_location() -> str:
  import sys
  f = sys._getframe(1)
  here = __file__
  while f is not None and f.f_code.co_filename == here:
    f = f.f_back
  if f is None:
    return "<unknown>"
  return f"{f.f_code.co_filename}:{f.f_lineno} ({f.f_code.co_name})"


def _explain_miss(wrapped, key, args, kwargs):
  """Log why `wrapped` is being traced again (config `jax_explain_cache_misses`)."""
  code = getattr(wrapped.fun, "__code__", None)
  defined = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "<unknown>"
  head = f"TRACING CACHE MISS at {_caller_location()}:"
  if not wrapped._cache:
    logger.warning("%s\n  never seen function:\n    %s id=%d defined at %s", head,
                   wrapped.__name__, id(wrapped.fun), defined)
    return
  paths = _leaf_paths(wrapped._sig, args, kwargs, wrapped.static_argnums,
                      wrapped.static_argnames)
  best = None
  for old in wrapped._cache:
    diffs = []
    if old[0] != key[0]:
      diffs.append(f"different input pytree structure: before {old[0]}, now {key[0]}")
    elif old[1] != key[1]:
      diffs.append("different input types:")
      for i, (a, b) in enumerate(zip(old[1], key[1])):
        if a != b:
          where = paths[i] if i < len(paths) else f"args[{i}]"
          diffs.append(f"* at {where}, now {ShapedArray(*b).str_short()}"
                       f"{{weak_type={b[2]}}} and before {ShapedArray(*a).str_short()}"
                       f"{{weak_type={a[2]}}}")
    if old[2] != key[2] or old[3] != key[3]:
      diffs.append(f"different static arguments: before {old[2] + old[3]}, now "
                   f"{key[2] + key[3]}")
    if old[4] != key[4]:
      diffs.append(f"different values of (jax_enable_x64, jax_threefry_partitionable): before "
                   f"{old[4]}, now {key[4]}")
    if best is None or len(diffs) < len(best):
      best = diffs
  logger.warning("%s\n  for %s defined at %s\n  all previously seen cache keys differ. For the "
                 "closest previous key:\n  %s", head, wrapped.__name__, defined,
                 "\n  ".join(best or ["never seen input type signature"]))


_UNSET = object()


def _index_tuple(nums, name: str) -> tuple:
  """static_argnums/donate_argnums as a tuple of ints (TypeError naming the argument if not)."""
  if nums is None:
    return ()
  tup = (nums,) if isinstance(nums, int) else nums
  try:
    tup = tuple(tup)
  except TypeError:
    raise TypeError(f"{name} must be an int or a sequence of ints, got {nums!r}.") from None
  for i in tup:
    if not isinstance(i, int) or isinstance(i, bool):
      import numpy as np
      if isinstance(i, np.integer):
        continue
      raise TypeError(f"{name} must be an int or a sequence of ints, got {nums!r} (element "
                      f"{i!r} of type {type(i).__name__}).")
  return tuple(int(i) for i in tup)


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def validate_argnums(sig: inspect.Signature, nums: tuple, name: str) -> None:
  """ValueError (JAX's wording) if an index in `nums` cannot be a positional argument of sig."""
  n_pos = 0
  for param in sig.parameters.values():
    if param.kind in _POSITIONAL:
      n_pos += 1
    elif param.kind is inspect.Parameter.VAR_POSITIONAL:
      return
  if nums and (-min(nums) > n_pos or max(nums) >= n_pos):
    raise ValueError(f"Jitted function has {name}={nums}, but only accepts {n_pos} positional "
                     "arguments.")


def validate_argnames(sig: inspect.Signature, names: tuple, name: str) -> None:
  """ValueError (JAX's wording) if a name in `names` is not a keyword argument of sig."""
  valid, invalid, var_kw = set(), set(), False
  for pname, param in sig.parameters.items():
    if param.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY):
      valid.add(pname)
    elif param.kind is inspect.Parameter.VAR_KEYWORD:
      var_kw = True
    else:
      invalid.add(pname)
  if bad := invalid & set(names):
    raise ValueError(f"Jitted function has invalid argnames {bad} in {name}. These are "
                     "positional-only")
  if not var_kw and (bad := set(names) - valid):
    raise ValueError(f"Jitted function has invalid argnames {bad} in {name}. Function does not "
                     "take these args.")


def jit(fun: Callable = _UNSET, *, static_argnums=(), static_argnames=(), donate_argnums=(),
        donate_argnames=(), inline=False, keep_unused=False, device=None, backend=None,
        abstracted_axes=None, compiler_options=None, in_shardings=None, out_shardings=None):
  """Compile `fun` to NumPy code, traced once per input signature. Also a decorator."""
  if fun is _UNSET:
    return lambda f: jit(f, static_argnums=static_argnums, static_argnames=static_argnames,
                         donate_argnums=donate_argnums)
  if not callable(fun):
    raise TypeError(f"Expected a callable value, got {fun!r}")
  return JitWrapped(fun, static_argnums, static_argnames, donate_argnums)
