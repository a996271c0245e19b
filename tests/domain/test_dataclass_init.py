"""one_assignment_init: the same dataclass behaviour, built in one assignment."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from branchline.domain.model.dataclass_init import one_assignment_init


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


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Base:
    id: int
    when: str = "now"


@one_assignment_init
@dataclass(frozen=True, kw_only=True)
class Derived(Base):
    payload: dict[str, int] = field(default_factory=dict)
    label: str


def test_keyword_only_fields_inherited_and_own_keep_their_defaults_and_order() -> None:
    made = Derived(id=1, label="x")
    assert made == Derived(label="x", id=1, when="now", payload={})
    assert list(vars(made)) == ["id", "when", "payload", "label"]  # the stored order
    assert made.payload is not Derived(id=1, label="x").payload
    assert dataclasses.replace(made, when="later").when == "later"


def test_keyword_only_fields_refuse_positions_and_missing_names() -> None:
    with pytest.raises(TypeError, match="positional"):
        Derived(1, label="x")  # type: ignore[misc]
    with pytest.raises(TypeError, match="label"):
        Derived(id=1)  # type: ignore[call-arg]


def test_a_dataclass_with_post_init_is_refused() -> None:
    @dataclass(frozen=True)
    class Checked:
        name: str

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="no __post_init__"):
        one_assignment_init(Checked)
