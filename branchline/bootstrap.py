"""Keep a store's read models current: attach them once per store, close them with it.

An embedded store (SQLite, memory) has its views caught up by the first query after an
append (opening the store and appending cost nothing for them). A
PostgreSQL store's views live in its schema and ``branchline project`` keeps them; a
command that reads them catches them up first unless that projector holds them.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from branchline.domain.store.backends import open_connection
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.projections import Views
from branchline.projections.postgres import PgDatabase

PROJECTOR = "views"  # the advisory lock of the one process that writes the views

_attached: WeakKeyDictionary[CheckpointStore, Views] = WeakKeyDictionary()


def open_views(store: CheckpointStore) -> Views:
    """The views that follow ``store``, attached (and caught up) on first use."""
    views = _attached.get(store)
    if views is None:
        if store.dsn is not None and store.schema is not None:
            views = postgres_views(store.dsn, store.schema)
            assert isinstance(views.db, PgDatabase)
            if views.db.try_lock(PROJECTOR):  # no projector running: bring them up to date
                views.catch_up(store)
        else:
            views = Views.for_store(store)
            views.follow(store)  # caught up by the first query, not on open
        store.on_close(views.close)
        _attached[store] = views
    return views


def postgres_views(dsn: str, schema: str) -> Views:
    """The views in a PostgreSQL store's schema, over a connection of their own (a
    StoreConfigError that says what to do if the server cannot be reached)."""
    return Views.open_postgres(open_connection(dsn), schema)
