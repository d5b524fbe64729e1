"""`numjax.lax.linalg`: linear-algebra primitives (`jax.lax.linalg`)."""
from numjax._src.lax.linalg import (  # noqa: F401
    cholesky, cholesky_p, eig, eig_p, eigh, eigh_p, geqrf, geqrf_p, hessenberg, hessenberg_p,
    lu, lu_p, lu_pivots_to_permutation, lu_pivots_to_permutation_p, lu_solve, qr, qr_p, schur,
    schur_p, svd, svd_p, symmetrize, triangular_solve, triangular_solve_p, tridiagonal_solve,
    tridiagonal_solve_p)
