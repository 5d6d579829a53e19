"""Run blocking work off the GUI thread and come back through a signal (anki's taskman)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal


class _Bridge(QObject):
    task_did_finish = Signal(object, object, object)  # callback, result, error


_bridge: _Bridge | None = None


def _get_bridge() -> _Bridge:
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
        _bridge.task_did_finish.connect(_deliver)
    return _bridge


def _deliver(callback: Callable, result: Any, error: BaseException | None) -> None:
    callback(result, error)


def run_in_background(
    fn: Callable[[], Any], on_done: Callable[[Any, BaseException | None], None]
) -> threading.Thread:
    """`fn` runs on a daemon thread; `on_done(result, error)` runs on the GUI thread."""
    bridge = _get_bridge()

    def work() -> None:
        try:
            result, error = fn(), None
        except BaseException as e:  # handed back as a value; the GUI decides what to show
            result, error = None, e
        bridge.task_did_finish.emit(on_done, result, error)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread
