"""``branchline db ...``: set up a database once, before workers start."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from domain.backends import is_postgres
from domain.store import CheckpointStore
from runner.cli.app import DEFAULT_DB, DbOption, SchemaOption, app, console

db_app = typer.Typer(help="Set up the database of the threads.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("init")
def init(
    db: DbOption = DEFAULT_DB,
    schema: SchemaOption = "public",
    shards: Annotated[
        int, typer.Option("--shards", help="PostgreSQL: event tables to spread threads over.")
    ] = 1,
) -> None:
    """Create the schema and tables once; workers then start without creating any.

    Safe to run again: what exists is left as it is.
    """
    if is_postgres(db):
        encryption = os.environ.get("BRANCHLINE_ENCRYPTION_KEY") or None
        store = CheckpointStore.postgres(
            db, schema=schema, create_tables=True, shards=shards, encryption_key=encryption
        )
        store.close()
        console.print(f"PostgreSQL schema {schema!r} ({shards} shard(s)) is ready: start workers")
    else:
        CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}).close()
        console.print(f"SQLite file {db!r} is ready")


@db_app.command("key")
def key() -> None:
    """Print a new encryption key: set it as BRANCHLINE_ENCRYPTION_KEY (and keep it safe:
    without it the events cannot be read)."""
    from domain.eventlog import new_encryption_key

    print(new_encryption_key())
