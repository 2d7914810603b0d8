"""The studio's narration: each scene's narration spoken before its code is written, its
animations checked against its voice after each probe, and the lesson's audio and captions
made once its silent video is stitched.

Audio lives in the narration cache (by content), never in the lesson record: the record keeps
each beat's text and duration, and each scene version's timing (beat starts, final hold), so
a later version speaks every unchanged scene again from the cache.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cluster.farm.report import SceneReport
from cluster.lessons.narration import (
    BeatError,
    MarksError,
    NarrationConfig,
    NarrationError,
    SceneNarration,
    Slot,
    Speaker,
    SpeechStats,
    TimingVerdict,
    check,
    layout,
    narrate_scene,
    speaker,
)
from cluster.lessons.narration.deliver import NarratedLesson, NarratedScene, deliver, scene_report
from renderers import PRESETS, Quality, SceneProbe
from renderers.errors import RenderError
from scenes import (
    BeatRecord,
    GenerationError,
    Lesson,
    LessonNarration,
    SceneNarrationRecord,
    SceneRecord,
    SceneTiming,
)

PROBE_FPS = PRESETS[Quality.LOW].fps  # lesson generation probes at quality l (ManimRenderer)
# What the lesson version publishes, by the name deliver() gave each file.
PUBLISHED_NAMES = {
    "lesson.vtt": "captions.vtt",
    "lesson.srt": "captions.srt",
    "chapters.vtt": "chapters.vtt",
    "lesson.captioned.mp4": "lesson.captioned.mp4",
}


class NarrationFailed(GenerationError):
    """The lesson's narration could not be made, and silent scenes were not allowed."""


@dataclass
class Narrator:
    config: NarrationConfig
    threads: int = 4
    spoken: dict[int, SceneNarration] = field(default_factory=dict)  # by scene index
    stats: SpeechStats = field(default_factory=SpeechStats)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- speaking ----------------------------------------------------------------------------

    def start(self, lesson: Lesson) -> None:
        """Marks the lesson narrated, with this narrator's provider and loudness."""
        lesson.narration = LessonNarration(
            provider=self.config.provider.value,
            voice=self.config.voice or "",
            target_lufs=self.config.target_lufs,
            burn_captions=self.config.burn_captions,
        )

    def speak_all(self, lesson: Lesson, records: Sequence[SceneRecord]) -> None:
        """Speaks every record's narration, in parallel. A scene whose voice fails is silent
        (status "failed", with the error) if allowed; otherwise NarrationFailed."""
        todo = [r for r in records if r.narration is not None]
        if todo:
            with ThreadPoolExecutor(max(1, min(self.threads, len(todo)))) as pool:
                list(pool.map(self._speak, todo))
        self.settle(lesson)

    def settle(self, lesson: Lesson) -> None:
        """The lesson's narration status from its scenes'; NarrationFailed if one failed and
        silent scenes are not allowed."""
        if lesson.narration is None:
            return
        narrated = [r for r in lesson.scenes if r.narration is not None]
        failed = [r for r in narrated if r.narration and r.narration.status == "failed"]
        if failed:
            errors = "; ".join(
                f"scene {r.index}: {r.narration.error}" for r in failed if r.narration
            )
            lesson.narration.error = f"narration failed for {len(failed)} scene(s): {errors}"
            if not self.config.allow_silent:
                lesson.narration.status = "failed"
                raise NarrationFailed(lesson.narration.error)
        voices = [r.narration.voice for r in narrated if r.narration and r.narration.voice]
        lesson.narration.voice = lesson.narration.voice or (voices[0] if voices else "")
        lesson.narration.status = (
            "ok" if not failed else "partial" if len(failed) < len(narrated) else "failed"
        )

    def _speak(self, record: SceneRecord) -> None:
        narration = record.narration
        assert narration is not None
        voice: Speaker | None = None
        try:
            voice = speaker(self.config)  # one per scene: its own counts
            spoken = narrate_scene(narration.text, voice)
        except (NarrationError, BeatError, RenderError) as e:
            narration.status, narration.error = "failed", f"{type(e).__name__}: {e}"
            narration.beats = []
            return
        finally:
            if voice is not None:
                with self._lock:
                    self.stats.synthesized += voice.stats.synthesized
                    self.stats.cached += voice.stats.cached
        self.spoken[record.index] = spoken
        narration.status, narration.error = "ok", ""
        narration.provider, narration.voice = spoken.provider, spoken.voice
        narration.beats = [
            BeatRecord(text=b.text, duration_s=d)
            for b, d in zip(spoken.beats, spoken.durations_s, strict=True)
        ]

    def narration_of(self, record: SceneRecord) -> SceneNarration | None:
        """The scene's beats as spoken (from the cache when spoken by an earlier run)."""
        if record.narration is None or record.narration.status != "ok":
            return None
        texts = [b.text for b in record.narration.beats]
        known = self.spoken.get(record.index)
        if known is None or [b.text for b in known.beats] != texts:
            voice = speaker(self.config)
            known = narrate_scene(texts, voice)
            with self._lock:
                self.stats.synthesized += voice.stats.synthesized
                self.stats.cached += voice.stats.cached
            self.spoken[record.index] = known
        return known

    # -- timing ------------------------------------------------------------------------------

    def timing(
        self, record: SceneRecord, probe: SceneProbe, fps: int
    ) -> tuple[SceneTiming, str] | None:
        """Where each beat of a probed scene starts (at the lesson's `fps`), its final hold,
        and what to fix ("" if nothing); None for a silent scene."""
        spoken = self.narration_of(record)
        if spoken is None:
            return None
        marks = list(probe.beat_marks) if any(m is not None for m in probe.beat_marks) else None
        exact = list(probe.beat_frames) if marks and fps == PROBE_FPS else None
        gap, problem = self.config.beat_gap_s, ""
        try:
            slots = layout(spoken, fps, probe.animations, marks, gap, exact)
        except MarksError as e:
            slots, problem = layout(spoken, fps, probe.animations, None, gap), str(e)
        verdict = check(slots, least_frames(probe, fps), fps, self.config.max_silence_s)
        fix = verdict.fix_request or ""
        if problem:
            once = "Enter each `with self.voiceover(i)` block once, in order."
            fix = f"Narration timing: {problem}. {once}\n{fix}"
        timing = SceneTiming(
            durations_s=list(spoken.durations_s),
            starts=[s.start_frame for s in slots],
            fps=fps,
            hold_frames=verdict.hold_frames,
        )
        return timing, fix.strip()

    # -- delivery ----------------------------------------------------------------------------

    def deliver(
        self,
        rendered: Sequence[tuple[SceneRecord, SceneReport]],
        silent: Path,
        out_dir: Path,
        fps: int,
    ) -> NarratedLesson:
        """The lesson's audio muxed onto `silent`, and its captions, into `out_dir`; each
        rendered scene's report gets its narration."""
        scenes = []
        for record, report in rendered:
            scene, verdict = self._narrated_scene(record, report.frames, fps)
            scenes.append(scene)
            if verdict is not None:
                report.narration = scene_report(scene.narration, verdict, fps)
        return deliver(
            scenes,
            silent,
            out_dir,
            burn_captions=self.config.burn_captions,
            target_lufs=self.config.target_lufs,
        )

    def _narrated_scene(
        self, record: SceneRecord, frames: int, fps: int
    ) -> tuple[NarratedScene, TimingVerdict | None]:
        title = _title(record)
        spoken = self.narration_of(record)
        timing = record.current.timing if record.current else None
        if spoken is None or timing is None:
            silent = SceneNarration((), self.config.provider.value, self.config.voice or "")
            return NarratedScene(title, frames, fps, silent, ()), None
        slots = tuple(
            Slot(b.index, b.text, start, math.ceil(b.duration_s * fps - 1e-9), None)
            for b, start in zip(spoken.beats, _starts(timing, fps), strict=True)
        )
        verdict = TimingVerdict(slots, timing.hold_frames, timing.fix or None)
        return NarratedScene(title, frames, fps, spoken, slots), verdict

    def lesson_report(self, lesson: Lesson, urls: dict[str, str]) -> dict[str, Any]:
        narration = lesson.narration
        assert narration is not None
        return {
            "provider": narration.provider,
            "voice": narration.voice,
            "target_lufs": narration.target_lufs,
            "status": narration.status,
            "error": narration.error or None,
            "synthesized": self.stats.synthesized,
            "cached": self.stats.cached,
            "captions_vtt_url": urls.get("captions.vtt"),
            "captions_srt_url": urls.get("captions.srt"),
            "chapters_vtt_url": urls.get("chapters.vtt"),
            "captioned_video_url": urls.get("lesson.captioned.mp4"),
        }


def least_frames(probe: SceneProbe, fps: int) -> int:
    """The fewest frames the probed scene can have: a wait may be a still frame, which Manim
    draws rounded down (animations are rounded up). What a hold must cover."""
    total = 0
    for a in probe.animations:
        exact = a.run_time_s * fps
        total += (
            max(0, math.floor(exact + 1e-6))
            if a.kinds == ("Wait",)
            else max(1, math.ceil(exact - 1e-9))
        )
    return total


def _starts(timing: SceneTiming, fps: int) -> list[int]:
    if timing.fps == fps:
        return timing.starts
    return [round(s * fps / timing.fps) for s in timing.starts]


def _title(record: SceneRecord) -> str:
    """A chapter title: the scene's class name in words ("PythagorasProof" -> "Pythagoras
    Proof")."""
    name = record.class_name
    words = "".join(f" {c}" if c.isupper() and i else c for i, c in enumerate(name))
    return words.strip()


def narration_records(texts: Sequence[str | None]) -> list[SceneNarrationRecord | None]:
    return [SceneNarrationRecord(text=t) if t and t.strip() else None for t in texts]
