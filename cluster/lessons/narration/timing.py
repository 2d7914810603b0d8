"""Beats placed on the scene's frames, checked against its probe, and turned into its audio
track and its caption cues.

Where each beat starts: at the frame of its first animation when the scene's code marked its
beats (the sandbox helper `renderers.guest.voice` records, for beat i, the number of the first
animation played inside `with self.voiceover(i)`); otherwise back to back, with a short gap.
A beat never starts before the previous one has finished speaking.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from cluster.lessons.narration.beats import SceneNarration
from renderers.audio import LESSON_RATE, Pcm, frame_samples, place
from renderers.models import AnimationInfo
from renderers.subtitles import Cue


@dataclass(frozen=True)
class Slot:
    """Beat `index` on the scene's timeline, in frames of the scene's video."""

    index: int
    text: str
    start_frame: int
    audio_frames: int  # frames its voice lasts (rounded up)
    animation_frames: int | None  # frames of the animations it marked; None: not marked


@dataclass(frozen=True)
class TimingVerdict:
    slots: tuple[Slot, ...]
    hold_frames: int  # the scene's last frame held this long, so its voice can finish
    fix_request: str | None  # sent back to the writer, like a layout problem


def animation_frames(animation: AnimationInfo, fps: int) -> int:
    """Frames Manim draws for one play or wait (the probe's own estimate)."""
    return max(1, math.ceil(animation.run_time_s * fps - 1e-9))


def layout(
    narration: SceneNarration,
    fps: int,
    animations: Sequence[AnimationInfo] = (),
    marks: Sequence[int | None] | None = None,
    gap_s: float = 0.25,
    mark_frames: Sequence[int | None] | None = None,
) -> tuple[Slot, ...]:
    """Each beat's start frame: at its marked animation (`marks[i]`, the number of the first
    animation of beat i, as `renderers.guest.voice.marks()` gives them), else after the
    previous beat with a gap of `gap_s`.

    `mark_frames` (`voice.mark_frames()`, counted by the helper as Manim draws them, at this
    `fps`) places marked beats to the frame; without them each animation's frames are
    estimated (rounded up, where Manim draws a still wait's rounded down)."""
    if marks is not None:
        _check_marks(marks, len(narration.beats), len(animations))
    starts = [0]
    for a in animations:
        starts.append(starts[-1] + animation_frames(a, fps))
    if marks is not None and mark_frames is not None:
        starts = _exact_starts(starts, marks, mark_frames)
    gap = round(gap_s * fps)
    slots: list[Slot] = []
    free = 0  # the first frame after the previous beat's voice
    for beat in narration.beats:
        audio = math.ceil(beat.duration_s * fps - 1e-9)
        mark = marks[beat.index] if marks is not None else None
        marked = _marked_frames(marks, starts, beat.index)
        if mark is not None:
            wanted = starts[min(mark, len(starts) - 1)]
        else:
            wanted = free + (gap if beat.index > 0 else 0)
        start = max(wanted, free)
        slots.append(Slot(beat.index, beat.text, start, audio, marked))
        free = start + audio
    return tuple(slots)


def _exact_starts(
    starts: list[int], marks: Sequence[int | None], mark_frames: Sequence[int | None]
) -> list[int]:
    """Each animation's start frame: a marked one's as the helper counted it (exact: every
    frame before it was counted), the others estimated from the last exact one before them."""
    if len(mark_frames) != len(marks) or any(
        (m is None) != (f is None) for m, f in zip(marks, mark_frames, strict=True)
    ):
        raise MarksError(f"beat frames {list(mark_frames)} do not match marks {list(marks)}")
    fixed: dict[int, int] = {}
    for mark, frame in zip(marks, mark_frames, strict=True):
        if mark is not None and frame is not None:
            if type(frame) is not int or frame < 0:
                raise MarksError(f"beat frames out of range: {list(mark_frames)}")
            fixed[mark] = frame
    exact = [0] * len(starts)
    for k in range(len(starts)):
        estimated = exact[k - 1] + starts[k] - starts[k - 1] if k else 0
        exact[k] = fixed.get(k, estimated)
    if any(b < a for a, b in zip(fixed.values(), list(fixed.values())[1:], strict=False)):
        raise MarksError(f"beat frames out of order: {list(mark_frames)}")
    return exact


class MarksError(ValueError):
    """Beat marks a probe returned that cannot place the beats: the scene entered its
    voiceover blocks out of order, or the marks are not the helper's (they come from the
    sandbox, so they are checked like any output of scene code)."""


def _check_marks(marks: Sequence[int | None], beats: int, animations: int) -> None:
    if len(marks) != beats:
        raise MarksError(f"{len(marks)} beat marks for {beats} beats")
    given = [m for m in marks if m is not None]
    if any(type(m) is not int or not 0 <= m <= animations for m in given):
        raise MarksError(f"beat marks out of range 0..{animations}: {list(marks)}")
    if given != sorted(given):
        raise MarksError(f"the voiceover blocks were entered out of order: {list(marks)}")


def _marked_frames(marks: Sequence[int | None] | None, starts: list[int], i: int) -> int | None:
    """Frames of beat i's animations: from its mark to the next beat's mark (or the end)."""
    first = marks[i] if marks is not None else None
    if marks is None or first is None:
        return None
    last = len(starts) - 1
    later = [m for m in marks[i + 1 :] if m is not None]
    end = min(later[0], last) if later else last
    return starts[end] - starts[min(first, last)]


def check(
    slots: Sequence[Slot], scene_frames: int, fps: int, max_silence_s: float = 2.0
) -> TimingVerdict:
    """Does every beat's animation last as long as its voice?

    Too short, on the last beat: the scene is held on its last frame until the voice ends.
    Too short on an earlier beat (its voice would run into the next beat's), or a beat whose
    animations outlast its voice by more than `max_silence_s`: a fix request.
    """
    problems = [p for s in slots[:-1] if (p := _too_short(s, fps))]
    problems += [p for s in slots if (p := _too_long(s, fps, max_silence_s))]
    end = max((s.start_frame + s.audio_frames for s in slots), default=0)
    hold = max(0, end - scene_frames)
    if slots and slots[-1].animation_frames is None and hold == 0:
        silent = (scene_frames - end) / fps
        if silent > max_silence_s:
            problems.append(_unmarked_too_long(scene_frames / fps, end / fps))
    fix = _fix_request(problems) if problems else None
    return TimingVerdict(tuple(slots), hold, fix)


def _too_short(slot: Slot, fps: int) -> str | None:
    marked = slot.animation_frames
    if marked is None or marked + 1 >= slot.audio_frames:
        return None
    return (
        f"beat {slot.index} ({_quote(slot.text)}): its animations last {marked / fps:.2f} s "
        f"but its narration {slot.audio_frames / fps:.2f} s, so the narration runs into the "
        f"next beat; make them last at least {slot.audio_frames / fps:.2f} s"
    )


def _too_long(slot: Slot, fps: int, max_silence_s: float) -> str | None:
    marked = slot.animation_frames
    if marked is None or (marked - slot.audio_frames) / fps <= max_silence_s:
        return None
    return (
        f"beat {slot.index} ({_quote(slot.text)}): its animations last {marked / fps:.2f} s "
        f"but its narration only {slot.audio_frames / fps:.2f} s; shorten them to about "
        f"{slot.audio_frames / fps:.2f} s"
    )


def _unmarked_too_long(video_s: float, voice_s: float) -> str:
    return (
        f"the scene lasts {video_s:.2f} s but its narration only {voice_s:.2f} s; "
        f"shorten its animations to about {voice_s:.2f} s"
    )


def _fix_request(problems: list[str]) -> str:
    helper = "with self.voiceover(i) as tracker: self.play(..., run_time=tracker.duration)"
    lines = "\n".join(f"- {p}" for p in problems)
    return f"Narration timing: the animations do not follow the voice.\n{lines}\nUse `{helper}`."


def _quote(text: str, limit: int = 48) -> str:
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def scene_track(
    narration: SceneNarration, slots: Sequence[Slot], video_frames: int, fps: int
) -> Pcm:
    """The scene's audio: each beat at its start frame, exactly `video_frames` long."""
    clips = [(frame_samples(s.start_frame, fps), narration.beats[s.index].audio) for s in slots]
    return place(clips, frame_samples(video_frames, fps), LESSON_RATE)


def cues(narration: SceneNarration, slots: Sequence[Slot], fps: int) -> tuple[Cue, ...]:
    """Caption cues of one scene, in seconds from the scene's start."""
    out = []
    for s in slots:
        start = Fraction(s.start_frame, fps)
        end = start + Fraction(narration.beats[s.index].audio.samples, LESSON_RATE)
        out.append(Cue(start, end, s.text))
    return tuple(out)
