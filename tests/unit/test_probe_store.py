"""Probes as the coordinator stores them: animations, build times and TeX, old entries too."""

from __future__ import annotations

from cluster.farm.probe_codec import probe_from_json, probe_to_json
from renderers import AnimationInfo, SceneProbe
from renderers.manim_renderer import _tex


def test_a_probe_survives_the_store_whole() -> None:
    probe = SceneProbe(
        "Intro",
        (AnimationInfo(0, 1.5, ("Write",), 0.25), AnimationInfo(1, 0.5, ("Wait",), 0.01)),
        tex=(("0123456789abcdef.svg", "<svg>a</svg>"),),
    )
    assert probe_from_json("Intro", probe_to_json(probe)) == probe


def test_a_probe_stored_before_build_times_and_tex_still_reads() -> None:
    old = [[1.5, ["Write"]], [0.5, ["Wait"]]]
    probe = probe_from_json("Intro", old)
    assert [(a.run_time_s, a.kinds, a.build_s) for a in probe.animations] == [
        (1.5, ("Write",), 0.0),
        (0.5, ("Wait",), 0.0),
    ]
    assert probe.tex == ()


def test_only_manim_named_svgs_are_taken_from_a_probe() -> None:
    raw = {
        "0123456789abcdef.svg": "<svg/>",
        "../0123456789abcdef.svg": "<svg/>",
        "0123456789ABCDEF.svg": "<svg/>",
        "fedcba9876543210.svg": 7,
    }
    assert _tex(raw) == (("0123456789abcdef.svg", "<svg/>"),)
    assert _tex(["not", "a", "dict"]) == ()


def test_a_probe_reporting_too_many_animations_fails_its_scene() -> None:
    """Planning and storing a probe stay bounded, whatever a sandbox reports."""
    from renderers.errors import SceneCodeError
    from renderers.manim_renderer import MAX_ANIMATIONS, _probe

    fine = _probe("S", {"animations": [[1.0, ["Wait"]]] * MAX_ANIMATIONS})
    assert len(fine.animations) == MAX_ANIMATIONS
    try:
        _probe("S", {"animations": [[1.0, ["Wait"]]] * (MAX_ANIMATIONS + 1)})
    except SceneCodeError as e:
        assert (e.kind, e.status) == ("TooManyAnimations", "output_rejected")
    else:
        raise AssertionError("a probe past the cap was accepted")
