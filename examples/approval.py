"""Approval: pause before a sensitive step, let a person approve it, continue.

Run: python examples/approval.py [DB]   (default: a temporary SQLite file)
"""

from __future__ import annotations

import operator
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, StateGraph


class Payment(TypedDict, total=False):
    amount: int
    log: Annotated[list[str], operator.add]


def prepare(state: Payment) -> dict[str, Any]:
    return {"log": [f"prepared a transfer of {state['amount']} EUR"]}


def transfer(state: Payment) -> dict[str, Any]:
    return {"log": [f"transferred {state['amount']} EUR"]}


def build(store: CheckpointStore) -> Any:
    builder = StateGraph(Payment)
    builder.add_node("prepare", prepare)
    builder.add_node("transfer", transfer)
    builder.add_edge(START, "prepare")
    builder.add_edge("prepare", "transfer")
    builder.add_edge("transfer", END)
    # Always stop before the sensitive node.
    return builder.compile(checkpointer=store, interrupt_before=["transfer"])


def main(db: Path) -> None:
    with CheckpointStore.sqlite(db) as store:
        graph = build(store)
        thread = {"configurable": {"thread_id": "payment-1"}}
        for event in graph.stream({"amount": 250}, thread, stream_mode="values"):
            print("state:", event)
        paused = graph.get_state(thread)
        print("paused before:", paused.next)

        # ... a person reviews paused.values and approves ...
        approver = {"configurable": {"thread_id": "payment-1", "actor": "alice"}}
        for event in graph.stream(None, approver, stream_mode="values"):
            print("state:", event)
        print("finished:", graph.get_state(thread).next == ())


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "approval.db")
