"""Pathological text against ordinary text of the same size, in the same run: what the
sanitiser costs for deeply nested and unclosed HTML (received content), and what the Markdown
renderer costs for 200 KB documents of one construct (what a member could paste).

The ceiling is the time of ordinary input of the same length; a row is met when the worst
pathological input costs at most TARGET_RATIO times that. The inputs are those the unit tests
check for their output (tests/support/pathological.py).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from node.activitypub.sanitize import sanitize_incoming
from node.solidarity.content import render_markdown
from node.urls import Urls
from tests.support import pathological

TARGET_RATIO = 10.0
ROUNDS = 3
URLS = Urls("https://node.example")


async def no_directory(handle: str) -> str | None:
    """Mentions resolve to nothing: the renderer's own work is what is timed."""
    return None


def best_of(work: Callable[[], Any]) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def render(source: str) -> None:
    asyncio.run(render_markdown(source, no_directory, URLS))


def measure() -> dict[str, Any]:
    html: dict[str, float] = {}
    for unit in pathological.NESTING_UNITS:
        html[f"nested {unit}"] = best_of(
            lambda u=unit: sanitize_incoming(pathological.nested_html(u))
        )
    for source in pathological.UNCLOSED_HTML:
        name = f"unclosed {source[:10]!r}…"
        html[name] = best_of(lambda s=source: sanitize_incoming(s))
    size = max(len(pathological.nested_html(u)) for u in pathological.NESTING_UNITS)
    html_ceiling = best_of(lambda: sanitize_incoming(pathological.ordinary_html(size)))
    markdown = {
        name: best_of(lambda s=source: render(s)) for name, source in pathological.MARKDOWN.items()
    }
    markdown_ceiling = best_of(lambda: render(pathological.ordinary_markdown()))
    return {
        "html_ceiling_s": html_ceiling,
        "html_s": html,
        "markdown_ceiling_s": markdown_ceiling,
        "markdown_s": markdown,
    }
