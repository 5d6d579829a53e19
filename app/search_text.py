"""Text as the full-text index sees it, so search works in every language.

FTS5's unicode61 tokenizer splits on spaces and punctuation, which Chinese, Japanese and Korean
text does not have: a whole sentence would be one token. Putting a zero-width space (a
separator to unicode61, invisible on screen) between CJK characters makes each one a token,
so a CJK query of any length becomes a phrase of single characters: substring search.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"
_CJK = (
    "\u1100-\u11ff\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f"
)
_CJK_CHAR = re.compile(f"([{_CJK}])")
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_]+", re.UNICODE)


def index_text(text: str) -> str:
    """The text with CJK characters set apart by zero-width spaces."""
    return _CJK_CHAR.sub(lambda m: f"{ZWSP}{m.group(1)}{ZWSP}", text)


def strip_markers(text: str) -> str:
    return text.replace(ZWSP, "")


MIN_PREFIX = 3  # shorter Latin words match whole words only: "go", "AI", "C"


def fts_query(query: str, prefix: bool = False) -> str:
    """A user's query as an FTS5 expression: every word must appear (AND); a CJK run is a
    phrase of characters (so one or two CJK characters find what contains them). With
    `prefix`, the last Latin word of three or more letters also matches as a prefix, for
    search as you type. Quotes keep FTS5 operators in the query literal."""
    parts = []
    for chunk in query.split():
        tokens = _TOKEN.findall(chunk)
        if not tokens:
            continue
        parts.append('"' + " ".join(tokens) + '"')
    if not parts:
        return ""
    last = parts[-1]
    if prefix and not _CJK_CHAR.search(last) and len(last) - 2 >= MIN_PREFIX:
        parts[-1] = last + "*"
    return " ".join(parts)


def wants_prefix(query: str) -> bool:
    """Whether `fts_query(query, prefix=True)` differs from the whole-word query."""
    return fts_query(query, prefix=True) != fts_query(query)


def query_terms(query: str) -> list[str]:
    """The literal pieces a query looks for (words, CJK runs), lower-cased."""
    terms = []
    for chunk in query.split():
        tokens = _TOKEN.findall(chunk)
        if not tokens:
            continue
        if all(_CJK_CHAR.fullmatch(t) for t in tokens):
            terms.append("".join(tokens).lower())
        else:
            terms.extend(t.lower() for t in tokens)
    return terms


def snippet(text: str, query: str, mark: tuple[str, str] = ("[", "]"), width: int = 90) -> str:
    """A window of `text` around the first match, every match wrapped in `mark`.

    Built in Python from the few hits shown: FTS5's own snippet() re-expands prefix terms per
    row, which costs seconds on a large history.
    """
    terms = sorted(set(query_terms(query)), key=len, reverse=True)
    if not terms:
        return text[:width]
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    flat = " ".join(text.split())
    first = pattern.search(flat)
    start = 0 if first is None else max(0, first.start() - width // 3)
    if start > 0:
        space = flat.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 15 else start
    window = flat[start : start + width]
    marked = pattern.sub(lambda m: f"{mark[0]}{m.group(0)}{mark[1]}", window)
    return ("…" if start > 0 else "") + marked + ("…" if start + width < len(flat) else "")
