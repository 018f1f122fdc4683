"""WebFinger: resolve `name@host` to an actor IRI; build and parse what the server side serves.

resolve(): InvalidInput (bad handle), Gone (410), WebFingerError (404 even via host-meta, no AS2
self link, unconfirmed subject, bad JRD/XRD); other statuses and transport failures stay FetchError.
https only, unless the client allows private addresses (tests): then http after a transport failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from ipaddress import IPv6Address, ip_address
from typing import Any, Literal, NoReturn
from urllib.parse import quote, unquote
from xml.sax.saxutils import quoteattr

from node.activitypub.fetch import FetchedBody, SafeClient, is_activitypub_media_type
from node.errors import (
    FetchError,
    FetchRefused,
    FetchStatus,
    FetchTooLarge,
    Gone,
    InvalidInput,
    WebFingerError,
)
from node.urls import split

JRD_ACCEPT = "application/jrd+json, application/json"
XRD_ACCEPT = "application/xrd+xml, application/xml;q=0.9, text/xml;q=0.8"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
SUBSCRIBE_REL = "http://ostatus.org/schema/1.0/subscribe"

AcctResource = tuple[Literal["acct"], str, str]
UrlResource = tuple[Literal["url"], str]

_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z0-9_.~+-]+")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def parse_handle(handle: str) -> tuple[str, str]:
    """`@name@host`, `name@host`, `acct:name@host` -> (name, host[:port]); host lowercase IDNA."""
    text = handle.strip()
    if text[:5].lower() == "acct:":
        text = text[5:]
    name, at, host = text.removeprefix("@").partition("@")
    if not at or not _NAME.fullmatch(name):
        raise InvalidInput(f"{handle!r} is not a handle like name@host")
    return name, _normalize_host(host, handle)


def _normalize_host(raw: str, handle: str) -> str:
    bad = InvalidInput(f"{handle!r} has no usable host")
    parts = split(f"//{raw}")
    if parts is None:
        raise bad
    try:
        port = parts.port
    except ValueError as exc:
        raise bad from exc
    hostname = parts.hostname or ""
    if not hostname or parts.netloc != raw or "@" in raw or parts.path or parts.query:
        raise bad
    try:
        literal = ip_address(hostname)
    except ValueError:
        literal = None
    if literal is None:
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise bad from exc
        if not all(_LABEL.fullmatch(label) for label in hostname.split(".")):
            raise bad
    elif isinstance(literal, IPv6Address):
        hostname = f"[{literal}]"
    return hostname if port is None else f"{hostname}:{port}"


def parse_resource(resource: str) -> AcctResource | UrlResource:
    """A WebFinger `resource` (decoded once more if it has no scheme) -> acct or URL form."""
    text = resource.strip()
    if "%" in text and not _SCHEME.match(text):
        text = unquote(text)
    found = _SCHEME.match(text)
    scheme = found.group(1).lower() if found else ""
    if scheme in ("http", "https"):
        parts = split(text)
        if parts is None or not parts.hostname or parts.username is not None:
            raise InvalidInput(f"resource {resource!r} is not a usable URL")
        return ("url", text)
    if scheme not in ("", "acct"):
        raise InvalidInput(f"resource {resource!r} is neither acct: nor http(s)")
    name, host = parse_handle(text)
    return ("acct", name, host)


def build_jrd(
    subject: str,
    actor_iri: str,
    profile_url: str | None = None,
    aliases: Sequence[str] | None = None,
    subscribe_template: str | None = None,
) -> dict[str, Any]:
    """The JRD in Mastodon's full shape; aliases default to [profile page, actor]."""
    if aliases is None:
        aliases = [url for url in (profile_url, actor_iri) if url]
    links: list[dict[str, str]] = []
    if profile_url:
        links.append({"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url})
    links.append({"rel": "self", "type": "application/activity+json", "href": actor_iri})
    if subscribe_template:
        links.append({"rel": SUBSCRIBE_REL, "template": subscribe_template})
    return {"subject": subject, "aliases": list(dict.fromkeys(aliases)), "links": links}


def build_host_meta(base_url: str) -> str:
    """The host-meta XRD pointing at this node's WebFinger endpoint (lrdd template)."""
    template = quoteattr(f"{base_url}/.well-known/webfinger?resource={{uri}}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template={template}/>\n'
        "</XRD>\n"
    )


async def resolve(client: SafeClient, handle: str) -> str:
    """The actor IRI of a handle; a subject redirect must be confirmed by its own host."""
    name, host = parse_handle(handle)
    resource = f"acct:{name}@{host}"
    jrd = await lookup(client, resource)
    actor = actor_link(resource, jrd)
    subject = jrd.get("subject", resource)
    if isinstance(subject, str) and subject.lower() == resource.lower():
        return actor
    try:
        canonical = "acct:{}@{}".format(*parse_handle(str(subject)))
    except InvalidInput as exc:
        raise WebFingerError(f"{resource}: unusable subject {subject!r}") from exc
    confirmed = await lookup(client, canonical)
    if str(confirmed.get("subject", canonical)).lower() != canonical.lower():
        raise WebFingerError(f"{resource}: {canonical} redirects again")
    if actor_link(canonical, confirmed) != actor:
        raise WebFingerError(f"{resource}: {canonical} names another actor than {actor}")
    return actor


def actor_link(resource: str, jrd: dict[str, Any]) -> str:
    """The href of the first `self` link with an AS2 media type."""
    links = jrd.get("links")
    for link in links if isinstance(links, list) else []:
        if not isinstance(link, dict) or link.get("rel") != "self":
            continue
        href = link.get("href")
        if is_activitypub_media_type(link.get("type")) and isinstance(href, str):
            parts = split(href)
            if parts is not None and parts.scheme in ("http", "https"):
                return href
    raise WebFingerError(f"{resource}: no ActivityPub 'self' link")


async def lookup(client: SafeClient, resource: str) -> dict[str, Any]:
    """The JRD of an acct: resource from its host; after a 404, once through host-meta's lrdd."""
    name, host = parse_handle(resource)
    resource = f"acct:{name}@{host}"
    query = quote(resource, safe=":@")
    try:
        fetched = await _get(client, f"https://{host}/.well-known/webfinger?resource={query}")
    except FetchStatus as exc:
        if exc.status != 404:
            _raise_for_status(resource, exc)
        fetched = await _via_host_meta(client, host, resource, exc)
    return _jrd(resource, fetched)


async def _via_host_meta(
    client: SafeClient, host: str, resource: str, not_found: FetchStatus
) -> FetchedBody:
    try:
        meta = await _get(client, f"https://{host}/.well-known/host-meta", XRD_ACCEPT)
    except FetchStatus as exc:
        raise WebFingerError(f"{resource}: not found (no WebFinger, no host-meta)") from exc
    url = _lrdd_template(resource, meta).replace("{uri}", quote(resource, safe=":@"))
    try:
        return await client.get(url, accept=JRD_ACCEPT, auth=client.signer)
    except FetchStatus as exc:
        _raise_for_status(resource, exc)


def _raise_for_status(resource: str, exc: FetchStatus) -> NoReturn:
    if exc.status == 410:
        raise Gone(f"{resource}: gone ({exc.url} answered 410)") from exc
    if exc.status == 404:
        raise WebFingerError(f"{resource}: not found ({exc.url} answered 404)") from exc
    raise exc


async def _get(client: SafeClient, https_url: str, accept: str = JRD_ACCEPT) -> FetchedBody:
    """GET over https; for local testing only, over http when https fails in transport."""
    try:
        return await client.get(https_url, accept=accept, auth=client.signer)
    except FetchError as exc:
        unrelated = isinstance(exc, FetchStatus | FetchTooLarge | FetchRefused)
        if unrelated or not client.allow_private_addresses:
            raise
    plain = "http://" + https_url.removeprefix("https://")
    return await client.get(plain, accept=accept, auth=client.signer)


def _jrd(resource: str, fetched: FetchedBody) -> dict[str, Any]:
    try:
        value = json.loads(fetched.body)
    except (ValueError, RecursionError) as exc:
        raise WebFingerError(f"{resource}: {fetched.url} did not answer JSON") from exc
    if not isinstance(value, dict):
        raise WebFingerError(f"{resource}: {fetched.url} answered JSON that is not a JRD")
    return value


def _lrdd_template(resource: str, meta: FetchedBody) -> str:
    from xml.etree import ElementTree  # host-meta is a rare fallback; pyexpat loads only for it

    if b"<!doctype" in meta.body.lower():
        raise WebFingerError(f"{resource}: {meta.url} has a DTD, refused")
    try:
        root = ElementTree.fromstring(meta.body)
    except ElementTree.ParseError as exc:
        raise WebFingerError(f"{resource}: {meta.url} is not XML") from exc
    for link in root.iter():
        template = link.get("template") or ""
        if link.tag.rpartition("}")[2] == "Link" and link.get("rel") == "lrdd":
            if "{uri}" in template:
                return template
    raise WebFingerError(f"{resource}: {meta.url} has no lrdd template")
