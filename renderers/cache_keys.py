"""Content-addressed keys for probes and rendered chunks.

A chunk's key covers what determines its bytes: the scene's own code and everything else in
the file it may use (module-level code, helper classes, the scene classes it derives from or
names), but not the bodies of unrelated scenes. So editing one scene of a lesson invalidates
that scene's chunks only.

A web scene file (.tsx/.jsx) is not parsed here: its fingerprint and scene-list key are hashes
of the whole file (its compositions share one module), and its engine version is the web
engine's identity (runtime build, browser, fonts, GL mode, capture, assets).
"""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Collection

from renderers.engines import WEB, engine_of
from renderers.models import ChunkSpec, SceneSource

ENCODING_VERSION = "manim-mp4-x264-crf23-v1"  # bump when our own encoding choices change


def _names_used(nodes: list[ast.stmt]) -> set[str]:
    used: set[str] = set()
    for node in nodes:
        for n in ast.walk(node):
            if isinstance(n, ast.Name):
                used.add(n.id)
            elif isinstance(n, ast.Attribute):
                used.add(n.attr)
    return used


def _stub(cls: ast.ClassDef) -> ast.ClassDef:
    """An unrelated scene without its methods: what still runs when the file is imported."""
    body: list[ast.stmt] = [
        n for n in cls.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    return ast.ClassDef(
        name=cls.name,
        bases=cls.bases,
        keywords=cls.keywords,
        body=body or [ast.Pass()],
        decorator_list=cls.decorator_list,
    )


def scene_fingerprint(source: SceneSource, scene: str, scenes: Collection[str]) -> str:
    """SHA-256 of the file's code as it matters to `scene`, and of its narration's timing.

    The beat durations and the final hold change what the scene draws (its code reads the
    durations), so chunk, probe and plan keys, all made from this fingerprint, cover them. A
    scene without narration keeps the fingerprint it always had.
    """
    code = (
        _whole_file(source)
        if engine_of(source) == WEB
        else _code_fingerprint(source, scene, scenes)
    )
    if not source.beats and not source.hold_frames and not source.owner:
        return code
    timing = {"beats": list(source.beats), "hold": source.hold_frames}
    return _digest({"code": code, **timing, **({"owner": source.owner} if source.owner else {})})


def _whole_file(source: SceneSource) -> str:
    """A web file's fingerprint: every byte of it (one module; any line can matter to any
    composition), with the engine named so that it never equals a Python file's."""
    return hashlib.sha256(b"web\0" + source.code.encode()).hexdigest()


def _code_fingerprint(source: SceneSource, scene: str, scenes: Collection[str]) -> str:
    """SHA-256 of the file's code as it matters to `scene`.

    Other scene classes lose their methods unless anything kept mentions them (a base class,
    an alias, a helper calling `Other.construct`), followed until nothing new is needed.
    Their class-level statements stay: those run for every scene when the file is imported.
    """
    try:
        tree = ast.parse(source.code)
    except SyntaxError:
        return hashlib.sha256(source.code.encode()).hexdigest()
    others = {
        n.name
        for n in tree.body
        if isinstance(n, ast.ClassDef) and n.name in scenes and n.name != scene
    }
    keep: set[str] = set()
    while True:
        kept = [
            n for n in tree.body if not (isinstance(n, ast.ClassDef) and n.name in others - keep)
        ]
        needed = _names_used(kept) & others
        if needed <= keep:
            break
        keep |= needed
    body = [
        _stub(n) if isinstance(n, ast.ClassDef) and n.name in others - keep else n
        for n in tree.body
    ]
    return hashlib.sha256(ast.unparse(ast.Module(body, [])).encode()).hexdigest()


def _digest(identity: dict[str, object]) -> str:
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def chunk_key(scene_code: str, chunk: ChunkSpec, engine_version: str) -> str:
    """Key of a chunk; `scene_code` is the scene's fingerprint."""
    return _digest(
        {
            "code": scene_code,
            "scene": chunk.scene,
            "range": [chunk.first, chunk.last],
            "still_s": chunk.still_s,
            "quality": chunk.quality.value,
            "engine": engine_version,
            "encoding": ENCODING_VERSION,
        }
    )


def probe_key(scene_code: str, scene: str, engine_version: str) -> str:
    return _digest({"code": scene_code, "scene": scene, "engine": engine_version})


def plan_key(scene_code: str, scene: str, quality: str, engine_version: str) -> str:
    """Key of a scene's chunk plan: reused while the scene is unchanged, whatever else changes."""
    return _digest({"code": scene_code, "scene": scene, "quality": quality, "plan": engine_version})


LIST_VERSION = 3  # v2: ordered by definition lines; v3: keyed by the file's skeleton


def _skeleton(code: str) -> str:
    """The file without the bodies of class methods: what defines which scenes exist.

    Importing the file runs module-level code and class bodies, not methods, so editing a
    scene's `construct` leaves the list of scenes (and their order) as it was.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return code
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        for method in cls.body:
            if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                method.body = [ast.Pass()]
    return ast.unparse(tree)


def file_key(source: SceneSource, engine_version: str) -> str:
    """Key of a file's scene list."""
    return _digest(
        {
            "file": _whole_file(source)
            if engine_of(source) == WEB
            else hashlib.sha256(_skeleton(source.code).encode()).hexdigest(),
            "engine": engine_version,
            "lister": LIST_VERSION,
            **({"owner": source.owner} if source.owner else {}),
        }
    )
