"""The request's say over reasoning, checked and turned into chat-template variables.

Three spellings, one meaning: vLLM's `chat_template_kwargs: {"enable_thinking": …}`, Fennec's
shorthand `"think": true|false`, and OpenAI's `reasoning_effort` ("low" | "medium" | "high",
passed on as the template variable of that name, which gpt-oss's template reads). Qwen3-style
templates read `enable_thinking`; a template without the switch ignores it.
"""

from __future__ import annotations

from typing import Any

from inference.errors import RequestError

EFFORTS = ("low", "medium", "high")
# The chat-template variables a request may set; any other is refused, not ignored.
TEMPLATE_KWARGS = ("enable_thinking",)


def _bool(value: Any, param: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise RequestError(f"'{param}' must be true or false", param=param)


def template_kwargs(body: dict) -> dict:
    """The chat-template variables a /v1/chat/completions body asks for (may be empty)."""
    raw = body.get("chat_template_kwargs")
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise RequestError("'chat_template_kwargs' must be an object", param="chat_template_kwargs")
    for key in raw:
        if key not in TEMPLATE_KWARGS:
            raise RequestError(
                f"chat_template_kwargs: {key!r} is not supported (only "
                f"{', '.join(TEMPLATE_KWARGS)})",
                param=f"chat_template_kwargs.{key}",
            )
    enable = _bool(raw.get("enable_thinking"), "chat_template_kwargs.enable_thinking")
    think = _bool(body.get("think"), "think")
    if enable is not None and think is not None and enable != think:
        raise RequestError(
            "'think' and chat_template_kwargs.enable_thinking disagree", param="think"
        )
    thinking = think if think is not None else enable
    effort = body.get("reasoning_effort")
    if effort is not None and effort not in EFFORTS:
        raise RequestError(
            f"'reasoning_effort' must be one of {', '.join(EFFORTS)}", param="reasoning_effort"
        )
    if effort is not None and thinking is False:
        raise RequestError(
            "'reasoning_effort' asks for reasoning that 'think' (or enable_thinking) turned off",
            param="reasoning_effort",
        )
    kwargs: dict = {}
    if thinking is not None:
        kwargs["enable_thinking"] = thinking
    if effort is not None:
        kwargs["reasoning_effort"] = effort
    return kwargs
