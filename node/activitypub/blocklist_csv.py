"""Mastodon's domain-block and domain-allow CSV files, read and written (pure).

Blocks: the header `#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`
(Admin::ExportDomainBlocksController), booleans written `true`/`false` as Ruby's CSV does.
Allows: the header `#domain` (Admin::ExportDomainAllowsController). Reading takes either file,
a header without the `#`s, or a header-less list whose first column is the domain; missing
columns take Mastodon's defaults (suspend, false, empty). At most MAX_ROWS rows are read, as
Mastodon does; unusable rows are reported by line, never silently dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

BLOCK_HEADER = (
    "#domain",
    "#severity",
    "#reject_media",
    "#reject_reports",
    "#public_comment",
    "#obfuscate",
)
ALLOW_HEADER = ("#domain",)
MAX_ROWS = 20_000
MAX_BYTES = 8 * 1024 * 1024
TRUE_WORDS = frozenset({"true", "1", "yes", "t"})
FALSE_WORDS = frozenset({"false", "0", "no", "f", ""})
SEVERITY_WORDS = frozenset({"suspend", "silence", "noop"})


@dataclass(frozen=True)
class BlockLine:
    domain: str
    severity: str = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    obfuscate: bool = False


@dataclass(frozen=True)
class Parsed:
    blocks: tuple[BlockLine, ...]
    problems: tuple[str, ...]  # "line N: why", for rows that were not taken


class CsvError(ValueError):
    """The file is not a CSV this module can read at all."""


def _rows(text: str) -> list[list[str]]:
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise CsvError(f"the file is over {MAX_BYTES // (1024 * 1024)} MiB")
    try:
        return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    except csv.Error as exc:
        raise CsvError(f"not a CSV file: {exc}") from exc


def _flag(value: str, name: str) -> bool:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"{name} is {value!r}, not true or false")


def parse(text: str) -> Parsed:
    """Read a domain-block (or domain-allow) CSV into lines; allow files give suspend lines,
    of which only the domain matters."""
    rows = [row for row in _rows(text) if any(cell.strip() for cell in row)]
    if not rows:
        return Parsed((), ())
    names = [cell.strip().lower().lstrip("#") for cell in rows[0]]
    header = "domain" in names
    columns = names if header else ["domain"]
    body = rows[1:] if header else rows
    found: list[BlockLine] = []
    problems: list[str] = []
    for number, row in enumerate(body[:MAX_ROWS], start=2 if header else 1):
        values = dict(zip(columns, (cell.strip() for cell in row), strict=False))
        try:
            found.append(_line(values))
        except ValueError as exc:
            problems.append(f"line {number}: {exc}")
    if len(body) > MAX_ROWS:
        problems.append(f"only the first {MAX_ROWS} rows were read, of {len(body)}")
    return Parsed(tuple(found), tuple(problems))


def _line(values: dict[str, str]) -> BlockLine:
    domain = values.get("domain", "")
    if not domain:
        raise ValueError("no domain")
    if "*" in domain:
        raise ValueError(f"{domain!r} is obfuscated; the real name is needed")
    severity = (values.get("severity") or "suspend").lower()
    if severity not in SEVERITY_WORDS:
        raise ValueError(f"severity {severity!r} is not suspend, silence or noop")
    return BlockLine(
        domain=domain,
        severity=severity,
        reject_media=_flag(values.get("reject_media", ""), "reject_media"),
        reject_reports=_flag(values.get("reject_reports", ""), "reject_reports"),
        public_comment=values.get("public_comment", ""),
        obfuscate=_flag(values.get("obfuscate", ""), "obfuscate"),
    )


def _write(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _word(flag: bool) -> str:
    return "true" if flag else "false"


def render_blocks(lines: Iterable[BlockLine]) -> str:
    """The blocks as Mastodon exports them."""
    return _write(
        BLOCK_HEADER,
        (
            [
                b.domain,
                b.severity,
                _word(b.reject_media),
                _word(b.reject_reports),
                b.public_comment,
                _word(b.obfuscate),
            ]
            for b in lines
        ),
    )


def render_allows(domains: Iterable[str]) -> str:
    """The allowlist as Mastodon exports it."""
    return _write(ALLOW_HEADER, ([domain] for domain in domains))
