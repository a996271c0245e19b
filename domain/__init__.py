"""The write side: thread events, the Thread aggregate and the event store."""

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
    InputReceived,
    NodeCompleted,
    NodeFailed,
    StateUpdated,
    StepCompleted,
    ThreadEvent,
    ThreadStarted,
)
from domain.ids import checkpoint_id, checkpoint_version, stream_id, task_id
from domain.store import Appended, CheckpointStore
from domain.thread import (
    START,
    Checkpoint,
    TaskResult,
    Thread,
    ThreadSnapshot,
    apply_writes,
    evolve,
)

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
    "InputReceived",
    "InvalidCommand",
    "NodeCompleted",
    "NodeFailed",
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
    "stream_id",
    "task_id",
]
