"""The worker's rows (issue 12): sustained processing and acceptance while processing against
the bare verify-and-202 ceiling of the same run, PostgreSQL with 1, 2 and 4 worker processes,
the same with 10^4, 10^5 and 10^6 stored objects and with a backlog of 10,000 waiting items;
the latencies (first delivery, amplification, critical over a backlog, head of line); the
cascade through 200 organisations on 20 processes; and, apart (`python -m bench overload`),
an overload held for three minutes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import inbox, latency, loadgen, network, processing
from bench.harness import Sinks
from bench.processing import Load
from bench.rows import Row, fmt_rate, latency_row, ratio_row, timed_row

PROCESSING_TARGET = 0.2
ACCEPTANCE_TARGET = 0.6
FLAT = 0.8  # within 20 % of the empty node
SCALES: tuple[int, ...] = (10_000, 100_000, 1_000_000)
BACKLOG = 10_000  # items (and as many deliveries) waiting
POSTGRES_WORKERS = (1, 2, 4)


def processing_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    """Sustained processing and acceptance on SQLite against the ceiling, and on PostgreSQL
    with 1, 2 and 4 worker processes, and the same with objects stored and items waiting."""
    return [
        *sqlite_rows(workdir, figures),
        *postgres_rows(workdir, figures),
        *scale_rows(workdir, figures),
    ]


def _ceiling(workdir: Path, actors: list[Any], figures: dict[str, Any]) -> float:
    ceiling = inbox.ceiling_rate(
        workdir, actors, processing.COUNT // 2, connections=processing.CONNECTIONS
    )
    figures["processing_ceiling_rate"] = ceiling
    return ceiling


def _sinks(workdir: Path) -> Sinks:
    return Sinks(workdir, latency.FOLLOWER_HOSTS, name="processing-sinks", record=True)


def sqlite_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    actors = loadgen.make_actors(processing.ACTORS)
    ceiling = _ceiling(workdir, actors, figures)
    sinks = _sinks(workdir)
    try:
        empty = processing.run(workdir, "empty", sinks, actors)
    finally:
        sinks.stop()
    figures["processing_sqlite"] = empty
    return [
        sustained_row("sustained processing, SQLite, 1 serve", ceiling, empty),
        acceptance_row("acceptance while processing, SQLite", ceiling, empty),
    ]


def scale_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    """The empty node's figures, then the same with SCALES objects stored and with 10,000
    items waiting: each must stay within 20 % of the empty node's."""
    actors = loadgen.make_actors(processing.ACTORS)
    sinks = _sinks(workdir)
    rows = []
    try:
        empty = figures.get("processing_sqlite") or processing.run(workdir, "empty", sinks, actors)
        figures["processing_sqlite"] = empty
        for objects in SCALES:
            found = processing.run(workdir, f"objects{objects}", sinks, actors, load=Load(objects))
            figures[f"processing_{objects}_objects"] = found
            rows.append(scale_row(f"the same with {objects:,} stored objects", empty, found))
        if BACKLOG:
            found = processing.run(workdir, "backlog", sinks, actors, load=Load(waiting=BACKLOG))
            figures["processing_backlog"] = found
            rows.append(scale_row(f"the same with {BACKLOG:,} items waiting", empty, found))
    finally:
        sinks.stop()
    return rows


def postgres_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    admin = inbox.postgres_admin_url()
    if not admin:
        return [Row("sustained processing, PostgreSQL", "-", "not measured", "-", "-", "-")]
    actors = loadgen.make_actors(processing.ACTORS)
    ceiling = figures.get("processing_ceiling_rate") or _ceiling(workdir, actors, figures)
    sinks = _sinks(workdir)
    rows = []
    try:
        for workers in POSTGRES_WORKERS:
            with inbox.postgres_database(admin) as url:
                env = {"SN_WORKER_PROCESSES": str(workers)}
                found = processing.run(
                    workdir, f"pg{workers}", sinks, actors, database_url=url, env=env
                )
            figures[f"processing_postgres_{workers}_workers"] = found
            name = f"sustained processing, PostgreSQL, {workers} worker process(es)"
            rows.append(sustained_row(name, ceiling, found))
    finally:
        sinks.stop()
    return rows


def sustained_row(name: str, ceiling: float, found: dict[str, Any]) -> Row:
    note = (
        f"{found['count']:,} Create(Note)s, {found['statuses']}, "
        f"{found['processed_seconds']:.1f} s from the first request to the last item processed; "
        f"CPU {found['cpu_per_item_ms']:.2f} ms/item (all processes)"
    )
    return ratio_row(name, ceiling, found["processed_rate"], PROCESSING_TARGET, note)


def acceptance_row(name: str, ceiling: float, found: dict[str, Any]) -> Row:
    rss = found["rss_after_mb"]
    note = f"202s during the load, the worker process running; RSS after: serve {rss[0]:.0f} MB" + (
        f", worker process {rss[1]:.0f} MB" if len(rss) > 1 else ""
    )
    return ratio_row(name, ceiling, found["accept_rate"], ACCEPTANCE_TARGET, note)


def scale_row(name: str, empty: dict[str, Any], found: dict[str, Any]) -> Row:
    rate, accept = found["processed_rate"], found["accept_rate"]
    first = found["first_delivery_ms"]
    ratios = (
        rate / empty["processed_rate"],
        accept / empty["accept_rate"],
        empty["first_delivery_ms"] / max(first, 1.0),
    )
    met = "yes" if min(ratios) >= FLAT else "no"
    note = (
        f"processing {fmt_rate(rate)} ({ratios[0]:.2f} of empty), acceptance {fmt_rate(accept)} "
        f"({ratios[1]:.2f}), first delivery {first:.0f} ms (empty {empty['first_delivery_ms']:.0f})"
    )
    return Row(
        name,
        fmt_rate(empty["processed_rate"]),
        fmt_rate(rate),
        f"{ratios[0]:.2f}",
        "each within 20 % of empty",
        met,
        note,
    )


def overload_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    """Three minutes above the processing rate: the rate in the first and the last minute, and
    what the node's own CPU per item did meanwhile."""
    actors = loadgen.make_actors(processing.ACTORS)
    sinks = _sinks(workdir)  # the base run measures its first delivery to them
    try:
        base = processing.run(workdir, "before-overload", sinks, actors, count=5_000)
        offered = 1.5 * base["processed_rate"]
        found = processing.overload(workdir, sinks, actors, offered)
    finally:
        sinks.stop()
    figures["overload"] = found
    samples = found["samples"]
    first, final = samples[: len(samples) // 3], samples[-(len(samples) // 3) :]

    def mean(part: list[dict[str, float]], key: str) -> float:
        return sum(s[key] for s in part) / max(len(part), 1)

    def minute(part: list[dict[str, float]]) -> str:
        return (
            f"{mean(part, 'processed_per_s'):.0f}/s at {mean(part, 'node_cpu_ms_per_item'):.2f} "
            f"ms CPU per item, the node {mean(part, 'node_cpu_share'):.2f} of a core, the "
            f"machine {mean(part, 'machine_busy_share'):.0%} busy"
        )

    note = (
        f"offered {fmt_rate(offered)}; first minute {minute(first)}; last minute "
        f"{minute(final)}; backlog {samples[-1]['backlog']:,.0f}"
    )
    held = mean(final, "processed_per_s") / max(mean(first, "processed_per_s"), 1.0)
    return [
        Row(
            "overload: processing rate, last minute / first",
            fmt_rate(mean(first, "processed_per_s")),
            fmt_rate(mean(final, "processed_per_s")),
            f"{held:.2f}",
            ">= 0.8",
            "yes" if held >= FLAT else "no",
            note,
        )
    ]


def latency_rows(workdir: Path, figures: dict[str, Any]) -> list[Row]:
    first = latency.first_delivery(workdir)
    figures["latency_first_delivery"] = first
    amplified = latency.amplification(workdir)
    figures["latency_amplification"] = amplified
    critical = latency.critical_over_backlog(workdir)
    figures["latency_critical"] = critical
    stuck = latency.head_of_line(workdir)
    figures["latency_head_of_line"] = stuck
    return [
        latency_row(
            "first delivery after the API's 201",
            first["first_ms"],
            50,
            f"median of {first['repeat']}, worst {first['first_worst_ms']:.0f} ms; all "
            f"{first['hosts']} hosts {first['all_ms']:.0f} ms",
        ),
        latency_row(
            "ally's call amplified, Announce delivered",
            amplified["ms"],
            100,
            f"from the inbox POST; median of {amplified['repeat']}, "
            f"worst {amplified['worst_ms']:.0f} ms",
        ),
        timed_row(
            "critical call over 5,000 normal deliveries",
            critical["seconds"],
            1.0,
            f"{critical['delivered']} of 10 hosts; {critical['backlog_waiting_then']:,} of "
            f"{critical['backlog']:,} normal deliveries still waiting then",
        ),
        timed_row(
            "head of line: a follower's delivery, 10 items stuck",
            stuck["seconds"],
            1.0,
            f"{stuck['stuck_items']} inbox items waiting on a host that never answers",
        ),
    ]


def network_row(workdir: Path, figures: dict[str, Any]) -> Row:
    found = network.measure(workdir)
    figures["cascade_network"] = found
    note = (
        f"{found['amplified']} of {found['reachable']} reachable amplified, depth "
        f"{found['depth']}; 201 to the last Announce delivered; origin's tree complete after "
        f"{found['origin_tree_complete_s']:.2f} s"
    )
    name = f"cascade: {found['organisations']} organisations on {found['processes']} processes"
    return timed_row(name, found["propagation_s"], network.TARGET_SECONDS, note)
