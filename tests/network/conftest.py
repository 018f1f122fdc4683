from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node.clock import FrozenClock
from tests.support.network import Network


@pytest.fixture
async def network(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Network]:
    net = Network(tmp_path, clock)
    yield net
    await net.close()
