"""Starts `fennec serve` as a child process, watches it, restarts it if it dies, stops it on
quit. The window never waits on it: everything arrives as signals."""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Sequence
from pathlib import Path

import httpx
from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from app.ui.i18n import tr
from app.ui.tasks import run_in_background
from inference.worker_process import READY, fennec_command

MAX_RESTARTS = 5
STATUS_PERIOD_MS = 1000


def how_it_ended(code: int, status: QProcess.ExitStatus) -> str:
    """Words for a worker's end. On a crash QProcess reports the signal number as the code."""
    if status == QProcess.ExitStatus.CrashExit:
        try:
            name = signal.Signals(code).name
        except ValueError:
            name = f"signal {code}"
        if code == getattr(signal, "SIGKILL", -1):
            return f"was killed ({name}; the system may have run out of memory)"
        return f"crashed ({name})"
    return f"stopped (exit code {code})"


class WorkerSupervisor(QObject):
    worker_did_start = Signal(str, str, str)  # base_url, token, model
    worker_did_fail = Signal(str)  # a calm message for the window
    worker_did_stop = Signal()
    status_did_change = Signal(object)  # dict or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self.base_url = ""
        self.token = ""
        self.model_name = ""
        self._args: list[str] = []
        self._restarts = 0
        self._quitting = False
        self._buffer = ""
        self._log: list[str] = []
        self._token_dir = Path(tempfile.mkdtemp(prefix="fennec-ui-"))
        os.chmod(self._token_dir, 0o700)
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(STATUS_PERIOD_MS)
        self._status_timer.timeout.connect(self._poll_status)
        self._polling = False

    @property
    def ready(self) -> bool:
        return (
            bool(self.base_url)
            and self.process is not None
            and self.process.state() == QProcess.ProcessState.Running
        )

    def start(
        self,
        model: str,
        engine: str = "auto",
        preset: str = "cool",
        temperature_source: str = "auto",
        extra_args: Sequence[str] = (),
    ) -> None:
        """Start (or restart) the worker; `extra_args` are more `fennec serve` flags (the
        memory settings, an adapter)."""
        self._args = [
            "--model",
            model,
            "--engine",
            engine,
            "--preset",
            preset,
            "--temperature-source",
            temperature_source,
            *extra_args,
        ]
        self._restarts = 0
        self._launch()

    def _launch(self) -> None:
        self.stop()
        self._quitting = False
        self.base_url = self.token = ""
        self._buffer = ""
        token_file = self._token_dir / "token"
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._on_process_output)
        process.finished.connect(self._on_process_finished)
        self.process = process
        extra = os.environ.get("FENNEC_WORKER_ARGS", "").split()
        program, *prefix = fennec_command()  # `python -m app`, or the bundle's executable
        process.start(
            program,
            [
                *prefix,
                "serve",
                *self._args,
                "--port",
                "0",
                "--token-file",
                str(token_file),
                # QProcess keeps the worker's stdin open while we live: it exits with us.
                "--exit-with-parent",
                *extra,
            ],
        )

    def stop(self) -> None:
        """Shut the worker down (on quit or before a restart with another model)."""
        self._quitting = True
        self._status_timer.stop()
        process, self.process = self.process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            process.finished.disconnect(self._on_process_finished)
            process.terminate()
            if not process.waitForFinished(5000):
                process.kill()
                process.waitForFinished(2000)

    def _on_process_output(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput()).decode(errors="replace")
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._log = (self._log + [line])[-50:]
            m = READY.match(line)
            if m:
                token_file = self._token_dir / "token"
                self.token = token_file.read_text()
                token_file.unlink(missing_ok=True)
                self.base_url = m.group("url")
                self.model_name = m.group("model")
                self._status_timer.start()
                self.worker_did_start.emit(self.base_url, self.token, self.model_name)

    def _on_process_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._status_timer.stop()
        was_ready = bool(self.base_url)
        self.base_url = ""
        self.status_did_change.emit(None)
        if self._quitting:
            return
        errors = [
            ln.removeprefix("fennec: error: ")
            for ln in self._log
            if ln.startswith("fennec: error:")
        ]
        if errors and not was_ready:
            # A model that cannot load will not load on a retry either.
            self.worker_did_fail.emit(errors[-1])
            return
        self.worker_did_stop.emit()
        if self._restarts >= MAX_RESTARTS:
            self.worker_did_fail.emit(
                tr(
                    "The model worker keeps stopping; giving up for now. "
                    "Choose the model again to retry."
                )
            )
            return
        self._restarts += 1
        self.worker_did_fail.emit(
            tr("The model worker {how}; restarting…").format(how=how_it_ended(code, status))
        )
        QTimer.singleShot(500 * self._restarts, self._launch)

    def _poll_status(self) -> None:
        if self._polling or not self.base_url:
            return
        self._polling = True
        url, token = self.base_url, self.token

        def fetch() -> dict:
            r = httpx.get(
                f"{url}/fennec/status", headers={"Authorization": f"Bearer {token}"}, timeout=0.8
            )
            r.raise_for_status()
            return r.json()

        def done(status, error) -> None:
            self._polling = False
            if not self._quitting:  # a reply that lands after stop() is stale
                self.status_did_change.emit(None if error else status)

        run_in_background(fetch, done)

    def post(self, path: str, body: dict) -> None:
        """Fire-and-forget control requests (preset, pause) from the tray."""
        if not self.base_url:
            return
        url, token = self.base_url, self.token
        run_in_background(
            lambda: httpx.post(
                f"{url}{path}", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=2
            ),
            lambda _r, _e: self._poll_status(),
        )
