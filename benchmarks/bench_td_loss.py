"""(d) Per-example TD-loss gradients, jitted: `jit(vmap(grad(td_loss), in_axes=(None,0,0,0)))`
(the autodiff cookbook's stop-gradient cell: theta f32[3], a batch of 2 transitions), per call,
vs the same on JAX (jitted) and a hand-written NumPy equivalent.
(f) The first call of a freshly built jitted function (trace + optimize + compile), vs JAX's.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

SETUP = '''
value_fn = lambda theta, state: jnp.dot(theta, state)

def make_td_loss():
  def td_loss(theta, s_tm1, r_t, s_t):
    v_tm1 = value_fn(theta, s_tm1)
    target = r_t + value_fn(theta, s_t)
    return -0.5 * ((jax.lax.stop_gradient(target) - v_tm1) ** 2)
  return td_loss

theta = jnp.array([0.1, -0.1, 0.])
s_tm1 = jnp.array([1., 2., -1.])
r_t = jnp.array(1.)
s_t = jnp.array([2., 1., 0.])
batched = (jnp.stack([s_tm1, s_tm1]), jnp.stack([r_t, r_t]), jnp.stack([s_t, s_t]))

def make_perex():
  return jax.jit(jax.vmap(jax.grad(make_td_loss()), in_axes=(None, 0, 0, 0)))
'''

JAX_SNIPPET = "import jax, jax.numpy as jnp\n" + SETUP + '''
perex = make_perex()
FNS = {"call": lambda: perex(theta, *batched).block_until_ready()}
FIRST = {"first": lambda: (lambda f: lambda: f(theta, *batched).block_until_ready())(make_perex())}
'''


def main(quick: bool = False):
  import numpy as np
  import numjax as jax
  import numjax.numpy as jnp

  C.print_machine_once()
  ns = {"jax": jax, "jnp": jnp}
  exec(SETUP, ns)
  perex, theta, batched = ns["make_perex"](), ns["theta"], ns["batched"]

  th = np.asarray(theta)
  bs = [np.asarray(b) for b in batched]

  def np_perex(theta, s_tm1, r_t, s_t):  # d/dtheta of -0.5 (sg(r + s_t.theta) - s_tm1.theta)^2
    delta = r_t + s_t @ theta - s_tm1 @ theta
    return delta[:, None] * s_tm1

  np.testing.assert_allclose(np.asarray(perex(theta, *batched)), np_perex(th, *bs), rtol=1e-6)
  with C.Peer("jax", JAX_SNIPPET) as jax:
    call = C.best_times({"numjax": lambda: perex(theta, *batched),
                         "numpy": lambda: np_perex(th, *bs), "jax": jax.timer("call")}, quick)
    first = C.first_call_times(
        {"numjax": lambda: (lambda f: lambda: f(theta, *batched))(ns["make_perex"]()),
         "jax": jax.first("first")}, trials=3 if quick else 7)

  t = C.Table("jit(vmap(grad(td_loss))), theta f32[3], batch 2")
  t.add("(d) per call", call,
        [("numjax", "jax", 1.0, "numjax / jax jitted (target <= 1)"),
         ("numjax", "numpy", None, "numjax / numpy")])
  t.add("(f) first call (trace + compile)", first,
        [("numjax", "jax", 1.0, "numjax / jax (target <= 1)")])
  rows = t.print()
  C.jit_profile(perex, (theta, *batched), quick)
  return rows


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
