"""The layering rules of ARCHITECTURE.md, checked on source text (nothing is imported).

Layers, top to bottom; a module may import its own layer and those below it, never above:
    api > cluster.jobs > cluster.lessons > cluster.farm > cluster.delivery > scenes > renderers
    > sandbox
Only the farm's Ray wrapper imports `ray`. Only `api/` reads the environment, and there only
the modules that build settings or forward a caller's environment (ENV_READERS, with reasons).
Guest code (`*/guest/*`) runs inside the sandbox, with its own environment and no imports of
ours, so the environment rule does not apply to it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS = (
    "sandbox",
    "renderers",
    "scenes",
    "cluster.delivery",
    "cluster.farm",
    "cluster.lessons",
    "cluster.jobs",
    "api",
)
PACKAGES = ("api", "cluster", "scenes", "renderers", "sandbox")
RAY_WRAPPER = "cluster.farm.ray_api"
ENV_READERS = {
    "api.settings": "builds the one Settings object",
    "api.render_client": "hands the caller's environment (its identity) to the render server",
    "api.render_server": "compares a client's forwarded environment with its own",
    "api.farm_config": "passes S3 credentials on to lesson runners, which never see settings",
    # Ray reads RAY_ENABLE_UV_RUN_RUNTIME_ENV when it is imported: the wrapper sets it first.
    RAY_WRAPPER: "configures Ray's own import",
}


@dataclass(frozen=True)
class Violation:
    module: str
    line: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.rule}: {self.detail}"


def layer_of(module: str) -> int | None:
    """The rank of a module's layer (higher is further up), or None if it is not ours.
    `cluster` itself and its helpers outside the rooms rank with the lowest room."""
    best: int | None = None
    for rank, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            best = rank
    if best is None and (module == "cluster" or module.startswith("cluster.")):
        best = LAYERS.index("cluster.delivery")
    return best


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str) -> Iterator[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module)
            yield base, node.lineno
            for alias in node.names:  # `from cluster import farm` names a module too
                yield f"{base}.{alias.name}", node.lineno


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".")[: -node.level]
    return ".".join([*package, node.module] if node.module else package)


def _reads_environ(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if _is_os_environ(node) or _imports_environ(node):
            yield node.lineno


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in {"environ", "getenv", "environb"}
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _imports_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.ImportFrom)
        and node.module == "os"
        and any(a.name in {"environ", "getenv"} for a in node.names)
    )


def check_module(module: str, source: str) -> list[Violation]:
    tree = ast.parse(source)
    found: dict[tuple[int, str], Violation] = {}  # one per line and rule
    mine = layer_of(module)
    for target, line in _imports(tree, module):
        if target.split(".")[0] == "ray" and module != RAY_WRAPPER:
            found.setdefault(
                (line, "ray"), Violation(module, line, "ray outside its wrapper", target)
            )
        theirs = layer_of(target)
        if mine is not None and theirs is not None and theirs > mine:
            found.setdefault((line, "up"), Violation(module, line, "import points up", target))
    if ".guest" not in f".{module}" and module not in ENV_READERS:
        for line in _reads_environ(tree):
            found.setdefault((line, "env"), Violation(module, line, "environment read", "os"))
    return list(found.values())


def check_tree(root: Path) -> list[Violation]:
    found: list[Violation] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found += check_module(module_name(root, path), path.read_text())
    return found
