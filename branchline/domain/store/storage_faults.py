"""Faults of the storage under the store, told in our own terms.

The event-store library retries a read or an append when the connection drops; when the
server stays out of reach it gives up with its own ``OperationalError`` (``couldn't get
a connection after 10.00 sec``), naming neither the server nor what to do. The store's
log operations go through ``reaching_server``, which turns such a loss into a
StoreUnavailable naming the server (never its password) and saying the call can be
retried. Errors the server itself answered (a lock timeout, a constraint) are not losses
and pass unchanged.

``STORAGE_FAULTS`` are the errors left to the edge (the CLI) that no call translated: a
damaged or unusable database file, which it names with what to do.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar, cast

from eventsourcing.persistence import (
    ConnectionUnavailableError,
    InterfaceError,
    OperationalError,
    PersistenceError,
)

from branchline.domain.model.errors import StoreUnavailable

F = TypeVar("F", bound=Callable[..., Any])
_LOST_STATES = ("08", "57P")  # connection exceptions; the server shut down or ended us
STORAGE_FAULTS: tuple[type[Exception], ...] = (sqlite3.DatabaseError, PersistenceError)


def server_name(env: Mapping[str, str]) -> str | None:
    """``HOST:PORT, database 'DB'`` of a PostgreSQL store's settings (None otherwise)."""
    if env.get("PERSISTENCE_MODULE") != "eventsourcing.postgres":
        return None
    host, port, db = (env.get(f"POSTGRES_{key}") for key in ("HOST", "PORT", "DBNAME"))
    return f"{host}:{port}, database {db!r}"


def is_lost_connection(error: BaseException) -> bool:
    """Whether ``error`` is the server out of reach, not an answer the server gave."""
    if isinstance(error, ConnectionUnavailableError):
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    state = getattr(error.__cause__, "sqlstate", None)
    return state is None or state.startswith(_LOST_STATES)


def unavailable(server: str, error: BaseException) -> StoreUnavailable:
    """The StoreUnavailable for ``error`` on ``server``."""
    cause = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return StoreUnavailable(
        f"cannot reach PostgreSQL at {server}: {cause}. The server is down or unreachable, "
        "or the connection was lost and could not be made again. Retry the call once it is "
        "back (get_state shows whether a step under way was saved); check that the server "
        "runs and that the host and port are right"
    )


def reaching_server(method: F) -> F:
    """Decorate an EventLog method (or generator method): a lost server becomes a
    StoreUnavailable naming it (``self.server``; None for SQLite and memory: unchanged)."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from method(self, *args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                raise _translated(self.server, exc) from exc

        return cast(F, generator)

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            raise _translated(self.server, exc) from exc

    return cast(F, call)


def _translated(server: str | None, error: Exception) -> Exception:
    return unavailable(server, error) if server and is_lost_connection(error) else error
