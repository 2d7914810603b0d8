"""Static checks of web scene code (scenes/web_checks.py), with the real esbuild transform."""

from __future__ import annotations

import pytest

from scenes import check_scene, scene_class_of
from scenes.errors import StaticCheckError

GOOD = """import React from "react";
import {AbsoluteFill, Composition, interpolate, random} from "remotion";
import {registerRoot, useCurrentFrame} from "remotion";
import {TransitionSeries} from "@remotion/transitions";
import {fade} from "@remotion/transitions/fade";

// Math.random in a comment is fine: esbuild drops comments before the check
const Intro: React.FC = () => {
  const frame = useCurrentFrame();
  const opacity = interpolate(frame, [0, 20], [0, 1], {extrapolateRight: "clamp"});
  const jitter = random(`dot-${frame}`);
  return <AbsoluteFill style={{opacity, background: "white"}}>{jitter.toFixed(2)}</AbsoluteFill>;
};

registerRoot(() => (
  <Composition id="Intro" component={Intro} durationInFrames={60} fps={30}
    width={1280} height={720} />
));
"""


def problems(code: str, name: str = "Intro") -> list[str]:
    with pytest.raises(StaticCheckError) as caught:
        check_scene(code, name, "web")
    return caught.value.problems


def test_a_good_scene_passes_and_names_its_composition() -> None:
    check_scene(GOOD, "Intro", "web")
    assert scene_class_of(GOOD, "web") == "Intro"


def test_a_syntax_error_is_reported_with_its_line() -> None:
    broken = GOOD.replace("return <AbsoluteFill", "return <<AbsoluteFill")
    found = problems(broken)
    assert len(found) == 1 and found[0].startswith("line 12: SyntaxError")


def test_the_composition_must_be_the_planned_one_and_alone() -> None:
    assert any('id="Outro"' in p for p in problems(GOOD, "Outro"))
    two = GOOD.replace("));\n", '));\nconst X = <Composition id="B" component={Intro} />;\n')
    assert any("exactly one" in p for p in problems(two))
    assert scene_class_of(two, "web") is None
    no_root = GOOD.replace("registerRoot(() =>", "const root = (() =>")
    assert any("registerRoot" in p for p in problems(no_root))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('import fs from "fs";\nfs.readFileSync("/etc/passwd");', "'fs' is not allowed"),
        (
            'import {ThreeCanvas} from "@remotion/three";\nconst c = ThreeCanvas;',
            "'@remotion/three'",
        ),
        ("const n = [`child_process`][0];\nconst m = require(n);", "computed module name"),
        ('const m = import("https://example.test/x.js");', "dynamic import()"),
        ("const t = Date.now();", "Date.now"),
        ("const r = Math.random();", "Math.random"),
        ("const p = performance.now();", "performance.now"),
        ('const s = {transition: "opacity 1s"};', "CSS transitions"),
        ("const s = {animationName: 'spin'};", "CSS transitions"),
        ('const css = "div { animation: spin 1s infinite; }";', "CSS transitions"),
        ('const css = "@keyframes spin { to { opacity: 0 } }";', "CSS transitions"),
    ],
)
def test_refused(line: str, expected: str) -> None:
    found = problems(GOOD.replace("// Math.random in a comment", line + "\n//"))
    assert any(expected in p for p in found), found


def test_transition_series_is_not_a_css_transition() -> None:
    code = GOOD.replace(
        "const jitter",
        "const s = <TransitionSeries><TransitionSeries.Sequence durationInFrames={9}>x"
        "</TransitionSeries.Sequence></TransitionSeries>;\n  const jitter",
    )
    check_scene(code, "Intro", "web")


def test_an_unused_import_is_dropped_by_the_transform_and_never_loaded() -> None:
    check_scene('import fs from "fs";\n' + GOOD, "Intro", "web")


def test_python_scenes_are_checked_as_before() -> None:
    with pytest.raises(StaticCheckError):
        check_scene(GOOD, "Intro")
    assert scene_class_of(GOOD) is None
