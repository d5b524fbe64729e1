"""`io_callback`: call an impure Python function from (transformed) numjax code.

Like `pure_callback`, but the call is an effect: the `io_callback` equation is never removed
by jit's dead-code elimination or merged by CSE, even when its results are unused, and it runs
exactly once per execution. Under `vmap` an unordered callback runs once per batch element,
in order (JAX stages a `lax.map`, i.e. a `scan`, around it); an ordered one cannot be vmapped.
It has no derivative (JAX raises `IO callbacks do not support JVP.`).

    >>> from numjax.experimental import io_callback
    >>> seen = []
    >>> def log_and_double(x):
    ...   seen.append(x)
    ...   return np.asarray(x) * 2
    >>> jax.jit(lambda x: io_callback(log_and_double, jax.ShapeDtypeStruct((), jnp.float32),
    ...                               x))(1.)
    Array(2., dtype=float32)
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ShapedArray
from numjax._src.interpreters import batching
from numjax._src.lax import lax as L


class _FlatCallback:
  """The user's callback over flat arguments (the `callback` param, printed as JAX does)."""
  __slots__ = ("callback_func", "in_tree")

  def __init__(self, callback_func: Callable, in_tree):
    self.callback_func = callback_func
    self.in_tree = in_tree

  def __call__(self, *flat_args):
    args, kwargs = tu.tree_unflatten(self.in_tree, list(flat_args))
    return self.callback_func(*args, **kwargs)

  def __repr__(self):
    return f"_FlatCallback(callback_func={self.callback_func!r}, in_tree={self.in_tree!r})"


def _io_callback_impl(*vals, callback, result_avals, sharding, ordered):
  out = callback(*[Array(np.asarray(v), False) for v in vals])
  leaves = [] if out is None and not result_avals else tu.tree_leaves(out)
  if len(leaves) != len(result_avals):
    raise RuntimeError(f"io_callback: the callback returned {len(leaves)} arrays, but "
                       f"result_shape_dtypes describes {len(result_avals)}.")
  outs = []
  for leaf, aval in zip(leaves, result_avals):
    a = np.asarray(leaf._value if type(leaf) is Array else leaf)
    if a.shape != aval.shape:
      raise RuntimeError(f"io_callback: the callback returned an array of shape {a.shape}, but "
                         f"result_shape_dtypes expects {aval.shape}.")
    outs.append(a.astype(aval.dtype, copy=False))
  return outs


def _io_callback_jvp(primals, tangents, **params):
  raise ValueError("IO callbacks do not support JVP.")


def _io_callback_transpose(cts, *args, **params):
  raise ValueError("IO callbacks do not support transpose.")


def _io_callback_batch(vals, dims, *, callback, result_avals, sharding, ordered):
  if ordered:
    raise ValueError("Cannot `vmap` ordered IO callback.")
  batched = [d is not None for d in dims]
  moved = [v if d is None else batching.moveaxis(v, d, 0) for v, d in zip(vals, dims)]
  fixed = [v for v, b in zip(moved, batched) if not b]
  mapped = [v for v, b in zip(moved, batched) if b]

  def one(xs):
    it_fixed, it_mapped = iter(fixed), iter(xs)
    args = [next(it_mapped) if b else next(it_fixed) for b in batched]
    return io_callback_p.bind(*args, callback=callback, result_avals=result_avals,
                              sharding=sharding, ordered=False)
  outs = L.map(one, mapped)
  return outs, [0] * len(outs)


io_callback_p = core.Primitive("io_callback", multiple_results=True)
io_callback_p.impl = _io_callback_impl
io_callback_p.abstract_eval = lambda *avals, result_avals, **params: list(result_avals)
io_callback_p.weak_type_rule = lambda args, params: False
io_callback_p.jvp = _io_callback_jvp
io_callback_p.transpose = _io_callback_transpose
io_callback_p.batch = _io_callback_batch
io_callback_p.effectful = True


def io_callback(callback: Callable[..., Any], result_shape_dtypes: Any, *args: Any,
                sharding=None, ordered: bool = False, **kwargs: Any):
  """Call the impure host function `callback(*args, **kwargs)` (it receives Arrays); its
  results must match the pytree `result_shape_dtypes` of objects with `shape` and `dtype`
  (e.g. `jax.ShapeDtypeStruct`). The call is never optimised away; `ordered=True` keeps
  ordered callbacks in program order (numjax runs every callback in program order)."""
  flat_args, in_tree = tu.tree_flatten((args, kwargs))
  flat_args = [L.asarray(a) for a in flat_args]
  res_leaves, out_tree = tu.tree_flatten(result_shape_dtypes)
  for r in res_leaves:
    if not (hasattr(r, "shape") and hasattr(r, "dtype")):
      raise ValueError("result_shape_dtypes must be a pytree of values with .shape and .dtype "
                       f"attributes, but got {r!r}.")
  result_avals = tuple(ShapedArray(tuple(r.shape), dtypes.canonicalize_dtype(r.dtype))
                       for r in res_leaves)
  outs = io_callback_p.bind(*flat_args, callback=_FlatCallback(callback, in_tree),
                            result_avals=result_avals, sharding=sharding, ordered=bool(ordered))
  return tu.tree_unflatten(out_tree, outs)
