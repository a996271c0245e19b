"""Time travel from the command line: the checkpoint tree, branches, forks, diffs, replay."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text
from rich.tree import Tree

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    app,
    as_json,
    console,
    fail,
    latest,
    load_graph,
    open_store,
    parse_json,
    say_none,
    table,
    views_of,
)
from branchline.cli.checkpoint_ids import resolve_checkpoint
from branchline.cli.decide import VALUES_HELP, ActorOption, GraphOption
from branchline.cli.json_output import plain, print_json
from branchline.domain.model.ids import checkpoint_id, checkpoint_version
from branchline.domain.model.timeline import Timeline
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.projections import Views
from branchline.runner.config import namespace_segments
from branchline.runner.stored_threads import record_edit
from branchline.runner.time_travel import MISSING, Branch, Diff, recorded
from branchline.runner.time_travel import branches as list_branches
from branchline.runner.time_travel import diff as compare


def _timeline(store: CheckpointStore, thread: str) -> Timeline:
    latest(store, thread)
    return store.timeline(thread)


def _label(timeline: Timeline, version: int) -> Text:
    """One line of the tree: step, source, nodes, who acted, branch start, id, head mark."""
    state = timeline.states[version]
    head = state.head
    assert head is not None
    parts: list[str | tuple[str, str]] = [
        f"step {head.step}",
        (head.source, "cyan"),
        ", ".join(head.writers) or "-",
    ]
    if head.source == "update":
        parts.append(f"by {head.actor or 'unknown'}")
    parts += [f"({r.actor or 'unknown'} answered {r.node})" for r in state.interrupts if r.answered]
    fork = timeline.forks.get(version)
    if fork is not None:
        named = f" {fork.name!r}" if fork.name else ""
        parts.append((f"{fork.reason} by {fork.actor or 'unknown'}{named}", "magenta"))
    parts.append((checkpoint_id(state.thread_id, version), "dim"))
    if version == timeline.head:
        parts.append(("← head", "bold green"))
    return Text(" ").join(Text.assemble(part) for part in parts)


def print_tree(store: CheckpointStore, thread: str) -> None:
    """Draw the checkpoint tree of a thread: each run of steps one list, and where several
    grew from one checkpoint, each of them a branch hanging from it. Under the checkpoint
    whose step ran a subgraph hang that subgraph's checkpoints (and its subgraphs')."""
    tree = Tree(Text(thread, style="bold"))
    timeline = store.timeline(thread)
    _grow(tree, timeline, _subgraphs_ran(store, views_of(store), thread, ""))
    console.print(tree)


Ran = dict[int, list[tuple[str, Tree]]]  # checkpoint version -> the subgraph runs of its step


def _subgraphs_ran(store: CheckpointStore, views: Views, thread: str, namespace: str) -> Ran:
    """The subgraph checkpoints that each checkpoint's step made, drawn as trees: found by
    the parent checkpoint each records (its metadata's ``parents``, as LangGraph's)."""
    ran: Ran = {}
    for row in sorted(views.list_threads(subgraphs_of=thread), key=lambda r: r.created_at):
        timeline, below = (
            store.timeline(row.thread_id),
            _subgraphs_ran(store, views, row.thread_id, row.namespace),
        )
        drawn: dict[int, Tree] = {}
        at = None  # an edit of a subgraph's state names no parent: it goes with the run before
        for version, state in sorted(timeline.states.items()):
            assert state.head is not None
            parent = (state.head.metadata.get("parents") or {}).get(namespace)
            at = at if parent is None else checkpoint_version(thread, parent)
            if at is None:
                continue
            if at not in drawn:
                place = namespace_segments(row.namespace)[-1]
                drawn[at] = Tree(Text(f"subgraph {place}", style="yellow"))
                ran.setdefault(at, []).append((row.thread_id, drawn[at]))
            node = drawn[at].add(_label(timeline, version))
            for _, subtree in below.get(version, []):
                node.children.append(subtree)
    return ran


def _grow(tree: Tree, timeline: Timeline, ran: Ran) -> None:
    child_map = timeline.child_map()
    stack = [(tree, v) for v in reversed(child_map.get(None, []))]
    while stack:
        parent, version = stack.pop()
        node = parent.add(_label(timeline, version))
        node.children.extend(subtree for _, subtree in ran.get(version, []))
        children = child_map.get(version, [])
        if len(children) == 1:
            stack.append((parent, children[0]))
        else:  # the branches are added here, in order; their steps fill them in later
            branches = [(node.add(_branch_label(timeline, c)), c) for c in children]
            stack.extend(reversed(branches))


def _branch(branch: Branch) -> dict[str, Any]:
    root = branch.root_config
    return {
        "name": branch.name,
        "from_checkpoint": root["configurable"]["checkpoint_id"] if root else None,
        "head_checkpoint": branch.head_config["configurable"]["checkpoint_id"],
        "checkpoints": branch.length,
        "created_at": branch.created_at,
        "created_by": branch.created_by,
    }


def _branch_label(timeline: Timeline, version: int) -> Text:
    fork = timeline.forks.get(version)
    if fork is None:
        return Text("branch: as first run", style="magenta")
    named = f" {fork.name!r}" if fork.name else ""
    return Text(f"branch{named}: {fork.reason} by {fork.actor or 'unknown'}", style="magenta")


@app.command(short_help="A thread's branches: where each grew from, its head.")
def branches(thread: str, db: DbOption = DEFAULT_DB, as_json_document: JsonOption = False) -> None:
    """The branches of a thread: where each grew from, its head and who started it."""
    with open_store(db) as store:
        found = list_branches(_timeline(store, thread), thread)
    if as_json_document:
        print_json([_branch(branch) for branch in found])
        return
    columns = ("name", "from checkpoint", "head", "checkpoints", "created (UTC)", "by")
    listed = table(*columns, ids={"from checkpoint", "head"})
    for branch in found:
        root = (
            branch.root_config["configurable"]["checkpoint_id"] if branch.root_config else "(start)"
        )
        head = branch.head_config["configurable"]["checkpoint_id"]
        created = branch.created_at[:19].replace("T", " ")
        listed.add_row(
            branch.name or "", root, head, str(branch.length), created, branch.created_by or ""
        )
    console.print(listed)


@app.command(short_help="Branch from a past checkpoint with an edit, as ACTOR.")
def fork(
    thread: str,
    checkpoint: Annotated[str, typer.Option("--checkpoint", help="The checkpoint to branch from.")],
    values: Annotated[str, typer.Option("--values", help=VALUES_HELP)],
    actor: ActorOption,
    graph: GraphOption = None,
    as_node: Annotated[
        str | None, typer.Option("--as-node", help="Write as if this node returned the values.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="A name for the new branch.")] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Branch from a past checkpoint with an edit, as ACTOR.

    With --graph it is update_state on the checkpoint (reducers apply, --as-node routes);
    without, the values are assigned as given and what was pending there stays pending.
    """
    edit = parse_json("--values", values)
    if graph is None and as_node is not None:
        raise fail("--as-node needs --graph, to know what runs after the node")
    with open_store(db, lenient=graph is None) as store:
        latest(store, thread)
        checkpoint = checkpoint_id(
            thread, resolve_checkpoint(store, thread, checkpoint, "--checkpoint")
        )
        if graph is None:
            new = record_edit(store, thread, edit, actor=actor, checkpoint=checkpoint, name=name)
        else:
            configurable = {"thread_id": thread, "checkpoint_id": checkpoint, "actor": actor}
            config = {"configurable": configurable, "metadata": {"branch": name} if name else {}}
            new = load_graph(graph, store).update_state(config, edit, as_node=as_node)
    console.print(
        f"forked as {actor}: new checkpoint {new['configurable']['checkpoint_id']} "
        "(now the thread's head)"
    )


@app.command(short_help="Compare two checkpoints: ancestor, steps, values.")
def diff(
    thread: str,
    first: Annotated[str, typer.Argument(help="A checkpoint id or a unique prefix of one.")],
    second: Annotated[str, typer.Argument(help="Another, to compare with the first.")],
    db: DbOption = DEFAULT_DB,
    as_json_document: JsonOption = False,
) -> None:
    """Compare two checkpoints: common ancestor, what happened on each side, values."""
    with open_store(db) as store:
        timeline = _timeline(store, thread)
        left = resolve_checkpoint(store, thread, first, "FIRST")
        right = resolve_checkpoint(store, thread, second, "SECOND")
        result = compare(timeline, left, right)
    first, second = checkpoint_id(thread, left), checkpoint_id(thread, right)
    if as_json_document:
        print_json(_diff(result, first, second))
        return
    ancestor = result.ancestor["configurable"]["checkpoint_id"] if result.ancestor else "(none)"
    console.print(Text.assemble(("common ancestor", "bold"), f" {ancestor}"))
    for title, side in ((first, result.left), (second, result.right)):
        steps = table(
            "step",
            "source",
            "nodes",
            "who",
            "checkpoint",
            ids={"checkpoint"},
            title=f"since then, towards {title}",
        )
        for change in side:
            steps.add_row(
                str(change.step),
                change.source,
                ", ".join(change.nodes),
                ", ".join(change.actors),
                change.checkpoint_id,
            )
        console.print(steps)
    if not result.values:
        say_none("values differ")
        return
    values = table("key", first, second, title="values that differ")
    for key, (was, now) in result.values.items():
        values.add_row(key, as_json(was), as_json(now))
    console.print(values)


def _diff(result: Diff, first: str, second: str) -> dict[str, Any]:
    """A diff as ``diff --json`` prints it: a key missing on one side has no value there."""
    values = {
        key: {
            side: plain(value)
            for side, value in (("first", was), ("second", now))
            if value is not MISSING
        }
        for key, (was, now) in result.values.items()
    }
    ancestor = result.ancestor
    return {
        "ancestor": ancestor["configurable"]["checkpoint_id"] if ancestor else None,
        "first": {"checkpoint_id": first, "since": [plain(c) for c in result.left]},
        "second": {"checkpoint_id": second, "since": [plain(c) for c in result.right]},
        "values": values,
    }


@app.command(short_help="The recorded steps from a checkpoint, running nothing.")
def replay(
    thread: str,
    start: Annotated[str, typer.Option("--from", help="The checkpoint to replay from.")],
    mode: Annotated[str, typer.Option("--mode", help="values, updates, or both")] = "both",
    db: DbOption = DEFAULT_DB,
) -> None:
    """Stream the recorded steps from a checkpoint to its branch's head; nothing runs."""
    modes = ("values", "updates") if mode == "both" else (mode,)
    if any(m not in ("values", "updates") for m in modes):
        raise fail(f"--mode is values, updates or both, not {mode!r}")
    with open_store(db) as store:
        timeline = _timeline(store, thread)
        version = resolve_checkpoint(store, thread, start, "--from")
        for kind, chunk in recorded(timeline, version, modes):
            print(as_json({kind: chunk}))
