"""The fake LangChain chat model a chat node of a random graph calls (``NodeSpec.chats``).

A node builds a fresh ``GenericFakeChatModel`` on each run (no network, nothing shared
between the engines or between runs) whose one answer says who answered and how many
messages it read, with an id made of the same, so a rerun replaces its answer. The model
streams the answer word by word (and each space) when the run streams ``"messages"``;
how it is called is one of ``CHAT_MODES``:

- ``"stream"``: as it comes; the chunks stream, the message the node returns does not;
- ``"whole"``: ``disable_streaming=True``, the whole message streams at the model's end;
- ``"hidden"``: tagged ``"nostream"``, nothing from the model; the node's message streams.

An ``async def`` node (``NodeSpec.awaits``) awaits the model's ``ainvoke`` instead.

The answer's id is always given: an id LangChain would make (``lc_run--<uuid>``) comes
from LangChain on both engines, and the order of parallel tasks would label it apart.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage

CHAT_MODES = ("stream", "whole", "hidden")


def answer(name: str, mode: str, messages: list[Any]) -> Any:
    """The ``AIMessage`` node ``name`` gets from a chat model called as ``mode`` on the
    state's ``messages``."""
    return _model(name, mode, messages).invoke(messages or [HumanMessage("go", id="go")])


async def aanswer(name: str, mode: str, messages: list[Any]) -> Any:
    """``answer``, from the model's ``ainvoke`` (what an ``async def`` node awaits)."""
    return await _model(name, mode, messages).ainvoke(messages or [HumanMessage("go", id="go")])


def _model(name: str, mode: str, messages: list[Any]) -> Any:
    reply = AIMessage(f"{name} heard {len(messages)}", id=f"{name}.chat{len(messages)}")
    model: Any = GenericFakeChatModel(messages=iter([reply]), disable_streaming=mode == "whole")
    return model.with_config(tags=["nostream"]) if mode == "hidden" else model
