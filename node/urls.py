"""Every local IRI is built and parsed here, from the node's base URL; and the few helpers
that read hosts and origins out of any URL, so that every layer computes them alike.

Layout: /actor (instance actor), /orgs/{name} (organisation actors and their collections),
/@{name} (profile pages), /inbox (shared inbox), /activities/{key}, /strategies/{key} and
/calls/{key} (with /replies, /likes, /shares). Nothing else builds local URLs. An origin is
scheme, host and port; an authority is host[:port], the key for pools and host health.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit

from node.errors import InvalidInput

USERNAME_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?$")
ORG_PATH_RE = re.compile(r"^/orgs/(?P<name>[^/]+)$")
PROFILE_PATH_RE = re.compile(r"^/@(?P<name>[^/]+)$")
INSTANCE_ACTOR_NAME = "actor"
PUBLICATION_PATHS = {"strategy": "strategies", "call": "calls", "note": "notes"}


def split(url: str) -> SplitResult | None:
    """urlsplit, or None for text it cannot split (such as "http://[::1"): remote input must
    never turn into a ValueError far from where it was read."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def origin_of(url: str) -> str:
    """scheme://host[:port], lowercased: what same-origin rules compare ("" for no URL)."""
    parts = split(url)
    if parts is None or not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_origin(a: str, b: str) -> bool:
    """Same scheme, host and port; never true of text that is not a URL."""
    origin = origin_of(a)
    return bool(origin) and origin == origin_of(b)


def host_of(url: str) -> str:
    """The lowercase host name alone (no port): what domain blocks name ("" for no URL)."""
    parts = split(url)
    return (parts.hostname or "").lower() if parts is not None else ""


def authority(url: str) -> str:
    """The lowercase host[:port] of a URL: the key for pools, host health and our own host."""
    parts = split(url)
    return parts.netloc.rpartition("@")[2].lower() if parts is not None else ""


def is_on_host(url: str, host: str) -> bool:
    return authority(url) == host.lower()


def key_id(actor_iri: str) -> str:
    """The id of an actor's (RSA) public key, as every local actor publishes it."""
    return f"{actor_iri}#main-key"


def check_username(name: str) -> str:
    """Usernames are lowercase, 1-30 characters of a-z 0-9 _ . - (not at the ends)."""
    if not USERNAME_RE.match(name):
        raise InvalidInput(
            f"{name!r} is not a valid organisation name: use 1-30 lowercase letters, digits, "
            "'_', '.' or '-' (no '.' or '-' at either end)"
        )
    return name


@dataclass(frozen=True)
class Urls:
    base: str

    @property
    def host(self) -> str:
        """host[:port] of the node, as it appears in handles and in Host headers."""
        return authority(self.base)

    @property
    def hostname(self) -> str:
        """The host name alone: the instance actor's username, as on Mastodon."""
        return host_of(self.base) or INSTANCE_ACTOR_NAME

    @property
    def scheme(self) -> str:
        return urlsplit(self.base).scheme

    # the instance actor
    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    # organisation actors
    def actor(self, name: str) -> str:
        return f"{self.base}/orgs/{name}"

    def key_id(self, actor_iri: str) -> str:
        return key_id(actor_iri)

    def inbox(self, name: str) -> str:
        return f"{self.actor(name)}/inbox"

    def outbox(self, name: str) -> str:
        return f"{self.actor(name)}/outbox"

    def followers(self, name: str) -> str:
        return f"{self.actor(name)}/followers"

    def following(self, name: str) -> str:
        return f"{self.actor(name)}/following"

    def featured(self, name: str) -> str:
        return f"{self.actor(name)}/featured"

    def profile(self, name: str) -> str:
        return f"{self.base}/@{name}"

    def page(self, collection_iri: str, number: int) -> str:
        return f"{collection_iri}?page={number}"

    def activity(self, key: str) -> str:
        return f"{self.base}/activities/{key}"

    def publication(self, kind: str, key: str) -> str:
        """A strategy (/strategies/KEY) or a call (/calls/KEY): id and page alike."""
        return f"{self.base}/{PUBLICATION_PATHS[kind]}/{key}"

    # discovery
    def acct(self, name: str) -> str:
        return f"acct:{name}@{self.host}"

    @property
    def subscribe_template(self) -> str:
        return f"{self.base}/authorize_interaction?uri={{uri}}"

    @property
    def webfinger_template(self) -> str:
        return f"{self.base}/.well-known/webfinger?resource={{uri}}"

    def nodeinfo(self, version: str) -> str:
        return f"{self.base}/nodeinfo/{version}"

    def tag(self, name: str) -> str:
        return f"{self.base}/tags/{quote(name.lower())}"

    # parsing
    def is_local(self, iri: str) -> bool:
        return origin_of(iri) == self.base

    def actor_name(self, iri: str) -> str | None:
        """The organisation name an actor or profile URL of this node names, if any."""
        parts = split(iri) if self.is_local(iri) else None
        if parts is None or parts.query or parts.fragment:
            return None
        match = ORG_PATH_RE.match(parts.path) or PROFILE_PATH_RE.match(parts.path)
        return match.group("name") if match else None

    def canonical_actor(self, iri: str) -> str | None:
        """The actor IRI of an organisation that an actor or profile URL of this node names."""
        name = self.actor_name(iri)
        return None if name is None else self.actor(name)

    def is_instance_actor(self, iri: str) -> bool:
        return iri.rstrip("/") == self.instance_actor
