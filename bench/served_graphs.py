"""The graph ``branchline serve`` serves in ``bench.server_load``: ``bench.graphs.asking``
(START -> a -> ask -> b -> END, ``ask`` pausing on ``interrupt``), on the store the
server opened. ``bench.served_langgraph`` is LangGraph's, for ``langgraph dev``."""

from __future__ import annotations

from typing import Any

from bench.graphs import asking
from bench.workload import Side


def branchline_graph(store: Any) -> Any:
    """What ``branchline serve --graph asking=bench.served_graphs:branchline_graph`` serves."""
    return asking(Side.BRANCHLINE, store)
