"""The conversation as a chat template reads it, the same on both engines.

MLX renders with transformers' `apply_chat_template`; llama.cpp with llama-cpp-python's
Jinja formatter (the same Jinja settings). Two things transformers does before rendering are
done here for both, so the prompt is token for token what the model's own template gives
under transformers (tests/test_chat_templates.py holds every family to that):

- keys whose value is None are dropped (an OpenAI client's `"content": null` beside tool
  calls): templates test whether a key is defined, and a None would print as "None";
- a reasoning field is offered under the names templates read: `reasoning_content`
  (Qwen3), `thinking` (gpt-oss).

And one thing for the families without a system role (Mixtral's template raises on one):
a leading system message is folded into the first user turn, as the later Mistral
templates do themselves, instead of refusing the chat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")


def template_messages(messages: list[dict]) -> list[dict]:
    """The messages as transformers hands them to a template (see the module's note)."""
    out = []
    for message in messages:
        message = {k: v for k, v in message.items() if v is not None}
        reasoning = next((message[k] for k in REASONING_FIELDS if k in message), None)
        if reasoning is not None:
            message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        out.append(message)
    return out


def fold_system(messages: list[dict]) -> list[dict] | None:
    """A leading system message merged into the first user turn ("system\\n\\nuser"), or
    None when there is no leading system message to fold."""
    if not messages or messages[0].get("role") != "system":
        return None
    system, rest = messages[0], list(messages[1:])
    for i, message in enumerate(rest):
        if message.get("role") == "user":
            text = f"{system.get('content') or ''}\n\n{message.get('content') or ''}"
            rest[i] = {**message, "content": text}
            return rest
    return [{**system, "role": "user"}, *rest]  # nothing to fold into: it becomes the turn


def render_folding_system(render: Callable[[list[dict]], T], messages: list[dict]) -> T:
    """`render(messages)`; when the template refuses them and they open with a system
    message, `render` of them with that message folded into the first user turn. A template
    that refuses the folded chat too (roles that do not alternate) has the last word."""
    from jinja2 import TemplateError

    try:
        return render(messages)
    except (TemplateError, ValueError):
        folded = fold_system(messages)
        if folded is None:
            raise
        return render(folded)


class TemplateFormatter:
    """llama-cpp-python's Jinja2ChatFormatter, given the messages as transformers would give
    them (template_messages) and folding a system message a template refuses."""

    def __init__(self, formatter) -> None:
        self._formatter = formatter

    def __call__(self, *, messages: list[dict], **kwargs):
        def render(chat: list[dict]):
            return self._formatter(messages=chat, **kwargs)

        return render_folding_system(render, template_messages(messages))
