"""Questions asked inside subgraphs, for tests across processes: ``python subgraph_graph.py
DB THREAD start`` runs the graph to its questions and prints them as JSON.

DB is an SQLite path or a ``postgresql://`` URL (schema from ``BRANCHLINE_PG_SCHEMA``).
``legal`` and ``finance`` run in one step, each a subgraph: ``finance`` asks its question
directly, ``legal`` runs a subgraph of its own (``review``) that asks. ``file`` runs
after both are answered. ``build`` is what ``branchline resume --graph`` loads.
"""

from __future__ import annotations

import json
import operator
import os
import sys
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, CompiledStateGraph, StateGraph, interrupt


def _same(old: str, new: str) -> str:
    return new


class Claim(TypedDict, total=False):
    claim: Annotated[str, _same]  # both subgraphs hand it back in one step
    verdicts: Annotated[list[str], operator.add]
    filed: bool


def _asking(team: str) -> CompiledStateGraph:
    def ask(state: Claim) -> dict[str, Any]:
        answer = interrupt(f"{team}: approve {state['claim']}?")
        return {"verdicts": [f"{team}: {answer}"]}

    builder = StateGraph(Claim)
    builder.add_node("ask", ask)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", END)
    return builder.compile()


def _legal() -> CompiledStateGraph:
    """A subgraph whose question is asked one level further down."""
    builder = StateGraph(Claim)
    builder.add_node("review", _asking("legal"))
    builder.add_edge(START, "review")
    builder.add_edge("review", END)
    return builder.compile()


def build(store: CheckpointStore) -> CompiledStateGraph:
    """The claim graph on ``store``."""
    builder = StateGraph(Claim)
    builder.add_node("legal", _legal())
    builder.add_node("finance", _asking("finance"))
    builder.add_node("file", lambda state: {"filed": True})
    builder.add_edge(START, "legal")
    builder.add_edge(START, "finance")
    builder.add_edge(["legal", "finance"], "file")
    builder.add_edge("file", END)
    return builder.compile(checkpointer=store)


if __name__ == "__main__":
    db, thread, action = sys.argv[1:4]
    assert action == "start"
    with CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}) as store:
        result = build(store).invoke({"claim": "C-7"}, {"configurable": {"thread_id": thread}})
    asked = [{"id": i.id, "value": i.value} for i in result["__interrupt__"]]
    print(json.dumps(asked))
