"""Windowed and general reductions: lax.reduce_window (reduce_window_sum/max/min, the generic
reduce_window, select_and_gather_add / select_and_scatter_add), lax.reduce, associative_scan
and reduce_precision.

Values against a NumPy reference written with explicit loops (XLA's semantics: each window is
folded in row-major order from the init value, padding and base-dilation holes skipped) and
literals recorded from jax 0.10.2; JVPs against central finite differences (float64, no ties);
VJP vs JVP (<u, J v> = <J^T u, v>); vmap against a Python loop; jit against eager; shape rule
against impl; jaxpr text against JAX's; errors by message.
"""
import numpy as np
import pytest

import numjax as jax
import numjax.numpy as jnp
from numjax import lax
from numjax._src.lax import windowed as W
from numjax._src.lax.elementwise import ge_p, le_p


def val(x):
  return np.asarray(x)


# ----------------------------------------------------------------------------------------------
# An independent reference
# ----------------------------------------------------------------------------------------------
def ref_pads(shape, wd, ws, padding, wdl):
  if not isinstance(padding, str):
    return [tuple(p) for p in padding]
  if padding == "VALID":
    return [(0, 0)] * len(shape)
  pads = []
  for n, w, s, d in zip(shape, wd, ws, wdl):
    eff = (w - 1) * d + 1
    out = -(-n // s)
    total = max((out - 1) * s + eff - n, 0)
    lo = total // 2 if padding == "SAME" else total - total // 2
    pads.append((lo, total - lo))
  return pads


def ref_reduce_window(x, init, op, wd, ws, padding, bd=None, wdl=None):
  """Explicit loops: out[o] = fold(op, init, in-bounds window elements in row-major order)."""
  x = np.asarray(x)
  nd = x.ndim
  bd = bd or (1,) * nd
  wdl = wdl or (1,) * nd
  pads = ref_pads(x.shape, wd, ws, padding, wdl)
  dil = [(n - 1) * b + 1 if n else 0 for n, b in zip(x.shape, bd)]
  eff = [(w - 1) * d + 1 for w, d in zip(wd, wdl)]
  out_shape = [max((n + lo + hi - e) // s + 1, 0)
               for n, (lo, hi), e, s in zip(dil, pads, eff, ws)]
  out = np.empty(out_shape, x.dtype)
  for o in np.ndindex(*out_shape):
    acc = init
    for w in np.ndindex(*wd):
      pos = [oi * s + wi * d - lo for oi, s, wi, d, (lo, _) in zip(o, ws, w, wdl, pads)]
      if all(0 <= p < n and p % b == 0 for p, n, b in zip(pos, dil, bd)):
        acc = op(acc, x[tuple(p // b for p, b in zip(pos, bd))])
    out[o] = acc
  return out


def ref_maxpool_vjp(x, u, wd, ws, padding, better):
  """Cotangent of a max/min pool: each window's u goes to its first winning element."""
  x = np.asarray(x)
  pads = ref_pads(x.shape, wd, ws, padding, (1,) * x.ndim)
  out_shape = [max((n + lo + hi - w) // s + 1, 0)
               for n, (lo, hi), w, s in zip(x.shape, pads, wd, ws)]
  g = np.zeros_like(x)
  for o in np.ndindex(*out_shape):
    best = None
    for w in np.ndindex(*wd):
      pos = tuple(oi * s + wi - lo for oi, s, wi, (lo, _) in zip(o, ws, w, pads))
      if all(0 <= p < n for p, n in zip(pos, x.shape)):
        if best is None or better(x[pos], x[best]):
          best = pos
    if best is not None:
      g[best] += u[o]
  return g


CASES = [  # shape, window_dimensions, window_strides, padding, base_dilation, window_dilation
    ((7,), (3,), (1,), "VALID", None, None),
    ((7,), (2,), (2,), "SAME", None, None),
    ((6,), (3,), (2,), "SAME_LOWER", None, None),
    ((4, 5), (2, 3), (1, 2), "SAME", None, None),
    ((4, 5), (2, 2), (2, 1), ((1, 0), (2, 1)), None, None),
    ((5, 4), (3, 2), (1, 1), ((-1, 1), (0, 2)), None, None),
    ((5,), (3,), (1,), "VALID", (2,), None),
    ((6,), (2,), (1,), ((1, 1),), None, (2,)),
    ((3, 4), (2, 2), (2, 1), "SAME", (2, 1), (1, 2)),
    ((2, 3, 4), (1, 2, 2), (1, 2, 2), "VALID", None, None),
    ((), (), (), "VALID", None, None),
    ((3,), (5,), (1,), "VALID", None, None),  # window larger than the operand: empty output
]


def _arr(shape, dtype=np.float32, seed=0):
  n = int(np.prod(shape))
  # distinct values (no ties), so max/min select one element and finite differences are clean
  return (np.random.RandomState(seed).permutation(n).reshape(shape) * 0.25 - 1.5).astype(dtype)


def _rw(x, init, op, case):
  _, wd, ws, pad, bd, wdl = case
  return lax.reduce_window(x, init, op, wd, ws, pad, bd, wdl)


MONOIDS = {"sum": (lax.add, 0., np.add), "max": (lax.max, -np.inf, np.maximum),
           "min": (lax.min, np.inf, np.minimum)}


@pytest.mark.parametrize("case", CASES, ids=[str(c[:4]) for c in CASES])
@pytest.mark.parametrize("name", ["sum", "max", "min", "prod", "generic"])
def test_reduce_window_values(case, name):
  x = _arr(case[0])
  if name in MONOIDS:
    op, init, np_op = MONOIDS[name]
  elif name == "prod":
    op, init, np_op = lax.mul, 1., np.multiply
  else:  # not associative: checks the fold order and that init enters once
    op, init, np_op = (lambda a, b: 0.5 * a + b), 2., (lambda a, b: np.float32(0.5 * a + b))
  out = _rw(x, init, op, case)
  expected = ref_reduce_window(x, np.float32(init), np_op, *case[1:])
  assert out.dtype == np.float32 and out.shape == expected.shape
  np.testing.assert_allclose(val(out), expected, rtol=1e-6, atol=1e-6)
  jitted = jax.jit(lambda x: _rw(x, init, op, case))(x)
  np.testing.assert_allclose(val(jitted), expected, rtol=1e-6, atol=1e-6)


def test_reduce_window_dispatch_and_dtypes():
  x = jnp.arange(6.)
  names = lambda f, *a: [e.primitive.name for e in jax.make_jaxpr(f)(*a).eqns]
  assert names(lambda x: lax.reduce_window(x, 0., lax.add, (2,), (1,), "VALID"), x) == \
      ["reduce_window_sum"]
  assert names(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2,), (1,), "VALID"), x) == \
      ["reduce_window_max"]
  assert names(lambda x: lax.reduce_window(x, jnp.inf, lax.min, (2,), (1,), "VALID"), x) == \
      ["reduce_window_min"]
  # not the identity, or not lax's own function: the generic primitive
  assert names(lambda x: lax.reduce_window(x, 1., lax.add, (2,), (1,), "VALID"), x) == \
      ["reduce_window"]
  assert names(lambda x: lax.reduce_window(x, 0., jnp.add, (2,), (1,), "VALID"), x) == \
      ["reduce_window"]
  # integers: recorded from jax 0.10.2
  xi = jnp.arange(6)
  assert val(lax.reduce_window(xi, -2**31, lax.max, (2,), (1,), "VALID")).tolist() == \
      [1, 2, 3, 4, 5]
  out = lax.reduce_window(xi, 0, lax.add, (2,), (1,), "VALID")
  assert out.dtype == np.int32 and val(out).tolist() == [1, 3, 5, 7, 9]
  assert val(lax.reduce_window(xi, 1, lax.mul, (2,), (1,), "VALID")).tolist() == \
      [0, 2, 6, 12, 20]
  b = jnp.array([True, False, False, True])
  assert val(lax.reduce_window(b, False, lax.max, (2,), (1,), "VALID")).tolist() == \
      [True, False, True]
  out = lax.reduce_window(jnp.ones(3), 0., lax.add, (2,), (1,), "SAME")
  assert out.dtype == np.float32 and not out.weak_type


def test_reduce_window_variadic_argmax_pool():
  x = jnp.array([3., 1., 4., 1., 5., 9., 2., 6.])
  idx = jnp.arange(8)

  def pick(a, b):
    take = a[0] >= b[0]
    return lax.select(take, a[0], b[0]), lax.select(take, a[1], b[1])
  vals, arg = lax.reduce_window((x, idx), (-jnp.inf, np.int32(-1)), pick, (3,), (2,), "SAME")
  assert val(vals).tolist() == [4., 5., 9., 6.]  # SAME pads (0, 1)
  assert val(arg).tolist() == [2, 4, 5, 7]
  assert arg.dtype == np.int32


def test_reduce_window_ties_and_nans_like_jax():
  # recorded from jax 0.10.2: the first extremum of a window carries the tangent; a NaN wins
  # over earlier elements and loses to later ones
  x = jnp.array([1., 3., 3., 2., 2., 5.])
  t = jnp.arange(6.)
  f = lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (3,), (1,), "VALID")
  y, ty = jax.jvp(f, (x,), (t,))
  assert val(y).tolist() == [3., 3., 3., 5.] and val(ty).tolist() == [1., 1., 2., 5.]
  assert val(jax.grad(lambda x: f(x).sum())(x)).tolist() == [0., 2., 1., 0., 0., 1.]
  g = lambda x: lax.reduce_window(x, jnp.inf, lax.min, (3,), (1,), "VALID")
  assert val(jax.jvp(g, (x,), (t,))[1]).tolist() == [0., 3., 3., 3.]
  xn = jnp.array([1., np.nan, 3., 2.])
  h = lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2,), (1,), "VALID")
  y, ty = jax.jvp(h, (xn,), (jnp.arange(4.),))
  np.testing.assert_array_equal(val(y), [np.nan, np.nan, 3.])
  assert val(ty).tolist() == [1., 2., 2.]


# ----------------------------------------------------------------------------------------------
# Derivatives
# ----------------------------------------------------------------------------------------------
def _fd_check(f, x, t, eps=1e-6, rtol=1e-6):
  _, tangent = jax.jvp(f, (x,), (t,))
  with np.errstate(invalid="ignore"):  # windows of padding only: +-inf, tangent 0
    fd = (val(f(x + eps * t)) - val(f(x - eps * t))) / (2 * eps)
  fd = np.where(np.isfinite(val(f(x))), fd, 0.)
  np.testing.assert_allclose(val(tangent), fd, rtol=rtol, atol=1e-7)


def _transpose_check(f, x, seed=1):
  rng = np.random.RandomState(seed)
  v = rng.normal(size=np.shape(x))
  y, jv = jax.jvp(f, (x,), (v,))
  u = rng.normal(size=np.shape(y))
  jtu, = jax.vjp(f, x)[1](u)
  np.testing.assert_allclose(np.vdot(u, val(jv)), np.vdot(val(jtu), v), rtol=1e-10, atol=1e-12)


DIFF_CASES = [c for c in CASES if c[0] and np.prod(c[0]) > 1]


@pytest.mark.parametrize("case", DIFF_CASES, ids=[str(c[:4]) for c in DIFF_CASES])
@pytest.mark.parametrize("name", ["sum", "max", "min"])
def test_monoid_jvp_fd_and_transpose(x64, case, name):
  op, init, _ = MONOIDS[name]
  x = _arr(case[0], np.float64)
  t = np.cos(np.arange(x.size)).reshape(x.shape)
  f = lambda x: _rw(x, init, op, case)
  _fd_check(f, x, t)
  if name == "sum" or case[5] is None:  # max/min: no VJP with window dilation (as in JAX)
    _transpose_check(f, x)


def test_generic_reduce_window_jvp(x64):
  x = _arr((3, 4), np.float64) + 2.
  t = np.sin(np.arange(12.)).reshape(3, 4)
  f = lambda x: lax.reduce_window(x, 1., lax.mul, (2, 2), (1, 1), "SAME")
  _fd_check(f, x, t, rtol=1e-5)
  pairs = lambda x: lax.reduce_window((x, 2 * x), (0., 0.),
                                      lambda a, b: (a[0] + b[0] * b[1], a[1] + b[1]), (3,), (1,),
                                      "SAME")
  _, (t0, t1) = jax.jvp(pairs, (x[0],), (t[0],))
  eps = 1e-6
  fd = [(val(a) - val(b)) / (2 * eps) for a, b in zip(pairs(x[0] + eps * t[0]),
                                                      pairs(x[0] - eps * t[0]))]
  np.testing.assert_allclose(val(t0), fd[0], rtol=1e-6)
  np.testing.assert_allclose(val(t1), fd[1], rtol=1e-6)
  y, f_lin = jax.linearize(f, x)  # primals are computed now; the tangent map is staged
  assert type(y) is type(f(x)) and np.array_equal(val(y), val(f(x)))
  np.testing.assert_allclose(val(f_lin(t)), val(jax.jvp(f, (x,), (t,))[1]), rtol=1e-12)
  with pytest.raises(NotImplementedError, match="Transpose rule .* 'reduce_window'"):
    jax.grad(lambda x: f(x).sum())(x)  # as in JAX: the generic reduce_window has no VJP


def test_maxpool_avgpool_grads():
  rng = np.random.RandomState(0)
  x = _arr((2, 5, 6, 3), seed=3)
  wd, ws = (1, 3, 3, 1), (1, 2, 2, 1)
  maxpool = lambda x: lax.reduce_window(x, -jnp.inf, lax.max, wd, ws, "SAME")
  avgpool = lambda x: lax.reduce_window(x, 0., lax.add, wd, ws, "SAME") / 9.
  u = rng.normal(size=maxpool(x).shape).astype(np.float32)
  g = jax.grad(lambda x: jnp.sum(maxpool(x) * u))(x)
  np.testing.assert_allclose(val(g), ref_maxpool_vjp(x, u, wd, ws, "SAME", lambda a, b: a > b),
                             rtol=1e-6)
  g = jax.grad(lambda x: jnp.sum(lax.reduce_window(x, jnp.inf, lax.min, wd, ws, "VALID")
                                 * u[:, :2, :2]))(x)
  np.testing.assert_allclose(val(g), ref_maxpool_vjp(x, u[:, :2, :2], wd, ws, "VALID",
                                                     lambda a, b: a < b), rtol=1e-6)
  # avg pool: the cotangent of each window spreads evenly over its in-bounds elements
  g = jax.grad(lambda x: jnp.sum(avgpool(x) * u))(x)
  expected = np.zeros_like(x)
  pads = ref_pads(x.shape, wd, ws, "SAME", (1,) * 4)
  for o in np.ndindex(*u.shape):
    for w in np.ndindex(*wd):
      pos = tuple(oi * s + wi - lo for oi, s, wi, (lo, _) in zip(o, ws, w, pads))
      if all(0 <= p < n for p, n in zip(pos, x.shape)):
        expected[pos] += u[o] / 9.
  np.testing.assert_allclose(val(g), expected, rtol=1e-5, atol=1e-6)
  # jit and second order (the tangent map is linear, so its derivative is itself)
  np.testing.assert_allclose(val(jax.jit(jax.grad(lambda x: jnp.sum(maxpool(x) * u)))(x)),
                             ref_maxpool_vjp(x, u, wd, ws, "SAME", lambda a, b: a > b),
                             rtol=1e-6)
  hv = jax.jvp(jax.grad(lambda x: jnp.sum(maxpool(x) ** 2)), (x,), (np.ones_like(x),))[1]
  assert hv.shape == x.shape and np.isfinite(val(hv)).all()


def test_select_and_gather_scatter_transpose_pair(x64):
  x = _arr((5, 6), np.float64)
  params = dict(window_dimensions=(2, 3), window_strides=(2, 1), padding=((1, 0), (1, 1)))
  ones = (1, 1)
  for prim in (ge_p, le_p):
    gather = lambda t: W.select_and_gather_add_p.bind(t, x, select_prim=prim,
                                                      base_dilation=ones, window_dilation=ones,
                                                      **params)
    scatter = lambda s: W.select_and_scatter_add_p.bind(s, x, select_prim=prim, **params)
    rng = np.random.RandomState(2)
    t = rng.normal(size=x.shape)
    s = rng.normal(size=gather(t).shape)
    np.testing.assert_allclose(np.vdot(s, val(gather(t))), np.vdot(val(scatter(s)), t),
                               rtol=1e-12)
    _transpose_check(gather, t)
    _transpose_check(scatter, s)


# ----------------------------------------------------------------------------------------------
# vmap and jit
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("in_axis", [0, 1])
def test_reduce_window_vmap_matches_loop(in_axis):
  xs = _arr((3, 4, 5))
  fns = [
      lambda x: lax.reduce_window(x, 0., lax.add, (2, 2), (1, 2), "SAME"),
      lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (3, 2), (1, 1), ((1, 1), (0, 1))),
      lambda x: lax.reduce_window(x, jnp.inf, lax.min, (2, 2), (2, 1), "VALID", (1, 2)),
      lambda x: lax.reduce_window(x, 1., lax.mul, (2, 1), (1, 1), "SAME"),
      jax.grad(lambda x: jnp.sum(lax.reduce_window(x, -jnp.inf, lax.max, (2, 2), (2, 2),
                                                   "SAME") ** 2)),
      lambda x: jax.jvp(lambda x: lax.reduce_window(x, jnp.inf, lax.min, (2, 3), (1, 1),
                                                    "SAME"), (x,), (jnp.cos(x),))[1],
      jax.grad(lambda x: jnp.sum(jnp.sin(lax.reduce_window(x, 0., lax.add, (2, 2), (2, 1),
                                                           "VALID", (2, 1))))),
  ]
  for f in fns:
    moved = np.moveaxis(xs, 0, in_axis)
    out = jax.vmap(f, in_axes=in_axis)(moved)
    expected = np.stack([val(f(x)) for x in xs])
    np.testing.assert_allclose(val(out), expected, rtol=1e-5, atol=1e-6)
    # no per-example fallback: the batched jaxpr has one equation of each primitive kind
    jaxpr = jax.make_jaxpr(jax.vmap(f, in_axes=in_axis))(moved)
    assert len(jaxpr.eqns) < 40


def test_vmap_unbatched_operand_batched_tangent():
  x = _arr((4, 5))
  ts = np.random.RandomState(0).normal(size=(3, 4, 5)).astype(np.float32)
  f = lambda t: jax.jvp(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2, 2), (1, 1),
                                                    "SAME"), (x,), (t,))[1]
  np.testing.assert_allclose(val(jax.vmap(f)(ts)), np.stack([val(f(t)) for t in ts]), rtol=1e-6)


def test_batched_init_values_not_implemented():
  xs, inits = jnp.ones((2, 4)), jnp.array([1., 2.])
  with pytest.raises(NotImplementedError, match="initial values"):
    jax.vmap(lambda x, i: lax.reduce_window(x, i, lax.mul, (2,), (1,), "VALID"))(xs, inits)
  with pytest.raises(NotImplementedError, match="initial values"):
    jax.vmap(lambda x, i: lax.reduce(x, i, lambda a, b: a * b, (0,)))(xs, inits)


# ----------------------------------------------------------------------------------------------
# lax.reduce
# ----------------------------------------------------------------------------------------------
def test_reduce_monoid_dispatch():
  x = jnp.arange(1., 7.).reshape(2, 3)
  cases = [(lax.add, 0., "reduce_sum", np.sum), (lax.mul, 1., "reduce_prod", np.prod),
           (lax.max, -jnp.inf, "reduce_max", np.max), (lax.min, jnp.inf, "reduce_min", np.min)]
  for op, init, prim, np_fn in cases:
    for dims in [(0,), (1,), (0, 1)]:
      out = lax.reduce(x, init, op, dims)
      np.testing.assert_allclose(val(out), np_fn(val(x), axis=dims), rtol=1e-6)
      assert out.dtype == np.float32 and not out.weak_type
    assert [e.primitive.name for e in jax.make_jaxpr(lambda x: lax.reduce(
        x, init, op, (1,)))(x).eqns] == [prim]
  b = jnp.array([[True, False], [True, True]])
  assert val(lax.reduce(b, True, lax.bitwise_and, (1,))).tolist() == [False, True]
  assert val(lax.reduce(b, False, lax.bitwise_or, (0,))).tolist() == [True, True]
  # recorded from jax 0.10.2
  assert int(lax.reduce(jnp.arange(5), 0, lax.add, (0,))) == 10
  assert int(lax.reduce(jnp.arange(5), -1, lax.bitwise_and, (0,))) == 0
  assert lax.reduce(3., 0., lax.add, ()).weak_type
  assert not lax.reduce(jnp.ones((3, 4)), 5., lambda a, b: a + b, (1,)).weak_type
  assert [e.primitive.name for e in jax.make_jaxpr(lambda x: lax.reduce(
      x, 1., lax.add, (0,)))(x).eqns] == ["reduce"]


def test_reduce_generic_values():
  x = jnp.array([1., 2., 3., 4., 5.])
  # recorded from jax 0.10.2: a left fold from the init value, in order
  assert float(lax.reduce(x, 0., lambda a, b: a + 2 * b, (0,))) == 30.
  assert float(lax.reduce(x, 0., lambda a, b: 2 * a + b, (0,))) == 57.
  assert float(lax.reduce(x, 5., lambda a, b: a + b, (0,))) == 20.
  assert val(lax.reduce(jnp.ones((3, 4)), 5., lambda a, b: a + b, (1,))).tolist() == [9.] * 3
  # several axes, a long axis (pairwise tree) and an empty one
  y = _arr((3, 4, 5))
  np.testing.assert_allclose(val(lax.reduce(y, 0., lambda a, b: a + b, (0, 2))),
                             val(y).sum(axis=(0, 2)), rtol=1e-5)
  z = np.random.RandomState(0).uniform(0.5, 1.5, size=(2, 300)).astype(np.float32)
  np.testing.assert_allclose(val(lax.reduce(z, 1., lambda a, b: a * b, (1,))),
                             np.prod(z, axis=1), rtol=1e-4)
  np.testing.assert_allclose(val(lax.reduce(z, -jnp.inf, jnp.maximum, (1,))), z.max(axis=1))
  assert val(lax.reduce(jnp.zeros((2, 0)), 7., lambda a, b: a * b, (1,))).tolist() == [7., 7.]
  assert val(lax.reduce(jnp.zeros((0, 3)), 7., lambda a, b: a * b, (0,))).tolist() == [7.] * 3
  # variadic: argmax as a reduction of (value, index) pairs
  v = jnp.array([[3., 7., 7., 1.], [2., 0., 5., 5.]])

  def pick(a, b):
    take = a[0] >= b[0]
    return lax.select(take, a[0], b[0]), lax.select(take, a[1], b[1])
  m, i = lax.reduce((v, lax.broadcasted_iota(np.int32, (2, 4), 1)), (-jnp.inf, np.int32(-1)),
                    pick, (1,))
  assert val(m).tolist() == [7., 5.] and val(i).tolist() == [1, 2]
  # jit and vmap
  f = lambda x: lax.reduce(x, 0., lambda a, b: a + b * b, (1,))
  np.testing.assert_allclose(val(jax.jit(f)(y)), val(f(y)), rtol=1e-6)
  np.testing.assert_allclose(val(jax.vmap(f, in_axes=2)(y)),
                             np.stack([val(f(y[:, :, k])) for k in range(5)]), rtol=1e-6)


def test_reduce_generic_derivatives_like_jax():
  # recorded from jax 0.10.2: the JVP differentiates a pairwise tree of the computation (so a
  # non-associative computation gives the tree's values)
  x = jnp.array([1., 3., 3., 2., 2., 5.], np.float32)
  g = jax.grad(lambda x: lax.reduce(x, 0., lambda a, b: a + 2 * b, (0,)))(x)
  assert g.dtype == np.float32 and val(g).tolist() == [1., 2., 2., 2., 4., 4.]
  y, t = jax.jvp(lambda x: lax.reduce(x, 0., lambda a, b: a + 2 * b, (0,)), (x,), (x,))
  assert float(y) == 45. and float(t) == 45.
  assert float(lax.reduce(x, 1., lambda a, b: a * b + 0, (0,))) == 180.


def test_reduce_generic_derivatives(x64):
  # an associative computation: finite differences
  z = _arr((3, 4), np.float64) + 3.
  tz = np.sin(np.arange(12.)).reshape(3, 4)
  _fd_check(lambda z: lax.reduce(z, 1., lambda a, b: a * b, (1,)), z, tz, rtol=1e-5)
  _fd_check(lambda z: lax.reduce(z, -jnp.inf, jnp.maximum, (0,)), z, tz)
  _transpose_check(lambda z: lax.reduce(z, 1., lambda a, b: a * b, (0,)), z)
  with pytest.raises(NotImplementedError, match="non-zero tangents for initial values"):
    jax.jvp(lambda i: lax.reduce(z, i, lambda a, b: a * b, (0,)), (2.,), (1.,))


# ----------------------------------------------------------------------------------------------
# associative_scan
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", range(1, 10))
def test_associative_scan_cumulative(n):
  x = _arr((n, 3)) + 2.
  np.testing.assert_allclose(val(lax.associative_scan(jnp.add, x)), np.cumsum(val(x), 0),
                             rtol=1e-5)
  np.testing.assert_allclose(val(lax.associative_scan(jnp.multiply, x, axis=0)),
                             np.cumprod(val(x), 0), rtol=1e-5)
  np.testing.assert_allclose(val(lax.associative_scan(jnp.add, x.T, axis=-1)),
                             np.cumsum(val(x).T, 1), rtol=1e-5)
  np.testing.assert_allclose(val(lax.associative_scan(jnp.add, x, reverse=True)),
                             np.flip(np.cumsum(np.flip(val(x), 0), 0), 0), rtol=1e-5)
  b = val(x) > 2.
  assert np.array_equal(val(lax.associative_scan(jnp.logical_or, b)),
                        np.logical_or.accumulate(b, 0))


def test_associative_scan_noncommutative_and_pytree():
  mats = np.random.RandomState(0).normal(size=(7, 2, 2)).astype(np.float32)
  out = lax.associative_scan(jnp.matmul, mats)
  expected, acc = [], np.eye(2, dtype=np.float32)
  for m in mats:
    acc = acc @ m
    expected.append(acc)
  np.testing.assert_allclose(val(out), np.stack(expected), rtol=1e-5, atol=1e-6)
  # reverse: [..., f(f(z, y), x), f(z, y), z]
  out = lax.associative_scan(jnp.matmul, mats, reverse=True)
  acc, expected = np.eye(2, dtype=np.float32), []
  for m in mats[::-1]:
    acc = acc @ m
    expected.append(acc)
  np.testing.assert_allclose(val(out), np.stack(expected[::-1]), rtol=1e-5, atol=1e-6)
  # a pytree: first-order linear recurrence h_t = a_t h_{t-1} + b_t as (a, b) pairs
  a, b = _arr((6,)) * 0.3, _arr((6,), seed=1)
  comb = lambda l, r: {"a": l["a"] * r["a"], "b": r["a"] * l["b"] + r["b"]}
  out = lax.associative_scan(comb, {"a": a, "b": b})
  h, hs = 0., []
  for at, bt in zip(val(a), val(b)):
    h = at * h + bt
    hs.append(h)
  np.testing.assert_allclose(val(out["b"]), hs, rtol=1e-5, atol=1e-6)


def test_associative_scan_transformations(x64):
  x = _arr((6, 3), np.float64) + 2.
  f = lambda x: lax.associative_scan(jnp.multiply, x)
  g = jax.grad(lambda x: jnp.sum(f(x) ** 2))(x)
  g_ref = jax.grad(lambda x: jnp.sum(jnp.cumprod(x, 0) ** 2))(x)
  np.testing.assert_allclose(val(g), val(g_ref), rtol=1e-10)
  _fd_check(f, x, np.cos(np.arange(18.)).reshape(6, 3))
  np.testing.assert_allclose(val(jax.jit(f)(x)), val(f(x)), rtol=1e-12)
  np.testing.assert_allclose(val(jax.vmap(f, in_axes=1, out_axes=1)(x)), val(f(x)), rtol=1e-12)


# ----------------------------------------------------------------------------------------------
# reduce_precision
# ----------------------------------------------------------------------------------------------
F32_BITS = np.array([0x3f800000, 0x3f801000, 0x3f803000, 0x3f802000, 0x3f806000, 0x477fe000,
                     0x477ff000, 0x38800000, 0x387fffff, 0x80000001, 0xc2f6e979, 0x7f800000,
                     0xff800000, 0x7fc00001, 0x00000000, 0x80000000, 0x40490fdb, 0x3eaaaaab],
                    np.uint32)
F32_EXPECTED = {  # recorded from jax 0.10.2
    (5, 10): [0x3f800000, 0x3f800000, 0x3f804000, 0x3f802000, 0x3f806000, 0x477fe000,
              0x7f800000, 0x38800000, 0x38800000, 0x80000000, 0xc2f6e000, 0x7f800000,
              0xff800000, 0x7fc00001, 0x0, 0x80000000, 0x40490000, 0x3eaaa000],
    (8, 7): [0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x47800000, 0x47800000,
             0x38800000, 0x38800000, 0x80000000, 0xc2f70000, 0x7f800000, 0xff800000, 0x7fc00001,
             0x0, 0x80000000, 0x40490000, 0x3eab0000],
    (4, 3): [0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000, 0x7f800000, 0x7f800000,
             0x0, 0x0, 0x80000000, 0xc2f00000, 0x7f800000, 0xff800000, 0x7fc00001, 0x0,
             0x80000000, 0x40500000, 0x3eb00000],
    (1, 0): [0x0, 0x0, 0x0, 0x0, 0x0, 0x7f800000, 0x7f800000, 0x0, 0x0, 0x80000000, 0xff800000,
             0x7f800000, 0xff800000, 0x7fc00001, 0x0, 0x80000000, 0x7f800000, 0x0],
}
F64_BITS = np.array([0x3ff0000000000000, 0x400921fb54442d18, 0x3fd5555555555555,
                     0x7fefffffffffffff, 0x0000000000000001, 0xbff0000020000000,
                     0xbff0000030000000, 0x7ff8000000000001], np.uint64)
F64_EXPECTED = {
    (8, 23): [0x3ff0000000000000, 0x400921fb60000000, 0x3fd5555560000000, 0x7ff0000000000000,
              0x0, 0xbff0000020000000, 0xbff0000040000000, 0x7ff8000000000001],
    (5, 10): [0x3ff0000000000000, 0x4009200000000000, 0x3fd5540000000000, 0x7ff0000000000000,
              0x0, 0xbff0000000000000, 0xbff0000000000000, 0x7ff8000000000001],
}


@pytest.mark.parametrize("bits", sorted(F32_EXPECTED))
def test_reduce_precision_f32_bit_exact(bits):
  out = lax.reduce_precision(F32_BITS.view(np.float32), *bits)
  assert out.dtype == np.float32
  assert [int(b) for b in val(out).view(np.uint32)] == F32_EXPECTED[bits]
  jitted = jax.jit(lambda x: lax.reduce_precision(x, *bits))(F32_BITS.view(np.float32))
  assert np.array_equal(val(jitted).view(np.uint32), val(out).view(np.uint32))


@pytest.mark.parametrize("bits", sorted(F64_EXPECTED))
def test_reduce_precision_f64_bit_exact(x64, bits):
  out = lax.reduce_precision(F64_BITS.view(np.float64), *bits)
  assert out.dtype == np.float64
  assert [int(b) for b in val(out).view(np.uint64)] == F64_EXPECTED[bits]


def test_reduce_precision_rules():
  x = jnp.array([1.0009765625, 3.14159, -2.5e-3], np.float32)
  rp = lambda x: lax.reduce_precision(x, 5, 10)
  y, t = jax.jvp(rp, (x,), (x,))
  assert np.array_equal(val(t), val(y))
  assert np.array_equal(val(jax.grad(lambda x: jnp.sum(rp(x) * x))(x)),
                        val(rp(x) + rp(x)))
  assert np.array_equal(val(jax.vjp(rp, x)[1](x)[0]), val(rp(x)))
  xs = np.random.RandomState(0).normal(size=(3, 4)).astype(np.float32)
  assert np.array_equal(val(jax.vmap(rp, in_axes=1)(xs)), np.stack([val(rp(c)) for c in xs.T]))
  assert lax.reduce_precision(2.5, 8, 7).weak_type
  assert not rp(x).weak_type
  assert "reduce_precision[exponent_bits=5 mantissa_bits=10]" in str(jax.make_jaxpr(rp)(x))


# ----------------------------------------------------------------------------------------------
# Shape rules against impls
# ----------------------------------------------------------------------------------------------
def test_shape_rules_match_impls():
  x = _arr((4, 5))
  t = jnp.cos(x)
  calls = [
      lambda x: lax.reduce_window(x, 0., lax.add, (2, 3), (2, 1), "SAME", (1, 2), (2, 1)),
      lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (3, 1), (1, 2), ((2, -1), (0, 1))),
      lambda x: lax.reduce_window(x, jnp.inf, lax.min, (2, 2), (1, 1), "SAME_LOWER"),
      lambda x: lax.reduce_window((x, x), (0., 1.), lambda a, b: (a[0] + b[0], a[1] * b[1]),
                                  (2, 2), (1, 2), "SAME"),
      lambda x: lax.reduce((x, x), (0., 1.), lambda a, b: (a[0] + b[0], a[1] * b[1]), (1,)),
      lambda x: lax.reduce_precision(x, 4, 3),
      lambda x: W.select_and_gather_add_p.bind(
          t, x, select_prim=ge_p, window_dimensions=(2, 2), window_strides=(1, 2),
          padding=((1, 0), (0, 1)), base_dilation=(2, 1), window_dilation=(1, 2)),
      lambda x: W.select_and_scatter_add_p.bind(
          jnp.ones((2, 2)), x, select_prim=le_p, window_dimensions=(2, 2),
          window_strides=(2, 2), padding=((1, 0), (0, 0))),
  ]
  for f in calls:
    out = jax.tree_util.tree_leaves(f(x))
    shapes = jax.tree_util.tree_leaves(jax.eval_shape(f, x))
    assert [(o.shape, o.dtype) for o in out] == [(s.shape, s.dtype) for s in shapes]
    assert all(type(o._value) is np.ndarray and o._value.dtype == o.dtype for o in out)


# ----------------------------------------------------------------------------------------------
# Jaxpr text (recorded from jax 0.10.2)
# ----------------------------------------------------------------------------------------------
JAXPRS = [
    (lambda x: lax.reduce_window(x, 0., lax.add, (2,), (1,), "VALID"), """\
{ lambda ; a:f32[6]. let
    b:f32[5] = reduce_window_sum[
      base_dilation=(1,)
      padding=((0, 0),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a
  in (b,) }"""),
    (lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2,), (1,), "SAME"), """\
{ lambda ; a:f32[6]. let
    b:f32[6] = reduce_window_max[
      base_dilation=(1,)
      padding=((0, 1),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a
  in (b,) }"""),
    (lambda x: lax.reduce_window(x, jnp.inf, lax.min, (3,), (2,), "SAME", (2,), (1,)), """\
{ lambda ; a:f32[6]. let
    b:f32[5] = reduce_window_min[
      base_dilation=(2,)
      padding=((0, 1),)
      window_dilation=(1,)
      window_dimensions=(3,)
      window_strides=(2,)
    ] a
  in (b,) }"""),
    (lambda x: lax.reduce_window(x, 1., lax.mul, (2,), (1,), "VALID"), """\
{ lambda ; a:f32[6]. let
    b:f32[5] = reduce_window[
      base_dilation=(1,)
      consts=()
      jaxpr={ lambda ; c:f32[] d:f32[]. let e:f32[] = mul c d in (e,) }
      padding=((0, 0),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a 1.0:f32[]
  in (b,) }"""),
    (lambda x: lax.reduce_window((x, x), (0., 1.), lambda a, b: (a[0] + b[0], a[1] * b[1]),
                                 (2,), (1,), "VALID"), """\
{ lambda ; a:f32[6]. let
    b:f32[5] c:f32[5] = reduce_window[
      base_dilation=(1,)
      consts=()
      jaxpr={ lambda ; d:f32[] e:f32[] f:f32[] g:f32[]. let
          h:f32[] = add d f
          i:f32[] = mul e g
        in (h, i) }
      padding=((0, 0),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a a 0.0:f32[] 1.0:f32[]
  in (b, c) }"""),
    (jax.grad(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2,), (1,), "SAME").sum()), """\
{ lambda ; a:f32[6]. let
    b:f32[6] = reduce_window_max[
      base_dilation=(1,)
      padding=((0, 1),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a
    _:f32[] = reduce_sum[axes=(0,) out_sharding=None] b
    c:f32[6] = broadcast_in_dim 1.0:f32[]
    d:f32[6] = select_and_scatter_add[
      padding=((0, 1),)
      select_prim=ge
      window_dimensions=(2,)
      window_strides=(1,)
    ] c a
  in (d,) }"""),
    (lambda x: jax.jvp(lambda x: lax.reduce_window(x, -jnp.inf, lax.max, (2,), (1,), "SAME"),
                       (x,), (x,)), """\
{ lambda ; a:f32[6]. let
    b:f32[6] = reduce_window_max[
      base_dilation=(1,)
      padding=((0, 1),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a
    c:f32[6] = select_and_gather_add[
      base_dilation=(1,)
      padding=((0, 1),)
      select_prim=ge
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] a a
  in (b, c) }"""),
    (jax.grad(lambda x: lax.reduce_window(x, 0., lax.add, (2,), (2,), "SAME").sum()), """\
{ lambda ; a:f32[6]. let
    b:f32[3] = reduce_window_sum[
      base_dilation=(1,)
      padding=((0, 0),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(2,)
    ] a
    _:f32[] = reduce_sum[axes=(0,) out_sharding=None] b
    c:f32[3] = broadcast_in_dim 1.0:f32[]
    d:f32[7] = pad[padding_config=((np.int64(1), np.int64(1), 1),)] c 0.0:f32[]
    e:f32[6] = reduce_window_sum[
      base_dilation=(1,)
      padding=((0, 0),)
      window_dilation=(1,)
      window_dimensions=(2,)
      window_strides=(1,)
    ] d
  in (e,) }"""),
    (lambda x: lax.reduce(x, 0., lax.add, ()), """\
{ lambda ; a:f32[6]. let
    b:f32[6] = reduce_sum[axes=() out_sharding=None] a
  in (b,) }"""),
    (lambda x: lax.reduce((x, x), (0., 1.), lambda a, b: (a[0] + b[0], a[1] * b[1]), (0,)),
     None),
    (lambda x: lax.associative_scan(jnp.add, x), """\
{ lambda ; a:f32[6]. let
    b:f32[3] = slice[limit_indices=(5,) start_indices=(0,) strides=(2,)] a
    c:f32[3] = slice[limit_indices=(6,) start_indices=(1,) strides=(2,)] a
    d:f32[3] = add b c
    e:f32[1] = slice[limit_indices=(2,) start_indices=(0,) strides=(2,)] d
    f:f32[1] = slice[limit_indices=(3,) start_indices=(1,) strides=(2,)] d
    g:f32[1] = add e f
    h:f32[1] = slice[limit_indices=(3,) start_indices=(2,) strides=(2,)] d
    i:f32[1] = add g h
    j:f32[1] = slice[limit_indices=(1,) start_indices=(0,) strides=(1,)] d
    k:f32[2] = concatenate[dimension=0] j i
    l:f32[3] = pad[padding_config=((0, 0, 1),)] k 0.0:f32[]
    m:f32[3] = pad[padding_config=((1, 1, 1),)] g 0.0:f32[]
    n:f32[3] = add l m
    o:f32[2] = slice[limit_indices=(2,) start_indices=(0,) strides=(1,)] n
    p:f32[2] = slice[limit_indices=(6,) start_indices=(2,) strides=(2,)] a
    q:f32[2] = add o p
    r:f32[1] = slice[limit_indices=(1,) start_indices=(0,) strides=(1,)] a
    s:f32[3] = concatenate[dimension=0] r q
    t:f32[6] = pad[padding_config=((0, 1, 1),)] s 0.0:f32[]
    u:f32[6] = pad[padding_config=((1, 0, 1),)] n 0.0:f32[]
    v:f32[6] = add t u
  in (v,) }"""),
]


@pytest.mark.parametrize("i", range(len(JAXPRS)))
def test_jaxpr_text_matches_jax(i):
  f, expected = JAXPRS[i]
  text = str(jax.make_jaxpr(f)(jnp.arange(6.)))
  if expected is None:  # the generic reduce prints its Python computation: check the rest
    assert text.startswith("{ lambda ; a:f32[6]. let\n    b:f32[] c:f32[] = reduce[\n"
                           "      computation=<function ")
    assert text.endswith("""\
      dimensions=(0,)
      jaxpr={ lambda ; d:f32[] e:f32[] f:f32[] g:f32[]. let
          h:f32[] = add d f
          i:f32[] = mul e g
        in (h, i) }
    ] a a 0.0:f32[] 1.0:f32[]
  in (b, c) }""")
  else:
    assert text == expected


# ----------------------------------------------------------------------------------------------
# Errors (JAX's messages where JAX has one)
# ----------------------------------------------------------------------------------------------
def test_errors():
  x = jnp.arange(6.)
  rw = lambda *a, **k: lax.reduce_window(*a, **k)
  with pytest.raises(TypeError, match=r"wrong number of window_dimensions for operand: got "
                     r"operand shape \(6,\) with window_dimensions \(2, 2\)"):
    rw(x, 0., lax.add, (2, 2), (1,), "VALID")
  with pytest.raises(TypeError, match=r"inconsistent window_strides and window_dimensions: got "
                     r"window_strides \(1, 1\) and window_dimensions \(2,\)"):
    rw(x, 0., lax.add, (2,), (1, 1), "VALID")
  with pytest.raises(TypeError, match=r"window_dimensions must have every element be strictly "
                     r"positive, got \(0,\)"):
    rw(x, 0., lax.add, (0,), (1,), "VALID")
  with pytest.raises(TypeError, match=r"window_strides must have every element be strictly "
                     r"positive, got \(0,\)"):
    rw(x, 0., lax.add, (2,), (0,), "VALID")
  with pytest.raises(RuntimeError, match="Unrecognized padding type: expected 'VALID', 'SAME', "
                     "or 'SAME_LOWER', got FOO"):
    rw(x, 0., lax.add, (2,), (1,), "FOO")
  with pytest.raises(TypeError, match=r"All dilations must be positive, got \(0,\)"):
    rw(x, 1., lax.mul, (2,), (1,), "VALID", (0,))
  with pytest.raises(TypeError, match=r"init_values to be scalars but init_values have shapes "
                     r"\[\(2,\)\]"):
    rw(x, jnp.ones(2), lax.mul, (2,), (1,), "VALID")
  with pytest.raises(TypeError, match="inconsistent dtypes for operands and init_values"):
    rw(x, jnp.int32(1), lax.mul, (2,), (1,), "VALID")
  with pytest.raises(TypeError, match="inconsistent padding and window_dimensions"):
    rw(x, 0., lax.add, (2,), (1,), [(0, 0), (1, 1)])
  with pytest.raises(TypeError, match="operand to reduce_window_sum must have a number dtype, "
                     "got bool"):
    rw(jnp.array([True, False]), False, lax.add, (2,), (1,), "VALID")
  with pytest.raises(ValueError, match=r"Operands must have the same tree structure as "
                     r"init_values: PyTreeDef\(\(\*, \*\)\) vs. PyTreeDef\(\(\*,\)\)"):
    rw((x, x), (0.,), lax.add, (2,), (1,), "VALID")
  with pytest.raises(ValueError, match=r"reduce_window output must have the same tree "
                     r"structure as the operands PyTreeDef\(\*\) vs. PyTreeDef\(\(\*, \*\)\)"):
    rw(x, 1., lambda a, b: (a * b, a), (2,), (1,), "VALID")
  with pytest.raises(ValueError, match="Invalid return type from reduction function"):
    rw(x, 1., lambda a, b: "nope", (2,), (1,), "VALID")
  assert rw(x, 0., lax.add, (7,), (1,), "VALID").shape == (0,)
  # computations may not close over traced values
  with pytest.raises(NotImplementedError, match="can't close over Tracers"):
    jax.jit(lambda x, y: rw(x, 1., lambda a, b: a * b * y[0], (2,), (1,), "VALID"))(x, x)
  # max pooling VJP with window dilation (as in JAX)
  with pytest.raises(NotImplementedError, match="window dilation"):
    jax.grad(lambda x: rw(x, -jnp.inf, lax.max, (2,), (1,), "VALID", None, (2,)).sum())(x)

  with pytest.raises(ValueError, match=r"reduction axes \(1,\) contains out-of-bounds indices "
                     r"for float32\[6\]"):
    lax.reduce(x, 0., lax.add, (1,))
  with pytest.raises(ValueError, match=r"reduce found non-scalar initial value: \[\(2,\)\]"):
    lax.reduce(x, jnp.zeros(2), lambda a, b: a + 2 * b, (0,))
  with pytest.raises(TypeError, match=r"reduce operand dtypes should match corresponding "
                     r"initial value dtypes, got operands=\[ShapedArray\(float32\[6\]\)\] and "
                     r"initial_values=\[ShapedArray\(int32\[\]\)\]"):
    lax.reduce(x, jnp.int32(0), lambda a, b: a + 2 * b, (0,))
  with pytest.raises(ValueError, match="Operands must have the same tree structure"):
    lax.reduce((x, x), 0., lax.add, (0,))

  with pytest.raises(ValueError, match="exponent_bits must be positive; got 0"):
    lax.reduce_precision(x, 0, 3)
  with pytest.raises(ValueError, match="mantissa_bits must be non-negative; got -1"):
    lax.reduce_precision(x, 3, -1)
  with pytest.raises(TypeError, match="reduce_precision does not accept dtype int32. Accepted "
                     "dtypes are subtypes of floating."):
    lax.reduce_precision(jnp.arange(3), 3, 1)
  with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
    lax.reduce_precision(x, 3.5, 1)

  with pytest.raises(TypeError, match="fn argument should be callable"):
    lax.associative_scan(None, x)
  with pytest.raises(ValueError, match="must have the same first dimension"):
    lax.associative_scan(lambda a, b: a, (x, jnp.ones(3)))


def test_reduce_window_dtype_mismatch_under_x64(x64):
  # recorded from jax 0.10.2: a Python float init is float64 under x64
  x = jnp.arange(5., dtype=np.float32)
  with pytest.raises(TypeError, match="inconsistent dtypes for operands and init_values"):
    lax.reduce_window(x, 1., lax.mul, (2,), (1,), "VALID")
  with pytest.raises(TypeError, match="reduce operand dtypes should match"):
    lax.reduce(x, 0., lambda a, b: a + 2 * b, (0,))
  assert val(lax.reduce_window(x, 0., lax.add, (2,), (1,), "VALID")).tolist() == [1, 3, 5, 7]
