"""``branchline audit``: who decided what, and proof that the log was not edited since."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress
from rich.text import Text

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    app,
    as_json,
    console,
    errors,
    fail,
    latest,
    node_path,
    open_store,
    parse_json,
    say_none,
    table,
    views_of,
    when,
)
from branchline.cli.json_output import print_json
from branchline.domain.store.chain import ChainReport
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.projections.audit import Decision


@app.command(short_help="Who decided what; --verify proves the log unedited.")
def audit(
    thread: Annotated[str | None, typer.Argument(help="The thread (omit with --all).")] = None,
    db: DbOption = DEFAULT_DB,
    verify: Annotated[
        bool, typer.Option("--verify", help="Recompute the hash chain; exit 1 if it is broken.")
    ] = False,
    every: Annotated[bool, typer.Option("--all", help="With --verify: every thread.")] = False,
    as_json_document: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON document: the decisions and the chain (or, with --verify, "
            "each thread's verdict).",
        ),
    ] = False,
    export_heads: Annotated[
        str | None,
        typer.Option(
            "--export-heads", help="Write every thread's chain head to FILE (- for stdout)."
        ),
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option("--against", help="With --verify: also check the heads an export holds."),
    ] = None,
) -> None:
    """The human decisions on a thread, oldest first: who, when, what, on which interrupt.

    Every stored event is sealed into its thread's chain of digests, and every append
    records the thread's head: --verify finds any event altered, added, removed or
    reordered in the database since it was written, a removed tail and a removed thread.
    --export-heads writes the heads to keep where the database's owner cannot rewrite
    them; --verify --against FILE later checks the log still reaches every one.
    """
    if export_heads is not None:
        with open_store(db) as store:
            exported = json.dumps(store.export_heads(), indent=1)
        if export_heads == "-":
            print(exported)
        else:
            Path(export_heads).write_text(exported + "\n")
            console.print(f"exported {exported.count('[') - 1} thread heads to {export_heads}")
        return
    if (every or against) and not verify:
        raise fail("--all and --against go with --verify: branchline audit --all --verify")
    if every == (thread is not None):
        raise fail("name one thread, or pass --all --verify for every thread")
    anchors = None if against is None else _read_export(against)
    with open_store(db) as store:
        if verify:
            reports = _verified(store, thread, anchors)
            if thread is not None:
                latest(store, thread)
        else:
            assert thread is not None
            latest(store, thread)
            _print_decisions(store, thread, as_json_document)
            return
    if as_json_document:
        print_json([_report(report) for report in reports])
    elif not reports:
        say_none(f"threads in {db!r} to verify")
    else:
        for report in reports:
            console.print(_verdict(report))
    if not all(r.intact for r in reports):
        raise typer.Exit(code=1)


def _print_decisions(store: CheckpointStore, thread: str, as_json_document: bool) -> None:
    """The human decisions on ``thread`` (and, as JSON, its chain)."""
    decisions = views_of(store).decisions(thread)
    if as_json_document:
        [report] = store.verify(thread)
        shown = [_decision(decision) for decision in decisions]
        print_json({"thread_id": thread, "decisions": shown, "chain": _report(report)})
    elif decisions:
        _print_table(decisions)
    else:
        say_none(f"human decisions recorded on thread {thread!r} yet")


def _verified(store: CheckpointStore, thread: str | None, anchors: Any) -> list[ChainReport]:
    """Every chain checked (or ``thread``'s); across many threads on a terminal, with a
    progress bar on stderr that goes away when done."""
    if thread is not None or not errors.is_terminal:
        return store.verify(thread, against=anchors)
    with Progress(console=errors, transient=True) as bar:
        task = bar.add_task("verifying every thread's chain", total=None)
        return store.verify(
            against=anchors,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _read_export(path: Path) -> Any:
    try:
        text = path.read_text()
    except OSError as error:
        raise fail(f"--against: cannot read {str(path)!r} ({error.strerror})") from None
    return parse_json(f"--against {str(path)!r}", text)


def _verdict(report: ChainReport) -> Text:
    if report.broken is None:
        return Text.assemble(
            ("ok", "green"),
            f" {report.thread_id}: {report.events} events, chain intact, head {report.head}",
        )
    broken = report.broken
    kind = f" ({broken.topic.removeprefix('branchline.')})" if broken.topic else ""
    return Text.assemble(
        ("BROKEN", "red"),
        f" {report.thread_id}: event {broken.version}{kind} {broken.problem}; "
        f"the {report.events} events before it are intact",
    )


def _decision(row: Decision) -> dict[str, Any]:
    """One human decision as ``--json`` shows it."""
    return {
        "at": row.at,
        "actor": row.actor,
        "decision": row.kind,
        "node": row.node,
        "namespace": row.namespace,
        "interrupt_id": row.interrupt_id,
        "value": row.value,
        "question_digest": row.digest,
        "checkpoint_id": row.checkpoint_id,
    }


def _report(report: ChainReport) -> dict[str, Any]:
    """A thread's chain as ``--json`` shows it: intact, or where it broke."""
    broken = report.broken
    return {
        "thread_id": report.thread_id,
        "events": report.events,
        "head": report.head,
        "intact": report.intact,
        "broken": None
        if broken is None
        else {"version": broken.version, "topic": broken.topic, "problem": broken.problem},
    }


def _print_table(found: list[Decision]) -> None:
    decisions = table(
        "when (UTC)", "who", "decision", "node", "interrupt", "answer / edit", "question digest"
    )
    for row in found:
        decisions.add_row(
            when(row.at),
            row.actor or "unknown",
            row.kind,
            node_path(row.node, row.namespace),
            row.interrupt_id or "",
            as_json(row.value),
            row.digest or "",
        )
    console.print(decisions)
