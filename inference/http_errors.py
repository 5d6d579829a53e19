"""Every error the worker answers with has OpenAI's shape, whatever raised it.

{"error": {"message", "type", "param", "code"}}: for our own validation errors, for
Starlette's 404/405, for FastAPI's validation errors, and for any exception a route lets
escape (a 500 that a client can still parse, with no traceback in it).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from inference.errors import RequestError
from inference.openai_replies import error_body, error_type

log = logging.getLogger(__name__)


def error_response(
    status: int,
    message: str,
    param: str | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_body(message, error_type(status), param, code)
    return JSONResponse(body, status_code=status, headers=headers)


def request_error_response(e: RequestError) -> JSONResponse:
    return error_response(e.status, str(e), e.param, e.code)


async def read_json(request: Request) -> Any:
    """The body as JSON; RequestError (400) for anything a client could send wrong:
    bytes that are not UTF-8, broken JSON, nesting deeper than the parser's recursion limit,
    integers longer than Python allows (all ValueError or RecursionError inside json)."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RequestError(f"the body is not UTF-8: {e.reason} at byte {e.start}") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise RequestError("the body's JSON is nested too deeply") from None
    except ValueError as e:
        raise RequestError(f"the body is not valid JSON: {e}") from None


def install_error_handlers(app: FastAPI) -> None:
    """OpenAI-shaped bodies for errors that do not come from our own routes' validation."""

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            message = f"Invalid URL ({request.method} {request.url.path})"
        elif exc.status_code == 405:
            message = f"Method {request.method} is not allowed on {request.url.path}"
        else:
            message = str(exc.detail)
        return error_response(exc.status_code, message, headers=exc.headers)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or None
        return error_response(400, str(first.get("msg", "invalid request")), param=where)

    async def on_request_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestError)
        return request_error_response(exc)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback for us; the client gets a parseable, traceback-free 500.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(500, f"internal error: {type(exc).__name__}")

    app.add_exception_handler(HTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(RequestError, on_request_error)
    app.add_exception_handler(Exception, on_unexpected)
