"""The write side: thread events, the Thread aggregate and the event store."""

from branchline.domain.model.checkpoint import (
    START,
    Checkpoint,
    InterruptRecord,
    TaskResult,
    apply_writes,
)
from branchline.domain.model.errors import (
    BranchlineError,
    CheckpointNotFound,
    ConcurrentUpdate,
    InvalidCommand,
    StoreConfigError,
    ThreadNotFound,
)
from branchline.domain.model.events import (
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
from branchline.domain.model.evolve import evolve, project
from branchline.domain.model.ids import checkpoint_id, checkpoint_version, stream_id, task_id
from branchline.domain.model.thread import Thread
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.codec import Codec, CodecError, UnsupportedValueError
from branchline.domain.store.eventlog import Appended

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
