"""The reasoning splitter: every way a stream can cut the tags gives the same split as the
whole text, checked against a separate regular-expression reading of the same rules."""

from __future__ import annotations

import itertools
import random
import re

import pytest

from inference.reasoning_split import (
    ReasoningSplitter,
    Split,
    answer_without_reasoning,
    split_text,
)

# The rules, said once more in another way: a block only at the very start, whitespace
# around the tags trimmed, an unclosed block is all reasoning.
_BLOCK = re.compile(r"\s*<think>(.*?)(?:</think>\s*(.*))?\Z", re.S)


def reference(text: str, inside: bool) -> Split:
    if inside:
        text = "<think>" + text
    m = _BLOCK.match(text)
    if not m:
        return Split(content=text)
    return Split(m.group(1).strip(), m.group(2) or "")


def streamed(pieces: list[str], inside: bool = False) -> Split:
    splitter = ReasoningSplitter(inside)
    out = Split()
    for piece in pieces:
        out += splitter.feed(piece)
    return out + splitter.finish()


CASES = [
    "<think>\nI should greet.\n</think>\n\nHello!",
    "  <think>a</think>b",
    "<think>\n\n</think>\n\nJust the answer",
    "<think>never closed, the answer was cut",
    "plain answer with no reasoning",
    "an answer that mentions <think> later </think> is all answer",
    "<thi",  # looks like the opening tag, but the output ended
    "<think>reasoning ending in a half tag </thi",
    "<think>a < b and </ c </think> x </think> y",
    "<think>中文推理 🦊</think>答案 🦊",
    "",
    "   ",
    "<think></think>",
    "<<think>>",
    "<think>x</think",
]


@pytest.mark.parametrize("text", CASES)
@pytest.mark.parametrize("inside", [False, True])
def test_every_two_and_three_way_cut_gives_the_whole_text_split(text: str, inside: bool) -> None:
    whole = split_text(text, inside)
    assert whole == reference(text, inside)
    n = len(text)
    for i in range(n + 1):
        assert streamed([text[:i], text[i:]], inside) == whole, (text, i)
    for i, j in itertools.combinations(range(n + 1), 2):
        assert streamed([text[:i], text[i:j], text[j:]], inside) == whole, (text, i, j)
    assert streamed(list(text), inside) == whole  # one character at a time


def test_random_texts_in_random_pieces_match_the_reference() -> None:
    rng = random.Random(7)
    alphabet = ["<think>", "</think>", "<", "/", "t", "h", "think", ">", " ", "\n", "a", "答"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        inside = rng.random() < 0.3
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, rng.randint(0, 4))))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        assert streamed(pieces, inside) == reference(text, inside), (text, pieces, inside)


def test_the_opening_tag_is_recognised_split_over_tokens_and_nothing_leaks_early() -> None:
    splitter = ReasoningSplitter()
    assert splitter.feed("<th") == Split()
    assert splitter.feed("ink>\nFirst") == Split(reasoning="First")
    assert splitter.feed(" thought </th") == Split(reasoning=" thought")
    assert splitter.feed("ink>\n\nAns") == Split(content="Ans")
    assert splitter.feed("wer") == Split(content="wer")
    assert splitter.finish() == Split()
    assert splitter.saw_reasoning


def test_a_tag_prefix_at_the_end_is_released_not_swallowed() -> None:
    splitter = ReasoningSplitter()
    assert splitter.feed("<thin") == Split()
    assert splitter.finish() == Split(content="<thin")
    assert not splitter.saw_reasoning
    inside = ReasoningSplitter(inside=True)
    assert inside.feed("2 < 3 </thin") == Split(reasoning="2 < 3")
    assert inside.finish() == Split(reasoning=" </thin")


def test_answers_sent_back_lose_their_reasoning_block_only() -> None:
    assert answer_without_reasoning("<think>secret plan</think>\n\nHi") == "Hi"
    assert answer_without_reasoning("Hi <think>kept</think>") == "Hi <think>kept</think>"
    assert answer_without_reasoning("  plain  ") == "  plain  "
