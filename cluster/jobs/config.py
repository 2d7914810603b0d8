"""What a lesson runner is given: plain values, pickled to its actor."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cluster.delivery.storage import StorageConfig
from cluster.farm import WorkerConfig
from cluster.jobs.webhooks import WebhookPolicy
from cluster.lessons.narration.config import NarrationConfig
from scenes import ClaudeConfig


@dataclass(frozen=True)
class RunnerConfig:
    """Everything a runner needs, as plain values (it is pickled to the actor)."""

    redis_url: str
    data_dir: Path
    storage: StorageConfig
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    redis_timeout_s: float = 5.0
    workers: int | None = None
    idle_s: float = 900.0
    claude: ClaudeConfig | None = field(default=None, repr=False)
    max_fixes: int = 4
    max_layout_fixes: int = 2
    webhook: WebhookPolicy = field(default_factory=WebhookPolicy)
    events_max_len: int = 10_000
    video_s_per_day: float | None = None  # an owner's newly rendered seconds a day (None: any)
    narration: NarrationConfig | None = None  # the farm's TTS; None: every lesson is silent
    # The runner publishes to storage: S3 credentials the Ray cluster's own processes lack.
    env: dict[str, str] = field(default_factory=dict, repr=False)
