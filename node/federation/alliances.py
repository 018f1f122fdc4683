"""Alliance manifests: the node's own (its local allowlist, signed by the instance actor, at
/.well-known/solidarity-alliance) and those it subscribes to, fetched, verified and applied.

A subscribed manifest is applied only when: its id is the URL it came from, its signer is the
instance actor (Application or Service) of that origin, its proof verifies with that actor's
key, the key is the one trusted at subscription (a new key is refused until the admin
subscribes again), and it is not older than the manifest last applied. Otherwise it is refused:
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
from node.activitypub import manifest_signing as integrity
from node.activitypub.alliance_manifest import ManifestView
from node.activitypub.keys import cached_public_key, load_private_key
from node.errors import (
    FetchError,
    InvalidInput,
    OriginMismatch,
    SignatureError,
    SolidarityError,
)
from node.federation import remote_actors
from node.federation.runtime import Runtime
from node.storage import actors, alliances, audit, federation_policy
from node.storage.alliances import FAILING, REFUSED, Alliance
from node.storage.audit import Who
from node.storage.federation_policy import normalise_entry

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
    """This node's manifest: its locally allowed domains, signed by the instance actor."""
    async with node.db.transaction() as session:
        entries = await federation_policy.local_entries(session)
        state = await federation_policy.state(session)
        instance = await actors.instance_actor(session)
    domains = [entry.domain for entry in entries if entry.allowed]
    actor = node.urls.instance_actor
    return alliance_manifest.manifest_to_json(
        manifest_url(node),
        actor,
        node.urls.key_id(actor),
        load_private_key(instance.private_key_pem),
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
    view, pem = await fetch_verified(node, url, trusted=None)
    now = node.clock.now()
    async with node.db.transaction() as session:
        made = await alliances.add(session, url, now)
        await apply(session, node, made, view, pem)
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
    """Fetch (a signed GET) and verify a manifest; its view and the signer's key PEM."""
    fetched = await node.fetcher.get(url, accept=MEDIA_TYPE, auth=node.signer)
    try:
        document = json.loads(fetched.body)
    except (ValueError, RecursionError) as exc:
        raise OriginMismatch(f"{url} did not answer JSON") from exc
    if not isinstance(document, dict):
        raise OriginMismatch(f"{url} did not answer a JSON object")
    view = alliance_manifest.read_manifest(document, url)
    try:
        pem = await verified_by(node, document, view, trusted, refresh=False)
    except SignatureError:  # the key may have changed since it was cached: fetch it once
        pem = await verified_by(node, document, view, trusted, refresh=True)
    if trusted and trusted.manifest_updated and view.updated < trusted.manifest_updated:
        raise OriginMismatch(f"{url} served a manifest older than the one applied")
    return view, pem


async def verified_by(
    node: Runtime,
    document: dict[str, Any],
    view: ManifestView,
    trusted: Alliance | None,
    *,
    refresh: bool,
) -> str:
    """The signer's key PEM, once the proof verifies with it and it is the key trusted."""
    signer = await remote_actors.actor_for_key(node, view.key_id, refresh=refresh)
    if signer.iri != view.signer or signer.type not in INSTANCE_TYPES:
        raise OriginMismatch(f"{view.key_id} is not the key of {view.url}'s instance actor")
    pem = signer.public_key_pem or ""
    if trusted is not None and trusted.public_key_pem and trusted.public_key_pem != pem:
        raise OriginMismatch(
            f"{view.signer} now signs with another key than when it was subscribed to; "
            "subscribe again to trust the new key"
        )
    integrity.verify(document, cached_public_key(pem))
    return pem


async def apply(
    session: AsyncSession, node: Runtime, subscription: Alliance, view: ManifestView, pem: str
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
        public_key_pem=pem,
        now=now,
        next_fetch_at=now + REFRESH,
    )


async def refresh(node: Runtime, subscription: Alliance) -> str:
    """Fetch the subscription's manifest again: applied, refused or failing (then retried)."""
    now = node.clock.now()
    try:
        view, pem = await fetch_verified(node, subscription.url, subscription)
    except FetchError as exc:
        await settle(node, subscription, FAILING, str(exc), now + RETRY, audited=False)
        return FAILING
    except SolidarityError as exc:
        log.warning("refused the alliance manifest at %s: %s", subscription.url, exc)
        await settle(node, subscription, REFUSED, str(exc), now + REFRESH, audited=True)
        return REFUSED
    async with node.db.transaction() as session:
        await apply(session, node, subscription, view, pem)
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
