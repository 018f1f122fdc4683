"""The single route table of the node."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from node.urls import LEGACY_PATH, USERS_PATH
from node.web import (
    actors,
    alliance,
    api,
    api_admin,
    api_cascade,
    api_circles,
    api_media,
    api_moderation,
    api_node_admins,
    api_publishing,
    api_reading,
    api_receipts,
    api_tokens,
    feeds,
    follow_box,
    health,
    inbox_endpoint,
    language,
    library,
    media_files,
    openapi,
    pages,
    publications,
    wellknown,
    workspace_admin,
    workspace_auth,
    workspace_circles,
    workspace_federation,
    workspace_media,
    workspace_moderation,
    workspace_network,
    workspace_publishing,
    workspace_reading,
)

STATIC = Path(__file__).parent / "static"
PUBLICATION_PATHS = ("strategies", "calls", "notes")
PUBLISHING_PATHS = ("strategies", "calls")
ACTOR_PATHS = (USERS_PATH, LEGACY_PATH)


def publication_routes() -> list[BaseRoute]:
    """/strategies/KEY, /calls/KEY, /notes/KEY and their collections."""
    found: list[BaseRoute] = []
    for path in PUBLICATION_PATHS:
        found.append(Route(f"/{path}/{{key}}", publications.publication))
        found.append(Route(f"/{path}/{{key}}/{{collection}}", publications.collection))
    return found


def publishing_api_routes() -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for path in PUBLISHING_PATHS:
        base = f"/api/v1/{path}"
        found += [
            Route(base, api_publishing.create, methods=["POST"]),
            Route(f"{base}/{{key}}", api_publishing.revise, methods=["PATCH"]),
            Route(f"{base}/{{key}}", api_publishing.withdraw, methods=["DELETE"]),
            Route(f"{base}/{{key}}/pin", api_publishing.pin, methods=["POST", "DELETE"]),
            Route(f"{base}/{{key}}/responses", api_publishing.list_responses, methods=["GET"]),
            Route(f"{base}/{{key}}/pledges", api_publishing.create_pledge, methods=["POST"]),
        ]
    return found


def cascade_api_routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/allies", api_cascade.create_ally, methods=["POST"]),
        Route("/api/v1/allies", api_cascade.list_allies, methods=["GET"]),
        Route("/api/v1/allies/{id}", api_cascade.delete_ally, methods=["DELETE"]),
        Route("/api/v1/amplifications/pending", api_cascade.list_pending, methods=["GET"]),
        Route("/api/v1/amplifications/{id}/{decision}", api_cascade.decide, methods=["POST"]),
        Route("/api/v1/calls/{key}/amplify", api_cascade.amplify, methods=["POST"]),
        Route("/api/v1/calls/{key}/cascade", api_cascade.show_cascade, methods=["GET"]),
    ]


def actor_routes() -> list[BaseRoute]:
    """/users/NAME and the older /orgs/NAME: each serves the organisations whose id it is and
    redirects to the other; both inboxes take deliveries."""
    found: list[BaseRoute] = []
    for path in ACTOR_PATHS:
        found += [
            Route(f"/{path}/{{name}}", actors.organisation_actor),
            Route(f"/{path}/{{name}}/inbox", inbox_endpoint.InboxEndpoint(), methods=["POST"]),
            Route(f"/{path}/{{name}}/{{collection}}", actors.collection),
        ]
    return found


# the web issue: public pages and feeds, and the members' workspace -------------------------


def public_page_routes() -> list[BaseRoute]:
    return [
        Route("/@{name}/follow", follow_box.follow, methods=["POST"]),
        Route("/@{name}/feed.atom", feeds.organisation_feed),
        Route("/@{name}/calls.ics", feeds.calendar),
        Route("/feed.atom", feeds.node_feed),
        Route("/library", library.library),
        Route("/language", language.choose, methods=["POST"]),
    ]


def admin_area_routes() -> list[BaseRoute]:
    """/workspace/admin/…: node admins signed in to the workspace (before /workspace/{org})."""
    fed, mod, base = workspace_federation, workspace_moderation, "/workspace/admin"
    post = ["POST"]
    return [
        Route(base, fed.show_overview, methods=["GET"]),
        Route(f"{base}/mode", fed.set_mode, methods=post),
        Route(f"{base}/switches", fed.set_switches, methods=post),
        Route(f"{base}/lockdown", fed.set_lockdown, methods=post),
        Route(f"{base}/allowed", fed.allow, methods=post),
        Route(f"{base}/allowed/remove", fed.disallow, methods=post),
        Route(f"{base}/allowed/import", fed.import_allows, methods=post),
        Route(f"{base}/allowed.csv", fed.export_allows, methods=["GET"]),
        Route(f"{base}/alliances", fed.subscribe, methods=post),
        Route(f"{base}/alliances/{{id:int}}/remove", fed.unsubscribe, methods=post),
        Route(f"{base}/blocks", fed.show_blocks, methods=["GET"]),
        Route(f"{base}/blocks", fed.add_block, methods=post),
        Route(f"{base}/blocks/remove", fed.remove_block, methods=post),
        Route(f"{base}/blocks/import", fed.import_blocks, methods=post),
        Route(f"{base}/blocks.csv", fed.export_blocks, methods=["GET"]),
        Route(f"{base}/reports", mod.show_reports, methods=["GET"]),
        Route(f"{base}/reports/{{id:int}}/resolve", mod.resolve_report, methods=post),
        Route(f"{base}/audit", mod.show_audit, methods=["GET"]),
        Route(f"{base}/hosts", mod.show_hosts, methods=["GET"]),
        Route(f"{base}/admins", mod.show_admins, methods=["GET"]),
        Route(f"{base}/admins", mod.add_admin, methods=post),
        Route(f"{base}/admins/remove", mod.remove_admin, methods=post),
    ]


def workspace_routes() -> list[BaseRoute]:
    ws = "/workspace/{org}"
    item = ws + "/{kind}/{key}"
    return [
        *admin_area_routes(),
        Route("/workspace", workspace_auth.entry),
        Route("/workspace/signin", workspace_auth.show_signin, methods=["GET"]),
        Route("/workspace/signin", workspace_auth.signin, methods=["POST"]),
        Route("/workspace/signout", workspace_auth.signout, methods=["POST"]),
        Route("/workspace/signout/everywhere", workspace_auth.signout, methods=["POST"]),
        Route("/workspace/welcome/{secret}", workspace_auth.welcome, methods=["GET"]),
        Route("/workspace/welcome/{secret}", workspace_auth.set_password, methods=["POST"]),
        Route("/workspace/feeds/{member:int}/{secret}.atom", workspace_admin.notifications_feed),
        Route(ws, workspace_publishing.dashboard),
        Route(ws + "/compose", workspace_publishing.compose, methods=["GET"]),
        Route(ws + "/compose", workspace_publishing.submit, methods=["POST"]),
        Route(item + "/edit", workspace_publishing.edit, methods=["GET"]),
        Route(item + "/edit", workspace_publishing.submit, methods=["POST"]),
        Route(item + "/pin", workspace_publishing.pin, methods=["POST"]),
        Route(item + "/withdraw", workspace_publishing.confirm_withdraw, methods=["GET"]),
        Route(item + "/withdraw", workspace_publishing.withdraw, methods=["POST"]),
        Route(item + "/responses", workspace_publishing.show_responses),
        Route(item + "/redeliver", workspace_publishing.redeliver, methods=["POST"]),
        Route(ws + "/media/{name}", workspace_media.preview_file, methods=["GET"]),
        Route(ws + "/follows", workspace_network.show_follows, methods=["GET"]),
        Route(ws + "/follows", workspace_network.follow, methods=["POST"]),
        Route(ws + "/follows/{key}/unfollow", workspace_network.unfollow, methods=["POST"]),
        Route(ws + "/followers/decide", workspace_network.decide_follower, methods=["POST"]),
        Route(ws + "/allies", workspace_network.show_allies, methods=["GET"]),
        Route(ws + "/allies", workspace_network.add_ally, methods=["POST"]),
        Route(ws + "/allies/{id:int}/remove", workspace_network.remove_ally, methods=["POST"]),
        Route(ws + "/amplifications", workspace_network.show_amplifications),
        Route(
            ws + "/amplifications/{id:int}/{decision}",
            workspace_network.decide_amplification,
            methods=["POST"],
        ),
        Route(ws + "/timeline", workspace_reading.show_timeline),
        Route(ws + "/calls/{key}/pledge", workspace_reading.pledge, methods=["POST"]),
        Route(ws + "/calls/{key}/amplify", workspace_reading.amplify, methods=["POST"]),
        Route(ws + "/profile", workspace_reading.show_profile, methods=["GET"]),
        Route(ws + "/profile", workspace_reading.update_profile, methods=["POST"]),
        Route(ws + "/notifications", workspace_admin.show_notifications),
        Route(ws + "/notifications/seen", workspace_admin.mark_seen, methods=["POST"]),
        Route(ws + "/notifications/feed", workspace_admin.renew_feed, methods=["POST"]),
        Route(ws + "/tokens", workspace_admin.show_tokens, methods=["GET"]),
        Route(ws + "/tokens", workspace_admin.create_token, methods=["POST"]),
        Route(ws + "/tokens/{id:int}/revoke", workspace_admin.revoke_token, methods=["POST"]),
        Route(ws + "/members", workspace_admin.show_members, methods=["GET"]),
        Route(ws + "/members", workspace_admin.add_member, methods=["POST"]),
        Route(ws + "/members/{id:int}/remove", workspace_admin.remove_member, methods=["POST"]),
    ]


def media_routes() -> list[BaseRoute]:
    """Uploads (API) and media files (local uploads, copies of other servers' pictures)."""
    return [
        Route("/api/v1/media", api_media.upload, methods=["POST"]),
        Route("/api/v1/media/{id}", api_media.show, methods=["GET"]),
        Route("/api/v1/media/{id}", api_media.describe, methods=["PATCH"]),
        Route("/media/copies/{key}", media_files.remote_copy, methods=["GET"]),
        Route("/media/{name}", media_files.local_file, methods=["GET"]),
    ]


def token_api_routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/tokens", api_tokens.list_tokens, methods=["GET"]),
        Route("/api/v1/tokens", api_tokens.create_token, methods=["POST"]),
        Route("/api/v1/tokens/{id}", api_tokens.revoke_token, methods=["DELETE"]),
    ]


# --- node administration and moderation ----------------------------------------------------


def admin_api_routes() -> list[BaseRoute]:
    """/api/v1/admin/…: an admin token (solidarity-node admin token)."""
    base = "/api/v1/admin"
    return [
        Route(f"{base}/federation", api_admin.show_federation, methods=["GET"]),
        Route(f"{base}/federation", api_admin.update_federation, methods=["PATCH"]),
        Route(f"{base}/federation/allowed", api_admin.allow_domain, methods=["POST"]),
        Route(
            f"{base}/federation/allowed/{{domain}}", api_admin.disallow_domain, methods=["DELETE"]
        ),
        Route(f"{base}/federation/export", api_admin.export_allowlist, methods=["GET"]),
        Route(f"{base}/federation/import", api_admin.import_allowlist, methods=["POST"]),
        Route(f"{base}/lockdown", api_admin.set_lockdown, methods=["POST"]),
        Route(f"{base}/alliances", api_admin.subscribe, methods=["POST"]),
        Route(f"{base}/alliances/{{id}}", api_admin.unsubscribe, methods=["DELETE"]),
        Route(f"{base}/domain-blocks", api_admin.list_blocks, methods=["GET"]),
        Route(f"{base}/domain-blocks", api_admin.create_block, methods=["POST"]),
        Route(f"{base}/domain-blocks/export", api_admin.export_blocks, methods=["GET"]),
        Route(f"{base}/domain-blocks/import", api_admin.import_blocks, methods=["POST"]),
        Route(f"{base}/domain-blocks/{{domain}}", api_admin.delete_block, methods=["DELETE"]),
        Route(f"{base}/reports", api_admin.list_reports, methods=["GET"]),
        Route(f"{base}/reports/{{id}}/resolve", api_admin.resolve_report, methods=["POST"]),
        Route(f"{base}/audit", api_admin.list_audit, methods=["GET"]),
        Route(f"{base}/hosts", api_admin.list_hosts, methods=["GET"]),
        Route(f"{base}/admins", api_node_admins.list_admins, methods=["GET"]),
        Route(f"{base}/admins", api_node_admins.add_admin, methods=["POST"]),
        Route(f"{base}/admins/{{email}}", api_node_admins.remove_admin, methods=["DELETE"]),
    ]


def moderation_api_routes() -> list[BaseRoute]:
    """An organisation's reports and blocks, and its publications' delivery receipts."""
    found: list[BaseRoute] = [
        Route("/api/v1/reports", api_moderation.create_report, methods=["POST"]),
        Route("/api/v1/reports", api_moderation.list_reports, methods=["GET"]),
        Route("/api/v1/blocks", api_moderation.create_block, methods=["POST"]),
        Route("/api/v1/blocks", api_moderation.list_blocks, methods=["GET"]),
        Route("/api/v1/blocks/{id}", api_moderation.delete_block, methods=["DELETE"]),
    ]
    for path in PUBLISHING_PATHS:
        base = f"/api/v1/{path}/{{key}}/deliveries"
        found.append(Route(base, api_receipts.list_deliveries, methods=["GET"]))
        found.append(Route(f"{base}/redeliver", api_receipts.redeliver, methods=["POST"]))
    return found


def circle_api_routes() -> list[BaseRoute]:
    return [
        Route("/api/v1/circles", api_circles.create_circle, methods=["POST"]),
        Route("/api/v1/circles", api_circles.list_circles, methods=["GET"]),
        Route("/api/v1/circles/{name}", api_circles.show_circle, methods=["GET"]),
        Route("/api/v1/circles/{name}", api_circles.change_circle, methods=["PATCH"]),
        Route("/api/v1/circles/{name}", api_circles.delete_circle, methods=["DELETE"]),
    ]


def circle_workspace_routes() -> list[BaseRoute]:
    """/workspace/ORG/circles: the circles page (owners change circles)."""
    base, page = "/workspace/{org}/circles", workspace_circles
    return [
        Route(base, page.show_circles, methods=["GET"]),
        Route(base, page.create_circle, methods=["POST"]),
        Route(base + "/{name}/members", page.add_member, methods=["POST"]),
        Route(base + "/{name}/members/remove", page.remove_member, methods=["POST"]),
        Route(base + "/{name}/delete", page.delete_circle, methods=["POST"]),
    ]


def routes() -> list[BaseRoute]:
    return [
        *public_page_routes(),
        *workspace_routes(),
        Route("/", pages.home),
        Route("/.well-known/webfinger", wellknown.webfinger),
        Route("/.well-known/host-meta", wellknown.host_meta),
        Route("/.well-known/nodeinfo", wellknown.nodeinfo_links),
        Route("/.well-known/solidarity-alliance", alliance.manifest),
        Route("/nodeinfo/{version}", wellknown.nodeinfo),
        Route("/actor", actors.instance_actor),
        Route("/actor/outbox", actors.instance_outbox),
        Route("/inbox", inbox_endpoint.InboxEndpoint(), methods=["POST"]),
        Route("/actor/inbox", inbox_endpoint.InboxEndpoint(), methods=["POST"]),
        *actor_routes(),
        Route("/@{name}", actors.profile),
        *publication_routes(),
        Route("/authorize_interaction", pages.interact),
        Route("/api/v1/openapi.json", openapi.openapi),
        Route("/api/v1/organisation", api.show_organisation, methods=["GET"]),
        Route("/api/v1/organisation", api.update_organisation, methods=["PATCH"]),
        Route("/api/v1/follows", api.create_follow, methods=["POST"]),
        Route("/api/v1/follows", api.list_follows, methods=["GET"]),
        Route("/api/v1/follows/{key}", api.delete_follow, methods=["DELETE"]),
        Route("/api/v1/followers", api.list_followers, methods=["GET"]),
        Route("/api/v1/followers/{decision}", api.decide_follower, methods=["POST"]),
        Route("/api/v1/timeline", api_reading.list_timeline, methods=["GET"]),
        Route("/api/v1/search", api_reading.search_objects, methods=["GET"]),
        *publishing_api_routes(),
        *cascade_api_routes(),
        *media_routes(),
        *token_api_routes(),
        *admin_api_routes(),
        *moderation_api_routes(),
        *circle_api_routes(),
        *circle_workspace_routes(),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        *health.routes(),  # /healthz, /readyz, /metrics
    ]
