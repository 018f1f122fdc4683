"""The workspace and the public pages in a real browser: Playwright for Python driving Debian's
Chromium, against real `solidarity-node serve` processes on loopback.

Three nodes: A hosts alpha and beta (each with a member from `member add`), B hosts gamma and C
hosts delta, both allies of alpha that amplify every public call. A small HTTP server on
loopback stands in for a visitor's own fediverse server (WebFinger with a subscribe template).
axe-core (tests/package.json) checks every page, public, member and admin (ana is node A's
admin), in English and Arabic, and screenshots of the main pages go to artifacts/screenshots
(or $SN_ARTIFACTS_DIR).
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.ci import require
from tests.support.processes import LoopbackNode, loopback_nodes, wait_until

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
TIMEOUT = 30.0

if True:  # Playwright is a test dependency; without it (or Chromium) CI fails, locally skips
    try:
        from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
    except ImportError:  # pragma: no cover
        sync_playwright = None  # type: ignore[assignment]


# A picture that has loaded (waited for: fails after the timeout if it never does).
LOADED = "s => { const i = document.querySelector(s); return i?.complete && i.naturalWidth > 0 }"


def shots_dir() -> Path:
    folder = Path(os.environ.get("SN_ARTIFACTS_DIR") or ROOT / "artifacts") / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class StandIn(BaseHTTPRequestHandler):
    """A visitor's server: WebFinger for rose, and the page our follow box must send her to."""

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        port = self.server.server_address[1]
        if parts.path == "/.well-known/webfinger":
            resource = parse_qs(parts.query).get("resource", [""])[0]
            if resource != f"acct:rose@127.0.0.1:{port}":
                self.answer(404, "application/json", "{}")
                return
            template = f"http://127.0.0.1:{port}/authorize_interaction?uri={{uri}}"
            jrd = {
                "subject": resource,
                "links": [
                    {
                        "rel": "self",
                        "type": "application/activity+json",
                        "href": f"http://127.0.0.1:{port}/users/rose",
                    },
                    {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": template},
                ],
            }
            self.answer(200, "application/jrd+json", json.dumps(jrd))
        elif parts.path == "/authorize_interaction":
            page = (
                "<!doctype html><html lang=en><title>Remote</title><h1>Follow on rose's server</h1>"
            )
            self.answer(200, "text/html", page)
        else:
            self.answer(404, "text/plain", "no")

    def answer(self, status: int, kind: str, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@dataclass
class World:
    a: LoopbackNode
    b: LoopbackNode
    c: LoopbackNode
    links: dict[str, str]
    remote_port: int
    browser: Browser
    shots: Path
    published: dict[str, str] = field(default_factory=dict)  # title -> public URL


def start(node: LoopbackNode, org: str, links: dict[str, str]) -> None:
    """init, the organisation with its API token, and serve; on A also beta and the members."""
    node.init()
    node.add_org(org, org.title() + " Collective")
    if org == "alpha":
        node.cli("org", "create", "beta", "--display-name", "Beta Collective")
        for who, team, role in (("ana", "alpha", "owner"), ("bea", "beta", "editor")):
            line = node.cli("member", "add", team, f"{who}@{team}.example", "--role", role)
            links[who] = line.strip()
        node.cli("admin", "add", "ana@alpha.example")  # ana also administers node A
    node.serve()


def make_allies(world_nodes: tuple[LoopbackNode, ...]) -> None:
    a, b, c = world_nodes
    for node, org in ((b, "gamma"), (c, "delta")):
        made = node.api(
            "POST", "/allies", org, json={"actor": a.handle("alpha"), "amplify": "auto"}
        )
        assert made.status_code == 201, made.text

    def accepted() -> bool:
        return all(
            [f["state"] for f in node.api("GET", "/follows", org).json()["follows"]] == ["accepted"]
            for node, org in ((b, "gamma"), (c, "delta"))
        )

    wait_until(
        accepted, "gamma and delta to follow alpha", [n.running for n in world_nodes], TIMEOUT
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if sync_playwright is None:
        require("Playwright for Python is not installed (scripts/setup.sh test)")
    if not Path(CHROMIUM).exists():
        require("Debian's chromium is not installed (apt-get install chromium)")
    if not AXE.exists():
        require("axe-core is not installed (cd tests && npm ci)")
    logs = tmp_path_factory.mktemp("browser")
    remote = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=remote.serve_forever, daemon=True).start()
    began = time.monotonic()
    with loopback_nodes(logs) as new, sync_playwright() as playwright:
        a, b, c = new("a"), new("b"), new("c")
        links: dict[str, str] = {}
        specs = [(a, "alpha"), (b, "gamma"), (c, "delta")]
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(lambda spec: start(*spec, links), specs))
        make_allies((a, b, c))
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        print(f"\nbrowser world ready in {time.monotonic() - began:.1f}s")
        try:
            yield World(a, b, c, links, remote.server_address[1], browser, shots_dir())
        finally:
            browser.close()
            remote.shutdown()
            remote.server_close()


def axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def check(page: Page, world: World, shot: str | None = None) -> None:
    violations = axe(page)
    assert not violations, f"{page.url}: {json.dumps(violations, indent=1)}"
    if shot:
        page.screenshot(path=str(world.shots / f"{shot}.png"), full_page=True)


def sign_in_with_link(context: BrowserContext, world: World, who: str) -> Page:
    page = context.new_page()
    page.goto(world.links[who])
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("button[type=submit] >> text=Set password")
    page.wait_for_url(re.compile(r"/workspace/\w+\?done=welcome$"))
    return page


@pytest.fixture(scope="module")
def ana(world: World) -> Iterator[BrowserContext]:
    """alpha's owner, signed in through the link `member add` printed."""
    context = world.browser.new_context(
        locale="en-GB", viewport={"width": 1100, "height": 800}, bypass_csp=True
    )
    page = context.new_page()
    page.goto(world.links["ana"])
    check(page, world, "en-welcome-set-password")
    page.close()
    sign_in_with_link(context, world, "ana").close()
    yield context
    context.close()


def test_a_member_publishes_a_call_with_a_preview_and_sees_it_public(
    world: World, ana: BrowserContext
) -> None:
    page = ana.new_page()
    page.goto(f"{world.a.base_url}/workspace/alpha")
    page.click("nav.workspace >> text=New call")
    page.fill("#title", "Fill the courtroom on Monday")
    page.fill("#content", "The hearing is on **Monday**. Bring friends. #solidarity")
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#deadline", deadline)
    page.select_option("#urgency", "high")
    page.fill("#actions", "Come at nine\nShare this call")
    page.fill("#regions", "PL")
    page.click("button[value=preview]")
    preview = page.locator("section.preview")
    assert preview.locator("strong").inner_text() == "Monday"
    check(page, world, "en-compose-call-preview")
    page.click("button[value=publish]")
    page.wait_for_url(re.compile(r"/workspace/alpha\?done=published"))
    assert "Published" in page.locator(".notice").inner_text()
    check(page, world, "en-dashboard")
    page.click("text=See the public page")
    page.wait_for_url(re.compile(r"/calls/"))
    assert page.locator("h1").inner_text() == "Fill the courtroom on Monday"
    assert "Come at nine" in page.locator("ul.actions").inner_text()
    assert (
        "in 3 days" in page.locator(".left").inner_text()
        or "in 2 days" in page.locator(".left").inner_text()
    )
    world.published["call"] = page.url
    check(page, world)
    page.close()


def test_another_organisations_member_gets_403(world: World) -> None:
    context = world.browser.new_context()
    page = sign_in_with_link(context, world, "bea")
    token = page.locator("input[name=csrf]").first.get_attribute("value")
    for path in ("/workspace/alpha", "/workspace/alpha/compose?kind=call", "/workspace/admin"):
        response = page.goto(world.a.base_url + path)
        assert response is not None and response.status == 403, path
    posted = page.request.post(
        f"{world.a.base_url}/workspace/alpha/compose?kind=call",
        form={"csrf": token or "", "title": "Not ours", "content": "x", "action": "publish"},
        max_redirects=0,
    )
    assert posted.status == 403
    own = page.goto(f"{world.a.base_url}/workspace/beta")
    assert own is not None and own.status == 200
    context.close()


def test_the_follow_box_sends_the_visitor_to_their_server(world: World) -> None:
    context = world.browser.new_context()
    page = context.new_page()
    page.goto(f"{world.a.base_url}/@alpha")
    page.fill("#account", f"rose@127.0.0.1:{world.remote_port}")
    page.click(".follow-box button[type=submit]")
    wanted = (
        f"http://127.0.0.1:{world.remote_port}/authorize_interaction"
        f"?uri=alpha%40127.0.0.1%3A{world.a.port}"
    )
    page.wait_for_url(wanted)
    assert page.locator("h1").inner_text() == "Follow on rose's server"
    page.goto(f"{world.a.base_url}/@alpha")
    page.fill("#account", f"nobody@127.0.0.1:{world.remote_port}")
    page.click(".follow-box button[type=submit]")
    assert page.locator(".follow-box .error").is_visible()
    context.close()


def test_switching_to_arabic_lays_the_page_out_right_to_left(world: World) -> None:
    context = world.browser.new_context(locale="en-GB")
    page = context.new_page()
    page.goto(f"{world.a.base_url}/@alpha")
    assert page.get_attribute("html", "dir") == "ltr"
    page.click("footer button[lang=ar]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "dir") == "rtl"
    assert page.get_attribute("html", "lang") == "ar"
    page.goto(f"{world.a.base_url}/library")
    assert page.get_attribute("html", "dir") == "rtl"  # the choice is remembered
    context.close()


def test_the_cascade_through_two_other_nodes_is_drawn(world: World) -> None:
    deadline = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {
        "title": "Blockade at dawn",
        "content": "Bring people.",
        "urgency": "critical",
        "deadline": deadline,
        "regions": ["PL"],
    }
    made = world.a.api("POST", "/calls", "alpha", json=body)
    assert made.status_code == 201, made.text
    iri, key = made.json()["id"], made.json()["key"]

    def both_amplified() -> bool:
        tree = world.a.api("GET", f"/calls/{key}/cascade", "alpha").json()
        return {n["actor"] for n in tree["nodes"]} >= {
            world.b.actor("gamma"),
            world.c.actor("delta"),
        }

    running = [world.a.running, world.b.running, world.c.running]
    wait_until(both_amplified, "gamma and delta to amplify alpha's call", running, TIMEOUT)
    world.published["cascade"] = iri
    context = world.browser.new_context(viewport={"width": 1100, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(iri)
    actors = page.locator("svg.cascade g.step").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('data-actor'))"
    )
    assert set(actors) == {world.a.actor("alpha"), world.b.actor("gamma"), world.c.actor("delta")}
    names = page.locator("svg.cascade text.name").all_text_contents()
    assert f"@gamma@{world.b.host}" in names and f"@delta@{world.c.host}" in names
    assert page.locator("svg.cascade path.edge").count() == 2
    check(page, world, "en-call-cascade")
    context.close()


PUBLIC = [
    ("home", "/"),
    ("profile", "/@alpha"),
    ("library", "/library"),
    ("library-search", "/library?q=courtroom&kind=call"),
    ("signin", "/workspace/signin"),
    ("interact", "/authorize_interaction?uri=https%3A%2F%2Fexample.org%2Fusers%2Fx"),
    ("not-found", "/@nobody"),
]
MEMBER = [
    ("dashboard", ""),
    ("compose-call", "/compose?kind=call"),
    ("compose-strategy", "/compose?kind=strategy"),
    ("follows", "/follows"),
    ("allies", "/allies"),
    ("circles", "/circles"),
    ("amplifications", "/amplifications"),
    ("notifications", "/notifications"),
    ("tokens", "/tokens"),
    ("members", "/members"),
]
ADMIN = [
    ("admin", ""),
    ("admin-blocks", "/blocks"),
    ("admin-reports", "/reports"),
    ("admin-audit", "/audit"),
    ("admin-hosts", "/hosts"),
    ("admin-admins", "/admins"),
]
MAIN = {
    "admin",
    "admin-blocks",
    "call-responses",
    "home",
    "profile",
    "library",
    "signin",
    "call",
    "strategy",
    "dashboard",
    "compose-call",
    "allies",
    "circles",
    "notifications",
}


def publish_strategy(world: World) -> str:
    if "strategy" not in world.published:
        body = {
            "title": "Organise a tenants' union",
            "summary": "Start with one building.",
            "content": "1. Knock on every door.\n2. Meet weekly.",
            "themes": ["housing"],
        }
        made = world.a.api("POST", "/strategies", "alpha", json=body)
        assert made.status_code == 201, made.text
        key = made.json()["key"]
        revised = world.a.api(
            "PATCH",
            f"/strategies/{key}",
            "alpha",
            json={"title": "Organise a tenants' union, building by building"},
        )
        assert revised.status_code == 200, revised.text
        world.published["strategy"] = made.json()["id"]
    return world.published["strategy"]


def make_circle(world: World) -> None:
    """alpha's circle of its two allies, so the circles page has members to show."""
    if not world.a.api("GET", "/circles", "alpha").json()["circles"]:
        members = [world.b.handle("gamma"), world.c.handle("delta")]
        body = {"name": "trusted", "members": members}
        made = world.a.api("POST", "/circles", "alpha", json=body)
        assert made.status_code == 201, made.text


@pytest.mark.parametrize("language", ["en", "ar"])
def test_every_page_passes_axe_and_is_photographed(
    world: World, ana: BrowserContext, language: str
) -> None:
    strategy = publish_strategy(world)
    make_circle(world)
    call = world.published.get("call") or world.published.get("cascade")
    ana.add_cookies([{"name": "sn_lang", "value": language, "url": world.a.base_url}])
    page = ana.new_page()
    pages = [(name, world.a.base_url + path) for name, path in PUBLIC]
    pages += [("strategy", strategy)] + ([("call", call)] if call else [])
    pages += [(name, f"{world.a.base_url}/workspace/alpha{path}") for name, path in MEMBER]
    pages += [(name, f"{world.a.base_url}/workspace/admin{path}") for name, path in ADMIN]
    key = strategy.rsplit("/", 1)[-1]
    pages += [
        ("edit", f"{world.a.base_url}/workspace/alpha/strategy/{key}/edit"),
        ("responses", f"{world.a.base_url}/workspace/alpha/strategy/{key}/responses"),
        ("withdraw", f"{world.a.base_url}/workspace/alpha/strategy/{key}/withdraw"),
    ]
    if call:  # its delivery receipts (gamma and delta) and who amplified it
        call_key = call.rsplit("/", 1)[-1]
        responses = f"{world.a.base_url}/workspace/alpha/call/{call_key}/responses"
        pages.append(("call-responses", responses))
    for name, url in pages:
        response = page.goto(url)
        assert response is not None and response.status in (200, 404), (
            url,
            response and response.status,
        )
        assert page.get_attribute("html", "lang") == language
        assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        check(page, world, f"{language}-{name}" if name in MAIN else None)
    page.close()
    ana.clear_cookies(name="sn_lang")


def test_an_admin_locks_the_node_down_and_opens_it_again(world: World, ana: BrowserContext) -> None:
    """One button, the state in the heading; the library is reduced to the node's name while
    locked, and whole again after."""
    page = ana.new_page()
    admin = f"{world.a.base_url}/workspace/admin"
    page.goto(f"{world.a.base_url}/workspace/alpha")
    page.click("nav.workspace >> text=Node admin")
    page.wait_for_url(admin)
    assert page.locator("#lockdown-heading").inner_text() == "Lockdown is off"
    page.click("button >> text=Turn lockdown on")
    page.wait_for_url(re.compile(r"/workspace/admin\?done=lockdown-on$"))
    assert page.locator("#lockdown-heading").inner_text() == "Lockdown is on"
    check(page, world, "en-admin-lockdown-on")
    visitor = world.browser.new_context().new_page()
    visitor.goto(f"{world.a.base_url}/library")
    assert visitor.locator("article, ul.results li").count() == 0
    page.click("button >> text=Turn lockdown off")
    page.wait_for_url(re.compile(r"/workspace/admin\?done=lockdown-off$"))
    assert page.locator("#lockdown-heading").inner_text() == "Lockdown is off"
    visitor.goto(f"{world.a.base_url}/library")
    assert visitor.locator("ul.results li").count() >= 1
    visitor.context.close()
    page.close()


def test_a_member_attaches_a_picture_with_its_alt_text(world: World, ana: BrowserContext) -> None:
    """Upload before typing anything (the button skips the form's checks), see the preview
    with its alt text, publish: the public page's picture carries the alt text."""
    from tests.support.media_files import camera_jpeg

    alt = "Banner reading Free them all, held by many hands"
    page = ana.new_page()
    page.goto(f"{world.a.base_url}/workspace/alpha/compose?kind=call")
    page.set_input_files(
        "#file", {"name": "march.jpg", "mimeType": "image/jpeg", "buffer": camera_jpeg()}
    )
    page.fill("#description", alt)
    page.click("button[value=upload]")
    preview = page.locator(".attached img")
    preview.wait_for()
    assert preview.get_attribute("alt") == alt
    page.wait_for_function(LOADED, arg=".attached img")
    check(page, world, "en-compose-call-picture")
    page.fill("#title", "Free them all")
    page.fill("#content", "Outside the court at nine.")
    deadline = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#deadline", deadline)
    page.click("button[value=publish]")
    page.wait_for_url(re.compile(r"/workspace/alpha\?done=published"))
    page.click("text=See the public page")
    page.wait_for_url(re.compile(r"/calls/"))
    picture = page.locator(".attachments img")
    assert picture.get_attribute("alt") == alt
    page.wait_for_function(LOADED, arg=".attachments img")
    check(page, world)
    page.close()
