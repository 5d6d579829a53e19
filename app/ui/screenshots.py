"""Every state of the app as PNGs, for one language and colour scheme: run by
`fennec dev screenshot` under Xvfb, one process per variant (a translator and a palette are
per process). The conversation shown is seeded (it reads well); with a model, a live answer
from the real worker is added to it, so the real path is what the pictures show.

    python -m app.ui.screenshots OUT_DIR LANG THEME [MODEL]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QWidget

DEMO_STATUS = {
    "engine": "llamacpp",
    "device": "cpu",
    "model": "Qwen3-30B-A3B Q4_K_M",
    "tokens_per_s": 18.5,
    "temperature_c": 53.8,
    "power_w": 11.2,
    "throttle": 0.35,
    "temperature_limit_c": 55.0,
    "power_limit_w": 18.0,
    "preset": "cool",
    "temperature_source": "coretemp Package id 0",
    "power_source": "RAPL package",
    "history": [
        {"t": float(i), "temperature_c": 45 + i * 0.07, "power_w": 9 + (i % 5), "tokens_per_s": 18}
        for i in range(120)
    ],
}
ANSWER = (
    "A fennec fox sheds heat through its **very large ears**: they are full of blood vessels "
    "close to the skin.\n\n```python\ndef cool(fox):\n    return fox.ears\n```\n\n"
    "It also rests in burrows through the hottest hours."
)


def dark_palette() -> QPalette:
    """What a dark system scheme gives Qt (Fusion's dark roles)."""
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2b2b",
        QPalette.ColorRole.WindowText: "#e8e8e8",
        QPalette.ColorRole.Base: "#1e1e1e",
        QPalette.ColorRole.AlternateBase: "#2b2b2b",
        QPalette.ColorRole.Text: "#e8e8e8",
        QPalette.ColorRole.Button: "#353535",
        QPalette.ColorRole.ButtonText: "#e8e8e8",
        QPalette.ColorRole.ToolTipBase: "#3a3f4b",
        QPalette.ColorRole.ToolTipText: "#f0f0f0",
        QPalette.ColorRole.Highlight: "#3d7bd9",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#7fb0ff",
        QPalette.ColorRole.Accent: "#f0a030",
        QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    return p


def seed(history) -> int:
    from app import history_reasoning, history_routing

    cid = history.create_conversation("How does a fennec keep cool?")
    history.add_message(cid, "user", "How does a fennec fox keep cool in the desert?")
    answer = history.add_message(cid, "assistant", ANSWER)
    history_routing.set_answered_by(history, answer, "local", None)
    history_reasoning.set_reasoning(
        history, answer, "The user asks about thermoregulation. Ears, burrows, night.", 4.2
    )
    history.create_conversation("Weekend ideas")
    return cid


def shoot(out: Path, model: str | None) -> None:
    from app.ui.app import FennecApp

    app = QApplication.instance()
    fennec = FennecApp(None)  # no worker yet: every state is driven by hand, then a live one
    window = fennec.window
    window.resize(1100, 720)
    window.show()

    def grab(widget: QWidget, name: str) -> None:
        app.processEvents()
        widget.grab().save(str(out / f"{name}.png"))

    grab(window, "needs-model")
    fennec.settings.set("model", "Qwen3-30B-A3B-Q4_K_M.gguf")  # shown, never loaded
    window.refresh_header()
    window.show_loading("Qwen3-30B-A3B-Q4_K_M.gguf")
    grab(window, "loading")
    window.set_worker("http://127.0.0.1:9/v1", "demo", "Qwen3-30B-A3B Q4_K_M")
    window.show_status(DEMO_STATUS)
    window.new_chat()
    grab(window, "welcome")
    cid = seed(window.history)
    window.refresh_conversations()
    window.open_conversation(cid)
    grab(window, "chat")
    answer = window.history.messages(cid)[-1].id
    window.chat_view.toggle_reasoning(answer)
    grab(window, "thinking")
    window.chat_view.toggle_reasoning(answer)
    window.show_status(DEMO_STATUS | {"paused": True})
    grab(window, "paused")
    cooling = {"thermal_state": "cooling", "cooling_wait_s": 20.0, "temperature_c": 56.1}
    window.show_status(DEMO_STATUS | cooling)
    grab(window, "cooling")
    window.worker_lost(
        "This model does not fit in memory here: it needs 17.2 GB and 9.8 GB is free. "
        "Try a smaller quantisation or model."
    )
    grab(window, "failed")
    window.show_banner("ConnectError: [Errno -2] Name or service not known")
    window.banner.details_button.click()
    grab(window, "error-details")
    window.show_banner("")
    if fennec.tray is not None:
        fennec.tray.show_status(DEMO_STATUS)
        fennec.tray.graph.resize(260, 70)
        grab(fennec.tray.graph, "tray-graph")
        fennec.tray.icon().pixmap(64, 64).save(str(out / "tray-icon.png"))
    fennec.open_status()
    fennec.status_window.show_status(DEMO_STATUS)
    grab(fennec.status_window, "status")
    fennec.status_window.close()
    _dialogs(fennec, grab)
    if model:
        _live_answer(fennec, model, grab)
    app.primaryScreen().grabWindow(0).save(str(out / "screen.png"))
    from app.ui.app import tear_down

    tear_down(fennec, app)


def _dialogs(fennec, grab) -> None:
    from app.ui.profiles_dialog import ProfilesDialog
    from app.ui.search_dialog import SearchDialog
    from app.ui.settings_dialog import SettingsDialog

    settings = SettingsDialog(fennec.settings, fennec.window)
    settings.show()
    grab(settings, "settings")
    settings.reject()
    search = SearchDialog(fennec.history, fennec.window)
    search.query.setText("fennec")
    search.run_search()
    search.show()
    grab(search, "search")
    search.reject()
    profiles = ProfilesDialog(fennec.window.profiles, "Qwen3-30B-A3B-Q4_K_M.gguf", fennec.window)
    profiles.name.setText("Triage nurse")
    profiles.system_prompt.setPlainText("You are a careful triage assistant.")
    profiles.show()
    grab(profiles, "profiles")
    profiles.reject()


def _live_answer(fennec, model: str, grab) -> None:
    """The real worker on `model`, asked one question from the window."""
    app = QApplication.instance()
    fennec.settings.set("model", model)
    fennec.settings.set("max_tokens", 48)
    fennec.start_worker()
    _wait(lambda: bool(fennec.window.base_url), 120)
    fennec.window.refresh_header()
    fennec.window.input.setPlainText("Hello Fennec! How do you keep my laptop cool?")
    fennec.window.send()
    _wait(lambda: fennec.window.stream is None, 120)
    app.processEvents()
    grab(fennec.window, "window")


def _wait(done, seconds: float) -> None:
    import time

    app = QApplication.instance()
    end = time.monotonic() + seconds
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the app did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def main(argv: list[str]) -> int:
    out, language, theme = Path(argv[0]), argv[1], argv[2]
    model = argv[3] if len(argv) > 3 else None
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication(sys.argv[:1])
    if theme == "dark":
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    from app.ui.i18n import install_translator

    install_translator(language)
    code = [0]

    def run() -> None:
        try:
            shoot(out, model)
        except BaseException:
            import traceback

            traceback.print_exc()
            code[0] = 1  # a failure ends the run at once, never a hang
        app.quit()

    QTimer.singleShot(200, run)
    app.exec()
    return code[0]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
