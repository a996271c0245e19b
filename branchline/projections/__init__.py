"""Read models across threads, kept in their own SQLite file and rebuilt from the log."""

from branchline.projections.audit import Decision
from branchline.projections.checkpoint_tree import CheckpointRow
from branchline.projections.errors import (
    ConnectionLost,
    LogMismatch,
    ProjectionError,
    UnknownStream,
    ViewsConfigError,
)
from branchline.projections.notification_log import NotificationLog
from branchline.projections.pending_interrupts import PendingInterrupt
from branchline.projections.skipped import SkippedEvent
from branchline.projections.threads import ThreadRow
from branchline.projections.views import Views, views_path

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
