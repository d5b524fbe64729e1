"""`numjax.scipy.linalg`: SciPy's linear algebra (`jax.scipy.linalg`)."""
from numjax._src.scipy.linalg import (  # noqa: F401
    block_diag, cho_factor, cho_solve, cholesky, det, eigh, expm, expm_frechet, inv, lu,
    lu_factor, lu_solve, qr, solve, solve_triangular, svd)
