"""The layout check of a web scene: from the page's text boxes at sampled frames, what a viewer
would see go wrong: text cut off at the frame's edge, text overflowing its own box, text over
text. The boxes come from the sandboxed page: untrusted data, only well-formed values are used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MAX_ISSUES = 20
EDGE_TOLERANCE_PX = 2.0  # anti-aliasing may graze the edge
OVERLAP_SHARE = 0.2  # of the smaller box, as the Manim layout check


@dataclass(frozen=True)
class Box:
    text: str
    x: float
    y: float
    w: float
    h: float
    overflow: bool

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


def layout_issues(raw: Any) -> tuple[str, ...]:
    """Issues found at each sampled frame, each reported once, at most MAX_ISSUES."""
    if not isinstance(raw, dict):
        return ()
    width, height = _number(raw.get("width")), _number(raw.get("height"))
    if width is None or height is None:
        return ()
    issues: list[str] = []
    frames = raw.get("frames")
    for sample in frames if isinstance(frames, list) else []:
        if not isinstance(sample, dict) or type(sample.get("frame")) is not int:
            continue
        boxes = _boxes(sample.get("boxes"))
        found = _cut_off(boxes, width, height) + _overflowing(boxes) + _overlapping(boxes)
        for issue in found:
            if not any(i.endswith(issue) for i in issues):  # one report per problem
                issues.append(f"at frame {sample['frame']}: {issue}")
    return tuple(issues[:MAX_ISSUES])


def _number(value: Any) -> float | None:
    if type(value) not in (int, float) or not math.isfinite(value):
        return None
    return float(value)


def _boxes(raw: Any) -> list[Box]:
    boxes = []
    for item in raw[:500] if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        numbers = [_number(item.get(k)) for k in ("x", "y", "w", "h")]
        if any(n is None for n in numbers):
            continue
        x, y, w, h = (n for n in numbers if n is not None)
        text = " ".join(str(item.get("text", "")).split())[:60]
        boxes.append(Box(text, x, y, w, h, item.get("overflow") is True))
    return boxes


def _cut_off(boxes: list[Box], width: float, height: float) -> list[str]:
    issues = []
    tol = EDGE_TOLERANCE_PX
    for b in boxes:
        if b.right <= 0 or b.x >= width or b.bottom <= 0 or b.y >= height:
            continue  # wholly outside: moved off on purpose, not cut off
        sides = [
            (b.x < -tol, f"left edge (x from {b.x:.0f})"),
            (b.right > width + tol, f"right edge (x to {b.right:.0f}, frame {width:.0f})"),
            (b.y < -tol, f"top (y from {b.y:.0f})"),
            (b.bottom > height + tol, f"bottom (y to {b.bottom:.0f}, frame {height:.0f})"),
        ]
        issues += [
            f"text {b.text!r} is cut off at the {where}" for crossed, where in sides if crossed
        ]
    return issues


def _overflowing(boxes: list[Box]) -> list[str]:
    return [f"text {b.text!r} overflows its box" for b in boxes if b.overflow]


def _overlapping(boxes: list[Box]) -> list[str]:
    issues = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if _nested(a, b) or _nested(b, a):
                continue  # a text inside another element's box: its child, not an overlap
            if _overlap_share(a, b) > OVERLAP_SHARE:
                issues.append(f"text {a.text!r} overlaps text {b.text!r}")
    return issues


def _nested(outer: Box, inner: Box) -> bool:
    return (
        outer.x <= inner.x
        and outer.y <= inner.y
        and inner.right <= outer.right
        and inner.bottom <= outer.bottom
        and inner.text in outer.text
    )


def _overlap_share(a: Box, b: Box) -> float:
    w = min(a.right, b.right) - max(a.x, b.x)
    h = min(a.bottom, b.bottom) - max(a.y, b.y)
    if w <= 0 or h <= 0:
        return 0.0
    return w * h / max(min(a.w * a.h, b.w * b.h), 1e-6)
