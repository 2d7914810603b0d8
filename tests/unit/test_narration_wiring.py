"""How narration is wired into the rest: cache keys cover the beats, prompts carry them, the
repair loop sends timing problems back within the layout bound, reports stay as they were for
silent lessons, beats are placed to the frame the helper counted."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from support.anthropic_server import MessagesServer, mentions, tool_use

from cluster.delivery.storage import InvalidKey, object_keys
from cluster.farm.report import LessonReport, SceneReport
from cluster.lessons.narrating import NarrationFailed, Narrator
from cluster.lessons.narration import NarrationConfig, SceneNarration, layout
from cluster.lessons.narration.beats import Beat
from renderers import AnimationInfo, SceneSource
from renderers.audio import LESSON_RATE, silence
from renderers.cache_keys import chunk_key, plan_key, probe_key, scene_fingerprint
from renderers.models import ChunkSpec
from renderers.quality import Quality
from scenes import (
    Claude,
    ClaudeConfig,
    GenerationOptions,
    Lesson,
    ProbeVerdict,
    SceneNarrationRecord,
    SceneRecord,
    SceneTiming,
    SceneWriter,
    beat_durations,
    prompts,
)
from scenes.models import BeatRecord, LessonPlan

CODE = "from manim import *\n\nclass A(Scene):\n    def construct(self):\n        pass\n"


def keys(source: SceneSource) -> tuple[str, str, str]:
    fingerprint = scene_fingerprint(source, "A", ["A"])
    chunk = ChunkSpec("A", 0, 0, 1, 10, Quality.LOW)
    return (
        chunk_key(fingerprint, chunk, "e"),
        probe_key(fingerprint, "A", "e"),
        plan_key(fingerprint, "A", "l", "e"),
    )


def test_beat_durations_and_the_hold_are_in_every_key() -> None:
    silent = keys(SceneSource("a.py", CODE))
    spoken = keys(SceneSource("a.py", CODE, (1.2, 0.8)))
    longer = keys(SceneSource("a.py", CODE, (1.2, 0.9)))
    held = keys(SceneSource("a.py", CODE, (1.2, 0.8), hold_frames=3))
    for i in range(3):
        assert len({silent[i], spoken[i], longer[i], held[i]}) == 4
    assert keys(SceneSource("a.py", CODE, (1.2, 0.8))) == spoken  # stable


def test_a_silent_scene_keeps_its_old_fingerprint() -> None:
    from renderers.cache_keys import _code_fingerprint

    source = SceneSource("a.py", CODE)
    assert scene_fingerprint(source, "A", ["A"]) == _code_fingerprint(source, "A", ["A"])


def plan_of(*names: str) -> LessonPlan:
    scene = {"goal": "g", "narration": "One. Two.", "visual": "v", "duration_s": 3}
    return LessonPlan.model_validate(
        {
            "title": "T",
            "audience": "a",
            "learning_goals": ["x"],
            "scenes": [{"class_name": n, **scene} for n in names],
        }
    )


def test_the_write_prompt_lists_the_beats_and_the_helper() -> None:
    plan = plan_of("Aa", "Bb", "Cc")
    spoken = prompts.write_message(plan, plan.scenes[0], 1, [("One.", 1.234), ("Two.", 0.5)])
    text = spoken["content"]
    assert "beat 0 (1.23 s): One.\nbeat 1 (0.50 s): Two." in text
    assert "with self.voiceover(0) as tracker:" in text and "from voice import" in text
    assert "Target duration: 1.734 seconds." in text
    silent = prompts.write_message(plan, plan.scenes[0], 1)["content"]
    assert "voiceover" not in silent and "Target duration: 3 seconds." in silent


def narrated(record: SceneRecord, *durations: float) -> SceneRecord:
    beats = [BeatRecord(text=f"b{i}", duration_s=d) for i, d in enumerate(durations)]
    record.narration = SceneNarrationRecord(text="x", status="ok", beats=beats)
    return record


class TimingProbe:
    """Reports code containing TOO_LONG as out of step with its voice; records the sources."""

    def __init__(self) -> None:
        self.sources: list[SceneSource] = []

    def __call__(self, items: Sequence[tuple[SceneSource, str]]) -> list[ProbeVerdict]:
        out = []
        for source, _ in items:
            self.sources.append(source)
            timing = SceneTiming(durations_s=list(source.beats), starts=[0, 20], fps=15)
            fix = "Narration timing: beat 0 is too long" if "TOO_LONG" in source.code else ""
            out.append(ProbeVerdict(True, timing=timing, timing_fix=fix))
        return out


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    with MessagesServer() as s:
        yield s


def code(name: str, body: str = "pass") -> dict[str, str]:
    head = f"from manim import *\n\nclass {name}(Scene):\n    def construct(self):\n"
    return {"code": f"{head}        {body}\n"}


def test_timing_problems_go_back_within_the_layout_bound(server: MessagesServer) -> None:
    probe = TimingProbe()
    claude = Claude(ClaudeConfig(api_key="k", base_url=server.base_url, max_retries=0))
    writer = SceneWriter(claude, probe, GenerationOptions(max_layout_fixes=1))
    plan = plan_of("Aa", "Bb", "Cc")
    scenes = [
        narrated(SceneRecord(index=i + 1, plan=p), 1.2, 0.8) for i, p in enumerate(plan.scenes)
    ]
    lesson = Lesson(id="l", prompt="p", plan=plan, scenes=scenes)
    for name in ("Aa", "Cc"):
        server.route(mentions(name), tool_use("write_scene", code(name)))
    slow = tool_use("write_scene", code("Bb", "TOO_LONG = 1"))
    server.route(mentions("Bb"), slow, slow)
    writer.write_all(lesson)
    bb = lesson.scenes[1]
    assert [a.stage for a in bb.attempts] == ["timing", ""]
    assert bb.current is not None and bb.current.timing is not None
    assert bb.current.timing.fix == "Narration timing: beat 0 is too long"  # kept, spoken anyway
    assert lesson.scenes[0].current and lesson.scenes[0].current.timing
    assert lesson.scenes[0].current.timing.fix == ""
    assert all(s.beats == (1.2, 0.8) for s in probe.sources)
    asked = [r for r in server.requests if "timing does not follow" in r.last_user_text()]
    assert len(asked) == 1 and "beat 0 is too long" in asked[0].last_user_text()
    first = next(r for r in server.requests if r.forced_tool == "write_scene").last_user_text()
    assert "beat 0 (1.20 s): b0" in first


def test_a_silent_report_is_unchanged_and_a_narrated_one_says_so() -> None:
    scene = SceneReport("A", 10, 0.667, [])
    silent = LessonReport("l", [scene]).to_json()
    assert "narration" not in silent and "narration" not in silent["scenes"][0]
    scene.narration = {"provider": "espeak-ng", "audio_s": 1.0}
    report = LessonReport("l", [scene], narration={"status": "ok"})
    data = report.to_json()
    assert data["narration"] == {"status": "ok"}
    assert data["scenes"][0]["narration"]["audio_s"] == 1.0


def test_caption_keys_are_versioned_beside_the_video() -> None:
    assert object_keys.lesson_file("l1", 2, "captions.vtt") == "lessons/l1/v2/captions.vtt"
    assert object_keys.content_type("lessons/l1/v2/captions.vtt").startswith("text/vtt")
    assert object_keys.content_type("lessons/l1/v2/captions.srt").startswith("application/x-subrip")
    with pytest.raises(InvalidKey, match="no lesson file"):
        object_keys.lesson_file("l1", 2, "../etc.vtt")


def spoken(*durations: float) -> SceneNarration:
    beats = tuple(
        Beat(i, f"b{i}", silence(round(d * LESSON_RATE), LESSON_RATE))
        for i, d in enumerate(durations)
    )
    return SceneNarration(beats, "t", "t")


def test_the_helpers_frame_counts_place_beats_exactly() -> None:
    # A still wait of 0.3 s is drawn as int(4.5) = 4 frames; the estimate rounds it up to 5.
    animations = [AnimationInfo(0, 1.0), AnimationInfo(1, 0.3, ("Wait",)), AnimationInfo(2, 1.0)]
    narration = spoken(0.9, 0.9)
    estimated = layout(narration, 15, animations, [0, 2])
    exact = layout(narration, 15, animations, [0, 2], mark_frames=[0, 19])
    assert [s.start_frame for s in estimated] == [0, 20]
    assert [s.start_frame for s in exact] == [0, 19]
    assert exact[0].animation_frames == 19


def failing_lesson() -> Lesson:
    plan = plan_of("Aa", "Bb", "Cc")
    scenes = [SceneRecord(index=i + 1, plan=p) for i, p in enumerate(plan.scenes)]
    for record in scenes:
        record.narration = SceneNarrationRecord(text="Hello there.")
    return Lesson(id="l", prompt="p", plan=plan, scenes=scenes)


def test_a_voice_that_fails_leaves_the_lesson_silent_and_says_so() -> None:
    # Not a voice name: the provider refuses it before running anything.
    narrator = Narrator(NarrationConfig(voice="no such voice!"))
    lesson = failing_lesson()
    narrator.start(lesson)
    narrator.speak_all(lesson, lesson.scenes)
    assert lesson.narration is not None and lesson.narration.status == "failed"
    assert "not a voice name" in lesson.narration.error
    for record in lesson.scenes:
        assert record.narration is not None and record.narration.status == "failed"
        assert record.narration.error.startswith("TtsRejected: espeak-ng: not a voice name")
        assert beat_durations(record) == ()  # rendered silent: no beats in its source


def test_a_voice_that_fails_fails_the_lesson_unless_silence_is_allowed() -> None:
    narrator = Narrator(NarrationConfig(voice="no such voice!", allow_silent=False))
    lesson = failing_lesson()
    narrator.start(lesson)
    with pytest.raises(NarrationFailed, match="narration failed for 3 scene"):
        narrator.speak_all(lesson, lesson.scenes)
