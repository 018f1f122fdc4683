"""Publishing strategies and calls: render, store, put in the outbox, deliver; revise (Update),
withdraw (Delete, leaving a Tombstone), pin and unpin (Add/Remove on `featured`).

Each use case stores its change, its outbox entry and its delivery rows in one transaction,
then wakes the worker: nothing is published that followers are not told about. What needs the
network (mentions resolved by WebFinger, addressees' actors) is done before that transaction.
The author's Markdown and fields are kept (`source`) so a revision re-renders from them,
with the ids of the uploads it carries; a withdrawal releases them (attachments.py).
A circle call is addressed to its circle's members as they are when it is published; its
revisions keep that audience, and they and its withdrawal also go wherever local organisations'
Announces of it went (the path of the trusted cascade).
"""

from __future__ import annotations

import dataclasses
import secrets
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from node.activitypub import render_activities, render_publications
from node.activitypub.objects import addressed_iris
from node.activitypub.render_publications import Publication, tombstone
from node.activitypub.vocabulary import PUBLIC
from node.errors import InvalidInput, NotFound, SolidarityError
from node.federation import forwarding, proofs, recipients, relays, remote_actors, sending, serving
from node.federation.following import resolve_target
from node.federation.runtime import Runtime
from node.publication import Content, Kind
from node.solidarity import amplification, attachments, circles, validation
from node.solidarity.content import Rendered, render_markdown, tags
from node.solidarity.validation import Draft
from node.storage import follows, objects, outbox, uploads
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from node.storage.uploads import StoredMedia
from node.urls import authority


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
    if draft.fields.summary:
        return draft.fields.summary
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
    media: Sequence[StoredMedia] = (),
    circle: tuple[str, ...] = (),
) -> Publication:
    urls = node.urls
    return Publication(
        attachments=tuple(attachments.attachment(urls, item) for item in media),
        iri=iri,
        author=urls.actor(org.username),
        followers=urls.followers(org.username),
        fields=dataclasses.replace(draft.fields, summary=summary_of(draft, rendered)),
        content_html=rendered.html,
        published=published,
        updated=updated,
        mentions=tuple(m.actor_iri for m in rendered.mentions),
        tags=tuple(tags(rendered, draft.fields.themes, urls)),
        counts=counted,
        circle=circle,
    )


async def save(
    session: AsyncSession,
    node: Runtime,
    org: LocalActor,
    activity: dict[str, Any],
    *,
    key: str,
    content: Content,
    published: datetime,
    source: dict[str, Any] | None = None,
    extra_inboxes: Iterable[str] = (),
    expires: bool = False,
) -> StoredObject:
    """In the caller's transaction: store the object an activity carries, put the activity in
    the outbox and queue its deliveries (with a call's urgency; `expires`: not attempted after
    the call's deadline)."""
    document = {"@context": activity["@context"], **activity["object"]}
    now = node.clock.now()
    stored = await objects.put(
        session,
        iri=document["id"],
        actor_iri=activity["actor"],
        content=content,
        document=document,
        published=published,
        now=now,
        local_actor_id=org.id,
        key=key,
        source=source,
    )
    await recipients.record(session, node.urls, stored, document)
    await outbox.record(
        session,
        iri=activity["id"],
        actor_id=org.id,
        type=activity["type"],
        object_iri=document["id"],
        visibility=content.fields.visibility,
        document=activity,
        published=now,
    )
    fields = content.fields
    await sending.queue(
        session,
        node,
        org,
        activity,
        extra_inboxes=extra_inboxes,
        urgency=fields.urgency,
        expires_at=fields.deadline if expires else None,
    )
    return stored


def signed(node: Runtime, org: LocalActor, pub: Publication) -> dict[str, Any]:
    """The publication as AS2 with the organisation's integrity proof (FEP-8b32)."""
    return proofs.sign_as(node, org, render_publications.publication_to_as(pub))


async def attach(
    session: AsyncSession, org: LocalActor, stored: StoredObject, media: Sequence[StoredMedia]
) -> None:
    """In the publishing transaction: the uploads, checked again (one may have been pruned
    since it was read), become the object's attachments."""
    keys = [item.key for item in media]
    found = attachments.check_set(keys, await uploads.owned(session, org.id, keys))
    await uploads.attach(session, stored.id, found)


def rendered_content(pub: Publication, rendered: Rendered) -> Content:
    kind = pub.fields.kind
    assert kind is not None
    return Content(type=kind.as_type, fields=pub.fields, body_text=rendered.text)


async def circle_of(node: Runtime, org: LocalActor, draft: Draft) -> tuple[str, ...]:
    """A circle call's addressees (its circle's members, each cached for delivery)."""
    if draft.circle is None:
        return ()
    async with node.db.transaction() as session:
        members = await circles.audience(session, org, draft.circle)
    for member in members:
        if not node.urls.is_local(member):
            await remote_actors.get_actor(node, member)
    return members


async def publish(node: Runtime, org: LocalActor, draft: Draft) -> StoredObject:
    key = new_key()
    iri = node.urls.publication(draft.kind, key)
    now = node.clock.now()
    members = await circle_of(node, org, draft)
    rendered = await render(node, draft)
    media = await attachments.for_publication(node, org, draft.media_ids)
    pub = publication(node, org, iri, draft, rendered, now, media=media, circle=members)
    create = render_activities.wrap("Create", f"{iri}/activity", signed(node, org, pub))
    source = draft.as_source() | {"content_html": rendered.html}
    async with node.db.transaction() as session:
        to_relays = await relays.inboxes_in(session, draft.fields)
        stored = await save(
            session,
            node,
            org,
            create,
            key=key,
            content=rendered_content(pub, rendered),
            published=now,
            source=source,
            extra_inboxes=to_relays,
            expires=True,
        )
        await attach(session, org, stored, media)
        if stored.kind is Kind.CALL:
            await amplification.on_published(session, node, create["id"], stored)
    node.wake_worker()
    return stored


async def owned(node: Runtime, org: LocalActor, kind: Kind, key: str) -> StoredObject:
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
    if stored is None or stored.kind != kind or stored.local_actor_id != org.id:
        raise NotFound(f"{org.username} has no {kind} {key}")
    if stored.deleted_at is not None:
        raise NotFound(f"the {kind} {key} was deleted")
    return stored


async def revise(
    node: Runtime, org: LocalActor, kind: Kind, key: str, changes: dict[str, object]
) -> StoredObject:
    """The new version goes to the audience it has now (and the relays of a public call); an
    addressee the revision removed gets a Delete of the object instead (see withdrawn_from)."""
    stored = await owned(node, org, kind, key)
    assert stored.source is not None
    if "visibility" in changes and changes["visibility"] != stored.visibility:
        raise InvalidInput("visibility cannot change after publication; delete and publish anew")
    if "circle" in changes and changes["circle"] != stored.source.get("circle"):
        raise InvalidInput("the circle cannot change after publication; delete and publish anew")
    now = node.clock.now()
    draft = validation.revise(validation.from_source(kind, stored.source), changes, now)
    rendered = await render(node, draft)
    counted = await counts(node, stored.iri)
    media = await attachments.for_publication(node, org, draft.media_ids)
    audience = tuple(stored.document.get("to", [])) if draft.circle else ()
    pub = publication(
        node, org, stored.iri, draft, rendered, stored.published, now, counted, media, audience
    )
    document = signed(node, org, pub)
    update = render_activities.wrap("Update", f"{stored.iri}/updates/{uuid.uuid4().hex}", document)
    source = draft.as_source() | {"content_html": rendered.html}
    async with node.db.transaction() as session:
        to_relays = await relays.inboxes_in(session, draft.fields)
        removed = await withdrawn_from(session, node, org, stored.document, document)
        path = await forwarding.announce_inboxes(session, node, stored.iri)
        revised = await save(
            session,
            node,
            org,
            update,
            key=key,
            content=rendered_content(pub, rendered),
            published=stored.published,
            source=source,
            extra_inboxes=[*to_relays, *path],
        )
        await attach(session, org, revised, media)
        if removed:
            gone = {"attributedTo": update["actor"], "id": stored.iri, "to": removed, "cc": []}
            delete_iri = f"{stored.iri}/withdrawals/{uuid.uuid4().hex}"
            delete = render_activities.delete_to_as(delete_iri, gone)
            await sending.queue(session, node, org, delete)
    node.wake_worker()
    return revised


async def withdrawn_from(
    session: AsyncSession,
    node: Runtime,
    org: LocalActor,
    before: dict[str, Any],
    after: dict[str, Any],
) -> list[str]:
    """Remote actors the earlier version addressed and this one does not, except those whose
    server still hosts someone of the new audience: a Delete there would remove the object for
    them too (the server gets the Update with the new addressing instead)."""
    old, new = remote_addressees(node, before), remote_addressees(node, after)
    kept_hosts = {authority(iri) for iri in new}
    if node.urls.followers(org.username) in addressed_iris(after):
        followers = await follows.accepted_followers_of(session, {node.urls.actor(org.username)})
        kept_hosts |= {authority(iri) for iri in followers}
    return sorted(iri for iri in old - new if authority(iri) not in kept_hosts)


def remote_addressees(node: Runtime, document: dict[str, Any]) -> set[str]:
    """Remote actors a document addresses or mentions (collections excluded)."""
    found = {iri for iri in addressed_iris(document) if iri != PUBLIC}
    return {iri for iri in found if not node.urls.is_local(iri) and not iri.endswith("/followers")}


async def withdraw(node: Runtime, org: LocalActor, kind: Kind, key: str) -> None:
    stored = await owned(node, org, kind, key)
    now = node.clock.now()
    delete = render_activities.delete_to_as(f"{stored.iri}#delete", stored.document)
    async with node.db.transaction() as session:
        path = await forwarding.announce_inboxes(session, node, stored.iri)  # before forgetting
        await objects.tombstone(session, stored.iri, tombstone(stored.iri, now, stored.type), now)
        await outbox.forget_object(session, stored.iri)
        to_relays = await relays.inboxes_in(session, stored.fields)
        await sending.queue(session, node, org, delete, extra_inboxes=[*to_relays, *path])
        await amplification.drop_pending(session, node, stored.iri)
        released = await uploads.release(session, stored.id)
    node.wake_worker()
    await attachments.delete_files(node, released)


async def pin(node: Runtime, org: LocalActor, kind: Kind, key: str, pinned: bool) -> StoredObject:
    stored = await owned(node, org, kind, key)
    if not stored.fields.is_listed:
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
        await sending.queue(session, node, org, activity)
    node.wake_worker()
    assert changed is not None
    return changed
