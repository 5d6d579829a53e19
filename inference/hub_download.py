"""Fetch exact files from the Hugging Face Hub: list a repo's files with their size and SHA-256,
then download only the chosen ones, resumable, with progress, cancel and verification.

Plain HTTP (httpx) rather than huggingface_hub's cache: every byte that is asked for is one we
chose, a partial file resumes with a Range request, cancel is checked between chunks, and the
SHA-256 the Hub publishes for LFS files is checked before a file gets its final name. The Hub's
routes used: GET /api/models/{repo}/tree/{revision} and GET /{repo}/resolve/{revision}/{path}.
"""

from __future__ import annotations

import errno
import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx

from inference.errors import ModelError

CHUNK = 1 << 20
PART_SUFFIX = ".part"


class DownloadError(ModelError):
    """The download failed; the message says why in words a user can act on."""


class DownloadCancelled(DownloadError):
    """The user cancelled; finished files and the partial one stay for a resume."""


@dataclass(frozen=True)
class RemoteFile:
    path: str
    bytes: int
    sha256: str | None  # the Hub publishes it for LFS files (weights), not for small text files


@dataclass(frozen=True)
class Progress:
    file: str
    file_done: int
    file_total: int
    done: int  # all files of this download together
    total: int


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def _client() -> httpx.Client:
    headers = {"User-Agent": "fennec/0.1"}
    token = os.environ.get("HF_TOKEN")
    if token:  # httpx drops it on a redirect to another host (the CDN), as it should
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(
        headers=headers, follow_redirects=True, timeout=httpx.Timeout(30.0, connect=10.0)
    )


def list_files(repo: str, revision: str = "main") -> list[RemoteFile]:
    """Every file of the repo at that revision, with size and (for LFS files) SHA-256."""
    _refuse_if_offline()
    url: str | None = f"{endpoint()}/api/models/{repo}/tree/{quote(revision, safe='')}"
    params: dict | None = {"recursive": "true"}
    entries: list[dict] = []
    with _client() as client:
        while url:  # the Hub pages its listing (1,000 entries) with a Link: next header
            try:
                r = client.get(url, params=params)
            except httpx.HTTPError as e:
                raise DownloadError(_network_reason(e)) from None
            _raise_for_status(r, repo)
            entries += r.json()
            following = r.links.get("next", {}).get("url")
            url, params = (str(r.url.join(following)) if following else None), None
    files = []
    for e in entries:
        if e.get("type") != "file":
            continue
        lfs = e.get("lfs") or {}
        files.append(RemoteFile(e["path"], int(lfs.get("size", e.get("size", 0))), lfs.get("oid")))
    return files


def download_file(
    repo: str,
    revision: str,
    remote: RemoteFile,
    dest: Path,
    on_progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Download one file to `dest` (resuming `dest.part`), check its size and SHA-256, then give
    it its final name. A file already complete is not fetched again."""
    if dest.exists() and dest.stat().st_size == remote.bytes:
        if on_progress:
            on_progress(remote.bytes)
        return dest
    _refuse_if_offline()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + PART_SUFFIX)
    url = f"{endpoint()}/{repo}/resolve/{quote(revision, safe='')}/{quote(remote.path)}"
    digest = hashlib.sha256()
    have = _hash_existing(part, digest) if part.exists() else 0
    if have > remote.bytes:  # a stale partial of a different file: start again
        part.unlink()
        digest, have = hashlib.sha256(), 0
    try:
        with _client() as client:
            if have < remote.bytes:
                have, digest = _fetch(client, url, repo, part, have, digest, on_progress, cancel)
            elif on_progress:
                on_progress(have)
    except OSError as e:
        if e.errno == errno.ENOSPC:
            raise DownloadError(
                "The disk is full; free some space and download again (it resumes)."
            ) from None
        raise DownloadError(f"Could not write {part}: {e.strerror}") from None
    _verify(part, remote, digest.hexdigest())
    os.replace(part, dest)
    return dest


def _fetch(client, url, repo, part, have, digest, on_progress, cancel):
    """Append the rest of the file to `part`; returns the bytes held and their running hash."""
    # identity: Range offsets and the SHA-256 are about the file's own bytes, never a gzip of them
    headers = {"Accept-Encoding": "identity"} | ({"Range": f"bytes={have}-"} if have else {})
    try:
        with client.stream("GET", url, headers=headers) as r:
            if r.status_code == 416 and have:  # nothing left to send: the part is whole
                return have, digest
            _raise_for_status(r, repo)
            if have and r.status_code != 206:  # the server ignored Range: start from zero
                digest, have = hashlib.sha256(), 0
            with part.open("ab" if have else "wb") as f:
                for chunk in r.iter_bytes():  # as received: a cut connection loses nothing
                    if cancel is not None and cancel.is_set():
                        raise DownloadCancelled(
                            "Download cancelled; it resumes where it stopped next time."
                        )
                    f.write(chunk)
                    digest.update(chunk)
                    have += len(chunk)
                    if on_progress:
                        on_progress(have)
    except httpx.HTTPError as e:
        raise DownloadError(_network_reason(e) + " The part already fetched is kept.") from None
    return have, digest


def _hash_existing(part: Path, digest) -> int:
    n = 0
    with part.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
            n += len(block)
    return n


def _verify(part: Path, remote: RemoteFile, sha256: str) -> None:
    """Wrong bytes are removed, not kept for a resume: resuming them would never succeed."""
    size = part.stat().st_size
    if size != remote.bytes:
        part.unlink()
        raise DownloadError(
            f"{remote.path} arrived with {size} bytes instead of {remote.bytes}; "
            "it was removed, download again."
        )
    if remote.sha256 and sha256 != remote.sha256:
        part.unlink()
        raise DownloadError(
            f"{remote.path} is damaged (its SHA-256 does not match the Hub's); "
            "it was removed, download again."
        )


def _refuse_if_offline() -> None:
    if offline():
        raise DownloadError(
            "Fennec is set to work offline (HF_HUB_OFFLINE), so it cannot download."
        )


def _raise_for_status(r: httpx.Response, repo: str) -> None:
    if r.status_code < 400:
        return
    if r.status_code in (401, 403):
        raise DownloadError(
            f"{repo} needs a Hugging Face login (a gated or private model): set HF_TOKEN."
        )
    if r.status_code == 404:
        raise DownloadError(f"{repo} or its file is not on huggingface.co (renamed or removed?).")
    if r.status_code == 429:
        raise DownloadError("huggingface.co asks to slow down; try again in a few minutes.")
    raise DownloadError(f"huggingface.co answered {r.status_code}; try again later.")


def _network_reason(e: httpx.HTTPError) -> str:
    if isinstance(e, httpx.TimeoutException):
        return "The connection to huggingface.co stalled; check the network and try again."
    if isinstance(e, (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError)):
        return "Could not reach huggingface.co; check the connection and try again."
    return "The download was interrupted; check the connection and try again."
