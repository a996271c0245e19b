"""The human-in-the-loop patterns of LangGraph's docs, written as a LangGraph user writes
them, for tests across processes: ``python hitl_patterns.py DB PATTERN start INPUT`` runs
a pattern's graph until it pauses and prints what it asked; ``... resume ANSWER`` answers
in a new process (``ANSWER`` is JSON; ``{"by_id": {...}}`` answers questions by their
ids, in the order they were asked) and prints the result. Each print is one JSON line.

- ``approval``: a node asks to approve or reject, and routes with ``Command(goto=...)``.
- ``edit``: a node shows a draft and takes the person's edited text as the state.
- ``validate``: a node asks for an age until the answer is a positive whole number.
- ``parallel``: two nodes ask at once; one call answers both by id.
- ``streaming``: a chat model's tokens and the question stream in one ``stream`` call
  (modes ``messages`` and ``updates``); the resume streams the rest. Its calls print
  ``{"tokens": [...], "asked": [...]}``.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Literal, TypedDict

from branchline import END, START, CheckpointStore, Command, StateGraph, add_messages, interrupt


class Proposal(TypedDict, total=False):
    action: str
    outcome: str


def ask_approval(state: Proposal) -> Command[Literal["proceed", "cancel"]]:
    decision = interrupt({"question": "Approve this action?", "action": state["action"]})
    return Command(goto="proceed" if decision == "approve" else "cancel")


def approval() -> StateGraph:
    builder = StateGraph(Proposal)
    builder.add_node("ask", ask_approval)
    builder.add_node("proceed", lambda s: {"outcome": f"done: {s['action']}"})
    builder.add_node("cancel", lambda s: {"outcome": "cancelled"})
    builder.add_edge(START, "ask").add_edge("proceed", END).add_edge("cancel", END)
    return builder


class Draft(TypedDict, total=False):
    summary: str
    published: str


def review(state: Draft) -> Draft:
    edited = interrupt({"task": "Review the summary", "summary": state["summary"]})
    return {"summary": edited}


def edit() -> StateGraph:
    builder = StateGraph(Draft).add_sequence(
        [
            ("write", lambda s: {"summary": f"draft about {s['summary']}"}),
            ("review", review),
            ("publish", lambda s: {"published": s["summary"].upper()}),
        ]
    )
    return builder.add_edge(START, "write")


class Person(TypedDict, total=False):
    age: int


def ask_age(state: Person) -> Person:
    question = "What is your age?"
    while True:
        answer = interrupt(question)
        if isinstance(answer, int) and answer > 0:
            return {"age": answer}
        question = f"'{answer}' is not a valid age. What is your age?"


def validate() -> StateGraph:
    return StateGraph(Person).add_node("ask", ask_age).add_edge(START, "ask")


class Texts(TypedDict):
    first: str
    second: str


def revise(key: Literal["first", "second"]) -> Any:
    def node(state: Texts) -> dict[str, str]:
        return {key: interrupt({"text_to_revise": state[key]})}

    return node


def parallel() -> StateGraph:
    builder = StateGraph(Texts)
    builder.add_node("first", revise("first")).add_node("second", revise("second"))
    return builder.add_edge(START, "first").add_edge(START, "second")


class Chat(TypedDict, total=False):
    messages: Annotated[list[Any], add_messages]
    approved: str


def reply(state: Chat) -> Chat:
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage

    said = "refund five euros" if len(state["messages"]) == 1 else "done, refunded"
    model = GenericFakeChatModel(messages=iter([AIMessage(said)]))
    return {"messages": [model.invoke(state["messages"])]}


def confirm(state: Chat) -> Chat:
    return {"approved": interrupt({"confirm": state["messages"][-1].content})}


def streaming() -> StateGraph:
    builder = StateGraph(Chat).add_sequence(
        [("propose", reply), ("confirm", confirm), ("finish", reply)]
    )
    return builder.add_edge(START, "propose")


def stream(graph: Any, given: Any, config: Any) -> dict[str, Any]:
    """A ``stream`` call of the ``streaming`` pattern: the tokens, then the questions."""
    tokens, asked = [], []
    for mode, chunk in graph.stream(given, config, stream_mode=["messages", "updates"]):
        if mode == "messages":
            tokens.append(chunk[0].content)
        elif "__interrupt__" in chunk:
            asked += [i.value for i in chunk["__interrupt__"]]
    return {"tokens": tokens, "asked": asked}


PATTERNS = {
    "approval": approval,
    "edit": edit,
    "validate": validate,
    "parallel": parallel,
    "streaming": streaming,
}


def main(db: str, pattern: str, action: str, given: str) -> None:
    config = {"configurable": {"thread_id": pattern}}
    with CheckpointStore.sqlite(db) as store:
        graph = PATTERNS[pattern]().compile(checkpointer=store)
        if pattern == "streaming":
            given_input = json.loads(given) if action == "start" else Command(resume=given)
            print(json.dumps(stream(graph, given_input, config)))
            return
        if action == "start":
            result = graph.invoke(json.loads(given), config)
        else:
            answer = json.loads(given)
            if isinstance(answer, dict) and "by_id" in answer:
                pending = graph.get_state(config).interrupts
                answer = {i.id: a for i, a in zip(pending, answer["by_id"], strict=True)}
            result = graph.invoke(Command(resume=answer), config)
        asked = [i.value for i in result.pop("__interrupt__", ())]
        print(json.dumps({"values": result, "asked": asked}))


if __name__ == "__main__":
    main(*sys.argv[1:])
