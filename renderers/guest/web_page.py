"""One scene page in the browser: served from memory, frames rendered on request, captured.

The page's origin is http://scene.invalid/: every request it makes is intercepted (Fetch
domain) and answered from the files given here; anything else is refused and remembered, so
a scene that reaches for the network fails with a clear message instead of a broken frame.
"""

from __future__ import annotations

import base64
import contextlib
import mimetypes
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from web_cdp import Browser, CallTimeout, CdpError

ORIGIN = "http://scene.invalid"
_SCENE_LINE = re.compile(r"scene\.invalid/scene\.js:(\d+):\d+")
FRAME_TIMEOUT_S = 40.0  # the page's own render-handle timeout is 30 s: it answers first
LOAD_TIMEOUT_S = 30.0
PAGE_HTML = b"""<!doctype html>
<html><head><meta charset="utf-8">
<style>
html, body { margin: 0; padding: 0; overflow: hidden; background: #fff; }
*, *::before, *::after { transition: none !important; animation: none !important;
  caret-color: transparent !important; }
</style>
<script src="/runtime.js"></script>
</head><body><div id="stage"></div><script src="/scene.js"></script></body></html>
"""


class SceneError(Exception):
    """The scene failed in the page: its own exception, a refused import or request, a
    render handle never released. `kind` is the error's name (RefusedImport, ...)."""

    def __init__(self, kind: str, message: str, stack: str = "") -> None:
        super().__init__(f"{kind}: {message}")
        self.kind, self.message, self.stack = kind, message, stack


class FrameTimeout(SceneError):
    """The page did not answer in time: its main thread is stuck (an endless loop)."""


class PageCrashed(SceneError):
    """The page's renderer process died: out of memory, almost always (a memory or DOM bomb
    meets the job's memory limit), and said at once rather than as a timeout."""


@dataclass
class Served:
    """What the page may load: path -> bytes. Everything else is refused."""

    files: dict[str, bytes]
    refused: list[str] = field(default_factory=list)


class ScenePage:
    """A fresh page (its own target) for one job, closed with it."""

    def __init__(
        self,
        browser: Browser,
        served: Served,
        width: int,
        height: int,
        frame_timeout_s: float = FRAME_TIMEOUT_S,
    ) -> None:
        self.browser = browser
        self.frame_timeout_s = frame_timeout_s
        self.served = served
        self.width, self.height = width, height
        target = browser.call("Target.createTarget", self._target_params())
        self.target = target["targetId"]
        attached = browser.call("Target.attachToTarget", {"targetId": self.target, "flatten": True})
        self.session = attached["sessionId"]
        browser.on(self.session, self._event)
        self._loaded = False
        self._setup()

    def _target_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"url": "about:blank"}
        if self.browser.deterministic:  # the headless shell: the target is its own window
            params |= {"width": self.width, "height": self.height, "enableBeginFrameControl": True}
        return params

    def call(self, method: str, params: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
        return self.browser.call(method, params, self.session, **kw)

    def _setup(self) -> None:
        self.call("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False},
        )
        self.call("Inspector.enable")  # Inspector.targetCrashed: the renderer died
        self.call("Page.enable")
        self.call("Animation.enable")
        self.call("Animation.setPlaybackRate", {"playbackRate": 0})  # Web Animations stand still
        self.call("Page.navigate", {"url": f"{ORIGIN}/"})
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        while not self._loaded:
            if time.monotonic() > deadline:
                raise FrameTimeout("LoadTimeout", "the scene page did not finish loading")
            self.call("Runtime.evaluate", {"expression": "0"})  # pumps events while we wait

    # -- events --------------------------------------------------------------------------------

    def _event(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        params = message.get("params", {})
        if method == "Fetch.requestPaused":
            self._serve(params)
        elif method == "Page.loadEventFired":
            self._loaded = True
        elif method == "Inspector.targetCrashed":
            raise PageCrashed(
                "PageCrashed",
                "the scene's page crashed, most likely out of memory (the scene allocates without"
                " end, or builds a document too large to draw)",
            )

    def _serve(self, params: dict[str, Any]) -> None:
        request_id = params["requestId"]
        url = str(params.get("request", {}).get("url", ""))
        parts = urlsplit(url)
        path = unquote(parts.path)
        ours = url.startswith(f"{ORIGIN}/")
        body = self.served.files.get(path) if ours else None
        if ours and path == "/favicon.ico" and body is None:  # the browser's, not the scene's
            self.browser.send(
                "Fetch.fulfillRequest",
                {"requestId": request_id, "responseCode": 404, "body": ""},
                self.session,
            )
            return
        if body is None:
            self.served.refused.append(url[:200])
            self.browser.send(
                "Fetch.failRequest",
                {"requestId": request_id, "errorReason": "BlockedByClient"},
                self.session,
            )
            return
        kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if path == "/":
            kind = "text/html"
        headers = [
            {"name": "Content-Type", "value": kind},
            {"name": "Cache-Control", "value": "no-store"},
        ]
        self.browser.send(
            "Fetch.fulfillRequest",
            {
                "requestId": request_id,
                "responseCode": 200,
                "responseHeaders": headers,
                "body": base64.b64encode(body).decode(),
            },
            self.session,
        )

    # -- the harness ---------------------------------------------------------------------------

    def harness(self, call: str) -> Any:
        """Calls window.__sf.<call> and returns its value, or raises the page's error."""
        timeout = self.frame_timeout_s
        try:
            reply = self.call(
                "Runtime.evaluate",
                {"expression": f"window.__sf.{call}", "awaitPromise": True, "returnByValue": True},
                timeout=timeout,
            )
        except CallTimeout as e:
            raise FrameTimeout(
                "FrameTimeout",
                f"the page did not answer within {timeout:.0f} s (an endless loop in the scene?)",
            ) from e
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "")
            raise SceneError("PageError", str(text)[:2000])
        value = reply.get("result", {}).get("value")
        if not isinstance(value, dict):
            raise SceneError("PageError", "the page's runtime did not load (a broken scene file?)")
        if "error" in value:
            error = value["error"]
            kind = "NetworkRefused" if self.served.refused else str(error.get("name", "Error"))
            stack = str(error.get("stack", ""))[:4000]
            message = self._with_refusals(str(error.get("message", ""))[:2000])
            where = _SCENE_LINE.search(stack)
            if where:  # the host maps it back to the scene file's line (renderers/web)
                message += f" (at scene.js:{where.group(1)})"
            raise SceneError(kind[:100], message, stack)
        return value.get("ok")

    def _with_refusals(self, message: str) -> str:
        if not self.served.refused:
            return message
        shown = ", ".join(self.served.refused[:3])
        return (
            f"{message} (the page tried to load {shown}: nothing is loaded from outside the"
            " lesson; use staticFile())"
        )

    def compositions(self) -> list[dict[str, Any]]:
        found = self.harness("compositions()")
        return found if isinstance(found, list) else []

    def mount(self, composition: str, fps: int) -> dict[str, Any]:
        args = f"{_js(composition)}, {self.width}, {self.height}, {fps}"
        info = self.harness(f"mount({args})")
        return info if isinstance(info, dict) else {}

    def frame(self, number: int) -> None:
        self.harness(f"frame({int(number)})")
        self.check_refusals()

    def check_refusals(self) -> None:
        """A scene that reached outside the lesson fails, even if it went on without the
        answer: what it drew then depends on what it could not load."""
        if self.served.refused:
            shown = ", ".join(self.served.refused[:3])
            raise SceneError(
                "NetworkRefused",
                f"the page tried to load {shown}: nothing is loaded from outside the lesson;"
                " ship files with the lesson and use staticFile()",
            )

    def drain(self) -> None:
        """One round trip: events the browser sent meanwhile (requests) are handled."""
        self.call("Runtime.evaluate", {"expression": "0"})
        self.check_refusals()

    def capture(self) -> bytes:
        """The viewport as PNG (lossless)."""
        if self.browser.deterministic:
            return self._begin_frame()
        shot = self.call(
            "Page.captureScreenshot",
            {"format": "png", "optimizeForSpeed": True, "captureBeyondViewport": False},
        )
        return base64.b64decode(shot["data"])

    def _begin_frame(self) -> bytes:
        result = self.call(
            "HeadlessExperimental.beginFrame",
            {"screenshot": {"format": "png", "optimizeForSpeed": True}},
        )
        data = result.get("screenshotData")
        if data is None:  # no damage since the last frame: the same picture again
            if self._last_png is None:
                raise CdpError("beginFrame gave no picture for the first frame")
            return self._last_png
        self._last_png = base64.b64decode(data)
        return self._last_png

    _last_png: bytes | None = None

    def close(self) -> None:
        self.browser.off(self.session)
        with contextlib.suppress(CdpError):
            self.browser.call("Target.closeTarget", {"targetId": self.target}, timeout=5)


def _js(text: str) -> str:
    import json

    return json.dumps(text)
