"""Options of the durable runtime: how a node or a client runs the engine over a store.

One frozen value, passed explicitly to the `Shell` (no globals). The defaults suit a node
serving production traffic; tests shorten the backoff and the leases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from regista.settings import Settings

__all__ = ["RuntimeOptions"]


@dataclass(frozen=True, slots=True)
class RuntimeOptions:
    """How commands are applied to the instances of a store.

    Whether Python runs is not an option of the runtime but of each deployment
    (`Definition.trust`). `expression_language` is the language of expressions that name none,
    `max_steps` stops a loop without wait states with an incident. `message_ttl` is how long
    a message nobody waits for is kept (zero: dropped), `unique_message_start` lets a
    message start event start an instance only when no active instance of that process has
    the message's correlation key as business key. A failed job is retried after
    `retry_backoff` doubled at each attempt up to `max_retry_backoff`. A unit of work that
    lost a race (busy database, deadlock) is run again up to `transaction_attempts` times.

    Limits (each hit is an incident naming the limit inside a step, or a refused request):
    `max_multi_instance` inner instances of one multi-instance activity, `feel_budget`
    evaluation steps of one FEEL expression, `max_variable_bytes` of an instance's
    variables as JSON, `max_history_events` written by one command.
    """

    expression_language: str = "feel"
    max_steps: int = 10_000
    message_ttl: dt.timedelta = dt.timedelta(hours=1)
    unique_message_start: bool = False
    retry_backoff: dt.timedelta = dt.timedelta(seconds=1)
    max_retry_backoff: dt.timedelta = dt.timedelta(minutes=5)
    transaction_attempts: int = 10
    max_multi_instance: int = 10_000
    feel_budget: int = 100_000
    max_variable_bytes: int = 4_000_000
    max_history_events: int = 100_000

    @classmethod
    def from_settings(cls, settings: Settings, **changes: Any) -> RuntimeOptions:
        """Options with the limits of `settings` (the environment), and `changes`."""
        values: dict[str, Any] = {
            "max_multi_instance": settings.max_multi_instance,
            "feel_budget": settings.feel_budget,
            "max_variable_bytes": settings.max_variable_bytes,
            "max_history_events": settings.max_history_events,
        }
        values.update(changes)
        return cls(**values)

    def backoff(self, attempt: int) -> dt.timedelta:
        """How long to wait before retrying a job whose attempt `attempt` failed."""
        factor: int = 2 ** max(min(attempt, 32) - 1, 0)
        delay: dt.timedelta = self.retry_backoff * factor
        return min(delay, self.max_retry_backoff)
