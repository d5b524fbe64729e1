"""The smaller top-level API: config context managers, disable_jit, ensure_compile_time_eval,
named_call/named_scope, clear_caches, custom_gradient, process/device queries, pmap,
custom_batching, ops (segment reductions) and sharding stand-ins.

Literals are what JAX 0.10.2 gives for the same calls."""
import json
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import lax
from numjax import ops
from numjax._src.core import Tracer
from numjax.custom_batching import custom_vmap, sequential_vmap

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def arr(x):
  return np.asarray(x)


# ----------------------------------------------------------------------------------------------
# Small names
# ----------------------------------------------------------------------------------------------
def test_float0_and_devices():
  assert jax.float0 == np.dtype([("float0", "V")])
  assert jax.float0.itemsize == 0
  d = jax.devices()[0]
  assert repr(d) == "CpuDevice(id=0)" and str(d) == "cpu:0"
  assert (d.id, d.platform, d.device_kind, d.process_index) == (0, "cpu", "cpu", 0)
  assert isinstance(d, jax.Device)
  assert jax.device_count() == jax.local_device_count() == len(jax.devices())
  assert jax.devices("cpu") == jax.local_devices() == jax.local_devices(0)
  assert jnp.ones(2).devices() == {d}
  with pytest.raises(RuntimeError, match=r"Unknown backend: 'gpu' requested, but no platforms "
                     r"that are instances of gpu are present. Platforms present are: cpu"):
    jax.devices("gpu")
  with pytest.raises(RuntimeError, match=r"Unknown backend foo. Available backends are \['cpu'\]"):
    jax.device_count("foo")
  with pytest.raises(ValueError, match="Unknown process_index 1"):
    jax.local_devices(process_index=1)


def test_process_queries_and_environment():
  assert (jax.process_index(), jax.process_count(), jax.process_indices()) == (0, 1, [0])
  with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    assert (jax.host_id(), jax.host_count(), jax.host_ids()) == (0, 1, [0])
  assert [str(x.message).split(" has been")[0] for x in w] == \
      ["jax.host_id", "jax.host_count", "jax.host_ids"]
  info = jax.print_environment_info(return_string=True)
  assert info.startswith("numjax: ") and "numpy:  " + np.__version__ in info
  assert f"device info: cpu-{jax.device_count()}, {jax.device_count()} local devices" in info
  assert jax.live_arrays() == []
  tree = [jnp.ones(2), 1]
  assert jax.copy_to_host_async(tree) is tree


def test_device_put_accepts_devices_and_shardings():
  mesh = jax.make_mesh((1,), ("x",))
  for where in (None, jax.devices()[0], jax.sharding.SingleDeviceSharding(jax.devices()[0]),
                jax.NamedSharding(mesh, jax.P("x")), {"a": jax.NamedSharding(mesh, jax.P())}):
    out = jax.device_put({"a": jnp.arange(4.)}, where)
    np.testing.assert_array_equal(arr(out["a"]), np.arange(4.))
  with pytest.raises(ValueError, match=r"`jax.device_put` only accepts `None`, "
                     r"`jax.sharding.Sharding`, `jax.Device`, .* Received invalid value: 3"):
    jax.device_put(jnp.ones(2), 3)


def test_sharding_stand_ins():
  P = jax.sharding.PartitionSpec
  assert jax.P is P
  assert [repr(P("x", None)), repr(P()), repr(P(("x", "y"))), repr(P("x"))] == \
      ["P('x', None)", "P()", "P(('x', 'y'),)", "P('x',)"]
  assert P("x", None) == P("x", None) and P("x", None) != ("x", None)
  assert hash(P("x")) == hash(P("x")) and len(P("x", None)) == 2
  mesh = jax.make_mesh((1,), ("x",))
  assert repr(mesh) == "Mesh(axis_sizes=(1,), axis_names=('x',), axis_types=(Explicit,))"
  assert dict(mesh.shape) == {"x": 1} and mesh.size == 1 and mesh.axis_names == ("x",)
  m2 = jax.sharding.Mesh(np.array(jax.devices()[:1]).reshape(1, 1), ("x", "y"))
  assert repr(m2) == "Mesh(axis_sizes=(1, 1), axis_names=('x', 'y'), axis_types=(Auto, Auto))"
  ns = jax.NamedSharding(mesh, P("x"))
  assert repr(ns) == ("NamedSharding(mesh=Mesh('x': 1, axis_types=(Explicit,)), spec=P('x',), "
                      "memory_kind=device)")
  assert ns.device_set == {jax.devices()[0]} and ns.num_devices == 1 and ns.is_fully_replicated
  assert ns.shard_shape((4,)) == (4,)
  sd = jax.sharding.SingleDeviceSharding(jax.devices()[0])
  assert repr(sd) == "SingleDeviceSharding(device=CpuDevice(id=0), memory_kind=device)"
  assert sd == jnp.arange(3.).sharding
  with pytest.raises(ValueError, match=r"Number of devices \d+ must be >= the product of "
                     r"mesh_shape \(64,\)"):
    jax.make_mesh((64,), ("x",))
  with pytest.raises(ValueError, match=r"Mesh requires the ndim of its first argument "
                     r"\(`devices`\) to equal the length of its second argument \(`axis_names`\), "
                     r"but got devices.ndim == 1 and len\(axis_names\) == 2."):
    jax.sharding.Mesh(jax.devices()[:1], ("x", "y"))
  with pytest.raises(ValueError, match=r"Resource axis: z of P\('z',\) is not found in mesh: "
                     r"\('x',\)."):
    jax.NamedSharding(mesh, P("z"))


# ----------------------------------------------------------------------------------------------
# Config context managers
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value", [
    ("enable_x64", True), ("debug_nans", True), ("debug_infs", True), ("log_compiles", True),
    ("explain_cache_misses", True), ("check_tracer_leaks", True), ("enable_checks", True),
    ("threefry_partitionable", False), ("default_matmul_precision", "highest"),
    ("numpy_rank_promotion", "raise"), ("numpy_dtype_promotion", "strict"),
    ("default_prng_impl", "rbg"), ("legacy_prng_key", "error"),
    ("transfer_guard_host_to_device", "disallow"),
])
def test_config_states_set_and_restore(name, value):
  state = getattr(jax, name)
  before = state.value
  assert getattr(jax.config, state.name) == before
  with state(value):
    assert state.value == value and jax.config.read(state.name) == value
  assert state.value == before
  with pytest.raises(KeyError):
    with state(value):
      raise KeyError("restored on error too")
  assert state.value == before

  @state(value)
  def read():
    return state.value
  assert read() == value and state.value == before


def test_config_state_errors_and_defaults():
  with pytest.raises(TypeError, match="Context manager for numpy_rank_promotion config option "
                     "requires an argument representing the new value for the config option."):
    jax.numpy_rank_promotion()
  with pytest.raises(ValueError, match=r"new enum value must be in \['allow', 'warn', 'raise'\], "
                     r"got bad of type <class 'str'>."):
    jax.numpy_rank_promotion("bad")
  with pytest.raises(ValueError, match=r"new enum value must be None or in \['default', 'high'"):
    jax.default_matmul_precision("fastest")
  with pytest.raises(ValueError, match="'bad' is not a valid NumpyDtypePromotion"):
    jax.numpy_dtype_promotion("bad")
  with pytest.raises(TypeError, match=r"bool\(\) not supported for instances of type 'State' "
                     r"\(did you mean to use 'State.value' instead\?\)"):
    bool(jax.enable_x64)
  with pytest.raises(ValueError, match="jax.default_device must be passed either a Device object"):
    jax.default_device(3)
  assert jax.debug_nans.__name__ == "debug_nans" and jax.enable_x64.name == "jax_enable_x64"
  assert jax.debug_nans.__doc__.startswith("Context manager for `jax_debug_nans` config option.")
  with jax.checking_leaks():     # a partial of check_tracer_leaks(True)
    assert jax.config.jax_check_tracer_leaks is True
  assert jax.config.jax_check_tracer_leaks is False
  with jax.default_device(jax.devices()[0]):
    assert jax.config.jax_default_device == jax.devices()[0]
  assert jax.config.jax_default_device is None
  with jax.transfer_guard("disallow"):
    assert jax.config.jax_transfer_guard_device_to_host == "disallow"
  assert jax.config.jax_transfer_guard_device_to_host is None
  jax.config.update("jax_enable_checks", True)   # the new options are config options too
  assert jax.enable_checks.value is True
  jax.config.update("jax_enable_checks", False)


def test_config_states_take_effect():
  f = jax.jit(lambda x: x + 1)
  with jax.enable_x64(True):
    assert jnp.ones(2).dtype == np.float64
    assert f(jnp.ones(2)).dtype == np.float64
  assert jnp.ones(2).dtype == np.float32 and f(jnp.ones(2)).dtype == np.float32
  with jax.debug_nans():
    with pytest.raises(FloatingPointError, match="invalid value"):
      jnp.log(-1.)
  assert np.isnan(arr(jnp.log(-1.)))
  with jax.debug_infs(True):
    with pytest.raises(FloatingPointError):
      jnp.log(0.)


# ----------------------------------------------------------------------------------------------
# disable_jit, ensure_compile_time_eval, clear_caches, named_call
# ----------------------------------------------------------------------------------------------
def test_disable_jit_runs_eagerly_and_restores():
  seen = []

  def h(x):
    seen.append(type(x).__name__)
    return x * 2
  jh = jax.jit(h)
  with jax.disable_jit():
    assert jax.config.jax_disable_jit is True
    assert float(jh(3.0)) == 6.0
    assert str(jax.make_jaxpr(jh)(1.0)) == \
        "{ lambda ; a:f32[]. let b:f32[] = mul a 2.0:f32[] in (b,) }"   # jit inlined
    assert int(lax.fori_loop(0, 3, lambda i, c: c + i, 0)) == 3
  assert seen[0] == "float"          # the Python float itself, as in JAX
  assert jax.config.jax_disable_jit is False
  seen.clear()
  jh(3.0)
  jh(3.0)
  assert seen == ["JaxprTracer"]
  with jax.disable_jit(False):
    assert jax.config.jax_disable_jit is False
  jax.config.update("jax_disable_jit", True)
  try:
    seen.clear()
    jh(4.0)
    assert seen == ["float"]
  finally:
    jax.config.update("jax_disable_jit", False)


def test_ensure_compile_time_eval():
  seen = {}

  @jax.jit
  def f(x):
    with jax.ensure_compile_time_eval():
      y = jnp.sin(2.0)
      z = jnp.arange(3.) * 2
      seen["y"], seen["z"], seen["w"] = type(y), type(z), type(x + 1)
    return x + y + z
  np.testing.assert_allclose(arr(f(1.0)), [1.9092975, 3.9092975, 5.9092975], rtol=1e-6)
  assert seen["y"] is jax.Array and seen["z"] is jax.Array
  assert issubclass(seen["w"], Tracer)       # operations on traced values stay traced

  def g(x):
    with jax.ensure_compile_time_eval():
      y = jnp.sin(2.0)
      assert type(y) is jax.Array
    return x * y
  assert "sin" not in str(jax.make_jaxpr(g)(1.0))
  np.testing.assert_allclose(arr(jax.vmap(g)(jnp.arange(2.))), [0., 0.9092974], rtol=1e-6)
  np.testing.assert_allclose(float(jax.grad(g)(1.0)), 0.9092974, rtol=1e-6)


def test_clear_caches_retraces():
  count = [0]

  def k(x):
    count[0] += 1
    return x + 1
  jk = jax.jit(k)
  jk(1.)
  jk(1.)
  assert count == [1]
  jax.clear_caches()
  jk(1.)
  assert count == [2]
  jk(1.)
  jax.jit(k)(1.)
  assert count == [2]


def test_named_call_and_named_scope_are_transparent():
  def f(x):
    return jnp.sin(x) * 2
  g = jax.named_call(f, name="foo")
  assert g.__name__ == "f"
  text = "{ lambda ; a:f32[]. let b:f32[] = sin a; c:f32[] = mul b 2.0:f32[] in (c,) }"
  assert str(jax.make_jaxpr(g)(1.0)) == text
  assert float(jax.grad(g)(1.0)) == pytest.approx(1.0806046)
  np.testing.assert_allclose(arr(jax.vmap(g)(jnp.arange(3.))), [0., 1.6829419, 1.8185948],
                             rtol=1e-6)

  def h(x):
    with jax.named_scope("bar"):
      return jnp.cos(x)
  assert str(jax.make_jaxpr(h)(1.0)) == "{ lambda ; a:f32[]. let b:f32[] = cos a in (b,) }"
  with pytest.raises(TypeError, match="named_scope name argument must be a string."):
    jax.named_scope(3)


# ----------------------------------------------------------------------------------------------
# custom_gradient
# ----------------------------------------------------------------------------------------------
def test_custom_gradient():
  @jax.custom_gradient
  def f(x):
    return x ** 2, lambda g: (g * x,)
  assert float(f(3.)) == 9.0 and float(jax.grad(f)(3.)) == 3.0
  assert float(jax.grad(lambda x: f(x) * x)(3.)) == 18.0
  assert float(jax.grad(jax.grad(lambda x: f(x) * x))(3.)) == 12.0

  @jax.custom_gradient
  def f2(x, y):
    return x * y, lambda g: (g * y, g * x)
  gx, gy = jax.grad(f2, argnums=(0, 1))(3., 4.)
  assert repr(gx) == "Array(4., dtype=float32, weak_type=True)"
  assert repr(gy) == "Array(3., dtype=float32, weak_type=True)"

  @jax.custom_gradient
  def clip_grad(x):
    return jnp.sin(x), lambda g: jnp.clip(g * jnp.cos(x), -0.5, 0.5)
  np.testing.assert_allclose(arr(jax.vmap(jax.grad(clip_grad))(jnp.array([0., 1., 2.]))),
                             [0.5, 0.5, -0.41614684], rtol=1e-6)
  assert float(jax.jit(jax.grad(clip_grad))(0.)) == 0.5
  assert float(jax.grad(jax.jit(clip_grad))(0.)) == 0.5

  @jax.custom_gradient
  def tree_f(d):
    return d["a"] * d["b"], lambda g: ({"a": g * d["b"], "b": g * 100.},)
  g = jax.grad(tree_f)({"a": 2., "b": 3.})
  assert (float(g["a"]), float(g["b"])) == (3.0, 100.0)

  @jax.custom_gradient
  def branchy(x):          # the rule may branch on concrete closed-over values
    return x, lambda g: (g if x > 0 else -g,)
  assert float(jax.grad(branchy)(1.)) == 1.0 and float(jax.grad(branchy)(-1.)) == -1.0

  @jax.custom_gradient
  def bad(x):
    return x * 2, lambda g: (g, g)
  with pytest.raises(TypeError, match="Custom VJP bwd rule must produce an output with the same "
                     "container"):
    jax.grad(bad)(1.)
  with pytest.raises(TypeError, match=r"can't apply forward-mode autodiff \(jvp\) to a "
                     r"custom_vjp function."):
    jax.jvp(f, (3.,), (1.,))


# ----------------------------------------------------------------------------------------------
# pmap
# ----------------------------------------------------------------------------------------------
def test_pmap_on_available_devices():
  n = jax.local_device_count()
  out = jax.pmap(lambda x: jnp.sin(x) * 2)(jnp.ones((1, 3)))
  np.testing.assert_allclose(arr(out), np.full((1, 3), 2 * np.sin(1.)), rtol=1e-6)
  assert out.dtype == np.float32
  assert arr(jax.pmap(lambda x: lax.psum(x, "i"), axis_name="i")(jnp.arange(1.))).tolist() == [0.]
  with pytest.raises(ValueError, match=rf"compiling computation that requires {n + 1} logical "
                     rf"devices, but only {n} XLA devices are available \(num_replicas={n + 1}\)"):
    jax.pmap(lambda x: x)(jnp.arange(n + 1.))
  with pytest.raises(ValueError, match="pmap requires at least one argument with a mapped axis."):
    jax.pmap(lambda x: x)(3.0)
  with pytest.raises(ValueError, match="pmap requires at least one argument with a mapped axis."):
    jax.pmap(lambda x: x, in_axes=None)(jnp.ones(1))
  with pytest.raises(ValueError, match=r"pmap got inconsistent sizes for array axes to be mapped"):
    jax.pmap(lambda x, y: x + y)(jnp.ones((1,)), jnp.ones((2,)))
  with pytest.raises(TypeError, match=r"pmap in_axes must be an int, None, or \(nested\) container "
                     r"with those types as leaves, but got 1.0."):
    jax.pmap(lambda x: x, in_axes=1.0)
  with pytest.raises(ValueError, match="'devices' argument to pmap must be non-empty, or None."):
    jax.pmap(lambda x: x, devices=[])
  with pytest.raises(ValueError, match="Specified axis_size 3 doesn't match received axis_size 1."):
    jax.pmap(lambda x: x, axis_size=3)(jnp.ones(1))
  with pytest.raises(ValueError, match=r"pmapped function has static_broadcasted_argnums=\(1,\) "
                     r"but was called with only 1 positional argument. All static broadcasted "
                     r"arguments must be passed positionally."):
    jax.pmap(lambda x, k: x * k, static_broadcasted_argnums=1)(jnp.ones(1))
  f = jax.pmap(lambda x, k: x * k, static_broadcasted_argnums=1)
  assert arr(f(jnp.ones(1), 3)).tolist() == [3.] and arr(f(jnp.ones(1), 4)).tolist() == [4.]
  assert arr(jax.pmap(lambda x, y: x + y, in_axes=(0, None))(jnp.ones(1), 3.)).tolist() == [4.]
  assert arr(jax.pmap(lambda x: x + 1)(x=jnp.arange(1.))).tolist() == [1.]
  g = jax.grad(lambda x: jax.pmap(jnp.sin)(x).sum())(jnp.ones(1))
  np.testing.assert_allclose(arr(g), [np.cos(1.)], rtol=1e-6)


_PMAP_SCRIPT = r"""
import json, numpy as np
import numjax as jax, numjax.numpy as jnp
from numjax import lax
out = {}
out["devices"] = [repr(d) for d in jax.devices()]
out["counts"] = [jax.device_count(), jax.local_device_count()]
out["normalize"] = np.asarray(jax.pmap(lambda x: x / lax.psum(x, "i"), axis_name="i")(
    jnp.arange(4.))).tolist()
out["pmean"] = np.asarray(jax.pmap(lambda x: lax.pmean(x, "i"), "i")(jnp.arange(4.))).tolist()
out["index"] = np.asarray(jax.pmap(lambda x: lax.axis_index("i") + 0 * x, "i")(
    jnp.ones(4))).tolist()
out["gather"] = np.asarray(jax.pmap(lambda x: lax.all_gather(x, "i"), "i")(
    jnp.arange(3.))).tolist()
out["nested"] = np.asarray(jax.pmap(jax.pmap(lambda x: lax.psum(x, ("i", "j")), "j"), "i")(
    jnp.ones((2, 2)))).tolist()
out["in_axes1"] = np.asarray(jax.pmap(lambda x: x * 2, in_axes=1)(jnp.ones((3, 2)))).tolist()
out["grad"] = np.asarray(jax.grad(
    lambda x: jax.pmap(lambda v: v * lax.psum(v, "i"), "i")(x).sum())(jnp.arange(4.))).tolist()
with jax.disable_jit():
  out["eager"] = np.asarray(jax.pmap(lambda x: lax.psum(x, "i"), "i")(jnp.arange(4.))).tolist()
errors = []
for f, x in [(jax.pmap(lambda x: x), jnp.arange(5.)),
             (jax.pmap(jax.pmap(lambda x: x)), jnp.ones((2, 3)))]:
  try:
    f(x)
  except ValueError as e:
    errors.append(str(e))
out["errors"] = errors
out["mesh"] = repr(jax.make_mesh((2, 2), ("x", "y")))
print(json.dumps(out))
"""


def test_pmap_with_forced_host_device_count():
  env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4")
  proc = subprocess.run([sys.executable, "-c", _PMAP_SCRIPT], cwd=REPO, env=env,
                        capture_output=True, text=True, timeout=120)
  assert proc.returncode == 0, proc.stderr
  out = json.loads(proc.stdout.strip().splitlines()[-1])
  assert out["devices"] == [f"CpuDevice(id={i})" for i in range(4)]
  assert out["counts"] == [4, 4]
  np.testing.assert_allclose(out["normalize"], [0., 1 / 6, 2 / 6, 3 / 6], rtol=1e-6)
  assert out["pmean"] == [1.5] * 4
  assert out["index"] == [0., 1., 2., 3.]
  assert out["gather"] == [[0., 1., 2.]] * 3
  assert out["nested"] == [[4., 4.], [4., 4.]]
  assert out["in_axes1"] == [[2., 2., 2.], [2., 2., 2.]]
  assert out["grad"] == [12.] * 4        # d/dx_k sum_j x_j * S = 2 S
  assert out["eager"] == [6.] * 4
  # JAX 0.10.2 (pmap over shard_map) fails here with a sharding or squeeze error; numjax gives
  # the message of JAX's own pmap (its docstring: "... requires 9 replicas, but only 8 XLA
  # devices are available").
  assert out["errors"] == [
      "compiling computation that requires 5 logical devices, but only 4 XLA devices are "
      "available (num_replicas=5)",
      "compiling computation that requires 6 logical devices, but only 4 XLA devices are "
      "available (num_replicas=6)"]
  assert out["mesh"] == \
      "Mesh(axis_sizes=(2, 2), axis_names=('x', 'y'), axis_types=(Explicit, Explicit))"


# ----------------------------------------------------------------------------------------------
# custom_batching
# ----------------------------------------------------------------------------------------------
def _mul_rule_fn():
  calls = []

  @custom_vmap
  def f(x, y):
    return x + y

  @f.def_vmap
  def rule(axis_size, in_batched, xs, ys):
    calls.append((axis_size, list(in_batched)))
    return xs * ys, in_batched[0] or in_batched[1]
  return f, calls


def test_custom_vmap_eager_vmap_jit():
  f, calls = _mul_rule_fn()
  xs, ys = jnp.arange(3.), jnp.arange(1., 4.)
  assert repr(f(2., 3.)) == "Array(5., dtype=float32, weak_type=True)"
  assert calls == []
  assert arr(jax.vmap(f)(xs, ys)).tolist() == [0., 2., 6.]
  assert calls == [(3, [True, True])]
  assert arr(jax.vmap(f, in_axes=(0, None))(xs, 2.)).tolist() == [0., 2., 4.]
  assert calls[-1] == (3, [True, False])
  assert arr(jax.jit(jax.vmap(f))(xs, ys)).tolist() == [0., 2., 6.]
  assert arr(jax.vmap(jax.jit(f))(xs, ys)).tolist() == [0., 2., 6.]
  assert float(jax.jit(f)(2., 3.)) == 5.0
  assert arr(jax.vmap(jax.vmap(f))(jnp.ones((2, 3)), jnp.full((2, 3), 2.))).tolist() == \
      [[2.] * 3] * 2
  assert float(f(x=1., y=2.)) == 3.0
  text = re.sub(r"0xX+", "0x...", str(jax.make_jaxpr(f)(2., 3.)))
  assert text == """{ lambda ; a:f32[] b:f32[]. let
    c:f32[] = custom_vmap_call[
      call={ lambda ; d:f32[] e:f32[]. let f:f32[] = add d e in (f,) }
      in_tree=PyTreeDef(([], (*, *)))
      out_tree=PyTreeDef(*)
      rule=<function _mul_rule_fn.<locals>.rule at 0x...>
    ] a b
  in (c,) }"""
  assert str(jax.make_jaxpr(jax.vmap(f))(xs, ys)) == \
      "{ lambda ; a:f32[3] b:f32[3]. let c:f32[3] = mul a b in (c,) }"


def test_custom_vmap_closure_and_unbatched_output():
  def outer(c, xs):
    @custom_vmap
    def f(x):
      return x * c

    @f.def_vmap
    def rule(n, b, x):
      return x * c * 10, b[0]
    return jax.vmap(f)(xs)
  assert arr(outer(2., jnp.arange(3.))).tolist() == [0., 20., 40.]
  assert arr(jax.jit(outer)(2., jnp.arange(3.))).tolist() == [0., 20., 40.]
  assert float(jax.grad(lambda c: outer(c, jnp.arange(3.)).sum())(2.)) == 30.0
  assert arr(jax.vmap(outer, in_axes=(0, None))(jnp.arange(2.), jnp.arange(3.))).tolist() == \
      [[0., 0., 0.], [0., 10., 20.]]

  @custom_vmap
  def g(x):
    return jnp.sin(x)

  @g.def_vmap
  def unbatched(n, b, x):
    return x * 10, False      # an unbatched (n,) output, broadcast by vmap
  assert arr(jax.vmap(g)(jnp.arange(3.))).tolist() == [[0., 10., 20.]] * 3


def test_custom_vmap_jvp_and_grad():
  f, _ = _mul_rule_fn()
  xs, ys = jnp.arange(3.), jnp.arange(1., 4.)
  p, t = jax.jvp(f, (2., 3.), (1., 1.))
  assert repr(p) == "Array(5., dtype=float32, weak_type=True)"
  assert repr(t) == "Array(2., dtype=float32, weak_type=True)"
  p, t = jax.jvp(jax.vmap(f), (xs, ys), (jnp.ones(3), jnp.ones(3)))
  assert arr(p).tolist() == [0., 2., 6.] and arr(t).tolist() == [1., 3., 5.]
  # vmap of jvp differentiates the rule
  p, t = jax.vmap(lambda x, tx: jax.jvp(f, (x, 2.), (tx, 0.)))(xs, jnp.ones(3))
  assert arr(p).tolist() == [0., 2., 4.] and arr(t).tolist() == [2., 2., 2.]
  assert arr(jax.grad(lambda x: jax.vmap(f)(x, ys).sum())(xs)).tolist() == [1., 2., 3.]

  @custom_vmap
  def h(x, y):
    return jnp.sin(x) * y

  @h.def_vmap
  def h_rule(axis_size, in_batched, xs, ys):
    return jnp.sin(xs) * ys * 2, in_batched[0] or in_batched[1]
  # jacfwd batches only tangents: the rule runs on unbatched primals (JAX's literals).
  assert float(jax.jacfwd(h, argnums=1)(1., 2.)) == pytest.approx(1.6829419, rel=1e-6)
  hess = jax.hessian(lambda x: jax.vmap(h)(x, jnp.ones(3)).sum())(xs)
  np.testing.assert_allclose(arr(hess), np.diag([0., -1.6829419, -1.8185948]), atol=1e-6)
  jac = jax.jacrev(lambda x: jax.vmap(h)(x, jnp.ones(3)))(xs)
  np.testing.assert_allclose(arr(jac), np.diag([2., 1.0806046, -0.8322937]), atol=1e-6)
  with pytest.raises(ValueError, match="Linearization failed to produce known values for all "
                     "output primals. This is typically caused by attempting to differentiate a "
                     "function uses an operation that does not support reverse-mode autodiff."):
    jax.grad(f)(2., 3.)


def test_custom_vmap_with_custom_vjp():
  @jax.custom_vjp
  @custom_vmap
  def f(x, y):
    return jnp.sin(x) * y

  @f.def_vmap
  def f_vmap_rule(axis_size, in_batched, xs, ys):
    return jnp.cos(xs) * ys, True

  def f_fwd(x, y):
    return f(x, y), (jnp.cos(x), jnp.sin(x), y)

  def f_bwd(res, g):
    cos_x, sin_x, y = res
    return (cos_x * g * y, sin_x * g)
  f.defvjp(f_fwd, f_bwd)
  assert repr(jax.vmap(f)(jnp.zeros(3), jnp.ones(3))) == "Array([1., 1., 1.], dtype=float32)"
  assert repr(jax.grad(f)(jnp.zeros(()), jnp.ones(()))) == "Array(1., dtype=float32)"


def test_custom_vmap_errors():
  @custom_vmap
  def g(x):
    return jnp.sin(x)
  with pytest.raises(AttributeError, match="No batching rule defined for custom_vmap function g "
                     "using def_vmap."):
    g(1.)

  @g.def_vmap
  def grule(n, b, x):
    return x, [True]
  with pytest.raises(ValueError, match=r"structure of output value and output batching "
                     r"specification returned by custom vmap rule \(grule\) do not match.\n"
                     r"Output values: PyTreeDef\(\*\)\nBatching spec: PyTreeDef\(\[\*\]\)"):
    jax.vmap(g)(jnp.arange(3.))

  @g.def_vmap
  def grule2(n, b, x):
    return (x, x), (True, True)
  with pytest.raises(ValueError, match=r"structure of output returned by custom vmap rule "
                     r"\(grule2\) does not match that of original custom-vmapped function.\n"
                     r"Original output: PyTreeDef\(\*\)\nRule output: PyTreeDef\(\(\*, \*\)\)"):
    jax.vmap(g)(jnp.arange(3.))
  f, _ = _mul_rule_fn()
  with pytest.raises(TypeError, match="The input arguments to the custom_vmap-decorated function "
                     "f could not be resolved to positional-only arguments. Binding failed with "
                     "the error:\nmissing a required argument: 'y'"):
    f(1.)


def test_sequential_vmap():
  calls = []

  @sequential_vmap
  def h(x):
    calls.append(x.shape)
    return x.sum() + 1
  x = jnp.arange(6.).reshape(3, 2)
  assert arr(jax.vmap(h)(x)).tolist() == [2., 6., 10.]
  assert all(s == (2,) for s in calls)
  text = str(jax.make_jaxpr(jax.vmap(h))(x))
  assert "scan[" in text and "custom_vmap_call[" in text

  @sequential_vmap
  def k(a, b):
    return a * b
  assert arr(jax.vmap(k, in_axes=(0, None))(jnp.arange(3.), 2.)).tolist() == [0., 2., 4.]


# ----------------------------------------------------------------------------------------------
# ops: segment reductions
# ----------------------------------------------------------------------------------------------
DATA = jnp.array([1., 2., 3., 4., 5., 6.])
IDS = jnp.array([0, 0, 1, 3, 3, -1])
SEGMENT_LITERALS = {   # (default, num_segments=5, num_segments=4 with mode='clip')
    "segment_sum": ([3., 3., 0., 9.], [3., 3., 0., 9., 0.], [9., 3., 0., 9.]),
    "segment_prod": ([2., 3., 1., 20.], [2., 3., 1., 20., 1.], [12., 3., 1., 20.]),
    "segment_max": ([2., 3., -np.inf, 5.], [2., 3., -np.inf, 5., -np.inf], [6., 3., -np.inf, 5.]),
    "segment_min": ([1., 3., np.inf, 4.], [1., 3., np.inf, 4., np.inf], [1., 3., np.inf, 4.]),
}
REDUCE = {"segment_sum": np.sum, "segment_prod": np.prod, "segment_max": np.max,
          "segment_min": np.min}
IDENTITY = {"segment_sum": 0., "segment_prod": 1., "segment_max": -np.inf,
            "segment_min": np.inf}


def _np_segment(name, data, ids, n):
  data = np.asarray(data)
  out = np.full((n,) + data.shape[1:], IDENTITY[name], data.dtype)
  for s in range(n):
    rows = data[np.asarray(ids) == s]
    if len(rows):
      out[s] = REDUCE[name](rows, axis=0)
  return out


@pytest.mark.parametrize("name", sorted(SEGMENT_LITERALS))
def test_segment_literals(name):
  fn = getattr(ops, name)
  default, five, clip = SEGMENT_LITERALS[name]
  out = fn(DATA, IDS)
  assert out.dtype == np.float32 and arr(out).tolist() == default
  assert arr(fn(DATA, IDS, num_segments=5)).tolist() == five
  assert arr(fn(DATA, IDS, 4, mode="clip")).tolist() == clip
  assert arr(fn(DATA, IDS, 4, bucket_size=2)).tolist() == default
  jitted = jax.jit(fn, static_argnums=2)(DATA, IDS, 4)
  assert arr(jitted).tolist() == default
  rng = np.random.default_rng(0)
  data = rng.normal(size=(7, 2)).astype(np.float32)
  ids = np.array([2, 0, 2, 1, 0, 2, 4])
  np.testing.assert_allclose(arr(fn(data, ids, 5)), _np_segment(name, data, ids, 5), rtol=1e-6)
  np.testing.assert_allclose(arr(fn(data, ids, 5, bucket_size=3)),
                             _np_segment(name, data, ids, 5), rtol=1e-5)
  np.testing.assert_allclose(arr(fn(data, ids, 5, indices_are_sorted=False, unique_indices=False)),
                             _np_segment(name, data, ids, 5), rtol=1e-6)


def test_segment_integer_bool_and_dtypes():
  ids = jnp.array([0, 0, 1, 1, 2, 2])
  assert repr(ops.segment_sum(jnp.arange(6), ids)) == "Array([1, 5, 9], dtype=int32)"
  assert arr(ops.segment_max(jnp.arange(6), ids, 4)).tolist() == [1, 3, 5, -2147483648]
  assert arr(ops.segment_min(jnp.arange(6), ids, 4)).tolist() == [0, 2, 4, 2147483647]
  assert repr(ops.segment_sum(np.arange(6.), np.array([0, 0, 1, 1, 2, 2]))) == \
      "Array([1., 5., 9.], dtype=float32)"
  b = jnp.array([True, False, False])
  assert arr(ops.segment_max(b, jnp.array([0, 1, 1]), 3)).tolist() == [True, False, False]
  assert arr(ops.segment_min(b, jnp.array([0, 1, 1]), 3)).tolist() == [True, False, True]
  assert repr(ops.segment_sum(jnp.ones((4, 2)), jnp.array([0, 1, 0, 1]))) == \
      "Array([[2., 2.],\n       [2., 2.]], dtype=float32)"
  assert repr(ops.segment_sum(jnp.ones(3, dtype=jnp.float16), jnp.array([0, 1, 0]))) == \
      "Array([2., 1.], dtype=float16)"
  assert arr(ops.segment_sum(jnp.zeros((0,)), jnp.zeros((0,), int), 2)).tolist() == [0., 0.]
  assert arr(ops.segment_sum(jnp.arange(3.), jnp.array([0, 1, 1]), np.int64(2))).tolist() == \
      [0., 3.]


def test_segment_errors():
  with pytest.raises(ValueError, match="num_segments must be non-negative."):
    ops.segment_sum(DATA, IDS, -1)
  with pytest.raises(jax.errors.ConcretizationTypeError,
                     match=r"Abstract tracer value encountered where concrete value is expected: "
                           r"traced array with shape int32\[\]\nsegment_sum\(\) `num_segments` "
                           r"argument."):
    jax.jit(ops.segment_sum)(DATA, jnp.array([0, 0, 1, 1, 2, 2]))
  with pytest.raises(TypeError, match="segment_sum requires ndarray or scalar arguments, got "
                     "<class 'list'> at position 0."):
    ops.segment_sum([1., 2.], [0, 1])
  with pytest.raises(TypeError, match="Indexer must have integer or boolean type, got indexer "
                     "with type float32"):
    ops.segment_sum(jnp.arange(3.), jnp.array([0., 1, 1]), 2)


def test_segment_sum_jaxpr():
  assert str(jax.make_jaxpr(lambda d: ops.segment_sum(d, jnp.array([0, 0, 1, 1, 2, 2]), 3))(
      DATA)) == """{ lambda a:i32[6]; b:f32[6]. let
    c:f32[3] = broadcast_in_dim 0.0:f32[]
    d:i32[6,1] = broadcast_in_dim[broadcast_dimensions=(0,)] a
    e:f32[3] = scatter-add[
      dimension_numbers=ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,), operand_batching_dims=(), scatter_indices_batching_dims=())
      indices_are_sorted=False
      mode=GatherScatterMode.FILL_OR_DROP
      unique_indices=False
      update_consts=()
      update_jaxpr={ lambda ; f:f32[] g:f32[]. let h:f32[] = add f g in (h,) }
    ] c d b
  in (e,) }"""


def test_segment_grads(x64):
  ids = jnp.array([0, 0, 1, 1, 2, 2])
  # JAX's literals (ties in segment_max share the cotangent).
  g = jax.grad(lambda d: (ops.segment_max(d, ids, 3) ** 2).sum())(
      jnp.array([1., 1., 3., 2., 5., 6.]))
  assert arr(g).tolist() == [1., 1., 6., 0., 0., 12.]
  g = jax.grad(lambda d: (ops.segment_sum(d, ids, 3) * jnp.arange(3.)).sum())(jnp.arange(1., 7.))
  assert arr(g).tolist() == [0., 0., 1., 1., 2., 2.]
  g = jax.grad(lambda d: ops.segment_prod(d, jnp.arange(6), 6, unique_indices=True).sum())(
      jnp.arange(1., 7.))
  assert arr(g).tolist() == [1.] * 6
  # Central differences in float64 (no ties, so every reduction is differentiable there).
  rng = np.random.default_rng(1)
  data = rng.normal(size=(6, 2))
  w = rng.normal(size=(4, 2))
  sids = np.array([3, 0, 3, 1, 0, 1])
  for name in ("segment_sum", "segment_max", "segment_min"):
    fn = getattr(ops, name)

    def loss(d):
      out = fn(d, sids, 4)     # segment 2 is empty: +-inf for max/min
      return (jnp.where(jnp.isfinite(out), out, 0.) * w).sum()
    grad = arr(jax.grad(loss)(data))
    eps = 1e-6
    fd = np.zeros_like(data)
    for i in np.ndindex(data.shape):
      e = np.zeros_like(data)
      e[i] = eps
      fd[i] = (float(loss(data + e)) - float(loss(data - e))) / (2 * eps)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-7)


def test_segment_vmap_matches_loop():
  ids = jnp.array([0, 0, 1])
  d = jnp.arange(6.).reshape(2, 3)
  assert arr(jax.vmap(lambda x: ops.segment_sum(x, ids, 2))(d)).tolist() == [[1., 2.], [7., 5.]]
  batched_ids = jnp.array([[0, 0, 1], [1, 1, 0]])
  assert arr(jax.vmap(lambda i: ops.segment_sum(jnp.arange(3.), i, 2))(batched_ids)).tolist() == \
      [[1., 2.], [2., 1.]]
  rng = np.random.default_rng(2)
  data = rng.normal(size=(3, 5, 2)).astype(np.float32)
  bids = rng.integers(0, 4, size=(3, 5))
  for name in ("segment_sum", "segment_prod", "segment_max", "segment_min"):
    fn = getattr(ops, name)
    out = jax.vmap(lambda x, i: fn(x, i, 4))(data, bids)
    loop = np.stack([_np_segment(name, data[k], bids[k], 4) for k in range(3)])
    np.testing.assert_allclose(arr(out), loop, rtol=1e-6)
