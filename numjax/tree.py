"""The ``jax.tree`` namespace: short aliases of the pytree utilities."""
from numjax._src.tree_util import (
    public_tree_all as all,
    public_tree_broadcast as broadcast,
    public_tree_flatten as flatten,
    public_tree_flatten_with_path as flatten_with_path,
    public_tree_leaves as leaves,
    public_tree_leaves_with_path as leaves_with_path,
    public_tree_map as map,
    public_tree_map_with_path as map_with_path,
    public_tree_reduce as reduce,
    public_tree_reduce_associative as reduce_associative,
    public_tree_structure as structure,
    tree_transpose as transpose,
    tree_unflatten as unflatten,
)


def static(**kwargs):
  """A `dataclasses.field(**kwargs)` marked `metadata={'static': True}`: with
  `tree_util.register_dataclass`, that field is aux data rather than a child.

      @tree_util.register_dataclass
      @dataclasses.dataclass
      class Op:
        x: Array
        op: str = tree.static(default="add")
  """
  import dataclasses
  metadata = dict(kwargs.pop("metadata", None) or {})
  metadata["static"] = True
  return dataclasses.field(metadata=metadata, **kwargs)
