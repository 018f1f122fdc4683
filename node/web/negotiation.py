"""Content negotiation: does a request want ActivityStreams JSON or an HTML page?

AS2 is chosen when `application/activity+json` or `application/ld+json` (any profile) is
acceptable and at least as preferred as `text/html`; otherwise the HTML page is served.
"""

from __future__ import annotations

from dataclasses import dataclass

AS2_TYPES = ("application/activity+json", "application/ld+json")
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class MediaRange:
    type: str
    q: float


def parse_accept(header: str) -> list[MediaRange]:
    ranges: list[MediaRange] = []
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value.strip())))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(pieces[0].lower(), q))
    return ranges


def _best_q(ranges: list[MediaRange], types: tuple[str, ...]) -> float:
    return max((r.q for r in ranges if r.type in types), default=0.0)


def wants_activity_json(accept: str | None) -> bool:
    if not accept:
        return False
    ranges = parse_accept(accept)
    as2 = _best_q(ranges, AS2_TYPES)
    return as2 > 0 and as2 >= _best_q(ranges, HTML_TYPES)
