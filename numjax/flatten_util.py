"""`numjax.flatten_util.ravel_pytree`: a pytree of arrays as one flat vector and back.

    >>> flat, unravel = ravel_pytree({"w": jnp.ones((2, 2)), "b": jnp.zeros(2)})
    >>> flat.shape
    (6,)
    >>> unravel(flat)["w"].shape
    (2, 2)

The flat vector has the promoted dtype of the leaves (JAX's promotion of their dtypes, weak
types ignored); `unravel` restores every leaf's shape and dtype. Both are built from lax ops,
so they work under grad, vmap and jit; `unravel` is hashable (usable as a static argument).
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from numjax._src import dtypes
from numjax._src import tree_util as tu
from numjax._src.core import get_aval
from numjax._src.lax import lax

__all__ = ["ravel_pytree"]


def _leaf_dtype(x) -> np.dtype:
  return dtypes.dtype_and_weak(x)[0]


class _Unravel:
  """unravel(flat) -> pytree; equal (and hash-equal) for equal structure, shapes and dtypes."""
  __slots__ = ("treedef", "sizes", "shapes", "from_dtypes", "to_dtype")

  def __init__(self, treedef, sizes, shapes, from_dtypes, to_dtype):
    self.treedef = treedef
    self.sizes = sizes
    self.shapes = shapes
    self.from_dtypes = from_dtypes
    self.to_dtype = to_dtype

  def _key(self):
    return (self.treedef, self.sizes, self.shapes, self.from_dtypes, self.to_dtype)

  def __eq__(self, other):
    return type(other) is _Unravel and self._key() == other._key()

  def __hash__(self):
    return hash(self._key())

  def __repr__(self):
    return f"<unravel_pytree for {self.treedef}>"

  def __call__(self, flat) -> Any:
    if not self.sizes:
      return tu.tree_unflatten(self.treedef, [])
    flat = lax.asarray(flat)
    aval = get_aval(flat)
    if self.from_dtypes is not None and aval.dtype != self.to_dtype:
      raise TypeError(f"unravel function given array of dtype {aval.dtype}, but expected "
                      f"dtype {self.to_dtype}")
    total = sum(self.sizes)
    if aval.shape != (total,):
      raise ValueError(f"The unravel function expected an array of shape {(total,)}, got "
                       f"shape {aval.shape}.")
    leaves = []
    start = 0
    for i, (size, shape) in enumerate(zip(self.sizes, self.shapes)):
      chunk = lax.reshape(lax.slice(flat, (start,), (start + size,)), shape)
      if self.from_dtypes is not None:
        dt = self.from_dtypes[i]
        if dt.kind != "c" and get_aval(chunk).dtype.kind == "c":
          chunk = lax.real(chunk)
        chunk = lax.convert_element_type(chunk, dt)
      leaves.append(chunk)
      start += size
    return tu.tree_unflatten(self.treedef, leaves)


def ravel_pytree(pytree: Any) -> tuple[Any, Callable[[Any], Any]]:
  """Flatten and concatenate the leaves of `pytree` into one 1-D array.

  Returns `(flat, unravel)`: `flat` has the promoted dtype of the leaves (an empty float32
  array when there are none) and `unravel(flat)` rebuilds the pytree with the original
  shapes and dtypes.
  """
  leaves, treedef = tu.tree_flatten(pytree)
  if not leaves:
    return lax.full((0,), 0, np.float32), _Unravel(treedef, (), (), None, None)
  from_dtypes = tuple(_leaf_dtype(l) for l in leaves)
  to_dtype = dtypes.result_type(*from_dtypes)
  shapes = tuple(tuple(np.shape(l)) if not hasattr(l, "shape") else tuple(l.shape)
                 for l in leaves)
  sizes = tuple(math.prod(s) for s in shapes)
  same = all(dt == to_dtype for dt in from_dtypes)
  pieces = []
  for leaf, size in zip(leaves, sizes):
    x = lax.asarray(leaf)
    if not same:
      x = lax.convert_element_type(x, to_dtype)
    pieces.append(lax.reshape(x, (size,)))
  flat = lax.concatenate(pieces, 0)
  return flat, _Unravel(treedef, sizes, shapes, None if same else from_dtypes, to_dtype)
