"""Typed tables (SQLAlchemy 2 declarative). Columns filled from remote JSON carry an `ap_` prefix.

Every table here has a migration under migrations/versions; tests check the two agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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
    max_hops: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    # "users", or "orgs" for organisations whose ids were published under /orgs/ (node.urls)
    actor_path: Mapped[str] = mapped_column(String(8), default="users", server_default="users")
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
    __table_args__ = (Index("ix_objects_actor_published", "actor_iri", "published"),)

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
    in_reply_to: Mapped[str | None] = mapped_column(String(2048), index=True, default=None)
    is_pledge: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


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
    ap_followers: Mapped[str | None] = mapped_column(String(2048), default=None)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime]
    gone_at: Mapped[datetime | None] = mapped_column(default=None)


class InboxItemRow(Base):
    """A screened incoming activity waiting for (or done with) its effects."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_due", "state", "next_attempt_at"),)

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


class DeliveryRow(Base):
    """One activity to one inbox: the durable unit of outgoing federation."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("activity_iri", "inbox_url"),
        Index("ix_deliveries_due", "state", "next_attempt_at"),
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
    """A domain the admin blocked: its inbox posts are refused, nothing is sent to it."""

    __tablename__ = "domain_blocks"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class ReactionRow(Base):
    """A Like or Announce received for an object (local or remote)."""

    __tablename__ = "reactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_iri: Mapped[str] = mapped_column(String(2048), unique=True)
    type: Mapped[str] = mapped_column(String(32))
    actor_iri: Mapped[str] = mapped_column(String(2048))
    object_iri: Mapped[str] = mapped_column(String(2048), index=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
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
