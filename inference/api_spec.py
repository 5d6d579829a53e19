"""The OpenAPI description of the worker's routes: request bodies as the parser accepts them.

Routes read their bodies themselves (so every error is OpenAI-shaped and names its field),
which leaves FastAPI nothing to infer; these schemas fill the gap for `/openapi.json`, for
client generators and for the fuzz test, which builds its requests from them.
"""

from __future__ import annotations

from inference.openai_schema import (
    MAX_LOGIT_BIAS_ENTRIES,
    MAX_SEED,
    MAX_STOP_STRINGS,
    MAX_TOKENS_LIMIT,
    MODEL_ALIASES,
    ROLES,
)
from inference.reasoning_switch import EFFORTS

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "properties": {
                "message": {"type": "string"},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}

_TEXT_PART = {
    "type": "object",
    "required": ["type", "text"],
    "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
}

MESSAGE_SCHEMA = {
    "type": "object",
    "required": ["role", "content"],
    "properties": {
        "role": {"type": "string", "enum": sorted(ROLES)},
        "content": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": _TEXT_PART},
                {"type": "null"},
            ]
        },
        "name": {"type": "string"},
        # An earlier answer's reasoning, as a client got it; accepted, never shown to the model.
        "reasoning_content": {"type": ["string", "null"]},
    },
}


def _number(lo: float, hi: float) -> dict:
    return {"type": ["number", "null"], "minimum": lo, "maximum": hi}


def chat_request_schema(model_id: str) -> dict:
    """The chat body; `model` may name the served model or its alias (any other is a 404)."""
    model = {"type": "string", "enum": [model_id, *sorted(MODEL_ALIASES)]}
    return CHAT_REQUEST_SCHEMA | {
        "properties": CHAT_REQUEST_SCHEMA["properties"] | {"model": model}
    }


CHAT_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "model": {"type": "string", "description": "the served model id or 'default'"},
        "messages": {"type": "array", "minItems": 1, "items": MESSAGE_SCHEMA},
        "max_tokens": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_TOKENS_LIMIT},
        "max_completion_tokens": {
            "type": ["integer", "null"],
            "minimum": 1,
            "maximum": MAX_TOKENS_LIMIT,
        },
        "temperature": _number(0.0, 2.0),
        "top_p": _number(0.0, 1.0),
        "top_k": {"type": ["integer", "null"], "minimum": 0, "maximum": 1 << 31},
        "min_p": _number(0.0, 1.0),
        "repetition_penalty": _number(0.01, 10.0),
        "presence_penalty": _number(-2.0, 2.0),
        "frequency_penalty": _number(-2.0, 2.0),
        "logit_bias": {
            "type": ["object", "null"],
            "maxProperties": MAX_LOGIT_BIAS_ENTRIES,
            "propertyNames": {"pattern": "^[0-9]{1,12}$"},
            "additionalProperties": {"type": "number", "minimum": -100, "maximum": 100},
        },
        "seed": {"type": ["integer", "null"], "minimum": 0, "maximum": MAX_SEED},
        "stop": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}, "maxItems": MAX_STOP_STRINGS},
                {"type": "null"},
            ]
        },
        "n": {"type": ["integer", "null"], "minimum": 1, "maximum": 1},
        "stream": {"type": "boolean"},
        "stream_options": {
            "type": ["object", "null"],
            "properties": {"include_usage": {"type": "boolean"}},
        },
        "user": {"type": "string"},
        "think": {"type": ["boolean", "null"], "description": "reasoning on or off"},
        "chat_template_kwargs": {
            "type": ["object", "null"],
            "properties": {"enable_thinking": {"type": ["boolean", "null"]}},
            "additionalProperties": False,
        },
        "reasoning_effort": {"type": ["string", "null"], "enum": [*EFFORTS, None]},
        "truncation": {
            "type": ["string", "null"],
            "enum": ["disabled", "auto", None],
            "description": "auto: drop the oldest turns that do not fit the context "
            "(usage.fennec.truncated_messages says how many) instead of a 400",
        },
    },
}

PRESET_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["preset"],
    "properties": {"preset": {"type": "string", "enum": ["cool", "balanced", "performance"]}},
}

PAUSE_REQUEST_SCHEMA = {
    "type": "object",
    "required": ["paused"],
    "properties": {"paused": {"type": "boolean"}},
}


def json_body(schema: dict) -> dict:
    """`openapi_extra` for a route that reads a JSON body of this schema itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }


def error_responses(*statuses: int) -> dict:
    """The `responses` entry for OpenAI-shaped errors at these statuses."""
    return {
        status: {
            "description": "an OpenAI-shaped error",
            "content": {"application/json": {"schema": ERROR_SCHEMA}},
        }
        for status in statuses
    }
