"""`scenefarm serve` (the HTTP API) and `scenefarm keys create | revoke | list`."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable

from api.settings import Settings
from cluster.delivery.storage import StorageError
from cluster.jobs.redis_server import RedisStartError
from sandbox import SandboxError

EXIT_FAILED, EXIT_USAGE, EXIT_INFRA = 1, 2, 3
COMMANDS = ("serve", "keys")


def add_commands(sub: argparse._SubParsersAction, positive: Callable[[str], int]) -> None:  # type: ignore[type-arg]
    serve = sub.add_parser("serve", help="run the HTTP API (local Ray, embedded Redis)")
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=positive, default=8000, help="default: 8000")
    keys = sub.add_parser("keys", help="API keys: create, revoke, list")
    actions = keys.add_subparsers(dest="keys_command", required=True)
    create = actions.add_parser("create", help="make a key; prints only the key on stdout")
    create.add_argument("--owner", required=True, help="who the key's lessons belong to")
    revoke = actions.add_parser("revoke", help="revoke a key by its id (or the key itself)")
    revoke.add_argument("key_id")
    actions.add_parser("list", help="list keys (ids and owners, never the keys)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from cluster.jobs.store import JobStoreUnavailable  # redis: imported by these commands only

    try:
        if args.command == "serve":
            return _serve(args, settings)
        return _keys(args, settings)
    except (RedisStartError, JobStoreUnavailable) as e:
        return _error(f"the job store is unavailable: {e}", EXIT_INFRA)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from api import serve_registry
    from api.farm_config import runner_config
    from api.main import create_app
    from api.runtime import redis_url

    if not settings.public_url:  # local artifact URLs point at this server's /artifacts
        host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
        settings = settings.model_copy(update={"public_url": f"http://{host}:{args.port}"})
    try:
        runner_config(settings, redis_url(settings))  # bad settings: one line, before serving
    except (SandboxError, StorageError) as e:
        return _error(str(e), EXIT_USAGE)
    record = serve_registry.register(settings.data_dir, f"http://{args.host}:{args.port}")
    try:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=args.port,
            timeout_graceful_shutdown=10,
            log_level="info",
            # json: uvicorn's lines go through the root logger's JSON formatter (cli.main's)
            log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        )
    finally:
        record.unlink(missing_ok=True)
    return 0


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from api.runtime import open_store

    store = open_store(settings)
    if args.keys_command == "create":
        try:
            key, record = store.keys.create(args.owner)
        except ValueError as e:
            return _error(str(e), EXIT_USAGE)
        print(key)
        print(
            f"scenefarm: key {record.key_id} for owner {record.owner}; webhook signing secret "
            f"{record.webhook_secret} (shown once, like the key)",
            file=sys.stderr,
        )
        return 0
    if args.keys_command == "revoke":
        key_id = _key_id(args.key_id)  # a whole key is never echoed: it is a secret
        if not store.keys.revoke(args.key_id):
            return _error(f"no key {key_id}", EXIT_FAILED)
        print(f"scenefarm: revoked {key_id}", file=sys.stderr)
        return 0
    for k in store.keys.all():
        created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(k.created_at))
        print(f"{k.key_id}\t{k.owner}\t{created}\t{'revoked' if k.revoked else 'active'}")
    return 0


def _key_id(given: str) -> str:
    """The id part of a whole key (`sf_<id>_<secret>`), or what was given if it is not one."""
    match = re.match(r"^sf_([0-9a-f]{12})_", given)
    return match.group(1) if match else given[:40]


def _error(message: str, code: int) -> int:
    print(f"scenefarm: {message}", file=sys.stderr)
    return code
