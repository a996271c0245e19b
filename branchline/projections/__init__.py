"""Read models across threads, kept in their own SQLite file and rebuilt from the log."""

from branchline.projections.audit import Decision
from branchline.projections.checkpoint_tree import CheckpointRow
from branchline.projections.errors import (
    LogMismatch,
    ProjectionError,
    UnknownStream,
    ViewsConfigError,
)
from branchline.projections.pending_interrupts import PendingInterrupt
from branchline.projections.threads import ThreadRow
from branchline.projections.views import NotificationLog, Views, views_path

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
