"""Pictures and documents in the workspace's compose form, over HTTP through the real app on
SQLite and PostgreSQL, as a browser without JavaScript posts it (multipart, CSRF token read
from the page): upload with its preview and alt text, publish, revise, and what is refused
with a message on the page and nothing stored."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import httpx
import pytest

from node.app import create_app
from node.federation.runtime import Runtime
from node.storage import objects, uploads
from tests.support.media_files import (
    SVG,
    camera_jpeg,
    metadata_left,
    pdf_with_metadata,
    png,
    stored_counts,
)
from tests.support.workspace import HTML, csrf_of, signed_in_member

COMPOSE = "/workspace/alpha/compose?kind=call"
ALT = "A banner at the march, faces blurred"
IDS_RE = re.compile(r'name="media_ids" value="([^"]+)"')
NO_FILE = ("", b"", "application/octet-stream")  # what a browser sends when none is chosen


@pytest.fixture
async def ana(client: httpx.AsyncClient, node: Runtime, alpha: str) -> httpx.AsyncClient:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    return client


def call_fields(**more: Any) -> dict[str, Any]:
    return {
        "title": "Fill the courtroom",
        "content": "The hearing is on **Monday**.",
        "deadline": "2031-01-01T09:00",
        "language": "en",
        "visibility": "public",
        **more,
    }


async def post_compose(
    client: httpx.AsyncClient,
    path: str,
    fields: dict[str, Any],
    file: tuple[str, bytes, str] = NO_FILE,
) -> httpx.Response:
    """The compose form as a browser sends it: multipart, with its token and a file field."""
    page = await client.get(path, headers=HTML)
    data = {"csrf": csrf_of(page), **fields}
    return await client.post(path, data=data, files={"file": file}, headers=HTML)


async def test_a_photo_is_previewed_with_its_alt_text_and_published_without_metadata(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    photo = ("march.jpg", camera_jpeg(), "image/jpeg")
    uploaded = await post_compose(
        ana, COMPOSE, call_fields(action="upload", description=ALT), photo
    )
    assert uploaded.status_code == 200, uploaded.text
    assert 'value="Fill the courtroom"' in uploaded.text  # what was typed stays
    (key,) = IDS_RE.findall(uploaded.text)
    preview = f"/workspace/alpha/media/{key}-small.webp"
    assert f'<img src="{preview}" alt="{ALT}"' in uploaded.text
    assert f"<figcaption>{ALT}</figcaption>" in uploaded.text
    shown = await ana.get(preview)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/webp"
    transport = httpx.ASGITransport(app=create_app(node.settings, runtime=node))
    async with httpx.AsyncClient(transport=transport, base_url=str(ana.base_url)) as stranger:
        assert (await stranger.get(preview, headers=HTML)).status_code in (302, 303)
        assert (await stranger.get(f"/media/{key}.jpg")).status_code in (401, 403, 404)

    published = await post_compose(ana, COMPOSE, call_fields(action="publish", media_ids=[key]))
    assert published.status_code == 303, published.text
    iri = published.headers["location"].split("url=", 1)[1]
    async with node.db.transaction() as session:
        stored = await objects.get(session, iri)
        assert stored is not None
        carried = await uploads.of_object(session, stored.id)
    assert [m.key for m in carried] == [key] and carried[0].description == ALT
    assert stored.document["attachment"][0]["name"] == ALT
    page = await ana.get(iri, headers=HTML)
    assert f'alt="{ALT}"' in page.text
    served = await ana.get(f"/media/{key}.jpg")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    left = metadata_left(served.content)
    assert left["exif_tags"] == [] and left["app_segments"] == [] and left["secrets"] == []
    assert left["pillow_exif"] == {} and not left["xmp"]


async def test_publish_uploads_a_chosen_file_too(ana: httpx.AsyncClient, node: Runtime) -> None:
    fields = call_fields(action="publish", description="The poster")
    published = await post_compose(ana, COMPOSE, fields, ("p.png", png(), "image/png"))
    assert published.status_code == 303, published.text
    iri = published.headers["location"].split("url=", 1)[1]
    assert 'alt="The poster"' in (await ana.get(iri, headers=HTML)).text


@pytest.mark.parametrize(
    ("file", "description", "status", "words"),
    [
        (("logo.svg", SVG, "image/svg+xml"), ALT, 415, "SVG"),
        (("poster.png", png(), "image/png"), "  ", 400, "describe the picture"),
        (("empty.png", b"", "image/png"), ALT, 400, "empty"),
    ],
)
async def test_refused_files_come_back_with_a_message_and_nothing_is_stored(
    ana: httpx.AsyncClient,
    node: Runtime,
    file: tuple[str, bytes, str],
    description: str,
    status: int,
    words: str,
) -> None:
    fields = call_fields(action="upload", description=description)
    answer = await post_compose(ana, COMPOSE, fields, file)
    assert answer.status_code == status, answer.text
    assert 'role="alert"' in answer.text and words in answer.text
    assert 'value="Fill the courtroom"' in answer.text
    assert await stored_counts(node) == (0, 0)


async def test_too_large_files_are_refused_on_the_page(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    limits = replace(node.settings.media, image_max_bytes=3000, document_max_bytes=3000)
    node.settings = replace(node.settings, media=limits)
    node.media_processor.limits = node.settings.media
    big = png((200, 200)) + b"\x00" * 4000
    over = await post_compose(
        ana, COMPOSE, call_fields(action="upload", description=ALT), big_file(big)
    )
    assert over.status_code == 413 and "at most 3000" in over.text
    assert 'value="Fill the courtroom"' in over.text
    huge = b"\x00" * (400 * 1024)  # past the form's whole limit: the body is not read on
    lost = await post_compose(
        ana, COMPOSE, call_fields(action="upload", description=ALT), big_file(huge)
    )
    assert lost.status_code == 413 and 'role="alert"' in lost.text and "<form" in lost.text
    assert await stored_counts(node) == (0, 0)


def big_file(data: bytes) -> tuple[str, bytes, str]:
    return ("big.png", data, "image/png")


async def test_a_revision_keeps_removes_and_redescribes_its_media(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    keys = []
    for alt in ("First picture", "Second picture"):
        fields = call_fields(action="upload", description=alt, media_ids=keys)
        page = await post_compose(ana, COMPOSE, fields, ("p.png", png(), "image/png"))
        keys = IDS_RE.findall(page.text)
    assert len(keys) == 2
    published = await post_compose(ana, COMPOSE, call_fields(action="publish", media_ids=keys))
    iri = published.headers["location"].split("url=", 1)[1]
    edit = f"/workspace/alpha/call/{iri.rsplit('/', 1)[1]}/edit"
    form = await ana.get(edit, headers=HTML)
    assert IDS_RE.findall(form.text) == keys and 'alt="Second picture"' in form.text
    changes = {"media_ids": keys, "remove": keys[0], f"description-{keys[1]}": "The banner"}
    revised = await post_compose(ana, edit, call_fields(action="publish", **changes))
    assert revised.status_code == 303, revised.text
    async with node.db.transaction() as session:
        stored = await objects.get(session, iri)
        assert stored is not None
        carried = await uploads.of_object(session, stored.id)
    assert [(m.key, m.description) for m in carried] == [(keys[1], "The banner")]
    assert 'alt="The banner"' in (await ana.get(iri, headers=HTML)).text
    emptied = await post_compose(
        ana,
        edit,
        call_fields(action="publish", media_ids=keys[1:], **{f"description-{keys[1]}": ""}),
    )
    assert emptied.status_code == 400 and "describe the picture" in emptied.text


async def test_a_strategy_carries_its_toolkit(ana: httpx.AsyncClient, node: Runtime) -> None:
    path = "/workspace/alpha/compose?kind=strategy"
    fields = {"title": "Tenants' union", "content": "Knock on doors.", "language": "en"}
    kit = ("kit.pdf", pdf_with_metadata(), "application/pdf")
    page = await post_compose(
        ana, path, fields | {"action": "upload", "description": "Toolkit"}, kit
    )
    assert page.status_code == 200, page.text
    (key,) = IDS_RE.findall(page.text)
    assert f'href="/workspace/alpha/media/{key}.pdf" download>Toolkit</a>' in page.text
    preview = await post_compose(ana, path, fields | {"action": "preview", "media_ids": key})
    assert preview.status_code == 200 and 'class="preview"' in preview.text
    assert preview.text.count(f"/workspace/alpha/media/{key}.pdf") == 2  # preview and form
    done = await post_compose(ana, path, fields | {"action": "publish", "media_ids": key})
    assert done.status_code == 303, done.text
    iri = done.headers["location"].split("url=", 1)[1]
    served = await ana.get(f"/media/{key}.pdf")
    assert served.status_code == 200 and b"Jane Activist" not in served.content
    assert f"/media/{key}.pdf" in (await ana.get(iri, headers=HTML)).text
