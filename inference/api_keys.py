"""Per-user API keys for office server mode: hashed at rest, each with its own rate limit.

A key is 32 random bytes (`fk_` + url-safe text), shown once when made. The file holds its
SHA-256 only: a key that strong needs no slow hash (as GitHub and Stripe tokens), and a
stolen file lets nobody in. The worker re-reads the file when it changes, so a revoke takes
effect without a restart.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from inference.errors import FennecError

PREFIX = "fk_"
DEFAULT_RATE_PER_MIN = 60
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


class ApiKeyError(FennecError):
    """A key could not be made, found or revoked (bad name, duplicate, unknown)."""


@dataclass(frozen=True)
class ApiKey:
    name: str  # who holds it, e.g. alice or reception-pc
    digest: str  # sha256 hex of the key
    created_at: float
    rate_per_min: int = DEFAULT_RATE_PER_MIN
    revoked: bool = False


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._cache: tuple[float, dict[str, ApiKey]] | None = None

    def list(self) -> list[ApiKey]:
        try:
            raw = json.loads(self.path.read_text()) if self.path.exists() else []
            return [ApiKey(**item) for item in raw]
        except (OSError, json.JSONDecodeError, TypeError) as e:
            raise ApiKeyError(f"cannot read the keys file {self.path}: {e}") from None

    def add(self, name: str, rate_per_min: int = DEFAULT_RATE_PER_MIN) -> tuple[ApiKey, str]:
        """A new key for `name`; returns its record and the key itself (shown once)."""
        if not _NAME.match(name):
            raise ApiKeyError(f"key name {name!r}: letters, digits, '.', '_', '@' or '-'")
        if rate_per_min < 1:
            raise ApiKeyError("the rate limit is at least 1 request a minute")
        keys = self.list()
        if any(k.name == name and not k.revoked for k in keys):
            raise ApiKeyError(f"{name} already has a key; revoke it first")
        plain = PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(name, digest(plain), time.time(), rate_per_min)
        self._save([*keys, record])
        return record, plain

    def revoke(self, name: str) -> int:
        keys = self.list()
        live = [k for k in keys if k.name == name and not k.revoked]
        if not live:
            raise ApiKeyError(f"no live key named {name!r}")
        self._save([ApiKey(**(asdict(k) | {"revoked": True})) if k in live else k for k in keys])
        return len(live)

    def verify(self, key: str) -> ApiKey | None:
        """The live key record for `key`, or None. Re-reads the file when it has changed."""
        wanted = digest(key)
        for known, record in self._live().items():
            if hmac.compare_digest(known, wanted):
                return record
        return None

    def _live(self) -> dict[str, ApiKey]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            return {}
        with self._lock:
            if self._cache is None or self._cache[0] != mtime:
                live = {k.digest: k for k in self.list() if not k.revoked}
                self._cache = (mtime, live)
            return self._cache[1]

    def _save(self, keys: list[ApiKey]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump([asdict(k) for k in keys], f, indent=2)
        tmp.replace(self.path)
