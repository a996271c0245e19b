"""``branchline demo``: the tool-review flow, end to end, on an SQLite file."""

from __future__ import annotations

import os

from domain.store import CheckpointStore
from runner.cli.app import DEFAULT_DB, DbOption, app, as_json, console
from runner.cli.decide import audit, pending
from runner.types import Command


@app.command()
def demo(db: DbOption = DEFAULT_DB) -> None:
    """An agent proposes a refund, pauses for review, a named person approves it."""
    from runner.demo import build

    thread = f"ticket-{os.getpid()}"
    with CheckpointStore.sqlite(db) as store:
        graph = build(store)
        config = {"configurable": {"thread_id": thread}, "metadata": {"customer": "ada"}}
        console.print(
            f"[bold]1. The agent reads the ticket on {str(db)!r} and proposes an action[/bold]"
        )
        request = {"messages": [{"role": "user", "content": "My order A-1042 arrived broken."}]}
        for update in graph.stream(request, config):
            for node, writes in update.items():
                if node == "__interrupt__":
                    for asked in writes:
                        console.print(f"  [yellow]paused[/yellow], asking: {as_json(asked.value)}")
                else:
                    console.print(f"  [cyan]{node}[/cyan] wrote {as_json(writes)}")
    console.print("[bold]2. It is paused; the inbox shows what it waits for[/bold]")
    pending(db=db)
    approver = {
        "configurable": {"thread_id": thread, "actor": "dana@support"},
        "metadata": {"customer": "ada"},
    }
    with CheckpointStore.sqlite(db) as store:
        console.print("[bold]3. dana@support approves; the run finishes[/bold]")
        result = build(store).invoke(Command(resume={"action": "approve"}), approver)
        console.print(f"  result: {result['result']}")
    console.print("[bold]4. The audit trail: who decided what, on which question[/bold]")
    audit(thread, db=db)
    console.print(f"Explore: branchline history {thread} --db {db}")
