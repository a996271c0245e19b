"""The web inbox: the pages the people who decide work in.

Every question waiting across threads (by graph, by who may answer, by age); a question
with its proposal and the state it was asked about, and the actions it allows; the
thread's audit trail; its checkpoints, with a diff of two. Pages reload when a question
is asked or answered anywhere (``/inbox/live``, server-sent events).

A person signs in with their API token, kept in a signed, HTTP-only, same-site cookie;
every form carries the session's CSRF token. A decision is recorded as a resume of the
question it was made on (the one place every answer goes through: ``Intake.answer``),
under the signed-in actor, and only if the proposal is still the one the page showed
(its digest): otherwise it is refused and the page says what changed. Values are
rendered escaped.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from sse_starlette.sse import EventSourceResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from branchline.bootstrap import open_views
from branchline.domain.model import clock
from branchline.domain.model.checkpoint import Deciders
from branchline.domain.model.events import Interrupted, InterruptSuperseded, Resumed
from branchline.runner.interrupts import digest
from branchline.runner.types import Command
from branchline.server import inbox_forms as forms
from branchline.server.context import Served, served
from branchline.server.requests import HTTPError, refusal_status
from branchline.server.tokens import Caller

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
LIVE_POLL_S = 1.0  # how often /inbox/live looks for new events in the log


def _caller(request: Request) -> Caller | None:
    """The signed-in person (the development mode's ``dev``), or None."""
    found: Caller | None = request.state.inbox_caller
    return found


async def _signed_in(request: Request) -> Caller | None:
    tokens = served(request).tokens
    if tokens is None:
        return Caller("dev")
    session = request.session.get("session")  # its id: the database keeps only its hash
    return None if session is None else await run_in_threadpool(tokens.session_caller, session)


def _csrf(request: Request) -> str:
    if "csrf" not in request.session:
        request.session["csrf"] = secrets.token_urlsafe(24)
    return str(request.session["csrf"])


async def _form(request: Request) -> dict[str, str]:
    """The posted form, once its CSRF token is the session's (403 otherwise)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    expected = request.session.get("csrf")
    if not expected or not hmac.compare_digest(form.get("csrf", ""), str(expected)):
        raise HTTPError(403, "this form is stale or was not sent from the inbox: reload it")
    return form


def _page(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    caller = _caller(request)
    return templates.TemplateResponse(
        request,
        name,
        status_code=status_code,
        context={
            "insecure": served(request).tokens is None,
            "actor": caller.actor if caller else None,
            "roles": caller.roles if caller else (),
            "csrf": _csrf(request),
            **context,
        },
    )


Page = Callable[[Request], Awaitable[Response]]


def _guarded(page: Page) -> Page:
    """``page``, for signed-in people only (others go to the sign-in page)."""

    async def guarded(request: Request) -> Response:
        request.state.inbox_caller = await _signed_in(request)
        if request.state.inbox_caller is None:
            return RedirectResponse("/inbox/login", status_code=303)
        return await page(request)

    return guarded


async def login(request: Request) -> Response:
    """The sign-in page, and signing in with an API token."""
    request.state.inbox_caller = None
    if request.method == "GET":
        return _page(request, "login.html")
    token = (await _form(request)).get("token", "")
    tokens = served(request).tokens
    session = None if tokens is None else await run_in_threadpool(tokens.sign_in, token)
    if session is None:
        return _page(request, "login.html", error="That token is not known here.")
    request.session.clear()  # a new session (and CSRF token) for the person signed in
    request.session["session"] = session
    return RedirectResponse("/inbox", status_code=303)


async def logout(request: Request) -> Response:
    """Sign out."""
    await _form(request)
    tokens, session = served(request).tokens, request.session.get("session")
    if tokens is not None and session is not None:
        await run_in_threadpool(tokens.sign_out, session)  # the cookie is worth nothing now
    request.session.clear()
    return RedirectResponse("/inbox/login", status_code=303)


async def inbox(request: Request) -> Response:
    """Every question waiting, oldest first, with the page's filters."""
    here, caller = served(request), _caller(request)
    assert caller is not None
    filters = {k: request.query_params.get(k, "") for k in ("graph", "for", "older")}
    rows = await run_in_threadpool(_pending, here)
    deleted = await run_in_threadpool(here.threads.all_deleted)
    questions = []
    now = clock.now()
    for row in (r for r in rows if r.thread_id not in deleted):
        graph, record = await _graph_name(here, row.thread_id), await _record(here, row)
        deciders = record.deciders if record else Deciders()
        if filters["graph"] and graph != filters["graph"]:
            continue
        if filters["for"] == "me" and not deciders.allows(caller.actor, caller.roles):
            continue
        if filters["older"].isdigit() and now - row.asked_at < timedelta(
            minutes=int(filters["older"])
        ):
            continue
        questions.append(
            {
                "interrupt_id": row.interrupt_id,
                "thread_id": row.thread_id,
                "node": row.node,
                "graph": graph,
                "asked_at": row.asked_at.strftime("%Y-%m-%d %H:%M:%S"),
                "summary": forms.summary(row.value),
                "who": forms.who(deciders),
                "expired": deciders.expired(now),
                "href": f"/inbox/threads/{row.thread_id}/questions/{row.interrupt_id}",
            }
        )
    return _page(
        request, "inbox.html", questions=questions, graphs=sorted(here.graphs), filters=filters
    )


async def question(request: Request) -> Response:
    """A question: its proposal, the state it was asked about, the actions it allows,
    and the thread's audit trail; a decision posted on it."""
    here, caller = served(request), _caller(request)
    assert caller is not None
    thread_id = request.path_params["thread_id"]
    interrupt_id = request.path_params["interrupt_id"]
    await here.existing(thread_id)
    status, notice = 200, None
    if request.method == "POST":
        status, text = await _decide(request, here, caller, thread_id, interrupt_id)
        notice = {"kind": "ok" if status == 200 else "refused", "text": text}
        if status == 200:  # back to the page: a reload posts nothing again
            request.session["notice"] = notice
            return RedirectResponse(request.url.path, status_code=303)
    else:
        notice = request.session.pop("notice", None)
    record = await run_in_threadpool(_asked, here, thread_id, interrupt_id)
    thread = await run_in_threadpool(here.store.load, thread_id)
    assert thread is not None, "the question was asked on it"
    pending = record.answered_by is None and not record.dropped
    context = {
        "notice": notice,
        "thread_id": thread_id,
        "node": record.node,
        "graph": await _graph_name(here, thread_id),
        "asked_at": record.asked_at.strftime("%Y-%m-%d %H:%M:%S"),
        "who": forms.who(record.deciders),
        "expired": record.deciders.expired(clock.now()),
        "summary": forms.summary(record.value),
        "description": forms.agent_inbox_question(record.value).get("description"),
        "proposal": forms.pretty(forms.proposal(record.value)),
        "state": forms.pretty(thread.values),
        "pending": pending,
        "actions": forms.actions(record.value) if pending else [],
        "digest": digest(here.store.codec.encode(record.value)),
        "href": request.url.path,
        "decisions": await run_in_threadpool(_decisions, here, thread_id),
        "chain": await run_in_threadpool(_chain, here, thread_id),
    }
    return _page(request, "question.html", status_code=status, **context)


async def _decide(
    request: Request, here: Served, caller: Caller, thread_id: str, interrupt_id: str
) -> tuple[int, str]:
    """Record the decision the form holds, if the question is still what the page
    showed; the status and what the page then says (409: refused, the question moved on;
    403: not this person's to answer)."""
    form = await _form(request)
    record = await run_in_threadpool(_asked, here, thread_id, interrupt_id)
    if record.answered_by is not None or record.dropped:
        by = f"answered by {record.answered_by}" if record.answered_by else "dropped"
        return 409, f"Not recorded: this question was {by} already."
    if digest(here.store.codec.encode(record.value)) != form.get("digest"):
        return 409, "Not recorded: the proposal changed since this page showed it."
    answer = forms.answer(record.value, form)
    graph_id, graph = await here.graph_of_thread(thread_id)
    configurable = {"thread_id": thread_id, "actor": caller.actor, "roles": list(caller.roles)}
    config = {"configurable": configurable, "metadata": {"actor": caller.actor}}
    run_id, resume = str(uuid4()), Command(resume={interrupt_id: answer})
    try:  # a run as the API's are: one at a time on the thread, cancellable, recorded
        await here.background.admit(run_id, thread_id, here.assistant_id(graph_id), {}, "enqueue")
        async with here.background.turn(run_id, thread_id) as outcome:
            outcome.result = await graph.ainvoke(resume, config)
    except Exception as refused:
        after = await run_in_threadpool(_asked, here, thread_id, interrupt_id)
        if after.answered_by == caller.actor:  # on record: the run failed after it
            return 200, f"Recorded; the run then failed: {refused}"
        return (403 if refusal_status(refused) == 403 else 409), f"Not recorded: {refused}"
    return 200, f"Recorded: {form['kind']} by {caller.actor}."


async def live(request: Request) -> Response:
    """``changed`` whenever the log grows (a question asked or answered anywhere)."""

    async def changes() -> AsyncIterator[dict[str, str]]:
        seen = await run_in_threadpool(_position, served(request))
        while True:
            await asyncio.sleep(LIVE_POLL_S)
            now = await run_in_threadpool(_position, served(request))
            if now != seen:
                seen = now
                yield {"event": "changed", "data": json.dumps(now)}

    return EventSourceResponse(changes())


async def tree(request: Request) -> Response:
    """A thread's checkpoints (indented under the one each was made from), and the diff
    of the two picked."""
    here = served(request)
    thread_id = request.path_params["thread_id"]
    await here.existing(thread_id)
    rows = await run_in_threadpool(_tree, here, thread_id)
    a, b = request.query_params.get("a"), request.query_params.get("b")
    diff = None
    if a and b:
        _, graph = await here.graph_of_thread(thread_id)
        at = [{"configurable": {"thread_id": thread_id, "checkpoint_id": c}} for c in (a, b)]
        found = await graph.adiff(*at)
        ancestor = (found.ancestor or {}).get("configurable", {}).get("checkpoint_id")
        changed = {k: {"A": va, "B": vb} for k, (va, vb) in found.values.items()}
        steps = {"A's side": found.left, "B's side": found.right}
        diff = {"ancestor": ancestor, "text": forms.pretty({"values": changed, **steps})}
    return _page(request, "tree.html", thread_id=thread_id, checkpoints=rows, a=a, b=b, diff=diff)


@dataclass(frozen=True)
class _Asked:
    """A question as its thread's log tells it: asked, then answered (by whom) or not."""

    node: str
    value: Any
    asked_at: datetime
    deciders: Deciders
    answered_by: str | None = None  # "someone" when no actor was recorded
    dropped: bool = False


def _asked(here: Served, thread_id: str, interrupt_id: str) -> _Asked:
    """Question ``interrupt_id`` of the thread: from its state when asked in the step in
    progress (a question waiting is), else from its log; 404 if it asked none."""
    thread = here.store.load(thread_id)
    record = None if thread is None else thread.interrupt(interrupt_id)
    if record is not None:
        answered_by = (record.actor or "someone") if record.answered else None
        return _Asked(
            record.node, record.value, record.asked_at, record.deciders, answered_by, record.dropped
        )
    asked: _Asked | None = None
    for event in here.store.events(thread_id):
        if isinstance(event, Interrupted) and event.interrupt_id == interrupt_id:
            who = Deciders.of(event.actors, event.roles, event.deadline)
            asked = _Asked(event.node, event.value, event.timestamp, who)
        elif asked is not None and getattr(event, "interrupt_id", None) == interrupt_id:
            if isinstance(event, Resumed):
                asked = replace(asked, answered_by=event.actor or "someone")
            elif isinstance(event, InterruptSuperseded):
                asked = replace(asked, dropped=True)
    if asked is None:
        raise HTTPError(
            404, f"no question {interrupt_id!r} on thread {thread_id!r}; /inbox lists those waiting"
        )
    return asked


def _pending(here: Served) -> list[Any]:
    views = open_views(here.store)
    views.catch_up(here.store)
    return sorted(views.pending_interrupts(), key=lambda row: row.asked_at)


def _position(here: Served) -> int:
    views = open_views(here.store)
    views.catch_up(here.store)
    return views.position


def _decisions(here: Served, thread_id: str) -> list[dict[str, Any]]:
    views = open_views(here.store)
    views.catch_up(here.store)
    return [
        {
            "at": d.at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor": d.actor or "unknown",
            "kind": d.kind,
            "value": forms.pretty(d.value, indent=None),
            "interrupt_id": d.interrupt_id or "",
            "digest": d.digest or "",
        }
        for d in views.decisions(thread_id)
    ]


def _chain(here: Served, thread_id: str) -> str:
    broken = [r.broken for r in here.store.verify(thread_id) if not r.intact]
    return "chain verified" if not broken else f"chain broken: {broken[0]}"


def _tree(here: Served, thread_id: str) -> list[dict[str, Any]]:
    views = open_views(here.store)
    views.catch_up(here.store)
    rows = views.tree(thread_id)
    depth: dict[str, int] = {}
    shown = []
    for row in rows:
        depth[row.checkpoint_id] = depth.get(row.parent_id or "", -1) + 1
        shown.append(
            {
                "checkpoint_id": row.checkpoint_id,
                "indent": "· " * depth[row.checkpoint_id],
                "step": row.step,
                "source": row.source,
                "next": ", ".join(row.next),
            }
        )
    return shown


async def _graph_name(here: Served, thread_id: str) -> str:
    found = await here.thread_graph(thread_id)
    return found[0] if found else ""


async def _record(here: Served, row: Any) -> Any:
    thread = await run_in_threadpool(here.store.load, row.thread_id)
    return None if thread is None else thread.interrupt(row.interrupt_id)


ROUTES = [
    Route("/inbox/login", login, methods=["GET", "POST"]),
    Route("/inbox/logout", logout, methods=["POST"]),
    Route("/inbox", _guarded(inbox)),
    Route("/inbox/live", _guarded(live)),
    Route("/inbox/threads/{thread_id}/tree", _guarded(tree)),
    Route(
        "/inbox/threads/{thread_id}/questions/{interrupt_id}",
        _guarded(question),
        methods=["GET", "POST"],
    ),
]
