"""In-memory copies of what every inbox request reads: the federation policy (domain blocks,
the allowlist, actor blocks, lockdown settings), remote actors' keys, and which organisations
take activities.

The policy's version is read at most every POLICY_REFRESH (1 s), and the policy again only when
the version moved: a change made elsewhere (the CLI, another `serve` process, a worker) takes
effect in every process within a second. Keys are a bounded LRU of what the database
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
from node.storage import actors, federation_policy
from node.storage.federation_policy import Policy
from node.storage.remote_actors import RemoteActor

POLICY_REFRESH = timedelta(seconds=1)
BLOCKS_REFRESH = POLICY_REFRESH  # domain blocks are part of the policy
KEYS_LIMIT = 4096
ORGANISATIONS_REFRESH = timedelta(seconds=5)

Transaction = Callable[[], AbstractAsyncContextManager[AsyncSession]]


class PolicyCache:
    """The federation policy (storage.federation_policy.Policy), re-read when its version
    changes. The version (one integer) is read at most once per POLICY_REFRESH, and at once
    after this process changed the policy (invalidate()): a change made elsewhere (the CLI,
    another process) applies in every process within POLICY_REFRESH, with no restart."""

    def __init__(self, transaction: Transaction, clock: Clock) -> None:
        self._transaction = transaction
        self._clock = clock
        self._policy = Policy()
        self._checked_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def current(self, session: AsyncSession | None = None, *, fresh: bool = False) -> Policy:
        """The policy as of at most POLICY_REFRESH ago (with `fresh`, as of now: the version is
        read in `session`, for a worker's claim or a use case, where one read more is nothing).
        Inside a transaction pass its session: a process may not open a second one (SQLite)."""
        if not self._stale() and not (fresh and session is not None):
            return self._policy
        if session is not None:
            # no lock: its holder may be waiting for the connection this session holds
            await self._refresh(session)
            return self._policy
        async with self._lock:
            if self._stale():
                await self._refresh(None)
        return self._policy

    async def _refresh(self, session: AsyncSession | None) -> None:
        checked_at = self._clock.now()
        if session is not None:
            self._policy = await self._read(session)
        else:
            async with self._transaction() as own:
                self._policy = await self._read(own)
        self._checked_at = checked_at

    async def _read(self, session: AsyncSession) -> Policy:
        if await federation_policy.version(session) == self._policy.version:
            return self._policy
        return await federation_policy.load(session)

    async def blocked_among(
        self, candidates: Collection[str], session: AsyncSession | None = None
    ) -> set[str]:
        """Those of the hosts (host or host:port) the policy refuses (blocked, not allowed);
        with a session, the policy as of now."""
        policy = await self.current(session, fresh=session is not None)
        return {host for host in candidates if policy.refusal(host) is not None}

    def invalidate(self) -> None:
        """This process changed the policy: read its version again before the next check."""
        self._checked_at = None

    def _stale(self) -> bool:
        return self._checked_at is None or self._clock.now() - self._checked_at >= POLICY_REFRESH


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
