"""What the engine needs of a compiled graph: its state schema, its topology and its store.

The superstep loop, the intake of a call and the tasks work from this small object, not
from the compiled-graph facade, so none of them imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.errors import InvalidConfigError
from branchline.runner.node_cache import InMemoryCache
from branchline.runner.schema import StateSchema
from branchline.runner.topology import Topology


@dataclass(frozen=True)
class GraphSpec:
    """A graph's state schema and topology, and the store its threads live in (if any)."""

    schema: StateSchema
    topology: Topology
    store: CheckpointStore | None
    cache: InMemoryCache | None = None  # for the nodes with a cache_policy: node_cache.py

    def cached_in(self, cache: InMemoryCache | None) -> GraphSpec:
        """This spec with the node cache ``cache``."""
        return self if cache is None else replace(self, cache=cache)

    def durable_store(self, what: str) -> CheckpointStore:
        """The store, or a clear error saying that ``what`` needs one."""
        return durable(self.store, what)


def durable(store: CheckpointStore | None, what: str) -> CheckpointStore:
    """``store``, or a clear error saying that ``what`` needs one."""
    if store is None:
        raise InvalidConfigError(
            f"{what} needs a checkpointer to remember the pause and resume it later; "
            "compile with builder.compile(checkpointer=CheckpointStore.sqlite('threads.db'))"
        )
    return store
