"""Feeds for readers and calendars: Atom of the node's and each organisation's public
strategies and calls (filterable by kind, urgency and region) with their pictures and
documents as enclosures, iCalendar of an organisation's
open calls' deadlines, and the Atom of a member's notifications (behind a secret address).

Everything is escaped for XML; iCalendar text is escaped and folded at 75 octets (RFC 5545).

Under lockdown (the policy's reduced_pages) the feeds stay valid but empty (a title, no entry,
no event), never 404: feed readers and calendar apps treat a missing feed as broken and some
drop the subscription after a few failures, so an empty feed keeps the organisation's readers
for when lockdown ends, while telling nobody what or how much was published.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from html import escape

from starlette.requests import Request
from starlette.responses import Response

from node.activitypub.vocabulary import iso
from node.federation import profiles
from node.solidarity import attachments, public_reading
from node.storage.actors import LocalActor
from node.storage.objects import StoredObject
from node.storage.search import Filters
from node.storage.uploads import StoredMedia
from node.urls import Urls
from node.web.app_state import runtime
from node.web.pages import reduced
from node.web.publications import rendered_body

ATOM = "application/atom+xml; charset=utf-8"
ICAL = "text/calendar; charset=utf-8"


def filters_from(request: Request) -> Filters:
    params = request.query_params
    return Filters(
        kind=params.get("kind") or None,
        urgencies=tuple(u for u in params.getlist("urgency") if u),
        regions=tuple(r for r in params.getlist("region") if r),
    )


def enclosures(urls: Urls, media: Iterable[StoredMedia]) -> str:
    """Atom links to the publication's files (RFC 4287 4.2.7), the alt text as their title."""
    return "".join(
        f'<link rel="enclosure" type="{escape(item.media_type)}" length="{item.size}" '
        f'href="{escape(urls.media(item.file))}" title="{escape(item.description)}"/>'
        for item in media
    )


def atom_entry(stored: StoredObject, author: str, files: str = "") -> str:
    fields = stored.fields
    updated = stored.updated_at or stored.published
    categories = "".join(
        f'<category term="{escape(t)}"/>' for t in (*fields.themes, *fields.regions)
    )
    urgency = f'<category term="urgency:{escape(fields.urgency)}"/>' if fields.urgency else ""
    return (
        "<entry>"
        f"<id>{escape(stored.iri)}</id>"
        f"<title>{escape(fields.title or '')}</title>"
        f'<link rel="alternate" type="text/html" href="{escape(stored.iri)}"/>{files}'
        f"<published>{iso(stored.published)}</published><updated>{iso(updated)}</updated>"
        f"<author><name>{escape(author)}</name></author>"
        f'<category term="{escape(fields.kind or "")}"/>{urgency}{categories}'
        f"<summary>{escape(fields.summary or '')}</summary>"
        f'<content type="html" xml:lang="{escape(fields.language or "en")}">'
        f"{escape(rendered_body(stored))}</content>"
        "</entry>"
    )


def atom(feed_id: str, title: str, link: str, updated: datetime, entries: Iterable[str]) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(feed_id)}</id><title>{escape(title)}</title>"
        f'<link rel="self" href="{escape(feed_id)}"/>'
        f'<link rel="alternate" type="text/html" href="{escape(link)}"/>'
        f"<updated>{iso(updated)}</updated>"
        f"{''.join(entries)}</feed>\n"
    )


async def publications_feed(request: Request, org: LocalActor | None) -> Response:
    node = runtime(request)
    locked = await reduced(node)
    found = [] if locked else await public_reading.feed(node, org, filters_from(request))
    names = {o.username: o.display_name for o in ([org] if org else [])}
    media = await attachments.of_public(node, found)
    entries = []
    for stored in found:
        name = node.urls.actor_name(stored.actor_iri) or ""
        if name not in names:
            names[name] = (await profiles.organisation(node, name)).display_name
        files = enclosures(node.urls, media.get(stored.id, ()))
        entries.append(atom_entry(stored, names[name] or name, files))
    newest = max((s.updated_at or s.published for s in found), default=node.clock.now())
    title = (org.display_name or org.username) if org else node.settings.node_name
    link = node.urls.profile(org.username) if org else node.urls.base + "/"
    here = str(request.url)
    headers = {"Cache-Control": "no-store"} if locked else None
    return Response(atom(here, title, link, newest, entries), media_type=ATOM, headers=headers)


async def node_feed(request: Request) -> Response:
    return await publications_feed(request, None)


async def organisation_feed(request: Request) -> Response:
    node = runtime(request)
    return await publications_feed(
        request, await profiles.organisation(node, request.path_params["name"])
    )


def ical_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """RFC 5545: lines of at most 75 octets, continued with CRLF and a space."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 75:
            out.append(current.decode("utf-8"))
            current = b" "
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n".join(out)


def ical_moment(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def vevent(call: StoredObject, now: datetime) -> list[str]:
    assert call.fields.deadline is not None
    text = call.fields.title or ""
    return [
        "BEGIN:VEVENT",
        f"UID:{ical_text(call.iri)}",
        f"DTSTAMP:{ical_moment(now)}",
        f"DTSTART:{ical_moment(call.fields.deadline)}",
        f"SUMMARY:{ical_text(text)}",
        f"DESCRIPTION:{ical_text(' · '.join(call.fields.actions) or text)}",
        f"URL:{call.iri}",
        "END:VEVENT",
    ]


async def calendar(request: Request) -> Response:
    node = runtime(request)
    org = await profiles.organisation(node, request.path_params["name"])
    locked = await reduced(node)
    calls = [] if locked else await public_reading.open_calls(node, org, limit=100)
    now = node.clock.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//Solidarity Node//{node.urls.host}//EN",
        f"X-WR-CALNAME:{ical_text(org.display_name or org.username)}",
    ]
    for call in calls:
        if call.fields.deadline is not None:  # open calls always have one
            lines += vevent(call, now)
    lines.append("END:VCALENDAR")
    body = "\r\n".join(fold(line) for line in lines) + "\r\n"
    headers = {"Cache-Control": "no-store"} if locked else None
    return Response(body, media_type=ICAL, headers=headers)
