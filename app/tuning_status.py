"""A tuning run's progress where the app can see it: one small JSON file in the data dir.

`fennec tune` (run from the terminal or by the tuning window) writes it after each step; the
desktop app reads it every few seconds so its tray can say "tuning" even though the training
runs in another process. A file left by a run that died (its process gone, or silent for
STALE_S) is ignored and removed.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from app.paths import data_dir

STALE_S = 120.0  # a paced step on a hot fanless laptop can take a while, but not this long


def status_file() -> Path:
    return data_dir() / "tuning.json"


@dataclass(frozen=True)
class TuningStatus:
    adapter: str
    iteration: int
    total: int
    train_loss: float | None
    tokens_per_s: float
    paced_s: float
    pid: int
    updated_at: float

    @property
    def summary(self) -> str:
        loss = f", loss {self.train_loss:.2f}" if self.train_loss is not None else ""
        paced = ", paced to stay cool" if self.paced_s > 0 else ""
        return f"tuning {self.adapter}: step {self.iteration}/{self.total}{loss}{paced}"


def write_status(
    adapter: str, progress, clock: Callable[[], float] = time.time, path: Path | None = None
) -> None:
    """Record a run's progress (a TuneProgress); atomic, so a reader never sees half a file."""
    path = path or status_file()
    status = TuningStatus(
        adapter,
        progress.iteration,
        progress.total,
        progress.train_loss,
        progress.tokens_per_s,
        progress.paced_s,
        os.getpid(),
        clock(),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(asdict(status)))
        tmp.replace(path)
    except OSError:
        pass  # progress for the tray is a courtesy: a full disk must not stop the training


def clear_status(path: Path | None = None) -> None:
    path = path or status_file()
    try:
        if json.loads(path.read_text()).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def read_status(
    clock: Callable[[], float] = time.time,
    alive: Callable[[int], bool] | None = None,
    path: Path | None = None,
) -> TuningStatus | None:
    """The run in progress, or None (no run, a damaged file, or a dead or silent run)."""
    path = path or status_file()
    try:
        status = TuningStatus(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError):
        return None
    alive = alive or _pid_alive
    if clock() - status.updated_at > STALE_S or not alive(status.pid):
        try:
            path.unlink()
        except OSError:
            pass
        return None
    return status


def _pid_alive(pid: int) -> bool:
    import psutil

    return psutil.pid_exists(pid)
