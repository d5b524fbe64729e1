"""The smaller top-level `jax.*` API: config context managers, `disable_jit`,
`ensure_compile_time_eval`, `named_call`/`named_scope`, `clear_caches`, `custom_gradient`,
process queries, `print_environment_info`, `live_arrays`, `copy_to_host_async`.

Config context managers (`numjax.enable_x64(True)`, `numjax.debug_nans()`, ...) are `State`
objects as in JAX: call one to get a context manager (or decorator) that sets the flag and
restores it on exit; read `.value` for the current setting. numjax's flags are process-wide
(JAX's are thread-local inside such a block). Flags numjax acts on: jax_enable_x64,
jax_debug_nans, jax_debug_infs, jax_disable_jit, jax_explain_cache_misses,
jax_threefry_partitionable. The others are accepted, validated and readable
(`numjax.config.jax_numpy_rank_promotion`) but change nothing here.

    >>> with numjax.enable_x64(True):
    ...   jnp.ones(2).dtype
    dtype('float64')
"""
from __future__ import annotations

import contextlib
import functools
import sys
import warnings
from typing import Any, Callable

from numjax._src import core
from numjax._src import tree_util as tu
from numjax._src.config import _env_bool, config

_NO_DEFAULT = object()


# ----------------------------------------------------------------------------------------------
# Config states
# ----------------------------------------------------------------------------------------------
def _define_flag(name: str, default: Any) -> None:
  """Make `name` a config option (if config.py does not already have it)."""
  values = config._values  # config.py has no API to add options; its dict is the registry
  if name not in values:
    values[name] = _env_bool(name, default) if isinstance(default, bool) else default


def _enum(choices, allow_none=False):
  def parse(v):
    if (v is None and allow_none) or v in choices:
      return v
    none = "None or " if allow_none else ""
    raise ValueError(f"new enum value must be {none}in {list(choices)}, got {v} of type "
                     f"{type(v)}.")
  return parse


def _named_enum(cls_name, choices):
  def parse(v):
    if v in choices:
      return v
    raise ValueError(f"{v!r} is not a valid {cls_name}")
  return parse


def _device_or_platform(v):
  from numjax._src.sharding import Device
  if v is None or isinstance(v, (Device, str)):
    return v
  raise ValueError("jax.default_device must be passed either a Device object (e.g. "
                   "`jax.devices('cpu')[0]`) or a platform name string like 'cpu' or 'gpu', "
                   f"got: {v}")


class State:
  """A config option as a context-manager factory: `with numjax.debug_nans(True): ...`."""

  def __init__(self, name: str, default: Any, help: str, *, parser: Callable | None = None,
               cm_default: Any = _NO_DEFAULT, effect: bool = True):
    self.name = name
    self.__name__ = name[4:] if name.startswith("jax_") else name
    note = "" if effect else "\n\nnumjax accepts and records this option; it has no effect here."
    self.__doc__ = f"Context manager for `{name}` config option.\n\n{help}{note}"
    self._parser = parser
    self._cm_default = cm_default
    _define_flag(name, default)

  @property
  def value(self) -> Any:
    return config.read(self.name)

  def __bool__(self):
    raise TypeError("bool() not supported for instances of type 'State' (did you mean to use "
                    "'State.value' instead?)")

  def __call__(self, new_val: Any = _NO_DEFAULT) -> "_StateContext":
    if new_val is _NO_DEFAULT:
      if self._cm_default is _NO_DEFAULT:
        raise TypeError(f"Context manager for {self.__name__} config option requires an "
                        "argument representing the new value for the config option.")
      new_val = self._cm_default
    if self._parser is not None:
      new_val = self._parser(new_val)
    return _StateContext(self.name, new_val)

  def __repr__(self):
    return f"<numjax State {self.name}={self.value!r}>"


class _StateContext:
  """Sets one flag for the duration of a `with` block (or a decorated function's call)."""
  __slots__ = ("name", "new_val", "prev")

  def __init__(self, name, new_val):
    self.name = name
    self.new_val = new_val

  def __enter__(self):
    self.prev = config.read(self.name)
    config.update(self.name, self.new_val)

  def __exit__(self, *exc):
    config.update(self.name, self.prev)
    return False

  def __call__(self, func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
      with _StateContext(self.name, self.new_val):
        return func(*args, **kwargs)
    return wrapper


def _bool_state(name, default, help, effect=True):
  return State(name, default, help, parser=bool, cm_default=True, effect=effect)


_PRECISIONS = ["default", "high", "highest", "bfloat16", "tensorfloat32", "float32",
               "ANY_F8_ANY_F8_F32", "ANY_F8_ANY_F8_F32_FAST_ACCUM", "ANY_F8_ANY_F8_ANY",
               "ANY_F8_ANY_F8_ANY_FAST_ACCUM", "F16_F16_F16", "F16_F16_F32", "BF16_BF16_BF16",
               "BF16_BF16_F32", "BF16_BF16_F32_X3", "BF16_BF16_F32_X6", "BF16_BF16_F32_X9",
               "TF32_TF32_F32", "TF32_TF32_F32_X3", "F32_F32_F32", "F64_F64_F64"]
_GUARDS = ["allow", "log", "disallow", "log_explicit", "disallow_explicit"]

enable_x64 = _bool_state("jax_enable_x64", False, "Enable 64-bit types to be used.")
debug_nans = _bool_state(
    "jax_debug_nans", False, "Add nan checks to every operation. When a nan is detected on "
    "the output of a jit-compiled computation, call into the un-compiled version in an attempt "
    "to more precisely identify the operation which produced the nan.")
debug_infs = _bool_state(
    "jax_debug_infs", False, "Add inf checks to every operation. When an inf is detected on "
    "the output of a jit-compiled computation, call into the un-compiled version in an attempt "
    "to more precisely identify the operation which produced the inf.")
log_compiles = _bool_state(
    "jax_log_compiles", False, "Log a message each time `jit` or `pmap` compiles an XLA "
    "computation.", effect=False)
explain_cache_misses = _bool_state(
    "jax_explain_cache_misses", False, "Each time there is a miss on one of the main caches "
    "(e.g. the tracing cache), log an explanation.")
check_tracer_leaks = _bool_state(
    "jax_check_tracer_leaks", False, "Turn on checking for leaked tracers as soon as a trace "
    "completes.", effect=False)
checking_leaks = functools.partial(check_tracer_leaks, True)
threefry_partitionable = _bool_state(
    "jax_threefry_partitionable", True, "Enables internal threefry PRNG implementation changes "
    "that render it automatically partitionable in some cases.")
enable_checks = _bool_state("jax_enable_checks", False,
                            "Turn on invariant checking for JAX internals.", effect=False)
debug_key_reuse = _bool_state("jax_debug_key_reuse", False,
                              "Turn on experimental key reuse checking.", effect=False)
softmax_custom_jvp = _bool_state(
    "jax_softmax_custom_jvp", False, "Use a new custom_jvp rule for jax.nn.softmax.",
    effect=False)
enable_custom_prng = _bool_state("jax_enable_custom_prng", False,
                                 "Enables an internal upgrade that allows one to define custom "
                                 "pseudo-random number generator implementations.",
                                 effect=False)
allow_f16_reductions = _bool_state(
    "jax_allow_f16_reductions", True, "If False, `reduce_sum` on `f16` or `bf16` inputs "
    "raises an error.", effect=False)
default_matmul_precision = State(
    "jax_default_matmul_precision", None, "Control the default matmul and conv precision for "
    "32bit inputs (NumPy always computes in full precision here).",
    parser=_enum(_PRECISIONS, allow_none=True), effect=False)
numpy_rank_promotion = State(
    "jax_numpy_rank_promotion", "allow", "Control NumPy-style automatic rank promotion "
    "broadcasting ('allow', 'warn', or 'raise').",
    parser=_enum(["allow", "warn", "raise"]), effect=False)
numpy_dtype_promotion = State(
    "jax_numpy_dtype_promotion", "standard", "Specify the rules used for implicit type "
    "promotion in operations between arrays ('standard' or 'strict').",
    parser=_named_enum("NumpyDtypePromotion", ["standard", "strict"]), effect=False)
default_prng_impl = State(
    "jax_default_prng_impl", "threefry2x32", "Select the default PRNG implementation, used "
    "when one is not explicitly provided at seeding time (numjax implements threefry2x32).",
    parser=_enum(["threefry2x32", "threefry4x32", "rbg", "unsafe_rbg", "philox2x32",
                  "philox4x32"]), effect=False)
legacy_prng_key = State(
    "jax_legacy_prng_key", "allow", "Specify the behavior when raw PRNG keys are passed to "
    "jax.random APIs.", parser=_named_enum("LegacyPrngKeyState", ["allow", "warn", "error"]),
    effect=False)
default_device = State(
    "jax_default_device", None, "Configure the default device for JAX operations. Set to a "
    "Device object (e.g. ``jax.devices(\"cpu\")[0]``) to use that Device as the default "
    "device for JAX operations and jit'd function calls. Set to None to use the system "
    "default device. (numjax keeps every array in host memory.)",
    parser=_device_or_platform, effect=False)
transfer_guard_host_to_device = State(
    "jax_transfer_guard_host_to_device", None, "Select the transfer guard level for "
    "host-to-device transfers.", parser=_enum(_GUARDS, allow_none=True), effect=False)
transfer_guard_device_to_device = State(
    "jax_transfer_guard_device_to_device", None, "Select the transfer guard level for "
    "device-to-device transfers.", parser=_enum(_GUARDS, allow_none=True), effect=False)
transfer_guard_device_to_host = State(
    "jax_transfer_guard_device_to_host", None, "Select the transfer guard level for "
    "device-to-host transfers.", parser=_enum(_GUARDS, allow_none=True), effect=False)


@contextlib.contextmanager
def transfer_guard(new_val: str):
  """Set the transfer guard level of all three kinds of transfer (no effect in numjax)."""
  with contextlib.ExitStack() as stack:
    for state in (transfer_guard_host_to_device, transfer_guard_device_to_device,
                  transfer_guard_device_to_host):
      stack.enter_context(state(new_val))
    yield


# ----------------------------------------------------------------------------------------------
# disable_jit, ensure_compile_time_eval
# ----------------------------------------------------------------------------------------------
@contextlib.contextmanager
def disable_jit(disable: bool = True):
  """Within the block, `jit` calls run their function eagerly, op by op (also control flow).

      >>> with numjax.disable_jit():
      ...   numjax.jit(lambda x: print(type(x)) or x)(1.0)   # prints <class 'float'>
  Same as `numjax.config.update("jax_disable_jit", True)` for the block.
  """
  prev = config.read("jax_disable_jit")
  config.update("jax_disable_jit", bool(disable))
  try:
    yield
  finally:
    config.update("jax_disable_jit", prev)


class _CompileTimeEvalTrace(core.EvalTrace):
  """Evaluates primitives on concrete values now; anything involving a tracer goes on to the
  trace that was current when the block was entered (so staged values stay staged)."""

  def __init__(self, outer: core.Trace):
    self.outer = outer

  def process_primitive(self, prim, args, params):
    for a in args:
      if isinstance(a, core.Tracer) and not a._trace.dead:
        return prim.bind_with_trace(self.outer, args, params)
    return core.EvalTrace.process_primitive(self, prim, args, params)

  def __repr__(self):
    return "EvalTrace"


@contextlib.contextmanager
def ensure_compile_time_eval():
  """Evaluate operations on concrete values now, even inside `jit` or another transformation.

      >>> @numjax.jit
      ... def f(x):
      ...   with numjax.ensure_compile_time_eval():
      ...     y = jnp.sin(3.)    # an Array, computed while tracing
      ...   return x + y
  Operations on traced values inside the block are still traced.
  """
  outer = core.current_trace()
  with core.set_current_trace(_CompileTimeEvalTrace(outer)):
    yield


# ----------------------------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------------------------
def named_call(fun: Callable, *, name: str | None = None) -> Callable:
  """`fun` with a name for profiles and HLO (numjax keeps no name stack: `fun` runs as is, and
  staged jaxprs show its operations inline, as JAX 0.10.2's `make_jaxpr` does)."""
  if not callable(fun):
    raise TypeError(f"named_call requires a callable, got {fun!r}")

  @functools.wraps(fun)
  def named_f(*args, **kwargs):
    return fun(*args, **kwargs)
  return named_f


class named_scope:
  """`with numjax.named_scope("layer1"): ...` names the operations in the block in JAX's name
  stack; numjax records no names, so this only checks `name` is a string."""

  def __init__(self, name: str):
    if not isinstance(name, str):
      raise TypeError("named_scope name argument must be a string.")
    self.name = name

  def __enter__(self):
    return None

  def __exit__(self, *exc):
    return False

  def __call__(self, func: Callable) -> Callable:
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
      with named_scope(self.name):
        return func(*args, **kwargs)
    return wrapper


# ----------------------------------------------------------------------------------------------
# Caches, processes, environment, buffers
# ----------------------------------------------------------------------------------------------
def clear_caches() -> None:
  """Drop every traced and compiled `jit` signature (the next call of a jitted function traces
  again), and the small caches of vmap axis specs."""
  from numjax._src import api, jit
  for per_fun in list(jit._shared.values()):
    for cache, fast in per_fun.values():
      cache.clear()
      fast.clear()
  jit._recent.clear()
  # Every JitWrapped remembers the code of its last signature, checked by identity against
  # jit's flags tuple: a fresh tuple makes all of them miss.
  jit._refresh_flags()
  api._axes_cache.clear()


def process_index(backend=None) -> int:
  """This process's index among the JAX processes: always 0 (numjax runs in one process)."""
  from numjax._src.sharding import check_backend
  check_backend(backend)
  return 0


def process_count(backend=None) -> int:
  """The number of JAX processes: always 1."""
  from numjax._src.sharding import check_backend
  check_backend(backend)
  return 1


def process_indices(backend=None) -> list:
  """All process indices: `[0]`."""
  return list(range(process_count(backend)))


def host_id(backend=None) -> int:
  """Deprecated alias of `process_index`."""
  warnings.warn("jax.host_id has been renamed to jax.process_index. This alias will "
                "eventually be removed; please update your code.")
  return process_index(backend)


def host_count(backend=None) -> int:
  """Deprecated alias of `process_count`."""
  warnings.warn("jax.host_count has been renamed to jax.process_count. This alias will "
                "eventually be removed; please update your code.")
  return process_count(backend)


def host_ids(backend=None) -> list:
  """Deprecated alias of `process_indices`."""
  warnings.warn("jax.host_ids has been renamed to jax.process_indices. This alias will "
                "eventually be removed; please update your code.")
  return process_indices(backend)


def print_environment_info(return_string: bool = False) -> str | None:
  """Print (or return) the numjax, NumPy and Python versions and the devices."""
  import platform
  import numpy as np
  import numjax
  from numjax._src.sharding import host_devices
  n = len(host_devices())
  info = "\n".join([
      f"numjax: {numjax.__version__}",
      f"numpy:  {np.__version__}",
      f"python: {sys.version}",
      f"device info: cpu-{n}, {n} local devices",
      "process_count: 1",
      f"platform: {platform.uname()}",
  ])
  if return_string:
    return info
  print(info)
  return None


def live_arrays(platform=None) -> list:
  """Arrays alive in device memory. numjax does not track its buffers (NumPy arrays freed by
  the garbage collector), so this returns `[]`."""
  return []


def copy_to_host_async(x):
  """Start copying the arrays in pytree `x` to the host; they already are there. Returns x."""
  for leaf in tu.tree_leaves(x):
    if hasattr(leaf, "copy_to_host_async"):
      leaf.copy_to_host_async()
  return x


# ----------------------------------------------------------------------------------------------
# custom_gradient
# ----------------------------------------------------------------------------------------------
class _Residuals:
  """What `custom_gradient`'s forward pass keeps: the rule staged as a jaxpr, and its consts
  (the only pytree leaves, so transformations see and batch them)."""

  def __init__(self, jaxpr, in_tree, out_tree, consts):
    self.jaxpr = jaxpr
    self.in_tree = in_tree
    self.out_tree = out_tree
    self.consts = consts


tu.register_pytree_node(_Residuals, lambda r: (list(r.consts), (r.jaxpr, r.in_tree, r.out_tree)),
                        lambda aux, consts: _Residuals(*aux, list(consts)))


def custom_gradient(fun: Callable) -> Callable:
  """`fun(*args) -> (out, vjp_fn)` as a function of `args` whose gradient is `vjp_fn`.

      >>> @numjax.custom_gradient
      ... def f(x):
      ...   return x ** 2, lambda g: (g * x,)
      >>> numjax.grad(f)(3.)
      Array(3., dtype=float32, weak_type=True)
  `vjp_fn(out_cotangent)` returns one cotangent per argument (a bare value for one argument);
  it may close over values computed by `fun`, but not branch on the cotangent in Python.
  """
  from numjax._src.custom_derivatives import custom_vjp
  from numjax._src.interpreters import partial_eval as pe

  @custom_vjp
  def wrapped_fun(*args, **kwargs):
    ans, _ = fun(*args, **kwargs)
    return ans

  def fwd(*args, **kwargs):
    ans, rule = fun(*args, **kwargs)
    ans_flat, out_tree = tu.tree_flatten((ans,))
    in_tree = []

    def flat_rule(*cts):
      # Values the rule computes from concrete closed-over values alone are computed now (so
      # it may branch on them, as in JAX); only what depends on the cotangents is staged.
      with ensure_compile_time_eval():
        out = rule(*tu.tree_unflatten(out_tree, cts))
      flat, tree = tu.tree_flatten(out)
      in_tree.append(tree)
      return flat
    avals = [core.get_aval(x).to_tangent_aval() for x in ans_flat]
    jaxpr, consts, _ = pe.trace_to_jaxpr(flat_rule, avals)
    return ans, _Residuals(jaxpr, in_tree[0], out_tree, consts)

  def bwd(res, cts):
    cts_flat, tree = tu.tree_flatten((cts,))
    if tree != res.out_tree:
      raise TypeError(f"{res.out_tree}\n!=\n{tree}")
    outs = core.eval_jaxpr(res.jaxpr, res.consts, *cts_flat)
    cts_out = tu.tree_unflatten(res.in_tree, outs)
    if tu.treedef_is_leaf(res.in_tree):
      cts_out = (cts_out,)
    return cts_out

  wrapped_fun.defvjp(fwd, bwd)
  return wrapped_fun
