"""What the inbox's pages show of a question, and the answer a posted form gives: an
Agent Inbox question (``human_review``) gets its own actions (approve, approve with
edits, a field per argument, respond, reject), any other question an answer in words
(or JSON)."""

from __future__ import annotations

import json
from typing import Any

from branchline.domain.model.checkpoint import Deciders


def agent_inbox_question(value: Any) -> dict[str, Any]:
    """An Agent Inbox question (``human_review``), or {}."""
    one = value[0] if isinstance(value, list) and len(value) == 1 else value
    if isinstance(one, dict) and isinstance(one.get("action_request"), dict):
        return one
    return {}


def proposal(value: Any) -> Any:
    """What a question proposes: an Agent Inbox question's action and its arguments; any
    other question's value."""
    human = agent_inbox_question(value)
    return human["action_request"] if human else value


def summary(value: Any) -> str:
    human = agent_inbox_question(value)
    if human:
        return str(human.get("description") or f"{human['action_request'].get('action')}?")
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 80 else text[:79] + "…"


def who(deciders: Deciders) -> str:
    named = [*deciders.actors, *(f"role {r}" for r in deciders.roles)]
    due = f", until {deciders.deadline:%Y-%m-%d %H:%M} UTC" if deciders.deadline else ""
    return (", ".join(named) or "anyone") + due


def pretty(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=str)


def actions(value: Any) -> list[dict[str, Any]]:
    """The actions a question allows: an Agent Inbox question's own (approve, edit with a
    field per argument, respond, reject); any other, an answer in words (or JSON)."""
    human = agent_inbox_question(value)
    if not human:
        free = [{"name": "answer", "value": "", "long": True}]
        return [{"kind": "answer", "label": "Answer", "fields": free}]
    allowed, args = human.get("config", {}), human["action_request"].get("args", {})
    actions: list[dict[str, Any]] = []
    if allowed.get("allow_accept"):
        actions.append({"kind": "accept", "label": "Approve", "fields": []})
    if allowed.get("allow_edit"):
        fields = [
            {"name": k, "value": json.dumps(v, default=str), "long": False} for k, v in args.items()
        ]
        actions.append({"kind": "edit", "label": "Approve with edits", "fields": fields})
    if allowed.get("allow_respond"):
        words = [{"name": "response", "value": "", "long": True}]
        actions.append({"kind": "response", "label": "Respond", "fields": words})
    if allowed.get("allow_ignore"):
        actions.append({"kind": "ignore", "label": "Reject", "fields": []})
    return actions


def answer(value: Any, form: dict[str, str]) -> Any:
    """The answer a posted form gives (a ``HumanResponse`` to an Agent Inbox question)."""
    fields = {k.removeprefix("field:"): v for k, v in form.items() if k.startswith("field:")}
    human, kind = agent_inbox_question(value), form.get("kind", "")
    if not human:
        return json_or_text(fields.get("answer", ""))
    if kind == "edit":
        args = {k: json_or_text(v) for k, v in fields.items()}
        action = human["action_request"].get("action")
        return [{"type": "edit", "args": {"action": action, "args": args}}]
    if kind == "response":
        return [{"type": "response", "args": fields.get("response", "")}]
    return [{"type": kind, "args": None}]


def json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
