"""A narrated lesson built the way the studio is meant to build one: narration spoken first,
each scene's video made to its beats, then `deliver` (tracks, lesson audio, mux, captions).
The videos are ffmpeg test patterns instead of Manim scenes (no sandbox needed)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from cluster.lessons.narration import Speaker, check, layout, narrate_scene
from cluster.lessons.narration.deliver import NarratedLesson, NarratedScene, deliver
from renderers import concat

from .conftest import FPS, SOURCES, scene_video

NARRATIONS = (
    "A right triangle has one angle of ninety degrees. The side across from it is the hypotenuse.",
    "Draw a square on each side. Each square has an area.",
    "Now compare the areas, e.g. three squared and four squared. Nine plus sixteen is 25!",
    "That is five squared.",
    "So the two small squares fill the big one exactly. Is that always true? Yes.",
    "This is the Pythagorean theorem. Try it on a triangle of your own.",
)
EXTRA_FRAMES = (3, 7, 4, 13, 5, 9)  # each scene's picture outlasts its voice by a little


@dataclass(frozen=True)
class Lesson:
    scenes: tuple[NarratedScene, ...]
    videos: tuple[Path, ...]
    silent: Path
    out: NarratedLesson

    def boundaries_s(self) -> list[Fraction]:
        out, at = [], Fraction(0)
        for scene in self.scenes:
            out.append(at)
            at += Fraction(scene.frames, FPS)
        return out


def narrated_scene(i: int, speaker: Speaker, tmp: Path) -> tuple[NarratedScene, Path]:
    narration = narrate_scene(NARRATIONS[i], speaker)
    slots = layout(narration, FPS)
    # The scene's code is written to the beats: here the video is simply long enough.
    frames = check(slots, 0, FPS).hold_frames + EXTRA_FRAMES[i]
    video = scene_video(tmp / f"{i + 1:02d}-Scene{i + 1}.mp4", frames, SOURCES[i % len(SOURCES)])
    return NarratedScene(f"Scene {i + 1}", frames, FPS, narration, slots), video


def build_lesson(speaker: Speaker, tmp: Path, count: int = len(NARRATIONS)) -> Lesson:
    made = [narrated_scene(i, speaker, tmp) for i in range(count)]
    scenes, videos = tuple(m[0] for m in made), tuple(m[1] for m in made)
    silent = concat(list(videos), tmp / "silent.mp4")
    return Lesson(scenes, videos, silent, deliver(scenes, silent, tmp / "out"))
