"""Errors of the durable runtime that users can meet: each says what to do."""

from __future__ import annotations

__all__ = ["DuplicateMessage", "NotFoundError", "RequestError"]


class RequestError(ValueError):
    """A request the runtime cannot carry out (no such process, a command the instance
    refuses, bad variables, ...); the message says why and what is there instead."""


class NotFoundError(RequestError):
    """The instance, task, incident or process named does not exist."""


class DuplicateMessage(RequestError):
    """A message published again with the `message_id` of one that still lives."""
