"""`numjax.nn`: activation functions and helpers (`jax.nn`); `numjax.nn.initializers`."""
from numjax._src.nn.functions import (  # noqa: F401
    celu, dot_product_attention, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish,
    hard_tanh, identity, leaky_relu, log1mexp, log_sigmoid, log_softmax, logmeanexp, logsumexp, mish, one_hot,
    relu, relu6, selu, sigmoid, silu, soft_sign, softmax, softplus, sparse_plus,
    sparse_sigmoid, squareplus, standardize, swish, tanh)
from numjax.nn import initializers  # noqa: F401,E402
