"""Checks both engines run on a tokenized request before it may queue.

The context rule (documented in the README): the prompt alone must leave room for at least
one answer token; the answer is then cut where the context ends (finish_reason "length"),
whatever `max_tokens` asked for. Checking prompt + max_tokens instead, as OpenAI does,
would refuse the many clients that send a generous max_tokens with every request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from inference.errors import RequestError

CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded"


def check_prompt_fits(prompt_tokens: int, context_length: int, at_least: bool = False) -> None:
    """RequestError (OpenAI's context_length_exceeded) if the prompt fills the context.

    `at_least`: `prompt_tokens` is a lower bound, counted before tokenizing in full."""
    if context_length and prompt_tokens >= context_length:
        count = f"at least {prompt_tokens}" if at_least else str(prompt_tokens)
        raise RequestError(
            f"This model's maximum context length is {context_length} tokens. However, your "
            f"messages resulted in {count} tokens. Please reduce the length of the messages.",
            param="messages",
            code=CONTEXT_LENGTH_EXCEEDED,
        )


def check_logit_bias(bias: tuple[tuple[int, float], ...], vocab_size: int) -> None:
    """RequestError naming the first token id that is not in the vocabulary."""
    for token, _ in bias:
        if not 0 <= token < vocab_size:
            raise RequestError(
                f"logit_bias: token id {token} is not in the vocabulary (0 … {vocab_size - 1})",
                param="logit_bias",
            )


@contextmanager
def template_refusals_are_request_errors() -> Iterator[None]:
    """A chat template that raises (e.g. "roles must alternate user/assistant", as Mixtral's
    does) is refusing the client's messages: a 400 naming them, not a 500. Its
    `raise_exception` is a TemplateError under transformers, a ValueError under
    llama-cpp-python."""
    from jinja2 import TemplateError

    try:
        yield
    except (TemplateError, ValueError) as e:
        raise RequestError(
            f"the model's chat template refused these messages: {e}", param="messages"
        ) from None
