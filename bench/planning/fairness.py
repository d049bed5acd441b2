"""Planning under load: 30 concurrent planVisits from three reps while a fourth
client asks ``{ me { id } }`` back to back.

Starts the embedded store and ``visitplan serve --production`` (the API
benchmark's helpers, ``bench/api/run.py``), seeds a small data set, and runs two
rounds:

* **background**: each of three reps sends 10 ``planVisits(background: true)``
  for their own next week at once (30 in all); the answers are counted by
  outcome (accepted, refused by the per-user or per-team limit), and the
  accepted plans are followed until they are ready;
* **waiting**: the same 30 requests without ``background``: each waits for its
  plan (or its refusal) within the request timeout.

All the while a fourth rep's client sends ``{ me { id } }`` one after the
other; its latencies show whether cheap requests starve while plans are being
computed. Results go to ``--out`` (default bench/out/planning_fairness.md).

    .venv/bin/python bench/planning/fairness.py [--time-limit 5]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from run import Size, User, ensure_data, field_reps, server_process, sign_in  # noqa: E402

PLAN = """
mutation Plan($input: PlanVisitsInput!) {
  planVisits(input: $input) {
    __typename
    ... on VisitPlanPayload { plan { id status } }
    ... on Error { code message }
  }
}
"""
READ = "query Read($id: ID!) { visitPlan(id: $id) { status } }"
ME = "{ me { id } }"


async def _post(
    client: httpx.AsyncClient, base: str, user: User, query: str, variables: Any
) -> tuple[int, Any]:
    answer = await client.post(
        f"{base}/graphql",
        json={"query": query, "variables": variables},
        headers=user.headers(),
    )
    try:
        return answer.status_code, answer.json()
    except json.JSONDecodeError:
        return answer.status_code, None


def _outcome(status: int, body: Any) -> str:
    if status != 200 or body is None:
        return f"HTTP {status}"
    errors = body.get("errors") or []
    if errors:
        return str((errors[0].get("extensions") or {}).get("code", "error"))
    result = body["data"]["planVisits"]
    if result["__typename"] == "VisitPlanPayload":
        return str(result["plan"]["status"])
    return str(result.get("code", result["__typename"]))


async def _cheap(base: str, user: User, stop: asyncio.Event) -> list[float]:
    """``{ me { id } }`` back to back until ``stop``; latencies in ms."""
    out: list[float] = []
    async with httpx.AsyncClient(timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            status, _ = await _post(client, base, user, ME, {})
            if status == 200:
                out.append((time.perf_counter() - started) * 1000)
    return out


async def _round(
    base: str, planners: list[User], watcher: User, background: bool, limit: float
) -> dict[str, Any]:
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    stop = asyncio.Event()
    cheap = asyncio.create_task(_cheap(base, watcher, stop))
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=120) as client:

        async def plan(user: User) -> tuple[str, str, Any, float]:
            request = {
                "repIds": [user.rep_id],
                "firstDay": monday.isoformat(),
                "lastDay": (monday + timedelta(days=4)).isoformat(),
                "timeLimitSeconds": limit,
                "background": background,
            }
            sent = time.monotonic()
            status, body = await _post(client, base, user, PLAN, {"input": request})
            plan_id = None
            if body and not body.get("errors"):
                plan_id = (body["data"]["planVisits"].get("plan") or {}).get("id")
            return user.email, _outcome(status, body), plan_id, time.monotonic() - sent

        answers = await asyncio.gather(*(plan(u) for u in planners for _ in range(10)))
        ready: dict[str, float] = {}
        pending = {a[2]: a[0] for a in answers if a[2] and a[1] == "RUNNING"}
        owner = {u.email: u for u in planners}
        while pending and time.monotonic() - started < 300:
            for plan_id, email in list(pending.items()):
                _, body = await _post(client, base, owner[email], READ, {"id": plan_id})
                if body and body["data"]["visitPlan"]["status"] != "RUNNING":
                    ready[plan_id] = time.monotonic() - started
                    del pending[plan_id]
            await asyncio.sleep(0.5)
    stop.set()
    latencies = sorted(await cheap)
    per_user: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    for email, outcome, _, _ in answers:
        per_user[email][outcome] += 1
    waits = sorted(a[3] for a in answers)
    return {
        "round": "background" if background else "waiting",
        "time_limit_s": limit,
        "outcomes": {email: dict(c) for email, c in per_user.items()},
        "answer_s": {"p50": _q(waits, 0.5), "max": waits[-1]},
        "ready_s": sorted(ready.values()),
        "not_ready": len(pending),
        "me": {
            "requests": len(latencies),
            "p50_ms": _q(latencies, 0.5),
            "p99_ms": _q(latencies, 0.99),
            "max_ms": latencies[-1] if latencies else None,
        },
        "wall_s": round(time.monotonic() - started, 1),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def _q(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


async def main_async(args: argparse.Namespace) -> list[dict[str, Any]]:
    from store import EmbeddedStore

    data = Path(tempfile.mkdtemp(prefix="fairness-"))
    store = EmbeddedStore(data / "db").start()
    try:
        size = Size(customers=300, reps=8, months=2, seed=11)
        await ensure_data(store.uri, "fairness", size, replace=True)
        users = await field_reps(store.uri, "fairness")
        with server_process(store.uri, "fairness", data / "server.log") as (base, _):
            await sign_in(base, users)
            planners, watcher = users[:3], users[3]
            rounds = []
            for background in (True, False):
                rounds.append(
                    await _round(base, planners, watcher, background, args.time_limit)
                )
                print(json.dumps(rounds[-1]), flush=True)
            return rounds
    finally:
        store.stop()


def write(rounds: list[dict[str, Any]], out: Path) -> None:
    """The Markdown page of the rounds."""
    lines = [
        "# Planning under load: 30 planVisits from three reps, and `{ me { id } }`",
        "",
        f"`bench/planning/fairness.py`, {time.strftime('%Y-%m-%d')}, "
        f"{os.cpu_count()} cores, embedded store, `visitplan serve --production`, "
        "300 customers. Three reps send 10 `planVisits` each at once for their "
        "own next week; a fourth rep's client sends `{ me { id } }` back to back "
        "meanwhile.",
        "",
        "| round | outcomes per rep | answers p50 / max (s) | plans ready (s) "
        "| me requests | me p50 ms | me p99 ms | me max ms | load |",
        "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rounds:
        outcomes = "; ".join(
            ", ".join(f"{k} {v}" for k, v in sorted(c.items()))
            for c in r["outcomes"].values()
        )
        ready = ", ".join(f"{s:.1f}" for s in r["ready_s"]) or "-"
        lines.append(
            f"| {r['round']} ({r['time_limit_s']:g} s) | {outcomes} "
            f"| {r['answer_s']['p50']:.2f} / {r['answer_s']['max']:.2f} | {ready} "
            f"| {r['me']['requests']} | {r['me']['p50_ms']} | {r['me']['p99_ms']} "
            f"| {r['me']['max_ms']:.1f} | {r['load_1min']} |"
        )
    out.write_text("\n".join(lines) + "\n")
    out.with_suffix(".json").write_text(json.dumps(rounds, indent=1) + "\n")


def main() -> None:
    """Run both rounds and write the page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument(
        "--out", type=Path, default=ROOT / "bench/out/planning_fairness.md"
    )
    args = parser.parse_args()
    rounds = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write(rounds, args.out)
    print(statistics.mean(r["wall_s"] for r in rounds))


if __name__ == "__main__":
    main()
