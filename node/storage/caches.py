"""In-memory copies of what every inbox request reads: domain blocks, remote actors' keys,
and which organisations take activities.

Domain blocks are re-read at most every BLOCKS_REFRESH, and at once after this process
changed them (invalidate()): a block made elsewhere (the CLI, another `serve` process) takes
effect in every process within BLOCKS_REFRESH. Keys are a bounded LRU of what the database
holds; a signature that fails with a cached key still refetches the key once (see
node.federation.remote_actors), and this process keeps the cache in step with the actors it stores.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable, Collection
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from node.clock import Clock
from node.errors import NotFound
from node.storage import actors, hosts
from node.storage.remote_actors import RemoteActor

BLOCKS_REFRESH = timedelta(seconds=5)
KEYS_LIMIT = 4096
VERDICTS_LIMIT = 4096
ORGANISATIONS_REFRESH = timedelta(seconds=5)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class DomainBlocks:
    """The blocked domains, read once per BLOCKS_REFRESH (one reader at a time)."""

    def __init__(self, transaction: Transaction, clock: Clock) -> None:
        self._transaction = transaction
        self._clock = clock
        self._domains: frozenset[str] = frozenset()
        self._read_at: datetime | None = None
        self._lock = asyncio.Lock()
        self._verdicts: dict[str, bool] = {}  # host -> covered by a block, for these domains

    async def blocked_among(self, candidates: Collection[str]) -> set[str]:
        """Those of the hosts (host or host:port) that a domain block covers."""
        if self._stale():
            async with self._lock:
                if self._stale():
                    read_at = self._clock.now()
                    async with self._transaction() as session:
                        self._domains = await hosts.blocked_domains(session)
                    self._verdicts = {}
                    self._read_at = read_at
        return {host for host in candidates if self._covered(host)}

    def _covered(self, host: str) -> bool:
        """Memoised per host until the next read: the same few hosts send most requests."""
        verdict = self._verdicts.get(host)
        if verdict is None:
            verdict = bool(hosts.covered([host], self._domains))
            if len(self._verdicts) >= VERDICTS_LIMIT:
                self._verdicts.clear()
            self._verdicts[host] = verdict
        return verdict

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
        self._by_iri: dict[str, str] = {}  # actor IRI -> the key id it was last put under

    def get(self, key_id: str) -> RemoteActor | None:
        actor = self._actors.get(key_id)
        if actor is not None:
            self._actors.move_to_end(key_id)
        return actor

    def actor(self, iri: str) -> RemoteActor | None:
        """The actor as cached with its key, by its IRI (the worker reads authors this way)."""
        key_id = self._by_iri.get(iri)
        return None if key_id is None else self.get(key_id)

    def put(self, key_id: str, actor: RemoteActor) -> None:
        self._actors[key_id] = actor
        self._actors.move_to_end(key_id)
        self._by_iri[actor.iri] = key_id
        while len(self._actors) > self.limit:
            _, evicted = self._actors.popitem(last=False)
            if self._by_iri.get(evicted.iri) not in self._actors:
                self._by_iri.pop(evicted.iri, None)

    def forget(self, actor_iri: str) -> None:
        """The actor changed (refetched, gone): drop its keys so the next use reads it again."""
        for key_id in [k for k, actor in self._actors.items() if actor.iri == actor_iri]:
            del self._actors[key_id]
        self._by_iri.pop(actor_iri, None)

    def __len__(self) -> int:
        return len(self._actors)


class OpenInboxes:
    """Names of organisations found to exist and not deleted, each trusted for
    ORGANISATIONS_REFRESH after it was read: a per-organisation inbox costs no transaction
    per request, and an organisation deleted elsewhere stops taking activities within that
    bound (at once when this process calls forget()). Unknown names are read every time."""

    def __init__(self, transaction: Transaction, clock: Clock, limit: int = KEYS_LIMIT) -> None:
        self._transaction = transaction
        self._clock = clock
        self.limit = limit
        self._open: dict[str, datetime] = {}  # name -> when it was read

    async def check(self, name: str) -> None:
        """NotFound unless the organisation exists and was not deleted."""
        now = self._clock.now()
        read_at = self._open.get(name)
        if read_at is not None and now - read_at < ORGANISATIONS_REFRESH:
            return
        self._open.pop(name, None)
        async with self._transaction() as session:
            org = await actors.by_username(session, name)
        if org.is_deleted:
            raise NotFound(f"{name} was deleted")
        if len(self._open) >= self.limit:
            self._open.clear()
        self._open[name] = now

    def forget(self, name: str) -> None:
        """This process deleted (or renamed) the organisation: read it again next time."""
        self._open.pop(name, None)
