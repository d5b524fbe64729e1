"""Code generation: a jaxpr becomes a Python function with one NumPy call per equation.

The generated function takes and returns raw NumPy values. Each equation calls its
primitive's `impl` with the parameters bound ahead of time; intermediates are released after
their last use. `source_of(closed)` shows the generated code.
"""
from __future__ import annotations

import functools
import itertools
from typing import Callable

import numpy as np

from numjax._src import core
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Literal, Var

_counter = itertools.count()


def _numpy_value(x):
  if type(x) is Array:
    return x._value
  if isinstance(x, core.Tracer):
    raise core._escaped_tracer_error(x, core.Primitive("jit"))
  return x


def _eqn_callable(eqn) -> Callable:
  prim, params = eqn.primitive, eqn.params
  if prim.impl is None:
    # Call-like primitives run through the eval trace on Arrays.
    def call(*vals, _prim=prim, _params=params):
      with core.set_current_trace(core.eval_trace):
        out = _prim.bind(*[Array(v, False) for v in vals], **_params)
      return [o._value for o in out] if _prim.multiple_results else out._value
    return call
  return functools.partial(prim.impl, **params) if params else prim.impl


def generate(closed: ClosedJaxpr) -> tuple[str, dict]:
  """The source of the compiled function and the globals it needs."""
  jaxpr = closed.jaxpr
  names: dict = {}
  env: dict = {"np": np}

  def name(v):
    if type(v) is Literal:
      key = f"_k{len(env)}"
      env[key] = _numpy_value(v.val)
      return key
    return names[v]

  for i, v in enumerate(jaxpr.constvars):
    names[v] = f"c{i}"
    env[f"c{i}"] = _numpy_value(closed.consts[i])
  args = []
  for i, v in enumerate(jaxpr.invars):
    names[v] = f"a{i}"
    args.append(f"a{i}")
  last_use: dict = {}
  for k, eqn in enumerate(jaxpr.eqns):
    for v in eqn.invars:
      if type(v) is Var:
        last_use[v] = k
  outset = {v for v in jaxpr.outvars if type(v) is Var}
  lines = [f"def jitted({', '.join(args)}):"]
  for k, eqn in enumerate(jaxpr.eqns):
    fname = f"_f{k}"
    env[fname] = _eqn_callable(eqn)
    ins = ", ".join(name(v) for v in eqn.invars)
    outs = []
    for j, v in enumerate(eqn.outvars):
      names[v] = f"v{k}_{j}"
      outs.append(names[v])
    target = outs[0] if not eqn.primitive.multiple_results else (
        ", ".join(outs) + ("," if len(outs) == 1 else ""))
    if not eqn.outvars:
      target = "_"
    lines.append(f"  {target} = {fname}({ins})  # {eqn.primitive.name}")
    dead = [names[v] for v in eqn.invars if type(v) is Var and last_use.get(v) == k
            and v not in outset and v not in jaxpr.constvars]
    if dead:
      lines.append(f"  del {', '.join(dict.fromkeys(dead))}")
  outs = ", ".join(name(v) for v in jaxpr.outvars)
  lines.append(f"  return [{outs}]")
  return "\n".join(lines), env


def compile_jaxpr(closed: ClosedJaxpr) -> Callable:
  src, env = generate(closed)
  code = compile(src, f"<numjax-jit-{next(_counter)}>", "exec")
  exec(code, env)
  fn = env["jitted"]
  fn.__numjax_source__ = src
  return fn


def source_of(closed: ClosedJaxpr) -> str:
  """The generated Python source for a jaxpr (for debugging)."""
  return generate(closed)[0]
