"""The one Settings object of a scenefarm process, read from the environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.render_client import default_data_dir
from cluster.delivery.storage import StorageConfig
from scenes.claude import DEFAULT_MODEL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCENEFARM_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)  # shared with render_client
    sandbox: str = "auto"
    # Log lines: "text" (LEVEL logger: message key=value...) or "json" (one object per line).
    log_format: Literal["text", "json"] = "text"
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
    # Narration (README "Narration and captions"): lessons speak unless a request says not to;
    # SCENEFARM_NARRATION=0 keeps every lesson of this farm silent.
    narration: bool = True
    tts_provider: Literal["espeak", "polly"] = "espeak"
    tts_voice: str | None = None  # the provider's default: espeak-ng en-us, Polly Joanna
    tts_polly_region: str = "us-east-1"
    tts_polly_engine: Literal["standard", "neural"] = "standard"
    # Delivery (README "Delivery: S3 and CloudFront"); region, credentials and endpoint are
    # boto3's own (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL, ...).
    storage: str = "local"
    public_url: str | None = None
    s3_bucket: str | None = None
    s3_prefix: str = ""
    cdn_domain: str | None = None
    cdn_key_pair_id: str | None = None
    cdn_private_key_file: Path | None = None
    cdn_distribution_id: str | None = None
    url_ttl_s: int = 3600
    # The HTTP API (README "HTTP API"). REDIS_URL unset: the embedded redis-server in data_dir.
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    redis_timeout_s: float = Field(default=5.0, gt=0, le=60)
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    quota_lessons_per_day: int = Field(default=50, ge=0)
    quota_concurrent_renders: int = Field(default=2, ge=1)
    quota_scenes_per_lesson: int = Field(default=12, ge=1, le=12)
    quota_video_s_per_day: float = Field(default=1800.0, ge=0)
    webhook_max_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff_s: float = Field(default=1.0, ge=0)
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    # Networks webhooks may reach besides the public internet (and over http too), comma
    # separated CIDRs: off by default; tests allow their loopback receiver.
    webhook_allow: str = ""

    def webhook_networks(self) -> tuple[str, ...]:
        return tuple(n.strip() for n in self.webhook_allow.split(",") if n.strip())

    idempotency_ttl_s: int = Field(default=86_400, ge=60)
    events_max_len: int = Field(default=10_000, ge=100)
    sse_max_streams_per_key: int = Field(default=20, ge=1)  # open event streams, per process
    sse_max_streams: int = Field(default=1000, ge=1)  # all keys together, per process
    render_workers: int | None = Field(default=None, ge=1)  # API lessons; None: one per CPU

    def storage_config(self) -> StorageConfig:
        """Raises StorageConfigError naming the setting that is missing or wrong."""
        return StorageConfig(
            backend=self.storage,
            local_root=self.data_dir / "artifacts",
            public_url=self.public_url,
            s3_bucket=self.s3_bucket,
            s3_prefix=self.s3_prefix,
            cdn_domain=self.cdn_domain,
            cdn_key_pair_id=self.cdn_key_pair_id,
            cdn_private_key_file=self.cdn_private_key_file,
            cdn_distribution_id=self.cdn_distribution_id,
            url_ttl_s=self.url_ttl_s,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
