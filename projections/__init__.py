"""Read models across threads, kept in their own SQLite file and rebuilt from the log."""

from projections.audit import Decision
from projections.checkpoint_tree import CheckpointRow
from projections.errors import LogMismatch, ProjectionError, UnknownStream, ViewsConfigError
from projections.pending_interrupts import PendingInterrupt
from projections.threads import ThreadRow
from projections.views import NotificationLog, Views, views_path

__all__ = [
    "CheckpointRow",
    "Decision",
    "LogMismatch",
    "NotificationLog",
    "PendingInterrupt",
    "ProjectionError",
    "ThreadRow",
    "UnknownStream",
    "Views",
    "ViewsConfigError",
    "views_path",
]
