"""Pytrees: the registry of container node types and utilities over it.

A treedef is stored as a nested *spec*: ``None`` stands for a leaf and
``(node_type, aux_data, child_specs)`` for an internal node.  Specs are plain
tuples, so treedef equality and hashing are single C-level tuple operations.
Namedtuples are recognised structurally (tuple subclasses with ``_fields``)
and are the only node type not held in ``_registry``.
"""
from __future__ import annotations

import collections
import dataclasses
import difflib
import functools
import operator
import textwrap
from typing import Any, Callable, Hashable, Iterable, NamedTuple, Sequence, TypeVar

T = TypeVar("T")
Typ = TypeVar("Typ", bound=type)
KeyEntry = Any
KeyPath = tuple[Any, ...]
_NoneType = type(None)
_NONE_SPEC = (_NoneType, None, ())


# --- key path entries --------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SequenceKey:
  """Key of a child of a sequence node (tuple or list)."""
  idx: int

  def __post_init__(self):
    object.__setattr__(self, "idx", operator.index(self.idx))

  def __str__(self):
    return f"[{self.idx!r}]"


@dataclasses.dataclass(frozen=True)
class DictKey:
  """Key of a child of a mapping node."""
  key: Hashable

  def __str__(self):
    return f"[{self.key!r}]"


@dataclasses.dataclass(frozen=True)
class GetAttrKey:
  """Key of a child held in an attribute (namedtuples, dataclasses)."""
  name: str

  def __post_init__(self):
    if not isinstance(self.name, str):
      raise TypeError(f"GetAttrKey name must be a str, got {type(self.name)}")

  def __str__(self):
    return f".{self.name}"


@dataclasses.dataclass(frozen=True)
class FlattenedIndexKey:
  """Key of a child of a custom node registered without key paths."""
  key: int

  def __post_init__(self):
    object.__setattr__(self, "key", operator.index(self.key))

  def __str__(self):
    return f"[<flat index {self.key}>]"


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
  """Pretty-prints a key path, e.g. ``['a'][0].x`` (or ``a/0/x`` with simple=True)."""
  if not simple:
    return separator.join(map(str, keys))
  return separator.join(
      str(getattr(k, _KEY_FIELD[type(k)])) if type(k) in _KEY_FIELD else str(k) for k in keys)


_KEY_FIELD = {SequenceKey: "idx", DictKey: "key", GetAttrKey: "name", FlattenedIndexKey: "key"}


# --- registry ----------------------------------------------------------------

class _NodeKind(NamedTuple):
  flatten: Callable[[Any], tuple[Iterable[Any], Any]]
  unflatten: Callable[[Any, tuple[Any, ...]], Any]
  flatten_with_keys: Callable[[Any], tuple[Iterable[tuple[Any, Any]], Any]]


_registry: dict[type, _NodeKind] = {}
_leaf_types: set[type] = set()  # cache of types seen to be leaves; speeds up flattening


def _sorted_keys(d: dict) -> tuple:
  try:
    return tuple(sorted(d))
  except Exception as e:
    raise ValueError(
        "Comparator raised exception while sorting pytree dictionary keys.") from e


def _kind_of(t: type) -> _NodeKind | None:
  kind = _registry.get(t)
  if kind is None and issubclass(t, tuple) and hasattr(t, "_fields"):
    return _NAMEDTUPLE
  return kind


_NAMEDTUPLE = _NodeKind(
    lambda x: (x, None), None,
    lambda x: (tuple(zip(map(GetAttrKey, x._fields), x)), None))


def register_pytree_node(nodetype: type, flatten_func: Callable, unflatten_func: Callable,
                         flatten_with_keys_func: Callable | None = None) -> None:
  """Registers ``nodetype`` as an internal pytree node type."""
  if nodetype in _registry:
    raise ValueError(f"Duplicate custom PyTreeDef type registration for {nodetype}.")
  if flatten_with_keys_func is None:
    def flatten_with_keys_func(x):
      children, aux = flatten_func(x)
      return [(FlattenedIndexKey(i), c) for i, c in enumerate(children)], aux
  _registry[nodetype] = _NodeKind(flatten_func, unflatten_func, flatten_with_keys_func)
  _leaf_types.discard(nodetype)


def register_pytree_node_class(cls: Typ) -> Typ:
  """Class decorator registering ``cls`` via its ``tree_flatten``/``tree_unflatten``."""
  register_pytree_node(cls, operator.methodcaller("tree_flatten"), cls.tree_unflatten)
  return cls


def register_pytree_with_keys(nodetype: type, flatten_with_keys: Callable,
                              unflatten_func: Callable,
                              flatten_func: Callable | None = None) -> None:
  """Registers ``nodetype`` with a flatten function that also returns child keys."""
  if flatten_func is None:
    def flatten_func(x):
      key_children, aux = flatten_with_keys(x)
      return [c for _, c in key_children], aux
  register_pytree_node(nodetype, flatten_func, unflatten_func, flatten_with_keys)


def register_pytree_with_keys_class(cls: Typ) -> Typ:
  """Class decorator registering ``cls`` via ``tree_flatten_with_keys``/``tree_unflatten``."""
  flatten = operator.methodcaller("tree_flatten") if hasattr(cls, "tree_flatten") else None
  register_pytree_with_keys(cls, operator.methodcaller("tree_flatten_with_keys"),
                            cls.tree_unflatten, flatten)
  return cls


def register_dataclass(nodetype: Typ, data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None,
                       drop_fields: Sequence[str] = ()) -> Typ:
  """Registers a dataclass-like type: data fields are children, meta fields aux data."""
  if data_fields is None or meta_fields is None:
    if (data_fields is None) != (meta_fields is None):
      raise TypeError("register_dataclass: data_fields and meta_fields must both be specified"
                      f" when either is specified. Got {data_fields=} {meta_fields=}.")
    if not dataclasses.is_dataclass(nodetype):
      raise TypeError("register_dataclass: data_fields and meta_fields are required when"
                      f" nodetype is not a dataclass. Got {nodetype=}.")
    fields = dataclasses.fields(nodetype)
    data_fields = [f.name for f in fields if not f.metadata.get("static", False)]
    meta_fields = [f.name for f in fields if f.metadata.get("static", False)]
  data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
  if dataclasses.is_dataclass(nodetype):
    init_fields = {f.name for f in dataclasses.fields(nodetype) if f.init} - set(drop_fields)
    if {*meta_fields, *data_fields} != init_fields:
      msg = ("data_fields and meta_fields must include all dataclass fields with"
             " ``init=True`` and only them.")
      if missing := init_fields - {*meta_fields, *data_fields}:
        msg += f" Missing fields: {missing}. Add them to drop_fields to suppress this error."
      if unexpected := {*meta_fields, *data_fields} - init_fields:
        msg += f" Unexpected fields: {unexpected}."
      raise ValueError(msg)
  if overlap := set(data_fields) & set(meta_fields):
    raise ValueError(
        f"data_fields and meta_fields must not overlap. Overlapping fields: {overlap}.")
  keys = tuple(map(GetAttrKey, data_fields))

  def flatten(x):
    return (tuple(getattr(x, n) for n in data_fields),
            tuple(getattr(x, n) for n in meta_fields))

  def flatten_with_keys(x):
    children, aux = flatten(x)
    return tuple(zip(keys, children)), aux

  def unflatten(meta, data):
    return nodetype(**dict(zip(meta_fields, meta)), **dict(zip(data_fields, data)))

  register_pytree_node(nodetype, flatten, unflatten, flatten_with_keys)
  return nodetype


def register_static(cls: Typ) -> Typ:
  """Registers ``cls`` as a node with no children whose instances are aux data."""
  register_pytree_with_keys(cls, lambda x: ((), x), lambda x, _: x)
  return cls


def is_tree_node(typ: type) -> bool:
  """Returns True if ``typ`` is a registered node type or a namedtuple."""
  return _kind_of(typ) is not None


def _flatten_dict(d):
  keys = _sorted_keys(d)
  return tuple([d[k] for k in keys]), keys


def _flatten_dict_with_keys(d):
  values, keys = _flatten_dict(d)
  return tuple(zip(map(DictKey, keys), values)), keys


def _flatten_defaultdict_with_keys(d):
  keys = tuple(sorted(d))
  return tuple((DictKey(k), d[k]) for k in keys), (d.default_factory, keys)


def _sequence_with_keys(x):
  return tuple(zip(map(SequenceKey, range(len(x))), x)), None


register_pytree_node(tuple, lambda x: (x, None), lambda _, xs: tuple(xs), _sequence_with_keys)
register_pytree_node(list, lambda x: (x, None), lambda _, xs: list(xs), _sequence_with_keys)
register_pytree_node(dict, _flatten_dict, lambda keys, xs: dict(zip(keys, xs)),
                     _flatten_dict_with_keys)
register_pytree_node(_NoneType, lambda _: ((), None), lambda _, __: None, lambda _: ((), None))
register_pytree_with_keys(
    collections.OrderedDict,
    lambda x: (tuple((DictKey(k), v) for k, v in x.items()), tuple(x)),
    lambda keys, values: collections.OrderedDict(zip(keys, values)))
register_pytree_with_keys(
    collections.defaultdict, _flatten_defaultdict_with_keys,
    lambda aux, values: collections.defaultdict(aux[0], zip(aux[1], values)))


# --- flatten / unflatten -----------------------------------------------------

def _flatten(x: Any, leaves: list, is_leaf: Callable | None):
  """Appends the leaves of ``x`` to ``leaves``; returns the spec of ``x``."""
  if is_leaf is not None and is_leaf(x):
    leaves.append(x)
    return None
  t = type(x)
  if t in _leaf_types:
    leaves.append(x)
    return None
  if t is tuple or t is list:
    return (t, None, tuple([_flatten(c, leaves, is_leaf) for c in x]))
  if t is dict:
    keys = _sorted_keys(x)
    return (dict, keys, tuple([_flatten(x[k], leaves, is_leaf) for k in keys]))
  if x is None:
    return _NONE_SPEC
  kind = _registry.get(t)
  if kind is None:
    if issubclass(t, tuple) and hasattr(t, "_fields"):
      return (t, None, tuple([_flatten(c, leaves, is_leaf) for c in x]))
    _leaf_types.add(t)
    leaves.append(x)
    return None
  children, aux = kind.flatten(x)
  return (t, aux, tuple([_flatten(c, leaves, is_leaf) for c in children]))


def _flatten_with_path(x, path, leaves, is_leaf):
  if is_leaf is not None and is_leaf(path, x):
    leaves.append((path, x))
    return None
  t = type(x)
  kind = _kind_of(t)
  if kind is None:
    leaves.append((path, x))
    return None
  key_children, aux = kind.flatten_with_keys(x)
  return (t, aux, tuple([_flatten_with_path(c, (*path, k), leaves, is_leaf)
                         for k, c in key_children]))


def _unflatten(spec, it):
  if spec is None:
    return next(it)
  t, aux, children = spec
  xs = [next(it) if c is None else _unflatten(c, it) for c in children]
  if t is tuple:
    return tuple(xs)
  if t is list:
    return xs
  if t is dict:
    return dict(zip(aux, xs))
  if t is _NoneType:
    return None
  kind = _registry.get(t)
  return t(*xs) if kind is None else kind.unflatten(aux, tuple(xs))


_NONE_HINT = (
    "\n\nIn previous releases of JAX, flatten-up-to used to consider None to be a "
    "tree-prefix of non-None values. To obtain the previous behavior, you can usually "
    "write:\n  jax.tree.map(lambda x, y: None if x is None else f(x, y), a, b, "
    "is_leaf=lambda x: x is None)")


def _flatten_up_to(spec, x, out: list) -> None:
  if spec is None:
    out.append(x)
    return
  t, aux, children = spec
  if t is tuple or t is list:
    if type(x) is not t:
      raise ValueError(f"Expected {t.__name__}, got {x!r}.")
    if len(x) != len(children):
      raise ValueError(f"{t.__name__.capitalize()} arity mismatch: {len(x)} != "
                       f"{len(children)}; {t.__name__}: {x!r}.")
  elif t is dict:
    if type(x) is not dict:
      raise ValueError(f"Expected dict, got {x!r}.")
    keys = _sorted_keys(x)
    if keys != aux:
      raise ValueError(f"Dict key mismatch; expected keys: {list(aux)}; "
                       f"present keys: {list(keys)}.")
    x = [x[k] for k in keys]
  elif t is _NoneType:
    if x is not None:
      raise ValueError(f"Expected None, got {x!r}.{_NONE_HINT}")
    return
  elif t not in _registry:  # namedtuple
    if not isinstance(x, tuple) or not hasattr(x, "_fields"):
      raise ValueError(f"Expected named tuple, got {x!r}.")
    if type(x) is not t:
      raise ValueError(f"Named tuple type mismatch: expected type: {t!r}, tuple: {x!r}.")
  else:
    if type(x) is not t:
      raise ValueError(f"Custom node type mismatch: expected type: {t!r}, value: {x!r}.")
    xs, x_aux = _registry[t].flatten(x)
    xs = list(xs)
    if x_aux != aux:
      raise ValueError(f"Mismatch custom node data: {aux!r} != {x_aux!r}; value: {x!r}.")
    if len(xs) != len(children):
      raise ValueError(f"Custom type arity mismatch: {len(xs)} != {len(children)}; "
                       f"value: {x!r}.")
    x = xs
  for c, sub in zip(children, x):
    _flatten_up_to(c, sub, out)


def _count(spec, leaves_only: bool) -> int:
  if spec is None:
    return 1
  return (not leaves_only) + sum(_count(c, leaves_only) for c in spec[2])


def _hashable(spec):
  return None if spec is None else (spec[0], tuple(map(_hashable, spec[2])))


def _repr(spec) -> str:
  if spec is None:
    return "*"
  t, aux, children = spec
  parts = [_repr(c) for c in children]
  if t is tuple:
    return f"({parts[0]},)" if len(parts) == 1 else f"({', '.join(parts)})"
  if t is list:
    return f"[{', '.join(parts)}]"
  if t is dict:
    return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(aux, parts)) + "}"
  if t is _NoneType:
    return "None"
  label = f"{t.__name__}[{aux}]" if t in _registry else f"namedtuple[{t.__name__}]"
  return f"CustomNode({label}, [{', '.join(parts)}])"


class PyTreeDef:
  """Immutable, hashable description of a pytree's structure (leaves elided)."""
  __slots__ = ("_spec", "_num_leaves", "_hash")

  def __init__(self, spec, num_leaves: int | None = None):
    self._spec = spec
    self._num_leaves = _count(spec, True) if num_leaves is None else num_leaves
    self._hash = None

  @property
  def num_leaves(self) -> int:
    return self._num_leaves

  @property
  def num_nodes(self) -> int:
    return _count(self._spec, False)

  def children(self) -> list[PyTreeDef]:
    """Returns the treedefs of the root's immediate children."""
    return [] if self._spec is None else [PyTreeDef(c) for c in self._spec[2]]

  def node_data(self) -> tuple[type, Any] | None:
    """Returns ``(node_type, aux_data)`` of the root, or None for a leaf."""
    if self._spec is None:
      return None
    t, aux, _ = self._spec
    return (t, list(aux)) if t is dict else (t, aux)

  def unflatten(self, leaves: Iterable[Any]) -> Any:
    """Builds a pytree of this structure from an iterable of leaves."""
    leaves = list(leaves)
    if len(leaves) != self._num_leaves:
      if len(leaves) < self._num_leaves:
        raise ValueError(f"Too few leaves for PyTreeDef; expected {self._num_leaves}, "
                         f"got {len(leaves)}")
      raise ValueError(f"Too many leaves for PyTreeDef; expected {self._num_leaves}.")
    return _unflatten(self._spec, iter(leaves))

  def flatten_up_to(self, tree: Any) -> list[Any]:
    """Flattens ``tree`` down to this treedef's leaves (which may be subtrees)."""
    out: list[Any] = []
    _flatten_up_to(self._spec, tree, out)
    return out

  def compose(self, inner: PyTreeDef) -> PyTreeDef:
    """Returns the treedef with every leaf of ``self`` replaced by ``inner``."""
    def sub(spec):
      return inner._spec if spec is None else (spec[0], spec[1], tuple(map(sub, spec[2])))
    return PyTreeDef(sub(self._spec), self._num_leaves * inner._num_leaves)

  def __eq__(self, other):
    if not isinstance(other, PyTreeDef):
      return NotImplemented
    return self is other or self._spec == other._spec

  def __hash__(self):
    if self._hash is None:
      try:
        self._hash = hash(self._spec)
      except TypeError:  # unhashable aux data: hash the shape only
        self._hash = hash(_hashable(self._spec))
    return self._hash

  def __repr__(self):
    return f"PyTreeDef({_repr(self._spec)})"

  def __reduce__(self):
    return PyTreeDef, (self._spec, self._num_leaves)


_LEAF_TREEDEF = PyTreeDef(None, 1)


# --- public functional API ----------------------------------------------------

def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list[Any], PyTreeDef]:
  """Flattens a pytree into a list of leaves and a treedef."""
  leaves: list[Any] = []
  spec = _flatten(tree, leaves, is_leaf)
  return leaves, (_LEAF_TREEDEF if spec is None else PyTreeDef(spec, len(leaves)))


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Any]) -> Any:
  """Rebuilds a pytree from a treedef and its leaves."""
  return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
  """Returns the leaves of a pytree in flattening order."""
  leaves: list[Any] = []
  _flatten(tree, leaves, is_leaf)
  return leaves


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None) -> PyTreeDef:
  """Returns the treedef of a pytree."""
  return tree_flatten(tree, is_leaf)[1]


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
  """Maps ``f`` over the leaves of ``tree`` (and corresponding subtrees of ``rest``)."""
  leaves, treedef = tree_flatten(tree, is_leaf)
  if not rest:
    return _unflatten(treedef._spec, iter([f(x) for x in leaves]))
  all_leaves = [leaves] + _flatten_rest(treedef, tree, rest, is_leaf, "tree_map tree")
  return _unflatten(treedef._spec, iter([f(*xs) for xs in zip(*all_leaves)]))


def _flatten_rest(treedef, tree, rest, is_leaf, name):
  out = []
  for r in rest:
    try:
      out.append(treedef.flatten_up_to(r))
    except Exception as e:
      err = next(iter(prefix_errors(tree, r, is_leaf)), None)
      raise (err(name) if err is not None else e) from None
  return out


def tree_flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                           is_leaf_takes_path: bool = False
                           ) -> tuple[list[tuple[KeyPath, Any]], PyTreeDef]:
  """Like ``tree_flatten`` but each leaf is paired with its key path."""
  if is_leaf is not None and not is_leaf_takes_path:
    is_leaf_fn = is_leaf
    is_leaf = lambda _, x: is_leaf_fn(x)
  leaves: list[tuple[KeyPath, Any]] = []
  spec = _flatten_with_path(tree, (), leaves, is_leaf)
  return leaves, PyTreeDef(spec, len(leaves))


def tree_leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                          is_leaf_takes_path: bool = False) -> list[tuple[KeyPath, Any]]:
  """Returns ``(key_path, leaf)`` pairs in flattening order."""
  return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                       is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
  """Like ``tree_map`` but ``f`` receives each leaf's key path first."""
  path_leaves, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
  all_leaves = [[x for _, x in path_leaves]]
  all_leaves += _flatten_rest(treedef, tree, rest, None if is_leaf_takes_path else is_leaf,
                              "tree_map_with_path tree")
  paths = [p for p, _ in path_leaves]
  return treedef.unflatten(f(p, *xs) for p, *xs in zip(paths, *all_leaves))


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
  """Turns an outer-of-inner pytree into an inner-of-outer pytree."""
  flat, treedef = tree_flatten(pytree_to_transpose)
  if inner_treedef is None:
    inner_treedef = tree_structure(outer_treedef.flatten_up_to(pytree_to_transpose)[0])
  inner_size, outer_size = inner_treedef.num_leaves, outer_treedef.num_leaves
  if treedef.num_leaves != inner_size * outer_size:
    raise TypeError(f"Mismatch\n{treedef}\n != \n{outer_treedef.compose(inner_treedef)}")
  lol = [flat[i * inner_size:(i + 1) * inner_size] for i in range(outer_size)]
  return inner_treedef.unflatten(outer_treedef.unflatten(col) for col in zip(*lol))


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
  """Broadcasts the leaves of a tree prefix over the matching subtrees of ``full_tree``."""
  return tree_structure(full_tree).unflatten(broadcast_prefix(prefix_tree, full_tree, is_leaf))


def broadcast_prefix(prefix_tree: Any, full_tree: Any,
                     is_leaf: Callable[[Any], bool] | None = None) -> list[Any]:
  """Returns prefix leaves repeated once per leaf of their subtree in ``full_tree``."""
  result: list[Any] = []
  add = lambda x, subtree: result.extend([x] * tree_structure(subtree).num_leaves)
  try:
    tree_map(add, prefix_tree, full_tree, is_leaf=is_leaf)
  except ValueError:
    e, *_ = prefix_errors(prefix_tree, full_tree)
    raise e("broadcast_prefix prefix_tree") from None
  return result


class _Unspecified:
  pass


def tree_reduce(function: Callable[[T, Any], T], tree: Any,
                initializer: Any = _Unspecified(),
                is_leaf: Callable[[Any], bool] | None = None) -> T:
  """Reduces the leaves of a pytree left to right with ``function``."""
  if isinstance(initializer, _Unspecified):
    return functools.reduce(function, tree_leaves(tree, is_leaf))
  return functools.reduce(function, tree_leaves(tree, is_leaf), initializer)


def tree_reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                            identity: Any = _Unspecified(),
                            is_leaf: Callable[[Any], bool] | None = None) -> T:
  """Reduces the leaves of a pytree with an associative operation, as a balanced tree."""
  def reduce(xs):
    if not xs:
      if isinstance(identity, _Unspecified):
        raise TypeError("Must specify identity for parallel reduction of empty sequence.")
      return identity
    if len(xs) == 1:
      return xs[0]
    return operation(reduce(xs[:len(xs) // 2]), reduce(xs[len(xs) // 2:]))
  return reduce(tree_leaves(tree, is_leaf))


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None) -> bool:
  """Returns True if every leaf is truthy."""
  return all(tree_leaves(tree, is_leaf))


def all_leaves(iterable: Iterable[Any], is_leaf: Callable[[Any], bool] | None = None) -> bool:
  """Returns True if every element of ``iterable`` is a pytree leaf."""
  if is_leaf is None:
    return all(_kind_of(type(x)) is None for x in iterable)
  items = list(iterable)
  leaves = tree_leaves(items, is_leaf)
  return len(leaves) == len(items) and all(a is b for a, b in zip(items, leaves))


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
  """Returns True if the treedef has a single node (a leaf, None or an empty node)."""
  return treedef._spec is None or not treedef._spec[2]


def treedef_is_strict_leaf(treedef: PyTreeDef) -> bool:
  """Returns True if the treedef is exactly one leaf."""
  return treedef._spec is None


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
  """Returns the treedef of a tuple whose children have the given treedefs."""
  treedefs = list(treedefs)
  return PyTreeDef((tuple, None, tuple(t._spec for t in treedefs)),
                   sum(t.num_leaves for t in treedefs))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
  """Returns the treedefs of the root's immediate children."""
  return treedef.children()


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
  """Flattens one level of a pytree node into ``(children, aux_data)``."""
  t = type(tree)
  kind = _kind_of(t)
  if kind is None:
    raise ValueError(f"can't tree-flatten type: {t}")
  return (list(tree), t) if kind is _NAMEDTUPLE else kind.flatten(tree)


def flatten_one_level_with_keys(tree: Any) -> tuple[Iterable[tuple[KeyEntry, Any]], Hashable]:
  """Flattens one level of a pytree node into ``((key, child), ...), aux_data``."""
  t = type(tree)
  kind = _kind_of(t)
  if kind is None:
    raise ValueError(f"can't tree-flatten type: {t}")
  key_children, aux = kind.flatten_with_keys(tree)
  return key_children, (t if kind is _NAMEDTUPLE else aux)


# --- Partial -------------------------------------------------------------------

class _HashableCallableShim:
  """Delegates calls, hashing and equality to a wrapped callable."""

  def __init__(self, fun):
    self.fun = fun

  __call__ = lambda self, *args, **kw: self.fun(*args, **kw)
  __hash__ = lambda self: hash(self.fun)
  __eq__ = lambda self, other: self.fun == (
      other.fun if isinstance(other, _HashableCallableShim) else other)
  __repr__ = lambda self: f"_HashableCallableShim({self.fun!r})"


class Partial(functools.partial):
  """A ``functools.partial`` that is a pytree: ``func`` is static, args/keywords are children."""

  def __new__(klass, func, *args, **kw):
    if isinstance(func, functools.partial):  # stop partial from merging its arguments
      original, func = func, _HashableCallableShim(func)
      out = super().__new__(klass, func, *args, **kw)
      func.func, func.args, func.keywords = original.func, original.args, original.keywords
      return out
    return super().__new__(klass, func, *args, **kw)


Partial.__module__ = "numjax.tree_util"
register_pytree_node(Partial, lambda p: ((p.args, p.keywords), p.func),
                     lambda func, xs: Partial(func, *xs[0], **xs[1]))


# --- structural error messages ------------------------------------------------

def _child_keys(tree: Any) -> KeyPath:
  return tuple(k for k, _ in flatten_one_level_with_keys(tree)[0])


def prefix_errors(prefix_tree: Any, full_tree: Any,
                  is_leaf: Callable[[Any], bool] | None = None
                  ) -> list[Callable[[str], ValueError]]:
  """Describes why ``prefix_tree`` is not a tree prefix of ``full_tree``."""
  return list(_prefix_error((), prefix_tree, full_tree, is_leaf))


def _prefix_error(key_path, prefix_tree, full_tree, is_leaf=None):
  if treedef_is_strict_leaf(tree_structure(prefix_tree, is_leaf)):
    return
  head = lambda what, name: (f"pytree structure error: different {what} at key path\n"
                             f"    {name}{keystr(key_path)}\n"
                             f"At that key path, the prefix pytree {name} has a subtree of type")
  if type(prefix_tree) != type(full_tree):
    yield lambda name: ValueError(
        f"{head('types', name)}\n    {type(prefix_tree)}\n"
        "but at the same key path the full pytree has a subtree of different type\n"
        f"    {type(full_tree)}.")
    return
  p_children, p_meta = flatten_one_level(prefix_tree)
  f_children, f_meta = flatten_one_level(full_tree)
  p_children, f_children = tuple(p_children), tuple(f_children)
  p_keys, f_keys = _child_keys(prefix_tree), _child_keys(full_tree)
  if isinstance(prefix_tree, (list, tuple)):
    if len(prefix_tree) != len(full_tree):
      ty = type(prefix_tree).__name__
      yield lambda name: ValueError(
          f"{head(f'lengths of {ty}', name)} {ty} of length {len(prefix_tree)}, but the full "
          f"pytree has a subtree of the same type but of length {len(full_tree)}.")
      return
  elif len(p_children) != len(f_children):
    try:
      diff = set(p_keys).symmetric_difference(set(f_keys))
    except Exception:
      diff = None
    keys = lambda ks: " ".join(keystr((k,), simple=True) for k in ks)
    yield lambda name: ValueError(
        f"{head('numbers of pytree children', name)}\n    {type(prefix_tree)}\n"
        f"with {len(p_children)} child keys\n    {keys(p_keys)}\n"
        "but at the same key path the full pytree has a subtree of the same type but with "
        f"{len(f_children)} child keys\n    {keys(f_keys)}\n"
        + ("" if diff is None else f"so the symmetric difference on key sets is\n    {keys(diff)}"))
    return
  if p_meta != f_meta:
    p_str, f_str = str(p_meta), str(f_meta)
    meta_diff = textwrap.indent(
        "\n".join(difflib.ndiff(p_str.splitlines(), f_str.splitlines())), prefix="    ")
    yield lambda name: ValueError(
        f"{head('pytree metadata', name)}\n    {type(prefix_tree)}\n"
        f"with metadata\n    {p_str}\n"
        "but at the same key path the full pytree has a subtree of the same type but with "
        f"metadata\n    {f_str}\n"
        f"so the diff in the metadata at these pytree nodes is\n{meta_diff}")
    return
  for k, t1, t2 in zip(p_keys, p_children, f_children):
    yield from _prefix_error((*key_path, k), t1, t2)



# ----------------------------------------------------------------------------------------------
# The users' view: some types are pytree nodes for numjax's transformations (which carry their
# data through jit, vmap, scan, ...) but leaves for users, as JAX's typed PRNG key arrays are.
# `numjax.tree_util` / `numjax.tree` export the functions below, which treat them as leaves.
# ----------------------------------------------------------------------------------------------
_user_leaf_types: tuple = ()


def register_user_leaf(cls: type) -> None:
  """Make `cls` (a registered pytree node) a leaf of the public tree functions."""
  global _user_leaf_types
  _user_leaf_types = _user_leaf_types + (cls,)


def _public(fn: Callable) -> Callable:
  import inspect
  params = inspect.signature(fn).parameters
  names = list(params)
  pos = names.index("is_leaf")
  positional = params["is_leaf"].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD

  def combine(is_leaf, takes_path):
    types = _user_leaf_types
    if not types:
      return is_leaf
    if is_leaf is None:
      return (lambda _, x: isinstance(x, types)) if takes_path else \
          (lambda x: isinstance(x, types))
    if takes_path:
      return lambda p, x: isinstance(x, types) or is_leaf(p, x)
    return lambda x: isinstance(x, types) or is_leaf(x)

  @functools.wraps(fn)
  def wrapped(*args, **kwargs):
    takes_path = kwargs.get("is_leaf_takes_path", False)
    if positional and len(args) > pos:
      args = list(args)
      args[pos] = combine(args[pos], takes_path)
    else:
      kwargs["is_leaf"] = combine(kwargs.get("is_leaf"), takes_path)
    return fn(*args, **kwargs)
  return wrapped


public_tree_flatten = _public(tree_flatten)
public_tree_leaves = _public(tree_leaves)
public_tree_structure = _public(tree_structure)
public_tree_map = _public(tree_map)
public_tree_flatten_with_path = _public(tree_flatten_with_path)
public_tree_leaves_with_path = _public(tree_leaves_with_path)
public_tree_map_with_path = _public(tree_map_with_path)
public_tree_reduce = _public(tree_reduce)
public_tree_reduce_associative = _public(tree_reduce_associative)
public_tree_all = _public(tree_all)
public_tree_broadcast = _public(tree_broadcast)
