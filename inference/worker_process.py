"""Start `fennec serve` as a child process and wait until it says where it listens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from inference.errors import ModelError

READY = re.compile(r"^fennec: serving (?P<model>.+?) on (?P<url>http://\S+) ")


def fennec_command() -> list[str]:
    """How to run `fennec` again: the interpreter with `-m app`, or, inside a PyInstaller
    bundle (sys.frozen), the bundle's own executable, which is the same command line."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "app"]


@dataclass
class Worker:
    """A running worker process and how to talk to it."""

    process: subprocess.Popen
    base_url: str
    token: str
    model: str
    log: list[str] = field(default_factory=list)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_worker(
    model: str, engine: str = "auto", extra_args: tuple[str, ...] = (), timeout: float = 300.0
) -> Worker:
    """Spawn a loopback worker on a random port with a per-launch token file (0600)."""
    token_dir = Path(tempfile.mkdtemp(prefix="fennec-"))
    os.chmod(token_dir, 0o700)
    token_file = token_dir / "token"
    cmd = [
        *fennec_command(),
        "serve",
        "--model",
        model,
        "--engine",
        engine,
        "--port",
        "0",
        "--token-file",
        str(token_file),
        "--exit-with-parent",
        *extra_args,
    ]
    # We hold the write end of its stdin for our whole life: when we end (even by kill -9)
    # the worker reads EOF and stops, so no orphan keeps the model loaded.
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    log: list[str] = []
    found: dict = {}
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            log.append(line.rstrip("\n"))
            del log[:-200]
            m = READY.match(line)
            if m and not ready.is_set():
                found.update(m.groupdict())
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout) or not found:
        proc.kill()
        proc.wait()
        errors = [ln for ln in log if ln.startswith("fennec: error:")]
        reason = (
            errors[-1].removeprefix("fennec: error: ")
            if errors
            else (log[-1] if log else "no output")
        )
        raise ModelError(f"the worker did not start: {reason}")
    token = token_file.read_text()
    token_file.unlink()
    token_dir.rmdir()
    return Worker(proc, found["url"], token, found["model"], log)
