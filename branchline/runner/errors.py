"""Errors raised by the graph runner.

Exception tree (each class also inherits the builtin it resembles)::

    BranchlineError                      (domain.errors)
    └── GraphError
        ├── GraphValidationError (ValueError)   compile-time problems, all listed at once
        ├── CheckpointerTypeError (TypeError)   compile() given something that is not a store
        ├── InvalidConfigError (ValueError)     a config dict is missing or has a bad key
        ├── InvalidUpdateError (ValueError)     a write a node or update_state made is refused
        ├── ReducerTypeError (TypeError)        a reducer could not combine a write of the
        │                                       wrong type with its channel's value
        ├── EmptyInputError (ValueError)        nothing to run: no input and nothing pending
        ├── GraphRecursionError (RecursionError) a run exceeded its recursion_limit
        ├── InterruptNotPending (LookupError)   a resume named no pending interrupt
        └── AmbiguousResume (ValueError,        a resume that does not say which interrupt it
                             RuntimeError)      answers: a bare value with several pending,
                                                an id prefix of several, ids mixed with keys

A node's own exception is never wrapped: it reaches the caller unchanged.
"""

from __future__ import annotations

from branchline.domain.model.errors import BranchlineError


class GraphError(BranchlineError):
    """Base of the runner's errors."""


class GraphValidationError(GraphError, ValueError):
    """The graph is malformed; the message lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        listed = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"the graph has {len(problems)} problem(s):\n{listed}")


class InvalidConfigError(GraphError, ValueError):
    """A config dict is missing a required key or has a malformed value."""


class InvalidUpdateError(GraphError, ValueError):
    """A write was refused before anything was stored."""


class CheckpointerTypeError(GraphError, TypeError):
    """``compile(checkpointer=...)`` was given something that cannot keep threads."""


class ReducerTypeError(GraphError, TypeError):
    """A channel's reducer refused a write of the wrong type (``operator.add`` given an
    int for a list): a TypeError, as the reducer's own error is where LangGraph lets it
    through, so ``except TypeError`` keeps working; nothing of the step was written."""


class EmptyInputError(GraphError, ValueError):
    """A run was asked for with no input and nothing pending."""


class GraphRecursionError(GraphError, RecursionError):
    """A run took more supersteps than its recursion_limit allows."""


class InterruptNotPending(GraphError, LookupError):
    """A resume named no pending interrupt: none is pending, or it was answered or dropped."""


class InvalidAnswer(GraphError, ValueError):
    """An answer its question does not allow (an Agent Inbox question's kinds of answer:
    ``human_review``); nothing was recorded."""


class NotAllowedToAnswer(GraphError, PermissionError):
    """An answer from an actor a question does not name, holding none of its roles
    (``interrupt(value, actors=..., roles=...)``); nothing was recorded."""


class QuestionExpired(GraphError, LookupError):
    """An answer to a question past its deadline (``interrupt(value, deadline=...)``);
    nothing was recorded."""


class AmbiguousResume(GraphError, ValueError, RuntimeError):
    """A resume does not say which interrupt it answers: a bare value while several are
    pending, an id prefix that starts several pending ids, two keys naming one interrupt,
    or a map mixing keys shaped like ids with other keys. Also a RuntimeError, the class
    LangGraph raises for a bare value with several pending."""
