"""The repair loop's rules: bounds, what reaches the probe, what Claude is told, failures alone.

Claude is the real SDK against the local Messages-API server; the probe is the injected
callable scenes/ is given (the farm's sandboxed probe in production, tested end to end in
tests/integration/test_lessons.py), here a small function judging code by its content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest
from support.anthropic_server import (
    MessagesServer,
    forced_tool,
    malformed_tool_use,
    mentions,
    overloaded,
    tool_use,
)

from renderers import SceneSource
from scenes import (
    AttemptKind,
    Claude,
    ClaudeConfig,
    GenerationOptions,
    Lesson,
    MalformedReply,
    ProbeVerdict,
    SceneFailed,
    SceneRecord,
    SceneStatus,
    SceneWriter,
)


def code(name: str, body: str = "self.play(FadeIn(Dot()))") -> dict[str, str]:
    head = f"from manim import *\n\nclass {name}(Scene):\n    def construct(self):\n"
    return {"code": f"{head}        {body}\n"}


def plan(*names: str) -> dict[str, object]:
    scene = {"goal": "g", "narration": "n", "visual": "v", "duration_s": 3}
    return {
        "title": "T",
        "audience": "a",
        "learning_goals": ["x"],
        "scenes": [{"class_name": n, **scene} for n in names],
    }


class Probe:
    """Fails code containing BROKEN, reports LAYOUT code as overflowing; records what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, items: Sequence[tuple[SceneSource, str]]) -> list[ProbeVerdict]:
        verdicts = []
        for source, _ in items:
            self.seen.append(source.code)
            if "BROKEN" in source.code:
                verdicts.append(ProbeVerdict(False, "NameError: name 'BROKEN' is not defined", 5))
            elif "LAYOUT" in source.code:
                verdicts.append(ProbeVerdict(True, layout=("Text 'x' is cut off at the right",)))
            else:
                verdicts.append(ProbeVerdict(True))
        return verdicts


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    with MessagesServer() as s:
        yield s


def writer(server: MessagesServer, probe: Probe, **options: int) -> SceneWriter:
    claude = Claude(ClaudeConfig(api_key="k", base_url=server.base_url, max_retries=0))
    return SceneWriter(claude, probe, GenerationOptions(**options))  # type: ignore[arg-type]


def planned(server: MessagesServer, w: SceneWriter, *names: str) -> Lesson:
    server.route(forced_tool("plan_lesson"), tool_use("plan_lesson", plan(*names)))
    lesson_plan, _ = w.plan("teach")
    scenes = [SceneRecord(index=i + 1, plan=p) for i, p in enumerate(lesson_plan.scenes)]
    return Lesson(id="l", prompt="teach", plan=lesson_plan, scenes=scenes)


def test_a_scene_that_never_works_fails_after_the_bound_and_alone(server: MessagesServer) -> None:
    probe = Probe()
    w = writer(server, probe, max_fixes=2)
    lesson = planned(server, w, "Good", "Bad", "Fine")
    server.route(mentions("Good"), tool_use("write_scene", code("Good")))
    server.route(mentions("Fine"), tool_use("write_scene", code("Fine")))
    broken = tool_use("write_scene", code("Bad", "BROKEN()"))
    server.route(mentions("Bad"), broken, broken, broken)
    w.write_all(lesson)
    good, bad, fine = lesson.scenes
    assert bad.status is SceneStatus.FAILED and "after 2 fixes" in bad.error
    assert [a.kind for a in bad.attempts] == [AttemptKind.WRITE, AttemptKind.FIX, AttemptKind.FIX]
    assert all(a.stage == "probe" and a.line == 5 for a in bad.attempts)
    assert good.current is not None and fine.current is not None and bad.current is None
    assert server.unmatched == [] and server.pending() == []
    fixes = [r for r in server.requests if "The code for Bad failed" in r.last_user_text()]
    assert len(fixes) == 2 and "BROKEN()" in fixes[0].last_user_text()  # the failing line


def test_static_rejections_never_reach_the_probe(server: MessagesServer) -> None:
    probe = Probe()
    w = writer(server, probe)
    lesson = planned(server, w, "Aa", "Bb", "Cc")
    for name in ("Aa", "Cc"):
        server.route(mentions(name), tool_use("write_scene", code(name)))
    server.route(
        mentions("Bb"),
        tool_use("write_scene", {"code": "import os\n" + code("Bb")["code"]}),
        tool_use("write_scene", code("Bb")),
    )
    w.write_all(lesson)
    assert not any("import os" in seen for seen in probe.seen)
    assert lesson.scenes[1].attempts[0].stage == "static"
    assert lesson.scenes[1].current is not None


def test_layout_fixes_are_bounded_then_the_scene_is_kept_with_warnings(
    server: MessagesServer,
) -> None:
    w = writer(server, Probe(), max_layout_fixes=1)
    lesson = planned(server, w, "Aa", "Bb", "Cc")
    for name in ("Aa", "Cc"):
        server.route(mentions(name), tool_use("write_scene", code(name)))
    wide = tool_use("write_scene", code("Bb", "LAYOUT = 1"))
    server.route(mentions("Bb"), wide, wide)
    w.write_all(lesson)
    scene = lesson.scenes[1]
    assert [a.stage for a in scene.attempts] == ["layout", ""]
    assert scene.current is not None and scene.current.layout_warnings == [
        "Text 'x' is cut off at the right"
    ]


def test_claude_failing_for_one_scene_fails_that_scene_only(server: MessagesServer) -> None:
    w = writer(server, Probe())
    lesson = planned(server, w, "Aa", "Bb", "Cc")
    for name in ("Aa", "Cc"):
        server.route(mentions(name), tool_use("write_scene", code(name)))
    server.route(mentions("Bb"), overloaded())
    w.write_all(lesson)
    assert lesson.scenes[1].status is SceneStatus.FAILED
    assert "529" in lesson.scenes[1].error
    assert lesson.scenes[0].current is not None and lesson.scenes[2].current is not None


def test_a_plan_malformed_twice_is_a_clear_failure(server: MessagesServer) -> None:
    w = writer(server, Probe())
    bad = malformed_tool_use("plan_lesson", {"title": "T", "scenes": []})
    server.route(forced_tool("plan_lesson"), bad, bad)
    with pytest.raises(MalformedReply, match="scenes"):
        w.plan("teach")
    assert len(server.requests) == 2


def test_a_plan_with_the_wrong_scene_count_is_asked_for_again(server: MessagesServer) -> None:
    w = writer(server, Probe(), scenes=4)
    server.route(
        forced_tool("plan_lesson"),
        tool_use("plan_lesson", plan("Aa", "Bb", "Cc")),
        tool_use("plan_lesson", plan("Aa", "Bb", "Cc", "Dd")),
    )
    lesson_plan, usage = w.plan("teach")
    assert len(lesson_plan.scenes) == 4 and usage.calls == 2
    assert "exactly 4 were asked" in server.requests[-1].last_user_text()
    assert "exactly 4 scenes" in server.requests[0].last_user_text()


def test_replace_runs_the_clients_code_without_claude(server: MessagesServer) -> None:
    probe = Probe()
    w = writer(server, probe)
    lesson = planned(server, w, "Aa", "Bb", "Cc")
    version = w.replace(lesson, 2, code("Mine")["code"])
    assert version.class_name == "Mine" and version.origin is AttemptKind.REPLACE
    assert lesson.scenes[1].current == version
    with pytest.raises(SceneFailed, match=r"scene 2 \(Broken\).*NameError"):
        w.replace(lesson, 2, code("Broken", "BROKEN()")["code"])
    assert lesson.scenes[1].current == version  # a failed replacement keeps the version
    with pytest.raises(SceneFailed, match="Mine is already scene 2's class"):
        w.replace(lesson, 3, code("Mine")["code"])
    assert len(server.requests) == 1  # the plan only


def test_editing_sends_the_current_code_and_makes_version_two(server: MessagesServer) -> None:
    w = writer(server, Probe())
    lesson = planned(server, w, "Aa", "Bb", "Cc")
    w.replace(lesson, 1, code("Aa", "self.play(Create(Square()))")["code"])
    server.route(mentions("bigger"), tool_use("write_scene", code("Aa", "self.wait(2)")))
    version = w.edit(lesson, 1, "make it bigger")
    assert version.number == 2 and version.instruction == "make it bigger"
    assert "Square()" in server.requests[-1].last_user_text()
    assert [v.number for v in lesson.scenes[0].versions] == [1, 2]
