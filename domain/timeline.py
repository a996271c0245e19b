"""A thread's checkpoint tree, folded from its stream in one pass.

Every checkpoint has a parent; the tree's leaves are the heads of its branches. The
first branch starts at the thread's first checkpoint; another starts wherever a
checkpoint gets a second child (a fork), and runs to its leaf. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from domain.events import CheckpointEvent, Forked, ThreadEvent
from domain.evolve import evolve
from domain.thread import Thread


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

    @classmethod
    def of(cls, events: Iterable[ThreadEvent]) -> Timeline:
        """Fold a whole stream into its timeline."""
        timeline, thread, fork = cls(), None, None
        for event in events:
            thread = evolve(thread, event)
            if isinstance(event, Forked):
                fork = event
            elif thread.head is not None:
                version = thread.head.version
                if isinstance(event, CheckpointEvent) and fork is not None:
                    timeline.forks[version], fork = fork, None
                timeline.states[version] = thread
            if thread.head is not None:
                timeline.head = thread.head.version
        return timeline

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
        return [v for v in self.states if self.parent(v) == version]

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
        path = [version]
        while children := self.children(path[-1]):
            path.append(children[0])
        return path

    def branches(self) -> list[BranchInfo]:
        """Every branch, oldest first.

        A checkpoint's oldest child continues its branch; each younger child starts a
        branch of its own (so switching to a branch's head and going on grows it).
        """
        starts = []
        for version in self.states:
            parent = self.parent(version)
            if parent is None or self.children(parent)[0] != version:
                starts.append(version)
        return [self._branch(first) for first in starts]

    def _branch(self, first: int) -> BranchInfo:
        path = [first]
        while children := self.children(path[-1]):
            path.append(children[0])
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
