"""Single-device stand-ins for `jax.sharding`: `Mesh`, `NamedSharding`, `PartitionSpec`,
`SingleDeviceSharding`, `Sharding`, `AxisType`.

numjax keeps every array whole in host memory; these classes validate and print as JAX's do
so that sharding-aware code runs, but `device_put(x, sharding)` does not partition `x`
(see numjax/_src/sharding.py).
"""
from numjax._src.sharding import (  # noqa: F401
    AxisType as AxisType,
    Mesh as Mesh,
    NamedSharding as NamedSharding,
    PartitionSpec as PartitionSpec,
    Sharding as Sharding,
    SingleDeviceSharding as SingleDeviceSharding,
)
