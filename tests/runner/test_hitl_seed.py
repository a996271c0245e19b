"""The seed's human-in-the-loop snippets, run on small concrete graphs.

Each test follows one snippet of ``seed/human-in-the-loop.md`` (Breakpoints, Dynamic
Breakpoints, Resuming, Approval, Editing, Input, Reviewing Tool Calls), changed only
in the argument order of ``update_state(config, values)``, and checks what a user sees:
the values, ``next``, and which nodes ran (side-effect counters).
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from typing import Annotated, Any, TypedDict

from branchline import END, START, CheckpointStore, Command, Interrupt, NodeInterrupt, StateGraph
from branchline import interrupt as ask


class State(TypedDict, total=False):
    input: str
    state: str
    user_input: str
    tool_call: str
    answer: Any
    log: Annotated[list[str], operator.add]


def counted(calls: Counter[str], name: str) -> Any:
    def node(state: State) -> dict[str, Any]:
        calls[name] += 1
        return {"log": [name]}

    return node


def chain(calls: Counter[str], *names: str, **nodes: Any) -> StateGraph:
    """START -> names... -> END; a node given by keyword replaces the counting one."""
    builder = StateGraph(State)
    for name in names:
        builder.add_node(name, nodes.get(name) or counted(calls, name))
    for start, end in zip([START, *names], [*names, END], strict=True):
        builder.add_edge(start, end)
    return builder


# Static breakpoints ---------------------------------------------------------------------


def four_nodes(store: CheckpointStore, calls: Counter[str]) -> Any:
    """The seed's compile snippet: before node_a, after node_b and node_c."""
    graph_builder = chain(calls, "node_a", "node_b", "node_c", "node_d")
    return graph_builder.compile(
        interrupt_before=["node_a"],
        interrupt_after=["node_b", "node_c"],
        checkpointer=store,
    )


def test_compiled_breakpoint_before_node_a_pauses_before_any_node_runs(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = four_nodes(store, calls)

    values = graph.invoke({"log": ["in"]}, config)

    assert values == {"log": ["in"]}
    assert graph.get_state(config).next == ("node_a",)
    assert calls == Counter()


def test_compiled_breakpoint_after_node_b_pauses_once_node_b_ran(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = four_nodes(store, calls)
    graph.invoke({"log": ["in"]}, config)

    values = graph.invoke(None, config)

    assert values == {"log": ["in", "node_a", "node_b"]}
    assert graph.get_state(config).next == ("node_c",)
    assert calls == Counter({"node_a": 1, "node_b": 1})


def test_compiled_breakpoints_after_node_b_and_node_c_each_pause_then_the_run_finishes(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()
    graph = four_nodes(store, calls)
    graph.invoke({"log": ["in"]}, config)
    graph.invoke(None, config)

    after_c = graph.invoke(None, config)
    next_after_c = graph.get_state(config).next
    final = graph.invoke(None, config)

    assert after_c == {"log": ["in", "node_a", "node_b", "node_c"]}
    assert next_after_c == ("node_d",)
    assert final == {"log": ["in", "node_a", "node_b", "node_c", "node_d"]}
    assert graph.get_state(config).next == ()
    assert calls == Counter({"node_a": 1, "node_b": 1, "node_c": 1, "node_d": 1})


def test_stream_to_the_breakpoint_then_stream_none_continues_from_the_checkpoint(
    store: CheckpointStore,
) -> None:
    calls: Counter[str] = Counter()
    builder = chain(calls, "prepare", "step_for_human_in_the_loop", "finish")
    graph = builder.compile(checkpointer=store, interrupt_before=["step_for_human_in_the_loop"])
    thread_config = {"configurable": {"thread_id": "1"}}
    inputs = {"log": ["in"]}

    first = list(graph.stream(inputs, thread_config, stream_mode="values"))
    paused_next = graph.get_state(thread_config).next
    paused_calls = Counter(calls)
    second = list(graph.stream(None, thread_config, stream_mode="values"))

    assert first == [{"log": ["in"]}, {"log": ["in", "prepare"]}]
    assert paused_next == ("step_for_human_in_the_loop",)
    assert paused_calls == Counter({"prepare": 1})
    assert second == [
        {"log": ["in", "prepare"]},
        {"log": ["in", "prepare", "step_for_human_in_the_loop"]},
        {"log": ["in", "prepare", "step_for_human_in_the_loop", "finish"]},
    ]
    assert calls == Counter({"prepare": 1, "step_for_human_in_the_loop": 1, "finish": 1})


# Dynamic breakpoints: NodeInterrupt --------------------------------------------------------


def node_interrupt_graph(store: CheckpointStore, calls: Counter[str]) -> Any:
    """START -> my_node (refuses inputs longer than 5 characters) -> after -> END."""

    def my_node(state: State) -> State:
        calls["my_node"] += 1
        if len(state["input"]) > 5:
            raise NodeInterrupt(
                f"Received input that is longer than 5 characters: {state['input']}"
            )
        return state

    return chain(calls, "my_node", "after", my_node=my_node).compile(checkpointer=store)


def test_node_interrupt_pauses_with_its_message(store: CheckpointStore, config: dict) -> None:
    calls: Counter[str] = Counter()
    graph = node_interrupt_graph(store, calls)

    values = graph.invoke({"input": "too long"}, config)

    [raised] = values["__interrupt__"]
    assert raised.value == "Received input that is longer than 5 characters: too long"
    assert graph.get_state(config).next == ("my_node",)
    assert calls == Counter({"my_node": 1})


def test_node_interrupt_has_a_real_interrupt_id(store: CheckpointStore, config: dict) -> None:
    graph = node_interrupt_graph(store, Counter())

    [raised] = graph.invoke({"input": "too long"}, config)["__interrupt__"]

    assert re.fullmatch(r"[0-9a-f]{32}", raised.id)


def test_stream_none_after_node_interrupt_reruns_the_node_and_interrupts_again(
    store: CheckpointStore,
) -> None:
    calls: Counter[str] = Counter()
    graph = node_interrupt_graph(store, calls)
    thread_config = {"configurable": {"thread_id": "1"}}
    [first] = graph.invoke({"input": "too long"}, thread_config)["__interrupt__"]

    events = list(graph.stream(None, thread_config, stream_mode="values"))

    assert events[-1]["__interrupt__"] == (first,)
    assert graph.get_state(thread_config).next == ("my_node",)
    assert calls == Counter({"my_node": 2})


def test_update_state_with_a_short_input_lets_the_node_pass(store: CheckpointStore) -> None:
    calls: Counter[str] = Counter()
    graph = node_interrupt_graph(store, calls)
    thread_config = {"configurable": {"thread_id": "1"}}
    graph.invoke({"input": "too long"}, thread_config)

    graph.update_state(config=thread_config, values={"input": "foo"})
    events = list(graph.stream(None, thread_config, stream_mode="values"))

    assert events[-1] == {"input": "foo", "log": ["after"]}
    assert "__interrupt__" not in events[-1]
    assert graph.get_state(thread_config).next == ()
    assert calls == Counter({"my_node": 2, "after": 1})


def test_update_state_none_as_my_node_skips_the_node(store: CheckpointStore) -> None:
    calls: Counter[str] = Counter()
    graph = node_interrupt_graph(store, calls)
    thread_config = {"configurable": {"thread_id": "1"}}
    graph.invoke({"input": "too long"}, thread_config)

    graph.update_state(config=thread_config, values=None, as_node="my_node")
    skipped = graph.get_state(thread_config)
    events = list(graph.stream(None, thread_config, stream_mode="values"))

    assert skipped.next == ("after",)
    assert skipped.values == {"input": "too long", "log": []}
    assert events[-1] == {"input": "too long", "log": ["after"]}
    assert calls == Counter({"my_node": 1, "after": 1})


# Dynamic breakpoints: interrupt() -----------------------------------------------------------


def asking_graph(store: CheckpointStore, calls: Counter[str]) -> Any:
    """START -> node (asks the client) -> END."""

    def node(state: State) -> dict[str, Any]:
        calls["node"] += 1
        client_value = ask(
            # This value will be sent to the client.
            {"key": "value"}
        )
        return {"answer": client_value}

    return chain(calls, "node", node=node).compile(checkpointer=store)


def test_interrupt_sends_its_value_to_the_client(store: CheckpointStore, config: dict) -> None:
    graph = asking_graph(store, Counter())

    values = graph.invoke({"log": []}, config)

    [sent] = values["__interrupt__"]
    assert isinstance(sent, Interrupt)
    assert sent.value == {"key": "value"}


def test_interrupt_returns_the_clients_value_on_resume(
    store: CheckpointStore, config: dict
) -> None:
    graph = asking_graph(store, Counter())
    graph.invoke({"log": []}, config)

    values = graph.invoke(Command(resume={"approved": True}), config)

    assert values == {"answer": {"approved": True}, "log": []}


# Resuming ---------------------------------------------------------------------------------


def test_command_resume_and_update_resumes_with_the_update_applied(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()

    def review(state: State) -> dict[str, Any]:
        calls["review"] += 1
        decision = ask(f"approve {state['state']}?")
        return {"answer": f"{decision} for {state['state']}"}

    graph = chain(calls, "review", review=review).compile(checkpointer=store)
    inputs = {"state": "draft"}
    graph.invoke(inputs, config=config)

    resume, update = "yes", {"state": "final"}
    values = graph.invoke(Command(resume=resume, update=update), config=config)

    assert values["answer"] == "yes for final"
    assert calls == Counter({"review": 2})


def test_update_state_then_invoke_none_resumes_without_command(
    store: CheckpointStore, config: dict
) -> None:
    calls: Counter[str] = Counter()

    def act(state: State) -> dict[str, Any]:
        calls["act"] += 1
        return {"log": [f"act on {state['state']}"]}

    builder = chain(calls, "plan", "act", act=act)
    graph = builder.compile(checkpointer=store, interrupt_before=["act"])
    inputs = {"state": "draft"}
    graph.invoke(inputs, config=config)

    update = {"state": "reviewed"}
    graph.update_state(config, update)
    values = graph.invoke(None, config=config)

    assert values == {"state": "reviewed", "log": ["plan", "act on reviewed"]}
    assert calls == Counter({"plan": 1, "act": 1})


# Interaction patterns -------------------------------------------------------------------------


def three_steps(
    store: CheckpointStore, calls: Counter[str], paused_before: str, *names: str, **nodes: Any
) -> Any:
    builder = chain(calls, *names, **nodes)
    return builder.compile(checkpointer=store, interrupt_before=[paused_before])


def test_approval_continues_from_the_last_saved_checkpoint(store: CheckpointStore) -> None:
    calls: Counter[str] = Counter()
    graph = three_steps(store, calls, "node_2", "node_1", "node_2", "node_3")
    thread = {"configurable": {"thread_id": "1"}}
    inputs = {"log": ["in"]}

    before = list(graph.stream(inputs, thread, stream_mode="values"))
    pending = graph.get_state(thread).next
    after = list(graph.stream(None, thread, stream_mode="values"))

    assert before[-1] == {"log": ["in", "node_1"]}
    assert pending == ("node_2",)
    assert after[-1] == {"log": ["in", "node_1", "node_2", "node_3"]}
    assert calls == Counter({"node_1": 1, "node_2": 1, "node_3": 1})


def test_editing_the_state_at_a_breakpoint_is_seen_by_the_next_node(
    store: CheckpointStore,
) -> None:
    calls: Counter[str] = Counter()

    def node_2(state: State) -> dict[str, Any]:
        calls["node_2"] += 1
        return {"log": [f"node_2 saw {state['state']}"]}

    graph = three_steps(store, calls, "node_2", "node_1", "node_2", node_2=node_2)
    thread = {"configurable": {"thread_id": "1"}}
    inputs = {"state": "old state"}
    list(graph.stream(inputs, thread, stream_mode="values"))

    graph.update_state(thread, {"state": "new state"})
    events = list(graph.stream(None, thread, stream_mode="values"))

    assert events[-1] == {"state": "new state", "log": ["node_1", "node_2 saw new state"]}
    assert calls == Counter({"node_1": 1, "node_2": 1})


def test_input_as_human_input_node_skips_it_and_feeds_the_next_node(
    store: CheckpointStore,
) -> None:
    calls: Counter[str] = Counter()

    def respond(state: State) -> dict[str, Any]:
        calls["respond"] += 1
        return {"log": [f"respond to {state['user_input']}"]}

    graph = three_steps(
        store, calls, "human_input", "agent", "human_input", "respond", respond=respond
    )
    thread = {"configurable": {"thread_id": "1"}}
    inputs = {"log": ["in"]}
    list(graph.stream(inputs, thread, stream_mode="values"))
    user_input = "hello"

    graph.update_state(thread, {"user_input": user_input}, as_node="human_input")
    next_after_input = graph.get_state(thread).next
    events = list(graph.stream(None, thread, stream_mode="values"))

    assert next_after_input == ("respond",)
    assert events[-1] == {"user_input": "hello", "log": ["in", "agent", "respond to hello"]}
    assert calls == Counter({"agent": 1, "respond": 1})


def tool_review_graph(store: CheckpointStore, calls: Counter[str]) -> Any:
    """START -> llm (proposes a tool call) -> human_review -> tool (runs it) -> END."""

    def llm(state: State) -> dict[str, Any]:
        calls["llm"] += 1
        return {"tool_call": "search('lanngraph')"}

    def tool(state: State) -> dict[str, Any]:
        calls["tool"] += 1
        return {"log": [f"ran {state['tool_call']}"]}

    return three_steps(
        store, calls, "human_review", "llm", "human_review", "tool", llm=llm, tool=tool
    )


def test_reviewed_tool_call_runs_as_edited_by_human_review(store: CheckpointStore) -> None:
    calls: Counter[str] = Counter()
    graph = tool_review_graph(store, calls)
    thread = {"configurable": {"thread_id": "1"}}
    inputs = {"log": []}
    list(graph.stream(inputs, thread, stream_mode="values"))

    graph.update_state(thread, {"tool_call": "updated tool call"}, as_node="human_review")
    events = list(graph.stream(None, thread, stream_mode="values"))

    assert events[-1] == {"tool_call": "updated tool call", "log": ["ran updated tool call"]}
    assert calls == Counter({"llm": 1, "tool": 1})


def test_approved_tool_call_runs_unedited_after_human_review(store: CheckpointStore) -> None:
    calls: Counter[str] = Counter()
    graph = tool_review_graph(store, calls)
    thread = {"configurable": {"thread_id": "1"}}
    inputs = {"log": []}
    list(graph.stream(inputs, thread, stream_mode="values"))

    events = list(graph.stream(None, thread, stream_mode="values"))

    assert events[-1] == {
        "tool_call": "search('lanngraph')",
        "log": ["human_review", "ran search('lanngraph')"],
    }
    assert calls == Counter({"llm": 1, "human_review": 1, "tool": 1})
