"""Per-host inbox rate limits: each remote host (the authority of the key that signed) may
have `per_hour` activities accepted per hour; beyond that its POSTs are answered 429 with
Retry-After, while every other host is served as before.

A token bucket per host, holding at most `per_hour` tokens and refilled continuously at
`per_hour` an hour: a host may spend its hour's budget at once, then one activity per
3600/per_hour seconds. Only requests whose signature verified spend, so nobody can use up
another host's budget by naming its key. Never keyword rules: what is said is never judged.
The state is in memory, per process (N `serve` processes allow N times the budget), and at
most MAX_HOSTS hosts are tracked: when full, hosts whose bucket refilled are forgotten first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from node.clock import Clock
from node.errors import TooManyRequests

MAX_HOSTS = 10_000
HOUR = 3600.0


@dataclass
class _Bucket:
    tokens: float
    at: float  # clock seconds when `tokens` was counted


class InboxRateLimit:
    def __init__(self, per_hour: int, clock: Clock, max_hosts: int = MAX_HOSTS) -> None:
        self.per_hour = max(1, per_hour)
        self._rate = self.per_hour / HOUR  # tokens per second
        self._clock = clock
        self._max_hosts = max_hosts
        self._buckets: dict[str, _Bucket] = {}
        self.refused = 0  # requests answered 429 since this process started

    def admit(self, host: str) -> None:
        """Spend one of the host's tokens, or raise TooManyRequests with the wait in seconds."""
        now = self._clock.now().timestamp()
        bucket = self._buckets.get(host)
        if bucket is None:
            self._make_room()
            bucket = self._buckets[host] = _Bucket(float(self.per_hour), now)
        else:
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(self.per_hour), bucket.tokens + elapsed * self._rate)
            bucket.at = now
        if bucket.tokens < 1.0:
            self.refused += 1
            wait = max(1, math.ceil((1.0 - bucket.tokens) / self._rate))
            raise TooManyRequests(
                f"{host} sent more than {self.per_hour} activities in an hour; "
                f"send again in {wait} s",
                retry_after=wait,
            )
        bucket.tokens -= 1.0

    def _make_room(self) -> None:
        if len(self._buckets) < self._max_hosts:
            return
        now = self._clock.now().timestamp()
        full = [
            host
            for host, b in self._buckets.items()
            if b.tokens + (now - b.at) * self._rate >= self.per_hour
        ]
        for host in full or list(self._buckets)[: self._max_hosts // 10 or 1]:
            del self._buckets[host]
