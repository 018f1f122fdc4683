"""Pictures and documents in the Atom feeds, through the real app on SQLite and PostgreSQL:
a public publication's files are enclosures with their type, length and alt text; files of
followers-only and unlisted publications are named nowhere in a feed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import httpx

from node.federation.runtime import Runtime
from tests.support.media_files import camera_jpeg, pdf_with_metadata, png

ATOM = "{http://www.w3.org/2005/Atom}"


async def upload(
    client: httpx.AsyncClient, auth: dict[str, str], file: tuple[str, bytes, str], alt: str
) -> dict[str, Any]:
    made = await client.post(
        "/api/v1/media", files={"file": file}, data={"description": alt}, headers=auth
    )
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


async def publish(
    client: httpx.AsyncClient, auth: dict[str, str], node: Runtime, **body: Any
) -> dict[str, Any]:
    deadline = (node.clock.now() + timedelta(days=3)).isoformat()
    call = {"title": "Fill the courtroom", "content": "Monday.", "deadline": deadline} | body
    made = await client.post("/api/v1/calls", json=call, headers=auth)
    assert made.status_code == 201, made.text
    found: dict[str, Any] = made.json()
    return found


def enclosures(feed: str, iri: str) -> list[dict[str, str]]:
    root = ElementTree.fromstring(feed)
    for entry in root.iter(f"{ATOM}entry"):
        if entry.findtext(f"{ATOM}id") == iri:
            links = entry.iter(f"{ATOM}link")
            return [dict(link.attrib) for link in links if link.get("rel") == "enclosure"]
    raise AssertionError(f"no entry {iri} in the feed")


async def test_public_media_are_enclosures_with_type_length_and_alt_text(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    photo = await upload(client, auth, ("m.jpg", camera_jpeg(), "image/jpeg"), 'Banner "No"')
    kit = await upload(client, auth, ("k.pdf", pdf_with_metadata(), "application/pdf"), "Kit")
    call = await publish(client, auth, node, media_ids=[photo["id"], kit["id"]])
    plain = await publish(client, auth, node, title="No pictures")
    for path in ("/feed.atom", "/@alpha/feed.atom"):
        feed = await client.get(path)
        assert feed.status_code == 200
        found = enclosures(feed.text, call["id"])
        assert [(e["type"], e["href"], e["title"]) for e in found] == [
            ("image/jpeg", photo["url"], 'Banner "No"'),
            ("application/pdf", kit["url"], "Kit"),
        ]
        for enclosure in found:
            served = await client.get(enclosure["href"])
            assert served.status_code == 200
            assert int(enclosure["length"]) == len(served.content)
            assert served.headers["content-type"] == enclosure["type"]
        assert enclosures(feed.text, plain["id"]) == []


async def test_media_of_publications_not_public_are_in_no_feed(
    client: httpx.AsyncClient, node: Runtime, auth: dict[str, str]
) -> None:
    hidden = await upload(client, auth, ("a.png", png(), "image/png"), "For followers")
    quiet = await upload(client, auth, ("b.png", png(), "image/png"), "Unlisted")
    shown = await upload(client, auth, ("c.png", png(), "image/png"), "Public")
    await publish(client, auth, node, visibility="followers", media_ids=[hidden["id"]])
    await publish(client, auth, node, visibility="unlisted", media_ids=[quiet["id"]])
    public = await publish(client, auth, node, media_ids=[shown["id"]])
    for path in ("/feed.atom", "/@alpha/feed.atom"):
        feed = (await client.get(path)).text
        assert hidden["id"] not in feed and "For followers" not in feed
        assert quiet["id"] not in feed
        assert [e["href"] for e in enclosures(feed, public["id"])] == [shown["url"]]
