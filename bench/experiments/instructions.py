"""Machine instructions per request of the benchmark's operations served in process, counted by Valgrind.

    bench/run --quick --only ingest    # once, to build the bench_small database (or any bench/run)
    python bench/experiments/instructions.py [--requests 20] [--workloads typename,w1,w2,w3]

CPU time per request on a shared virtual machine moves by 10 to 40 % from one run to the next, which
hides the few per cent a change to the per-request path is worth. The number of instructions the
process executes for a request does not: two runs of the same code agree within 0.3 %. So this runs
the app (made and started as python_calls.py makes it) under Valgrind's callgrind with its
instrumentation off, which starts the process at some four times native speed instead of fifty; after
each workload's warm-up it switches the instrumentation on (``callgrind_control -i on``) for
``--requests`` requests only, reads the count, and prints one line of JSON per workload:
``{"workload": "w3", "kilo_instructions": 8943}`` (thousands of instructions per request).

``--keep DIR`` keeps each workload's callgrind file (named in its line as ``callgrind_file``), so
that ``callgrind_annotate --inclusive=yes FILE`` shows where the instructions go by C function:
the interpreter's, asyncpg's decoding of each column type, orjson, OpenSSL, the allocator. Python
functions appear as the interpreter's loop; python_calls.py names those.

PostgreSQL's own work is in its processes and is not counted; asyncpg's and the event loop's work
in this one is. Instructions are not time (a cache miss costs more than an addition), but fewer of
them for the same requests is a change in the code, not in the machine. Needs Valgrind (Debian's
``valgrind`` package). To compare with an earlier commit, put its tree first on ``PYTHONPATH``
(``git archive <rev> gateway plugins | tar -x -C /tmp/before``; ``PYTHONPATH=/tmp/before python …``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ for cgbench
sys.path.insert(0, str(Path(__file__).resolve().parent))  # python_calls' ASGI post

POLL_SECONDS = 0.05
STEP_TIMEOUT_SECONDS = 600  # one workload's requests under instrumentation: minutes at most


async def _serve(names: list[str], requests: int) -> None:
    """The child, under Valgrind: warm each workload up, then run its requests when the parent, which
    counts them, says so. They talk over the child's stdin and stdout, a line at a time."""
    from python_calls import post, served_workloads, warm_up

    async with served_workloads() as (app, bodies):
        for name in names:
            body = bodies[name]
            await warm_up(app, name, body, 10)
            _say_and_wait(f"ready {name}", "go")
            for _ in range(requests):
                await post(app, body)
            _say_and_wait("counted", "next")


def _say_and_wait(said: str, awaited: str) -> None:
    """Tell the parent ``said`` and block until it answers ``awaited``: nothing else is to run meanwhile."""
    print(said, flush=True)
    answer = sys.stdin.readline().strip()
    if answer != awaited:
        raise RuntimeError(f"expected {awaited!r} from the counting process, got {answer!r}")


def _wait_for(child: subprocess.Popen[str], text: str) -> None:
    assert child.stdout is not None
    line = child.stdout.readline().strip()
    if line != text:  # the caller kills the child: it may be waiting on its stdin for an answer
        raise RuntimeError(f"expected {text!r} from the process under Valgrind, got {line!r} (exit {child.poll()})")


def _tell(child: subprocess.Popen[str], text: str) -> None:
    assert child.stdin is not None
    child.stdin.write(text + "\n")
    child.stdin.flush()


def _control(pid: int, *arguments: str) -> None:
    subprocess.run(["callgrind_control", *arguments, str(pid)], check=True, capture_output=True)


def _count(names: list[str], requests: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="instructions-") as scratch:
        tmp = str(keep) if keep is not None else scratch
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={tmp}/callgrind.out",
            sys.executable,
            __file__,
            "--child",
            "--workloads",
            ",".join(names),
            "--requests",
            str(requests),
        ]
        log = (Path(tmp) / "valgrind.log").open("wb")
        child = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1
        )
        try:
            for dump, name in enumerate(names, start=1):
                _wait_for(child, f"ready {name}")
                _control(child.pid, "-z")  # zero what was counted before
                _control(child.pid, "-i", "on")
                _tell(child, "go")
                _wait_for(child, "counted")
                _control(child.pid, "-i", "off")
                _control(child.pid, "-d")  # the dump: callgrind.out.<dump>
                total = _dumped_total(Path(f"{tmp}/callgrind.out.{dump}"))
                counted = {"workload": name, "kilo_instructions": round(total / requests / 1000)}
                if keep is not None:
                    counted["callgrind_file"] = f"{tmp}/callgrind.out.{dump}"
                print(json.dumps(counted), flush=True)
                _tell(child, "next")
            child.wait(timeout=STEP_TIMEOUT_SECONDS)
        finally:
            if child.poll() is None:
                child.kill()
            log.close()


def _dumped_total(path: Path) -> int:
    deadline = time.monotonic() + STEP_TIMEOUT_SECONDS
    while True:
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith("totals:"):
                    return int(line.split()[1])
        if time.monotonic() > deadline:
            raise TimeoutError(f"callgrind wrote no totals to {path}")
        time.sleep(POLL_SECONDS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20, help="requests counted per workload")
    parser.add_argument("--workloads", default="typename,w1,w2,w3")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep each workload's callgrind file in DIR, for `callgrind_annotate --inclusive=yes FILE`",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # the process under Valgrind
    args = parser.parse_args()
    names = args.workloads.split(",")
    if not args.child:
        _count(names, args.requests, args.keep)
        return
    import uvloop

    uvloop.run(_serve(names, args.requests))


if __name__ == "__main__":
    main()
