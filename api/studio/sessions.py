"""Studio sessions: an API key is exchanged once for a random session token kept in a cookie.

The cookie holds only the token; Redis holds its SHA-256 (a stolen Redis dump signs nobody in)
with the key's id, the owner and the session's CSRF token. Every request looks the key up again,
so a revoked key ends its sessions at once. Sessions expire after `SESSION_TTL_S` idle.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from redis.typing import EncodableT, FieldT

from cluster.jobs.store import ApiKey, JobStore
from cluster.jobs.store.client import text_map, unavailable_as_error

SESSION_TTL_S = 12 * 3600
_PREFIX = "sf:studio:session:"  # beside the job store's own `sf:` keys


@dataclass(frozen=True)
class Session:
    digest: str  # SHA-256 of the cookie's token: the Redis key, never the token itself
    key_id: str
    owner: str
    csrf: str
    created_at: float

    def csrf_ok(self, sent: str) -> bool:
        return hmac.compare_digest(self.csrf.encode(), sent.encode())


class SessionGone(Exception):
    """No session for this cookie: never made, expired, or signed out."""


class KeyRevoked(Exception):
    """The session's API key was revoked (or deleted) since sign-in."""


def _redis_key(digest: str) -> str:
    return _PREFIX + digest


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, store: JobStore, ttl_s: int = SESSION_TTL_S) -> None:
        self.store = store
        self.ttl_s = ttl_s

    def create(self, key: ApiKey) -> str:
        """A new session for an authenticated key; returns the cookie's token."""
        token = secrets.token_urlsafe(32)
        fields: dict[FieldT, EncodableT] = {
            "key_id": key.key_id,
            "owner": key.owner,
            "csrf": secrets.token_urlsafe(32),
            "created_at": repr(time.time()),
        }
        pipe = self.store.redis.pipeline(transaction=True)
        pipe.hset(_redis_key(_digest(token)), mapping=fields)
        pipe.expire(_redis_key(_digest(token)), self.ttl_s)
        with unavailable_as_error():
            pipe.execute()
        return token

    def load(self, token: str) -> tuple[Session, ApiKey]:
        """The session and its key, still valid; SessionGone or KeyRevoked otherwise."""
        digest = _digest(token)
        raw = text_map(self.store.redis.hgetall(_redis_key(digest)))
        if not raw:
            raise SessionGone("no such session")
        session = Session(
            digest, raw["key_id"], raw["owner"], raw["csrf"], float(raw["created_at"])
        )
        key = self.store.keys.get(session.key_id)
        if key is None or key.revoked or key.owner != session.owner:
            self.store.redis.delete(_redis_key(digest))
            raise KeyRevoked(f"API key {session.key_id} was revoked")
        self.store.redis.expire(_redis_key(digest), self.ttl_s)  # idle expiry, not absolute
        return session, key

    def end(self, token: str) -> None:
        self.store.redis.delete(_redis_key(_digest(token)))
