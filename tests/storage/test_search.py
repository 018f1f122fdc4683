"""Timeline and search queries on SQLite and PostgreSQL: who sees what, every filter, keyset
paging without duplicates or gaps, relevance, accents, hostile query text, and the index
migration (backfill, triggers, downgrade).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, delete, insert, inspect
from sqlalchemy.ext.asyncio import AsyncSession

from node.errors import InvalidInput
from node.federation.runtime import Runtime
from node.solidarity import organisations
from node.storage import actors, follows, objects
from node.storage.db import Database
from node.storage.migrate import alembic_config, migrate
from node.storage.search import (
    Filters,
    Page,
    Position,
    Reader,
    encode_cursor,
    fts5_query,
    search,
    timeline,
    tsquery,
    words,
)
from node.storage.tables import ObjectRow
from tests.support.content import content

START = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
ROSE = "https://remote.test/users/rose"  # alpha follows her (accepted)
OLGA = "https://other.test/users/olga"  # nobody follows her
PAT = "https://pending.test/users/pat"  # alpha's follow is pending
PUNCTUATION = ('"', "*", "&", "!", ":", "'", "^", "-", "(", ")", "|", "\\", "%", "_", "+")


class Store:
    """Writes objects the way publishing and on_create do, with readable defaults."""

    def __init__(self, node: Runtime, alpha: str) -> None:
        self.node, self.alpha = node, alpha
        self.count = 0

    async def put(self, actor: str = ROSE, minutes: int | None = None, **given: Any) -> str:
        self.count += 1
        local = self.node.urls.actor_name(actor)
        key = f"k{self.count}"
        iri = self.node.urls.publication("call", key) if local else f"{actor}/objects/{key}"
        fields: dict[str, Any] = {"title": f"Item {self.count}", **given}
        published = START - timedelta(minutes=self.count if minutes is None else minutes)
        async with self.node.db.transaction() as session:
            owner = await _local_id(session, local) if local else None
            await objects.put(
                session,
                iri=iri,
                actor_iri=actor,
                content=content(**fields),
                document={"id": iri, "url": iri},
                published=published,
                now=START,
                local_actor_id=owner,
                key=key if local else None,
            )
        return iri

    async def follow(self, target: str, state: str = follows.ACCEPTED) -> None:
        async with self.node.db.transaction() as session:
            await follows.put(session, self.alpha, target, state, None, START)


async def _local_id(session: AsyncSession, name: str) -> int:
    return (await actors.by_username(session, name)).id


@pytest.fixture
async def store(node: Runtime, alpha: str) -> Store:
    made = Store(node, alpha)
    await made.follow(ROSE)
    await made.follow(PAT, follows.PENDING)
    return made


@pytest.fixture
async def reader(node: Runtime, alpha: str) -> Reader:
    async with node.db.transaction() as session:
        return Reader(await _local_id(session, "alpha"), alpha)


async def read_timeline(
    node: Runtime, reader: Reader, filters: Filters | None = None, **paging: Any
) -> Page:
    async with node.db.transaction() as session:
        return await timeline(session, reader, filters or Filters(), **paging)


async def find(
    node: Runtime, reader: Reader, text: str, filters: Filters | None = None, **paging: Any
) -> Page:
    async with node.db.transaction() as session:
        return await search(session, reader, text, filters or Filters(), **paging)


def iris(page: Page) -> list[str]:
    return [item.iri for item in page.items]


def is_postgres(node: Runtime) -> bool:
    return node.db.dialect == "postgresql"


# -- the timeline -----------------------------------------------------------------------------


async def test_timeline_shows_what_followed_actors_publish(
    node: Runtime, store: Store, reader: Reader, alpha: str
) -> None:
    await organisation(node, "beta")
    beta = node.urls.actor("beta")
    await store.follow(beta)
    public = await store.put(title="public")
    unlisted = await store.put(visibility="unlisted")
    followers = await store.put(visibility="followers")
    strategy = await store.put(type="Article", kind="strategy")
    from_beta = await store.put(actor=beta)
    shown = [public, unlisted, followers, strategy, from_beta]
    await store.put(visibility="direct")  # addressed to someone: never in a timeline
    await store.put(actor=OLGA)  # not followed
    await store.put(actor=PAT)  # follow still pending
    await store.put(actor=alpha)  # its own
    await store.put(kind=None)  # a plain note
    await store.put(in_reply_to=public)  # a reply
    deleted = await store.put()
    async with node.db.transaction() as session:
        await objects.tombstone(session, deleted, {"type": "Tombstone"}, START)
    page = await read_timeline(node, reader)
    assert iris(page) == shown
    assert page.next is None


async def test_timeline_filters(node: Runtime, store: Store, reader: Reader) -> None:
    high_fr = await store.put(urgency="high", regions=("FR",), themes=("#Housing",))
    low_pt = await store.put(urgency="low", regions=("Rio de Janeiro",), language="pt-BR")
    critical = await store.put(urgency="critical", language="pt", themes=("water",))
    strategy = await store.put(
        type="Article", kind="strategy", language="en", regions=("fr",), themes=("housing",)
    )
    english = await store.put(urgency="normal", language="EN-gb")

    async def only(**given: Any) -> list[str]:
        return iris(await read_timeline(node, reader, Filters(**given)))

    assert await only(kind="strategy") == [strategy]
    assert await only(kind="call") == [high_fr, low_pt, critical, english]
    assert await only(urgencies=("high",)) == [high_fr]
    assert await only(urgencies=("high", "critical")) == [high_fr, critical]
    assert await only(regions=(" fr ",)) == [high_fr, strategy]
    assert await only(regions=("RIO DE JANEIRO",)) == [low_pt]
    assert await only(regions=("fr", "rio de janeiro")) == [high_fr, low_pt, strategy]
    assert await only(themes=("HOUSING",)) == [high_fr, strategy]
    assert await only(themes=("#water",)) == [critical]
    assert await only(language="pt") == [low_pt, critical]
    assert await only(language="PT-br") == [low_pt]
    assert await only(language="en") == [strategy, english]
    assert await only(language="e") == []  # a prefix of whole subtags, not of letters
    assert await only(kind="call", regions=("fr",), themes=("housing",)) == [high_fr]
    assert await only(kind="strategy", urgencies=("high",)) == []


async def test_timeline_items_carry_labels_as_written(
    node: Runtime, store: Store, reader: Reader
) -> None:
    await store.put(regions=("Rio de Janeiro", "BR"), themes=("Housing",), language="pt-BR")
    [item] = (await read_timeline(node, reader)).items
    assert item.fields.regions == ("Rio de Janeiro", "BR")
    assert item.fields.themes == ("Housing",)
    assert item.fields.language == "pt-BR"


async def test_timeline_pages_without_duplicates_or_gaps(
    node: Runtime, store: Store, reader: Reader
) -> None:
    # pairs share a publication time, so the id decides between them
    made = [await store.put(minutes=index // 2) for index in range(23)]
    expected = iris(await read_timeline(node, reader, limit=100))
    assert sorted(expected) == sorted(made)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = await read_timeline(node, reader, cursor=cursor, limit=5)
        seen += iris(page)
        cursor = page.next
        if cursor is None:
            break
    assert seen == expected
    assert len(set(seen)) == 23


async def test_new_objects_do_not_shift_later_pages(
    node: Runtime, store: Store, reader: Reader
) -> None:
    first = [await store.put(minutes=10 + index) for index in range(4)]
    page = await read_timeline(node, reader, limit=2)
    assert iris(page) == first[:2]
    await store.put(minutes=0)  # newer than all: belongs before the first page
    later = await read_timeline(node, reader, cursor=page.next, limit=2)
    assert iris(later) == first[2:]


async def test_bad_paging_is_refused(node: Runtime, store: Store, reader: Reader) -> None:
    for limit in (0, 101, -1):
        with pytest.raises(InvalidInput, match="'limit' must be from 1 to 100"):
            await read_timeline(node, reader, limit=limit)
    ranked = encode_cursor(Position(START, 3, 1.5))
    for cursor in ("nonsense", "", "e30", "!!!", ranked, encode_cursor(Position(START, 3))[:-3]):
        with pytest.raises(InvalidInput, match="'cursor' is not one this node gave out"):
            await read_timeline(node, reader, cursor=cursor)
    with pytest.raises(InvalidInput, match="'cursor'"):
        await find(node, reader, "water", cursor=encode_cursor(Position(START, 3)))


def test_filters_refuse_unknown_values() -> None:
    with pytest.raises(InvalidInput, match="unknown kind 'note'"):
        Filters(kind="note")
    with pytest.raises(InvalidInput, match="unknown urgency 'urgent'"):
        Filters(urgencies=("high", "urgent"))
    for language in ("pt_BR", "p%", "", "toolonglanguage", "pt-"):
        with pytest.raises(InvalidInput, match="BCP 47"):
            Filters(language=language)
    with pytest.raises(InvalidInput, match="'region' must not be empty"):
        Filters(regions=("#",))
    with pytest.raises(InvalidInput, match="at most 20 values of 'theme'"):
        Filters(themes=tuple(f"t{n}" for n in range(21)))


# -- search -----------------------------------------------------------------------------------


async def test_search_sees_listed_objects_and_the_readers_own(
    node: Runtime, store: Store, reader: Reader, alpha: str
) -> None:
    await organisation(node, "beta")
    beta = node.urls.actor("beta")
    visible = [
        await store.put(actor=OLGA, title="water pumps"),  # not followed, but public
        await store.put(actor=ROSE, visibility="unlisted", body_text="water"),
        await store.put(actor=alpha, visibility="followers", body_text="water"),
        await store.put(actor=alpha, visibility="direct", body_text="water"),
        await store.put(actor=beta, type="Article", kind="strategy", summary_text="water"),
    ]
    await store.put(actor=ROSE, visibility="followers", body_text="water")  # not in search
    await store.put(actor=beta, visibility="direct", body_text="water")
    await store.put(actor=OLGA, kind=None, body_text="water")
    await store.put(actor=OLGA, in_reply_to=visible[0], body_text="water")
    gone = await store.put(actor=OLGA, body_text="water")
    async with node.db.transaction() as session:
        await objects.tombstone(session, gone, {"type": "Tombstone"}, START)
    assert sorted(iris(await find(node, reader, "water"))) == sorted(visible)


async def test_title_match_ranks_above_body_match(
    node: Runtime, store: Store, reader: Reader
) -> None:
    in_body = await store.put(minutes=1, title="Pumps", body_text="clean water for the camp")
    in_summary = await store.put(minutes=2, title="Wells", summary_text="drinking water")
    in_title = await store.put(minutes=3, title="Water for Gaza", body_text="pumps and wells")
    await store.put(minutes=0, title="Unrelated", body_text="nothing to see")
    assert iris(await find(node, reader, "water")) == [in_title, in_summary, in_body]


async def test_equal_relevance_goes_newest_first(
    node: Runtime, store: Store, reader: Reader
) -> None:
    older = await store.put(minutes=5, title="Flood relief")
    newer = await store.put(minutes=1, title="Flood relief")
    assert iris(await find(node, reader, "flood relief")) == [newer, older]


async def test_every_word_must_match_and_the_last_is_a_prefix(
    node: Runtime, store: Store, reader: Reader
) -> None:
    both = await store.put(title="Housing solidarity", body_text="tenants")
    await store.put(title="Housing rights")
    assert iris(await find(node, reader, "housing solidarity")) == [both]
    assert iris(await find(node, reader, "housing solid")) == [both]
    assert iris(await find(node, reader, "solid housing")) == []  # only the last is a prefix
    assert iris(await find(node, reader, "TENANTS")) == [both]


async def test_accents(node: Runtime, store: Store, reader: Reader) -> None:
    accented = await store.put(title="Solidarité ouvrière", language="fr")
    assert iris(await find(node, reader, "solidarité")) == [accented]
    assert iris(await find(node, reader, "SOLIDARITÉ OUVRIÈRE")) == [accented]
    plain = iris(await find(node, reader, "solidarite ouvriere"))
    # SQLite's unicode61 removes diacritics on both sides; PostgreSQL's 'simple' configuration
    # only lowercases, so there a word must be typed with its accents to be found
    assert plain == ([] if is_postgres(node) else [accented])


async def test_other_scripts_are_words_too(node: Runtime, store: Store, reader: Reader) -> None:
    greek = await store.put(title="Αλληλεγγύη στους απεργούς")
    arabic = await store.put(body_text="تضامن مع العمال")
    assert iris(await find(node, reader, "αλληλεγγύη")) == [greek]
    assert iris(await find(node, reader, "تضامن")) == [arabic]


async def test_hostile_query_text_is_only_words(
    node: Runtime, store: Store, reader: Reader
) -> None:
    literal = await store.put(title="Water or fire", body_text="near the river & the title")
    await store.put(title="Water", body_text="fire")
    for text in PUNCTUATION:
        assert (await find(node, reader, text)).items == ()
        assert len((await find(node, reader, f"water {text} fire")).items) == 2
    # operators of either engine are plain words: OR and NEAR are found where they are written
    assert iris(await find(node, reader, "OR")) == [literal]
    assert iris(await find(node, reader, "NEAR(")) == [literal]
    attempts = (
        "water OR nothing",
        'water" OR "nothing',
        "water' | 'nothing",
        "water | nothing:*",
        "NEAR(water nothing)",
        "water AND NOT fire",
        "-water",
        "title:water",
        "{title}: water",
        "water & !fire & 'x'",
        "water:* | !!fire",
        "water\\",
        "'; DROP TABLE objects; --",
    )
    for text in attempts:
        await find(node, reader, text)  # never a syntax error
    # OR is a word here, not an operator: only the object that says "or" holds all three
    assert iris(await find(node, reader, "water OR fire")) == [literal]
    assert iris(await find(node, reader, "NEAR(river title)")) == [literal]
    assert iris(await find(node, reader, "title:water")) == [literal]
    async with node.db.transaction() as session:
        assert await objects.get(session, literal) is not None


def test_query_text_is_rebuilt_from_quoted_words() -> None:
    text = "water\" OR NEAR(x) title:fire* l'eau & !x _ ^y -z"
    assert words(text) == ["water", "OR", "NEAR", "x", "title", "fire", "l", "eau", "x", "y", "z"]
    assert fts5_query(["a", "OR"]) == '"a" "OR"*'
    assert tsquery(["a", "b"]) == "'a' & 'b':*"
    assert fts5_query(['a"b']) == '"a""b"*'
    assert tsquery(["a'b\\"]) == "'a''b\\\\':*"
    assert len(words("w " * 100)) == 16


async def test_search_filters(node: Runtime, store: Store, reader: Reader) -> None:
    call = await store.put(title="Rent strike", urgency="high", regions=("FR",), language="fr")
    strategy = await store.put(
        type="Article", kind="strategy", title="Rent strike guide", themes=("Housing",)
    )
    await store.put(title="Rent strike", urgency="low", language="en")

    async def only(**given: Any) -> list[str]:
        return sorted(iris(await find(node, reader, "rent strike", Filters(**given))))

    assert await only(kind="strategy") == [strategy]
    assert await only(urgencies=("high", "critical")) == [call]
    assert await only(regions=("fr",)) == [call]
    assert await only(themes=("housing",)) == [strategy]
    assert await only(language="fr") == [call]


async def test_search_pages_follow_the_ranking(node: Runtime, store: Store, reader: Reader) -> None:
    for index in range(7):
        await store.put(title="Food bank", minutes=index % 3)
        await store.put(title="Support", body_text=f"food bank number {index}", minutes=index % 3)
        await store.put(title="Other", summary_text="food bank", minutes=index % 2)
    expected = iris(await find(node, reader, "food bank", limit=100))
    assert len(expected) == 21
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = await find(node, reader, "food bank", cursor=cursor, limit=4)
        seen += iris(page)
        cursor = page.next
        if cursor is None:
            break
    assert seen == expected


async def test_search_without_words_finds_nothing(
    node: Runtime, store: Store, reader: Reader
) -> None:
    await store.put(title="Anything")
    assert await find(node, reader, " ?! ") == Page((), None)


async def test_index_follows_updates_and_deletes(
    node: Runtime, store: Store, reader: Reader
) -> None:
    iri = await store.put(title="Evictions", body_text="court dates")
    async with node.db.transaction() as session:
        stored = await objects.get(session, iri)
        assert stored is not None
        revised = content(title="Blockade")
        await objects.put(
            session,
            iri=iri,
            actor_iri=ROSE,
            content=revised,
            document=stored.document,
            published=stored.published,
            now=START,
        )
    assert iris(await find(node, reader, "evictions")) == []
    assert iris(await find(node, reader, "court")) == []
    assert iris(await find(node, reader, "blockade")) == [iri]
    async with node.db.transaction() as session:
        await session.execute(delete(ObjectRow).where(ObjectRow.iri == iri))
    assert iris(await find(node, reader, "blockade")) == []


# -- the migration ----------------------------------------------------------------------------


def _downgrade(connection: Connection, target: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, target)


def _search_schema(connection: Connection) -> set[str]:
    inspector = inspect(connection)
    tables = {name for name in inspector.get_table_names() if name.startswith("objects_fts")}
    columns = {c["name"] for c in inspector.get_columns("objects")} & {"search_vector"}
    return tables | columns


async def test_migration_backfills_and_downgrades(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(_downgrade, "0004")
            assert await conn.run_sync(_search_schema) == set()
            await conn.execute(
                insert(ObjectRow),
                [_row("https://remote.test/o/1", "Older than search", ROSE)],
            )
        await migrate(db)
        async with db.engine.connect() as conn:
            assert await conn.run_sync(_search_schema)
        async with db.transaction() as session:
            page = await search(session, Reader(0, ROSE), "older search", Filters())
        assert iris(page) == ["https://remote.test/o/1"]
    finally:
        await db.close()


def _row(iri: str, title: str, actor: str) -> dict[str, Any]:
    return {
        "iri": iri,
        "actor_iri": actor,
        "type": "Note",
        "kind": "call",
        "visibility": "public",
        "document": {},
        "published": START,
        "title": title,
        "body_text": "",
        "is_pledge": False,
    }


async def organisation(node: Runtime, name: str) -> None:
    await organisations.create_organisation(node.db, node.clock, node.urls, name)
