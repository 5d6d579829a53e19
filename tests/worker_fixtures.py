"""One way for API tests to start a real worker and talk to it (used by several modules,
each with the batch size its tests need)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from inference.worker_process import Worker, start_worker

ENGINES = ["mlx", "llamacpp"]


@contextmanager
def api_worker(model: Path, engine: str, max_batch: int) -> Iterator[Worker]:
    """A worker without the governor: these tests are about the API, and on a machine without
    a temperature sensor the governor's blind cap paces answers to a crawl."""
    worker = start_worker(
        str(model), engine, extra_args=("--max-batch", str(max_batch), "--no-governor")
    )
    try:
        yield worker
    finally:
        worker.stop()


@contextmanager
def api_client(worker: Worker) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=worker.base_url, timeout=60, headers={"Authorization": f"Bearer {worker.token}"}
    ) as client:
        yield client


@contextmanager
def engine_scheduler(model: Path, engine: str, max_batch: int = 8) -> Iterator[tuple]:
    """The engine behind a running scheduler, in this process: (engine name, engine, scheduler)."""
    from inference.model_source import load_engine, resolve
    from inference.scheduler import Scheduler

    files = resolve(str(model))
    holder = {}

    def factory():
        holder["engine"] = load_engine(files, engine)
        return holder["engine"]

    scheduler = Scheduler(factory, max_batch=max_batch)
    scheduler.start()
    try:
        yield engine, holder["engine"], scheduler
    finally:
        scheduler.stop()
