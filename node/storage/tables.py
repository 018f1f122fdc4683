"""Typed tables (SQLAlchemy 2 declarative). Columns filled from remote JSON carry an `ap_` prefix.

Every table here has a migration under migrations/versions; tests check the two agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from node.storage.types import UTCDateTime


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class ActorRow(Base):
    """A local actor: an organisation, or the node's instance actor (kind 'application')."""

    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    manually_approves_followers: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    indexable: Mapped[bool] = mapped_column(Boolean, default=True)
    fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    icon_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_key_pem: Mapped[str] = mapped_column(Text)
    assertion_private_pem: Mapped[str | None] = mapped_column(Text, default=None)
    assertion_public: Mapped[str | None] = mapped_column(String(128), default=None)
    max_hops: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    # "users", or "orgs" for organisations whose ids were published under /orgs/ (node.urls)
    actor_path: Mapped[str] = mapped_column(String(8), default="users", server_default="users")
    hide_follows: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class TokenRow(Base):
    """An API bearer token; only its SHA-256 is stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)


class FollowRow(Base):
    """A follow relation between two actor IRIs, local or remote, with its state."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("follower_iri", "target_iri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    follower_iri: Mapped[str] = mapped_column(String(2048), index=True)
    target_iri: Mapped[str] = mapped_column(String(2048), index=True)
    state: Mapped[str] = mapped_column(String(16))
    follow_iri: Mapped[str | None] = mapped_column(String(2048), unique=True, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ObjectRow(Base):
    """A content object (strategy, call, note…), local or received."""

    __tablename__ = "objects"
    __table_args__ = (
        Index("ix_objects_actor_published", "actor_iri", "published"),
        # the worker's calls to close: partial (local calls not closed) on both databases, as
        # migration 0015 creates it; said only there, since a dialect's option here would load
        # both dialects into every process (Alembic's comparison ignores the predicate)
        Index("ix_objects_open_calls", "deadline"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_iri: Mapped[str] = mapped_column(String(2048))
    local_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), index=True, default=None
    )
    type: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(32), default=None)
    visibility: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published: Mapped[datetime]
    updated_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)
    pinned_at: Mapped[datetime | None] = mapped_column(default=None)
    key: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    summary_text: Mapped[str | None] = mapped_column(Text, default=None)
    body_text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(35), default=None)
    urgency: Mapped[str | None] = mapped_column(String(16), default=None)
    deadline: Mapped[datetime | None] = mapped_column(default=None)
    max_hops: Mapped[int | None] = mapped_column(Integer, default=None)
    actions: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    tail: Mapped[str | None] = mapped_column(String(255), index=True, default=None)
    stored_at: Mapped[datetime | None] = mapped_column(index=True, default=None)
    in_reply_to: Mapped[str | None] = mapped_column(String(2048), index=True, default=None)
    is_pledge: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)  # the closing Update sent


class ObjectLabelRow(Base):
    """A region or theme of an object: `value` folded for filtering, `text` as written."""

    __tablename__ = "object_labels"
    __table_args__ = (Index("ix_object_labels_label_value", "label", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(String(200))


class ActivityRow(Base):
    """An activity a local actor sent; public ones make up its outbox."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_actor_published", "actor_id", "published"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    object_iri: Mapped[str | None] = mapped_column(String(2048), index=True, default=None)
    visibility: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    published: Mapped[datetime]


class RemoteActorRow(Base):
    """A cached remote actor document with its key and inboxes."""

    __tablename__ = "remote_actors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iri: Mapped[str] = mapped_column(String(2048), unique=True)
    key_id: Mapped[str | None] = mapped_column(String(2048), index=True, default=None)
    ap_public_key_pem: Mapped[str | None] = mapped_column(Text, default=None)
    ap_type: Mapped[str] = mapped_column(String(64))
    ap_username: Mapped[str | None] = mapped_column(String(255), default=None)
    ap_name: Mapped[str | None] = mapped_column(String(500), default=None)
    ap_inbox: Mapped[str | None] = mapped_column(String(2048), default=None)
    ap_shared_inbox: Mapped[str | None] = mapped_column(String(2048), default=None)
    # indexed: received objects addressed to a followers collection name its owner by it
    ap_followers: Mapped[str | None] = mapped_column(String(2048), index=True, default=None)
    ap_assertion_keys: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime]
    gone_at: Mapped[datetime | None] = mapped_column(default=None)


class InboxItemRow(Base):
    """A screened incoming activity waiting for (or done with) its effects."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        Index("ix_inbox_items_due", "state", "next_attempt_at"),
        Index("ix_inbox_items_actor", "state", "actor_iri"),  # the per-actor quota
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_iri: Mapped[str] = mapped_column(String(2048))
    type: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str | None] = mapped_column(String(64), default=None)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime]
    done_at: Mapped[datetime | None] = mapped_column(default=None)
    relayed_by: Mapped[str | None] = mapped_column(String(2048), default=None)
    host: Mapped[str | None] = mapped_column(String(255), default=None)


class DeliveryRow(Base):
    """One activity to one inbox: the durable unit of outgoing federation."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("activity_iri", "inbox_url"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        Index("ix_deliveries_claim", "state", "priority", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(2048))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    inbox_url: Mapped[str] = mapped_column(String(2048))
    host: Mapped[str] = mapped_column(String(255), index=True)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_status: Mapped[int | None] = mapped_column(Integer, default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    priority: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # by urgency
    expires_at: Mapped[datetime | None] = mapped_column(default=None)  # a call's deadline


class HostRow(Base):
    """What our deliveries learned about a remote host: failing days, availability."""

    __tablename__ = "hosts"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    failure_days: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_day: Mapped[str | None] = mapped_column(String(10), default=None)
    unavailable_since: Mapped[datetime | None] = mapped_column(default=None)
    next_probe_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)


class DomainBlockRow(Base):
    """A domain the admin limited: suspended (no federation), silenced, or media rejected."""

    __tablename__ = "domain_blocks"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    # Mastodon's domain-block fields (migration 0030); `reason` is the private comment
    severity: Mapped[str] = mapped_column(String(16), default="suspend", server_default="suspend")
    reject_media: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reject_reports: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_comment: Mapped[str] = mapped_column(Text, default="", server_default="")
    obfuscate: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class ReactionRow(Base):
    """A Like or Announce received for an object (local or remote)."""

    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    actor_iri: Mapped[str] = mapped_column(String(2048))
    object_iri: Mapped[str] = mapped_column(String(2048), index=True)
    created_at: Mapped[datetime]


class AllyRow(Base):
    """An organisation's ally: another actor whose calls it amplifies, by policy."""

    __tablename__ = "allies"
    __table_args__ = (UniqueConstraint("actor_id", "ally_iri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    ally_iri: Mapped[str] = mapped_column(String(2048), index=True)
    amplify: Mapped[str] = mapped_column(String(16))
    regions: Mapped[list[Any]] = mapped_column(JSON, default=list)
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    # the organisation's circle to which it passes this ally's circle calls on (none: never)
    circle_id: Mapped[int | None] = mapped_column(
        ForeignKey("circles.id", ondelete="SET NULL"), default=None
    )


class AmplificationRow(Base):
    """An organisation's one amplification of one call: the row that makes it exactly once."""

    __tablename__ = "amplifications"
    __table_args__ = (UniqueConstraint("actor_id", "object_iri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    object_iri: Mapped[str] = mapped_column(String(2048), index=True)
    state: Mapped[str] = mapped_column(String(16))
    through_iri: Mapped[str | None] = mapped_column(String(2048), default=None)
    via_iri: Mapped[str | None] = mapped_column(String(2048), default=None)
    hop: Mapped[int] = mapped_column(Integer)
    announce_iri: Mapped[str | None] = mapped_column(String(2048), default=None)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class CascadeEntryRow(Base):
    """A Create or Announce of a call seen by this node, with its via and hop."""

    __tablename__ = "cascade_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(2048), unique=True)
    object_iri: Mapped[str] = mapped_column(String(2048), index=True)
    type: Mapped[str] = mapped_column(String(16))
    actor_iri: Mapped[str] = mapped_column(String(2048))
    via_iri: Mapped[str | None] = mapped_column(String(2048), default=None)
    hop: Mapped[int | None] = mapped_column(Integer, default=None)
    at: Mapped[datetime]
    reach: Mapped[int | None] = mapped_column(Integer, default=None)
    reach_at: Mapped[datetime | None] = mapped_column(default=None)


class RelayRow(Base):
    """A relay the instance actor follows: where to send, its actor once known, the Follow."""

    __tablename__ = "relays"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inbox_url: Mapped[str] = mapped_column(String(2048), unique=True)
    actor_iri: Mapped[str | None] = mapped_column(String(2048), index=True, default=None)
    style: Mapped[str] = mapped_column(String(16))
    follow_iri: Mapped[str] = mapped_column(String(2048), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SignedObjectRow(Base):
    """A received object exactly as its author signed it (FEP-8b32), kept once its proof
    verified: trusted when someone else passes it on, and embedded in our Announces of it."""

    __tablename__ = "signed_objects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iri: Mapped[str] = mapped_column(String(2048), unique=True)
    owner_iri: Mapped[str] = mapped_column(String(2048))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    verified_at: Mapped[datetime]
    # the key that verified it; vouched_by: the ally that attested that key (circle calls)
    key_id: Mapped[str | None] = mapped_column(String(2048), default=None)
    public_key: Mapped[str | None] = mapped_column(String(128), default=None)
    vouched_by: Mapped[str | None] = mapped_column(String(2048), default=None)
    author_inbox: Mapped[str | None] = mapped_column(String(2048), default=None)


# the web workspace: members, their sessions, failed sign-ins -------------------------------


class MemberRow(Base):
    """A person who works for one organisation in the web workspace (owner or editor).

    The password is an argon2 hash, set at first sign-in through a one-time link whose
    SHA-256 alone is kept; `failed_signins` and `locked_until` carry the account's lock-out."""

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    link_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    failed_signins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    notifications_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    feed_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    last_signin_at: Mapped[datetime | None] = mapped_column(default=None)


class MemberSessionRow(Base):
    """A signed-in browser: only the SHA-256 of the session token is kept."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class SigninFailureRow(Base):
    """A failed sign-in from one address: counted in a window to throttle that address."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


# --- media (pictures and documents) -----------------------------------------------------


class MediaRow(Base):
    """A local upload: a picture or document made anew without metadata, in the media store.

    `file` and `thumbnail_file` name it in the store; rows without attachments are pruned."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    blurhash: Mapped[str | None] = mapped_column(String(128), default=None)
    size: Mapped[int] = mapped_column(Integer)
    file: Mapped[str] = mapped_column(String(255))
    thumbnail_file: Mapped[str | None] = mapped_column(String(255), default=None)
    thumbnail_type: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(index=True)


class MediaAttachmentRow(Base):
    """A local upload attached to a local publication, in the order the author gave."""

    __tablename__ = "media_attachments"
    __table_args__ = (UniqueConstraint("object_id", "media_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"), index=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)


class RemoteMediaRow(Base):
    """An attachment of a received object, kept as a reference (`ap_` fields as sent); `copy_file`
    names a copy fetched through the safe fetcher, made anew like an upload, once a page asked."""

    __tablename__ = "remote_media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    ap_kind: Mapped[str] = mapped_column(String(16))
    ap_url: Mapped[str] = mapped_column(String(2048))
    ap_media_type: Mapped[str | None] = mapped_column(String(128), default=None)
    ap_name: Mapped[str] = mapped_column(Text, default="")
    ap_width: Mapped[int | None] = mapped_column(Integer, default=None)
    ap_height: Mapped[int | None] = mapped_column(Integer, default=None)
    ap_blurhash: Mapped[str | None] = mapped_column(String(128), default=None)
    copy_file: Mapped[str | None] = mapped_column(String(255), default=None)
    copy_type: Mapped[str | None] = mapped_column(String(64), default=None)
    failed_at: Mapped[datetime | None] = mapped_column(default=None)
    failure: Mapped[str | None] = mapped_column(Text, default=None)


# Hostile input (issue 11): who each object was addressed to --------------------------------


class ObjectAddresseeRow(Base):
    """A local organisation an object was addressed to (to/cc/bto/bcc, a mention, or a
    followers collection it belonged to) when it was received or published: the stored fact
    every read of non-public content checks."""

    __tablename__ = "object_addressees"
    __table_args__ = (UniqueConstraint("object_id", "actor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    object_id: Mapped[int] = mapped_column(ForeignKey("objects.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)


# --- node administration: federation policy, alliances, audit, reports, actor blocks -------


class FederationStateRow(Base):
    """The node's one row of federation settings; `version` grows with every policy change
    (settings, allowlist, blocks, alliances, actor blocks), so processes know to re-read."""

    __tablename__ = "federation_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="open", server_default="open")
    signed_fetches: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    hide_collections: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reduced_pages: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lockdown_saved: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    updated_at: Mapped[datetime]


class AllowedDomainRow(Base):
    """A local allowlist decision: allowed, or (allowed false) excluded whatever manifests say."""

    __tablename__ = "allowed_domains"

    domain: Mapped[str] = mapped_column(String(261), primary_key=True)
    allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class AllianceRow(Base):
    """A subscription to another node's signed alliance manifest, with the key it trusts."""

    __tablename__ = "alliances"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    signer_iri: Mapped[str | None] = mapped_column(String(2048), default=None)
    key_id: Mapped[str | None] = mapped_column(String(2048), default=None)
    public_key: Mapped[str | None] = mapped_column(String(128), default=None)  # a Multikey
    state: Mapped[str] = mapped_column(String(16))
    manifest_updated: Mapped[datetime | None] = mapped_column(default=None)
    last_fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    next_fetch_at: Mapped[datetime]
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class AllianceDomainRow(Base):
    """A domain an applied manifest lists."""

    __tablename__ = "alliance_domains"

    alliance_id: Mapped[int] = mapped_column(
        ForeignKey("alliances.id", ondelete="CASCADE"), primary_key=True
    )
    domain: Mapped[str] = mapped_column(String(261), primary_key=True)


class AuditRow(Base):
    """One admin or owner action: who (a kind and a name), from where, what, on what, when.
    Append-only: the database refuses UPDATE and DELETE (migration 0032)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    who_kind: Mapped[str] = mapped_column(String(16))
    who: Mapped[str] = mapped_column(String(320))
    origin: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(2048), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class NodeAdminRow(Base):
    """A node admin, by the email a workspace member signs in with: their sign-in opens the
    admin pages (the API takes admin tokens)."""

    __tablename__ = "node_admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    added_at: Mapped[datetime]
    added_by: Mapped[str] = mapped_column(String(340))


class ReportRow(Base):
    """A report in the moderation queue: a Flag received, or one made by an organisation."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_state_id", "state", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))
    flag_iri: Mapped[str | None] = mapped_column(String(2048), unique=True, default=None)
    reporter_iri: Mapped[str] = mapped_column(String(2048))
    reporter_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), default=None
    )
    target_iri: Mapped[str] = mapped_column(String(2048), index=True)
    object_iris: Mapped[list[Any]] = mapped_column(JSON, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    forwarded_iri: Mapped[str | None] = mapped_column(String(2048), default=None)
    state: Mapped[str] = mapped_column(String(16))
    action: Mapped[str | None] = mapped_column(String(32), default=None)
    note: Mapped[str] = mapped_column(Text, default="")
    resolved_by: Mapped[str | None] = mapped_column(String(320), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class ActorBlockRow(Base):
    """An organisation's block of a remote actor (a Block was sent; follows were removed)."""

    __tablename__ = "actor_blocks"
    __table_args__ = (UniqueConstraint("actor_id", "blocked_iri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    blocked_iri: Mapped[str] = mapped_column(String(2048), index=True)
    block_iri: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime]


class CircleRow(Base):
    """An organisation's named circle of trusted allies: the audience of its circle calls,
    and where it passes on the circle calls of allies whose record names the circle."""

    __tablename__ = "circles"
    __table_args__ = (UniqueConstraint("actor_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CircleMemberRow(Base):
    """One actor (local or remote, by IRI) in a circle."""

    __tablename__ = "circle_members"
    __table_args__ = (UniqueConstraint("circle_id", "member_iri"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    circle_id: Mapped[int] = mapped_column(ForeignKey("circles.id", ondelete="CASCADE"))
    member_iri: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime]
