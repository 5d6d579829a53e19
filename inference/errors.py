"""Known errors: each carries a message a person can act on, never a traceback."""

from __future__ import annotations


class FennecError(Exception):
    """A known failure (bad input, missing model, environment); its message is shown as is."""


class ModelError(FennecError):
    """The model could not be found, downloaded or loaded."""


class RequestError(FennecError):
    """A request is malformed or asks for something this worker cannot do.

    `status`, `param` and `code` become the HTTP status and OpenAI's error fields.
    """

    def __init__(
        self,
        message: str,
        param: str | None = None,
        status: int = 400,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.param = param
        self.status = status
        self.code = code
