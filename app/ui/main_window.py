"""The chat window: conversations on the left, the streamed chat on the right."""

from __future__ import annotations

import sys

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import history_profiles
from app.history import History, HistoryError
from app.profiles import ProfileStore
from app.routed_chat import offload_policy
from app.settings import Settings, closes_to_tray
from app.ui.answering import Answering
from app.ui.chat_stream import ChatStream
from app.ui.conversation_list import ConversationList
from app.ui.i18n import tr
from app.ui.menu_bar import build_menu_bar
from app.ui.model_header import ModelHeader
from app.ui.pending_deletion import PendingDeletion
from app.ui.privacy_bar import PrivacyBar, provider_names
from app.ui.transcript import Transcript
from app.ui.welcome import NeedsModelPage, WelcomePage
from app.ui.who_answers import WhoAnswers
from app.ui.worker_state import WorkerStateView


class MainWindow(WhoAnswers, QMainWindow):
    model_was_requested = Signal()
    search_was_requested = Signal()
    settings_were_requested = Signal()
    status_was_requested = Signal()
    resume_was_requested = Signal()
    quit_was_requested = Signal()
    profiles_were_requested = Signal()
    model_target_did_change = Signal()  # the app's model or adapter: restart the worker
    worker_switch_was_requested = Signal(str, str)  # a profile's (model, adapter) must run

    def __init__(self, history: History, settings: Settings) -> None:
        super().__init__()
        self.setWindowTitle(tr("Fennec"))
        self.resize(1000, 700)
        self.history = history
        self.settings = settings
        self.base_url = ""
        self.token = ""
        self.conversation_id: int | None = None
        self.has_tray = False  # the app says when a tray icon can bring the window back
        self.profiles = ProfileStore()
        self.running_target: tuple[str, str] | None = None  # (model, adapter) the worker runs
        self.pending_profile: str | None = None  # a new chat's profile, until it is created
        # The conversation whose question waits while the worker switches models (the user
        # may open another one meanwhile: the answer still goes to the one it was asked in).
        self.answer_waits_in: int | None = None
        self._build()
        self._recover_interrupted()
        self.refresh_conversations()
        self._reopen_last()

    # -- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        self.new_button = QPushButton(tr("New chat"))
        self.new_button.clicked.connect(self.new_chat)
        self.conversation_list = ConversationList(self.history)
        self.conversation_list.conversation_was_chosen.connect(self._on_conversation_chosen)
        self.conversation_list.deletion_was_requested.connect(self.delete_conversation)
        self.conversation_list.export_did_fail.connect(self.show_banner)
        # Search at the top of the list: typing here opens the search over every conversation.
        self.search_field = QLineEdit(placeholderText=tr("Search conversations (Ctrl+F)"))
        self.search_field.setAccessibleName(tr("Search conversations"))
        self.search_field.textEdited.connect(self._on_search_field_edited)
        lv.addWidget(self.search_field)
        lv.addWidget(self.new_button)
        lv.addWidget(self.conversation_list)

        self.chat_view = Transcript(self.history)
        self.chat_view.anchorClicked.connect(self._on_link)
        self.answering = Answering(
            self.history,
            self.settings,
            self.chat_view,
            self,
            worker_status=lambda: self.state_view.last_status,
        )
        self.answering.answer_did_end.connect(self._update_buttons)
        self.answering.problem_did_occur.connect(self.show_banner)
        self.state_view = WorkerStateView(self.statusBar())
        self.state_view.resume_was_requested.connect(self.resume_was_requested.emit)
        self.state_view.model_was_requested.connect(self.model_was_requested.emit)
        self.state_view.status_was_requested.connect(self.status_was_requested.emit)
        self.banner = self.state_view.banner
        self.thermal_chip = self.state_view.chip
        self.answering.profiles = self.profiles
        self.header = ModelHeader(self.profiles)
        self.header.model_was_chosen.connect(self._on_header_model_chosen)
        self.header.profile_was_chosen.connect(self._on_header_profile_chosen)
        self.header.more_models_were_requested.connect(self.model_was_requested.emit)
        self.header.profiles_were_requested.connect(self.profiles_were_requested.emit)
        self.deletion = PendingDeletion(self.history, self)
        self.deletion.deletion_did_change.connect(self.refresh_conversations)
        self.statusBar().addPermanentWidget(self.deletion.button)
        self.input = QPlainTextEdit(placeholderText=tr("Message Fennec (Ctrl+Enter to send)"))
        self.input.setMaximumHeight(110)
        self.send_button = QPushButton(tr("Send"))
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton(tr("Stop"))
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button = QPushButton(tr("Regenerate"))
        self.regenerate_button.clicked.connect(self.regenerate)
        buttons = QHBoxLayout()
        for b in (self.regenerate_button, self.stop_button, self.send_button):
            buttons.addWidget(b)
        self.welcome = WelcomePage()
        self.welcome.prompt_was_chosen.connect(self.send_example)
        self.chat_pages = QStackedWidget()  # the welcome for a new chat, else the transcript
        self.chat_pages.addWidget(self.welcome)
        self.chat_pages.addWidget(self.chat_view)
        self.privacy_bar = PrivacyBar(
            self.history,
            provider_names,
            lambda: self.state_view.last_status,
            lambda: offload_policy(self.settings),
        )
        self.privacy_bar.route_did_change.connect(self._update_buttons)
        chat = QWidget()
        cv = QVBoxLayout(chat)
        cv.addWidget(self.privacy_bar)
        cv.addWidget(self.chat_pages)
        cv.addWidget(self.input)
        cv.addLayout(buttons)

        empty = NeedsModelPage()
        empty.model_was_requested.connect(self.model_was_requested.emit)
        self.empty_label, self.choose_button = empty.label, empty.choose_button

        self.pages = QStackedWidget()
        self.pages.addWidget(empty)
        self.pages.addWidget(chat)
        # The banner sits above both pages: a model that fails to load is reported on the
        # "choose a model" page too.
        header = QWidget()
        hv = QHBoxLayout(header)
        hv.setContentsMargins(0, 0, 0, 0)
        hv.addWidget(self.header)
        hv.addStretch(1)
        hv.addWidget(self.thermal_chip)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(header)
        rv.addWidget(self.banner)
        rv.addWidget(self.state_view.pause_banner)
        rv.addWidget(self.pages)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([250, 750])
        self.setCentralWidget(splitter)
        self._actions()
        self._update_buttons()
        self.refresh_header()

    def _actions(self) -> None:
        self.actions_ = build_menu_bar(
            self,
            new_chat=self.new_chat,
            quit=self.quit,
            send=self.send,
            stop=self.stop,
            regenerate=self.regenerate,
            search=self.search_was_requested.emit,
            status=self.status_was_requested.emit,
            settings=self.settings_were_requested.emit,
            choose_model=self.model_was_requested.emit,
        )

    @property
    def answer_waits_for_worker(self) -> bool:
        return self.answer_waits_in is not None

    @property
    def stream(self) -> ChatStream | None:
        """The answer streaming now, if any."""
        return self.answering.stream

    @property
    def streaming_message(self) -> int | None:
        return self.answering.message_id

    # -- worker state -----------------------------------------------------------------------------
    def set_worker(self, base_url: str, token: str, model: str) -> None:
        self.base_url, self.token = base_url, token
        self.pages.setCurrentIndex(1)
        self.state_view.ready(model)
        self._update_buttons()
        waiting, self.answer_waits_in = self.answer_waits_in, None
        if waiting is not None and self.stream is None:  # its model is ready now
            if waiting != self.conversation_id:
                self.open_conversation(waiting)
            self._start_answer()

    def show_loading(self, model: str) -> None:
        self.pages.setCurrentIndex(1)  # the chats can be read while the model loads
        self.state_view.loading(model)

    def worker_lost(self, message: str) -> None:
        self.base_url = ""
        self.answer_waits_in = None  # the question stays; Regenerate asks again
        if not self.history.conversations():
            self.pages.setCurrentIndex(0)  # nothing to show yet: offer another model
        if self.stream is not None:
            self.answering.end("error")
        self.state_view.lost(message)
        self._update_buttons()

    def show_needs_model(self) -> None:
        self.pages.setCurrentIndex(0)
        self.state_view.no_model()

    def show_banner(self, text: str) -> None:
        self.banner.show_message(text)

    def show_status(self, status: dict | None) -> None:
        self.state_view.show_status(status)

    # -- conversations ---------------------------------------------------------------------------
    def refresh_conversations(self) -> None:
        self.conversation_list.hidden_ids = self.deletion.hidden_ids
        self.conversation_list.refresh(self.conversation_id)

    def _reopen_last(self) -> None:
        """Launch where the user left off: the conversation touched last."""
        conversations = self.history.conversations()
        if conversations:
            self.open_conversation(max(conversations, key=lambda c: c.updated_at).id)

    def new_chat(self) -> None:
        self.conversation_id = None
        self.conversation_list.clearSelection()
        self.chat_view.show_conversation(None)
        self.chat_pages.setCurrentWidget(self.welcome)
        self.privacy_bar.show_conversation(None)
        self.pending_profile = None
        self.refresh_header()
        self.input.setFocus()

    def send_example(self, prompt: str) -> None:
        """An example prompt from the welcome: sent at once when the model is ready."""
        self.input.setPlainText(prompt)
        if self.can_answer():
            self.send()
        else:
            self.input.setFocus()

    def open_conversation(self, conversation_id: int, message_id: int | None = None) -> None:
        self.conversation_id = conversation_id
        self.refresh_conversations()
        # Shown first: a hidden transcript has no height, and would fill itself with every page.
        self.chat_pages.setCurrentWidget(self.chat_view)
        self.chat_view.show_conversation(conversation_id, self.streaming_message)
        self.privacy_bar.show_conversation(conversation_id)
        self.refresh_header()
        if message_id is not None:
            self.chat_view.scroll_to_message(message_id)

    def _on_conversation_chosen(self, cid: int) -> None:
        if self.stream is None:
            self.open_conversation(cid)

    def _on_search_field_edited(self, text: str) -> None:
        if text.strip():
            self.search_was_requested.emit()  # the dialog takes the words typed so far
            self.search_field.clear()

    def conversation_menu(self, cid: int) -> QMenu:
        """What a right-click on a conversation offers."""
        return self.conversation_list.menu(cid)

    def delete_conversation(self, cid: int) -> None:
        """Out of the list now; out of the history once the undo window has passed."""
        if self.stream is not None and self.conversation_id == cid:
            self.stop()  # its answer would otherwise stream into a conversation being deleted
        if self.conversation_id == cid:
            self.new_chat()
        self.deletion.delete(cid)

    # -- chatting --------------------------------------------------------------------------------
    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.stream is not None:
            return
        if not self.can_answer():
            self.show_banner(tr("The model is not ready yet."))
            return
        try:
            if self.conversation_id is None:
                title = " ".join(text.split())[:60]
                self.conversation_id = self.history.create_conversation(title)
                self.chat_pages.setCurrentWidget(self.chat_view)
                self.chat_view.show_conversation(self.conversation_id)
                self.privacy_bar.conversation_was_created(self.conversation_id)
                history_profiles.set_profile_name(
                    self.history, self.conversation_id, self.pending_profile
                )
                self.pending_profile = None
            question = self.history.add_message(self.conversation_id, "user", text)
        except HistoryError as e:
            self.show_banner(str(e))  # the text stays in the box: nothing is lost
            return
        self.chat_view.add_message(self.history.message(question))
        self.input.clear()
        self.refresh_conversations()
        self._start_answer()

    def regenerate(self) -> None:
        if self.stream is not None or self.conversation_id is None:
            return
        messages = self.history.messages(self.conversation_id)
        users = [m for m in messages if m.role == "user"]
        if not users:
            return
        self.history.delete_after(self.conversation_id, users[-1].id)
        self.chat_view.show_conversation(self.conversation_id)  # the old answer is gone
        self._start_answer()

    def edit_message(self, message_id: int, new_text: str) -> None:
        """Edit a user message and resend: later messages are replaced by a new answer."""
        if self.stream is not None or self.conversation_id is None:
            return
        self.history.edit(message_id, new_text)
        self.history.delete_after(self.conversation_id, message_id)
        self.chat_view.show_conversation(self.conversation_id)
        self._start_answer()

    def stop(self) -> None:
        """Stop the answer at once; what arrived stays, marked stopped."""
        self.answering.stop()

    def _start_answer(self) -> None:
        assert self.conversation_id is not None
        if self._needs_worker_switch():
            # One worker runs one model: switch it, and answer once it is ready.
            self.answer_waits_in = self.conversation_id
            self.base_url = ""
            self._update_buttons()
            self.worker_switch_was_requested.emit(*self.desired_target())
            return
        if not self.answering.start(self.conversation_id, self.base_url, self.token):
            return
        self.show_banner("")
        if self.state_view.paused:  # the answer waits: say why it stays empty
            self.state_view.answer_waiting = True
            self.state_view.show_pause()
        self._update_buttons()

    def can_answer(self) -> bool:
        """Someone can answer the next message: the local model, or the remote provider this
        conversation's route names (a remote-routed chat needs no local model)."""
        return bool(self.base_url) or self.privacy_bar.planned_remote

    def _update_buttons(self) -> None:
        busy = self.stream is not None
        ready = self.can_answer()
        self.send_button.setEnabled(not busy and ready)
        self.stop_button.setEnabled(busy)
        self.regenerate_button.setEnabled(not busy and ready and self.conversation_id is not None)

    def _recover_interrupted(self) -> None:
        """Answers cut off by a crash last time: keep them, marked as interrupted."""
        for m in self.history.interrupted():
            self.history.finish(m.id, "error")

    # -- the transcript ----------------------------------------------------------------------------
    def _on_link(self, url: QUrl) -> None:
        kind, _, value = url.toString().partition(":")
        if kind == "copycode":
            QGuiApplication.clipboard().setText(self.chat_view.code_blocks[int(value)])
            return
        if kind == "think":
            self.chat_view.toggle_reasoning(int(value))
            return
        try:
            message = self.history.message(int(value))
        except (HistoryError, ValueError):
            return  # a link to a message deleted meanwhile
        if kind == "copy":
            QGuiApplication.clipboard().setText(message.content)
        elif kind == "edit":
            text, ok = QInputDialog.getMultiLineText(
                self, tr("Edit message"), tr("Message"), message.content
            )
            if ok and text.strip():
                self.edit_message(message.id, text.strip())

    def quit(self) -> None:
        """Quit Fennec (the Quit command), whatever closing the window would do."""
        self.close()
        self.quit_was_requested.emit()

    def closeEvent(self, event) -> None:
        # The close is always accepted (the window hides): refusing it would also refuse an
        # application quit, which closes every window first. Whether Fennec keeps running in
        # the tray is the application's quit-on-last-window rule, set here from the setting.
        stays = closes_to_tray(self.settings.get("on_close"), sys.platform, self.has_tray)
        QApplication.instance().setQuitOnLastWindowClosed(not stays)
        if not stays:
            self.stop()
        super().closeEvent(event)
