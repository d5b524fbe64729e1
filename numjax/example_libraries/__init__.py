"""`numjax.example_libraries`: the small example libraries JAX ships (`jax.example_libraries`).

`optimizers` (init/update/get_params triples over pytrees) and `stax` (layers as
init/apply pairs). Import the submodules directly::

    from numjax.example_libraries import optimizers, stax
"""
