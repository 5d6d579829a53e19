"""Messages as HTML for the chat view: Markdown, highlighted code blocks with a copy link."""

from __future__ import annotations

import html
import re

from PySide6.QtGui import QTextDocument

_FENCE = re.compile(r"```([\w+-]*)\n(.*?)(?:```|\Z)", re.S)
ROLE_NAMES = {"user": "You", "assistant": "Fennec", "system": "System"}


def _markdown(text: str) -> str:
    doc = QTextDocument()
    doc.setMarkdown(text)
    body = doc.toHtml()
    start, end = body.find("<body"), body.rfind("</body>")
    return body[body.find(">", start) + 1 : end] if start >= 0 else html.escape(text)


def _code(language: str, code: str) -> str:
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


def message_html(
    message_id: int, role: str, content: str, status: str, code_blocks: list[str]
) -> str:
    """One message. Code blocks are appended to `code_blocks` so copy links can find them."""
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
    note = {
        "streaming": " …",
        "stopped": " <i>(stopped)</i>",
        "error": " <i>(interrupted)</i>",
    }.get(status, "")
    links = f'<a href="copy:{message_id}">Copy</a>'
    if role == "user":
        links += f' · <a href="edit:{message_id}">Edit</a>'
    name = ROLE_NAMES.get(role, role)
    color = "#2d6cdf" if role == "user" else "#2e9d5b"
    return (
        f'<a name="m{message_id}"></a><p><b style="color:{color}">{name}</b>{note}'
        f"&nbsp;&nbsp;<small>{links}</small></p>{''.join(parts) or '<p></p>'}<hr/>"
    )
