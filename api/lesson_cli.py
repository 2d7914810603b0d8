"""`scenefarm lesson | edit | replace`: lessons written by Claude, kept in a lesson directory."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

from api.farm_config import farm_config, narration_config
from api.progress import Progress
from api.settings import Settings
from cluster.delivery.storage import StorageError
from cluster.farm import ClusterStartError, Farm, LessonFailed
from cluster.lessons.lesson_dir import LessonDir, LessonDirError
from cluster.lessons.narration import NarrationConfig
from cluster.lessons.studio import Made, Studio
from renderers import Quality
from renderers.engines import ENGINES
from sandbox import SandboxError
from scenes import (
    Claude,
    ClaudeConfig,
    ClaudeUnavailable,
    GenerationError,
    GenerationOptions,
    SceneFailed,
)

EXIT_FAILED, EXIT_USAGE, EXIT_INFRA = 1, 2, 3
COMMANDS = ("lesson", "edit", "replace")


def add_commands(sub: argparse._SubParsersAction, positive: Callable[[str], int]) -> None:  # type: ignore[type-arg]
    lesson = sub.add_parser("lesson", help="plan and write a lesson with Claude, then render it")
    lesson.add_argument("prompt", help="what the lesson should teach, and to whom")
    lesson.add_argument("-o", "--output", type=Path, required=True, help="the video to write")
    lesson.add_argument(
        "--scenes", type=positive, help="number of scenes (3-12; default: Claude's)"
    )
    lesson.add_argument(
        "--quality", "-q", choices=[q.value for q in Quality], default="l", help="default: l"
    )
    lesson.add_argument("--lesson-dir", type=Path, help="default: OUTPUT's name + _lesson/")
    lesson.add_argument(
        "--narration",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="speak each scene's narration, with captions (default: on)",
    )
    lesson.add_argument("--voice", help="the TTS voice (espeak-ng: en-us, en-gb, ...)")
    lesson.add_argument(
        "--engine",
        choices=("auto", *ENGINES),
        default="auto",
        help="what every scene is written as: Manim (Python) or web (React/TSX); default auto,"
        " the plan's choice per scene",
    )
    edit = sub.add_parser("edit", help="change one scene of a lesson by instruction")
    edit.add_argument("lesson_dir", type=Path)
    edit.add_argument("scene", type=positive, help="scene number, from 1")
    edit.add_argument("instruction", help="what to change")
    replace = sub.add_parser("replace", help="replace one scene of a lesson with your own code")
    replace.add_argument("lesson_dir", type=Path)
    replace.add_argument("scene", type=positive, help="scene number, from 1")
    replace.add_argument("file", type=Path, help="a Python file defining one Scene subclass")
    for parser in (lesson, edit, replace):
        _farm_options(parser, positive)
    for parser in (edit, replace):
        parser.add_argument("-o", "--output", type=Path, help="also copy the new video here")


def _farm_options(parser: argparse.ArgumentParser, positive: Callable[[str], int]) -> None:
    parser.add_argument("--report", type=Path, help="also write the JSON report here")
    parser.add_argument("--workers", type=positive, help="render workers (default: one per CPU)")
    parser.add_argument("--no-cache", action="store_true", help="render every chunk again")
    parser.add_argument("--allow-partial", action="store_true", help="exit 0 despite failed scenes")
    parser.add_argument("--sandbox", help="sandbox backend: auto, docker or bwrap")
    parser.add_argument("--timeout-s", type=positive, help="wall-clock limit per sandboxed job")
    parser.add_argument("--memory-mb", type=positive, help="memory limit per sandboxed job")


def run(args: argparse.Namespace, settings: Settings) -> int:
    llm, code = _claude(args, settings)
    if code:
        return code
    try:
        config = farm_config(args, settings)
    except (SandboxError, StorageError) as e:
        return _error(str(e), EXIT_USAGE)
    where = _lesson_dir(args)
    started, progress = time.monotonic(), Progress()
    try:
        with Farm(config, progress.say) as farm, progress:
            studio = Studio(
                farm,
                llm,
                _options(args, settings),
                progress,
                not args.no_cache,
                narration=_narration(args, settings),
            )
            made = _make(args, studio, where)
    except (SceneFailed, LessonDirError, IndexError) as e:
        return _error(str(e), EXIT_FAILED if isinstance(e, SceneFailed) else EXIT_USAGE)
    except ClaudeUnavailable as e:
        return _error(str(e), EXIT_INFRA)
    except (GenerationError, LessonFailed) as e:
        return _error(f"lesson failed: {e} (details in {where.root})", EXIT_FAILED)
    except (ClusterStartError, SandboxError, RuntimeError) as e:
        return _error(f"the farm could not run: {e}", EXIT_INFRA)
    return _finish(args, made, where, time.monotonic() - started)


def _claude(args: argparse.Namespace, settings: Settings) -> tuple[Claude | None, int]:
    """The client; a missing key is a usage error for commands that need Claude."""
    if args.command == "replace":
        return None, 0  # the client's own code: no Claude involved
    if not settings.anthropic_api_key:
        print(
            f"scenefarm {args.command}: ANTHROPIC_API_KEY is not set; lesson generation needs "
            "Claude (`scenefarm render FILE` renders your own scenes without it)",
            file=sys.stderr,
        )
        return None, EXIT_USAGE
    config = ClaudeConfig(
        api_key=settings.anthropic_api_key,
        model=settings.model,
        base_url=settings.anthropic_base_url,
        max_retries=settings.claude_max_retries,
        timeout_s=settings.claude_timeout_s,
    )
    return Claude(config), 0


def _options(args: argparse.Namespace, settings: Settings) -> GenerationOptions:
    return GenerationOptions(
        scenes=getattr(args, "scenes", None),
        max_fixes=settings.max_fixes,
        max_layout_fixes=settings.max_layout_fixes,
        engine=getattr(args, "engine", "auto"),
    )


def _narration(args: argparse.Namespace, settings: Settings) -> NarrationConfig | None:
    """Offline narration (espeak-ng), its audio cached in the data dir. Edits speak in the
    voice the lesson was made with; the studio leaves silent lessons silent."""
    if not getattr(args, "narration", True) or not settings.narration:
        return None
    return narration_config(settings, getattr(args, "voice", None))


def _lesson_dir(args: argparse.Namespace) -> LessonDir:
    if args.command != "lesson":
        return LessonDir(args.lesson_dir)
    output: Path = args.output.resolve()
    return LessonDir(args.lesson_dir or output.with_name(f"{output.stem}_lesson"))


def _make(args: argparse.Namespace, studio: Studio, where: LessonDir) -> Made:
    if args.command == "lesson":
        if where.exists():
            raise LessonDirError(f"{where.root} already holds a lesson: edit it, or pick another")
        return studio.create(args.prompt, where, Quality(args.quality))
    if args.command == "edit":
        return studio.edit(where, args.scene, args.instruction)
    try:
        code = args.file.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise LessonDirError(f"cannot read {args.file}: {e}") from e
    return studio.replace(where, args.scene, code)


def _finish(args: argparse.Namespace, made: Made, where: LessonDir, wall_s: float) -> int:
    made.report.totals["wall_s"] = round(wall_s, 3)
    made.report.write(Path(made.version.report))
    if args.report:
        made.report.write(args.report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(made.version.video, args.output)
    video = args.output or made.version.video
    usage = made.lesson.usage
    print(
        f"scenefarm: lesson version {made.version.number} written to {video} "
        f"(lesson dir {where.root}; Claude: {usage.calls} calls, "
        f"{usage.input_tokens + usage.output_tokens} tokens, ~${made.lesson.cost_usd:.2f})",
        file=sys.stderr,
    )
    if made.version.video_url:
        print(f"scenefarm: published {made.version.video_url}", file=sys.stderr)
    if made.failed and not args.allow_partial:
        failed = "; ".join(f"scene {s.name} failed: {s.error}" for s in made.failed)
        return _error(f"the video lacks failed scenes: {failed}", EXIT_FAILED)
    return 0


def _error(message: str, code: int) -> int:
    print(f"scenefarm: {message}", file=sys.stderr)
    return code
