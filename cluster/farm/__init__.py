"""The farm on Ray: the coordinator, planner, warm worker pools, retries, the chunk cache,
the local Ray head. The only room that imports `ray` (in `ray_api`, and nowhere else).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cluster.lazy import lazy_exports

if TYPE_CHECKING:
    from cluster.farm.coordinator import LessonCancelled, LessonFailed, RenderRequest
    from cluster.farm.events import Event
    from cluster.farm.publish_render import DeliveryFailed, publish_render
    from cluster.farm.ray_head import ClusterStartError, running_address, stop_local_cluster
    from cluster.farm.report import ChunkReport, LessonReport, SceneReport
    from cluster.farm.service import Farm, FarmConfig
    from cluster.farm.worker import WorkerConfig

_HOMES = {
    "ChunkReport": "cluster.farm.report",
    "ClusterStartError": "cluster.farm.ray_head",
    "DeliveryFailed": "cluster.farm.publish_render",
    "Event": "cluster.farm.events",
    "Farm": "cluster.farm.service",
    "FarmConfig": "cluster.farm.service",
    "LessonCancelled": "cluster.farm.coordinator",
    "LessonFailed": "cluster.farm.coordinator",
    "LessonReport": "cluster.farm.report",
    "RenderRequest": "cluster.farm.coordinator",
    "SceneReport": "cluster.farm.report",
    "WorkerConfig": "cluster.farm.worker",
    "publish_render": "cluster.farm.publish_render",
    "running_address": "cluster.farm.ray_head",
    "stop_local_cluster": "cluster.farm.ray_head",
}
__all__ = [
    "ChunkReport",
    "ClusterStartError",
    "DeliveryFailed",
    "Event",
    "Farm",
    "FarmConfig",
    "LessonCancelled",
    "LessonFailed",
    "LessonReport",
    "RenderRequest",
    "SceneReport",
    "WorkerConfig",
    "publish_render",
    "running_address",
    "stop_local_cluster",
]
__getattr__ = lazy_exports(__name__, _HOMES)
