"""Discovery endpoints: WebFinger, host-meta, NodeInfo 2.0/2.1 (with the FEP-2677 actor link)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node import SOFTWARE_NAME, __version__
from node.activitypub.webfinger import build_host_meta, build_jrd, parse_resource
from node.errors import Gone, InvalidInput, NotFound
from node.federation import discovery, fetch_rules
from node.web.app_state import runtime
from node.web.json_responses import jrd, json_response
from node.web.publications import incoming

NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{}"


async def webfinger(request: Request) -> Response:
    node = runtime(request)
    await fetch_rules.screen_fetch(node, incoming(request))  # refused hosts get no answer
    resource = request.query_params.get("resource")
    if not resource:
        raise InvalidInput("the 'resource' query parameter is required")
    target = discovery.webfinger_target(node.urls, parse_resource(resource))
    if target is None:
        raise NotFound(f"no such account here: {resource}")
    found = await discovery.find_actor(node, target)
    if found.deleted:
        raise Gone(f"{resource} was deleted")
    return jrd(
        build_jrd(
            subject=found.subject,
            actor_iri=found.actor_iri,
            profile_url=found.profile_url,
            aliases=found.aliases,
            subscribe_template=node.urls.subscribe_template,
        )
    )


async def host_meta(request: Request) -> Response:
    return Response(build_host_meta(runtime(request).urls.base), media_type="application/xrd+xml")


async def nodeinfo_links(request: Request) -> Response:
    urls = runtime(request).urls
    return json_response(
        {
            "links": [
                {"rel": NODEINFO_SCHEMA.format("2.1"), "href": urls.nodeinfo("2.1")},
                {"rel": NODEINFO_SCHEMA.format("2.0"), "href": urls.nodeinfo("2.0")},
                {
                    "rel": "https://www.w3.org/ns/activitystreams#Application",
                    "href": urls.instance_actor,
                },
            ]
        }
    )


async def nodeinfo(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in ("2.0", "2.1"):
        raise NotFound(f"NodeInfo {version} is not served here; 2.0 and 2.1 are")
    node = runtime(request)
    usage = await discovery.usage(node)
    software: dict[str, Any] = {"name": SOFTWARE_NAME, "version": __version__}
    document = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": node.settings.open_registrations,
        "usage": {
            "users": {
                "total": usage.organisations,
                "activeHalfyear": usage.active_halfyear,
                "activeMonth": usage.active_month,
            },
            "localPosts": usage.local_posts,
        },
        "metadata": {
            "nodeName": node.settings.node_name,
            "nodeDescription": node.settings.node_description,
        },
    }
    profile = NODEINFO_SCHEMA.format(version) + "#"
    return json_response(document, media_type=f'application/json; profile="{profile}"')
