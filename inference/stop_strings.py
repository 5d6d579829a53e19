"""Stop strings on streamed text: cut at the first match, never show part of one."""

from __future__ import annotations


class StopStringFilter:
    """Feed streamed text; get back what is safe to show, and whether a stop string matched.

    Text that could be the start of a stop string is held back until it either completes
    one (and is dropped) or cannot anymore (and is released).
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._stops = tuple(s for s in stops if s)
        self._held = ""

    def feed(self, text: str) -> tuple[str, bool]:
        if not self._stops:
            return text, False
        combined = self._held + text
        hits = [i for i in (combined.find(s) for s in self._stops) if i >= 0]
        if hits:
            self._held = ""
            return combined[: min(hits)], True
        keep = 0
        for stop in self._stops:
            for n in range(min(len(stop) - 1, len(combined)), 0, -1):
                if combined.endswith(stop[:n]):
                    keep = max(keep, n)
                    break
        self._held = combined[len(combined) - keep :] if keep else ""
        return combined[: len(combined) - keep], False

    def flush(self) -> str:
        """The held-back text, released when the stream ends for another reason."""
        held, self._held = self._held, ""
        return held
