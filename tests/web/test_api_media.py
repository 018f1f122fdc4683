"""The media API and media files on one node: upload (multipart), what is served back, what is
refused and that nothing of it is stored, alt text, attaching to calls and strategies, the
public page, withdrawal and pruning."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from node.federation.runtime import Runtime
from node.runner import build_worker
from node.solidarity import organisations
from node.storage.tables import MediaAttachmentRow
from tests.support.media_files import (
    HTML,
    SVG,
    bomb_png,
    camera_jpeg,
    metadata_left,
    pdf_with_metadata,
    png,
    stored_counts,
    truncated_jpeg,
)

CALL = {"title": "Fill the court room", "content": "Come on **Monday**.", "urgency": "high"}


@pytest.fixture
async def token(node: Runtime, alpha: str) -> str:
    return await organisations.create_token(node.db, node.clock, "alpha")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def upload(
    client: httpx.AsyncClient,
    token: str,
    data: bytes,
    name: str = "photo.jpg",
    declared: str = "image/jpeg",
    description: str | None = "A banner at the march",
) -> httpx.Response:
    fields = {} if description is None else {"description": description}
    return await client.post(
        "/api/v1/media",
        files={"file": (name, data, declared)},
        data=fields,
        headers=bearer(token),
    )


def call_body(node: Runtime, **extra: Any) -> dict[str, Any]:
    return CALL | {"deadline": (node.clock.now() + timedelta(days=3)).isoformat()} | extra


async def test_an_uploaded_photo_is_served_without_any_metadata_and_upright(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    response = await upload(client, token, camera_jpeg())
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["type"] == "image" and made["media_type"] == "image/jpeg"
    assert made["description"] == "A banner at the march"
    assert (made["width"], made["height"]) == (40, 80) and made["blurhash"]
    assert set(made) >= {"id", "url", "type", "description", "width", "height", "blurhash"}
    # unattached: only its organisation may fetch it
    assert (await client.get(made["url"])).status_code == 404
    served = await client.get(made["url"], headers=bearer(token))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["x-content-type-options"] == "nosniff"
    left = metadata_left(served.content)
    assert left["exif_tags"] == [] and left["app_segments"] == [] and left["secrets"] == []
    assert left["pillow_info"] == [] and left["pillow_exif"] == {} and not left["xmp"]
    with Image.open(io.BytesIO(served.content)) as image:
        assert image.size == (40, 80)
        assert image.convert("RGB").getpixel((20, 10))[0] > 200  # red on top: turned
    preview = await client.get(made["preview_url"], headers=bearer(token))
    assert preview.headers["content-type"] == "image/webp"
    assert metadata_left(preview.content)["secrets"] == []


@pytest.mark.parametrize(
    ("data", "name", "declared", "status", "words"),
    [
        (bomb_png(), "poster.png", "image/png", 400, "decompression bomb"),
        (SVG, "logo.svg", "image/svg+xml", 415, "SVG"),
        (HTML, "poster.png", "image/png", 415, "HTML"),
        (truncated_jpeg(), "photo.jpg", "image/jpeg", 400, "truncated"),
        (b"", "empty.jpg", "image/jpeg", 400, "empty"),
    ],
    ids=["bomb", "svg", "html-named-png", "truncated", "zero-bytes"],
)
async def test_refused_files_get_a_clear_error_and_nothing_is_stored(
    node: Runtime,
    client: httpx.AsyncClient,
    token: str,
    data: bytes,
    name: str,
    declared: str,
    status: int,
    words: str,
) -> None:
    response = await upload(client, token, data, name, declared)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert await stored_counts(node) == (0, 0)


async def test_uploads_need_a_token_a_file_and_multipart(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    anonymous = await client.post("/api/v1/media", files={"file": ("a.png", png(), "image/png")})
    assert anonymous.status_code == 401
    no_file = await client.post(
        "/api/v1/media",
        files={"picture": ("a.png", png(), "image/png")},
        data={"description": "x"},
        headers=bearer(token),
    )
    assert no_file.status_code == 400 and "'file' is required" in no_file.json()["error"]
    as_json = await client.post("/api/v1/media", json={"file": "x"}, headers=bearer(token))
    assert as_json.status_code == 415
    too_long = await upload(client, token, png(), description="x" * 1501)
    assert too_long.status_code == 400 and "1500" in too_long.json()["error"]
    assert await stored_counts(node) == (0, 0)


async def test_the_upload_limit_comes_from_the_settings(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    from dataclasses import replace

    node.settings = replace(node.settings, media=replace(node.settings.media, image_max_bytes=2000))
    node.media_processor.limits = node.settings.media
    big = await upload(client, token, png((400, 400), mode="RGB") + b"\x00" * 3000)
    assert big.status_code == 413, big.text
    assert await stored_counts(node) == (0, 0)


async def test_the_description_can_be_edited(client: httpx.AsyncClient, token: str) -> None:
    made = (await upload(client, token, png(), "a.png", "image/png", None)).json()
    assert made["description"] == ""
    edited = await client.patch(
        f"/api/v1/media/{made['id']}", json={"description": "Our logo"}, headers=bearer(token)
    )
    assert edited.status_code == 200 and edited.json()["description"] == "Our logo"
    shown = await client.get(f"/api/v1/media/{made['id']}", headers=bearer(token))
    assert shown.json()["description"] == "Our logo"
    bad = await client.patch(
        f"/api/v1/media/{made['id']}", json={"description": 5}, headers=bearer(token)
    )
    assert bad.status_code == 400
    unknown = await client.patch("/api/v1/media/nothing", json={}, headers=bearer(token))
    assert unknown.status_code == 404


async def test_a_call_carries_its_pictures_and_document_as_mastodon_reads_them(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    photo = (await upload(client, token, camera_jpeg())).json()
    toolkit = (
        await upload(client, token, pdf_with_metadata(), "kit.pdf", "application/pdf", "Toolkit")
    ).json()
    body = call_body(node, media_ids=[photo["id"], toolkit["id"]])
    made = await client.post("/api/v1/calls", json=body, headers=bearer(token))
    assert made.status_code == 201, made.text
    assert made.json()["media_ids"] == [photo["id"], toolkit["id"]]
    iri = made.json()["id"]
    note = (await client.get(iri, headers={"Accept": "application/activity+json"})).json()
    assert note["attachment"] == [
        {
            "type": "Image",
            "mediaType": "image/jpeg",
            "url": photo["url"],
            "name": "A banner at the march",
            "width": 40,
            "height": 80,
            "blurhash": photo["blurhash"],
        },
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": toolkit["url"],
            "name": "Toolkit",
        },
    ]
    assert "toot:blurhash" in str(note["@context"])
    public = await client.get(photo["url"])
    assert public.status_code == 200
    assert "immutable" in public.headers["cache-control"]
    document = await client.get(toolkit["url"])
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment")
    assert b"Jane Activist" not in document.content
    page = await client.get(iri, headers={"Accept": "text/html"})
    assert f'alt="{photo["description"]}"' in page.text
    assert photo["preview_url"] in page.text and toolkit["url"] in page.text


async def test_how_many_attachments_a_publication_may_carry(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    pictures = [(await upload(client, token, png())).json()["id"] for _ in range(4)]
    pdfs = [
        (await upload(client, token, pdf_with_metadata(), "k.pdf", "application/pdf")).json()["id"]
        for _ in range(2)
    ]
    cases = [
        ([*pictures, pdfs[0]], "at most 4"),
        ([pdfs[0], pdfs[1]], "1 document"),
        (["not-mine-at-all"], "no such media"),
        ("nope", "list of media ids"),
    ]
    for ids, words in cases:
        response = await client.post(
            "/api/v1/calls", json=call_body(node, media_ids=ids), headers=bearer(token)
        )
        assert response.status_code == 400, (ids, response.text)
        assert words in response.json()["error"]
    fine = await client.post(
        "/api/v1/strategies",
        json={"title": "Toolkit", "content": "Read it.", "media_ids": [pdfs[0], *pictures[:3]]},
        headers=bearer(token),
    )
    assert fine.status_code == 201, fine.text
    article = (
        await client.get(fine.json()["id"], headers={"Accept": "application/activity+json"})
    ).json()
    assert [a["type"] for a in article["attachment"]] == ["Document", "Image", "Image", "Image"]


async def test_a_revision_changes_the_attachments_and_a_withdrawal_removes_them(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    first, second = [(await upload(client, token, png())).json() for _ in range(2)]
    made = (
        await client.post(
            "/api/v1/calls", json=call_body(node, media_ids=[first["id"]]), headers=bearer(token)
        )
    ).json()
    key = made["key"]
    other = (
        await client.post(
            "/api/v1/calls", json=call_body(node, media_ids=[second["id"]]), headers=bearer(token)
        )
    ).json()
    revised = await client.patch(
        f"/api/v1/calls/{key}", json={"media_ids": [second["id"]]}, headers=bearer(token)
    )
    assert revised.status_code == 200, revised.text
    note = (await client.get(made["id"], headers={"Accept": "application/activity+json"})).json()
    assert [a["url"] for a in note["attachment"]] == [second["url"]]
    assert (await client.get(first["url"])).status_code == 404  # attached to nothing now
    unchanged = await client.patch(
        f"/api/v1/calls/{key}", json={"title": "New title"}, headers=bearer(token)
    )
    assert unchanged.json()["media_ids"] == [second["id"]]
    # withdrawn: second is still carried by the other call, so it stays
    assert (await client.delete(f"/api/v1/calls/{key}", headers=bearer(token))).status_code == 204
    assert (await client.get(second["url"])).status_code == 200
    assert (
        await client.delete(f"/api/v1/calls/{other['key']}", headers=bearer(token))
    ).status_code == 204
    gone = await client.get(second["url"])
    assert gone.status_code in (404, 410)
    assert not (node.settings.media_path / second["url"].rsplit("/", 1)[-1]).exists()


async def test_uploads_never_attached_are_pruned_after_a_day(
    node: Runtime, client: httpx.AsyncClient, token: str, clock: Any
) -> None:
    kept = (await upload(client, token, png())).json()
    await client.post(
        "/api/v1/calls", json=call_body(node, media_ids=[kept["id"]]), headers=bearer(token)
    )
    (await upload(client, token, camera_jpeg())).json()
    worker = build_worker(node)
    await worker.run_until_idle()
    assert (await stored_counts(node))[0] == 2
    clock.advance(timedelta(hours=23))
    await worker.run_until_idle()
    assert (await stored_counts(node))[0] == 2
    clock.advance(timedelta(hours=2))
    await worker.run_until_idle()
    rows, files = await stored_counts(node)
    assert rows == 1 and files == 2  # the attached picture and its preview
    async with node.db.transaction() as session:
        attached = await session.scalar(select(func.count()).select_from(MediaAttachmentRow))
    assert attached == 1
    assert (await client.get(kept["url"])).status_code == 200


def test_media_live_under_the_data_directory(node: Runtime, tmp_path: Path) -> None:
    assert node.settings.media_path == tmp_path / "media"


async def test_behind_nginx_the_node_checks_and_nginx_sends(
    node: Runtime, client: httpx.AsyncClient, token: str
) -> None:
    from dataclasses import replace

    photo = (await upload(client, token, png())).json()
    await client.post(
        "/api/v1/calls", json=call_body(node, media_ids=[photo["id"]]), headers=bearer(token)
    )
    node.settings = replace(
        node.settings, media=replace(node.settings.media, accel_redirect="/_media/")
    )
    served = await client.get(photo["url"])
    name = photo["url"].rsplit("/", 1)[-1]
    assert served.status_code == 200 and served.content == b""
    assert served.headers["x-accel-redirect"] == f"/_media/{name}"
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
