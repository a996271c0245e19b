"""Branchline over HTTP: LangGraph Server's API, for the apps and people that decide.

``branchline serve --db PATH_OR_DSN --graph NAME=module:attr`` serves it; so does any
ASGI server given ``create_app(store, {"name": graph}, tokens=Tokens(ServerTables(store)))``
(``branchline.server.tables``). The app
needs the ``server`` extra (``pip install 'branchline[server]'``); the tokens do not, so
``branchline token create`` works without it.
"""

from importlib import import_module
from typing import Any

from branchline.server.tokens import Caller, Tokens


def __getattr__(name: str) -> Any:
    if name != "create_app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return import_module("branchline.server.asgi").create_app  # needs the server extra


__all__ = ["Caller", "Tokens", "create_app"]
