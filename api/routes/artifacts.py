"""Local artifact storage served over HTTP: `/artifacts/{key}`, the URLs LocalStorage makes
when SCENEFARM_PUBLIC_URL is set. Like CDN URLs they need no API key; private keys (scene
sources) are never served."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse

from api.deps import RuntimeDep
from api.errors import NotFound
from api.routes.docs import problems
from cluster.delivery.storage import LocalStorage, StorageError

router = APIRouter(tags=["artifacts"])
_TYPES = {".mp4": "video/mp4", ".jpg": "image/jpeg"}


@router.get(
    "/artifacts/{key:path}",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}, "image/jpeg": {}}}, **problems(404)},
)
def artifact(key: str, runtime: RuntimeDep) -> FileResponse:
    """A published video or poster from local storage."""
    storage = runtime.storage
    if not isinstance(storage, LocalStorage):
        raise NotFound("artifacts are served by the configured storage, not this server")
    try:
        path = storage.open_public(key)
    except StorageError as e:
        raise NotFound(f"no artifact {key}") from e
    return FileResponse(path, media_type=_TYPES.get(path.suffix, "application/octet-stream"))
