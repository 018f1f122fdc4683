"""A call's cascade drawn on the server as SVG: who amplified through whom, hop by hop (one
column per hop), with each step's time after publication. Pure: the tree as
solidarity.cascade.tree gives it, readable names, and a duration formatter in; markup out.

Every name is escaped; the drawing is an image for screen readers, titled by the page,
and the page shows the same steps as a table beside it (the drawing is labelled by the page).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

COLUMN, ROW, MARGIN, RADIUS = 230, 56, 24, 9
MAX_NAME = 28


@dataclass(frozen=True)
class Step:
    id: str
    actor: str
    parent: str | None
    hop: int
    seconds: float
    inferred: bool


def steps(tree: Mapping[str, Any]) -> list[Step]:
    """The tree's nodes in drawing order: depth first from the root, children by time."""
    nodes = [
        Step(
            str(n["id"]),
            str(n["actor"]),
            n.get("via"),
            int(n.get("hop") or 0),
            float(n.get("seconds") or 0.0),
            bool(n.get("inferred")),
        )
        for n in tree.get("nodes", [])
    ]
    ids = {n.id for n in nodes}
    roots = [n for n in nodes if n.parent not in ids]
    children: dict[str, list[Step]] = {}
    for n in nodes:
        if n.parent in ids:
            children.setdefault(str(n.parent), []).append(n)
    ordered: list[Step] = []
    pending = sorted(roots, key=lambda n: (n.hop, n.seconds), reverse=True)
    while pending:
        step = pending.pop()
        ordered.append(step)
        pending += sorted(children.get(step.id, []), key=lambda n: n.seconds, reverse=True)
    return ordered


def draw(
    ordered: Sequence[Step],
    names: Mapping[str, str],
    duration: Callable[[float], str],
) -> str:
    """The drawing, labelled by the page's #cascade-title and described by #cascade-desc."""
    if not ordered:
        return ""
    place = {s.id: (MARGIN + s.hop * COLUMN, MARGIN + i * ROW) for i, s in enumerate(ordered)}
    width = MARGIN * 2 + (max(s.hop for s in ordered) + 1) * COLUMN
    height = MARGIN * 2 + len(ordered) * ROW - ROW // 2
    parts = [
        f'<svg class="cascade" role="img" aria-labelledby="cascade-title" '
        f'aria-describedby="cascade-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" direction="ltr" '
        f'xmlns="http://www.w3.org/2000/svg">',
    ]
    for step in ordered:
        if step.parent in place:
            parts.append(_edge(place[str(step.parent)], place[step.id], step.inferred))
    for step in ordered:
        parts.append(_node(step, place[step.id], names.get(step.actor, step.actor), duration))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(start: tuple[int, int], end: tuple[int, int], inferred: bool) -> str:
    """Down from the parent's dot, then across to the child's: clear of every label."""
    (x1, y1), (x2, y2) = start, end
    bend = min(10, max(y2 - y1 - RADIUS, 0))
    dash = ' stroke-dasharray="5 4"' if inferred else ""
    return (
        f'<path class="edge" d="M{x1},{y1 + RADIUS} L{x1},{y2 - bend} '
        f'Q{x1},{y2} {x1 + bend},{y2} L{x2 - RADIUS},{y2}" fill="none"{dash}/>'
    )


def _node(step: Step, at: tuple[int, int], name: str, duration: Callable[[float], str]) -> str:
    x, y = at
    shown = name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
    when = "0" if step.hop == 0 and step.seconds == 0 else "+" + duration(step.seconds)
    return (
        f'<g class="step hop-{min(step.hop, 9)}" data-actor="{escape(step.actor)}">'
        f"<title>{escape(name)}</title>"
        f'<circle cx="{x}" cy="{y}" r="{RADIUS}"/>'
        f'<text x="{x + RADIUS + 6}" y="{y - 2}" class="name">{escape(shown)}</text>'
        f'<text x="{x + RADIUS + 6}" y="{y + 15}" class="time">{escape(when)}</text>'
        "</g>"
    )
