"""What clients see of internal errors and reports: no Ray internals, no host paths."""

from __future__ import annotations

from api.redact import WORKER_LOST, public_data, public_text


def test_ray_failures_become_one_plain_sentence() -> None:
    raw = (
        "internal error: RayTaskError(ActorUnavailableError): \x1b[36mray::Worker.probe()\x1b[39m"
        " (pid=4242, ip=10.1.2.3, actor_id=9f8e7d6c5b4a39281706f5e4d3c2b1a0f1e2d3c4)"
    )
    shown = public_text(raw)
    assert shown == f"internal error: {WORKER_LOST}"
    assert public_text("ActorDiedError: the actor died") == WORKER_LOST


def test_scene_errors_keep_their_meaning_without_addresses_or_paths() -> None:
    assert public_text("ZeroDivisionError: division by zero (line 7)") == (
        "ZeroDivisionError: division by zero (line 7)"
    )
    shown = public_text("could not reach 192.0.2.7:6379 writing /srv/farm/data/chunks/a.mp4")
    assert shown == "could not reach <address> writing a.mp4"
    assert public_text("see https://example.com/docs/a/b") == "see https://example.com/docs/a/b"


def test_reports_lose_host_paths_and_keep_the_rest() -> None:
    report = {
        "video": "/tmp/scenefarm/lessons/lesson-0123456789ab/v1/lesson.mp4",
        "scenes": [{"name": "Intro", "chunks": [{"first": 0, "cached": True}], "key": "ab" * 32}],
        "totals": {"wall_s": 1.5},
    }
    shown = public_data(report)
    assert shown["video"] == "lesson.mp4"
    assert shown["scenes"] == report["scenes"] and shown["totals"] == report["totals"]
