"""``branchline serve`` (the HTTP API) and ``branchline token`` (who may use it)."""

from __future__ import annotations

import os
from importlib import import_module
from typing import Annotated, Any

import typer

from branchline.cli.app import DEFAULT_DB, DbOption, app, console, errors, fail, load_graph, table
from branchline.domain.store.backends import is_postgres
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.server.tables import WRITER_WAIT_S, ServerTables
from branchline.server.tokens import Tokens

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
SERVER_EXTRA = "the server needs its extra: pip install 'branchline[server]'"

token_app = typer.Typer(help="API tokens: who may call the server.", no_args_is_help=True)
app.add_typer(token_app, name="token")


def _opened(db: str, **options: Any) -> CheckpointStore:
    """The store at ``db`` (created if new: a server or its first token starts one)."""
    return CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}, **options)


@token_app.command("create", short_help="A new token for ACTOR; printed once, stored hashed.")
def create_token(
    actor: Annotated[str, typer.Option("--actor", help="Who decides with it (on the record).")],
    role: Annotated[
        list[str] | None, typer.Option("--role", help="A role it holds (repeat for more).")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create an API token for ACTOR and print it: only its hash is stored, so copy it now.
    Clients send it as ``Authorization: Bearer TOKEN`` (langgraph-sdk: ``api_key=``)."""
    with _opened(db) as store:
        token = Tokens(ServerTables(store)).create(actor, role or ())
    print(token)
    errors.print(f"token for {actor!r} created; it is shown once, keep it somewhere safe")


@token_app.command("list", short_help="Every token: id, actor, roles, created.")
def list_tokens(db: DbOption = DEFAULT_DB) -> None:
    """Every token of the database (their ids, never the tokens)."""
    with _opened(db) as store:
        found = Tokens(ServerTables(store)).listed()
    shown = table("id", "actor", "roles", "created (UTC)", ids={"id"})
    for info in found:
        created = info.created_at.strftime("%Y-%m-%d %H:%M:%S")
        shown.add_row(info.token_id, info.actor, ", ".join(info.roles), created)
    console.print(shown)


@token_app.command("revoke", short_help="Revoke the token with this id.")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="The token's id (from `branchline token list`).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Revoke a token: requests made with it are refused from now on."""
    with _opened(db) as store:
        if not Tokens(ServerTables(store)).revoke(token_id):
            raise fail(f"no token with id {token_id!r}; `branchline token list` shows them")
    errors.print(f"token {token_id} revoked")


@app.command(short_help="Serve the graphs over HTTP: LangGraph Server's API.")
def serve(
    graph: Annotated[
        list[str],
        typer.Option("--graph", help="NAME=module:attribute of a graph to serve (repeatable)."),
    ],
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option("--host", help="The address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="The port to listen on.")] = 2024,
    insecure_dev: Annotated[
        bool,
        typer.Option("--insecure-dev", help="No tokens: anyone on this machine is 'dev'."),
    ] = False,
) -> None:
    """Serve GRAPHs on the database at --db with LangGraph Server's HTTP API, for
    langgraph-sdk clients. Every request needs an API token (`branchline token
    create`), unless --insecure-dev, which serves on 127.0.0.1 only."""
    try:
        import uvicorn

        served = import_module("branchline.server.asgi")  # its modules need the extra too
    except ImportError:
        raise fail(SERVER_EXTRA) from None
    if insecure_dev and host not in LOCAL_HOSTS:
        raise fail(f"--insecure-dev serves on 127.0.0.1 only, not on {host!r}; drop --host")
    # Many clients write one SQLite file through a server: a busy file is waited for as
    # long as a client waits for its answer, not failed after the default five seconds.
    store = _opened(db) if is_postgres(db) else _opened(db, lock_timeout=WRITER_WAIT_S)
    graphs = {}
    for spec in graph:
        name, sep, target = spec.partition("=")
        if not sep or not name or not target:
            raise fail(f"--graph takes NAME=module:attribute, got {spec!r}")
        graphs[name] = load_graph(target, store)
    tokens = None if insecure_dev else Tokens(ServerTables(store))
    if tokens is None:
        errors.print("WARNING: --insecure-dev: no authentication, every caller is 'dev'")
    elif not tokens.listed():
        errors.print("no API tokens yet: create one with `branchline token create --actor NAME`")
    try:
        uvicorn.run(served.create_app(store, graphs, tokens=tokens), host=host, port=port)
    finally:
        store.close()
