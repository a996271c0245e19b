"""``branchline db init|key`` and ``branchline project``: set a database up, keep its views."""

from __future__ import annotations

import os
import time
from contextlib import nullcontext
from typing import Annotated

import typer

from branchline.bootstrap import open_views, postgres_views
from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    SchemaOption,
    app,
    caught_up,
    console,
    errors,
    open_store,
)
from branchline.domain.store.backends import is_postgres
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.encryption import new_encryption_key
from branchline.projections.errors import ConnectionLost

RECONNECT_DELAY = 1.0  # seconds before `branchline project` opens a dropped connection again

db_app = typer.Typer(help="Set up the database of the threads.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("init", short_help="Create the tables once, before workers start.")
def init(
    db: DbOption = DEFAULT_DB,
    schema: SchemaOption = "public",
    shards: Annotated[
        int, typer.Option("--shards", help="PostgreSQL: event tables to spread threads over.")
    ] = 1,
) -> None:
    """Create the schema and tables once; workers then start without creating any.

    Safe to run again: what exists is left as it is. With BRANCHLINE_ENCRYPTION_KEY set,
    a new database is encrypted with that key; an existing one must match it.
    """
    environ = {**os.environ, "BRANCHLINE_DB": db}
    if is_postgres(db):
        options = {"schema": schema, "create_tables": True, "shards": shards}
        busy = errors.status(f"creating the tables of {shards} shard(s)")
        with (
            busy if errors.is_terminal else nullcontext(),
            CheckpointStore.from_env(environ, **options) as store,
        ):
            kept = "encrypted" if store.encrypted else "not encrypted"
        ready = f"PostgreSQL schema {schema!r} ({shards} shard(s), {kept}) is ready: start workers"
    else:
        with CheckpointStore.from_env(environ) as store:
            kept = "encrypted" if store.encrypted else "not encrypted"
        ready = f"SQLite file {db!r} ({kept}) is ready"
    console.print(ready, markup=False)


@db_app.command("key", short_help="Print a new encryption key.")
def key() -> None:
    """Print a new encryption key: set it as BRANCHLINE_ENCRYPTION_KEY (and keep it safe:
    without it the events cannot be read)."""
    print(new_encryption_key())


@app.command(short_help="Keep the views current: threads, inbox, audit, tree.")
def project(
    db: DbOption = DEFAULT_DB,
    once: Annotated[bool, typer.Option("--once", help="Catch up once, then exit.")] = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between catch-ups.")] = 0.5,
) -> None:
    """Keep the views (threads, inbox, audit trail, checkpoint tree) current.

    Each batch of events is applied with its tracking position in one transaction, so
    several of these (and every process reading the views) can run at once. A dropped
    PostgreSQL connection is opened again.
    """
    with open_store(db) as store:
        if store.dsn is None or store.schema is None:
            open_views(store).refresh()  # embedded: any query catches them up too
            console.print(f"views of {db!r} are up to date (on SQLite every query catches up)")
            return
        with postgres_views(store.dsn, store.schema) as views:
            console.print(f"projecting the views of schema {store.schema!r}")
            while True:
                try:
                    applied = caught_up(views, store, "projecting")
                except ConnectionLost as lost:
                    console.print(f"{lost}; reconnecting in {RECONNECT_DELAY:g} s")
                    time.sleep(RECONNECT_DELAY)
                    continue
                if applied:
                    console.print(f"applied {applied} events")
                if once:
                    return
                time.sleep(poll)
