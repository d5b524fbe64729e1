"""Collectives over named vmap axes: psum, pmean, pmax, pmin, all_gather, axis_index.

Their batching rules see the BatchTrace's axis (`needs_axis_data`): over their own axis they
reduce or gather along the batch dimension; for another name they pass the value through to
the enclosing vmap. Outside any vmap of that name they raise JAX's unbound-axis error.
"""
from __future__ import annotations

import numpy as np

from numjax._src import core, dtypes
from numjax._src.core import ShapedArray
from numjax._src.interpreters import batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import def_zero_jvp, deflinear, never_weak


def _names(axis_name) -> tuple:
  return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _unbound(*args, axis_name, **params):
  raise NameError(f"unbound axis name: {_names(axis_name)[0]}")


def _reducer(name, reduce, unbatched):
  """A collective that reduces over the named axis (psum, pmax, pmin)."""
  p = core.Primitive(name)
  p.impl = None
  p.fallback = _unbound
  p.abstract_eval = lambda x, *, axis_name: x.update(weak_type=x.weak_type)

  def batch(vals, dims, *, axis_name, axis_data):
    (x,), (d,) = vals, dims
    names = _names(axis_name)
    if axis_data.name not in names:
      return p.bind(x, axis_name=axis_name), d
    rest = tuple(n for n in names if n != axis_data.name)
    out = unbatched(x, axis_data.size) if d is None else reduce(x, (d,))
    if rest:
      out = p.bind(out, axis_name=rest)
    return out, None
  batch.needs_axis_data = True
  p.batch = batch
  return p


psum_p = _reducer("psum", L.reduce_sum, lambda x, n: L.mul(x, L._const(x, n)))
deflinear(psum_p, lambda ct, x, *, axis_name: [psum_p.bind(ct, axis_name=axis_name)])
pmax_p = _reducer("pmax", L.reduce_max, lambda x, n: x)
def_zero_jvp(pmax_p)
pmin_p = _reducer("pmin", L.reduce_min, lambda x, n: x)
def_zero_jvp(pmin_p)


def psum(x, axis_name):
  """Sum over the mapped axis `axis_name` (the result is the same for every element)."""
  from numjax._src import tree_util as tu
  return tu.tree_map(lambda v: psum_p.bind(L.asarray(v), axis_name=axis_name), x)


def pmean(x, axis_name):
  from numjax._src import tree_util as tu
  n = psum(1, axis_name)
  return tu.tree_map(lambda v: L.div(psum(v, axis_name), L.convert_element_type(
      n, core.get_aval(L.asarray(v)).dtype)) if dtypes.is_inexact(
          core.get_aval(L.asarray(v)).dtype) else L.div(psum(v, axis_name), n), x)


def pmax(x, axis_name):
  from numjax._src import tree_util as tu
  return tu.tree_map(lambda v: pmax_p.bind(L.asarray(v), axis_name=axis_name), x)


def pmin(x, axis_name):
  from numjax._src import tree_util as tu
  return tu.tree_map(lambda v: pmin_p.bind(L.asarray(v), axis_name=axis_name), x)


# --- all_gather --------------------------------------------------------------------------------
all_gather_p = core.Primitive("all_gather")
all_gather_p.impl = None
all_gather_p.fallback = _unbound


def _all_gather_batch(vals, dims, *, axis_name, axis, tiled, axis_data):
  (x,), (d,) = vals, dims
  if axis_data.name not in _names(axis_name):
    return all_gather_p.bind(x, axis_name=axis_name, axis=axis, tiled=tiled), d
  x = batching.matchaxis(x, d, axis, axis_data.size)
  if tiled:
    shape = list(core.get_aval(x).shape)
    n = shape.pop(axis)
    shape[axis] *= n
    x = L.reshape(x, shape)
  return x, None


_all_gather_batch.needs_axis_data = True
all_gather_p.batch = _all_gather_batch
all_gather_p.abstract_eval = None


def all_gather(x, axis_name, *, axis: int = 0, tiled: bool = False):
  """Stack (or concatenate, with tiled=True) x from every element of the mapped axis."""
  from numjax._src import tree_util as tu
  return tu.tree_map(lambda v: all_gather_p.bind(L.asarray(v), axis_name=axis_name, axis=axis,
                                                 tiled=tiled), x)


# --- axis_index --------------------------------------------------------------------------------
axis_index_p = core.Primitive("axis_index")
axis_index_p.impl = None
axis_index_p.fallback = _unbound
axis_index_p.abstract_eval = lambda *, axis_name: ShapedArray((), dtypes.int32)


def _axis_index_batch(vals, dims, *, axis_name, axis_data):
  if axis_data.name != axis_name:
    return axis_index_p.bind(axis_name=axis_name), None
  return L.iota(dtypes.int32, axis_data.size), 0


_axis_index_batch.needs_axis_data = True
axis_index_p.batch = _axis_index_batch
def_zero_jvp(axis_index_p)


def axis_index(axis_name):
  """The position of the current element along the mapped axis `axis_name`."""
  return axis_index_p.bind(axis_name=axis_name)


def axis_size(axis_name):
  return psum(1, axis_name)
