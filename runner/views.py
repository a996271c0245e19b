"""Keep a store's read models current: attach them once per store, close them with it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from domain.store import CheckpointStore
from projections import Views

_attached: WeakKeyDictionary[CheckpointStore, Views] = WeakKeyDictionary()


def views_for(store: CheckpointStore) -> Views:
    """The views that follow ``store``, attached (and caught up) on first use."""
    views = _attached.get(store)
    if views is None:
        views = Views.for_store(store)
        views.attach(store)
        store.on_close(views.close)
        _attached[store] = views
    return views
