"""Jaxpr-to-jaxpr passes run before code generation. Each is a small function over the IR."""
from __future__ import annotations

from numjax._src.core import ClosedJaxpr, Jaxpr, Literal, Var


def dce(jaxpr: Jaxpr) -> Jaxpr:
  """Drop equations none of whose outputs is used (unless the primitive is effectful)."""
  live = {v for v in jaxpr.outvars if isinstance(v, Var)}
  kept = []
  for eqn in reversed(jaxpr.eqns):
    if eqn.primitive.effectful or any(v in live for v in eqn.outvars):
      kept.append(eqn)
      live.update(v for v in eqn.invars if isinstance(v, Var))
  kept.reverse()
  return Jaxpr(jaxpr.constvars, jaxpr.invars, jaxpr.outvars, kept)


def optimize(closed: ClosedJaxpr) -> ClosedJaxpr:
  """The pass pipeline used by jit."""
  return ClosedJaxpr(dce(closed.jaxpr), closed.consts)
