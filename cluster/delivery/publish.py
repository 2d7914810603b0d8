"""Publishing a rendered lesson: its videos, posters and scene sources under versioned object_keys.

One call, `publish_lesson`, used by `scenefarm render` now and by the HTTP API later. Within a
version, the video is uploaded last: it is the commit point. A version whose video exists is
published (republishing identical bytes uploads nothing); one whose video exists with other
bytes is a conflict, because versions never change (so CDNs never need invalidating).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

from cluster.delivery.storage import Storage, StorageError, VersionConflict, object_keys
from cluster.delivery.storage.digests import file_sha256
from renderers import StitchError, ensure_faststart, extract_poster

T = TypeVar("T")
PARALLEL = 4  # scenes published at once: each is an ffmpeg run and a few uploads


@dataclass(frozen=True)
class SceneArtifacts:
    index: int  # 1-based position in the lesson
    version: int | None  # None: the first version that is free or holds these very bytes
    video: Path
    source: str  # the scene's code, stored privately next to its video
    poster: Path | None = None  # its last frame, if made already (else made when published)
    source_suffix: str = ".py"  # how its engine names a scene file: .tsx/.jsx for web scenes


@dataclass(frozen=True)
class LessonArtifacts:
    lesson_id: str
    version: int | None  # None: as for scenes (callers without an edit history)
    video: Path
    scenes: tuple[SceneArtifacts, ...] = ()
    poster: Path | None = None  # its last frame: the last scene's poster, if made already
    # Files beside the video, by name (object_keys.LESSON_FILES): a narrated version's
    # captions and chapters. Uploaded before the video, like the poster.
    files: tuple[tuple[str, Path], ...] = ()


@dataclass(frozen=True)
class PublishedVideo:
    version: int
    video_key: str
    poster_key: str
    video_url: str
    poster_url: str
    uploaded: int  # objects written by this call: 0 when this version was already published
    files: dict[str, str] = field(default_factory=dict)  # name -> URL of the files beside it


@dataclass(frozen=True)
class PublishedScene:
    index: int
    video: PublishedVideo
    source_key: str


@dataclass(frozen=True)
class Published:
    lesson_id: str
    video: PublishedVideo
    scenes: tuple[PublishedScene, ...]

    @property
    def uploaded(self) -> int:
        return self.video.uploaded + sum(s.video.uploaded for s in self.scenes)


@dataclass(frozen=True)
class _Keys:
    video: str
    poster: str
    source: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # name -> key


def publish_lesson(storage: Storage, lesson: LessonArtifacts) -> Published:
    """Uploads every scene version, then the lesson version; returns their URLs.

    Raises VersionConflict when an explicit version already holds other bytes, and
    StorageError (UploadFailed, ...) naming the key when storing fails.
    """
    with tempfile.TemporaryDirectory(prefix="scenefarm-publish-") as tmp:
        work = Path(tmp)
        calls = [partial(_scene, storage, lesson.lesson_id, s, work) for s in lesson.scenes]
        scenes = _parallel(calls)
        names = tuple(name for name, _ in lesson.files)
        lesson_keys = partial(_lesson_keys, lesson.lesson_id, names)
        video = _video(
            storage,
            lesson_keys,
            lesson.version,
            lesson.video,
            work,
            lesson.poster,
            files=dict(lesson.files),
        )
    return Published(lesson.lesson_id, video, tuple(scenes))


def _lesson_keys(lesson_id: str, names: tuple[str, ...], version: int) -> _Keys:
    return _Keys(
        object_keys.lesson_video(lesson_id, version),
        object_keys.lesson_poster(lesson_id, version),
        files={n: object_keys.lesson_file(lesson_id, version, n) for n in names},
    )


def _scene_keys(lesson_id: str, index: int, suffix: str, version: int) -> _Keys:
    args = (lesson_id, index, version)
    return _Keys(
        object_keys.scene_video(*args),
        object_keys.scene_poster(*args),
        object_keys.scene_source(*args, suffix),
    )


def _scene(storage: Storage, lesson_id: str, scene: SceneArtifacts, work: Path) -> PublishedScene:
    source = work / f"{uuid.uuid4().hex}{scene.source_suffix}"
    source.write_text(scene.source, encoding="utf-8")
    scene_keys = partial(_scene_keys, lesson_id, scene.index, scene.source_suffix)
    video = _video(storage, scene_keys, scene.version, scene.video, work, scene.poster, source)
    return PublishedScene(scene.index, video, scene_keys(video.version).source or "")


def _video(
    storage: Storage,
    keys_for: Callable[[int], _Keys],
    version: int | None,
    video: Path,
    work: Path,
    poster: Path | None = None,
    source: Path | None = None,
    files: dict[str, Path] | None = None,
) -> PublishedVideo:
    """Uploads the source, the poster and the files beside the video, then the video;
    nothing if already published."""
    try:
        video = ensure_faststart(video, work)
        sha = file_sha256(video)
        version, done = _version(storage, keys_for, version, sha)
        k = keys_for(version)
        uploads = [(k.source, source)] if k.source and source else []
        uploads += [(k.files[name], path) for name, path in (files or {}).items()]
        if not done:
            made = poster if poster is not None and poster.is_file() else None
            uploads += [(k.poster, made or extract_poster(video, work / f"{uuid.uuid4().hex}.jpg"))]
            for key, path in [*uploads, (k.video, video)]:
                storage.put(key, path)  # the video last: once it is there, all of it is
    except StitchError as e:
        raise StorageError(f"cannot prepare {video.name} for {storage.location}: {e}") from e
    uploaded = 0 if done else len(uploads) + 1
    urls = {name: storage.url(key) for name, key in k.files.items()}
    return PublishedVideo(
        version, k.video, k.poster, storage.url(k.video), storage.url(k.poster), uploaded, urls
    )


def _version(
    storage: Storage, keys_for: Callable[[int], _Keys], version: int | None, sha256: str
) -> tuple[int, bool]:
    """The version to publish under, and whether it already holds these bytes."""
    candidate = 1 if version is None else version
    while (existing := storage.head(keys_for(candidate).video)) is not None:
        if existing.sha256 == sha256:
            return candidate, True
        if version is not None:
            raise VersionConflict(storage.location + keys_for(candidate).video)
        candidate += 1
    return candidate, False


def _parallel(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Runs calls on a few threads; all finish before the first error (if any) is raised."""
    if not calls:
        return []
    with ThreadPoolExecutor(min(PARALLEL, len(calls))) as pool:
        futures = [pool.submit(call) for call in calls]
    return [f.result() for f in futures]
