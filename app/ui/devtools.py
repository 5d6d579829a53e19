"""Developer commands that need Qt: screenshots under Xvfb, and the UI benchmark."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHOT_SCRIPT = r"""
import os, sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.ui.app import FennecApp
out = sys.argv[1]
fennec = FennecApp(sys.argv[2])
fennec.window.show()
def send():
    if not fennec.window.base_url:
        QTimer.singleShot(200, send); return
    fennec.window.input.setPlainText("Hello Fennec! How do you keep my laptop cool?")
    fennec.window.send()
    QTimer.singleShot(3000, shoot)
def shoot():
    try:
        take_shots()
    except BaseException:
        import traceback; traceback.print_exc()
        fennec.shutdown(); app.exit(1)  # a failure ends the run at once, never a 300-s hang
        return
    fennec.shutdown()
    app.quit()
def take_shots():
    fennec.window.grab().save(os.path.join(out, "window.png"))
    status = {"engine": "mlx", "device": "cpu", "model": "tiny", "tokens_per_s": 18.5,
        "temperature_c": 53.8, "power_w": 11.2, "throttle": 0.35, "temperature_limit_c": 55.0,
        "power_limit_w": 18.0, "preset": "cool", "temperature_source": "simulated",
        "power_source": "simulated", "history": [
            {"t": float(i), "temperature_c": 45 + i * 0.07, "power_w": 9 + (i % 5),
             "tokens_per_s": 18} for i in range(120)]}
    if fennec.tray is not None:
        fennec.tray.show_status(status)
        fennec.tray.graph.resize(260, 70)
        fennec.tray.graph.grab().save(os.path.join(out, "tray-graph.png"))
        fennec.tray.icon().pixmap(64, 64).save(os.path.join(out, "tray-icon.png"))
    fennec.open_status()
    fennec.status_window.show_status(status)
    app.processEvents()
    fennec.status_window.grab().save(os.path.join(out, "status.png"))
    app.primaryScreen().grabWindow(0).save(os.path.join(out, "screen.png"))
QTimer.singleShot(300, send)
sys.exit(app.exec())
"""


def start_x_with_tray(display: str | None = None) -> tuple[dict, list[subprocess.Popen]]:
    """An Xvfb screen with a tray host (trayer) on it, unless DISPLAY is already set.

    Returns the environment to launch Qt programs with, and the processes to stop afterwards.
    """
    if os.environ.get("DISPLAY") and display is None:
        return dict(os.environ), []
    if not shutil.which("Xvfb"):
        raise RuntimeError("no DISPLAY and no Xvfb: run ./run once to install it")
    display = display or f":{50 + os.getpid() % 40}"
    procs = [
        subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    time.sleep(1)
    env = dict(os.environ) | {"DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    if shutil.which("trayer"):
        procs.append(
            subprocess.Popen(
                [
                    "trayer",
                    "--edge",
                    "top",
                    "--align",
                    "right",
                    "--widthtype",
                    "pixel",
                    "--width",
                    "120",
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        time.sleep(1)
    return env, procs


def stop_processes(procs: list[subprocess.Popen]) -> None:
    for p in reversed(procs):
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()


def screenshot(out_dir: Path, model: str | None) -> int:
    """Launch the app under Xvfb with a tiny model, send a message, save PNGs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fennec-shot-") as tmp:
        if model is None:
            from inference.tiny_model import make_model

            model = str(make_model(Path(tmp) / "model", "qwen3_moe", "mlx"))
            make_model(Path(tmp) / "model", "qwen3_moe", "gguf")
        env, procs = start_x_with_tray()
        env["FENNEC_HOME"] = str(Path(tmp) / "home")
        try:
            subprocess.run(
                [sys.executable, "-c", SHOT_SCRIPT, str(out_dir), model],
                env=env,
                timeout=300,
                check=True,
            )
        finally:
            stop_processes(procs)
    for name in sorted(out_dir.glob("*.png")):
        print(f"wrote {name}")
    return 0


STARTUP_PROBE = r"""
import sys, time
t0 = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
if sys.argv[2] == "fennec":
    from app.ui.app import FennecApp
    window = FennecApp().window
else:
    window = QMainWindow()
window.show()
def shown():
    print(time.time() - t0, flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def _startup(kind: str, env: dict) -> float:
    out = subprocess.run(
        [sys.executable, "-c", STARTUP_PROBE, str(time.time()), kind],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return float(out.stdout.strip().splitlines()[-1])


def ui_bench(json_out: Path, rounds: int = 5) -> int:
    """Start-up to window visible (vs a bare Qt window) and longest UI stall while streaming."""
    with tempfile.TemporaryDirectory(prefix="fennec-ui-bench-") as tmp:
        env = dict(os.environ) | {
            "FENNEC_HOME": str(Path(tmp) / "home"),
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        }
        ours = sorted(_startup("fennec", env) for _ in range(rounds))
        bare = sorted(_startup("bare", env) for _ in range(rounds))
        stall_streaming, stall_idle = _stalls(Path(tmp), env)
    result = {
        "startup_s": {
            "fennec_median": round(ours[rounds // 2], 3),
            "bare_qt_median": round(bare[rounds // 2], 3),
            "ratio": round(ours[rounds // 2] / bare[rounds // 2], 2),
        },
        "longest_stall_ms": {
            "streaming": round(stall_streaming * 1000, 1),
            "idle_reference": round(stall_idle * 1000, 1),
        },
    }
    print(
        f"start-up to window: Fennec {result['startup_s']['fennec_median']} s, bare Qt window "
        f"{result['startup_s']['bare_qt_median']} s ({result['startup_s']['ratio']}×); "
        "target < 1 s"
    )
    print(
        f"longest UI stall while streaming: {result['longest_stall_ms']['streaming']} ms "
        f"(idle: {result['longest_stall_ms']['idle_reference']} ms); target < 50 ms"
    )
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(result, indent=2))
    print(f"JSON: {json_out}")
    return 0


STALL_PROBE = r"""
import sys, time, json
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from app.ui.app import FennecApp
fennec = FennecApp(sys.argv[1])
w = fennec.window
w.show()
ticks = {"idle": [], "stream": []}
phase = ["wait"]
def tick():
    if phase[0] in ticks:
        ticks[phase[0]].append(time.perf_counter())
timer = QTimer(); timer.timeout.connect(tick); timer.start(5)
def start_idle():
    if not w.base_url:
        QTimer.singleShot(200, start_idle); return
    phase[0] = "idle"
    QTimer.singleShot(2000, start_stream)
def start_stream():
    phase[0] = "stream"
    w.settings.set("max_tokens", 1500); w.settings.set("temperature", 1.0)
    w.input.setPlainText("Tell me a very long story about desert foxes.")
    w.send()
    QTimer.singleShot(100, wait_done)
def wait_done():
    if w.stream is not None:
        QTimer.singleShot(100, wait_done); return
    gap = lambda ts: max((b - a for a, b in zip(ts, ts[1:])), default=0.0)
    print(json.dumps({"idle": gap(ticks["idle"]), "stream": gap(ticks["stream"])}), flush=True)
    fennec.shutdown(); app.quit()
QTimer.singleShot(100, start_idle)
app.exec()
"""


def _stalls(tmp: Path, env: dict) -> tuple[float, float]:
    from inference.tiny_model import make_model

    model = make_model(tmp / "model", "qwen3_moe", "mlx")
    make_model(tmp / "model", "qwen3_moe", "gguf")
    out = subprocess.run(
        [sys.executable, "-c", STALL_PROBE, str(model)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    data = json.loads([ln for ln in out.stdout.splitlines() if ln.startswith("{")][-1])
    return data["stream"], data["idle"]
