"""Content-addressed keys for rendered chunks."""

from __future__ import annotations

import hashlib
import json

from renderers.models import ChunkSpec, SceneSource

ENCODING_VERSION = "manim-mp4-x264-crf23-v1"  # bump when our own encoding choices change


def chunk_key(source: SceneSource, chunk: ChunkSpec, engine_version: str) -> str:
    """SHA-256 of everything that determines the chunk's bytes."""
    identity = {
        "code": hashlib.sha256(source.code.encode()).hexdigest(),
        "scene": chunk.scene,
        "range": [chunk.first, chunk.last],
        "still_s": chunk.still_s,
        "quality": chunk.quality.value,
        "engine": engine_version,
        "encoding": ENCODING_VERSION,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def probe_key(source: SceneSource, scene: str, engine_version: str) -> str:
    identity = {"code": hashlib.sha256(source.code.encode()).hexdigest(), "scene": scene, "engine": engine_version}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
