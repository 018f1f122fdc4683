"""The single route table of the node."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from node.urls import LEGACY_PATH, USERS_PATH
from node.web import (
    actors,
    api,
    api_cascade,
    api_publishing,
    api_reading,
    inbox_endpoint,
    openapi,
    pages,
    publications,
    wellknown,
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


def routes() -> list[BaseRoute]:
    return [
        Route("/", pages.home),
        Route("/.well-known/webfinger", wellknown.webfinger),
        Route("/.well-known/host-meta", wellknown.host_meta),
        Route("/.well-known/nodeinfo", wellknown.nodeinfo_links),
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
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
