"""What the studio's pages show, computed from the stored records and the lesson's events.

Pure functions of their inputs (no Redis, no storage), so they are unit-tested directly.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from cluster.jobs.store import JOB_FINAL, LessonEntry, LessonJob, StoredEvent
from scenes import EventKind, Lesson, LessonVersion, SceneRecord, SceneStatus

ACTIVE_STATUSES = {"queued", "planning", "generating", "rendering", "stitching", "uploading"}


@dataclass
class SceneLive:
    """A scene's state in the job running now, from its events."""

    stage: str = ""  # writing, fixing, written, probing, rendering, ready, failed
    detail: str = ""
    chunks_total: int = 0
    chunks_done: int = 0


@dataclass
class Live:
    """A lesson's live state: per-scene stages of the current job, and the lesson's totals."""

    scenes: dict[str, SceneLive] = field(default_factory=dict)
    render_s: float = 0.0  # every chunk rendered for this lesson, all jobs (cached ones are free)
    job_started_at: float | None = None
    chunks_total: int = 0
    chunks_done: int = 0
    last_event_id: str = ""

    def scene(self, name: str) -> SceneLive:
        return self.scenes.setdefault(name, SceneLive())


def fold(events: Sequence[StoredEvent]) -> Live:
    """Folds a lesson's events, oldest first, into its live state."""
    live = Live()
    for event in events:
        live.last_event_id = event.id
        if event.kind == EventKind.CHUNK_DONE and not event.data.get("cached"):
            live.render_s += float(event.data.get("render_s") or 0.0)
        _apply(live, event)
    return live


def _apply(live: Live, event: StoredEvent) -> None:
    kind, data = event.kind, event.data
    if kind == EventKind.JOB_STARTED:  # a new job: per-scene stages start over
        live.scenes, live.job_started_at = {}, event.at
        live.chunks_total = live.chunks_done = 0
    elif kind == EventKind.CHUNKS_PLANNED:
        live.chunks_total = int(data.get("total") or 0)
    elif kind == EventKind.CHUNK_DONE:
        live.chunks_done += 1
        live.scene(event.scene).chunks_done += 1
    elif kind == EventKind.SCENE_PLANNED:
        scene = live.scene(event.scene)
        scene.stage, scene.chunks_total = "rendering", int(data.get("chunks") or 0)
    elif kind in _STAGES:
        scene = live.scene(event.scene)
        scene.stage, scene.detail = _STAGES[kind], event.detail


_STAGES = {
    "scene_attempt_failed": "fixing",
    "scene_written": "probing",
    "scene_probed": "probed",
    "scene_failed": "failed",
    "scene_ready": "ready",
}


@dataclass(frozen=True)
class SceneRow:
    index: int
    name: str
    goal: str
    narration: str
    status: str  # a short word for the badge
    detail: str  # what it is doing, or why it failed
    chunks_total: int
    chunks_done: int
    version: int | None
    running: bool  # the current job works on this scene


def scene_rows(entry: LessonEntry, live: Live) -> list[SceneRow]:
    running = _running(entry.job)
    return [_scene_row(r, live, entry.job if running else None) for r in entry.lesson.scenes]


def _running(job: LessonJob | None) -> bool:
    return job is not None and job.state not in JOB_FINAL  # queued or running


def _scene_row(record: SceneRecord, live: Live, job: LessonJob | None) -> SceneRow:
    state = live.scenes.get(record.class_name, SceneLive())
    touched = job is not None and (job.index in (0, record.index))
    status, detail = _status(record, state, touched)
    plan = record.plan
    current = record.current
    return SceneRow(
        index=record.index,
        name=record.class_name,
        goal=plan.goal if plan else "",
        narration=plan.narration if plan else "",
        status=status,
        detail=detail,
        chunks_total=state.chunks_total,
        chunks_done=state.chunks_done,
        version=current.number if current else None,
        running=touched,
    )


def _status(record: SceneRecord, state: SceneLive, touched: bool) -> tuple[str, str]:
    if record.status is SceneStatus.FAILED and not (touched and state.stage):
        return "failed", record.error
    if not touched or not state.stage:
        if touched and record.status is SceneStatus.QUEUED:
            return "writing", ""
        return record.status.value, record.error
    if state.stage == "rendering":
        return "rendering", f"{state.chunks_done} of {state.chunks_total} chunks"
    return state.stage, state.detail


@dataclass(frozen=True)
class Progress:
    fraction: float
    done: int
    total: int
    eta_s: float | None  # None: too early to say


def progress(entry: LessonEntry, live: Live, now: float | None = None) -> Progress:
    """Chunks done over planned; time left from the rate chunks have been finishing at."""
    done, total = entry.progress.chunks_done, entry.progress.chunks_total
    fraction = min(1.0, done / total) if total else 0.0
    eta = None
    started = live.job_started_at
    if _running(entry.job) and started is not None and 0 < done < total:
        elapsed = (now or time.time()) - started
        eta = max(0.0, elapsed / done * (total - done))
    return Progress(round(fraction, 4), done, total, eta)


# -- the player ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Chapter:
    index: int
    name: str
    start_s: float
    end_s: float


def chapters(lesson: Lesson, report: dict[str, Any] | None) -> list[Chapter]:
    """One chapter per rendered scene, from the version report's scene durations, in order."""
    found: list[Chapter] = []
    start = 0.0
    by_name = {s.class_name: s.index for s in lesson.scenes}
    for scene in (report or {}).get("scenes", []):
        if scene.get("error"):
            continue  # a failed scene is not in the video
        end = start + float(scene.get("duration_s") or 0.0)
        name = str(scene.get("name", ""))
        found.append(Chapter(by_name.get(name, len(found) + 1), name, start, end))
        start = end
    return found


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def chapters_vtt(items: Sequence[Chapter], titles: dict[int, str], numbered: bool = True) -> str:
    """A WebVTT track, one cue per chapter: chapter titles, or (not numbered) captions."""
    lines = ["WEBVTT", ""]
    for n, chapter in enumerate(items, start=1):
        title = " ".join((titles.get(chapter.index) or chapter.name).split())  # one line
        text = f"{chapter.index}. {title}" if numbered else title
        lines += [f"scene-{n}", f"{_timestamp(chapter.start_s)} --> {_timestamp(chapter.end_s)}"]
        lines += [text.replace("-->", "->"), ""]
    return "\n".join(lines)


def duration_s(report: dict[str, Any] | None) -> float:
    scenes = (report or {}).get("scenes", [])
    return sum(float(s.get("duration_s") or 0.0) for s in scenes if not s.get("error"))


# -- versions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    index: int
    name: str
    scene_version: int
    how: str  # written, edited, replaced, ...
    instruction: str


@dataclass(frozen=True)
class VersionRow:
    number: int
    created_at: float
    changes: list[Change]


def version_rows(lesson: Lesson) -> list[VersionRow]:
    """Every version, newest first, with the scenes that changed since the one before."""
    rows, before = [], None
    for version in lesson.versions:
        rows.append(
            VersionRow(version.number, version.created_at, _changes(lesson, version, before))
        )
        before = version
    return rows[::-1]


def _changes(lesson: Lesson, version: LessonVersion, before: LessonVersion | None) -> list[Change]:
    found = []
    for index, number in sorted(version.scene_versions.items()):
        if before is not None and before.scene_versions.get(index) == number:
            continue
        record = lesson.scene(index)
        made = record.versions[number - 1]
        how = _HOW.get(made.origin.value, made.origin.value) if before else "first version"
        found.append(Change(index, made.class_name, number, how, made.instruction))
    return found


_HOW = {"edit": "edited by instruction", "replace": "replaced with code"}
