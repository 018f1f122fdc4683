"""Every local IRI is built and parsed here, from the node's base URL; and the few helpers
that read hosts and origins out of any URL, so that every layer computes them alike.

Layout: /actor (instance actor), /users/{name} (organisation actors and their collections;
organisations created before that layout keep /orgs/{name}: an actor's id never changes),
/@{name} (profile pages), /inbox (shared inbox), /activities/{key}, /strategies/{key} and
/calls/{key} (with /replies, /likes, /shares), /media/{file} and /media/copies/{key}. /users/,
/orgs/ and /@ all name an organisation: `canonical_actor` turns any of them into its id. Nothing
else builds local URLs. An origin is scheme, host and port; an authority is host[:port], the key
for pools and host health.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, quote, urlsplit

from node.errors import InvalidInput

USERNAME_RE = re.compile(r"^[a-z0-9_](?:[a-z0-9_.-]{0,28}[a-z0-9_])?$")
ACTOR_PATH_RE = re.compile(r"^/(?:users/|orgs/|@)(?P<name>[^/]+)/?$")
USERS_PATH = "users"
LEGACY_PATH = "orgs"
INSTANCE_ACTOR_NAME = "actor"
PUBLICATION_PATHS = {"strategy": "strategies", "call": "calls", "note": "notes"}


def _has_removed_characters(url: str) -> bool:
    """Tabs and line breaks, which urlsplit removes wherever they are."""
    return "\t" in url or "\n" in url or "\r" in url


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


def assertion_key_id(actor_iri: str) -> str:
    """The id of an actor's Ed25519 key for integrity proofs (FEP-521a)."""
    return f"{actor_iri}#ed25519-key"


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
    """The node's IRIs from its base URL. `legacy_names`: the organisations whose ids were
    published under /orgs/ (those that existed when /users/ became the layout); a fixed set,
    loaded once at start (Runtime.start), so every call of actor(name) agrees."""

    base: str
    legacy_names: frozenset[str] = frozenset()

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
        """The organisation's actor id: /users/NAME, or /orgs/NAME where that was published."""
        return f"{self.base}/{self.actor_path(name)}/{name}"

    def actor_path(self, name: str) -> str:
        return LEGACY_PATH if name in self.legacy_names else USERS_PATH

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

    # media: local uploads by their file name, copies of other servers' media by key
    def media(self, file_name: str) -> str:
        return f"{self.base}/media/{file_name}"

    def media_copy(self, key: str) -> str:
        return f"{self.base}/media/copies/{key}"

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

    # the web workspace (members sign in there; the node sends no email)
    def workspace(self, path: str = "") -> str:
        return f"{self.base}/workspace{path}"

    def signin_link(self, secret: str) -> str:
        """The one-time link with which a member sets their password."""
        return self.workspace(f"/welcome/{secret}")

    # parsing
    def is_local(self, iri: str) -> bool:
        """origin_of(iri) == base. Received documents name up to a thousand IRIs, each asked
        about more than once, so the IRI's first characters decide when they can: urlsplit
        changes nothing of an IRI without leading blanks or tabs and line breaks, and then
        its origin is base only if its first len(base) characters, lowercased, are base."""
        base = self.base
        end = len(base)
        if iri.startswith(base) and iri[end : end + 1] in ("", "/", "?", "#"):
            return self._base_is_origin
        if iri[:1] > " " and iri[:end].lower() != base and not _has_removed_characters(iri):
            return False
        return origin_of(iri) == base

    @functools.cached_property
    def _base_is_origin(self) -> bool:
        return origin_of(self.base) == self.base

    def actor_name(self, iri: str) -> str | None:
        """The organisation name a local actor URL names, in any of its shapes (/users/NAME,
        /orgs/NAME, the profile /@NAME), if any."""
        parts = split(iri) if self.is_local(iri) else None
        if parts is None or parts.query or parts.fragment:
            return None
        match = ACTOR_PATH_RE.match(parts.path)
        return match.group("name") if match else None

    def canonical_actor(self, iri: str) -> str:
        """The actor id for any local shape of an organisation's URL; other IRIs unchanged."""
        name = self.actor_name(iri)
        return iri if name is None else self.actor(name)

    def is_instance_actor(self, iri: str) -> bool:
        return iri.rstrip("/") == self.instance_actor
