"""Time travel from the command line: the checkpoint tree, branches, forks, diffs, replay."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text
from rich.tree import Tree

from branchline.cli.app import (
    DEFAULT_DB,
    DbOption,
    app,
    as_json,
    console,
    fail,
    load_graph,
    open_store,
    parse_json,
    states,
    table,
)
from branchline.cli.decide import VALUES_HELP, ActorOption, GraphOption
from branchline.domain.model.ids import checkpoint_id, checkpoint_version
from branchline.domain.model.timeline import Timeline
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.runner.stored_threads import record_edit
from branchline.runner.time_travel import branches as list_branches
from branchline.runner.time_travel import diff as compare
from branchline.runner.time_travel import recorded


def _timeline(store: CheckpointStore, thread: str) -> Timeline:
    states(store, thread)
    return store.timeline(thread)


def _version(thread: str, checkpoint: str, timeline: Timeline) -> int:
    try:
        version = checkpoint_version(thread, checkpoint)
    except LookupError as error:
        raise fail(str(error)) from None
    if version not in timeline.states:
        raise fail(
            f"no checkpoint {checkpoint!r} in thread {thread!r}; see `branchline history {thread}`"
        )
    return version


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


def print_tree(timeline: Timeline, thread: str) -> None:
    """Draw the checkpoint tree of a thread: each run of steps one list, and where several
    grew from one checkpoint, each of them a branch hanging from it."""
    child_map = timeline.child_map()
    tree = Tree(Text(thread, style="bold"))
    stack = [(tree, v) for v in reversed(child_map.get(None, []))]
    while stack:
        parent, version = stack.pop()
        node = parent.add(_label(timeline, version))
        children = child_map.get(version, [])
        if len(children) == 1:
            stack.append((parent, children[0]))
        else:  # the branches are added here, in order; their steps fill them in later
            branches = [(node.add(_branch_label(timeline, c)), c) for c in children]
            stack.extend(reversed(branches))
    console.print(tree)


def _branch_label(timeline: Timeline, version: int) -> Text:
    fork = timeline.forks.get(version)
    if fork is None:
        return Text("branch: as first run", style="magenta")
    named = f" {fork.name!r}" if fork.name else ""
    return Text(f"branch{named}: {fork.reason} by {fork.actor or 'unknown'}", style="magenta")


@app.command()
def branches(thread: str, db: DbOption = DEFAULT_DB) -> None:
    """The branches of a thread: where each grew from, its head and who started it."""
    with open_store(db) as store:
        found = list_branches(_timeline(store, thread), thread)
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


@app.command()
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
        _version(thread, checkpoint, _timeline(store, thread))
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


@app.command()
def diff(thread: str, first: str, second: str, db: DbOption = DEFAULT_DB) -> None:
    """Compare two checkpoints: common ancestor, what happened on each side, values."""
    with open_store(db) as store:
        timeline = _timeline(store, thread)
        result = compare(
            timeline, _version(thread, first, timeline), _version(thread, second, timeline)
        )
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
    values = table("key", first, second, title="values that differ")
    for key, (left, right) in result.values.items():
        values.add_row(key, as_json(left), as_json(right))
    console.print(values)


@app.command()
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
        for kind, chunk in recorded(timeline, _version(thread, start, timeline), modes):
            print(as_json({kind: chunk}))
