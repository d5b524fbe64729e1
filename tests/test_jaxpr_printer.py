"""The jaxpr printer against text printed by real JAX.

Every expected string below was pasted from `print(jax.make_jaxpr(f)(*args))` under
jax 0.10.2 (the function is named in each test). The jaxprs are built by hand from the core
IR, with stand-in primitives that carry the same `pp_params` hooks as JAX's print rules.
"""
import re

import numpy as np
import pytest

from numjax._src import dtypes
from numjax._src.core import (ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Primitive, ShapedArray,
                              Var)
from numjax._src.jaxpr_printer import pp_eqn_params, pp_jaxpr

f16, f32, i8, i16, i32, u8, u32, c64 = map(
    np.dtype, ["float16", "float32", "int8", "int16", "int32", "uint8", "uint32", "complex64"])
bool_ = np.dtype(bool)


# ----------------------------------------------------------------------------------------------
# Stand-in primitives, with JAX's rules for which params are shown
# ----------------------------------------------------------------------------------------------
def _drop_accuracy(params):
  if params.get("accuracy", 0) is None:
    del params["accuracy"]
  return params


def _dot_general_params(params):
  shown = {k: v for k, v in params.items() if v is not None}
  shown.pop("out_sharding", None)
  return shown


def _broadcast_in_dim_params(params):
  if not params["broadcast_dimensions"]:
    del params["broadcast_dimensions"]
  del params["shape"]
  params.pop("sharding", None)
  return params


def _convert_element_type_params(params):
  params.pop("sharding", None)
  return params


def _jit_params(params):
  del params["inline"]
  if not any(params["donated_invars"]):
    del params["donated_invars"]
  if not params["keep_unused"]:
    del params["keep_unused"]
  name = params.pop("name")
  return [("name", name)] + sorted(params.items())


def _prim(name, multiple_results=False, pp_params=None, pp_alias_jaxpr=None):
  p = Primitive(name, multiple_results=multiple_results)
  if pp_params is not None:
    p.pp_params = pp_params
  if pp_alias_jaxpr is not None:
    p.pp_alias_jaxpr = pp_alias_jaxpr
  return p


mul_p, add_p, sub_p, gt_p, lt_p, and_p = map(_prim, ["mul", "add", "sub", "gt", "lt", "and"])
exp_p, log_p, sin_p, cos_p = (_prim(n, pp_params=_drop_accuracy)
                              for n in ["exp", "log", "sin", "cos"])
dot_general_p = _prim("dot_general", pp_params=_dot_general_params)
broadcast_in_dim_p = _prim("broadcast_in_dim", pp_params=_broadcast_in_dim_params)
convert_element_type_p = _prim("convert_element_type", pp_params=_convert_element_type_params)
jit_p = _prim("jit", multiple_results=True, pp_params=_jit_params, pp_alias_jaxpr="jaxpr")
split_p = _prim("split", multiple_results=True)
cond_p = _prim("cond", multiple_results=True)
while_p = _prim("while", multiple_results=True)
scan_p = _prim("scan", multiple_results=True)


# ----------------------------------------------------------------------------------------------
# Building jaxprs
# ----------------------------------------------------------------------------------------------
def av(dtype, *shape, weak=False):
  return ShapedArray(shape, dtype, weak)


def lit(val, dtype, weak=False):
  return Literal(np.asarray(val, dtype=dtype)[()], av(dtype, weak=weak))


class Builder:
  def __init__(self, *in_avals, consts=()):
    self.constvars = [Var(a) for a in consts]
    self.invars = [Var(a) for a in in_avals]
    self.eqns = []

  def __call__(self, prim, invars, *out_avals, **params):
    outvars = [Var(a) for a in out_avals]
    self.eqns.append(JaxprEqn(prim, list(invars), outvars, params))
    return outvars[0] if len(outvars) == 1 else outvars

  def jaxpr(self, *outvars):
    return Jaxpr(self.constvars, self.invars, outvars, self.eqns)


def cet(b, x, dtype, weak_type=False):
  return b(convert_element_type_p, [x], av(dtype, *x.aval.shape, weak=weak_type),
           new_dtype=dtype, weak_type=weak_type, sharding=None)


def jit_eqn(b, inner, name, args, *out_avals):
  return b(jit_p, args, *out_avals, jaxpr=ClosedJaxpr(inner, []), name=name, inline=False,
           keep_unused=False, donated_invars=(False,) * len(args))


# ----------------------------------------------------------------------------------------------
# One-line forms
# ----------------------------------------------------------------------------------------------
def test_one_line():
  # jax.make_jaxpr(lambda x: x * 2)(1.)
  b = Builder(av(f32, weak=True))
  (x,) = b.invars
  y = b(mul_p, [x, lit(2.0, f32, weak=True)], av(f32, weak=True))
  assert str(b.jaxpr(y)) == "{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }"


def test_two_eqns_one_line():
  # jax.make_jaxpr(lambda x: jnp.exp(2.) * x)(1.)
  b = Builder(av(f32, weak=True))
  (x,) = b.invars
  e = b(exp_p, [lit(2.0, f32, weak=True)], av(f32, weak=True), accuracy=None)
  y = b(mul_p, [e, x], av(f32, weak=True))
  assert str(b.jaxpr(y)) == (
      "{ lambda ; a:f32[]. let b:f32[] = exp 2.0:f32[]; c:f32[] = mul b a in (c,) }")


def test_unused_outvar_is_underscore():
  # jax.make_jaxpr(lambda x: (jnp.log(x), x)[1])(1.)
  b = Builder(av(f32, weak=True))
  (x,) = b.invars
  b(log_p, [x], av(f32, weak=True), accuracy=None)
  assert str(b.jaxpr(x)) == "{ lambda ; a:f32[]. let _:f32[] = log a in (a,) }"


def test_no_eqns_and_literal_outputs():
  # jax.make_jaxpr(lambda x: x)(1.)
  b = Builder(av(f32, weak=True))
  (x,) = b.invars
  assert str(b.jaxpr(x)) == "{ lambda ; a:f32[]. let  in (a,) }"
  # jax.make_jaxpr(lambda x: (x, 1., 2))(1.)
  outs = b.jaxpr(x, lit(1.0, f32, weak=True), lit(2, i32, weak=True))
  assert str(outs) == "{ lambda ; a:f32[]. let  in (a, 1.0:f32[], 2:i32[]) }"
  assert str(ClosedJaxpr(outs, [])) == str(outs)


# ----------------------------------------------------------------------------------------------
# Params
# ----------------------------------------------------------------------------------------------
def _dot_jaxpr():
  b = Builder(av(f32, 3))
  (x,) = b.invars
  y = b(dot_general_p, [x, x], av(f32), dimension_numbers=(([0], [0]), ([], [])),
        precision=None, preferred_element_type=f32, out_sharding=None)
  return b.jaxpr(y)


def test_long_params_break_onto_lines():
  # jax.make_jaxpr(lambda x: jnp.dot(x, x))(jnp.ones(3))
  assert str(_dot_jaxpr()) == """\
{ lambda ; a:f32[3]. let
    b:f32[] = dot_general[
      dimension_numbers=(([0], [0]), ([], []))
      preferred_element_type=float32
    ] a a
  in (b,) }"""


def test_width():
  # jax.make_jaxpr(lambda x: jnp.dot(x, x))(jnp.ones(3)).pretty_print(width=40)
  assert pp_jaxpr(_dot_jaxpr(), width=40) == """\
{ lambda ; a:f32[3]. let
    b:f32[] = dot_general[
      dimension_numbers=(([0], [0]), ([], []))
      preferred_element_type=float32
    ] a a
  in (b,) }"""
  # (with width=200 everything fits on one line)
  assert pp_jaxpr(_dot_jaxpr(), width=200) == (
      "{ lambda ; a:f32[3]. let b:f32[] = dot_general[dimension_numbers=(([0], [0]), ([], []))"
      " preferred_element_type=float32] a a in (b,) }")


def test_hidden_params():
  # jax.make_jaxpr(lambda x: jnp.broadcast_to(x, (3,)) + jnp.ones((2, 3)))(1.)
  b = Builder(av(f32, weak=True))
  (x,) = b.invars
  y = b(broadcast_in_dim_p, [x], av(f32, 3, weak=True), shape=(3,), broadcast_dimensions=(),
        sharding=None)
  ones = b(broadcast_in_dim_p, [lit(1.0, f32)], av(f32, 2, 3), shape=(2, 3),
           broadcast_dimensions=(), sharding=None)
  d = cet(b, y, f32)
  e = b(broadcast_in_dim_p, [d], av(f32, 1, 3), shape=(1, 3), broadcast_dimensions=(1,),
        sharding=None)
  f = b(add_p, [e, ones], av(f32, 2, 3))
  assert str(b.jaxpr(f)) == """\
{ lambda ; a:f32[]. let
    b:f32[3] = broadcast_in_dim a
    c:f32[2,3] = broadcast_in_dim 1.0:f32[]
    d:f32[3] = convert_element_type[new_dtype=float32 weak_type=False] b
    e:f32[1,3] = broadcast_in_dim[broadcast_dimensions=(1,)] d
    f:f32[2,3] = add e c
  in (f,) }"""
  assert pp_eqn_params(broadcast_in_dim_p, b.eqns[3].params) == [
      ("broadcast_dimensions", (1,))]
  assert pp_eqn_params(mul_p, {"z": 1, "a": 2}) == [("a", 2), ("z", 1)]


def test_multiple_results_and_tuple_params():
  # jax.make_jaxpr(lambda x: jnp.split(x, 3))(jnp.ones(6))
  b = Builder(av(f32, 6))
  (x,) = b.invars
  outs = b(split_p, [x], av(f32, 2), av(f32, 2), av(f32, 2), axis=0,
           sizes=(np.int64(2), np.int64(2), np.int64(2)))
  assert str(b.jaxpr(*outs)) == """\
{ lambda ; a:f32[6]. let
    b:f32[2] c:f32[2] d:f32[2] = split[
      axis=0
      sizes=(np.int64(2), np.int64(2), np.int64(2))
    ] a
  in (b, c, d) }"""


def test_callable_and_frozenset_params():
  def fn(x):
    return x

  b = Builder(av(f32))
  (x,) = b.invars
  y = b(_prim("custom"), [x], av(f32), fun=fn, axes=frozenset({"j", "i"}), dtype=None)
  # params print sorted, a function with its address masked, a frozenset sorted
  assert re.fullmatch(
      r"\{ lambda ; a:f32\[\]\. let\n"
      r"    b:f32\[\] = custom\[\n"
      r"      axes=frozenset\(\{'i', 'j'\}\)\n"
      r"      dtype=None\n"
      r"      fun=<function test_callable_and_frozenset_params\.<locals>\.fn at 0xX+>\n"
      r"    \] a\n"
      r"  in \(b,\) \}", str(b.jaxpr(y)))


# ----------------------------------------------------------------------------------------------
# Literals
# ----------------------------------------------------------------------------------------------
def test_float_literals():
  # jax.make_jaxpr(lambda x: (x * 0.1, x * jnp.float32(0.1), x + jnp.nan, x - jnp.inf,
  #                           x * -0.0, x * 1e20, x * 1e-7, x > 0))(1.)
  b = Builder(av(f32, weak=True))
  (a,) = b.invars
  w = av(f32, weak=True)
  outs = [b(mul_p, [a, lit(0.1, f32, weak=True)], w)]
  c = cet(b, a, f32)
  outs.append(b(mul_p, [c, lit(0.1, f32)], av(f32)))
  outs.append(b(add_p, [a, lit(np.nan, f32, weak=True)], w))
  outs.append(b(sub_p, [a, lit(np.inf, f32, weak=True)], w))
  outs.append(b(mul_p, [a, lit(-0.0, f32, weak=True)], w))
  outs.append(b(mul_p, [a, lit(1e20, f32, weak=True)], w))
  outs.append(b(mul_p, [a, lit(1e-7, f32, weak=True)], w))
  outs.append(b(gt_p, [a, lit(0.0, f32, weak=True)], av(bool_)))
  assert str(b.jaxpr(*outs)) == """\
{ lambda ; a:f32[]. let
    b:f32[] = mul a 0.1:f32[]
    c:f32[] = convert_element_type[new_dtype=float32 weak_type=False] a
    d:f32[] = mul c 0.10000000149011612:f32[]
    e:f32[] = add a nan:f32[]
    f:f32[] = sub a inf:f32[]
    g:f32[] = mul a -0.0:f32[]
    h:f32[] = mul a 1e+20:f32[]
    i:f32[] = mul a 1e-07:f32[]
    j:bool[] = gt a 0.0:f32[]
  in (b, d, e, f, g, h, i, j) }"""


def test_python_scalar_literal():
  # jax.make_jaxpr(lambda x: x * np.pi)(1.)  (JAX keeps the Python float of a weak literal)
  b = Builder(av(f32, weak=True))
  (a,) = b.invars
  y = b(mul_p, [a, Literal(np.pi, av(f32, weak=True))], av(f32, weak=True))
  assert str(b.jaxpr(y)) == (
      "{ lambda ; a:f32[]. let b:f32[] = mul a 3.141592653589793:f32[] in (b,) }")


def test_int_and_bool_literals():
  # jax.make_jaxpr(lambda i: (i * 2, i + jnp.int8(3), i * np.uint32(7), i * -5,
  #                           (i > 0) & True))(1)
  b = Builder(av(i32, weak=True))
  (a,) = b.invars
  outs = [b(mul_p, [a, lit(2, i32, weak=True)], av(i32, weak=True))]
  c = cet(b, a, i8)
  outs.append(b(add_p, [c, lit(3, i8)], av(i8)))
  e = cet(b, a, u32)
  outs.append(b(mul_p, [e, lit(7, u32)], av(u32)))
  outs.append(b(mul_p, [a, lit(-5, i32, weak=True)], av(i32, weak=True)))
  h = b(gt_p, [a, lit(0, i32, weak=True)], av(bool_))
  i = cet(b, h, bool_)
  outs.append(b(and_p, [i, lit(True, bool_)], av(bool_)))
  assert str(b.jaxpr(*outs)) == """\
{ lambda ; a:i32[]. let
    b:i32[] = mul a 2:i32[]
    c:i8[] = convert_element_type[new_dtype=int8 weak_type=False] a
    d:i8[] = add c 3:i8[]
    e:u32[] = convert_element_type[new_dtype=uint32 weak_type=False] a
    f:u32[] = mul e 7:u32[]
    g:i32[] = mul a -5:i32[]
    h:bool[] = gt a 0:i32[]
    i:bool[] = convert_element_type[new_dtype=bool weak_type=False] h
    j:bool[] = and i True:bool[]
  in (b, d, f, g, j) }"""


def test_other_dtype_literals():
  # jax.make_jaxpr(lambda x: (x.astype(jnp.float16) * 0.1, x * 1j,
  #                           x.astype(jnp.uint8) + 44, x.astype(jnp.int16) * 2**14))(1.)
  b = Builder(av(f32, weak=True))
  (a,) = b.invars
  outs = [b(mul_p, [cet(b, a, f16), lit(0.1, f16)], av(f16))]
  d = cet(b, a, c64, weak_type=True)
  outs.append(b(mul_p, [d, lit(1j, c64, weak=True)], av(c64, weak=True)))
  outs.append(b(add_p, [cet(b, a, u8), lit(44, u8)], av(u8)))
  outs.append(b(mul_p, [cet(b, a, i16), lit(2**14, i16)], av(i16)))
  assert str(b.jaxpr(*outs)) == """\
{ lambda ; a:f32[]. let
    b:f16[] = convert_element_type[new_dtype=float16 weak_type=False] a
    c:f16[] = mul b 0.0999755859375:f16[]
    d:c64[] = convert_element_type[new_dtype=complex64 weak_type=True] a
    e:c64[] = mul d 1j:c64[]
    f:u8[] = convert_element_type[new_dtype=uint8 weak_type=False] a
    g:u8[] = add f 44:u8[]
    h:i16[] = convert_element_type[new_dtype=int16 weak_type=False] a
    i:i16[] = mul h 16384:i16[]
  in (c, e, g, i) }"""


@pytest.mark.skipif(dtypes.bfloat16 is None, reason="needs ml_dtypes")
def test_bfloat16_literal():
  # jax.make_jaxpr(lambda x: x.astype(jnp.bfloat16) * 0.1)(1.)
  bf16 = dtypes.bfloat16
  b = Builder(av(f32, weak=True))
  (a,) = b.invars
  y = b(mul_p, [cet(b, a, bf16), lit(0.1, bf16)], av(bf16))
  assert str(b.jaxpr(y)) == """\
{ lambda ; a:f32[]. let
    b:bf16[] = convert_element_type[new_dtype=bfloat16 weak_type=False] a
    c:bf16[] = mul b 0.10009765625:bf16[]
  in (c,) }"""


# ----------------------------------------------------------------------------------------------
# Constvars, names past z, long binder lists
# ----------------------------------------------------------------------------------------------
def test_constvars():
  # c = jnp.arange(3.); jax.make_jaxpr(lambda x: x + c)(1.)
  b = Builder(av(f32, weak=True), consts=[av(f32, 3)])
  (k,), (x,) = b.constvars, b.invars
  y = b(add_p, [cet(b, x, f32), k], av(f32, 3))
  assert str(b.jaxpr(y)) == """\
{ lambda a:f32[3]; b:f32[]. let
    c:f32[] = convert_element_type[new_dtype=float32 weak_type=False] b
    d:f32[3] = add c a
  in (d,) }"""


def test_names_past_z():
  # def f(x):
  #   for i in range(30): x = x + 1.
  #   return x
  # jax.make_jaxpr(f)(1.)
  b = Builder(av(f32, weak=True))
  (x,) = b.invars
  for _ in range(30):
    x = b(add_p, [x, lit(1.0, f32, weak=True)], av(f32, weak=True))
  names = "abcdefghijklmnopqrstuvwxyz"
  names = list(names) + ["ba", "bb", "bc", "bd", "be"]
  lines = [f"    {n}:f32[] = add {p} 1.0:f32[]" for p, n in zip(names, names[1:])]
  expected = "{ lambda ; a:f32[]. let\n" + "\n".join(lines) + "\n  in (be,) }"
  assert str(b.jaxpr(x)) == expected
  assert lines[-6:] == [  # as pasted from JAX
      "    z:f32[] = add y 1.0:f32[]",
      "    ba:f32[] = add z 1.0:f32[]",
      "    bb:f32[] = add ba 1.0:f32[]",
      "    bc:f32[] = add bb 1.0:f32[]",
      "    bd:f32[] = add bc 1.0:f32[]",
      "    be:f32[] = add bd 1.0:f32[]",
  ]


def test_long_binder_lists_wrap():
  # jax.make_jaxpr(lambda *xs: sum(xs))(*([1.] * 30))
  b = Builder(*[av(f32, weak=True)] * 30)
  acc = lit(0.0, f32, weak=True)
  for x in b.invars:
    acc = b(add_p, [acc, x], av(f32, weak=True))
  text = str(b.jaxpr(acc))
  assert text.startswith("""\
{ lambda ; a:f32[] b:f32[] c:f32[] d:f32[] e:f32[] f:f32[] g:f32[] h:f32[] i:f32[]
    j:f32[] k:f32[] l:f32[] m:f32[] n:f32[] o:f32[] p:f32[] q:f32[] r:f32[] s:f32[]
    t:f32[] u:f32[] v:f32[] w:f32[] x:f32[] y:f32[] z:f32[] ba:f32[] bb:f32[] bc:f32[]
    bd:f32[]. let
    be:f32[] = add 0.0:f32[] a
    bf:f32[] = add be b
""")
  assert text.endswith("""
    cg:f32[] = add cf bc
    ch:f32[] = add cg bd
  in (ch,) }""")


def test_long_outvar_lists_wrap():
  # jax.make_jaxpr(lambda x: jnp.split(x, 30))(jnp.ones(30))
  b = Builder(av(f32, 30))
  (x,) = b.invars
  outs = b(split_p, [x], *[av(f32, 1)] * 30, axis=0, sizes=(np.int64(1),) * 30)
  text = str(b.jaxpr(*outs))
  assert text.startswith("""\
{ lambda ; a:f32[30]. let
    b:f32[1] c:f32[1] d:f32[1] e:f32[1] f:f32[1] g:f32[1] h:f32[1] i:f32[1] j:f32[1]
      k:f32[1] l:f32[1] m:f32[1] n:f32[1] o:f32[1] p:f32[1] q:f32[1] r:f32[1] s:f32[1]
      t:f32[1] u:f32[1] v:f32[1] w:f32[1] x:f32[1] y:f32[1] z:f32[1] ba:f32[1] bb:f32[1]
      bc:f32[1] bd:f32[1] be:f32[1] = split[
      axis=0
      sizes=(np.int64(1), np.int64(1), """)
  assert text.endswith("""np.int64(1))
    ] a
  in (b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t, u, v, w, x, y, z,
    ba, bb, bc, bd, be) }""")


# ----------------------------------------------------------------------------------------------
# Nested jaxprs
# ----------------------------------------------------------------------------------------------
def test_nested_jit_shares_names_with_the_call():
  # jax.make_jaxpr(jax.jit(lambda x: x * 2))(jnp.ones(3))
  ib = Builder(av(f32, 3))
  inner = ib.jaxpr(ib(mul_p, [ib.invars[0], lit(2.0, f32, weak=True)], av(f32, 3)))
  b = Builder(av(f32, 3))
  y = jit_eqn(b, inner, "<lambda>", b.invars, av(f32, 3))
  assert str(b.jaxpr(y)) == """\
{ lambda ; a:f32[3]. let
    b:f32[3] = jit[
      name=<lambda>
      jaxpr={ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[] in (b,) }
    ] a
  in (b,) }"""
  # printed on its own, the inner jaxpr names from scratch
  assert str(inner) == "{ lambda ; a:f32[3]. let b:f32[3] = mul a 2.0:f32[] in (b,) }"


def test_nested_jit_unused_result():
  # jax.make_jaxpr(lambda x: (jax.jit(jnp.sin)(x), x)[1])(1.)
  ib = Builder(av(f32, weak=True))
  inner = ib.jaxpr(ib(sin_p, [ib.invars[0]], av(f32, weak=True), accuracy=None))
  b = Builder(av(f32, weak=True))
  jit_eqn(b, inner, "sin", b.invars, av(f32, weak=True))
  assert str(b.jaxpr(b.invars[0])) == """\
{ lambda ; a:f32[]. let
    _:f32[] = jit[
      name=sin
      jaxpr={ lambda ; a:f32[]. let _:f32[] = sin a in (_,) }
    ] a
  in (a,) }"""


def test_big_nested_jaxpr_is_printed_up_front():
  # def f11(x):
  #   for i in range(11): x = jnp.sin(x)
  #   return x
  # jax.make_jaxpr(jax.jit(f11))(1.)
  ib = Builder(av(f32, weak=True))
  x = ib.invars[0]
  for _ in range(11):
    x = ib(sin_p, [x], av(f32, weak=True), accuracy=None)
  inner = ib.jaxpr(x)
  b = Builder(av(f32, weak=True))
  y = jit_eqn(b, inner, "f11", b.invars, av(f32, weak=True))
  assert str(b.jaxpr(y)) == """\
let f11 = { lambda ; a:f32[]. let
    b:f32[] = sin a
    c:f32[] = sin b
    d:f32[] = sin c
    e:f32[] = sin d
    f:f32[] = sin e
    g:f32[] = sin f
    h:f32[] = sin g
    i:f32[] = sin h
    j:f32[] = sin i
    k:f32[] = sin j
    l:f32[] = sin k
  in (l,) } in
{ lambda ; m:f32[]. let n:f32[] = jit[name=f11 jaxpr=f11] m in (n,) }"""


def test_jaxpr_used_twice_is_printed_up_front():
  # g = jax.jit(lambda x: x + 1.); jax.make_jaxpr(lambda x: g(g(x)))(1.)
  ib = Builder(av(f32, weak=True))
  inner = ib.jaxpr(ib(add_p, [ib.invars[0], lit(1.0, f32, weak=True)], av(f32, weak=True)))
  closed = ClosedJaxpr(inner, [])
  b = Builder(av(f32, weak=True))
  y = b.invars[0]
  for _ in range(2):
    y = b(jit_p, [y], av(f32, weak=True), jaxpr=closed, name="<lambda>", inline=False,
          keep_unused=False, donated_invars=(False,))
  assert str(b.jaxpr(y)) == """\
let lambda = { lambda ; a:f32[]. let b:f32[] = add a 1.0:f32[] in (b,) } in
{ lambda ; c:f32[]. let
    d:f32[] = jit[name=<lambda> jaxpr=lambda] c
    e:f32[] = jit[name=<lambda> jaxpr=lambda] d
  in (e,) }"""


def test_cond_branches():
  # jax.make_jaxpr(lambda p, x: lax.cond(p, jnp.sin, jnp.cos, x))(True, 1.)
  branches = []
  for prim in (cos_p, sin_p):
    ib = Builder(av(f32, weak=True))
    branches.append(ClosedJaxpr(
        ib.jaxpr(ib(prim, [ib.invars[0]], av(f32, weak=True), accuracy=None)), []))
  b = Builder(av(bool_), av(f32, weak=True))
  p, x = b.invars
  y = b(cond_p, [cet(b, p, i32), x], av(f32, weak=True), branches=tuple(branches))
  assert str(b.jaxpr(y)) == """\
{ lambda ; a:bool[] b:f32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] a
    d:f32[] = cond[
      branches=(
        { lambda ; e:f32[]. let f:f32[] = cos e in (f,) }
        { lambda ; g:f32[]. let h:f32[] = sin g in (h,) }
      )
    ] c b
  in (d,) }"""


def test_while():
  # jax.make_jaxpr(lambda x: lax.while_loop(lambda c: c < 10., lambda c: c + 1., x))(1.)
  cb = Builder(av(f32, weak=True))
  cond = cb.jaxpr(cb(lt_p, [cb.invars[0], lit(10.0, f32, weak=True)], av(bool_)))
  bb = Builder(av(f32, weak=True))
  body = bb.jaxpr(bb(add_p, [bb.invars[0], lit(1.0, f32, weak=True)], av(f32, weak=True)))
  b = Builder(av(f32, weak=True))
  y = b(while_p, b.invars, av(f32, weak=True), cond_jaxpr=ClosedJaxpr(cond, []),
        body_jaxpr=ClosedJaxpr(body, []), cond_nconsts=0, body_nconsts=0)
  assert str(b.jaxpr(y)) == """\
{ lambda ; a:f32[]. let
    b:f32[] = while[
      body_jaxpr={ lambda ; c:f32[]. let d:f32[] = add c 1.0:f32[] in (d,) }
      body_nconsts=0
      cond_jaxpr={ lambda ; e:f32[]. let f:bool[] = lt e 10.0:f32[] in (f,) }
      cond_nconsts=0
    ] a
  in (b,) }"""


def test_scan_nested_jaxpr_broken():
  # jax.make_jaxpr(lambda xs: lax.scan(lambda c, x: (c + x, c * x), 0., xs))(jnp.ones(5))
  ib = Builder(av(f32, weak=True), av(f32))
  c, x = ib.invars
  g = ib(add_p, [cet(ib, c, f32), x], av(f32))
  i = ib(mul_p, [cet(ib, c, f32), x], av(f32))
  body = ClosedJaxpr(ib.jaxpr(g, i), [])
  b = Builder(av(f32, 5))
  outs = b(scan_p, [lit(0.0, f32, weak=True), b.invars[0]], av(f32), av(f32, 5), jaxpr=body,
           length=5, reverse=False, unroll=1, num_consts=0, num_carry=1)
  assert str(b.jaxpr(*outs)) == """\
{ lambda ; a:f32[5]. let
    b:f32[] c:f32[5] = scan[
      jaxpr={ lambda ; d:f32[] e:f32[]. let
          f:f32[] = convert_element_type[new_dtype=float32 weak_type=False] d
          g:f32[] = add f e
          h:f32[] = convert_element_type[new_dtype=float32 weak_type=False] d
          i:f32[] = mul h e
        in (g, i) }
      length=5
      num_carry=1
      num_consts=0
      reverse=False
      unroll=1
    ] 0.0:f32[] a
  in (b, c) }"""
