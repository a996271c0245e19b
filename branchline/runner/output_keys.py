"""``stream(..., output_keys=...)``: the ``"values"`` and ``"updates"`` chunks cut down
to some state keys, as LangGraph cuts them.

One key (a string) shows its value alone; a list shows a dict of those keys. A
``"values"`` chunk is streamed only when its step (or the call's input) wrote one of the
keys, and always for a pause and for the state a resumed call starts from. The keys a
step wrote come from its ``"updates"`` chunks, which the run then streams internally.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from branchline.runner.errors import InvalidConfigError
from branchline.runner.stream_chunks import SUBGRAPH, Chunk

INTERRUPT = "__interrupt__"
OutputKeys = str | Sequence[str]


def check_output_keys(keys: OutputKeys | None, channels: Sequence[str]) -> None:
    """Refuse keys the state does not have (LangGraph fails later, on a missing channel)."""
    if keys is None:
        return
    if not isinstance(keys, str | Sequence) or not all(isinstance(k, str) for k in keys):
        raise TypeError(f"output_keys={keys!r}: pass a state key (str) or a list of state keys")
    unknown = [k for k in ([keys] if isinstance(keys, str) else keys) if k not in channels]
    if unknown:
        raise InvalidConfigError(
            f"output_keys names unknown state key(s) {unknown}; the state's keys are "
            f"{list(channels)}"
        )


def selected_values(values: Any, keys: OutputKeys) -> Any:
    """``values`` (a dict of the whole state) cut down to ``keys``."""
    if not isinstance(values, Mapping):
        return values
    if isinstance(keys, str):
        return values.get(keys)
    return {k: values[k] for k in keys if k in values}


def selected(
    chunks: Iterator[Chunk], keys: OutputKeys, requested: Sequence[str], input: Any
) -> Iterator[Chunk]:
    """The chunks of the ``requested`` modes, values and updates cut down to ``keys``;
    ``input``: the call's input (``None`` or a ``Command``: a resumed call)."""
    wanted = {keys} if isinstance(keys, str) else set(keys)
    # A resumed call (None, a Command) shows the state it starts from.
    written = bool(wanted & set(input)) if isinstance(input, Mapping) else True
    for mode, chunk in chunks:
        if mode == "updates" and isinstance(chunk, Mapping):
            written = written or _writes_any(chunk, wanted)
            if mode in requested:
                yield mode, _updates(chunk, keys)
        elif mode == "values":
            asked = isinstance(chunk, Mapping) and INTERRUPT in chunk
            if (written or asked) and mode in requested:
                yield mode, _values(chunk, keys)
            written = False
        elif mode in requested or mode == SUBGRAPH:  # a subgraph's: its own keys
            yield mode, chunk


def _writes_any(chunk: Mapping[str, Any], wanted: set[str]) -> bool:
    return any(
        isinstance(writes, Mapping) and bool(wanted & set(writes))
        for node, writes in chunk.items()
        if node not in (INTERRUPT, "__metadata__")
    )


def _updates(chunk: Mapping[str, Any], keys: OutputKeys) -> dict[str, Any]:
    """``{node: writes}`` with each node's writes cut down (None: none of the keys)."""
    shown: dict[str, Any] = {}
    for node, writes in chunk.items():
        if node in (INTERRUPT, "__metadata__") or not isinstance(writes, Mapping):
            shown[node] = writes
        elif isinstance(keys, str):
            shown[node] = writes.get(keys)
        else:
            shown[node] = {k: v for k, v in writes.items() if k in keys} or None
    return shown


def _values(chunk: Any, keys: OutputKeys) -> Any:
    """A values chunk cut down; a pause's questions stay (alone, for one key)."""
    if not isinstance(chunk, Mapping):
        return chunk
    shown = selected_values(chunk, keys)
    if INTERRUPT not in chunk:
        return shown
    if isinstance(keys, str):
        return {INTERRUPT: chunk[INTERRUPT]}
    return {**shown, INTERRUPT: chunk[INTERRUPT]}
