"""The single route table of the node."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from node.web import activitypub, pages, wellknown

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
        Route("/orgs/{name}", activitypub.organisation_actor),
        Route("/orgs/{name}/{collection}", activitypub.collection),
        Route("/@{name}", pages.profile),
        Route("/authorize_interaction", pages.interact),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
