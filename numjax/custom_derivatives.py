"""`numjax.custom_derivatives`: custom_jvp, custom_vjp and symbolic zeros."""
from numjax._src.custom_derivatives import closure_convert, custom_jvp, custom_vjp  # noqa: F401
from numjax._src.interpreters.ad import Zero as SymbolicZero  # noqa: F401


def zero_from_primal(x, symbolic_zeros: bool = False):
  """A zero tangent for primal `x` (symbolic if requested)."""
  from numjax._src.interpreters import ad
  z = ad.Zero.from_primal_value(x)
  return z if symbolic_zeros else ad.instantiate_zeros(z)


from numjax._src.linear_call import linear_call  # noqa: E402,F401
from numjax._src.toplevel import custom_gradient  # noqa: E402,F401
