"""Messages as HTML for the chat view: Markdown, highlighted code blocks with a copy link.

A message is rendered in pieces (a header, then body segments) so the transcript can insert
each finished piece once and redo only the unfinished tail of a streaming answer."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from PySide6.QtGui import QGuiApplication, QPalette, QTextDocument

_FENCE = re.compile(r"```([\w+-]*)\n(.*?)(?:```|\Z)", re.S)
ROLE_NAMES = {"user": "You", "assistant": "Fennec", "system": "System"}
STATUS_NOTES = {
    "streaming": " …",
    "stopped": " <i>(stopped)</i>",
    "error": " <i>(interrupted)</i>",
}


def _markdown(text: str) -> str:
    doc = QTextDocument()
    doc.setMarkdown(text)
    body = doc.toHtml()
    start, end = body.find("<body"), body.rfind("</body>")
    return body[body.find(">", start) + 1 : end] if start >= 0 else html.escape(text)


@lru_cache(maxsize=256)
def _code(language: str, code: str) -> str:
    # Cached: a block highlighted while its answer streamed is not highlighted again at the end.
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import TextLexer, get_lexer_by_name

        try:
            lexer = get_lexer_by_name(language) if language else TextLexer()
        except Exception:
            lexer = TextLexer()
        return highlight(code, lexer, HtmlFormatter(noclasses=True, nowrap=False, style="friendly"))
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
    from app.answer_reasoning import thought_label

    words = thought_label(seconds if seconds is not None else 0.0)
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
    links = f'<a href="copy:{message_id}">Copy</a>'
    if role == "user":
        links += f' · <a href="edit:{message_id}">Edit</a>'
    name = ROLE_NAMES.get(role, role)
    return (
        f'<hr/><p><a name="m{message_id}"><b style="color:{_role_colour(role)}">{name}</b></a>'
        f"{STATUS_NOTES.get(status, '')}&nbsp;&nbsp;<small>{links}</small></p>"
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
        parts.append(f'<div align="right"><a href="copycode:{index}">Copy code</a></div>')
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
