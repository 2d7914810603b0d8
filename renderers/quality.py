"""Quality presets: Manim's 480p15, 720p30, 1080p60 and 2160p60."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Quality(StrEnum):
    LOW = "l"
    MEDIUM = "m"
    HIGH = "h"
    FOURK = "k"


@dataclass(frozen=True)
class Preset:
    width: int
    height: int
    fps: int
    manim_name: str


PRESETS: dict[Quality, Preset] = {
    Quality.LOW: Preset(854, 480, 15, "low_quality"),
    Quality.MEDIUM: Preset(1280, 720, 30, "medium_quality"),
    Quality.HIGH: Preset(1920, 1080, 60, "high_quality"),
    Quality.FOURK: Preset(3840, 2160, 60, "fourk_quality"),
}
