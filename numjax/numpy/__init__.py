"""`numjax.numpy`: JAX's NumPy API (`import numjax.numpy as jnp`)."""
import numpy as _np

from numjax._src.numpy import array_methods as _array_methods  # noqa: F401  (installs operators)
from numjax._src.numpy.lax_numpy import *  # noqa: F401,F403
from numjax._src.numpy.lax_numpy import (abs, all, any, max, min, pow, round, sum)  # noqa: F401
from numjax._src.array import Array as ndarray  # noqa: F401
from numjax._src.dtypes import finfo, iinfo  # noqa: F401

from numjax._src.numpy.scalar_types import (  # noqa: F401
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64,
    complex64, complex128, bfloat16, float_, int_, uint, complex_)

inexact, floating, complexfloating = _np.inexact, _np.floating, _np.complexfloating
integer, signedinteger, unsignedinteger = _np.integer, _np.signedinteger, _np.unsignedinteger
number, generic = _np.number, _np.generic
bool = bool_
dtype = _np.dtype
