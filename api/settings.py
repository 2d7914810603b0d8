"""The one Settings object of a scenefarm process, read from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "scenefarm"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCENEFARM_", extra="ignore")

    data_dir: Path = Field(default_factory=_default_data_dir)
    sandbox: str = "auto"
    docker_image: str = "scenefarm-sandbox:latest"
    docker_runtime: str | None = None  # e.g. runsc (gVisor)
    docker_cpus: float = 1.0
    idle_s: float = 900.0
    ray_address: str | None = Field(default=None, validation_alias="RAY_ADDRESS")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
