"""The ``jax.tree`` namespace: short aliases of the pytree utilities."""
from numjax._src.tree_util import (
    tree_all as all,
    tree_broadcast as broadcast,
    tree_flatten as flatten,
    tree_flatten_with_path as flatten_with_path,
    tree_leaves as leaves,
    tree_leaves_with_path as leaves_with_path,
    tree_map as map,
    tree_map_with_path as map_with_path,
    tree_reduce as reduce,
    tree_reduce_associative as reduce_associative,
    tree_structure as structure,
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
