"""Fixtures of the solidarity tests: a remote host to send from and fetch from."""

from __future__ import annotations

import pytest
from support.actors import RemoteHost, hosted
from support.router import HostRouter


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    return hosted(router, "remote.test")
