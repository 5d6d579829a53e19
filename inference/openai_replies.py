"""OpenAI chat-completions JSON out: completions, stream chunks, model objects and errors."""

from __future__ import annotations

import time

from inference.requests import TokenEvent

# OpenAI's error `type` for each HTTP status we answer with.
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    409: "invalid_request_error",
    413: "invalid_request_error",
    499: "invalid_request_error",
}


def error_body(
    message: str,
    kind: str = "invalid_request_error",
    param: str | None = None,
    code: str | None = None,
) -> dict:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def error_type(status: int) -> str:
    return ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")


def model_object(model_id: str) -> dict:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "fennec"}


def usage(event: TokenEvent) -> dict:
    return {
        "prompt_tokens": event.prompt_tokens,
        "completion_tokens": event.completion_tokens,
        "total_tokens": event.prompt_tokens + event.completion_tokens,
        "prompt_tokens_details": {"cached_tokens": event.cached_tokens},
        # Fennec's extension: oldest messages left out to fit the context ("truncation": "auto").
        "fennec": {"truncated_messages": event.truncated_messages},
    }


def completion(
    request_id: str, model: str, text: str, last: TokenEvent, reasoning: str | None = None
) -> dict:
    """A whole answer; `reasoning`: the model's reasoning, apart (None: it had none)."""
    message = {"role": "assistant", "content": text}
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": message,
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


def event_error(event: TokenEvent) -> tuple[int, dict]:
    """The HTTP status and OpenAI error body for a stream that ended in error."""
    status = 400 if event.error_is_request else 500
    body = error_body(
        event.error or "generation failed", error_type(status), event.error_param, event.error_code
    )
    return status, body
