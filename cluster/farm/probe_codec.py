"""Probes as the chunk cache stores them (JSON), read back by any later version that can."""

from __future__ import annotations

from typing import Any

from cluster.farm.cache import ChunkCache
from renderers import AnimationInfo, SceneProbe, SceneSource, probe_key, scene_fingerprint


def remember_probe(
    cache: ChunkCache, engine_version: str, source: SceneSource, probe: SceneProbe
) -> None:
    """Stores a probe made elsewhere (lesson generation), so rendering need not probe again."""
    fingerprint = scene_fingerprint(source, probe.name, [probe.name])
    cache.put_json(
        "probes", probe_key(fingerprint, probe.name, engine_version), probe_to_json(probe)
    )


def probe_to_json(probe: SceneProbe) -> dict[str, Any]:
    animations = [[a.run_time_s, list(a.kinds), a.build_s] for a in probe.animations]
    return {"animations": animations, "tex": dict(probe.tex)}


def probe_from_json(name: str, raw: Any) -> SceneProbe:
    """A stored probe. Older ones are a bare list of animations, without build times or TeX."""
    stored = raw if isinstance(raw, dict) else {"animations": raw, "tex": {}}
    animations = tuple(
        AnimationInfo(i, float(r), tuple(k), float(b[0]) if b else 0.0)
        for i, (r, k, *b) in enumerate(stored["animations"])
    )
    return SceneProbe(name, animations, tex=tuple(sorted(dict(stored["tex"]).items())))
