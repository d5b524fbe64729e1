"""Segment reductions, as `jax.ops`: `segment_sum`, `segment_prod`, `segment_max`,
`segment_min` (see numjax/_src/ops.py)."""
from numjax._src.ops import (  # noqa: F401
    segment_max as segment_max,
    segment_min as segment_min,
    segment_prod as segment_prod,
    segment_sum as segment_sum,
)
