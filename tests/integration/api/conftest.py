"""HTTP API fixtures: `scenefarm serve` as a real process (uvicorn), the embedded redis-server
and the session's local Ray cluster (both in the integration suite's data dir), API keys made
with the real `scenefarm keys create`, Claude as the scripted Messages-API server."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from support.anthropic_server import MessagesServer

from ..conftest import CLI, _env

START_TIMEOUT_S = 180  # the first server of a session may start the local Ray cluster
FINAL = {"ready", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Key:
    key: str
    key_id: str
    owner: str
    webhook_secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


def make_key(env: dict[str, str], owner: str) -> Key:
    done = subprocess.run(
        [CLI, "keys", "create", "--owner", owner],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    words = done.stderr.split()
    secret = next(w for w in words if w.startswith("whsec_"))
    return Key(done.stdout.strip(), words[words.index("key") + 1], owner, secret)


@dataclass
class ApiServer:
    """One `scenefarm serve` process; `restart()` kills it hard and starts another."""

    data_dir: Path
    log_dir: Path
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = _env(self.data_dir)
        env.update({"SCENEFARM_RENDER_WORKERS": "2", "SCENEFARM_WEBHOOK_BACKOFF_S": "0.2"})
        env["SCENEFARM_WEBHOOK_ALLOW"] = "127.0.0.1/32"  # the tests' webhook receiver
        env.pop("ANTHROPIC_API_KEY", None)
        # The API's prompt lessons speak by default; tests about anything else keep them
        # silent (their scripted scenes are not timed to a voice). Narration tests set "1".
        env["SCENEFARM_NARRATION"] = "0"
        return env | self.settings

    def start(self) -> ApiServer:
        log = (self.log_dir / f"serve-{self.port}-{uuid.uuid4().hex[:6]}.log").open("wb")
        argv = [CLI, "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(argv, env=self.env(), stdout=log, stderr=log)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"serve exited {self.proc.returncode}: {self.logs()}"
            try:
                if requests.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"serve did not become ready: {self.logs()}")

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in self.log_dir.glob(f"serve-{self.port}-*"))

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=60)

    def key(self, owner: str) -> Key:
        return make_key(self.env(), owner)

    # -- HTTP ----------------------------------------------------------------------------

    def call(self, method: str, path: str, key: Key | None = None, **kw: Any) -> requests.Response:
        headers = {**(key.headers if key else {}), **kw.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kw)

    def create(self, key: Key, body: dict[str, Any], **kw: Any) -> str:
        response = self.call("POST", "/v1/lessons", key, json=body, **kw)
        assert response.status_code == 202, response.text
        lesson_id: str = response.json()["id"]
        return lesson_id

    def lesson(self, key: Key, lesson_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/v1/lessons/{lesson_id}", key)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def wait_job(
        self, key: Key, lesson_id: str, number: int, timeout_s: float = 300
    ) -> dict[str, Any]:
        """The lesson once its job `number` has ended."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            lesson = self.lesson(key, lesson_id)
            job = lesson["job"]
            if job and job["number"] == number and job["state"] not in ("queued", "running"):
                return lesson
            time.sleep(0.3)
        raise AssertionError(f"job {number} of {lesson_id} did not end: {lesson}")

    def events(
        self, key: Key, lesson_id: str, last_event_id: str | None = None, timeout_s: float = 300
    ) -> list[dict[str, Any]]:
        """Reads the SSE stream until the server ends it; each event with its `id`."""
        headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
        response = requests.get(
            f"{self.url}/v1/lessons/{lesson_id}/events",
            headers={**key.headers, **headers},
            stream=True,
            timeout=timeout_s,
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(parse_sse(response.iter_lines(decode_unicode=True)))

    def stream(self, key: Key, lesson_id: str, timeout_s: float = 300) -> requests.Response:
        return requests.get(
            f"{self.url}/v1/lessons/{lesson_id}/events",
            headers=key.headers,
            stream=True,
            timeout=timeout_s,
        )

    def wait_for_stream(self, key: Key, lesson_id: str, timeout_s: float = 30) -> requests.Response:
        """A stream, once the key may open one again (a closed one is noticed at its next
        keep-alive)."""
        deadline = time.monotonic() + timeout_s
        while True:
            response = self.stream(key, lesson_id)
            if response.status_code == 200:
                return response
            response.close()
            assert response.status_code == 429 and time.monotonic() < deadline, response.text
            time.sleep(0.2)


def parse_sse(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    """Events as they arrive: the JSON data plus the event's `id` and `event` name."""
    current: dict[str, str] = {}
    for line in lines:
        if not line:
            if "data" in current:
                yield {
                    "id": current.get("id"),
                    "event": current.get("event"),
                    **json.loads(current["data"]),
                }
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            current[name] = value


@pytest.fixture(scope="session")
def claude() -> Iterator[MessagesServer]:
    with MessagesServer() as server:
        yield server


@pytest.fixture(scope="session")
def api(
    data_dir: Path, claude: MessagesServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    """The API most tests share: Claude scripted, roomy quotas."""
    settings = {
        "ANTHROPIC_API_KEY": "test-key",
        "ANTHROPIC_BASE_URL": claude.base_url,
        "SCENEFARM_MAX_FIXES": "1",
        "SCENEFARM_QUOTA_CONCURRENT_RENDERS": "4",
        "SCENEFARM_SSE_MAX_STREAMS_PER_KEY": "6",
    }
    server = ApiServer(data_dir, tmp_path_factory.mktemp("api-logs"), settings).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def alice(api: ApiServer) -> Key:
    return api.key("alice")


@pytest.fixture(scope="session")
def bob(api: ApiServer) -> Key:
    return api.key("bob")
