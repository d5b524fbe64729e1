"""`numjax.scipy.fft` (`jax.scipy.fft`): type-II DCTs."""
from numjax._src.scipy.fft import dct, dctn, idct, idctn  # noqa: F401
