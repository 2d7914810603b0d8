"""Studio fixtures: `scenefarm serve` on the embedded defaults (its own redis-server and local
Ray cluster in a temp data dir), Claude as the scripted Messages-API server, and headless
Chromium (Debian's `chromium` and `chromium-driver`) driven by Selenium.

Nothing is downloaded: Selenium is pointed at /usr/bin/chromedriver and /usr/bin/chromium.
On a failure each browser saves a screenshot, the page's HTML and its console log under
out/test-artifacts/studio/ (or $SCENEFARM_TEST_ARTIFACTS).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from integration.api.conftest import ApiServer, Key
from integration.conftest import CLI, ROOT, _env
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from support.anthropic_server import MessagesServer

from .browser import Studio

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("SCENEFARM_TEST_ARTIFACTS", ROOT / "out/test-artifacts/studio"))
# Chromium calls home unless told not to; test traffic stays on loopback.
QUIET = [
    "--headless=new",
    "--no-sandbox",  # root in a container: Chromium's own sandbox needs user namespaces
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--disable-default-apps",
    "--metrics-recording-only",
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)  # the browser fixture reads it at teardown


@pytest.fixture(scope="session")
def studio_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("studio-data")
    yield path
    subprocess.run([CLI, "down"], env=_env(path), capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def claude() -> Iterator[MessagesServer]:
    with MessagesServer() as server:
        yield server


@pytest.fixture(scope="session")
def server(
    studio_data: Path, claude: MessagesServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    settings = {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": claude.base_url,
        "SCENEFARM_MAX_FIXES": "1",
        "SCENEFARM_QUOTA_CONCURRENT_RENDERS": "4",
    }
    api = ApiServer(studio_data, tmp_path_factory.mktemp("studio-logs"), settings).start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def alice(server: ApiServer) -> Key:
    return server.key("alice")


@pytest.fixture(scope="session")
def bob(server: ApiServer) -> Key:
    return server.key("bob")


def _driver(log: Path) -> webdriver.Chrome:
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in QUIET:
        options.add_argument(arg)
    options.add_argument("--window-size=1280,900")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=CHROMEDRIVER, log_output=str(log))
    return webdriver.Chrome(options=options, service=service)


@pytest.fixture
def browser(
    request: pytest.FixtureRequest, server: ApiServer, tmp_path: Path
) -> Iterator[Callable[[], Studio]]:
    """Makes browsers (one per owner a test needs); each is closed, and kept as artefacts if
    the test failed."""
    made: list[Studio] = []

    def make() -> Studio:
        studio = Studio(_driver(tmp_path / f"chromedriver-{len(made)}.log"), server.url)
        made.append(studio)
        return studio

    yield make
    report = getattr(request.node, "report_call", None)
    for n, studio in enumerate(made):
        try:
            if report is not None and report.failed:
                _save(studio, request.node.nodeid, n)
        finally:
            studio.driver.quit()


def _save(studio: Studio, nodeid: str, n: int) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = f"{re.sub(r'[^A-Za-z0-9_-]+', '_', nodeid)}-{n}"
    studio.driver.save_screenshot(str(ARTIFACTS / f"{stem}.png"))
    (ARTIFACTS / f"{stem}.html").write_text(studio.driver.page_source)
    studio.errors_in_console()  # collects what the page logged since the last look
    lines = [f"{e['level']} {e['message']}" for e in studio.console]
    (ARTIFACTS / f"{stem}.console.log").write_text("\n".join(lines) + "\n")
