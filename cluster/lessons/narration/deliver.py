"""A narrated lesson's files, from its scenes' narration and its silent stitched video: the
muxed MP4, WebVTT and SRT captions, a WebVTT chapters track, and on request a copy with the
captions burnt in. One call, for the studio to make after stitching.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cluster.lessons.narration.beats import SceneNarration
from cluster.lessons.narration.timing import Slot, TimingVerdict, cues, scene_track
from renderers.audio import TARGET_LUFS, Pcm, lesson_audio, mux
from renderers.files import atomic_write
from renderers.subtitles import SceneCaptions, burn_in, chapters, lesson_cues, srt, webvtt


@dataclass(frozen=True)
class NarratedScene:
    """One scene as rendered: its title (the chapter), its video's frame count, and its
    narration placed on those frames (`timing.layout`)."""

    title: str
    frames: int
    fps: int
    narration: SceneNarration
    slots: tuple[Slot, ...]

    def track(self) -> Pcm:
        return scene_track(self.narration, self.slots, self.frames, self.fps)

    def captions(self) -> SceneCaptions:
        return SceneCaptions(
            self.title, self.frames, self.fps, cues(self.narration, self.slots, self.fps)
        )


@dataclass(frozen=True)
class NarratedLesson:
    video: Path  # the silent video's frames, stream-copied, with the lesson's AAC audio
    captions_vtt: Path
    captions_srt: Path
    chapters_vtt: Path
    captioned: Path | None  # captions burnt in (re-encoded), when asked for


def deliver(
    scenes: Sequence[NarratedScene],
    silent: Path,
    out_dir: Path,
    *,
    burn_captions: bool = False,
    target_lufs: float = TARGET_LUFS,
) -> NarratedLesson:
    """Writes lesson.mp4, lesson.vtt, lesson.srt, chapters.vtt (and lesson.captioned.mp4)
    into out_dir. `silent` is the lesson's stitched video, its scenes in `scenes`' order."""
    audio = lesson_audio([s.track() for s in scenes], target_lufs)
    video = mux(silent, audio, out_dir / "lesson.mp4")
    captions = [s.captions() for s in scenes]
    cue_list = lesson_cues(captions)
    vtt, srt_path, chap = out_dir / "lesson.vtt", out_dir / "lesson.srt", out_dir / "chapters.vtt"
    atomic_write(vtt, webvtt(cue_list).encode())
    atomic_write(srt_path, srt(cue_list).encode())
    atomic_write(chap, webvtt(chapters(captions)).encode())
    burnt = (
        burn_in(video, srt(cue_list), out_dir / "lesson.captioned.mp4") if burn_captions else None
    )
    return NarratedLesson(video, vtt, srt_path, chap, burnt)


def scene_report(narration: SceneNarration, verdict: TimingVerdict, fps: int) -> dict[str, Any]:
    """What a lesson report says of one scene's narration."""
    return {
        "provider": narration.provider,
        "voice": narration.voice,
        "audio_s": round(narration.audio_s, 3),
        "beats": [
            {
                "text": b.text,
                "duration_s": round(b.duration_s, 3),
                "start_s": round(s.start_frame / fps, 3),
            }
            for b, s in zip(narration.beats, verdict.slots, strict=True)
        ],
        "hold_frames": verdict.hold_frames,
        "timing_fix": verdict.fix_request,
    }


def beat_props(narration: SceneNarration) -> dict[str, Any]:
    """The durations as a web scene's input props (the same numbers the Manim helper gives)."""
    return {
        "beats": [
            {"text": b.text, "durationS": d}
            for b, d in zip(narration.beats, narration.durations_s, strict=True)
        ]
    }


def timing_changed(old: SceneNarration | None, new: SceneNarration) -> bool:
    """After a narration edit: must the scene be written and rendered again? Only when a beat
    was added or removed or its duration moved by a millisecond or more."""
    return old is None or old.durations_s != new.durations_s
