"""Utilities for pytrees: nested containers of leaves (numjax's ``jax.tree_util``)."""
from numjax._src.tree_util import (
    DictKey as DictKey,
    FlattenedIndexKey as FlattenedIndexKey,
    GetAttrKey as GetAttrKey,
    KeyEntry as KeyEntry,
    KeyPath as KeyPath,
    Partial as Partial,
    PyTreeDef as PyTreeDef,
    SequenceKey as SequenceKey,
    all_leaves as all_leaves,
    flatten_one_level as flatten_one_level,
    flatten_one_level_with_keys as flatten_one_level_with_keys,
    is_tree_node as is_tree_node,
    keystr as keystr,
    register_dataclass as register_dataclass,
    register_pytree_node as register_pytree_node,
    register_pytree_node_class as register_pytree_node_class,
    register_pytree_with_keys as register_pytree_with_keys,
    register_pytree_with_keys_class as register_pytree_with_keys_class,
    register_static as register_static,
    public_tree_all as tree_all,
    public_tree_broadcast as tree_broadcast,
    public_tree_flatten as tree_flatten,
    public_tree_flatten_with_path as tree_flatten_with_path,
    public_tree_leaves as tree_leaves,
    public_tree_leaves_with_path as tree_leaves_with_path,
    public_tree_map as tree_map,
    public_tree_map_with_path as tree_map_with_path,
    public_tree_reduce as tree_reduce,
    public_tree_reduce_associative as tree_reduce_associative,
    public_tree_structure as tree_structure,
    tree_transpose as tree_transpose,
    tree_unflatten as tree_unflatten,
    treedef_children as treedef_children,
    treedef_is_leaf as treedef_is_leaf,
    treedef_tuple as treedef_tuple,
)


class PyTreeRegistry:
  """The registry of pytree node types, as an object (JAX's `default_registry`): its methods
  are the module-level functions over numjax's one global registry."""

  def flatten(self, tree, leaf_predicate=None):
    """`(leaves, treedef)` of `tree`; `leaf_predicate(x)` True stops at `x`."""
    return tree_flatten(tree, is_leaf=leaf_predicate)

  def flatten_one_level(self, tree):
    """`(children, aux_data)` of a node, or None for a leaf."""
    try:
      return flatten_one_level(tree)
    except ValueError:
      return None

  def flatten_one_level_with_keys(self, tree):
    try:
      return flatten_one_level_with_keys(tree)
    except ValueError:
      return None

  def flatten_with_path(self, tree, leaf_predicate=None):
    """`(list of (key path, leaf), treedef)` of `tree`."""
    return tree_flatten_with_path(tree, is_leaf=leaf_predicate)

  def is_node(self, typ) -> bool:
    return is_tree_node(typ)

  def register_node(self, type, to_iterable, from_iterable, to_iterable_with_keys=None):
    """`register_pytree_node(type, to_iterable, from_iterable, to_iterable_with_keys)`."""
    register_pytree_node(type, to_iterable, from_iterable, to_iterable_with_keys)

  def register_dataclass_node(self, type, data_fields, meta_fields, drop_fields=()):
    register_dataclass(type, data_fields, meta_fields, drop_fields)

  def __repr__(self):
    return f"<numjax PyTreeRegistry object at {hex(id(self))}>"


default_registry = PyTreeRegistry()
