"""The shared tier of the chunk cache: `chunks/{key}.mp4` in a store other machines see (S3).

Uploads run on a few threads while the lesson renders; `wait` collects their failures. A chunk
is immutable under its key (the key is a hash of everything that made it), so the first
upload wins and later ones only check that it is there.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from cluster.delivery.storage import ObjectMissing, Storage, StorageError, UploadFailed, object_keys

log = logging.getLogger(__name__)
UPLOAD_THREADS = 4
_INFO = "chunk-info"  # the object's metadata entry holding the chunk's info as JSON


class RemoteChunks:
    def __init__(self, storage: Storage, threads: int = UPLOAD_THREADS) -> None:
        self.storage = storage
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="chunk-upload")
        self._uploads: dict[str, Future[None]] = {}
        self._lock = threading.Lock()
        self._unreachable = False  # after one failed read, the rest of the run renders instead

    @property
    def location(self) -> str:
        return self.storage.location

    def fetch(self, key: str, dest: Path) -> dict[str, Any] | None:
        """Downloads the chunk to dest and returns its info; None when the store lacks it.

        Any failure is a miss (logged): the chunk is then rendered, never the lesson failed;
        and the store is not asked again in this run, so an unreachable one costs its retries
        once, not once per chunk.
        """
        if self._unreachable:
            return None
        try:
            stored = self.storage.get(object_keys.chunk(key), dest)
            info = json.loads(stored.metadata.get(_INFO, "null"))
        except ObjectMissing:
            return None
        except (StorageError, ValueError) as e:
            self._unreachable = True
            log.warning("remote chunk cache unusable, rendering what is missing locally: %s", e)
            return None
        if not isinstance(info, dict) or not _numbers(info, "frames", "render_s"):
            log.warning("chunk %s: remote copy has no usable info, rendering it", key)
            dest.unlink(missing_ok=True)
            return None
        return info

    def fetch_plan(self, key: str, work: Path) -> Any:
        """A scene's chunk plan another farm stored (None when missing or unreadable)."""
        if self._unreachable:
            return None
        dest = work / f".plan-{key}.json"
        try:
            self.storage.get(object_keys.plan(key), dest)
            return json.loads(dest.read_text())
        except ObjectMissing:
            return None
        except (StorageError, OSError, ValueError) as e:
            log.warning("remote plan %s unusable, planning afresh: %s", key, e)
            return None
        finally:
            dest.unlink(missing_ok=True)

    def share_plan(self, key: str, plan: Any, work: Path) -> None:
        """Stores a scene's plan for other farms, in the background and best effort: a farm
        without it only plans afresh (and misses those chunks), it never renders wrongly."""
        self._pool.submit(self._share_plan, key, json.dumps(plan), work)

    def _share_plan(self, key: str, data: str, work: Path) -> None:
        source = work / f".plan-{key}.{threading.get_ident()}.json"
        try:
            if self.storage.head(object_keys.plan(key)) is None:  # the first plan stored stays
                source.write_text(data)
                self.storage.put(object_keys.plan(key), source)
        except (StorageError, OSError) as e:
            log.warning("could not share plan %s: %s", key, e)
        finally:
            source.unlink(missing_ok=True)

    def upload(self, key: str, video: Path, info: dict[str, Any], done: Callable[[], None]) -> None:
        """Starts uploading the chunk unless it already is; `done` runs once it is stored."""
        with self._lock:
            if key not in self._uploads:
                self._uploads[key] = self._pool.submit(self._upload, key, video, info, done)

    def started(self, key: str) -> bool:
        with self._lock:
            return key in self._uploads

    def _upload(
        self, key: str, video: Path, info: dict[str, Any], done: Callable[[], None]
    ) -> None:
        remote = object_keys.chunk(key)
        if self.storage.head(remote) is None:
            self.storage.put(remote, video, {_INFO: json.dumps(info, separators=(",", ":"))})
        done()

    def wait(self) -> list[StorageError]:
        """Waits for every upload started so far; returns the failures."""
        with self._lock:
            uploads, self._uploads = self._uploads, {}
        failures: list[StorageError] = []
        for key, upload in uploads.items():
            try:
                upload.result()
            except StorageError as e:
                failures.append(e)
            except Exception as e:  # noqa: BLE001 (the local cache's metadata could not be rewritten, say)
                failures.append(UploadFailed(self.location + object_keys.chunk(key), repr(e)))
        return failures

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _numbers(info: dict[str, Any], *names: str) -> bool:
    return all(isinstance(info.get(n), int | float) for n in names)
