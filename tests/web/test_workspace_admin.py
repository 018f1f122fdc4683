"""The workspace's admin area and what else the admin issue adds to the workspace, through the
real app with signed-in sessions and CSRF, on SQLite and PostgreSQL: node admins (an email in
node_admins) get /workspace/admin, every other member 403 on every admin route; every change
is in the audit log with the member, their address and the action; the allowlist's and the
domain blocks' CSV round-trip; lockdown reduces the library, the feeds, the calendar and the
follow box, and turning it off restores them; a call's responses page shows its delivery
receipts and redelivers; owners' token and member changes are audited."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.routing import Route

from node.app import create_app
from node.federation.runtime import Runtime
from node.solidarity import federation_settings, membership, node_admins, publishing, validation
from node.storage import actors, audit, domain_blocks, federation_policy, remote_actors
from node.storage import reports as stored_reports
from node.storage.audit import Entry, Who
from node.storage.follows import ACCEPTED
from node.storage.objects import StoredObject
from node.storage.remote_actors import RemoteActor
from node.storage.tables import FollowRow
from node.web.routes import admin_area_routes
from tests.support.actors import hosted
from tests.support.alliance import MANIFEST, FakeAlly
from tests.support.router import HostRouter
from tests.support.workspace import HTML, csrf_of, post_form, signed_in_member

ADMIN = "/workspace/admin"
ANA = "ana@example.org"
CLI = Who(audit.CLI, "root", "command line on test")
MASTODON_BLOCKS = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "spam.example,suspend,true,true,Spam and harassment,false\n"
    "loud.example,silence,false,false,,false\n"
    "pics.example,noop,true,false,Hotlinking,false\n"
)


@pytest.fixture
async def ana(client: httpx.AsyncClient, node: Runtime, alpha: str) -> httpx.AsyncClient:
    """alpha's owner, and a node admin."""
    await signed_in_member(client, node, "alpha", ANA)
    await node_admins.add(node, ANA, CLI)
    return client


@pytest.fixture
async def bea(node: Runtime, alpha: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another owner of alpha, in her own browser: not a node admin."""
    app = create_app(node.settings, runtime=node)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://node.test"
    ) as browser:
        await signed_in_member(browser, node, "alpha", "bea@example.org")
        yield browser


async def publish_call(node: Runtime, title: str) -> StoredObject:
    async with node.db.transaction() as session:
        org = await actors.by_username(session, "alpha")
    body = {"title": title, "content": "Bring friends.", "deadline": "2031-01-01T09:00:00Z"}
    return await publishing.publish(node, org, validation.call(body, node.clock.now()))


async def entries(node: Runtime, action: str | None = None) -> list[Entry]:
    async with node.db.transaction() as session:
        return await audit.entries(session, limit=500, action=action)


async def by_ana(node: Runtime, action: str) -> Entry:
    """The newest entry of `action`, which must be ana's, from her (test) address."""
    found = await entries(node, action)
    assert found, f"no {action} in the audit log"
    assert found[0].who.kind == audit.MEMBER and found[0].who.name == ANA, found[0]
    assert found[0].who.origin == "127.0.0.1", found[0].who
    return found[0]


def route_paths() -> list[tuple[str, str]]:
    found = []
    for route in admin_area_routes():
        assert isinstance(route, Route) and route.methods
        path = route.path.replace("{id:int}", "1")
        found += [(method, path) for method in sorted(route.methods) if method != "HEAD"]
    return found


async def test_other_members_get_403_on_every_admin_route(
    bea: httpx.AsyncClient, node: Runtime
) -> None:
    token = csrf_of(await bea.get("/workspace/alpha", headers=HTML))
    paths = route_paths()
    assert len(paths) >= 22
    for method, path in paths:
        data = {"csrf": token, "lockdown": "on", "mode": "allowlist", "domain": "x.example"}
        answer = await bea.request(
            method, path, headers=HTML, data=data if method == "POST" else None
        )
        assert answer.status_code == 403, (method, path, answer.status_code)
    page = await bea.get("/workspace/alpha", headers=HTML)
    assert 'href="/workspace/admin"' not in page.text  # no link to it either
    state = await federation_settings.overview(node)
    assert not state.lockdown and state.settings.mode == "open" and not state.local
    assert await entries(node) == []


async def test_strangers_are_sent_to_sign_in(client: httpx.AsyncClient) -> None:
    for method, path in route_paths():
        answer = await client.request(method, path, headers=HTML)
        assert answer.status_code in (303, 403), (method, path)  # 403: a post without CSRF
        if method == "GET":
            assert answer.headers["location"].startswith("/workspace/signin?next=")


async def test_mode_switches_and_lockdown_are_audited(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    page = await ana.get("/workspace/alpha", headers=HTML)
    assert 'href="/workspace/admin"' in page.text
    overview = await ana.get(ADMIN, headers=HTML)
    assert overview.status_code == 200 and "Lockdown is off" in overview.text
    assert (
        await post_form(ana, f"{ADMIN}/mode", {"mode": "allowlist"}, from_page=ADMIN)
    ).status_code == 303
    await by_ana(node, "federation.mode")
    switched = await post_form(ana, f"{ADMIN}/switches", {"signed_fetches": "on"}, from_page=ADMIN)
    assert switched.status_code == 303
    settings = (await federation_settings.overview(node)).settings
    assert settings.mode == "allowlist" and settings.signed_fetches
    assert not settings.hide_collections and not settings.reduced_pages
    assert (await by_ana(node, "federation.signed_fetches")).details == {"to": True}
    assert await entries(node, "federation.hide_collections") == []  # unchanged: not logged
    before = settings.as_dict()

    on = await post_form(ana, f"{ADMIN}/lockdown", {"lockdown": "on"}, from_page=ADMIN)
    assert on.status_code == 303 and on.headers["location"] == f"{ADMIN}?done=lockdown-on"
    seen = await federation_settings.overview(node)
    assert seen.lockdown and seen.settings == federation_policy.LOCKDOWN
    await by_ana(node, "lockdown.on")
    page = await ana.get(ADMIN, headers=HTML)
    assert "Lockdown is on" in page.text and "Turn lockdown off" in page.text
    assert "Turn lockdown on" not in page.text and "<fieldset disabled>" in page.text
    refused = await post_form(ana, f"{ADMIN}/mode", {"mode": "open"}, from_page=ADMIN)
    assert refused.status_code == 400 and "lockdown off" in refused.text

    off = await post_form(ana, f"{ADMIN}/lockdown", {"lockdown": "off"}, from_page=ADMIN)
    assert off.status_code == 303
    seen = await federation_settings.overview(node)
    assert not seen.lockdown and seen.settings.as_dict() == before
    assert (await by_ana(node, "lockdown.off")).details == {"restored": before}


async def test_a_post_without_its_token_changes_nothing(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    await ana.get(ADMIN, headers=HTML)
    for token in ("", "forged"):
        answer = await ana.post(f"{ADMIN}/lockdown", data={"csrf": token, "lockdown": "on"})
        assert answer.status_code == 403
    assert not (await federation_settings.overview(node)).lockdown


async def test_allowlist_add_remove_and_csv_round_trip(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    added = await post_form(
        ana,
        f"{ADMIN}/allowed",
        {"domain": "Ally.Example", "comment": "the coalition"},
        from_page=ADMIN,
    )
    assert added.status_code == 303
    assert (await by_ana(node, "federation.allow")).target == "ally.example"
    page = await ana.get(ADMIN, headers=HTML)
    assert "ally.example" in page.text and "the coalition" in page.text
    csv = "#domain\nfriends.example\nneighbours.example\nnot a domain\n"
    imported = await post_form(ana, f"{ADMIN}/allowed/import", {"csv": csv}, from_page=ADMIN)
    assert imported.status_code == 200 and "2 domains imported." in imported.text
    assert "not a domain" in imported.text  # the problem line is said
    await by_ana(node, "federation.import")
    exported = await ana.get(f"{ADMIN}/allowed.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    listed = {line.split(",")[0] for line in exported.text.splitlines()[1:]}
    assert listed == {"ally.example", "friends.example", "neighbours.example"}
    # the export imports again, unchanged
    again = await post_form(ana, f"{ADMIN}/allowed/import", {"csv": exported.text}, from_page=ADMIN)
    assert "3 domains imported." in again.text
    assert set((await federation_settings.overview(node)).allowed) == listed
    removed = await post_form(
        ana, f"{ADMIN}/allowed/remove", {"domain": "friends.example"}, from_page=ADMIN
    )
    assert removed.status_code == 303
    assert (await by_ana(node, "federation.disallow")).target == "friends.example"
    assert "friends.example" not in (await federation_settings.overview(node)).allowed
    missing = await post_form(
        ana, f"{ADMIN}/allowed/remove", {"domain": "friends.example"}, from_page=ADMIN
    )
    assert missing.status_code == 400 and "not on the allowlist" in missing.text


async def test_domain_blocks_and_their_mastodon_csv(ana: httpx.AsyncClient, node: Runtime) -> None:
    blocks = f"{ADMIN}/blocks"
    imported = await post_form(ana, f"{blocks}/import", {"csv": MASTODON_BLOCKS}, from_page=blocks)
    assert imported.status_code == 200 and "3 domains imported." in imported.text
    await by_ana(node, "domain.import")
    exported = await ana.get(f"{blocks}.csv")
    assert exported.text.splitlines()[0] == (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    )
    rows = sorted(exported.text.splitlines()[1:])
    assert rows == sorted(MASTODON_BLOCKS.splitlines()[1:])
    made = await post_form(
        ana,
        blocks,
        {"domain": "trolls.example", "severity": "silence", "reject_media": "on"},
        from_page=blocks,
    )
    assert made.status_code == 303
    async with node.db.transaction() as session:
        block = await domain_blocks.get(session, "trolls.example")
    assert block is not None and block.fields.severity == "silence" and block.fields.reject_media
    assert (await by_ana(node, "domain.block")).target == "trolls.example"
    page = await ana.get(blocks, headers=HTML)
    assert "trolls.example" in page.text and "spam.example" in page.text
    bad = await post_form(
        ana, blocks, {"domain": "x.example", "severity": "nuke"}, from_page=blocks
    )
    assert bad.status_code == 400 and "severity" in bad.text
    gone = await post_form(ana, f"{blocks}/remove", {"domain": "trolls.example"}, from_page=blocks)
    assert gone.status_code == 303
    assert (await by_ana(node, "domain.unblock")).target == "trolls.example"
    again = await post_form(ana, f"{blocks}/remove", {"domain": "trolls.example"}, from_page=blocks)
    assert again.status_code == 400


async def test_alliances_subscribe_and_unsubscribe(
    ana: httpx.AsyncClient, node: Runtime, router: HostRouter
) -> None:
    ally = FakeAlly(hosted(router, "ally.test"))
    ally.publish(["c.example", "d.example"], node.clock.now())
    made = await post_form(ana, f"{ADMIN}/alliances", {"url": MANIFEST}, from_page=ADMIN)
    assert made.status_code == 303, made.text
    assert (await by_ana(node, "alliance.subscribe")).target == MANIFEST
    seen = await federation_settings.overview(node)
    assert {"c.example", "d.example"} <= set(seen.allowed)
    page = await ana.get(ADMIN, headers=HTML)
    assert MANIFEST in page.text and "from an alliance" in page.text
    twice = await post_form(ana, f"{ADMIN}/alliances", {"url": MANIFEST}, from_page=ADMIN)
    assert twice.status_code == 400 and "already subscribed" in twice.text
    [alliance] = seen.alliances
    gone = await post_form(ana, f"{ADMIN}/alliances/{alliance.id}/remove", {}, from_page=ADMIN)
    assert gone.status_code == 303
    assert (await by_ana(node, "alliance.unsubscribe")).target == MANIFEST
    assert "c.example" not in (await federation_settings.overview(node)).allowed


async def test_reports_are_resolved_and_audited(ana: httpx.AsyncClient, node: Runtime) -> None:
    async with node.db.transaction() as session:
        await stored_reports.add_received(
            session,
            flag_iri="https://remote.test/flags/1",
            reporter_iri="https://remote.test/actor",
            target_iri="https://remote.test/users/troll",
            object_iris=["https://remote.test/notes/1"],
            comment="Threats against the collective",
            now=node.clock.now(),
        )
        [report] = await stored_reports.listed(session, state=stored_reports.OPEN)
    page = await ana.get(f"{ADMIN}/reports", headers=HTML)
    assert "Threats against the collective" in page.text
    done = await post_form(
        ana,
        f"{ADMIN}/reports/{report.id}/resolve",
        {"action": "block-domain", "note": "known harassers"},
        from_page=f"{ADMIN}/reports",
    )
    assert done.status_code == 303
    entry = await by_ana(node, "report.resolve")
    assert entry.details["action"] == "block-domain" and entry.details["note"] == "known harassers"
    await by_ana(node, "domain.block")  # the action itself, by the same member
    async with node.db.transaction() as session:
        assert await domain_blocks.get(session, "remote.test") is not None
    resolved = await ana.get(f"{ADMIN}/reports?state=resolved", headers=HTML)
    assert "block the domain" in resolved.text and "known harassers" in resolved.text
    twice = await post_form(
        ana,
        f"{ADMIN}/reports/{report.id}/resolve",
        {"action": "dismiss"},
        from_page=f"{ADMIN}/reports",
    )
    assert twice.status_code == 400 and "already resolved" in twice.text
    bad = await ana.get(f"{ADMIN}/reports?state=sideways", headers=HTML)
    assert bad.status_code == 400


async def test_the_audit_log_is_paged(ana: httpx.AsyncClient, node: Runtime) -> None:
    for number in range(60):
        await federation_settings.allow(node, f"n{number}.example", CLI)
    first = await ana.get(f"{ADMIN}/audit", headers=HTML)
    assert first.status_code == 200
    assert "n59.example" in first.text and "n9.example<" not in first.text
    older = re.search(r'href="(/workspace/admin/audit\?before=\d+)"', first.text)
    assert older, first.text[-2000:]
    second = await ana.get(older.group(1), headers=HTML)
    assert "n9.example<" in second.text and "n59.example" not in second.text
    filtered = await ana.get(f"{ADMIN}/audit?action=admin.add", headers=HTML)
    assert ANA in filtered.text and "n1.example" not in filtered.text


async def test_hosts_page_and_node_admins(ana: httpx.AsyncClient, node: Runtime) -> None:
    assert (await ana.get(f"{ADMIN}/hosts", headers=HTML)).status_code == 200
    assert (await ana.get(f"{ADMIN}/hosts?unavailable=1", headers=HTML)).status_code == 200
    admins = f"{ADMIN}/admins"
    added = await post_form(ana, admins, {"email": "Cleo@Example.org"}, from_page=admins)
    assert added.status_code == 303
    assert (await by_ana(node, "admin.add")).target == "cleo@example.org"
    assert await node_admins.is_admin(node, "cleo@example.org")
    bad = await post_form(ana, admins, {"email": "nobody"}, from_page=admins)
    assert bad.status_code == 400 and "not an email address" in bad.text
    removed = await post_form(
        ana, f"{admins}/remove", {"email": "cleo@example.org"}, from_page=admins
    )
    assert removed.status_code == 303
    assert (await by_ana(node, "admin.remove")).target == "cleo@example.org"
    # an admin removed is refused at once, on the next request
    await node_admins.remove(node, ANA, CLI)
    assert (await ana.get(ADMIN, headers=HTML)).status_code == 403


async def test_lockdown_reduces_the_newer_public_pages_and_restores_them(
    ana: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    call = await publish_call(node, "Fill the courtroom")
    pages = ("/library", "/feed.atom", "/@alpha/feed.atom", "/@alpha/calls.ics")
    for path in pages:
        page = await ana.get(path, headers=HTML)
        assert page.status_code == 200 and "Fill the courtroom" in page.text, path
    await post_form(ana, f"{ADMIN}/lockdown", {"lockdown": "on"}, from_page=ADMIN)
    for path in pages:
        page = await ana.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert "Fill the courtroom" not in page.text and call.iri not in page.text, path
        assert page.headers["cache-control"] == "no-store", path
    library = await ana.get("/library?q=courtroom", headers=HTML)
    assert "Fill the courtroom" not in library.text
    atom = await ana.get("/@alpha/feed.atom")
    assert atom.text.count("<entry>") == 0 and "<title>Alpha Collective</title>" in atom.text
    ics = await ana.get("/@alpha/calls.ics")
    assert "BEGIN:VCALENDAR" in ics.text and "BEGIN:VEVENT" not in ics.text
    follow = await post_form(
        ana, "/@alpha/follow", {"account": "rose@remote.test"}, from_page="/@alpha"
    )
    assert follow.status_code == 403 and "Alpha Collective" in follow.text
    assert "follow-box" not in follow.text
    await post_form(ana, f"{ADMIN}/lockdown", {"lockdown": "off"}, from_page=ADMIN)
    for path in pages:
        page = await ana.get(path, headers=HTML)
        assert "Fill the courtroom" in page.text and "cache-control" not in page.headers, path


async def follower(node: Runtime, alpha: str, host: str) -> None:
    iri = f"https://{host}/users/f"
    actor = RemoteActor(
        iri=iri,
        type="Person",
        key_id=f"{iri}#main-key",
        public_key_pem=None,
        username="f",
        name=None,
        inbox=f"{iri}/inbox",
        shared_inbox=f"https://{host}/inbox",
        followers=None,
        fetched_at=node.clock.now(),
        gone=False,
    )
    now = node.clock.now()
    async with node.db.transaction() as session:
        await remote_actors.upsert(session, actor, {"id": iri})
        session.add(
            FollowRow(
                follower_iri=iri, target_iri=alpha, state=ACCEPTED, created_at=now, updated_at=now
            )
        )


async def test_a_calls_responses_page_shows_its_receipts_and_redelivers(
    ana: httpx.AsyncClient, node: Runtime, alpha: str
) -> None:
    await follower(node, alpha, "far.example")
    call = await publish_call(node, "Court support")
    path = f"/workspace/alpha/call/{call.key}/responses"
    page = await ana.get(path, headers=HTML)
    assert page.status_code == 200
    assert "Deliveries to other servers" in page.text
    assert "https://far.example/inbox" in page.text and "waiting" in page.text
    again = await post_form(ana, f"/workspace/alpha/call/{call.key}/redeliver", {}, from_page=path)
    assert again.status_code == 303 and again.headers["location"] == f"{path}?done=redelivering"
    entry = await by_ana(node, "deliveries.redeliver")
    assert entry.target == call.iri
    other = await ana.get("/workspace/alpha/call/nosuchkey/responses", headers=HTML)
    assert other.status_code == 404


async def test_owners_token_and_member_changes_are_audited(
    ana: httpx.AsyncClient, node: Runtime
) -> None:
    tokens = "/workspace/alpha/tokens"
    made = await post_form(ana, tokens, {"label": "newsletter"})
    assert made.status_code == 200
    assert (await by_ana(node, "token.create")).details == {"label": "newsletter"}
    token_id = re.search(r"/tokens/(\d+)/revoke", made.text)
    assert token_id
    revoked = await post_form(ana, f"{tokens}/{token_id.group(1)}/revoke", {}, from_page=tokens)
    assert revoked.status_code == 303
    assert (await by_ana(node, "token.revoke")).details == {"token": int(token_id.group(1))}
    members = "/workspace/alpha/members"
    added = await post_form(ana, members, {"email": "dee@example.org", "role": "editor"})
    assert added.status_code == 200
    entry = await by_ana(node, "member.add")
    assert entry.target == "alpha" and entry.details == {
        "email": "dee@example.org",
        "role": "editor",
    }
    [dee] = [m for m in await membership.list_members(node, "alpha") if m.email.startswith("dee")]
    removed = await post_form(ana, f"{members}/{dee.id}/remove", {}, from_page=members)
    assert removed.status_code == 303
    entry = await by_ana(node, "member.remove")
    assert entry.details == {"email": "dee@example.org", "role": "editor"}
