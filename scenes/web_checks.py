"""Static checks on web scene code (TSX on our runtime) before any run.

esbuild parses it (renderers/web/transpile.py: its transform, which resolves and reads nothing
on the host), then the module as esbuild wrote it is read for what the page would refuse or
what would make frames depend on more than their number. Like the Python checks, a friendly
filter for Claude's mistakes; the sandboxed page is the security boundary.
"""

from __future__ import annotations

import re

from renderers.errors import RenderError, SceneCodeError
from renderers.web.transpile import transpile
from scenes.errors import StaticCheckError

MAX_CODE_BYTES = 24_000
ALLOWED_IMPORTS = frozenset(
    {
        "react",
        "react/jsx-runtime",
        "remotion",
        "@remotion/transitions",
        "@remotion/transitions/fade",
        "@remotion/transitions/slide",
        "@remotion/transitions/wipe",
    }
)
_REQUIRE = re.compile(r"\brequire\(\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^)]*)\s*\)")
_DYNAMIC_IMPORT = re.compile(r"\bimport\s*\(")
_REGISTER_ROOT = re.compile(r"\bregisterRoot\)?\s*\(")  # esbuild: (0, import_x.registerRoot)(
_COMPOSITION = re.compile(r"<Composition\b")
_COMPOSITION_ID = re.compile(r"<Composition\b[^>]*?\bid\s*=\s*\{?\s*([\"'`])([^\"'`]*)\1", re.S)
# Things that make a frame depend on wall-clock time or chance rather than on its number.
_UNSEEDED = (
    (re.compile(r"\bMath\s*\.\s*random\b"), "Math.random (use random(seed) from 'remotion')"),
    (re.compile(r"\bDate\s*\.\s*now\b"), "Date.now (use useCurrentFrame())"),
    (re.compile(r"\bperformance\s*\.\s*now\b"), "performance.now (use useCurrentFrame())"),
)
# CSS transitions and animations run on the browser's clock: style keys, CSS text, keyframes.
_CSS_TIMED = (
    re.compile(r"[{,]\s*[\"']?(transition|animation)[A-Za-z]*[\"']?\s*:"),
    re.compile(r"(?<![A-Za-z-])(transition|animation)(-[a-z]+)*\s*:\s*[^;\"'`}]*[;\"'`}]"),
    re.compile(r"@keyframes\b"),
)
_CSS_ADVICE = "compute styles from useCurrentFrame() with interpolate() or spring()"


def check_web_scene(code: str, composition: str) -> None:
    """Raises StaticCheckError listing every problem; returns when the code may be probed."""
    size = len(code.encode())
    if size > MAX_CODE_BYTES:
        raise StaticCheckError([f"the code is {size} bytes; the limit is {MAX_CODE_BYTES}"])
    module = _module(code)
    problems = _compositions(code, module, composition) + _imports(module) + _clocks(code, module)
    if problems:
        raise StaticCheckError(problems)


def composition_of(code: str) -> str | None:
    """The id of the one <Composition> the code registers, if it has exactly one."""
    found = _COMPOSITION.findall(code)
    ids = [m.group(2) for m in _COMPOSITION_ID.finditer(code)]
    return ids[0] if len(found) == 1 and len(ids) == 1 and ids[0] else None


def _module(code: str) -> str:
    """The module as esbuild's transform wrote it (comments gone, imports as require calls)."""
    try:
        return transpile(code, "scene").code
    except SceneCodeError as e:
        where = f"line {e.line}: " if e.line else ""
        raise StaticCheckError([f"{where}{e.kind}: {e.message}"]) from e
    except RenderError as e:  # esbuild missing: the farm's fault, said as it is
        raise StaticCheckError([f"the web scene could not be parsed here: {e}"]) from e


def _compositions(code: str, module: str, composition: str) -> list[str]:
    problems = []
    if not _REGISTER_ROOT.search(module):
        problems.append("the file must call registerRoot(Root) (import it from 'remotion')")
    count = len(_COMPOSITION.findall(code))
    ids = [m.group(2) for m in _COMPOSITION_ID.finditer(code)]
    if count != 1:
        problems.append(
            f'the file must register exactly one <Composition id="{composition}" .../> '
            f"(found {count})"
        )
    elif ids != [composition]:
        found = f" (found id {ids[0]!r})" if ids else " (its id must be a string literal)"
        problems.append(f'the <Composition> must have id="{composition}"{found}')
    return problems


def _imports(module: str) -> list[str]:
    problems = []
    allowed = ", ".join(sorted(ALLOWED_IMPORTS))
    for match in _REQUIRE.finditer(module):
        spec = match.group(1).strip()
        name = spec[1:-1] if spec[:1] in "\"'" and spec[-1:] == spec[:1] else None
        if name is None:
            problems.append("require() of a computed module name is not allowed")
        elif name not in ALLOWED_IMPORTS:
            problems.append(f"import of {name!r} is not allowed (allowed: {allowed})")
    if _DYNAMIC_IMPORT.search(module):
        problems.append("dynamic import() is not allowed")
    return problems


def _clocks(code: str, module: str) -> list[str]:
    problems = [f"{what} is not allowed" for pattern, what in _UNSEEDED if pattern.search(module)]
    if any(pattern.search(code) for pattern in _CSS_TIMED):
        problems.append(f"CSS transitions and animations are not allowed: {_CSS_ADVICE}")
    return problems
