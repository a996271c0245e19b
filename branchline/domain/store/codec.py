"""A tagged JSON codec with an allow-list: the transcoder for every stored event.

Plain JSON shapes stay plain: a dict with str keys is a JSON object, a list is an array, and
str, int, finite float, bool and None are themselves. Every other kind is a small tagged object
such as ``{"__bl__":"tuple","v":[1,2]}``, so values come back with their exact types; a
subclass of str (not an Enum) is the one exception: it is its text, read back as a str.

Classes (dataclasses, pydantic models, Enums) are stored by topic ``module:QualName``, or by a
stable name given with ``Codec.name``. Decoding looks a topic up in this codec's allow-list
only; it never imports a module. Encoding an instance allow-lists its class, so a process can
read back what it wrote.

Aware datetimes keep their offset; a ``ZoneInfo`` zone is kept by name, any other tzinfo comes
back as the fixed offset it had at that instant.

A stored value nests at most ``MAX_DEPTH`` levels of JSON: reading one back takes a frame of
the reader's stack per level, so a deeper one is refused when written, not when read. A value
that is JSON as it is (most events) is written without a tagged copy (``plain_json``).

Exceptions::

    BranchlineError (branchline.domain.model.errors)
     └── CodecError (ValueError)                 bytes cannot be decoded; topic not allowed
          └── UnsupportedValueError (TypeError)  encode was given an unsupported value
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterable
from enum import Enum
from typing import Any

from eventsourcing.persistence import Transcoder
from pydantic import BaseModel

from branchline.domain.model.checkpoint import Checkpoint, InterruptRecord, TaskResult
from branchline.domain.model.errors import BranchlineError
from branchline.domain.store.plain_json import (
    JSON_SCALARS,
    MAX_DEPTH,
    VALUE_DEPTH,
    is_plain,
    long_int_path,
    nesting,
    write_json,
)
from branchline.domain.store.tagged_kinds import (
    BUILTIN_DECODERS,
    BUILTIN_ENCODERS,
    TAG,
    Decoder,
    Encoder,
)
from branchline.domain.store.trusted_classes import (
    MESSAGES_MODULE,
    field_classes,
    message_class,
    message_topic,
)

__all__ = [
    "MAX_DEPTH",
    "SUPPORTED_KINDS",
    "TAG",
    "VALUE_DEPTH",
    "Codec",
    "CodecError",
    "UnsupportedValueError",
]

SUPPORTED_KINDS = (
    "None, bool, int, float, str, bytes, list, tuple, dict, set, frozenset, datetime, date, "
    "time, timedelta, UUID, Decimal, Enum members, dataclass instances and pydantic models"
)


class CodecError(BranchlineError, ValueError):
    """Stored bytes could not be turned back into a value."""


class UnsupportedValueError(CodecError, TypeError):
    """A value of a type the codec cannot store was given to ``encode``."""


class _Unencodable(Exception):
    """Raised deep inside encoding; containers add their path segment as it unwinds."""

    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value
        self.child = value
        self.segments: list[str] = []

    def climb(self, parent: object, segment: str) -> None:
        self.segments.append(segment)
        self.child = parent

    def to_error(self, root: str) -> UnsupportedValueError:
        path = root + "".join(reversed(self.segments))
        return UnsupportedValueError(
            f"cannot store {_describe(self.value)} found at {path}. The codec stores only "
            f"{SUPPORTED_KINDS} (exact built-in types, not subclasses). Convert the value to one "
            "of these, or hold it in a dataclass or pydantic model."
        )


class Codec(Transcoder):
    """Encode values to compact tagged JSON bytes and decode them back with their exact types."""

    def __init__(self, types: Iterable[type] = (), *, lenient: bool = False) -> None:
        """Allow-list ``types``; ``lenient`` decodes unknown classes to ``{"__type__": ...}``."""
        self.lenient = lenient
        self._allowed: dict[str, type] = {}
        self._topics: dict[type, str] = {}
        self._encoders: dict[type, Encoder] = {
            **BUILTIN_ENCODERS,
            list: self._encode_list,
            tuple: self._encode_tuple,
            dict: self._encode_dict,
            set: self._encode_set,
            frozenset: self._encode_set,
        }
        self._decoders: dict[str, Decoder] = {
            **BUILTIN_DECODERS,
            "enum": self._decode_enum,
            "dataclass": self._decode_dataclass,
            "model": self._decode_model,
        }
        self.allow(*types)

    def name(self, cls: type, topic: str, *, formerly: Iterable[str] = ()) -> None:
        """Store ``cls`` under ``topic``, not its module path; still read the ``formerly`` ones.

        A stable name lets the class move between modules without orphaning stored rows.
        """
        self._allowed.update(dict.fromkeys((topic, *formerly), cls))
        self._topics[cls] = topic

    def allow(self, *types: type) -> None:
        """Trust these classes, and the classes named in their fields, when decoding."""
        pending = list(types)
        while pending:
            cls = pending.pop()
            if cls in self._topics:
                continue
            topic = _topic(cls)
            self._allowed[topic] = cls
            self._topics[cls] = topic
            pending.extend(field_classes(cls))

    def encode(self, obj: Any) -> bytes:
        """Return ``obj`` as compact UTF-8 JSON; raise UnsupportedValueError on unknown types."""
        try:
            ready = obj if is_plain(obj) else self._encode(obj)
        except _Unencodable as exc:
            raise exc.to_error("value") from None
        except RecursionError:
            ready = None  # deeper than this stack allows: too deep, surely
        if ready is not obj and (ready is None or nesting(ready) > MAX_DEPTH):
            raise UnsupportedValueError(
                f"cannot store a value nested more than {VALUE_DEPTH} levels deep (lists, "
                "dicts, tuples, sets and objects inside one another), or one that contains "
                "itself: reading it back would need a stack frame per level. Flatten it"
            )
        try:
            text = write_json(ready)
        except ValueError as exc:  # an int past sys.get_int_max_str_digits()
            raise UnsupportedValueError(
                f"cannot store the int at value{long_int_path(ready)}: too long to write as "
                f"text ({exc}); store it as a str (str(n) after raising the limit with "
                "sys.set_int_max_str_digits), or as bytes"
            ) from None
        return text.encode("utf-8", "surrogatepass")

    def decode(self, data: bytes) -> Any:
        """Return the value that ``encode`` turned into ``data``."""
        text = data.decode("utf-8", "surrogatepass")
        try:  # with no tag anywhere (most events) no value needs the hook: parse at C speed
            return json.loads(text, object_hook=self._hook if TAG in text else None)
        except CodecError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CodecError(
                f"cannot decode stored value {bytes(data[:80])!r}: {exc}. The bytes are damaged, "
                "or a stored class changed shape since it was written (add an upcaster)."
            ) from exc

    # Encoding: one recursive pass that returns JSON-ready structures.

    def _encode(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in JSON_SCALARS:
            return obj
        encoder = self._encoders.get(kind) or self._encoder_for(obj)
        return encoder(obj)

    def _encoder_for(self, obj: object) -> Encoder:
        """Find the encoder for a class-based value, allow-list its class, and cache both."""
        encoder: Encoder
        if isinstance(obj, str) and not isinstance(obj, Enum):
            # A str subclass (langchain-core's ``message.text``) is stored as its text and
            # read back as a str, as LangGraph's serializer does; no class is allowed.
            self._encoders[type(obj)] = str
            return str
        if isinstance(obj, Enum):
            encoder = self._encode_enum
        elif isinstance(obj, BaseModel):
            encoder = self._encode_model
            if topic := message_topic(type(obj)):  # LangChain's: a name any process reads
                self.name(type(obj), topic, formerly=[_topic(type(obj))])
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            encoder = self._encode_dataclass
        else:
            raise _Unencodable(obj)
        self.allow(type(obj))
        self._encoders[type(obj)] = encoder
        return encoder

    def _encode_items(self, items: Iterable[Any]) -> list[Any]:
        enc = self._encode
        return [x if type(x) in JSON_SCALARS else enc(x) for x in items]

    def _encode_list(self, obj: list[Any]) -> list[Any]:
        try:
            return self._encode_items(obj)
        except _Unencodable as exc:
            exc.climb(obj, f"[{_position(obj, exc.child)}]")
            raise

    def _encode_tuple(self, obj: tuple[Any, ...]) -> dict[str, Any]:
        try:
            return {TAG: "tuple", "v": self._encode_items(obj)}
        except _Unencodable as exc:
            exc.climb(obj, f"[{_position(obj, exc.child)}]")
            raise

    def _encode_set(self, obj: set[Any] | frozenset[Any]) -> dict[str, Any]:
        try:
            return {TAG: type(obj).__name__, "v": self._encode_items(obj)}
        except _Unencodable as exc:
            exc.climb(obj, "{...}")
            raise

    def _encode_dict(self, obj: dict[Any, Any]) -> Any:
        enc = self._encode
        try:
            if TAG not in obj and all(type(k) is str for k in obj):
                return {k: v if type(v) in JSON_SCALARS else enc(v) for k, v in obj.items()}
            return {TAG: "dict", "v": [[enc(k), enc(v)] for k, v in obj.items()]}
        except _Unencodable as exc:
            exc.climb(obj, _key_segment(obj, exc.child))
            raise

    def _encode_fields(self, owner: object, fields: Iterable[tuple[str, Any]]) -> Any:
        """Encode named fields; the path names the failing field as an attribute."""
        encoded = {}
        for name, value in fields:
            try:
                encoded[name] = self._encode(value)
            except _Unencodable as exc:
                exc.climb(owner, f".{name}")
                raise
        return _plain_or_pairs(encoded)

    def _encode_enum(self, obj: Enum) -> dict[str, Any]:
        try:
            value = self._encode(obj.value)
        except _Unencodable as exc:
            exc.climb(obj, ".value")
            raise
        return {TAG: "enum", "t": self._topics[type(obj)], "v": value}

    def _encode_dataclass(self, obj: Any) -> dict[str, Any]:
        pairs = ((f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj))
        return {
            TAG: "dataclass",
            "t": self._topics[type(obj)],
            "v": self._encode_fields(obj, pairs),
        }

    def _encode_model(self, obj: BaseModel) -> dict[str, Any]:
        dumped = obj.model_dump(by_alias=True, round_trip=True)
        return {
            TAG: "model",
            "t": self._topics[type(obj)],
            "v": self._encode_fields(obj, dumped.items()),
        }

    # Decoding: json.loads calls the hook bottom-up, so "v" is already decoded.

    def _hook(self, obj: dict[str, Any]) -> Any:
        tag = obj.get(TAG)
        if tag is None:
            return obj
        decoder = self._decoders.get(tag)
        if decoder is None:
            raise CodecError(
                f"unknown tag {tag!r} in stored value {obj!r}. A newer Branchline or another "
                "program wrote it; upgrade, or read it with the program that wrote it."
            )
        return decoder(obj)

    def _resolve(self, obj: dict[str, Any]) -> type | None:
        """Return the allow-listed class for a stored topic; None means "decode leniently"."""
        topic: str = obj["t"]
        cls = self._allowed.get(topic) or self._trusted(topic)
        if cls is None and not self.lenient:
            name = topic.rpartition(":")[2]
            raise CodecError(
                f"stored value has class {topic!r}, which is not on this codec's allow-list. "
                f"Register it with CheckpointStore(..., types=[{name}]) or codec.allow({name})."
            )
        return cls

    def _trusted(self, topic: str) -> type | None:
        """A LangChain message class named by ``topic``, allowed from now on; else None."""
        try:
            cls = message_class(topic)
        except ModuleNotFoundError:
            if self.lenient:
                return None
            raise CodecError(
                f"stored value has class {topic!r}, a LangChain message, and langchain-core "
                "is not installed here. Install it: pip install 'branchline[langchain]'"
            ) from None
        if cls is not None:
            self.name(cls, f"{MESSAGES_MODULE}:{cls.__qualname__}", formerly=[topic, _topic(cls)])
        return cls

    def _decode_enum(self, obj: dict[str, Any]) -> Any:
        cls = self._resolve(obj)
        if cls is None:
            return {"__type__": obj["t"], "value": obj["v"]}
        return cls(obj["v"])

    def _decode_dataclass(self, obj: dict[str, Any]) -> Any:
        cls = self._resolve(obj)
        if cls is None:
            return {"__type__": obj["t"], **obj["v"]}
        # Restore the stored state exactly, as eventsourcing does for events: no __init__ or
        # __post_init__ runs, so frozen, slotted and init=False fields all come back as stored.
        instance: Any = object.__new__(cls)
        for name, value in obj["v"].items():
            object.__setattr__(instance, name, value)
        return instance

    def _decode_model(self, obj: dict[str, Any]) -> Any:
        cls = self._resolve(obj)
        if cls is None:
            return {"__type__": obj["t"], **obj["v"]}
        return typing.cast(type[BaseModel], cls).model_validate(obj["v"])


def thread_codec(types: Iterable[type] = (), *, lenient: bool = False) -> Codec:
    """The codec of a thread's events: the model's own classes by stable name, then ``types``."""
    codec = Codec(lenient=lenient)
    for own in (Checkpoint, InterruptRecord, TaskResult):
        # Rows written before the package was renamed (0.1) named them by module path.
        name = own.__qualname__
        codec.name(own, f"branchline:{name}", formerly=[f"domain.checkpoint:{name}"])
    codec.allow(*types)
    return codec


def _plain_or_pairs(encoded: dict[str, Any]) -> Any:
    """Keep a str-keyed dict plain unless it holds the reserved key."""
    if TAG in encoded:
        return {TAG: "dict", "v": [[k, v] for k, v in encoded.items()]}
    return encoded


def _position(items: Iterable[Any], child: object) -> int | str:
    return next((i for i, item in enumerate(items) if item is child), "?")


def _key_segment(obj: dict[Any, Any], child: object) -> str:
    for key, value in obj.items():
        if value is child:
            return f"[{key!r}]"
    return ".keys()"


def _topic(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _describe(value: object) -> str:
    if isinstance(value, type):
        return f"the class {_type_name(value)} (a class object, not an instance)"
    return f"a value of type {_type_name(type(value))}"


def _type_name(cls: type) -> str:
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"
