"""Errors of the engine core.

`CommandRejected` is what a caller meets: a command naming something the instance does not
have (an unknown job, a timer already fired, an instance that has ended). Problems inside a
model at run time (a failing expression, an unhandled BPMN error) never raise out of `step`:
they become incidents on the instance.
"""

from __future__ import annotations

__all__ = ["CommandRejected", "EngineError", "ExpressionError", "Failure"]


class EngineError(Exception):
    """Base class of the errors raised by `regista.engine`."""


class CommandRejected(EngineError):
    """A command that does not apply to the instance; the message says what is there instead."""


class ExpressionError(EngineError):
    """An expression that cannot be evaluated (bad syntax, an untrusted Python script, an
    exception inside Python code); the step turns it into an incident."""


class Failure(EngineError):
    """Raised inside a step where an element cannot go on; the runner catches it and raises
    an incident on the element instance (the message becomes the incident's message)."""
