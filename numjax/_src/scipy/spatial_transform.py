"""`numjax.scipy.spatial.transform`: `Rotation` and `Slerp` (`jax.scipy.spatial.transform`).

A `Rotation` holds unit quaternions in scalar-last order ``(x, y, z, w)``, shape ``(4,)`` for
one rotation or ``(N, 4)`` for a stack. Both classes are NamedTuples, hence pytrees: they pass
through jit, vmap and grad. Every conversion below acts on the last axis and broadcasts over
the leading ones.

    >>> quarter_turn = Rotation.from_rotvec(jnp.array([0., 0., jnp.pi / 2]))
    >>> quarter_turn.apply(jnp.array([1., 0., 0.])).round(4)
    Array([0., 1., 0.], dtype=float32)
"""
from __future__ import annotations

import re
import typing

import numpy as np

import numjax.numpy as jnp
from numjax._src.numpy import linalg as jnp_linalg

__all__ = ["Rotation", "Slerp"]


# ----------------------------------------------------------------------------------------------
# Quaternion helpers (last axis = (x, y, z, w))

def _norm(v):
  return jnp.sqrt(jnp.sum(v * v, axis=-1))


def _normalize(q):
  return q / _norm(q)[..., None]


def _compose(p, q):
  """Hamilton product p * q (apply q first, then p)."""
  cross = jnp.cross(p[..., :3], q[..., :3])
  pw, qw = p[..., 3:], q[..., 3:]
  vec = pw * q[..., :3] + qw * p[..., :3] + cross
  w = p[..., 3] * q[..., 3] - p[..., 0] * q[..., 0] - p[..., 1] * q[..., 1] - p[..., 2] * q[..., 2]
  return jnp.concatenate([vec, w[..., None]], axis=-1)


def _elementary(axis: int, angle):
  """The quaternion of a rotation by `angle` about basis axis 0, 1 or 2."""
  zero = jnp.zeros_like(angle)
  parts = [zero, zero, zero, jnp.cos(angle / 2.)]
  parts[axis] = jnp.sin(angle / 2.)
  return jnp.stack(parts, axis=-1)


def _as_matrix(q):
  x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
  x2, y2, z2, w2 = x * x, y * y, z * z, w * w
  xy, zw, xz, yw, yz, xw = x * y, z * w, x * z, y * w, y * z, x * w
  rows = [[x2 - y2 - z2 + w2, 2 * (xy - zw), 2 * (xz + yw)],
          [2 * (xy + zw), -x2 + y2 - z2 + w2, 2 * (yz - xw)],
          [2 * (xz - yw), 2 * (yz + xw), -x2 - y2 + z2 + w2]]
  return jnp.stack([jnp.stack(r, axis=-1) for r in rows], axis=-2)


def _from_matrix(m):
  m = jnp.asarray(m)
  trace = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
  decision = jnp.stack([m[..., 0, 0], m[..., 1, 1], m[..., 2, 2], trace], axis=-1)
  choice = jnp.argmax(decision, axis=-1)
  # one candidate per pivot (the largest diagonal entry, or the trace): the numerically
  # safest of the four equivalent formulas is picked per matrix
  candidates = []
  for i in range(3):
    j, k = (i + 1) % 3, (i + 2) % 3
    q = [None] * 4
    q[i] = 1 - trace + 2 * m[..., i, i]
    q[j] = m[..., j, i] + m[..., i, j]
    q[k] = m[..., k, i] + m[..., i, k]
    q[3] = m[..., k, j] - m[..., j, k]
    candidates.append(jnp.stack(q, axis=-1))
  candidates.append(jnp.stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
                               m[..., 1, 0] - m[..., 0, 1], 1 + trace], axis=-1))
  stacked = jnp.stack(candidates, axis=-2)  # (..., 4 candidates, 4)
  quat = jnp.take_along_axis(stacked, choice[..., None, None], axis=-2)[..., 0, :]
  return _normalize(quat)


def _from_rotvec(rotvec, degrees: bool):
  rotvec = jnp.asarray(rotvec)
  if degrees:
    rotvec = jnp.deg2rad(rotvec)
  angle = _norm(rotvec)
  angle2 = angle * angle
  small = 0.5 - angle2 / 48 + angle2 * angle2 / 3840  # Taylor series of sin(a/2)/a
  scale = jnp.where(angle <= 1e-3, small, jnp.sin(angle / 2) / angle)
  return jnp.concatenate([scale[..., None] * rotvec, jnp.cos(angle / 2)[..., None]], axis=-1)


def _as_rotvec(q, degrees: bool):
  q = jnp.where(q[..., 3:] < 0, -q, q)  # w >= 0 so that 0 <= angle <= pi
  angle = 2. * jnp.arctan2(_norm(q[..., :3]), q[..., 3])
  angle2 = angle * angle
  small = 2 + angle2 / 12 + 7 * angle2 * angle2 / 2880  # Taylor series of a/sin(a/2)
  scale = jnp.where(angle <= 1e-3, small, angle / jnp.sin(angle / 2))
  if degrees:
    scale = jnp.rad2deg(scale)
  return scale[..., None] * q[..., :3]


def _from_mrp(mrp):
  mrp = jnp.asarray(mrp)
  sq1 = jnp.sum(mrp * mrp, axis=-1, keepdims=True) + 1
  return jnp.concatenate([2 * mrp[..., :3], 2 - sq1], axis=-1) / sq1


def _as_mrp(q):
  sign = jnp.where(q[..., 3:] < 0, -1., 1.)
  return sign * q[..., :3] / (1. + sign * q[..., 3:])


def _inv(q):
  return q * jnp.array([-1, -1, -1, 1], dtype=q.dtype)


def _magnitude(q):
  return 2. * jnp.arctan2(_norm(q[..., :3]), jnp.abs(q[..., 3]))


def _make_canonical(q):
  neg, zero = q < 0, q == 0
  flip = (neg[..., 3] | (zero[..., 3] & neg[..., 0]) | (zero[..., 3] & zero[..., 0] & neg[..., 1])
          | (zero[..., 3] & zero[..., 0] & zero[..., 1] & neg[..., 2]))
  return jnp.where(flip[..., None], -q, q)


_AXIS = {"x": 0, "y": 1, "z": 2}


def _parse_seq(seq: str, exact3: bool) -> tuple:
  """(axis indices, intrinsic?) of an Euler sequence such as 'xyz' or 'ZXZ'."""
  if exact3:
    if len(seq) != 3:
      raise ValueError(f"Expected 3 axes, got {seq}.")
  elif len(seq) < 1 or len(seq) > 3:
    raise ValueError("Expected axis specification to be a non-empty string of upto 3 "
                     f"characters, got {seq}")
  intrinsic = re.match(r"^[XYZ]{1,3}$", seq) is not None
  extrinsic = re.match(r"^[xyz]{1,3}$", seq) is not None
  if not (intrinsic or extrinsic):
    raise ValueError("Expected axes from `seq` to be from ['x', 'y', 'z'] or ['X', 'Y', 'Z'], "
                     f"got {seq}")
  if any(seq[i] == seq[i + 1] for i in range(len(seq) - 1)):
    raise ValueError(f"Expected consecutive axes to be different, got {seq}")
  return tuple(_AXIS[c] for c in seq.lower()), intrinsic


def _euler_from_quat(q, axes, extrinsic: bool, degrees: bool):
  """Euler angles of quaternions (Bernardes & Viollet 2022), axes static."""
  first, third = (0, 2) if extrinsic else (2, 0)
  i, j, k = axes if extrinsic else axes[::-1]
  symmetric = i == k
  if symmetric:
    k = 3 - i - j
  sign = (i - j) * (j - k) * (k - i) // 2
  qi, qj, qk, qw = q[..., i], q[..., j], q[..., k], q[..., 3]
  if symmetric:
    a, b, c, d = qw, qi, qj, qk * sign
  else:
    a, b, c, d = qw - qj, qi + qk * sign, qj + qw, qk * sign - qi
  eps = 1e-7
  middle = 2 * jnp.arctan2(jnp.hypot(c, d), jnp.hypot(a, b))
  case = jnp.where(jnp.abs(middle - np.pi) <= eps, 2, 0)
  case = jnp.where(jnp.abs(middle) <= eps, 1, case)
  half_sum = jnp.arctan2(b, a)
  half_diff = jnp.arctan2(d, c)
  # degenerate cases (gimbal lock) put everything in angle 0 and leave the other at zero
  degenerate = jnp.where(case == 1, 2 * half_sum, 2 * half_diff * (-1 if extrinsic else 1))
  angles = [degenerate, middle, jnp.zeros_like(middle)]
  angles[first] = jnp.where(case == 0, half_sum - half_diff, angles[first])
  angles[third] = jnp.where(case == 0, half_sum + half_diff, angles[third])
  if not symmetric:
    angles[third] = angles[third] * sign
    angles[1] = angles[1] - np.pi / 2
  out = jnp.stack(angles, axis=-1)
  out = (out + np.pi) % (2 * np.pi) - np.pi
  return jnp.rad2deg(out) if degrees else out


# ----------------------------------------------------------------------------------------------
# Public classes

class Rotation(typing.NamedTuple):
  """Rotations in 3 dimensions (SciPy's `spatial.transform.Rotation`), stored as quaternions.

  Build one with the ``from_*`` class methods; ``r.quat`` is ``(4,)`` or ``(N, 4)``.
  """
  quat: typing.Any

  @classmethod
  def concatenate(cls, rotations: typing.Sequence):
    """Stack several stacks of rotations into one."""
    return cls(jnp.concatenate([r.quat for r in rotations]))

  @classmethod
  def from_euler(cls, seq: str, angles, degrees: bool = False):
    """From Euler angles: 'xyz' (lower case) is extrinsic, 'XYZ' intrinsic."""
    axes, intrinsic = _parse_seq(seq, exact3=False)
    angles = jnp.atleast_1d(angles)
    if degrees:
      angles = jnp.deg2rad(angles)
    if angles.shape[-1] != len(axes):
      raise ValueError(f"Expected angles to have last dimension {len(axes)} for seq={seq!r}, "
                       f"got shape {angles.shape}")
    result = _elementary(axes[0], angles[..., 0])
    for n in range(1, len(axes)):
      q = _elementary(axes[n], angles[..., n])
      result = _compose(result, q) if intrinsic else _compose(q, result)
    return cls(result)

  @classmethod
  def from_matrix(cls, matrix):
    """From rotation matrices (..., 3, 3)."""
    return cls(_from_matrix(matrix))

  @classmethod
  def from_mrp(cls, mrp):
    """From modified Rodrigues parameters (..., 3)."""
    return cls(_from_mrp(mrp))

  @classmethod
  def from_quat(cls, quat):
    """From (not necessarily unit) scalar-last quaternions; they are normalised."""
    return cls(_normalize(jnp.asarray(quat)))

  @classmethod
  def from_rotvec(cls, rotvec, degrees: bool = False):
    """From rotation vectors (axis times angle), (..., 3)."""
    return cls(_from_rotvec(rotvec, degrees))

  @classmethod
  def identity(cls, num: int | None = None, dtype=float):
    """The identity rotation (only ``num=None`` is supported, as in JAX)."""
    if num is not None:
      raise AssertionError("Rotation.identity supports only num=None (as in JAX)")
    return cls(jnp.array([0., 0., 0., 1.], dtype=dtype))

  @classmethod
  def random(cls, random_key, num: int | None = None):
    raise NotImplementedError()

  def __getitem__(self, indexer):
    if self.single:
      raise TypeError("Single rotation is not subscriptable.")
    return Rotation(self.quat[indexer])

  def __len__(self):
    if self.single:
      raise TypeError("Single rotation has no len().")
    return self.quat.shape[0]

  def __mul__(self, other) -> "Rotation":
    """Composition: ``(p * q).apply(v) == p.apply(q.apply(v))``."""
    return Rotation.from_quat(_compose(self.quat, other.quat))

  def apply(self, vectors, inverse: bool = False):
    """Rotate vectors (..., 3) (by the inverse rotation if `inverse`)."""
    m = self.as_matrix()
    if inverse:
      m = jnp.swapaxes(m, -1, -2)
    return jnp.matmul(m, jnp.asarray(vectors)[..., None])[..., 0]

  def as_euler(self, seq: str, degrees: bool = False):
    """Euler angles for a 3-axis sequence ('xyz' extrinsic, 'XYZ' intrinsic)."""
    axes, intrinsic = _parse_seq(seq, exact3=True)
    return _euler_from_quat(self.quat, axes, not intrinsic, degrees)

  def as_matrix(self):
    """Rotation matrices (..., 3, 3)."""
    return _as_matrix(self.quat)

  def as_mrp(self):
    """Modified Rodrigues parameters (..., 3)."""
    return _as_mrp(self.quat)

  def as_rotvec(self, degrees: bool = False):
    """Rotation vectors (..., 3) with angle in [0, pi]."""
    return _as_rotvec(self.quat, degrees)

  def as_quat(self, canonical: bool = False, scalar_first: bool = False):
    """The quaternions; `canonical` makes w >= 0 (ties broken on x, y, z)."""
    quat = _make_canonical(self.quat) if canonical else self.quat
    return jnp.roll(quat, shift=1, axis=-1) if scalar_first else quat

  def inv(self):
    """The inverse rotation(s)."""
    return Rotation(_inv(self.quat))

  def magnitude(self):
    """Rotation angle(s) in radians, in [0, pi]."""
    return _magnitude(self.quat)

  def mean(self, weights=None):
    """The (weighted) mean rotation: the top eigenvector of sum_i w_i q_i q_i^T."""
    w = (jnp.ones(self.quat.shape[0], dtype=self.quat.dtype) if weights is None
         else jnp.asarray(weights, dtype=self.quat.dtype))
    if w.ndim != 1:
      raise ValueError(f"Expected `weights` to be 1 dimensional, got shape {w.shape}.")
    if w.shape[0] != len(self):
      raise ValueError("Expected `weights` to have number of values equal to number of "
                       f"rotations, got {w.shape[0]} values and {len(self)} rotations.")
    K = jnp.dot(w[None, :] * self.quat.T, self.quat)
    _, v = jnp_linalg.eigh(K)
    return Rotation(v[:, -1])

  @property
  def single(self) -> bool:
    return self.quat.ndim == 1


class Slerp(typing.NamedTuple):
  """Spherical linear interpolation of rotations (SciPy's `Slerp`); build with `Slerp.init`."""
  times: typing.Any
  timedelta: typing.Any
  rotations: Rotation
  rotvecs: typing.Any

  @classmethod
  def init(cls, times, rotations: Rotation):
    """Interpolator through `rotations` (N >= 2) at increasing `times` (N,)."""
    if not isinstance(rotations, Rotation):
      raise TypeError("`rotations` must be a `Rotation` instance.")
    if rotations.single or len(rotations) == 1:
      raise ValueError("`rotations` must be a sequence of at least 2 rotations.")
    times = jnp.asarray(times, dtype=rotations.quat.dtype)
    if times.ndim != 1:
      raise ValueError("Expected times to be specified in a 1 dimensional array, got "
                       f"{times.ndim} dimensions.")
    if times.shape[0] != len(rotations):
      raise ValueError("Expected number of rotations to be equal to number of timestamps "
                       f"given, got {len(rotations)} rotations and {times.shape[0]} "
                       "timestamps.")
    starts = Rotation(rotations.as_quat()[:-1])
    steps = (starts.inv() * Rotation(rotations.as_quat()[1:])).as_rotvec()
    return cls(times=times, timedelta=jnp.diff(times), rotations=starts, rotvecs=steps)

  def __call__(self, times):
    """The interpolated rotation(s) at `times` (scalar or 1-d)."""
    t = jnp.asarray(times, dtype=self.times.dtype)
    if t.ndim > 1:
      raise ValueError("`times` must be at most 1-dimensional.")
    single = t.ndim == 0
    t = jnp.atleast_1d(t)
    ind = jnp.maximum(jnp.searchsorted(self.times, t) - 1, 0)
    alpha = (t - self.times[ind]) / self.timedelta[ind]
    result = self.rotations[ind] * Rotation.from_rotvec(self.rotvecs[ind] * alpha[:, None])
    return result[0] if single else result
