"""Reading strategies and calls back: the timeline and search queries, with filters, visibility
and keyset paging behind an opaque cursor.

Invariants: only strategies and calls, never deleted ones or replies; both show only what the
reader may read (storage.addressees: public, unlisted, its own, or addressed to it); the
timeline only that of the actors it follows; search none by actors of silenced domains. User
text reaches SQL only as bound parameters, and full-text input is rebuilt from its words, each
quoted, so no operator of FTS5 or tsquery gets through.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Double,
    Integer,
    Select,
    and_,
    cast,
    column,
    exists,
    func,
    literal,
    literal_column,
    not_,
    or_,
    select,
    table,
)
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.publication import KINDS, URGENCIES, Kind, Urgency, Visibility
from node.storage.addressees import readable_by
from node.storage.federation_policy import covers
from node.storage.follows import ACCEPTED
from node.storage.objects import REGION, THEME, StoredObject, label_value, to_view
from node.storage.tables import FollowRow, ObjectLabelRow, ObjectRow
from node.urls import authority

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_VALUES = 20
MAX_TERMS = 16
LANGUAGE_RE = re.compile(r"^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*$")
WORD_RE = re.compile(r"[^\W_]+")  # letters and digits: what unicode61 and 'simple' keep
# bm25 weights of title, summary and body on SQLite; PostgreSQL weighs A, B, C in the column
FTS_WEIGHTS = (10.0, 5.0, 1.0)
FTS_TABLE = table("objects_fts", column("rowid", Integer))  # SQLite only, see migration 0005
BAD_CURSOR = "'cursor' is not one this node gave out: start again without it"


@dataclass(frozen=True)
class Filters:
    """What a reader narrows to; every field is optional, lists mean any of their values."""

    kind: str | None = None
    urgencies: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    language: str | None = None

    def __post_init__(self) -> None:
        if self.kind is not None and self.kind not in KINDS:
            raise InvalidInput(f"unknown kind {self.kind!r}: use one of {', '.join(Kind)}")
        for urgency in self.urgencies:
            if urgency not in URGENCIES:
                raise InvalidInput(f"unknown urgency {urgency!r}: use {', '.join(Urgency)}")
        for name, values in (("region", self.regions), ("theme", self.themes)):
            if len(values) > MAX_VALUES:
                raise InvalidInput(f"at most {MAX_VALUES} values of '{name}'")
            if not all(label_value(value) for value in values):
                raise InvalidInput(f"'{name}' must not be empty")
        if self.language is not None and not LANGUAGE_RE.match(self.language):
            raise InvalidInput("'language' must be a BCP 47 tag such as 'pt' or 'pt-BR'")


@dataclass(frozen=True)
class Reader:
    """The organisation reading: its row id and actor IRI."""

    actor_id: int
    actor_iri: str


@dataclass(frozen=True)
class Page:
    items: tuple[StoredObject, ...]
    next: str | None


@dataclass(frozen=True)
class Position:
    """Where a page ended: the last item's sort key (with its relevance, in search)."""

    published: datetime
    id: int
    score: float | None = None


def encode_cursor(position: Position) -> str:
    payload = {"p": position.published.isoformat(), "i": position.id}
    if position.score is not None:
        payload["s"] = position.score
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, *, ranked: bool) -> Position:
    """The position a cursor names; InvalidInput for anything this node did not make."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        payload = json.loads(raw)
        published = datetime.fromisoformat(payload["p"])
        position = Position(published, payload["i"], payload.get("s"))
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(BAD_CURSOR) from exc
    if not _well_formed(position, ranked):
        raise InvalidInput(BAD_CURSOR)
    return position


def _well_formed(position: Position, ranked: bool) -> bool:
    score_ok = isinstance(position.score, float) if ranked else position.score is None
    id_ok = isinstance(position.id, int) and not isinstance(position.id, bool)
    return score_ok and id_ok and position.published.tzinfo is not None


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"'limit' must be from 1 to {MAX_LIMIT}")
    return limit


def words(text: str) -> list[str]:
    """The words of a query (letters and digits), at most MAX_TERMS of them."""
    return WORD_RE.findall(unicodedata.normalize("NFC", text))[:MAX_TERMS]


def fts5_query(terms: Sequence[str]) -> str:
    """Each term a quoted string (so OR, NEAR, * and ^ are words); the last one a prefix."""
    quoted = ['"' + term.replace('"', '""') + '"' for term in terms]
    return " ".join(quoted) + "*"


def tsquery(terms: Sequence[str]) -> str:
    """Each term a quoted lexeme, all required (&); the last one a prefix (:*)."""
    quoted = ["'" + term.replace("\\", "\\\\").replace("'", "''") + "'" for term in terms]
    return " & ".join(quoted) + ":*"


def _filters(filters: Filters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = [
        ObjectRow.kind.in_(KINDS),
        ObjectRow.deleted_at.is_(None),
        ObjectRow.in_reply_to.is_(None),
    ]
    if filters.kind is not None:
        clauses.append(ObjectRow.kind == filters.kind)
    if filters.urgencies:
        clauses.append(ObjectRow.urgency.in_(filters.urgencies))
    if filters.regions:
        clauses.append(_labelled(REGION, filters.regions))
    if filters.themes:
        clauses.append(_labelled(THEME, filters.themes))
    if filters.language is not None:
        clauses.append(_language(filters.language))
    return clauses


def _labelled(label: str, values: Sequence[str]) -> ColumnElement[bool]:
    return exists().where(
        ObjectLabelRow.object_id == ObjectRow.id,
        ObjectLabelRow.label == label,
        ObjectLabelRow.value.in_([label_value(value) for value in values]),
    )


def _language(tag: str) -> ColumnElement[bool]:
    """'pt' matches 'pt' and 'pt-BR'; the tag was checked to hold no LIKE wildcards."""
    stored = func.lower(ObjectRow.language)
    return or_(stored == tag.lower(), stored.like(tag.lower() + "-%"))


def _followed_by(reader: Reader) -> ColumnElement[bool]:
    followed = select(FollowRow.target_iri).where(
        FollowRow.follower_iri == reader.actor_iri, FollowRow.state == ACCEPTED
    )
    return and_(ObjectRow.actor_iri.in_(followed), _listable_by(reader))


def _searchable_by(reader: Reader) -> ColumnElement[bool]:
    return _listable_by(reader)


def _listable_by(reader: Reader) -> ColumnElement[bool]:
    """What the reader may read, but never a circle call of another organisation: those travel
    the trusted cascade, they are not listed (their author sees its own)."""
    others_circle = and_(
        ObjectRow.visibility == Visibility.CIRCLE,
        or_(ObjectRow.local_actor_id.is_(None), ObjectRow.local_actor_id != reader.actor_id),
    )
    return and_(readable_by(reader.actor_id), not_(others_circle))


def _after(position: Position, score: ColumnElement[float] | None) -> ColumnElement[bool]:
    """Rows sorting after `position` in (score desc,) published desc, id desc."""
    older = or_(
        ObjectRow.published < position.published,
        and_(ObjectRow.published == position.published, ObjectRow.id < position.id),
    )
    if score is None or position.score is None:
        return older
    return or_(score < position.score, and_(score == position.score, older))


def _sqlite_match(terms: Sequence[str]) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    # FTS5 takes the table's name, as if a column, on the left of MATCH and in bm25()
    fts: ColumnElement[object] = literal_column(FTS_TABLE.name)
    match = fts.bool_op("MATCH")(literal(fts5_query(terms)))
    # bm25 is lower for better matches: negated, higher is better on both engines
    score = -func.bm25(fts, *FTS_WEIGHTS, type_=Double)
    return match, score


def _postgres_match(terms: Sequence[str]) -> tuple[ColumnElement[bool], ColumnElement[float]]:
    vector: ColumnElement[object] = literal_column("objects.search_vector")
    query = func.to_tsquery(literal_column("'simple'::regconfig"), literal(tsquery(terms)))
    # ts_rank is a real: as a double it survives the cursor's round trip exactly
    return vector.bool_op("@@")(query), cast(func.ts_rank(vector, query), Double)


async def timeline(
    session: AsyncSession,
    reader: Reader,
    filters: Filters,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Strategies and calls of the actors the reader follows (accepted), newest first."""
    check_limit(limit)
    # no relevance here: a NULL score keeps one row shape (and one _page) for both queries
    stmt = select(ObjectRow, literal(None, Double)).where(*_filters(filters), _followed_by(reader))
    if cursor is not None:
        stmt = stmt.where(_after(decode_cursor(cursor, ranked=False), None))
    stmt = stmt.order_by(ObjectRow.published.desc(), ObjectRow.id.desc())
    return await _page(session, stmt, limit)


async def search(
    session: AsyncSession,
    reader: Reader,
    text: str,
    filters: Filters,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    silenced: AbstractSet[str] = frozenset(),
) -> Page:
    """Strategies and calls matching every word of `text`, best first, then newest; none by
    actors of `silenced` domains (a page may then hold fewer than `limit`: the cursor still
    continues after the last row read).

    The cursor carries the last relevance, so pages are exact while the matches stay as they
    are; new objects shift the corpus statistics, and an item at a boundary may then repeat or
    be skipped (relevance order cannot be stable under writes; the timeline's order is).
    """
    check_limit(limit)
    position = None if cursor is None else decode_cursor(cursor, ranked=True)
    terms = words(text)
    if not terms:
        return Page((), None)
    sqlite = session.get_bind().dialect.name == "sqlite"
    match, score = (_sqlite_match if sqlite else _postgres_match)(terms)
    stmt = select(ObjectRow, score).where(match, *_filters(filters), _searchable_by(reader))
    if sqlite:
        stmt = stmt.join(FTS_TABLE, FTS_TABLE.c.rowid == ObjectRow.id)
    if position is not None:
        stmt = stmt.where(_after(position, score))
    stmt = stmt.order_by(score.desc(), ObjectRow.published.desc(), ObjectRow.id.desc())
    return await _page(session, stmt, limit, silenced)


async def _page(
    session: AsyncSession,
    stmt: Select[ObjectRow, float | None],
    limit: int,
    silenced: AbstractSet[str] = frozenset(),
) -> Page:
    rows = (await session.execute(stmt.limit(limit + 1))).all()
    read = rows[:limit]
    shown = [
        (r, s) for r, s in read if not silenced or covers(silenced, authority(r.actor_iri)) is None
    ]
    labels = await _labels_of(session, [row.id for row, _ in shown])
    items = tuple(to_view(row, labels.get(row.id, [])) for row, _ in shown)
    if len(rows) <= limit:
        return Page(items, None)
    last, score = read[-1]
    return Page(items, encode_cursor(Position(last.published, last.id, score)))


async def _labels_of(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    found: dict[int, list[tuple[str, str]]] = {}
    if not ids:
        return found
    rows = await session.execute(
        select(ObjectLabelRow.object_id, ObjectLabelRow.label, ObjectLabelRow.text)
        .where(ObjectLabelRow.object_id.in_(ids))
        .order_by(ObjectLabelRow.id)
    )
    for object_id, label, text in rows:
        found.setdefault(object_id, []).append((label, text))
    return found


# listings for the web pages: the node's public publications, an organisation's own ---------


async def listed(
    session: AsyncSession,
    filters: Filters,
    *,
    text: str | None = None,
    actor_id: int | None = None,
    open_at: datetime | None = None,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """Public strategies and calls published on this node (never unlisted, followers-only or
    direct), newest first or best first with `text`; `open_at`: only calls still open then.
    `limit` may go past MAX_LIMIT here: these listings are the node's own, not a reader's."""
    if limit < 1:
        raise InvalidInput("'limit' must be at least 1")
    terms = words(text or "")
    clauses = [
        *_filters(filters),
        ObjectRow.local_actor_id.is_not(None),
        ObjectRow.visibility == Visibility.PUBLIC,
    ]
    if actor_id is not None:
        clauses.append(ObjectRow.local_actor_id == actor_id)
    if open_at is not None:
        clauses += [ObjectRow.kind == Kind.CALL, ObjectRow.deadline > open_at]
    if not terms:
        stmt = select(ObjectRow, literal(None, Double)).where(*clauses)
        if cursor is not None:
            stmt = stmt.where(_after(decode_cursor(cursor, ranked=False), None))
        stmt = stmt.order_by(ObjectRow.published.desc(), ObjectRow.id.desc())
        return await _page(session, stmt, limit)
    sqlite = session.get_bind().dialect.name == "sqlite"
    match, score = (_sqlite_match if sqlite else _postgres_match)(terms)
    ranked = select(ObjectRow, score).where(match, *clauses)
    if sqlite:
        ranked = ranked.join(FTS_TABLE, FTS_TABLE.c.rowid == ObjectRow.id)
    if cursor is not None:
        ranked = ranked.where(_after(decode_cursor(cursor, ranked=True), score))
    ranked = ranked.order_by(score.desc(), ObjectRow.published.desc(), ObjectRow.id.desc())
    return await _page(session, ranked, limit)


async def own(
    session: AsyncSession, actor_id: int, *, open_at: datetime | None = None, limit: int = 50
) -> tuple[StoredObject, ...]:
    """An organisation's own strategies and calls, whatever their audience, newest first."""
    clauses = [*_filters(Filters()), ObjectRow.local_actor_id == actor_id]
    if open_at is not None:
        clauses += [ObjectRow.kind == Kind.CALL, ObjectRow.deadline > open_at]
    stmt = select(ObjectRow, literal(None, Double)).where(*clauses)
    stmt = stmt.order_by(ObjectRow.published.desc(), ObjectRow.id.desc())
    return (await _page(session, stmt, limit)).items


async def labels_of(session: AsyncSession, stored: StoredObject) -> StoredObject:
    """The object again with its regions and themes (views made without them lack them)."""
    found = await _labels_of(session, [stored.id])
    return to_view(await session.get_one(ObjectRow, stored.id), found.get(stored.id, []))
