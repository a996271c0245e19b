"""Editing: pause before a step, let a person correct the state, continue from the edit.

Run: python examples/editing.py [DB]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any, TypedDict

from branchline import END, START, CheckpointStore, StateGraph


class Letter(TypedDict, total=False):
    recipient: str
    draft: str
    sent: str


def write(state: Letter) -> dict[str, Any]:
    return {"draft": f"Dear {state['recipient']}, your order has shipped."}


def send(state: Letter) -> dict[str, Any]:
    return {"sent": state["draft"]}


def main(db: Path) -> None:
    builder = StateGraph(Letter)
    builder.add_node("write", write)
    builder.add_node("send", send)
    builder.add_edge(START, "write")
    builder.add_edge("write", "send")
    builder.add_edge("send", END)
    with CheckpointStore.sqlite(db) as store:
        graph = builder.compile(checkpointer=store, interrupt_before=["send"])
        thread = {"configurable": {"thread_id": "letter-1", "actor": "bob"}}
        graph.invoke({"recipient": "Ms Lovelace"}, thread)
        print("draft:", graph.get_state(thread).values["draft"])

        # The person fixes the draft: a new checkpoint, the old one stays as it was.
        graph.update_state(thread, {"draft": "Dear Ms Lovelace, your order ships tomorrow."})
        result = graph.invoke(None, thread)
        print("sent:", result["sent"])
        history = [s.metadata["source"] for s in graph.get_state_history(thread)]
        print("sources, newest first:", history)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "editing.db")
