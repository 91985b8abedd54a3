"""Options of the durable runtime: how a node or a client runs the engine over a store.

One frozen value, passed explicitly to the `Shell` (no globals). The defaults suit a node
serving production traffic; tests shorten the backoff and the leases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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
    """

    expression_language: str = "feel"
    max_steps: int = 10_000
    message_ttl: dt.timedelta = dt.timedelta(hours=1)
    unique_message_start: bool = False
    retry_backoff: dt.timedelta = dt.timedelta(seconds=1)
    max_retry_backoff: dt.timedelta = dt.timedelta(minutes=5)
    transaction_attempts: int = 10

    def backoff(self, attempt: int) -> dt.timedelta:
        """How long to wait before retrying a job whose attempt `attempt` failed."""
        factor: int = 2 ** max(min(attempt, 32) - 1, 0)
        delay: dt.timedelta = self.retry_backoff * factor
        return min(delay, self.max_retry_backoff)
