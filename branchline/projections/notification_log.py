"""What the views follow: a store's notification log, in the shape they need of it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from branchline.domain.model.errors import UnreadableEvent
from branchline.domain.model.events import ThreadEvent


class NotificationLog(Protocol):
    """What the views need of an event store; ``branchline.CheckpointStore`` provides it."""

    @property
    def path(self) -> Path | None:
        """The SQLite file of the log, or None if it lives in memory."""

    @property
    def encrypted(self) -> bool:
        """True if the log is encrypted at rest (its views then stay in memory)."""

    def notifications(
        self, after: int, limit: int = 500
    ) -> list[tuple[int, ThreadEvent | UnreadableEvent]]:
        """Events of every thread in record order, after a log position; a row that cannot
        be read comes as the error that says why."""

    def max_position(self) -> int:
        """The log position of the latest event (0 if none)."""

    def subscribe(self, listener: Callable[[Sequence[tuple[int, ThreadEvent]]], None]) -> None:
        """Call ``listener`` after every successful append."""

    def shard_logs(self) -> Sequence[NotificationLog]:
        """The log of each shard of a sharded store (the log itself otherwise)."""
