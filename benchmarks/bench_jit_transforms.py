"""(g) Transformations of a jitted function: `grad(jit(loss))` for a small tanh MLP (64-128-10,
batch 32) — JAX stages and compiles the derived (JVP, known/unknown split, transposed) jaxprs;
so does numjax — against JAX's `grad(jit(loss))` (target: at most half its time) and, for
information, against `jit(grad(loss))` in numjax (the price of the un-jitted grad machinery).
(h) `vmap(jit(f))` over 32 rows against JAX's (target: at most half its time).
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

SETUP = '''
import numpy as np
rng = np.random.default_rng(0)
W1 = jnp.asarray(rng.standard_normal((64, 128)).astype(np.float32) / 8)
W2 = jnp.asarray(rng.standard_normal((128, 10)).astype(np.float32) / 11)
x = jnp.asarray(rng.standard_normal((32, 64)).astype(np.float32))
y = jnp.asarray(rng.standard_normal((32, 10)).astype(np.float32))
params = (W1, W2)

def loss(p, x, y):
  h = jnp.tanh(x @ p[0])
  return jnp.mean((h @ p[1] - y) ** 2)

grad_of_jit = jax.grad(jax.jit(loss))
jit_of_grad = jax.jit(jax.grad(loss))
row = jax.jit(lambda v: jnp.sum(jnp.tanh(v @ W1)))
vmap_of_jit = jax.vmap(row)
'''

JAX_SNIPPET = "import jax, jax.numpy as jnp\n" + SETUP + '''
FNS = {"grad_of_jit": lambda: jax.block_until_ready(grad_of_jit(params, x, y)),
       "jit_of_grad": lambda: jax.block_until_ready(jit_of_grad(params, x, y)),
       "vmap_of_jit": lambda: jax.block_until_ready(vmap_of_jit(x))}
'''


def main(quick: bool = False):
  import numpy as np
  import numjax as jax
  import numjax.numpy as jnp

  C.print_machine_once()
  ns = {"jax": jax, "jnp": jnp}
  exec(SETUP, ns)
  g1 = ns["grad_of_jit"](ns["params"], ns["x"], ns["y"])
  g2 = ns["jit_of_grad"](ns["params"], ns["x"], ns["y"])
  for a, b in zip(g1, g2):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-6)
  args = (ns["params"], ns["x"], ns["y"])
  with C.Peer("jax", JAX_SNIPPET) as peer:
    gj = C.best_times({"numjax": lambda: ns["grad_of_jit"](*args),
                       "numjax jit(grad)": lambda: ns["jit_of_grad"](*args),
                       "jax": peer.timer("grad_of_jit")}, quick)
    vj = C.best_times({"numjax": lambda: ns["vmap_of_jit"](ns["x"]),
                       "jax": peer.timer("vmap_of_jit")}, quick)

  t = C.Table("transformations of jitted functions", ("numjax", "numjax jit(grad)", "jax"))
  t.add("(g) grad(jit(loss)), MLP 64-128-10, batch 32", gj,
        [("numjax", "jax", 0.5, "numjax / jax, grad of jit (target <= 0.5)"),
         ("numjax", "numjax jit(grad)", None, "numjax grad of jit / numjax jit of grad")])
  t.add("(h) vmap(jit(f)), 32 rows", vj, [("numjax", "jax", 0.5, "numjax / jax (target <= 0.5)")])
  return t.print()


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
