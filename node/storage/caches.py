"""In-memory copies of what every inbox request reads: domain blocks and remote actors' keys.

Domain blocks are re-read at most every BLOCKS_REFRESH, and at once after this process
changed them (invalidate()): a block made elsewhere (the CLI, another `serve` process) takes
effect in every process within BLOCKS_REFRESH. Keys are a bounded LRU of what the database
holds; a signature that fails with a cached key still refetches the key once (see
node.solidarity.remote), and this process keeps the cache in step with the actors it stores.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from node.clock import Clock
from node.storage import hosts
from node.storage.remote_actors import RemoteActor

BLOCKS_REFRESH = timedelta(seconds=5)
KEYS_LIMIT = 4096

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class DomainBlocks:
    """The blocked domains, read once per BLOCKS_REFRESH (one reader at a time)."""

    def __init__(self, transaction: Transaction, clock: Clock) -> None:
        self._transaction = transaction
        self._clock = clock
        self._domains: frozenset[str] = frozenset()
        self._read_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def blocked_among(self, candidates: Collection[str]) -> set[str]:
        """Those of the hosts (host or host:port) that a domain block covers."""
        if self._stale():
            async with self._lock:
                if self._stale():
                    read_at = self._clock.now()
                    async with self._transaction() as session:
                        self._domains = await hosts.blocked_domains(session)
                    self._read_at = read_at
        return hosts.covered(candidates, self._domains)

    def invalidate(self) -> None:
        """This process changed the blocks: read them again before the next check."""
        self._read_at = None

    def _stale(self) -> bool:
        return self._read_at is None or self._clock.now() - self._read_at >= BLOCKS_REFRESH


class KeyCache:
    """Remote actors by the key id that verified them, least recently used first out."""

    def __init__(self, limit: int = KEYS_LIMIT) -> None:
        self.limit = limit
        self._actors: OrderedDict[str, RemoteActor] = OrderedDict()

    def get(self, key_id: str) -> RemoteActor | None:
        actor = self._actors.get(key_id)
        if actor is not None:
            self._actors.move_to_end(key_id)
        return actor

    def put(self, key_id: str, actor: RemoteActor) -> None:
        self._actors[key_id] = actor
        self._actors.move_to_end(key_id)
        while len(self._actors) > self.limit:
            self._actors.popitem(last=False)

    def forget(self, actor_iri: str) -> None:
        """The actor changed (refetched, gone): drop its keys so the next use reads it again."""
        for key_id in [k for k, actor in self._actors.items() if actor.iri == actor_iri]:
            del self._actors[key_id]

    def __len__(self) -> int:
        return len(self._actors)
