"""``computed_once``: a property computed on first read and kept on the instance.

It is ``functools.cached_property`` without the lock Python 3.11's takes for every first
read of every instance (a thread state is made for every step, and read at once). A
state is immutable and read by one thread while it is made, so no lock is needed; two
threads computing it at once would keep equal values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class computed_once(Generic[T]):
    """Decorate a method of no arguments: its value, computed once per instance."""

    def __init__(self, method: Callable[[Any], T]) -> None:
        self.method = method
        self.name = method.__name__
        self.__doc__ = method.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> computed_once[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.method(instance)
        return value
