"""A worker never outlives the program that started it, however that program ends."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from inference.parent_watch import PPID_CHECK_S, watch_parent

ROOT = Path(__file__).resolve().parent.parent


def test_watch_fires_once_on_eof():
    fired = threading.Event()
    calls = []
    watch_parent(lambda: (calls.append(1), fired.set()), stream=io.BytesIO(b"noise\n"))
    assert fired.wait(5)
    time.sleep(0.1)
    assert calls == [1]


class _SilentPipe:
    """A parent that keeps its pipe open and never writes: only the ppid check can fire."""

    def __init__(self) -> None:
        self.closed = threading.Event()

    def read(self, _n: int) -> bytes:
        self.closed.wait()
        return b""


def test_watch_fires_when_reparented():
    fired = threading.Event()
    pipe = _SilentPipe()
    try:
        watch_parent(fired.set, stream=pipe, parent_pid=os.getppid() + 1)  # type: ignore[arg-type]
        assert fired.wait(10)
    finally:
        pipe.closed.set()


def test_watch_stays_quiet_while_the_parent_lives():
    fired = threading.Event()
    pipe = _SilentPipe()
    try:
        watch_parent(fired.set, stream=pipe)  # type: ignore[arg-type]
        assert not fired.wait(PPID_CHECK_S * 1.5)
    finally:
        pipe.closed.set()


def _worker_of(parent: psutil.Process, timeout: float = 180) -> psutil.Process:
    """The parent's `fennec serve` child, once it listens (the model is loaded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert parent.is_running(), "the parent ended before its worker started"
        for child in parent.children(recursive=True):
            try:
                if "serve" in child.cmdline() and any(
                    c.status == psutil.CONN_LISTEN for c in child.net_connections("tcp")
                ):
                    return child
            except psutil.Error:
                continue
        time.sleep(0.3)
    raise AssertionError("no worker started")


def _assert_gone_within(worker: psutil.Process, seconds: float) -> None:
    try:
        worker.wait(seconds)
    except psutil.TimeoutExpired:
        worker.kill()
        raise AssertionError(f"the worker outlived its parent by {seconds} s") from None


def _env(fennec_home: Path) -> dict:
    return os.environ | {
        "FENNEC_HOME": str(fennec_home),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
    }


def _kill_parent_and_expect_no_worker(args: list[str], fennec_home: Path) -> None:
    """Start a Fennec program that starts a worker, kill -9 it once the worker listens, and
    require the worker gone within the issue's 10 s."""
    parent = subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=_env(fennec_home),
        stdin=subprocess.PIPE,  # an interactive chat waits for a line we never send
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    try:
        worker = _worker_of(psutil.Process(parent.pid))
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        _assert_gone_within(worker, 10)
    finally:
        if parent.poll() is None:
            parent.kill()
        assert parent.stdin is not None
        parent.stdin.close()


@pytest.mark.gui
@pytest.mark.slow
def test_sigkill_of_the_app_leaves_no_worker(tiny_model, fennec_home):
    _kill_parent_and_expect_no_worker(["--model", str(tiny_model)], fennec_home)


@pytest.mark.slow
def test_sigkill_of_terminal_chat_leaves_no_worker(tiny_model, fennec_home):
    _kill_parent_and_expect_no_worker(
        ["chat", "--model", str(tiny_model), "--engine", "llamacpp"], fennec_home
    )


def test_worker_killed_while_loading_goes_at_once(tmp_path, fennec_home):
    """The parent dies while the worker still loads: it leaves without waiting for the model."""
    script = (
        "import sys, time\n"
        "from inference.parent_watch import PPID_CHECK_S, watch_parent\n"
        "import os\n"
        "watch_parent(lambda: os._exit(3))\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, cwd=ROOT, env=_env(fennec_home)
    )
    time.sleep(0.5)
    assert child.stdin is not None
    child.stdin.close()  # what the kernel does when the parent is killed
    assert child.wait(10) == 3
