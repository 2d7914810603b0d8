"""Scene TSX -> a CommonJS function body, with esbuild's transform (never its bundler).

Transform mode reads the one source from stdin and resolves nothing: no file system access, no
tsconfig, imports stay `require("...")` calls that the page answers from its own allow-list.
Bundling untrusted imports on the host could read host files into the bundle (or into error
messages that go back to the model); this cannot.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from dataclasses import dataclass

from renderers.errors import SceneCodeError
from renderers.web.runtime_build import esbuild_binary

TRANSFORM_TIMEOUT_S = 30
MAX_SOURCE_BYTES = 2 << 20
# esbuild's error lines: "<stdin>:12:4: ERROR: Expected ..." (file, line, column, message)
_ERROR = re.compile(r"^(?:▲ |✘ )?\[?(?:ERROR)\]? ?(.*)$")
_LOCATION = re.compile(r"^\s*scene\.tsx:(\d+):(\d+):\s*$")
_MAP_PREFIX = "//# sourceMappingURL=data:application/json;base64,"
_BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
WRAPPER_HEAD = "(function (require, module, exports) {"
WRAPPER_TAIL = "\n})(window.__sf.require, { exports: {} }, {});\n"


@dataclass(frozen=True)
class Transpiled:
    code: str  # the page's /scene.js: the module as a function called with our require
    # line_map[i]: the scene file's line that /scene.js's line i + 1 came from (None: helper
    # code esbuild added), from esbuild's source map
    line_map: tuple[int | None, ...] = ()

    def source_line(self, line: int) -> int | None:
        """The scene file's line for a line of /scene.js (as the page's stack traces say)."""
        return self.line_map[line - 1] if 0 < line <= len(self.line_map) else None


def transpile(source: str, scene: str = "scene") -> Transpiled:
    """The scene file as the page loads it; SceneCodeError (with its line) if it does not parse."""
    data = source.encode()
    if len(data) > MAX_SOURCE_BYTES:
        raise SceneCodeError(
            scene, "TooLarge", f"the scene file is over {MAX_SOURCE_BYTES} bytes", None
        )
    argv = [
        str(esbuild_binary()),
        "--loader=tsx",
        "--format=cjs",
        "--jsx=automatic",
        "--target=es2022",
        "--sourcefile=scene.tsx",
        "--sourcemap=inline",
        "--log-level=error",
        "--color=false",
    ]
    try:
        done = subprocess.run(
            argv, input=data, capture_output=True, timeout=TRANSFORM_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise SceneCodeError(scene, "TranspileTimeout", "esbuild took too long", None) from e
    if done.returncode != 0:
        message, line = _first_error(done.stderr.decode(errors="replace"))
        raise SceneCodeError(scene, "SyntaxError", message, line)
    code, line_map = _split_source_map(done.stdout.decode())
    # The wrapper's head shares the first line: line numbers in the page are the module's own.
    return Transpiled(WRAPPER_HEAD + code + WRAPPER_TAIL, line_map)


def _split_source_map(output: str) -> tuple[str, tuple[int | None, ...]]:
    """esbuild's code without its inline source map, and the map as generated -> source line."""
    marker = output.rfind(_MAP_PREFIX)
    if marker < 0:
        return output, ()
    raw = output[marker + len(_MAP_PREFIX) :].strip()
    try:
        mappings = str(json.loads(base64.b64decode(raw))["mappings"])
    except (ValueError, KeyError, TypeError):
        return output[:marker], ()
    return output[:marker], _lines(mappings)


def _lines(mappings: str) -> tuple[int | None, ...]:
    """Each generated line's first mapped source line (1-based), from a source map's VLQs."""
    result: list[int | None] = []
    source_line = 0  # the map's fields are deltas that run on across lines
    for group in mappings.split(";"):
        first: int | None = None
        for segment in group.split(","):
            fields = _vlq(segment)
            if len(fields) >= 4:
                source_line += fields[2]
                if first is None:
                    first = source_line + 1
        result.append(first)
    return tuple(result)


def _vlq(segment: str) -> list[int]:
    values: list[int] = []
    shift = value = 0
    for char in segment:
        digit = _BASE64.find(char)
        if digit < 0:
            return []
        value += (digit & 31) << shift
        if digit & 32:
            shift += 5
            continue
        values.append(-(value >> 1) if value & 1 else value >> 1)
        shift = value = 0
    return values


def _first_error(stderr: str) -> tuple[str, int | None]:
    """The first error esbuild reported, and its line in the scene file."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    message = next((m.group(1) for line in lines if (m := _ERROR.match(line))), "")
    where = next((m for line in lines if (m := _LOCATION.match(line))), None)
    line = int(where.group(1)) if where else None
    return (message or (lines[0] if lines else "esbuild failed"))[:500], line
