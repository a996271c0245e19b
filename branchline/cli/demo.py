"""``branchline demo``: the tool-review flow, end to end, on an SQLite file."""

from __future__ import annotations

import os

from rich.text import Text

from branchline.cli.app import DEFAULT_DB, DbOption, app, as_json, console
from branchline.cli.audit_trail import audit
from branchline.cli.decide import pending
from branchline.cli.demo_graph import build
from branchline.cli.inspect import history
from branchline.cli.travel import diff
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.types import Command


@app.command(short_help="A refund agent pauses, dana approves, erin forks.")
def demo(db: DbOption = DEFAULT_DB) -> None:
    """An agent proposes a refund, pauses for review, a named person approves it."""
    thread = f"ticket-{os.getpid()}"
    with CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}) as store:
        graph = build(store)
        config = {"configurable": {"thread_id": thread}, "metadata": {"customer": "ada"}}
        console.print(
            f"1. The agent reads the ticket on {str(db)!r} and proposes an action", style="bold"
        )
        request = {"messages": [{"role": "user", "content": "My order A-1042 arrived broken."}]}
        for update in graph.stream(request, config):
            for node, writes in update.items():
                if node == "__interrupt__":
                    for asked in writes:
                        asking = f", asking: {as_json(asked.value)}"
                        console.print(Text.assemble("  ", ("paused", "yellow"), asking))
                else:
                    wrote = f" wrote {as_json(writes)}"
                    console.print(Text.assemble("  ", (node, "cyan"), wrote))
    console.print("2. It is paused; the inbox shows what it waits for", style="bold")
    pending(db=db)
    approver = {
        "configurable": {"thread_id": thread, "actor": "dana@support"},
        "metadata": {"customer": "ada"},
    }
    with CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}) as store:
        console.print("3. dana@support approves; the run finishes", style="bold")
        result = build(store).invoke(Command(resume={"action": "approve"}), approver)
        console.print(f"  result: {result['result']}")
    console.print("4. The audit trail: who decided what, on which question", style="bold")
    audit(thread, db=db)
    with CheckpointStore.from_env({**os.environ, "BRANCHLINE_DB": db}) as store:
        graph = build(store)
        approved = graph.get_state(approver)
        at_review = next(s for s in graph.get_lineage(approver) if s.next == ("human_review",))
        console.print("5. What if erin@support had rejected it? Fork at the review", style="bold")
        what_if = {
            "configurable": {**at_review.config["configurable"], "actor": "erin@support"},
            "metadata": {"customer": "ada", "branch": "rejected"},
        }
        reply = {"action": "reject", "feedback": "Half now, the rest after inspection."}
        again = graph.invoke(Command(resume=reply), what_if)
        console.print(
            f"  the agent proposes again: {as_json(again['__interrupt__'][0].value['tool_call'])}"
        )
        erin = {
            "configurable": {"thread_id": thread, "actor": "erin@support"},
            "metadata": {"customer": "ada"},
        }
        result = graph.invoke(Command(resume={"action": "approve"}), erin)
        console.print(f"  result on this branch: {result['result']}")
        rejected = graph.get_state(erin)
    console.print("6. The checkpoint tree", style="bold")
    history(thread, db=db, tree=True)
    console.print("7. The two outcomes compared", style="bold")
    diff(
        thread,
        approved.config["configurable"]["checkpoint_id"],
        rejected.config["configurable"]["checkpoint_id"],
        db=db,
    )
    console.print(f"Explore: branchline branches {thread} --db {db}")
