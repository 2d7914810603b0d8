"""The probe's layout check: text cut off at the frame's edge, overflowing its box, or over
other text, found from the page's DOM boxes in the sandbox."""

from __future__ import annotations

from renderers import SceneSource
from renderers.web import WebRenderer
from renderers.web.layout import layout_issues
from sandbox import Sandbox

from .conftest import SCENES

LAYOUT = SceneSource("layout.tsx", (SCENES / "layout.tsx").read_text())


def test_layout_problems_are_found(web: WebRenderer, web_sandbox: Sandbox) -> None:
    issues = web.probe(web_sandbox, LAYOUT, "Bad", layout=True).layout
    text = "\n".join(issues)
    assert "'Cut off at the right' is cut off at the right edge" in text, text
    assert "'Overflowing its narrow box' overflows its box" in text, text
    assert "'First label' overlaps text 'Second label'" in text, text
    assert all(i.startswith("at frame 14: ") for i in issues), text  # the one sample at l


def test_clean_layout_has_no_issues(web: WebRenderer, web_sandbox: Sandbox) -> None:
    """Nested text, invisible text, and text wholly off-frame (entering) are not problems."""
    assert web.probe(web_sandbox, LAYOUT, "Good", layout=True).layout == ()


def test_malformed_boxes_are_ignored() -> None:
    raw = {
        "width": 854,
        "height": 480,
        "frames": [
            {"frame": 1, "boxes": [{"x": "1", "y": 0, "w": 1, "h": 1}, None, {"x": float("nan")}]},
            {"frame": "2", "boxes": [{"text": "x", "x": 900, "y": 0, "w": 10, "h": 10}]},
            {"frame": 3, "boxes": [{"text": "edge", "x": 850, "y": 0, "w": 40, "h": 10}]},
        ],
    }
    assert layout_issues(raw) == (
        "at frame 3: text 'edge' is cut off at the right edge (x to 890, frame 854)",
    )
    assert layout_issues(None) == ()
