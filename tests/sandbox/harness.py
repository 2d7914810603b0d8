"""Driving the real sandboxes with hostile scenes, and checking the host afterwards.

Scenes run through `ManimRenderer` (probe, or render_chunk for output tricks) against a real
warm sandbox from `make_sandbox`, not through Ray. `Box` is that sandbox with every result it
returned kept, so the checks can read the typed status and every byte that came back.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from renderers import (
    ChunkRenderError,
    ChunkSpec,
    ManimRenderer,
    Quality,
    RenderError,
    SceneCodeError,
    SceneSource,
)
from sandbox import SandboxJob, SandboxLimits, SandboxResult, make_sandbox
from sandbox.docker import FARM_LABEL, LABEL
from sandbox.warm import WarmSandbox, farm_id

ATTACKS = Path(__file__).parent / "attacks"
OWNER = f"attack-suite-{os.getpid()}"  # labels its containers
# Small limits, so exhaustion ends fast. Memory: the forked job starts with the guest's
# ~0.5 GB of address space (Python, NumPy, Cairo, PyAV mapped), so RLIMIT_AS needs room above it.
LIMITS = SandboxLimits(
    cpu_s=8, wall_s=8, memory_mb=1024, processes=32, file_size_mb=16, output_mb=1, scratch_mb=128
)
RENDERER = ManimRenderer()
BENIGN = SceneSource(
    "benign.py",
    "from manim import *\n\n\nclass Benign(Scene):\n"
    "    def construct(self):\n        self.play(Create(Square()), run_time=0.2)\n",
)
MARKER = "ESCAPED"


# -- the sandbox under attack --------------------------------------------------------------


class Box:
    """A real warm sandbox (the Sandbox protocol), keeping the results it returned."""

    def __init__(self, inner: WarmSandbox) -> None:
        self.inner = inner
        self.backend = inner.backend
        self.results: list[SandboxResult] = []

    def start(self) -> dict[str, str]:
        return self.inner.start()

    def run(self, job: SandboxJob, dest_dir: Path) -> SandboxResult:
        result = self.inner.run(job, dest_dir)
        self.results.append(result)
        return result

    def close(self) -> None:
        self.inner.close()

    def footprint(self) -> Footprint:
        return Footprint.of(self.inner.uid, docker=self.backend == "docker")


def make_box(backend: str) -> Box:
    sandbox = make_sandbox(backend, RENDERER.sandbox_spec(LIMITS, OWNER))
    assert isinstance(sandbox, WarmSandbox)
    return Box(sandbox)


# -- what a sandbox leaves on the host -------------------------------------------------------


def _pid_ns(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def containers(*labels: str) -> set[str]:
    """Ids of the scenefarm sandbox containers carrying all of `labels` ("key=value")."""
    import docker

    try:
        client = docker.from_env(timeout=10)
    except docker.errors.DockerException:
        return set()
    try:
        found = client.containers.list(all=True, filters={"label": [LABEL, *labels]})
        return {c.id for c in found}
    finally:
        client.close()


def _containers(uid: int) -> set[str]:
    """This suite's containers of `uid` (its farm's: a dead farm's container may carry a uid
    that is this suite's now, and is not this suite's to count)."""
    return containers(f"scenefarm.uid={uid}", f"{FARM_LABEL}={farm_id()}")


@dataclass(frozen=True)
class Footprint:
    """A live sandbox as the host sees it: its processes, pid namespaces and containers."""

    uid: int | None
    at: float
    namespaces: frozenset[str] = frozenset()
    ns_pids: frozenset[int] = frozenset()
    containers: frozenset[str] = frozenset()

    @classmethod
    def of(cls, uid: int | None, docker: bool) -> Footprint:
        at = time.time()
        if uid is None:
            return cls(None, at)
        own = [p.pid for p in psutil.process_iter(["uids"]) if p.info["uids"].real == uid]
        namespaces = frozenset(ns for ns in map(_pid_ns, own) if ns)
        ns_pids = frozenset(p for p in psutil.pids() if _pid_ns(p) in namespaces)
        containers = frozenset(_containers(uid)) if docker else frozenset()
        return cls(uid, at, namespaces, ns_pids, containers)


def leftovers(before: Footprint, box: Box, settle_s: float = 0.0) -> list[str]:
    """What is left of the sandbox of `before` beyond what it still legitimately runs, waiting
    up to `settle_s` for processes that are being killed to be gone."""
    deadline = time.monotonic() + settle_s
    while True:
        found = _leftovers(before, box)
        if not found or time.monotonic() >= deadline:
            return found
        time.sleep(0.1)


def _leftovers(before: Footprint, box: Box) -> list[str]:
    alive = box.inner.uid == before.uid and before.uid is not None
    allowed = before.ns_pids if alive else frozenset()
    found = []
    for proc in psutil.process_iter(["uids", "create_time", "cmdline", "status"]):
        pid, info = proc.pid, proc.info
        if info["status"] == psutil.STATUS_ZOMBIE:
            continue  # dead already, holding nothing but its pid until its new parent reaps it
        ours = _pid_ns(pid) in before.namespaces or (
            info["uids"].real == before.uid and info["create_time"] < before.at
        )
        if ours and pid not in allowed:
            found.append(f"process {pid}: {' '.join(info['cmdline'] or [])[:120]}")
    if before.containers and before.uid is not None and not alive:
        found += [f"container {c[:12]}" for c in before.containers & _containers(before.uid)]
    return found


def stray_files(uid: int | None) -> list[str]:
    """Host files owned by the sandbox uid in the usual places (the state root excluded)."""
    if uid is None:
        return []
    places = ["/", "/tmp", "/var/tmp", "/dev/shm", str(Path.home()), os.getcwd()]
    found = []
    for place in places:
        with contextlib.suppress(OSError), os.scandir(place) as entries:
            found += [e.path for e in entries if e.stat(follow_symlinks=False).st_uid == uid]
    return found


# -- the host's valuables ---------------------------------------------------------------------


def host_addresses() -> list[str]:
    return sorted(
        a.address
        for addrs in psutil.net_if_addrs().values()
        for a in addrs
        if a.family == socket.AF_INET
    )


def listening_ports() -> list[int]:
    conns = psutil.net_connections("tcp")
    return sorted({c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN})


def wait_for_redis(address: str, port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection((address, port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def _snapshot(root: Path) -> dict[str, tuple[str, int, int]]:
    state = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        state[str(path.relative_to(root))] = (digest, info.st_mtime_ns, info.st_mode)
    return state


@dataclass
class Host:
    secrets: dict[str, str]
    canary_dir: Path
    redis_port: int
    redis_hosts: list[str]
    abstract: str
    canary_state: dict[str, tuple[str, int, int]] = field(default_factory=dict)

    @classmethod
    def plant(
        cls,
        host_secrets: dict[str, str],
        canary_dir: Path,
        redis: tuple[int, list[str]],
        abstract: str,
    ) -> Host:
        canary_secret = "canary-" + hashlib.sha256(os.urandom(16)).hexdigest()[:24]
        (canary_dir / "canary.txt").write_text(f"{canary_secret}\n")
        (canary_dir / ".aws").mkdir()
        (canary_dir / ".aws" / "credentials").write_text(
            f"[default]\naws_secret_access_key = {host_secrets['AWS_SECRET_ACCESS_KEY']}\n"
        )
        host = cls(
            {**host_secrets, "canary": canary_secret}, canary_dir, redis[0], redis[1], abstract
        )
        host.canary_state = _snapshot(canary_dir)
        return host

    @property
    def canary(self) -> Path:
        return self.canary_dir / "canary.txt"

    def params(self) -> dict[str, Any]:
        """What the scenes get to aim at (listening ports are read now: Ray's come and go)."""
        return {
            "canary": str(self.canary),
            "canary_dir": str(self.canary_dir),
            "redis_port": self.redis_port,
            "redis_hosts": self.redis_hosts,
            "hosts": ["127.0.0.1", *host_addresses()],
            "ports": listening_ports(),
            "abstract": self.abstract,
        }

    def canary_untouched(self) -> bool:
        return _snapshot(self.canary_dir) == self.canary_state

    def leaks(self, texts: list[str]) -> list[str]:
        """Names of the secrets found in any of `texts`."""
        return [name for name, value in self.secrets.items() if any(value in t for t in texts)]

    def redis_alive(self) -> bool:
        try:
            wait_for_redis("127.0.0.1", self.redis_port)
        except OSError:
            return False
        return True


# -- one attack --------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: str  # as the farm reports it: the scene error's status, or output_rejected
    kind: str = ""  # the exception type the scene (or the host's check) raised
    message: str = ""
    results: list[SandboxResult] = field(default_factory=list)
    output: bytes = b""

    def texts(self) -> list[str]:
        """Every piece of text or data that came back from the sandbox."""
        found = [self.message, self.output.decode("latin-1")]
        for r in self.results:
            found += [r.stdout_tail, r.stderr_tail, r.detail, json.dumps(r.value, default=str)]
            if r.error is not None:
                found += [r.error.type, r.error.message, r.error.traceback]
        return found

    def report(self) -> dict[str, Any]:
        """The observations a scene raised as `REPORT {json}`."""
        _, found, data = self.message.partition("REPORT ")
        assert found, f"the scene reported nothing: {self.kind}: {self.message[:500]}"
        value = json.loads(data)
        assert isinstance(value, dict)
        return value


def scene_source(name: str, params: dict[str, Any]) -> tuple[SceneSource, str]:
    """The attack's source with PARAMS filled in, and its scene class."""
    code = (ATTACKS / f"{name}.py").read_text()
    code = code.replace("\nPARAMS = {}\n", f"\nPARAMS = {params!r}\n", 1)
    scene = next(
        n.name
        for n in ast.parse(code).body
        if isinstance(n, ast.ClassDef) and any(getattr(b, "id", "") == "Scene" for b in n.bases)
    )
    return SceneSource(f"{name}.py", code), scene


def attack(box: Box, name: str, params: dict[str, Any], render: bool, dest: Path) -> Outcome:
    source, scene = scene_source(name, params)
    box.results = []
    try:
        if render:
            chunk = ChunkSpec(scene, 0, 0, 0, 3, Quality.LOW)
            _, path = RENDERER.render_chunk(box, source, chunk, dest)
            return Outcome("ok", results=box.results, output=path.read_bytes())
        RENDERER.probe(box, source, scene)
        return Outcome("ok", results=box.results)
    except SceneCodeError as e:
        return Outcome(e.status, e.kind, e.message, box.results, _collected(dest))
    except ChunkRenderError as e:
        return Outcome(e.status, type(e).__name__, e.detail, box.results, _collected(dest))
    except (
        RenderError
    ) as e:  # the host's own check of the output failed (as cluster/worker maps it)
        return Outcome("output_rejected", type(e).__name__, str(e), box.results, _collected(dest))


def _collected(dest: Path) -> bytes:
    """Whatever reached the host's output dir (it should be nothing, or a real video)."""
    if not dest.exists():
        return b""
    return b"".join(p.read_bytes() for p in sorted(dest.rglob("*")) if p.is_file())


def render_benign(box: Box, dest: Path) -> int:
    """Frames of a benign one-animation chunk rendered in the same sandbox object."""
    rendered, _ = RENDERER.render_chunk(
        box, BENIGN, ChunkSpec("Benign", 0, 0, 0, 3, Quality.LOW), dest
    )
    return rendered.frames
