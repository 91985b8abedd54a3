"""Typed store errors: each says what went wrong and what to do about it.

`RetryableError` marks the ones a caller may simply retry (a lost optimistic race, a lock
that stayed busy, a deadlock); nothing was committed when they are raised.
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened (server down, bad URL, unwritable file)."""


class StoreCorrupt(StoreError):
    """The database file or a row in it is not what Regista wrote."""


class CorruptState(StoreCorrupt):
    """An instance's state column does not hold a JSON object."""

    def __init__(self, instance_id: str, detail: str) -> None:
        super().__init__(
            f"the stored state of process instance {instance_id!r} is corrupt ({detail}); "
            "the instance cannot be loaded — restore the row from a backup or cancel it"
        )
        self.instance_id = instance_id


class StoreFull(StoreError):
    """The disk or the database quota is full; the transaction was rolled back."""


class RetryableError(StoreError):
    """Nothing was committed; running the same unit of work again may succeed."""


class StoreBusy(RetryableError):
    """A lock stayed held by someone else for longer than the busy timeout."""


class VersionConflict(RetryableError):
    """The instance changed since it was read (optimistic version check failed)."""

    def __init__(self, instance_id: str, expected: int, actual: int | None) -> None:
        found = "it no longer exists" if actual is None else f"it is at version {actual}"
        super().__init__(
            f"process instance {instance_id!r} was changed concurrently: expected version "
            f"{expected} but {found}; reload it and apply the command again"
        )
        self.instance_id = instance_id
        self.expected = expected
        self.actual = actual


class StaleDefinition(RetryableError):
    """An instance was to start on the latest version of a process, but that is no longer
    the version it was given (a newer one was deployed meanwhile): start it again."""

    def __init__(self, process_id: str, definition_id: str) -> None:
        super().__init__(
            f"{definition_id!r} is no longer the latest version of process {process_id!r}; "
            "nothing was committed — start the instance again"
        )
        self.process_id = process_id
        self.definition_id = definition_id


Check = tuple[str, str, Any]
"""A check sent with the commit: ("version", instance id, expected version) or
("latest", process id, definition id)."""


class DeferredCheckFailed(RetryableError):
    """One of the checks a store sent with the commit failed (which one is found out
    after the rollback, see `PostgresStore`)."""

    def __init__(self, checks: list[Check]) -> None:
        super().__init__("a check sent with the commit failed; nothing was committed")
        self.checks = checks


class SerializationConflict(RetryableError):
    """The database aborted the transaction to resolve a deadlock or a serialization race."""


class NotFound(StoreError):
    """A row that the caller named does not exist."""


class DuplicateKey(StoreError):
    """A row with the same unique key already exists (for example an idempotency key)."""

    def __init__(self, message: str, existing_id: str | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class SchemaError(StoreError):
    """The database schema is not the one this Regista can work with."""


class SchemaTooNew(SchemaError):
    """The database was migrated by a newer Regista."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"database schema version {found} is newer than this Regista "
            f"(knows up to {known}); upgrade Regista"
        )
        self.found = found
        self.known = known


class SchemaOutdated(SchemaError):
    """The database misses migrations this Regista needs."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"database schema version {found} is older than this Regista (needs {known}); "
            "run `regista db upgrade`"
        )
        self.found = found
        self.known = known


class NodeLockError(StoreError):
    """Another engine node already serves this single-node (SQLite) database."""
