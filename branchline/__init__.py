"""Branchline: durable agent workflows that pause for people, with the LangGraph API.

Everything a user needs is importable from here::

    from branchline import END, START, CheckpointStore, Command, StateGraph, interrupt

The errors Branchline raises on purpose form one tree (each class also inherits the
builtin it resembles, so ``except LookupError`` keeps working)::

    BranchlineError
    ├── ThreadNotFound (LookupError)
    ├── CheckpointNotFound (LookupError)
    ├── InvalidCommand (ValueError)
    ├── ConcurrentUpdate (RuntimeError)        another writer got there first: retry
    ├── StoreConfigError (ValueError)
    ├── StoreReadOnly (PermissionError)       a write to a database opened read-only
    ├── StoreUnavailable (ConnectionError)    the server is unreachable: retry later
    ├── InvalidThreadId (ValueError)
    ├── EventTooLarge (ValueError)
    ├── UnreadableEvent (ValueError)
    ├── CodecError (ValueError)
    │   └── UnsupportedValueError (TypeError)  a value the codec cannot store
    ├── GraphError
    │   ├── GraphValidationError (ValueError)
    │   ├── CheckpointerTypeError (TypeError)  compile() given something that is not a store
    │   ├── InvalidConfigError (ValueError)
    │   ├── InvalidUpdateError (ValueError)
    │   ├── ReducerTypeError (TypeError)       a write of the wrong type for a reducer
    │   ├── EmptyInputError (ValueError)
    │   ├── GraphRecursionError (RecursionError)
    │   ├── InterruptNotPending (LookupError)
    │   ├── InvalidAnswer (ValueError)         an answer its question does not allow
    │   ├── NotAllowedToAnswer (PermissionError)  a question only some may answer
    │   ├── QuestionExpired (LookupError)      a question past its deadline
    │   └── AmbiguousResume (ValueError, RuntimeError)
    └── ProjectionError
        ├── UnknownStream (LookupError)
        ├── LogMismatch (ValueError)
        ├── ViewsConfigError (ValueError)
        └── ConnectionLost (ConnectionError)   PostgreSQL dropped the views' connection: retry

``GraphInterrupt`` and ``NodeInterrupt`` are signals, not errors: a node raises them to
pause its run, and they never reach the caller of ``invoke``.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from branchline.domain.model.errors import (
    BranchlineError,
    CheckpointNotFound,
    ConcurrentUpdate,
    EventTooLarge,
    InvalidCommand,
    InvalidThreadId,
    StoreConfigError,
    StoreReadOnly,
    StoreUnavailable,
    ThreadNotFound,
    UnreadableEvent,
)
from branchline.domain.store.checkpoint_store import CheckpointStore
from branchline.domain.store.codec import CodecError, UnsupportedValueError
from branchline.projections.errors import (
    ConnectionLost,
    LogMismatch,
    ProjectionError,
    UnknownStream,
    ViewsConfigError,
)
from branchline.runner.builder import StateGraph
from branchline.runner.compiled import CompiledStateGraph
from branchline.runner.errors import (
    AmbiguousResume,
    CheckpointerTypeError,
    EmptyInputError,
    GraphError,
    GraphRecursionError,
    GraphValidationError,
    InterruptNotPending,
    InvalidAnswer,
    InvalidConfigError,
    InvalidUpdateError,
    NotAllowedToAnswer,
    QuestionExpired,
    ReducerTypeError,
)
from branchline.runner.human_review import (
    ActionRequest,
    HumanInterrupt,
    HumanInterruptConfig,
    HumanResponse,
    human_review,
)
from branchline.runner.interrupts import GraphInterrupt, NodeInterrupt, interrupt
from branchline.runner.managed import RemainingSteps
from branchline.runner.messages import REMOVE_ALL_MESSAGES, MessagesState, add_messages
from branchline.runner.node_cache import CachePolicy, InMemoryCache
from branchline.runner.overwrite import Overwrite
from branchline.runner.reducers import DeltaChannel
from branchline.runner.retry import RetryPolicy
from branchline.runner.runtime import (
    Runtime,
    StreamWriter,
    get_config,
    get_runtime,
    get_stream_writer,
)
from branchline.runner.time_travel import Branch, Diff
from branchline.runner.types import (
    END,
    START,
    Command,
    Interrupt,
    PregelTask,
    Send,
    StateSnapshot,
    StateUpdate,
)

if TYPE_CHECKING:
    from branchline.bootstrap import copy_thread, open_views
    from branchline.projections import (
        CheckpointRow,
        Decision,
        PendingInterrupt,
        SkippedEvent,
        ThreadRow,
        Views,
    )

# The read models load when first named (sqlite-utils under them): see projections.
_LAZY = {
    "CheckpointRow": "branchline.projections",
    "Decision": "branchline.projections",
    "PendingInterrupt": "branchline.projections",
    "SkippedEvent": "branchline.projections",
    "ThreadRow": "branchline.projections",
    "Views": "branchline.projections",
    "copy_thread": "branchline.bootstrap",
    "open_views": "branchline.bootstrap",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


__version__ = "0.2.0"

__all__ = [
    "END",
    "REMOVE_ALL_MESSAGES",
    "START",
    "ActionRequest",
    "AmbiguousResume",
    "Branch",
    "BranchlineError",
    "CachePolicy",
    "CheckpointNotFound",
    "CheckpointRow",
    "CheckpointStore",
    "CheckpointerTypeError",
    "CodecError",
    "Command",
    "CompiledStateGraph",
    "ConcurrentUpdate",
    "ConnectionLost",
    "Decision",
    "DeltaChannel",
    "Diff",
    "EmptyInputError",
    "EventTooLarge",
    "GraphError",
    "GraphInterrupt",
    "GraphRecursionError",
    "GraphValidationError",
    "HumanInterrupt",
    "HumanInterruptConfig",
    "HumanResponse",
    "InMemoryCache",
    "Interrupt",
    "InterruptNotPending",
    "InvalidAnswer",
    "InvalidCommand",
    "InvalidConfigError",
    "InvalidThreadId",
    "InvalidUpdateError",
    "LogMismatch",
    "MessagesState",
    "NodeInterrupt",
    "NotAllowedToAnswer",
    "Overwrite",
    "PendingInterrupt",
    "PregelTask",
    "ProjectionError",
    "QuestionExpired",
    "ReducerTypeError",
    "RemainingSteps",
    "RetryPolicy",
    "Runtime",
    "Send",
    "SkippedEvent",
    "StateGraph",
    "StateSnapshot",
    "StateUpdate",
    "StoreConfigError",
    "StoreReadOnly",
    "StoreUnavailable",
    "StreamWriter",
    "ThreadNotFound",
    "ThreadRow",
    "UnknownStream",
    "UnreadableEvent",
    "UnsupportedValueError",
    "Views",
    "ViewsConfigError",
    "__version__",
    "add_messages",
    "copy_thread",
    "get_config",
    "get_runtime",
    "get_stream_writer",
    "human_review",
    "interrupt",
    "open_views",
]
