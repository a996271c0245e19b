"""Reviewing tool calls: approve, edit the arguments, or reject with feedback.

A deterministic stand-in model proposes an ``issue_refund`` call (see branchline/cli/demo_graph.py);
the review node asks with ``interrupt()`` and routes with ``Command``.

Run: python examples/tool_review.py [DB]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from branchline import CheckpointStore, Command
from branchline.cli.demo_graph import build


def review(db: Path, thread_id: str, *decisions: dict[str, object]) -> None:
    with CheckpointStore.sqlite(db) as store:
        graph = build(store)
        config = {"configurable": {"thread_id": thread_id, "actor": "dana"}}
        state = graph.invoke(
            {"messages": [{"role": "user", "content": "Refund order A-1042"}]}, config
        )
        for decision in decisions:
            question = state["__interrupt__"][0].value
            print(f"[{thread_id}] proposed: {question['tool_call']['args']} -> {decision}")
            state = graph.invoke(Command(resume=decision), config)
        print(f"[{thread_id}] result: {state['result']}")


def main(db: Path) -> None:
    review(db, "approve", {"action": "approve"})
    review(db, "edit", {"action": "edit", "args": {"order": "A-1042", "amount": 80}})
    review(db, "reject", {"action": "reject", "feedback": "Refund half."}, {"action": "approve"})


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp()) / "review.db")
