"""(e) One MLP training step, jitted: `jit(value_and_grad(loss))` for a 784-512-512-10 tanh
network with softmax cross-entropy, batch 128, float32 — vs a hand-written NumPy forward and
backward pass (target: within 1.1x) and JAX's jitted step.
(f) The first call of a freshly built jitted step (trace + differentiate + optimize + compile),
vs JAX's.

The loss is written with basic jnp ops (dot, tanh, max, exp, log, sum, mean) so the same source
runs on numjax and JAX.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

SIZES = (784, 512, 512, 10)
BATCH = 128

SETUP = f'''
import numpy as np
SIZES, BATCH = {SIZES}, {BATCH}

def make_loss():
  def loss(params, x, y):
    h = x
    for w, b in params[:-1]:
      h = jnp.tanh(jnp.dot(h, w) + b)
    w, b = params[-1]
    logits = jnp.dot(h, w) + b
    z = logits - jnp.max(logits, axis=1, keepdims=True)
    logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
    return -jnp.mean(jnp.sum(logp * y, axis=1))
  return loss

rng = np.random.default_rng(0)
np_params = [(rng.standard_normal((m, n)).astype(np.float32) / np.float32(np.sqrt(m)),
              np.zeros(n, np.float32)) for m, n in zip(SIZES[:-1], SIZES[1:])]
np_x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
np_y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], BATCH)]
params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in np_params]
x, y = jnp.asarray(np_x), jnp.asarray(np_y)

def make_step():
  return jax.jit(jax.value_and_grad(make_loss()))
'''

JAX_SNIPPET = "import jax, jax.numpy as jnp\n" + SETUP + '''
step = make_step()
FNS = {"call": lambda: jax.block_until_ready(step(params, x, y))}
FIRST = {"first": lambda: (lambda f: lambda: jax.block_until_ready(f(params, x, y)))(make_step())}
'''


def numpy_step(params, x, y):
  """The same loss and its gradient, written by hand in NumPy."""
  import numpy as np
  hs = [x]
  for w, b in params[:-1]:
    hs.append(np.tanh(hs[-1] @ w + b))
  w, b = params[-1]
  logits = hs[-1] @ w + b
  z = logits - logits.max(axis=1, keepdims=True)
  e = np.exp(z)
  s = e.sum(axis=1, keepdims=True)
  logp = z - np.log(s)
  n = x.shape[0]
  loss = -np.mean(np.sum(logp * y, axis=1))
  delta = (e / s - y) / np.float32(n)
  grads = []
  for i in range(len(params) - 1, -1, -1):
    w, _ = params[i]
    h = hs[i]
    grads.append((h.T @ delta, delta.sum(axis=0)))
    if i:
      delta = (delta @ w.T) * (1 - h * h)
  return loss, grads[::-1]


def main(quick: bool = False):
  import numpy as np
  import numjax as jax
  import numjax.numpy as jnp

  C.print_machine_once()
  ns = {"jax": jax, "jnp": jnp}
  exec(SETUP, ns)
  step, params, x, y = ns["make_step"](), ns["params"], ns["x"], ns["y"]
  np_params, np_x, np_y = ns["np_params"], ns["np_x"], ns["np_y"]

  val, grads = step(params, x, y)
  want_val, want_grads = numpy_step(np_params, np_x, np_y)
  np.testing.assert_allclose(float(val), want_val, rtol=1e-5)
  for (gw, gb), (ww, wb) in zip(grads, want_grads):
    np.testing.assert_allclose(np.asarray(gw), ww, rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(np.asarray(gb), wb, rtol=1e-3, atol=1e-6)

  with C.Peer("jax", JAX_SNIPPET) as jax:
    call = C.best_times({"numjax": lambda: step(params, x, y),
                         "numpy": lambda: numpy_step(np_params, np_x, np_y),
                         "jax": jax.timer("call")}, quick)
    with C.blas_threads(1):  # steadier on a small machine shared with other jobs
      call1 = C.best_times({"numjax": lambda: step(params, x, y),
                            "numpy": lambda: numpy_step(np_params, np_x, np_y),
                            "jax": jax.timer("call")}, quick)
      # The first call runs one step too: with one BLAS thread, so that a peer's compiler
      # threads still winding down do not stall a two-thread GEMM.
      first = C.first_call_times(
          {"numjax": lambda: (lambda f: lambda: f(params, x, y))(ns["make_step"]()),
           "jax": jax.first("first")}, trials=3 if quick else 5)

  t = C.Table(f"MLP {'-'.join(map(str, SIZES))} tanh, softmax cross-entropy, batch {BATCH}, "
              "f32: jit(value_and_grad(loss))")
  t.add("(e) training step", call,
        [("numjax", "numpy", 1.1, "numjax / numpy (target <= 1.1)"),
         ("numjax", "jax", None, "numjax / jax jitted")])
  t.add("(e) training step, 1 BLAS thread", call1,
        [("numjax", "numpy", 1.1, "numjax / numpy (target <= 1.1)"),
         ("numjax", "jax", None, "numjax / jax jitted (JAX's threads unchanged)")])
  t.add("(f) first call (trace + compile + 1 step)", first,
        [("numjax", "jax", 1.0, "numjax / jax (target <= 1)")])
  rows = t.print()
  C.jit_profile(step, (params, x, y), quick)
  return rows


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
