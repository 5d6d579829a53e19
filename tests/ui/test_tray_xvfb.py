"""The tray icon on a real X server with a tray host (Xvfb + trayer), as on a Linux desktop."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

SCRIPT = r"""
import json, sys
from PySide6.QtWidgets import QApplication, QSystemTrayIcon
from PySide6.QtCore import QTimer
app = QApplication(sys.argv[:1])
from app.ui.app import FennecApp
fennec = FennecApp()
fennec.window.show()
def check():
    tray = fennec.tray
    tray.show_status({"temperature_c": 53.5, "power_w": 12.0, "tokens_per_s": 9.0,
                      "throttle": 0.3, "temperature_limit_c": 55.0, "history": []})
    print(json.dumps({"available": QSystemTrayIcon.isSystemTrayAvailable(),
                      "visible": bool(tray and tray.isVisible()),
                      "state": tray.state if tray else None,
                      "tooltip": tray.toolTip() if tray else "",
                      "title": fennec.window.windowTitle()}), flush=True)
    fennec.shutdown()
    app.quit()
QTimer.singleShot(1500, check)
app.exec()
"""


@pytest.fixture
def x_display():
    from app.ui.devtools import start_x_with_tray, stop_processes

    if not (shutil.which("Xvfb") and shutil.which("trayer")):
        pytest.skip("Xvfb and trayer are installed by ./run on Debian; not here")
    env, procs = start_x_with_tray(f":{90 + os.getpid() % 100}")
    yield env
    stop_processes(procs)


def test_tray_icon_appears_and_shows_the_thermal_state(x_display, fennec_home):
    env = x_display | {"QT_QPA_PLATFORM": "xcb", "FENNEC_HOME": str(fennec_home)}
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    assert lines, out.stderr[-2000:]
    result = json.loads(lines[-1])
    assert result["available"] and result["visible"]
    assert result["state"] == "throttled" and "53.5 °C" in result["tooltip"]
    assert "Fennec" in result["title"]
