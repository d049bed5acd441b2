"""What the API costs beyond its store reads: GraphQL requests against their replays.

Usage (from the repository root, in the project's virtualenv)::

    nice -n 10 .venv/bin/python bench/api/ratio.py --data-dir bench/out/api-store
        [--customers 3000 --reps 20] [--samples 40] [--concurrency 1,10,50]
        [--requests 150] [--store-port P --capture-port P --port P]

What it does, for the two operations of ``run.py`` (my day, customer list):

1. **Capture.** Seeds the store as ``run.py`` does, draws ``--samples`` requests
   per operation (each for one field rep, signed in as that rep), and runs the
   server through ``capture_server.py``, which records every store command the
   server sends. One client sends the requests one at a time; each request gets
   the commands that started between its sending and its answer, less the
   server's own background work (:mod:`capture`). A cProfile of the server's event
   loop covers each operation's requests.
2. **Replay.** Each request's commands become calls made directly with Motor
   against the same store, in the order captured and one after the other: a find
   or aggregate with its getMores is one cursor read to the end, anything else
   one ``command``; the driver's session and routing fields are stripped.
3. **Measure.** On a plain ``visitplan serve --production`` (no listener, no
   profiler), for each operation and each ``--concurrency``, the GraphQL run and
   then the replay run send the same requests in the same order: client ``n`` of
   ``c`` sends requests ``n, n + c, n + 2c, ...`` of the sample, cycling.
4. **Ratio.** GraphQL mean latency over replay mean latency, and replay
   throughput over GraphQL throughput, beside the targets (my day 1.5x, customer
   list 1.3x); appended to ``docs/benchmarks/api-ratio.json`` and shown in
   ``docs/benchmarks/api.md``.

A replay sends a request's commands one after the other, while the server may send
some of them at once (dataloaders gathered in one event-loop turn): where it does,
the replay is slower than the store allows and the ratio reads low. All traffic goes
to 127.0.0.1; the store and server processes are stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import pstats
import random
import re
import signal
import statistics
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from motor.motor_asyncio import AsyncIOMotorClient

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
from capture import (  # noqa: E402
    Call,
    getmore,
    group_by_window,
    read_events,
    replay_calls,
    target,
)

ROOT = run.ROOT
#: The issue's targets: GraphQL mean latency at most this many times the replay's.
TARGETS = {"my day (visits)": 1.5, "customer list": 1.3}


@dataclass
class Sample:
    """One request of the sample: who sends it, what it asks, what it replays."""

    user: run.User
    body: run.Request
    calls: list[Call] | None = None
    commands: int = 0
    store_us: int = 0
    capture_ms: float = 0.0


# --- capture ---------------------------------------------------------------------


def draw_samples(
    op: run.Operation, users: list[run.User], count: int, seed: int
) -> list[Sample]:
    """``count`` requests of ``op``, each for the next field rep in turn."""
    rng = random.Random(seed)
    samples = []
    for n in range(count):
        user = users[n % len(users)]
        samples.append(Sample(user, op.make(rng, user)))
    return samples


def _answer_error(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    payload = response.json()
    if payload.get("errors") or not payload.get("data"):
        return str((payload.get("errors") or [{}])[0].get("message", "no data"))
    return None


async def _send_one_by_one(
    url: str, samples: list[Sample], request_timeout: float
) -> list[tuple[int, int]]:
    """Send each sample in turn; return each one's (sent, answered) monotonic ns."""
    windows = []
    async with httpx.AsyncClient(
        timeout=request_timeout, limits=httpx.Limits(max_connections=1)
    ) as client:
        for sample in samples:
            sent = time.monotonic_ns()
            response = await client.post(
                url, json=sample.body, headers=sample.user.headers()
            )
            answered = time.monotonic_ns()
            error = _answer_error(response)
            if error:
                raise SystemExit(f"capture: a request failed: {error}")
            sample.capture_ms = round((answered - sent) / 1e6, 2)
            windows.append((sent, answered))
    return windows


def _wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"the server did not write {path}")
        time.sleep(0.1)


def profile_top(
    path: Path, count: int, key: str = "cumulative"
) -> list[dict[str, Any]]:
    """The ``count`` functions of a cProfile file with the most ``key`` time."""
    stats = pstats.Stats(str(path))
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short_path(file)}:{line}({name})",
                "calls": calls,
                "own_s": round(own, 4),
                "cumulative_s": round(cumulative, 4),
            }
        )
    field = "cumulative_s" if key == "cumulative" else "own_s"
    rows.sort(key=lambda r: r[field], reverse=True)
    return rows[:count]


def _short_path(file: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return re.sub(r"^.*/lib/python3\.\d+/", "", file)


def _keep_profile(profile_path: Path, kept: Path, top: int) -> dict[str, Any]:
    _wait_for(profile_path)
    profile_path.replace(kept)
    return {
        "file": str(kept.relative_to(ROOT) if kept.is_relative_to(ROOT) else kept),
        "top_cumulative": profile_top(kept, top),
        "top_own": profile_top(kept, top, key="own"),
    }


async def capture(
    base: str,
    pid: int,
    ops: list[tuple[run.Operation, list[Sample]]],
    out_dir: Path,
    profile_path: Path,
    args: argparse.Namespace,
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, Any]]:
    """Send every sample once, one at a time, with a profile of each operation.

    Returns:
        Each operation's request windows (sent, answered; monotonic ns), and its
        profile's top entries.
    """
    url = f"{base}/graphql"
    windows: dict[str, list[tuple[int, int]]] = {}
    profiles: dict[str, Any] = {}
    for op, samples in ops:
        await _send_one_by_one(url, samples[: args.warmup], args.timeout)  # warm-up
        await asyncio.to_thread(profile_path.unlink, missing_ok=True)
        os.kill(pid, signal.SIGUSR1)
        await asyncio.sleep(0.5)
        windows[op.name] = await _send_one_by_one(url, samples, args.timeout)
        os.kill(pid, signal.SIGUSR2)
        kept = out_dir / f"ratio-profile-{_slug(op.name)}.prof"
        profiles[op.name] = await asyncio.to_thread(
            _keep_profile, profile_path, kept, args.top
        )
    return windows, profiles


def group_capture(
    commands_path: Path,
    ops: list[tuple[run.Operation, list[Sample]]],
    windows: dict[str, list[tuple[int, int]]],
) -> dict[str, Any]:
    """Give each sample its replay calls from the recorded commands; sum them up."""
    commands = read_events(commands_path.read_text(encoding="utf-8").splitlines())
    report: dict[str, Any] = {"operations": {}}
    for op, samples in ops:
        grouped = group_by_window(commands, windows[op.name])
        for sample, group in zip(samples, grouped.requests, strict=True):
            if any(c.failed for c in group):
                raise SystemExit(f"{op.name}: a captured store command failed")
            sample.calls = replay_calls(group)
            sample.commands = len(group)
            sample.store_us = sum(c.duration_us or 0 for c in group)
        shapes = statistics.multimode(_shape(s.calls or []) for s in samples)
        report["operations"][op.name] = {
            "requests": len(samples),
            "commands_per_request": statistics.fmean(s.commands for s in samples),
            "calls_per_request": statistics.fmean(len(s.calls or []) for s in samples),
            "commonest_calls": shapes[0],
            "store_ms_per_request_as_the_driver_saw": round(
                statistics.fmean(s.store_us for s in samples) / 1000, 2
            ),
            "capture_mean_ms": round(
                statistics.fmean(s.capture_ms for s in samples), 2
            ),
        }
    # Between an operation's first request and its last answer, a command that is
    # neither background work nor inside a request's window is work a request
    # left behind it: none is expected. (Warm-up requests come before the first.)
    spans = [w for ws in windows.values() for w in ws]
    everything = group_by_window(commands, spans)
    bounds = [(min(w[0] for w in ws), max(w[1] for w in ws)) for ws in windows.values()]
    left = [c for c in everything.outside if any(a <= c.t_ns <= b for a, b in bounds)]
    report["background_commands"] = everything.background
    report["left_between_requests"] = dict(
        Counter(f"{c.name} {target(c.body)}" for c in left)
    )
    return report


def _shape(calls: list[Call]) -> str:
    return ", ".join(f"{c.name} {c.collection}" for c in calls)


def _slug(name: str) -> str:
    return name.split(" (")[0].replace(" ", "-")


# --- measure ---------------------------------------------------------------------


def schedule(total: int, clients: int, samples: int) -> list[list[int]]:
    """Which samples each client sends: client ``n`` sends ``n, n + c, ...``, cycling.

    Every client sends ``ceil(total / clients)`` requests, so a run has at least
    ``total`` of them.
    """
    per_client = max(1, math.ceil(total / clients))
    return [
        [(n + j * clients) % samples for j in range(per_client)] for n in range(clients)
    ]


async def _graphql_client(
    url: str,
    samples: list[Sample],
    indexes: list[int],
    deadline: float,
    request_timeout: float,
    out: run.Outcome,
) -> None:
    async with httpx.AsyncClient(
        timeout=request_timeout, limits=httpx.Limits(max_connections=1)
    ) as client:
        for index in indexes:
            if time.perf_counter() >= deadline:
                return
            sample = samples[index]
            started = time.perf_counter()
            try:
                response = await client.post(
                    url, json=sample.body, headers=sample.user.headers()
                )
            except httpx.HTTPError as error:
                out.errors[type(error).__name__] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            error_text = _answer_error(response)
            if error_text:
                out.errors[error_text[:120]] += 1
                continue
            out.latencies_ms.append(round(elapsed, 2))


async def replay(db_client: Any, calls: list[Call]) -> int:
    """Make one request's calls in turn; return the documents the cursors gave."""
    documents = 0
    for call in calls:
        db = db_client[call.db]
        reply = await db.command(call.body, codec_options=db_client.codec_options)
        if not call.cursor:
            continue
        cursor = reply["cursor"]
        documents += len(cursor["firstBatch"])
        while cursor["id"]:
            reply = await db.command(
                getmore(call, cursor["id"]), codec_options=db_client.codec_options
            )
            cursor = reply["cursor"]
            documents += len(cursor["nextBatch"])
    return documents


async def _replay_client(
    db_client: Any,
    samples: list[Sample],
    indexes: list[int],
    deadline: float,
    out: run.Outcome,
) -> None:
    for index in indexes:
        if time.perf_counter() >= deadline:
            return
        started = time.perf_counter()
        try:
            documents = await replay(db_client, samples[index].calls or [])
        except Exception as error:  # a benchmark counts what failed, and goes on
            out.errors[type(error).__name__] += 1
            continue
        out.latencies_ms.append(round((time.perf_counter() - started) * 1000, 2))
        out.sizes.append(documents)


async def timed(
    kind: str,
    endpoint: Any,
    samples: list[Sample],
    clients: int,
    total: int,
    duration: float,
    request_timeout: float,
) -> run.Outcome:
    """One measured run of ``clients`` GraphQL clients or replayers at once."""
    out = run.Outcome()
    started = time.perf_counter()
    deadline = started + duration
    plan = schedule(total, clients, len(samples))
    if kind == "graphql":
        jobs = [
            _graphql_client(endpoint, samples, indexes, deadline, request_timeout, out)
            for indexes in plan
        ]
    else:
        jobs = [
            _replay_client(endpoint, samples, indexes, deadline, out)
            for indexes in plan
        ]
    await asyncio.gather(*jobs)
    out.wall_s = time.perf_counter() - started
    return out


def ratios(
    graphql: dict[str, Any], replayed: dict[str, Any]
) -> dict[str, float | None]:
    """GraphQL mean latency over the replay's; replay throughput over GraphQL's."""
    latency = (
        round(graphql["mean_ms"] / replayed["mean_ms"], 2)
        if graphql["mean_ms"] and replayed["mean_ms"]
        else None
    )
    throughput = (
        round(replayed["throughput_rps"] / graphql["throughput_rps"], 2)
        if graphql["throughput_rps"] and replayed["throughput_rps"]
        else None
    )
    return {"latency": latency, "throughput": throughput}


def _figures(out: run.Outcome) -> dict[str, Any]:
    figures = run.summary(out)
    figures.pop("mean_result_size", None)
    return {**figures, "latencies_ms": out.latencies_ms}


async def measure(
    base: str,
    uri: str,
    ops: list[tuple[run.Operation, list[Sample]]],
    args: argparse.Namespace,
) -> dict[str, list[dict[str, Any]]]:
    """For each operation and concurrency, a GraphQL run and then its replay."""
    url = f"{base}/graphql"
    db_client: Any = AsyncIOMotorClient(uri, tz_aware=True)
    results: dict[str, list[dict[str, Any]]] = {}
    try:
        for op, samples in ops:
            rows = []
            for clients in args.concurrency:
                warm = min(clients, 10) * args.warmup
                load_1m = round(os.getloadavg()[0], 2)
                await timed(
                    "graphql", url, samples, min(clients, 10), warm, 60, args.timeout
                )
                graphql = await timed(
                    "graphql",
                    url,
                    samples,
                    clients,
                    args.requests,
                    args.duration,
                    args.timeout,
                )
                await timed("replay", db_client, samples, min(clients, 10), warm, 60, 0)
                replayed = await timed(
                    "replay",
                    db_client,
                    samples,
                    clients,
                    args.requests,
                    args.duration,
                    0,
                )
                row = {
                    "clients": clients,
                    "load_average_1m": [load_1m, round(os.getloadavg()[0], 2)],
                    "graphql": _figures(graphql),
                    "replay": _figures(replayed),
                    "ratio": ratios(run.summary(graphql), run.summary(replayed)),
                    "target": TARGETS.get(op.name),
                }
                rows.append(row)
                _print_row(op.name, row)
            results[op.name] = rows
    finally:
        db_client.close()
    return results


def _print_row(name: str, row: dict[str, Any]) -> None:
    g, r, q = row["graphql"], row["replay"], row["ratio"]
    print(
        f"{name}, {row['clients']} clients: GraphQL {g['ok']} ok "
        f"{g['errors']} errors {g['throughput_rps']} req/s p50 {g['p50_ms']} "
        f"p90 {g['p90_ms']} mean {g['mean_ms']} ms | replay {r['ok']} ok "
        f"{r['errors']} errors {r['throughput_rps']} req/s p50 {r['p50_ms']} "
        f"p90 {r['p90_ms']} mean {r['mean_ms']} ms | latency ratio "
        f"{q['latency']}x (target <= {row['target']}x), throughput ratio "
        f"{q['throughput']}x; load {row['load_average_1m']}",
        flush=True,
    )


def _print_profile(name: str, profile: dict[str, Any], count: int) -> None:
    print(f"\n{name}: cProfile of the server's event loop, single client", flush=True)
    print(f"{'cumulative s':>12} {'own s':>8} {'calls':>8}  function")
    for row in profile["top_cumulative"][:count]:
        print(
            f"{row['cumulative_s']:>12.3f} {row['own_s']:>8.3f} {row['calls']:>8}  "
            f"{row['function']}"
        )
    print("by own time:")
    for row in profile["top_own"][:10]:
        print(
            f"{row['cumulative_s']:>12.3f} {row['own_s']:>8.3f} {row['calls']:>8}  "
            f"{row['function']}"
        )


# --- main ------------------------------------------------------------------------


def _sign_in(base: str, users: list[run.User], attempts: int = 3) -> None:
    # On a busy shared machine a sign-in can outlast the server's request
    # timeout; the benchmark tries again rather than give up its run.
    for attempt in range(1, attempts + 1):
        try:
            asyncio.run(run.sign_in(base, users))
        except SystemExit as error:
            if attempt == attempts:
                raise
            print(f"{error}; trying again", flush=True)
            time.sleep(5)
        else:
            return


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--mongodb-uri", help="use this MongoDB, not the embedded store"
    )
    parser.add_argument("--data-dir", type=Path, help="the embedded store's folder")
    parser.add_argument("--database", default="visitplan_bench", help="database name")
    parser.add_argument("--replace", action="store_true", help="as in run.py")
    parser.add_argument("--customers", type=int, default=3_000, help="customers")
    parser.add_argument("--reps", type=int, default=20, help="field reps")
    parser.add_argument("--months", type=int, default=24, help="months of history")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument(
        "--samples", type=int, default=40, help="distinct requests per operation"
    )
    parser.add_argument(
        "--concurrency",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[1, 10, 50],
        help="comma-separated client counts",
    )
    parser.add_argument(
        "--requests", type=int, default=150, help="requests per operation and run"
    )
    parser.add_argument(
        "--duration", type=float, default=60, help="seconds per run, at most"
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="warm-up requests per client"
    )
    parser.add_argument(
        "--timeout", type=float, default=120, help="per GraphQL request, s"
    )
    parser.add_argument("--top", type=int, default=25, help="profile entries kept")
    parser.add_argument("--store-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--capture-port", type=int, default=0, help="0: a free port")
    parser.add_argument("--port", type=int, default=0, help="server port; 0: free")
    parser.add_argument(
        "--out-dir", type=Path, default=ROOT / "bench/out", help="logs and profiles"
    )
    parser.add_argument(
        "--json", type=Path, default=ROOT / "docs/benchmarks/api-ratio.json"
    )
    parser.add_argument(
        "--markdown", type=Path, default=ROOT / "docs/benchmarks/api.md"
    )
    parser.add_argument("--no-record", action="store_true", help="print only")
    parser.add_argument("--note", help="a remark recorded with the run")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Seed, capture, measure, record; return the exit code."""
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    size = run.Size(args.customers, args.reps, args.months, args.seed)
    started = datetime.now(UTC)
    where = run.machine()
    code = run.code_version()
    log = args.out_dir / "ratio-server.log"
    commands_path = args.out_dir / "ratio-commands.jsonl"
    profile_path = args.out_dir / "ratio-profile.prof"
    launcher = (
        str(HERE / "capture_server.py"),
        "--commands",
        str(commands_path),
        "--profile",
        str(profile_path),
    )
    with run.store_uri(args) as (uri, kind):
        seeded = asyncio.run(run.ensure_data(uri, args.database, size, args.replace))
        users = asyncio.run(run.field_reps(uri, args.database))
        territories = sorted({u.territory for u in users if u.territory})
        ops = [
            (op, draw_samples(op, users, args.samples, args.seed + n))
            for n, op in enumerate(run.operations(territories, seeded))
        ]
        with run.server_process(
            uri, args.database, log, port=args.capture_port, launcher=launcher
        ) as (base, process):
            _sign_in(base, users)
            print(f"capturing on {base}", flush=True)
            windows, profiles = asyncio.run(
                capture(base, process.pid, ops, args.out_dir, profile_path, args)
            )
        # After the server stopped: every command it sent is in the file.
        captured = {**group_capture(commands_path, ops, windows), "profiles": profiles}
        print(
            json.dumps({k: v for k, v in captured.items() if k != "profiles"}, indent=1)
        )
        for name, profile in captured["profiles"].items():
            _print_profile(name, profile, args.top)
        with run.server_process(uri, args.database, log, port=args.port) as (base, _):
            health = httpx.get(f"{base}/healthz", timeout=10).json()
            _sign_in(base, users)
            print(f"\nmeasuring on {base}", flush=True)
            results = asyncio.run(measure(base, uri, ops, args))
    record_run = {
        "date": started.isoformat(timespec="seconds"),
        "machine": {
            **where,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "code": code,
        "store": {
            "kind": kind,
            "version": run.store_version(kind, health.get("server_version")),
        },
        "data": {
            "size": asdict(size),
            "counts": seeded.counts,
            "reused": seeded.reused,
        },
        "load": {
            "samples": args.samples,
            "concurrency": args.concurrency,
            "requests_per_run": args.requests,
            "duration_s": args.duration,
            "warmup_per_client": args.warmup,
        },
        "capture": captured,
        "operations": results,
    }
    if args.note:
        record_run["note"] = args.note
    if not args.no_record:
        record(record_run, args.json, args.markdown)
        print(f"recorded in {args.json} and {args.markdown}", flush=True)
    return 0


def record(entry: dict[str, Any], json_path: Path, md_path: Path) -> None:
    """Append ``entry`` to the ratio record and rewrite the benchmark page."""
    runs: list[dict[str, Any]] = []
    if json_path.exists():
        runs = json.loads(json_path.read_text(encoding="utf-8"))["runs"]
    runs.append(entry)
    json_path.write_text(
        json.dumps({"runs": runs}, indent=1, default=str) + "\n", encoding="utf-8"
    )
    api_json = md_path.with_name("api.json")
    run.write_markdown(
        json.loads(api_json.read_text(encoding="utf-8"))["runs"], md_path
    )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
