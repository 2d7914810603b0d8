"""Artifacts: storage (a local directory or S3 behind CloudFront) and publishing lesson versions.
Knows nothing of Ray, jobs or lessons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cluster.lazy import lazy_exports

if TYPE_CHECKING:
    from cluster.delivery.publish import (
        LessonArtifacts,
        Published,
        PublishedScene,
        PublishedVideo,
        SceneArtifacts,
        publish_lesson,
    )

_HOMES = {
    "LessonArtifacts": "cluster.delivery.publish",
    "Published": "cluster.delivery.publish",
    "PublishedScene": "cluster.delivery.publish",
    "PublishedVideo": "cluster.delivery.publish",
    "SceneArtifacts": "cluster.delivery.publish",
    "publish_lesson": "cluster.delivery.publish",
}
__all__ = [
    "LessonArtifacts",
    "Published",
    "PublishedScene",
    "PublishedVideo",
    "SceneArtifacts",
    "publish_lesson",
]
__getattr__ = lazy_exports(__name__, _HOMES)
