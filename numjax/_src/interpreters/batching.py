"""Automatic vectorisation: the batching trace behind `vmap`.

A `BatchTracer` is a value with one extra axis, `bdim` (None: not batched). Primitive rules
take the unwrapped values and their batch dims and return outputs with theirs; unbatched
operands stay unbatched until a rule needs them batched. A primitive with no rule runs once
per batch element (with a one-time warning).
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence


from numjax._src import core
from numjax._src.core import ShapedArray, Trace, TraceTag, Tracer, get_aval, set_current_trace

not_mapped = None


class BatchTracer(Tracer):
  __slots__ = ("val", "bdim", "_aval")

  def __init__(self, trace: "BatchTrace", val, bdim: int | None):
    self._trace = trace
    self.val = val
    self.bdim = bdim
    self._aval = None

  @property
  def aval(self) -> ShapedArray:
    aval = self._aval
    if aval is None:
      aval = get_aval(self.val)
      bdim = self.bdim
      if bdim is not None:
        shape = aval.shape
        aval = ShapedArray(shape[:bdim] + shape[bdim + 1:], aval.dtype, aval.weak_type)
      self._aval = aval
    return aval

  def __repr__(self):
    return f"Traced<{self.aval.str_short()}>with<BatchTrace>"


class AxisData:
  """The name and size of the axis a BatchTrace maps over (for collectives like psum), and the
  tag of that trace (a rule that traces a Python function under a sub-trace with this tag
  lets the function's closed-over tracers of the trace be seen as batched values)."""
  __slots__ = ("name", "size", "tag")

  def __init__(self, name, size, tag=None):
    self.name = name
    self.size = size
    self.tag = tag


class BatchTrace(Trace):
  def __init__(self, parent: Trace, tag: TraceTag, axis_data: AxisData):
    self.parent = parent
    self.tag = tag
    self.axis_data = AxisData(axis_data.name, axis_data.size, tag)

  def __repr__(self):
    return "BatchTrace"

  def to_batch_info(self, x):
    if isinstance(x, BatchTracer) and x._trace.tag is self.tag:
      return x.val, x.bdim
    if isinstance(x, Tracer) and x._trace.dead:
      raise core._escaped_tracer_error(x, core.Primitive("vmap"))
    return x, None

  def process_primitive(self, prim, args, params):
    vals, dims = [], []
    tag = self.tag
    batched = False
    for a in args:
      if type(a) is BatchTracer and a._trace.tag is tag:
        vals.append(a.val)
        dims.append(a.bdim)
        batched = True
      else:
        if isinstance(a, Tracer) and a._trace.dead:
          raise core._escaped_tracer_error(a, prim)
        vals.append(a)
        dims.append(None)
    rule = prim.batch
    axis_aware = getattr(rule, "needs_axis_data", False)
    if not (batched or axis_aware):
      return prim.bind_with_trace(self.parent, vals, params)
    ctx = core._ctx
    prev, ctx.trace = ctx.trace, self.parent
    try:
      if rule is None:
        if prim.fallback is not None:
          ctx.trace = self
          return prim.fallback(*args, **params)
        out, out_dim = _loop_fallback(prim, vals, dims, self.axis_data.size, params)
      elif axis_aware:
        out, out_dim = rule(vals, dims, axis_data=self.axis_data, **params)
      else:
        out, out_dim = rule(vals, dims, **params)
    finally:
      ctx.trace = prev
    if prim.multiple_results:
      if not isinstance(out_dim, (list, tuple)):
        out_dim = [out_dim] * len(out)
      return [self.wrap(o, d) for o, d in zip(out, out_dim)]
    return out if out_dim is None else BatchTracer(self, out, out_dim)  # self.wrap, inlined

  def wrap(self, val, bdim):
    return val if bdim is None else BatchTracer(self, val, bdim)


# Set by the lax layer: moving axes, slicing one batch element, stacking results.
moveaxis: Callable = None  # type: ignore
broadcast_batched: Callable = None  # type: ignore
index_in_dim: Callable = None  # type: ignore
stack: Callable = None  # type: ignore

_warned: set = set()


def _loop_fallback(prim, vals, dims, size, params):
  if prim.name not in _warned:
    _warned.add(prim.name)
    warnings.warn(f"vmap: primitive '{prim.name}' has no batching rule; running it once per "
                  f"batch element (slow).", RuntimeWarning, stacklevel=4)
  results = []
  for i in range(size):
    args = [v if d is None else index_in_dim(v, i, d) for v, d in zip(vals, dims)]
    results.append(prim.bind(*args, **params))
  if prim.multiple_results:
    return [stack([r[k] for r in results]) for k in range(len(results[0]))], 0
  return stack(results), 0


def matchaxis(x, src: int | None, dst: int | None, size: int):
  """Move the batch axis of x from src to dst, broadcasting an unbatched x when dst is set."""
  if src == dst:
    return x
  if src is None:
    return broadcast_batched(x, size, dst)
  if dst is None:
    raise ValueError("cannot unbatch a batched value")
  return moveaxis(x, src, dst)


def bdim_at_front(x, bdim: int | None, size: int):
  return matchaxis(x, bdim, 0, size)


def vmap_flat(fun: Callable, in_dims: Sequence, out_dims_thunk: Callable, axis_size: int,
              axis_name: Any, args: Sequence, tag: TraceTag | None = None) -> list:
  """Run `fun(*args) -> list` batched along `in_dims` and move results to out_dims. With the
  `tag` of an enclosing BatchTrace, that trace's tracers `fun` closes over are batched too."""
  trace = BatchTrace(core.current_trace(), tag or TraceTag(), AxisData(axis_name, axis_size))
  ins = [a if d is None else BatchTracer(trace, a, d) for a, d in zip(args, in_dims)]
  ctx = core._ctx
  env = ctx.axis_env
  try:
    if axis_name is not None:
      ctx.axis_env = env + (trace.axis_data,)
    with set_current_trace(trace):
      outs = fun(*ins)
    out_dims = out_dims_thunk()
    results = []
    for o, od in zip(outs, out_dims):
      v, d = trace.to_batch_info(o)
      if od is None:
        if d is not None:
          raise ValueError("vmap has mapped output but out_axes is None")
        results.append(v)
      else:
        if od < 0:
          od += get_aval(v).ndim + (1 if d is None else 0)
        results.append(matchaxis(v, d, od, axis_size))
  finally:
    ctx.axis_env = env
    trace.dead = True
  return results
