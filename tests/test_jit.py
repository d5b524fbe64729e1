"""jit: compiled code equals eager, codegen hooks equal impls bit for bit, the call path's cache
(keys, retracing, explanations, bounds, weak references to functions) and its errors."""
import gc
import logging
import weakref

import numpy as np
import pytest

import numjax
import numjax.numpy as jnp
from numjax import lax
from numjax._src import codegen, core
from numjax._src import jit as jit_mod
from numjax._src.array import Array
from numjax._src.core import ClosedJaxpr, Jaxpr, JaxprEqn, ShapedArray, Var
from numjax._src.lax.base import all_primitives

from primitive_table import F64, C128, ROWS

PRIMS = all_primitives()


def value(x):
  return np.asarray(x._value if type(x) is Array else x)


def assert_same(got, want):
  """Equal values (NaNs in the same places), dtypes, shapes and weak types."""
  assert got.dtype == want.dtype and got.shape == want.shape
  assert got.weak_type == want.weak_type
  np.testing.assert_array_equal(value(got), value(want))


@pytest.fixture
def x64_on():
  prev = numjax.config.jax_enable_x64
  numjax.config.update("jax_enable_x64", True)
  try:
    yield
  finally:
    numjax.config.update("jax_enable_x64", prev)


# ----------------------------------------------------------------------------------------------
# Codegen hooks mirror the impls exactly
# ----------------------------------------------------------------------------------------------
HOOKED_ROWS = [(r, dt) for r in ROWS if PRIMS.get(r.name) is not None
               and PRIMS[r.name].codegen is not None for dt in r.dtypes]


def test_hot_primitives_have_hooks():
  for name in ["add", "sub", "mul", "div", "neg", "exp", "log", "tanh", "dot_general",
               "reduce_sum", "broadcast_in_dim", "reshape", "transpose", "select_n", "max"]:
    assert PRIMS[name].codegen is not None, name


@pytest.mark.parametrize("row,dtype", HOOKED_ROWS,
                         ids=[f"{r.id}-{np.dtype(d).name}" for r, d in HOOKED_ROWS])
def test_codegen_hook_matches_impl_bitwise(row, dtype):
  prev = numjax.config.jax_enable_x64
  numjax.config.update("jax_enable_x64", np.dtype(dtype) in (F64, C128))
  try:
    prim = PRIMS[row.name]
    params = row.get_params(dtype)
    for seed in range(3):
      args = [np.asarray(a) for a in row.make_args(np.random.default_rng(seed), dtype)]
      in_avals = [ShapedArray(a.shape, a.dtype) for a in args]
      try:
        outs = prim.abstract_eval(*in_avals, **params)
      except (TypeError, ValueError):
        pytest.skip("a row for the primitive's error")
      outs = outs if prim.multiple_results else [outs]
      invars = [Var(a) for a in in_avals]
      outvars = [Var(a) for a in outs]
      jaxpr = Jaxpr([], invars, outvars, [JaxprEqn(prim, invars, outvars, params)])
      src, _ = codegen.generate(ClosedJaxpr(jaxpr, []))
      got = codegen.compile_jaxpr(ClosedJaxpr(jaxpr, []))(*args)
      want = prim.impl(*args, **params)
      want = want if prim.multiple_results else [want]
      for g, w in zip(got, want):
        g, w = np.asarray(g), np.asarray(w)
        assert g.dtype == w.dtype and g.shape == w.shape, src
        assert g.tobytes() == w.tobytes(), src
  finally:
    numjax.config.update("jax_enable_x64", prev)


def test_codegen_emits_direct_numpy():
  src = numjax.jit(lambda x, w: jnp.tanh(jnp.dot(x, w)) * 2.0 + 1.0).lower(
      jnp.ones((2, 3)), jnp.ones((3, 4))).as_text()
  assert "_np_tanh(" in src and "_np_matmul(" in src and " * " in src and " + " in src
  assert "_f" not in src  # no impl calls left


def test_as_text_shows_optimized_source():
  src = numjax.jit(lambda x: jnp.sin(x) + jnp.sin(x) * 1.0).lower(jnp.ones(3)).as_text()
  assert src.count("_np_sin(") == 1 and src.startswith("def jitted(a0):")


def test_generated_code_deletes_dead_intermediates():
  src = numjax.jit(lambda x: jnp.exp(jnp.sin(x)) + 1.0).lower(jnp.ones(1000)).as_text()
  assert "del v0" in src


def test_quiet_floating_point_warnings_like_impl():
  f = numjax.jit(lambda x: (jnp.log(x), jnp.exp(x * 1000.0)))
  with np.errstate(all="raise"):
    a, b = f(jnp.array([0.0, -1.0, 1.0]))
  np.testing.assert_array_equal(value(a)[[0, 2]], [-np.inf, 0.0])
  assert np.isnan(value(a)[1]) and np.isinf(value(b)[2])


# ----------------------------------------------------------------------------------------------
# jit equals eager
# ----------------------------------------------------------------------------------------------
def _mlp_loss(params, x, y):
  h = x
  for w, b in params[:-1]:
    h = jnp.tanh(jnp.dot(h, w) + b)
  w, b = params[-1]
  logits = jnp.dot(h, w) + b
  z = logits - jnp.max(logits, axis=1, keepdims=True)
  logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
  return -jnp.mean(jnp.sum(logp * y, axis=1))


def _mlp_args(sizes=(7, 5, 4, 3), batch=6):
  rng = np.random.default_rng(1)
  params = [(jnp.asarray(rng.standard_normal((m, n)).astype(np.float32)),
             jnp.asarray(rng.standard_normal(n).astype(np.float32)))
            for m, n in zip(sizes[:-1], sizes[1:])]
  x = jnp.asarray(rng.standard_normal((batch, sizes[0])).astype(np.float32))
  y = jnp.asarray(np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], batch)])
  return params, x, y


def _td_loss(theta, s_tm1, r_t, s_t):
  v_tm1 = jnp.dot(theta, s_tm1)
  target = r_t + jnp.dot(theta, s_t)
  return -0.5 * ((lax.stop_gradient(target) - v_tm1) ** 2)


EQUIV = {
    "scalar_weak": (lambda x: jnp.asarray(x) * 2 + 1, (1.5,)),
    "int_ops": (lambda x: (x // 3, x * x - 1, -x, jnp.maximum(x, 2)), (jnp.arange(-4, 4),)),
    "bool_select": (lambda x: jnp.where(x > 0, x, -2 * x), (jnp.linspace(-1, 1, 5),)),
    "reductions": (lambda x: (x.sum(), x.max(0), x.min(1), x.mean(), x.prod()),
                   (jnp.arange(12.0).reshape(3, 4) / 7,)),
    "reshape_transpose": (lambda x: (x.T.reshape(2, 6) @ jnp.ones((6, 2)), x[None].sum(0)),
                          (jnp.arange(12.0).reshape(3, 4),)),
    "dot_variants": (lambda a, b: (jnp.dot(a[0], a[0]),
                                   lax.dot_general(a, b, (((1,), (1,)), ((), ()))),
                                   lax.dot_general(b, a, (((1,), (1,)), ((), ()))).T,
                                   lax.dot_general(a[None], b.T[None], (((2,), (1,)), ((0,), (0,))))),
                     (jnp.arange(6.0).reshape(2, 3), jnp.arange(12.0).reshape(4, 3))),
    "mlp_value_and_grad": (numjax.value_and_grad(_mlp_loss), _mlp_args()),
    "td_loss_vmap_grad": (numjax.vmap(numjax.grad(_td_loss), in_axes=(None, 0, 0, 0)),
                          (jnp.array([0.1, -0.1, 0.]), jnp.ones((2, 3)), jnp.ones(2),
                           jnp.arange(6.0).reshape(2, 3))),
    "hvp": (lambda x, v: numjax.jvp(numjax.grad(lambda x: jnp.sum(jnp.tanh(x) ** 2)), (x,),
                                    (v,))[1], (jnp.linspace(-1, 1, 6), jnp.ones(6))),
    "pytree_out": (lambda d: {"a": d["x"] * 2, "b": [d["y"], (d["x"] + d["y"],)], "c": None},
                   ({"x": jnp.ones(2), "y": jnp.arange(2.0)},)),
    "custom_jvp": (lambda x: numjax.nn.relu(x) if hasattr(numjax, "nn") else x,
                   (jnp.linspace(-1, 1, 4),)),
    "convert": (lambda x: (x.astype(jnp.int32), x.astype(jnp.float16), x.astype(bool)),
                (jnp.array([-1.5, 0.0, 2.7]),)),
}


@pytest.mark.parametrize("name", sorted(EQUIV))
def test_jit_matches_eager(name):
  fn, args = EQUIV[name]
  eager = fn(*args)
  jitted = numjax.jit(fn)
  for _ in range(2):  # the first call traces, the second takes the cached path
    got = jitted(*args)
    assert numjax.tree_util.tree_structure(got) == numjax.tree_util.tree_structure(eager)
    for g, w in zip(numjax.tree_util.tree_leaves(got), numjax.tree_util.tree_leaves(eager)):
      assert g.dtype == w.dtype and g.shape == w.shape and g.weak_type == w.weak_type
      np.testing.assert_allclose(value(g), value(w), rtol=1e-6, atol=1e-6)


def test_jit_x64(x64_on):
  f = numjax.jit(lambda x, y: (x * y, jnp.exp(x)))
  for got, want in zip(f(jnp.arange(3.0), 2), (jnp.arange(3.0) * 2, jnp.exp(jnp.arange(3.0)))):
    assert_same(got, want)
  assert f(jnp.arange(3.0), 2)[0].dtype == np.float64


def test_argument_kinds_agree():
  f = numjax.jit(lambda x, y=1.0: x * y + 1)
  want = f(jnp.arange(3.0), jnp.float32(2))
  assert_same(f(np.arange(3.0, dtype=np.float32), 2.0), Array(value(want), False))
  assert_same(f(jnp.arange(3.0), y=jnp.float32(2)), want)
  assert_same(f([0.0, 1.0, 2.0][0], 2.0), Array(np.float32(1.0), True))


def test_jit_under_transformations():
  f = numjax.jit(lambda x: jnp.sin(x) * x)
  x = jnp.linspace(0, 1, 4)
  np.testing.assert_allclose(value(numjax.vmap(numjax.grad(f))(x)),
                             np.cos(value(x)) * value(x) + np.sin(value(x)), rtol=1e-6)
  assert numjax.grad(lambda x: numjax.jit(lambda y: y * y)(x))(3.0) == 6.0
  nested = numjax.jit(lambda x: f(x) + numjax.jit(jnp.cos)(x))
  np.testing.assert_allclose(value(nested(x)), value(f(x) + jnp.cos(x)), rtol=1e-6)


def test_make_jaxpr_of_jit_shows_staged_not_optimized():
  f = numjax.jit(lambda x: (x * 1.0 + 0.0, jnp.sin(x) + jnp.sin(x)))
  text = str(numjax.make_jaxpr(f)(1.0))
  assert "mul a 1.0:f32[]" in text and text.count("sin a") == 2   # as JAX prints it


def test_eval_jaxpr_with_jit_equation_uses_compiled_code():
  closed = numjax.make_jaxpr(lambda x: numjax.jit(lambda y: y * 3.0)(x) + 1)(jnp.ones(2))
  out, = core.eval_jaxpr(closed.jaxpr, closed.consts, jnp.arange(2.0))
  assert_same(out, jnp.arange(2.0) * 3.0 + 1)


def test_jit_method():
  import functools

  class M:
    def __init__(self, k):
      self.k = k

    @functools.partial(numjax.jit, static_argnums=0)
    def apply(self, x):
      return x * self.k

  assert_same(M(3).apply(jnp.ones(2)), jnp.full(2, 3.0))


def test_disable_jit_runs_python():
  calls = []
  f = numjax.jit(lambda x: calls.append(type(x)) or x + 1)
  prev = numjax.config.jax_disable_jit
  numjax.config.update("jax_disable_jit", True)
  try:
    f(jnp.ones(2))
  finally:
    numjax.config.update("jax_disable_jit", prev)
  assert calls == [Array]


def test_debug_nans_under_jit():
  f = numjax.jit(lambda x: jnp.log(x))
  f(jnp.ones(2))
  prev = numjax.config.jax_debug_nans
  numjax.config.update("jax_debug_nans", True)
  try:
    with pytest.raises(FloatingPointError, match="nan"):
      f(-jnp.ones(2))
  finally:
    numjax.config.update("jax_debug_nans", prev)
  assert np.isnan(value(f(-jnp.ones(2)))).all()


# ----------------------------------------------------------------------------------------------
# The cache
# ----------------------------------------------------------------------------------------------
def _counting(fn=lambda x: x + 1):
  traces = []

  def f(*args, **kwargs):
    traces.append(1)
    return fn(*args, **kwargs)
  return numjax.jit(f), traces


def test_print_happens_at_trace_time_only(capsys):
  @numjax.jit
  def f(x):
    print("tracing", x.shape)
    return x * 2

  for _ in range(3):
    f(jnp.ones(3))
  f(np.ones(3, np.float32))
  assert capsys.readouterr().out == "tracing (3,)\n"
  f(jnp.ones(4))
  assert capsys.readouterr().out == "tracing (4,)\n"


def test_cache_key_components(x64_on):
  f, traces = _counting(lambda x: x * 2)
  f(jnp.ones(3, jnp.float32)); f(jnp.ones(3, jnp.float32))
  assert len(traces) == 1
  f(jnp.ones(4, jnp.float32)); assert len(traces) == 2           # shape
  f(jnp.ones(3, jnp.int32)); assert len(traces) == 3              # dtype
  f(Array(np.ones(3, np.float32), True)); assert len(traces) == 4  # weak type
  f(2.0); f(3.0); assert len(traces) == 5                          # python float: f64 weak
  numjax.config.update("jax_enable_x64", False)
  f(2.0); assert len(traces) == 6                                  # x64 mode: f32 weak
  f([jnp.ones(3, jnp.float32)]); assert len(traces) == 7          # tree structure
  assert f._cache_size() == 7


def test_static_args_in_key():
  f, traces = _counting(lambda x, n: x * n)
  f = numjax.jit(f.fun, static_argnums=1)
  assert_same(f(jnp.ones(2), 3), jnp.full(2, 3.0))
  f(jnp.ones(2), 3); f(jnp.ones(2), 4)
  assert len(traces) == 2
  g = numjax.jit(lambda x, *, n: x * n, static_argnames="n")
  assert_same(g(jnp.ones(2), n=5), jnp.full(2, 5.0))


def test_unhashable_static_args_raise_jax_error():
  f = numjax.jit(lambda x, y: x, static_argnums=1)
  with pytest.raises(ValueError) as e:
    f(1.0, [1, 2])
  assert str(e.value) == (
      "Non-hashable static arguments are not supported. An error occurred while trying to "
      "hash an object of type <class 'list'>, [1, 2]. The error was:\nTypeError: unhashable "
      "type: 'list'\n")
  g = numjax.jit(lambda x, y: x, static_argnames="y")
  with pytest.raises(ValueError, match="Non-hashable static arguments are not supported"):
    g(1.0, y=[1])


def test_non_array_output_raises_clear_error():
  with pytest.raises(TypeError, match=r"^function <lambda> at .*test_jit.py:\d+ traced for jit "
                     r"returned a value of type <class 'str'>, which is not a valid JAX type$"):
    numjax.jit(lambda x: "hi")(1.0)
  with pytest.raises(TypeError, match=r"returned a value of type <class 'object'> at output "
                     r"component \['a'\]\[1\], which is not a valid JAX type"):
    numjax.jit(lambda x: {"a": [x, object()]})(1.0)
  assert numjax.jit(lambda x: None)(1.0) is None
  out = numjax.jit(lambda x: (1, 2.0, True))(1.0)
  assert [(o.dtype, o.weak_type) for o in out] == [(np.int32, True), (np.float32, True),
                                                    (np.bool_, False)]


def test_non_array_argument_error_names_path():
  def f(x, y, *rest, **kw):
    return x
  jf = numjax.jit(f)
  for args, kwargs, path in [((1.0, {"a": ("s",)}), {}, "y['a'][0]"),
                             ((1.0, 2.0, 3.0, "s"), {}, "rest[1]"),
                             ((1.0, 2.0), {"z": "s"}, "kw['z']")]:
    with pytest.raises(TypeError) as e:
      jf(*args, **kwargs)
    assert str(e.value).startswith(f"Error interpreting argument to {f!r} as an abstract "
                                   f"array. The problematic value is of type <class 'str'> and "
                                   f"was passed to the function at path {path}.\nThis "
                                   f"typically means that a jit-wrapped function was called "
                                   f"with a non-array argument")


def test_explain_cache_misses(caplog):
  prev = numjax.config.jax_explain_cache_misses
  numjax.config.update("jax_explain_cache_misses", True)
  try:
    @numjax.jit
    def f(x, y):
      return x + y
    with caplog.at_level(logging.WARNING, logger="numjax"):
      f(1.0, 2.0)
      f(jnp.ones(3), 2.0)
      f(jnp.ones(3), 2.0)         # a hit: nothing logged
      f(jnp.ones(3), jnp.ones(3, jnp.int32))
  finally:
    numjax.config.update("jax_explain_cache_misses", prev)
  msgs = [r.getMessage() for r in caplog.records]
  assert len(msgs) == 3
  assert msgs[0].startswith("TRACING CACHE MISS at ") and "never seen function" in msgs[0]
  assert "test_jit.py" in msgs[0]     # the caller's location
  assert "* at x, now f32[3]{weak_type=False} and before f32[]{weak_type=True}" in msgs[1]
  assert "* at y, now i32[3]{weak_type=False} and before f32[]{weak_type=True}" in msgs[2]


def test_no_explanations_by_default(caplog):
  f = numjax.jit(lambda x: x)
  with caplog.at_level(logging.WARNING, logger="numjax"):
    f(1.0); f(jnp.ones(2))
  assert not caplog.records


def test_cache_is_bounded(monkeypatch):
  monkeypatch.setattr(jit_mod, "_MAX_CACHE", 4)
  f, traces = _counting()
  for n in range(1, 10):
    f(jnp.ones(n))
  assert f._cache_size() == 4 and len(f._fast_cache) == 4
  f(jnp.ones(9)); assert len(traces) == 9      # still cached
  f(jnp.ones(1)); assert len(traces) == 10     # evicted, traced again


def test_clear_cache():
  f, traces = _counting()
  f(jnp.ones(2)); f.clear_cache(); f(jnp.ones(2))
  assert len(traces) == 2


def test_dead_closures_are_collected():
  refs = []
  for i in range(3):
    big = np.full(1000, float(i), np.float32)

    def closure(x, big=big):
      return x + jnp.asarray(big)

    jf = numjax.jit(closure)
    jf(jnp.ones(1000))
    jf(jnp.ones(1000))
    refs.append((weakref.ref(closure), weakref.ref(jf)))
    del closure, jf
  gc.collect()
  assert all(r() is None for pair in refs for r in pair)


def test_escaped_tracer_through_jit_raises():
  leaked = []
  numjax.grad(lambda x: leaked.append(x) or x)(1.0)
  with pytest.raises(numjax.errors.UnexpectedTracerError if hasattr(numjax, "errors")
                     else Exception):
    numjax.jit(lambda x: x * 2)(leaked[0])


def test_fast_path_guards_fall_back_correctly():
  f, traces = _counting(lambda x, y: x * y)
  a32, b32 = jnp.ones(3), jnp.full(3, 2.0)
  assert_same(f(a32, b32), jnp.full(3, 2.0))
  i32 = jnp.ones(3, jnp.int32)
  assert_same(f(i32, i32), i32)                                    # same shapes, new dtype
  assert_same(f(a32, b32), jnp.full(3, 2.0))                       # back: a dict hit
  weak = Array(np.ones(3, np.float32), True)
  assert f(weak, weak).weak_type and not f(a32, b32).weak_type     # weak type is guarded
  assert_same(f(a32, 2.0), jnp.full(3, 2.0))                       # a Python scalar
  assert_same(f(a32, np.float32(2)), jnp.full(3, 2.0))             # a NumPy scalar
  assert_same(f(a32, y=b32), jnp.full(3, 2.0))                     # a keyword argument
  with pytest.raises(TypeError):
    f(a32)                                                         # wrong arity
  assert len(traces) == 7
  for _ in range(3):
    f(a32, b32), f(i32, i32)                                       # alternating: no retrace
  assert len(traces) == 7


def test_fast_path_respects_x64_flag(x64_on):
  f, traces = _counting(lambda x: x + 1)
  x = jnp.ones(2, jnp.float32)
  f(x)
  numjax.config.update("jax_enable_x64", False)
  f(x)
  assert len(traces) == 2


def test_closed_over_tracers_become_operands():
  assert numjax.grad(lambda x: numjax.jit(lambda y: x * y)(2.0))(3.0) == 2.0
  out = numjax.vmap(lambda x: numjax.jit(lambda y: x * y)(jnp.ones(2)))(jnp.arange(3.0))
  np.testing.assert_array_equal(value(out), np.arange(3.0)[:, None] * np.ones(2))
  text = str(numjax.make_jaxpr(lambda x: numjax.jit(lambda y: x * y)(2.0))(3.0))
  assert text == ("{ lambda ; a:f32[]. let\n    b:f32[] = jit[\n      name=<lambda>\n"
                  "      jaxpr={ lambda ; a:f32[] c:f32[]. let b:f32[] = mul a c in (b,) }\n"
                  "    ] a 2.0:f32[]\n  in (b,) }")   # as JAX 0.10.2 prints it


def test_pytree_and_scalar_arguments_take_generated_call():
  f, traces = _counting(lambda p, x, s=1.0: ({"a": p[0]["w"] * x, "n": None}, [p[1] + s]))
  p = ({"w": jnp.ones(2), "v": jnp.ones(1)}, jnp.ones(3))
  for x, s in [(2.0, 1.0), (3.0, 1.0), (4.0, 2.0)]:
    out = f(p, x, s=s)
    assert out[0]["n"] is None and list(out[0]) == ["a", "n"]
    assert_same(out[0]["a"], jnp.full(2, x))
    assert_same(out[1][0], jnp.full(3, 1 + s))
  assert len(traces) == 1
  entry = next(iter(f._cache.values()))
  assert entry.call is not None and "return _MISS" in entry.call.__numjax_source__
  f(p, jnp.float32(2.0), s=1.0)                       # an Array where a float was: retrace
  f(({"w": jnp.ones(2), "v": jnp.ones(1), "u": 1.0}, jnp.ones(3)), 2.0)   # new key: retrace
  assert len(traces) == 3
  with pytest.raises(KeyError):
    f(({"v": jnp.ones(2)}, jnp.ones(3)), 2.0)        # missing key: the user's own error


def test_jit_of_same_function_shares_traces():
  traces = []

  def f(x):
    traces.append(1)
    return x * 2

  numjax.jit(f)(3.0)
  numjax.jit(f)(3.0)                           # a new wrapper, same function: no retrace
  assert len(traces) == 1
  numjax.jit(f, static_argnums=())(jnp.ones(2))
  assert len(traces) == 2


def test_shared_caches_are_bounded(monkeypatch):
  monkeypatch.setattr(jit_mod, "_MAX_SHARED", 3)
  fns = [lambda x, i=i: x + i for i in range(6)]
  for f in fns:
    numjax.jit(f)(1.0)
  assert sum(1 for f in fns if f in jit_mod._shared) <= 3
  assert fns[-1] in jit_mod._shared


def test_self_referencing_closures_are_collected_after_eviction(monkeypatch):
  monkeypatch.setattr(jit_mod, "_MAX_SHARED", 2)

  def make():
    @numjax.custom_jvp
    def f(x):
      return jnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
      return f(primals[0]), tangents[0]    # the rule closes over f: a cycle through the cache
    numjax.jit(f)(1.0)
    return weakref.ref(f)

  ref = make()
  # Push f out of the shared caches with functions that stay alive (dead ones may share ids).
  others = [lambda x, i=i: x * i for i in range(3)]
  for g in others:
    numjax.jit(g)(1.0)
  gc.collect()
  assert ref() is None
