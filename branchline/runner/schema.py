"""State schemas: TypedDict, dataclass or pydantic model, read into channels.

A key annotated ``Annotated[T, reducer]`` is a reducer channel: every write is
combined with the current value by ``reducer(current, write)``, and it starts at
``T()`` (``[]``, ``0``, ``""``) when ``T`` can be called so, as in LangGraph. Any other
key is a last-value channel: a write replaces the value, and two writes in one step
are refused.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, get_args, get_origin, get_type_hints

import typing_extensions
from pydantic import BaseModel, TypeAdapter, ValidationError

from branchline.runner.errors import InvalidUpdateError
from branchline.runner.managed import managed_keys
from branchline.runner.types import Command, StateSnapshot

ROOT = "__root__"  # the one channel of a graph whose state is a single value
Reducer = Callable[[Any, Any], Any]
# A task's writes: one update (a dict), or several applied in order (see node_writes).
Writes = dict[str, Any] | list[dict[str, Any]]
EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True)
class Channel:
    """One key of the state."""

    name: str
    reducer: Reducer | None = None
    default: Callable[[], Any] | None = None


_ABSTRACT = {
    collections.abc.Sequence: list,
    collections.abc.MutableSequence: list,
    collections.abc.Set: set,
    collections.abc.MutableSet: set,
    collections.abc.Mapping: dict,
    collections.abc.MutableMapping: dict,
}


def _channel(name: str, hint: Any) -> Channel:
    if get_origin(hint) is typing.Annotated:
        base, *extras = get_args(hint)
        reducers = [e for e in extras if callable(e)]
        if reducers:
            return Channel(name, reducers[-1], _default(base))
    return Channel(name)


def _default(base: Any) -> Callable[[], Any] | None:
    """A reducer channel starts at its type called with no arguments (``0``, ``[]``,
    ``""``), as in LangGraph, or has no value when the type cannot be called so."""
    origin = get_origin(base) or base
    if get_origin(origin) in (typing.Required, typing.NotRequired):
        origin = get_origin(get_args(origin)[0]) or get_args(origin)[0]
    origin = _ABSTRACT.get(origin, origin)
    try:
        origin()
    except Exception:
        return None
    return typing.cast("Callable[[], Any]", origin)


class StateSchema:
    """How a graph's state type maps to channels, node inputs and outputs."""

    def __init__(self, schema: type[Any], also: Sequence[type[Any] | None] = ()) -> None:
        """``also``: the graph's input and output schemas, whose keys the state lacks are
        channels too (as LangGraph's), though nodes do not receive them."""
        self.type = schema
        self.kind = _kind(schema)
        self._adapters: dict[str, TypeAdapter[Any]] = {}
        self.managed: tuple[str, ...] = ()  # computed per task, never stored: managed.py
        self.own: tuple[str, ...] | None = None  # the state's keys, when ``also`` adds some
        if self.kind == "root":  # the state is one value: LangGraph's root channel
            self.channels = {ROOT: _channel(ROOT, schema)}
            return
        hints = get_type_hints(schema, include_extras=True)
        if self.kind == "pydantic":
            hints = {k: hints[k] for k in schema.model_fields}
            fields = schema.model_fields.items()
            self._adapters = {k: TypeAdapter(f.annotation) for k, f in fields}
        self.managed = managed_keys(hints)
        hints = {k: v for k, v in hints.items() if k not in self.managed}
        self.channels = {name: _channel(name, hint) for name, hint in hints.items()}
        extra = {
            name: channel
            for other in also
            if other is not None and _kind(other) != "root"
            for name, channel in StateSchema(other).channels.items()
            if name not in self.channels and name not in self.managed
        }
        if extra:
            self.own, self.channels = tuple(self.channels), {**self.channels, **extra}

    def initial_values(self) -> dict[str, Any]:
        """Values a new thread starts with: each reducer channel's empty value."""
        return {n: c.default() for n, c in self.channels.items() if c.default is not None}

    def node_input(self, values: Mapping[str, Any], managed: Mapping[str, Any] = EMPTY) -> Any:
        """What a node receives: a dict, an instance of the dataclass/pydantic schema, or
        (a root schema) the one value; with the ``managed`` values of its task."""
        if self.own is not None:  # not the keys only the input/output schemas have
            values = {k: values[k] for k in self.own if k in values}
        if self.kind == "dict":
            return {**values, **managed} if managed else dict(values)
        if self.kind == "root":
            return values.get(ROOT)
        return self.type(**values, **managed)

    def shown(self, values: Mapping[str, Any]) -> Any:
        """Channel values as the API shows a state: the one value of a root schema."""
        return values.get(ROOT) if self.kind == "root" else values

    def shown_snapshot(self, snapshot: StateSnapshot) -> StateSnapshot:
        """A snapshot as the API shows it: a root schema's value and task results."""
        if self.kind != "root":
            return snapshot
        tasks = tuple(
            t if t.result is None else t._replace(result=self.shown_writes(t.result))
            for t in snapshot.tasks
        )
        return snapshot._replace(values=self.shown(snapshot.values), tasks=tasks)

    def shown_writes(self, writes: Writes) -> Any:
        """A task's writes as updates show them: a root schema's values themselves."""
        if self.kind != "root":
            return writes
        return writes.get(ROOT) if isinstance(writes, dict) else [w[ROOT] for w in writes]

    def writes_from(
        self, source: str, output: Any, *, known_only: bool = False
    ) -> tuple[dict[str, Any], Command | None]:
        """Normalise what a node (or an update) returned into writes and an optional Command.

        ``known_only`` drops keys that are not channels (a graph's input, or what a node
        returned, as in LangGraph); otherwise (an edit) they are an error.
        """
        command = None
        if isinstance(output, Command):
            command, output = output, output.update
        if output is None:
            return {}, command
        if self.kind == "root":
            return {ROOT: output}, command
        if type(output) is dict:  # most nodes: skip the slower checks below
            return self._check_keys(source, dict(output), known_only), command
        if isinstance(output, BaseModel | dict) or dataclasses.is_dataclass(output):
            return self._check_keys(source, _as_dict(output), known_only), command
        raise InvalidUpdateError(
            f"{source} returned {type(output).__name__} {output!r:.80}, expected a dict of "
            f"state keys ({sorted(self.channels)}), a Command (or a list of Commands and "
            'dicts), or None; return e.g. {"key": value}'
        )

    def node_writes(
        self, source: str, output: Any, *, known_only: bool = False
    ) -> tuple[Writes, Command | None]:
        """What a node returned, as writes: anything ``writes_from`` takes, and also, as
        in LangGraph, several updates applied in order: a list of Commands (and dicts), or
        a Command whose update is a list of ``(key, value)`` pairs. Writes of several
        updates are one dict unless a key is written twice: then a list of one-key
        dicts, in order. Their Commands' ``goto`` are joined into one."""
        if type(output) is dict and self.kind != "root":  # most nodes
            return self._check_keys(source, dict(output), known_only), None
        if isinstance(output, Command) and self.kind != "root" and _is_pairs(output.update):
            pairs = [(k, v) for k, v in output.update if not known_only or k in self.channels]
            self._check_keys(source, dict(pairs))
            return _grouped(pairs), output
        several = isinstance(output, list | tuple) and any(isinstance(i, Command) for i in output)
        if not several:
            return self.writes_from(source, output, known_only=known_only)
        parts = [self.node_writes(source, item, known_only=known_only) for item in output]
        pairs = [pair for writes, _ in parts for pair in each_write(writes)]
        commands = [command for _, command in parts if command is not None]
        goto = [target for command in commands for target in command.goto_nodes]
        return _grouped(pairs), Command(goto=goto) if commands else None

    def _check_keys(
        self, source: str, writes: dict[str, Any], known_only: bool = False
    ) -> dict[str, Any]:
        if self.managed:  # computed, not written: dropped, as LangGraph does
            writes = {k: v for k, v in writes.items() if k not in self.managed}
        unknown = [k for k in writes if k not in self.channels]
        if unknown and known_only:  # as LangGraph: a key the state lacks is left out
            writes = {k: v for k, v in writes.items() if k in self.channels}
        elif unknown:
            unknown.sort()
            raise InvalidUpdateError(
                f"{source} wrote unknown state key(s) {unknown}; the state has "
                f"{sorted(self.channels)}. Add them to the state schema or drop them"
            )
        if self.kind == "pydantic":
            return self._validate(source, writes)
        return writes

    def _validate(self, source: str, writes: dict[str, Any]) -> dict[str, Any]:
        """Coerce writes through the pydantic fields, as the model would on construction."""
        out = {}
        for key, value in writes.items():
            try:
                out[key] = self._adapters[key].validate_python(value)
            except ValidationError as error:
                raise InvalidUpdateError(
                    f"{source} wrote an invalid value for {key!r}: {value!r:.80}; {error}"
                ) from None
        return out


def _as_dict(output: Any) -> dict[str, Any]:
    if isinstance(output, BaseModel):
        # As LangGraph: every field, even one only mutated in place (a nested model),
        # except a None that is the field's default and was not set explicitly.
        fields = type(output).model_fields
        return {
            k: value
            for k, field in fields.items()
            if (value := getattr(output, k)) is not None
            or field.default is not None
            or k in output.model_fields_set
        }
    if dataclasses.is_dataclass(output) and not isinstance(output, type):
        return {f.name: getattr(output, f.name) for f in dataclasses.fields(output)}
    return dict(output)


def _kind(schema: type[Any]) -> str:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        return "pydantic"
    if dataclasses.is_dataclass(schema):
        return "dataclass"
    # typing_extensions.TypedDict (as LangGraph's docs write it) is another class than
    # typing's before Python 3.12; its is_typeddict knows both.
    if typing_extensions.is_typeddict(schema) or schema is dict:
        return "dict"
    if (isinstance(schema, type) or get_origin(schema)) and not hasattr(schema, "__annotations__"):
        return "root"  # e.g. Annotated[list[str], operator.add]: the state is one value
    raise TypeError(
        f"state schema must be a TypedDict, a dataclass, a pydantic model or a type (the "
        f"state as one value, e.g. Annotated[list[str], operator.add]), got {schema!r}"
    )


def _is_pairs(update: Any) -> bool:
    """Whether a Command's update is a list of ``(key, value)`` pairs."""
    return (
        isinstance(update, list | tuple)
        and bool(update)
        and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in update)
    )


def _grouped(pairs: list[tuple[str, Any]]) -> Writes:
    keys = [k for k, _ in pairs]
    return dict(pairs) if len(set(keys)) == len(keys) else [{k: v} for k, v in pairs]


def each_write(writes: Writes) -> Iterator[tuple[str, Any]]:
    """Every ``(channel, value)`` of a task's writes, in the order they apply."""
    if isinstance(writes, dict):
        yield from writes.items()
        return
    for update in writes:
        yield from update.items()


def shown_writes(writes: Writes) -> dict[str, Any]:
    """A task's writes as LangGraph shows its result: one value per channel, and a
    channel written several times as ``{"$writes": [values...]}``."""
    if isinstance(writes, dict):
        return writes
    by_channel: dict[str, list[Any]] = {}
    for channel, value in each_write(writes):
        by_channel.setdefault(channel, []).append(value)
    return {c: v[0] if len(v) == 1 else {"$writes": v} for c, v in by_channel.items()}
