"""`jnp.einsum` and `jnp.einsum_path`: Einstein summation by pairwise `dot_general`s.

The contraction order comes from a greedy search (the path opt_einsum calls "greedy"): at
each step contract the pair of operands whose result removes the most memory, preferring pairs
that share an index. Each pairwise contraction is one `dot_general` whose batch dimensions are
the shared indices still needed later and whose contracting dimensions are the shared indices
needed nowhere else; indices that appear in a single operand and not in the output are summed
first, repeated indices within one operand take a diagonal.

    >>> jnp.einsum("ij,jk->ik", a, b)        # matmul
    >>> jnp.einsum("bij,bjk,bkl->bil", x, y, z, optimize="greedy")
"""
from __future__ import annotations

import math
import string
from typing import Sequence

import numpy as np

from numjax._src import dtypes
from numjax._src.lax import lax
from numjax._src.numpy import lax_numpy as jnp
from numjax._src.numpy.util import check_arraylike, dtype_of, promote_dtypes, shape_of

_LETTERS = string.ascii_letters


# ----------------------------------------------------------------------------------------------
# Parsing
# ----------------------------------------------------------------------------------------------
def _sublist_to_str(sub) -> str:
  if not isinstance(sub, (list, tuple)):
    raise TypeError(f"einsum: the first argument must be a subscripts string, or operands must "
                    f"alternate with sublists of ints (the interleaved form); got a sublist "
                    f"{sub!r} of type {type(sub).__name__}.")
  out = []
  for s in sub:
    if s is Ellipsis:
      out.append("...")
    else:
      if not isinstance(s, (int, np.integer)):
        raise TypeError(f"einsum: sublists must contain ints or Ellipsis, got {s!r}.")
      s = int(s)
      if not 0 <= s < len(_LETTERS):
        raise ValueError(f"subscript in einsum sublist must be in [0, {len(_LETTERS)}), got {s}")
      out.append(_LETTERS[s])
  return "".join(out)


def _interleaved(args) -> tuple[str, list]:
  """(op0, sub0, op1, sub1, ..., [out_sub]) -> (subscripts string, operands)."""
  args = list(args)
  ops, subs = args[0::2], args[1::2]
  out = None
  if len(ops) > len(subs):
    out = ops.pop()  # trailing output sublist
  spec = ",".join(_sublist_to_str(s) for s in subs)
  if out is not None:
    spec += "->" + _sublist_to_str(out)
  return spec, ops


def _parse(subscripts: str, shapes: Sequence[tuple]) -> tuple[list[str], str]:
  """Input terms and output term with ellipses expanded to fresh letters."""
  spec = subscripts.replace(" ", "")
  if "->" in spec:
    lhs, out = spec.split("->")
    if "->" in out:
      raise ValueError("einsum subscripts may contain '->' only once")
  else:
    lhs, out = spec, None
  terms = lhs.split(",")
  if len(terms) != len(shapes):
    raise ValueError(f"einsum: {len(terms)} input subscripts given for {len(shapes)} operands "
                     f"(subscripts {subscripts!r}).")
  used = set(c for c in spec if c.isalpha())
  for c in spec:
    if not (c.isalpha() or c in ",.->"):
      raise ValueError(f"einsum: invalid subscript {c!r} in {subscripts!r}; subscripts must "
                       "be letters.")
  fresh = [c for c in _LETTERS if c not in used]
  n_ell = 0
  for term, shape in zip(terms, shapes):
    if "..." in term:
      n_ell = max(n_ell, len(shape) - (len(term) - 3))
  ell = "".join(fresh[:n_ell])
  expanded = []
  for term, shape in zip(terms, shapes):
    if "..." in term:
      k = len(shape) - (len(term) - 3)
      if k < 0:
        raise ValueError(f"einsum: operand with shape {shape} has fewer dimensions than "
                         f"subscripts {term!r}.")
      term = term.replace("...", ell[n_ell - k:] if k else "")
    if "." in term:
      raise ValueError(f"einsum: invalid ellipsis in subscripts {subscripts!r}")
    if len(term) != len(shape):
      raise ValueError(f"einsum: subscripts {term!r} have {len(term)} indices for an operand "
                       f"of rank {len(shape)} (shape {shape}).")
    expanded.append(term)
  if out is None:
    counts = {}
    for term in expanded:
      for c in term:
        counts[c] = counts.get(c, 0) + 1
    out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
  else:
    if out.count("...") > 1:
      raise ValueError("einsum: output subscripts may contain '...' only once")
    out = out.replace("...", ell)
    if "." in out:
      raise ValueError(f"einsum: invalid ellipsis in output subscripts of {subscripts!r}")
    seen = set()
    all_in = set("".join(expanded))
    for c in out:
      if c in seen:
        raise ValueError(f"einsum: output subscript {c!r} appears more than once")
      if c not in all_in:
        raise ValueError(f"einsum: output subscript {c!r} does not appear in the inputs")
      seen.add(c)
  return expanded, out


def _label_sizes(terms, shapes) -> dict:
  sizes: dict[str, int] = {}
  for term, shape in zip(terms, shapes):
    for c, d in zip(term, shape):
      old = sizes.get(c)
      if old is None or old == 1:
        sizes[c] = d
      elif d != 1 and d != old:
        raise ValueError(f"einsum: index {c!r} has inconsistent sizes {old} and {d} "
                         f"(shapes {list(shapes)}).")
  return sizes


# ----------------------------------------------------------------------------------------------
# Paths
# ----------------------------------------------------------------------------------------------
def _size(labels, sizes) -> int:
  return math.prod(sizes[c] for c in labels)


def _greedy_path(terms: list[str], out: str, sizes: dict) -> list[tuple]:
  terms = [set(t) for t in terms]
  path = []
  while len(terms) > 1:
    best = None
    for i in range(len(terms)):
      for j in range(i + 1, len(terms)):
        others = set(out).union(*[t for k, t in enumerate(terms) if k not in (i, j)])
        result = (terms[i] | terms[j]) & others
        shares = bool(terms[i] & terms[j])
        removed = _size(result, sizes) - _size(terms[i], sizes) - _size(terms[j], sizes)
        flops = _size(terms[i] | terms[j], sizes)
        key = (not shares, removed if shares else _size(terms[i], sizes) + _size(terms[j], sizes),
               flops, i, j)
        if best is None or key < best[0]:
          best = (key, i, j, result)
    _, i, j, result = best
    path.append((i, j))
    terms = [t for k, t in enumerate(terms) if k not in (i, j)] + [result]
  return path


def _pair_flops(a: set, b: set, result: set, sizes) -> int:
  union = a | b
  return _size(union, sizes) * (2 if union - result else 1)


def _optimal_path(terms: list[str], out: str, sizes: dict) -> list[tuple]:
  """Exhaustive search for the pairwise order with the fewest flops (few operands only)."""
  best = [None, None]

  def search(cur, path, cost):
    if best[0] is not None and cost >= best[0]:
      return
    if len(cur) == 1:
      best[0], best[1] = cost, list(path)
      return
    for i in range(len(cur)):
      for j in range(i + 1, len(cur)):
        others = set(out).union(*[t for k, t in enumerate(cur) if k not in (i, j)])
        result = (cur[i] | cur[j]) & others
        step = _pair_flops(cur[i], cur[j], result, sizes)
        nxt = [t for k, t in enumerate(cur) if k not in (i, j)] + [result]
        search(nxt, path + [(i, j)], cost + step)
  search([set(t) for t in terms], [], 0)
  return best[1]


def _resolve_path(optimize, terms, out, sizes) -> list[tuple]:
  n = len(terms)
  if n <= 1:
    return [(0,)] if n == 1 else []
  if optimize is False or optimize is None or optimize == "no-optimize":
    return [tuple(range(n))]
  if optimize in ("optimal", "dp", "branch-all") or (
      optimize in (True, "auto", "auto-hq") and n <= 4):
    return _optimal_path(terms, out, sizes) if n <= 6 else _greedy_path(terms, out, sizes)
  if optimize is True or optimize in ("auto", "greedy", "branch-2", "auto-hq", "eager",
                                      "random-greedy"):
    return _greedy_path(terms, out, sizes)
  if isinstance(optimize, (list, tuple)):
    steps = [tuple(int(i) for i in s) for s in optimize if s != "einsum_path"]
    remaining = n
    for s in steps:
      if any(not 0 <= i < remaining for i in s) or len(set(s)) != len(s):
        raise ValueError(f"einsum: invalid contraction {s} in path {optimize!r} with "
                         f"{remaining} operands remaining.")
      remaining -= len(s) - 1
    if remaining != 1:
      raise ValueError(f"einsum: path {optimize!r} leaves {remaining} operands uncontracted.")
    return steps
  raise ValueError(f"einsum: unknown optimize option {optimize!r}; use 'auto', 'greedy', "
                   "True, False or an explicit path.")


# ----------------------------------------------------------------------------------------------
# Contraction
# ----------------------------------------------------------------------------------------------
def _take_diagonals(x, labels: str):
  """Collapse repeated labels of one operand to their diagonal."""
  while len(set(labels)) != len(labels):
    c = next(ch for ch in labels if labels.count(ch) > 1)
    i = labels.index(c)
    j = labels.index(c, i + 1)
    n = shape_of(x)[i]
    shape = [1] * len(labels)
    shape[i] = shape[j] = n
    mask = jnp.reshape(jnp.eye(n, dtype=bool), shape)
    x = jnp.where(mask, x, jnp.zeros_like(x))
    x = lax.reduce_sum(x, (j,))
    labels = labels[:j] + labels[j + 1:]
  return x, labels


def _sum_labels(x, labels: str, drop: set):
  axes = tuple(i for i, c in enumerate(labels) if c in drop)
  if not axes:
    return x, labels
  return lax.reduce_sum(x, axes), "".join(c for c in labels if c not in drop)


def _squeeze_broadcast(x, labels: str, sizes: dict):
  """Remove size-1 axes whose index is larger elsewhere (NumPy broadcasting)."""
  shape = shape_of(x)
  axes = tuple(i for i, c in enumerate(labels) if shape[i] == 1 and sizes[c] != 1)
  if not axes:
    return x, labels
  return lax.squeeze(x, axes), "".join(c for i, c in enumerate(labels) if i not in axes)


def _contract_pair(a, la: str, b, lb: str, keep: set, pet, precision):
  a, la = _sum_labels(a, la, set(la) - set(lb) - keep)
  b, lb = _sum_labels(b, lb, set(lb) - set(la) - keep)
  shared = [c for c in la if c in lb]
  batch = [c for c in shared if c in keep]
  contract = [c for c in shared if c not in keep]
  dn = ((tuple(la.index(c) for c in contract), tuple(lb.index(c) for c in contract)),
        (tuple(la.index(c) for c in batch), tuple(lb.index(c) for c in batch)))
  out = lax.dot_general(a, b, dn, precision=precision,
                        preferred_element_type=dtype_of(a) if pet is None else pet)
  labels = ("".join(batch) + "".join(c for c in la if c not in shared)
            + "".join(c for c in lb if c not in shared))
  return out, labels


def _einsum(operands, terms, out, path, sizes, pet, precision=None):
  ops = []
  for x, t in zip(operands, terms):
    x, t = _take_diagonals(x, t)
    x, t = _squeeze_broadcast(x, t, sizes)
    ops.append((x, t))
  # Sum indices that occur in one operand only and not in the output.
  for k, (x, t) in enumerate(ops):
    elsewhere = set(out).union(*[set(u) for m, (_, u) in enumerate(ops) if m != k])
    ops[k] = _sum_labels(x, t, set(t) - elsewhere)
  for step in path:
    picked = [ops[i] for i in step]
    rest = [o for k, o in enumerate(ops) if k not in step]
    x, t = picked[0]
    for m, (y, u) in enumerate(picked[1:], start=1):
      later = [v for _, v in picked[m + 1:]] + [v for _, v in rest]
      keep = set(out).union(*[set(v) for v in later])
      x, t = _contract_pair(x, t, y, u, keep, pet, precision)
    ops = rest + [(x, t)]
  (x, t), = ops
  x, t = _sum_labels(x, t, set(t) - set(out))
  # Output indices of size 1 that were squeezed away as broadcast dimensions.
  missing = [c for c in out if c not in t]
  if missing:
    x = lax.expand_dims(x, tuple(range(len(missing))))
    t = "".join(missing) + t
  perm = tuple(t.index(c) for c in out)
  x = lax.transpose(x, perm)
  shape = tuple(sizes[c] for c in out)
  if shape_of(x) != shape:
    x = jnp.broadcast_to(x, shape)
  return x


def _prepare(subscripts, operands):
  if not isinstance(subscripts, str):
    subscripts, operands = _interleaved((subscripts,) + tuple(operands))
  check_arraylike("einsum", *operands)
  shapes = [np.shape(o) if not hasattr(o, "shape") else tuple(o.shape) for o in operands]
  terms, out = _parse(subscripts, shapes)
  sizes = _label_sizes(terms, shapes)
  return subscripts, list(operands), terms, out, sizes


def einsum(subscripts, /, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None, out_sharding=None):
  """Einstein summation, contracted pairwise in a greedy order.

      >>> jnp.einsum("ij,j->i", jnp.ones((2, 3)), jnp.arange(3.))
      Array([3., 3.], dtype=float32)
  """
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
  subscripts, operands, terms, out_term, sizes = _prepare(subscripts, operands)
  arrays = promote_dtypes(*[jnp.asarray(o) for o in operands])
  pet = None
  if preferred_element_type is not None:
    pet = dtypes.canonicalize_dtype(preferred_element_type)
    arrays = [lax.convert_element_type(a, pet) for a in arrays]
  path = _resolve_path(optimize, terms, out_term, sizes)
  precision = lax.canonicalize_precision(precision)
  return _einsum(arrays, terms, out_term, path, sizes, pet, precision)


def einsum_path(subscripts, /, *operands, optimize="auto"):
  """The contraction path einsum would use: (list of index tuples, a printable summary)."""
  subscripts, operands, terms, out_term, sizes = _prepare(subscripts, operands)
  if optimize is False:
    optimize = "no-optimize"
  path = _resolve_path(optimize, terms, out_term, sizes)
  lines = [f"  Complete contraction:  {','.join(terms)}->{out_term}",
           f"  Optimized scaling:  {len(sizes)}",
           "  Contractions:"]
  cur = list(terms)
  for step in path:
    picked = [cur[i] for i in step]
    rest = [t for k, t in enumerate(cur) if k not in step]
    keep = set(out_term).union(*[set(t) for t in rest])
    result = "".join(c for c in dict.fromkeys("".join(picked)) if c in keep)
    lines.append(f"    {step}: {','.join(picked)}->{result}")
    cur = rest + [result]
  return list(path), "\n".join(lines)
