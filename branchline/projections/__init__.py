"""Read models across threads, kept in their own SQLite file and rebuilt from the log.

The errors load with the package; the views and their rows (sqlite-utils under them)
load when first named, so ``import branchline`` does not pay for read models a program
never opens.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from branchline.projections.errors import (
    ConnectionLost,
    LogMismatch,
    ProjectionError,
    UnknownStream,
    ViewsConfigError,
)

if TYPE_CHECKING:
    from branchline.projections.audit import Decision
    from branchline.projections.checkpoint_tree import CheckpointRow
    from branchline.projections.notification_log import NotificationLog
    from branchline.projections.pending_interrupts import PendingInterrupt
    from branchline.projections.skipped import SkippedEvent
    from branchline.projections.threads import ThreadRow
    from branchline.projections.views import Views, views_path

# Each name loaded on first use, from its module.
_LAZY = {
    "CheckpointRow": "checkpoint_tree",
    "Decision": "audit",
    "NotificationLog": "notification_log",
    "PendingInterrupt": "pending_interrupts",
    "SkippedEvent": "skipped",
    "ThreadRow": "threads",
    "Views": "views",
    "views_path": "views",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CheckpointRow",
    "ConnectionLost",
    "Decision",
    "LogMismatch",
    "NotificationLog",
    "PendingInterrupt",
    "ProjectionError",
    "SkippedEvent",
    "ThreadRow",
    "UnknownStream",
    "Views",
    "ViewsConfigError",
    "views_path",
]
