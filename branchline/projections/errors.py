"""Errors raised by the read models.

Exception tree (each class also inherits the builtin it resembles)::

    BranchlineError                 (domain.errors)
    └── ProjectionError
        ├── UnknownStream (LookupError)
        ├── LogMismatch (ValueError)
        ├── ViewsConfigError (ValueError)
        └── ConnectionLost (ConnectionError)
"""

from __future__ import annotations

from branchline.domain.model.errors import BranchlineError


class ProjectionError(BranchlineError):
    """Base class of the errors the read models raise."""


class UnknownStream(ProjectionError, LookupError):
    """An event belongs to a stream whose ``ThreadStarted`` the views never saw."""


class LogMismatch(ProjectionError, ValueError):
    """A views file is further along than the event log it is attached to."""


class ViewsConfigError(ProjectionError, ValueError):
    """Views were opened with an impossible setting."""


class ConnectionLost(ProjectionError, ConnectionError):
    """The PostgreSQL server dropped the views' connection; retrying opens a new one."""
