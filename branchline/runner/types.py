"""Public value types of the graph API, shaped like LangGraph's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, NamedTuple

from typing_extensions import TypeVar

START = "__start__"
END = "__end__"

# The node names a Command may go to, for readers and type checkers:
# ``def route(state) -> Command[Literal["a", "b"]]``; a bare ``Command`` is ``Command[str]``.
N = TypeVar("N", bound=str, default=str)


@dataclass(frozen=True)
class Command(Generic[N]):
    """Route and update from a node, or resume a paused graph when passed as input.

    ``update`` is written as if the node returned it; ``goto`` names the next node(s);
    ``resume`` answers pending interrupts.
    """

    PARENT: ClassVar[str] = "__parent__"

    update: Any = None
    goto: str | Send | Sequence[str | Send] = ()
    resume: Any = None
    graph: str | None = None

    @property
    def goto_nodes(self) -> tuple[str | Send, ...]:
        """``goto`` as a tuple of node names (and ``Send`` packets)."""
        if isinstance(self.goto, str | Send):
            return (self.goto,)
        return tuple(self.goto)


@dataclass(frozen=True)
class Send:
    """Run ``node`` with ``arg`` as its input, as one more task of the next step.

    Return a list of them from a conditional edge (or a node's ``Command(goto=...)``)
    to fan out over items: each becomes its own task, with its own interrupts.
    """

    node: str
    arg: Any


@dataclass(frozen=True)
class Interrupt:
    """A pause requested from inside a node, with the value shown to the person."""

    value: Any
    id: str


class StateUpdate(NamedTuple):
    """What a task wrote, given by hand: ``update_state(config, [StateUpdate(values,
    as_node)], as_node="__copy__")`` finishes a copied checkpoint's tasks with them."""

    values: dict[str, Any] | None
    as_node: str | None = None
    task_id: str | None = None


class PregelTask(NamedTuple):
    """A task of a checkpoint's next step, as ``StateSnapshot.tasks`` lists it."""

    id: str
    name: str
    path: tuple[str, ...] = ()
    error: str | None = None
    interrupts: tuple[Interrupt, ...] = ()
    state: Any = None
    result: Any = None


class StateSnapshot(NamedTuple):
    """The state of a thread at one checkpoint."""

    values: dict[str, Any]
    next: tuple[str, ...]
    config: dict[str, Any]
    metadata: dict[str, Any] | None
    created_at: str | None
    parent_config: dict[str, Any] | None
    tasks: tuple[PregelTask, ...]
    interrupts: tuple[Interrupt, ...] = ()
