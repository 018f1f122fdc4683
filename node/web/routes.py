"""The single route table of the node."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from node.web import activitypub, api, inbox, pages, wellknown

STATIC = Path(__file__).parent / "static"


def routes() -> list[BaseRoute]:
    return [
        Route("/", pages.home),
        Route("/.well-known/webfinger", wellknown.webfinger),
        Route("/.well-known/host-meta", wellknown.host_meta),
        Route("/.well-known/nodeinfo", wellknown.nodeinfo_links),
        Route("/nodeinfo/{version}", wellknown.nodeinfo),
        Route("/actor", activitypub.instance_actor),
        Route("/actor/outbox", activitypub.instance_outbox),
        Route("/inbox", inbox.inbox, methods=["POST"]),
        Route("/actor/inbox", inbox.inbox, methods=["POST"]),
        Route("/orgs/{name}", activitypub.organisation_actor),
        Route("/orgs/{name}/inbox", inbox.inbox, methods=["POST"]),
        Route("/orgs/{name}/{collection}", activitypub.collection),
        Route("/@{name}", pages.profile),
        Route("/authorize_interaction", pages.interact),
        Route("/api/v1/follows", api.create_follow, methods=["POST"]),
        Route("/api/v1/follows", api.list_follows, methods=["GET"]),
        Route("/api/v1/follows/{key}", api.delete_follow, methods=["DELETE"]),
        Route("/api/v1/followers", api.list_followers, methods=["GET"]),
        Route("/api/v1/followers/{decision}", api.decide_follower, methods=["POST"]),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
