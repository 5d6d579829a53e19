"""The Qt binding must not leak references to None: PySide6 6.12.0 on Python 3.11 dropped one
on every void call, and a long session (or the test run itself) ended in
"Fatal Python error: none_dealloc / bool_dealloc". pyproject keeps such versions out."""

from __future__ import annotations

import gc
import sys

import pytest
from PySide6.QtCore import QObject, QTimer

pytestmark = pytest.mark.gui


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from Python 3.12")
def test_void_qt_calls_keep_none_alive(qapp):
    owner = QObject()
    timer = QTimer(owner)
    gc.collect()
    before = sys.getrefcount(None)
    for _ in range(500):
        timer.setInterval(5)  # returns None: a leaky binding loses one reference each time
    gc.collect()
    assert sys.getrefcount(None) - before > -100


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12")
def test_signals_to_python_slots_keep_true_alive(qapp):
    from PySide6.QtCore import Signal

    class Sender(QObject):
        happened = Signal()

    class Receiver:
        def on_happened(self) -> None:
            pass

    sender, receiver = Sender(), Receiver()
    sender.happened.connect(receiver.on_happened)
    gc.collect()
    before = sys.getrefcount(True)
    for _ in range(500):
        sender.happened.emit()  # 6.12.0 lost a reference to True on each delivery
    gc.collect()
    assert sys.getrefcount(True) - before > -100
