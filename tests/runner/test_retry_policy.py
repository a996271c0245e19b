"""add_node(..., retry_policy=RetryPolicy(...)): a node that raises runs again inside its
task, as LangGraph 1.2.22's (checked by running both). Only the wait is replaced."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from typing_extensions import TypedDict

from branchline import START, CheckpointStore, Command, RetryPolicy, StateGraph, interrupt
from branchline.runner import retry


class State(TypedDict):
    log: Annotated[list[Any], operator.add]


@pytest.fixture
def waits() -> Iterator[list[float]]:
    """The waits between attempts, recorded instead of slept."""
    waited: list[float] = []
    retry.set_sleep(waited.append)
    yield waited
    retry.set_sleep(None)


def failing(times: int, error: Callable[[], Exception]) -> Callable[[State], dict[str, Any]]:
    """A node that raises ``error()`` its first ``times`` calls, then logs its call count."""
    calls = [0]

    def flaky(state: State) -> dict[str, Any]:
        calls[0] += 1
        if calls[0] <= times:
            raise error()
        return {"log": [calls[0]]}

    return flaky


def graph(node: Callable[..., Any], policy: Any, store: CheckpointStore | None = None) -> Any:
    builder = StateGraph(State).add_node("a", node, retry_policy=policy).add_edge(START, "a")
    return builder.compile(checkpointer=store)


def test_a_connection_error_is_retried_until_the_node_returns(waits: list[float]) -> None:
    # LangGraph gives the same: {"log": [3]} after waits of 0.5 and 1.0 seconds.
    flaky = failing(2, lambda: ConnectionError("down"))

    result = graph(flaky, RetryPolicy(jitter=False)).invoke({"log": []})

    assert result == {"log": [3]}
    assert waits == [0.5, 1.0]


def test_the_last_error_is_raised_when_the_attempts_run_out(waits: list[float]) -> None:
    # LangGraph gives the same: 4 attempts, waits 1, 3, then 5 (max_interval).
    flaky = failing(10, lambda: ConnectionError("still down"))
    policy = RetryPolicy(
        max_attempts=4, initial_interval=1, backoff_factor=3, max_interval=5, jitter=False
    )

    with pytest.raises(ConnectionError, match="still down"):
        graph(flaky, policy).invoke({"log": []})
    assert waits == [1, 3, 5]


def test_jitter_adds_up_to_a_second_to_each_wait(waits: list[float]) -> None:
    flaky = failing(2, lambda: ConnectionError("down"))

    graph(flaky, RetryPolicy()).invoke({"log": []})

    assert 0.5 <= waits[0] <= 1.5
    assert 1.0 <= waits[1] <= 2.0


def test_a_programming_error_is_not_retried_by_default(waits: list[float]) -> None:
    # LangGraph gives the same: default_retry_on refuses ValueError, KeyError, ...
    flaky = failing(1, lambda: ValueError("bad input"))

    with pytest.raises(ValueError, match="bad input"):
        graph(flaky, RetryPolicy()).invoke({"log": []})
    assert waits == []


@pytest.mark.parametrize(
    "retry_on",
    [KeyError, [KeyError, ValueError], lambda e: "key" in str(e)],
    ids=["class", "list", "function"],
)
def test_retry_on_names_the_errors_to_retry(waits: list[float], retry_on: Any) -> None:
    flaky = failing(1, lambda: KeyError("key missing"))

    result = graph(flaky, RetryPolicy(retry_on=retry_on, jitter=False)).invoke({"log": []})

    assert result == {"log": [2]}


def test_the_first_policy_that_matches_the_error_decides(waits: list[float]) -> None:
    # LangGraph gives the same: 2 attempts (the second policy), one wait of 0.5.
    flaky = failing(10, lambda: ValueError("nope"))
    policies = [
        RetryPolicy(retry_on=KeyError, max_attempts=5),
        RetryPolicy(retry_on=ValueError, max_attempts=2, jitter=False),
    ]

    with pytest.raises(ValueError, match="nope"):
        graph(flaky, policies).invoke({"log": []})
    assert waits == [0.5]


def test_failed_attempts_leave_one_task_result_in_the_history(
    waits: list[float], store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: nothing is recorded for the failed attempts.
    compiled = graph(failing(2, lambda: ConnectionError("down")), RetryPolicy(), store)

    compiled.invoke({"log": []}, config)

    step = next(s for s in compiled.get_state_history(config) if s.next == ("a",))
    assert [(t.name, t.error, t.result) for t in step.tasks] == [("a", None, {"log": [3]})]


def test_a_retried_node_gets_the_answers_to_its_questions_again(
    waits: list[float], store: CheckpointStore, config: dict[str, Any]
) -> None:
    # LangGraph gives the same: {"log": ["yes"]}, the node run 3 times.
    calls = [0]

    def asks(state: State) -> dict[str, Any]:
        calls[0] += 1
        answer = interrupt("go on?")
        if calls[0] < 3:
            raise ConnectionError("down")
        return {"log": [answer]}

    compiled = graph(asks, RetryPolicy(), store)
    compiled.invoke({"log": []}, config)

    assert compiled.invoke(Command(resume="yes"), config) == {"log": ["yes"]}
    assert calls[0] == 3


@pytest.mark.parametrize(
    ("policy", "error", "message"),
    [
        (3, TypeError, r"takes a RetryPolicy or a list of them, got int 3"),
        ([RetryPolicy(), "x"], TypeError, r"got str 'x'"),
        (RetryPolicy(max_attempts=0), ValueError, r"max_attempts=0\) must be an int of at least 1"),
        (RetryPolicy(retry_on=["x"]), TypeError, r"retry_on=\['x'\]\) must be an exception class"),  # type: ignore[list-item]
    ],
)
def test_a_malformed_retry_policy_is_refused_when_the_node_is_added(
    policy: Any, error: type[Exception], message: str
) -> None:
    builder = StateGraph(State)

    with pytest.raises(error, match=message):
        builder.add_node("a", failing(0, ValueError), retry_policy=policy)
    assert builder.nodes == {}


def test_a_refused_http_request_is_not_retried_by_default(waits: list[float]) -> None:
    # LangGraph retries every requests.HTTPError, 4xx included (docs/differences.md,
    # "retries stop at errors that will not go away"); a 5xx is retried by both.
    import requests  # langchain-core's dependency, in the test extras

    attempts: list[int] = []

    def call(status: int) -> Callable[[Any], dict[str, Any]]:
        def node(state: Any) -> dict[str, Any]:
            attempts.append(status)
            response = requests.Response()
            response.status_code = status
            raise requests.HTTPError(str(status), response=response)

        return node

    for status, tries in ((404, 1), (503, 3)):
        policy = RetryPolicy(max_attempts=3, initial_interval=0.0, jitter=False)
        builder = StateGraph(State).add_node("a", call(status), retry_policy=policy)
        with pytest.raises(requests.HTTPError):
            builder.add_edge(START, "a").compile().invoke({"log": []})
        assert attempts.count(status) == tries
