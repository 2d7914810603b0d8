"""A signed-in (or not) browser on the studio, with the waits the tests need.

Every wait is on a condition with a deadline; nothing sleeps a fixed time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import requests
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

T = TypeVar("T")
AXE = Path(__file__).parent / "vendor" / "axe-4.14.1.min.js"
SERIOUS = {"serious", "critical"}


class Studio:
    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.console: list[dict[str, Any]] = []  # everything the page logged, kept across reads

    # -- navigation and forms ----------------------------------------------------------------

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        url: str = self.driver.current_url
        return url.removeprefix(self.base_url)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return str(self.find(css).text)

    def fill(self, css: str, value: str) -> None:
        """Sets a field's value as a paste would (send_keys would auto-type code slowly)."""
        self.driver.execute_script("arguments[0].value = arguments[1];", self.find(css), value)

    def submit(self, button_text: str) -> None:
        buttons = [b for b in self.all("button[type=submit]") if b.text.strip() == button_text]
        assert buttons, f"no submit button {button_text!r} on {self.path}"
        buttons[0].click()

    def sign_in(self, key: str) -> None:
        self.open("/studio/sign-in")
        self.find("#key").send_keys(key)
        self.submit("Sign in")
        self.wait(lambda: self.path == "/studio/lessons", what="the lessons page after sign-in")

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    # -- waiting -----------------------------------------------------------------------------

    def wait(self, condition: Callable[[], T], timeout_s: float = 30, what: str = "") -> T:
        def check(_: Any) -> T:
            return condition()

        message = f"timed out waiting for {what or condition} on {self.path}"
        # parts of the page are swapped as events arrive: an element may go stale mid-check
        ignored = (StaleElementReferenceException, NoSuchElementException)
        waiting = WebDriverWait(self.driver, timeout_s, 0.2, ignored_exceptions=ignored)
        return waiting.until(check, message)

    def lesson_status(self) -> str:
        # textContent, not .text: the badge is capitalised by CSS, and .text applies that
        return str(self.find("#lesson-status").get_attribute("textContent")).strip()

    # -- the player --------------------------------------------------------------------------

    def video_state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.js(
            "const v = document.getElementById('video');"
            "return v && {ready: v.readyState, time: v.currentTime, version: v.dataset.version,"
            " error: v.error && v.error.code, duration: v.duration, paused: v.paused};"
        )
        return state

    def assert_video_plays(self, version: int) -> None:
        """The player holds `version`, has data to play, and its time advances once playing."""
        self.wait(
            lambda: (s := self.video_state()) and s["version"] == str(version) and s["ready"] >= 2,
            what=f"video v{version} ready to play",
        )
        self.js("const v = document.getElementById('video'); v.muted = true; v.play();")
        first = self.wait(lambda: (t := self.video_state()["time"]) > 0 and t, what="playback")
        self.wait(
            lambda: (s := self.video_state())["time"] > first or s["time"] >= s["duration"] - 0.05,
            what="the video's time advancing",
        )
        assert self.video_state()["error"] is None

    def cues(self, kind: str) -> list[str]:
        """The text of every cue of the video's track of `kind`, once loaded."""
        cues: list[str] = self.js(
            "const v = document.getElementById('video');"
            "const t = [...v.textTracks].find(t => t.kind === arguments[0]);"
            "if (!t) return null; if (t.mode === 'disabled') t.mode = 'hidden';"
            "return t.cues && t.cues.length ? [...t.cues].map(c => c.text) : null;",
            kind,
        )
        return cues

    # -- quality checks ----------------------------------------------------------------------

    def errors_in_console(self) -> list[str]:
        self.console += self.driver.get_log("browser")
        return [e["message"] for e in self.console if e["level"] == "SEVERE"]

    def axe_violations(self) -> list[str]:
        """axe-core (vendored from npm) run in the page: serious and critical violations."""
        self.js(AXE.read_text())
        result: dict[str, Any] = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']})"
            ".then(done, e => done({error: String(e)}));"
        )
        assert "error" not in result, result
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in SERIOUS
        ]

    def foreign_assets(self) -> list[str]:
        """Every resource the page loaded that did not come from the studio's own origin."""
        names: list[str] = self.js(
            "return performance.getEntriesByType('resource').map(e => e.name);"
        )
        return [n for n in names if not n.startswith(self.base_url + "/")]

    def fits_the_screen(self) -> bool:
        """Nothing wider than the viewport: no sideways scrolling on a phone."""
        return bool(self.js("return document.documentElement.scrollWidth <= window.innerWidth;"))

    def session(self) -> requests.Session:
        """A requests session carrying this browser's cookies (for the raw HTTP checks)."""
        http = requests.Session()
        for cookie in self.driver.get_cookies():
            http.cookies.set(cookie["name"], cookie["value"], path=cookie.get("path", "/"))
        return http
