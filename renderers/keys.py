"""Content-addressed keys for probes and rendered chunks.

A chunk's key covers what determines its bytes: the scene's own code and everything else in
the file it may use (module-level code, helper classes, the scene classes it derives from or
names), but not the bodies of unrelated scenes. So editing one scene of a lesson invalidates
that scene's chunks only.
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Collection

from renderers.models import ChunkSpec, SceneSource

ENCODING_VERSION = "manim-mp4-x264-crf23-v1"  # bump when our own encoding choices change


def _names_used(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | {
        n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)
    }


def _needed(classes: dict[str, ast.ClassDef], scene: str, scenes: Collection[str]) -> set[str]:
    """The scene plus every scene class it derives from or mentions, transitively."""
    needed, todo = set(), [scene]
    while todo:
        name = todo.pop()
        if name in needed or name not in classes:
            continue
        needed.add(name)
        todo += [n for n in _names_used(classes[name]) if n in scenes]
    return needed


def scene_fingerprint(source: SceneSource, scene: str, scenes: Collection[str]) -> str:
    """SHA-256 of the file's code as it matters to `scene` (unrelated scenes left out)."""
    try:
        tree = ast.parse(source.code)
    except SyntaxError:
        return hashlib.sha256(source.code.encode()).hexdigest()
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    keep = _needed(classes, scene, scenes)
    tree.body = [n for n in tree.body if not (isinstance(n, ast.ClassDef) and n.name in scenes and n.name not in keep)]
    return hashlib.sha256(ast.unparse(tree).encode()).hexdigest()


def _digest(identity: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def chunk_key(scene_code: str, chunk: ChunkSpec, engine_version: str) -> str:
    """Key of a chunk; `scene_code` is the scene's fingerprint."""
    return _digest({
        "code": scene_code, "scene": chunk.scene, "range": [chunk.first, chunk.last],
        "still_s": chunk.still_s, "quality": chunk.quality.value, "engine": engine_version,
        "encoding": ENCODING_VERSION,
    })


def probe_key(scene_code: str, scene: str, engine_version: str) -> str:
    return _digest({"code": scene_code, "scene": scene, "engine": engine_version})


def file_key(source: SceneSource, engine_version: str) -> str:
    return _digest({"file": hashlib.sha256(source.code.encode()).hexdigest(), "engine": engine_version})
