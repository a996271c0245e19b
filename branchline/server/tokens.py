"""API tokens: who a request comes from. Only a token's hash is stored.

A token names an actor (recorded on every decision made with it) and roles (which
questions it may answer). It is printed once, when created; the database keeps its
SHA-256, so a copy of the database lets nobody in. Tokens live in the store's own
database (a table ``branchline_tokens`` in the SQLite file, or in the PostgreSQL
schema), so every server process on that database knows them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from branchline.server.tables import ServerTables

PREFIX = "blt_"  # what a Branchline token starts with (recognisable in a leaked log)
TABLE = "branchline_tokens"
SESSIONS = "branchline_sessions"  # the inbox's sign-ins: a session id's hash -> its token
_COLUMNS = "token_hash, token_id, actor, roles, created_at"


@dataclass(frozen=True)
class Caller:
    """Who makes a request: the actor a decision is recorded under, and their roles."""

    actor: str
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenInfo:
    """A stored token, without the token: its short id, owner, roles and age."""

    token_id: str
    actor: str
    roles: tuple[str, ...]
    created_at: datetime


class Tokens:
    """The API tokens of one store's database."""

    def __init__(self, tables: ServerTables) -> None:
        self._db = self.tables = tables
        self._table, self._mark = self._db.table(TABLE), self._db.mark
        self._sessions = self._db.table(SESSIONS)
        with self._db.connection() as conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._table} (token_hash TEXT PRIMARY KEY, "
                "token_id TEXT NOT NULL, actor TEXT NOT NULL, roles TEXT NOT NULL, "
                "created_at TEXT NOT NULL)"
            )
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {self._sessions} (session_hash TEXT PRIMARY KEY, "
                "token_hash TEXT NOT NULL, created_at TEXT NOT NULL)"
            )

    def create(self, actor: str, roles: Sequence[str] = ()) -> str:
        """A new token for ``actor`` with ``roles``; only its hash is kept."""
        if not actor.strip():
            raise ValueError("a token needs an actor: pass --actor NAME (who decides with it)")
        token = PREFIX + secrets.token_urlsafe(32)
        digest = hashed(token)
        row = (digest, digest[:8], actor, json.dumps(list(roles)), datetime.now(UTC).isoformat())
        with self._db.connection() as conn:
            conn.execute(
                f"INSERT INTO {self._table} ({_COLUMNS}) VALUES ({self._db.marks(5)})", row
            )
        return token

    def caller(self, token: str) -> Caller | None:
        """Whose ``token`` this is, or None if it is not one of ours."""
        query = f"SELECT actor, roles FROM {self._table} WHERE token_hash = {self._mark}"
        with self._db.connection() as conn:
            found = conn.execute(query, (hashed(token),)).fetchone()
        if found is None:
            return None
        actor, roles = found
        return Caller(actor, tuple(json.loads(roles)))

    def sign_in(self, token: str) -> str | None:
        """A new inbox session for ``token`` (its id: only its hash is stored, so a copy
        of the database signs nobody in); None if the token is not one of ours."""
        if self.caller(token) is None:
            return None
        session = secrets.token_urlsafe(32)
        row = (hashed(session), hashed(token), datetime.now(UTC).isoformat())
        with self._db.connection() as conn:
            conn.execute(f"INSERT INTO {self._sessions} VALUES ({self._db.marks(3)})", row)
        return session

    def session_caller(self, session: str) -> Caller | None:
        """Who inbox session ``session`` is (None once signed out, or its token revoked)."""
        query = (
            f"SELECT t.actor, t.roles FROM {self._sessions} s JOIN {self._table} t "
            f"ON t.token_hash = s.token_hash WHERE s.session_hash = {self._mark}"
        )
        with self._db.connection() as conn:
            found = conn.execute(query, (hashed(session),)).fetchone()
        return None if found is None else Caller(found[0], tuple(json.loads(found[1])))

    def sign_out(self, session: str) -> None:
        """End inbox session ``session``."""
        query = f"DELETE FROM {self._sessions} WHERE session_hash = {self._mark}"
        with self._db.connection() as conn:
            conn.execute(query, (hashed(session),))

    def listed(self) -> list[TokenInfo]:
        """Every token, oldest first (without the tokens themselves)."""
        query = f"SELECT token_id, actor, roles, created_at FROM {self._table} ORDER BY created_at"
        with self._db.connection() as conn:
            rows = conn.execute(query).fetchall()
        return [
            TokenInfo(tid, actor, tuple(json.loads(roles)), datetime.fromisoformat(created))
            for tid, actor, roles, created in rows
        ]

    def revoke(self, token_id: str) -> bool:
        """Delete the token whose id is ``token_id``; whether there was one."""
        query = f"DELETE FROM {self._table} WHERE token_id = {self._mark}"
        with self._db.connection() as conn:
            return bool(conn.execute(query, (token_id,)).rowcount > 0)


def hashed(token: str) -> str:
    """What is stored of ``token``."""
    return hashlib.sha256(token.encode()).hexdigest()
