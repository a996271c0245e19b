"""Playing the calls that reach into subgraphs (``sub_history``, ``sub_update``,
``sub_replay``, ``stream`` with ``subgraphs=True``) on one side.

A subgraph run is never named by its engine's ids: it is picked by position among the
runs the parent shows (``query="live"``: its pending tasks, ``"past"``: the tasks of its
whole history), sorted by the parent checkpoint that shows them (newest first) and the
node's name; a run whose node ran twice in one step (two Sends) cannot be told apart
across engines and is left out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.differential import normalise

if TYPE_CHECKING:
    from tests.differential.operations import Op
    from tests.differential.runner import Player

KINDS = ("sub_history", "sub_update", "sub_replay")


def _unique(found: list[tuple[tuple[int, str], Any]]) -> list[Any]:
    keys = [key for key, _ in found]
    return [value for key, value in sorted(found, key=lambda kv: kv[0]) if keys.count(key) == 1]


def runs(graph: Any, query: str | None, thread: dict[str, Any]) -> list[dict[str, Any]]:
    """The namespace configs of the subgraph runs the pending tasks of ``thread`` show
    (``"live"``) or its history does (``"past"``)."""
    found = []
    live = [graph.get_state(thread)] if query == "live" else []
    for position, snapshot in enumerate(live or graph.get_state_history(thread)):
        for task in snapshot.tasks:
            if isinstance(task.state, dict):
                found.append(((position, task.name), task.state))
    return _unique(found)


def paused(graph: Any, thread: dict[str, Any]) -> list[Any]:
    """The snapshots of the subgraphs the parent's pending tasks run (``subgraphs=True``)."""
    tasks = graph.get_state(thread, subgraphs=True).tasks
    return _unique([((0, t.name), t.state) for t in tasks if _is_snapshot(t.state)])


def _is_snapshot(state: Any) -> bool:
    return state is not None and not isinstance(state, dict)


def available(op: Op, player: Player) -> bool:
    """Whether LangGraph has something for ``op`` to reach (else it is not sent)."""
    graph = player.side.graph
    if op.kind == "sub_update":
        return bool(paused(graph, player.thread))
    return bool(runs(graph, op.query, player.thread))


def call(op: Op, player: Player) -> Any:
    """Run ``op`` on the player's side; the normalised result."""
    graph, labels = player.side.graph, player.labels
    if op.kind == "stream":
        items = list(
            graph.stream(op.values, player.thread, stream_mode=op.stream_mode, subgraphs=True)
        )
        return normalise.subgraph_chunks(items, op.stream_mode or "updates", labels)
    if op.kind == "sub_update":
        found = paused(graph, player.thread)
        if not found:
            return ["nothing to reach"]
        config = found[(op.pick or 0) % len(found)].config
        if op.at is not None:
            config = _history_config(graph, config, op.at)
        written = graph.update_state(config, op.values, as_node=op.as_node)
        return normalise.task_state(written, labels)
    found = runs(graph, op.query, player.thread)
    if not found:
        return ["nothing to reach"]
    config = found[(op.pick or 0) % len(found)]
    if op.kind == "sub_history":
        return normalise.history(list(graph.get_state_history(config)), labels)
    if op.kind == "sub_replay":
        target = _history_config(graph, config, op.at or 0)
        return normalise.result(graph.invoke(None, target), labels)
    raise ValueError(f"unknown operation kind {op.kind!r}")


def _history_config(graph: Any, config: dict[str, Any], position: int) -> dict[str, Any]:
    """The config of the checkpoint at ``position`` of a subgraph run's history."""
    snapshots = list(graph.get_state_history(config))
    return snapshots[position % len(snapshots)].config if snapshots else config
