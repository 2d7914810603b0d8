"""Ray: the farm, its warm workers, fan-out/fan-in, retries, the chunk cache, the local cluster;
and delivery: publishing lessons to storage (`cluster.storage`: local directory or S3)."""

from cluster.coordinator import LessonCancelled, LessonFailed, RenderRequest, lesson_id_for
from cluster.delivery import DeliveryFailed, publish_render
from cluster.events import Event
from cluster.farm import Farm, FarmConfig
from cluster.local import ClusterStartError, running_address, stop_local_cluster
from cluster.publish import (
    LessonArtifacts,
    Published,
    PublishedScene,
    PublishedVideo,
    SceneArtifacts,
    publish_lesson,
)
from cluster.report import ChunkReport, LessonReport, SceneReport
from cluster.worker import WorkerConfig

__all__ = [
    "ChunkReport",
    "ClusterStartError",
    "DeliveryFailed",
    "Event",
    "Farm",
    "FarmConfig",
    "LessonArtifacts",
    "LessonCancelled",
    "LessonFailed",
    "LessonReport",
    "Published",
    "PublishedScene",
    "PublishedVideo",
    "RenderRequest",
    "SceneArtifacts",
    "SceneReport",
    "WorkerConfig",
    "lesson_id_for",
    "publish_lesson",
    "publish_render",
    "running_address",
    "stop_local_cluster",
]
