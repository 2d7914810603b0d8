"""The chunk cache's shared tier on S3 (moto over HTTP), and CloudFront invalidations."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from cluster.delivery.storage import UploadFailed, open_storage
from cluster.delivery.storage.cdn import invalidate
from cluster.farm.cache import ChunkCache
from cluster.farm.remote_chunks import RemoteChunks

from .conftest import Bucket, make_video, s3_config
from .servers import FaultProxy

pytestmark = pytest.mark.integration

KEY = "c0" + "ffee" * 15 + "00"
INFO = {"frames": 15, "render_s": 0.5, "peak_memory_mb": 120.0}


def _cache(root: Path, bucket: Bucket) -> ChunkCache:
    return ChunkCache(root, RemoteChunks(open_storage(s3_config(bucket))))


def test_a_new_cache_gets_its_chunks_from_s3(bucket: Bucket, tmp_path: Path) -> None:
    data = make_video(tmp_path / "chunk.mp4").read_bytes()
    first = _cache(tmp_path / "a", bucket)
    first.put(KEY, data, INFO)
    assert first.flush() == []
    first.close()
    stored = bucket.head(f"team/chunks/{KEY}.mp4")
    assert stored is not None
    assert json.loads(stored["Metadata"]["chunk-info"]) == INFO

    second = _cache(tmp_path / "b", bucket)
    hit = second.get(KEY)
    assert second.get("ab" * 32) is None
    second.close()

    assert hit is not None
    assert hit[0].read_bytes() == data
    assert (hit[1]["frames"], hit[1]["render_s"]) == (15, 0.5)
    assert ChunkCache(tmp_path / "b").get(KEY) is not None  # now in its local tier too


def test_a_failed_chunk_upload_keeps_the_chunk_and_a_later_run_uploads_it(
    bucket: Bucket, proxy: FaultProxy, tmp_path: Path
) -> None:
    fault = proxy.fail("PUT", r"/chunks/", times=-1)
    data = make_video(tmp_path / "chunk.mp4").read_bytes()
    cache = _cache(tmp_path / "a", bucket)
    cache.put(KEY, data, INFO)
    failures = cache.flush()
    cache.close()

    assert [type(f) for f in failures] == [UploadFailed]
    assert f"team/chunks/{KEY}.mp4" in str(failures[0])
    assert bucket.objects() == set()
    local = ChunkCache(tmp_path / "a").get(KEY)
    assert local is not None
    assert local[0].read_bytes() == data

    fault.times = fault.failed  # the store is back
    later = _cache(tmp_path / "a", bucket)
    assert later.flush() == []
    later.close()
    assert bucket.read(f"team/chunks/{KEY}.mp4") == data
    assert list((tmp_path / "a" / "pending-upload").iterdir()) == []


def test_chunks_cached_before_s3_was_configured_are_shared_when_used(
    bucket: Bucket, tmp_path: Path
) -> None:
    data = make_video(tmp_path / "chunk.mp4").read_bytes()
    ChunkCache(tmp_path / "a").put(KEY, data, INFO)
    cache = _cache(tmp_path / "a", bucket)
    assert cache.get(KEY) is not None
    assert cache.flush() == []
    cache.close()
    assert bucket.read(f"team/chunks/{KEY}.mp4") == data
    again = _cache(tmp_path / "a", bucket)
    again.get(KEY)
    assert not (tmp_path / "a" / "pending-upload" / KEY).exists()  # known shared: no re-upload
    again.close()


def test_invalidation_of_an_overwritten_object(s3_endpoint: str, bucket: Bucket) -> None:
    cloudfront = boto3.session.Session().client("cloudfront")
    origin = {"Id": "s3", "DomainName": f"{bucket.name}.s3.amazonaws.com"}
    created = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": bucket.name,
            "Comment": "",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [{**origin, "S3OriginConfig": {"OriginAccessIdentity": ""}}],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "s3",
                "ViewerProtocolPolicy": "https-only",
                "TrustedSigners": {"Enabled": False, "Quantity": 0},
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                "MinTTL": 0,
            },
        }
    )
    distribution = created["Distribution"]["Id"]
    config = s3_config(bucket, cdn_distribution_id=distribution)

    made = invalidate(config, ["latest/lesson.mp4", "latest/poster.jpg"], reference="edit-1")

    got = cloudfront.get_invalidation(DistributionId=distribution, Id=made)["Invalidation"]
    assert got["InvalidationBatch"]["Paths"]["Items"] == [
        "/team/latest/lesson.mp4",
        "/team/latest/poster.jpg",
    ]
    assert got["InvalidationBatch"]["CallerReference"] == "edit-1"
