"""The chat window: conversations on the left, the streamed chat on the right."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.history import History, HistoryError
from app.settings import Settings
from app.ui.chat_stream import ChatStream
from app.ui.conversation_list import ConversationList
from app.ui.transcript import Transcript

RENDER_INTERVAL_MS = 50  # at most 20 transcript updates a second while tokens stream in


class MainWindow(QMainWindow):
    model_was_requested = Signal()
    search_was_requested = Signal()
    settings_were_requested = Signal()
    status_was_requested = Signal()

    def __init__(self, history: History, settings: Settings) -> None:
        super().__init__()
        self.setWindowTitle("Fennec")
        self.resize(1000, 700)
        self.history = history
        self.settings = settings
        self.base_url = ""
        self.token = ""
        self.conversation_id: int | None = None
        self.stream: ChatStream | None = None
        self.streaming_message: int | None = None
        self._streamed: list[str] = []  # the streaming answer's chunks, kept for the view
        self._dirty = False
        self._build()
        self._render_timer = QTimer(self, interval=RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._render_if_dirty)
        self._render_timer.start()
        self._recover_interrupted()
        self.refresh_conversations()

    # -- layout ---------------------------------------------------------------------------------
    def _build(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        self.new_button = QPushButton("New chat")
        self.new_button.clicked.connect(self.new_chat)
        self.conversation_list = ConversationList(self.history)
        self.conversation_list.conversation_was_chosen.connect(self._on_conversation_chosen)
        self.conversation_list.deletion_was_requested.connect(self.delete_conversation)
        self.conversation_list.export_did_fail.connect(self.show_banner)
        lv.addWidget(self.new_button)
        lv.addWidget(self.conversation_list)

        self.chat_view = Transcript(self.history)
        self.chat_view.anchorClicked.connect(self._on_link)
        self.banner = QLabel("")
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet("color: #9a4b00; padding: 4px;")
        self.banner.hide()
        self.input = QPlainTextEdit(placeholderText="Message Fennec (Ctrl+Enter to send)")
        self.input.setMaximumHeight(110)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.clicked.connect(self.regenerate)
        buttons = QHBoxLayout()
        for b in (self.regenerate_button, self.stop_button, self.send_button):
            buttons.addWidget(b)
        chat = QWidget()
        cv = QVBoxLayout(chat)
        cv.addWidget(self.chat_view)
        cv.addWidget(self.input)
        cv.addLayout(buttons)

        empty = QWidget()
        ev = QVBoxLayout(empty)
        ev.addStretch()
        self.empty_label = QLabel(
            "<h2>Choose or download a model</h2>"
            "<p>Fennec runs a model entirely on this computer.</p>"
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.choose_button = QPushButton("Choose a model…")
        self.choose_button.clicked.connect(self.model_was_requested.emit)
        ev.addWidget(self.empty_label)
        ev.addWidget(self.choose_button, alignment=Qt.AlignmentFlag.AlignCenter)
        ev.addStretch()

        self.pages = QStackedWidget()
        self.pages.addWidget(empty)
        self.pages.addWidget(chat)
        # The banner sits above both pages: a model that fails to load is reported on the
        # "choose a model" page too.
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.banner)
        rv.addWidget(self.pages)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([250, 750])
        self.setCentralWidget(splitter)
        self.statusBar().showMessage("No model yet")
        self._actions()
        self._update_buttons()

    def _actions(self) -> None:
        def add(text: str, keys, slot) -> QAction:
            action = QAction(text, self)
            action.setShortcuts(keys if isinstance(keys, list) else [QKeySequence(keys)])
            action.triggered.connect(slot)
            self.addAction(action)
            return action

        add("New chat", QKeySequence.StandardKey.New, self.new_chat)
        add("Send", [QKeySequence("Ctrl+Return"), QKeySequence("Ctrl+Enter")], self.send)
        add("Stop", "Esc", self.stop)
        add("Search", QKeySequence.StandardKey.Find, self.search_was_requested.emit)
        add("Settings", QKeySequence("Ctrl+,"), self.settings_were_requested.emit)
        add("Quit", QKeySequence.StandardKey.Quit, self.close)
        # Where the desktop has no tray, the status and its graphs live here.
        self.status_button = QPushButton("Status")
        self.status_button.setFlat(True)
        self.status_button.clicked.connect(self.status_was_requested.emit)
        self.statusBar().addPermanentWidget(self.status_button)

    # -- worker state -----------------------------------------------------------------------------
    def set_worker(self, base_url: str, token: str, model: str) -> None:
        self.base_url, self.token = base_url, token
        self.pages.setCurrentIndex(1)
        self.show_banner("")
        self.statusBar().showMessage(f"Ready · {model}")
        self._update_buttons()

    def worker_lost(self, message: str) -> None:
        self.base_url = ""
        if not self.history.conversations():
            self.pages.setCurrentIndex(0)  # nothing to show yet: offer another model
        if self.stream is not None:
            self._end_stream("error")
        self.show_banner(message)
        self._update_buttons()

    def show_needs_model(self) -> None:
        self.pages.setCurrentIndex(0)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setVisible(bool(text))

    def show_status(self, status: dict | None) -> None:
        if not status:
            return
        parts = [
            f"{status['engine']} · {status['device']} · {status['model']}",
            f"{status['tokens_per_s']:.1f} tok/s",
        ]
        if status.get("temperature_c") is not None:
            parts.append(f"{status['temperature_c']:.1f} °C")
        if status.get("power_w") is not None:
            parts.append(f"{status['power_w']:.1f} W")
        if status.get("throttle"):
            parts.append(f"throttle {status['throttle']:.0%}")
        self.statusBar().showMessage(" · ".join(parts))

    # -- conversations ---------------------------------------------------------------------------
    def refresh_conversations(self) -> None:
        self.conversation_list.refresh(self.conversation_id)

    def new_chat(self) -> None:
        self.conversation_id = None
        self.conversation_list.clearSelection()
        self.chat_view.show_conversation(None)
        self.input.setFocus()

    def open_conversation(self, conversation_id: int, message_id: int | None = None) -> None:
        self.conversation_id = conversation_id
        self.refresh_conversations()
        self.chat_view.show_conversation(conversation_id, self.streaming_message)
        if message_id is not None:
            self.chat_view.scroll_to_message(message_id)

    def _on_conversation_chosen(self, cid: int) -> None:
        if self.stream is None:
            self.open_conversation(cid)

    def conversation_menu(self, cid: int) -> QMenu:
        """What a right-click on a conversation offers."""
        return self.conversation_list.menu(cid)

    def delete_conversation(self, cid: int) -> None:
        self.history.delete_conversation(cid)
        if self.conversation_id == cid:
            self.new_chat()
        self.refresh_conversations()

    # -- chatting --------------------------------------------------------------------------------
    def send(self) -> None:
        text = self.input.toPlainText().strip()
        if not text or self.stream is not None:
            return
        if not self.base_url:
            self.show_banner("The model is not ready yet.")
            return
        try:
            if self.conversation_id is None:
                title = " ".join(text.split())[:60]
                self.conversation_id = self.history.create_conversation(title)
                self.chat_view.show_conversation(self.conversation_id)
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
        """Stop at once: what arrived stays, marked stopped; the connection is cut so the
        worker cancels the generation."""
        if self.stream is not None:
            self.stream.stop()
            self._end_stream("stopped")

    def _start_answer(self) -> None:
        assert self.conversation_id is not None
        cid = self.conversation_id
        try:
            self.streaming_message = self.history.add_message(
                cid, "assistant", "", status="streaming"
            )
        except HistoryError as e:
            self.show_banner(str(e))  # nothing sent: the question is saved, the answer not begun
            return
        answer = self.streaming_message
        system = self.settings.get("system_prompt")

        def prompt() -> list[dict]:  # runs on the stream's thread: O(conversation)
            messages = self.history.prompt_messages(cid, answer)
            return [{"role": "system", "content": system}, *messages] if system else messages

        params = {
            "temperature": self.settings.get("temperature"),
            "max_tokens": self.settings.get("max_tokens"),
        }
        self.stream = ChatStream(self.base_url, self.token, prompt, params)
        # Each handler learns which stream spoke: a late signal from a stopped stream must not
        # touch the next answer.
        stream = self.stream
        stream.chunk_did_arrive.connect(lambda text: self._on_chunk(stream, text))
        stream.stream_did_finish.connect(lambda reason: self._on_finished(stream, reason))
        stream.stream_did_fail.connect(lambda message: self._on_failed(stream, message))
        stream.start()
        self._streamed = []
        self.chat_view.add_message(self.history.message(self.streaming_message))
        self.chat_view.scroll_to_bottom()
        self.show_banner("")
        self._update_buttons()

    def _on_chunk(self, stream: ChatStream, text: str) -> None:
        if stream is not self.stream or self.streaming_message is None:
            return
        try:
            self.history.append(self.streaming_message, text)
        except HistoryError as e:
            self.show_banner(str(e))
        self._streamed.append(text)
        self._dirty = True

    def _on_finished(self, stream: ChatStream, reason: str) -> None:
        if stream is self.stream:
            self._end_stream("stopped" if reason == "stopped" else "complete")

    def _on_failed(self, stream: ChatStream, message: str) -> None:
        if stream is not self.stream:
            return
        self._end_stream("error")
        self.show_banner(f"The answer was interrupted: {message}. What arrived is kept.")

    def _end_stream(self, status: str) -> None:
        if self.streaming_message is not None:
            try:
                self.history.finish(self.streaming_message, status)
            except HistoryError as e:
                self.show_banner(str(e))
        self.chat_view.end_streaming("".join(self._streamed), status)
        self._dirty = False
        self.stream = None
        self.streaming_message = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        busy = self.stream is not None
        self.send_button.setEnabled(not busy and bool(self.base_url))
        self.stop_button.setEnabled(busy)
        self.regenerate_button.setEnabled(
            not busy and bool(self.base_url) and self.conversation_id is not None
        )

    def _recover_interrupted(self) -> None:
        """Answers cut off by a crash last time: keep them, marked as interrupted."""
        for m in self.history.interrupted():
            self.history.finish(m.id, "error")

    # -- the transcript ----------------------------------------------------------------------------
    def _render_if_dirty(self) -> None:
        if self._dirty and self.streaming_message is not None:
            self._dirty = False
            self.chat_view.update_streaming("".join(self._streamed))

    def _on_link(self, url: QUrl) -> None:
        kind, _, value = url.toString().partition(":")
        if kind == "copycode":
            QGuiApplication.clipboard().setText(self.chat_view.code_blocks[int(value)])
            return
        try:
            message = self.history.message(int(value))
        except (HistoryError, ValueError):
            return  # a link to a message deleted meanwhile
        if kind == "copy":
            QGuiApplication.clipboard().setText(message.content)
        elif kind == "edit":
            text, ok = QInputDialog.getMultiLineText(
                self, "Edit message", "Message", message.content
            )
            if ok and text.strip():
                self.edit_message(message.id, text.strip())

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)
