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
