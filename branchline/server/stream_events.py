"""The server-sent events of a streamed run, named and shaped as LangGraph Server's.

Each stream mode asked for is the engine's mode of that name, each chunk one event named
by the mode (``mode|namespace`` for a subgraph's, with ``stream_subgraphs``). The two for
chat models differ: ``messages-tuple`` sends the engine's ``(message, metadata)`` pairs
as ``messages`` events; ``messages`` sends each message as it builds up:
``messages/metadata`` once per message, then ``messages/partial`` with the message so
far for each of its chunks, or ``messages/complete`` for a message that came whole.
``events`` sends LangChain's events of the run (``astream_events``), each an ``events``
event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from branchline.server import wire

SERVED = (
    "values",
    "updates",
    "custom",
    "debug",
    "tasks",
    "checkpoints",
    "messages",
    "messages-tuple",
    "events",
)
HIDDEN = "langsmith:hidden"  # the tag of runs LangChain's tracing leaves out


class StreamEvents:
    """The events of one streamed run, for the modes it asked for."""

    def __init__(self, asked: Sequence[str], subgraphs: bool) -> None:
        modes = {"messages" if m.startswith("messages") else m for m in asked} - {"events"}
        self.engine_modes = sorted(modes | {"values"})  # the run's result, always
        self.events = "events" in asked  # LangChain's events of the run (astream_events)
        self._values = "values" in asked
        self._pairs, self._built = "messages-tuple" in asked, "messages" in asked
        self._subgraphs = subgraphs
        self._so_far: dict[str, Any] = {}  # a message's chunks so far, by its id

    def of(self, namespace: tuple[str, ...], mode: str, data: Any) -> list[dict[str, str]]:
        """The events one of the engine's chunks makes."""
        if (namespace and not self._subgraphs) or (mode == "values" and not self._values):
            return []
        if mode != "messages":
            return [_event("|".join((mode, *namespace)), data)]
        events = [_event("|".join((mode, *namespace)), data)] if self._pairs else []
        if self._built:
            events += self._building(*data)
        return events

    def _building(self, message: Any, metadata: dict[str, Any]) -> list[dict[str, str]]:
        from langchain_core.messages import BaseMessageChunk, message_chunk_to_message

        events = []
        key, chunk = message.id, isinstance(message, BaseMessageChunk)
        if key not in self._so_far:  # (the engine gives every message an id)
            events.append(_event("messages/metadata", {key: {"metadata": metadata}}))
        elif chunk:
            message = self._so_far[key] + message
        self._so_far[key] = message
        if chunk:
            events.append(_event("messages/partial", [message]))
        else:
            events.append(_event("messages/complete", [message_chunk_to_message(message)]))
        return events


def _event(name: str, data: Any) -> dict[str, str]:
    return {"event": name, "data": wire.dumps(data)}
