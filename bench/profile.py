"""Profiles of the two hot paths with py-spy (not part of `python -m bench`):

    python -m bench.profile PATH/TO/py-spy [inbox|fanout]

inbox: py-spy attached to `serve` while 2,000 signed POSTs arrive (profile-inbox.txt), then
while its worker processes what is left (profile-inbox-drain.txt); fan-out: py-spy running a
process that sends one activity to 1,000 sink inboxes through the DeliveryQueue. Samples only
the thread holding the GIL (--gil), native frames included. Writes, per profile, the functions
with the largest share of samples (inclusive) to bench/results/profile-*.txt and prints them;
bench/README.md discusses them. The raw collapsed stacks stay in a temporary folder.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from bench import inbox, loadgen
from bench.procs import PYTHON, bench_env

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
REQUESTS = 2_000
TOP = 30


def summarise(collapsed: Path, top: int = TOP) -> str:
    """Inclusive share of samples per function (each counted once per stack): the top
    functions of the node's own code, then the top of everything."""
    total = 0
    inclusive: Counter[str] = Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue  # a frame name spanning lines (SQLAlchemy's generated code)
        total += int(count)
        functions = {_function(frame) for frame in stack.split(";")}
        inclusive.update(dict.fromkeys(functions, int(count)))
    own = [(f, n) for f, n in inclusive.most_common() if " (node/" in f][:top]
    lines = [f"{total} samples (GIL holder); the node's functions:"]
    lines += [f"{100 * n / max(total, 1):5.1f}%  {f}" for f, n in own]
    lines.append("everything:")
    lines += [f"{100 * n / max(total, 1):5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    return "\n".join(lines)


def _function(frame: str) -> str:
    """ "name (/…/node/web/inbox.py:LINE)" -> "name (node/web/inbox.py)"; other files keep
    their last two path parts."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    if path.startswith("node/"):
        return f"{name} ({path})"
    if "/node/" in path and "site-packages" not in path:
        return f"{name} (node/{path.rsplit('/node/', 1)[1]})"
    return f"{name} ({'/'.join(path.split('/')[-2:])})"


def profile_inbox(py_spy: str, workdir: Path) -> dict[str, Path]:
    actors = loadgen.make_actors(inbox.ACTORS)
    node = inbox.ServedNode(workdir, "profile", None, limit=10 * REQUESTS, actors=actors)
    command = [py_spy, "record", "--format", "raw", "--rate", "250", "--gil", "--native"]
    command += ["--pid", str(node.child.pid), "-o"]
    found = {"inbox": workdir / "profile-inbox.raw", "inbox-drain": workdir / "profile-drain.raw"}
    try:
        requests = loadgen.presign(actors, node.host, REQUESTS, "profile")
        with spying([*command, str(found["inbox"])]):
            loadgen.run(node.port, requests, connections=inbox.CONNECTIONS)
        with spying([*command, str(found["inbox-drain"])]):
            node.wait_processed()
    finally:
        node.child.stop()
    return found


@contextlib.contextmanager
def spying(command: list[str]) -> Iterator[None]:
    spy = subprocess.Popen(command)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)


def profile_fanout(py_spy: str, workdir: Path) -> Path:
    out = workdir / "profile-fanout.raw"
    command = [py_spy, "record", "--format", "raw", "--rate", "250", "--gil", "--native"]
    command += ["-o", str(out), "--"]
    env = bench_env(PYTHONPATH=str(REPO))
    subprocess.run([*command, PYTHON, "-m", "bench.fanout"], env=env, check=True, timeout=300)
    return out


def main() -> None:
    py_spy, wanted = sys.argv[1], sys.argv[2:] or ["inbox", "fanout"]
    RESULTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sn-profile-") as temporary:
        workdir = Path(temporary)
        raws: dict[str, Path] = {}
        if "inbox" in wanted:
            raws |= profile_inbox(py_spy, workdir)
        if "fanout" in wanted:
            raws["fanout"] = profile_fanout(py_spy, workdir)
        for name, raw in raws.items():
            summary = summarise(raw)
            (RESULTS / f"profile-{name}.txt").write_text(summary + "\n")
            print(f"== {name}\n{summary}\n")


if __name__ == "__main__":
    main()
