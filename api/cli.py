"""The `scenefarm` command line."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from api import lesson_cli, render_client, serve_cli, serve_registry
from api.farm_config import farm_config
from api.progress import Progress
from api.settings import Settings, get_settings
from cluster.delivery.storage import StorageError
from cluster.farm import (
    ClusterStartError,
    Farm,
    LessonFailed,
    LessonReport,
    RenderRequest,
    logs,
    running_address,
    stop_local_cluster,
)
from cluster.farm.nodes import check_group
from cluster.farm.ray_head import dashboard_url, sandbox_root
from cluster.jobs.redis_server import running_url, stop_local_redis
from renderers import ChunkPolicy, Quality, SceneSource
from sandbox import (
    BACKENDS,
    SandboxError,
    reap_containers,
)
from scenes import lesson_id_for, path_id_key

EXIT_FAILED, EXIT_USAGE, EXIT_INFRA = 1, 2, 3


def _positive(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def _scene_group(text: str) -> tuple[str, str]:
    scene, sep, group = text.partition("=")
    if not sep or not scene:
        raise argparse.ArgumentTypeError(f"{text!r} is not SCENE=GROUP (e.g. Intro=gpu_render)")
    try:
        return scene, check_group(group)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from e


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scenefarm", description="Render Manim lessons on a farm of sandboxed workers."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    render = sub.add_parser("render", help="render a scene file into one video")
    render.add_argument("file", type=Path, help="a Python file defining Manim Scene classes")
    render.add_argument(
        "scenes", nargs="*", help="scenes to render, in this order (default: all, in file order)"
    )
    render.add_argument(
        "-o", "--output", type=Path, required=True, help="the lesson video (.mp4) to write"
    )
    render.add_argument(
        "--quality",
        "-q",
        choices=[q.value for q in Quality],
        default="l",
        help="l=480p15, m=720p30, h=1080p60, k=2160p60 (default: l)",
    )
    render.add_argument("--workers", type=_positive, help="render workers (default: one per CPU)")
    render.add_argument(
        "--chunk-frames",
        type=_positive,
        help="target frames per chunk (default: balance the lesson over the workers)",
    )
    render.add_argument(
        "--no-cache", action="store_true", help="render every chunk, ignoring the chunk cache"
    )
    render.add_argument(
        "--allow-partial", action="store_true", help="write a video of the scenes that rendered"
    )
    render.add_argument("--report", type=Path, help="write a JSON report here")
    render.add_argument(
        "--sandbox", choices=BACKENDS, help="sandbox backend (default: $SCENEFARM_SANDBOX or auto)"
    )
    render.add_argument(
        "--group",
        action="append",
        default=[],
        type=_scene_group,
        metavar="SCENE=GROUP",
        help="render all of SCENE's chunks in worker group GROUP, a node resource such as"
        " gpu_render (default: cpu_render); repeatable",
    )
    render.add_argument("--timeout-s", type=_positive, help="wall-clock limit per chunk in seconds")
    render.add_argument("--memory-mb", type=_positive, help="memory limit per chunk in MB")
    lesson_cli.add_commands(sub, _positive)
    serve_cli.add_commands(sub, _positive)
    sub.add_parser("down", help="stop the local cluster, its warm workers and the embedded redis")
    sub.add_parser("status", help="say whether the local cluster is running")
    return parser


@dataclass(frozen=True)
class _Run:
    """Where and for whom a render command runs: here, or in the render server for a client
    (its working dir; whether it left)."""

    cwd: Path
    cancelled: Callable[[], bool]
    ran_in: str  # the report's totals.ran_in: "cli" or "render-server"


def _render(args: argparse.Namespace, settings: Settings, run: _Run) -> int:
    file = run.cwd / args.file
    try:
        source = SceneSource(file.name, file.read_text())
    except (OSError, UnicodeDecodeError) as e:
        print(f"scenefarm: cannot read {args.file}: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        config = farm_config(args, settings)
        lesson_id = lesson_id_for(file, path_id_key(settings.data_dir))
    except (SandboxError, StorageError, OSError, ValueError) as e:
        print(f"scenefarm: {e}", file=sys.stderr)
        return EXIT_USAGE
    output = (run.cwd / args.output).resolve()
    request = RenderRequest(
        lesson_id=lesson_id,
        source=source,
        output=output,
        scenes=tuple(args.scenes),
        quality=Quality(args.quality),
        use_cache=not args.no_cache,
        allow_partial=args.allow_partial,
        scenes_dir=output.with_name(f"{output.stem}_scenes"),
        policy=ChunkPolicy(target_frames=args.chunk_frames),
        groups=tuple(args.group),
    )
    started = time.monotonic()
    progress = Progress()
    try:
        with Farm(config, progress.say) as farm, progress:
            report = farm.render(request, progress, run.cancelled)
            report.totals["ran_in"] = run.ran_in
            farm.publish(request, report)
    except LessonFailed as e:
        e.report.error = str(e)
        e.report.totals["ran_in"] = run.ran_in
        _finish(args, run, e.report, started)
        print(f"scenefarm: {e}", file=sys.stderr)
        return EXIT_FAILED
    except (ClusterStartError, SandboxError, RuntimeError) as e:
        print(f"scenefarm: the farm could not run: {e}", file=sys.stderr)
        return EXIT_INFRA
    _finish(args, run, report, started)
    failed = [s.name for s in report.scenes if s.error]
    note = f" (without failed scenes: {', '.join(failed)})" if failed else ""
    print(f"scenefarm: wrote {output}{note}", file=sys.stderr)
    if report.video_url:
        print(f"scenefarm: published {report.video_url}", file=sys.stderr)
    return 0


def _start_render_server(settings: Settings) -> None:
    """After a command that found (or started) the local cluster, the next ones can skip the
    CLI's start-up: see api/render_server.py. Never fails the command."""
    if render_client.disabled() or not running_address(settings.data_dir):
        return
    with contextlib.suppress(OSError):
        render_client.start_server(settings.data_dir)


def _finish(args: argparse.Namespace, run: _Run, report: LessonReport, started: float) -> None:
    report.totals["wall_s"] = round(time.monotonic() - started, 3)
    if args.report:
        report.write(run.cwd / args.report)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Options may come before or after the scene names (`render FILE A B -o x.mp4 --no-cache`)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args, _ = parser.parse_known_args(argv)
    if args.command != "render":
        return parser.parse_args(argv)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    render_args: argparse.Namespace = sub.choices["render"].parse_intermixed_args(
        argv[argv.index("render") + 1 :]
    )
    render_args.command = "render"
    return render_args


def _settings() -> Settings | None:
    """This process's settings; None (each bad one said in a line) when the environment
    holds a value that is not valid."""
    try:
        return get_settings()
    except ValidationError as e:
        for error in e.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            name = field if field.isupper() else f"SCENEFARM_{field.upper()}"
            print(f"scenefarm: bad setting {name}: {error['msg']}", file=sys.stderr)
        return None


def main(
    argv: Sequence[str] | None = None,
    cwd: Path | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> int:
    """Runs one command. `cwd` and `cancelled`: the render server's run of a client's command
    (relative paths are the client's; the client leaving cancels it)."""
    args = parse(argv)
    settings = _settings()
    if settings is None:
        return EXIT_USAGE
    logs.configure(settings.log_format)
    logging.getLogger("sandbox.factory").setLevel(logging.INFO)  # which backend `auto` chose
    if args.command == "render":
        run = _Run(cwd or Path.cwd(), cancelled, "cli" if cwd is None else "render-server")
        code = _render(args, settings, run)
        if cwd is None and settings.ray_address is None:
            _start_render_server(settings)
        return code
    if args.command in lesson_cli.COMMANDS:
        return lesson_cli.run(args, settings)
    if args.command in serve_cli.COMMANDS:
        return serve_cli.run(args, settings)
    if args.command == "down":
        for serving in serve_registry.stop_all(settings.data_dir):  # before what they rely on
            print(f"scenefarm: API server {serving.url} stopped (pid {serving.pid})")
        stopped = stop_local_cluster(settings.data_dir)
        print(
            "scenefarm: local cluster stopped"
            if stopped
            else "scenefarm: no local cluster was running"
        )
        if stop_local_redis(settings.data_dir):
            print("scenefarm: embedded redis stopped")
        # A daemon busy tearing the cluster's containers down can be slow to answer: wait for it.
        reaped = reap_containers(sandbox_root(settings.data_dir), timeout_s=30.0)
        if reaped:
            print(f"scenefarm: removed {reaped} leftover sandbox container(s)")
        return 0
    _status(settings)
    return 0


def _status(settings: Settings) -> None:
    data_dir = settings.data_dir
    address = running_address(data_dir)
    if address:
        print(f"scenefarm: local cluster running at {address}")
        print(f"scenefarm: Ray dashboard {_dashboard(data_dir)}")
    else:
        print("scenefarm: no local cluster running")
    server = render_client.server_pid(data_dir)
    if server is not None:
        print(f"scenefarm: render server running (pid {server})")
    redis = running_url(data_dir)
    print(f"scenefarm: embedded redis running at {redis}" if redis else _redis_down(data_dir))
    for serving in serve_registry.running(data_dir):
        print(f"scenefarm: API server running at {serving.url} (pid {serving.pid})")


def _dashboard(data_dir: Path) -> str:
    """The dashboard's URL as the head was started with it, if it answers there."""
    url = dashboard_url(data_dir)
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310  # our own loopback URL
            return url
    except (OSError, ValueError):
        return f"{url} (not answering)"


def _redis_down(data_dir: Path) -> str:
    if (data_dir / "redis").is_dir():
        return "scenefarm: embedded redis NOT running (a serve restarts it; or `scenefarm down`)"
    return "scenefarm: no embedded redis"


def console() -> NoReturn:
    """The `scenefarm` command: the render server's run of it if it can take it (see
    api/launch.py), else main() here; then a quick exit.

    Everything the command makes is written and closed by the time main() returns; what is
    left is tearing the interpreter down (Ray's and gRPC's threads, thousands of modules),
    measured at 0.35 s here, plus 0.3 s for leaving the Ray cluster, which the CLI's farms
    skip (FarmConfig.stay_connected): Ray records the driver's job as ended either way.
    """
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing left to say
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    console()
