"""Errors of the engine core.

`CommandRejected` is what a caller meets: a command naming something the instance does not
have (an unknown job, a timer already fired, an instance that has ended). Problems inside a
model at run time (a failing expression, an unhandled BPMN error) never raise out of `step`:
they become incidents on the instance.
"""

from __future__ import annotations

__all__ = ["INCIDENT_TYPES", "CommandRejected", "EngineError", "ExpressionError", "Failure"]


class EngineError(Exception):
    """Base class of the errors raised by `regista.engine`."""


class CommandRejected(EngineError):
    """A command that does not apply to the instance; the message says what is there instead."""


class ExpressionError(EngineError):
    """An expression that cannot be evaluated (bad syntax, an untrusted Python script, an
    exception inside Python code); the step turns it into an incident."""


class Failure(EngineError):
    """Raised inside a step where an element cannot go on; the runner catches it and raises
    an incident on the element instance (the message becomes the incident's message).
    `error_type` is the incident's type as Camunda 8 names it (`INCIDENT_TYPES`), when the
    place that raises knows it; the place that catches gives its own otherwise."""

    def __init__(self, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type

    def typed(self, error_type: str) -> Failure:
        """The same failure as an incident of `error_type`."""
        failure = Failure(str(self), error_type)
        failure.__cause__ = self.__cause__
        return failure


#: Incident types as Camunda 8 names them (`errorType` of its incidents), those Regista
#: raises: a job out of retries, a BPMN error nobody catches, an input or output mapping, a
#: condition, any other expression, a call activity's process, a business rule task's
#: decision (missing, or failing), and the rest.
INCIDENT_TYPES = (
    "JOB_NO_RETRIES",
    "UNHANDLED_ERROR_EVENT",
    "IO_MAPPING_ERROR",
    "CONDITION_ERROR",
    "EXTRACT_VALUE_ERROR",
    "CALLED_ELEMENT_ERROR",
    "CALLED_DECISION_ERROR",
    "DECISION_EVALUATION_ERROR",
    "UNKNOWN",
)
