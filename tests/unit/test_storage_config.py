"""StorageConfig validation, and the Settings that build it from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.settings import Settings
from cluster.delivery.storage import StorageConfig, StorageConfigError
from cluster.delivery.storage.config import MIB


def _s3(**overrides: Any) -> StorageConfig:
    return StorageConfig(**{"backend": "s3", "s3_bucket": "my-bucket", **overrides})


def test_defaults_are_a_local_directory(tmp_path: Path) -> None:
    config = StorageConfig(local_root=tmp_path)
    assert (config.backend, config.key_prefix, config.signs_urls) == ("local", "", False)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"backend": "gcs"}, "SCENEFARM_STORAGE must be one of local, s3"),
        ({"s3_bucket": None}, "SCENEFARM_STORAGE=s3 needs SCENEFARM_S3_BUCKET"),
        ({"s3_bucket": "Bad_Bucket"}, "not a valid bucket name"),
        ({"s3_prefix": "a/../b"}, "SCENEFARM_S3_PREFIX"),
        ({"s3_prefix": "a//b"}, "SCENEFARM_S3_PREFIX"),
        ({"cdn_domain": "https://d1.cloudfront.net"}, "no scheme"),
        ({"cdn_key_pair_id": "K1", "cdn_domain": "d1.net"}, "need both"),
        ({"cdn_private_key_file": Path("k.pem"), "cdn_domain": "d1.net"}, "need both"),
        (
            {"cdn_key_pair_id": "K1", "cdn_private_key_file": Path("k.pem")},
            "needs SCENEFARM_CDN_DOMAIN",
        ),
        ({"url_ttl_s": 0}, "SCENEFARM_URL_TTL_S"),
        ({"multipart_part_bytes": MIB}, "5 MiB..5 GiB"),
        ({"multipart_threshold_bytes": 6 * MIB, "multipart_part_bytes": 8 * MIB}, "threshold"),
    ],
)
def test_invalid_s3_settings(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(StorageConfigError, match=message):
        _s3(**overrides)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(StorageConfigError) as raised:
        _s3(s3_bucket=None, url_ttl_s=0, public_url="ftp://x")
    assert str(raised.value).count(";") == 2


def test_s3_settings_need_the_s3_backend(tmp_path: Path) -> None:
    with pytest.raises(StorageConfigError, match="SCENEFARM_S3_BUCKET needs SCENEFARM_STORAGE=s3"):
        StorageConfig(local_root=tmp_path, s3_bucket="my-bucket")


@pytest.mark.parametrize("url", ["ftp://host", "http://", "http://host/a?b=1", "host/x"])
def test_public_url_must_be_http(tmp_path: Path, url: str) -> None:
    with pytest.raises(StorageConfigError, match="SCENEFARM_PUBLIC_URL"):
        StorageConfig(local_root=tmp_path, public_url=url)


@pytest.mark.parametrize(("prefix", "stored"), [("", ""), ("/a/b/", "a/b/"), ("team", "team/")])
def test_prefix_is_normalised(prefix: str, stored: str) -> None:
    assert _s3(s3_prefix=prefix).key_prefix == stored


def test_settings_build_the_config_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    env = {
        "SCENEFARM_DATA_DIR": str(tmp_path),
        "SCENEFARM_STORAGE": "s3",
        "SCENEFARM_S3_BUCKET": "my-bucket",
        "SCENEFARM_S3_PREFIX": "prod",
        "SCENEFARM_CDN_DOMAIN": "d1.cloudfront.net",
        "SCENEFARM_URL_TTL_S": "600",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = Settings().storage_config()
    assert (config.backend, config.s3_bucket, config.key_prefix) == ("s3", "my-bucket", "prod/")
    assert (config.cdn_domain, config.url_ttl_s) == ("d1.cloudfront.net", 600)
    assert config.local_root == tmp_path / "artifacts"


def test_settings_default_to_local_storage_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCENEFARM_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SCENEFARM_STORAGE", raising=False)
    config = Settings().storage_config()
    assert (config.backend, config.local_root) == ("local", tmp_path / "artifacts")
