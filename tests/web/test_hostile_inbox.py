"""Generated hostile input against the inbox (Hypothesis): documents, bodies and headers, really
signed where it matters, must get a clear answer below 500 without a traceback, and what the
inbox accepts must not crash the worker that runs its effects."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from node.federation.runtime import Runtime
from node.runner import build_worker
from tests.support.actors import RemoteHost, hosted, signed_headers
from tests.support.hostile import HOSTILE_STRINGS, activities, json_values
from tests.support.router import HostRouter

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
INBOX = "https://node.test/inbox"
BOB = "https://remote.test/users/bob"


@pytest.fixture
def remote(router: HostRouter) -> RemoteHost:
    host = hosted(router, "remote.test")
    host.actor("bob")
    return host


def clear(response: httpx.Response) -> None:
    assert response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text
    if response.status_code >= 400:
        assert isinstance(response.json()["error"], str)


async def signed_post(
    client: httpx.AsyncClient, remote: RemoteHost, body: bytes, now: Any, **extra: str
) -> httpx.Response:
    headers = signed_headers(remote.actor("bob"), INBOX, body, now) | extra
    return await client.post(INBOX, content=body, headers=headers)


@given(document=activities(BOB) | st.dictionaries(st.text(max_size=8), json_values, max_size=6))
async def test_signed_hostile_documents_get_a_clear_answer_and_never_crash_the_worker(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    remote: RemoteHost,
    caplog: pytest.LogCaptureFixture,
    document: dict[str, Any],
) -> None:
    caplog.clear()
    body = json.dumps(document).encode()
    clear(await signed_post(client, remote, body, node.clock.now()))
    await build_worker(node).run_until_idle()
    crashed = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert not crashed, crashed[0].getMessage()


@given(body=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
async def test_bodies_that_are_not_json_documents(
    client: httpx.AsyncClient, node: Runtime, alpha: str, remote: RemoteHost, body: bytes
) -> None:
    clear(await signed_post(client, remote, body, node.clock.now()))
    plain = {"Content-Type": "application/activity+json"}
    clear(await client.post(INBOX, content=body, headers=plain))


signature_params = st.lists(
    st.tuples(
        st.sampled_from(["keyId", "algorithm", "headers", "signature", "created", "expires"])
        | st.text(max_size=6),
        st.text(max_size=40) | st.sampled_from(HOSTILE_STRINGS),
    ),
    max_size=6,
)
header_values = st.text(max_size=60) | st.sampled_from(HOSTILE_STRINGS)


@given(
    params=signature_params,
    date=header_values,
    digest=header_values,
    content_type=header_values,
    signature_input=st.none() | header_values,
)
async def test_hostile_headers(
    client: httpx.AsyncClient,
    node: Runtime,
    alpha: str,
    remote: RemoteHost,
    params: list[tuple[str, str]],
    date: str,
    digest: str,
    content_type: str,
    signature_input: str | None,
) -> None:
    body = json.dumps({"id": f"{BOB}/likes/1", "type": "Like", "actor": BOB}).encode()
    headers = {
        "Signature": ",".join(f'{name}="{value}"' for name, value in params),
        "Date": date,
        "Digest": digest,
        "Content-Type": content_type,
    }
    if signature_input is not None:
        headers["Signature-Input"] = signature_input
    try:
        sent = {k: v.encode("latin-1", "replace").decode("latin-1") for k, v in headers.items()}
        request = client.build_request("POST", INBOX, content=body, headers=sent)
    except (UnicodeError, httpx.InvalidURL, ValueError):
        return  # not an HTTP header at all: nothing a client can send
    clear(await client.send(request))
    well_signed = await signed_post(client, remote, body, node.clock.now(), Date=sent["Date"])
    clear(well_signed)
