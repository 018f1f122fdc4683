"""The workspace, over HTTP through the real app, on SQLite and PostgreSQL: an owner's ally and
circle changes are audited as the member (`member:EMAIL`) with the address the request came
from; refused ones (bad input, an editor) leave no entry. After publishing, the dashboard's
notice links a public call to its public page and a followers-only or circle call to its
responses page in the workspace (its public page answers 404)."""

from __future__ import annotations

import re

import httpx
import pytest

from node.federation.runtime import Runtime
from node.solidarity import circles, organisations
from node.storage import audit
from node.storage.audit import Entry
from tests.support.who import TESTER
from tests.support.workspace import HTML, post_form, signed_in_member

WS = "/workspace/alpha"
BETA = "https://node.test/users/beta"
GAMMA = "https://node.test/users/gamma"
NOTICE = re.compile(r'<p><a href="([^"]+)">(See the public page|See its responses)</a></p>')


@pytest.fixture
async def others(node: Runtime, alpha: str) -> None:
    for name in ("beta", "gamma"):
        await organisations.create_organisation(node.db, node.clock, node.urls, name)


async def logged(node: Runtime) -> list[Entry]:
    """Ally and circle entries, oldest first."""
    async with node.db.transaction() as session:
        found = await audit.entries(session, limit=500)
    return [e for e in reversed(found) if e.action.startswith(("ally.", "circle."))]


async def test_an_owners_ally_and_circle_changes_are_audited(
    client: httpx.AsyncClient, node: Runtime, others: None
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    done = [
        await post_form(client, f"{WS}/circles", {"name": "inner", "members": "beta@node.test"}),
        await post_form(client, f"{WS}/circles/inner/members", {"actor": GAMMA}, from_page=WS),
        await post_form(
            client, f"{WS}/circles/inner/members/remove", {"actor": BETA}, from_page=WS
        ),
        await post_form(client, f"{WS}/allies", {"actor": "beta@node.test", "amplify": "auto"}),
        await post_form(
            client, f"{WS}/allies", {"actor": BETA, "amplify": "urgent", "circle": "inner"}
        ),
    ]
    assert [answer.status_code for answer in done] == [303] * 5
    refused = [
        await post_form(client, f"{WS}/circles", {"name": "inner", "members": ""}),
        await post_form(client, f"{WS}/circles/inner/members", {"actor": "nobody"}, from_page=WS),
        await post_form(client, f"{WS}/allies", {"actor": "alpha@node.test"}),
        await post_form(client, f"{WS}/allies", {"actor": BETA, "circle": "nope"}),
        await post_form(client, f"{WS}/circles/nope/delete", {}, from_page=WS),
    ]
    assert [answer.status_code for answer in refused] == [400, 400, 400, 400, 404]
    ally_id = (await logged(node))[-1].details["id"]
    gone = [
        await post_form(client, f"{WS}/allies/{ally_id}/remove", {}, from_page=f"{WS}/allies"),
        await post_form(client, f"{WS}/circles/inner/delete", {}, from_page=WS),
    ]
    assert [answer.status_code for answer in gone] == [303, 303]

    entries = await logged(node)
    assert [(e.action, e.target) for e in entries] == [
        ("circle.create", "inner"),
        ("circle.members.add", "inner"),
        ("circle.members.remove", "inner"),
        ("ally.add", BETA),
        ("ally.update", BETA),
        ("ally.remove", BETA),
        ("circle.delete", "inner"),
    ]
    assert {(str(e.who), e.who.origin) for e in entries} == {
        ("member:ana@example.org", "127.0.0.1")
    }
    assert entries[2].details == {"org": "alpha", "members": [BETA]}
    assert entries[4].details["circle"] == "inner" and entries[4].details["was"]["circle"] is None


async def test_an_editors_refused_changes_leave_no_entry(
    client: httpx.AsyncClient, node: Runtime, others: None
) -> None:
    alpha = await organisations.get(node.db, "alpha")
    await circles.add(node, alpha, "inner", [BETA], who=TESTER)
    await signed_in_member(client, node, "alpha", "ed@example.org", role="editor")
    for path, fields in (
        (f"{WS}/circles", {"name": "outer", "members": GAMMA}),
        (f"{WS}/circles/inner/members", {"actor": GAMMA}),
        (f"{WS}/circles/inner/members/remove", {"actor": BETA}),
        (f"{WS}/circles/inner/delete", {}),
        (f"{WS}/allies", {"actor": "beta@node.test", "amplify": "auto"}),
    ):
        answer = await post_form(client, path, fields, from_page=WS)
        assert answer.status_code == 403, path
    assert [(str(e.who), e.action) for e in await logged(node)] == [("cli:tester", "circle.create")]


def compose(**more: str) -> dict[str, str]:
    fields = {"title": "Fill the courtroom", "content": "Monday.", "deadline": "2031-01-01T09:00"}
    return fields | {"language": "en", "max_hops": "4", "action": "publish"} | more


async def notice_after(client: httpx.AsyncClient, **fields: str) -> tuple[str, str, str]:
    """Publish a call from compose; the public IRI, and the notice's link and words."""
    published = await post_form(client, f"{WS}/compose?kind=call", compose(**fields))
    assert published.status_code == 303, published.text
    iri = published.headers["location"].split("url=", 1)[1]
    dashboard = await client.get(published.headers["location"], headers=HTML)
    found = NOTICE.search(dashboard.text)
    assert found is not None, dashboard.text
    return iri, found.group(1), found.group(2)


async def test_the_notice_links_where_the_publication_can_be_read(
    client: httpx.AsyncClient, node: Runtime, others: None
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    iri, link, words = await notice_after(client, visibility="public")
    assert (link, words) == (iri, "See the public page")
    assert (await client.get(link, headers=HTML)).status_code == 200

    alpha = await organisations.get(node.db, "alpha")
    await circles.add(node, alpha, "inner", [BETA], who=TESTER)
    for fields in ({"visibility": "followers"}, {"visibility": "circle", "circle": "inner"}):
        iri, link, words = await notice_after(client, **fields)
        key = iri.rsplit("/", 1)[1]
        assert (link, words) == (f"{WS}/call/{key}/responses", "See its responses")
        assert (await client.get(iri, headers=HTML)).status_code == 404
        assert (await client.get(link, headers=HTML)).status_code == 200


async def test_the_notice_links_only_the_organisations_own_publication(
    client: httpx.AsyncClient, node: Runtime, others: None
) -> None:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    iri, _, _ = await notice_after(client, visibility="public")
    for query in (
        "done=published&kind=call&url=https://elsewhere.test/calls/x",
        f"done=published&kind=strategy&url={iri}",
        f"done=published&kind=call&url={iri}x",
        f"done=published&url={iri}",
    ):
        dashboard = await client.get(f"{WS}?{query}", headers=HTML)
        assert dashboard.status_code == 200 and NOTICE.search(dashboard.text) is None, query
    await signed_in_member(client, node, "beta", "bea@example.org")
    theirs = await client.get(f"/workspace/beta?done=published&kind=call&url={iri}", headers=HTML)
    assert theirs.status_code == 200 and NOTICE.search(theirs.text) is None
