"""Keep a store's read models current: attach them once per store, close them with it;
and what needs them to find a store's threads (a thread's copy takes its subgraphs').

An embedded store (SQLite, memory) has its views caught up by the first query after an
append (opening the store and appending cost nothing for them). A PostgreSQL store's
views live in its schema; every query catches them up first (other processes append
too), and ``branchline project`` keeps them current between queries.

The views are disposable: a damaged views file, or one ahead of the log (the events
restored from an older backup), is rebuilt from the log with a warning, never an error.
"""

from __future__ import annotations

import logging
from weakref import WeakKeyDictionary

from branchline.domain.model.thread import Thread
from branchline.domain.store.backends import open_connection
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.thread_copies import copy_threads
from branchline.projections import LogMismatch, Views

logger = logging.getLogger(__name__)
_attached: WeakKeyDictionary[CheckpointStore, Views] = WeakKeyDictionary()


def open_views(store: CheckpointStore) -> Views:
    """The views that follow ``store``, attached (and caught up) on first use."""
    views = _attached.get(store)
    if views is None:
        if store.dsn is not None and store.schema is not None:
            views = postgres_views(store.dsn, store.schema)
        else:
            views = Views.for_store(store)
        try:
            views.follow(store)  # caught up by the first query, not on open
        except LogMismatch as ahead:
            logger.warning("%s: rebuilding them from the log", str(ahead).partition(";")[0])
            views.clear()
            views.follow(store)
        store.on_close(views.close)
        _attached[store] = views
    return views


def postgres_views(dsn: str, schema: str) -> Views:
    """The views in a PostgreSQL store's schema, over a connection of their own (a
    StoreConfigError that says what to do if the server cannot be reached)."""
    return Views.open_postgres(lambda: open_connection(dsn), schema)


def copy_thread(
    store: CheckpointStore, source: str, target: str, *, actor: str | None = None
) -> Thread:
    """Copy thread ``source`` as a new thread ``target``: its history, pending tasks and
    questions, and its subgraphs' threads, under the copy's ids (``actor`` copied it).
    Raises ThreadNotFound if there is no ``source``, ConcurrentUpdate if ``target``
    exists; either way nothing is written."""
    views, family, i = open_views(store), [source], 0
    while i < len(family):  # the subgraphs' threads, and theirs
        family += [row.thread_id for row in views.list_threads(subgraphs_of=family[i])]
        i += 1
    return copy_threads(store, source, target, family[1:], actor)
