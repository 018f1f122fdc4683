"""The shapes the node answers with: compact UTF-8 JSON; AS2 and JRD readable from any origin
(browsers' JavaScript clients fetch actors and WebFinger); errors as {"error": …}."""

from __future__ import annotations

import json

from node.web import json_responses


def test_json_is_compact_utf8() -> None:
    assert (
        json_responses.dumps({"name": "Łódź", "n": [1, 2]}) == '{"name":"Łódź","n":[1,2]}'.encode()
    )


def test_as2_and_jrd_are_readable_from_any_origin() -> None:
    actor = json_responses.activity_json({"id": "https://node.test/actor"}, status=410)
    assert (actor.status_code, actor.media_type) == (410, "application/activity+json")
    assert actor.headers["access-control-allow-origin"] == "*"
    assert actor.headers["vary"] == "Accept"
    jrd = json_responses.jrd({"subject": "acct:alpha@node.test"})
    assert jrd.media_type == "application/jrd+json"
    assert jrd.headers["access-control-allow-origin"] == "*"
    api = json_responses.json_response({"ok": True}, status=201)
    assert (api.status_code, api.media_type) == (201, "application/json")
    assert "access-control-allow-origin" not in api.headers


def test_errors_carry_their_message_and_headers() -> None:
    error = json_responses.json_error(503, "busy", headers={"Retry-After": "10"})
    assert (error.status_code, json.loads(error.body)) == (503, {"error": "busy"})
    assert error.headers["retry-after"] == "10"
