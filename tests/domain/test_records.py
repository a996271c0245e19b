"""one_assignment_init: the same dataclass behaviour, built in one assignment."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from domain.records import one_assignment_init


@one_assignment_init
@dataclass(frozen=True)
class Sample:
    name: str
    count: int = 0
    tags: dict[str, int] = field(default_factory=dict)


def test_fields_defaults_and_factories_behave_as_the_dataclass_says() -> None:
    first, second = Sample("a"), Sample("a")
    assert first == second == Sample(name="a", count=0, tags={})
    assert first.tags is not second.tags  # a factory makes a fresh value each time
    assert Sample("b", 2, {"x": 1}) == Sample(name="b", count=2, tags={"x": 1})
    assert dataclasses.replace(first, count=3) == Sample("a", 3)
    assert repr(first) == "Sample(name='a', count=0, tags={})"


def test_instances_stay_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Sample("a").count = 1  # type: ignore[misc]


def test_a_missing_argument_is_the_usual_type_error() -> None:
    with pytest.raises(TypeError, match="name"):
        Sample()  # type: ignore[call-arg]


def test_only_frozen_dataclasses_are_accepted() -> None:
    @dataclass
    class Mutable:
        name: str

    with pytest.raises(TypeError, match="not a frozen dataclass"):
        one_assignment_init(Mutable)
