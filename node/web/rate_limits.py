"""In-process rate limits for what a visitor can make the node do: a sliding window per key
(e.g. the follow box per client address), and a cap on lookups running at once.

Per process and in memory: good enough to keep one visitor from turning the node into a
WebFinger cannon; sign-in throttling, which must hold across processes, is in the database.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field

MAX_KEYS = 10_000


@dataclass
class Window:
    limit: int
    seconds: float
    hits: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, key: str, now: float | None = None) -> bool:
        moment = time.monotonic() if now is None else now
        if len(self.hits) >= MAX_KEYS and key not in self.hits:
            self._forget_idle(moment)
        recent = self.hits.setdefault(key, deque())
        while recent and recent[0] <= moment - self.seconds:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(moment)
        return True

    def _forget_idle(self, moment: float) -> None:
        for key in [k for k, v in self.hits.items() if not v or v[-1] <= moment - self.seconds]:
            del self.hits[key]
        if len(self.hits) >= MAX_KEYS:
            self.hits.clear()


@dataclass
class RateLimits:
    follow_box: Window = field(default_factory=lambda: Window(limit=6, seconds=60.0))
    lookups: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))
