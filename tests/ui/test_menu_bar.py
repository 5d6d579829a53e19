"""The menu bar: every command with a shortcut is there, shows its shortcut, and works."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, fennec_home):
    from app.history import History
    from app.settings import Settings
    from app.ui.main_window import MainWindow

    history = History()
    w = MainWindow(history, Settings())
    qtbot.addWidget(w)
    yield w
    history.close()


def _menus(window) -> dict[str, list]:
    return {
        menu_action.text().replace("&", ""): [a for a in menu_action.menu().actions() if a.text()]
        for menu_action in window.menuBar().actions()
    }


def test_every_command_with_a_shortcut_is_in_a_menu_with_its_shortcut(window):
    menus = _menus(window)
    assert [a.text() for a in menus["File"]] == ["New chat", "Settings…", "Quit"]
    assert [a.text() for a in menus["Chat"]] == ["Send", "Stop", "Regenerate"]
    assert [a.text() for a in menus["View"]] == ["Search…", "Status…"]
    assert [a.text() for a in menus["Model"]] == ["Choose a model…"]
    in_menus = {a for actions in menus.values() for a in actions}
    with_shortcut = {a for a in window.actions() if not a.shortcut().isEmpty()}
    assert with_shortcut <= in_menus
    assert all(not a.shortcut().isEmpty() for a in in_menus)
    assert window.actions_.send.shortcut().toString() == "Ctrl+Return"


@pytest.mark.parametrize(
    ("label", "signal"),
    [
        ("Search…", "search_was_requested"),
        ("Status…", "status_was_requested"),
        ("Settings…", "settings_were_requested"),
        ("Choose a model…", "model_was_requested"),
    ],
)
def test_menu_items_ask_the_app_for_their_window(qtbot, window, label, signal):
    (action,) = [a for actions in _menus(window).values() for a in actions if a.text() == label]
    with qtbot.waitSignal(getattr(window, signal), timeout=1000):
        action.trigger()
