"""`pmap` on numjax's host "devices": a jitted `vmap` with an axis name.

JAX runs one replica of `fun` per device; numjax has no devices to run replicas on, so it
maps `fun` the way `vmap` does — collectives (`psum`, `pmean`, `all_gather`, `axis_index`,
...) over `axis_name` see the whole mapped axis — and compiles the result with `jit`. What
stays of the devices is JAX's limit: the mapped axis (times those of enclosing pmaps) must not
exceed `local_device_count()` (or `len(devices)`), which is 1 unless XLA_FLAGS has
`--xla_force_host_platform_device_count=N`.

    >>> # XLA_FLAGS=--xla_force_host_platform_device_count=4
    >>> numjax.pmap(lambda x: x / lax.psum(x, 'i'), axis_name='i')(jnp.arange(4.))
    Array([0.        , 0.16666667, 0.33333334, 0.5       ], dtype=float32)
"""
from __future__ import annotations

import collections
import functools
import threading
from typing import Any, Callable, Iterable, Sequence

from numjax._src import tree_util as tu


class _Replicas(threading.local):
  product = 1     # replicas taken by the pmaps being traced around this point


_replicas = _Replicas()
_MAX_STATIC = 64   # jitted variants kept per pmapped function (one per static-args value)


def _index_tuple(nums, name: str) -> tuple:
  if isinstance(nums, int):
    return (nums,)
  try:
    return tuple(int(i) for i in nums)
  except TypeError:
    raise TypeError(f"{name} must be an int or a sequence of ints, got {nums!r}.") from None


def pmap(fun: Callable, axis_name: Any = None, *, in_axes=0, out_axes=0,
         static_broadcasted_argnums: int | Iterable[int] = (),
         devices: Sequence | None = None, backend: str | None = None,
         axis_size: int | None = None, donate_argnums: int | Iterable[int] = (),
         global_arg_shapes=None) -> Callable:
  """Map `fun` over the leading axis (`in_axes`) of its arguments, one "device" per element.

  The mapped size must not exceed `numjax.local_device_count()`; `axis_name` names the axis
  for collectives. Outputs are mapped along `out_axes`.
  """
  if not callable(fun):
    raise TypeError(f"Expected a callable value, got {fun!r}")
  if devices is not None:
    if not devices:
      raise ValueError("'devices' argument to pmap must be non-empty, or None.")
    devices = tuple(devices)
  static = _index_tuple(static_broadcasted_argnums, "static_broadcasted_argnums")
  if isinstance(in_axes, list):
    in_axes = tuple(in_axes)
  if not all(type(l) is int for l in tu.tree_leaves(in_axes)):
    raise TypeError("pmap in_axes must be an int, None, or (nested) container with those "
                    f"types as leaves, but got {in_axes}.")
  if not all(type(l) is int for l in tu.tree_leaves(out_axes)):
    raise TypeError("pmap out_axes must be an int, None, or (nested) container with those "
                    f"types as leaves, but got {out_axes}.")
  jitted: collections.OrderedDict[Any, Callable] = collections.OrderedDict()

  def compiled(statics: tuple, nargs: int) -> Callable:
    """jit(vmap(fun)) with the static arguments bound (one per distinct static values)."""
    key = (statics, nargs) if statics else None
    try:
      hit = jitted.get(key)
    except TypeError as err:
      for _, v in statics:
        try:
          hash(v)
        except TypeError as e:
          raise ValueError(
              "Non-hashable static arguments are not supported. An error occurred while "
              f"trying to hash an object of type {type(v)}, {v}. The error was:\n"
              f"TypeError: {e}\n") from None
      raise err
    if hit is not None:
      jitted.move_to_end(key)
      return hit
    from numjax._src.api import vmap
    from numjax._src.jit import jit
    if statics:
      fixed = dict(statics)

      @functools.wraps(fun)
      def dyn_fun(*dyn, **kwargs):
        it = iter(dyn)
        full = [fixed[i] if i in fixed else next(it) for i in range(nargs)]
        return fun(*full, **kwargs)
      dyn_in_axes = tuple(in_axes[i] for i in range(nargs) if i not in fixed) \
          if isinstance(in_axes, tuple) else in_axes
    else:
      dyn_fun, dyn_in_axes = fun, in_axes
    hit = jitted[key] = jit(vmap(dyn_fun, in_axes=dyn_in_axes, out_axes=out_axes,
                                 axis_name=axis_name))
    while len(jitted) > _MAX_STATIC:
      jitted.popitem(last=False)
    return hit

  @functools.wraps(fun)
  def pmap_f(*args, **kwargs):
    if static:
      if max(static) >= len(args):
        raise ValueError(
            f"pmapped function has static_broadcasted_argnums={static} but was called with "
            f"only {len(args)} positional argument{'s' if len(args) > 1 else ''}. All static "
            "broadcasted arguments must be passed positionally.")
      nums = {i % len(args) for i in static}
      statics = tuple((i, args[i]) for i in sorted(nums))
      dyn_args = tuple(a for i, a in enumerate(args) if i not in nums)
      dyn_in_axes = tuple(in_axes[i] for i in range(len(args)) if i not in nums) \
          if isinstance(in_axes, tuple) else in_axes
    else:
      statics, dyn_args, dyn_in_axes = (), args, in_axes
    size = _mapped_size(fun, dyn_args, kwargs, dyn_in_axes)
    if axis_size is not None and axis_size != size:
      raise ValueError(f"Specified axis_size {axis_size} doesn't match received axis_size "
                       f"{size}.")
    _check_replicas(size, devices, backend)
    f = compiled(statics, len(args))
    prev = _replicas.product
    _replicas.product = prev * size
    try:
      return f(*dyn_args, **kwargs)
    finally:
      _replicas.product = prev

  pmap_f.__wrapped__ = fun
  return pmap_f


def _mapped_size(fun, args, kwargs, in_axes) -> int:
  from numjax._src import api
  if isinstance(in_axes, tuple) and len(in_axes) != len(args):
    raise ValueError("pmap in_axes must be an int, None, or a tuple of entries corresponding "
                     "to the positional arguments passed to the function, but got "
                     f"len(in_axes)={len(in_axes)}, len(args)={len(args)}")
  leaves, tree = tu.tree_flatten((args, kwargs), is_leaf=lambda x: x is None)
  axes = api._flatten_axes("pmap in_axes", tree, (in_axes, 0))
  if not any(ax is not None and hasattr(l, "shape") for l, ax in zip(leaves, axes)):
    raise ValueError("pmap requires at least one argument with a mapped axis.")
  leaves = [l if l is None else api._check_arg(l) for l in leaves]
  try:
    return api._mapped_size(fun, args, leaves, axes, None, tree)
  except ValueError as e:
    msg = str(e)
    if msg.startswith("vmap"):
      raise ValueError("pmap" + msg[4:]) from None
    raise


def _check_replicas(size: int, devices, backend) -> None:
  from numjax._src import api
  total = _replicas.product * size
  if devices is not None:
    if total > len(devices):
      raise ValueError(f"compiling computation that requires {total} logical devices, but "
                       f"only {len(devices)} devices were given to pmap (num_replicas={total})")
    return
  available = api.local_device_count(backend)
  if total > available:
    raise ValueError(f"compiling computation that requires {total} logical devices, but only "
                     f"{available} XLA devices are available (num_replicas={total})")
