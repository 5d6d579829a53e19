import pytest

pytest.importorskip("pytestqt")


@pytest.fixture
def fennec_app(qtbot, tiny_model, fennec_home):
    """The whole app on the tiny model, its worker started for real."""
    from app.ui.app import FennecApp

    app = FennecApp(str(tiny_model))
    qtbot.addWidget(app.window)
    app.window.show()
    qtbot.waitUntil(lambda: bool(app.window.base_url), timeout=120_000)
    yield app
    app.shutdown()


@pytest.fixture
def hand_window(qtbot, fennec_home, monkeypatch):
    """A window whose answers are streamed by hand (tests.ui.test_transcript.HandStream), made
    with the given settings and shown with a worker that is never called."""
    from app.history import History
    from app.settings import Settings
    from app.ui import answering, main_window
    from tests.ui.test_transcript import HandStream

    HandStream.made = []
    monkeypatch.setattr(answering, "ChatStream", HandStream)
    histories = []

    def make(**settings):
        history = History()
        histories.append(history)
        chosen = Settings()
        for key, value in settings.items():
            chosen.set(key, value)
        w = main_window.MainWindow(history, chosen)
        qtbot.addWidget(w)
        w.show()
        w.set_worker("http://127.0.0.1:1", "token", "hand")
        return w

    yield make
    for history in histories:
        history.close()
