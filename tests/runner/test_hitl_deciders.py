"""Questions only some may answer, and questions with a deadline: ``interrupt(value,
actors=..., roles=..., deadline=...)``. Anyone else's answer, or one too late, is refused
and writes nothing, on every path that records an answer (here: ``invoke``, and the
command line's ``record_answers``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypedDict

import pytest

from branchline import (
    START,
    CheckpointStore,
    Command,
    InvalidConfigError,
    NotAllowedToAnswer,
    QuestionExpired,
    StateGraph,
    interrupt,
)
from branchline.domain.model import clock
from branchline.runner.stored_threads import record_answers


class Refund(TypedDict, total=False):
    approved_by: str


def asking(store: CheckpointStore, **deciders: Any) -> Any:
    def review(state: Refund) -> dict[str, Any]:
        return {"approved_by": interrupt("refund 500 EUR?", **deciders)}

    builder = StateGraph(Refund)
    builder.add_node("review", review)
    builder.add_edge(START, "review")
    return builder.compile(checkpointer=store)


def as_(actor: str | None, *roles: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": "t1", "actor": actor, "roles": list(roles)}}


@pytest.fixture
def frozen() -> Iterator[list[datetime]]:
    """The clock, stopped at noon; move it by changing the list's item."""
    moment = [datetime(2026, 12, 6, 12, tzinfo=UTC)]
    clock.set_clock(lambda: moment[0])
    yield moment
    clock.set_clock(None)


def test_only_a_named_actor_or_a_holder_of_a_named_role_may_answer(
    store: CheckpointStore,
) -> None:
    graph = asking(store, actors=["dana"], roles=["finance"])
    graph.invoke({}, as_("ana"))
    before = list(store.events("t1"))

    with pytest.raises(
        NotAllowedToAnswer, match=r"'ana' \(roles \['support'\]\) may not answer"
    ) as no:
        graph.invoke(Command(resume="ana"), as_("ana", "support"))
    assert "it is for dana, role finance" in str(no.value)
    with pytest.raises(NotAllowedToAnswer):
        record_answers(store, "t1", "ana", "ana")  # the command line's path
    with pytest.raises(NotAllowedToAnswer):
        graph.invoke(Command(resume="nobody"), as_(None))
    assert list(store.events("t1")) == before  # nothing written

    assert graph.invoke(Command(resume="erin"), as_("erin", "finance")) == {"approved_by": "erin"}


def test_a_named_actor_answers(store: CheckpointStore) -> None:
    graph = asking(store, actors=["dana"])
    graph.invoke({}, as_("ana"))
    assert graph.invoke(Command(resume="dana"), as_("dana")) == {"approved_by": "dana"}


def test_a_question_past_its_deadline_takes_no_answer(
    store: CheckpointStore, frozen: list[datetime]
) -> None:
    graph = asking(store, deadline=timedelta(hours=4))
    graph.invoke({}, as_("ana"))
    frozen[0] += timedelta(hours=4)
    before = list(store.events("t1"))

    with pytest.raises(QuestionExpired, match="expired at 2026-12-06T16:00:00"):
        graph.invoke(Command(resume="late"), as_("dana"))
    assert list(store.events("t1")) == before


def test_a_question_before_its_deadline_is_answered(
    store: CheckpointStore, frozen: list[datetime]
) -> None:
    graph = asking(store, deadline=datetime(2026, 12, 6, 13, tzinfo=UTC))
    graph.invoke({}, as_("ana"))
    frozen[0] += timedelta(minutes=59)
    assert graph.invoke(Command(resume="dana"), as_("dana")) == {"approved_by": "dana"}


@pytest.mark.parametrize(
    ("deciders", "says"),
    [
        ({"actors": "dana"}, "interrupt(actors=...) takes a list of names, got 'dana'"),
        ({"roles": [""]}, "interrupt(roles=...) takes a list of names"),
        ({"deadline": datetime(2026, 12, 6, 13)}, "timezone-aware datetime or a timedelta"),
        ({"deadline": "tomorrow"}, "got 'tomorrow'"),
    ],
)
def test_a_bad_option_is_an_error_that_writes_no_question(
    store: CheckpointStore, deciders: dict[str, Any], says: str
) -> None:
    graph = asking(store, **deciders)
    with pytest.raises(InvalidConfigError, match=says.replace("(", r"\(").replace(")", r"\)")):
        graph.invoke({}, as_("ana"))
    assert "Interrupted" not in [type(e).__name__ for e in store.events("t1")]


@pytest.mark.parametrize("roles", ["finance", [""], [3], {"finance": True}])
def test_roles_that_are_not_a_list_of_names_are_refused_before_anything_is_recorded(
    store: CheckpointStore, roles: Any
) -> None:
    graph = asking(store, roles=["finance"])
    graph.invoke({}, as_("ana"))
    before = list(store.events("t1"))
    config = {"configurable": {"thread_id": "t1", "actor": "ana", "roles": roles}}
    with pytest.raises(
        InvalidConfigError, match=r"configurable\.roles must be a list of role names"
    ):
        graph.invoke(Command(resume="ok"), config)
    assert list(store.events("t1")) == before


@pytest.mark.parametrize(
    "move_on",
    [
        lambda graph: graph.invoke(Command(update={"approved_by": "ana"}), as_("ana")),
        lambda graph: graph.invoke({"approved_by": "ana"}, as_("ana")),  # new input
        lambda graph: graph.update_state(as_("ana"), {"approved_by": "ana"}, as_node="review"),
    ],
    ids=["an edit in a Command", "new input", "update_state"],
)
def test_nobody_else_moves_the_thread_past_a_question_by_other_means(
    store: CheckpointStore, move_on: Any
) -> None:
    # Dropping the question unanswered would decide it another way.
    graph = asking(store, roles=["finance"])
    graph.invoke({}, as_("ana"))
    before = list(store.events("t1"))
    with pytest.raises(NotAllowedToAnswer, match="may not move thread 't1' past interrupt"):
        move_on(graph)
    assert list(store.events("t1")) == before
    graph.update_state(as_("erin", "finance"), {"approved_by": "erin"}, as_node="review")
    assert graph.get_state(as_("erin")).values == {"approved_by": "erin"}


def test_names_given_as_an_iterator_are_kept(store: CheckpointStore) -> None:
    graph = asking(store, roles=(role for role in ["finance"]))
    graph.invoke({}, as_("ana"))
    with pytest.raises(NotAllowedToAnswer):
        graph.invoke(Command(resume="ana"), as_("ana"))


def test_an_answered_question_still_names_who_could_answer_it(store: CheckpointStore) -> None:
    def review(state: Refund) -> dict[str, Any]:
        first = interrupt("refund?", actors=["dana"])
        return {"approved_by": f"{first}, {interrupt('and the fee?', roles=['finance'])}"}

    builder = StateGraph(Refund)
    builder.add_node("review", review)
    builder.add_edge(START, "review")
    graph = builder.compile(checkpointer=store)
    graph.invoke({}, as_("ana"))
    graph.invoke(Command(resume="yes"), as_("dana"))  # the second question waits

    thread = store.load("t1")
    assert thread is not None
    answered, waiting = sorted(thread.interrupts, key=lambda r: r.index)
    assert (answered.answered, answered.actor, answered.deciders.actors) == (
        True,
        "dana",
        ("dana",),
    )
    assert waiting.deciders.roles == ("finance",) and not waiting.answered
