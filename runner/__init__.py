"""The graph API (LangGraph-compatible) and the command line."""

from domain.store import CheckpointStore
from runner.builder import StateGraph
from runner.compiled import CompiledStateGraph
from runner.errors import (
    EmptyInputError,
    GraphError,
    GraphRecursionError,
    GraphValidationError,
    InvalidConfigError,
    InvalidUpdateError,
)
from runner.reducers import add_messages
from runner.types import END, START, Command, Interrupt, PregelTask, StateSnapshot

__all__ = [
    "END",
    "START",
    "CheckpointStore",
    "Command",
    "CompiledStateGraph",
    "EmptyInputError",
    "GraphError",
    "GraphRecursionError",
    "GraphValidationError",
    "Interrupt",
    "InvalidConfigError",
    "InvalidUpdateError",
    "PregelTask",
    "StateGraph",
    "StateSnapshot",
    "add_messages",
]
