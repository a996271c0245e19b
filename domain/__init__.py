"""The write side: thread events, the Thread aggregate and the event store."""

from domain.checkpoint import START, Checkpoint, InterruptRecord, TaskResult, apply_writes
from domain.codec import Codec, CodecError, UnsupportedValueError
from domain.errors import (
    BranchlineError,
    CheckpointNotFound,
    ConcurrentUpdate,
    InvalidCommand,
    StoreConfigError,
    ThreadNotFound,
)
from domain.events import (
    EVENT_TYPES,
    CheckpointEvent,
    Forked,
    InputReceived,
    Interrupted,
    InterruptSuperseded,
    NodeCompleted,
    NodeFailed,
    Paused,
    Replayed,
    Resumed,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
    ThreadSnapshot,
    ThreadStarted,
)
from domain.evolve import evolve, project
from domain.ids import checkpoint_id, checkpoint_version, stream_id, task_id
from domain.store import Appended, CheckpointStore
from domain.thread import Thread

__all__ = [
    "EVENT_TYPES",
    "START",
    "Appended",
    "BranchlineError",
    "Checkpoint",
    "CheckpointEvent",
    "CheckpointNotFound",
    "CheckpointStore",
    "Codec",
    "CodecError",
    "ConcurrentUpdate",
    "Forked",
    "InputReceived",
    "InterruptRecord",
    "InterruptSuperseded",
    "Interrupted",
    "InvalidCommand",
    "NodeCompleted",
    "NodeFailed",
    "Paused",
    "Replayed",
    "Resumed",
    "StateUpdated",
    "StepCompleted",
    "StoreConfigError",
    "TaskResult",
    "Thread",
    "ThreadEvent",
    "ThreadNotFound",
    "ThreadSnapshot",
    "ThreadStarted",
    "UnsupportedValueError",
    "apply_writes",
    "checkpoint_id",
    "checkpoint_version",
    "evolve",
    "project",
    "stream_id",
    "task_id",
]
