"""Errors raised by the write side.

Exception tree (each class also inherits the builtin it resembles)::

    BranchlineError
    ├── ThreadNotFound (LookupError)
    ├── CheckpointNotFound (LookupError)
    ├── InvalidCommand (ValueError)
    ├── ConcurrentUpdate (RuntimeError)
    ├── StoreConfigError (ValueError)
    ├── StoreReadOnly (PermissionError)
    ├── StoreUnavailable (ConnectionError)
    ├── InvalidThreadId (ValueError)
    ├── EventTooLarge (ValueError)
    └── UnreadableEvent (ValueError)

The codec's own errors (``CodecError``, ``UnsupportedValueError``) live in
``domain.codec`` and also derive from ``BranchlineError``.
"""

from __future__ import annotations

from uuid import UUID


class BranchlineError(Exception):
    """Base class of every error Branchline raises on purpose."""


class ThreadNotFound(BranchlineError, LookupError):
    """A thread id names no stored thread."""


class CheckpointNotFound(BranchlineError, LookupError):
    """A checkpoint id is malformed, unknown, or belongs to another thread."""


class InvalidCommand(BranchlineError, ValueError):
    """A command was refused before anything was written."""


class ConcurrentUpdate(BranchlineError, RuntimeError):
    """Another writer advanced the thread first; nothing of this call was written."""


class StoreConfigError(BranchlineError, ValueError):
    """A store was configured with missing or contradictory settings."""


class StoreReadOnly(BranchlineError, PermissionError):
    """A write to a database this process may only read (a read-only file, directory or
    filesystem); it was opened for inspection and nothing was written."""


class StoreUnavailable(BranchlineError, ConnectionError):
    """The database server could not be reached, or the connection to it was lost and
    could not be made again; the call can be retried once the server is back."""


class InvalidThreadId(BranchlineError, ValueError):
    """A thread id is empty, too long, or holds control characters."""


class EventTooLarge(BranchlineError, ValueError):
    """An event is over the store's size limit; nothing of its append was written."""


class UnreadableEvent(BranchlineError, ValueError):
    """A stored event cannot be read: damaged bytes, another key, or a type this Branchline
    does not know. ``stream`` is the id of its thread's stream, when known."""

    def __init__(self, message: str, *, stream: UUID | None = None) -> None:
        super().__init__(message)
        self.stream = stream
