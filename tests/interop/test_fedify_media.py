"""Pictures and toolkits as a Fedify-based follower reads them: the attachments of a call with
pictures and of a strategy with a PDF, parsed by Fedify's own vocabulary (Image / Document,
mediaType, url, name as the alt text, width and height), and the files behind the URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.interop.interop_harness import Json, LiveNode, PeerFactory
from tests.interop.test_fedify_publications import follower_of_alpha, parsed_object, received
from tests.support.media_files import camera_jpeg, metadata_left, pdf_with_metadata, png

pytestmark = pytest.mark.interop


def upload(node: LiveNode, token: str, name: str, data: bytes, declared: str, alt: str) -> Json:
    with node.client() as client:
        response = client.post(
            "/api/v1/media",
            files={"file": (name, data, declared)},
            data={"description": alt},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 201, response.text
    made: Json = response.json()
    return made


def publish(node: LiveNode, token: str, path: str, body: dict[str, Any]) -> Json:
    with node.client() as client:
        response = client.post(
            f"/api/v1/{path}", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201, response.text
    made: Json = response.json()
    return made


def fetch(node: LiveNode, url: str) -> Any:
    with node.client() as client:
        return client.get(url)


def test_fedify_reads_the_pictures_of_a_call_and_the_toolkit_of_a_strategy(
    live_node: LiveNode, start_fedify_peer: PeerFactory
) -> None:
    peer, token = follower_of_alpha(live_node, start_fedify_peer)
    photo = upload(live_node, token, "p.jpg", camera_jpeg(), "image/jpeg", "Crowd at the court")
    poster = upload(live_node, token, "poster.png", png((120, 60)), "image/png", "The poster")
    kit = upload(live_node, token, "kit.pdf", pdf_with_metadata(), "application/pdf", "Toolkit")
    deadline = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    call = publish(
        live_node,
        token,
        "calls",
        {
            "title": "Fill the court room",
            "content": "Come on Monday.",
            "deadline": deadline.isoformat(),
            "media_ids": [photo["id"], poster["id"]],
        },
    )
    strategy = publish(
        live_node,
        token,
        "strategies",
        {"title": "Observers", "content": "Train in pairs.", "media_ids": [kit["id"]]},
    )

    note = parsed_object(received(live_node, peer, "Create", call["id"]))
    assert note["attachments"] == [
        {
            "type": "Image",
            "mediaType": "image/jpeg",
            "url": photo["url"],
            "name": "Crowd at the court",
            "width": 40,
            "height": 80,
        },
        {
            "type": "Image",
            "mediaType": "image/png",
            "url": poster["url"],
            "name": "The poster",
            "width": 120,
            "height": 60,
        },
    ]
    article = parsed_object(received(live_node, peer, "Create", strategy["id"]))
    assert article["attachments"] == [
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": kit["url"],
            "name": "Toolkit",
            "width": None,
            "height": None,
        }
    ]
    served = fetch(live_node, photo["url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert metadata_left(served.content)["secrets"] == []
    document = fetch(live_node, kit["url"])
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment")
