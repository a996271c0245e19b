"""A PostgreSQL server that cannot be reached any more: a StoreUnavailable that names the
server (never the password) and says the call can be retried, not the library's error.

The connection runs through a TCP relay in this process to the real server; closing the
relay drops every connection and refuses new ones, as a server that went away does.
"""

from __future__ import annotations

import contextlib
import operator
import socket
import threading
from collections.abc import Iterator
from typing import Annotated, TypedDict
from urllib.parse import urlsplit, urlunsplit

import pytest

from branchline import END, START, CheckpointStore, StateGraph, StoreUnavailable
from branchline.domain.store.backends import postgres_env


class Relay:
    """Forwards TCP connections from a local port to ``target`` until ``close``."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self.target)
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(source, sink), daemon=True).start()

    def close(self) -> None:
        """Refuse new connections and drop every open one (the sockets are shut down, as
        a plain close would leave them open under a thread blocked reading them)."""
        for sock in [self.listener, *self.sockets]:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    for sock in (source, sink):
        sock.close()


@pytest.fixture
def relayed_dsn(pg_dsn: str) -> Iterator[tuple[str, Relay]]:
    """``pg_dsn`` through a relay, with a password in it (which no error may show)."""
    parts = urlsplit(pg_dsn)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    netloc = f"{parts.username}:s3cret@127.0.0.1:{relay.port}"
    yield urlunsplit(parts._replace(netloc=netloc)), relay
    relay.close()


class State(TypedDict):
    log: Annotated[list[str], operator.add]


def test_a_server_that_went_away_is_store_unavailable_naming_it(
    relayed_dsn: tuple[str, Relay], pg_schema: str
) -> None:
    dsn, relay = relayed_dsn
    builder = StateGraph(State)
    builder.add_node("step", lambda state: {"log": ["ran"]})
    builder.add_edge(START, "step")
    builder.add_edge("step", END)
    # as CheckpointStore.postgres makes it, with a 1 s connect timeout (not 10 s): the
    # library tries 10 times before it gives up
    env = postgres_env(dsn, pg_schema, create_tables=False, pool_size=1, lock_timeout=0)
    store = CheckpointStore({**env, "POSTGRES_CONNECT_TIMEOUT": "1"})
    graph = builder.compile(checkpointer=store)
    config = {"configurable": {"thread_id": "t1"}}
    graph.invoke({"log": []}, config)
    relay.close()

    other = {"configurable": {"thread_id": "t2"}}
    for call in (lambda: graph.invoke({"log": []}, config), lambda: graph.get_state(other)):
        with pytest.raises(StoreUnavailable) as caught:
            call()
        message = str(caught.value)
        assert f"cannot reach PostgreSQL at 127.0.0.1:{relay.port}, database 'test'" in message
        assert "s3cret" not in message
        assert "Retry the call once it is back" in message
        assert isinstance(caught.value, ConnectionError)
    store.close()


def test_a_closed_port_is_store_unavailable_naming_it(relayed_dsn: tuple[str, Relay]) -> None:
    dsn, relay = relayed_dsn
    relay.close()  # nothing listens on its port any more
    with pytest.raises(StoreUnavailable) as caught:
        CheckpointStore.postgres(dsn, schema="public")
    message = str(caught.value)
    assert (
        f"cannot reach PostgreSQL at 'postgresql://postgres:***@127.0.0.1:{relay.port}" in message
    )
    assert "s3cret" not in message and "retried" in message
