"""The tuning page: pick a base model and a data file, watch the loss curve live, stop, and try
the result beside the base model.

Training runs in its own process (`fennec tune --json-progress`), as a worker does, so a model
that runs out of memory never takes the window down; Stop sends it Ctrl+C (it saves and
leaves). The side-by-side try is `fennec tune try`, greedy, through the worker's engine code.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import pyqtgraph as pg
from PySide6.QtCore import QProcess, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.tune_cli import format_progress
from app.ui.i18n import tr
from inference.lora_train import TuneProgress
from inference.worker_process import fennec_command

REDRAW_S = 1.0


class TuningWindow(QWidget):
    tuning_did_finish = Signal(int)  # the tune process's exit code
    try_did_finish = Signal(object)  # a dict: {"engine", "base", "tuned"} or {"error"}

    def __init__(self, model: str = "", data: str = "", parent=None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(tr("Fennec — tune a model"))
        self.resize(720, 640)
        self.model_edit = QLineEdit(model)
        self.data_edit = QLineEdit(data)
        self.data_button = QPushButton(tr("Choose…"))
        self.name_edit = QLineEdit("my-adapter")
        self.iters_spin = QSpinBox(minimum=1, maximum=100_000, value=200)
        self.rate_edit = QLineEdit("1e-4")
        self.governed_check = QCheckBox(tr("Keep the machine cool while training (governor)"))
        self.governed_check.setChecked(True)
        self.start_button = QPushButton(tr("Start tuning"))
        self.stop_button = QPushButton(tr("Stop"))
        self.stop_button.setEnabled(False)
        self.progress_label = QLabel(tr("Pick a base model and a JSONL file of examples."))
        self.progress_label.setWordWrap(True)
        self.plot = pg.PlotWidget(title="Loss: training (blue), validation (orange)")
        # PySide6 6.12.0 drops a reference to True on every signal delivered to a Python slot,
        # and a pyqtgraph repaint emits several: a few hundred redraws and the interpreter
        # aborts (bool_dealloc). So the axes are set by hand, rarely, and the curve is redrawn
        # at most once a second.
        self.plot.disableAutoRange()
        self._last_redraw = 0.0
        self._y_top = 0.0
        self.plot.setLabel("bottom", "step")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.train_curve = self.plot.plot(pen=pg.mkPen("#5b7bd6", width=2))
        self.val_curve = self.plot.plot(pen=pg.mkPen("#f0a030", width=3))
        self.prompt_edit = QLineEdit()
        self.prompt_edit.setPlaceholderText(tr("A question to ask both models"))
        self.try_button = QPushButton(tr("Try base and tuned"))
        self.base_view = QPlainTextEdit(readOnly=True)
        self.tuned_view = QPlainTextEdit(readOnly=True)
        self._build_layout()
        self.train_points: list[tuple[int, float]] = []
        self.val_points: list[tuple[int, float]] = []
        self.adapter_dir = ""
        self._tune: QProcess | None = None
        self._try: QProcess | None = None
        self._tune_buffer = b""
        self._stderr_tail = ""
        self.data_button.clicked.connect(self._on_data_button_clicked)
        self.start_button.clicked.connect(self.start_tuning)
        self.stop_button.clicked.connect(self.stop_tuning)
        self.try_button.clicked.connect(self.try_side_by_side)

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.addRow(tr("Base model"), self.model_edit)
        data_row = QHBoxLayout()
        data_row.addWidget(self.data_edit)
        data_row.addWidget(self.data_button)
        form.addRow(tr("Examples (JSONL)"), data_row)
        form.addRow(tr("Adapter name"), self.name_edit)
        form.addRow(tr("Steps"), self.iters_spin)
        form.addRow(tr("Learning rate"), self.rate_edit)
        form.addRow("", self.governed_check)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        answers = QHBoxLayout()
        for title, view in (("Base model", self.base_view), ("Tuned", self.tuned_view)):
            column = QVBoxLayout()
            column.addWidget(QLabel(title))
            column.addWidget(view)
            answers.addLayout(column)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress_label)
        layout.addWidget(self.plot, stretch=2)
        try_row = QHBoxLayout()
        try_row.addWidget(self.prompt_edit)
        try_row.addWidget(self.try_button)
        layout.addLayout(try_row)
        layout.addLayout(answers, stretch=1)

    def _on_data_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Examples", "", "JSON lines (*.jsonl)")
        if path:
            self.data_edit.setText(path)

    # -- training ------------------------------------------------------------------------
    def start_tuning(self) -> None:
        args = [
            *fennec_command()[1:],
            "tune",
            "--json-progress",
            "--model",
            self.model_edit.text().strip(),
            "--data",
            self.data_edit.text().strip(),
            "--out",
            self.name_edit.text().strip(),
            "--iters",
            str(self.iters_spin.value()),
            "--learning-rate",
            self.rate_edit.text().strip(),
        ]
        if not self.governed_check.isChecked():
            args.append("--no-governor")
        self.train_points.clear()
        self.val_points.clear()
        self._y_top = 0.0
        self.plot.setXRange(0, self.iters_spin.value(), padding=0.02)
        self._redraw()
        self._tune_buffer, self._stderr_tail = b"", ""
        self._tune = QProcess(self)
        self._tune.readyReadStandardOutput.connect(self._on_tune_process_output)
        self._tune.finished.connect(self._on_tune_process_finished)
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.progress_label.setText(tr("Loading the model…"))
        self._tune.start(fennec_command()[0], args)

    def stop_tuning(self) -> None:
        """Like Ctrl+C: the run finishes its step, saves, and can be resumed later."""
        if self._tune is not None and self._tune.state() != QProcess.ProcessState.NotRunning:
            self.progress_label.setText(tr("Stopping after this step…"))
            os.kill(int(self._tune.processId()), signal.SIGINT)
            self.stop_button.setEnabled(False)

    def _on_tune_process_output(self) -> None:
        if self._tune is None:
            return
        self._tune_buffer += bytes(self._tune.readAllStandardOutput())
        *lines, self._tune_buffer = self._tune_buffer.split(b"\n")
        for line in lines:
            if line.startswith(b"{"):
                progress = TuneProgress(**json.loads(line))
                if progress.train_loss is not None:
                    self.train_points.append((progress.iteration, progress.train_loss))
                if progress.val_loss is not None:
                    self.val_points.append((progress.iteration, progress.val_loss))
                self.progress_label.setText(format_progress(progress))
            elif b"adapter in " in line:
                self.adapter_dir = line.decode().rsplit("adapter in ", 1)[1].strip()
                self.progress_label.setText(line.decode().strip())
        if time.monotonic() - self._last_redraw >= REDRAW_S:
            self._redraw()

    def _on_tune_process_finished(self, code: int, _status=None) -> None:
        self._on_tune_process_output()  # the last lines may come with the exit
        # stderr is read once, here (llama.cpp's log lines would be a signal each).
        self._stderr_tail = bytes(self._tune.readAllStandardError()).decode(errors="replace")
        self._tune.deleteLater()  # freed by Qt now, not by the interpreter's finaliser
        self._tune = None
        self._redraw()
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if code != 0:
            self.progress_label.setText(_error_text(self._stderr_tail, code))
        self.tuning_did_finish.emit(code)

    def _redraw(self) -> None:
        self._last_redraw = time.monotonic()
        highest = max((v for _, v in self.train_points + self.val_points), default=0.0)
        if highest > self._y_top:
            self._y_top = highest * 1.1  # losses fall: the top is set by the first few points
            self.plot.setYRange(0, self._y_top, padding=0)
        self.train_curve.setData(
            [p[0] for p in self.train_points], [p[1] for p in self.train_points]
        )
        self.val_curve.setData([p[0] for p in self.val_points], [p[1] for p in self.val_points])

    # -- side by side --------------------------------------------------------------------
    def try_side_by_side(self) -> None:
        adapter = self.adapter_dir or self.name_edit.text().strip()
        args = [
            *fennec_command()[1:],
            "tune",
            "try",
            "--model",
            self.model_edit.text().strip(),
            "--adapter",
            adapter,
            "--prompt",
            self.prompt_edit.text(),
        ]
        self.try_button.setEnabled(False)
        self.base_view.setPlainText("…")
        self.tuned_view.setPlainText("…")
        self._try = QProcess(self)
        self._try.finished.connect(self._on_try_process_finished)
        self._try.start(fennec_command()[0], args)

    def _on_try_process_finished(self, code: int, _status=None) -> None:
        self.try_button.setEnabled(True)
        out = bytes(self._try.readAllStandardOutput()).decode(errors="replace").strip()
        err = bytes(self._try.readAllStandardError()).decode(errors="replace")
        self._try.deleteLater()
        self._try = None
        if code == 0 and out.startswith("{"):
            answers = json.loads(out.splitlines()[-1])
            self.base_view.setPlainText(answers["base"])
            self.tuned_view.setPlainText(answers["tuned"])
        else:
            answers = {"error": _error_text(err, code)}
            self.base_view.setPlainText(answers["error"])
            self.tuned_view.setPlainText("")
        self.try_did_finish.emit(answers)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.stop_tuning()  # the run saves its checkpoint; reopening resumes it
        super().closeEvent(event)


def _error_text(stderr: str, code: int) -> str:
    """Fennec's own message (with its indented detail lines), not the engines' log noise."""
    lines = stderr.strip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("fennec: error")]
    if starts:
        return "\n".join(lines[starts[-1] :])
    return stderr.strip()[-500:] or f"exit code {code}"


def run_tuning_window(model: str | None, data=None) -> int:
    """`fennec tune --gui`: the tuning page on its own."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = TuningWindow(model or "", str(data or ""))
    window.show()
    return app.exec()
