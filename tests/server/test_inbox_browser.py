"""The web inbox in a real browser (headless Chromium): sign in, find the question,
decide, see the run finish and the decision in the audit trail; two people deciding at
once; values shown escaped; a form without its CSRF token refused."""

from __future__ import annotations

from typing import Any

import httpx
from langgraph_sdk import get_sync_client

from tests.server.conftest import Server, hidden_field


def sdk(server: Server) -> Any:
    """LangGraph's sync client (Playwright's sync API holds this thread's event loop)."""
    return get_sync_client(url=server.url, api_key=server.token)


def paused_thread(server: Server, graph: str, values: dict[str, Any]) -> str:
    """A new thread of ``graph`` run to its question."""
    with sdk(server) as client:
        tid = str(client.threads.create(graph_id=graph)["thread_id"])
        client.runs.wait(tid, graph, input=values)
    return tid


def state_of(server: Server, tid: str) -> dict[str, Any]:
    with sdk(server) as client:
        return client.threads.get_state(tid)  # type: ignore[no-any-return]


def signed_in(browser: Any, server: Server, token: str) -> Any:
    """A browser page of a person signed in with ``token``."""
    page = browser.new_context().new_page()
    page.goto(f"{server.url}/inbox")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.url}/inbox")
    return page


def test_a_person_approves_in_the_inbox_and_the_run_finishes(browser: Any, server: Server) -> None:
    tid = paused_thread(server, "inbox", {"amount": 70})
    page = signed_in(browser, server, server.token)
    assert page.text_content("#actor") == "ana"

    page.click(f"tr:has-text('{tid}') a")
    assert '"amount": 70' in page.text_content("#proposal")
    page.fill("#edit-amount", "65")
    page.click(".action-edit button")

    assert page.text_content("#notice") == "Recorded: edit by ana."  # after a redirect
    audit = page.text_content("#audit")
    assert "ana" in audit and "resume" in audit
    assert page.text_content("#chain") == "chain verified"
    assert state_of(server, tid)["values"]["log"][-1] == "paid 65"


def test_two_people_approving_at_once_decide_once_and_the_other_is_told_who(
    browser: Any, server: Server
) -> None:
    tid = paused_thread(server, "inbox", {"amount": 90})
    pages = [signed_in(browser, server, t) for t in (server.token, server.token_for("bob"))]
    for page in pages:
        page.goto(f"{server.url}/inbox")
        page.click(f"tr:has-text('{tid}') a")
    # Both forms are submitted before either answer is read: the two requests race.
    for page in pages:
        page.evaluate("document.querySelector('.action-accept').requestSubmit()")
    notices = []
    for page in pages:
        page.wait_for_selector("#notice")
        notices.append(page.text_content("#notice"))

    recorded = [n for n in notices if n.startswith("Recorded")]
    refused = [n for n in notices if n.startswith("Not recorded")]
    assert len(recorded) == 1 and len(refused) == 1, notices
    winner = recorded[0].removeprefix("Recorded: accept by ").rstrip(".")
    assert f"answered by {winner}" in refused[0]
    assert state_of(server, tid)["values"]["approved"] == "accept"


def test_a_question_is_shown_escaped(browser: Any, server: Server) -> None:
    tid = paused_thread(server, "refunds", {"amount": 5})
    page = signed_in(browser, server, server.token)

    with sdk(server) as client:
        script = {"log": ["<script>window.pwned = 1</script>"]}
        client.threads.update_state(tid, script, as_node="draft")
        client.runs.wait(tid, "refunds", input=None)
    page.goto(f"{server.url}/inbox")
    page.click(f"tr:has-text('{tid}') a")
    assert "<script>window.pwned = 1</script>" in page.text_content("#state")
    assert page.evaluate("window.pwned") is None


def test_a_form_without_the_sessions_csrf_token_is_refused(server: Server) -> None:
    tid = paused_thread(server, "inbox", {"amount": 3})
    with httpx.Client(base_url=server.url) as web:
        page = web.get("/inbox/login")
        assert page.status_code == 200
        forged = web.post("/inbox/login", data={"token": server.token, "csrf": "guess"})
    assert forged.status_code == 403
    assert "stale or was not sent from the inbox" in forged.json()["detail"]
    assert state_of(server, tid)["next"] == ["inbox_review"]


def test_the_inbox_shows_a_question_asked_elsewhere_without_a_reload(
    browser: Any, server: Server
) -> None:
    page = signed_in(browser, server, server.token)
    tid = paused_thread(server, "refunds", {"amount": 8})  # asked through the API

    page.wait_for_selector(f"tr:has-text('{tid}')", timeout=15_000)
    assert '{"approve refund?": 8}' in page.text_content(f"tr:has-text('{tid}')")


def test_a_decision_on_a_question_answered_meanwhile_is_refused_with_409(server: Server) -> None:
    tid = paused_thread(server, "inbox", {"amount": 11})
    with httpx.Client(base_url=server.url, follow_redirects=True) as web:
        form = {"csrf": hidden_field(web.get("/inbox/login").text, "csrf"), "token": server.token}
        inbox = web.post("/inbox/login", data=form).text
        question = inbox.split(f"{tid}</td>")[1].split('href="')[1].split('"')[0]
        shown = web.get(question).text
        with sdk(server) as client:  # someone answers first, through the API
            client.runs.wait(tid, "inbox", command={"resume": [{"type": "accept", "args": None}]})
        late = {"csrf": hidden_field(shown, "csrf"), "digest": hidden_field(shown, "digest")}
        refused = web.post(question, data={**late, "kind": "accept"})

    assert refused.status_code == 409
    assert "Not recorded: this question was answered by ana already." in refused.text


def test_after_signing_out_the_sessions_cookie_signs_nobody_in(server: Server) -> None:
    with httpx.Client(base_url=server.url, follow_redirects=True) as web:
        form = {"csrf": hidden_field(web.get("/inbox/login").text, "csrf"), "token": server.token}
        inbox = web.post("/inbox/login", data=form)
        assert "Signed in as" in inbox.text
        kept = dict(web.cookies)
        web.post("/inbox/logout", data={"csrf": hidden_field(inbox.text, "csrf")})
    with httpx.Client(base_url=server.url, cookies=kept) as replay:
        again = replay.get("/inbox")
    assert again.status_code == 303 and again.headers["location"] == "/inbox/login"
