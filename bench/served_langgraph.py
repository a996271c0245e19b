"""The graph ``langgraph dev`` serves in ``bench.server_load``: ``bench.graphs.asking``,
LangGraph's, compiled without a checkpointer (the server gives it its own)."""

from __future__ import annotations

from bench.graphs import asking
from bench.workload import Side

graph = asking(Side.LANGGRAPH, None)
