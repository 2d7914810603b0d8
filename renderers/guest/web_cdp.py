"""A small DevTools-protocol client over Chromium's --remote-debugging-pipe, and the browser.

Runs inside the sandbox (standard library only; also importable on the host for tests). The
pipe is two file descriptors: the browser reads NUL-terminated JSON commands on its fd 3 and
writes replies and events on its fd 4. One thread, synchronous calls: events that arrive while
a call waits are handed to the session's handler (which may send commands of its own).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

READ_CHUNK = 1 << 20
CALL_TIMEOUT_S = 30.0
START_TIMEOUT_S = 30.0
# What we ask of every browser: pinned rendering (sRGB, no hinting, scale 1, one GL mode),
# no network stack to speak of, nothing running in the background that could change a frame.
PINNED_FLAGS = (
    "--force-color-profile=srgb",
    "--font-render-hinting=none",
    "--force-device-scale-factor=1",
    "--disable-lcd-text",
    "--hide-scrollbars",
    "--mute-audio",
)
# GL modes. "software": no GPU process, Skia rasterises and composites on the CPU (no WebGL);
# measured here at ~35 ms of browser CPU per 720p frame against ~54 ms for SwiftShader's
# emulated GL (bench/bench_web.py), so it is the default. "swiftshader": GL (and WebGL) in
# software through ANGLE. Either is pinned: the mode is part of the chunk cache key.
GL_FLAGS = {
    "software": ("--disable-gpu", "--disable-gpu-compositing"),
    "swiftshader": ("--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"),
}
DEFAULT_GL = "software"
QUIET_FLAGS = (
    "--no-sandbox",  # Chromium's own sandbox needs user namespaces: ours refuses them
    "--disable-dev-shm-usage",  # /dev/shm is small in the sandbox: shared memory goes to /tmp
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-breakpad",
    "--disable-crash-reporter",
    "--disable-domain-reliability",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,"
    "CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,DialMediaRouteProvider",
    "--metrics-recording-only",
    "--password-store=basic",
    "--use-mock-keychain",
    # Nothing leaves even where the sandbox has a network: every request not answered by the
    # page's own interception goes to a closed loopback port, every name fails to resolve.
    "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
DETERMINISTIC_FLAGS = ("--deterministic-mode",)  # begin-frame control (headless shell only)
BROWSERS = ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium")


class CdpError(Exception):
    """The browser answered a command with an error, or stopped answering."""


class BrowserGone(CdpError):
    """The browser process exited or its pipe closed."""


class CallTimeout(CdpError):
    """A command got no answer in time (the page is stuck: an endless loop, most likely)."""


def find_browser() -> str:
    for path in BROWSERS:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which("chromium")
    if found is None:
        raise BrowserGone("no Chromium found (Debian packages chromium-headless-shell or chromium)")
    return found


class Browser:
    """One headless Chromium, driven over its debugging pipe."""

    def __init__(
        self, executable: str | None = None, deterministic: bool = False, gl: str = DEFAULT_GL
    ) -> None:
        if gl not in GL_FLAGS:
            raise ValueError(f"unknown GL mode {gl!r}: one of {', '.join(GL_FLAGS)}")
        self.executable = executable or find_browser()
        # begin-frame control exists only in the headless shell (Chromium's new headless mode
        # has no HeadlessExperimental domain): elsewhere frames are captured as screenshots
        self.deterministic = deterministic and "headless-shell" in Path(self.executable).name
        self.gl = gl
        self.profile = tempfile.mkdtemp(prefix="sf-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # the browser's ends away from 3 and 4, where the shell below puts them
        to_browser_r, from_browser_w = _above_four(to_browser_r), _above_four(from_browser_w)
        # Chromium wants the pipe at fds 3 and 4: bash (dash takes one-digit fds only) moves
        # them there, then becomes the browser.
        r, w = to_browser_r, from_browser_w
        move = f'exec 3<&{r} 4>&{w} {r}<&- {w}>&- "$0" "$@"'
        argv = ["/bin/bash", "-c", move, self.executable, *self._flags()]
        self._log = Path(self.profile) / "chromium.log"  # a file: a full pipe would stall it
        with self._log.open("wb") as log:
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=log,
                pass_fds=(to_browser_r, from_browser_w),
                start_new_session=True,
            )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = bytearray()
        self._scanned = 0  # bytes of _buffer known to hold no message terminator
        self._next_id = 0
        self._handlers: dict[str, Callable[[dict[str, Any]], None]] = {}
        product = self.call("Browser.getVersion", timeout=START_TIMEOUT_S).get("product", "")
        self.version = f"{product} {Path(self.executable).name}"  # the capture path differs

    def _flags(self) -> list[str]:
        flags = [*PINNED_FLAGS, *GL_FLAGS[self.gl], *QUIET_FLAGS, "--remote-debugging-pipe"]
        flags.append(f"--user-data-dir={self.profile}")
        if "headless-shell" not in self.executable:
            flags.append("--headless")
        if self.deterministic:
            flags += DETERMINISTIC_FLAGS
        return [*flags, "about:blank"]

    # -- the wire ------------------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> int:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._to_browser, view)
                view = view[written:]
        except OSError as e:
            raise BrowserGone(f"the browser's pipe closed: {e}") from e
        return self._next_id

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str = "",
        timeout: float = CALL_TIMEOUT_S,
    ) -> dict[str, Any]:
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + timeout
        while True:
            message = self._next(deadline, method)
            if message.get("id") == wanted:
                if "error" in message:
                    error = message["error"]
                    raise CdpError(f"{method}: {error.get('message', error)}")
                result = message.get("result", {})
                return result if isinstance(result, dict) else {}
            self._dispatch(message)

    def on(self, session: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Events of `session` go to `handler` (while any call waits)."""
        self._handlers[session] = handler

    def off(self, session: str) -> None:
        self._handlers.pop(session, None)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" not in message:
            return  # the answer to a command nobody waits for
        handler = self._handlers.get(message.get("sessionId", ""))
        if handler is not None:
            handler(message)

    def _next(self, deadline: float, method: str) -> dict[str, Any]:
        """The next message. A screenshot's message is ~1 MB in ~16 reads: each read is
        searched for the terminator once, and the message is joined once."""
        while True:
            end = self._buffer.find(b"\0", self._scanned)
            if end >= 0:
                raw = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                self._scanned = 0
                message = json.loads(raw)
                return message if isinstance(message, dict) else {}
            self._scanned = len(self._buffer)
            left = deadline - time.monotonic()
            if left <= 0:
                raise CallTimeout(f"{method}: no answer from the browser in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_browser, READ_CHUNK)
            if not chunk:
                raise BrowserGone(f"the browser exited ({self._stderr_tail()})")
            self._buffer += chunk

    def _stderr_tail(self) -> str:
        try:
            return self._log.read_bytes()[-500:].decode(errors="replace").strip()
        except OSError:
            return ""

    def close(self) -> None:
        """Ends the browser at once: nothing it holds is worth a clean shutdown (its profile
        is thrown away), and a clean one costs ~0.3 s of every job."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own session: every process of it
        self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _above_four(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved
