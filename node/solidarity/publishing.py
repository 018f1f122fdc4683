"""Publishing strategies and calls: render, store, put in the outbox, deliver; revise (Update),
withdraw (Delete, leaving a Tombstone), pin and unpin (Add/Remove on `featured`).

The author's Markdown and fields are kept (`source`) so a revision re-renders from them.
Mentioned actors are resolved by WebFinger, cached, and addressed.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from node.activitypub import render_activities, render_publications
from node.activitypub.render_publications import Publication, tombstone
from node.errors import InvalidInput, NotFound, SolidarityError
from node.federation import relays, remote_actors, sending, serving
from node.federation.following import resolve_target
from node.federation.runtime import Runtime
from node.solidarity import amplification, validation
from node.solidarity.content import Rendered, render_markdown, tags
from node.solidarity.validation import Draft
from node.storage import objects, outbox
from node.storage.actors import LocalActor
from node.storage.objects import Fields, StoredObject


def new_key() -> str:
    return secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")


async def resolve_mention(node: Runtime, handle: str) -> str | None:
    """A mentioned handle's actor IRI (cached for delivery), or None to leave it as text."""
    try:
        iri = await resolve_target(node, handle)
        if not node.urls.is_local(iri):
            await remote_actors.get_actor(node, iri)
    except SolidarityError:
        return None
    return iri


async def render(node: Runtime, draft: Draft) -> Rendered:
    async def resolver(handle: str) -> str | None:
        return await resolve_mention(node, handle)

    return await render_markdown(draft.content, resolver, node.urls)


def summary_of(draft: Draft, rendered: Rendered) -> str:
    """A strategy's summary must stand alone on Mastodon: the author's, else the opening."""
    if draft.summary:
        return draft.summary
    text = " ".join(rendered.text.split())
    return text if len(text) <= 300 else text[:297].rsplit(" ", 1)[0] + "…"


async def counts(node: Runtime, iri: str) -> tuple[int, int, int]:
    found = await serving.counts(node, iri)
    return len(found.replies), found.likes, found.shares


def publication(
    node: Runtime,
    org: LocalActor,
    iri: str,
    draft: Draft,
    rendered: Rendered,
    published: datetime,
    updated: datetime | None = None,
    counted: tuple[int, int, int] = (0, 0, 0),
) -> Publication:
    urls = node.urls
    return Publication(
        iri=iri,
        kind=draft.kind,
        author=urls.actor(org.username),
        followers=urls.followers(org.username),
        title=draft.title,
        summary=summary_of(draft, rendered),
        content_html=rendered.html,
        language=draft.language,
        visibility=draft.visibility,
        published=published,
        updated=updated,
        themes=draft.themes,
        regions=draft.regions,
        actions=draft.actions,
        urgency=draft.urgency,
        deadline=draft.deadline,
        max_hops=draft.max_hops,
        mentions=tuple(m.actor_iri for m in rendered.mentions),
        tags=tuple(tags(rendered, draft.themes, urls)),
        counts=counted,
    )


def fields(draft: Draft, pub: Publication, rendered: Rendered) -> Fields:
    return Fields(
        type="Note" if draft.kind == "call" else "Article",
        kind=draft.kind,
        visibility=draft.visibility,
        title=draft.title,
        summary_text=pub.summary,
        body_text=rendered.text,
        language=draft.language,
        urgency=draft.urgency,
        deadline=draft.deadline,
        max_hops=draft.max_hops,
        regions=draft.regions,
        themes=draft.themes,
    )


async def save(
    node: Runtime,
    org: LocalActor,
    activity: dict[str, Any],
    *,
    key: str,
    fields: Fields,
    published: datetime,
    source: dict[str, Any] | None = None,
) -> StoredObject:
    """Store the object an activity carries and put the activity in the outbox, together."""
    document = {"@context": activity["@context"], **activity["object"]}
    now = node.clock.now()
    async with node.db.transaction() as session:
        stored = await objects.put(
            session,
            iri=document["id"],
            actor_iri=activity["actor"],
            fields=fields,
            document=document,
            published=published,
            now=now,
            local_actor_id=org.id,
            key=key,
            source=source,
        )
        await outbox.record(
            session,
            iri=activity["id"],
            actor_id=org.id,
            type=activity["type"],
            object_iri=document["id"],
            visibility=fields.visibility,
            document=activity,
            published=now,
        )
    return stored


async def publish(node: Runtime, org: LocalActor, draft: Draft) -> StoredObject:
    key = new_key()
    iri = node.urls.publication(draft.kind, key)
    now = node.clock.now()
    rendered = await render(node, draft)
    pub = publication(node, org, iri, draft, rendered, now)
    document = render_publications.publication_to_as(pub)
    create = render_activities.wrap("Create", f"{iri}/activity", document)
    source = draft.as_source() | {"content_html": rendered.html}
    stored = await save(
        node,
        org,
        create,
        key=key,
        fields=fields(draft, pub, rendered),
        published=now,
        source=source,
    )
    await sending.send(node, org, create, extra_inboxes=await relays.inboxes_for(node, stored))
    if stored.kind == "call":
        await amplification.on_create(node, create["id"], stored)
    return stored


async def owned(node: Runtime, org: LocalActor, kind: str, key: str) -> StoredObject:
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
    if stored is None or stored.kind != kind or stored.local_actor_id != org.id:
        raise NotFound(f"{org.username} has no {kind} {key}")
    if stored.deleted_at is not None:
        raise NotFound(f"the {kind} {key} was deleted")
    return stored


async def revise(
    node: Runtime, org: LocalActor, kind: str, key: str, changes: dict[str, object]
) -> StoredObject:
    stored = await owned(node, org, kind, key)
    assert stored.source is not None
    if "visibility" in changes and changes["visibility"] != stored.visibility:
        raise InvalidInput("visibility cannot change after publication; delete and publish anew")
    now = node.clock.now()
    draft = validation.revise(validation.from_source(kind, stored.source), changes, now)
    rendered = await render(node, draft)
    pub = publication(
        node,
        org,
        stored.iri,
        draft,
        rendered,
        stored.published,
        now,
        await counts(node, stored.iri),
    )
    document = render_publications.publication_to_as(pub)
    update = render_activities.wrap("Update", f"{stored.iri}/updates/{uuid.uuid4().hex}", document)
    source = draft.as_source() | {"content_html": rendered.html}
    revised = await save(
        node,
        org,
        update,
        key=key,
        fields=fields(draft, pub, rendered),
        published=stored.published,
        source=source,
    )
    old_mentions = set(stored.document.get("cc", [])) | set(stored.document.get("to", []))
    also = await inboxes_of(node, old_mentions) + await relays.inboxes_for(node, revised)
    await sending.send(node, org, update, extra_inboxes=also)
    return revised


async def inboxes_of(node: Runtime, iris: set[str]) -> list[str]:
    """Inboxes of actors an earlier version addressed, so they hear of the change too."""
    found = []
    for iri in sorted(iris):
        if node.urls.is_local(iri) or iri.endswith("/followers") or "#Public" in iri:
            continue
        try:
            actor = await remote_actors.get_actor(node, iri)
        except SolidarityError:
            continue
        if actor.inbox:
            found.append(actor.inbox)
    return found


async def withdraw(node: Runtime, org: LocalActor, kind: str, key: str) -> None:
    stored = await owned(node, org, kind, key)
    now = node.clock.now()
    delete = render_activities.delete_to_as(f"{stored.iri}#delete", stored.document)
    async with node.db.transaction() as session:
        await objects.tombstone(session, stored.iri, tombstone(stored.iri, now, stored.type), now)
        await outbox.forget_object(session, stored.iri)
    await sending.send(node, org, delete, extra_inboxes=await relays.inboxes_for(node, stored))
    await amplification.on_withdrawn(node, stored.iri)


async def pin(node: Runtime, org: LocalActor, kind: str, key: str, pinned: bool) -> StoredObject:
    stored = await owned(node, org, kind, key)
    if stored.visibility not in ("public", "unlisted"):
        raise InvalidInput("only public or unlisted publications can be pinned")
    if (stored.pinned_at is not None) == pinned:
        return stored
    urls = node.urls
    actor = urls.actor(org.username)
    activity = render_activities.pin_to_as(
        urls.activity(uuid.uuid4().hex),
        "Add" if pinned else "Remove",
        actor,
        stored.iri,
        urls.featured(org.username),
        urls.followers(org.username),
    )
    async with node.db.transaction() as session:
        await objects.set_pinned(session, stored.iri, node.clock.now() if pinned else None)
        changed = await objects.get(session, stored.iri)
    await sending.send(node, org, activity)
    assert changed is not None
    return changed
