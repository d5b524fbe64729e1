"""Devices and shardings: honest stand-ins for JAX's on numjax's host-only CPU "devices".

numjax computes everything with NumPy in this process, so every array lives in host memory
and nothing is ever partitioned. These classes exist so that code written for JAX
(`jax.device_put(x, NamedSharding(mesh, P('x')))`, `jax.make_mesh(...)`) runs unchanged:
they validate their arguments as JAX does and print as JAX prints, but placing an array with
one of them does not split or move it. `devices()` lists one CPU device, or N when
`XLA_FLAGS` contains `--xla_force_host_platform_device_count=N` (read once, on first use),
as JAX on CPU does; `pmap` uses that count to bound its mapped axis.

    >>> mesh = numjax.make_mesh((1,), ('x',))
    >>> numjax.device_put(jnp.arange(4.), NamedSharding(mesh, P('x')))
    Array([0., 1., 2., 3.], dtype=float32)
"""
from __future__ import annotations

import collections
import enum
import os
import re
import warnings
from typing import Any, Sequence

import numpy as np


# ----------------------------------------------------------------------------------------------
# Devices
# ----------------------------------------------------------------------------------------------
class Device:
  """One CPU device (`CpuDevice(id=0)`); numjax runs every computation on the host."""
  platform = "cpu"
  device_kind = "cpu"
  process_index = 0
  host_id = 0
  task_id = 0
  client = None

  __slots__ = ("id",)

  def __init__(self, id: int = 0):
    self.id = id

  @property
  def local_hardware_id(self) -> int:
    return self.id

  def memory_stats(self):
    return None

  def __repr__(self):
    return f"CpuDevice(id={self.id})"

  def __str__(self):
    return f"cpu:{self.id}"

  def __eq__(self, other):
    return type(other) is Device and other.id == self.id

  def __hash__(self):
    return hash(("cpu", self.id))


_FLAG = re.compile(r"--xla_force_host_platform_device_count=(\d+)")
_devices: list | None = None


def host_devices() -> list:
  """The CPU devices: 1, or N with XLA_FLAGS=--xla_force_host_platform_device_count=N."""
  global _devices
  if _devices is None:
    found = _FLAG.findall(os.environ.get("XLA_FLAGS", ""))
    n = int(found[-1]) if found else 1
    _devices = [Device(i) for i in range(max(n, 1))]
  return _devices


def check_backend(backend) -> None:
  """RuntimeError (JAX's words) unless `backend` is None or 'cpu'."""
  if backend is None or backend == "cpu":
    return
  if backend in ("gpu", "cuda", "rocm", "tpu", "METAL", "metal"):
    raise RuntimeError(f"Unknown backend: '{backend}' requested, but no platforms that are "
                       f"instances of {backend} are present. Platforms present are: cpu")
  raise RuntimeError(f"Unknown backend {backend}. Available backends are ['cpu']")


# ----------------------------------------------------------------------------------------------
# PartitionSpec
# ----------------------------------------------------------------------------------------------
class _Unconstrained:
  def __repr__(self):
    return "UNCONSTRAINED"


class PartitionSpec(tuple):
  """How each array axis maps to mesh axes: `P('x', None)`; a tuple of names/None/tuples."""
  UNCONSTRAINED = _Unconstrained()

  def __new__(cls, *partitions):
    return super().__new__(cls, partitions)

  def __repr__(self):
    inner = ", ".join(repr(p) for p in self)
    return f"P({inner},)" if len(self) == 1 else f"P({inner})"

  __str__ = __repr__

  def __eq__(self, other):
    return isinstance(other, PartitionSpec) and tuple(self) == tuple(other)

  def __ne__(self, other):
    return not self == other

  def __hash__(self):
    return hash(("PartitionSpec", tuple(self)))

  def __reduce__(self):
    return (PartitionSpec, tuple(self))

  def _axis_names(self) -> list:
    names = []
    for p in self:
      if isinstance(p, tuple):
        names.extend(p)
      elif isinstance(p, str):
        names.append(p)
    return names


P = PartitionSpec


# ----------------------------------------------------------------------------------------------
# Meshes
# ----------------------------------------------------------------------------------------------
class AxisType(enum.Enum):
  Auto = enum.auto()
  Explicit = enum.auto()
  Manual = enum.auto()

  def __repr__(self):
    return self.name


class Mesh:
  """A named grid of devices: `Mesh(np.array(devices).reshape(...), ('x', 'y'))`.

  On numjax the grid only records shapes and names (every device is the host CPU).
  """

  def __init__(self, devices: np.ndarray | Sequence[Device], axis_names,
               axis_types: tuple[AxisType, ...] | None = None):
    devs = np.asarray(devices, dtype=object) if not isinstance(devices, np.ndarray) \
        else devices
    if isinstance(axis_names, str):
      axis_names = (axis_names,)
    axis_names = tuple(axis_names)
    if devs.ndim != len(axis_names):
      raise ValueError("Mesh requires the ndim of its first argument (`devices`) to equal the "
                       "length of its second argument (`axis_names`), but got "
                       f"devices.ndim == {devs.ndim} and len(axis_names) == {len(axis_names)}.")
    if len(set(axis_names)) != len(axis_names):
      raise ValueError(f"Mesh axis names must be unique, got {axis_names}.")
    if axis_types is None:
      axis_types = (AxisType.Auto,) * len(axis_names)
    elif isinstance(axis_types, AxisType):
      axis_types = (axis_types,) * len(axis_names)
    axis_types = tuple(axis_types)
    if len(axis_types) != len(axis_names):
      raise ValueError("Number of axis names should match the number of axis_types. Got "
                       f"axis_names={axis_names} and axis_types={axis_types}")
    self.devices = devs
    self.axis_names = axis_names
    self.axis_types = axis_types

  @property
  def shape(self) -> collections.OrderedDict[str, int]:
    return collections.OrderedDict(zip(self.axis_names, self.devices.shape))

  @property
  def axis_sizes(self) -> tuple:
    return tuple(self.devices.shape)

  @property
  def shape_tuple(self) -> tuple:
    return tuple(zip(self.axis_names, self.devices.shape))

  @property
  def size(self) -> int:
    return int(self.devices.size)

  @property
  def empty(self) -> bool:
    return self.devices.size == 0

  @property
  def device_ids(self) -> np.ndarray:
    return np.vectorize(lambda d: d.id, otypes=[int])(self.devices)

  @property
  def local_devices(self) -> list:
    return list(self.devices.flat)

  @property
  def local_mesh(self) -> "Mesh":
    return self

  @property
  def abstract_mesh(self) -> "Mesh":
    return self

  def __eq__(self, other):
    return (isinstance(other, Mesh) and self.axis_names == other.axis_names
            and self.axis_types == other.axis_types
            and self.devices.shape == other.devices.shape
            and all(a == b for a, b in zip(self.devices.flat, other.devices.flat)))

  def __hash__(self):
    return hash((self.axis_names, self.axis_types, self.devices.shape,
                 tuple(self.devices.flat)))

  def __repr__(self):
    types = ", ".join(repr(t) for t in self.axis_types) + ("," if len(self.axis_types) == 1
                                                           else "")
    return (f"Mesh(axis_sizes={self.axis_sizes}, axis_names={self.axis_names}, "
            f"axis_types=({types}))")

  def _short_repr(self) -> str:
    sizes = ", ".join(f"'{n}': {s}" for n, s in zip(self.axis_names, self.axis_sizes))
    types = ", ".join(repr(t) for t in self.axis_types) + ("," if len(self.axis_types) == 1
                                                           else "")
    return f"Mesh({sizes}, axis_types=({types}))"

  def __enter__(self):
    warnings.warn("`with mesh:` context manager has been deprecated. Please use `with "
                  "jax.set_mesh(mesh):` instead.", DeprecationWarning, stacklevel=2)
    return self

  def __exit__(self, *exc):
    return False


def make_mesh(axis_shapes: Sequence[int], axis_names: Sequence[str],
              axis_types: tuple[AxisType, ...] | None = None, *,
              devices: Sequence[Device] | None = None) -> Mesh:
  """A Mesh of `axis_shapes` over the first devices (axis types default to Explicit).

      >>> numjax.make_mesh((1,), ('x',))
      Mesh(axis_sizes=(1,), axis_names=('x',), axis_types=(Explicit,))
  """
  axis_shapes = tuple(int(s) for s in axis_shapes)
  if isinstance(axis_names, str):
    axis_names = (axis_names,)
  axis_names = tuple(axis_names)
  if len(axis_shapes) != len(axis_names):
    raise ValueError("Length of `axis_shapes` and `axis_names` must be equal. Got "
                     f"axis_shapes={axis_shapes} and axis_names={axis_names}")
  devs = list(host_devices() if devices is None else devices)
  size = int(np.prod(axis_shapes, dtype=np.int64))
  if len(devs) < size:
    raise ValueError(f"Number of devices {len(devs)} must be >= the product of mesh_shape "
                     f"{axis_shapes}")
  if axis_types is None:
    axis_types = (AxisType.Explicit,) * len(axis_names)
  grid = np.empty(size, dtype=object)
  for i, d in enumerate(devs[:size]):
    grid[i] = d
  return Mesh(grid.reshape(axis_shapes), axis_names, axis_types)


# ----------------------------------------------------------------------------------------------
# Shardings
# ----------------------------------------------------------------------------------------------
class Sharding:
  """Base class of numjax's shardings (all of them keep arrays whole, in host memory)."""
  memory_kind = "device"

  @property
  def device_set(self) -> set:
    raise NotImplementedError

  @property
  def num_devices(self) -> int:
    return len(self.device_set)

  @property
  def addressable_devices(self) -> set:
    return self.device_set

  is_fully_addressable = True

  def shard_shape(self, global_shape) -> tuple:
    return tuple(global_shape)

  def devices_indices_map(self, global_shape) -> dict:
    full = tuple(slice(None) for _ in global_shape)
    return {d: full for d in self.device_set}


class SingleDeviceSharding(Sharding):
  """Everything on one device (the sharding of every numjax Array)."""

  def __init__(self, device: Device, *, memory_kind: str | None = None):
    self._device = device
    if memory_kind is not None:
      self.memory_kind = memory_kind

  @property
  def device_set(self) -> set:
    return {self._device}

  is_fully_replicated = True

  def __repr__(self):
    return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind})"

  def __eq__(self, other):
    return isinstance(other, SingleDeviceSharding) and other._device == self._device

  def __hash__(self):
    return hash(("SingleDeviceSharding", self._device))


class NamedSharding(Sharding):
  """Array axes laid out over named mesh axes, `NamedSharding(mesh, P('x'))`.

  numjax checks the spec against the mesh, as JAX does, but keeps the array whole.
  """

  def __init__(self, mesh: Mesh, spec: PartitionSpec = PartitionSpec(), *,
               memory_kind: str | None = None):
    if not isinstance(mesh, Mesh):
      raise TypeError(f"mesh should be of type `jax.sharding.Mesh`. Got {mesh!r} of type "
                      f"{type(mesh)}")
    if spec is None:
      spec = PartitionSpec()
    if not isinstance(spec, PartitionSpec):
      if isinstance(spec, (tuple, list)):
        spec = PartitionSpec(*spec)
      else:
        raise TypeError("spec of NamedSharding should be of type `jax.sharding.PartitionSpec`."
                        f" Got {spec!r} of type {type(spec)}")
    for name in spec._axis_names():
      if name not in mesh.axis_names:
        raise ValueError(f"Resource axis: {name} of {spec!r} is not found in mesh: "
                         f"{mesh.axis_names}.")
    self.mesh = mesh
    self.spec = spec
    if memory_kind is not None:
      self.memory_kind = memory_kind

  @property
  def device_set(self) -> set:
    return set(self.mesh.devices.flat)

  @property
  def is_fully_replicated(self) -> bool:
    sizes = self.mesh.shape
    return all(sizes[n] == 1 for n in self.spec._axis_names())

  def shard_shape(self, global_shape) -> tuple:
    sizes = self.mesh.shape
    out = list(global_shape)
    for i, p in enumerate(self.spec):
      if i >= len(out) or p is None or p is PartitionSpec.UNCONSTRAINED:
        continue
      names = p if isinstance(p, tuple) else (p,)
      n = int(np.prod([sizes[a] for a in names], dtype=np.int64))
      if out[i] % n:
        raise ValueError(f"Sharding {self!r} implies that array axis {i} is partitioned {n} "
                         f"times, but the dimension size is {out[i]} (full shape: "
                         f"{tuple(global_shape)}, per-dimension tiling factors: "
                         f"{[n]} should evenly divide the shape)")
      out[i] //= n
    return tuple(out)

  def __repr__(self):
    return (f"NamedSharding(mesh={self.mesh._short_repr()}, spec={self.spec!r}, "
            f"memory_kind={self.memory_kind})")

  def __eq__(self, other):
    return (isinstance(other, NamedSharding) and self.mesh == other.mesh
            and self.spec == other.spec)

  def __hash__(self):
    return hash(("NamedSharding", self.mesh, self.spec))


def is_placement(x: Any) -> bool:
  """Whether `x` may be given to `device_put` as a placement (a device or a sharding)."""
  return x is None or isinstance(x, (Device, Sharding, PartitionSpec))
