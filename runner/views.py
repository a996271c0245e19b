"""Keep a store's read models current: attach them once per store, close them with it.

An embedded store (SQLite, memory) catches its views up after every append. A
PostgreSQL store's views live in its schema and ``branchline project`` keeps them; a
command that reads them catches them up first unless that projector holds them.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from domain.store import CheckpointStore
from projections import Views
from projections.postgres import PgDatabase

PROJECTOR = "views"  # the advisory lock of the one process that writes the views

_attached: WeakKeyDictionary[CheckpointStore, Views] = WeakKeyDictionary()


def views_for(store: CheckpointStore) -> Views:
    """The views that follow ``store``, attached (and caught up) on first use."""
    views = _attached.get(store)
    if views is None:
        if store.dsn is not None and store.schema is not None:
            views = Views.open_postgres(store.dsn, store.schema)
            assert isinstance(views.db, PgDatabase)
            if views.db.try_lock(PROJECTOR):  # no projector running: bring them up to date
                views.catch_up(store)
        else:
            views = Views.for_store(store)
            views.attach(store)
        store.on_close(views.close)
        _attached[store] = views
    return views
