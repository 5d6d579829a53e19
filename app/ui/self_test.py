"""`fennec --self-test REPORT.json`: open the app, wait for the model, send one message, write
what happened, quit. For packaging smoke tests and release checks."""

from __future__ import annotations

import json
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

DEADLINE_S = 180


def attach_self_test(fennec, report_path: Path, started: float) -> None:
    report: dict = {"window_title": "", "tray_visible": False, "answer": "", "ok": False}
    t0 = time.monotonic()

    def window_shown() -> None:
        report["window_shown_at"] = time.time()  # the caller knows when it launched us
        report["startup_to_window_s"] = round(time.time() - started, 3)
        report["window_title"] = fennec.window.windowTitle()
        report["window_visible"] = fennec.window.isVisible()
        report["tray_visible"] = bool(fennec.tray and fennec.tray.isVisible())
        poll()

    def poll() -> None:
        if time.monotonic() - t0 > DEADLINE_S:
            finish("timed out")
            return
        w = fennec.window
        if not w.base_url:
            QTimer.singleShot(200, poll)
            return
        if "sent" not in report:
            report["sent"] = True
            report["model_ready_s"] = round(time.time() - started, 3)
            w.input.setPlainText("Hello from the self-test")
            w.send()
        if w.stream is not None:
            QTimer.singleShot(200, poll)
            return
        messages = w.history.messages(w.conversation_id)
        report["answer"] = messages[-1].content
        report["answer_status"] = messages[-1].status
        finish(None)

    def finish(error: str | None) -> None:
        report["error"] = error
        report["ok"] = error is None and report.get("answer_status") == "complete"
        Path(report_path).write_text(json.dumps(report, indent=2))
        QApplication.instance().quit()

    QTimer.singleShot(0, window_shown)
