"""Static checks on scene code before any run: parse, shape, imports, forbidden APIs, size.

This is a fast, friendly filter that turns obvious mistakes into fix requests for Claude; it is
not the security boundary (the sandbox is), so it errs on the side of clear messages.
"""

from __future__ import annotations

import ast

from scenes.errors import StaticCheckError

MAX_CODE_BYTES = 24_000
ALLOWED_MODULES = frozenset(
    {
        "manim",
        "numpy",
        "math",
        "random",
        "itertools",
        "functools",
        "colorsys",
        "string",
        "typing",
        "dataclasses",
        "enum",
        "collections",
        "__future__",
        "voice",  # the narration helper (renderers/guest/voice.py): beat durations
    }
)
SCENE_BASES = frozenset({"Scene", "MovingCameraScene", "ThreeDScene", "ZoomedScene"})
FORBIDDEN_CALLS = frozenset(
    {"open", "exec", "eval", "compile", "__import__", "input", "breakpoint", "globals", "vars"}
)
# Interpreter internals used to climb out of Python-level restrictions.
FORBIDDEN_DUNDERS = frozenset(
    {
        "__subclasses__",
        "__globals__",
        "__builtins__",
        "__code__",
        "__class__",
        "__bases__",
        "__mro__",
        "__dict__",
        "__getattribute__",
        "__import__",
        "__loader__",
        "__closure__",
        "__reduce__",
        "__reduce_ex__",
        "__traceback__",
        "__frame__",
    }
)
# Attributes that reach files, processes, the network or interpreter internals.
FORBIDDEN_ATTRS = frozenset(
    {
        "system",
        "popen",
        "fork",
        "kill",
        "unlink",
        "rmdir",
        "loadtxt",
        "fromfile",
        "tofile",
        "load",
        "save",
        "savez",
        "savetxt",
        "memmap",
        "ctypeslib",
    }
)


def check_scene(code: str, class_name: str, engine: str = "manim") -> None:
    """Raises StaticCheckError listing every problem; returns when the code may be probed.
    `class_name`: the Scene subclass (Manim) or the composition id (web) the plan names."""
    if engine == "web":
        from scenes.web_checks import check_web_scene  # esbuild only where web scenes are

        check_web_scene(code, class_name)
        return
    size = len(code.encode())
    if size > MAX_CODE_BYTES:
        raise StaticCheckError([f"the code is {size} bytes; the limit is {MAX_CODE_BYTES}"])
    try:
        tree = ast.parse(code)
    except SyntaxError as e:
        raise StaticCheckError([f"line {e.lineno}: SyntaxError: {e.msg}"]) from e
    problems = _scene_classes(tree, class_name) + _imports(tree) + _forbidden(tree)
    if problems:
        raise StaticCheckError(problems)


def scene_class_of(code: str, engine: str = "manim") -> str | None:
    """The name of the one Scene subclass the code defines, if it parses and has exactly one
    (for a web scene: the id of its one composition)."""
    if engine == "web":
        from scenes.web_checks import composition_of

        return composition_of(code)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and _is_scene(n)]
    return names[0] if len(names) == 1 else None


def _scene_classes(tree: ast.Module, class_name: str) -> list[str]:
    scenes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _is_scene(n)]
    names = [n.name for n in scenes]
    if names == [class_name]:
        return []
    if class_name not in names:
        found = f" (found: {', '.join(names)})" if names else ""
        return [f"the code must define the Scene subclass {class_name}{found}"]
    others = ", ".join(n for n in names if n != class_name)
    return [f"the code must define only the Scene subclass {class_name}; remove {others}"]


def _is_scene(node: ast.ClassDef) -> bool:
    for base in node.bases:
        name = base.id if isinstance(base, ast.Name) else getattr(base, "attr", "")
        if name in SCENE_BASES or name.endswith("Scene"):
            return True
    return False


def _imports(tree: ast.Module) -> list[str]:
    problems = []
    allowed = ", ".join(sorted(ALLOWED_MODULES - {"__future__"}))
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or "."] if node.level == 0 else ["(relative import)"]
        for module in modules:
            if module.split(".")[0] not in ALLOWED_MODULES:
                line = getattr(node, "lineno", 0)
                problems.append(f"line {line}: import of {module} is not allowed ({allowed})")
    return problems


def _forbidden(tree: ast.Module) -> list[str]:
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in FORBIDDEN_CALLS:
                problems.append(f"line {node.lineno}: {node.func.id}() is not allowed")
        elif isinstance(node, ast.Attribute):
            if node.attr in FORBIDDEN_DUNDERS:
                problems.append(f"line {node.lineno}: attribute {node.attr} is not allowed")
            elif node.attr in FORBIDDEN_ATTRS:
                problems.append(f"line {node.lineno}: .{node.attr} (files/processes) not allowed")
        elif isinstance(node, ast.Name) and node.id in {"__builtins__", "__loader__", "__spec__"}:
            problems.append(f"line {node.lineno}: {node.id} is not allowed")
    return problems
