"""The window's menu bar: every command that has a shortcut, so it can be found by looking.

Each action is also added to the window itself, so its shortcut works even where the
platform hides the menu bar (the macOS global menu, a kiosk desktop).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from app.ui.i18n import tr

Keys = str | list[str]


@dataclass
class WindowActions:
    new_chat: QAction
    quit: QAction
    send: QAction
    stop: QAction
    regenerate: QAction
    search: QAction
    status: QAction
    settings: QAction
    choose_model: QAction


def _action(window: QMainWindow, text: str, keys: Keys, slot: Callable[[], object]) -> QAction:
    action = QAction(text, window)
    if isinstance(keys, list):
        action.setShortcuts([QKeySequence(k) for k in keys])
    else:
        action.setShortcut(QKeySequence(keys))
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_menu_bar(
    window: QMainWindow,
    *,
    new_chat: Callable[[], object],
    quit: Callable[[], object],
    send: Callable[[], object],
    stop: Callable[[], object],
    regenerate: Callable[[], object],
    search: Callable[[], object],
    status: Callable[[], object],
    settings: Callable[[], object],
    choose_model: Callable[[], object],
) -> WindowActions:
    """Create the actions, put them into File / Chat / View / Model menus, return them."""
    actions = WindowActions(
        new_chat=_action(window, tr("New chat"), "Ctrl+N", new_chat),
        quit=_action(window, tr("Quit"), "Ctrl+Q", quit),
        send=_action(window, tr("Send"), ["Ctrl+Return", "Ctrl+Enter"], send),
        stop=_action(window, tr("Stop"), "Esc", stop),
        regenerate=_action(window, tr("Regenerate"), "Ctrl+R", regenerate),
        search=_action(window, tr("Search…"), "Ctrl+F", search),
        status=_action(window, tr("Status…"), "Ctrl+I", status),
        settings=_action(window, tr("Settings…"), "Ctrl+,", settings),
        choose_model=_action(window, tr("Choose a model…"), "Ctrl+Shift+M", choose_model),
    )
    # Ctrl is Cmd on macOS. Qt moves Settings… and Quit into the application menu there.
    actions.settings.setMenuRole(QAction.MenuRole.PreferencesRole)
    actions.quit.setMenuRole(QAction.MenuRole.QuitRole)
    bar = window.menuBar()
    file_menu = bar.addMenu(tr("&File"))
    file_menu.addAction(actions.new_chat)
    file_menu.addSeparator()
    file_menu.addAction(actions.settings)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    chat_menu = bar.addMenu(tr("&Chat"))
    for action in (actions.send, actions.stop, actions.regenerate):
        chat_menu.addAction(action)
    view_menu = bar.addMenu(tr("&View"))
    view_menu.addAction(actions.search)
    view_menu.addAction(actions.status)
    model_menu = bar.addMenu(tr("&Model"))
    model_menu.addAction(actions.choose_model)
    return actions
