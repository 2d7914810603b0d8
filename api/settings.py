"""The one Settings object of a scenefarm process, read from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from scenes.claude import DEFAULT_MODEL


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
    # Lesson generation with Claude. The key has no default: without it, generation is refused.
    anthropic_api_key: str | None = Field(default=None, validation_alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = Field(default=None, validation_alias="ANTHROPIC_BASE_URL")
    model: str = DEFAULT_MODEL
    claude_max_retries: int = Field(default=4, ge=0, le=10)
    claude_timeout_s: float = Field(default=120.0, gt=0)
    max_fixes: int = Field(default=4, ge=0, le=10)
    max_layout_fixes: int = Field(default=2, ge=0, le=10)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
