"""The three sides a sequence runs on: LangGraph (InMemorySaver), Branchline in memory,
Branchline on an SQLite file. Each side runs one thread of one compiled graph, called
through the graph's face (``faces.py``: the sync API, or the async one on a loop of the
side's own)."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path
from typing import Annotated, Any

import langgraph.errors as lg_errors
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer as langgraph_stream_writer
from langgraph.graph import StateGraph as LangGraphStateGraph
from langgraph.graph.message import add_messages as langgraph_add_messages
from langgraph.types import Command as LangGraphCommand
from langgraph.types import RetryPolicy as LangGraphRetryPolicy
from langgraph.types import Send as LangGraphSend
from langgraph.types import StateUpdate as LangGraphStateUpdate
from langgraph.types import interrupt as langgraph_interrupt
from langgraph.warnings import LangGraphDeprecatedSinceV10

import branchline
from tests.differential.faces import faced
from tests.differential.graphs import Engine, GraphSpec, State, build

# LangGraph warns each time a node raises NodeInterrupt (deprecated since 1.0); the
# graphs raise it on purpose, in worker threads where catch_warnings cannot reach.
warnings.filterwarnings("ignore", category=LangGraphDeprecatedSinceV10)

THREAD = {"configurable": {"thread_id": "t"}}


class LangGraphChatState(State, total=False):
    """The graphs' state with LangChain messages, as LangGraph reduces them."""

    messages: Annotated[list[Any], langgraph_add_messages]


class BranchlineChatState(State, total=False):
    """The graphs' state with LangChain messages, as Branchline reduces them."""

    messages: Annotated[list[Any], branchline.add_messages]


def langgraph_engine() -> Engine:
    """The names of LangGraph 1.2.22."""
    return Engine(
        "langgraph",
        LangGraphStateGraph,
        langgraph_interrupt,
        lg_errors.NodeInterrupt,
        LangGraphCommand,
        LangGraphSend,
        LangGraphRetryPolicy,
        langgraph_stream_writer,
        LangGraphChatState,
    )


def branchline_engine(name: str) -> Engine:
    """The names of Branchline."""
    return Engine(
        name,
        branchline.StateGraph,
        branchline.interrupt,
        branchline.NodeInterrupt,
        branchline.Command,
        branchline.Send,
        branchline.RetryPolicy,
        branchline.get_stream_writer,
        BranchlineChatState,
    )


class Side:
    """One engine running one thread of the graph."""

    def __init__(
        self, engine: Engine, spec: GraphSpec, saver: Any, close: Any = None, update: Any = None
    ) -> None:
        self.engine = engine
        self.spec = spec
        self.builder = build(spec, engine)
        self.loop = asyncio.new_event_loop() if spec.face == "async" else None
        self._update = update  # the engine's StateUpdate, for abulk_update_state
        self.graph = self._faced(
            self.builder.compile(
                checkpointer=saver,
                interrupt_before=list(spec.interrupt_before) or None,
                interrupt_after=list(spec.interrupt_after) or None,
            )
        )
        self._close = close

    def _faced(self, graph: Any) -> Any:
        return faced(graph, self.spec.face, self.loop, self._update)

    @property
    def name(self) -> str:
        """The side's name in reports."""
        return self.engine.name

    def stateless(self) -> Any:
        """The same graph compiled without a checkpointer (through the same face)."""
        return self._faced(
            self.builder.compile(
                interrupt_before=list(self.spec.interrupt_before) or None,
                interrupt_after=list(self.spec.interrupt_after) or None,
            )
        )

    def close(self) -> None:
        """Release the side's store and loop."""
        if self._close is not None:
            self._close()
        if self.loop is not None:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()


def sides(spec: GraphSpec, tmp: Path) -> list[Side]:
    """LangGraph first, then Branchline in memory and on an SQLite file in ``tmp``."""
    memory = branchline.CheckpointStore.in_memory()
    sqlite = branchline.CheckpointStore.sqlite(str(tmp / "threads.db"))
    return [
        Side(langgraph_engine(), spec, InMemorySaver(), update=LangGraphStateUpdate),
        Side(
            branchline_engine("branchline-memory"),
            spec,
            memory,
            memory.close,
            branchline.StateUpdate,
        ),
        Side(
            branchline_engine("branchline-sqlite"),
            spec,
            sqlite,
            sqlite.close,
            branchline.StateUpdate,
        ),
    ]


LANGGRAPH_ERRORS = {
    "GraphRecursionError": "recursion",
    "InvalidUpdateError": "invalid_update",
    "EmptyInputError": "empty_input",
}
BRANCHLINE_ERRORS = {
    "GraphRecursionError": "recursion",
    "InvalidUpdateError": "invalid_update",
    "EmptyInputError": "empty_input",
    "AmbiguousResume": "ambiguous_resume",
    "InterruptNotPending": "interrupt_not_pending",
    "CheckpointNotFound": "checkpoint_not_found",
}


def error_category(side: str, error: BaseException) -> str:
    """A name for an error that both engines' equivalents share."""
    kind = type(error).__name__
    if side == "langgraph":
        if isinstance(error, RuntimeError) and "multiple pending interrupts" in str(error):
            return "ambiguous_resume"
        return LANGGRAPH_ERRORS.get(kind, kind)
    if kind == "InvalidConfigError" and "checkpointer" in str(error).lower():
        return "no_checkpointer"
    return BRANCHLINE_ERRORS.get(kind, kind)
