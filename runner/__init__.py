"""The graph API (LangGraph-compatible) and the command line."""

from domain.store import CheckpointStore
from runner.builder import StateGraph
from runner.compiled import CompiledStateGraph
from runner.errors import (
    AmbiguousResume,
    EmptyInputError,
    GraphError,
    GraphRecursionError,
    GraphValidationError,
    InterruptNotPending,
    InvalidConfigError,
    InvalidUpdateError,
)
from runner.interrupts import GraphInterrupt, NodeInterrupt, interrupt
from runner.reducers import add_messages
from runner.types import END, START, Command, Interrupt, PregelTask, StateSnapshot

__all__ = [
    "END",
    "START",
    "AmbiguousResume",
    "CheckpointStore",
    "Command",
    "CompiledStateGraph",
    "EmptyInputError",
    "GraphError",
    "GraphInterrupt",
    "GraphRecursionError",
    "GraphValidationError",
    "Interrupt",
    "InterruptNotPending",
    "InvalidConfigError",
    "InvalidUpdateError",
    "NodeInterrupt",
    "PregelTask",
    "StateGraph",
    "StateSnapshot",
    "add_messages",
    "interrupt",
]
