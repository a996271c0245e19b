"""Observables as plain, comparable data: never an engine's own ids.

Interrupt ids become labels (``#0``, ``#1``... per question, in the order a side showed them),
checkpoints become positions in the thread's history (newest first), so two engines
that made the same checkpoints and asked the same questions give equal data. A LangChain
message becomes its fields; an id the graph gave it stays, one its engine made
(``add_messages``: LangGraph's uuid4, Branchline's 32 hex digits) becomes ``~0``, ``~1``...
in the order the side showed them.
"""

from __future__ import annotations

import re
from typing import Any

_LABEL = re.compile(r"'#(\d+|\*)'")
_MADE_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def order(item: Any) -> tuple[str, str]:
    """The sort key of shown items: their repr with labels left out first, so that items
    alike but for the labels of twin questions (``blur_twins``) sort alike on every engine."""
    shown = repr(item)
    return _LABEL.sub("'#'", shown), shown


class Labels:
    """Interrupt ids of one side as labels: ``#k`` is the k-th distinct id this side
    showed for the same question (value), so a question asked anew gets a new label and
    a question still pending keeps its own."""

    def __init__(self) -> None:
        self._labels: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        self.twins: set[str] = set()  # questions seen pending twice at once (see blur_twins)
        self._message_ids: dict[str, str] = {}

    def message_id(self, given: Any) -> Any:
        """A message's id as shown: ``~k`` for the k-th id this side made, else itself."""
        if not isinstance(given, str) or not _MADE_ID.fullmatch(given):
            return given
        return self._message_ids.setdefault(given, f"~{len(self._message_ids)}")

    def __call__(self, value: Any, interrupt_id: str) -> str:
        key = (repr(value), interrupt_id)
        if key not in self._labels:
            count = self._counts.get(key[0], 0)
            self._counts[key[0]] = count + 1
            self._labels[key] = f"#{count}"
        return self._labels[key]


def plain(value: Any, labels: Labels) -> Any:
    """``value`` with tuples as lists, dicts sorted, interrupts as (value, label)."""
    if isinstance(value, dict):
        return {
            str(k): plain(v, labels) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
        }
    if isinstance(value, list | tuple):
        return [plain(v, labels) for v in value]
    if hasattr(value, "value") and hasattr(value, "id") and type(value).__name__ == "Interrupt":
        return interrupt(value, labels)
    if type(value).__module__.startswith("langchain_core.messages"):
        return message(value, labels)
    return value


def message(value: Any, labels: Labels) -> dict[str, Any]:
    """A LangChain message as its class and the fields it set (empty ones left out), its
    id labelled if its engine made it."""
    fields = {k: v for k, v in value.model_dump().items() if v and k != "type"}
    fields["id"] = labels.message_id(fields.get("id"))
    return {"class": type(value).__name__, **plain(fields, labels)}


def interrupt(item: Any, labels: Labels) -> list[Any]:
    """An interrupt as ``[value, label]``."""
    return [item.value, labels(item.value, item.id)]


def interrupts(items: Any, labels: Labels) -> list[Any]:
    """Interrupts sorted by value (the order an engine lists them in is not promised)."""
    shown = sorted((interrupt(i, labels) for i in items), key=order)
    values = [repr(value) for value, _ in shown]
    labels.twins.update(v for v in values if values.count(v) > 1)
    return shown


def blur_twins(data: Any, labels: Labels) -> Any:
    """``data`` with the labels of questions ``labels`` saw pending twice at once (one
    question asked by two tasks of a node, e.g. two Sends to a subgraph) as ``#*``: which
    of the two ids got which label depends on the order an engine listed them in."""
    if not labels.twins:
        return data
    if isinstance(data, dict):
        return {k: blur_twins(v, labels) for k, v in data.items()}
    if isinstance(data, list):
        if len(data) == 2 and repr(data[0]) in labels.twins and str(data[1]).startswith("#"):
            return [data[0], "#*"]
        return [blur_twins(v, labels) for v in data]
    return data


def result(value: Any, labels: Labels) -> Any:
    """A return value of invoke: values, with ``__interrupt__`` sorted by value."""
    if not isinstance(value, dict):
        return plain(value, labels)
    shown = {k: v for k, v in value.items() if k != "__interrupt__"}
    out = plain(shown, labels)
    if "__interrupt__" in value:
        out["__interrupt__"] = interrupts(value["__interrupt__"], labels)
    return out


def history(snapshots: list[Any], labels: Labels) -> list[dict[str, Any]]:
    """The history, newest first, each checkpoint with its parent as a position."""
    position = {s.config["configurable"]["checkpoint_id"]: i for i, s in enumerate(snapshots)}
    return [checkpoint(s, labels, position) for s in snapshots]


def checkpoint(snapshot: Any, labels: Labels, position: dict[str, int]) -> dict[str, Any]:
    """One snapshot as data: values, next, source, step, parent and tasks."""
    parent = snapshot.parent_config
    parent_id = None if parent is None else parent["configurable"].get("checkpoint_id")
    metadata = snapshot.metadata or {}
    own = (snapshot.config or {}).get("configurable", {}).get("checkpoint_id")
    return {
        "at": position.get(own, "?") if own else None,
        "values": plain(snapshot.values, labels),
        "next": sorted(snapshot.next),
        "source": metadata.get("source"),
        "step": metadata.get("step"),
        "parent": None if parent_id is None else position.get(parent_id, "?"),
        "interrupts": interrupts(snapshot.interrupts, labels),
        "tasks": tasks(snapshot.tasks, labels),
    }


def tasks(items: Any, labels: Labels) -> list[Any]:
    """Tasks as ``[name, interrupts]``, sorted; a subgraph task also with its ``state``
    (the config of its namespace, or its snapshot: see ``task_state``)."""
    shown = []
    for task in items:
        state = getattr(task, "state", None)
        entry = [task.name, interrupts(task.interrupts, labels)]
        shown.append(entry if state is None else [*entry, task_state(state, labels)])
    return sorted(shown, key=order)


def namespace(ns: str) -> str:
    """A ``checkpoint_ns`` without task ids: ``n1:<id>|n1a:<id>`` is ``n1:*|n1a:*``."""
    return "|".join(
        part.split(":")[0] + (":*" if ":" in part else "") for part in ns.split("|") if part
    )


def _place(config: Any) -> dict[str, Any]:
    configurable = (config or {}).get("configurable", {})
    return {
        "thread": configurable.get("thread_id"),
        "ns": namespace(configurable.get("checkpoint_ns") or ""),
    }


def task_state(state: Any, labels: Labels) -> dict[str, Any]:
    """A subgraph task's ``state``: where its config points (thread, namespace), or its
    snapshot (``get_state(..., subgraphs=True)``) as values, next, interrupts and tasks."""
    if isinstance(state, dict):
        return _place(state)
    return {
        **_place(state.config),
        "values": plain(state.values, labels),
        "next": sorted(state.next),
        "interrupts": interrupts(state.interrupts, labels),
        "tasks": tasks(state.tasks, labels),
    }


def subgraph_chunks(items: list[Any], mode: str, labels: Labels) -> dict[str, Any]:
    """``stream(..., subgraphs=True)`` items ``(namespace, chunk)``: this graph's chunks as
    without subgraphs, and each subgraph run's chunks, in order, under its namespace
    without ids (the runs listed sorted: parallel runs interleave as they happen to)."""
    shapes = {"values": values_chunks, "messages": messages_chunks}
    shape = shapes.get(mode, updates_chunks)
    runs: dict[tuple[str, ...], list[Any]] = {}
    for ns, chunk in items:
        runs.setdefault(tuple(ns), []).append(chunk)
    root = shape(runs.pop((), []), labels)
    inner = [["/".join(namespace(n) for n in ns), shape(c, labels)] for ns, c in runs.items()]
    return {"root": root, "subgraphs": sorted(inner, key=order)}


def updates_chunks(chunks: list[Any], labels: Labels) -> list[Any]:
    """``stream_mode="updates"`` chunks; within one step the order is not compared, nor
    that of the questions of one ``__interrupt__`` chunk (parallel nodes that asked)."""
    return sorted((result(c, labels) for c in chunks), key=order)


def custom_chunks(chunks: list[Any], labels: Labels) -> list[Any]:
    """``stream_mode="custom"`` chunks, sorted: parallel nodes write as they happen to run."""
    return sorted((plain(c, labels) for c in chunks), key=order)


# What the "messages" mode's metadata says that both engines can agree on: the task's
# place (the namespace without its task ids), not the run's ids, versions or model keys.
TASK_KEYS = (
    "langgraph_node",
    "langgraph_step",
    "langgraph_triggers",
    "langgraph_path",
    "langgraph_checkpoint_ns",
)


def messages_chunks(items: list[Any], labels: Labels) -> list[Any]:
    """``stream_mode="messages"`` items ``(message, metadata)``, each as the message and
    its ``TASK_KEYS``, grouped by task: a task's chunks in the order it sent them, the
    tasks sorted by step (the tasks of one step end as they happen to)."""
    tasks: dict[str, list[Any]] = {}
    for message, metadata in items:
        place = {k: metadata.get(k) for k in TASK_KEYS}
        place["langgraph_checkpoint_ns"] = namespace(metadata.get("langgraph_checkpoint_ns", ""))
        chunk = [plain(message, labels), plain(place, labels)]
        tasks.setdefault(metadata.get("langgraph_checkpoint_ns", ""), []).append(chunk)
    return sorted(tasks.values(), key=lambda task: (task[0][1]["langgraph_step"], order(task)))


def mode_chunks(items: list[Any], modes: list[str], labels: Labels) -> dict[str, Any]:
    """``stream_mode=[...]`` items ``(mode, chunk)``: each mode's chunks as alone."""
    shapes = {
        "values": values_chunks,
        "updates": updates_chunks,
        "custom": custom_chunks,
        "messages": messages_chunks,
    }
    return {m: shapes[m]([c for mode, c in items if mode == m], labels) for m in modes}


def values_chunks(chunks: list[Any], labels: Labels) -> list[Any]:
    """``stream_mode="values"`` chunks in order, except that the chunks of one pause
    (one per task that asked, in the order the tasks happened to end) are sorted."""
    out: list[Any] = []
    run: list[Any] = []
    for chunk in (result(c, labels) for c in chunks):
        if isinstance(chunk, dict) and "__interrupt__" in chunk:
            run.append(chunk)
            continue
        out += sorted(run, key=order)
        run = []
        out.append(chunk)
    return out + sorted(run, key=order)
