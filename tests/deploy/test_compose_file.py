"""deploy/compose.yaml against the Compose Specification's JSON schema (tests/deploy/data,
its source named in the README there), validated with `jsonschema` after interpolating its
variables as `docker compose` would: Docker is not available where the tests run. Then what the
file must say for the node: PostgreSQL, serve and worker from one image, nginx with TLS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "deploy" / "compose.yaml"
SCHEMA = Path(__file__).parent / "data" / "compose-spec.json"
ENV_EXAMPLE = REPO / "deploy" / "solidarity-node.env.example"
VARIABLES = {
    "SN_BASE_URL": "https://node.example",
    "NODE_DOMAIN": "node.example",
    "POSTGRES_PASSWORD": "secret",
}
# ${NAME}, ${NAME:?message}, ${NAME?message}, ${NAME:-default}, ${NAME-default}
REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}")


def interpolate(value: Any, variables: dict[str, str], used: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: interpolate(v, variables, used) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, variables, used) for v in value]
    if not isinstance(value, str):
        return value

    def fill(match: re.Match[str]) -> str:
        name, how, rest = match.groups()
        used.add(name)
        if name in variables:
            return variables[name]
        if how and how.endswith("?"):
            raise LookupError(f"{name}: {rest}")
        return rest or ""

    filled = REFERENCE.sub(fill, value)
    assert "$" not in filled.replace("$$", ""), f"not interpolated: {value!r}"
    return filled


def compose(variables: dict[str, str] = VARIABLES) -> tuple[dict[str, Any], set[str]]:
    used: set[str] = set()
    document = interpolate(yaml.safe_load(COMPOSE.read_text()), variables, used)
    return document, used


def validator() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads(SCHEMA.read_text()))


def test_the_compose_file_follows_the_specification() -> None:
    document, _ = compose()
    errors = [f"{list(e.path)}: {e.message}" for e in validator().iter_errors(document)]
    assert errors == []


def test_the_schema_would_catch_a_mistake() -> None:
    document, _ = compose()
    document["services"]["worker"]["deploy"]["replica"] = 2
    document["services"]["serve"]["restart"] = ["always"]
    errors = list(validator().iter_errors(document))
    assert len(errors) == 2


def test_its_variables_are_required_and_documented() -> None:
    _, used = compose()
    assert used == set(VARIABLES)
    documented = ENV_EXAMPLE.read_text()
    for name in used:
        assert re.search(rf"^{name}=", documented, re.MULTILINE), name
        with pytest.raises(LookupError):
            compose({k: v for k, v in VARIABLES.items() if k != name})


def test_postgres_serve_workers_and_tls() -> None:
    services = compose()[0]["services"]
    assert {"postgres", "init", "serve", "worker", "nginx"} <= set(services)
    serve, worker = services["serve"], services["worker"]
    assert serve["image"] == worker["image"] == services["init"]["image"]
    assert serve["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (COMPOSE.parent / serve["build"]["context"] / serve["build"]["dockerfile"]).is_file()
    assert serve["command"][0] == "serve" and "--no-worker" in serve["command"]
    assert worker["command"][0] == "worker" and "--metrics-port" in worker["command"]
    assert serve["deploy"]["replicas"] >= 2 and worker["deploy"]["replicas"] >= 2
    url = serve["environment"]["SN_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    for name in ("serve", "worker"):
        needs = services[name]["depends_on"]["init"]["condition"]
        assert needs == "service_completed_successfully"
    assert services["init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    nginx = services["nginx"]
    assert "443:443" in nginx["ports"]
    template = next(v for v in nginx["volumes"] if "templates" in v).split(":")[0]
    assert (COMPOSE.parent / template).is_file()
    assert "ports" not in serve and "ports" not in worker  # only nginx is published


def test_compose_postgres_matches_the_images_client_tools() -> None:
    """backup runs pg_dump inside the image: its major version must be the server's."""
    postgres = compose()[0]["services"]["postgres"]["image"]
    major = re.fullmatch(r"postgres:(\d+)-bookworm", postgres)
    assert major is not None
    dockerfile = (REPO / "deploy" / "Dockerfile").read_text()
    assert f"postgresql-client-{major.group(1)}" in dockerfile
