"""One greedy answer from an engine in this process, step by step as the scheduler drives it:
the reference several engine tests compare against."""

from __future__ import annotations

from inference.requests import ChatRequest, SamplingParams


def greedy(
    engine, text: str, max_tokens: int, template_kwargs: dict | None = None
) -> tuple[list[int], list[int]]:
    """(prompt tokens, answer tokens) of a one-message chat at temperature 0."""
    request = ChatRequest(
        [{"role": "user", "content": text}],
        SamplingParams(temperature=0.0, max_tokens=max_tokens),
        template_kwargs=template_kwargs or {},
    )
    prompt = engine.prepare(request)
    engine.start(request, prompt)
    tokens: list[int] = []
    while True:
        for out in engine.step():
            if out.token is not None:
                tokens.append(out.token)
            if out.finish_reason is not None:
                return prompt, tokens
