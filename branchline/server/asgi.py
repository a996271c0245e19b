"""The ASGI app: LangGraph Server's routes over one store and its graphs.

Every request names its caller: an API token (``Authorization: Bearer TOKEN``, or
``x-api-key: TOKEN`` as ``langgraph-sdk`` sends its ``api_key``) gives the actor that
each decision made with it is recorded under; the body never does. ``insecure_dev``
serves without tokens (actor ``dev``), and every response says so in a header.

One assistant per graph (``context.Served``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from branchline import __version__
from branchline.domain.model.errors import BranchlineError
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.compiled import CompiledStateGraph
from branchline.server import inbox, run_routes, thread_routes
from branchline.server.background import Background
from branchline.server.context import CallerUser, Served, served
from branchline.server.requests import HTTPError, SearchBody, error_response, parsed
from branchline.server.run_records import RunRecords
from branchline.server.tables import ServerTables
from branchline.server.thread_records import ThreadRecords
from branchline.server.tokens import Caller, Tokens

DEV_ACTOR = "dev"
INSECURE_HEADER = "x-branchline-insecure-dev"
PUBLIC = ("/ok",)  # a health check needs no token
INBOX = "/inbox"


class _TokenAuth(AuthenticationBackend):
    def __init__(self, tokens: Tokens | None) -> None:
        self._tokens = tokens  # None: insecure development mode

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        if conn.url.path in PUBLIC or conn.url.path.startswith(INBOX):
            return None  # the inbox signs people in with a session of its own
        if self._tokens is None:
            return AuthCredentials(["*"]), CallerUser(Caller(DEV_ACTOR, ("*",)))
        bearer = conn.headers.get("authorization", "")
        token = bearer[7:].strip() if bearer[:7].lower() == "bearer " else None
        token = token or conn.headers.get("x-api-key")
        if not token:
            raise AuthenticationError(
                "this server needs an API token: send Authorization: Bearer TOKEN (or pass "
                "api_key=TOKEN to langgraph-sdk); `branchline token create` makes one"
            )
        caller = await run_in_threadpool(self._tokens.caller, token)
        if caller is None:
            raise AuthenticationError("this API token is not known here (revoked, or mistyped)")
        return AuthCredentials(["*", *caller.roles]), CallerUser(caller)


async def _search_assistants(request: Request) -> Response:
    body = await parsed(request, SearchBody)
    here = served(request)
    names = [g for g in here.graphs if body.graph_id in (None, g)]
    found = [here.assistant(g) for g in names][body.offset : body.offset + body.limit]
    return JSONResponse(found)


async def _get_assistant(request: Request) -> Response:
    graph_id, _ = served(request).graph(request.path_params["assistant_id"])
    return JSONResponse(served(request).assistant(graph_id))


async def _ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def _info(request: Request) -> Response:
    return JSONResponse({"version": __version__, "server": "branchline", "flags": {}})


def create_app(
    store: CheckpointStore,
    graphs: Mapping[str, CompiledStateGraph],
    *,
    tokens: Tokens | None,
) -> Starlette:
    """The app serving ``graphs`` (by name) on ``store``. ``tokens`` None: development
    mode, no authentication (bind it to 127.0.0.1 only)."""
    routes = [
        Route("/ok", _ok),
        Route("/info", _info),
        Route("/assistants/search", _search_assistants, methods=["POST"]),
        Route("/assistants/{assistant_id}", _get_assistant),
        *thread_routes.ROUTES,
        *run_routes.ROUTES,
        *inbox.ROUTES,
    ]

    def refused(conn: HTTPConnection, error: AuthenticationError) -> Response:
        return JSONResponse({"detail": str(error)}, status_code=401)

    tables = tokens.tables if tokens is not None else ServerTables(store)
    auth = Middleware(AuthenticationMiddleware, backend=_TokenAuth(tokens), on_error=refused)
    session = Middleware(
        SessionMiddleware,
        secret_key=tables.secret("session"),
        session_cookie="branchline_inbox",
        same_site="strict",
        max_age=12 * 3600,
    )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        tables.close()  # the server stops

    app = Starlette(
        routes=routes,
        middleware=[session, auth],
        lifespan=lifespan,
        exception_handlers={HTTPError: _handled, BranchlineError: _handled, Exception: _handled},
    )
    background = Background(RunRecords(tables))
    app.state.served = Served(store, graphs, background, tokens, ThreadRecords(tables))
    if tokens is None:
        app.add_middleware(_InsecureNotice)
    return app


async def _handled(request: Request, error: Exception) -> Response:
    return error_response(error)


class _InsecureNotice:
    """Adds a header to every response of a server that runs without tokens."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def noted(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append(
                    (INSECURE_HEADER.encode(), b"no authentication: development only")
                )
            await send(message)

        await self._app(scope, receive, noted)
