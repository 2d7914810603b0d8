"""Web scene entry points that run *inside* the sandbox: a fresh page in headless Chromium per
job, frames captured after the page says each is ready, encoded like the Manim chunks.

Payloads carry names of files in the job's working dir: the scene (already transformed to a
CommonJS function body on the host by esbuild's transform, no bundling), the runtime, assets.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import re
import resource
import threading
import time
from pathlib import Path
from typing import Any

from web_cdp import DEFAULT_GL, Browser
from web_encode import PngDecoder, SegmentEncoder, join_segments, save_poster
from web_page import FRAME_TIMEOUT_S, ScenePage, Served

CHUNK_FILE = "chunk.mp4"
POSTER_FILE = "poster.jpg"
POSTER_QUALITY = 85
LIST_SIZE = (640, 360)  # listing compositions draws nothing: any viewport will do
SEGMENT_SECONDS = 1  # renderers/web/timeline.py's SEGMENT_SECONDS
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts")
QUEUE_FRAMES = 8
MAX_LAYOUT_SAMPLES = 120  # captured frames waiting for the encoder (a 1080p PNG is ~1 MB at most)
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
    gl = str(payload.get("gl", DEFAULT_GL))
    return Browser(deterministic=bool(payload.get("begin_frame", False)), gl=gl)


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
        return {"compositions": found, "browser": browser.version, "fonts": _fonts_digest()}


def layout(payload: dict[str, Any]) -> dict[str, Any]:
    """The text boxes at sampled frames (the last of each segment), for the host's layout
    check; nothing is captured or encoded."""
    video = payload["video"]
    width, height, fps = int(video["width"]), int(video["height"]), int(video["fps"])
    with _browser(payload) as browser:
        page = ScenePage(browser, _served(payload), width, height, _timeout(payload))
        try:
            info = page.mount(str(payload["composition"]), fps)
            total = _total_frames(info, fps)
            samples = sorted(
                {min(s + fps, total) - 1 for s in range(0, total, fps * SEGMENT_SECONDS)}
            )
            frames = []
            for number in samples[:MAX_LAYOUT_SAMPLES]:
                page.frame(number)
                frames.append({"frame": number, "boxes": page.harness("boxes()")})
            page.drain()
        finally:
            page.close()
    return {"frames": frames, "width": width, "height": height}


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
            listed = page.compositions() if payload.get("list") else None
            listed = page.compositions() if payload.get("list") else None
            total = _total_frames(info, fps)
            first, last = _frames(payload, total, segment)
            load_s = time.perf_counter() - started - boot_s
            segments = _render_frames(page, first, last, segment, (width, height, fps), stats)
            page.drain()
        finally:
            page.close()
        browser_cpu_s = _browser_cpu_s(browser.proc.pid)
        version = browser.version
    join_segments(segments, Path(CHUNK_FILE))
    for path in segments:
        path.unlink()
    if last != total - 1:
        Path(POSTER_FILE).write_bytes(b"")
    own = resource.getrusage(resource.RUSAGE_SELF)
    if listed is not None:
        extra = {"compositions": listed, "browser_version": version, "fonts": _fonts_digest()}
    else:
        extra = {}
    return {
        **extra,
        "cpu_s": round(browser_cpu_s + own.ru_utime + own.ru_stime, 4),
        "frames": last - first + 1,
        "first": first,
        "total": total,
        "browser": version,
        "boot_s": round(boot_s, 4),
        "load_s": round(load_s, 4),
        **{k: round(v, 4) for k, v in stats.items()},
    }


def _fonts_digest() -> str:
    """The fonts this sandbox renders with (names and sizes of every font file): a change
    of fonts changes pixels, so it is part of the cache identity."""
    digest = hashlib.sha256()
    for root in FONT_DIRS:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                with contextlib.suppress(OSError):
                    digest.update(f"{path}\0{os.path.getsize(path)}\n".encode())
    return digest.hexdigest()[:16]


def _browser_cpu_s(root: int) -> float:
    """CPU time of the browser's processes so far (for the bench; they are not our children
    to wait for, so the job's rusage would miss them)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / ticks
    tree = {root}
    for _ in range(8):  # browser -> zygote -> renderer: a shallow tree
        tree |= {pid for pid, parent in parents.items() if parent in tree}
    return sum(cpu[pid] for pid in tree if pid in cpu)


def _total_frames(info: dict[str, Any], fps: int) -> int:
    """The composition's length in the preset's frames (renderers/web/timeline.py's rule)."""
    duration, own_fps = int(info["durationInFrames"]), int(info["fps"])
    return max(1, -(-duration * fps // own_fps))


def _frames(payload: dict[str, Any], total: int, segment: int) -> tuple[int, int]:
    """The preset frames to render: given, or segments first..last of `segment` frames."""
    if "frames" in payload:
        first, last = (int(n) for n in payload["frames"])
    elif "budget" in payload:  # a scout: the first segments within the budget, at least one
        segments = max(1, min(-(-total // segment), int(payload["budget"]) // segment))
        first, last = 0, min(segments * segment, total) - 1
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
    """Draws and captures frames here while another thread decodes and encodes them: the
    browser works on frame n + 1 while frame n is encoded (PNG decoding and x264 release the
    GIL). Each segment (frames counted from the scene's start) gets its own encoder."""
    encoder = _EncodingThread(video, segment, stats)
    encoder.start()
    try:
        for number in range(first, last + 1):
            t0 = time.perf_counter()
            page.frame(number)
            t1 = time.perf_counter()
            png = page.capture()
            stats["settle_s"] += t1 - t0
            stats["capture_s"] += time.perf_counter() - t1
            encoder.put(number, png)
    finally:
        segments = encoder.finish()
    return segments


class _EncodingThread(threading.Thread):
    def __init__(self, video: tuple[int, int, int], segment: int, stats: dict[str, float]) -> None:
        super().__init__(name="encoder", daemon=True)
        self.video, self.segment, self.stats = video, segment, stats
        self.queue: queue.Queue[tuple[int, bytes] | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self.segments: list[Path] = []
        self.error: BaseException | None = None

    def put(self, number: int, png: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put((number, png))

    def finish(self) -> list[Path]:
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error
        return self.segments

    def run(self) -> None:
        try:
            self._encode()
        except BaseException as e:  # noqa: BLE001 (reported to the drawing thread at its next frame)
            self.error = e
            while self.queue.get() is not None:  # let the drawing thread finish
                pass

    def _encode(self) -> None:
        width, height, fps = self.video
        encoder: SegmentEncoder | None = None
        decoder = PngDecoder()
        picture = None
        previous = b""
        while (item := self.queue.get()) is not None:
            number, png = item
            started = time.perf_counter()
            if encoder is None or number % self.segment == 0:
                if encoder is not None:
                    encoder.finish()
                self.segments.append(Path(f"segment-{number:06d}.mp4"))
                encoder = SegmentEncoder(self.segments[-1], width, height, fps)
            if png != previous or picture is None:  # an unchanged frame is not decoded again
                picture = decoder.decode(png)
                previous = png
            encoder.write(picture)
            self.stats["encode_s"] += time.perf_counter() - started
        if encoder is not None:
            started = time.perf_counter()
            encoder.finish()
            self.stats["encode_s"] += time.perf_counter() - started
        if picture is not None:
            save_poster(picture, Path(POSTER_FILE), POSTER_QUALITY)
