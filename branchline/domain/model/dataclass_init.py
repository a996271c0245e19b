"""``one_assignment_init``: frozen dataclasses that are cheap to make.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``, about
0.1 µs a field; folding a long stream makes a few of them per step, which was a tenth
of a long history listing. This ``__init__`` builds the ``__dict__`` in one go instead
(as eventsourcing does for events). Everything else stays the dataclass's own: fields,
defaults, equality, hashing, ``replace`` and immutability.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

T = TypeVar("T")

_SET = object.__setattr__


def one_assignment_init(cls: type[T]) -> type[T]:
    """Give the frozen dataclass ``cls`` an ``__init__`` that sets every field at once."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    settings = getattr(cls, "__dataclass_params__", None)
    if settings is None or not settings.frozen or "__slots__" in vars(cls):
        raise TypeError(f"{cls.__name__} is not a frozen dataclass without slots")
    if any(not f.init for f in fields) or hasattr(cls, "__post_init__"):
        raise TypeError(
            f"{cls.__name__}: every field must be an init field, and no __post_init__ "
            "(this __init__ would skip it)"
        )
    positional: list[str] = []
    keywords: list[str] = []  # the dataclass's own order puts them after the positional
    defaults: dict[str, Any] = {}
    for f in fields:
        signature = keywords if f.kw_only else positional
        if f.default_factory is not dataclasses.MISSING:
            signature.append(f"{f.name}=_MISSING")
            defaults[f.name] = f.default_factory
        elif f.default is not dataclasses.MISSING:
            signature.append(f"{f.name}=_d_{f.name}")
        else:
            signature.append(f.name)
    made = ", ".join(
        f"{f.name!r}: _f_{f.name}() if {f.name} is _MISSING else {f.name}"
        if f.name in defaults
        else f"{f.name!r}: {f.name}"
        for f in fields
    )
    namespace: dict[str, Any] = {"_SET": _SET, "_MISSING": dataclasses.MISSING}
    namespace |= {f"_d_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    namespace |= {f"_f_{name}": factory for name, factory in defaults.items()}
    params = ", ".join(["self", *positional, *(["*", *keywords] if keywords else [])])
    source = f"def __init__({params}):\n    _SET(self, '__dict__', {{{made}}})\n"
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
