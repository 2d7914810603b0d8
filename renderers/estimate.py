"""How long a scene runs, guessed from its source without running it.

Only a hint for scheduling (how much of a scene its first job draws, which scene goes first):
a plan is always made from what the scene really played. Counts `self.play(...)` (its literal
`run_time`, else 1 s) and `self.wait(...)` (its literal duration, else 1 s) in `construct` and
the methods it calls on `self`; a `for` over `range(<literal>)` or a literal list repeats its
body, any other loop counts once; of an `if`, the longer branch counts. A web scene (TSX) is
its `<Composition>`'s literal durationInFrames / fps.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

DEFAULT_S = 1.0  # Manim's default run time of a play, and of a wait
MAX_DEPTH = 8  # nested method calls followed
MAX_REPEAT = 1000


_COMPOSITION = re.compile(r"<Composition\b([^>]*)>", re.S)


def web_scene_seconds(code: str, scenes: Sequence[str]) -> dict[str, float | None]:
    """Each composition's length from its literal props (a web scene file's text, unparsed)."""
    found: dict[str, float] = {}
    for match in _COMPOSITION.finditer(code):
        props = match.group(1)
        name = re.search(r"\bid\s*=\s*\{?\s*[\"'`]([^\"'`]+)", props)
        frames = re.search(r"\bdurationInFrames\s*=\s*\{\s*(\d+)\s*\}", props)
        fps = re.search(r"\bfps\s*=\s*\{\s*(\d+)\s*\}", props)
        if name and frames and fps and int(fps.group(1)) > 0:
            found.setdefault(name.group(1), int(frames.group(1)) / int(fps.group(1)))
    return {scene: found.get(scene) for scene in scenes}


def scene_seconds(code: str, scenes: Sequence[str]) -> dict[str, float | None]:
    """Each scene's guessed length in seconds; None where nothing could be guessed."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return dict.fromkeys(scenes)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    return {scene: _scene(classes, scene) for scene in scenes}


def _scene(classes: dict[str, ast.ClassDef], scene: str) -> float | None:
    methods = _methods(classes, scene, set())
    construct = methods.get("construct")
    if construct is None:
        return None
    seconds = _Guess(methods).body(construct.body, 0)
    return seconds if seconds > 0 else None


def _methods(
    classes: dict[str, ast.ClassDef], name: str, seen: set[str]
) -> dict[str, ast.FunctionDef]:
    """The methods of a class defined in the file, with those of its bases in the file."""
    node = classes.get(name)
    if node is None or name in seen:
        return {}
    seen.add(name)
    found: dict[str, ast.FunctionDef] = {}
    for base in reversed(node.bases):
        if isinstance(base, ast.Name):
            found |= _methods(classes, base.id, seen)
    found |= {n.name: n for n in node.body if isinstance(n, ast.FunctionDef)}
    return found


class _Guess:
    def __init__(self, methods: dict[str, ast.FunctionDef]) -> None:
        self.methods = methods

    def body(self, statements: Sequence[ast.stmt], depth: int) -> float:
        return sum(self.statement(s, depth) for s in statements)

    def statement(self, node: ast.stmt, depth: int) -> float:
        if isinstance(node, ast.For):
            return _repeats(node.iter) * self.body(node.body, depth)
        if isinstance(node, ast.If):
            return max(self.body(node.body, depth), self.body(node.orelse, depth))
        if isinstance(node, (ast.While, ast.With, ast.Try)):
            return self.body(node.body, depth)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            return 0.0
        return sum(self.call(c, depth) for c in ast.walk(node) if isinstance(c, ast.Call))

    def call(self, node: ast.Call, depth: int) -> float:
        func = node.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "self"
        ):
            return 0.0
        if func.attr == "play":
            return _number(_keyword(node, "run_time")) or DEFAULT_S
        if func.attr == "wait":
            given = node.args[0] if node.args else _keyword(node, "duration")
            return _number(given) or DEFAULT_S
        method = self.methods.get(func.attr)
        if method is None or depth >= MAX_DEPTH or func.attr == "construct":
            return 0.0
        return self.body(method.body, depth + 1)


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _number(node: ast.expr | None) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        value = float(node.value)
        return value if value > 0 else None
    return None


def _repeats(node: ast.expr) -> int:
    """Iterations of a `for` over `range(<literals>)` or a literal sequence; else 1."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return min(MAX_REPEAT, len(node.elts))
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "range"
        and node.args
    ):
        bounds = [_int(a) for a in node.args]
        ints = [b for b in bounds if b is not None]
        if len(ints) == len(bounds):
            return min(MAX_REPEAT, len(range(*ints)))
    return 1


def _int(node: ast.expr) -> int | None:
    """An integer literal, negative ones included."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _int(node.operand)
        return None if value is None else -value
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None
