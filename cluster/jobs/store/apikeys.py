"""API keys, stored hashed: `sf_{key_id}_{token}`, where the token is 32 random bytes.

Only the SHA-256 of the whole key is kept (a key is high-entropy, so a plain hash suffices and
lookups stay O(1)); the key itself is shown once, by `scenefarm keys create`. Each key also has
a webhook signing secret, kept in the clear because signing needs it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time

from redis.typing import EncodableT, FieldT

from cluster.jobs.store import redis_keys
from cluster.jobs.store.client import (
    GuardedRedis,
    maybe_text,
    text_map,
    texts,
    unavailable_as_error,
)
from cluster.jobs.store.errors import KeyRejected
from cluster.jobs.store.models import ApiKey

_KEY = re.compile(r"^sf_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")
OWNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _sha256(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeys:
    def __init__(self, client: GuardedRedis) -> None:
        self.r = client

    def create(self, owner: str) -> tuple[str, ApiKey]:
        """A new key for `owner`: the key (shown once) and its record."""
        if not OWNER.match(owner):
            raise ValueError(
                "an owner name is 1-64 letters, digits, '.', '_' or '-', starting alphanumeric"
            )
        key_id = secrets.token_hex(6)
        key = f"sf_{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKey(
            key_id=key_id,
            owner=owner,
            created_at=time.time(),
            webhook_secret="whsec_" + secrets.token_urlsafe(32),
        )
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(redis_keys.api_key(key_id), mapping=_fields(record, _sha256(key)))
        pipe.set(redis_keys.api_key_by_hash(_sha256(key)), key_id)
        pipe.zadd(redis_keys.API_KEYS, {key_id: record.created_at})
        with unavailable_as_error():
            pipe.execute()
        return key, record

    def authenticate(self, key: str) -> ApiKey:
        """The key's record; KeyRejected if it is malformed, unknown or revoked."""
        if not _KEY.match(key):
            raise KeyRejected("malformed API key")
        key_id = maybe_text(self.r.get(redis_keys.api_key_by_hash(_sha256(key))))
        record = self.get(key_id) if key_id else None
        if record is None or record.revoked:
            raise KeyRejected("unknown or revoked API key")
        return record

    def get(self, key_id: str) -> ApiKey | None:
        raw = text_map(self.r.hgetall(redis_keys.api_key(key_id)))
        if not raw:
            return None
        return ApiKey(
            key_id=key_id,
            owner=raw["owner"],
            created_at=float(raw["created_at"]),
            revoked=raw.get("revoked") == "1",
            webhook_secret=raw.get("webhook_secret", ""),
        )

    def revoke(self, key_id: str) -> bool:
        """Revokes a key by id (or by the whole key); False if there is no such key."""
        match = _KEY.match(key_id)
        key_id = match.group(1) if match else key_id
        stored = maybe_text(self.r.hget(redis_keys.api_key(key_id), "sha256"))
        if stored is None:
            return False
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(redis_keys.api_key(key_id), "revoked", "1")
        pipe.delete(redis_keys.api_key_by_hash(stored))
        with unavailable_as_error():
            pipe.execute()
        return True

    def all(self) -> list[ApiKey]:
        ids = texts(self.r.zrange(redis_keys.API_KEYS, 0, -1))
        found = (self.get(key_id) for key_id in ids)
        return [k for k in found if k is not None]


def _fields(record: ApiKey, sha256: str) -> dict[FieldT, EncodableT]:
    return {
        "owner": record.owner,
        "sha256": sha256,
        "created_at": repr(record.created_at),
        "revoked": "0",
        "webhook_secret": record.webhook_secret,
    }
