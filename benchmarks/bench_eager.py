"""Eager (un-jitted) dispatch: the cost of one small operation and of a small grad.

(a) `x + 1.0` on a float32[100] array: numjax vs NumPy's `x + 1.0` vs JAX's eager op
    (targets: within 5x of NumPy, well below JAX).
(b) `grad(lambda x: jnp.sin(x) * x)(1.)`: numjax vs autograd vs un-jitted JAX, with the
    hand-written derivative in NumPy as the floor (targets: within 3x of autograd, at least
    10x faster than JAX).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

N = 100

JAX_SNIPPET = f'''
import jax, jax.numpy as jnp
x = jnp.ones({N}, jnp.float32)
g = jax.grad(lambda x: jnp.sin(x) * x)
FNS = {{"add": lambda: (x + 1.0).block_until_ready(),
        "grad": lambda: g(1.).block_until_ready()}}
'''

AUTOGRAD_SNIPPET = '''
import autograd, autograd.numpy as anp
g = autograd.grad(lambda x: anp.sin(x) * x)
FNS = {"grad": lambda: g(1.)}
'''


def main(quick: bool = False):
  import numpy as np
  import numjax
  import numjax.numpy as jnp

  C.print_machine_once()
  x = jnp.ones(N, jnp.float32)
  xn = np.ones(N, np.float32)
  g = numjax.grad(lambda x: jnp.sin(x) * x)

  def np_grad(x):  # the hand-written derivative of sin(x) * x
    return np.cos(x) * x + np.sin(x)

  assert abs(float(g(1.)) - float(np_grad(np.float32(1.)))) < 1e-6
  with C.Peer("jax", JAX_SNIPPET) as jax, C.Peer("autograd", AUTOGRAD_SNIPPET) as ag:
    add = C.best_times({"numjax": lambda: x + 1.0, "numpy": lambda: xn + 1.0,
                        "jax": jax.timer("add")}, quick)
    grad = C.best_times({"numjax": lambda: g(1.), "numpy": lambda: np_grad(np.float32(1.)),
                         "jax": jax.timer("grad"), "autograd": ag.timer("grad")}, quick)

  t = C.Table("eager dispatch")
  t.add(f"(a) x + 1.0, x: f32[{N}]", add,
        [("numjax", "numpy", 5.0, "numjax / numpy (target <= 5)"),
         ("numjax", "jax", 0.5, "numjax / jax (target well below 1)")])
  t.add("(b) grad(sin(x) * x)(1.)", grad,
        [("numjax", "autograd", 3.0, "numjax / autograd (target <= 3)"),
         ("numjax", "jax", 0.1, "numjax / jax un-jitted (target <= 0.1)")])
  return t.print()


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
