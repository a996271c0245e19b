"""A graph's boundary: the input it takes and the output ``invoke`` returns, when the
graph declares schemas for them narrower than its state (``StateGraph(State,
input_schema=In, output_schema=Out)``), read as LangGraph reads them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from branchline.runner.schema import StateSchema
from branchline.runner.types import Command


@dataclass(frozen=True)
class Boundary:
    """The input schema (None: the state's) and the output keys (None: every key)."""

    input: StateSchema | None = None
    output_keys: tuple[str, ...] | None = None

    @classmethod
    def of(cls, input_schema: type[Any] | None, output_schema: type[Any] | None) -> Boundary:
        """The boundary of a graph declared with these schemas (either may be None)."""
        return cls(
            StateSchema(input_schema) if input_schema is not None else None,
            tuple(StateSchema(output_schema).channels) if output_schema is not None else None,
        )

    def accept(self, value: Any) -> Any:
        """A call's input as the input schema reads it: only its keys, and, for a pydantic
        input schema, validated by it (pydantic's ValidationError, as in LangGraph)."""
        schema = self.input
        if schema is None or value is None or isinstance(value, Command):
            return value
        if schema.kind == "pydantic" and not isinstance(value, schema.type):
            value = schema.type.model_validate(value)
        if isinstance(value, BaseModel | dict) or hasattr(value, "__dataclass_fields__"):
            writes, _ = schema.writes_from("the input", value, known_only=True)
            return writes
        return value

    def output(self, values: dict[str, Any] | None) -> dict[str, Any] | None:
        """What ``invoke`` returns of the final ``values``: the output keys that have a
        value (None when none has, as in LangGraph)."""
        if self.output_keys is None or values is None:
            return values
        shown = {k: values[k] for k in self.output_keys if k in values}
        return shown or None
