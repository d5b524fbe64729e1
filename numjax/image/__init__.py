"""`numjax.image`: image resampling (`jax.image`): `resize`, `scale_and_translate`,
`ResizeMethod`."""
from numjax._src.image import ResizeMethod, resize, scale_and_translate  # noqa: F401
