"""Collectives over named vmap axes: psum, pmean, pmax, pmin, all_gather, psum_scatter,
all_to_all, pswapaxes, ppermute, pshuffle, axis_index, axis_size.

A named axis is bound by `vmap(..., axis_name=...)` (and `pmap`, built on it). The batching
rules see the BatchTrace's axis (`needs_axis_data`): over their own axis they compute the
collective along the batch dimension with ordinary lax ops; for another name they bind the
collective again (with adjusted positional parameters) for the enclosing vmap. Outside any
vmap of that name they raise JAX's `NameError: unbound axis name: i`.

The size of a named axis is found by walking from the current trace through its parents to the
BatchTrace of that name, else in the axis environment that named vmaps keep (`_find_frame`):
`jit` stages its function on its own, so inside `vmap(jit(f), axis_name=...)` the environment
is where f finds the axis (and jit's cache key includes the environment). Collectives whose
output shape depends on the size (all_gather, reduce_scatter, all_to_all) record it as the
parameter `axis_size` (hidden when all_to_all's jaxpr is printed, as JAX prints it).
Primitives, parameters and batching rules follow JAX's `lax/parallel.py`:

    >>> jax.vmap(lambda v: lax.ppermute(v, 'i', [(0, 1), (1, 2), (2, 0)]), axis_name='i')(
    ...     jnp.arange(3.))
    Array([2., 0., 1.], dtype=float32)
"""
from __future__ import annotations

import math

import numpy as np

from numjax._src import core, dtypes
from numjax._src import tree_util as tu
from numjax._src.array import Array
from numjax._src.core import ShapedArray, Tracer
from numjax._src.interpreters import batching
from numjax._src.interpreters.ad import Zero
from numjax._src.lax import lax as L
from numjax._src.lax.base import def_zero_jvp, deflinear, never_weak


def _names(axis_name) -> tuple:
  return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


def _unbound_error(name) -> NameError:
  return NameError(f"unbound axis name: {name}")


def _first_named(axes):
  return next((a for a in _names(axes) if not isinstance(a, int)), None)


def _unbound(*args, **params):
  name = params.get("axis_name", params.get("axes"))
  raise _unbound_error(_first_named(name))


def _find_frame(name):
  """The AxisData of the innermost vmap named `name` around the current point, or None: on
  the trace chain, else in the axis environment (a function that jit stages on its own inside
  `vmap(..., axis_name=name)` sees the axis there; jit's cache key includes it)."""
  t = core.current_trace()
  while t is not None:
    ad = getattr(t, "axis_data", None)
    if ad is not None and ad.name == name:
      return ad
    t = t.parent
  for ad in reversed(core._ctx.axis_env):
    if ad.name == name:
      return ad
  return None


def _axis_frame(name):
  frame = _find_frame(name)
  if frame is not None:
    return frame
  raise _unbound_error(name)


def _canonical_groups(axis_index_groups):
  if axis_index_groups is None:
    return None
  return tuple(tuple(g) for g in axis_index_groups)


def _validate_reduce_groups(axis_index_groups) -> None:
  if axis_index_groups is None:
    return
  space = range(sum(len(g) for g in axis_index_groups))
  if {i for g in axis_index_groups for i in g} != set(space):
    raise ValueError("axis_index_groups must cover all indices exactly once")


def _axis_size(axis_name, axis_index_groups=None) -> int:
  """Size of the named axis (the product for a tuple of names), or of a group."""
  if axis_index_groups is not None:
    return len(axis_index_groups[0])
  return math.prod(_axis_frame(n).size for n in _names(axis_name) if not isinstance(n, int))


def _no_groups_in_vmap(axis_index_groups, what="vmap collectives"):
  if axis_index_groups is not None:
    raise NotImplementedError(f"axis_index_groups not supported in {what}. Please open a "
                              "feature request!")


# Axis shuffles used by the batching rules (JAX's _moveaxis / _splitaxis / _foldaxis).
def _shape(x) -> tuple:
  return core.get_aval(x).shape


def _moveaxis(src, dst, x):
  return batching.moveaxis(x, src, dst)


def _splitaxis(axis, factor, x):
  shape = list(_shape(x))
  shape[axis:axis + 1] = [factor, shape[axis] // factor]
  return L.reshape(x, tuple(shape))


def _foldaxis(axis, x):
  shape = list(_shape(x))
  shape[axis:axis + 2] = [shape[axis] * shape[axis + 1]]
  return L.reshape(x, tuple(shape))


def _swapaxes(x, a, b):
  if a == b:
    return x
  perm = list(range(len(_shape(x))))
  perm[a], perm[b] = perm[b], perm[a]
  return L.transpose(x, perm)


# ----------------------------------------------------------------------------------------------
# psum / pmax / pmin: reductions over named axes (and positional ones)
# ----------------------------------------------------------------------------------------------
def _reducer(name, np_reduce, if_unmapped):
  p = core.Primitive(name)

  def impl(x, *, axes, axis_index_groups):
    named = _first_named(axes)
    if named is not None:
      raise _unbound_error(named)
    x = np.asarray(x)
    out = np_reduce(x, axis=tuple(axes)) if axes else x
    return np.asarray(out, x.dtype)[()] if np.ndim(out) == 0 else np.asarray(out, x.dtype)

  def abstract_eval(x, *, axes, axis_index_groups):
    pos = tuple(a for a in axes if isinstance(a, int))
    if axis_index_groups is not None and pos:
      raise ValueError("axis_index_groups can only be used with reductions over named axes, "
                       f"but got: {axes}")
    for a in pos:
      if not 0 <= a < x.ndim:
        raise ValueError(f"reduction axes {pos} contains out-of-bounds indices for {x}.")
    return ShapedArray(tuple(s for i, s in enumerate(x.shape) if i not in pos), x.dtype)

  def batch(vals, dims, *, axes, axis_index_groups, axis_data):
    (v,), (d,) = vals, dims
    frame = axis_data.name
    if d is None:
      if frame not in axes:
        return p.bind(v, axes=axes, axis_index_groups=axis_index_groups), None
      _no_groups_in_vmap(axis_index_groups)
      rest = tuple(a for a in axes if a != frame)
      if rest:
        v = p.bind(v, axes=rest, axis_index_groups=None)
      return if_unmapped(v, axis_data.size), None
    if frame not in axes:
      if not any(isinstance(a, int) for a in axes):
        return p.bind(v, axes=axes, axis_index_groups=axis_index_groups), d
      _no_groups_in_vmap(axis_index_groups)
      v = _moveaxis(d, 0, v)
      return p.bind(v, axes=tuple(a + 1 if isinstance(a, int) else a for a in axes),
                    axis_index_groups=None), 0
    _no_groups_in_vmap(axis_index_groups)
    v = _moveaxis(d, 0, v)
    new_axes = tuple(a + 1 if isinstance(a, int) else (0 if a == frame else a) for a in axes)
    return p.bind(v, axes=new_axes, axis_index_groups=None), None

  p.impl = impl
  p.abstract_eval = abstract_eval
  p.weak_type_rule = never_weak
  batch.needs_axis_data = True
  p.batch = batch
  return p


psum_p = _reducer("psum", lambda x, axis: np.sum(x, axis=axis, dtype=x.dtype),
                  lambda v, n: L.mul(v, L._const(v, n)))


def _psum_transpose(ct, x, *, axes, axis_index_groups):
  aval = x.aval
  if type(ct) is Zero:
    return [Zero(aval)]
  named = tuple(a for a in axes if not isinstance(a, int))
  pos = tuple(a for a in axes if isinstance(a, int))
  if pos:
    kept = tuple(i for i in range(aval.ndim) if i not in pos)
    ct = L.broadcast_in_dim(ct, aval.shape, kept)
  if named:  # psum is psum + broadcast: its transpose sums over the named axes again
    ct = psum_p.bind(ct, axes=named, axis_index_groups=axis_index_groups)
  return [ct]


deflinear(psum_p, _psum_transpose)
pmax_p = _reducer("pmax", lambda x, axis: np.max(x, axis=axis), lambda v, n: v)
def_zero_jvp(pmax_p)
pmin_p = _reducer("pmin", lambda x, axis: np.min(x, axis=axis), lambda v, n: v)
def_zero_jvp(pmin_p)


def _reduce_axes(axis_name, axis_index_groups):
  axes = _names(axis_name)
  if any(isinstance(a, int) for a in axes) and axis_index_groups is not None:
    raise ValueError("axis_index_groups only supported for sums over just named axes")
  _validate_reduce_groups(axis_index_groups)
  return axes, _canonical_groups(axis_index_groups)


def psum(x, axis_name, *, axis_index_groups=None):
  """Sum over the mapped axis (or axes) `axis_name`; every element gets the total. Integer
  entries of `axis_name` sum over positional axes. Maps over pytrees; booleans sum as int32.

      >>> jax.vmap(lambda v: lax.psum(v, 'i'), axis_name='i')(jnp.arange(4.))
      Array([6., 6., 6., 6.], dtype=float32)
  """
  axes, groups = _reduce_axes(axis_name, axis_index_groups)
  if not axes:
    return x
  leaves, treedef = tu.tree_flatten(x)
  leaves = [L.convert_element_type(l, dtypes.int32) if _dtype_of(l) == dtypes.bool_ else l
            for l in leaves]
  named = [a for a in axes if not isinstance(a, int)]
  frames = [_find_frame(n) for n in named]
  if None in frames and groups is None:
    # Named vmaps (and jit inside them, and make_jaxpr's axis_env) put their axes in the
    # environment: a name found nowhere is unbound, as JAX reports it.
    raise _unbound_error(named[frames.index(None)])
  if all(not isinstance(l, Tracer) for l in leaves):
    # Values known now: the sum over a named axis is the value times the axis size.
    pos = tuple(a for a in axes if isinstance(a, int))
    size = len(groups[0]) if groups is not None else math.prod(
        _axis_frame(n).size for n in named)
    outs = []
    for l in leaves:
      if type(l) in (int, float, complex) and not pos:
        outs.append(type(l)(size) * l)
        continue
      l = L.asarray(l)
      if pos:
        l = L.reduce_sum(l, [a % max(core.get_aval(l).ndim, 1) for a in pos])
      outs.append(L.mul(Array(np.array(size, core.get_aval(l).dtype)[()], False), l))
    return tu.tree_unflatten(treedef, outs)
  outs = [psum_p.bind(L.asarray(l), axes=axes, axis_index_groups=groups) for l in leaves]
  return tu.tree_unflatten(treedef, outs)


def _dtype_of(x):
  if type(x) is bool:
    return dtypes.bool_
  if type(x) in (int, float, complex):
    return None
  return core.get_aval(L.asarray(x)).dtype if not isinstance(x, Tracer) else x.aval.dtype


def pmean(x, axis_name, *, axis_index_groups=None):
  """Mean over the mapped axis `axis_name` (integers give floats, as `/` does)."""
  x = psum(x, axis_name, axis_index_groups=axis_index_groups)
  n = psum(1, axis_name, axis_index_groups=axis_index_groups)  # an int
  return tu.tree_map(lambda v: v / n, x)


def _extremum(prim):
  def f(x, axis_name, *, axis_index_groups=None):
    axes, groups = _reduce_axes(axis_name, axis_index_groups)
    if not axes:
      return x
    return tu.tree_map(lambda v: prim.bind(L.asarray(v), axes=axes, axis_index_groups=groups), x)
  return f


pmax = _extremum(pmax_p)
pmax.__name__ = pmax.__qualname__ = "pmax"
pmax.__doc__ = "Maximum over the mapped axis `axis_name` (every element gets it)."
pmin = _extremum(pmin_p)
pmin.__name__ = pmin.__qualname__ = "pmin"
pmin.__doc__ = "Minimum over the mapped axis `axis_name` (every element gets it)."


# ----------------------------------------------------------------------------------------------
# all_gather
# ----------------------------------------------------------------------------------------------
all_gather_p = core.Primitive("all_gather")
all_gather_p.impl = None
all_gather_p.fallback = _unbound


def _all_gather_aval(x, *, all_gather_dimension, axis_name, axis_index_groups, axis_size, tiled):
  shape = list(x.shape)
  if tiled:
    shape[all_gather_dimension] *= axis_size
  else:
    shape.insert(all_gather_dimension, axis_size)
  return ShapedArray(tuple(shape), x.dtype, x.weak_type)


def _all_gather_transpose(ct, x, *, all_gather_dimension, axis_name, axis_index_groups,
                          axis_size, tiled):
  if type(ct) is Zero:
    return [Zero(x.aval)]
  return [reduce_scatter_p.bind(ct, axis_name=axis_name, scatter_dimension=all_gather_dimension,
                                axis_index_groups=axis_index_groups, axis_size=axis_size,
                                tiled=tiled)]


def _all_gather_batch(vals, dims, *, all_gather_dimension, axis_name, axis_index_groups,
                      axis_size, tiled, axis_data):
  (x,), (d,) = vals, dims
  params = dict(all_gather_dimension=all_gather_dimension, axis_name=axis_name,
                axis_index_groups=axis_index_groups, axis_size=axis_size, tiled=tiled)
  if axis_data.name not in axis_name:
    if d is None:
      return all_gather_p.bind(x, **params), None
    if d <= all_gather_dimension:
      params["all_gather_dimension"] = all_gather_dimension + 1
    elif not tiled:
      d += 1
    return all_gather_p.bind(x, **params), d
  _no_groups_in_vmap(axis_index_groups, "vmap")
  if len(axis_name) > 1:
    raise NotImplementedError("all_gather over several axis names under vmap: please open a "
                              "feature request!")
  y = batching.matchaxis(x, d, all_gather_dimension, axis_data.size)
  if tiled:
    y = _foldaxis(all_gather_dimension, y)
  return y, None


all_gather_p.abstract_eval = _all_gather_aval
deflinear(all_gather_p, _all_gather_transpose)
_all_gather_batch.needs_axis_data = True
all_gather_p.batch = _all_gather_batch


def all_gather(x, axis_name, *, axis_index_groups=None, axis: int = 0, tiled: bool = False,
               to: str = "varying"):
  """Stack (or with tiled=True concatenate) x from every element of the mapped axis along
  `axis`: under `vmap(..., axis_name='i')` each element sees the whole batch."""
  if to not in ("varying", "reduced", "invarying"):
    raise ValueError("Got unexpected `to` value for `jax.lax.all_gather`. Allowed `to` values "
                     "are: {'varying', 'reduced', 'invarying'}")
  names = _names(axis_name)
  if not names:
    return x
  groups = _canonical_groups(axis_index_groups)
  size = _axis_size(names, groups)

  def bind(leaf):
    leaf = L.asarray(leaf)
    nd = core.get_aval(leaf).ndim
    dim = L._int_arg(axis, "all_gather axis")
    bound = nd if tiled else nd + 1
    if not -bound <= dim < bound:
      raise np.exceptions.AxisError(f"axis {dim} is out of bounds for array of dimension "
                                    f"{bound}")
    return all_gather_p.bind(leaf, all_gather_dimension=dim % bound, axis_name=names,
                             axis_index_groups=groups, axis_size=size, tiled=tiled)
  return tu.tree_map(bind, x)


# ----------------------------------------------------------------------------------------------
# psum_scatter (reduce_scatter)
# ----------------------------------------------------------------------------------------------
reduce_scatter_p = core.Primitive("reduce_scatter")
reduce_scatter_p.impl = None
reduce_scatter_p.fallback = _unbound


def _reduce_scatter_aval(x, *, axis_name, scatter_dimension, axis_index_groups, axis_size,
                         tiled):
  shape = list(x.shape)
  n = x.shape[scatter_dimension]
  if tiled:
    if n % axis_size:
      raise ValueError(f"tiled reduce_scatter operand scatter dimension size {n} must be "
                       f"divisible by shard_count {axis_size}")
    shape[scatter_dimension] = n // axis_size
  else:
    if n != axis_size:
      raise ValueError(f"reduce_scatter operand scatter dimension size {n} must match shard "
                       f"count {axis_size}")
    del shape[scatter_dimension]
  return ShapedArray(tuple(shape), x.dtype, x.weak_type)


def _reduce_scatter_transpose(ct, x, *, axis_name, scatter_dimension, axis_index_groups,
                              axis_size, tiled):
  if type(ct) is Zero:
    return [Zero(x.aval)]
  return [all_gather_p.bind(ct, all_gather_dimension=scatter_dimension, axis_name=axis_name,
                            axis_index_groups=axis_index_groups, axis_size=axis_size,
                            tiled=tiled)]


def _reduce_scatter_batch(vals, dims, *, axis_name, scatter_dimension, axis_index_groups,
                          axis_size, tiled, axis_data):
  (x,), (d,) = vals, dims
  params = dict(axis_name=axis_name, scatter_dimension=scatter_dimension,
                axis_index_groups=axis_index_groups, axis_size=axis_size, tiled=tiled)
  if axis_data.name not in axis_name:
    if d is None:
      return reduce_scatter_p.bind(x, **params), None
    if d <= scatter_dimension:
      params["scatter_dimension"] = scatter_dimension + 1
    elif not tiled:
      d += 1
    return reduce_scatter_p.bind(x, **params), d
  _no_groups_in_vmap(axis_index_groups, "vmap")
  if len(axis_name) > 1:
    raise NotImplementedError("Please open a feature request!")
  if d is None:
    y = L.mul(x, L._const(x, axis_size))
  else:
    y = L.reduce_sum(x, (d,))
  if tiled:
    y = _splitaxis(scatter_dimension, axis_size, y)
  return y, scatter_dimension


reduce_scatter_p.abstract_eval = _reduce_scatter_aval
deflinear(reduce_scatter_p, _reduce_scatter_transpose)
_reduce_scatter_batch.needs_axis_data = True
reduce_scatter_p.batch = _reduce_scatter_batch


def psum_scatter(x, axis_name, *, scatter_dimension: int = 0, axis_index_groups=None,
                 tiled: bool = False):
  """`psum(x, axis_name)` of which each element of the mapped axis keeps only its own slice
  along `scatter_dimension` (whose size must equal the axis size; with tiled=True a multiple
  of it, and the dimension is kept)."""
  names = _names(axis_name)
  if not names:
    return x
  groups = _canonical_groups(axis_index_groups)
  size = _axis_size(names, groups)

  def bind(leaf):
    leaf = L.asarray(leaf)
    params = dict(axis_name=names, scatter_dimension=scatter_dimension,
                  axis_index_groups=groups, axis_size=size, tiled=tiled)
    _reduce_scatter_aval(core.get_aval(leaf), **params)  # (vmap's rule would not check)
    return reduce_scatter_p.bind(leaf, **params)
  return tu.tree_map(bind, x)


# ----------------------------------------------------------------------------------------------
# all_to_all / pswapaxes
# ----------------------------------------------------------------------------------------------
all_to_all_p = core.Primitive("all_to_all")
all_to_all_p.impl = None
all_to_all_p.fallback = _unbound


def _all_to_all_aval(x, *, axis_name, split_axis, concat_axis, axis_index_groups, tiled,
                     axis_size):
  shape = list(x.shape)
  if shape[split_axis] % axis_size:
    raise ValueError(f"all_to_all: the size of split_axis ({shape[split_axis]}) is not "
                     f"divisible by the size of the named axis {axis_name} ({axis_size})")
  shape[split_axis] //= axis_size
  shape[concat_axis] *= axis_size
  return ShapedArray(tuple(shape), x.dtype)


def _all_to_all_transpose(ct, x, *, axis_name, split_axis, concat_axis, axis_index_groups,
                          tiled, axis_size):
  if type(ct) is Zero:
    return [Zero(x.aval)]
  return [all_to_all_p.bind(ct, axis_name=axis_name, split_axis=concat_axis,
                            concat_axis=split_axis, axis_index_groups=axis_index_groups,
                            tiled=tiled, axis_size=axis_size)]


def _a2a_bind(x, names, split_axis, concat_axis, groups, tiled):
  return all_to_all_p.bind(x, axis_name=names, split_axis=split_axis, concat_axis=concat_axis,
                           axis_index_groups=groups, tiled=tiled,
                           axis_size=_axis_size(names, groups))


def _all_to_all_batch(vals, dims, *, axis_name, split_axis, concat_axis, axis_index_groups,
                      tiled, axis_size, axis_data):
  if axis_index_groups is not None:
    raise NotImplementedError("Please open a feature request!")
  (x,), (d,) = vals, dims
  n, frame = axis_data.size, axis_data.name
  names = _names(axis_name)
  params = dict(axis_name=axis_name, axis_index_groups=axis_index_groups, tiled=tiled,
                axis_size=axis_size)
  if frame not in names:
    if d is None:
      return all_to_all_p.bind(x, split_axis=split_axis, concat_axis=concat_axis, **params), None
    return all_to_all_p.bind(x, split_axis=split_axis + (d <= split_axis),
                             concat_axis=concat_axis + (d <= concat_axis), **params), d
  if d is None:
    x = L.broadcast(x, (n,))
    d = 0
  pos = names.index(frame)
  major, minor = names[:pos], names[pos + 1:]
  if not major and not minor:
    if split_axis == concat_axis:
      axis = split_axis + (d <= split_axis)
      d_pre_split = d
      x = _splitaxis(axis, n, x)
      d += axis <= d
      return _foldaxis(axis, _swapaxes(x, d, axis)), d_pre_split
    x_concat = _foldaxis(concat_axis, _moveaxis(d, concat_axis, x))
    return _splitaxis(split_axis, n, x_concat), split_axis
  # Chunks accumulate in three leading axes: [major, current, minor, ...].
  x, d = L.expand_dims(_moveaxis(d, 0, x), (0, 2)), 1
  split_axis += 3
  concat_axis += 3
  if major:
    x = _a2a_bind(x, major, split_axis, 0, None, tiled)
  x = _splitaxis(split_axis, n, x)
  new_d = split_axis
  concat_axis += split_axis <= concat_axis
  split_axis += 1
  if minor:
    x = _a2a_bind(x, minor, split_axis, 2, None, tiled)
  x = _foldaxis(0, _foldaxis(0, x))
  split_axis -= 2
  concat_axis -= 2
  new_d -= 2
  x = _foldaxis(concat_axis - 1, _moveaxis(0, concat_axis - 1, x))
  new_d -= 1
  return x, new_d


all_to_all_p.abstract_eval = _all_to_all_aval
deflinear(all_to_all_p, _all_to_all_transpose)
_all_to_all_batch.needs_axis_data = True
all_to_all_p.batch = _all_to_all_batch
all_to_all_p.pp_params = lambda params: {k: v for k, v in params.items() if k != "axis_size"}


def all_to_all(x, axis_name, split_axis: int, concat_axis: int, *, axis_index_groups=None,
               tiled: bool = False):
  """Materialise the mapped axis `axis_name` at position `concat_axis` and map axis
  `split_axis` (whose size must equal the axis size; with tiled=True a multiple of it) in
  its place."""
  groups = _canonical_groups(axis_index_groups)

  def bind(leaf, split_axis=split_axis, concat_axis=concat_axis):
    leaf = L.asarray(leaf)
    shape = core.get_aval(leaf).shape
    group_size = _axis_size(axis_name, groups)
    if tiled:
      if shape[split_axis] % group_size != 0:
        raise ValueError(f"The size of all_to_all split_axis ({shape[split_axis]}) has to be "
                         f"divisible by the size of the named axis {axis_name} ({group_size})")
    else:
      if group_size != shape[split_axis]:
        raise ValueError("all_to_all requires the size of the mapped axis axis_name to equal "
                         f"x.shape[split_axis], but they are {group_size} and "
                         f"{shape[split_axis]} respectively.")
      if split_axis < concat_axis:
        concat_axis += 1  # concat_axis is a position after split_axis is removed
        leaf = L.expand_dims(leaf, (concat_axis,))
      elif split_axis > concat_axis:
        leaf = L.expand_dims(leaf, (concat_axis,))
        split_axis += 1
    out = all_to_all_p.bind(leaf, axis_name=axis_name, split_axis=split_axis,
                            concat_axis=concat_axis, axis_index_groups=groups, tiled=tiled,
                            axis_size=group_size)
    if not tiled and split_axis != concat_axis:
      out = L.squeeze(out, (split_axis,))
    return out
  return tu.tree_map(bind, x)


def pswapaxes(x, axis_name, axis: int, *, axis_index_groups=None):
  """Swap the mapped axis `axis_name` with the axis `axis` of x (of the same size):
  `all_to_all(x, axis_name, axis, axis)`."""
  return all_to_all(x, axis_name, axis, axis, axis_index_groups=axis_index_groups)


# ----------------------------------------------------------------------------------------------
# ppermute / pshuffle
# ----------------------------------------------------------------------------------------------
ppermute_p = core.Primitive("ppermute")
ppermute_p.impl = None
ppermute_p.fallback = _unbound
ppermute_p.abstract_eval = lambda x, *, axis_name, perm: x


def _ppermute_transpose(ct, x, *, axis_name, perm):
  if type(ct) is Zero:
    return [Zero(x.aval)]
  return [ppermute_p.bind(ct, axis_name=axis_name, perm=tuple((d, s) for s, d in perm))]


def _permute_along(v, d, perm, n):
  """v with the slices along axis d moved from each source to its destination (zeros where
  no source is sent), as JAX's batching rule computes it (`v.take(sources, d)`)."""
  from numjax._src.numpy.advanced_indexing import take
  src_of = np.zeros(n, np.int32)
  received = np.zeros(n, bool)
  for s, t in perm:
    src_of[t % n] = s % n
    received[t % n] = True
  out = take(v, src_of, axis=d)
  if not received.all():
    mask = L.broadcast_in_dim(Array(received, False), _shape(v), (d,))
    out = L.select(mask, out, L.full_like(out, 0))
  return out


def _ppermute_batch(vals, dims, *, axis_name, perm, axis_data):
  (v,), (d,) = vals, dims
  frame, n = axis_data.name, axis_data.size
  if frame not in axis_name:
    return ppermute_p.bind(v, axis_name=axis_name, perm=perm), d
  if len(axis_name) > 1:  # (JAX's rule fails here too: "Permutation doesn't match the axis size")
    raise NotImplementedError("ppermute over several axis names under vmap is not supported; "
                              "permute over one name at a time.")
  if d is None:
    if len({t % n for _, t in perm}) == n:
      return v, None  # every element receives an equal slice
    v, d = batching.broadcast_batched(v, n, 0), 0
  return _permute_along(v, d, perm, n), d


deflinear(ppermute_p, _ppermute_transpose)
_ppermute_batch.needs_axis_data = True
ppermute_p.batch = _ppermute_batch


def ppermute(x, axis_name, perm):
  """Send the value of element `src` of the mapped axis to element `dst`, for each pair
  `(src, dst)` of `perm`; elements nobody sends to receive zeros."""
  names = _names(axis_name)
  perm = tuple(tuple(map(int, p)) for p in perm)
  srcs = [s for s, _ in perm]
  dsts = [t for _, t in perm]
  if len(set(srcs)) != len(srcs) or len(set(dsts)) != len(dsts):
    raise ValueError(f"ppermute sources and destinations must be unique, got {perm}.")
  return tu.tree_map(lambda leaf: ppermute_p.bind(L.asarray(leaf), axis_name=names, perm=perm),
                     x)


def pshuffle(x, axis_name, perm):
  """`ppermute` with the permutation given as sources: element i receives element perm[i]."""
  from numjax._src.lax.base import canonical_shape
  given, perm = perm, canonical_shape(perm, "pshuffle perm")
  if set(perm) != set(range(len(perm))):
    raise ValueError(f"`perm` does not represent a permutation: {given}")
  return ppermute(x, axis_name, list(zip(perm, range(len(perm)))))


# ----------------------------------------------------------------------------------------------
# axis_index / axis_size
# ----------------------------------------------------------------------------------------------
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
  """The position of the current element along the mapped axis `axis_name` (for a tuple of
  names, the row-major position in their product)."""
  if not isinstance(axis_name, (tuple, list)):
    return axis_index_p.bind(axis_name=axis_name)
  index, inner = L.asarray(0), 1
  for name in reversed(axis_name):
    index = index + axis_index_p.bind(axis_name=name) * inner
    inner *= _axis_size(name)
  return index


def axis_size(axis_name) -> int:
  """The size of the mapped axis `axis_name` (the product for a tuple of names)."""
  return psum(1, axis_name)
