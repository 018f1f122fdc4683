"""Media between full nodes in one process: who may fetch the pictures of a followers-only call,
what a receiving node keeps of attachments (references with their descriptions) and how it
shows them without sending a visitor to another server, and what a withdrawal leaves."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from node.activitypub.keys import load_private_key
from node.activitypub.signatures import sign_request
from node.clock import FrozenClock
from node.storage import objects, remote_media
from tests.support.media_files import camera_jpeg, metadata_left
from tests.support.network import Member, Network


@pytest.fixture
async def media_network(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Network]:
    net = Network(tmp_path, clock)
    yield net
    await net.close()


async def linked(network: Network) -> tuple[Member, Member, Member]:
    """a (alpha), b (beta, following alpha), c (gamma, a stranger)."""
    a, b, c = await network.add("a"), await network.add("b"), await network.add("c")
    await a.add_org("alpha")
    await b.add_org("beta")
    await c.add_org("gamma")
    await b.api("POST", "/follows", "beta", json={"target": a.handle("alpha")})
    await network.settle()
    return a, b, c


async def publish_with_photo(
    network: Network, a: Member, **extra: Any
) -> tuple[dict[str, Any], str]:
    photo = await a.api(
        "POST",
        "/media",
        "alpha",
        files={"file": ("p.jpg", camera_jpeg(), "image/jpeg")},
        data={"description": "Crowd outside the court"},
    )
    assert photo.status_code == 201, photo.text
    deadline = (network.clock.now() + timedelta(days=3)).isoformat()
    body = {"title": "Fill the court", "content": "Come.", "deadline": deadline} | extra
    made = await a.api("POST", "/calls", "alpha", json=body | {"media_ids": [photo.json()["id"]]})
    assert made.status_code == 201, made.text
    await network.settle()
    return photo.json(), made.json()["id"]


def signed_get(member: Member, org: str, url: str, now: Any) -> dict[str, str]:
    return sign_request(
        "GET",
        url,
        {"Accept": "*/*"},
        b"",
        f"{member.actor(org)}#main-key",
        load_private_key(member.private_key(org)),
        now,
    ) | {"Accept": "*/*"}


async def test_followers_only_media_go_only_to_followers(media_network: Network) -> None:
    a, b, c = await linked(media_network)
    photo, iri = await publish_with_photo(media_network, a, visibility="followers")
    url, now = photo["url"], media_network.clock.now()
    unsigned = await a.client.get(url)
    assert unsigned.status_code == 401
    stranger = await a.client.get(url, headers=signed_get(c, "gamma", url, now))
    assert stranger.status_code == 404
    follower = await a.client.get(url, headers=signed_get(b, "beta", url, now))
    assert follower.status_code == 200 and follower.headers["content-type"] == "image/jpeg"
    assert follower.headers["cache-control"] == "private, no-store"
    preview = photo["preview_url"]
    assert (
        await a.client.get(preview, headers=signed_get(c, "gamma", preview, now))
    ).status_code == 404
    # the follower's node received the call with its attachment, but shows no copy of it
    async with b.node.db.transaction() as session:
        stored = await objects.get(session, iri)
        assert stored is not None
        kept = await remote_media.of_objects(session, [stored.id])
    [reference] = kept[stored.id]
    assert reference.attachment.description == "Crowd outside the court"
    assert (await b.client.get(f"/media/copies/{reference.key}")).status_code == 404


async def test_received_pictures_are_references_shown_through_a_clean_copy(
    media_network: Network,
) -> None:
    a, b, _ = await linked(media_network)
    photo, iri = await publish_with_photo(media_network, a)
    timeline = (await b.api("GET", "/timeline", "beta")).json()["items"]
    [item] = [i for i in timeline if i["id"] == iri]
    [shown] = item["media"]
    assert shown["url"] == photo["url"] and shown["description"] == "Crowd outside the court"
    assert shown["type"] == "image" and shown["blurhash"] == photo["blurhash"]
    preview = shown["preview_url"]
    assert preview.startswith("https://b.test/media/copies/")  # never a.test: no hot-linking
    copied = await b.client.get(preview)
    assert copied.status_code == 200 and copied.headers["content-type"] == "image/webp"
    assert copied.headers["x-content-type-options"] == "nosniff"
    assert metadata_left(copied.content)["secrets"] == []
    with Image.open(io.BytesIO(copied.content)) as image:
        assert image.size[0] <= 640 and image.size[1] <= 640
    # withdrawn: the origin's file answers 404/410, the copy and the reference go too
    key = iri.rsplit("/", 1)[-1]
    assert (await a.api("DELETE", f"/calls/{key}", "alpha")).status_code == 204
    await media_network.settle()
    assert (await a.client.get(photo["url"])).status_code in (404, 410)
    assert (await a.client.get(photo["preview_url"])).status_code in (404, 410)
    assert (await b.client.get(preview)).status_code == 404
    copies = list((media_network.folder / "media" / "copies").glob("*"))
    assert copies == []


async def test_a_copy_that_cannot_be_fetched_is_not_asked_again_at_once(
    media_network: Network,
) -> None:
    a, b, _ = await linked(media_network)
    photo, iri = await publish_with_photo(media_network, a)
    timeline = (await b.api("GET", "/timeline", "beta")).json()["items"]
    preview = next(i for i in timeline if i["id"] == iri)["media"][0]["preview_url"]
    original = a.node.settings.media_path / photo["url"].rsplit("/", 1)[-1]
    data = original.read_bytes()
    original.write_bytes(b"<html><script>alert(1)</script></html>")
    refused = await b.client.get(preview)
    assert refused.status_code == 404 and "HTML" in refused.json()["error"]
    original.write_bytes(data)
    assert (await b.client.get(preview)).status_code == 404  # not before an hour has passed
    media_network.clock.advance(timedelta(hours=2))
    assert (await b.client.get(preview)).status_code == 200
