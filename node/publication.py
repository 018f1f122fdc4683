"""The words of a publication, defined once, and the one value that holds what it says.

Kind, Visibility and Urgency are StrEnums: they compare equal to the strings stored in columns
and sent on the wire, so a value read back from either is one of them. Fields is what a
strategy, call or response says; a draft, a stored row's view, a received object's view, a
rendered publication and a timeline item each hold one instead of re-declaring its fields;
Content adds what is kept of any content object (its type, text and what it answers).
MediaKind and Attachment are the words and value of a picture or document beside one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    STRATEGY = "strategy"
    CALL = "call"

    @property
    def as_type(self) -> str:
        """The AS2 type it is published as: a call is a Note (shown in full in timelines), a
        strategy an Article (name, summary and a link)."""
        return "Note" if self is Kind.CALL else "Article"


class Visibility(StrEnum):
    """Mastodon's four audiences: public, unlisted (public but not in public listings),
    followers only, and direct (only the mentioned actors); and circle: a call addressed to the
    members of one of its author's circles of trusted allies, passed on only to theirs."""

    PUBLIC = "public"
    UNLISTED = "unlisted"
    FOLLOWERS = "followers"
    DIRECT = "direct"
    CIRCLE = "circle"


class Urgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


LISTED = frozenset({Visibility.PUBLIC, Visibility.UNLISTED})
URGENT = frozenset({Urgency.HIGH, Urgency.CRITICAL})
DEFAULT_MAX_HOPS = 6
KINDS = frozenset(kind.value for kind in Kind)
URGENCIES = frozenset(urgency.value for urgency in Urgency)


def kind_of(value: object) -> Kind | None:
    """The Kind a stored or received value names, or None (a reply, someone else's note)."""
    return Kind(value) if isinstance(value, str) and value in KINDS else None


def urgency_of(value: object) -> Urgency | None:
    """The Urgency a stored or received value names, or None when it names none."""
    return Urgency(value) if isinstance(value, str) and value in URGENCIES else None


@dataclass(frozen=True)
class Fields:
    """What a strategy, call or response says, in typed fields (summary as plain text)."""

    kind: Kind | None
    visibility: Visibility
    title: str | None = None
    summary: str | None = None
    language: str | None = None
    urgency: Urgency | None = None
    deadline: datetime | None = None
    max_hops: int | None = None
    regions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()

    @property
    def is_listed(self) -> bool:
        return self.visibility in LISTED

    def is_expired(self, now: datetime) -> bool:
        """A call whose deadline has passed (expired calls stay listed, marked)."""
        return self.kind is Kind.CALL and self.deadline is not None and self.deadline <= now


@dataclass(frozen=True)
class Content:
    """What is kept of a content object besides its document, local or received: its AS2 type,
    its fields, its text for search, and what it answers (a reply, or a pledge to a call)."""

    type: str
    fields: Fields
    body_text: str = ""
    in_reply_to: str | None = None
    is_pledge: bool = False


class MediaKind(StrEnum):
    """What a media attachment is: a picture, or a document (a PDF toolkit, a leaflet)."""

    IMAGE = "image"
    DOCUMENT = "document"

    @property
    def as_type(self) -> str:
        """Its AS2 type, as Mastodon reads attachments: Image or Document."""
        return "Image" if self is MediaKind.IMAGE else "Document"


@dataclass(frozen=True)
class Attachment:
    """A picture or document beside a publication, local or received: where it is, what it
    is, and its description (alt text). `preview` is a URL on this node (a local file, or a
    copy of a remote one) that pages may show; `url` may be another server's."""

    kind: MediaKind
    media_type: str
    url: str
    description: str = ""
    width: int | None = None
    height: int | None = None
    blurhash: str | None = None
    preview: str | None = None
