"""Alliance manifests: the node's own (its local allowlist, signed by the instance actor, at
/.well-known/solidarity-alliance) and those it subscribes to, fetched, verified and applied.

A subscribed manifest is applied only when: its id is the URL it came from, its signer is the
instance actor (Application or Service) of that origin, its eddsa-jcs-2022 proof verifies with
an assertion key that actor publishes (federation.proofs), the key is the one trusted at
subscription (a new key is refused until the admin subscribes again), and it is not older than
the manifest last applied. Otherwise it is refused:
the domains last applied stay, the subscription says why, and the audit log records it. The
worker refreshes each subscription every REFRESH (AllianceQueue, a node.workers.Queue).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import alliance_manifest
from node.activitypub.alliance_manifest import ManifestView
from node.errors import (
    FetchError,
    InvalidInput,
    OriginMismatch,
    SignatureError,
    SolidarityError,
    StorageError,
)
from node.federation import proofs, remote_actors
from node.federation.runtime import Runtime
from node.storage import actors, alliances, audit, federation_policy
from node.storage.alliances import FAILING, REFUSED, Alliance
from node.storage.audit import Who
from node.storage.federation_policy import normalise_entry
from node.urls import assertion_key_id

log = logging.getLogger("node.alliances")
PATH = "/.well-known/solidarity-alliance"
MEDIA_TYPE = "application/json"
REFRESH = timedelta(hours=1)
RETRY = timedelta(minutes=10)
LEASE = timedelta(minutes=2)
WORKER = Who(audit.SYSTEM, "worker", "alliance refresh")
INSTANCE_TYPES = frozenset({"Application", "Service"})


def manifest_url(node: Runtime) -> str:
    return node.urls.base + PATH


async def own_manifest(node: Runtime) -> dict[str, Any]:
    """This node's manifest: its locally allowed domains, signed by the instance actor's
    assertion key."""
    async with node.db.transaction() as session:
        entries = await federation_policy.local_entries(session)
        state = await federation_policy.state(session)
        instance = await actors.instance_actor(session)
    if instance.assertion_private_pem is None:
        raise StorageError("the instance actor has no assertion key; run 'solidarity-node migrate'")
    domains = [entry.domain for entry in entries if entry.allowed]
    actor = node.urls.instance_actor
    return alliance_manifest.manifest_to_json(
        manifest_url(node),
        actor,
        assertion_key_id(actor),
        proofs.private_key(instance.assertion_private_pem),
        domains,
        state.updated_at,
    )


# --- subscribing -------------------------------------------------------------------------


def check_url(url: str) -> str:
    text = url.strip()
    if not text.startswith(("https://", "http://")) or any(c in text for c in " \t\n"):
        raise InvalidInput(f"{url!r} is not the URL of a manifest (https://…)")
    return text


async def subscribe(node: Runtime, url: str, who: Who) -> Alliance:
    """Subscribe to the manifest at `url` and apply it now; a manifest that cannot be verified
    is refused and nothing is kept. Audited."""
    url = check_url(url)
    async with node.db.transaction() as session:
        if await alliances.by_url(session, url) is not None:
            raise InvalidInput(f"already subscribed to {url}")
    view, key = await fetch_verified(node, url, trusted=None)
    now = node.clock.now()
    async with node.db.transaction() as session:
        made = await alliances.add(session, url, now)
        await apply(session, node, made, view, key)
        await audit.record(
            session, who, "alliance.subscribe", url, now, {"domains": len(view.domains)}
        )
        found = await alliances.by_id(session, made.id)
    node.policy.invalidate()
    return found


async def unsubscribe(node: Runtime, url: str, who: Who) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        if not await alliances.remove(session, url.strip(), now):
            raise InvalidInput(f"not subscribed to {url}")
        await audit.record(session, who, "alliance.unsubscribe", url.strip(), now)
    node.policy.invalidate()


async def fetch_verified(
    node: Runtime, url: str, trusted: Alliance | None
) -> tuple[ManifestView, str]:
    """Fetch (a signed GET) and verify a manifest; its view and the signer's key (Multikey)."""
    fetched = await node.fetcher.get(url, accept=MEDIA_TYPE, auth=node.signer)
    try:
        document = json.loads(fetched.body)
    except (ValueError, RecursionError) as exc:
        raise OriginMismatch(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise OriginMismatch(f"{url} did not answer a JSON object")
    view = alliance_manifest.read_manifest(document, url)
    key = await verified_by(node, document, view, trusted)
    if trusted and trusted.manifest_updated and view.updated < trusted.manifest_updated:
        raise OriginMismatch(f"{url} served a manifest older than the one applied")
    return view, key


async def verified_by(
    node: Runtime,
    document: dict[str, Any],
    view: ManifestView,
    trusted: Alliance | None,
) -> str:
    """The signer's assertion key (a Multikey), once the proof verifies with a key the signer
    publishes (the cached one first, then the signer fetched again once), the signer is an
    instance actor, and the key is the one trusted."""
    used = await proofs.verify(node, document, view.proof, view.signer, received=False)
    if used is None:
        raise SignatureError(f"{view.signer} publishes no assertion key {view.key_id}")
    signer = await remote_actors.get_actor(node, view.signer)
    if signer.type not in INSTANCE_TYPES:
        raise OriginMismatch(f"{view.signer} is not {view.url}'s instance actor")
    key = used.public_key
    if trusted is not None and trusted.public_key and trusted.public_key != key:
        raise OriginMismatch(
            f"{view.signer} now signs with another key than when it was subscribed to; "
            "subscribe again to trust the new key"
        )
    return key


async def apply(
    session: AsyncSession, node: Runtime, subscription: Alliance, view: ManifestView, key: str
) -> None:
    domains = []
    for domain in view.domains:
        try:
            domains.append(normalise_entry(domain))
        except InvalidInput:
            continue
    now = node.clock.now()
    await alliances.apply(
        session,
        subscription.id,
        domains=domains,
        updated=view.updated,
        signer_iri=view.signer,
        key_id=view.key_id,
        public_key=key,
        now=now,
        next_fetch_at=now + REFRESH,
    )


async def refresh(node: Runtime, subscription: Alliance) -> str:
    """Fetch the subscription's manifest again: applied, refused or failing (then retried)."""
    now = node.clock.now()
    try:
        view, key = await fetch_verified(node, subscription.url, subscription)
    except FetchError as exc:
        await settle(node, subscription, FAILING, str(exc), now + RETRY, audited=False)
        return FAILING
    except SolidarityError as exc:
        log.warning("refused the alliance manifest at %s: %s", subscription.url, exc)
        await settle(node, subscription, REFUSED, str(exc), now + REFRESH, audited=True)
        return REFUSED
    async with node.db.transaction() as session:
        await apply(session, node, subscription, view, key)
    node.policy.invalidate()
    return alliances.APPLIED


async def settle(
    node: Runtime,
    subscription: Alliance,
    state: str,
    error: str,
    next_fetch_at: datetime,
    *,
    audited: bool,
) -> None:
    now = node.clock.now()
    async with node.db.transaction() as session:
        await alliances.settle(session, subscription.id, state, error, now, next_fetch_at)
        if audited:
            details = {"error": error[:500]}
            await audit.record(session, WORKER, "alliance.refused", subscription.url, now, details)


class AllianceQueue:
    """The node.workers.Queue refreshing subscribed manifests when due.

    The subscriptions table is read only when the earliest known due time has come, or once
    a minute to see subscriptions made by other processes; so an idle worker costs nothing.
    """

    name = "alliances"
    LOOK_EVERY = timedelta(minutes=1)

    def __init__(self, node: Runtime) -> None:
        self._node = node
        self._look_at: datetime | None = None

    async def run_once(self, limit: int) -> int:
        node = self._node
        now = node.clock.now()
        if self._look_at is not None and now < self._look_at:
            return 0
        async with node.db.transaction() as session:
            due = await alliances.claim_due(session, now, limit, LEASE)
        for subscription in due:
            await refresh(node, subscription)
        async with node.db.transaction() as session:
            upcoming = await alliances.next_due(session)
        soon = node.clock.now() + self.LOOK_EVERY
        self._look_at = min(upcoming, soon) if upcoming else soon
        return len(due)

    async def next_due(self) -> datetime | None:
        return self._look_at
