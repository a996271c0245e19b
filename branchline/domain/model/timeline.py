"""A thread's checkpoint tree, folded from its stream in one pass.

Every checkpoint has a parent; the tree's leaves are the heads of its branches. The
first branch starts at the thread's first checkpoint; another starts wherever a
checkpoint gets a second child (a fork), and runs to its leaf. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from branchline.domain.model.events import (
    CheckpointEvent,
    Forked,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
)
from branchline.domain.model.evolve import carried_results, closed, evolve, settled
from branchline.domain.model.thread import Thread


@dataclass(frozen=True)
class BranchInfo:
    """One branch: the checkpoint it grew from, its head, and who started it."""

    root: int | None
    first: int
    head: int
    length: int
    created_at: datetime
    created_by: str | None
    name: str | None


@dataclass
class Timeline:
    """Checkpoints by version, each with the task results recorded on it."""

    states: dict[int, Thread] = field(default_factory=dict)
    forks: dict[int, Forked] = field(default_factory=dict)
    head: int | None = None
    thread: Thread | None = None
    _fork: Forked | None = None

    @classmethod
    def starting_at(cls, thread: Thread) -> Timeline:
        """A timeline that begins with ``thread`` at one of its checkpoints (a partial fold)."""
        assert thread.head is not None
        return cls({thread.head.version: thread}, {}, thread.head.version, thread)

    @classmethod
    def of(cls, events: Iterable[ThreadEvent]) -> Timeline:
        """Fold a whole stream into its timeline."""
        return cls().extend(events)

    @property
    def version(self) -> int:
        """The stream version folded so far (0 for none)."""
        return self.thread.version if self.thread else 0

    def extend(self, events: Iterable[ThreadEvent]) -> Timeline:
        """Fold more events of the same stream, in order; returns self."""
        thread, fork, states = self.thread, self._fork, self.states
        events = list(events)
        ahead: list[ThreadEvent | None] = [*events[1:], None] if events else []
        settled_already = False
        for event, following in zip(events, ahead, strict=True):
            if isinstance(event, StepCompleted) and thread is not None:
                if event.results and not settled_already:
                    # The step's own results belong to the checkpoint it closes.
                    thread = settled(thread, event)
                    if thread.head is not None:
                        states[thread.head.version] = thread
                # When the next step carries results, they go straight onto this one's
                # checkpoint: one state a step, not two.
                carrier = following if isinstance(following, StepCompleted) else None
                settled_already = carrier is not None and bool(carrier.results)
                carried = carried_results(carrier) if carrier is not None else ()
                thread = closed(thread, event, carried)
            else:
                settled_already = False
                # The tasks an update was made as show its writes as their results.
                if isinstance(event, StateUpdated) and event.results and thread and thread.head:
                    states[thread.head.version] = settled(thread, event)
                thread = evolve(thread, event)
            head = thread.head
            if isinstance(event, Forked):
                fork = event
            elif head is not None:
                if fork is not None and isinstance(event, CheckpointEvent):
                    self.forks[head.version], fork = fork, None
                states[head.version] = thread
            if head is not None:
                self.head = head.version
        self.thread, self._fork = thread, fork
        return self

    def copy(self) -> Timeline:
        """A copy that later ``extend`` calls on this one leave unchanged."""
        return Timeline(dict(self.states), dict(self.forks), self.head, self.thread, self._fork)

    def checkpoints(self) -> list[Thread]:
        """Every checkpoint, oldest first."""
        return list(self.states.values())

    def parent(self, version: int) -> int | None:
        """The checkpoint a checkpoint was made from."""
        head = self.states[version].head
        assert head is not None
        return head.parent

    def children(self, version: int) -> list[int]:
        """Checkpoints made from ``version``, oldest first."""
        return self.child_map().get(version, [])

    def child_map(self) -> dict[int | None, list[int]]:
        """Every checkpoint's children, oldest first, in one pass."""
        children: dict[int | None, list[int]] = {}
        for version, state in self.states.items():
            assert state.head is not None
            children.setdefault(state.head.parent, []).append(version)
        return children

    def lineage(self, version: int) -> list[int]:
        """``version`` and its ancestors, newest first."""
        chain: list[int] = []
        current: int | None = version
        while current is not None:
            chain.append(current)
            current = self.parent(current)
        return chain

    def descend(self, version: int) -> list[int]:
        """From ``version`` to the head of its branch: towards the thread's head if it
        is a descendant, otherwise along the oldest child at each fork."""
        chain = self.lineage(self.head) if self.head is not None else []
        if version in chain:
            return list(reversed(chain[: chain.index(version) + 1]))
        return self._oldest_path(version, self.child_map())

    def branches(self) -> list[BranchInfo]:
        """Every branch, oldest first.

        A checkpoint's oldest child continues its branch; each younger child starts a
        branch of its own (so switching to a branch's head and going on grows it).
        """
        children = self.child_map()
        starts = []
        for version in self.states:
            parent = self.parent(version)
            if parent is None or children[parent][0] != version:
                starts.append(version)
        return [self._branch(first, children) for first in starts]

    @staticmethod
    def _oldest_path(first: int, children: dict[int | None, list[int]]) -> list[int]:
        path = [first]
        while kids := children.get(path[-1]):
            path.append(kids[0])
        return path

    def _branch(self, first: int, children: dict[int | None, list[int]]) -> BranchInfo:
        path = self._oldest_path(first, children)
        fork = self.forks.get(first)
        head = self.states[first].head
        assert head is not None
        return BranchInfo(
            root=self.parent(first),
            first=first,
            head=path[-1],
            length=len(path),
            created_at=fork.timestamp if fork else head.created_at,
            created_by=fork.actor if fork else None,
            name=fork.name if fork else None,
        )
