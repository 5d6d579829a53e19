"""OpenAI chat-completions JSON in: validation with messages a client can act on.

Every field a client may send is either used, accepted as harmless (`user`, `metadata`,
`store`, …), or refused with a 400 naming it (`tools`, `logprobs`, `response_format` other
than text): a client never gets an answer that silently ignored what it asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inference.errors import RequestError
from inference.reasoning_split import answer_without_reasoning
from inference.reasoning_switch import template_kwargs
from inference.requests import ChatRequest, SamplingParams

ROLES = {"system", "developer", "user", "assistant", "tool"}
MAX_STOP_STRINGS = 4
MAX_TOKENS_LIMIT = 32768
MAX_LOGIT_BIAS_ENTRIES = 1024
MAX_SEED = 2**63 - 1
DEFAULT_MAX_TOKENS = 512
# What a client may call the one model a worker serves, besides its own id.
MODEL_ALIASES = frozenset({"default"})

# Parameters we do not implement; sending them with a value that matters is a 400.
# value: the harmless values that are accepted (what a client sends when it does not care).
UNSUPPORTED: dict[str, tuple[Any, ...]] = {
    "logprobs": (None, False),
    "top_logprobs": (None, 0),
    "tools": (None, []),
    "functions": (None, []),
    "function_call": (None, "none", "auto"),
    "tool_choice": (None, "none", "auto"),
    "parallel_tool_calls": (None, True, False),
    "response_format": (None, {"type": "text"}),
    "audio": (None,),
    "modalities": (None, ["text"]),
    "prediction": (None,),
    "web_search_options": (None,),
    "best_of": (None, 1),
    "echo": (None, False),
    "suffix": (None,),
}
UNSUPPORTED_WHY = {
    "logprobs": "log probabilities are not returned by this worker",
    "top_logprobs": "log probabilities are not returned by this worker",
    "tools": "tool calling is not supported by this worker",
    "functions": "function calling is not supported by this worker",
    "response_format": "only the 'text' response format is supported",
}


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
    if not lo <= value <= hi:  # also refuses NaN, which Python's json accepts
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


def _text(value: str, param: str) -> str:
    """A string the tokenizer can take: lone surrogates (legal in JSON) are not UTF-8."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestError(
            f"{param} is not valid Unicode (a lone surrogate)", param=param
        ) from None
    return value


def _content_text(content: Any, index: int) -> str:
    param = f"messages[{index}].content"
    if isinstance(content, str):
        return _text(content, param)
    if content is None:
        return ""
    if isinstance(content, list):
        parts = []
        for part in content:
            text = part.get("text") if isinstance(part, dict) else None
            if (
                not isinstance(part, dict)
                or part.get("type") != "text"
                or not isinstance(text, str)
            ):
                raise RequestError(f"{param}: only text parts are supported", param=param)
            parts.append(_text(text, param))
        return "".join(parts)
    raise RequestError(f"{param} must be a string or a list of text parts", param=param)


def parse_messages(raw: Any) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise RequestError("'messages' must be a non-empty list", param="messages")
    messages = []
    for i, m in enumerate(raw):
        if not isinstance(m, dict):
            raise RequestError(f"messages[{i}] must be an object", param=f"messages[{i}]")
        role = m.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise RequestError(
                f"messages[{i}].role must be one of {', '.join(sorted(ROLES))}",
                param=f"messages[{i}].role",
            )
        role = "system" if role == "developer" else role
        content = _content_text(m.get("content"), i)
        reasoning = m.get("reasoning_content")
        if reasoning is not None and not isinstance(reasoning, str):
            param = f"messages[{i}].reasoning_content"
            raise RequestError(f"{param} must be a string", param=param)
        if role == "assistant":
            # Reasoning a client sends back (in its own field, or left at the head of the
            # content) is never shown to the model again, as the reasoning templates say.
            content = answer_without_reasoning(content)
        messages.append({"role": role, "content": content})
    return messages


def check_model(body: dict, served: str) -> None:
    """The served id, an alias, or no model at all; anything else is OpenAI's 404."""
    model = body.get("model")
    if model is None:
        return
    if not isinstance(model, str):
        raise RequestError("'model' must be a string", param="model")
    if model == served or model in MODEL_ALIASES:
        return
    raise RequestError(
        f"The model '{model}' does not exist; this worker serves '{served}' (alias 'default')",
        param="model",
        status=404,
        code="model_not_found",
    )


TRUNCATION_MODES = ("disabled", "auto")


def _truncation(body: dict) -> str:
    """OpenAI's Responses API field: "auto" drops the oldest turns that do not fit."""
    value = body.get("truncation", "disabled")
    if value is None:
        return "disabled"
    if value not in TRUNCATION_MODES:
        raise RequestError(
            f"'truncation' must be one of {', '.join(TRUNCATION_MODES)}", param="truncation"
        )
    return value


def _refuse_unsupported(body: dict) -> None:
    for name, harmless in UNSUPPORTED.items():
        value = body.get(name)
        if not any(value == ok and type(value) is type(ok) for ok in harmless):
            why = UNSUPPORTED_WHY.get(name, f"'{name}' is not supported by this worker")
            raise RequestError(f"{why} (parameter '{name}')", param=name)


def _stops(body: dict) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    if isinstance(stop, str):
        return (_text(stop, "stop"),)
    if isinstance(stop, list) and all(isinstance(s, str) for s in stop):
        if len(stop) > MAX_STOP_STRINGS:
            raise RequestError(f"at most {MAX_STOP_STRINGS} stop strings", param="stop")
        return tuple(_text(s, "stop") for s in stop)
    raise RequestError("'stop' must be a string or a list of strings", param="stop")


def _logit_bias(body: dict) -> tuple[tuple[int, float], ...]:
    raw = body.get("logit_bias")
    if raw is None:
        return ()
    if not isinstance(raw, dict) or len(raw) > MAX_LOGIT_BIAS_ENTRIES:
        raise RequestError(
            f"'logit_bias' must map at most {MAX_LOGIT_BIAS_ENTRIES} token ids to numbers",
            param="logit_bias",
        )
    pairs = []
    for key, bias in raw.items():
        if not (key.isascii() and key.isdigit()) or len(key) > 12:
            raise RequestError(f"logit_bias: {key!r} is not a token id", param="logit_bias")
        if isinstance(bias, bool) or not isinstance(bias, int | float) or not -100 <= bias <= 100:
            raise RequestError(
                "logit_bias values must be numbers in [-100, 100]", param="logit_bias"
            )
        pairs.append((int(key), float(bias)))
    return tuple(pairs)


def parse_chat(body: Any, served_model: str) -> ParsedChat:
    """Validate a /v1/chat/completions body; raise RequestError naming the bad field."""
    if not isinstance(body, dict):
        raise RequestError("the request body must be a JSON object")
    check_model(body, served_model)
    messages = parse_messages(body.get("messages"))
    _refuse_unsupported(body)
    if _integer(body, "n", 1, 1, 1) != 1:
        raise RequestError("only n=1 is supported", param="n")
    max_tokens = _integer(body, "max_completion_tokens", None, 1, MAX_TOKENS_LIMIT)
    if max_tokens is None:
        max_tokens = _integer(body, "max_tokens", DEFAULT_MAX_TOKENS, 1, MAX_TOKENS_LIMIT)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise RequestError("'stream' must be true or false", param="stream")
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise RequestError("'stream_options' must be an object", param="stream_options")
    include_usage = options.get("include_usage", False)
    if not isinstance(include_usage, bool):
        raise RequestError("'include_usage' must be true or false", param="stream_options")
    params = SamplingParams(
        temperature=_number(body, "temperature", 0.7, 0.0, 2.0),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0),
        # A top_k at or past the vocabulary keeps every token: the engines treat it as off.
        top_k=int(_integer(body, "top_k", 0, 0, 1 << 31) or 0),
        min_p=_number(body, "min_p", 0.0, 0.0, 1.0),
        repetition_penalty=_number(body, "repetition_penalty", 1.0, 0.01, 10.0),
        presence_penalty=_number(body, "presence_penalty", 0.0, -2.0, 2.0),
        frequency_penalty=_number(body, "frequency_penalty", 0.0, -2.0, 2.0),
        logit_bias=_logit_bias(body),
        seed=_integer(body, "seed", None, 0, MAX_SEED),
        max_tokens=int(max_tokens or DEFAULT_MAX_TOKENS),
        stop=_stops(body),
    )
    request = ChatRequest(messages, params, template_kwargs=template_kwargs(body))
    request.truncation = _truncation(body)
    return ParsedChat(request, stream, include_usage)
