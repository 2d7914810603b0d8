"""Two owners against each other: the same scene code from another owner is never served from
the first owner's cache, and neither sees the other's lesson; the first owner's own resubmit is
(so the cache works, and the owner is what keeps the entries apart)."""

from __future__ import annotations

import uuid
from typing import Any

from support.lessons import code_scene

from .conftest import ApiServer, Key


def _cached(version: dict[str, Any]) -> list[bool]:
    cached = [c["cached"] for s in version["report"]["scenes"] for c in s["chunks"]]
    assert cached, version  # a report with no chunks would prove nothing
    return cached


def _render(api: ApiServer, key: Key, scene: dict[str, str]) -> dict[str, Any]:
    lesson_id = api.create(key, {"scenes": [scene]})
    done = api.wait_job(key, lesson_id, 1)
    assert done["status"] == "ready", done
    return done


def test_one_owners_cache_never_serves_another(api: ApiServer, alice: Key, bob: Key) -> None:
    scene = code_scene("Shared", "        self.wait(0.4)\n", uuid.uuid4().hex)
    first = _render(api, alice, scene)
    assert not any(_cached(first["versions"][-1]))  # new to everyone: rendered
    again = _render(api, alice, scene)
    assert all(_cached(again["versions"][-1]))  # alice's own entries serve alice
    other = _render(api, bob, scene)
    assert not any(_cached(other["versions"][-1]))  # the same code, bob's: rendered for bob
    assert api.call("GET", f"/v1/lessons/{first['id']}", bob).status_code == 404
    assert api.call("GET", f"/v1/lessons/{other['id']}", alice).status_code == 404
