"""(c) The autodiff cookbook's Hessian-vector products, un-jitted.

f(X) = sum(tanh(X)**2) with X, V: f32[30, 40]; the tutorial's four ways of computing H·V:
forward-over-reverse `jvp(grad(f), (X,), (V,))`, reverse-over-forward
`grad(lambda p: jvp(f, p, (V,))[1])((X,))`, reverse-over-reverse
`grad(lambda x: vdot(grad(f)(x), V))(X)`, and the full Hessian `tensordot(hessian(f)(X), V, 2)`.
Peers: the same code on un-jitted JAX and on autograd (make_jvp / grad / hessian), and NumPy's
closed form `(2 - 8 t² + 6 t⁴) V` (t = tanh X) as the floor.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

SHAPE = (30, 40)

JAX_SNIPPET = f'''
import numpy as np, jax, jax.numpy as jnp
from jax import grad, jvp, hessian
rng = np.random.default_rng(0)
X = jnp.asarray(rng.standard_normal({SHAPE}).astype(np.float32))
V = jnp.asarray(rng.standard_normal({SHAPE}).astype(np.float32))
f = lambda X: jnp.sum(jnp.tanh(X) ** 2)
FNS = dict(
    fwdrev=lambda: jvp(grad(f), (X,), (V,))[1].block_until_ready(),
    revfwd=lambda: grad(lambda p: jvp(f, p, (V,))[1])((X,))[0].block_until_ready(),
    revrev=lambda: grad(lambda x: jnp.vdot(grad(f)(x), V))(X).block_until_ready(),
    full=lambda: jnp.tensordot(hessian(f)(X), V, 2).block_until_ready())
'''

AUTOGRAD_SNIPPET = f'''
import numpy as np, autograd, autograd.numpy as anp
from autograd import grad, make_jvp, hessian
rng = np.random.default_rng(0)
X = rng.standard_normal({SHAPE}).astype(np.float32)
V = rng.standard_normal({SHAPE}).astype(np.float32)
f = lambda X: anp.sum(anp.tanh(X) ** 2)
FNS = dict(
    fwdrev=lambda: make_jvp(grad(f))(X)(V)[1],
    revfwd=lambda: grad(lambda x: make_jvp(f)(x)(V)[1])(X),
    revrev=lambda: grad(lambda x: anp.sum(grad(f)(x) * V))(X),
    full=lambda: anp.tensordot(hessian(f)(X), V, 2))
'''


def main(quick: bool = False):
  import numpy as np
  import numjax.numpy as jnp
  from numjax import grad, hessian, jvp

  C.print_machine_once()
  rng = np.random.default_rng(0)
  Xn = rng.standard_normal(SHAPE).astype(np.float32)
  Vn = rng.standard_normal(SHAPE).astype(np.float32)
  X, V = jnp.asarray(Xn), jnp.asarray(Vn)
  f = lambda X: jnp.sum(jnp.tanh(X) ** 2)
  cells = {
      "fwdrev": lambda: jvp(grad(f), (X,), (V,))[1],
      "revfwd": lambda: grad(lambda p: jvp(f, p, (V,))[1])((X,))[0],
      "revrev": lambda: grad(lambda x: jnp.vdot(grad(f)(x), V))(X),
      "full": lambda: jnp.tensordot(hessian(f)(X), V, 2),
  }

  def closed_form():
    t = np.tanh(Xn)
    t2 = t * t
    return (2 - 8 * t2 + 6 * t2 * t2) * Vn

  want = closed_form()
  for k, fn in cells.items():
    np.testing.assert_allclose(np.asarray(fn()), want, rtol=2e-3, atol=2e-3, err_msg=k)
  with C.Peer("jax", JAX_SNIPPET) as jax, C.Peer("autograd", AUTOGRAD_SNIPPET) as ag:
    res = {k: C.best_times({"numjax": fn, "numpy": closed_form, "jax": jax.timer(k),
                            "autograd": ag.timer(k)}, quick)
           for k, fn in cells.items()}

  t = C.Table(f"Hessian-vector products of sum(tanh(X)**2), X: f32{list(SHAPE)}, un-jitted")
  names = {"fwdrev": "(c) forward-over-reverse", "revfwd": "(c) reverse-over-forward",
           "revrev": "(c) reverse-over-reverse", "full": "(c) full Hessian, tensordot"}
  for k, name in names.items():
    t.add(name, res[k],
          [("numjax", "jax", None, "numjax / jax"),
           ("numjax", "autograd", None, "numjax / autograd")])
  return t.print()


if __name__ == "__main__":
  main(quick="--quick" in sys.argv)
