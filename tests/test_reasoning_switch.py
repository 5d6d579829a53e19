"""The request's reasoning switch as the parser reads it: three spellings, one variable for
the chat template, and a 400 naming the field for anything else."""

from __future__ import annotations

import pytest

from inference.errors import RequestError
from inference.openai_schema import parse_chat

HELLO = [{"role": "user", "content": "hi"}]


def kwargs_of(**extra) -> dict:
    return parse_chat({"messages": HELLO, **extra}, "m").request.template_kwargs


def test_no_switch_leaves_the_template_its_default() -> None:
    assert kwargs_of() == {}
    assert kwargs_of(think=None, chat_template_kwargs=None) == {}


@pytest.mark.parametrize("value", [True, False])
def test_think_and_enable_thinking_are_one_switch(value: bool) -> None:
    assert kwargs_of(think=value) == {"enable_thinking": value}
    assert kwargs_of(chat_template_kwargs={"enable_thinking": value}) == {"enable_thinking": value}
    both = kwargs_of(think=value, chat_template_kwargs={"enable_thinking": value})
    assert both == {"enable_thinking": value}


def test_reasoning_effort_reaches_the_template_by_its_own_name() -> None:
    assert kwargs_of(reasoning_effort="low") == {"reasoning_effort": "low"}
    assert kwargs_of(reasoning_effort="high", think=True) == {
        "reasoning_effort": "high",
        "enable_thinking": True,
    }


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"think": 1}, "think"),
        ({"think": "false"}, "think"),
        ({"chat_template_kwargs": []}, "chat_template_kwargs"),
        (
            {"chat_template_kwargs": {"enable_thinking": "yes"}},
            "chat_template_kwargs.enable_thinking",
        ),
        ({"chat_template_kwargs": {"messages": []}}, "chat_template_kwargs.messages"),
        ({"think": True, "chat_template_kwargs": {"enable_thinking": False}}, "think"),
        ({"reasoning_effort": "max"}, "reasoning_effort"),
        ({"reasoning_effort": 2}, "reasoning_effort"),
        ({"reasoning_effort": "low", "think": False}, "reasoning_effort"),
    ],
)
def test_a_wrong_or_contradictory_switch_is_refused_by_name(extra: dict, param: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse_chat({"messages": HELLO, **extra}, "m")
    assert caught.value.param == param


def test_reasoning_sent_back_is_checked_and_dropped() -> None:
    messages = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "<think>plan</think>\n\nHello", "reasoning_content": "x"},
        {"role": "user", "content": "<think>a user's text is theirs</think>"},
    ]
    parsed = parse_chat({"messages": messages}, "m").request.messages
    assert parsed[1] == {"role": "assistant", "content": "Hello"}
    assert parsed[2]["content"] == "<think>a user's text is theirs</think>"
    messages[1]["reasoning_content"] = ["not", "text"]
    with pytest.raises(RequestError) as caught:
        parse_chat({"messages": messages}, "m")
    assert caught.value.param == "messages[1].reasoning_content"
