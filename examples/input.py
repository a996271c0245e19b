"""Input: a node dedicated to a person's answer, filled in with update_state(as_node=...).

Run: python examples/input.py [DB]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any, TypedDict

from branchline import END, START, CheckpointStore, StateGraph


class Trip(TypedDict, total=False):
    question: str
    user_input: str
    plan: str


def ask(state: Trip) -> dict[str, Any]:
    return {"question": "Where would you like to go?"}


def human_input(state: Trip) -> dict[str, Any]:
    return {}  # never runs: the person's update is made as this node


def plan(state: Trip) -> dict[str, Any]:
    return {"plan": f"Booking a trip to {state['user_input']}."}


def main(db: Path) -> None:
    builder = StateGraph(Trip)
    builder.add_node("ask", ask)
    builder.add_node("human_input", human_input)
    builder.add_node("plan", plan)
    builder.add_edge(START, "ask")
    builder.add_edge("ask", "human_input")
    builder.add_edge("human_input", "plan")
    builder.add_edge("plan", END)
    with CheckpointStore.sqlite(db) as store:
        graph = builder.compile(checkpointer=store, interrupt_before=["human_input"])
        thread = {"configurable": {"thread_id": "trip-1", "actor": "carol"}}
        graph.invoke({}, thread)
        print("asked:", graph.get_state(thread).values["question"])

        graph.update_state(thread, {"user_input": "Lisbon"}, as_node="human_input")
        print("next after the answer:", graph.get_state(thread).next)
        print("plan:", graph.invoke(None, thread)["plan"])


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "input.db")
