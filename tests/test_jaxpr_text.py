"""`make_jaxpr` prints exactly the text JAX prints.

The expected strings were produced by jax 0.10.2 (CPU) running the same functions through
`str(jax.make_jaxpr(f)(*args))`.
"""
import pytest

import numjax as jax
import numjax.numpy as jnp

CASES = {
 'mul_scalar': (lambda x: x * 2, (1.,)),
 'sin_mul_add': (lambda x, y: jnp.sin(x) * y + 2., (1., jnp.ones(3))),
 'sum_sq_axis0': (lambda x: jnp.sum(x ** 2, axis=0), (jnp.ones((3, 4)),)),
 'dot_vec': (lambda x: jnp.dot(x, x), (jnp.ones(3),)),
 'jit_nested': (jax.jit(lambda x: x * 2), (jnp.ones(3),)),
 'grad_log1pexp': (jax.grad(lambda x: jnp.log(1. + jnp.exp(x))), (100.,)),
 'grad_sin_mul': (jax.grad(lambda x: jnp.sin(x) * x), (1.,)),
 'reshape_T': (lambda x: jnp.reshape(x, (2, 2)).T, (jnp.ones(4),)),
 'astype_add': (lambda x: x.astype(jnp.int32) + 1, (jnp.ones((4, 4)),)),
 'broadcast_add': (lambda x, y: x + y, (jnp.ones(3), jnp.ones((2, 3)))),
 'exp_const': (lambda x: jnp.exp(2.) * x, (1.,)),
 'tanh_mean': (lambda x: jnp.mean(jnp.tanh(x)), (jnp.ones((2, 3)),)),
 'matmul': (lambda a, b: a @ b, (jnp.ones((2, 3)), jnp.ones((3, 4)))),
 'ones_out': (lambda x: (x * 2, jnp.ones(3)), (jnp.float32(1.),)),
 'vmap_dot': (jax.vmap(lambda x, y: jnp.dot(x, y)), (jnp.ones((5, 3)), jnp.ones((5, 3)))),
 'grad_dot_tanh': (jax.grad(lambda w, x: jnp.sum(jnp.tanh(jnp.dot(x, w)))), (jnp.ones(3), jnp.ones((4, 3)))),
 'jvp_sin': (lambda x, t: jax.jvp(jnp.sin, (x,), (t,)), (1., 1.)),
 'max_min': (lambda x: jnp.maximum(x, 0.) - jnp.minimum(x, 1.), (jnp.ones(3),)),
}

EXPECTED = {
    'mul_scalar': '{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }',
    'sin_mul_add': '{ lambda ; a:f32[] b:f32[3]. let\n    c:f32[] = sin a\n    d:f32[] = convert_element_type[new_dtype=float32 weak_type=False] c\n    e:f32[3] = mul d b\n    f:f32[3] = add e 2.0:f32[]\n  in (f,) }',
    'sum_sq_axis0': '{ lambda ; a:f32[3,4]. let\n    b:f32[3,4] = integer_pow[y=2] a\n    c:f32[4] = reduce_sum[axes=(0,) out_sharding=None] b\n  in (c,) }',
    'dot_vec': '{ lambda ; a:f32[3]. let\n    b:f32[] = dot_general[\n      dimension_numbers=(([0], [0]), ([], []))\n      preferred_element_type=float32\n    ] a a\n  in (b,) }',
    'jit_nested': '{ lambda ; a:f32[3]. let\n    b:f32[3] = jit[\n      name=<lambda>\n      jaxpr={ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[] in (b,) }\n    ] a\n  in (b,) }',
    'grad_log1pexp': '{ lambda ; a:f32[]. let\n    b:f32[] = exp a\n    c:f32[] = add 1.0:f32[] b\n    _:f32[] = log c\n    d:f32[] = div 1.0:f32[] c\n    e:f32[] = mul d b\n  in (e,) }',
    'grad_sin_mul': '{ lambda ; a:f32[]. let\n    b:f32[] = sin a\n    c:f32[] = cos a\n    _:f32[] = mul b a\n    d:f32[] = mul b 1.0:f32[]\n    e:f32[] = mul 1.0:f32[] a\n    f:f32[] = mul e c\n    g:f32[] = add_any d f\n  in (g,) }',
    'reshape_T': '{ lambda ; a:f32[4]. let\n    b:f32[2,2] = reshape[dimensions=None new_sizes=(2, 2) sharding=None] a\n    c:f32[2,2] = transpose[permutation=(1, 0)] b\n  in (c,) }',
    'astype_add': '{ lambda ; a:f32[4,4]. let\n    b:i32[4,4] = convert_element_type[new_dtype=int32 weak_type=False] a\n    c:i32[4,4] = add b 1:i32[]\n  in (c,) }',
    'broadcast_add': '{ lambda ; a:f32[3] b:f32[2,3]. let\n    c:f32[1,3] = broadcast_in_dim[broadcast_dimensions=(1,)] a\n    d:f32[2,3] = add c b\n  in (d,) }',
    'exp_const': '{ lambda ; a:f32[]. let b:f32[] = exp 2.0:f32[]; c:f32[] = mul b a in (c,) }',
    'tanh_mean': '{ lambda ; a:f32[2,3]. let\n    b:f32[2,3] = tanh a\n    c:f32[] = reduce_sum[axes=(0, 1) out_sharding=None] b\n    d:f32[] = div c 6.0:f32[]\n  in (d,) }',
    'matmul': '{ lambda ; a:f32[2,3] b:f32[3,4]. let\n    c:f32[2,4] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'ones_out': '{ lambda ; a:f32[]. let\n    b:f32[] = mul a 2.0:f32[]\n    c:f32[3] = broadcast_in_dim 1.0:f32[]\n  in (b, c) }',
    'vmap_dot': '{ lambda ; a:f32[5,3] b:f32[5,3]. let\n    c:f32[5] = dot_general[\n      dimension_numbers=(([1], [1]), ([0], [0]))\n      preferred_element_type=float32\n    ] a b\n  in (c,) }',
    'grad_dot_tanh': '{ lambda ; a:f32[3] b:f32[4,3]. let\n    c:f32[4] = dot_general[\n      dimension_numbers=(([1], [0]), ([], []))\n      preferred_element_type=float32\n    ] b a\n    d:f32[4] = tanh c\n    e:f32[4] = sub 1.0:f32[] d\n    _:f32[] = reduce_sum[axes=(0,) out_sharding=None] d\n    f:f32[4] = broadcast_in_dim 1.0:f32[]\n    g:f32[4] = mul f e\n    h:f32[4] = mul g d\n    i:f32[4] = add_any g h\n    j:f32[3] = dot_general[\n      dimension_numbers=(([0], [0]), ([], []))\n      preferred_element_type=float32\n    ] i b\n  in (j,) }',
    'jvp_sin': '{ lambda ; a:f32[] b:f32[]. let\n    c:f32[] = sin a\n    d:f32[] = cos a\n    e:f32[] = mul b d\n  in (c, e) }',
    'max_min': '{ lambda ; a:f32[3]. let\n    b:f32[3] = max a 0.0:f32[]\n    c:f32[3] = min a 1.0:f32[]\n    d:f32[3] = sub b c\n  in (d,) }',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_make_jaxpr_text_matches_jax(name):
  f, args = CASES[name]
  assert str(jax.make_jaxpr(f)(*args)) == EXPECTED[name]
