"""Host callbacks: `debug.print`, `debug.callback`, `pure_callback`.

Each is a primitive whose impl calls back into Python with NumPy values, so it works eagerly,
under jit (the equation is effectful: never removed), vmap (one call per batch element, in
order), and grad (the callback sees primal values; no tangent flows through it).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from numjax._src import core
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ShapedArray, get_aval
from numjax._src.interpreters import ad, batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax


def flush() -> None:
  """Callbacks run synchronously; nothing is pending."""


# ----------------------------------------------------------------------------------------------
# debug_callback: effectful, no outputs
# ----------------------------------------------------------------------------------------------
def _debug_impl(*vals, callback, in_tree):
  args, kwargs = tu.tree_unflatten(in_tree, [np.asarray(v) for v in vals])
  callback(*args, **kwargs)
  return []


def _debug_jvp(primals, tangents, *, callback, in_tree):
  debug_callback_p.bind(*primals, callback=callback, in_tree=in_tree)
  return [], []


def _debug_batch(vals, dims, *, callback, in_tree):
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  for i in range(size):
    debug_callback_p.bind(*[v if d is None else lax.index_in_dim(v, i, d, keepdims=False)
                            for v, d in zip(vals, dims)], callback=callback, in_tree=in_tree)
  return [], []


debug_callback_p = core.Primitive("debug_callback", multiple_results=True)
debug_callback_p.impl = _debug_impl
debug_callback_p.abstract_eval = lambda *avals, callback, in_tree: []
debug_callback_p.jvp = _debug_jvp
debug_callback_p.transpose = lambda cts, *args, **params: [None] * len(args)
debug_callback_p.batch = _debug_batch
debug_callback_p.effectful = True
debug_callback_p.pp_params = lambda params: {"callback": params["callback"]}


def callback(fn: Callable, *args, ordered: bool = False, **kwargs) -> None:
  """Call `fn(*args, **kwargs)` with NumPy values, also from inside jit/vmap/grad."""
  leaves, in_tree = tu.tree_flatten((args, kwargs))
  leaves = [lax.asarray(l) for l in leaves]
  debug_callback_p.bind(*leaves, callback=fn, in_tree=in_tree)


def debug_print(fmt: str, *args, ordered: bool = False, **kwargs) -> None:
  """`jax.debug.print("x={x}", x=x)`: format with the runtime values of traced arrays."""
  def _print(*a, **k):
    print(fmt.format(*a, **k))
  callback(_print, *args, **kwargs)


# ----------------------------------------------------------------------------------------------
# pure_callback: a pure function evaluated on the host
# ----------------------------------------------------------------------------------------------
def _pure_impl(*vals, callback, in_tree, result_avals, out_tree, vmap_method):
  args, kwargs = tu.tree_unflatten(in_tree, [np.asarray(v) for v in vals])
  out = callback(*args, **kwargs)
  leaves = tu.tree_leaves(out)
  if len(leaves) != len(result_avals):
    raise TypeError(f"pure_callback: the callback returned {len(leaves)} arrays, but "
                    f"result_shape_dtypes describes {len(result_avals)}.")
  outs = []
  for leaf, aval in zip(leaves, result_avals):
    a = np.asarray(leaf)
    if a.shape != aval.shape:
      raise TypeError(f"pure_callback: the callback returned an array of shape {a.shape}, but "
                      f"result_shape_dtypes expects {aval.shape}.")
    outs.append(a.astype(aval.dtype, copy=False))
  return outs


def _pure_jvp(primals, tangents, **params):
  raise ValueError("Pure callbacks do not support JVP. Please use `jax.custom_jvp` to use "
                   "callbacks while taking gradients.")


def _pure_batch(vals, dims, *, callback, in_tree, result_avals, out_tree, vmap_method):
  if vmap_method not in ("sequential", "sequential_unrolled", "expand_dims", "broadcast_all",
                         "legacy_vectorized"):
    raise NotImplementedError(
        "vmap is only supported for the pure_callback primitive when vmap_method is one of "
        "'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
        f"'legacy_vectorized'. Got vmap_method={vmap_method!r}.")
  size = next(core.get_aval(v).shape[d] for v, d in zip(vals, dims) if d is not None)
  params = dict(callback=callback, in_tree=in_tree, result_avals=result_avals,
                out_tree=out_tree, vmap_method=vmap_method)
  if vmap_method in ("expand_dims", "broadcast_all", "legacy_vectorized"):
    args = [batching.matchaxis(v, d, 0, size) if (d is not None or vmap_method == "broadcast_all")
            else lax.expand_dims(v, (0,)) for v, d in zip(vals, dims)]
    batched_avals = [ShapedArray((size,) + a.shape, a.dtype) for a in result_avals]
    outs = pure_callback_p.bind(*args, **dict(params, result_avals=batched_avals))
    return outs, [0] * len(outs)
  results = []
  for i in range(size):
    results.append(pure_callback_p.bind(
        *[v if d is None else lax.index_in_dim(v, i, d, keepdims=False)
          for v, d in zip(vals, dims)], **params))
  outs = [lax.concatenate([lax.expand_dims(r[k], (0,)) for r in results], 0)
          for k in range(len(result_avals))]
  return outs, [0] * len(outs)


pure_callback_p = core.Primitive("pure_callback", multiple_results=True)
pure_callback_p.impl = _pure_impl
pure_callback_p.abstract_eval = lambda *avals, result_avals, **_: list(result_avals)
pure_callback_p.jvp = _pure_jvp
pure_callback_p.batch = _pure_batch
pure_callback_p.weak_type_rule = lambda args, params: False
pure_callback_p.pp_params = lambda params: {"callback": params["callback"]}


def pure_callback(callback: Callable, result_shape_dtypes: Any, *args, sharding=None,
                  vmap_method: str | None = None, **kwargs):
  """Call a pure host function from traced code; results have `result_shape_dtypes`."""
  from numjax._src import dtypes
  leaves, in_tree = tu.tree_flatten((args, kwargs))
  leaves = [lax.asarray(l) for l in leaves]
  res_leaves, out_tree = tu.tree_flatten(result_shape_dtypes)
  result_avals = [ShapedArray(tuple(r.shape), dtypes.canonicalize_dtype(r.dtype))
                  for r in res_leaves]
  outs = pure_callback_p.bind(*leaves, callback=callback, in_tree=in_tree,
                              result_avals=result_avals, out_tree=out_tree,
                              vmap_method=vmap_method)
  return tu.tree_unflatten(out_tree, outs)


def breakpoint(*, backend=None, filter_frames=True, num_frames=None, ordered=False, token=None,
               **kwargs):
  """Drop into pdb with concrete values (runs eagerly through a callback)."""
  import pdb
  pdb.set_trace()
