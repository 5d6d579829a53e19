"""Catalog models on this machine: download a variant's exact files into Fennec's model folder
(after a memory and disk check), say what is installed, delete it. The model picker and
`fennec models` both use this; neither knows how the Hub is spoken to.

Layout: <data dir>/models/<org>--<repo>/<files>, plus fennec-<quant>.json once every file of
that variant arrived and checked out (without it, a download is still in progress). Two GGUF
quantisations of one repo share its folder, each with its own manifest.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import psutil

from app.paths import data_dir
from inference.catalog import CatalogModel, FitVerdict, Variant, check_fit
from inference.errors import ModelError
from inference.hub_download import (
    PART_SUFFIX,
    DownloadError,
    Progress,
    RemoteFile,
    download_file,
    list_files,
)


class DoesNotFit(ModelError):
    """The model is too big for this machine's memory or free disk; the message says which."""


@dataclass(frozen=True)
class DownloadPlan:
    variant: Variant
    files: tuple[RemoteFile, ...]
    folder: Path
    have_bytes: int  # already on disk (finished files and partial ones)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)


def models_dir() -> Path:
    return data_dir() / "models"


def variant_dir(variant: Variant) -> Path:
    return models_dir() / variant.repo.replace("/", "--")


def model_path(variant: Variant) -> Path:
    """What the engines load: the GGUF file itself, or the MLX folder."""
    folder = variant_dir(variant)
    return folder / variant.files[0].name if variant.files else folder


def manifest_path(variant: Variant) -> Path:
    return variant_dir(variant) / f"fennec-{variant.quant}.json"


def installed_path(variant: Variant) -> Path | None:
    return model_path(variant) if manifest_path(variant).exists() else None


def plan(variant: Variant) -> DownloadPlan:
    """Ask the Hub for the variant's files (exact names, sizes, SHA-256) before fetching any."""
    remote = {f.path: f for f in list_files(variant.repo, variant.revision)}
    if variant.files:
        chosen = tuple(_match_catalog_file(variant, f.name, remote) for f in variant.files)
    else:  # an MLX repo: its top-level weights, config and tokenizer files
        chosen = tuple(
            f
            for path, f in sorted(remote.items())
            if "/" not in path and any(fnmatch(path, p) for p in variant.patterns)
        )
        if not any(f.path.endswith(".safetensors") for f in chosen):
            raise DownloadError(f"{variant.repo} holds no *.safetensors weights on the Hub.")
    folder = variant_dir(variant)
    return DownloadPlan(variant, chosen, folder, _bytes_on_disk(folder, chosen))


def _match_catalog_file(variant: Variant, name: str, remote: dict[str, RemoteFile]) -> RemoteFile:
    listed = remote.get(name)
    if listed is None:
        raise DownloadError(f"{name} is no longer in {variant.repo} on huggingface.co.")
    known = next(f for f in variant.files if f.name == name)
    changed = (known.bytes is not None and known.bytes != listed.bytes) or (
        known.sha256 is not None and listed.sha256 is not None and known.sha256 != listed.sha256
    )
    if changed:
        raise DownloadError(
            f"{name} on huggingface.co is not the file Fennec's catalog names (it changed "
            "upstream); not downloading it. Update Fennec for the new catalog."
        )
    return RemoteFile(name, listed.bytes, known.sha256 or listed.sha256)


def _bytes_on_disk(folder: Path, files: tuple[RemoteFile, ...]) -> int:
    have = 0
    for f in files:
        final, part = folder / f.path, folder / (f.path + PART_SUFFIX)
        if final.exists():
            have += final.stat().st_size
        elif part.exists():
            have += part.stat().st_size
    return have


def check(
    p: DownloadPlan, ram_bytes: int | None = None, free_disk_bytes: int | None = None
) -> FitVerdict:
    """Memory (the whole model) and disk (what is left to fetch) on this machine."""
    if ram_bytes is None:
        ram_bytes = psutil.virtual_memory().total
    if free_disk_bytes is None:
        models_dir().mkdir(parents=True, exist_ok=True)
        free_disk_bytes = shutil.disk_usage(models_dir()).free
    return check_fit(p.variant, p.total_bytes, ram_bytes, free_disk_bytes, p.have_bytes)


def download(
    variant: Variant,
    on_progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    ram_bytes: int | None = None,
    free_disk_bytes: int | None = None,
    force: bool = False,
) -> Path:
    """Check the fit, fetch only the variant's files (resuming), verify, and return the path
    the engines load. Already downloaded: the path, without asking the Hub. `force` skips the
    memory check (not the disk check)."""
    done = installed_path(variant)
    if done is not None:
        return done
    p = plan(variant)
    verdict = check(p, ram_bytes if not force else 1 << 62, free_disk_bytes)
    if not verdict.fits:
        raise DoesNotFit(verdict.message)
    with _only_one_download(variant):
        done_before = 0
        for f in p.files:

            def report(n: int, f: RemoteFile = f, base: int = done_before) -> None:
                if on_progress:
                    on_progress(Progress(f.path, n, f.bytes, base + n, p.total_bytes))

            download_file(variant.repo, variant.revision, f, p.folder / f.path, report, cancel)
            done_before += f.bytes
        manifest = {
            "key": variant.key,
            "repo": variant.repo,
            "revision": variant.revision,
            "files": [
                {
                    "name": f.path,
                    "bytes": f.bytes,
                    "sha256": f.sha256,
                    "sha256_checked": bool(f.sha256),
                }
                for f in p.files
            ],
        }
        manifest_path(variant).write_text(json.dumps(manifest, indent=1))
    return model_path(variant)


@contextmanager
def _only_one_download(variant: Variant) -> Iterator[None]:
    """The picker and `fennec models download` of the same files at once would interleave
    writes to one partial file: the second one is told instead."""
    folder = variant_dir(variant)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f".fennec-{variant.quant}.lock"
    with path.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DownloadError(
                f"{variant.repo} ({variant.quant}) is already downloading in another Fennec "
                "window or command."
            ) from None
        try:
            yield
        finally:
            path.unlink(missing_ok=True)  # still holding the lock: nobody else is in here
            fcntl.flock(lock, fcntl.LOCK_UN)


def delete(variant: Variant) -> int:
    """Remove a downloaded (or half-downloaded) variant; returns the bytes freed. Another
    quantisation in the same folder stays."""
    folder = variant_dir(variant)
    if variant.files:
        names = {f.name for f in variant.files}
        doomed = [manifest_path(variant)] + [
            folder / n for name in names for n in (name, name + PART_SUFFIX)
        ]
    else:
        doomed = [f for f in folder.rglob("*") if f.is_file()] if folder.exists() else []
    doomed = [f for f in doomed if f.exists()]
    if not doomed:
        raise ModelError(f"{variant.repo} ({variant.quant}) is not downloaded.")
    freed = sum(f.stat().st_size for f in doomed)
    for f in doomed:
        f.unlink()
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()
    elif not variant.files:
        shutil.rmtree(folder, ignore_errors=True)
    return freed


def installed(models: list[CatalogModel]) -> list[tuple[CatalogModel, Variant, Path]]:
    return [(m, v, p) for m in models for v in m.variants if (p := installed_path(v))]
