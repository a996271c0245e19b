"""Agent Inbox's question and answer: a proposed action a person accepts, edits, answers
in words or ignores, as one call in a node.

The question is a ``HumanInterrupt`` (the action and its arguments, what the person may
do, a description), asked as a one-item list as Agent Inbox expects; the answer is a
``HumanResponse``, ``{"type": "accept" | "edit" | "response" | "ignore", "args": ...}``
(Agent Inbox sends it in a one-item list; a bare one is taken too). An answer the
question does not allow (an edit where ``allow_edit`` is off, an edit without the action's
arguments, words that are not text) is refused where every answer is checked, before
anything is recorded (``checked_answer``), so the node only ever sees an allowed one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Literal, TypedDict

from branchline.runner.errors import InvalidAnswer
from branchline.runner.interrupts import interrupt

ResponseType = Literal["accept", "edit", "response", "ignore"]
_ALLOWS: dict[str, str] = {
    "accept": "allow_accept",
    "edit": "allow_edit",
    "response": "allow_respond",
    "ignore": "allow_ignore",
}


class ActionRequest(TypedDict):
    """An action proposed to a person: its name and its arguments."""

    action: str
    args: dict[str, Any]


class HumanInterruptConfig(TypedDict):
    """What the person may do with the proposal."""

    allow_ignore: bool
    allow_respond: bool
    allow_edit: bool
    allow_accept: bool


class HumanInterrupt(TypedDict):
    """Agent Inbox's question: the proposal, what may be done with it, a description."""

    action_request: ActionRequest
    config: HumanInterruptConfig
    description: str | None


class HumanResponse(TypedDict):
    """Agent Inbox's answer: accept or ignore (no args), a response (text), or an edit (the
    action with the arguments as the person changed them)."""

    type: ResponseType
    args: str | ActionRequest | None


def human_review(
    action: str,
    args: Mapping[str, Any],
    *,
    description: str | None = None,
    allow_accept: bool = True,
    allow_edit: bool = True,
    allow_respond: bool = True,
    allow_ignore: bool = True,
    actors: Iterable[str] = (),
    roles: Iterable[str] = (),
    deadline: datetime | timedelta | None = None,
) -> HumanResponse:
    """Ask a person about ``action`` with ``args`` as Agent Inbox shows it, and return
    their ``HumanResponse`` (only the kinds allowed here reach it). ``actors``, ``roles``
    and ``deadline``: who may answer, and until when (see ``interrupt``)."""
    question = HumanInterrupt(
        action_request=ActionRequest(action=action, args=dict(args)),
        config=HumanInterruptConfig(
            allow_ignore=allow_ignore,
            allow_respond=allow_respond,
            allow_edit=allow_edit,
            allow_accept=allow_accept,
        ),
        description=description,
    )
    answer: HumanResponse = _one(
        interrupt([question], actors=actors, roles=roles, deadline=deadline)
    )  # its shape was checked before it was recorded (checked_answer)
    return answer


def checked_answer(question: Any, answer: Any) -> None:
    """Refuse an answer to an Agent Inbox question that the question does not allow
    (``InvalidAnswer``); any answer to any other question passes."""
    asked = _human_interrupt(question)
    if asked is None:
        return
    response = _one(answer)
    kind = response.get("type") if isinstance(response, Mapping) else None
    allowed = [k for k, flag in _ALLOWS.items() if asked["config"].get(flag)]
    if kind not in _ALLOWS:
        raise InvalidAnswer(
            f"an answer to {asked['action_request']['action']!r} is a HumanResponse, "
            f'{{"type": one of {allowed}, "args": ...}}, got {answer!r}'
        )
    if kind not in allowed:
        raise InvalidAnswer(
            f"{asked['action_request']['action']!r} may not be answered with {kind!r}: "
            f"it allows {allowed}"
        )
    args = response.get("args")
    if kind == "response" and not isinstance(args, str):
        raise InvalidAnswer(f"a 'response' answer carries text in args, got {args!r}")
    if kind == "edit" and not (
        isinstance(args, Mapping)
        and isinstance(args.get("action"), str)
        and isinstance(args.get("args"), Mapping)
    ):
        raise InvalidAnswer(
            'an \'edit\' answer carries the action as edited, {"action": ..., "args": {...}}, '
            f"in args, got {args!r}"
        )


def _one(answer: Any) -> Any:
    """Agent Inbox's one-item list, or the item itself."""
    if isinstance(answer, list) and len(answer) == 1:
        return answer[0]
    return answer


def _human_interrupt(value: Any) -> HumanInterrupt | None:
    """``value`` if it is an Agent Inbox question (alone, or as a one-item list)."""
    value = _one(value)
    if not isinstance(value, Mapping):
        return None
    request, config = value.get("action_request"), value.get("config")
    if isinstance(request, Mapping) and isinstance(config, Mapping) and "action" in request:
        return value  # type: ignore[return-value]
    return None
