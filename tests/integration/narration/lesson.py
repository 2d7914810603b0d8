"""A narrated lesson built the way the studio is meant to build one: narration spoken first,
each scene's video made to its beats, then the scene tracks, the lesson audio, the mux and the
captions. The videos are ffmpeg test patterns instead of Manim scenes (no sandbox needed)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from cluster.lessons.narration import SceneNarration, Slot, Speaker, check, layout, narrate_scene
from cluster.lessons.narration import cues as beat_cues
from cluster.lessons.narration import scene_track as make_track
from renderers import concat
from renderers.audio import Pcm, lesson_audio, mux
from renderers.subtitles import SceneCaptions

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
class NarratedScene:
    title: str
    narration: SceneNarration
    slots: tuple[Slot, ...]
    frames: int
    video: Path
    track: Pcm

    def captions(self) -> SceneCaptions:
        return SceneCaptions(
            self.title, self.frames, FPS, beat_cues(self.narration, self.slots, FPS)
        )


@dataclass(frozen=True)
class Lesson:
    scenes: tuple[NarratedScene, ...]
    silent: Path
    audio: Pcm  # the lesson's PCM, normalised, as encoded
    video: Path  # the muxed lesson

    def boundaries_s(self) -> list[Fraction]:
        out, at = [], Fraction(0)
        for scene in self.scenes:
            out.append(at)
            at += Fraction(scene.frames, FPS)
        return out


def narrated_scene(i: int, speaker: Speaker, tmp: Path) -> NarratedScene:
    narration = narrate_scene(NARRATIONS[i], speaker)
    slots = layout(narration, FPS)
    # The scene's code is written to the beats: here the video is simply long enough.
    frames = check(slots, 0, FPS).hold_frames + EXTRA_FRAMES[i]
    video = scene_video(tmp / f"{i + 1:02d}-Scene{i + 1}.mp4", frames, SOURCES[i % len(SOURCES)])
    track = make_track(narration, slots, frames, FPS)
    return NarratedScene(f"Scene {i + 1}", narration, slots, frames, video, track)


def build_lesson(speaker: Speaker, tmp: Path, count: int = len(NARRATIONS)) -> Lesson:
    scenes = tuple(narrated_scene(i, speaker, tmp) for i in range(count))
    silent = concat([s.video for s in scenes], tmp / "silent.mp4")
    audio = lesson_audio([s.track for s in scenes])
    return Lesson(scenes, silent, audio, mux(silent, audio, tmp / "lesson.mp4"))
