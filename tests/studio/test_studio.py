"""The web studio in a real browser (headless Chromium via Selenium) against `scenefarm serve`
on the embedded defaults: redis-server, the local Ray cluster, bwrap sandboxes, ffmpeg; Claude
is the scripted Messages-API server."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from integration.api.conftest import ApiServer, Key, parse_sse
from integration.conftest import CLI
from support.anthropic_server import MessagesServer, mentions, tool_use
from support.lessons import code_scene, plan_input

from .browser import Studio

pytestmark = pytest.mark.integration

# Scenes long enough (1 s each) that a playing video's time is seen advancing.
CIRCLE = "        self.play(Create(Circle(color=BLUE)), run_time=1)\n"
SQUARE = "        self.play(FadeIn(Square()), run_time=1)\n"
DOT = "        self.play(GrowFromCenter(Dot()), run_time=1)\n"
STAR = "        self.play(FadeIn(Star(color=YELLOW)), run_time=1)\n"


def _plan_for(prompt: str) -> Any:
    def predicate(ex: Any) -> bool:
        return bool(ex.forced_tool == "plan_lesson" and prompt in ex.last_user_text())

    return predicate


def _asks_about(prompt: str) -> Any:
    def predicate(ex: Any) -> bool:
        return bool(ex.forced_tool == "ask_clarifying_questions" and prompt in ex.last_user_text())

    return predicate


def _lesson_id(studio: Studio) -> str:
    path = studio.path.split("?")[0]
    assert path.startswith("/studio/lessons/lesson-"), path
    return path.rsplit("/", 1)[1]


def _quality_checks(studio: Studio) -> None:
    assert studio.errors_in_console() == []
    assert studio.foreign_assets() == []  # no CDN: every script, style, image and video is ours
    assert studio.axe_violations() == []


def test_a_lesson_from_code_renders_live_and_plays(
    browser: Callable[[], Studio], alice: Key, server: ApiServer
) -> None:
    studio = browser()
    studio.sign_in(alice.key)
    studio.open("/studio/lessons/new")
    _quality_checks(studio)
    studio.fill("#code-1", "print('not a scene')")
    studio.submit("Render these scenes")
    studio.wait(lambda: studio.all("#code-1-error"), what="the error at the field")
    assert "Scene subclass" in studio.text("#code-1-error")
    assert studio.find("#code-1").get_attribute("aria-invalid") == "true"
    # the one console error so far is the page's own 422 (the form answered with its errors)
    assert [e for e in studio.errors_in_console() if "status of 422" not in e] == []
    studio.console.clear()

    nonce = uuid.uuid4().hex[:8]
    studio.fill("#code-1", code_scene("StudioOne", CIRCLE, nonce)["code"])
    studio.fill("#code-2", code_scene("StudioTwo", SQUARE, nonce)["code"])
    studio.submit("Render these scenes")
    studio.wait(lambda: studio.path.startswith("/studio/lessons/lesson-"), what="the lesson page")
    lesson_id = _lesson_id(studio)
    assert studio.find("#live").get_attribute("data-running") == "true"
    studio.js("window.notReloaded = true;")  # gone if the page reloads instead of updating live

    studio.wait(lambda: studio.lesson_status() == "ready", timeout_s=240, what="ready")
    assert studio.js("return window.notReloaded === true;")
    assert [s.get_attribute("data-status") for s in studio.all(".scene")] == ["ready", "ready"]
    assert float(studio.text("#render-seconds").split()[0]) > 0
    studio.assert_video_plays(version=1)
    chapters = studio.wait(lambda: studio.cues("chapters"), what="the chapters track")
    assert chapters == ["1. StudioOne", "2. StudioTwo"]
    assert len(studio.all(".chapter img")) == 2  # each scene's poster
    download = studio.find("a[download]").get_attribute("href")
    got = requests.get(download, cookies=studio.session().cookies, timeout=30)
    assert got.status_code == 200 and got.headers["content-type"] == "video/mp4"
    assert "attachment" in got.headers["content-disposition"]
    _quality_checks(studio)
    studio.driver.set_window_size(390, 844)  # a phone: one column, nothing wider than it
    studio.wait(studio.fits_the_screen, what="the page to fit a phone's width")
    studio.driver.set_window_size(1280, 900)

    studio.open("/studio/lessons")
    row = studio.find(f'[data-lesson="{lesson_id}"]')
    assert "StudioOne, StudioTwo" in row.text and "1 version" in row.text
    assert row.find_element("css selector", "img").get_attribute("naturalWidth") != "0"
    _quality_checks(studio)
    _events_resume_without_repeats(studio, server, lesson_id)


def _events_resume_without_repeats(studio: Studio, server: ApiServer, lesson_id: str) -> None:
    """The studio's event stream (cookie, not API key) resumes after Last-Event-ID."""
    http, url = studio.session(), f"{server.url}/studio/lessons/{lesson_id}/events"
    first = list(parse_sse(http.get(url, stream=True, timeout=60).iter_lines(decode_unicode=True)))
    assert first[-1]["event"] == "job_done"
    middle = first[len(first) // 2]["id"]
    again = http.get(url, headers={"Last-Event-ID": middle}, stream=True, timeout=60)
    assert list(parse_sse(again.iter_lines(decode_unicode=True))) == first[len(first) // 2 + 1 :]


@pytest.fixture
def prompt_lesson(claude: MessagesServer) -> tuple[str, list[str]]:
    prompt = f"Teach shapes in the studio {uuid.uuid4().hex[:8]}"
    names = ["StudioAlpha", "StudioBeta", "StudioGamma"]
    asked = {"questions": ["How deep should it go?", "What should it emphasise?"]}
    claude.route(_asks_about(prompt), tool_use("ask_clarifying_questions", asked))
    claude.route(_plan_for(prompt), tool_use("plan_lesson", plan_input(names, "Studio shapes")))
    for name, body in zip(names, (CIRCLE, SQUARE, DOT), strict=True):
        claude.route(mentions(name), tool_use("write_scene", code_scene(name, body, prompt)))
    return prompt, names


def test_a_prompt_lesson_then_an_edit_of_scene_two(
    browser: Callable[[], Studio],
    alice: Key,
    claude: MessagesServer,
    prompt_lesson: tuple[str, list[str]],
) -> None:
    prompt, names = prompt_lesson
    studio = browser()
    studio.sign_in(alice.key)
    studio.open("/studio/lessons/new")
    studio.fill("#prompt", prompt)
    studio.fill("#audience", "children")
    studio.fill("#max_scenes", "3")
    studio.submit("Continue")
    # Claude's clarifying questions: answer one, leave the other blank
    studio.wait(lambda: studio.all("#a-2"), what="the clarifying questions")
    assert studio.text("label[for=a-1]") == "How deep should it go?"
    assert studio.axe_violations() == []
    studio.find("#a-1").send_keys("just name the shapes")
    studio.submit("Make the lesson")
    studio.wait(lambda: studio.path.startswith("/studio/lessons/lesson-"), what="the lesson page")
    lesson_id = _lesson_id(studio)
    studio.wait(lambda: studio.lesson_status() == "ready", timeout_s=240, what="ready")
    assert "Studio shapes" in studio.text("#live .plan")
    planned = next(ex for ex in claude.requests if _plan_for(prompt)(ex))
    assert "How deep should it go? just name the shapes" in planned.last_user_text()
    assert "What should it emphasise?" not in planned.last_user_text()  # unanswered
    assert "see StudioBeta" in studio.text("#scene-2")  # each scene's goal from the plan
    assert int(studio.text("#tokens").split()[0]) > 0
    studio.assert_video_plays(version=1)

    instruction = f"make it a yellow star {lesson_id}"
    claude.route(mentions(instruction), tool_use("write_scene", code_scene(names[1], STAR)))
    studio.find("#instruction-2").send_keys(instruction)
    studio.js("window.beforeEdit = true;")
    studio.find("#scene-2 button[type=submit]").click()
    studio.wait(lambda: studio.js("return window.beforeEdit === undefined;"), what="a new page")
    # while the edit runs, version 1 stays in the player and plays
    assert studio.find("#live").get_attribute("data-running") == "true"
    studio.assert_video_plays(version=1)

    studio.wait(lambda: studio.video_state()["version"] == "2", timeout_s=240, what="v2 appears")
    studio.wait(lambda: studio.lesson_status() == "ready", what="the edit's job to end")
    studio.assert_video_plays(version=2)
    change = studio.text('.versions [data-version="2"]')
    assert f"Scene 2 ({names[1]}) edited by instruction" in change and instruction in change
    studio.find('.versions [data-version="1"] a').click()
    studio.assert_video_plays(version=1)
    assert studio.errors_in_console() == []

    studio.find("#scene-2 a.button").click()  # the code view shows the edited code
    studio.wait(lambda: studio.path.endswith("/scenes/2/code"), what="the code view")
    assert "Star(color=YELLOW)" in str(studio.find("#code").get_attribute("value"))
    assert studio.axe_violations() == []
    studio.fill("#code", "import os")
    studio.submit("Replace scene 2 and render")
    studio.wait(lambda: studio.all("#code-error"), what="the error at the code field")
    assert "Scene subclass" in studio.text("#code-error")


def test_another_owner_cannot_see_it_and_sign_out_ends_the_session(
    browser: Callable[[], Studio], alice: Key, bob: Key, server: ApiServer
) -> None:
    lesson_id = server.create(alice, {"scenes": [code_scene("AlicesOwn", DOT)]})
    studio = browser()
    studio.driver.set_window_size(390, 844)  # a phone
    studio.open("/studio/sign-in")
    assert studio.fits_the_screen() and studio.axe_violations() == []
    studio.sign_in(bob.key)
    assert studio.fits_the_screen() and studio.axe_violations() == []
    assert not studio.all(f'[data-lesson="{lesson_id}"]')
    studio.open(f"/studio/lessons/{lesson_id}")
    assert studio.text("h1") == "Not found"
    http = studio.session()
    for part in ("", "/video", "/events", "/chapters.vtt"):
        got = http.get(f"{server.url}/studio/lessons/{lesson_id}{part}", timeout=30)
        assert got.status_code == 404, part

    studio.open("/studio/lessons")
    studio.find("nav button[type=submit]").click()  # Sign out
    studio.wait(lambda: studio.path.startswith("/studio/sign-in"), what="the sign-in page")
    assert "You are signed out" in studio.text("main")
    studio.open("/studio/lessons")
    assert studio.path == "/studio/sign-in"
    assert (
        http.get(f"{server.url}/studio/lessons", timeout=30, allow_redirects=False).status_code
        == 303
    )
    server.wait_job(alice, lesson_id, 1)


def test_a_revoked_key_ends_its_session_with_a_clear_page(
    browser: Callable[[], Studio], server: ApiServer
) -> None:
    carol = server.key(f"carol-{uuid.uuid4().hex[:6]}")
    studio = browser()
    studio.sign_in(carol.key)
    revoke = [CLI, "keys", "revoke", carol.key_id]
    subprocess.run(revoke, env=server.env(), capture_output=True, timeout=60, check=True)
    studio.open("/studio/lessons")
    assert "no longer works" in studio.text("h1")
    studio.open("/studio/lessons")  # the session is gone with the key: sign in again
    assert studio.path == "/studio/sign-in?notice=expired"


def test_forms_need_the_session_csrf_token_and_cookies_are_strict(
    alice: Key, server: ApiServer
) -> None:
    http = requests.Session()
    sign_in = http.get(f"{server.url}/studio/sign-in", timeout=30)
    token = sign_in.text.split('name="csrf" value="')[1].split('"')[0]
    refused = requests.post(
        f"{server.url}/studio/sign-in", data={"key": alice.key, "csrf": token}, timeout=30
    )
    assert refused.status_code == 403  # no double-submit cookie: a cross-site form
    url = f"{server.url}/studio/sign-in"
    bad = http.post(url, data={"key": "sf_nope", "csrf": token}, timeout=30)
    assert bad.status_code == 401 and 'id="key-error"' in bad.text
    signed = http.post(
        url, data={"key": alice.key, "csrf": token}, allow_redirects=False, timeout=30
    )
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    behind_tls = _sign_in_cookie(server.url, alice, {"X-Forwarded-Proto": "https"})
    assert "httponly" in behind_tls and "samesite=lax" in behind_tls and "secure" in behind_tls
    body = {"code": code_scene("NoToken", DOT)["code"], "quality": "l"}
    forged = http.post(f"{server.url}/studio/lessons/code", data=body, timeout=30)
    assert forged.status_code == 403 and "out of date" in forged.text
    listed = server.call("GET", "/v1/lessons?limit=100", alice).json()["data"]
    assert all("NoToken" not in item["title"] for item in listed)


def _sign_in_cookie(url: str, key: Key, headers: dict[str, str]) -> str:
    http = requests.Session()
    page = http.get(f"{url}/studio/sign-in", headers=headers, timeout=30)
    token = page.text.split('name="csrf" value="')[1].split('"')[0]
    http.cookies.set("sf_studio_signin", token, path="/studio")  # a Secure cookie over http
    data = {"key": key.key, "csrf": token}
    done = http.post(
        f"{url}/studio/sign-in", data=data, headers=headers, allow_redirects=False, timeout=30
    )
    assert done.status_code == 303, done.text
    return done.headers["set-cookie"].lower()
