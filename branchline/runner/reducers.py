"""``DeltaChannel``: a state key whose reducer is given a step's writes at once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


class DeltaChannel:
    """A key whose reducer takes a step's writes in one call, as LangGraph's
    ``DeltaChannel``: ``Annotated[list[AnyMessage], DeltaChannel(reducer)]`` with
    ``reducer(state, [write, ...]) -> state``.

    Such a reducer must give the same state for writes in one batch as one at a time
    (LangGraph's contract), so each write is applied as it comes, like any reducer's.
    LangGraph's channel stores deltas between periodic snapshots; every Branchline thread
    is stored as its writes already, so ``snapshot_frequency`` is checked and changes
    nothing, and the key's type (``typ`` is accepted as LangGraph's) gives its start.
    """

    def __init__(
        self,
        reducer: Callable[[Any, Sequence[Any]], Any],
        typ: type[Any] | None = None,
        *,
        snapshot_frequency: int = 100,
    ) -> None:
        if not callable(reducer):
            raise TypeError(f"DeltaChannel needs a reducer function, got {reducer!r:.80}")
        if not isinstance(snapshot_frequency, int) or snapshot_frequency <= 0:
            raise ValueError(
                f"snapshot_frequency must be a positive int, got {snapshot_frequency!r}"
            )
        self.reducer, self.typ, self.snapshot_frequency = reducer, typ, snapshot_frequency

    def __call__(self, state: Any, write: Any) -> Any:
        return self.reducer(state, [write])

    def __repr__(self) -> str:
        return f"DeltaChannel({getattr(self.reducer, '__name__', self.reducer)!r})"
