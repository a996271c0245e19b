"""A subgraph's own state, read and edited through its parent: the configs that address
it (``checkpoint_ns``), its snapshots as the parent shows them, and the tasks of the
parent's snapshots that ran one.

A subgraph's checkpoints live in a thread of their own inside the parent's thread
(``config.namespace_thread``); the parent addresses them as LangGraph does, by its own
thread id and the subgraph's namespace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from branchline.runner.batch import Batch
from branchline.runner.config import (
    KEPT_BASE,
    RunConfig,
    namespace_segments,
    namespace_thread,
    subgraph_thread,
    without_task_ids,
)
from branchline.runner.deciders import superseding
from branchline.runner.errors import InvalidConfigError, InvalidUpdateError
from branchline.runner.schema import StateSchema
from branchline.runner.spec import GraphSpec
from branchline.runner.subgraph import Subgraph, SubgraphNode
from branchline.runner.types import StateSnapshot


def split_namespace(namespace: str) -> tuple[str, str]:
    """``"sub|inner"`` -> ``("sub", "inner")``: the first subgraph node and the rest."""
    first, *rest = namespace_segments(namespace) or [""]
    return first, "|".join(rest)


def child_config(config: Mapping[str, Any], node: str, rest: str, kept: bool) -> dict[str, Any]:
    """The config addressing a subgraph node's own thread (and maybe its checkpoint)."""
    configurable = dict(config.get("configurable") or {})
    thread_id, base = subgraph_thread(configurable, node, kept)
    configurable.update(thread_id=thread_id, checkpoint_ns=rest)
    configurable[KEPT_BASE] = base
    return {**config, "configurable": configurable}


def outer_config(
    config: dict[str, Any] | None,
    thread_id: str,
    namespace: str,
    parents: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """A subgraph checkpoint's config as its parent addresses it (thread id + namespace),
    with LangGraph's ``checkpoint_map`` when the checkpoint's ``parents`` are known: the
    checkpoint of each graph above it, and its own."""
    if config is None:
        return None
    inner = config["configurable"]
    inner_ns = inner.get("checkpoint_ns") or ""
    full = f"{namespace}|{inner_ns}" if inner_ns else namespace
    if ":" not in namespace_segments(full)[-1]:  # kept across calls: no task ids, as LangGraph
        full = without_task_ids(full)
    outer = {**inner, "thread_id": thread_id, "checkpoint_ns": full}
    if parents is not None and inner.get("checkpoint_id"):
        outer["checkpoint_map"] = {**parents, full: inner["checkpoint_id"]}
    return {"configurable": outer}


def outer_snapshot(
    snapshot: StateSnapshot, thread_id: str, namespace: str, read_by: StateSchema | None = None
) -> StateSnapshot:
    """A subgraph's snapshot with configs its parent graph accepts (its own subgraphs'
    too, in its tasks); ``read_by``: the schema whose channels alone it shows (a graph
    read with its parent's, as LangGraph reads one it does not know)."""
    if read_by is not None:
        values = snapshot.values
        shown = {k: v for k, v in values.items() if k in read_by.channels}
        snapshot = snapshot._replace(values=shown)
    parents = (snapshot.metadata or {}).get("parents")
    tasks = tuple(
        task._replace(state=outer_snapshot(task.state, thread_id, namespace))
        if isinstance(task.state, StateSnapshot)
        else task._replace(state=outer_config(task.state, thread_id, namespace))
        if task.state
        else task
        for task in snapshot.tasks
    )
    return snapshot._replace(
        config=outer_config(snapshot.config, thread_id, namespace, parents) or snapshot.config,
        parent_config=outer_config(snapshot.parent_config, thread_id, namespace, parents),
        tasks=tasks,
    )


def subgraph_of(
    graph: GraphSpec, config: Mapping[str, Any], cfg: RunConfig, reader: Subgraph | None = None
) -> tuple[Subgraph, dict[str, Any], str]:
    """The subgraph a ``checkpoint_ns`` names, the config of its own thread (with the
    rest of the namespace, for a subgraph inside it), and the namespace's first segment
    (what this graph's configs of it are made with: ``outer_config``).

    A graph a node invoked without this graph knowing it (found in no node) is read,
    as LangGraph reads it, with ``reader`` (this graph) when its thread exists; it
    cannot be written through this graph's nodes and channels."""
    segment, rest = split_namespace(cfg.checkpoint_ns)
    child = down = graph_at(graph, node_of(segment))
    if child is not None and child.persistence == "kept":  # "node:<task id>" is its thread
        segment = node_of(segment)
    below = rest
    while down is not None and below:  # every graph down the path must be known
        inner, below = split_namespace(below)
        down = graph_at(down.spec, node_of(inner))
    child = child if down is not None else None
    if child is None and reader is not None and not rest and graph.store is not None:
        ran = graph.store.load(namespace_thread(cfg.require_thread(), segment))
        child = reader if ran is not None else None
    if child is None:
        subgraphs = [n for n in graph.topology.nodes if graph_at(graph, n) is not None]
        names = "|".join(node_of(s) for s in namespace_segments(cfg.checkpoint_ns))
        raise InvalidConfigError(
            f"Subgraph {names} not found: checkpoint_ns {cfg.checkpoint_ns!r} names no "
            f"subgraph of this graph; its subgraph nodes are {subgraphs}"
        )
    return child, child_config(config, segment, rest, child.persistence == "kept"), segment


def node_of(segment: str) -> str:
    """The node a namespace segment names: ``"sub:<task id>|2"`` -> ``"sub"``."""
    return segment.partition(":")[0].partition("|")[0]


def graph_at(graph: GraphSpec, name: str) -> Subgraph | None:
    """The graph node ``name`` runs (a subgraph node) or invokes (a node function naming
    a graph without a store), on the store of ``graph``; None for other nodes."""
    node = graph.topology.nodes.get(name)
    if node is None:
        return None
    if isinstance(node.func, SubgraphNode):
        return node.func.bound(graph.store)
    called = node.calls
    if called is None or called.store is not None or called.persistence == "off":
        return None
    return called if graph.store is None else called.with_store(graph.store)  # type: ignore[no-any-return]


def _segment(graph: GraphSpec, name: str, task_id: str) -> str | None:
    """The namespace of the subgraph run by task ``task_id`` of node ``name``, if any."""
    node = graph.topology.nodes.get(name)
    if node is not None and isinstance(node.func, SubgraphNode):
        return node.func.segment(task_id)
    called = graph_at(graph, name)
    if called is None:
        return None
    return name if called.persistence == "kept" else f"{name}:{task_id}"


def update_subgraph(
    graph: GraphSpec,
    config: Mapping[str, Any],
    cfg: RunConfig,
    edit: Callable[[Subgraph, dict[str, Any]], dict[str, Any]],
) -> dict[str, Any]:
    """Edit a subgraph's own state with ``edit`` (the subgraph's ``update_state`` or
    ``bulk_update_state``, called on the config of its own thread); questions it drops
    are dropped in the parent too. The new checkpoint keeps the parent checkpoint the
    edited one ran from (as LangGraph). A subgraph that has not run there yet has no
    state to edit: refused (LangGraph records one that ran to its end, so its nodes
    never run)."""
    store, thread_id = graph.durable_store("editing a subgraph"), cfg.require_thread()
    child, child_cfg, segment = subgraph_of(graph, config, cfg)
    inner_thread = child_cfg["configurable"]["thread_id"]
    before = store.load(inner_thread)
    if before is None or before.head is None:
        raise InvalidUpdateError(
            f"subgraph {cfg.checkpoint_ns!r} has not run yet, so it has no state to edit; "
            "edit the parent's state (update_state with the parent's config), or run the "
            "parent until the subgraph pauses"
        )
    asked = {r.interrupt_id for r in before.pending_interrupts} if before else set()
    ran_from = (child.get_state(child_cfg).metadata or {}).get("parents")
    if ran_from:
        child_cfg["metadata"] = {**(child_cfg.get("metadata") or {}), "parents": ran_from}
    inner = edit(child, child_cfg)
    parent = store.load(thread_id)
    if parent is not None and asked:
        batch = Batch(parent)
        for event in superseding(parent, "update", cfg, only=asked):
            batch.add(event)
        if batch.events:
            store.append(parent, batch.events)
    return outer_config(inner, thread_id, segment) or {}


def shown_in_history(graph: GraphSpec, thread_id: str) -> Callable[[StateSnapshot], StateSnapshot]:
    """How ``get_state_history`` shows a past checkpoint: the state schema's view of it,
    with the config of the subgraph each of its tasks ran (as LangGraph lists them)."""
    shown = graph.schema.shown_snapshot
    if not any(graph_at(graph, name) is not None for name in graph.topology.nodes):
        return shown
    return lambda snapshot: with_subgraph_states(graph, shown(snapshot), thread_id, full=False)


def with_subgraph_states(
    graph: GraphSpec,
    snapshot: StateSnapshot,
    thread_id: str,
    full: bool,
    base: tuple[str, str] | None = None,
) -> StateSnapshot:
    """Fill ``tasks[i].state`` of subgraph tasks: their config, or (``full``) their snapshot
    (``base``: the KEPT_BASE of the graph whose snapshot this is, when not the root)."""
    tasks = []
    for task in snapshot.tasks:
        segment = _segment(graph, task.name, task.id)  # None: not a subgraph, or no history
        if segment is not None:
            # As LangGraph: a task's own place, also for a subgraph kept across calls
            # (whose snapshot then names its thread's place, "node").
            place = f"{task.name}:{task.id}"
            ns_config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": place}}
            if full:
                child = graph_at(graph, task.name)
                assert child is not None
                kept = child.persistence == "kept"
                here = {**ns_config["configurable"], KEPT_BASE: base or (thread_id, "")}
                at = child_config({"configurable": here}, segment, "", kept)
                inner = child.get_state(at, subgraphs=True)
                task = task._replace(state=outer_snapshot(inner, thread_id, segment))
            else:
                task = task._replace(state=ns_config)
        tasks.append(task)
    return snapshot._replace(tasks=tuple(tasks))


def run_from_subgraph(
    graph: GraphSpec, config: Mapping[str, Any], cfg: RunConfig, input: Any
) -> dict[str, Any]:
    """The config a run addressed to a subgraph's checkpoint runs from, as in LangGraph:
    the parent's checkpoint whose step ran that subgraph (its ``metadata["parents"]``),
    so the parent runs that step again. A subgraph kept across calls goes on from the
    addressed checkpoint there (``checkpoint_map``); one kept per call starts afresh.
    Without a checkpoint id, or with input (an answer to the subgraph's question), the
    parent's head."""
    configurable = {k: v for k, v in config["configurable"].items() if k != "checkpoint_ns"}
    if input is not None:
        configurable.pop("checkpoint_id", None)
        configurable.pop("checkpoint_map", None)
    elif cfg.checkpoint_id is not None:
        child, child_cfg, _ = subgraph_of(graph, config, cfg)
        parents = child.get_state(child_cfg).metadata or {}
        ran_from = (parents.get("parents") or {}).get("")
        if ran_from is None:
            raise InvalidConfigError(
                f"checkpoint {cfg.checkpoint_id!r} of subgraph {cfg.checkpoint_ns!r} records no "
                "parent checkpoint to run from (it was made by update_state); run from the "
                "parent's checkpoint instead: graph.invoke(None, snapshot.parent_config)"
            )
        configurable["checkpoint_id"] = ran_from
        configurable["checkpoint_map"] = {
            **parents["parents"],
            cfg.checkpoint_ns: cfg.checkpoint_id,
        }
    return {**config, "configurable": configurable}


def subgraphs_in(
    graph: GraphSpec, namespace: str | None, recurse: bool
) -> Iterator[tuple[str, Subgraph]]:
    """``get_subgraphs``: each subgraph of ``graph`` (as its node declares or invokes it)
    by namespace, in node order; with ``recurse`` theirs too (``"outer|inner"``); with
    ``namespace`` only the one it names, matched a whole segment at a time."""
    first, rest = split_namespace(namespace) if namespace else ("", "")
    for name, node in graph.topology.nodes.items():
        found = node.func.graph if isinstance(node.func, SubgraphNode) else node.calls
        if found is None or (namespace is not None and name != first):
            continue
        if namespace is None or not rest:
            yield name, found
        if recurse and (namespace is None or rest):
            inner = subgraphs_in(found.spec, rest or None, recurse)
            yield from ((f"{name}|{n}", g) for n, g in inner)
