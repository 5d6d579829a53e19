"""Turning a request's token events into an HTTP answer: one JSON body, or an SSE stream.

Both watch the connection while they wait: a client that hangs up, queued or running,
streaming or not, has its request cancelled at once, so its slot goes to someone else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Receive

from inference.event_relay import COALESCE_S, EventRelay
from inference.http_errors import error_response
from inference.openai_replies import chunk, completion, event_error
from inference.reasoning_harmony import HarmonySplitter
from inference.reasoning_split import ReasoningSplitter, Split, splitter_for
from inference.requests import ChatRequest, TokenEvent
from inference.scheduler import Scheduler


@dataclass(frozen=True)
class Reply:
    """What an answer needs to know about the request it answers."""

    scheduler: Scheduler
    request_id: int
    completion_id: str  # "chatcmpl-…"
    model: str
    events: EventRelay
    # Read after the request's first event: by then the engine has said how the prompt
    # ends (ChatRequest.prompt_tail), which decides how reasoning is told from the answer.
    request: ChatRequest | None = None

    def splitter(self) -> ReasoningSplitter | HarmonySplitter:
        return splitter_for(self.request.prompt_tail if self.request is not None else "")


async def wait_for_disconnect(receive: Receive) -> None:
    """Return when the client hangs up (the body was read already, so only that can come)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def _next_events(reply: Reply, hangup: asyncio.Future) -> list[TokenEvent] | None:
    """The next events, or None if the client hung up first."""
    take = asyncio.ensure_future(reply.events.take())
    done, _ = await asyncio.wait({take, hangup}, return_when=asyncio.FIRST_COMPLETED)
    if take in done:
        return take.result()
    take.cancel()
    return None


async def collect(reply: Reply, receive: Receive) -> JSONResponse:
    """The whole answer as one chat.completion body."""
    hangup = asyncio.ensure_future(wait_for_disconnect(receive))
    parts: list[str] = []
    try:
        while True:
            batch = await _next_events(reply, hangup)
            if batch is None:
                reply.scheduler.cancel(reply.request_id)
                return error_response(499, "client disconnected")
            for event in batch:
                parts.append(event.text)
                if event.finish_reason == "error":
                    status, body = event_error(event)
                    return JSONResponse(body, status_code=status)
                if event.finish_reason is not None:
                    splitter = reply.splitter()
                    split = splitter.feed("".join(parts)) + splitter.finish()
                    reasoning = split.reasoning if splitter.saw_reasoning else None
                    body = completion(
                        reply.completion_id, reply.model, split.content, event, reasoning
                    )
                    return JSONResponse(body)
    finally:
        hangup.cancel()


def _sse_line(body: dict) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


async def stream(reply: Reply, receive: Receive, include_usage: bool) -> Response:
    """The answer as server-sent chat.completion.chunk events, ending with [DONE].

    The status waits for the scheduler's first event (sent once the engine has checked the
    request, before it queues): a request refused there gets its 400 as a status, like
    OpenAI's, not as an event in a 200 stream.
    """
    hangup = asyncio.ensure_future(wait_for_disconnect(receive))
    first = await _next_events(reply, hangup)
    if first is None or first[-1].finish_reason == "error":
        hangup.cancel()
        if first is None:
            reply.scheduler.cancel(reply.request_id)
            return error_response(499, "client disconnected")
        status, body = event_error(first[-1])
        return JSONResponse(body, status_code=status)
    return StreamingResponse(
        _sse(reply, hangup, first, include_usage),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _sse(
    reply: Reply, hangup: asyncio.Future, first: list[TokenEvent], include_usage: bool
) -> AsyncIterator[str]:
    rid, model = reply.completion_id, reply.model
    finished = False
    batch: list[TokenEvent] | None = first
    splitter = reply.splitter()

    def deltas(split: Split) -> Iterator[str]:
        # Reasoning and answer in chunks of their own: vLLM's and DeepSeek's clients read
        # `reasoning_content` beside `content`; a client that knows neither sees the answer.
        if split.reasoning:
            yield _sse_line(chunk(rid, model, {"reasoning_content": split.reasoning}))
        if split.content:
            yield _sse_line(chunk(rid, model, {"content": split.content}))

    try:
        yield _sse_line(chunk(rid, model, {"role": "assistant", "content": ""}))
        while not finished:
            if batch is None:
                batch = await _next_events(reply, hangup)
                if batch is None:
                    return  # the client hung up: the finally below frees the slot
            split = splitter.feed("".join(e.text for e in batch))
            last = batch[-1]
            batch = None
            if last.finish_reason is not None:
                split += splitter.finish()
            for line in deltas(split):
                yield line
            if last.finish_reason == "error":
                finished = True
                _, body = event_error(last)
                yield _sse_line(body)
                break
            if last.finish_reason is not None:
                finished = True
                yield _sse_line(chunk(rid, model, {}, last.finish_reason))
                if include_usage:
                    yield _sse_line(chunk(rid, model, {}, usage_of=last))
            else:
                await asyncio.sleep(COALESCE_S)  # let fast engines' tokens gather
        yield "data: [DONE]\n\n"
    finally:
        hangup.cancel()
        if not finished:
            reply.scheduler.cancel(reply.request_id)
