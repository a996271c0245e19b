"""Turn what nodes wrote into channel deltas, through the reducers.

A reducer's result is stored as the items it appended when it left the old list
intact (``operator.add``, ``add_messages`` adding a message), and as a new value
otherwise. That keeps a long conversation's steps as small as what they wrote.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from branchline.runner.errors import InvalidUpdateError, ReducerTypeError
from branchline.runner.overwrite import Overwrite, overwrite_of
from branchline.runner.schema import Reducer, StateSchema, Writes


@dataclass
class Delta:
    """The writes of one task as channel deltas."""

    assigned: dict[str, Any] = field(default_factory=dict)
    appended: dict[str, list[Any]] = field(default_factory=dict)


def _record(delta: Delta, channel: str, old: Any, new: Any, adds: bool = False) -> None:
    """Record ``channel`` going from ``old`` to ``new``; ``adds``: ``new`` is ``old + x``
    (the ``operator.add`` reducer), which keeps the old items as they are."""
    extends = type(new) is list and type(old) is list and len(new) >= len(old)
    # The old items themselves, not equal ones: an item a reducer replaced with an equal
    # one (``add_messages`` given a message again under its id) was written all the same,
    # and the task's result (a cached update, a snapshot's task) shows it.
    if extends and (adds or all(map(operator.is_, new, old))):  # map stops at old's end
        delta.appended[channel] = new[len(old) :]
    else:
        delta.assigned[channel] = new


def _reduce(reducer: Reducer, channel: str, source: str, old: Any, value: Any) -> Any:
    """``reducer(old, value)``; a TypeError it raises (most often a write of the wrong
    type) becomes a ReducerTypeError naming the channel, the writer and the types."""
    try:
        return reducer(old, value)
    except TypeError as exc:
        name = getattr(reducer, "__name__", type(reducer).__name__)
        raise ReducerTypeError(
            f"At key {channel!r}: {source} wrote {value!r:.60} (type {type(value).__name__}) and "
            f"the reducer {name} could not combine it with the stored "
            f"{type(old).__name__}: {exc}. Write a value of the channel's type, e.g. "
            f"[{value!r:.40}] for a list; nothing of this step was written"
        ) from exc


class StepWriter:
    """Applies the writes of one superstep's tasks in order, refusing conflicting ones."""

    def __init__(self, schema: StateSchema, values: Mapping[str, Any], written: Iterable[str] = ()):
        self.schema = schema
        self.values = dict(values)
        self.written = {k for k in written if schema.channels[k].reducer is None}
        self.overwritten: set[str] = set()  # reducer keys given an Overwrite in this step

    def write(self, source: str, writes: Writes) -> Delta:
        """Apply one task's writes (several in order, if a list); return them as deltas."""
        if isinstance(writes, list):
            return self._write_each(source, writes)
        delta = Delta()
        for channel, value in writes.items():
            forced = adds = False
            reducer = self.schema.channels[channel].reducer
            old = self.values.get(channel)
            if reducer is not None:
                forced, value = overwrite_of(value)
                if (forced or channel in self.overwritten) and self._dropped(
                    source, channel, forced
                ):
                    continue
            elif isinstance(value, Overwrite):
                value = value.value
            if reducer is None:
                if channel in self.written:
                    raise InvalidUpdateError(
                        f"At key {channel!r}: can receive only one value per step, and "
                        f"{source} wrote a second one. Give {channel!r} a reducer with "
                        "Annotated[type, reducer] to combine values, or write it from one node"
                    )
                self.written.add(channel)
                new = value
            elif forced or channel not in self.values:
                new = value
            else:
                new = _reduce(reducer, channel, source, old, value)
                adds = reducer is operator.add
            _record(delta, channel, old, new, adds)
            self.values[channel] = new
        return delta

    def _dropped(self, source: str, channel: str, forced: bool) -> bool:
        """Whether a write to reducer ``channel`` is dropped: a plain one after an
        Overwrite of it in this step. A second Overwrite is refused."""
        if channel not in self.overwritten:
            if forced:
                self.overwritten.add(channel)
            return False
        if forced:
            raise InvalidUpdateError(
                f"At key {channel!r}: can receive only one Overwrite value per step, and "
                f"{source} wrote a second one. Overwrite the key from one node per step"
            )
        return True

    def _write_each(self, source: str, updates: list[dict[str, Any]]) -> Delta:
        """Several updates of one task, in order, as one delta."""
        before = dict(self.values)
        for update in updates:
            self.write(source, update)
        return delta_between(before, self.values, [c for u in updates for c in u])


def delta_between(
    before: Mapping[str, Any], after: Mapping[str, Any], channels: Iterable[str]
) -> Delta:
    """The delta that takes ``channels`` from their ``before`` values to their ``after`` ones."""
    delta = Delta()
    for channel in dict.fromkeys(channels):
        _record(delta, channel, before.get(channel), after[channel])
    return delta
