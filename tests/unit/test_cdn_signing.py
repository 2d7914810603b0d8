"""Artifact URLs: CloudFront signed URLs checked the way CloudFront checks them (RSA-SHA1 over
the canned policy, with the public key), unsigned CDN URLs, and presigned S3 URLs."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cluster.delivery.storage import PrivateKey, StorageConfig, StorageConfigError, open_storage
from cluster.delivery.storage.cdn import CloudFrontUrls

NOW = 1_900_000_000
KEY = "lessons/lesson-1/v2/lesson.mp4"


class Rejected(Exception):
    pass


def verify(url: str, public_key: rsa.RSAPublicKey, key_pair_id: str, now: float) -> None:
    """What CloudFront does with a canned-policy URL; raises Rejected."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    resource = f"{parts.scheme}://{parts.netloc}{parts.path}"
    expires = int(query["Expires"][0])
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    ).encode()
    signature = base64.b64decode(query["Signature"][0].translate(str.maketrans("-_~", "+=/")))
    if query["Key-Pair-Id"] != [key_pair_id]:
        raise Rejected("unknown key pair")
    try:
        public_key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature as e:
        raise Rejected("bad signature") from e
    if now >= expires:
        raise Rejected("expired")


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(key: rsa.RSAPrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return path


def test_signed_url_verifies_with_the_public_key_until_it_expires(
    private_key: rsa.RSAPrivateKey,
) -> None:
    urls = CloudFrontUrls("d1.cloudfront.net", 300, "KPAIR1", private_key, clock=lambda: NOW)
    url = urls.url("team/" + KEY)

    assert url.startswith(f"https://d1.cloudfront.net/team/{KEY}?Expires={NOW + 300}&")
    public = private_key.public_key()
    verify(url, public, "KPAIR1", now=NOW + 299)
    with pytest.raises(Rejected, match="expired"):
        verify(url, public, "KPAIR1", now=NOW + 300)


def test_a_signed_url_is_bound_to_its_path_and_key(private_key: rsa.RSAPrivateKey) -> None:
    url = CloudFrontUrls("d1.cloudfront.net", 300, "KPAIR1", private_key, clock=lambda: NOW).url(
        KEY
    )
    public = private_key.public_key()
    with pytest.raises(Rejected, match="bad signature"):
        verify(url.replace("/v2/", "/v1/"), public, "KPAIR1", now=NOW)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    with pytest.raises(Rejected, match="bad signature"):
        verify(url, other, "KPAIR1", now=NOW)


def _aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)


def test_s3_storage_signs_cdn_urls_from_the_key_file(
    monkeypatch: pytest.MonkeyPatch, private_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    _aws(monkeypatch)
    config = StorageConfig(
        backend="s3",
        s3_bucket="my-bucket",
        s3_prefix="team",
        cdn_domain="d1.cloudfront.net",
        cdn_key_pair_id="KPAIR1",
        cdn_private_key_file=_pem(private_key, tmp_path / "cf.pem"),
        url_ttl_s=60,
    )
    url = open_storage(config).url(KEY)
    assert url.startswith(f"https://d1.cloudfront.net/team/{KEY}?Expires=")
    verify(
        url,
        private_key.public_key(),
        "KPAIR1",
        now=int(parse_qs(urlsplit(url).query)["Expires"][0]) - 1,
    )


def test_unsigned_cdn_urls_and_private_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    _aws(monkeypatch)
    config = StorageConfig(backend="s3", s3_bucket="my-bucket", cdn_domain="cdn.example.com")
    storage = open_storage(config)
    assert storage.url(KEY) == f"https://cdn.example.com/{KEY}"
    with pytest.raises(PrivateKey):
        storage.url("lessons/lesson-1/scenes/1/v1/scene.py")


def test_without_a_cdn_urls_are_presigned_s3_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    _aws(monkeypatch)
    storage = open_storage(StorageConfig(backend="s3", s3_bucket="my-bucket", url_ttl_s=120))
    url = urlsplit(storage.url(KEY))
    query = parse_qs(url.query)
    assert url.path.endswith(f"/{KEY}")
    assert "my-bucket" in url.netloc + url.path
    assert (query["X-Amz-Expires"], query["X-Amz-Algorithm"]) == (["120"], ["AWS4-HMAC-SHA256"])


def test_an_unreadable_private_key_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _aws(monkeypatch)
    (tmp_path / "bad.pem").write_text("not a key")
    for path in (tmp_path / "bad.pem", tmp_path / "missing.pem"):
        config = StorageConfig(
            backend="s3",
            s3_bucket="my-bucket",
            cdn_domain="d1.cloudfront.net",
            cdn_key_pair_id="KPAIR1",
            cdn_private_key_file=path,
        )
        with pytest.raises(StorageConfigError, match="SCENEFARM_CDN_PRIVATE_KEY_FILE"):
            open_storage(config)
