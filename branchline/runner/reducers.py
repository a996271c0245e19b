"""Reducers users put in ``Annotated[...]`` state keys."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from branchline.domain.model.ids import new_id


def _message_id(message: Any) -> Any:
    if isinstance(message, dict):
        return message.get("id")
    return getattr(message, "id", None)


def _with_id(message: Any) -> Any:
    if _message_id(message) is not None:
        return message
    if isinstance(message, dict):
        return {**message, "id": new_id()}
    if hasattr(message, "model_copy"):
        return message.model_copy(update={"id": new_id()})
    raise TypeError(
        f"add_messages needs messages that are dicts or have an 'id' attribute, got "
        f"{type(message).__name__}: {message!r:.80}"
    )


def _as_list(messages: Any) -> list[Any]:
    if isinstance(messages, list | tuple):
        return list(messages)
    return [messages]


def add_messages(left: Sequence[Any] | Any, right: Sequence[Any] | Any) -> list[Any]:
    """Merge two message lists by message id.

    A message in ``right`` whose id is already in ``left`` replaces it in place; the
    rest are appended. Messages without an id get one. A message that is a dict with
    ``"type": "remove"`` deletes the message with its id. Works for dict messages and
    pydantic messages with an ``id`` field.
    """
    merged = [_with_id(m) for m in _as_list(left or [])]
    position = {_message_id(m): i for i, m in enumerate(merged)}
    removed: set[Any] = set()
    for message in (_with_id(m) for m in _as_list(right or [])):
        key = _message_id(message)
        if isinstance(message, dict) and message.get("type") == "remove":
            removed.add(key)
        elif key in position:
            merged[position[key]] = message
        else:
            position[key] = len(merged)
            merged.append(message)
    return [m for m in merged if _message_id(m) not in removed]


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
