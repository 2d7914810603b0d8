"""A web scene's timeline at each preset, its segments, and what goes into its cache identity
(pure Python: no browser)."""

from __future__ import annotations

import itertools

import pytest

from renderers import SceneCodeError
from renderers.web import Composition, WebRenderer
from renderers.web.timeline import frame_range, segment_frames
from renderers.web.transpile import transpile


@pytest.mark.parametrize(
    ("duration", "fps", "preset_fps", "total", "segments"),
    [
        (45, 30, 30, 45, [30, 15]),  # 1.5 s at its own rate
        (45, 30, 15, 23, [15, 8]),  # a slower preset: the time is kept, frames are skipped
        (45, 30, 60, 90, [60, 30]),  # a faster one: frames repeat
        (90, 30, 30, 90, [30, 30, 30]),
        (1, 30, 15, 1, [1]),
    ],
)
def test_segments_cover_the_scene(
    duration: int, fps: int, preset_fps: int, total: int, segments: list[int]
) -> None:
    comp = Composition("C", duration, fps, 1280, 720)
    assert comp.total_frames(preset_fps) == total
    anims = comp.segments()
    assert [max(1, round(a.run_time_s * preset_fps + 0.4999)) for a in anims] == segments
    ranges = [frame_range(comp, preset_fps, i, i) for i in range(len(anims))]
    assert ranges[0][0] == 0 and ranges[-1][1] == total - 1
    assert all(b[0] == a[1] + 1 for a, b in itertools.pairwise(ranges))
    assert all(r[0] % segment_frames(preset_fps) == 0 for r in ranges)


def test_out_of_range_segments_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        frame_range(Composition("C", 30, 30, 10, 10), 30, 1, 1)


def test_cache_identity_names_what_changes_pixels() -> None:
    base = WebRenderer().cache_identity("HeadlessChrome/1")
    assert "gl=software" in base and "beginFrame" in base
    others = {
        WebRenderer(gl="swiftshader").cache_identity("HeadlessChrome/1"),
        WebRenderer(begin_frame=False).cache_identity("HeadlessChrome/1"),
        WebRenderer(assets={"a.png": b"x"}).cache_identity("HeadlessChrome/1"),
        WebRenderer().cache_identity("HeadlessChrome/2"),
    }
    assert base not in others and len(others) == 4


def test_asset_names_are_checked() -> None:
    for bad in ("../x.png", "/etc/passwd", "a//b.png", ""):
        with pytest.raises(ValueError):
            WebRenderer(assets={bad: b""})


def test_transform_does_not_resolve_imports() -> None:
    """esbuild's transform leaves every import a require() call for the page's allow-list:
    nothing is read from the host, even for a path that exists here."""
    code = transpile('import secret from "/etc/passwd";\nexport const x = secret;\n').code
    assert 'require("/etc/passwd")' in code
    assert "root:" not in code


def test_syntax_errors_carry_the_line() -> None:
    with pytest.raises(SceneCodeError) as caught:
        transpile("const a = 1;\n\nconst b = ;\n")
    assert caught.value.kind == "SyntaxError" and caught.value.line == 3
