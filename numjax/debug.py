"""`numjax.debug`: print and callback from inside transformed functions."""
from numjax._src.debugging import breakpoint, callback  # noqa: F401
from numjax._src.debugging import debug_print as print  # noqa: F401
