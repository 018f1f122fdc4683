"""`solidarity-node strategy publish` and `call publish` as a user runs them: Markdown from a
file or standard input, the new publication's URL printed, and mistakes (a missing or non-UTF-8
file, a bad field) one line, exit 1."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import cli


def initialised(tmp_path: Path) -> str:
    data = str(tmp_path / "data")
    assert cli("init", "--data-dir", data, "--base-url", "https://node.example").returncode == 0
    assert cli("org", "create", "alpha", "--data-dir", data).returncode == 0
    return data


def test_a_strategy_from_a_file_and_a_call_from_standard_input(tmp_path: Path) -> None:
    data = initialised(tmp_path)
    text = tmp_path / "strategy.md"
    text.write_text("## Why\n\nWatch them. #LegalSupport\n", encoding="utf-8")
    strategy = cli(
        "strategy",
        "publish",
        "alpha",
        str(text),
        "--title",
        "Observers",
        "--theme",
        "legal",
        "--region",
        "PL",
        "--summary",
        "Pairs.",
        "--data-dir",
        data,
    )
    assert strategy.returncode == 0, strategy.stderr
    assert strategy.stdout.startswith("https://node.example/strategies/")

    call = cli(
        "call",
        "publish",
        "alpha",
        "-",
        "--title",
        "Court",
        "--deadline",
        "2099-12-01T18:00Z",
        "--urgency",
        "high",
        "--action",
        "Come",
        "--max-hops",
        "2",
        "--visibility",
        "unlisted",
        "--data-dir",
        data,
        input="Come to *court*.",
    )
    assert call.returncode == 0, call.stderr
    assert call.stdout.startswith("https://node.example/calls/")


def test_mistakes_are_one_line_and_exit_1(tmp_path: Path) -> None:
    data = initialised(tmp_path)
    binary = tmp_path / "binary.md"
    binary.write_bytes(b"\xff\xfe\x00")
    ok = tmp_path / "ok.md"
    ok.write_text("Fine.", encoding="utf-8")
    cases = [
        (
            ["strategy", "publish", "alpha", str(tmp_path / "missing.md"), "--title", "T"],
            "cannot read",
        ),
        (["strategy", "publish", "alpha", str(binary), "--title", "T"], "is not UTF-8 text"),
        (["call", "publish", "alpha", str(ok), "--title", "T", "--deadline", "soon"], "'deadline'"),
        (["strategy", "publish", "nobody", str(ok), "--title", "T"], "no organisation named"),
        (
            ["strategy", "publish", "alpha", str(ok), "--title", "T", "--region", "XX"],
            "region 'XX'",
        ),
    ]
    for args, message in cases:
        failed = cli(*args, "--data-dir", data)
        assert failed.returncode == 1, args
        assert message in failed.stderr and len(failed.stderr.strip().splitlines()) == 1, (
            failed.stderr
        )
