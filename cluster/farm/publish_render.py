"""`scenefarm render`'s delivery: publish what the farm wrote, as version 1 where possible.

The render command has no edit history, so its lesson and scenes are version 1, unless v1 of
that lesson id already holds other bytes (the same file rendered at another quality, or with
other scenes): then the next free version, since a published version never changes.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from cluster.delivery.publish import LessonArtifacts, Published, SceneArtifacts, publish_lesson
from cluster.delivery.storage import Storage
from cluster.farm.coordinator import LessonFailed, RenderRequest
from cluster.farm.report import LessonReport


class DeliveryFailed(LessonFailed):
    """The lesson rendered (its video is written locally) but could not be stored; rendered
    chunks stay in the local cache, and chunk uploads are retried on the next run."""


def publish_render(storage: Storage, request: RenderRequest, report: LessonReport) -> Published:
    """Publishes a finished render and writes the URLs into its report."""
    scenes = tuple(
        SceneArtifacts(
            index,
            None,
            video,
            request.source_of(report.scenes[index - 1].name).code,
            _poster(report.scenes[index - 1].poster),
            PurePosixPath(request.source_of(report.scenes[index - 1].name).filename).suffix,
        )
        for index, video in _scene_videos(request, report)
    )
    # The lesson ends on its last scene's last frame: the same picture, the same poster.
    last = scenes[-1].poster if scenes else None
    lesson = LessonArtifacts(request.lesson_id, None, request.output, scenes, last)
    published = publish_lesson(storage, lesson)
    report.video_url, report.poster_url = published.video.video_url, published.video.poster_url
    for scene in published.scenes:
        entry = report.scenes[scene.index - 1]
        entry.video_url, entry.poster_url = scene.video.video_url, scene.video.poster_url
    return published


def _scene_videos(request: RenderRequest, report: LessonReport) -> list[tuple[int, Path]]:
    """The scenes that rendered, by 1-based position, where the coordinator wrote them."""
    if request.scenes_dir is None:
        return []  # kept only in a temporary directory: nothing of them to publish
    return [
        (index, Path(scene.video))
        for index, scene in enumerate(report.scenes, 1)
        if scene.error is None and scene.video
    ]


def _poster(made: str | None) -> Path | None:
    return Path(made) if made else None
