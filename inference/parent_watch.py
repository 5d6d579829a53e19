"""The worker dies with the program that started it.

The app and `fennec chat` start the worker with a pipe on its standard input and keep the
write end. When that program ends in any way — quit, crash, `kill -9` — the kernel closes the
pipe and the worker reads end-of-file. That works on every platform, unlike a parent-death
signal (Linux only, and tied to the *thread* that forked). A re-parented worker (its parent
id changed) is treated the same way, for a parent that handed its pipe to someone else.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from typing import BinaryIO

PPID_CHECK_S = 2.0  # a cheap second signal; no busy loop: the read blocks in the kernel


def watch_parent(
    on_gone: Callable[[], None],
    stream: BinaryIO | None = None,
    parent_pid: int | None = None,
) -> threading.Thread:
    """Call `on_gone` once, from a daemon thread, when `stream` (stdin by default) reaches EOF
    or when this process is re-parented away from `parent_pid` (the parent at start)."""
    source = stream if stream is not None else sys.stdin.buffer
    expected = parent_pid if parent_pid is not None else os.getppid()
    gone = threading.Event()
    fired = threading.Lock()

    def fire() -> None:
        if fired.acquire(blocking=False):
            gone.set()
            on_gone()

    def read_until_eof() -> None:
        try:
            while source.read(4096):
                pass  # the parent never writes; anything it does is ignored
        except (OSError, ValueError):
            pass  # a closed or broken pipe means the same as EOF
        fire()

    def check_ppid() -> None:
        while not gone.wait(PPID_CHECK_S):
            if os.getppid() != expected:
                fire()
                return

    threading.Thread(target=check_ppid, name="parent-ppid", daemon=True).start()
    reader = threading.Thread(target=read_until_eof, name="parent-pipe", daemon=True)
    reader.start()
    return reader


def exit_soon(grace_s: float = 10.0, code: int = 1) -> None:
    """A last resort after a graceful stop was asked for: leave even if shutdown hangs
    (a long prefill holds the model thread), so no orphan keeps the machine busy."""

    def leave() -> None:
        sys.stderr.flush()
        os._exit(code)

    timer = threading.Timer(grace_s, leave)
    timer.daemon = True
    timer.start()
