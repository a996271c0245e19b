"""Time travel beyond LangGraph: lineages, branches, diffs and replay without execution."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from branchline.domain.model.ids import checkpoint_id
from branchline.domain.model.thread import Thread
from branchline.domain.model.timeline import Timeline
from branchline.runner.snapshots import config_of


class Branch(NamedTuple):
    """A branch of a thread: where it grew from, its head, and who started it."""

    name: str | None
    root_config: dict[str, Any] | None
    head_config: dict[str, Any]
    length: int
    created_at: str
    created_by: str | None


@dataclass(frozen=True)
class Change:
    """One checkpoint on one side of a diff: what made it, and who."""

    checkpoint_id: str
    step: int
    source: str
    nodes: tuple[str, ...]
    actors: tuple[str, ...]


@dataclass(frozen=True)
class Diff:
    """Two checkpoints compared: their common ancestor, what happened on each side, values."""

    ancestor: dict[str, Any] | None
    left: list[Change] = field(default_factory=list)
    right: list[Change] = field(default_factory=list)
    values: dict[str, tuple[Any, Any]] = field(default_factory=dict)


class _Missing(str):
    """What a diff shows for a key one side lacks: equal to the text ``"<missing>"``, and
    told apart from a value that is that text by identity (``is MISSING``)."""


MISSING = _Missing("<missing>")


def branches(timeline: Timeline, thread_id: str) -> list[Branch]:
    """Every branch of a thread, oldest first."""
    return [
        Branch(
            name=info.name,
            root_config=None if info.root is None else config_of(timeline.states[info.root]),
            head_config=config_of(timeline.states[info.head]),
            length=info.length,
            created_at=info.created_at.isoformat(),
            created_by=info.created_by,
        )
        for info in timeline.branches()
    ]


def _change(timeline: Timeline, version: int) -> Change:
    """What made checkpoint ``version``: the nodes of its step and the people involved.

    A loop checkpoint credits whoever answered the interrupts of the step that made it;
    an update its editor; a fork whoever forked.
    """
    state = timeline.states[version]
    head = state.head
    assert head is not None
    actors: list[str] = []
    fork = timeline.forks.get(version)
    if head.source == "update":
        actors.append(head.actor or "unknown")
    elif head.source == "fork" and fork is not None:
        actors.append(fork.actor or "unknown")
    elif head.parent is not None and head.parent in timeline.states:
        parent = timeline.states[head.parent]
        actors += [
            r.actor or "unknown" for r in parent.interrupts if r.answered and r.node in head.writers
        ]
    checkpoint = checkpoint_id(state.thread_id, version)
    return Change(checkpoint, head.step, head.source, head.writers, tuple(dict.fromkeys(actors)))


def diff(timeline: Timeline, a: int, b: int) -> Diff:
    """Compare checkpoints ``a`` and ``b`` of one thread."""
    left, right = timeline.lineage(a), timeline.lineage(b)
    common = next((v for v in left if v in set(right)), None)
    only_left = left[: left.index(common)] if common is not None else left
    only_right = right[: right.index(common)] if common is not None else right
    va, vb = timeline.states[a].values, timeline.states[b].values
    changed = {
        k: (va.get(k, MISSING), vb.get(k, MISSING))
        for k in {*va, *vb}
        if va.get(k, MISSING) != vb.get(k, MISSING)
    }
    return Diff(
        ancestor=None if common is None else config_of(timeline.states[common]),
        left=[_change(timeline, v) for v in reversed(only_left)],
        right=[_change(timeline, v) for v in reversed(only_right)],
        values=dict(sorted(changed.items())),
    )


def recorded(timeline: Timeline, start: int, modes: Sequence[str]) -> Iterator[tuple[str, Any]]:
    """The recorded steps of a branch from ``start``: values and updates, nothing executed."""
    path = timeline.descend(start)
    if "values" in modes:
        yield "values", timeline.states[start].values
    for previous, version in itertools.pairwise(path):
        state = timeline.states[version]
        if "updates" in modes:
            yield from (
                ("updates", update) for update in _updates(timeline.states[previous], state)
            )
        if "values" in modes:
            yield "values", state.values


def _updates(before: Thread, after: Thread) -> list[dict[str, Any]]:
    """The ``{node: writes}`` chunks that led from one checkpoint to the next."""
    head = after.head
    assert head is not None
    if head.source == "loop":
        return [
            {r.node: {**r.assigned, **r.appended} or None}
            for r in before.results
            if r.error is None and r.node != "__start__"
        ]
    return []
