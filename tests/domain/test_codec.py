"""The tagged JSON codec: exact round-trips, plain JSON shapes, the allow-list, clear errors."""

from __future__ import annotations

import dataclasses
import enum
import math
import socket
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import BaseModel

from branchline.domain.model.errors import BranchlineError
from branchline.domain.store.codec import (
    MAX_DEPTH,
    VALUE_DEPTH,
    Codec,
    CodecError,
    UnsupportedValueError,
)


@dataclasses.dataclass(frozen=True)
class Point:
    x: int
    label: str


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Priority(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Item(BaseModel, frozen=True):
    name: str
    tags: tuple[str, ...]
    when: datetime | None = None


class Box(BaseModel):
    content: Any


class Order(BaseModel):
    item: Item
    quantity: int
    colour: Colour = Colour.RED


def round_trip(value: Any, codec: Codec | None = None) -> Any:
    codec = codec or Codec()
    return codec.decode(codec.encode(value))


def typed(value: Any) -> Any:
    """Return a comparable fingerprint of ``value`` that includes every nested type."""
    kind = type(value)
    if isinstance(value, dict):
        return kind, tuple((typed(k), typed(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return kind, tuple(typed(v) for v in value)
    if isinstance(value, set | frozenset):
        return kind, frozenset(typed(v) for v in value)
    if isinstance(value, BaseModel):
        return kind, typed(dict(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return kind, typed(dataclasses.asdict(value))
    if isinstance(value, datetime | time):
        return kind, value.isoformat(), value.fold, type(value.tzinfo), value.tzinfo
    if isinstance(value, float | Decimal):
        return kind, repr(value)  # tells -0.0 from 0.0 and Decimal("1.0") from Decimal("1")
    return kind, value


def assert_round_trips(value: Any, codec: Codec | None = None) -> None:
    decoded = round_trip(value, codec)
    assert decoded == value
    assert typed(decoded) == typed(value)


fixed_offsets = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
)
datetimes = st.datetimes(timezones=st.none() | fixed_offsets)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.binary()
    | datetimes
    | st.dates()
    | st.times()
    | st.timedeltas()
    | st.uuids()
    | st.decimals(allow_nan=False)
    | st.sampled_from(Colour)
    | st.sampled_from(Priority)
)
points = st.builds(Point, st.integers(), st.text())
hashables = st.recursive(
    scalars | points,
    lambda inner: st.lists(inner, max_size=3).map(tuple) | st.frozensets(inner, max_size=3),
    max_leaves=8,
)
items = st.builds(
    Item, name=st.text(), tags=st.lists(st.text(), max_size=3).map(tuple), when=datetimes
)
orders = st.builds(Order, item=items, quantity=st.integers(), colour=st.sampled_from(Colour))
values = st.recursive(
    scalars | points | items | orders,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.lists(inner, max_size=4).map(tuple)
        | st.sets(hashables, max_size=4)
        | st.frozensets(hashables, max_size=4)
        | st.dictionaries(st.text(), inner, max_size=4)
        | st.dictionaries(st.integers() | hashables, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(values)
def test_every_supported_value_round_trips_with_its_exact_types(value: Any) -> None:
    assert_round_trips(value)


@given(values)
def test_equal_values_encode_to_equal_bytes(value: Any) -> None:
    data = Codec().encode(value)
    assume(b'"__bl__":"set"' not in data and b'"__bl__":"frozenset"' not in data)
    assert Codec().encode(round_trip(value)) == data


def test_plain_dict_is_written_as_plain_compact_json() -> None:
    assert Codec().encode({"a": [1, "x"], "é": None}) == '{"a":[1,"x"],"é":null}'.encode()


def test_tuple_is_written_as_a_small_tagged_object() -> None:
    assert Codec().encode((1, 2)) == b'{"__bl__":"tuple","v":[1,2]}'


def test_tuple_round_trips_as_tuple() -> None:
    assert_round_trips({"pair": (1, ("a", 2.5))})


def test_set_and_frozenset_round_trip_as_themselves() -> None:
    assert_round_trips({"s": {1, "a"}, "f": frozenset({(1, 2)})})


def test_non_str_dict_keys_survive() -> None:
    assert_round_trips(
        {1: "int", (1, "a"): "tuple", None: "none", frozenset({2}): "set", 2.5: "float"}
    )


def test_str_dict_holding_the_reserved_key_round_trips() -> None:
    assert_round_trips({"__bl__": "tuple", "v": [1, 2]})


def test_bytes_round_trip() -> None:
    assert_round_trips(b"\x00\xffbinary")


def test_aware_datetime_keeps_its_offset_and_microseconds() -> None:
    value = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    decoded = round_trip(value)
    assert decoded.utcoffset() == timedelta(hours=5, minutes=30)
    assert typed(decoded) == typed(value)


def test_zoneinfo_datetime_keeps_its_zone_and_fold() -> None:
    value = datetime(2024, 10, 27, 2, 30, fold=1, tzinfo=ZoneInfo("Europe/Paris"))
    assert_round_trips(value)


def test_special_floats_round_trip_as_tagged_floats() -> None:
    codec = Codec()
    assert codec.encode([math.inf, -math.inf]) == (
        b'[{"__bl__":"float","v":"inf"},{"__bl__":"float","v":"-inf"}]'
    )
    (decoded,) = round_trip([math.nan])
    assert type(decoded) is float
    assert math.isnan(decoded)


def test_dataclass_round_trips() -> None:
    assert_round_trips([Point(1, "a"), {Point(2, "b")}])


def test_pydantic_model_with_nested_model_and_tuple_field_round_trips() -> None:
    when = datetime(2024, 1, 2, tzinfo=UTC)
    assert_round_trips(Order(item=Item(name="pen", tags=("blue", "fine"), when=when), quantity=3))


def test_str_and_int_enum_members_round_trip() -> None:
    assert_round_trips({"colour": Colour.BLUE, Priority.HIGH: [Priority.LOW]})


def test_unsupported_value_is_refused_at_encode_time_naming_type_and_path() -> None:
    with pytest.raises(
        UnsupportedValueError,
        match=r"^cannot store a value of type object found at value\['items'\]\[2\]\. "
        r"The codec stores only None, bool, .* Convert the value to one of these, "
        r"or hold it in a dataclass or pydantic model\.$",
    ):
        Codec().encode({"items": [1, 2, object()]})


def test_unsupported_value_inside_a_model_names_the_field() -> None:
    with pytest.raises(
        UnsupportedValueError, match=r"function found at value\[0\]\['v'\]\[1\]\.content\. "
    ):
        Codec().encode([{"v": (1, Box(content=lambda: 1))}])


def test_unsupported_value_inside_a_dataclass_names_the_field() -> None:
    with pytest.raises(UnsupportedValueError, match=r"type object found at value\.label\. "):
        Codec().encode(Point(1, object()))  # type: ignore[arg-type]


def test_unsupported_dict_key_is_located_among_the_keys() -> None:
    with pytest.raises(
        UnsupportedValueError, match=r"generator found at value\['d'\]\.keys\(\)\. "
    ):
        Codec().encode({"d": {(x for x in range(0)): 1}})


def test_unsupported_set_member_is_located_inside_the_set() -> None:
    with (
        socket.socket() as sock,
        pytest.raises(
            UnsupportedValueError, match=r"socket\.socket found at value\['s'\]\{\.\.\.\}\. "
        ),
    ):
        Codec().encode({"s": {sock}})


def test_class_object_is_refused_as_a_class_not_an_instance() -> None:
    with pytest.raises(UnsupportedValueError, match=r"the class test_codec\.Point \(a class"):
        Codec().encode({"cls": Point})


def test_subclass_of_a_builtin_is_refused() -> None:
    class Tags(list[str]):
        pass

    with pytest.raises(UnsupportedValueError, match=r"type test_codec\..*Tags found at value\. "):
        Codec().encode(Tags())


def test_codec_errors_sit_in_the_branchline_tree_and_builtin_families() -> None:
    assert issubclass(UnsupportedValueError, CodecError)
    assert issubclass(UnsupportedValueError, TypeError)
    assert issubclass(CodecError, ValueError)
    assert issubclass(CodecError, BranchlineError)


def test_class_not_on_the_allow_list_is_refused_by_a_new_codec() -> None:
    data = Codec().encode({"p": Point(1, "a")})
    with pytest.raises(
        CodecError,
        match=r"^stored value has class 'test_codec:Point', which is not on this codec's "
        r"allow-list\. Register it with CheckpointStore\(\.\.\., types=\[Point\]\) "
        r"or codec\.allow\(Point\)\.$",
    ):
        Codec().decode(data)


def test_types_argument_allows_a_class() -> None:
    data = Codec().encode({"p": Point(1, "a")})
    assert Codec(types=[Point]).decode(data) == {"p": Point(1, "a")}


def test_allowing_a_model_allows_the_classes_named_in_its_fields() -> None:
    order = Order(item=Item(name="pen", tags=()), quantity=1, colour=Colour.BLUE)
    assert Codec(types=[Order]).decode(Codec().encode(order)) == order


def test_allow_method_allows_a_class() -> None:
    data = Codec().encode(Colour.RED)
    codec = Codec()
    codec.allow(Colour)
    assert codec.decode(data) is Colour.RED


def test_lenient_codec_decodes_unknown_classes_to_type_dicts() -> None:
    data = Codec().encode([Point(1, "a"), Item(name="pen", tags=("x",)), Colour.RED])
    assert Codec(lenient=True).decode(data) == [
        {"__type__": "test_codec:Point", "x": 1, "label": "a"},
        {"__type__": "test_codec:Item", "name": "pen", "tags": ("x",), "when": None},
        {"__type__": "test_codec:Colour", "value": "red"},
    ]


def test_decoding_damaged_bytes_raises_codec_error() -> None:
    with pytest.raises(CodecError, match=r"^cannot decode stored value b'\{\"a\":'"):
        Codec().decode(b'{"a":')


def test_decoding_an_unknown_tag_raises_codec_error() -> None:
    with pytest.raises(CodecError, match=r"^unknown tag 'complex' in stored value"):
        Codec().decode(b'{"__bl__":"complex","v":[1,2]}')


def test_event_state_with_uuid_and_timestamp_round_trips() -> None:
    state = {
        "originator_id": UUID("12345678-1234-5678-1234-567812345678"),
        "originator_version": 3,
        "timestamp": datetime(2024, 1, 1, 12, 0, 0, 1, tzinfo=UTC),
        "values": {"when": date(2024, 1, 1), "amount": Decimal("1.10")},
    }
    assert_round_trips(state)


def nested(depth: int, leaf: Any = 1, shell: Any = lambda inner: {"k": inner}) -> Any:
    """A value ``depth`` levels of JSON deep: ``shell`` wrapped around ``leaf``."""
    value = leaf
    for _ in range(depth):
        value = shell(value)
    return value


def decoded_from_deep_in_the_stack(data: bytes, frames: int) -> Any:
    """Decode ``data`` from ``frames`` frames down, as a reader deep in a web stack would."""
    return Codec().decode(data) if frames == 0 else decoded_from_deep_in_the_stack(data, frames - 1)


@pytest.mark.parametrize(
    "shell",
    [lambda inner: {"k": inner}, lambda inner: [inner], lambda inner: (inner,)],
    ids=["dicts", "lists", "tuples"],
)
def test_a_value_as_deep_as_allowed_round_trips_and_reads_back_deep_in_a_stack(
    shell: Any,
) -> None:
    depth = MAX_DEPTH // 2 if shell(1) == (1,) else MAX_DEPTH  # a tagged tuple is two levels
    for leaf in (1, 1.5):  # plain JSON, and (a float) through the tagged path
        value = nested(depth, leaf, shell)

        data = Codec().encode(value)

        assert decoded_from_deep_in_the_stack(data, 600) == value


@pytest.mark.parametrize(
    ("depth", "leaf", "shell"),
    [
        (MAX_DEPTH + 1, 1, lambda inner: {"k": inner}),  # plain JSON
        (MAX_DEPTH + 1, 1.5, lambda inner: [inner]),  # through the tagged path
        (MAX_DEPTH // 2 + 1, 1, lambda inner: (inner,)),  # tags add a level each
        (5_000, 1, lambda inner: [inner]),  # deeper than the stack itself
    ],
    ids=["dicts", "lists-with-a-float", "tuples", "very-deep"],
)
def test_a_value_nested_too_deep_is_refused_with_a_clear_error(
    depth: int, leaf: Any, shell: Any
) -> None:
    with pytest.raises(UnsupportedValueError, match=f"nested more than {VALUE_DEPTH} levels"):
        Codec().encode(nested(depth, leaf, shell))


def test_a_value_that_contains_itself_is_refused_with_a_clear_error() -> None:
    looped: list[Any] = [1]
    looped.append(looped)

    with pytest.raises(UnsupportedValueError, match="or one that contains itself"):
        Codec().encode({"log": looped})


class _Text(str):
    """A str subclass, as langchain-core's ``message.text`` returns."""


def test_a_str_subclass_is_stored_as_its_text_and_allows_no_class() -> None:
    codec = Codec()
    data = codec.encode({"reply": _Text("hi"), _Text("key"): [_Text("x")]})
    back = Codec().decode(data)

    assert back == {"reply": "hi", "key": ["x"]}
    assert [type(v) for v in (back["reply"], *back["key"], *back)] == [str] * 4
    assert codec.encode([_Text("hi")]) == b'["hi"]'
