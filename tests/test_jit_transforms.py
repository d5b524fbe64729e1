"""Transformations of jitted functions: grad/jvp/vmap/linear_transpose of `jit(f)` stage and
run jit equations of derived jaxprs (JVP, known/unknown split, transpose, batched), as JAX
does, and agree with the same transformations of plain `f`."""
import numpy as np
import pytest

import numjax
import numjax.numpy as jnp
from numjax import lax
from numjax._src import jit as jit_mod


def close(a, b, rtol=1e-6, atol=1e-6):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def tree_close(a, b):
  la, ta = numjax.tree_util.tree_flatten(a)
  lb, tb = numjax.tree_util.tree_flatten(b)
  assert ta == tb
  for x, y in zip(la, lb):
    close(x, y)


# JAX 0.10.2's text for these programs (recorded from real JAX).
JAX_GRAD_OF_JIT = """\
{ lambda ; a:f32[]. let
    _:f32[] b:f32[] c:f32[] = jit[
      name=<lambda>
      jaxpr={ lambda ; a:f32[]. let
          c:f32[] = sin a
          b:f32[] = cos a
          _:f32[] = mul c a
        in (_, b, c) }
    ] a
    d:f32[] = jit[
      name=<lambda>
      jaxpr={ lambda ; b:f32[] a:f32[] c:f32[] e:f32[]. let
          f:f32[] = mul c e
          g:f32[] = mul e a
          h:f32[] = mul g b
          d:f32[] = add_any f h
        in (d,) }
    ] b a c 1.0:f32[]
  in (d,) }"""

JAX_VMAP_OF_JIT = """\
{ lambda ; a:f32[3]. let
    b:f32[3] = jit[
      name=<lambda>
      jaxpr={ lambda ; a:f32[3]. let
          c:f32[3] = sin a
          b:f32[3] = mul c a
        in (b,) }
    ] a
  in (b,) }"""

JAX_JVP_OF_JIT = """\
{ lambda ; a:f32[] b:f32[]. let
    c:f32[] d:f32[] = jit[
      name=<lambda>
      jaxpr={ lambda ; a:f32[] b:f32[]. let
          e:f32[] = sin a
          f:f32[] = cos a
          g:f32[] = mul b f
          c:f32[] = mul e a
          h:f32[] = mul g a
          i:f32[] = mul e b
          d:f32[] = add_any h i
        in (c, d) }
    ] a b
  in (c, d) }"""


def test_jaxpr_text_of_transformed_jit_matches_jax():
  f = numjax.jit(lambda x: jnp.sin(x) * x)
  assert str(numjax.make_jaxpr(numjax.grad(f))(1.0)) == JAX_GRAD_OF_JIT
  assert str(numjax.make_jaxpr(numjax.vmap(f))(jnp.ones(3))) == JAX_VMAP_OF_JIT
  assert str(numjax.make_jaxpr(lambda x, t: numjax.jvp(f, (x,), (t,)))(1.0, 1.0)) == \
      JAX_JVP_OF_JIT


def _loss(params, x, y):
  w, b = params["w"], params["b"]
  h = jnp.tanh(x @ w + b)
  return jnp.mean((h - y) ** 2), h


@pytest.fixture
def data():
  rng = np.random.default_rng(0)
  params = {"w": jnp.asarray(rng.standard_normal((4, 3)).astype(np.float32)),
            "b": jnp.asarray(rng.standard_normal(3).astype(np.float32))}
  x = jnp.asarray(rng.standard_normal((5, 4)).astype(np.float32))
  y = jnp.asarray(rng.standard_normal((5, 3)).astype(np.float32))
  return params, x, y


def test_grad_of_jit_equals_grad(data):
  params, x, y = data
  plain = numjax.grad(_loss, has_aux=True)(params, x, y)
  jitted = numjax.grad(numjax.jit(_loss), has_aux=True)(params, x, y)
  tree_close(plain, jitted)
  # repeated calls reuse the derived jaxprs and agree
  tree_close(numjax.grad(numjax.jit(_loss), has_aux=True)(params, x, y), plain)


def test_value_and_grad_argnums_and_closures_of_jit(data):
  params, x, y = data
  scale = jnp.float32(3.0)
  f = numjax.jit(lambda p, x: scale * jnp.sum(jnp.sin(x @ p["w"])))
  want = numjax.value_and_grad(lambda p, x: scale * jnp.sum(jnp.sin(x @ p["w"])),
                               argnums=(0, 1))(params, x)
  got = numjax.value_and_grad(f, argnums=(0, 1))(params, x)
  tree_close(got, want)


def test_jvp_jacfwd_hessian_of_jit():
  def f(x):
    return jnp.sum(jnp.sin(x) ** 2 * x)
  x = jnp.linspace(0.1, 1.0, 4)
  t = jnp.ones(4)
  jf = numjax.jit(f)
  tree_close(numjax.jvp(jf, (x,), (t,)), numjax.jvp(f, (x,), (t,)))
  close(numjax.jacfwd(numjax.jacrev(jf))(x), numjax.hessian(f)(x), rtol=1e-5)
  close(numjax.hessian(jf)(x), numjax.hessian(f)(x), rtol=1e-5)


def test_jit_with_integer_and_unused_inputs_under_grad():
  f = numjax.jit(lambda x, n, unused: x ** n + 0.0 * jnp.sum(unused))
  g = numjax.grad(f)(2.0, 3, jnp.ones(2))
  assert float(g) == 12.0
  gi = numjax.grad(f, argnums=2)(2.0, 3, jnp.ones(2))
  close(gi, np.zeros(2))


def test_jit_containing_control_flow_under_grad():
  def f(x):
    y = lax.cond(x > 0, lambda v: jnp.sin(v), lambda v: v ** 2, x)
    return lax.fori_loop(0, 3, lambda i, c: c * x, y)
  for x0 in (0.7, -0.4):
    close(numjax.grad(numjax.jit(f))(x0), numjax.grad(f)(x0), rtol=1e-5)
  close(numjax.vmap(numjax.grad(numjax.jit(f)))(jnp.array([0.7, -0.4])),
        numjax.vmap(numjax.grad(f))(jnp.array([0.7, -0.4])), rtol=1e-5)


def test_vmap_of_jit_equals_loop_and_keeps_collectives():
  f = numjax.jit(lambda x, y: jnp.tanh(x) * y)
  xs = jnp.arange(6.0).reshape(3, 2)
  got = numjax.vmap(f, in_axes=(0, None))(xs, 2.0)
  close(got, np.stack([np.asarray(f(xs[i], 2.0)) for i in range(3)]))
  got = numjax.vmap(f, in_axes=(1, 0), out_axes=1)(xs, jnp.arange(2.0))
  close(got, np.stack([np.asarray(f(xs[:, i], float(i))) for i in range(2)], axis=1))
  norm = numjax.jit(lambda v: v / lax.psum(v, "i"))
  close(numjax.vmap(norm, axis_name="i")(jnp.arange(1.0, 4.0)), np.arange(1.0, 4.0) / 6.0)
  # an unbatched operand whose body still uses the named axis
  count = numjax.jit(lambda v: lax.psum(1.0, "i") + v)
  close(numjax.vmap(count, in_axes=(None,), axis_name="i", axis_size=4)(jnp.float32(1.0)),
        np.full(4, 5.0))


def test_vmap_of_grad_of_jit_per_example(data):
  params, x, y = data
  per_ex = lambda p, xi, yi: _loss(p, xi[None], yi[None])[0]
  want = numjax.vmap(numjax.grad(per_ex), in_axes=(None, 0, 0))(params, x, y)
  got = numjax.vmap(numjax.grad(numjax.jit(per_ex)), in_axes=(None, 0, 0))(params, x, y)
  tree_close(got, want)


def test_linear_transpose_and_vjp_of_jit():
  f = numjax.jit(lambda v: 2.0 * v[::-1] + jnp.cumsum(v))
  x = jnp.arange(4.0)
  ft = numjax.linear_transpose(f, x)
  u = jnp.array([1.0, -2.0, 0.5, 3.0])
  # <u, f(v)> == <f^T(u), v>
  close(jnp.vdot(u, f(x)), jnp.vdot(ft(u)[0], x))
  y, pullback = numjax.vjp(f, x)
  close(pullback(u)[0], ft(u)[0])
  close(numjax.jit(pullback)(u)[0], ft(u)[0])


def test_derived_jaxprs_are_traced_once():
  traces = []

  def body(x):
    traces.append(1)
    return jnp.sin(x) * x
  f = numjax.jit(body)
  g = numjax.grad(f)
  for _ in range(3):
    g(1.0)
  assert len(traces) == 1   # f itself is traced once; its derived jaxprs are cached
  entry, = f._cache.values()
  assert {k[0] for k in entry.closed._derived} == {"jvp"}
  jvp_closed, _ = entry.closed._derived[("jvp", (True,))]
  assert {k[0] for k in jvp_closed._derived} == {"partial_eval"}


def test_debug_callback_inside_jit_under_grad(capsys):
  f = numjax.jit(lambda x: (numjax.debug.print("x={x}", x=x), x * x)[1])
  assert float(numjax.grad(f)(3.0)) == 6.0
  assert "x=3.0" in capsys.readouterr().out


JAX_VMAP_AXIS1_OF_JIT = """\
{ lambda ; a:f32[2,3]. let
    b:f32[3] = jit[
      name=<lambda>
      jaxpr={ lambda ; a:f32[2,3]. let
          c:f32[2,3] = integer_pow[y=2] a
          b:f32[3] = reduce_sum[axes=(np.int64(0),) out_sharding=None] c
        in (b,) }
    ] a
  in (b,) }"""


def test_vmap_of_jit_keeps_the_batch_axis_in_place_as_jax():
  # JAX batches the jit body with the operand's own batch axis (no transpose first), and its
  # reduction batcher shifts the reduced axes past it (printed as NumPy ints).
  f = numjax.vmap(numjax.jit(lambda v: jnp.sum(v ** 2)), in_axes=1)
  assert str(numjax.make_jaxpr(f)(jnp.ones((2, 3)))) == JAX_VMAP_AXIS1_OF_JIT
  close(f(jnp.arange(6.).reshape(2, 3)), [9., 17., 29.])


def test_common_jnp_jaxprs_match_jax():
  # Recorded from JAX 0.10.2: basic indexing binds slice with strides=None, keepdims comes
  # back through broadcast_in_dim, jnp.stack is one `stack` equation, grad of abs is JAX's
  # select rule (so grad(abs)(0.) is 1.0, as in JAX).
  x, v = jnp.ones((2, 3)), jnp.ones(3)
  assert str(numjax.make_jaxpr(lambda x: x[0, 1:])(x)) == """\
{ lambda ; a:f32[2,3]. let
    b:f32[1,2] = slice[limit_indices=(1, 3) start_indices=(0, 1) strides=None] a
    c:f32[2] = squeeze[dimensions=(0,)] b
  in (c,) }"""
  assert str(numjax.make_jaxpr(lambda x: jnp.sum(x, axis=1, keepdims=True))(x)) == """\
{ lambda ; a:f32[2,3]. let
    b:f32[2] = reduce_sum[axes=(1,) out_sharding=None] a
    c:f32[2,1] = broadcast_in_dim[broadcast_dimensions=(0,)] b
  in (c,) }"""
  assert str(numjax.make_jaxpr(lambda v: jnp.stack([v, v], axis=1))(v)) == \
      "{ lambda ; a:f32[3]. let b:f32[3,2] = stack[axis=1] a a in (b,) }"
  assert str(numjax.make_jaxpr(numjax.grad(lambda s: jnp.abs(s)))(1.0)) == """\
{ lambda ; a:f32[]. let
    _:f32[] = abs a
    b:bool[] = ge a 0.0:f32[]
    c:f32[] = select_n b 1.0:f32[] 0.0:f32[]
    d:f32[] = select_n b 0.0:f32[] 1.0:f32[]
    e:f32[] = neg c
    f:f32[] = add_any d e
  in (f,) }"""
  assert float(numjax.grad(jnp.abs)(0.0)) == 1.0
