"""Fixtures of the web tests: alpha's API token and the header that carries it."""

from __future__ import annotations

import pytest

from node.federation.runtime import Runtime
from node.solidarity import organisations


@pytest.fixture
async def token(node: Runtime, alpha: str) -> str:
    return await organisations.create_token(node.db, node.clock, "alpha")


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
