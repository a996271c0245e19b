"""``add_messages`` and stored messages where langchain-core is not installed.

Each test runs a real Python process in which ``import langchain_core`` fails, as it does
where the package is absent (the test environment has it, for the tests beside this one).
LangGraph cannot run there at all; these are Branchline's own dict behaviours.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# ``sys.modules[name] = None`` makes every ``import name...`` raise ModuleNotFoundError.
WITHOUT_LANGCHAIN = "import sys\nsys.modules['langchain_core'] = None\n"


def run_without_langchain(program: str, *args: str) -> str:
    """Run ``program`` where langchain-core cannot be imported; return what it printed."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_LANGCHAIN + textwrap.dedent(program), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_dict_messages_merge_by_id_and_stay_dicts() -> None:
    printed = run_without_langchain("""
        from branchline import add_messages
        left = [{"id": "1", "content": "a"}, {"id": "2", "content": "b"}]
        print(add_messages(left, [{"id": "1", "content": "A"}, {"id": "3", "content": "c"}]))
    """)

    assert printed == (
        "[{'id': '1', 'content': 'A'}, {'id': '2', 'content': 'b'}, {'id': '3', 'content': 'c'}]"
    )


def test_dict_messages_without_an_id_get_one_in_a_graph() -> None:
    printed = run_without_langchain("""
        from typing import Annotated, Any, TypedDict
        from branchline import START, StateGraph, add_messages
        class Chat(TypedDict):
            messages: Annotated[list[dict[str, Any]], add_messages]
        builder = StateGraph(Chat)
        builder.add_node("reply", lambda s: {"messages": {"role": "ai", "content": "yo"}})
        builder.add_edge(START, "reply")
        result = builder.compile().invoke({"messages": [{"role": "user", "content": "hi"}]})
        ids = [m.pop("id") for m in result["messages"]]
        print(result["messages"], len(set(ids)), all(isinstance(i, str) for i in ids))
    """)

    assert printed == (
        "[{'role': 'user', 'content': 'hi'}, {'role': 'ai', 'content': 'yo'}] 2 True"
    )


def test_pydantic_messages_merge_by_id() -> None:
    printed = run_without_langchain("""
        from pydantic import BaseModel
        from branchline import add_messages
        class Msg(BaseModel):
            content: str
            id: str | None = None
        left = [Msg(id="1", content="a")]
        merged = add_messages(left, [Msg(id="1", content="A"), Msg(content="b")])
        print([(m.content, m.id == "1", bool(m.id)) for m in merged])
    """)

    assert printed == "[('A', True, True), ('b', False, True)]"


def test_a_remove_dict_deletes_and_remove_all_clears() -> None:
    printed = run_without_langchain("""
        from branchline import REMOVE_ALL_MESSAGES, add_messages
        left = [{"id": "1", "content": "a"}, {"id": "2", "content": "b"}]
        print(add_messages(left, [{"type": "remove", "id": "1"}]))
        print(add_messages(left, [{"type": "remove", "id": REMOVE_ALL_MESSAGES}]))
    """)

    assert printed == "[{'id': '2', 'content': 'b'}]\n[]"


def test_a_str_message_is_refused_saying_to_install_langchain_core() -> None:
    printed = run_without_langchain("""
        from branchline import add_messages
        try:
            add_messages([], "hi")
        except TypeError as exc:
            print(exc)
    """)

    assert printed == (
        "add_messages needs messages that are dicts or have an 'id' attribute (strs and "
        "tuples need langchain-core: pip install 'branchline[langchain]'), got str: 'hi'"
    )


def test_format_needs_langchain_core() -> None:
    printed = run_without_langchain("""
        from branchline import add_messages
        try:
            add_messages(format="langchain-openai")([], [{"id": "1", "content": "a"}])
        except ValueError as exc:
            print(exc)
    """)

    assert printed == (
        "add_messages(format='langchain-openai') needs langchain-core: "
        "pip install 'branchline[langchain]'"
    )


def test_a_stored_langchain_message_is_unreadable_saying_to_install_it(tmp_path: Path) -> None:
    db = tmp_path / "chat.db"
    subprocess.run(  # written where langchain-core is installed
        [sys.executable, "-c", WRITE_A_CHAT, str(db)], check=True, capture_output=True, timeout=60
    )

    printed = run_without_langchain(
        """
        import sys
        from branchline import CheckpointStore, UnreadableEvent
        with CheckpointStore.sqlite(sys.argv[1]) as store:
            try:
                list(store.events("chat"))
            except UnreadableEvent as exc:
                print(exc)
        """,
        str(db),
    )

    assert (
        "stored value has class 'langchain_core.messages:HumanMessage', a LangChain message, "
        "and langchain-core is not installed here. Install it: pip install "
        "'branchline[langchain]'" in printed
    )


WRITE_A_CHAT = """
import sys
from branchline import START, CheckpointStore, MessagesState, StateGraph
with CheckpointStore.sqlite(sys.argv[1]) as store:
    builder = StateGraph(MessagesState)
    builder.add_node("reply", lambda state: {"messages": [("ai", "hello")]})
    builder.add_edge(START, "reply")
    graph = builder.compile(checkpointer=store)
    graph.invoke({"messages": "hi"}, {"configurable": {"thread_id": "chat"}})
"""


def test_streaming_messages_asks_for_langchain_and_writes_nothing() -> None:
    printed = run_without_langchain("""
        from typing import TypedDict
        from branchline import START, CheckpointStore, InvalidConfigError, StateGraph
        class State(TypedDict):
            n: int
        builder = StateGraph(State)
        builder.add_node("step", lambda s: {"n": s["n"] + 1})
        builder.add_edge(START, "step")
        graph = builder.compile(checkpointer=CheckpointStore.in_memory())
        config = {"configurable": {"thread_id": "t"}}
        try:
            list(graph.stream({"n": 0}, config, stream_mode=["updates", "messages"]))
        except InvalidConfigError as error:
            print(error)
        print(graph.get_state(config).values, list(graph.get_state_history(config)))
    """)

    # LangGraph cannot run without langchain-core at all; Branchline runs and says this.
    assert printed == (
        "stream_mode 'messages' streams the messages of LangChain chat models and needs "
        "langchain-core, which is not installed; run pip install 'branchline[langchain]', "
        "or stream another mode ('updates', 'values', 'custom')\n{} []"
    )
