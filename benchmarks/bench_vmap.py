"""vmap against Python loops, un-jitted (JAX's advanced-autodiff tutorial and the cookbook).

The tutorial's logistic model `predict(W, b, inputs) = sigmoid(inputs @ W + b)`, W: f32[3],
inputs: f32[4, 3], f = lambda W: predict(W, b, inputs):
(a) matrix-Jacobian products: `vmap(vjp_fun)(U)` vs the loop `stack([vjp_fun(u)[0] for u in U])`,
    U: 128 covectors f32[128, 4];
(b) Jacobian-matrix products: `vmap(lambda s: jvp(f, (W,), (s,))[1])(S)` vs the loop over
    `jvp(f, (W,), (s,))[1]`, S: 128 vectors f32[128, 3].
Each on numjax and un-jitted JAX (vmap and loop), autograd's loop (it has no vmap), and the
closed form in NumPy (J = diag(s (1 - s)) inputs) as the floor.
The cookbook's per-example TD-loss gradients `vmap(grad(td_loss), in_axes=(None, 0, 0, 0))`,
un-jitted:
(c) the tutorial's batch (theta f32[3], 2 transitions) vs un-jitted JAX (target: >= 10x faster);
(d) batch 1024, theta f32[256] vs autograd's per-example Python loop of `grad(td_loss)`
    (target: >= 100x faster), with un-jitted JAX's vmap for reference.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.dirname(HERE))  # numjax from this checkout when run as a script
import _common as C  # noqa: E402

N_VECS = 128
BIG_BATCH, BIG_DIM = 1024, 256

# Data, identical in every process (NumPy's PCG64 stream is stable across versions).
DATA = f'''
import numpy as np
_rng = np.random.default_rng(0)
inputs_np = np.array([[0.52, 1.12,  0.77],
                      [0.88, -1.08, 0.15],
                      [0.52, 0.06, -1.30],
                      [0.74, -2.49, 1.39]], np.float32)
W_np = _rng.standard_normal(3).astype(np.float32)
b_np = np.float32(_rng.standard_normal())
U_np = _rng.standard_normal(({N_VECS}, 4)).astype(np.float32)
S_np = _rng.standard_normal(({N_VECS}, 3)).astype(np.float32)

def td_data(batch, dim, seed):
  r = np.random.default_rng(seed)
  return (r.standard_normal(dim).astype(np.float32) / np.sqrt(dim),
          r.standard_normal((batch, dim)).astype(np.float32),
          r.standard_normal(batch).astype(np.float32),
          r.standard_normal((batch, dim)).astype(np.float32))

# (c): the cookbook's batch, two copies of one transition
small_np = (np.array([0.1, -0.1, 0.], np.float32),
            np.array([[1., 2., -1.]] * 2, np.float32), np.array([1., 1.], np.float32),
            np.array([[2., 1., 0.]] * 2, np.float32))
big_np = td_data({BIG_BATCH}, {BIG_DIM}, 1)
'''

# numjax and JAX run the same code (`jax`, `jnp` bound to either library).
SETUP = DATA + '''
def sigmoid(x):
  return 0.5 * (jnp.tanh(x / 2) + 1)

def predict(W, b, inputs):
  return sigmoid(jnp.dot(inputs, W) + b)

inputs, W, b = jnp.asarray(inputs_np), jnp.asarray(W_np), jnp.asarray(b_np)
U, S = jnp.asarray(U_np), jnp.asarray(S_np)
f = lambda W: predict(W, b, inputs)
y, vjp_fun = jax.vjp(f, W)

mjp_vmap = lambda: jax.vmap(vjp_fun)(U)[0]
mjp_loop = lambda: jnp.stack([vjp_fun(u)[0] for u in U])
_jvp = lambda s: jax.jvp(f, (W,), (s,))[1]
jmp_vmap = lambda: jax.vmap(_jvp)(S)
jmp_loop = lambda: jnp.stack([_jvp(s) for s in S])

def td_loss(theta, s_tm1, r_t, s_t):
  v_tm1 = jnp.dot(theta, s_tm1)
  target = r_t + jnp.dot(theta, s_t)
  return -0.5 * ((jax.lax.stop_gradient(target) - v_tm1) ** 2)

perex = jax.vmap(jax.grad(td_loss), in_axes=(None, 0, 0, 0))
small = tuple(jnp.asarray(a) for a in small_np)
big = tuple(jnp.asarray(a) for a in big_np)
'''

JAX_SNIPPET = "import jax, jax.numpy as jnp\n" + SETUP + '''
FNS = {"mjp_vmap": lambda: mjp_vmap().block_until_ready(),
       "mjp_loop": lambda: mjp_loop().block_until_ready(),
       "jmp_vmap": lambda: jmp_vmap().block_until_ready(),
       "jmp_loop": lambda: jmp_loop().block_until_ready(),
       "td_small": lambda: perex(*small).block_until_ready(),
       "td_big": lambda: perex(*big).block_until_ready()}
'''

AUTOGRAD_SNIPPET = DATA + '''
import autograd, autograd.numpy as anp
from autograd.tracer import getval  # autograd's stop_gradient

sigmoid = lambda x: 0.5 * (anp.tanh(x / 2) + 1)
f = lambda W: sigmoid(anp.dot(inputs_np, W) + b_np)
vjp_fun, y = autograd.make_vjp(f)(W_np)
jvp_at_W = autograd.make_jvp(f)(W_np)

def td_loss(theta, s_tm1, r_t, s_t):
  v_tm1 = anp.dot(theta, s_tm1)
  target = r_t + anp.dot(theta, s_t)
  return -0.5 * ((getval(target) - v_tm1) ** 2)

g = autograd.grad(td_loss)

def loop(theta, s_tm1, r_t, s_t):
  return np.stack([g(theta, s_tm1[i], r_t[i], s_t[i]) for i in range(len(r_t))])

FNS = {"mjp_loop": lambda: np.stack([vjp_fun(u) for u in U_np]),
       "jmp_loop": lambda: np.stack([jvp_at_W(s)[1] for s in S_np]),
       "td_small": lambda: loop(*small_np),
       "td_big": lambda: loop(*big_np)}
'''


def np_perex(theta, s_tm1, r_t, s_t):  # d/dtheta of -0.5 (sg(r + s_t.theta) - s_tm1.theta)^2
  delta = r_t + s_t @ theta - s_tm1 @ theta
  return delta[:, None] * s_tm1


def main(quick: bool = False):
  import numpy as np
  import numjax as jax
  import numjax.numpy as jnp

  C.print_machine_once()
  ns = {"jax": jax, "jnp": jnp}
  exec(SETUP, ns)
  inputs, W, b, U, S = (ns[k] for k in ("inputs_np", "W_np", "b_np", "U_np", "S_np"))

  def np_dsig():  # the Jacobian's row scales s (1 - s)
    s = 0.5 * (np.tanh((inputs @ W + b) / 2) + 1)
    return s * (1 - s)

  np_mjp = lambda: (U * np_dsig()) @ inputs
  np_jmp = lambda: (S @ inputs.T) * np_dsig()

  # Every contender computes the same numbers.
  for name, want in (("mjp", np_mjp()), ("jmp", np_jmp())):
    for kind in ("vmap", "loop"):
      np.testing.assert_allclose(np.asarray(ns[f"{name}_{kind}"]()), want, rtol=1e-5,
                                 atol=1e-6, err_msg=f"{name}_{kind}")
  perex, small, big = ns["perex"], ns["small"], ns["big"]
  for args, args_np in ((small, ns["small_np"]), (big, ns["big_np"])):
    np.testing.assert_allclose(np.asarray(perex(*args)), np_perex(*args_np), rtol=1e-4,
                               atol=1e-5)

  with C.Peer("jax", JAX_SNIPPET) as jx, C.Peer("autograd", AUTOGRAD_SNIPPET) as ag:
    res = {}
    for name, floor in (("mjp", np_mjp), ("jmp", np_jmp)):
      res[name] = C.best_times(
          {"numjax": ns[f"{name}_vmap"], "numjax_loop": ns[f"{name}_loop"], "numpy": floor,
           "jax": jx.timer(f"{name}_vmap"), "jax_loop": jx.timer(f"{name}_loop"),
           "autograd_loop": ag.timer(f"{name}_loop")}, quick, budget=1.0 if quick else 4.0)
    # The loops take 10-200 ms a sample: larger budgets, so the fast contenders (sampled once
    # per round, in turn with the loops) still get enough samples.
    for name, args, args_np, budget in (("td_small", small, ns["small_np"], None),
                                        ("td_big", big, ns["big_np"], 1.5 if quick else 6.0)):
      res[name] = C.best_times(
          {"numjax": lambda args=args: perex(*args),
           "numpy": lambda args_np=args_np: np_perex(*args_np),
           "jax": jx.timer(name), "autograd": ag.timer(name)}, quick, budget)

  t = C.Table("vmap vs Python loops, un-jitted (JAX un-jitted; autograd has no vmap: its loop)")
  for name, what, n in (("mjp", "(a) MJP vmap(vjp_fun)(U)", f"U: f32[{N_VECS},4]"),
                        ("jmp", "(b) JMP vmap(jvp(f, (W,), (s,))[1])(S)", f"S: f32[{N_VECS},3]")):
    r = res[name]
    t.add(f"{what}, {n}", r,
          [("numjax", "numjax_loop", None, "numjax vmap / numjax loop"),
           ("numjax", "jax", None, "numjax / jax vmap"),
           ("numjax", "numpy", None, "numjax / numpy closed form")])
    loop = {"numjax": r["numjax_loop"], "jax": r["jax_loop"], "autograd": r["autograd_loop"]}
    t.add(f"{what[:3]} loop of {N_VECS} {'vjp_fun(u)' if name == 'mjp' else 'jvp'} calls", loop,
          [("numjax", "jax", None, "numjax loop / jax loop"),
           ("numjax", "autograd", None, "numjax loop / autograd loop")])
  t.add("(c) vmap(grad(td_loss)), theta f32[3], batch 2", res["td_small"],
        [("numjax", "jax", 0.1, "numjax / jax un-jitted (target <= 0.1)"),
         ("jax", "numjax", None, "speed-up over un-jitted jax (x)"),
         ("numjax", "autograd", None, "numjax / autograd loop"),
         ("numjax", "numpy", None, "numjax / numpy")])
  t.add(f"(d) vmap(grad(td_loss)), theta f32[{BIG_DIM}], batch {BIG_BATCH}", res["td_big"],
        [("numjax", "autograd", 0.01, "numjax / autograd loop (target <= 0.01)"),
         ("autograd", "numjax", None, "speed-up over the autograd loop (x)"),
         ("numjax", "jax", None, "numjax / jax un-jitted"),
         ("numjax", "numpy", None, "numjax / numpy")])
  return t.print()


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
