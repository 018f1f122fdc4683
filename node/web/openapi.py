"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written from the same facts as the routes (DESIGN §5); tests check that every API route in the
route table is described here and nothing else.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from node import __version__
from node.publication import Urgency, Visibility
from node.web import openapi_admin
from node.web.json_responses import json_response

STRING = {"type": "string"}
STRINGS = {"type": "array", "items": STRING, "maxItems": 20}
VISIBILITY = {"enum": [visibility.value for visibility in Visibility]}
URGENCY = {"enum": [urgency.value for urgency in Urgency]}
ERROR = {"type": "object", "properties": {"error": STRING}, "required": ["error"]}
MEDIA_IDS = {
    "type": "array",
    "items": STRING,
    "maxItems": 4,
    "description": "uploads (POST /api/v1/media): at most 4 pictures, or 1 document and 3",
}
UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "description": {"type": "string", "maxLength": 1500},
                },
            }
        }
    },
}

SCHEMAS: dict[str, Any] = {
    "Error": ERROR,
    "FollowRequest": {"type": "object", "properties": {"target": STRING}, "required": ["target"]},
    "ActorRequest": {"type": "object", "properties": {"actor": STRING}, "required": ["actor"]},
    "Strategy": {
        "type": "object",
        "required": ["title", "content"],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "summary": {"type": "string", "maxLength": 500},
            "content": {"type": "string", "maxLength": 50000, "description": "Markdown"},
            "themes": STRINGS,
            "regions": STRINGS,
            "language": {"type": "string", "description": "BCP 47 tag"},
            "visibility": VISIBILITY,
            "media_ids": MEDIA_IDS,
        },
    },
    "Call": {
        "type": "object",
        "required": ["title", "content", "deadline"],
        "properties": {
            "title": {"type": "string", "maxLength": 200},
            "content": {"type": "string", "maxLength": 50000, "description": "Markdown"},
            "deadline": {"type": "string", "format": "date-time"},
            "urgency": URGENCY,
            "regions": STRINGS,
            "actions": STRINGS,
            "themes": STRINGS,
            "language": STRING,
            "max_hops": {"type": "integer", "minimum": 0, "maximum": 20},
            "visibility": VISIBILITY,
            "media_ids": MEDIA_IDS,
            "circle": {
                "type": "string",
                "description": "with visibility circle: the circle it is addressed to",
            },
        },
    },
    "Ally": {
        "type": "object",
        "required": ["actor"],
        "properties": {
            "actor": {"type": "string", "description": "name@host or actor URL"},
            "amplify": {"enum": ["never", "manual", "auto", "urgent"]},
            "regions": STRINGS,
            "themes": STRINGS,
            "circle": {
                "type": ["string", "null"],
                "description": "the circle this ally's circle calls are passed on to",
            },
        },
    },
    "Circle": {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"},
            "members": {"type": "array", "items": STRING, "description": "handles or URLs"},
        },
    },
    "CircleChange": {
        "type": "object",
        "properties": {
            "add": {"type": "array", "items": STRING},
            "remove": {"type": "array", "items": STRING},
        },
    },
    "Organisation": {
        "type": "object",
        "properties": {
            "display_name": {"type": "string", "maxLength": 100},
            "summary": {"type": "string", "maxLength": 5000},
            "manually_approves_followers": {"type": "boolean"},
            "max_hops": {
                "type": "integer",
                "minimum": 1,
                "maximum": 20,
                "description": "how far the organisation passes calls on at most (default 6)",
            },
            "hide_follows": {
                "type": "boolean",
                "description": "followers and following collections show counts only",
            },
        },
    },
    "Pledge": {"type": "object", "properties": {"content": STRING}, "required": ["content"]},
    "MediaDescription": {
        "type": "object",
        "properties": {"description": {"type": "string", "maxLength": 1500}},
    },
    "Token": {
        "type": "object",
        "properties": {
            "label": {"type": "string", "maxLength": 200},
            "expires_in_days": {"type": "integer", "minimum": 1, "maximum": 3650},
        },
    },
}

# (method, path, summary, request schema or None, success status)
OPERATIONS: list[tuple[str, str, str, str | None, int]] = [
    ("get", "/api/v1/organisation", "The token's organisation and its settings", None, 200),
    (
        "patch",
        "/api/v1/organisation",
        "Change the profile (followers receive an Update) or the hop cap",
        "Organisation",
        200,
    ),
    ("post", "/api/v1/follows", "Follow an actor (handle or URL)", "FollowRequest", 202),
    ("get", "/api/v1/follows", "Whom the organisation follows, with state", None, 200),
    ("delete", "/api/v1/follows/{key}", "Unfollow", None, 204),
    ("get", "/api/v1/followers", "The organisation's followers", None, 200),
    (
        "post",
        "/api/v1/followers/{decision}",
        "Approve or reject a follow request",
        "ActorRequest",
        200,
    ),
    ("post", "/api/v1/strategies", "Publish a strategy", "Strategy", 201),
    ("post", "/api/v1/calls", "Publish a call for solidarity", "Call", 201),
    ("get", "/api/v1/timeline", "What followed organisations publish", None, 200),
    ("get", "/api/v1/search", "Full-text search over strategies and calls", None, 200),
    ("post", "/api/v1/allies", "Add an ally (follows it) or change its policy", "Ally", 201),
    ("get", "/api/v1/allies", "The organisation's allies and policies", None, 200),
    ("delete", "/api/v1/allies/{id}", "Remove an ally (the follow stays)", None, 204),
    ("get", "/api/v1/amplifications/pending", "Amplifications awaiting approval", None, 200),
    (
        "post",
        "/api/v1/amplifications/{id}/{decision}",
        "Approve (sends Announce) or reject a pending amplification",
        None,
        200,
    ),
    ("post", "/api/v1/calls/{key}/amplify", "Amplify a known public call by hand", None, 201),
    ("get", "/api/v1/calls/{key}/cascade", "The call's cascade tree as known here", None, 200),
    ("post", "/api/v1/media", "Upload a picture or PDF (multipart: file, description)", None, 201),
    ("get", "/api/v1/media/{id}", "An upload of the organisation", None, 200),
    ("patch", "/api/v1/media/{id}", "Edit an upload's description", "MediaDescription", 200),
    ("get", "/api/v1/tokens", "The organisation's API tokens (never their secrets)", None, 200),
    ("post", "/api/v1/tokens", "A new token; its secret is in this answer only", "Token", 201),
    ("delete", "/api/v1/tokens/{id}", "Revoke one of the organisation's tokens", None, 204),
    ("post", "/api/v1/circles", "Make a circle of trusted allies", "Circle", 201),
    ("get", "/api/v1/circles", "The organisation's circles and members", None, 200),
    ("get", "/api/v1/circles/{name}", "One circle and its members", None, 200),
    ("patch", "/api/v1/circles/{name}", "Add or remove members", "CircleChange", 200),
    ("delete", "/api/v1/circles/{name}", "Delete a circle", None, 204),
]
for kind, schema in (("strategies", "Strategy"), ("calls", "Call")):
    OPERATIONS += [
        ("patch", f"/api/v1/{kind}/{{key}}", "Revise (sends Update)", schema, 200),
        ("delete", f"/api/v1/{kind}/{{key}}", "Withdraw (sends Delete)", None, 204),
        ("post", f"/api/v1/{kind}/{{key}}/pin", "Pin to featured (sends Add)", None, 200),
        ("delete", f"/api/v1/{kind}/{{key}}/pin", "Unpin (sends Remove)", None, 200),
        (
            "get",
            f"/api/v1/{kind}/{{key}}/responses",
            "Replies, pledges, likes, announces",
            None,
            200,
        ),
        ("post", f"/api/v1/{kind}/{{key}}/pledges", "Pledge to a call", "Pledge", 202),
    ]


OPERATIONS += openapi_admin.OPERATIONS
SCHEMAS |= openapi_admin.SCHEMAS


def operation(summary: str, request: str | None, status: int, path: str) -> dict[str, Any]:
    described: dict[str, Any] = {
        "summary": summary,
        "security": [{"bearer": []}],
        "responses": {
            str(status): {"description": "done"},
            "400": {
                "description": "bad input",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
            "401": {"description": "no or bad token"},
            "404": {"description": "not found"},
        },
    }
    params = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if params:
        described["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": STRING} for p in params
        ]
    if request:
        described["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{request}"}}
            },
        }
    return described


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, request, status in OPERATIONS:
        paths.setdefault(path, {})[method] = operation(summary, request, status, path)
    paths["/api/v1/media"]["post"]["requestBody"] = UPLOAD
    return {
        "openapi": "3.1.0",
        "info": {"title": "Solidarity Node API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


async def openapi(request: Request) -> Response:
    return json_response(document())
