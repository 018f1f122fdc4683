"""create_app(settings): building the app does no I/O; its lifespan starts the node (and, when
asked, the in-process worker, which then takes the rows the node stores) and releases it all
when the server stops; uvicorn's factory builds the node of SN_DATA_DIR."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from node.app import create_app, create_app_from_environment
from node.clock import FrozenClock
from node.config import Settings, write_config
from node.federation.instance_actor import ensure_instance_actor
from node.federation.runtime import Runtime
from node.storage import inbox_items
from node.storage.db import Database
from node.storage.tables import InboxItemRow
from node.urls import Urls


@pytest.fixture
async def initialised(settings: Settings, clock: FrozenClock) -> Settings:
    """A node's database with its instance actor, as `solidarity-node init` leaves it."""
    db = Database(settings.database_url)
    try:
        await ensure_instance_actor(db, clock, Urls(settings.base_url))
    finally:
        await db.close()
    return settings


def test_building_the_app_touches_nothing(tmp_path: Path) -> None:
    unreachable = Settings(
        data_dir=tmp_path,
        base_url="https://node.test",
        database_url="postgresql+asyncpg://sn:secret@127.0.0.1:1/sn",
    )
    app = create_app(unreachable)
    runtime = app.state.runtime
    assert isinstance(runtime, Runtime) and runtime.settings == unreachable
    assert {getattr(route, "path", "") for route in app.routes} >= {"/", "/inbox", "/actor"}


async def test_the_lifespan_starts_the_node_and_releases_it(
    initialised: Settings, clock: FrozenClock
) -> None:
    app = create_app(initialised, clock=clock)
    node = app.state.runtime
    async with app.router.lifespan_context(app):
        assert node.fetcher is not None  # started: the instance actor signs its fetches
        assert not node.http.is_closed
    assert node.http.is_closed


async def test_the_in_process_worker_takes_what_the_node_stores(
    initialised: Settings, clock: FrozenClock
) -> None:
    app = create_app(initialised, clock=clock, run_worker=True)
    node = app.state.runtime
    like = {
        "id": "https://remote.test/likes/1",
        "type": "Like",
        "actor": "https://remote.test/users/bob",
        "object": "https://node.test/calls/k",
    }
    async with app.router.lifespan_context(app):
        async with node.db.transaction() as session:
            await inbox_items.store(
                session,
                activity_iri=like["id"],
                actor_iri=like["actor"],
                type="Like",
                recipient=None,
                document=like,
                now=clock.now(),
            )
        node.wake_worker()
        for _ in range(200):
            async with node.db.transaction() as session:
                state = await session.scalar(select(InboxItemRow.state))
            if state == "done":
                break
            await asyncio.sleep(0.01)
        assert state == "done"
    assert node.http.is_closed


async def test_uvicorns_factory_serves_the_node_of_sn_data_dir(
    initialised: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "elsewhere"
    write_config(replace(initialised, data_dir=folder, base_url="https://factory.test"))
    monkeypatch.setenv("SN_DATA_DIR", str(folder))
    app = create_app_from_environment()
    settings = app.state.runtime.settings
    assert (settings.data_dir, settings.base_url) == (folder, "https://factory.test")
    await app.state.runtime.close()
