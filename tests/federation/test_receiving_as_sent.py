"""An inbox body the node reads unchanged is stored as it came (not serialised again), and the
worker reads back the very document that was screened: odd spacing, escapes and non-ASCII
text included; a body with a byte order mark, or one given an id, is stored as parsed."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import String, cast, select

from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.tables import InboxItemRow
from tests.federation.test_receiving import INBOX, create, drain, note
from tests.support.actors import RemoteHost, signed_headers


async def post_bytes(
    client: httpx.AsyncClient, node: Runtime, remote: RemoteHost, body: bytes
) -> httpx.Response:
    headers = signed_headers(remote.actor("bob"), INBOX, body, node.clock.now())
    return await client.post(INBOX, content=body, headers=headers)


async def stored_documents(node: Runtime) -> list[dict[str, Any]]:
    async with node.db.transaction() as session:
        items = await inbox_items.claim(session, node.clock.now(), 10, timedelta(minutes=1))
    return [item.document for item in items]


async def test_bodies_are_stored_as_sent_and_read_back_alike(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    activity = create(bob, note(bob, "odd", content='<p>caf\u00e9 \U0001f49c \\ " \u2028</p>'))
    spaced = json.dumps(activity, indent=3, ensure_ascii=False).replace(": ", " :\t")
    escaped = json.dumps(create(bob, note(bob, "esc", summary="\u00e9\U0001f49c"), "2"))
    for body in (spaced.encode(), escaped.encode()):
        answer = await post_bytes(client, node, remote, body)
        assert answer.status_code == 202, answer.text
    async with node.db.transaction() as session:
        texts = await session.scalars(
            select(cast(InboxItemRow.document, String)).order_by(InboxItemRow.id)
        )
        assert list(texts) == [spaced, escaped]
    documents = await stored_documents(node)
    assert documents == [json.loads(spaced), json.loads(escaped)]


async def test_bodies_the_node_changed_or_that_need_decoding_are_stored_as_parsed(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost
) -> None:
    bob = remote.actor("bob")
    with_mark = b"\xef\xbb\xbf" + json.dumps(create(bob, note(bob, "bom"), "bom")).encode()
    accept = {"type": "Accept", "actor": bob.iri, "object": f"{alpha}#follows/1"}
    for body in (with_mark, json.dumps(accept).encode()):
        answer = await post_bytes(client, node, remote, body)
        assert answer.status_code == 202, answer.text
    first, second = await stored_documents(node)
    assert first == json.loads(with_mark)
    assert second["id"].startswith(f"{bob.iri}#accept/") and second["object"] == accept["object"]
    await drain(node)
