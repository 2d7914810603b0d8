"""Web scene entry points that run *inside* the sandbox: a fresh page in headless Chromium per
job, frames captured after the page says each is ready, encoded like the Manim chunks.

Payloads carry names of files in the job's working dir: the scene (already transformed to a
CommonJS function body on the host by esbuild's transform, no bundling), the runtime, assets.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

from web_cdp import Browser
from web_encode import SegmentEncoder, join_segments
from web_page import FRAME_TIMEOUT_S, ScenePage, Served

CHUNK_FILE = "chunk.mp4"
POSTER_FILE = "poster.jpg"
POSTER_QUALITY = 85
LIST_SIZE = (640, 360)  # listing compositions draws nothing: any viewport will do
SEGMENT_SECONDS = 1  # renderers/web/timeline.py's SEGMENT_SECONDS
_ASSET = re.compile(r"^asset-[0-9]{1,4}$")


def _served(payload: dict[str, Any]) -> Served:
    files = {
        "/": _page_html(),
        "/runtime.js": Path(payload.get("runtime", "runtime.js")).read_bytes(),
        "/scene.js": Path(payload.get("file", "scene.js")).read_bytes(),
    }
    for name, local in dict(payload.get("assets", {})).items():
        if _ASSET.match(str(local)) and os.path.isfile(str(local)):
            files[f"/static/{name}"] = Path(str(local)).read_bytes()
    return Served(files)


def _page_html() -> bytes:
    from web_page import PAGE_HTML

    return PAGE_HTML


def _browser(payload: dict[str, Any]) -> Browser:
    return Browser(deterministic=bool(payload.get("begin_frame", False)))


def _timeout(payload: dict[str, Any]) -> float:
    return max(1.0, min(600.0, float(payload.get("frame_timeout_s", FRAME_TIMEOUT_S))))


def compositions(payload: dict[str, Any]) -> dict[str, Any]:
    """The file's compositions, in registration order (nothing is drawn)."""
    with _browser(payload) as browser:
        page = ScenePage(browser, _served(payload), *LIST_SIZE, _timeout(payload))
        try:
            found = page.compositions()
            page.drain()
        finally:
            page.close()
        return {"compositions": found, "browser": browser.version}


def render(payload: dict[str, Any]) -> dict[str, Any]:
    """Renders frames first..last (of the preset's timeline) into chunk.mp4, one encoder per
    segment of `segment` frames counted from the scene's frame 0."""
    video = payload["video"]
    width, height, fps = int(video["width"]), int(video["height"]), int(video["fps"])
    segment = fps * SEGMENT_SECONDS
    started = time.perf_counter()
    stats = {"capture_s": 0.0, "settle_s": 0.0, "encode_s": 0.0}
    with _browser(payload) as browser:
        boot_s = time.perf_counter() - started
        page = ScenePage(browser, _served(payload), width, height, _timeout(payload))
        try:
            info = page.mount(str(payload["composition"]), fps)
            total = _total_frames(info, fps)
            first, last = _frames(payload, total, segment)
            load_s = time.perf_counter() - started - boot_s
            segments = _render_frames(page, first, last, segment, (width, height, fps), stats)
            page.drain()
        finally:
            page.close()
        version = browser.version
    join_segments(segments, Path(CHUNK_FILE))
    for path in segments:
        path.unlink()
    if last != total - 1:
        Path(POSTER_FILE).write_bytes(b"")
    return {
        "frames": last - first + 1,
        "first": first,
        "total": total,
        "browser": version,
        "boot_s": round(boot_s, 4),
        "load_s": round(load_s, 4),
        **{k: round(v, 4) for k, v in stats.items()},
    }


def _total_frames(info: dict[str, Any], fps: int) -> int:
    """The composition's length in the preset's frames (renderers/web/timeline.py's rule)."""
    duration, own_fps = int(info["durationInFrames"]), int(info["fps"])
    return max(1, -(-duration * fps // own_fps))


def _frames(payload: dict[str, Any], total: int, segment: int) -> tuple[int, int]:
    """The preset frames to render: given, or segments first..last of `segment` frames."""
    if "frames" in payload:
        first, last = (int(n) for n in payload["frames"])
    else:
        first_seg, last_seg = (int(n) for n in payload["segments"])
        first, last = first_seg * segment, min((last_seg + 1) * segment, total) - 1
    if not 0 <= first <= last < total:
        raise ValueError(f"frames {first}..{last} are outside a scene of {total} frames")
    return first, last


def _render_frames(
    page: ScenePage,
    first: int,
    last: int,
    segment: int,
    video: tuple[int, int, int],
    stats: dict[str, float],
) -> list[Path]:
    width, height, fps = video
    segments: list[Path] = []
    encoder: SegmentEncoder | None = None
    image = None
    for number in range(first, last + 1):
        if encoder is None or number % segment == 0:
            if encoder is not None:
                encoder.finish()
            segments.append(Path(f"segment-{number:06d}.mp4"))
            encoder = SegmentEncoder(segments[-1], width, height, fps)
        t0 = time.perf_counter()
        page.frame(number)
        t1 = time.perf_counter()
        png = page.capture()
        t2 = time.perf_counter()
        image = encoder.write_png(png)
        stats["settle_s"] += t1 - t0
        stats["capture_s"] += t2 - t1
        stats["encode_s"] += time.perf_counter() - t2
    assert encoder is not None
    encoder.finish()
    if image is not None:
        image.save(POSTER_FILE, "JPEG", quality=POSTER_QUALITY)
    return segments
