"""What an organisation reads: the strategies and calls of those it follows, and search over
everything it may see, as typed items.

A call is `expired` once its deadline has passed by the node's clock; expired calls stay listed,
marked, since a late answer can still help.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.publication import Attachment, Fields
from node.solidarity import attachments
from node.storage import search as queries
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from node.storage.search import DEFAULT_LIMIT, Filters, Page, Reader

MAX_QUERY = 200


@dataclass(frozen=True)
class Item:
    """A strategy or call as a reader sees it in a list."""

    id: str
    url: str
    type: str
    author: str
    fields: Fields
    expired: bool
    published: datetime
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Items:
    items: tuple[Item, ...]
    next: str | None


def object_url(stored: StoredObject) -> str:
    """The page to link to: the object's `url` when it names one over HTTP(S), else its id."""
    url = stored.document.get("url")
    if isinstance(url, dict):
        url = url.get("href")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return url
    return stored.iri


def to_item(stored: StoredObject, now: datetime, shown: tuple[Attachment, ...] = ()) -> Item:
    return Item(
        attachments=shown,
        id=stored.iri,
        url=object_url(stored),
        type=stored.type,
        author=stored.actor_iri,
        fields=stored.fields,
        expired=stored.fields.is_expired(now),
        published=stored.published,
    )


def reader(node: Runtime, org: LocalActor) -> Reader:
    return Reader(actor_id=org.id, actor_iri=node.urls.actor(org.username))


async def _items(session: AsyncSession, node: Runtime, page: Page) -> Items:
    now = node.clock.now()
    shown = await attachments.shown_with(session, node.urls, page.items)
    found = (to_item(stored, now, shown.get(stored.id, ())) for stored in page.items)
    return Items(tuple(found), page.next)


async def timeline(
    node: Runtime,
    org: LocalActor,
    filters: Filters,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Items:
    """Strategies and calls from the actors `org` follows (accepted), newest first."""
    async with node.db.transaction() as session:
        page = await queries.timeline(session, reader(node, org), filters, cursor, limit)
        return await _items(session, node, page)


async def search(
    node: Runtime,
    org: LocalActor,
    q: str,
    filters: Filters,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Items:
    """Strategies and calls, local and received, that `org` may see and that hold every word."""
    if not q.strip():
        raise InvalidInput("'q' is required: the words to search for")
    if len(q) > MAX_QUERY:
        raise InvalidInput(f"'q' is longer than {MAX_QUERY} characters")
    silenced = (await node.policy.current()).silenced  # kept out of the library (domain blocks)
    async with node.db.transaction() as session:
        page = await queries.search(
            session, reader(node, org), q, filters, cursor, limit, silenced=silenced
        )
        return await _items(session, node, page)
