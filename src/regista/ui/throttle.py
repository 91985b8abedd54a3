"""A brake on guessing passwords at the login form: failed sign-ins are counted per
username and per client address over a sliding window, and once either count reaches its
limit the form refuses (429) without checking the password until the oldest failure
leaves the window. In memory and per process: it slows a guesser down, it is no account
lockout shared by a cluster."""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoginThrottle", "ThrottleLimits"]

#: How many usernames and addresses are remembered at most; the least recently failed
#: go first, so that a flood of made-up names cannot grow the memory without bound.
_MAX_KEYS = 10_000


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    """At most `per_user` failures for one username and `per_client` from one address
    within `window` seconds."""

    per_user: int = 5
    per_client: int = 20
    window: float = 900.0


class _Failures:
    """Failure times per key, the oldest key first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.times: OrderedDict[str, deque[float]] = OrderedDict()

    def wait(self, key: str, now: float, window: float) -> float:
        """Seconds until `key` may try again (0: now)."""
        times = self.times.get(key)
        if times is None:
            return 0.0
        while times and times[0] <= now - window:
            times.popleft()
        if not times:
            del self.times[key]
            return 0.0
        if len(times) < self.limit:
            return 0.0
        return times[-self.limit] + window - now

    def add(self, key: str, now: float) -> None:
        times = self.times.pop(key, None) or deque(maxlen=self.limit)
        times.append(now)
        self.times[key] = times
        while len(self.times) > _MAX_KEYS:
            self.times.popitem(last=False)


class LoginThrottle:
    """Counts failed sign-ins; `retry_after` says how long a username or client must wait.
    `clock` gives monotonic seconds (passed in, so tests move time by hand)."""

    def __init__(self, clock: Callable[[], float], limits: ThrottleLimits | None = None) -> None:
        self.clock = clock
        self.limits = limits or ThrottleLimits()
        self._users = _Failures(self.limits.per_user)
        self._clients = _Failures(self.limits.per_client)

    @staticmethod
    def _user(username: str) -> str:
        # one counter whatever the case or spaces a guesser types
        return username.strip().casefold()

    def retry_after(self, username: str, client: str) -> int:
        """Whole seconds before `username` may try again from `client` (0: at once)."""
        now = self.clock()
        window = self.limits.window
        wait = max(
            self._users.wait(self._user(username), now, window),
            self._clients.wait(client, now, window),
        )
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, username: str, client: str) -> None:
        """Count a failed sign-in of `username` from `client`."""
        now = self.clock()
        self._users.add(self._user(username), now)
        self._clients.add(client, now)

    def succeeded(self, username: str) -> None:
        """Forget the failures of `username` (its owner knew the password); the client's
        stay counted, so one valid account cannot reset a guesser's count."""
        self._users.times.pop(self._user(username), None)
