"""Messages as HTML for the chat view: Markdown, highlighted code blocks with a copy link.

A message is rendered in pieces (a header, then body segments) so the transcript can insert
each finished piece once and redo only the unfinished tail of a streaming answer."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from PySide6.QtGui import QGuiApplication, QPalette, QTextDocument

from app.ui.i18n import tr, tr_noop

_FENCE = re.compile(r"```([\w+-]*)\n(.*?)(?:```|\Z)", re.S)
ROLE_NAMES = {"user": tr_noop("You"), "assistant": tr_noop("Fennec"), "system": tr_noop("System")}
STATUS_NOTES = {
    "streaming": " …",
    "stopped": tr_noop("(stopped)"),
    "error": tr_noop("(interrupted)"),
}


def _markdown(text: str) -> str:
    doc = QTextDocument()
    doc.setMarkdown(text)
    body = doc.toHtml()
    start, end = body.find("<body"), body.rfind("</body>")
    return body[body.find(">", start) + 1 : end] if start >= 0 else html.escape(text)


def _code(language: str, code: str) -> str:
    return _highlighted(language, code, "monokai" if _dark() else "friendly")


def _dark() -> bool:
    """The palette is a dark one (the system's dark scheme): code gets a dark style too."""
    return QGuiApplication.palette().color(QPalette.ColorRole.Base).lightness() < 128


@lru_cache(maxsize=256)
def _highlighted(language: str, code: str, style: str) -> str:
    # Cached: a block highlighted while its answer streamed is not highlighted again at the end.
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import TextLexer, get_lexer_by_name

        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except Exception:
            lexer = TextLexer()
        return highlight(code, lexer, HtmlFormatter(noclasses=True, nowrap=False, style=style))
    except ImportError:
        return f"<pre>{html.escape(code)}</pre>"


def _role_colour(role: str) -> str:
    palette = QGuiApplication.palette()
    colour = QPalette.ColorRole.Link if role == "user" else QPalette.ColorRole.Accent
    return palette.color(colour).name()


def _muted() -> str:
    return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText).name()


def reasoning_html(message_id: int, reasoning: str, seconds: float | None, open_: bool) -> str:
    """The model's thinking, folded under one line ("▸ Thought for 12 s"); open, the text in
    muted type. Nothing when it did not think."""
    if not reasoning:
        return ""
    words = thought_words(seconds if seconds is not None else 0.0)
    arrow = "▾" if open_ else "▸"
    line = f'<p><small><a href="think:{message_id}">{arrow} {words}</a></small></p>'
    if not open_:
        return line
    body = html.escape(reasoning).replace("\n", "<br/>")
    return line + f'<p style="color:{_muted()}"><small>{body}</small></p>'


def header_html(
    message_id: int,
    role: str,
    status: str,
    reasoning: str = "",
    reasoning_s: float | None = None,
    reasoning_open: bool = False,
) -> str:
    """The line above a message: who, its status, and its copy/edit links; for an answer
    that thought first, its folded reasoning below it."""
    links = f'<a href="copy:{message_id}">{tr("Copy")}</a>'
    if role == "user":
        links += f' · <a href="edit:{message_id}">{tr("Edit")}</a>'
    name = tr(ROLE_NAMES[role]) if role in ROLE_NAMES else role
    note = STATUS_NOTES.get(status, "")
    note = f" <i>{tr(note)}</i>" if note.startswith("(") else note
    return (
        f'<hr/><p><a name="m{message_id}"><b style="color:{_role_colour(role)}">{name}</b></a>'
        f"{note}&nbsp;&nbsp;<small>{links}</small></p>"
    ) + reasoning_html(message_id, reasoning, reasoning_s, reasoning_open)


def body_html(content: str, code_blocks: list[str]) -> str:
    """Markdown with highlighted code. Code blocks are appended to `code_blocks` so copy links
    can find them (`copycode:N` is their index there)."""
    parts = []
    pos = 0
    for m in _FENCE.finditer(content):
        if m.start() > pos:
            parts.append(_markdown(content[pos : m.start()]))
        code_blocks.append(m.group(2))
        index = len(code_blocks) - 1
        parts.append(_code(m.group(1), m.group(2)))
        parts.append(f'<div align="right"><a href="copycode:{index}">{tr("Copy code")}</a></div>')
        pos = m.end()
    if pos < len(content):
        parts.append(_markdown(content[pos:]))
    return "".join(parts) or "<p></p>"


def draft_html(content: str) -> str:
    """The unfinished tail of a streaming answer: Markdown, and an open code block as plain
    text (it is highlighted once, when its fence closes)."""
    fence = content.find("```")
    if fence < 0:
        return _markdown(content) if content.strip() else ""
    before, code = content[:fence], content[fence:].partition("\n")[2]
    text = _markdown(before) if before.strip() else ""
    return text + f"<pre>{html.escape(code)}</pre>"


def stable_length(content: str) -> int:
    """How much of a streaming answer is final: up to the last closed code block or paragraph
    break outside code. Text past it may still change how it renders as more arrives."""
    stable = pos = 0
    for m in _FENCE.finditer(content):
        stable = max(stable, _last_break(content, pos, m.start()))
        if m.end() == m.end(2):  # no closing fence yet: everything from here may change
            return stable
        stable = pos = m.end()
    return max(stable, _last_break(content, pos, len(content)))


def _last_break(content: str, start: int, end: int) -> int:
    at = content.rfind("\n\n", start, end)
    return at + 2 if at >= 0 else start


def thought_words(seconds: float | None, thinking: bool = False) -> str:
    """ "Thinking… 4 s" while it thinks, "Thought for 12 s" after; "" when it did not think."""
    if seconds is None:
        return ""
    shown = tr("{seconds} s").format(seconds=f"{seconds:.0f}") if seconds >= 1 else tr("a moment")
    text = tr("Thinking… {time}") if thinking else tr("Thought for {time}")
    return text.format(time=shown)


def answered_words(target: str | None, note: str | None) -> str:
    """Who made an answer, in the UI's language (the routing note stays as routing wrote it)."""
    if target is None:
        return ""
    if target == "local":
        who = tr("answered on this machine")
    else:
        who = tr("answered by {name}").format(name=target)
    return f"{who} ({note})" if note else who


def unseen_words(count: int) -> str:
    """The quiet note on an answer whose model did not see the whole conversation."""
    if count <= 0:
        return ""
    if count == 1:
        return tr("the earliest message did not fit in the model's context")
    return tr("the {count} earliest messages did not fit in the model's context").format(
        count=count
    )


def footer_html(text: str) -> str:
    """The quiet line under an answer (who made it); empty text: none."""
    if not text:
        return ""
    return f'<p><small style="color:{_muted()}">{html.escape(text)}</small></p>'


def message_html(
    message_id: int,
    role: str,
    content: str,
    status: str,
    code_blocks: list[str],
    footer: str = "",
    reasoning: str = "",
    reasoning_s: float | None = None,
    reasoning_open: bool = False,
) -> str:
    """One whole message."""
    return (
        header_html(message_id, role, status, reasoning, reasoning_s, reasoning_open)
        + body_html(content, code_blocks)
        + footer_html(footer)
    )
