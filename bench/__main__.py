"""`python -m bench` (`make bench`): every benchmark on loopback, each against its ceiling
measured in the same run; prints a table and writes bench/results/results.{json,md}.
`python -m bench cascade` runs only the cascade rows and replaces them in those files.

PostgreSQL rows run when SN_BENCH_POSTGRES_URL (or SN_TEST_POSTGRES_URL) names a server by an
admin URL (postgresql+asyncpg://user:pass@127.0.0.1:5432/postgres); a database is created
for the run and dropped after it.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cascade, dedup, fanout, inbox, loadgen
from bench import jsonld as jsonld_bench

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
INBOX_REQUESTS = 10_000
SECOND_REQUESTS = 5_000
BACKPRESSURE_SECONDS = 6.0
BACKPRESSURE_LIMIT = 200


@dataclass
class Row:
    benchmark: str
    ceiling: str
    node: str
    ratio: str
    target: str
    met: str
    note: str = ""


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}/s"


def ratio_row(name: str, ceiling: float, node: float, target: float, note: str = "") -> Row:
    ratio = node / ceiling
    met = "yes" if ratio >= target else "no"
    return Row(name, fmt_rate(ceiling), fmt_rate(node), f"{ratio:.2f}", f">= {target}", met, note)


def inbox_row(name: str, ceiling: float, found: dict[str, Any]) -> Row:
    note = f"{found['statuses']}, stored {found['stored']}, lost {found['lost']}"
    return ratio_row(name, ceiling, found["rate"], 0.6, note)


def inbox_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    actors = loadgen.make_actors(inbox.ACTORS)
    ceiling = inbox.ceiling_rate(workdir, actors, INBOX_REQUESTS)
    ceiling2 = inbox.ceiling_rate(workdir, actors, INBOX_REQUESTS, workers=2)
    figures["inbox_ceiling_rate"] = {"1_worker": ceiling, "2_workers": ceiling2}
    sqlite = inbox.node_rate(workdir, "sqlite", None, actors, INBOX_REQUESTS)
    figures["inbox_sqlite_1_worker"] = sqlite
    rows = [inbox_row("inbox, SQLite, 1 worker", ceiling, sqlite)]
    sqlite2 = inbox.node_rate(workdir, "sqlite2", None, actors, SECOND_REQUESTS, workers=2)
    figures["inbox_sqlite_2_workers"] = sqlite2
    rows.append(inbox_row("inbox, SQLite, 2 workers", ceiling2, sqlite2))
    admin = inbox.postgres_admin_url()
    for workers in (1, 2) if admin else ():
        assert admin is not None
        with inbox.postgres_database(admin) as url:
            label = f"postgres{workers}"
            pg = inbox.node_rate(workdir, label, url, actors, SECOND_REQUESTS, workers=workers)
        figures[f"inbox_postgres_{workers}_workers"] = pg
        top = ceiling if workers == 1 else ceiling2
        rows.append(inbox_row(f"inbox, PostgreSQL, {workers} worker(s)", top, pg))
    if not admin:
        note = "set SN_BENCH_POSTGRES_URL"
        rows.append(Row("inbox, PostgreSQL", "-", "not measured", "-", ">= 0.6", "-", note))
    bp = inbox.backpressure(
        workdir, actors, sqlite["rate"], BACKPRESSURE_SECONDS, BACKPRESSURE_LIMIT
    )
    figures["inbox_backpressure"] = bp
    ok = bp["other"] == 0 and bp["lost"] == 0
    rows.append(
        Row(
            "inbox backpressure, 2x rate, SQLite",
            f"offered {fmt_rate(bp['offered_rate'])}",
            f"{bp['statuses']}",
            "-",
            "no 5xx but 503, none lost",
            "yes" if ok else "no",
            f"limit {bp['limit']}, stored {bp['stored']}, lost {bp['lost']}",
        )
    )
    rows.append(memory_row("memory: serve idle after start", sqlite["rss_idle_mb"], 80))
    after = f"memory: serve after {INBOX_REQUESTS:,} inbox items"
    rows.append(memory_row(after, sqlite["rss_after_mb"], 120))
    return rows


def memory_row(name: str, mb: float, limit: float) -> Row:
    return Row(name, "-", f"{mb:.0f} MB", "-", f"<= {limit:.0f} MB", "yes" if mb <= limit else "no")


def fanout_row(workdir: Path, figures: dict[str, Any]) -> Row:
    found = fanout.measure(workdir, REPO)
    figures["fanout"] = found
    note = (
        f"{found['inboxes']} inboxes on {found['hosts']} hosts; sinks counted "
        f"{found['sink_posts_node']} (signed {found['sink_signed_node']}), "
        f"delivered rows {found['node_delivered']}"
    )
    return ratio_row(
        "fan-out through DeliveryQueue", found["ceiling_rate"], found["node_rate"], 0.6, note
    )


def dedup_row(workdir: Path, figures: dict[str, Any]) -> Row:
    found = dedup.measure(workdir)
    figures["dedup"] = found
    met = "yes" if found["rows"] == dedup.HOSTS else "no"
    seconds = found["send_s"]
    note = f"{found['followers']:,} followers, {found['hosts']:,} hosts; send() {seconds:.2f} s"
    return Row("shared-inbox dedup", "-", f"{found['rows']} rows", "-", "exactly 1,000", met, note)


def jsonld_row(figures: dict[str, Any]) -> Row:
    found = jsonld_bench.measure()
    figures["jsonld"] = found
    ratio = found["fast_over_expand"]
    return Row(
        "JSON-LD: fast path vs pyld expand",
        fmt_rate(found["pyld_expand_docs_per_s"]),
        fmt_rate(found["fast_path_docs_per_s"]),
        f"{ratio:.0f}x",
        ">= 20x",
        "yes" if ratio >= 20 else "no",
        f"pyld expand+compact {fmt_rate(found['pyld_expand_compact_docs_per_s'])}",
    )


def cascade_rows(figures: dict[str, Any]) -> list[Row]:
    simulated = cascade.measure()
    figures["cascade_simulation"] = simulated
    seconds = simulated["propagation_s"]
    target = cascade.TARGET_SECONDS
    note = (
        f"{simulated['amplified']} of {simulated['reachable']} reachable amplified, depth "
        f"{simulated['depth']}; publication until every worker is idle"
    )
    rows = [
        Row(
            f"cascade: {simulated['nodes']} in-process nodes",
            "-",
            f"{seconds:.2f} s",
            "-",
            f"< {target:.0f} s",
            "yes" if seconds < target else "no",
            note,
        )
    ]
    served = cascade.measure_processes()
    figures["cascade_processes"] = served
    seconds = served["propagation_s"]
    note = (
        f"{served['amplified']} of {served['expected']} amplified, depth {served['depth']}, "
        "one manual approval by a poller; publication to the last Announce at the origin"
    )
    rows.append(
        Row(
            f"cascade: {served['processes']} serve processes, loopback",
            "-",
            f"{seconds:.2f} s",
            "-",
            f"< {target:.0f} s",
            "yes" if seconds < target else "no",
            note,
        )
    )
    return rows


def markdown(rows: list[Row]) -> str:
    head = ["benchmark", "ceiling", "node", "ratio", "target", "met", "note"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append("| " + " | ".join(str(v) for v in asdict(row).values()) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_before": os.getloadavg(),
    }


def main(only: list[str]) -> None:
    started = time.perf_counter()
    figures: dict[str, Any] = {"machine": machine()}
    rows: list[Row] = []
    if only == ["cascade"]:
        rows, figures = previous(figures)
        rows = [row for row in rows if not row.benchmark.startswith("cascade")]
        rows.extend(cascade_rows(figures))
        write(rows, figures, started)
        return
    if only:
        raise SystemExit(f"usage: python -m bench [cascade], not {' '.join(only)}")
    with tempfile.TemporaryDirectory(prefix="sn-bench-") as temporary:
        workdir = Path(temporary)
        rows.extend(inbox_rows(workdir, figures))
        rows.append(fanout_row(workdir, figures))
        rows.append(dedup_row(workdir, figures))
    rows.append(jsonld_row(figures))
    rows.extend(cascade_rows(figures))
    write(rows, figures, started)


def previous(figures: dict[str, Any]) -> tuple[list[Row], dict[str, Any]]:
    """The rows and figures of the last full run, to replace some of them."""
    path = RESULTS / "results.json"
    if not path.exists():
        return [], figures
    stored = json.loads(path.read_text())
    machine_now = figures["machine"]
    kept = dict(stored.get("figures", {}))
    kept["cascade_machine"] = machine_now
    kept.setdefault("machine", machine_now)
    return [Row(**row) for row in stored.get("rows", [])], kept


def write(rows: list[Row], figures: dict[str, Any], started: float) -> None:
    """Print the table and store it; a cascade-only run notes itself beside the full run's."""
    took = time.perf_counter() - started
    partial = "cascade_machine" in figures
    figures["cascade_seconds" if partial else "seconds"] = took
    table = markdown(rows)
    print(table)
    print(f"\n{took:.0f} s on {figures['machine']['cpus']} CPUs")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "results.json").write_text(
        json.dumps({"rows": [asdict(r) for r in rows], "figures": figures}, indent=2) + "\n"
    )
    info = figures["machine"]
    total = figures.get("seconds", took)
    note = ""
    if partial:
        again = figures["cascade_machine"]
        note = f" Cascade rows measured again {again['date']}, commit {again['commit']}."
    (RESULTS / "results.md").write_text(
        f"# Benchmark results\n\n{info['date']}, commit {info['commit']}, {info['cpus']} CPUs, "
        f"Python {info['python']}, {total:.0f} s.{note}\n\n{table}\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
