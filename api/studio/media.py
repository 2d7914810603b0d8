"""Videos and posters for signed-in pages, from the configured storage.

Pages link to these (same origin, the session cookie) rather than to the storage's absolute
URLs, which carry SCENEFARM_PUBLIC_URL's scheme and host and so break behind a proxy. Local
storage is streamed from disk (range requests for seeking); S3 and CDN storage are a redirect
to their (signed) URL.
"""

from __future__ import annotations

from fastapi import Response
from fastapi.responses import FileResponse, RedirectResponse

from api.errors import NotFound
from api.runtime import Runtime
from cluster.delivery.storage import LocalStorage, StorageError

_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg"}


def stored(runtime: Runtime, key: str, download_as: str | None = None) -> Response:
    storage = runtime.storage
    try:
        if isinstance(storage, LocalStorage):
            path = storage.open_public(key)
            kind = _TYPES.get(path.suffix, "application/octet-stream")
            response = FileResponse(path, media_type=kind, filename=download_as)
            if download_as is None:  # versioned keys never change
                response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
            return response
        return RedirectResponse(storage.url(key), status_code=307)
    except StorageError as e:
        raise NotFound(f"{key} is not stored") from e


def exists(runtime: Runtime, key: str) -> bool:
    """Whether a poster was published (older renders may have none): no broken images."""
    if not isinstance(runtime.storage, LocalStorage):
        return True  # a HEAD per thumbnail to S3 costs more than a rare missing image
    try:
        return runtime.storage.head(key) is not None
    except StorageError:
        return False
