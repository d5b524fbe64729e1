"""Example optimizers (`jax.example_libraries.optimizers`).

An optimizer is an ``(init_fun, update_fun, get_params)`` triple:

* ``init_fun(params) -> opt_state`` builds the state from a pytree of parameters,
* ``update_fun(step, grads, opt_state) -> opt_state`` takes one step,
* ``get_params(opt_state) -> params`` reads the parameters back out.

Each optimizer below is written for a single array and lifted to pytrees by the
:func:`optimizer` decorator; the state is an :class:`OptimizerState` pytree, so it passes
through ``jit``, ``vmap`` and ``grad``. Step sizes are scalars or schedules
(``step -> scalar``) such as :func:`exponential_decay`.

    >>> opt_init, opt_update, get_params = sgd(0.1)
    >>> state = opt_init(jnp.ones(2))
    >>> get_params(opt_update(0, jnp.ones(2), state))
    Array([0.9, 0.9], dtype=float32)
"""
from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any, Callable, NamedTuple

import numjax.numpy as jnp
from numjax import tree_util

Array = Any
Params = Any
State = Any
Updates = Params
Step = int
Schedule = Callable[[Step], float]
InitFn = Callable[[Params], "OptimizerState"]
UpdateFn = Callable[[Step, Updates, "OptimizerState"], "OptimizerState"]
ParamsFn = Callable[["OptimizerState"], Params]

# The optimizer state of a params pytree: one flat list of per-leaf state leaves
# (`packed_state`), the params treedef and, per leaf, the treedef of that leaf's state.
OptimizerState = namedtuple("OptimizerState", ["packed_state", "tree_def", "subtree_defs"])
tree_util.register_pytree_node(
    OptimizerState,
    lambda s: ((s.packed_state,), (s.tree_def, s.subtree_defs)),
    lambda aux, children: OptimizerState(children[0], aux[0], aux[1]))


class Optimizer(NamedTuple):
  init_fn: InitFn
  update_fn: UpdateFn
  params_fn: ParamsFn


def _flatten_all(trees):
  """Flatten each tree: (list of leaf lists, list of treedefs)."""
  pairs = [tree_util.tree_flatten(t) for t in trees]
  return [p[0] for p in pairs], [p[1] for p in pairs]


def optimizer(opt_maker: Callable[..., tuple]) -> Callable[..., Optimizer]:
  """Lift an optimizer written for single arrays to one over pytrees of arrays.

  ``opt_maker(*args)`` returns ``(init, update, get_params)`` acting on one array (and its
  per-array state pytree); the decorated maker returns an :class:`Optimizer` whose functions
  act on any pytree of parameters, with an :class:`OptimizerState` as the state.
  """

  @functools.wraps(opt_maker)
  def tree_opt_maker(*args, **kwargs):
    init, update, get_params = opt_maker(*args, **kwargs)

    @functools.wraps(init)
    def tree_init(x0_tree):
      x0_flat, tree = tree_util.tree_flatten(x0_tree)
      states_flat, subtrees = _flatten_all([init(x0) for x0 in x0_flat])
      return OptimizerState(states_flat, tree, subtrees)

    @functools.wraps(update)
    def tree_update(i, grad_tree, opt_state):
      states_flat, tree, subtrees = opt_state
      grad_flat, grad_tree_def = tree_util.tree_flatten(grad_tree)
      if grad_tree_def != tree:
        raise TypeError(
            "optimizer update function was passed a gradient tree that did not match the "
            f"parameter tree structure with which it was initialized: parameter tree {tree} "
            f"and grad tree {grad_tree_def}.")
      if len(states_flat) != len(subtrees):
        raise ValueError("optimizer state is malformed: packed_state and subtree_defs differ "
                         "in length")
      states = [tree_util.tree_unflatten(sd, s) for sd, s in zip(subtrees, states_flat)]
      new_states = [update(i, g, s) for g, s in zip(grad_flat, states)]
      new_flat, new_subtrees = _flatten_all(new_states)
      for sd, sd2 in zip(subtrees, new_subtrees):
        if sd2 != sd:
          raise TypeError(
              "optimizer update function produced an output structure that did not match "
              f"its input structure: input {sd} and output {sd2}.")
      return OptimizerState(new_flat, tree, subtrees)

    @functools.wraps(get_params)
    def tree_get_params(opt_state):
      states_flat, tree, subtrees = opt_state
      params = [get_params(tree_util.tree_unflatten(sd, s))
                for sd, s in zip(subtrees, states_flat)]
      return tree_util.tree_unflatten(tree, params)

    return Optimizer(tree_init, tree_update, tree_get_params)

  return tree_opt_maker


# ----------------------------------------------------------------------------------------------
# Optimizers (per array)

@optimizer
def sgd(step_size):
  """Stochastic gradient descent: ``x <- x - step_size(i) * g``."""
  step_size = make_schedule(step_size)

  def init(x0):
    return x0

  def update(i, g, x):
    return x - step_size(i) * g

  def get_params(x):
    return x

  return Optimizer(init, update, get_params)


def _momentum_like(step_size, mass, nesterov_step: bool):
  step_size = make_schedule(step_size)

  def init(x0):
    return x0, jnp.zeros_like(x0)

  def update(i, g, state):
    x, velocity = state
    velocity = mass * velocity + g
    direction = mass * velocity + g if nesterov_step else velocity
    return x - step_size(i) * direction, velocity

  def get_params(state):
    return state[0]

  return init, update, get_params


@optimizer
def momentum(step_size: Schedule, mass: float):
  """SGD with momentum: ``v <- mass * v + g; x <- x - step_size(i) * v``."""
  return _momentum_like(step_size, mass, nesterov_step=False)


@optimizer
def nesterov(step_size: Schedule, mass: float):
  """SGD with Nesterov momentum: steps along ``mass * v + g`` with the updated velocity."""
  return _momentum_like(step_size, mass, nesterov_step=True)


@optimizer
def adagrad(step_size, momentum=0.9):
  """Adagrad (Duchi et al. 2011) with momentum on the normalised gradient."""
  step_size = make_schedule(step_size)

  def init(x0):
    return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

  def update(i, g, state):
    x, g_sq, m = state
    g_sq = g_sq + jnp.square(g)
    inv_root = jnp.where(g_sq > 0, 1. / jnp.sqrt(g_sq), 0.0)
    m = (1. - momentum) * (g * inv_root) + momentum * m
    return x - step_size(i) * m, g_sq, m

  def get_params(state):
    return state[0]

  return init, update, get_params


@optimizer
def rmsprop(step_size, gamma=0.9, eps=1e-8):
  """RMSProp: divide the gradient by a running root-mean-square of past gradients."""
  step_size = make_schedule(step_size)

  def init(x0):
    return x0, jnp.zeros_like(x0)

  def update(i, g, state):
    x, avg_sq_grad = state
    avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1. - gamma)
    return x - step_size(i) * g / jnp.sqrt(avg_sq_grad + eps), avg_sq_grad

  def get_params(state):
    return state[0]

  return init, update, get_params


@optimizer
def rmsprop_momentum(step_size, gamma=0.9, eps=1e-8, momentum=0.9):
  """RMSProp whose scaled steps accumulate in a momentum buffer."""
  step_size = make_schedule(step_size)

  def init(x0):
    return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

  def update(i, g, state):
    x, avg_sq_grad, mom = state
    avg_sq_grad = avg_sq_grad * gamma + jnp.square(g) * (1. - gamma)
    mom = momentum * mom + step_size(i) * g / jnp.sqrt(avg_sq_grad + eps)
    return x - mom, avg_sq_grad, mom

  def get_params(state):
    return state[0]

  return init, update, get_params


@optimizer
def adam(step_size, b1=0.9, b2=0.999, eps=1e-8):
  """Adam (Kingma & Ba 2015) with bias-corrected first and second moment estimates."""
  step_size = make_schedule(step_size)

  def init(x0):
    return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

  def update(i, g, state):
    x, m, v = state
    m = (1 - b1) * g + b1 * m
    v = (1 - b2) * jnp.square(g) + b2 * v
    mhat = m / (1 - jnp.asarray(b1, m.dtype) ** (i + 1))
    vhat = v / (1 - jnp.asarray(b2, m.dtype) ** (i + 1))
    return x - step_size(i) * mhat / (jnp.sqrt(vhat) + eps), m, v

  def get_params(state):
    return state[0]

  return init, update, get_params


@optimizer
def adamax(step_size, b1=0.9, b2=0.999, eps=1e-8):
  """AdaMax: Adam with the second moment replaced by an exponentially weighted inf-norm."""
  step_size = make_schedule(step_size)

  def init(x0):
    return x0, jnp.zeros_like(x0), jnp.zeros_like(x0)

  def update(i, g, state):
    x, m, u = state
    m = (1 - b1) * g + b1 * m
    u = jnp.maximum(b2 * u, jnp.abs(g))
    corrected = step_size(i) / (1 - jnp.asarray(b1, m.dtype) ** (i + 1))
    return x - corrected * m / (u + eps), m, u

  def get_params(state):
    return state[0]

  return init, update, get_params


@optimizer
def sm3(step_size, momentum=0.9):
  """SM3 (Anil et al. 2019): one accumulator vector per axis instead of a full-size one."""
  step_size = make_schedule(step_size)

  def along(ndim, v, axis):
    # v (1-D) broadcastable along `axis` of an ndim-array.
    return v[tuple(slice(None) if d == axis else None for d in range(ndim))]

  def init(x0):
    x_shape = x0.shape
    x0 = jnp.atleast_1d(x0)
    vs = [jnp.zeros(n, dtype=x0.dtype) for n in x0.shape]
    return x0, jnp.zeros_like(x0), vs, x_shape

  def update(i, g, state):
    x, m, vs, x_shape = state
    vs = [along(g.ndim, v, ax) for ax, v in enumerate(vs)]
    accum = functools.reduce(jnp.minimum, vs) + jnp.square(g)
    inv_root = jnp.where(accum > 0, 1. / jnp.sqrt(accum), 0)
    m = (1. - momentum) * (g * inv_root) + momentum * m
    x = x - step_size(i) * m
    vs = [accum.max(tuple(d for d in range(x.ndim) if d != ax)) for ax in range(x.ndim)]
    return x, m, vs, x_shape

  def get_params(state):
    x, _, _, x_shape = state
    return x.reshape(x_shape)

  return init, update, get_params


# ----------------------------------------------------------------------------------------------
# Learning-rate schedules

def constant(step_size) -> Schedule:
  """The schedule that is ``step_size`` at every step."""
  def schedule(i):
    return step_size
  return schedule


def exponential_decay(step_size, decay_steps, decay_rate):
  """``step_size * decay_rate ** (i / decay_steps)``."""
  def schedule(i):
    return step_size * decay_rate ** (i / decay_steps)
  return schedule


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase=False):
  """``step_size / (1 + decay_rate * i / decay_steps)`` (``floor`` of the ratio if staircase)."""
  if staircase:
    def schedule(i):
      return step_size / (1 + decay_rate * jnp.floor(i / decay_steps))
  else:
    def schedule(i):
      return step_size / (1 + decay_rate * i / decay_steps)
  return schedule


def polynomial_decay(step_size, decay_steps, final_step_size, power=1.0):
  """Decay from ``step_size`` to ``final_step_size`` over ``decay_steps`` as ``(1-t)**power``."""
  def schedule(step_num):
    step_num = jnp.minimum(step_num, decay_steps)
    step_mult = (1 - step_num / decay_steps) ** power
    return step_mult * (step_size - final_step_size) + final_step_size
  return schedule


def piecewise_constant(boundaries: Any, values: Any):
  """``values[k]`` for steps in ``(boundaries[k-1], boundaries[k]]``; one more value than
  boundaries."""
  boundaries = jnp.array(boundaries)
  values = jnp.array(values)
  if not boundaries.ndim == values.ndim == 1:
    raise ValueError("boundaries and values must be sequences")
  if not boundaries.shape[0] == values.shape[0] - 1:
    raise ValueError("boundaries length must be one shorter than values length")

  def schedule(i):
    return values[jnp.sum(i > boundaries)]
  return schedule


def make_schedule(scalar_or_schedule: float | Schedule) -> Schedule:
  """A callable stays as it is; a scalar becomes :func:`constant`."""
  if callable(scalar_or_schedule):
    return scalar_or_schedule
  if jnp.ndim(scalar_or_schedule) == 0:
    return constant(scalar_or_schedule)
  raise TypeError(type(scalar_or_schedule))


# ----------------------------------------------------------------------------------------------
# Utilities

def l2_norm(tree):
  """The l2 norm of all leaves of a pytree of arrays taken together."""
  leaves = tree_util.tree_leaves(tree)
  return jnp.sqrt(sum(jnp.vdot(x, x) for x in leaves))


def clip_grads(grad_tree, max_norm):
  """Scale a gradient pytree down so its :func:`l2_norm` is at most ``max_norm``."""
  norm = l2_norm(grad_tree)
  return tree_util.tree_map(
      lambda g: jnp.where(norm < max_norm, g, g * (max_norm / norm)), grad_tree)


# ----------------------------------------------------------------------------------------------
# Serialization

class JoinPoint:
  """Marks where an outer (params) pytree meets an inner (per-leaf state) pytree."""

  def __init__(self, subtree):
    self.subtree = subtree

  def __iter__(self):
    yield self.subtree


def unpack_optimizer_state(opt_state):
  """An :class:`OptimizerState` as a params-shaped pytree of :class:`JoinPoint` leaves, each
  holding that parameter's state pytree (for serialization)."""
  states_flat, tree_def, subtree_defs = opt_state
  subtrees = [tree_util.tree_unflatten(sd, s) for sd, s in zip(subtree_defs, states_flat)]
  return tree_util.tree_unflatten(tree_def, [JoinPoint(s) for s in subtrees])


def pack_optimizer_state(marked_pytree):
  """The inverse of :func:`unpack_optimizer_state`."""
  sentinels, tree_def = tree_util.tree_flatten(marked_pytree)
  if not all(isinstance(s, JoinPoint) for s in sentinels):
    raise TypeError("pack_optimizer_state expects a pytree whose leaves are all JoinPoints, "
                    "as unpack_optimizer_state returns")
  states_flat, subtree_defs = _flatten_all([s.subtree for s in sentinels])
  return OptimizerState(states_flat, tree_def, subtree_defs)
