"""Circles in the workspace, over HTTP through the real app, on SQLite and PostgreSQL: an owner
makes a circle, adds members by handle (WebFinger on a remote host) and by URL, takes one out
and deletes it, with the API's rules and messages; a circle call published from compose is
addressed and delivered to the circle's members alone and shown to its author only; editors
read but do not change; another organisation's member gets 403, a post without its token 403.
"""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select

from node.federation.runtime import Runtime
from node.publication import Visibility
from node.solidarity import allies, circles, organisations
from node.storage import actors, objects
from node.storage.tables import DeliveryRow
from tests.support.actors import RemoteHost, hosted
from tests.support.router import HostRouter
from tests.support.who import TESTER
from tests.support.workspace import HTML, csrf_of, post_form, signed_in_member

BETA = "https://node.test/users/beta"
PAGE = "/workspace/alpha/circles"


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    found = hosted(router, "remote.test")
    found.actor("rosa")
    found.actor("sam")
    return found


@pytest.fixture
async def ana(client: httpx.AsyncClient, node: Runtime, alpha: str) -> httpx.AsyncClient:
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    await signed_in_member(client, node, "alpha", "ana@example.org")
    return client


async def members_of(node: Runtime, name: str) -> list[str] | None:
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    found = {circle.name: list(circle.members) for circle in await circles.of(node, org)}
    return found.get(name)


async def make_circle(client: httpx.AsyncClient, name: str, members: str = "") -> None:
    made = await post_form(client, PAGE, {"name": name, "members": members})
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"{PAGE}?done=circle-made"


async def test_an_owner_makes_fills_empties_and_deletes_a_circle(
    ana: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    rosa, sam = remote.actor("rosa").iri, remote.actor("sam").iri
    assert "No circle yet." in (await ana.get(PAGE, headers=HTML)).text
    await make_circle(ana, "inner", "beta@node.test")
    assert await members_of(node, "inner") == [BETA]
    by_handle = await post_form(
        ana, f"{PAGE}/inner/members", {"actor": "@rosa@remote.test"}, from_page=PAGE
    )
    assert by_handle.status_code == 303, by_handle.text
    by_url = await post_form(ana, f"{PAGE}/inner/members", {"actor": sam}, from_page=PAGE)
    assert by_url.status_code == 303, by_url.text
    assert await members_of(node, "inner") == [BETA, rosa, sam]
    page = (await ana.get(PAGE, headers=HTML)).text
    for handle in ("@beta@node.test", "@rosa@remote.test", "@sam@remote.test"):
        assert handle in page
    out = await post_form(ana, f"{PAGE}/inner/members/remove", {"actor": rosa}, from_page=PAGE)
    assert out.status_code == 303, out.text
    assert await members_of(node, "inner") == [BETA, sam]
    gone = await post_form(ana, f"{PAGE}/inner/delete", {}, from_page=PAGE)
    assert gone.status_code == 303
    assert await members_of(node, "inner") is None
    assert "The circle is deleted." in (await ana.get(gone.headers["location"])).text


@pytest.mark.parametrize(
    ("path", "fields", "words"),
    [
        (PAGE, {"name": "Inner!"}, "circle name &#39;Inner!&#39;"),
        (PAGE, {"name": "inner"}, "has a circle &#39;inner&#39; already"),
        (PAGE, {"name": "new", "members": "alpha@node.test"}, "its own circle"),
        (f"{PAGE}/inner/members", {"actor": "nobody"}, "neither a handle"),
        (f"{PAGE}/inner/members", {"actor": "ghost@remote.test"}, "ghost@remote.test"),
    ],
)
async def test_refusals_are_the_apis_and_come_back_in_the_page(
    ana: httpx.AsyncClient,
    node: Runtime,
    remote: RemoteHost,
    path: str,
    fields: dict[str, str],
    words: str,
) -> None:
    await make_circle(ana, "inner")
    answer = await post_form(ana, path, fields, from_page=PAGE)
    assert answer.status_code == 400, answer.text
    assert words in answer.text, answer.text
    assert await members_of(node, "inner") == []
    assert await members_of(node, "new") is None


async def test_a_circle_that_is_not_there_is_404(ana: httpx.AsyncClient) -> None:
    for path in (f"{PAGE}/nope/members", f"{PAGE}/nope/members/remove", f"{PAGE}/nope/delete"):
        answer = await post_form(ana, path, {"actor": BETA}, from_page=PAGE)
        assert answer.status_code == 404, path


async def circle_call(client: httpx.AsyncClient, **more: str) -> httpx.Response:
    fields = {
        "title": "Safe house tonight",
        "content": "Two rooms, two nights.",
        "deadline": "2031-01-01T09:00",
        "urgency": "critical",
        "language": "en",
        "max_hops": "2",
        "visibility": "circle",
        "circle": "inner",
        "action": "publish",
        **more,
    }
    return await post_form(client, "/workspace/alpha/compose?kind=call", fields)


async def test_a_circle_call_from_compose_goes_to_the_circle_alone(
    ana: httpx.AsyncClient, node: Runtime, remote: RemoteHost
) -> None:
    rosa = remote.actor("rosa").iri
    await make_circle(ana, "inner", f"rosa@remote.test\n{BETA}")
    compose = (await ana.get("/workspace/alpha/compose?kind=call", headers=HTML)).text
    assert '<option value="circle"' in compose and '<option value="inner"' in compose
    strategy = (await ana.get("/workspace/alpha/compose?kind=strategy", headers=HTML)).text
    assert '<option value="circle"' not in strategy
    published = await circle_call(ana)
    assert published.status_code == 303, published.text
    key = published.headers["location"].rsplit("/", 1)[1]
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
        inboxes = list(await session.scalars(select(DeliveryRow.inbox_url)))
    assert stored is not None and stored.visibility is Visibility.CIRCLE
    assert (stored.document["to"], stored.document["cc"]) == ([rosa, BETA], [])
    assert inboxes == [f"{rosa}/inbox"]  # beta is on this node; no follower, no relay
    dashboard = (await ana.get("/workspace/alpha", headers=HTML)).text
    assert "Safe house tonight" in dashboard and "a circle only" in dashboard
    responses = await ana.get(f"/workspace/alpha/call/{key}/responses", headers=HTML)
    assert "a circle only" in responses.text and "See the public page" not in responses.text
    assert "Safe house tonight" not in (await ana.get("/@alpha", headers=HTML)).text
    assert (await ana.get(stored.iri, headers=HTML)).status_code == 404


@pytest.mark.parametrize(
    ("more", "words"),
    [
        ({"visibility": "public"}, "goes with visibility"),  # never public by a slip
        ({"circle": ""}, "&#39;circle&#39; is required"),
        ({"circle": "empty"}, "has no members"),
    ],
)
async def test_a_circle_call_needs_its_circle(
    ana: httpx.AsyncClient, node: Runtime, more: dict[str, str], words: str
) -> None:
    await make_circle(ana, "inner", "beta@node.test")
    await make_circle(ana, "empty")
    answer = await circle_call(ana, **more)
    assert answer.status_code == 400 and words in answer.text, answer.text
    assert 'value="Safe house tonight"' in answer.text
    async with node.db.transaction() as session:
        assert list(await session.scalars(select(DeliveryRow.id))) == []


async def test_the_allies_page_names_the_circle_an_allys_calls_go_on_to(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    await make_circle(ana, "onward", "beta@node.test")
    page = "/workspace/alpha/allies"
    assert '<option value="onward"' in (await ana.get(page, headers=HTML)).text
    fields = {"actor": "beta@node.test", "amplify": "auto", "circle": "onward"}
    assert (await post_form(ana, page, fields)).status_code == 303
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    [ally] = await allies.of(node, org)
    assert (await allies.circle_names(node, org))[ally.circle_id or 0] == "onward"
    assert re.search(r"<td dir=\"ltr\">onward</td>", (await ana.get(page, headers=HTML)).text)
    missing = await post_form(ana, page, fields | {"circle": "nope"})
    assert missing.status_code == 400 and "no circle &#39;nope&#39;" in missing.text


async def test_editors_read_circles_but_do_not_change_them(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await circles.add(node, await alpha_org(node), "inner", [], who=TESTER)
    await signed_in_member(client, node, "alpha", "ed@example.org", role="editor")
    page = await client.get(PAGE, headers=HTML)
    assert page.status_code == 200 and "inner" in page.text and "Make a circle" not in page.text
    for path in (PAGE, f"{PAGE}/inner/members", f"{PAGE}/inner/delete"):
        answer = await post_form(client, path, {"name": "x", "actor": BETA}, from_page=PAGE)
        assert answer.status_code == 403, path
    assert await members_of(node, "inner") == []


async def alpha_org(node: Runtime) -> actors.LocalActor:
    async with node.db.transaction() as session:
        return await actors.by_username(session, "alpha")


async def test_another_organisations_member_gets_403(
    client: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await circles.add(node, await alpha_org(node), "inner", [], who=TESTER)
    await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    await signed_in_member(client, node, "beta", "bea@example.org")
    assert (await client.get(PAGE, headers=HTML)).status_code == 403
    token = csrf_of(await client.get("/workspace/beta/circles", headers=HTML))
    for path in (PAGE, f"{PAGE}/inner/members", f"{PAGE}/inner/delete"):
        fields = {"csrf": token, "name": "x", "actor": BETA}
        assert (await client.post(path, data=fields, headers=HTML)).status_code == 403, path
    assert await members_of(node, "inner") == []
    own = (await client.get("/workspace/beta/circles", headers=HTML)).text
    assert "inner" not in own and "No circle yet." in own


async def test_every_circle_form_refuses_a_post_without_its_token(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    from node.web.routes import circle_workspace_routes

    await make_circle(ana, "inner", "beta@node.test")
    posts = [
        route.path.replace("{org}", "alpha").replace("{name}", "inner")
        for route in circle_workspace_routes()
        if "POST" in (getattr(route, "methods", None) or ())
    ]
    assert len(posts) == 4
    for path in posts:
        fields = {"name": "other", "actor": BETA}
        assert (await ana.post(path, data=fields, headers=HTML)).status_code == 403, path
    assert await members_of(node, "inner") == [BETA]
    assert await members_of(node, "other") is None
