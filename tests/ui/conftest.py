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
