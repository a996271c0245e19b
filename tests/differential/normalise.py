"""Observables as plain, comparable data: never an engine's own ids.

Interrupt ids become labels (``#0``, ``#1``... per question, in the order a side showed them),
checkpoints become positions in the thread's history (newest first), so two engines
that made the same checkpoints and asked the same questions give equal data.
"""

from __future__ import annotations

from typing import Any


class Labels:
    """Interrupt ids of one side as labels: ``#k`` is the k-th distinct id this side
    showed for the same question (value), so a question asked anew gets a new label and
    a question still pending keeps its own."""

    def __init__(self) -> None:
        self._labels: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

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
    return value


def interrupt(item: Any, labels: Labels) -> list[Any]:
    """An interrupt as ``[value, label]``."""
    return [item.value, labels(item.value, item.id)]


def interrupts(items: Any, labels: Labels) -> list[Any]:
    """Interrupts sorted by value (the order an engine lists them in is not promised)."""
    return sorted((interrupt(i, labels) for i in items), key=repr)


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
        "tasks": sorted(
            ([t.name, interrupts(t.interrupts, labels)] for t in snapshot.tasks), key=repr
        ),
    }


def updates_chunks(chunks: list[Any], labels: Labels) -> list[Any]:
    """``stream_mode="updates"`` chunks; within one step the order is not compared."""
    return sorted((plain(c, labels) for c in chunks), key=repr)


def values_chunks(chunks: list[Any], labels: Labels) -> list[Any]:
    """``stream_mode="values"`` chunks in order, except that the chunks of one pause
    (one per task that asked, in the order the tasks happened to end) are sorted."""
    out: list[Any] = []
    run: list[Any] = []
    for chunk in (result(c, labels) for c in chunks):
        if isinstance(chunk, dict) and "__interrupt__" in chunk:
            run.append(chunk)
            continue
        out += sorted(run, key=repr)
        run = []
        out.append(chunk)
    return out + sorted(run, key=repr)
