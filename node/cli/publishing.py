"""Publishing from the command line: strategy publish and call publish (Markdown from a file)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from node.cli.base import (
    data_dir_option,
    main,
    run,
    settings_for,
    with_runtime,
)
from node.config import (
    Settings,
)
from node.federation.runtime import Runtime
from node.publication import Kind, Urgency, Visibility
from node.solidarity import organisations


def read_markdown(source: str) -> str:
    """Markdown from a file, or from standard input for '-'."""
    if source == "-":
        stdin: str = sys.stdin.read()
        return stdin
    try:
        return Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot read {source}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{source} is not UTF-8 text") from None


def publish_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            data_dir_option,
            click.argument("org_name", metavar="ORG"),
            click.argument("source", metavar="FILE", default="-"),
            click.option("--title", required=True, help="The title."),
            click.option("--theme", "themes", multiple=True, help="A theme (repeatable)."),
            click.option("--region", "regions", multiple=True, help="ISO 3166 code or name."),
            click.option("--language", default="en", show_default=True, help="BCP 47 tag."),
            click.option(
                "--visibility",
                type=click.Choice([visibility.value for visibility in Visibility]),
                default=Visibility.PUBLIC.value,
                show_default=True,
            ),
        ]
    ):
        func = option(func)
    return func


async def publish_draft(settings: Settings, org_name: str, body: dict[str, Any], kind: Kind) -> str:
    from node.solidarity import publishing, validation

    async def work(node: Runtime) -> str:
        org = await organisations.get(node.db, org_name)
        now = node.clock.now()
        draft = validation.call(body, now) if kind is Kind.CALL else validation.strategy(body)
        stored = await publishing.publish(node, org, draft)
        return stored.iri

    return await with_runtime(settings, work)


@main.group()
def strategy() -> None:
    """Publish strategies (long-form, revisable)."""


@strategy.command("publish")
@publish_options
@click.option("--summary", default="", help="Stands alone where only title and summary show.")
@click.pass_context
def strategy_publish(
    ctx: click.Context,
    /,
    data_dir: Path | None,
    org_name: str,
    source: str,
    summary: str,
    **fields: Any,
) -> None:
    """Publish a strategy whose Markdown is in FILE (or on standard input with '-')."""
    settings = settings_for(ctx, data_dir)
    body = body_from(fields) | {"content": read_markdown(source), "summary": summary}
    click.echo(run(publish_draft(settings, org_name, body, Kind.STRATEGY)))


@main.group()
def call() -> None:
    """Publish calls for solidarity."""


@call.command("publish")
@publish_options
@click.option("--deadline", required=True, help="ISO 8601, e.g. 2026-12-01T18:00Z.")
@click.option(
    "--urgency",
    type=click.Choice([urgency.value for urgency in Urgency]),
    default=Urgency.NORMAL.value,
    show_default=True,
)
@click.option("--action", "actions", multiple=True, help="Something to do (repeatable).")
@click.option(
    "--max-hops", type=int, default=6, show_default=True, help="How far allies may pass it on."
)
@click.option("--circle", default=None, help="With --visibility circle: the circle it goes to.")
@click.pass_context
def call_publish(
    ctx: click.Context,
    /,
    data_dir: Path | None,
    org_name: str,
    source: str,
    deadline: str,
    urgency: str,
    actions: tuple[str, ...],
    max_hops: int,
    circle: str | None,
    **fields: Any,
) -> None:
    """Publish a call whose Markdown is in FILE (or on standard input with '-')."""
    settings = settings_for(ctx, data_dir)
    body = body_from(fields) | {
        "content": read_markdown(source),
        "deadline": deadline,
        "urgency": urgency,
        "actions": list(actions),
        "max_hops": max_hops,
    }
    if circle is not None:
        body["circle"] = circle
    click.echo(run(publish_draft(settings, org_name, body, Kind.CALL)))


def body_from(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": fields["title"],
        "themes": list(fields["themes"]),
        "regions": list(fields["regions"]),
        "language": fields["language"],
        "visibility": fields["visibility"],
    }
