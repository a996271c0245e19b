"""What the HTTP API accepts, checked before anything runs, and what it answers when a
request is refused: ``{"detail": "..."}`` with the status saying why, nothing written.

Bodies follow LangGraph Server's: unknown keys are ignored (the ``langgraph-sdk`` client
sends keys this server has no use for), a key of the wrong type is a 422 naming it.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from branchline.domain.model.errors import (
    BranchlineError,
    CheckpointNotFound,
    ConcurrentUpdate,
    InvalidCommand,
    InvalidThreadId,
    StoreReadOnly,
    StoreUnavailable,
    ThreadNotFound,
)
from branchline.runner.errors import (
    AmbiguousResume,
    EmptyInputError,
    InterruptNotPending,
    InvalidAnswer,
    InvalidConfigError,
    InvalidUpdateError,
    NotAllowedToAnswer,
    QuestionExpired,
)

logger = logging.getLogger(__name__)
MAX_BODY_BYTES = 10 * 1024 * 1024  # a request body larger than this is refused (413)

# Errors that refuse a request before anything is written: the run does not start.
REFUSALS: dict[type[Exception], int] = {
    ThreadNotFound: 404,
    CheckpointNotFound: 404,
    ConcurrentUpdate: 409,
    InterruptNotPending: 409,  # answered already, by someone else: the detail says who
    NotAllowedToAnswer: 403,  # the question names other actors or roles
    QuestionExpired: 409,
    InvalidAnswer: 422,  # an answer its question does not allow (an Agent Inbox one's)
    AmbiguousResume: 409,
    InvalidThreadId: 400,
    InvalidCommand: 400,
    InvalidConfigError: 400,
    EmptyInputError: 400,
    StoreUnavailable: 503,
    StoreReadOnly: 503,
}


class HTTPError(Exception):
    """A request refused with ``status`` and ``detail``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def no_thread(thread_id: str, hint: str = "") -> HTTPError:
    """The 404 of a thread this server does not have (never created, or deleted)."""
    then = hint or "POST /threads creates one; POST /threads/search lists them"
    return HTTPError(404, f"no thread {thread_id!r} here (never created, or deleted); {then}")


def no_run(thread_id: str, run_id: str) -> HTTPError:
    """The 404 of a run this thread does not have."""
    return HTTPError(
        404, f"no run {run_id!r} on thread {thread_id!r}; GET /threads/{thread_id}/runs lists them"
    )


def refusal_status(error: BaseException) -> int | None:
    """The status of an error that refused a request, or None for a run's own failure."""
    return next((s for kind, s in REFUSALS.items() if isinstance(error, kind)), None)


def error_response(error: Exception) -> JSONResponse:
    """The JSON answer to a refused request; an error nobody meant, 500 without its text
    (which may name internals), logged with its traceback."""
    if isinstance(error, HTTPError):
        return JSONResponse({"detail": error.detail}, status_code=error.status)
    status = refusal_status(error)
    if status is None and isinstance(error, InvalidUpdateError | BranchlineError):
        status = 400
    if status is None:
        logger.error("a request failed", exc_info=error)
        detail = f"the server failed ({type(error).__name__}); its log says more"
        return JSONResponse({"detail": detail}, status_code=500)
    return JSONResponse({"detail": str(error)}, status_code=status)


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CommandBody(_Body):
    """``Command(resume=..., update=..., goto=...)``."""

    resume: Any = None
    update: dict[str, Any] | list[tuple[str, Any]] | None = None
    goto: str | list[str] | None = None


class RunBody(_Body):
    """A run: the graph (an assistant id or a graph name), its input or command, options."""

    assistant_id: str
    input: dict[str, Any] | None = None
    command: CommandBody | None = None
    stream_mode: str | list[str] = "values"
    stream_subgraphs: bool = False
    interrupt_before: Literal["*"] | list[str] | None = None
    interrupt_after: Literal["*"] | list[str] | None = None
    config: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    checkpoint_id: str | None = None
    checkpoint: dict[str, Any] | None = None
    durability: Literal["sync", "async", "exit"] | None = None
    if_not_exists: Literal["create", "reject"] = "reject"
    multitask_strategy: str = "enqueue"

    @property
    def modes(self) -> list[str]:
        """The stream modes asked for, as a list."""
        return [self.stream_mode] if isinstance(self.stream_mode, str) else self.stream_mode


class ThreadBody(_Body):
    """A new thread: its id (one is made if none), metadata, what if it exists."""

    thread_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    if_exists: Literal["raise", "do_nothing"] = "raise"


class ThreadPatchBody(_Body):
    """Metadata to merge into a thread's."""

    metadata: dict[str, Any]


class ThreadSearchBody(_Body):
    """A search of threads: by status, metadata and ids, a page of them."""

    limit: int = Field(default=10, ge=0)
    offset: int = Field(default=0, ge=0)
    status: str | None = None
    metadata: dict[str, Any] | None = None
    ids: list[str] | None = None


class StateBody(_Body):
    """An edit of a thread's state: ``update_state(config, values, as_node=...)``."""

    values: dict[str, Any] | list[dict[str, Any]] | None = None
    as_node: str | None = None
    checkpoint_id: str | None = None
    checkpoint: dict[str, Any] | None = None


class HistoryBody(_Body):
    """``get_state_history``'s filters."""

    limit: int = Field(default=10, ge=1)
    before: str | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    checkpoint: dict[str, Any] | None = None


class CheckpointBody(_Body):
    """A state at a checkpoint given as a dict."""

    checkpoint: dict[str, Any]
    subgraphs: bool = False


class SearchBody(_Body):
    """A search's paging (and, for assistants, the graph)."""

    limit: int = Field(default=10, ge=0)
    offset: int = Field(default=0, ge=0)
    graph_id: str | None = None
    metadata: dict[str, Any] | None = None


M = TypeVar("M", bound=BaseModel)


async def parsed(request: Request, model: type[M]) -> M:
    """The request's JSON body as ``model``; 413 if too large (read no further), 422 if
    not what it takes."""
    too_large = HTTPError(413, f"the request body is over {MAX_BODY_BYTES:,} bytes; send less")
    if int(request.headers.get("content-length") or 0) > MAX_BODY_BYTES:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise too_large
    try:
        return model.model_validate_json(bytes(body) or b"{}")
    except ValidationError as invalid:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in invalid.errors()
        )
        raise HTTPError(422, f"the request body is not what this route takes: {problems}") from None
