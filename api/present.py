"""Stored records -> wire schemas."""

from __future__ import annotations

from typing import Any

from api.payloads import RenderReport
from api.redact import public_data, public_text
from api.schemas import (
    JobPublic,
    LessonPublic,
    LessonSummary,
    PlannedScenePublic,
    PlanPublic,
    ProgressPublic,
    ScenePublic,
    UsagePublic,
    VersionPublic,
)
from cluster.jobs.store import JobStore, LessonEntry, LessonJob
from scenes import Lesson, LessonPlan, LessonVersion, SceneRecord


def lesson_public(store: JobStore, entry: LessonEntry) -> LessonPublic:
    lesson = entry.lesson
    latest = lesson.latest
    return LessonPublic(
        id=lesson.id,
        status=lesson.status,
        error=public_text(lesson.error),
        prompt=lesson.prompt,
        title=_title(lesson),
        quality=lesson.quality,  # type: ignore[arg-type]  # validated as l/m/h/k on the way in
        created_at=lesson.created_at,
        plan=plan_public(lesson.plan) if lesson.plan else None,
        scenes=[_scene(s) for s in lesson.scenes],
        versions=[_version(store, lesson.id, v) for v in lesson.versions],
        video_url=latest.video_url or None if latest else None,
        progress=_progress(entry),
        job=_job(entry.job) if entry.job else None,
        webhook_url=entry.options.webhook_url,
        webhook_deliveries=store.lessons.deliveries(lesson.id),
        usage=UsagePublic(
            calls=lesson.usage.calls,
            input_tokens=lesson.usage.input_tokens,
            output_tokens=lesson.usage.output_tokens,
            cost_usd=lesson.cost_usd,
        ),
    )


def lesson_summary(entry: LessonEntry) -> LessonSummary:
    lesson = entry.lesson
    latest = lesson.latest
    return LessonSummary(
        id=lesson.id,
        status=lesson.status,
        title=_title(lesson),
        created_at=lesson.created_at,
        versions=len(lesson.versions),
        video_url=latest.video_url or None if latest else None,
    )


def plan_public(plan: LessonPlan) -> PlanPublic:
    return PlanPublic(
        title=plan.title,
        audience=plan.audience,
        learning_goals=list(plan.learning_goals),
        scenes=[PlannedScenePublic.model_validate(s.model_dump()) for s in plan.scenes],
    )


def _title(lesson: Lesson) -> str:
    if lesson.plan is not None:
        return lesson.plan.title
    return ", ".join(s.class_name for s in lesson.scenes)


def _scene(record: SceneRecord) -> ScenePublic:
    current = record.current
    return ScenePublic(
        index=record.index,
        class_name=record.class_name,
        status=record.status,
        error=public_text(record.error),
        version=current.number if current else None,
        attempts=len(record.attempts),
        layout_warnings=current.layout_warnings if current else [],
    )


def _version(store: JobStore, lesson_id: str, version: LessonVersion) -> VersionPublic:
    return VersionPublic(
        number=version.number,
        scene_versions=version.scene_versions,
        video_url=version.video_url,
        scene_urls=version.scene_urls,
        caption_urls=version.caption_urls,
        created_at=version.created_at,
        report=_report(store.lessons.report(lesson_id, version.number)),
    )


def _report(stored: dict[str, Any] | None) -> RenderReport | None:
    return None if stored is None else RenderReport.model_validate(public_data(stored))


def _progress(entry: LessonEntry) -> ProgressPublic:
    p = entry.progress
    fraction = p.chunks_done / p.chunks_total if p.chunks_total else 0.0
    return ProgressPublic(
        chunks_total=p.chunks_total,
        chunks_done=p.chunks_done,
        chunks_cached=p.chunks_cached,
        fraction=round(min(1.0, fraction), 4),
    )


def _job(job: LessonJob) -> JobPublic:
    return JobPublic(
        number=job.number,
        op=job.op,
        state=job.state,
        index=job.index,
        error=public_text(job.error),
        started_at=job.started_at,
        ended_at=job.ended_at,
    )
