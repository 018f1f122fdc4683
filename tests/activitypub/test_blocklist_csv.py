"""Mastodon's domain-block and domain-allow CSV: read as Mastodon writes it (and as other
tools write it), written back exactly, bounded, with every unusable row reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from node.activitypub import blocklist_csv
from node.activitypub.blocklist_csv import BlockLine

EXPORT = Path(__file__).parents[1] / "payloads" / "mastodon" / "domain_blocks.csv"


def test_a_mastodon_export_is_read_field_by_field() -> None:
    parsed = blocklist_csv.parse(EXPORT.read_text(encoding="utf-8"))
    assert parsed.problems == ()
    assert parsed.blocks == (
        BlockLine("harassment.example", "suspend", True, True, "Coordinated harassment, doxxing"),
        BlockLine("spam.example", "suspend", False, True, "Spam"),
        BlockLine("loud.example", "silence"),
        BlockLine("media.example", "noop", True, False, "Illegal media", obfuscate=True),
        BlockLine(
            "quoted.example", "silence", True, False, 'Says "just asking questions", repeatedly'
        ),
    )


def test_what_is_written_is_what_mastodon_writes() -> None:
    text = EXPORT.read_text(encoding="utf-8")
    written = blocklist_csv.render_blocks(blocklist_csv.parse(text).blocks)
    assert written == text  # the same bytes: quoting, booleans, empty comments


def test_other_tools_spellings_and_missing_columns_take_mastodons_defaults() -> None:
    text = "\ufeffdomain,severity,reject_media\r\na.example,SUSPEND,TRUE\r\nb.example,,\r\n\r\n"
    parsed = blocklist_csv.parse(text)
    assert parsed.blocks == (
        BlockLine("a.example", "suspend", reject_media=True),
        BlockLine("b.example"),
    )


def test_a_list_without_header_and_an_allow_export_are_read_as_domains() -> None:
    assert [b.domain for b in blocklist_csv.parse("x.example\ny.example\n").blocks] == [
        "x.example",
        "y.example",
    ]
    allows = blocklist_csv.render_allows(["a.example", "b.example"])
    assert allows == "#domain\na.example\nb.example\n"
    assert [b.domain for b in blocklist_csv.parse(allows).blocks] == ["a.example", "b.example"]


def test_unusable_rows_are_reported_by_line_and_the_rest_taken() -> None:
    text = (
        "#domain,#severity,#reject_media\n"
        "good.example,suspend,false\n"
        "ex***le.com,suspend,false\n"
        ",suspend,false\n"
        "odd.example,destroy,false\n"
        "flag.example,silence,maybe\n"
    )
    parsed = blocklist_csv.parse(text)
    assert [b.domain for b in parsed.blocks] == ["good.example"]
    assert [p.split(":")[0] for p in parsed.problems] == ["line 3", "line 4", "line 5", "line 6"]
    assert "obfuscated" in parsed.problems[0]


def test_size_and_row_count_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocklist_csv, "MAX_ROWS", 3)
    parsed = blocklist_csv.parse("".join(f"d{n}.example\n" for n in range(5)))
    assert len(parsed.blocks) == 3
    assert parsed.problems == ("only the first 3 rows were read, of 5",)
    with pytest.raises(blocklist_csv.CsvError, match="MiB"):
        blocklist_csv.parse("x" * (blocklist_csv.MAX_BYTES + 1))
