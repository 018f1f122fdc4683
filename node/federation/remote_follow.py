"""Following an organisation from a visitor's own server: the visitor gives `name@server`, the
node asks that server by WebFinger (through the safe fetcher: size, time, redirect and address
limits) for its `subscribe` template, and sends the visitor there with our handle filled in.
The web layer bounds how many lookups run at once and how often one visitor may ask.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from node.activitypub.webfinger import SUBSCRIBE_REL, lookup, parse_handle
from node.errors import WebFingerError
from node.federation.runtime import Runtime


def subscribe_template(resource: str, jrd: dict[str, Any]) -> str:
    """The `template` of the JRD's subscribe link, holding `{uri}` and on http(s)."""
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != SUBSCRIBE_REL:
            continue
        template = link.get("template")
        if isinstance(template, str) and "{uri}" in template and len(template) <= 2048:
            if urlsplit(template).scheme in ("http", "https") and urlsplit(template).netloc:
                return template
    raise WebFingerError(f"{resource}: the server offers no way to follow from it")


async def follow_url(node: Runtime, visitor: str, handle: str) -> str:
    """Where to send a visitor who wants to follow `handle` (name@this.node) from their server."""
    name, host = parse_handle(visitor)
    resource = f"acct:{name}@{host}"
    jrd = await lookup(node.fetcher, resource)
    return subscribe_template(resource, jrd).replace("{uri}", quote(handle, safe=""))
