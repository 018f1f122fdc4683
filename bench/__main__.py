"""`python -m bench` (`make bench`): every benchmark on loopback, each against its ceiling
measured in the same run; prints a table and writes bench/results/results.{json,md}.
`python -m bench memory` (or any of GROUPS, e.g. cascade) runs those rows alone and writes
bench/results/memory.{json,md} (the names joined by '-'), leaving the full results as they are.

PostgreSQL rows run when SN_BENCH_POSTGRES_URL (or SN_TEST_POSTGRES_URL) names a server by an
admin URL (postgresql+asyncpg://user:pass@127.0.0.1:5432/postgres); a database is created
for the run and dropped after it.

`python -m bench inbox` (or fanout, dedup, jsonld; several may be named) runs only those and
prints their rows without touching bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import (
    cascade,
    dedup,
    fanout,
    hostile,
    inbox,
    loadgen,
    pathological,
    processing,
    scaleout,
    worker_rows,
)
from bench import jsonld as jsonld_bench
from bench.rows import Row, fmt_rate, ratio_row, timed_row

REPO = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
INBOX_REQUESTS = 10_000
SECOND_REQUESTS = 5_000
BACKPRESSURE_SECONDS = 6.0
BACKPRESSURE_LIMIT = 200


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
    rows.extend(memory_rows(sqlite))
    return rows


def memory_only_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    """The memory rows alone: the SQLite node of the inbox rows, without the ceilings."""
    actors = loadgen.make_actors(inbox.ACTORS)
    sqlite = inbox.node_rate(workdir, "sqlite", None, actors, INBOX_REQUESTS)
    figures["inbox_sqlite_1_worker"] = sqlite
    return memory_rows(sqlite)


def memory_rows(sqlite: dict[str, Any]) -> list[Row]:
    after = f"memory: serve after {INBOX_REQUESTS:,} inbox items"
    idle_workers = sqlite.get("worker_processes_rss_idle_mb", [])
    after_workers = sqlite.get("worker_processes_rss_after_mb", [])
    return [
        memory_row("memory: serve idle after start", sqlite["rss_idle_mb"], 80, idle_workers),
        memory_row(after, sqlite["rss_after_mb"], 120, after_workers),
    ]


def memory_row(name: str, mb: float, limit: float, workers: Sequence[float] = ()) -> Row:
    note = ", ".join(f"its worker process {w:.0f} MB" for w in workers)
    met = "yes" if mb <= limit else "no"
    return Row(name, "-", f"{mb:.0f} MB", "-", f"<= {limit:.0f} MB", met, note)


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
    served = cascade.measure_processes()
    figures["cascade_processes"] = served
    served_note = (
        f"{served['amplified']} of {served['expected']} amplified, depth {served['depth']}, "
        "one manual approval by a poller; publication to the last Announce at the origin"
    )
    return [
        timed_row(f"cascade: {simulated['nodes']} in-process nodes", seconds, target, note),
        timed_row(
            f"cascade: {served['processes']} serve processes, loopback",
            served["propagation_s"],
            target,
            served_note,
        ),
    ]


def scaleout_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    """Delivery throughput by number of worker processes, against one worker's (PostgreSQL)."""
    admin = inbox.postgres_admin_url()
    if not admin:
        note = "set SN_BENCH_POSTGRES_URL"
        return [Row("scaleout: deliveries, PostgreSQL", "-", "not measured", "-", "-", "-", note)]
    os.environ["SN_TEST_POSTGRES_URL"] = admin  # where tests/support makes its databases
    found = scaleout.measure(workdir)
    figures["scaleout"] = found
    one = found["1"]["rate"]
    rows = []
    for workers, run in found.items():
        note = (
            f"{run['deliveries']:,} to {scaleout.HOSTS} hosts, {run['end_to_end_s']:.1f} s "
            f"end to end, {run['worker_cpu_ms_per_delivery']:.2f} ms worker CPU each, "
            f"{run['duplicates']} twice"
        )
        target = "-" if workers == "1" else ">= 1.0"
        ratio = run["rate"] / one
        met = "-" if workers == "1" else ("yes" if ratio >= 1.0 else "no")
        name = f"scaleout: deliveries, PostgreSQL, {workers} worker(s)"
        rows.append(
            Row(name, fmt_rate(one), fmt_rate(run["rate"]), f"{ratio:.2f}", target, met, note)
        )
    return rows


def pathological_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    """Sanitising and rendering pathological text against ordinary text of the same size."""
    found = pathological.measure()
    figures["pathological"] = found
    rows = []
    for family, ceiling_key, times_key in (
        ("HTML sanitiser, 100 KB received", "html_ceiling_s", "html_s"),
        ("Markdown renderer, 200 KB", "markdown_ceiling_s", "markdown_s"),
    ):
        ceiling = found[ceiling_key]
        worst_name, worst = max(found[times_key].items(), key=lambda item: item[1])
        ratio = worst / ceiling
        met = "yes" if ratio <= pathological.TARGET_RATIO else "no"
        note = f"worst: {worst_name}, {worst * 1000:.0f} ms; {len(found[times_key])} inputs"
        rows.append(
            Row(
                f"pathological text: {family}",
                f"{ceiling * 1000:.0f} ms ordinary",
                f"{worst * 1000:.0f} ms",
                f"{ratio:.1f}x",
                f"<= {pathological.TARGET_RATIO:.0f}x",
                met,
                note,
            )
        )
    return rows


def hostile_row(workdir: Path, figures: dict[str, Any]) -> Row:
    found = hostile.measure(workdir)
    figures["hostile"] = found
    cpu, get = found["worst_accepted_cpu_ms"], found["worst_get_ms"]
    met = cpu <= hostile.CPU_BOUND_MS and get <= hostile.GET_BOUND_MS
    worst = max((d for d in found["documents"] if 202 in d["statuses"]), key=lambda d: d["cpu_ms"])
    note = (
        f"{len(found['documents'])} kinds, {len(found['refused'])} refused (4xx); worst accepted: "
        f"{worst['document']} ({worst['serve_cpu_ms']:.0f} ms in serve, "
        f"{worst['screening_cpu_ms']:.0f} in its screening process, "
        f"{worst['worker_cpu_ms']:.0f} in the worker); GETs meanwhile at most {get:.0f} ms "
        f"(with no document in flight: at most {found['idle_gets']['max_ms']:.0f} ms, 95% within "
        f"{found['idle_gets']['p95_ms']:.0f} ms); load average {found['load_average'][0]:.1f}"
    )
    return Row(
        "hostile documents <= 1 MiB, SQLite",
        "-",
        f"{cpu:.0f} ms CPU, GET {get:.0f} ms",
        "-",
        f"<= {hostile.CPU_BOUND_MS:.0f} ms each, GET <= {hostile.GET_BOUND_MS:.0f} ms",
        "yes" if met else "no",
        note,
    )


def hostile_kind_row(kind: dict[str, Any]) -> Row:
    """One kind of document: its CPU (serve, screening, worker) and the slowest GET."""
    accepted = 202 in kind["statuses"]
    met = kind["get_max_ms"] <= hostile.GET_BOUND_MS and (
        not accepted or kind["cpu_ms"] <= hostile.CPU_BOUND_MS
    )
    return Row(
        f"hostile: {kind['document']}",
        "-",
        f"{kind['cpu_ms']:.0f} ms CPU ({kind['serve_cpu_ms']:.0f} serve, "
        f"{kind['screening_cpu_ms']:.0f} screening, {kind['worker_cpu_ms']:.0f} worker), "
        f"GET max {kind['get_max_ms']:.0f} ms",
        f"CPU {kind['cpu_of_bound']:.2f}, GET {kind['get_max_of_bound']:.2f} of the bounds",
        "accepted: CPU <= 50 ms; GET <= 50 ms" if accepted else "refused; GET <= 50 ms",
        "yes" if met else "no",
        f"statuses {kind['statuses']}, {kind['gets']} GETs, median {kind['get_median_ms']:.0f} ms, "
        f"95% within {kind['get_p95_ms']:.0f} ms",
    )


def hostile_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    summary = hostile_row(workdir, figures)
    return [summary, *(hostile_kind_row(kind) for kind in figures["hostile"]["documents"])]


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


Group = Callable[[Path, dict[str, Any]], list[Row]]
# the rows `python -m bench NAME` runs alone ("inbox" includes the memory rows)
GROUPS: dict[str, Group] = {
    "inbox": inbox_rows,
    "memory": memory_only_rows,
    "fanout": lambda workdir, figures: [fanout_row(workdir, figures)],
    "dedup": lambda workdir, figures: [dedup_row(workdir, figures)],
    "jsonld": lambda _workdir, figures: [jsonld_row(figures)],
    "cascade": lambda workdir, figures: [
        *cascade_rows(figures),
        worker_rows.network_row(workdir, figures),
    ],
    "scaleout": scaleout_rows,
    "hostile": hostile_rows,
    "pathological": pathological_rows,
    "processing": worker_rows.sqlite_rows,
    "processing-postgres": worker_rows.postgres_rows,
    "scale": worker_rows.scale_rows,
    "latency": worker_rows.latency_rows,
    "network": lambda workdir, figures: [worker_rows.network_row(workdir, figures)],
    "overload": worker_rows.overload_rows,
}
EVERY = (
    "inbox",
    "fanout",
    "dedup",
    "jsonld",
    "processing",
    "processing-postgres",
    "scale",
    "latency",
    "cascade",
    "scaleout",
    "hostile",
    "pathological",
)


def scales(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def selected(argv: list[str] | None) -> list[str]:
    """The groups named; the sizes given change the worker rows' (processing, scale, overload)
    so that a row can be measured in a few minutes; the file names then say so."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Every benchmark, or only the rows named."
    )
    parser.add_argument("rows", nargs="*", metavar="ROW", help=f"one of: {', '.join(GROUPS)}")
    parser.add_argument("--items", type=int, help="Create(Note)s per processing run (20000)")
    parser.add_argument("--objects", type=scales, help="stored objects, e.g. 10000,100000")
    parser.add_argument("--backlog", type=int, help="items waiting in the scale rows (10000)")
    parser.add_argument("--hold", type=float, help="seconds the overload is held (180)")
    args = parser.parse_args(argv)
    names: list[str] = args.rows
    unknown = [name for name in names if name not in GROUPS]
    if unknown:
        parser.error(f"no rows named {', '.join(unknown)}; choose from {', '.join(GROUPS)}")
    if args.items:
        processing.COUNT = args.items
    if args.objects is not None:
        worker_rows.SCALES = args.objects
    if args.backlog is not None:
        worker_rows.BACKLOG = args.backlog
    if args.hold:
        processing.OVERLOAD_SECONDS = args.hold
    return names


def main(argv: list[str] | None = None) -> None:
    names = selected(argv)
    started = time.perf_counter()
    figures: dict[str, Any] = {"machine": machine()}
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="sn-bench-") as temporary:
        for name in names or EVERY:
            rows.extend(GROUPS[name](Path(temporary), figures))
    figures["seconds"] = took = time.perf_counter() - started
    table = markdown(rows)
    print(table)
    print(f"\n{took:.0f} s on {figures['machine']['cpus']} CPUs")
    RESULTS.mkdir(exist_ok=True)
    stem = "-".join(names) or "results"
    (RESULTS / f"{stem}.json").write_text(
        json.dumps({"rows": [asdict(r) for r in rows], "figures": figures}, indent=2) + "\n"
    )
    info = figures["machine"]
    (RESULTS / f"{stem}.md").write_text(
        f"# Benchmark results\n\n{info['date']}, commit {info['commit']}, {info['cpus']} CPUs, "
        f"Python {info['python']}, {took:.0f} s.\n\n{table}\n"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
