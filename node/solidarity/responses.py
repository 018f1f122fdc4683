"""Responses to publications: replies, pledges (replies with pledge: true), likes and
announces, as received; and pledging to someone else's call.

A pledge is a Note replying to the call, addressed publicly and to the call's author (with a
Mention, as Mastodon addresses replies), carrying `pledge: true` for nodes that count pledges.
A pledge to a call that is not public goes to its author alone (direct), never further than
the call did; only calls the organisation may read can be pledged to.
"""

from __future__ import annotations

from typing import Any

from node.activitypub import render_activities
from node.activitypub.vocabulary import CONTEXT, PUBLIC, iso
from node.errors import InvalidInput, NotFound
from node.federation import remote_actors
from node.federation.runtime import Runtime
from node.publication import Content, Fields, Kind, Visibility
from node.solidarity import cascade, publishing
from node.solidarity.content import render_markdown
from node.storage import objects, reactions
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from node.urls import host_of

MAX_PLEDGE = 5000


def reply_json(stored: StoredObject) -> dict[str, Any]:
    return {
        "id": stored.iri,
        "actor": stored.actor_iri,
        "content": stored.document.get("content", ""),
        "summary": stored.document.get("summary"),
        "language": stored.fields.language,
        "published": iso(stored.published),
    }


async def of(node: Runtime, org: LocalActor, kind: Kind, key: str) -> dict[str, Any]:
    """What came back for one of the organisation's publications."""
    stored = await publishing.owned(node, org, kind, key)
    async with node.db.transaction() as session:
        replies = await objects.replies_to(session, stored.iri, visibilities=tuple(Visibility))
        found = await reactions.for_object(session, stored.iri)
    return {
        "object": stored.iri,
        "replies": [reply_json(r) for r in replies if not r.content.is_pledge],
        "pledges": [reply_json(r) for r in replies if r.content.is_pledge],
        "likes": [
            {"id": r.activity_iri, "actor": r.actor_iri, "at": iso(r.created_at)}
            for r in found
            if r.type == "Like"
        ],
        "announces": [
            {"id": r.activity_iri, "actor": r.actor_iri, "at": iso(r.created_at)}
            for r in found
            if r.type == "Announce"
        ],
    }


async def call_to_pledge(node: Runtime, org: LocalActor, key: str) -> StoredObject:
    """A call the organisation may read, local or received, named by the last segment of its
    id; a deleted one is not pledged to."""
    stored = await cascade.known_call(node, org, key)
    if stored.deleted_at is not None:
        raise NotFound(f"no call {key} is known here")
    return stored


async def pledge(node: Runtime, org: LocalActor, key: str, text: str) -> StoredObject:
    if not text.strip() or len(text) > MAX_PLEDGE:
        raise InvalidInput(f"'content' must be 1 to {MAX_PLEDGE} characters")
    call = await call_to_pledge(node, org, key)
    author = call.actor_iri
    handle = author
    if not node.urls.is_local(author):
        known = await remote_actors.get_actor(node, author)
        handle = f"@{known.username}@{host_of(author)}" if known.username else author
    rendered = await render_markdown(text, lambda h: publishing.resolve_mention(node, h), node.urls)
    note_key = publishing.new_key()
    iri = node.urls.publication("note", note_key)
    now = node.clock.now()
    org_iri = node.urls.actor(org.username)
    public = call.fields.is_listed
    to, cc = ([PUBLIC], [node.urls.followers(org.username), author]) if public else ([author], [])
    document = {
        "@context": CONTEXT,
        "id": iri,
        "type": "Note",
        "attributedTo": org_iri,
        "inReplyTo": call.iri,
        "pledge": True,
        "url": iri,
        "published": iso(now),
        "to": to,
        "cc": cc,
        "content": rendered.html,
        "tag": [{"type": "Mention", "href": author, "name": handle}],
    }
    create = render_activities.wrap("Create", f"{iri}/activity", document)
    content = Content(
        type="Note",
        fields=Fields(kind=None, visibility=Visibility.PUBLIC if public else Visibility.DIRECT),
        body_text=rendered.text,
        in_reply_to=call.iri,
        is_pledge=True,
    )
    async with node.db.transaction() as session:
        stored = await publishing.save(
            session, node, org, create, key=note_key, content=content, published=now
        )
    node.wake_worker()
    return stored
