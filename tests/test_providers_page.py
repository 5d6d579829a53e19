"""The Providers page: add against a recording remote, the key only in the keychain, remove."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from app.providers import ProviderStore, secret_name  # noqa: E402
from app.secrets import MemorySecrets  # noqa: E402
from tests.provider_stubs import RecordingRemote  # noqa: E402

pytestmark = pytest.mark.gui
KEY = "sk-page-31415926-not-in-any-file"


@pytest.fixture
def remote():
    r = RecordingRemote()
    yield r
    r.stop()


@pytest.fixture
def page(qtbot, fennec_home):
    from app.ui.providers_page import ProvidersDialog

    store = ProviderStore(fennec_home / "providers.json", MemorySecrets())
    dialog = ProvidersDialog(store)
    qtbot.addWidget(dialog)
    return dialog


def test_add_and_remove_a_provider(qtbot, page, remote, fennec_home):
    page.name.setText("stub")
    page.url.setText(remote.base_url)
    page.key.setText(KEY)
    with qtbot.waitSignal(page.provider_did_change, timeout=10_000):
        page.add_button.click()
        assert page.key.text() == ""  # cleared as soon as it is handed over
    assert page.list.count() == 1
    shown = page.list.item(0).text()
    assert "stub" in shown and "key in keychain" in shown and "stub-large" in shown
    assert KEY not in shown
    assert page.store.secrets.get(secret_name("stub")) == KEY
    assert KEY not in (fennec_home / "providers.json").read_text()
    assert remote.requests[0].headers["Authorization"] == f"Bearer {KEY}"

    page.remove_button.click()  # nothing selected: nothing removed
    assert page.list.count() == 1 and "Select" in page.message.text()
    page.list.setCurrentRow(0)
    with qtbot.waitSignal(page.provider_did_change, timeout=1000):
        page.remove_button.click()
    assert page.list.count() == 0 and page.store.secrets.get(secret_name("stub")) is None


def test_bad_input_and_an_unreachable_endpoint_are_told(qtbot, page):
    page.name.setText("local")
    page.url.setText("http://127.0.0.1:9")
    page.add_button.click()
    assert "this machine's own model" in page.message.text()
    page.name.setText("dead")
    page.add_button.click()
    qtbot.waitUntil(lambda: "could not list the models" in page.message.text(), timeout=10_000)
    assert page.add_button.isEnabled() and page.list.count() == 0


def test_settings_dialog_opens_the_providers_page(qtbot, fennec_home, monkeypatch):
    from PySide6.QtWidgets import QPushButton

    from app.settings import Settings
    from app.ui import providers_page
    from app.ui.settings_dialog import SettingsDialog

    opened = []
    monkeypatch.setattr(providers_page.ProvidersDialog, "exec", lambda self: opened.append(self))
    fennec_home.mkdir(parents=True, exist_ok=True)
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text().startswith("Remote")]
    button.click()
    assert len(opened) == 1 and opened[0].parent() is dialog
