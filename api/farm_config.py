"""The farm a command runs on, from the settings and the command's own options."""

from __future__ import annotations

import argparse

from api.settings import Settings
from cluster import FarmConfig, WorkerConfig
from cluster.storage import open_storage
from sandbox import DockerOptions, SandboxLimits, resolve_backend


def farm_config(args: argparse.Namespace, settings: Settings) -> FarmConfig:
    """Raises SandboxError (unusable backend) or StorageError (bad storage settings)."""
    limits = SandboxLimits().override(wall_s=args.timeout_s, memory_mb=args.memory_mb)
    docker = DockerOptions(settings.docker_image, settings.docker_runtime, settings.docker_cpus)
    backend = resolve_backend(args.sandbox or settings.sandbox, docker)
    worker = WorkerConfig(backend=backend, limits=limits, docker=docker)
    storage = open_storage(settings.storage_config())
    return FarmConfig(
        settings.data_dir, settings.ray_address, args.workers, worker, settings.idle_s, storage
    )
