"""Ray: the farm, its warm workers, fan-out/fan-in, retries, the chunk cache, the local cluster."""

from cluster.coordinator import LessonFailed, RenderRequest, lesson_id_for
from cluster.events import Event
from cluster.farm import Farm, FarmConfig
from cluster.local import ClusterStartError, running_address, stop_local_cluster
from cluster.report import ChunkReport, LessonReport, SceneReport
from cluster.worker import WorkerConfig

__all__ = [
    "ChunkReport",
    "ClusterStartError",
    "Event",
    "Farm",
    "FarmConfig",
    "LessonFailed",
    "LessonReport",
    "RenderRequest",
    "SceneReport",
    "WorkerConfig",
    "lesson_id_for",
    "running_address",
    "stop_local_cluster",
]
