"""How the window words a worker's end: a signal is named, never shown as an exit code."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QProcess

from app.ui.supervisor import how_it_ended

pytestmark = pytest.mark.gui


def test_a_killed_worker_is_named_as_killed():
    words = how_it_ended(9, QProcess.ExitStatus.CrashExit)
    assert "SIGKILL" in words and "exit" not in words and "memory" in words


def test_a_crash_names_its_signal_and_an_exit_its_code():
    assert "SIGSEGV" in how_it_ended(11, QProcess.ExitStatus.CrashExit)
    assert how_it_ended(3, QProcess.ExitStatus.NormalExit) == "stopped (exit code 3)"
