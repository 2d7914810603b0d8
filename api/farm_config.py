"""The farm a command runs on, from the settings and the command's own options."""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from typing import TYPE_CHECKING

from api.settings import Settings
from cluster.delivery.storage import open_storage
from cluster.farm import FarmConfig, WorkerConfig, ray_head
from cluster.lessons.narration.config import NarrationConfig, PollySettings, ProviderName
from sandbox import DockerOptions, SandboxLimits, resolve_backend
from scenes import ClaudeConfig

if TYPE_CHECKING:
    from cluster.jobs.config import RunnerConfig

# What a lesson runner needs to publish to S3 (the Ray cluster's processes never see secrets).
_STORAGE_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CA_BUNDLE",
)


def worker_config(
    settings: Settings,
    sandbox: str | None = None,
    timeout_s: int | None = None,
    memory_mb: int | None = None,
) -> WorkerConfig:
    """Raises SandboxError when the backend cannot be used here."""
    limits = SandboxLimits().override(wall_s=timeout_s, memory_mb=memory_mb)
    docker = DockerOptions(settings.docker_image, settings.docker_runtime, settings.docker_cpus)
    backend = resolve_backend(sandbox or settings.sandbox, docker)
    return WorkerConfig(
        backend=backend, limits=limits, docker=docker, log_format=settings.log_format
    )


def farm_config(args: argparse.Namespace, settings: Settings) -> FarmConfig:
    """Raises SandboxError (unusable backend) or StorageError (bad storage settings)."""
    worker = worker_config(settings, args.sandbox, args.timeout_s, args.memory_mb)
    storage = open_storage(settings.storage_config())
    return FarmConfig(
        settings.data_dir,
        settings.ray_address,
        args.workers,
        worker,
        settings.idle_s,
        storage,
        stay_connected=True,  # the CLI ends with console()'s quick exit
        environ=dict(os.environ),  # for a local Ray head this command may start
    )


def narration_config(settings: Settings, voice: str | None = None) -> NarrationConfig:
    """The farm's TTS, its audio cached in the data dir; `voice` overrides the setting's."""
    return NarrationConfig(
        provider=ProviderName(settings.tts_provider),
        voice=voice or settings.tts_voice,
        cache_dir=settings.data_dir / "tts",
        polly=PollySettings(region=settings.tts_polly_region, engine=settings.tts_polly_engine),
    )


def runner_config(settings: Settings, redis_url: str) -> RunnerConfig:
    """What the API's lesson runners run with. Raises SandboxError or StorageConfigError."""
    from cluster.jobs.config import RunnerConfig  # redis and the API's own modules: serve only
    from cluster.jobs.webhooks import WebhookPolicy

    claude = None
    if settings.anthropic_api_key:
        claude = ClaudeConfig(
            api_key=settings.anthropic_api_key,
            model=settings.model,
            base_url=settings.anthropic_base_url,
            max_retries=settings.claude_max_retries,
            timeout_s=settings.claude_timeout_s,
        )
    return RunnerConfig(
        redis_url=redis_url,
        data_dir=settings.data_dir.resolve(),
        storage=settings.storage_config(),
        worker=_runners_worker(settings),
        redis_timeout_s=settings.redis_timeout_s,
        workers=settings.render_workers,
        idle_s=settings.idle_s,
        claude=claude,
        max_fixes=settings.max_fixes,
        max_layout_fixes=settings.max_layout_fixes,
        webhook=WebhookPolicy(
            settings.webhook_max_attempts,
            settings.webhook_backoff_s,
            settings.webhook_timeout_s,
            allow=settings.webhook_networks(),
        ),
        events_max_len=settings.events_max_len,
        video_s_per_day=settings.quota_video_s_per_day,
        narration=narration_config(settings) if settings.narration else None,
        env={k: v for k, v in os.environ.items() if k in _STORAGE_ENV},
    )


def process_environ() -> dict[str, str]:
    """This process's environment, for a local Ray head it starts (which drops credentials)."""
    return dict(os.environ)


def _runners_worker(settings: Settings) -> WorkerConfig:
    """The runners' workers: on the local head, this farm's sandboxes keep their state in its
    data dir (as the CLI's do), so `scenefarm down` and cleanup touch only this farm's."""
    worker = worker_config(settings)
    if settings.ray_address is not None:
        return worker
    return replace(worker, sandbox_root=ray_head.sandbox_root(settings.data_dir))
