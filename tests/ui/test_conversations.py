"""The conversation list: dates and groups, delete with undo, the last one reopened, and
what closing the window does."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from app.settings import closes_to_tray
from app.ui.conversation_dates import date_group, short_time

pytestmark = pytest.mark.gui

NOW = datetime(2026, 11, 28, 15, 30)


def _ts(**ago) -> float:
    return (NOW - timedelta(**ago)).timestamp()


def test_date_groups_and_short_times():
    assert date_group(_ts(hours=2), NOW) == "Today"
    assert date_group(_ts(days=1), NOW) == "Yesterday"
    assert date_group(_ts(days=5), NOW) == "Previous 7 days"
    assert date_group(_ts(days=30), NOW) == "Older"
    assert short_time(_ts(hours=2), NOW) == "13:30"
    assert short_time(_ts(days=1), NOW) == "Yesterday 15:30"
    assert short_time(_ts(days=30), NOW) == "29 Oct"
    assert short_time(_ts(days=400), NOW) == "24 Oct 2025"


@pytest.mark.parametrize(
    ("on_close", "platform", "has_tray", "stays"),
    [
        ("auto", "darwin", True, True),
        ("auto", "linux", True, True),
        ("auto", "linux", False, False),
        ("auto", "win32", True, False),
        ("quit", "linux", True, False),
        ("tray", "win32", True, True),
        ("tray", "linux", False, False),
    ],
)
def test_closing_follows_the_platform_and_the_setting(on_close, platform, has_tray, stays):
    assert closes_to_tray(on_close, platform, has_tray) is stays


@pytest.fixture
def make_window(qtbot, fennec_home):
    from app.history import History
    from app.settings import Settings
    from app.ui.main_window import MainWindow

    opened: list = []

    def make():
        history = History()
        w = MainWindow(history, Settings())
        qtbot.addWidget(w)
        opened.append(history)
        return w

    yield make
    for history in opened:
        history.close()


def test_list_is_grouped_by_date_with_times(make_window):
    w = make_window()
    h = w.history
    old = h.create_conversation("Same title")
    new = h.create_conversation("Same title")
    h.db["conversations"].update(old, {"updated_at": time.time() - 40 * 86400})
    w.refresh_conversations()
    rows = [w.conversation_list.item(i).text() for i in range(w.conversation_list.count())]
    assert rows[0] == "Today" and rows[2] == "Older"
    assert rows[1].startswith("Same title\n") and rows[3].startswith("Same title\n")
    assert rows[1] != rows[3]  # the dates tell them apart
    assert w.conversation_list.conversation_ids() == [new, old]


def test_delete_waits_for_the_undo_window_and_undo_restores(make_window):
    w = make_window()
    h = w.history
    cid = h.create_conversation("keep me")
    h.add_message(cid, "user", "hello")
    w.open_conversation(cid)
    w.delete_conversation(cid)
    assert w.conversation_id is None
    assert cid not in w.conversation_list.conversation_ids()
    assert h.conversation(cid).title == "keep me"  # still stored during the undo window
    assert w.deletion.button.text() == "Conversation deleted — Undo"
    w.deletion.button.click()
    assert cid in w.conversation_list.conversation_ids()
    assert [m.content for m in h.messages(cid)] == ["hello"]
    w.delete_conversation(cid)
    w.deletion.timer.timeout.emit()  # the undo window has passed
    assert h.conversations() == []


def test_a_second_delete_makes_the_first_final(make_window):
    w = make_window()
    a = w.history.create_conversation("a")
    b = w.history.create_conversation("b")
    w.refresh_conversations()
    w.delete_conversation(a)
    w.delete_conversation(b)
    assert [c.id for c in w.history.conversations()] == [b]
    w.deletion.undo()
    assert w.conversation_list.conversation_ids() == [b]


def test_the_last_conversation_reopens_on_launch(make_window):
    first = make_window()
    h = first.history
    older = h.create_conversation("older")
    last = h.create_conversation("last one")
    h.add_message(last, "user", "where was I?")
    h.db["conversations"].update(older, {"updated_at": time.time() - 3600})
    second = make_window()
    assert second.conversation_id == last
    assert "where was I?" in second.chat_view.toPlainText()


def test_close_keeps_running_in_the_tray_or_quits(qtbot, make_window):
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    before = app.quitOnLastWindowClosed()
    w = make_window()
    w.has_tray = True
    try:
        w.settings.set("on_close", "tray")
        w.show()
        assert w.close() and not w.isVisible()
        assert not app.quitOnLastWindowClosed()  # hidden, Fennec still running in the tray
        w.show()
        w.settings.set("on_close", "quit")
        assert w.close() and app.quitOnLastWindowClosed()
        w.show()
        w.settings.set("on_close", "auto")
        w.has_tray = False  # no tray: closing the window quits, whatever the setting
        assert w.close() and app.quitOnLastWindowClosed()
    finally:
        app.setQuitOnLastWindowClosed(before)


def test_arrow_keys_pass_over_the_date_headings(qtbot, make_window):
    from PySide6.QtCore import Qt

    w = make_window()
    h = w.history
    older = h.create_conversation("older")
    newer = h.create_conversation("newer")
    h.db["conversations"].update(older, {"updated_at": time.time() - 40 * 86400})
    w.refresh_conversations()
    w.show()
    w.conversation_list.setFocus()
    w.conversation_list.setCurrentRow(1)  # "newer", under "Today"
    assert w.conversation_id == newer
    qtbot.keyClick(w.conversation_list, Qt.Key.Key_Down)  # over "Older" to the next chat
    assert w.conversation_id == older


def test_the_list_needs_no_mouse_delete_rename_and_menu_keys(qtbot, make_window, monkeypatch):
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtWidgets import QApplication, QInputDialog, QMenu

    w = make_window()
    h = w.history
    keep = h.create_conversation("keep")
    gone = h.create_conversation("gone")
    w.refresh_conversations()
    w.show()
    lst = w.conversation_list
    lst.setFocus()
    lst.setCurrentRow(1)  # "gone", the newest, under "Today"
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("renamed", True))
    qtbot.keyClick(lst, Qt.Key.Key_F2)
    assert h.conversation(gone).title == "renamed"
    shown: list[int] = []

    def close_menu() -> None:  # the real menu opens; note what it offers, then close it
        menu = QApplication.activePopupWidget()
        shown.append(len(menu.actions()) if isinstance(menu, QMenu) else -1)
        if menu is not None:
            menu.close()

    QTimer.singleShot(200, close_menu)
    lst.customContextMenuRequested.emit(QPoint(-5, -5))  # the Menu key: off any item
    assert shown == [5]  # rename, pin, two exports, delete: for the conversation in focus
    lst.setCurrentRow(1)
    qtbot.keyClick(lst, Qt.Key.Key_Delete)
    assert w.deletion.hidden_ids == {gone} and lst.conversation_ids() == [keep]
