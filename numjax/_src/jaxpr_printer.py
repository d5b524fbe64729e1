"""Printing jaxprs exactly as JAX 0.10.2 prints them.

`pp_jaxpr(jaxpr, width=80) -> str` is what `str(jaxpr)` / `str(closed_jaxpr)` return.

Layout is a Wadler/Lindig "strictly pretty" printer (the algorithm of JAX's C++
`_pretty_printer`): a document is built from text, breaks, concatenations, nests (extra
indentation) and groups; a group is laid out flat (its breaks print as their text) when its
whole flat text fits in what is left of the current line, otherwise its own breaks become
newlines (nested groups decide again for themselves). JAX formats with width 80.

Variable names are `a`..`z`, `ba`, `bb`, ... (base-26 digits, `a` = 0), handed out in the
order the printer meets the variables, with one counter shared by the whole printout (nested
jaxprs continue it rather than restarting). Equation outputs of the *top-level* jaxpr that are
never read print as `_`. A nested jaxpr that occurs more than once, or has more than ten
equations, is printed once up front as `let <name> = { lambda ... } in` and referred to by
name, `<name>` being the `name` param of the equation holding it (`<lambda>` -> `lambda`)
or `jaxpr`, made unique with a counter suffix.

Per-primitive hooks (optional attributes of a `core.Primitive`; the printer knows no primitive
by name):

  primitive.pp_params(params: dict) -> Mapping | Sequence[tuple[str, Any]]
      Which params to show, and how. Returning a Mapping shows its items sorted by key (the
      default when there is no hook is all of `eqn.params`, sorted by key); returning a list of
      (key, value) pairs shows them in that order (JAX's `jit` and `custom_jvp_call` put
      `name` first). Used to hide params implied by the output type or left at a default value,
      e.g. broadcast_in_dim drops `shape`/`sharding` and an empty `broadcast_dimensions`; sin,
      exp, ... drop `accuracy=None`; dot_general drops None-valued params.

  primitive.pp_alias_jaxpr: str
      Name of the param holding the (Closed)Jaxpr that a call-like primitive (`jit`) runs on
      exactly the equation's operands and results. That jaxpr's binders are then named like
      the equation's atoms (inner invars after the outer invars, inner outvars after the outer
      outvars, skipping literals and repeats), as JAX does for `jit`; e.g.
      `b:f32[3] = jit[name=f jaxpr={ lambda ; a:f32[3]. let b:f32[3] = ... in (b,) }] a`.

Param values print with `str(value)` (so `float32` for a dtype, `(1,)` for a tuple, `None`),
with `' at 0x<hex>'` addresses masked to `' at 0xXXXX...'`; a Jaxpr / ClosedJaxpr prints as
a nested jaxpr, a tuple of them as `(` jaxprs on their own lines `)`, a frozenset as
`frozenset({...})` with sorted elements. Literals print as `str(value.item())` followed by
`:` and the type (`2.0:f32[]`, `1:i32[]`, `True:bool[]`, `nan:f32[]`, `-0.0:f32[]`,
`1e+20:f32[]`); non-scalar literals as `[...]:f32[3]`. Types are `aval.str_short()` (weak
types print like strong ones: `a:f32[]`). Nothing is coloured.

Literal values: JAX keeps the Python scalar of a weakly typed literal (`x * 0.1` prints
`0.1:f32[]`) and a NumPy value otherwise (`x * np.float32(0.1)` prints
`0.10000000149011612:f32[]`). A Literal whose `val` is a Python scalar therefore prints that
scalar as is when its aval is weakly typed; a weakly typed float/complex literal stored as a
NumPy value prints the shortest decimal that round-trips in its dtype (recovering `0.1`).
"""
from __future__ import annotations

import re
from collections import Counter, deque
from typing import Any, Iterator, Mapping

import numpy as np

from numjax._src import core
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Jaxpr, Literal, Var

__all__ = ["pp_jaxpr", "pp_eqn_params"]

DEFAULT_WIDTH = 80


# ----------------------------------------------------------------------------------------------
# Documents and their layout
# ----------------------------------------------------------------------------------------------
class _Doc:
  """A layout document; `w` is its width when printed on one line (JAX counts bytes)."""
  __slots__ = ("w",)

  def __add__(self, other: "_Doc") -> "_Doc":
    return _Concat([self, other])


class _Text(_Doc):
  __slots__ = ("s",)

  def __init__(self, s: str):
    self.s = s
    self.w = len(s) if s.isascii() else len(s.encode("utf-8"))


class _Break(_Doc):
  """Its text when its group is flat, else a newline plus the current indentation."""
  __slots__ = ("s",)

  def __init__(self, s: str = " "):
    self.s = s
    self.w = len(s) if s.isascii() else len(s.encode("utf-8"))


class _Concat(_Doc):
  __slots__ = ("children",)

  def __init__(self, children):
    self.children = children = list(children)
    self.w = sum(c.w for c in children)


class _Group(_Doc):
  """Flat if it fits in the rest of the line, else its breaks (not its subgroups') break."""
  __slots__ = ("child",)

  def __init__(self, child: _Doc):
    self.child = child
    self.w = child.w


class _Nest(_Doc):
  """Indents the lines its breaks start by `n` more."""
  __slots__ = ("n", "child")

  def __init__(self, n: int, child: _Doc):
    self.n = n
    self.child = child
    self.w = child.w


_NIL = _Concat([])
_text, _brk, _concat, _group, _nest = _Text, _Break, _Concat, _Group, _Nest
_SPACE = " "


def _join(sep: _Doc, docs) -> _Doc:
  docs = list(docs)
  if len(docs) <= 1:
    return docs[0] if docs else _NIL
  out = [docs[0]]
  for d in docs[1:]:
    out.append(sep)
    out.append(d)
  return _Concat(out)


def _flat_into(doc: _Doc, out: list) -> None:
  """Appends the one-line text of `doc` to `out`."""
  stack = [doc]
  while stack:
    d = stack.pop()
    t = type(d)
    if t is _Text or t is _Break:
      out.append(d.s)
    elif t is _Concat:
      stack.extend(reversed(d.children))
    else:
      stack.append(d.child)


def _format(doc: _Doc, width: int) -> str:
  lines: list[str] = []
  cur: list[str] = []
  k = 0
  stack = [(0, True, doc)]  # (indentation, breaks break?, document)
  while stack:
    indent, breaking, d = stack.pop()
    t = type(d)
    if t is _Text:
      cur.append(d.s)
      k += d.w
    elif t is _Concat:
      for c in reversed(d.children):
        stack.append((indent, breaking, c))
    elif t is _Break:
      if breaking:
        lines.append("".join(cur))
        cur = [_SPACE * indent]
        k = indent
      else:
        cur.append(d.s)
        k += d.w
    elif t is _Group:
      # Only the group itself has to fit, not what follows it on the line (as in JAX).
      if d.w <= width - k:
        _flat_into(d.child, cur)
        k += d.w
      else:
        stack.append((indent, True, d.child))
    elif t is _Nest:
      stack.append((indent + d.n, breaking, d.child))
    else:  # pragma: no cover
      raise TypeError(f"not a document: {d!r}")
  lines.append("".join(cur))
  return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Naming context
# ----------------------------------------------------------------------------------------------
def _encode_name(n: int) -> str:
  s = ""
  while not s or n:
    n, i = divmod(n, 26)
    s = chr(97 + i) + s
  return s


_DropVar = getattr(core, "DropVar", None)


def _is_dropvar(v) -> bool:
  return _DropVar is not None and isinstance(v, _DropVar)


class _Context:
  """Names of the variables of one printout, and the jaxprs printed up front."""

  def __init__(self, names: dict):
    self.names: dict = dict(names)
    self.shared: dict = {}          # Jaxpr -> its name
    self.shared_names: set = set()
    self._next = 0

  def name(self, v) -> str:
    if _is_dropvar(v):
      return "_"
    n = self.names.get(v)
    if n is None:
      while True:
        n = _encode_name(self._next)
        self._next += 1
        if n not in self.shared_names:
          break
      self.names[v] = n
    return n

  def suggest_same_names(self, for_vars, like_vars) -> None:
    """Name the binders `for_vars` like the atoms `like_vars` they alias."""
    if len(for_vars) != len(like_vars):
      return
    used = set()
    for for_v, like_v in zip(for_vars, like_vars):
      if (isinstance(like_v, Var) and like_v not in used and isinstance(for_v, Var)
          and for_v not in self.names):
        used.add(like_v)
        self.names[for_v] = self.name(like_v)


def _unused_outvars(jaxpr: Jaxpr) -> dict:
  """Equation outputs of `jaxpr` that nothing reads, named `_`."""
  names = {}
  used = {v for v in jaxpr.outvars if isinstance(v, Var)}
  for eqn in reversed(jaxpr.eqns):
    for v in eqn.outvars:
      if v not in used:
        names[v] = "_"
    used.update(v for v in eqn.invars if isinstance(v, Var))
  return names


def _jaxprs_in_params(params) -> Iterator[Jaxpr]:
  for val in params.values():
    for v in (val if isinstance(val, tuple) else (val,)):
      if isinstance(v, Jaxpr):
        yield v
      elif isinstance(v, ClosedJaxpr):
        yield v.jaxpr


# ----------------------------------------------------------------------------------------------
# Atoms
# ----------------------------------------------------------------------------------------------
def _aval_str(aval) -> str:
  return aval.str_short()


def _shortest_float(x) -> float:
  """The shortest decimal that reads back as `x` in x's own NumPy dtype, as a Python float."""
  return float(str(x))


def _literal_value_str(lit: Literal) -> str:
  val = lit.val
  aval = lit.aval
  dtype = getattr(aval, "dtype", None)
  weak = getattr(aval, "weak_type", False)
  if type(val) is Array:
    val = val._value
  if type(val) in (bool, int, float, complex):
    # A Python scalar: JAX keeps these for weakly typed literals and prints them as they are.
    if dtype is None:
      return str(val)
    kind = np.dtype(dtype).kind
    if weak:
      if kind == "b":
        return str(bool(val))
      if kind in "iu" and type(val) is not complex:
        return str(int(val))
      if kind == "f" and type(val) is not complex:
        return str(float(val))
      if kind == "c":
        return str(complex(val))
      return str(val)
    val = np.asarray(val, dtype=dtype)
  arr = np.asarray(val)
  if arr.shape:
    return "[...]"
  if weak and arr.dtype.type in (np.float16, np.float32, np.float64):
    return str(_shortest_float(arr[()]))
  if weak and arr.dtype.type in (np.complex64, np.complex128):
    c = arr[()]
    return str(complex(_shortest_float(c.real), _shortest_float(c.imag)))
  return str(arr.item())


def _pp_atom(v, ctx: _Context) -> str:
  if isinstance(v, Literal):
    s = _literal_value_str(v)
    if getattr(v.aval, "dtype", None) is not None:
      s = f"{s}:{_aval_str(v.aval)}"
    return s
  return ctx.name(v)


def _pp_vars(vs, ctx: _Context, *, separator: str = "", print_shapes: bool = False) -> _Doc:
  if print_shapes:
    items = [_text(_pp_atom(v, ctx) + ":" + _aval_str(v.aval)) for v in vs]
  else:
    items = [_text(_pp_atom(v, ctx)) for v in vs]
  return _nest(2, _group(_join(_text(separator) + _group(_brk()), items)))


# ----------------------------------------------------------------------------------------------
# Params, equations, jaxprs
# ----------------------------------------------------------------------------------------------
_ADDRESS = re.compile(r" at 0x([0-9a-fA-F]+)")


def _param_str(v: Any) -> str:
  return _ADDRESS.sub(lambda m: " at 0x" + "X" * len(m.group(1)), str(v))


def _pp_kv_pair(k: str, v: Any, ctx: _Context) -> _Doc:
  if type(v) is tuple and all(isinstance(j, (Jaxpr, ClosedJaxpr)) for j in v):
    pv = _pp_jaxprs(v, ctx)
  elif isinstance(v, Jaxpr):
    pv = _pp_jaxpr(v, ctx)
  elif isinstance(v, ClosedJaxpr):
    pv = _pp_jaxpr(v.jaxpr, ctx)
  elif isinstance(v, frozenset):
    pv = _text(f"frozenset({{{', '.join(repr(e) for e in sorted(v))}}})")
  else:
    pv = _text(_param_str(v))
  return _text(f"{k}=") + pv


def _pp_kv_pairs(items, ctx: _Context) -> _Doc:
  if not items:
    return _NIL
  return _group(_concat([
      _nest(2, _concat([_text("["), _brk(""),
                        _join(_brk(), [_pp_kv_pair(k, v, ctx) for k, v in items])])),
      _brk(""), _text("]")]))


def pp_eqn_params(primitive, params: dict) -> list:
  """The (key, value) params an equation shows, in order (see `pp_params` above)."""
  hook = getattr(primitive, "pp_params", None)
  shown = params if hook is None else hook(dict(params))
  if isinstance(shown, Mapping):
    return [(k, shown[k]) for k in sorted(shown)]
  return [tuple(kv) for kv in shown]


def _pp_eqn(eqn, ctx: _Context) -> _Doc:
  prim = eqn.primitive
  items = pp_eqn_params(prim, eqn.params)
  alias = getattr(prim, "pp_alias_jaxpr", None)
  if alias:
    inner = eqn.params.get(alias)
    if isinstance(inner, ClosedJaxpr):
      inner = inner.jaxpr
    if isinstance(inner, Jaxpr) and inner not in ctx.shared:
      ctx.suggest_same_names(inner.invars, eqn.invars)
      ctx.suggest_same_names(inner.outvars, eqn.outvars)
  # Build in JAX's order (binders, params, operands): that order hands out the names.
  lhs = _pp_vars(eqn.outvars, ctx, print_shapes=True)
  rhs = [_text(prim.name), _pp_kv_pairs(items, ctx), _text(" ") + _pp_vars(eqn.invars, ctx)]
  if eqn.outvars:
    return _concat([lhs, _text(" = "), *rhs])
  return _concat(rhs)


def _pp_skeleton(jaxpr: Jaxpr, ctx: _Context) -> _Doc:
  constvars = _pp_vars(jaxpr.constvars, ctx, print_shapes=True)
  invars = _pp_vars(jaxpr.invars, ctx, print_shapes=True)
  eqns = _join(_brk("; "), [_pp_eqn(e, ctx) for e in jaxpr.eqns])
  outvars = _concat([_text("("), _pp_vars(jaxpr.outvars, ctx, separator=","),
                     _text(")" if len(jaxpr.outvars) != 1 else ",)")])
  return _group(_nest(2, _concat([
      _text("{ "), _text("lambda "), constvars, _text("; "), invars, _text(". "),
      _text("let"), _nest(2, _brk() + eqns), _brk(), _text("in "), outvars,
  ])) + _text(" }"))


def _pp_jaxpr(jaxpr: Jaxpr, ctx: _Context) -> _Doc:
  name = ctx.shared.get(jaxpr)
  if name is not None:
    return _text(name)
  return _pp_skeleton(jaxpr, ctx)


def _pp_jaxprs(jaxprs, ctx: _Context) -> _Doc:
  jaxprs = [j.jaxpr if isinstance(j, ClosedJaxpr) else j for j in jaxprs]
  return _group(_concat([
      _nest(2, _concat([_text("("), _brk(""),
                        _join(_brk(), [_pp_jaxpr(j, ctx) for j in jaxprs])])),
      _brk(""), _text(")")]))


def _find_shared(top: Jaxpr, ctx: _Context) -> list:
  """Nested jaxprs to print up front: used more than once, or with more than 10 equations."""
  names: dict = {}
  counts: Counter = Counter()
  queue = deque([top])
  while queue:
    jaxpr = queue.popleft()
    counts[jaxpr] += 1
    if jaxpr is not top and len(jaxpr.eqns) > 10:
      counts[jaxpr] += 1
    for eqn in jaxpr.eqns:
      name = eqn.params.get("name")
      if name is None:
        queue.extend(_jaxprs_in_params(eqn.params))
        continue
      name = str(name).strip("<>")
      for sub in _jaxprs_in_params(eqn.params):
        queue.append(sub)
        names.setdefault(sub, name)
  name_counts: Counter = Counter()
  shared = []
  for jaxpr, c in counts.items():
    if c == 1:
      continue
    name = names.get(jaxpr, "jaxpr")
    count = name_counts[name]
    if count > 0:
      name_counts[name] += 1
      name += str(count)
    name_counts[name] += 1
    ctx.shared_names.add(name)
    ctx.shared[jaxpr] = name
    shared.append((name, jaxpr))
  return shared


def pp_jaxpr(jaxpr: Jaxpr | ClosedJaxpr, width: int = DEFAULT_WIDTH) -> str:
  """The text JAX 0.10.2 prints for `jaxpr` (`str(jax.make_jaxpr(f)(*args))`)."""
  if isinstance(jaxpr, ClosedJaxpr):
    jaxpr = jaxpr.jaxpr
  ctx = _Context(_unused_outvars(jaxpr))
  docs = []
  for name, shared in _find_shared(jaxpr, ctx):
    docs.append(_concat([_text("let "), _text(name), _text(" = "), _pp_skeleton(shared, ctx),
                         _text(" in"), _brk()]))
  docs.append(_pp_jaxpr(jaxpr, ctx))
  return _format(_concat(docs), width)
