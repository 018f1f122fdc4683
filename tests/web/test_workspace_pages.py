"""What a member does in the workspace, over HTTP through the real app, on SQLite and
PostgreSQL: publish with a preview, revise, pin, withdraw; follow and unfollow, answer follow
requests; allies (owners) and pending amplifications; responses; notifications with their
unread count and private Atom feed; API tokens and members (owners). Each action is checked
in what the node stored or serves, not only in the page."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route

from node.app import create_app
from node.clock import FrozenClock
from node.config import Settings
from node.federation import following
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime, make_runtime
from node.publication import Content, Fields, Kind, Visibility
from node.solidarity import allies, organisations, publishing, validation
from node.storage import amplifications, follows, objects
from node.storage.tables import DeliveryRow
from tests.support.servers import serve
from tests.support.who import TESTER
from tests.support.workspace import HTML, post_form, signed_in_member

BASE = "https://node.test"


@pytest.fixture
async def ana(client: httpx.AsyncClient, node: Runtime, alpha: str) -> httpx.AsyncClient:
    await signed_in_member(client, node, "alpha", "ana@example.org")
    return client


def compose_fields(**more: str) -> dict[str, str]:
    return {
        "title": "Fill the courtroom",
        "content": "The hearing is on **Monday**.",
        "deadline": "2031-01-01T09:00",
        "urgency": "high",
        "actions": "Come at nine\nShare it",
        "regions": "PL, Warsaw",
        "themes": "justice",
        "language": "en",
        "max_hops": "4",
        "visibility": "public",
        **more,
    }


async def test_compose_preview_publish_revise_pin_withdraw(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    path = "/workspace/alpha/compose?kind=call"
    preview = await post_form(ana, path, compose_fields(action="preview"))
    assert preview.status_code == 200 and "<strong>Monday</strong>" in preview.text
    assert 'value="Fill the courtroom"' in preview.text  # the form keeps what was typed
    published = await post_form(ana, path, compose_fields(action="publish"))
    assert published.status_code == 303
    iri = published.headers["location"].split("url=", 1)[1]
    key = iri.rsplit("/", 1)[1]
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
    assert stored is not None and stored.fields.urgency == "high"
    assert stored.fields.actions == ("Come at nine", "Share it")
    assert stored.fields.max_hops == 4 and stored.fields.deadline is not None
    page = await ana.get(iri, headers=HTML)
    assert "<h1>Fill the courtroom</h1>" in page.text
    edit = f"/workspace/alpha/call/{key}/edit"
    assert 'value="Fill the courtroom"' in (await ana.get(edit, headers=HTML)).text
    revised = await post_form(ana, edit, compose_fields(title="Fill it", action="publish"))
    assert revised.status_code == 303
    assert "<h1>Fill it</h1>" in (await ana.get(iri, headers=HTML)).text
    pinned = await post_form(
        ana, f"/workspace/alpha/call/{key}/pin", {"pinned": "1"}, from_page="/workspace/alpha"
    )
    assert pinned.status_code == 303
    assert "Pinned" in (await ana.get("/@alpha", headers=HTML)).text
    gone = await post_form(ana, f"/workspace/alpha/call/{key}/withdraw", {})
    assert gone.status_code == 303
    assert (await ana.get(iri, headers=HTML)).status_code == 410


async def test_bad_input_comes_back_in_the_form(ana: httpx.AsyncClient) -> None:
    answer = await post_form(
        ana,
        "/workspace/alpha/compose?kind=call",
        compose_fields(deadline="2001-01-01T09:00", action="publish"),
    )
    assert answer.status_code == 400
    assert "is not in the future" in answer.text and 'value="Fill the courtroom"' in answer.text


async def test_strategies_too(ana: httpx.AsyncClient, node: Runtime) -> None:
    fields = {
        "title": "Tenants' union",
        "summary": "Start with one building.",
        "content": "Knock on doors.",
        "themes": "housing",
        "language": "es",
        "visibility": "unlisted",
        "action": "publish",
    }
    done = await post_form(ana, "/workspace/alpha/compose?kind=strategy", fields)
    assert done.status_code == 303, done.text
    key = done.headers["location"].rsplit("/", 1)[1]
    async with node.db.transaction() as session:
        stored = await objects.by_key(session, key)
    assert stored is not None and stored.kind is Kind.STRATEGY
    assert stored.fields.language == "es" and stored.visibility is Visibility.UNLISTED


async def test_follow_unfollow_and_follow_requests(ana: httpx.AsyncClient, node: Runtime) -> None:
    beta = await organisations.create_organisation(
        node.db, node.clock, node.urls, "beta", "Beta", manually_approves_followers=True
    )
    done = await post_form(ana, "/workspace/alpha/follows", {"target": "beta@node.test"})
    assert done.status_code == 303
    alpha = await organisations.get(node.db, "alpha")
    [made] = await following.following_of(node, alpha)
    assert made.target_iri == f"{BASE}/users/beta" and made.state == "pending"
    await following.follow(node, beta, "alpha@node.test")
    page = await ana.get("/workspace/alpha/follows", headers=HTML)
    assert f"{BASE}/users/beta" in page.text
    key = (made.follow_iri or "").rsplit("/", 1)[1]
    gone = await post_form(
        ana, f"/workspace/alpha/follows/{key}/unfollow", {}, from_page="/workspace/alpha/follows"
    )
    assert gone.status_code == 303
    assert await following.following_of(node, alpha) == []


async def test_allies_and_pending_amplifications(ana: httpx.AsyncClient, node: Runtime) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    added = await post_form(
        ana,
        "/workspace/alpha/allies",
        {"actor": "beta@node.test", "amplify": "manual", "regions": "PL"},
    )
    assert added.status_code == 303
    alpha = await organisations.get(node.db, "alpha")
    [ally] = await allies.of(node, alpha)
    assert ally.amplify == "manual" and ally.regions == ("PL",)
    deadline = (node.clock.now() + timedelta(days=2)).isoformat()
    body = {"title": "Help now", "content": "x", "deadline": deadline, "regions": ["PL"]}
    call = await publishing.publish(node, beta, validation.call(body, node.clock.now()))
    page = await ana.get("/workspace/alpha/amplifications", headers=HTML)
    assert "Help now" in page.text
    unread = await ana.get("/workspace/alpha", headers=HTML)
    assert "1 unread" in unread.text
    row_id = re.search(r"/amplifications/(\d+)/approve", page.text)
    assert row_id
    approved = await post_form(
        ana,
        f"/workspace/alpha/amplifications/{row_id.group(1)}/approve",
        {},
        from_page="/workspace/alpha/amplifications",
    )
    assert approved.status_code == 303
    async with node.db.transaction() as session:
        [row] = await amplifications.of_object(session, call.iri)
    assert row.state == "sent"
    removed = await post_form(
        ana, f"/workspace/alpha/allies/{ally.id}/remove", {}, from_page="/workspace/alpha/allies"
    )
    assert removed.status_code == 303 and await allies.of(node, alpha) == []


async def test_notifications_unread_count_and_feed(ana: httpx.AsyncClient, node: Runtime) -> None:
    alpha = await organisations.get(node.db, "alpha")
    deadline = (node.clock.now() + timedelta(days=2)).isoformat()
    body = {"title": "Our call", "content": "x", "deadline": deadline}
    call = await publishing.publish(node, alpha, validation.call(body, node.clock.now()))
    now = node.clock.now()
    async with node.db.transaction() as session:
        await objects.put(
            session,
            iri="https://far.test/notes/1",
            actor_iri="https://far.test/users/rose",
            content=Content("Note", Fields(None, Visibility.PUBLIC), "", call.iri, True),
            document={"id": "https://far.test/notes/1", "content": "<p>I'll come</p>"},
            published=now,
            now=now,
        )
        await follows.put(
            session,
            "https://far.test/users/sam",
            node.urls.actor("alpha"),
            "pending",
            "https://far.test/f/1",
            now,
        )
        session.add(
            DeliveryRow(
                activity_iri="https://node.test/activities/x",
                actor_id=alpha.id,
                inbox_url="https://down.test/inbox",
                host="down.test",
                body="{}",
                state="pending",
                attempts=5,
                next_attempt_at=now,
                created_at=now - timedelta(days=2),
                last_error="connection refused",
            )
        )
    page = await ana.get("/workspace/alpha/notifications", headers=HTML)
    assert "3 unread" in page.text
    assert "pledged to" in page.text and "Our call" in page.text
    assert "Follow request from" in page.text and "down.test" in page.text
    feed_url = re.search(r'<code class="secret">([^<]+)</code>', page.text)
    assert feed_url
    feed = await ana.get(feed_url.group(1).removeprefix(BASE))
    assert feed.status_code == 200 and feed.text.count("<entry>") == 3
    seen = await post_form(
        ana, "/workspace/alpha/notifications/seen", {}, from_page="/workspace/alpha/notifications"
    )
    assert seen.status_code == 303
    assert "unread" not in (await ana.get("/workspace/alpha", headers=HTML)).text
    renewed = await post_form(
        ana, "/workspace/alpha/notifications/feed", {}, from_page="/workspace/alpha/notifications"
    )
    assert renewed.status_code == 303
    assert (await ana.get(feed_url.group(1).removeprefix(BASE))).status_code == 404


async def test_tokens_made_listed_and_revoked(ana: httpx.AsyncClient) -> None:
    made = await post_form(ana, "/workspace/alpha/tokens", {"label": "our bot"})
    token = re.search(r'<code class="secret">(sn_[^<]+)</code>', made.text)
    assert token
    bearer = {"Authorization": f"Bearer {token.group(1)}"}
    assert (await ana.get("/api/v1/organisation", headers=bearer)).status_code == 200
    listing = await ana.get("/workspace/alpha/tokens", headers=HTML)
    assert "our bot" in listing.text and token.group(1) not in listing.text
    token_id = re.search(r"/tokens/(\d+)/revoke", listing.text)
    assert token_id
    revoked = await post_form(
        ana,
        f"/workspace/alpha/tokens/{token_id.group(1)}/revoke",
        {},
        from_page="/workspace/alpha/tokens",
    )
    assert revoked.status_code == 303
    assert (await ana.get("/api/v1/organisation", headers=bearer)).status_code == 401


async def test_owners_add_and_remove_members(ana: httpx.AsyncClient, node: Runtime) -> None:
    added = await post_form(
        ana, "/workspace/alpha/members", {"email": "Bo@Example.org", "role": "editor"}
    )
    link = re.search(r'<code class="secret">([^<]+/workspace/welcome/[^<]+)</code>', added.text)
    assert link and "bo@example.org" in added.text
    twice = await post_form(
        ana, "/workspace/alpha/members", {"email": "bo@example.org", "role": "owner"}
    )
    assert twice.status_code == 400 and "already a member" in twice.text
    listing = await ana.get("/workspace/alpha/members", headers=HTML)
    member_id = re.findall(r"/members/(\d+)/remove", listing.text)
    assert len(member_id) == 1  # an owner does not remove themselves here
    removed = await post_form(
        ana,
        f"/workspace/alpha/members/{member_id[0]}/remove",
        {},
        from_page="/workspace/alpha/members",
    )
    assert removed.status_code == 303
    assert "bo@example.org" not in (await ana.get("/workspace/alpha/members", headers=HTML)).text


# the follow box, against a server on loopback standing in for the visitor's ----------------


def stand_in() -> Starlette:
    async def webfinger(request: Request) -> JSONResponse:
        host = request.url.netloc
        if request.query_params.get("resource") != f"acct:rose@{host}":
            return JSONResponse({}, status_code=404)
        template = f"http://{host}/authorize_interaction?uri={{uri}}"
        return JSONResponse(
            {
                "subject": f"acct:rose@{host}",
                "links": [{"rel": "http://ostatus.org/schema/1.0/subscribe", "template": template}],
            }
        )

    return Starlette(
        routes=[
            Route("/.well-known/webfinger", webfinger),
            Route("/authorize_interaction", lambda r: HTMLResponse("ok")),
        ]
    )


@pytest.fixture
async def real_client(settings: Settings, clock: FrozenClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a runtime whose requests really leave it (to loopback servers)."""
    node = make_runtime(settings, clock=clock)
    await ensure_instance_actor(node.db, clock, node.urls)
    await node.start()
    await organisations.create_organisation(node.db, clock, node.urls, "alpha", "Alpha")
    app = create_app(settings, runtime=node)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield http
    await node.close()


async def test_the_follow_box_redirects_to_the_visitors_server(
    real_client: httpx.AsyncClient,
) -> None:
    async with serve(stand_in()) as remote:
        host = remote.removeprefix("http://")
        sent = await post_form(
            real_client, "/@alpha/follow", {"account": f"@rose@{host}"}, from_page="/@alpha"
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == (
            f"http://{host}/authorize_interaction?uri=alpha%40node.test"
        )
        unknown = await post_form(
            real_client, "/@alpha/follow", {"account": f"sam@{host}"}, from_page="/@alpha"
        )
        assert unknown.status_code == 502 and f"sam@{host}" in unknown.text
    bad = await post_form(
        real_client, "/@alpha/follow", {"account": "not a handle"}, from_page="/@alpha"
    )
    assert bad.status_code == 400
    for _ in range(10):
        last = await post_form(
            real_client, "/@alpha/follow", {"account": "x@127.0.0.1:9"}, from_page="/@alpha"
        )
    assert last.status_code == 429


async def test_timeline_pledge_and_amplify_by_hand(ana: httpx.AsyncClient, node: Runtime) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    alpha = await organisations.get(node.db, "alpha")
    await following.follow(node, alpha, "beta@node.test")
    deadline = (node.clock.now() + timedelta(days=2)).isoformat()
    body = {"title": "Stand with us", "content": "x", "deadline": deadline}
    call = await publishing.publish(node, beta, validation.call(body, node.clock.now()))
    key = call.key or ""
    page = await ana.get("/workspace/alpha/timeline", headers=HTML)
    assert "Stand with us" in page.text and f"/calls/{key}/pledge" in page.text
    pledged = await post_form(
        ana,
        f"/workspace/alpha/calls/{key}/pledge",
        {"content": "We will be there"},
        from_page="/workspace/alpha/timeline",
    )
    assert pledged.status_code == 303
    async with node.db.transaction() as session:
        [answer] = await objects.replies_to(session, call.iri)
    assert answer.content.is_pledge and answer.actor_iri == node.urls.actor("alpha")
    amplified = await post_form(
        ana, f"/workspace/alpha/calls/{key}/amplify", {}, from_page="/workspace/alpha/timeline"
    )
    assert amplified.status_code == 303
    async with node.db.transaction() as session:
        [row] = await amplifications.of_object(session, call.iri)
    assert row.state == "sent" and row.actor_id == alpha.id
    again = await post_form(
        ana, f"/workspace/alpha/calls/{key}/amplify", {}, from_page="/workspace/alpha/timeline"
    )
    assert again.status_code == 400 and "already amplified" in again.text
    found = await ana.get("/workspace/alpha/timeline?q=stand", headers=HTML)
    assert "Stand with us" in found.text


async def test_owners_change_the_profile(ana: httpx.AsyncClient, node: Runtime) -> None:
    saved = await post_form(
        ana,
        "/workspace/alpha/profile",
        {
            "display_name": "Alpha Now",
            "summary": "New words.",
            "max_hops": "3",
            "manually_approves_followers": "1",
        },
    )
    assert saved.status_code == 303
    org = await organisations.get(node.db, "alpha")
    assert (org.display_name, org.summary, org.max_hops) == ("Alpha Now", "New words.", 3)
    assert org.manually_approves_followers


async def test_every_form_refuses_a_post_without_its_token(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    from node.web.routes import public_page_routes, workspace_routes

    values = {
        "org": "alpha",
        "kind": "call",
        "key": "k",
        "id": "1",
        "decision": "approve",
        "secret": "s",
        "name": "alpha",
    }
    posts = [
        route.path
        for route in [*public_page_routes(), *workspace_routes()]
        if "POST" in (getattr(route, "methods", None) or ())
    ]
    assert len(posts) >= 25
    for path in posts:
        concrete = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], path)
        answer = await ana.post(concrete, data={"title": "x"}, headers=HTML)
        assert answer.status_code == 403, (concrete, answer.status_code)


async def test_a_calls_responses_show_its_cascade_with_reach(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    beta = await organisations.create_organisation(node.db, node.clock, node.urls, "beta", "Beta")
    await allies.add(node, beta, "alpha@node.test", allies.Policy("auto"), who=TESTER)
    alpha = await organisations.get(node.db, "alpha")
    deadline = (node.clock.now() + timedelta(days=2)).isoformat()
    body = {"title": "Travel far", "content": "x", "deadline": deadline}
    call = await publishing.publish(node, alpha, validation.call(body, node.clock.now()))
    page = await ana.get(f"/workspace/alpha/call/{call.key}/responses", headers=HTML)
    assert page.status_code == 200
    assert 'data-actor="https://node.test/users/beta"' in page.text
    reach_header = '<th scope="col">Reach</th>'
    assert reach_header in page.text
    public = await ana.get(call.iri, headers=HTML)
    assert 'data-actor="https://node.test/users/beta"' in public.text
    assert reach_header not in public.text
