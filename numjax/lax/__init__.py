"""`numjax.lax`: the primitive operations (`from numjax import lax`)."""
from numjax._src.lax.lax import *  # noqa: F401,F403
from numjax._src.lax.lax import (abs, complex, max, min, pow, round, slice)  # noqa: F401
