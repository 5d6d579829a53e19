"""OpenAI chat-completions JSON in and out: validation with messages a client can act on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from inference.errors import RequestError
from inference.requests import ChatRequest, SamplingParams, TokenEvent

ROLES = {"system", "developer", "user", "assistant", "tool"}
MAX_STOP_STRINGS = 4
MAX_TOKENS_LIMIT = 32768


@dataclass(frozen=True)
class ParsedChat:
    request: ChatRequest
    stream: bool
    include_usage: bool


def _number(body: dict, name: str, default: float, lo: float, hi: float) -> float:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RequestError(f"'{name}' must be a number", param=name)
    if not lo <= value <= hi:
        raise RequestError(f"'{name}' must be between {lo} and {hi}, got {value}", param=name)
    return float(value)


def _integer(body: dict, name: str, default: int | None, lo: int, hi: int) -> int | None:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(f"'{name}' must be an integer", param=name)
    if not lo <= value <= hi:
        raise RequestError(f"'{name}' must be between {lo} and {hi}, got {value}", param=name)
    return value


def _content_text(content: Any, index: int) -> str:
    if isinstance(content, str):
        return content
    if content is None:
        return ""
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise RequestError(
                    f"messages[{index}].content: only text parts are supported",
                    param=f"messages[{index}].content",
                )
            parts.append(str(part.get("text", "")))
        return "".join(parts)
    raise RequestError(
        f"messages[{index}].content must be a string or a list of text parts",
        param=f"messages[{index}].content",
    )


def parse_messages(raw: Any) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise RequestError("'messages' must be a non-empty list", param="messages")
    messages = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict):
            raise RequestError(f"messages[{i}] must be an object", param=f"messages[{i}]")
        role = m.get("role")
        if role not in ROLES:
            raise RequestError(
                f"messages[{i}].role must be one of {', '.join(sorted(ROLES))}",
                param=f"messages[{i}].role",
            )
        role = "system" if role == "developer" else role
        messages.append({"role": role, "content": _content_text(m.get("content"), i)})
    return messages


def parse_chat(body: Any) -> ParsedChat:
    """Validate a /v1/chat/completions body; raise RequestError naming the bad field."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    messages = parse_messages(body.get("messages"))
    if body.get("n", 1) != 1:
        raise RequestError("only n=1 is supported", param="n")
    stop = body.get("stop")
    if stop is None:
        stops: tuple[str, ...] = ()
    elif isinstance(stop, str):
        stops = (stop,)
    elif isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        if len(stop) > MAX_STOP_STRINGS:
            raise RequestError(f"at most {MAX_STOP_STRINGS} stop strings", param="stop")
        stops = tuple(stop)
    else:
        raise RequestError("'stop' must be a string or a list of strings", param="stop")
    max_tokens = _integer(body, "max_completion_tokens", None, 1, MAX_TOKENS_LIMIT)
    if max_tokens is None:
        max_tokens = _integer(body, "max_tokens", 512, 1, MAX_TOKENS_LIMIT)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("'stream' must be true or false", param="stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise RequestError("'stream_options' must be an object", param="stream_options")
    params = SamplingParams(
        temperature=_number(body, "temperature", 0.7, 0.0, 2.0),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0),
        top_k=int(_integer(body, "top_k", 0, 0, 100000) or 0),
        min_p=_number(body, "min_p", 0.0, 0.0, 1.0),
        repetition_penalty=_number(body, "repetition_penalty", 1.0, 0.01, 10.0),
        seed=_integer(body, "seed", None, -(2**63), 2**63 - 1),
        max_tokens=int(max_tokens or 512),
        stop=stops,
    )
    return ParsedChat(ChatRequest(messages, params), stream, bool(options.get("include_usage")))


def error_body(
    message: str,
    kind: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def usage(event: TokenEvent) -> dict:
    return {
        "prompt_tokens": event.prompt_tokens,
        "completion_tokens": event.completion_tokens,
        "total_tokens": event.prompt_tokens + event.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": event.cached_tokens},
    }


def completion(request_id: str, model: str, text: str, last: TokenEvent) -> dict:
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": last.finish_reason,
            }
        ],
        "usage": usage(last),
    }


def chunk(
    request_id: str,
    model: str,
    delta: dict,
    finish_reason: str | None = None,
    usage_of: TokenEvent | None = None,
) -> dict:
    body: dict = {
        "id": request_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": []
        if usage_of is not None
        else [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }
    if usage_of is not None:
        body["usage"] = usage(usage_of)
    return body
