"""Conversations' KV caches saved on disk, so a chat continued after a worker restart (each
app launch, each crash, each idle unload) prefills only its new messages.

One folder per identity (model, its weights' size and date, engine, KV precision, adapter):
a cache saved by another model or other settings is never even looked at. Each entry is the
engine's own file (mlx-lm's prompt-cache safetensors; llama.cpp's sequence state file) named
by a hash of its tokens, beside a JSON sidecar with the tokens, the file's size and SHA-256.
A file that does not match its sidecar (truncated, corrupt), or that the engine fails to
load, is deleted and ignored. The folder is kept under a byte budget, least recently used
first. Only the model thread calls it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what is saved changes meaning
# Shorter conversations prefill in well under a second: not worth a file.
MIN_SAVED_TOKENS = 256


# A half-written or unrecorded file older than this is a crash's leftover, not work in progress.
LEFTOVER_AGE_S = 3600
# Loading a file for fewer shared tokens than this costs more than prefilling them.
MIN_REUSED_TOKENS = 128


@dataclass(frozen=True)
class StoredPrefix:
    path: Path  # the engine's file
    tokens: list[int]  # what it holds
    common: int  # how many of them begin the prompt it was found for (the rest is trimmed)


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def identity_key(identity: dict) -> str:
    """The folder name for an identity: a hash of everything a saved KV depends on."""
    text = json.dumps({"format": FORMAT} | identity, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def weights_fingerprint(path: Path) -> str:
    """Size and modification time of a model's weights: a re-downloaded or converted model
    is another model."""
    files = [path] if path.is_file() else sorted(path.glob("*.safetensors"))
    return ";".join(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in files)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class PromptStore:
    """Saved KV caches of one identity under `root`, within `budget_bytes` for all identities."""

    def __init__(self, root: Path, identity: dict, budget_bytes: int, suffix: str) -> None:
        self.root = Path(root)
        self.folder = self.root / identity_key(identity)
        self.budget_bytes = budget_bytes
        self.suffix = suffix  # the engine's file type: ".safetensors" or ".state"
        self.identity = identity
        # What each record holds, by file name, with its modification time: a request reads
        # only the records that changed since the last one, not the whole folder again.
        self._known: dict[str, tuple[int, list[int]]] = {}

    def _paths(self, tokens: list[int]) -> tuple[Path, Path]:
        name = hashlib.sha256(json.dumps(tokens).encode()).hexdigest()[:32]
        return self.folder / f"{name}{self.suffix}", self.folder / f"{name}.json"

    # -- finding ------------------------------------------------------------------------
    def longest_prefix(self, prompt: list[int], longer_than: int = 0) -> StoredPrefix | None:
        """The saved entry sharing the longest start with `prompt` (more than `longer_than`
        tokens, and at least MIN_REUSED_TOKENS), checked whole: a bad one is deleted and
        the next tried. A saved answer the client rephrased still lends its prompt part."""
        if not self.folder.is_dir():
            return None
        best: tuple[int, Path, list[int]] | None = None
        floor = max(longer_than, MIN_REUSED_TOKENS - 1)
        for sidecar, tokens in self._entries():
            n = common_prefix(tokens, prompt)
            if n > floor and (best is None or n > best[0]):
                best = (n, sidecar, tokens)
        if best is None:
            return None
        common, sidecar, tokens = best
        data = sidecar.with_suffix(self.suffix)
        meta = self._read_sidecar(sidecar)
        if meta is None or not self._intact(data, meta):
            log.warning("discarding a damaged prompt cache %s", data.name)
            self.discard(data)
            return self.longest_prefix(prompt, longer_than)
        try:
            os.utime(sidecar)  # recently used: the last to go
        except OSError:
            pass  # deleted meanwhile (another worker's budget): it was read whole already
        return StoredPrefix(data, tokens, common)

    def _entries(self) -> list[tuple[Path, list[int]]]:
        """Every readable record of this identity and the tokens it holds."""
        known: dict[str, tuple[int, list[int]]] = {}
        for sidecar in self.folder.glob("*.json"):
            try:
                mtime = sidecar.stat().st_mtime_ns
            except OSError:
                continue
            entry = self._known.get(sidecar.name)
            if entry is None or entry[0] != mtime:
                meta = self._read_sidecar(sidecar)
                if meta is None:
                    continue
                entry = (mtime, meta["tokens"])
            known[sidecar.name] = entry
        self._known = known
        return [(self.folder / name, tokens) for name, (_, tokens) in known.items()]

    def load(self, prompt: list[int], loader: Callable[[StoredPrefix], object], longer_than=0):
        """`loader(entry)` for the best saved prefix of `prompt`: (entry, its result), or
        None. A loader that raises marks the file bad: deleted, and the next best tried."""
        while True:
            entry = self.longest_prefix(prompt, longer_than)
            if entry is None:
                return None
            try:
                return entry, loader(entry)
            except Exception as e:
                log.warning("discarding a prompt cache the engine cannot load (%s)", e)
                self.discard(entry.path)

    def _read_sidecar(self, sidecar: Path) -> dict | None:
        try:
            meta = json.loads(sidecar.read_text())
            tokens = meta["tokens"]
            if meta.get("identity") != self.identity or not isinstance(tokens, list):
                raise ValueError("another model's or other settings' cache")
            if not all(isinstance(t, int) for t in tokens):
                raise ValueError("tokens are not integers")
            return meta
        except (OSError, ValueError, KeyError, TypeError):
            self.discard(sidecar.with_suffix(self.suffix))
            return None

    @staticmethod
    def _intact(data: Path, meta: dict) -> bool:
        try:
            return data.stat().st_size == meta["bytes"] and _sha256(data) == meta["sha256"]
        except (OSError, KeyError):
            return False

    # -- saving -------------------------------------------------------------------------
    def save(self, tokens: list[int], writer: Callable[[Path], None]) -> Path | None:
        """Save a conversation: `writer(path)` writes the engine's file. Entries that are a
        prefix of this one are dropped (this one holds them), then the budget is kept."""
        if len(tokens) < MIN_SAVED_TOKENS or self.budget_bytes <= 0:
            return None
        data, sidecar = self._paths(tokens)
        # Named so no reader takes it for an entry; ends in the suffix because mlx appends
        # ".safetensors" to a name that lacks it.
        partial = data.with_name(data.stem + ".partial" + self.suffix)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            writer(partial)
            size = partial.stat().st_size
            meta = {
                "identity": self.identity,
                "tokens": list(tokens),
                "bytes": size,
                "sha256": _sha256(partial),
            }
            partial.replace(data)
            sidecar.write_text(json.dumps(meta))
        except Exception as e:  # a full disk or a failing writer costs the cache, not the answer
            log.warning("could not save a prompt cache: %s", e)
            partial.unlink(missing_ok=True)
            self.discard(data)
            return None
        self._drop_prefixes_of(tokens, keep=sidecar)
        self.enforce_budget(keep=sidecar)
        return data

    def _drop_prefixes_of(self, tokens: list[int], keep: Path) -> None:
        for sidecar, held in self._entries():
            if sidecar != keep and tokens[: len(held)] == held:
                self.discard(sidecar.with_suffix(self.suffix))

    def enforce_budget(self, keep: Path | None = None) -> None:
        """Delete least recently used entries (of every identity) until under the budget."""
        self._sweep_leftovers()
        entries = []
        for sidecar in self.root.glob("*/*.json"):
            try:
                meta = json.loads(sidecar.read_text())
                entries.append((sidecar.stat().st_mtime, sidecar, int(meta["bytes"])))
            except (OSError, ValueError, KeyError, TypeError):
                continue
        total = sum(size for _, _, size in entries)
        for _, sidecar, size in sorted(entries, key=lambda e: e[0]):
            if total <= self.budget_bytes:
                break
            if sidecar == keep:
                continue
            for data in sidecar.parent.glob(sidecar.stem + ".*"):
                data.unlink(missing_ok=True)
            total -= size

    def _sweep_leftovers(self, now: float | None = None) -> None:
        """Files a crash left behind: a half-written file, or one whose record was never
        written. Only old ones: another worker may be between those two steps right now."""
        now = time.time() if now is None else now
        for path in self.root.glob("*/*"):
            try:
                old = now - path.stat().st_mtime > LEFTOVER_AGE_S
            except OSError:
                continue
            unrecorded = path.suffix != ".json" and not path.with_suffix(".json").exists()
            if old and (".partial" in path.name or unrecorded):
                path.unlink(missing_ok=True)

    def discard(self, data: Path) -> None:
        data.unlink(missing_ok=True)
        data.with_suffix(".json").unlink(missing_ok=True)

    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*/*") if p.suffix != ".json")
