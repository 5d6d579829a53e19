"""`fennec dev screenshot` as a developer runs it: the app under Xvfb with a tray host, a PNG
of every state (here one variant of the four: English, light), and nothing left running."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

pytestmark = [pytest.mark.gui, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _workers_of(model: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info["cmdline"] or []
        if "serve" in cmd and str(model) in cmd:
            found.append(p)
    return found


def test_screenshot_writes_every_picture_and_leaves_nothing_running(tiny_model, tmp_path):
    if not (shutil.which("Xvfb") and shutil.which("trayer")):
        pytest.skip("Xvfb and trayer are installed by ./run on Debian; not here")
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "dev",
            "screenshot",
            str(tmp_path),
            "--model",
            str(tiny_model),
            "--only",
            "en-light",
        ],
        env=env | {"PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    shots = tmp_path / "en-light"
    names = {p.name for p in shots.glob("*.png")}
    states = {"welcome", "chat", "thinking", "loading", "paused", "cooling", "failed"}
    states |= {"error-details", "needs-model", "settings", "search", "profiles", "status"}
    states |= {"window", "tray-icon", "tray-graph", "screen"}
    assert {f"{s}.png" for s in states} <= names
    assert all((shots / n).stat().st_size > 500 for n in names)
    assert _workers_of(tiny_model) == []
