"""Static files: WhiteNoise's hashed, compressed storage with gzip only.

WhiteNoise also writes a Brotli copy of every file when the ``brotli`` package is importable, and it is, as a
dependency of the fonts toolkit WeasyPrint uses. Brotli at its highest quality over the thousand files Orbit serves
(the API browser's assets among them) costs more than a minute of CPU at every ``orbit serve``; gzip costs seconds
and every browser accepts it.
"""

from __future__ import annotations

from typing import Any

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]  # whitenoise is untyped
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return Compressor(**{**kwargs, "use_brotli": False})
