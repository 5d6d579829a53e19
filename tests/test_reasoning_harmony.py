"""gpt-oss's harmony format split as it streams: every cut of the markers gives the split of
the whole text, checked against a regular-expression reading of the format; the text as
either engine shows it (llama.cpp without `<|end|>`)."""

from __future__ import annotations

import itertools
import random

import pytest

from inference.reasoning_harmony import HarmonySplitter
from inference.reasoning_split import ReasoningSplitter, Split, splitter_for
from tests.harmony_model import harmony_reference

FULL = (
    "<|channel|>analysis<|message|>User says hi. Reply briefly.<|end|>"
    "<|start|>assistant<|channel|>final<|message|>Hello! 🦊"
)
LLAMA_CPP = FULL.replace("<|end|>", "")  # a control token: llama.cpp leaves it out
TOOLISH = (
    "<|channel|>analysis<|message|>a < b<|end|><|start|>assistant<|channel|>commentary "
    'to=functions.f <|constrain|>json<|message|>{"x": 1}<|call|>'
)
CASES = [FULL, LLAMA_CPP, TOOLISH, "<|channel|>final<|message|>just the answer", "plain text"]


def reference(text: str) -> Split:
    return harmony_reference(text)


def streamed(pieces: list[str], header: str = "") -> Split:
    splitter = HarmonySplitter(header)
    out = Split()
    for piece in pieces:
        out += splitter.feed(piece)
    return out + splitter.finish()


@pytest.mark.parametrize("text", CASES)
def test_every_cut_gives_the_whole_text_split(text: str) -> None:
    whole = streamed([text])
    assert whole == reference(text)
    for i in range(len(text) + 1):
        assert streamed([text[:i], text[i:]]) == whole, i
    for i, j in itertools.combinations(range(0, len(text) + 1, 3), 2):
        assert streamed([text[:i], text[i:j], text[j:]]) == whole, (i, j)
    assert streamed(list(text)) == whole


def test_both_engines_texts_split_alike() -> None:
    assert (
        streamed([FULL])
        == streamed([LLAMA_CPP])
        == Split(reasoning="User says hi. Reply briefly.", content="Hello! 🦊")
    )


def test_random_pieces_of_random_harmony_match_the_reference() -> None:
    rng = random.Random(3)
    words = ["a", " ", "<", "|", "答", "analysis", "final"]
    for _ in range(1500):
        messages = []
        for _ in range(rng.randint(1, 3)):
            channel = rng.choice(["analysis", "final", "commentary"])
            body = "".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
            end = rng.choice(["<|end|>", ""])
            messages.append(f"<|start|>assistant<|channel|>{channel}<|message|>{body}{end}")
        text = "".join(messages).removeprefix("<|start|>assistant")
        cuts = sorted(rng.sample(range(len(text) + 1), k=min(len(text) + 1, 4)))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        assert streamed(pieces) == reference(text), (text, pieces)


def test_a_prompt_that_opened_the_analysis_channel_starts_as_reasoning() -> None:
    splitter = splitter_for("<|end|><|start|>assistant<|channel|>analysis<|message|>")
    assert isinstance(splitter, HarmonySplitter)
    out = splitter.feed("thinking<|end|><|start|>assistant<|channel|>final<|message|>ok")
    assert out + splitter.finish() == Split(reasoning="thinking", content="ok")
    assert splitter.saw_reasoning


def test_the_prompt_decides_the_format() -> None:
    assert isinstance(splitter_for("<|im_start|>assistant\n"), ReasoningSplitter)
    assert isinstance(splitter_for("<|start|>assistant"), HarmonySplitter)
    think = splitter_for("<|im_start|>assistant\n<think>\n")
    assert think.feed("x</think>y") + think.finish() == Split(reasoning="x", content="y")


def test_an_unfinished_header_is_not_shown_but_plain_text_is() -> None:
    assert streamed(["<|channel|>analysis<|mess"]) == Split()
    assert streamed(["<|chan"]) == Split(content="<|chan")
    assert streamed(["hello <|channel|>"]) == Split(content="hello <|channel|>")
