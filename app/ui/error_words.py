"""Technical errors in words a user can act on; the original kept for a "Details" disclosure.

Known causes (no network, a full disk, too little memory, no permission) are recognised in the
message text, since they arrive from other processes and libraries as strings.
"""

from __future__ import annotations

import re

from app.ui.i18n import tr, tr_noop

# (pattern in the technical text, what the user is told)
CAUSES = (
    (
        r"ConnectError|Errno -[23]\b|Name or service not known|getaddrinfo|Network is unreachable"
        r"|Temporary failure in name resolution|nodename nor servname",
        tr_noop(
            "Fennec cannot reach the server. Check the internet connection (or the "
            "provider's address) and try again."
        ),
    ),
    (
        r"No space left|Errno 28|ENOSPC|disk is full",
        tr_noop("The disk is full. Free some space, then try again: nothing was lost."),
    ),
    (
        r"MemoryError|out of memory|Cannot allocate memory|Errno 12",
        tr_noop("There is not enough memory. Close other programs or choose a smaller model."),
    ),
    (
        r"Permission denied|Errno 13|Operation not permitted",
        tr_noop("Fennec is not allowed to use that file or folder. Check its permissions."),
    ),
    (
        r"timed out|ReadTimeout|ConnectTimeout",
        tr_noop("The server took too long to answer. Try again in a moment."),
    ),
)


def humane(text: str) -> tuple[str, str]:
    """(what to tell the user, the technical details or "") for an error's text."""
    for pattern, words in CAUSES:
        if re.search(pattern, text, re.IGNORECASE):
            return tr(words), text
    return text, ""
