"""Scene TSX -> a CommonJS function body, with esbuild's transform (never its bundler).

Transform mode reads the one source from stdin and resolves nothing: no file system access, no
tsconfig, imports stay `require("...")` calls that the page answers from its own allow-list.
Bundling untrusted imports on the host could read host files into the bundle (or into error
messages that go back to the model); this cannot.
"""

from __future__ import annotations

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
WRAPPER_HEAD = "(function (require, module, exports) {"
WRAPPER_TAIL = "\n})(window.__sf.require, { exports: {} }, {});\n"


@dataclass(frozen=True)
class Transpiled:
    code: str  # the page's /scene.js: the module as a function called with our require


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
    # The wrapper's head shares the first line: line numbers in the page are the module's own.
    return Transpiled(WRAPPER_HEAD + done.stdout.decode() + WRAPPER_TAIL)


def _first_error(stderr: str) -> tuple[str, int | None]:
    """The first error esbuild reported, and its line in the scene file."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    message = next((m.group(1) for line in lines if (m := _ERROR.match(line))), "")
    where = next((m for line in lines if (m := _LOCATION.match(line))), None)
    line = int(where.group(1)) if where else None
    return (message or (lines[0] if lines else "esbuild failed"))[:500], line
