"""A small status window: live graphs of temperature, power and throughput (pyqtgraph).

Opened from the tray, or from the main window where the desktop has no tray.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.thermal_state import tray_state
from app.ui.i18n import tr


class StatusWindow(QWidget):
    def __init__(self, parent=None) -> None:
        # Its own top-level window, but owned by the main window so Qt frees it with it.
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(tr("Fennec status"))
        self.resize(520, 460)
        pg.setConfigOptions(antialias=True)
        self.summary = QLabel(tr("No model running"))
        self.summary.setWordWrap(True)
        self.sources = QLabel("")
        self.sources.setWordWrap(True)
        self.plots = pg.GraphicsLayoutWidget()
        self.temp_plot = self.plots.addPlot(row=0, col=0, title=tr("Temperature °C"))
        self.power_plot = self.plots.addPlot(row=1, col=0, title=tr("Power W"))
        self.speed_plot = self.plots.addPlot(row=2, col=0, title=tr("Tokens/s"))
        for plot in (self.temp_plot, self.power_plot, self.speed_plot):
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setLabel("bottom", tr("seconds ago"))
        self.temp_curve = self.temp_plot.plot(pen=pg.mkPen("#f0a030", width=2))
        self.limit_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#d23c3c", style=Qt.PenStyle.DashLine)
        )
        self.temp_plot.addItem(self.limit_line)
        self.power_curve = self.power_plot.plot(pen=pg.mkPen("#5b7bd6", width=2))
        self.power_limit_line = pg.InfiniteLine(
            angle=0, pen=pg.mkPen("#d23c3c", style=Qt.PenStyle.DashLine)
        )
        self.power_plot.addItem(self.power_limit_line)
        self.speed_curve = self.speed_plot.plot(pen=pg.mkPen("#2e9d5b", width=2))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.sources)
        layout.addWidget(self.plots)

    def show_status(self, status: dict | None) -> None:
        self.summary.setText(tray_state(status).tooltip)
        if not status:
            return
        self.sources.setText(
            tr("Preset: {preset} · temperature from {temperature} · power from {power}").format(
                preset=status.get("preset", "—"),
                temperature=status.get("temperature_source") or tr("no sensor"),
                power=status.get("power_source") or tr("no sensor"),
            )
        )
        history = status.get("history") or []
        if not history:
            return
        now = history[-1].get("t", len(history))
        xs = [e.get("t", i) - now for i, e in enumerate(history)]

        def series(key: str) -> tuple[list[float], list[float]]:
            pts = [(x, e[key]) for x, e in zip(xs, history, strict=True) if e.get(key) is not None]
            return [p[0] for p in pts], [p[1] for p in pts]

        self.temp_curve.setData(*series("temperature_c"))
        self.power_curve.setData(*series("power_w"))
        self.speed_curve.setData(*series("tokens_per_s"))
        if status.get("temperature_limit_c") is not None:
            self.limit_line.setValue(status["temperature_limit_c"])
        if status.get("power_limit_w") is not None:
            self.power_limit_line.setValue(status["power_limit_w"])
