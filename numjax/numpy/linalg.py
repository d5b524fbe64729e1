"""`numjax.numpy.linalg`: linear algebra (`jax.numpy.linalg`)."""
from numjax._src.numpy.linalg import (  # noqa: F401
    EigResult, EighResult, QRResult, SVDResult, SlogdetResult, cholesky, cond, cross, det,
    diagonal, eig, eigh, eigvals, eigvalsh, inv, lstsq, matmul, matrix_norm, matrix_power,
    matrix_rank, matrix_transpose, multi_dot, norm, outer, pinv, qr, slogdet, solve, svd,
    svdvals, tensordot, tensorinv, tensorsolve, trace, vecdot, vector_norm)
