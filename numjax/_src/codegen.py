"""Code generation: a jaxpr becomes a Python function with one NumPy call per equation.

The generated function takes and returns raw NumPy values. An equation whose primitive has a
`codegen` hook becomes a direct NumPy expression (`v1 = _np_tanh(v0)`, `v2 = v1 * _k4`; NumPy
functions are bound to globals such as `_np_tanh`); any other calls the primitive's `impl`
with its params bound ahead of time. Intermediates are released after their last use.
`source_of(closed)` (and `jit(f).lower(x).as_text()`) shows the code, e.g. for
`jit(lambda x: jnp.tanh(x) * 2.0)`:

    def jitted(a0):
      _t = _quiet_on()
      try:
        v0 = _np_tanh(a0)  # tanh
        v1 = v0 * _k4  # mul
        return [v1]
      finally:
        _quiet_off(_t)

A `codegen` hook is `hook(in_avals, out_avals, **params)` returning a template over the input
names `{0}`, `{1}`, ..., or an `Emit` (template plus Python objects it references, and whether
it must run with floating-point warnings silenced, as impls wrapped in `np.errstate` do), or
None to fall back to `impl` for these avals. The expression must compute exactly what `impl`
computes (tests compare the two bit for bit). Primitives attach their hooks where they are
declared, mostly built by the factories at the end of this module. A primitive holding
sub-jaxprs (a loop) can compile them with `numjax._src.jit.compiled_fun(closed_jaxpr)` and
reference the result through `Emit.objects`.
"""
from __future__ import annotations

import functools
import itertools
import re
from typing import Callable

import numpy as np

from numjax._src import core
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Literal, Var

_NP_CALL = re.compile(r"\bnp\.((?:\w+\.)*\w+)\(")

# Intermediates with at least this many elements are `del`eted after their last use; smaller
# ones are left to the function's return (a `del` costs a bytecode, freeing them gains nothing).
DEL_MIN_SIZE = 64


class Emit:
  """What a codegen hook returns when a bare template is not enough.

  template   NumPy source over `{0}`, `{1}`, ... (inputs) and `{name}` (entries of objects)
  objects    Python objects the code references (dtypes, functions), by placeholder name
  quiet      run with floating-point warnings silenced (the impl uses np.errstate)
  """
  __slots__ = ("template", "objects", "quiet")

  def __init__(self, template: str, objects: dict | None = None, quiet: bool = False):
    self.template = template
    self.objects = objects or {}
    self.quiet = quiet


# Silencing floating-point warnings costs ~1.5 µs with np.errstate; setting NumPy's error-state
# context variable directly costs ~0.15 µs. Fall back to errstate if NumPy's internals move.
try:
  from numpy._core.umath import _extobj_contextvar, _make_extobj
  _QUIET = _make_extobj(all="ignore")

  def _quiet_on():
    return _extobj_contextvar.set(_QUIET)

  def _quiet_off(token):
    _extobj_contextvar.reset(token)
except Exception:  # pragma: no cover - depends on the NumPy version
  def _quiet_on():
    es = np.errstate(all="ignore")
    es.__enter__()
    return es

  def _quiet_off(token):
    token.__exit__(None, None, None)


def _numpy_value(x):
  if type(x) is Array:
    return x._value
  if isinstance(x, core.Tracer):
    raise core._escaped_tracer_error(x, core.Primitive("jit"))
  return x


def _impl_call(eqn) -> Callable:
  prim, params = eqn.primitive, eqn.params
  if prim.impl is None:
    # Call-like primitives run through the eval trace on Arrays.
    def call(*vals, _prim=prim, _params=params):
      with core.set_current_trace(core.eval_trace):
        out = _prim.bind(*[Array(v, False) for v in vals], **_params)
      return [o._value for o in out] if _prim.multiple_results else out._value
    return call
  return functools.partial(prim.impl, **params) if params else prim.impl


def _emit_of(eqn) -> Emit | None:
  hook = eqn.primitive.codegen
  if hook is None:
    return None
  try:
    out = hook([v.aval for v in eqn.invars], [v.aval for v in eqn.outvars], **eqn.params)
  except Exception:
    return None
  if out is None or isinstance(out, Emit):
    return out
  if isinstance(out, tuple):
    return Emit(out[0], out[1])
  return Emit(out)


class _Generated:
  """The body of a compiled jaxpr: its lines, globals, and argument/result names."""

  def __init__(self, closed: ClosedJaxpr):
    jaxpr = closed.jaxpr
    # `__name__` puts generated code under the RuntimeWarning filter of numjax's own modules
    # (lax/base.py): JAX computes inf/nan silently, as the impls do.
    self.env: dict = {"__name__": "numjax._src.generated", "np": np, "_quiet_on": _quiet_on,
                      "_quiet_off": _quiet_off}
    names: dict = {}
    self.quiet = False

    def glob(prefix, obj):
      key = f"{prefix}{len(self.env)}"
      self.env[key] = obj
      return key

    lit_names: dict = {}

    def name(v):
      if type(v) is Literal:
        val = _numpy_value(v.val)
        if not isinstance(val, (np.ndarray, np.generic)) or val.dtype != v.aval.dtype:
          val = np.asarray(val, v.aval.dtype)[()]  # a Python scalar: in the literal's dtype
        k = (type(val), val.dtype, val.tobytes())
        if k not in lit_names:
          lit_names[k] = glob("_k", val)
        return lit_names[k]
      return names[v]

    for i, v in enumerate(jaxpr.constvars):
      names[v] = glob("_c", _numpy_value(closed.consts[i]))
    self.args = []
    for i, v in enumerate(jaxpr.invars):
      names[v] = f"a{i}"
      self.args.append(f"a{i}")
    last_use: dict = {}
    for k, eqn in enumerate(jaxpr.eqns):
      for v in eqn.invars:
        if type(v) is Var:
          last_use[v] = k
    keep = {v for v in jaxpr.outvars if type(v) is Var} | set(jaxpr.constvars)
    lines = []
    count = 0
    for k, eqn in enumerate(jaxpr.eqns):
      outs = []
      for v in eqn.outvars:
        names[v] = f"v{count}"
        count += 1
        outs.append(names[v])
      ins = [name(v) for v in eqn.invars]
      emit = _emit_of(eqn)
      if emit is not None:
        placeholders = {p: glob("_g", obj) for p, obj in emit.objects.items()}
        expr = _NP_CALL.sub(self._bind_np, emit.template.format(*ins, **placeholders))
        self.quiet = self.quiet or emit.quiet
      else:
        fname = glob("_f", _impl_call(eqn))
        expr = f"{fname}({', '.join(ins)})"
      if not eqn.primitive.multiple_results:
        target = outs[0]
      elif outs:
        target = ", ".join(outs) + ("," if len(outs) == 1 else "")
      else:
        target = "_"
      lines.append(f"{target} = {expr}  # {eqn.primitive.name}")
      dead = [names[v] for v in eqn.invars if type(v) is Var and last_use.get(v) == k
              and v not in keep and v.aval.size >= DEL_MIN_SIZE]
      if dead:
        lines.append(f"del {', '.join(dict.fromkeys(dead))}")
    self.lines = lines
    self.results = [name(v) for v in jaxpr.outvars]

  def _bind_np(self, m) -> str:
    """`np.add.reduce(` -> `_np_add_reduce(`, a global bound to that function (one lookup
    instead of two or three per call)."""
    path = m.group(1)
    alias = "_np_" + path.replace(".", "_")
    if alias not in self.env:
      obj = np
      for part in path.split("."):
        obj = getattr(obj, part)
      self.env[alias] = obj
    return alias + "("

  def function(self, header: str, prologue: list, ret: str, guard: list = ()) -> str:
    body = prologue + self.lines + [f"return {ret}"]
    src = [header] + [f"  {l}" for l in guard]
    if self.quiet:
      src += ["  _t = _quiet_on()", "  try:"] + [f"    {l}" for l in body] + [
          "  finally:", "    _quiet_off(_t)"]
    else:
      src += [f"  {l}" for l in body]
    return "\n".join(src)


def generate(closed: ClosedJaxpr) -> tuple[str, dict]:
  """The source of the compiled function (NumPy values in, list of them out) and its globals."""
  g = _Generated(closed)
  src = g.function(f"def jitted({', '.join(g.args)}):", [], f"[{', '.join(g.results)}]")
  return src, g.env


def _exec(src: str, env: dict, name: str) -> Callable:
  # One filename for all generated code: under tracemalloc, every filename of a frame that
  # allocated stays alive while tracing, so a counter in the name read as ~60 B per compile.
  code = compile(src, "<numjax-jit>", "exec")
  exec(code, env)
  # Taken out of its globals: left in, function -> __globals__ -> function is a reference
  # cycle, and an evicted cache entry's code would wait for a full cycle collection.
  fn = env.pop(name)
  fn.__numjax_source__ = src
  return fn


def compile_jaxpr(closed: ClosedJaxpr) -> Callable:
  """`fn(*numpy_values) -> list of numpy values` computing the jaxpr."""
  src, env = generate(closed)
  return _exec(src, env, "jitted")


# What a guarded `call` returns when its arguments do not match its signature.
MISS = object()

_PY_SCALARS = (bool, int, float, complex)


class _Unsupported(Exception):
  pass


def _destructure(spec, expr: str, leaves: list, lines: list, env: dict, counter) -> None:
  """Guard lines checking that `expr` has the pytree structure `spec` (numjax.tree_util's
  node spec: None for a leaf, else (type, aux, children)), binding its leaves in order."""
  if spec is None:
    leaves.append(expr)
    return
  t, aux, children = spec
  if t is type(None):
    lines.append(f"if {expr} is not None: return _MISS")
    return
  n = len(children)
  names = [f"n{next(counter)}" for _ in range(n)]
  if t is tuple or t is list:
    lines.append(f"if type({expr}) is not {t.__name__} or len({expr}) != {n}: return _MISS")
    if n:
      lines.append(f"{', '.join(names)}{',' if n == 1 else ''} = {expr}")
  elif t is dict:
    key = f"_keys{next(counter)}"
    env[key] = frozenset(aux)
    lines.append(f"if type({expr}) is not dict or {expr}.keys() != {key}: return _MISS")
    for name, k in zip(names, aux):
      kname = f"_key{next(counter)}"
      env[kname] = k
      lines.append(f"{name} = {expr}[{kname}]")
  else:
    raise _Unsupported(t)
  for name, child in zip(names, children):
    _destructure(child, name, leaves, lines, env, counter)


def _restructure(spec, leaves) -> str:
  """An expression building the pytree `spec` from leaf expressions (an iterator)."""
  if spec is None:
    return next(leaves)
  t, aux, children = spec
  if t is type(None):
    return "None"
  parts = [_restructure(c, leaves) for c in children]
  if t is tuple:
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
  if t is list:
    return "[" + ", ".join(parts) + "]"
  if t is dict:
    return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(aux, parts)) + "}"
  raise _Unsupported(t)


def compile_call(closed: ClosedJaxpr, out_weak: list, out_tree, in_tree, in_sig: list,
                 leaf_types: list) -> Callable | None:
  """`call(args, kwargs) -> pytree of Arrays`: a whole jit call in one generated function.

  It checks that `args`/`kwargs` have the input pytree structure `in_tree` (tuples, lists,
  dicts, None), that each leaf has the type it had when traced (an Array, or a Python scalar)
  and the same (shape, dtype, weak_type) (`in_sig`; dtypes compared by identity), returning
  `MISS` if not; then unwraps the leaves, runs the body, and wraps the results with their weak
  types into the output pytree. None when a structure has other node types (namedtuples,
  registered classes): such calls take jit's general path."""
  g = _Generated(closed)
  env = g.env
  env["_Array"] = Array
  env["_MISS"] = MISS
  counter = itertools.count()
  guard: list = []
  leaves: list = []
  try:
    spec = in_tree._spec
    if spec is None or spec[0] is not tuple or len(spec[2]) != 2:
      raise _Unsupported(spec)
    _destructure(spec[2][0], "args", leaves, guard, env, counter)
    _destructure(spec[2][1], "kwargs", leaves, guard, env, counter)
  except _Unsupported:
    return None
  outs = [f"_Array({r}, {bool(w)})" for r, w in zip(g.results, out_weak)]
  try:
    out_expr = _restructure(out_tree._spec, iter(outs))
  except _Unsupported:
    env["_out_tree"] = out_tree
    out_expr = f"_out_tree.unflatten([{', '.join(outs)}])"
  types, conds, unwrap = [], [], []
  for i, (x, a, t, (shape, dtype, weak)) in enumerate(zip(leaves, g.args, leaf_types, in_sig)):
    env[f"_d{i}"] = dtype
    if t is Array:
      types.append(f"type({x}) is not _Array")
      unwrap.append(f"{a} = {x}._value")
      conds.append(f"{a}.shape != {tuple(shape)!r} or {a}.dtype is not _d{i} or "
                   f"{x}.weak_type is not {bool(weak)}")
    elif t in _PY_SCALARS:
      types.append(f"type({x}) is not {t.__name__}")
      unwrap.append(f"{a} = _d{i}.type({x})")
    else:
      return None
  if types:
    guard.append("if " + " or ".join(types) + ": return _MISS")
  guard += unwrap
  if conds:
    guard.append("if " + " or ".join(conds) + ": return _MISS")
  src = g.function("def call(args, kwargs):", [], out_expr, guard)
  return _exec(src, env, "call")


def source_of(closed: ClosedJaxpr) -> str:
  """The generated Python source for a jaxpr (for debugging)."""
  return generate(closed)[0]


# ----------------------------------------------------------------------------------------------
# Hook factories the lax modules attach to their primitives (`add_p.codegen = binop_hook("+")`).
# Each hook must compute exactly what its primitive's impl computes (tests/test_jit.py compares
# the two bit for bit).
# ----------------------------------------------------------------------------------------------
def binop_hook(op: str, kinds: str = "biufc") -> Callable:
  """`{0} op {1}` for operands of the given dtype kinds."""
  def hook(in_avals, out_avals, **params):
    if params or in_avals[0].dtype.kind not in kinds:
      return None
    return f"{{0}} {op} {{1}}"
  return hook


def ufunc_hook(fname: str, quiet: bool = False, kinds: str = "biufc") -> Callable:
  """`np.fname(...)`; `quiet` for impls that silence floating-point warnings."""
  def hook(in_avals, out_avals, **params):
    if params or any(a.dtype.kind not in kinds for a in in_avals):
      return None
    args = ", ".join(f"{{{i}}}" for i in range(len(in_avals)))
    return Emit(f"np.{fname}({args})", quiet=quiet)
  return hook


def reduce_hook(ufunc: str, with_dtype: bool) -> Callable:
  """`np.ufunc.reduce` over the reduced axes (empty reductions fall back to the impl)."""
  def hook(in_avals, out_avals, *, axes, out_sharding=None):
    x, = in_avals
    if x.ndim == 0 or not axes or any(x.shape[a] == 0 for a in axes):
      return None  # empty reductions: the impl supplies max/min's identity
    if with_dtype:
      return Emit(f"np.{ufunc}.reduce({{0}}, axis={tuple(axes)!r}, dtype={{dt}})",
                  {"dt": x.dtype})
    return f"np.{ufunc}.reduce({{0}}, axis={tuple(axes)!r})"
  return hook
