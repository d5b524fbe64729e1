"""`numjax.debug`: print, log and callback from inside transformed functions."""
from numjax._src.debugging import breakpoint, callback  # noqa: F401
from numjax._src.debugging import debug_print as print  # noqa: F401

import copy as _copy
import logging as _logging
import string as _string

_logger = _logging.getLogger("numjax._src.debugging")


class _FormatChecker(_string.Formatter):
  """Checks that a format string uses exactly the arguments given (formats nothing)."""

  def format_field(self, value, format_spec):
    return ""

  def check_unused_args(self, used_args, args, kwargs):
    unused_args = [a for i, a in enumerate(args) if i not in used_args]
    unused_kwargs = [k for k in kwargs if k not in used_args]
    if unused_args:
      raise ValueError(f"Unused positional arguments to `jax.debug.print`: {unused_args}")
    if unused_kwargs:
      raise ValueError(
          f"Unused keyword arguments to `jax.debug.print`: {unused_kwargs}. You may be passing "
          "an f-string (i.e, `f\"{x}\"`) into `jax.debug.print` and instead should pass in a "
          "regular string.")


def _user_frame():
  import os
  import traceback
  pkg = os.path.dirname(os.path.abspath(__file__))
  for frame in reversed(traceback.extract_stack()[:-3]):
    if not os.path.abspath(frame.filename).startswith(pkg):
      return frame.filename, frame.lineno
  return "(unknown file)", 0


def log(fmt=None, *args, ordered: bool = False, partitioned: bool = False,
        skip_format_check: bool = False, **kwargs):
  """Like `debug.print`, but emits the message as an INFO record of the logger
  "numjax._src.debugging" (with the caller's file and line), at run time, also under
  jit/vmap/grad. `log("x={x}", x=x)`, or `log(ordered=True)("x={x}", x=x)`."""
  import numpy as np
  from numjax._src import core
  from numjax._src import tree_util as tu

  def _log(fmt: str, *c_args, **c_kwargs):
    if not skip_format_check:
      _FormatChecker().format(fmt, *c_args, **c_kwargs)
    has_placeholders = bool(fmt) and next(iter(_string.Formatter().parse(fmt)))[1] is not None
    leaves, tree = tu.tree_flatten((c_args, c_kwargs))
    static = {i: l for i, l in enumerate(leaves) if not core.is_valid_jaxtype(l)}
    dynamic = [l for i, l in enumerate(leaves) if i not in static]
    printoptions = np.get_printoptions()
    filename, lineno = _user_frame()
    record = _logger.makeRecord(_logger.name, _logging.INFO, filename, lineno, "", (), None)

    def emit(*dyn):
      it = iter(dyn)
      a, k = tu.tree_unflatten(tree, [static[i] if i in static else next(it)
                                      for i in range(len(leaves))])
      if has_placeholders:
        with np.printoptions(**printoptions):
          msg = fmt.format(*a, **k)
      else:
        msg = " ".join((fmt, *(str(v) for v in a)))
      rec = _copy.copy(record)
      rec.msg = msg
      _logger.handle(rec)
    callback(emit, *dynamic, ordered=ordered)

  if fmt is not None:
    _log(fmt, *args, **kwargs)
    return None
  if args or kwargs:
    raise TypeError(f"debug_print received unexpected arguments in the two-call form: "
                    f"{args=} {kwargs=}")
  return _log
