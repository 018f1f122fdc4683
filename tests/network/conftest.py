from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.network import Network

from node.clock import FrozenClock


@pytest.fixture
async def network(tmp_path: Path, clock: FrozenClock) -> AsyncIterator[Network]:
    net = Network(tmp_path, clock)
    yield net
    await net.close()
