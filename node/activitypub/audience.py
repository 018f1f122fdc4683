"""Who an outgoing activity goes to: to/cc/bto/bcc/audience -> deduplicated inbox URLs.

Pure: collection members and actor inboxes are resolved by the caller and passed in.
Invariants: the public collection is never an inbox, nothing goes to our own host, each
inbox URL appears once, and the body that is sent never carries bto or bcc.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from node.activitypub.vocabulary import PUBLIC
from node.urls import is_on_host

ADDRESS_FIELDS = ("to", "cc", "bto", "bcc", "audience")
BLIND_FIELDS = ("bto", "bcc")
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})


@dataclass(frozen=True)
class Audience:
    """Where to deliver, and the addressees no inbox was known for (nothing goes to them)."""

    inboxes: tuple[str, ...]
    unresolved: tuple[str, ...]


def addressees(activity: Mapping[str, Any]) -> list[str]:
    """Every IRI the activity is addressed to, in order, once each, without the public one."""
    found: list[str] = []
    for name in ADDRESS_FIELDS:
        found.extend(_iris(activity.get(name)))
    return list(dict.fromkeys(iri for iri in found if iri not in PUBLIC_ALIASES))


def is_public(activity: Mapping[str, Any]) -> bool:
    return any(iri in PUBLIC_ALIASES for name in ("to", "cc") for iri in _iris(activity.get(name)))


def without_blind_addressees(activity: Mapping[str, Any]) -> dict[str, Any]:
    """A copy without bto/bcc, on the activity and on an embedded object (AP §6.1)."""
    stripped = {k: v for k, v in activity.items() if k not in BLIND_FIELDS}
    embedded = stripped.get("object")
    if isinstance(embedded, Mapping):
        stripped["object"] = {k: v for k, v in embedded.items() if k not in BLIND_FIELDS}
    return stripped


def serialise(activity: Mapping[str, Any]) -> str:
    """The exact text that is sent (UTF-8 encoded): compact JSON without bto/bcc."""
    return json.dumps(without_blind_addressees(activity), ensure_ascii=False, separators=(",", ":"))


def resolve(
    activity: Mapping[str, Any],
    *,
    own_host: str,
    collections: Mapping[str, Sequence[str]],
    actor_inboxes: Mapping[str, str],
    extra: Iterable[str] = (),
) -> Audience:
    """Inboxes for an activity, given what the caller resolved.

    collections maps a collection IRI (a local actor's followers) to its members' delivery
    inboxes, shared ones where advertised; actor_inboxes maps an actor IRI to its inbox.
    Addressees on our own host are dropped silently: local recipients need no HTTP.
    """
    inboxes: list[str] = []
    unresolved: list[str] = []
    for iri in addressees(activity):
        if iri in collections:
            inboxes.extend(collections[iri])
        elif iri in actor_inboxes:
            inboxes.append(actor_inboxes[iri])
        elif not is_on_host(iri, own_host):
            unresolved.append(iri)
    inboxes.extend(extra)
    remote = (inbox for inbox in inboxes if _is_web(inbox) and not is_on_host(inbox, own_host))
    return Audience(tuple(dict.fromkeys(remote)), tuple(unresolved))


def _is_web(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _iris(value: object) -> list[str]:
    """Address values may be a string, an object with an id, or a list of either."""
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, Mapping) and isinstance(item.get("id"), str):
            found.append(item["id"])
    return found
