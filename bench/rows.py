"""A line of the results table, and the ways rows are made from figures."""

from __future__ import annotations

from dataclasses import dataclass


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


def timed_row(benchmark: str, seconds: float | None, target: float, note: str) -> Row:
    if seconds is None:
        return Row(benchmark, "-", "not reached", "-", f"< {target:g} s", "no", note)
    met = "yes" if seconds < target else "no"
    return Row(benchmark, "-", f"{seconds:.2f} s", "-", f"< {target:g} s", met, note)


def latency_row(benchmark: str, ms: float | None, target_ms: float, note: str) -> Row:
    if ms is None:
        return Row(benchmark, "-", "not reached", "-", f"<= {target_ms:g} ms", "no", note)
    met = "yes" if ms <= target_ms else "no"
    return Row(benchmark, "-", f"{ms:.0f} ms", "-", f"<= {target_ms:g} ms", met, note)
