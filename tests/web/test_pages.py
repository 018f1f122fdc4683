"""HTML pages for people, through the real ASGI app: the node's home listing its organisations,
a profile with its publications (pinned first, expired calls marked, gone ones a 410 page),
the interaction page, and errors shown as pages to browsers."""

from __future__ import annotations

from datetime import timedelta

import httpx

from node.clock import FrozenClock
from node.federation.runtime import Runtime
from node.publication import Kind
from node.solidarity import organisations, publishing, validation
from node.storage import actors

HTML = {"Accept": "text/html"}


async def test_home_page_lists_organisations(client: httpx.AsyncClient, alpha: str) -> None:
    response = await client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "Alpha Collective" in response.text and "@alpha@node.test" in response.text


async def test_a_profile_lists_publications_pinned_first_and_expired_calls_marked(
    client: httpx.AsyncClient, node: Runtime, alpha: str, clock: FrozenClock
) -> None:
    org = await organisations.get(node.db, "alpha")
    soon = (clock.now() + timedelta(hours=1)).isoformat()
    call = {"title": "Court at nine", "content": "Come.", "deadline": soon}
    await publishing.publish(node, org, validation.call(call, clock.now()))
    strategy = {"title": "Observers in pairs", "content": "Watch."}
    pinned = await publishing.publish(node, org, validation.strategy(strategy))
    await publishing.publish(
        node, org, validation.strategy(strategy | {"title": "Hidden", "visibility": "followers"})
    )
    await publishing.pin(node, org, Kind.STRATEGY, pinned.key or "", True)
    clock.advance(timedelta(hours=2))

    page = await client.get("/@alpha", headers=HTML)

    assert page.status_code == 200 and page.headers["vary"] == "Accept"
    text = page.text
    assert text.index("Observers in pairs") < text.index("Court at nine")
    assert "Hidden" not in text
    assert '<span class="pinned">Pinned</span>' in text
    assert "(passed)" in text  # the call's deadline went by


async def test_a_gone_organisation_is_a_410_page_and_unknown_ones_a_404(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    missing = await client.get("/@nobody", headers=HTML)
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "no organisation named" in missing.text
    async with node.db.transaction() as session:
        await actors.mark_deleted(session, "alpha", node.clock.now())
    gone = await client.get("/@alpha", headers=HTML)
    assert gone.status_code == 410 and "The organisation alpha left this node." in gone.text


async def test_the_interaction_page_shows_what_was_asked(client: httpx.AsyncClient) -> None:
    asked = await client.get("/authorize_interaction", params={"uri": "<b>@x@y</b>"})
    assert asked.status_code == 200
    assert "&lt;b&gt;@x@y&lt;/b&gt;" in asked.text and "<b>@x@y</b>" not in asked.text
    empty = await client.get("/authorize_interaction")
    assert "No <code>uri</code> was given." in empty.text
