"""`numjax.scipy.cluster.vq`: vector quantisation (`jax.scipy.cluster.vq.vq`).

    >>> vq(jnp.array([[0., 0.], [2., 2.5]]), jnp.array([[0., 0.], [2., 2.]]))
    (Array([0, 1], dtype=int32), Array([0. , 0.5], dtype=float32))
"""
from __future__ import annotations

from numjax._src.api import vmap
import numjax.numpy as jnp
from numjax._src.numpy import linalg as jnp_linalg
from numjax._src.numpy.util import check_arraylike, promote_dtypes_inexact

__all__ = ["vq"]


def vq(obs, code_book, check_finite: bool = True):
  """Assign each observation (row of `obs`) to its nearest code (row of `code_book`).

  Returns ``(code, dist)``: the index of the nearest code and the Euclidean distance to it.
  `check_finite` is accepted for SciPy compatibility and ignored.
  """
  del check_finite
  check_arraylike("scipy.cluster.vq.vq", obs, code_book)
  obs, book = promote_dtypes_inexact(jnp.asarray(obs), jnp.asarray(code_book))
  if obs.ndim != book.ndim:
    raise ValueError("Observation and code_book should have the same rank")
  if obs.ndim == 1:
    obs, book = obs[..., None], book[..., None]
  if obs.ndim != 2:
    raise ValueError("ndim different than 1 or 2 are not supported")
  dist = vmap(lambda ob: jnp_linalg.norm(ob[None] - book, axis=-1))(obs)
  code = jnp.argmin(dist, axis=-1)
  return code, vmap(lambda d, c: d[c])(dist, code)
