"""Load test of the GraphQL API: a rep's day and a filtered customer list.

Usage (from the repository root, in the project's virtualenv)::

    nice -n 10 .venv/bin/python bench/api/run.py [--data-dir bench/out/api-store]
        [--mongodb-uri URI [--replace]] [--clients 50] [--requests 200]
        [--duration 60] [--customers 10000 --reps 66 --months 24]

What it does:

1. Starts the embedded store (SecantusDB) in ``--data-dir`` (a temporary folder when
   omitted), or uses the MongoDB at ``--mongodb-uri`` (database ``visitplan_bench``).
2. Seeds it with :func:`seed.generate` and :func:`seed.insert_dataset`: by default
   10,000 customers and 66 field reps with 24 months of history, about 100,000 past
   visits. The sizes are recorded in the ``bench_meta`` collection, so a re-run on
   the same ``--data-dir`` with the same sizes skips seeding.
3. Starts the real server (``python -m cli serve --production``, with a throwaway
   ``VISITPLAN_SECRET``) on a free loopback port, pointed at that store.
4. Each client acts as one field rep. When the API refuses anonymous reads, the
   reps of the benchmark database get a known password and each client signs in
   (``signIn``) before the clock starts; row rules then apply as for real reps.
5. For each operation, 50 clients (one ``httpx.AsyncClient`` and connection each)
   send requests back to back, each at most ``--requests`` of them, all stopping
   after ``--duration`` seconds; a short warm-up precedes each measured run.
6. Appends the figures (and every request's latency) to
   ``docs/benchmarks/api.json`` and rewrites ``docs/benchmarks/api.md`` from it.

All traffic goes to 127.0.0.1. The store and server processes are stopped at the end,
also on Ctrl-C or SIGTERM. This is a benchmark, not a test: nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from store import EmbeddedStore, free_port, open_database, redact  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
COLLECTIONS = ("reps", "customers", "demands", "visits")
META = "bench_meta"
PAGE = 20
#: What the server runs: a run on uncommitted changes to these says so.
SERVED_CODE = ("server.py", "settings.py", "store.py", "schema", "models", "resolvers")

MY_DAY = """
query MyDay($rep: ID!, $from: DateTime!, $to: DateTime!) {
  visits(filter: {repIds: [$rep], startsAfter: $from, startsBefore: $to}, first: 50) {
    edges {
      node {
        plannedStart
        plannedEnd
        status
        purpose
        customer {
          name
          addresses { location { lat lng } }
          openDemands { title priority }
        }
      }
    }
  }
}
"""

CUSTOMER_LIST = """
query CustomerList($tiers: [Tier!], $territories: [String!], $after: String) {
  customers(
    filter: {tiers: $tiers, territories: $territories}
    orderBy: NAME_ASC
    first: 20
    after: $after
  ) {
    totalCount
    edges { node { name tier lastVisits(last: 3) { plannedStart status } } }
  }
}
"""

SIGN_IN = """
mutation SignIn($email: String!, $password: String!) {
  signIn(email: $email, password: $password) { accessToken }
}
"""

#: Set on the reps of the benchmark's own database when the server has sign-in.
BENCH_PASSWORD = "bench-api-password"  # a throwaway credential of a test database


# --- data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    """The arguments of :func:`seed.generate` that decide the data set."""

    customers: int
    reps: int
    months: int
    seed: int


@dataclass
class Seeded:
    """The data set in the store, and how it got there."""

    size: Size
    now: datetime
    counts: dict[str, int]
    reused: bool
    generate_s: float | None = None
    insert_s: float | None = None


async def _counts(db: Any) -> dict[str, int]:
    return {name: await db[name].estimated_document_count() for name in COLLECTIONS}


def code_fingerprint() -> str:
    """A hash of the code that shapes the stored documents (models/ and seed/).

    Seeded data is reused only while this is unchanged: a model that gains a stored
    field or an index needs freshly written documents.
    """
    digest = hashlib.sha256()
    for folder in ("models", "seed"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            digest.update(path.relative_to(ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def code_version() -> str:
    """The git commit the run used, marked when the served code has local changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *SERVED_CODE],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit} + uncommitted changes" if dirty else commit


async def ensure_data(uri: str, database: str, size: Size, replace: bool) -> Seeded:
    """Seed ``database`` with ``size``, unless it already holds exactly that.

    Data this script seeded (it leaves a ``bench_meta`` record) is replaced when the
    size or the code of models/ and seed/ changed; other data only with ``replace``.

    Args:
        uri: the MongoDB (or embedded store) to fill.
        database: the database name.
        size: the data set to generate.
        replace: delete the database even if this script did not seed it.

    Returns:
        What the database holds afterwards.

    Raises:
        SystemExit: if the database holds other data and ``replace`` is not set.
    """
    from seed import generate, insert_dataset

    code = code_fingerprint()
    client, db = await open_database(uri, database)
    try:
        meta = await db[META].find_one({"_id": "seed"})
        counts = await _counts(db)
        if (
            meta is not None
            and meta.get("size") == asdict(size)
            and meta.get("code") == code
            and counts == meta["counts"]
        ):
            print(f"reusing the seeded data: {counts}", flush=True)
            return Seeded(size, meta["now"], counts, reused=True)
        if any(counts.values()):
            if meta is None and not replace:
                raise SystemExit(
                    f"the store holds other data ({counts}); pass --replace to "
                    "delete it, or use another --data-dir or --database"
                )
            print(f"dropping database {database} to seed it anew", flush=True)
            await client.drop_database(database)
            client.close()
            # open_database again: init_beanie creates the indexes on the empty
            # collections, as on a new deployment.
            client, db = await open_database(uri, database)
        now = datetime.now(UTC).replace(microsecond=0)
        print(f"generating {size}", flush=True)
        started = time.perf_counter()
        ds = generate(
            customers=size.customers,
            reps=size.reps,
            months=size.months,
            seed=size.seed,
            now=now,
        )
        generated = time.perf_counter()
        total = len(ds.reps) + len(ds.customers) + len(ds.demands) + len(ds.visits)
        print(
            f"generated in {generated - started:.0f} s; inserting {total} documents",
            flush=True,
        )
        await insert_dataset(ds)
        inserted = time.perf_counter()
        counts = await _counts(db)
        print(f"inserted in {inserted - generated:.0f} s: {counts}", flush=True)
        await db[META].replace_one(
            {"_id": "seed"},
            {"size": asdict(size), "code": code, "now": now, "counts": counts},
            upsert=True,
        )
        return Seeded(
            size,
            now,
            counts,
            reused=False,
            generate_s=round(generated - started, 1),
            insert_s=round(inserted - generated, 1),
        )
    finally:
        client.close()


# --- the server ----------------------------------------------------------------


@contextlib.contextmanager
def running_server(
    uri: str, database: str, log_path: Path, timeout: float = 120.0
) -> Iterator[str]:
    """Run ``visitplan serve --production`` on a loopback port; yield its base URL."""
    with server_process(uri, database, log_path, timeout) as (base, _):
        yield base


@contextlib.contextmanager
def server_process(
    uri: str,
    database: str,
    log_path: Path,
    timeout: float = 120.0,
    *,
    port: int | None = None,
    launcher: tuple[str, ...] = ("-m", "cli"),
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Run ``visitplan serve --production``; yield its base URL and its process.

    Args:
        uri: the store the server uses.
        database: its database name.
        log_path: where the server's output goes (appended).
        timeout: how long the server may take to get healthy, in seconds.
        port: the loopback port (None: a free one).
        launcher: what runs the command line after the interpreter: ``visitplan``
            itself, or a benchmark launcher that takes the same arguments.
    """
    port = port or free_port()
    command = [
        sys.executable,
        *launcher,
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--mongodb-uri",
        uri,
        "--database",
        database,
        "--production",
        "--log-level",
        "warning",
    ]
    env = {
        **os.environ,
        "MONGODB_URI": uri,
        "VISITPLAN_ENV": "production",
        # Production refuses to start without a signing secret; a throwaway one.
        "VISITPLAN_SECRET": secrets.token_urlsafe(48),
    }
    base = f"http://127.0.0.1:{port}"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise SystemExit(
                        f"the server exited with code {process.returncode}; "
                        f"see {log_path}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise SystemExit(f"the server did not get healthy; see {log_path}")
                time.sleep(0.2)
            yield base, process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.contextmanager
def store_uri(args: argparse.Namespace) -> Iterator[tuple[str, str]]:
    """Yield the store's URI and a label: the given MongoDB or an embedded store."""
    if args.mongodb_uri:
        yield args.mongodb_uri, "MongoDB"
        return
    with contextlib.ExitStack() as stack:
        if args.data_dir is None:
            data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        else:
            data_dir = args.data_dir
        store = stack.enter_context(EmbeddedStore(data_dir, port=args.store_port))
        print(f"embedded store on {store.uri}, data in {data_dir}", flush=True)
        yield store.uri, "embedded SecantusDB"


# --- the load --------------------------------------------------------------------


Request = dict[str, Any]
Check = Callable[[dict[str, Any]], int]


@dataclass
class User:
    """A field rep a client acts as, and the access token it signed in with."""

    rep_id: str
    email: str
    territory: str | None
    token: str | None = None

    def headers(self) -> dict[str, str]:
        """The Authorization header, when the server wants one."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class Operation:
    """A kind of request: how to draw one, and how to read the size of its answer."""

    name: str
    make: Callable[[random.Random, User], Request]
    size_of: Check


@dataclass
class Outcome:
    """What the requests of one measured run gave."""

    latencies_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    wall_s: float = 0.0


def _working_days(first: date, last: date) -> list[date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def _day_bounds(day: date) -> tuple[str, str]:
    start = datetime(day.year, day.month, day.day, tzinfo=BERLIN)
    end = start + timedelta(days=1)
    # Add a day on the wall clock and convert: right across DST changes too.
    end = datetime(end.year, end.month, end.day, tzinfo=BERLIN)
    return start.astimezone(UTC).isoformat(), end.astimezone(UTC).isoformat()


def _offset_cursor(offset: int) -> str:
    # The server's cursors are Relay-style base64 of "offset:N" (schema/base.py);
    # building one jumps straight to a page, as a client that kept it would.
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def operations(territories: list[str], seeded: Seeded) -> list[Operation]:
    """The two measured operations, drawing their parameters at random.

    A client asks for its own rep's day (what row rules let a rep see), and lists
    its rep's customers: the rep's own territory, with random tiers (a rep's row
    rules show other territories only where the rep owns customers).
    """
    today = seeded.now.astimezone(BERLIN).date()
    days = _working_days(
        today - timedelta(days=round(seeded.size.months * 30.44)),
        today + timedelta(days=7),
    )
    tier_sets = (["A"], ["B"], ["A", "B"])

    def my_day(rng: random.Random, user: User) -> Request:
        after, before = _day_bounds(rng.choice(days))
        return {
            "query": MY_DAY,
            "variables": {"rep": user.rep_id, "from": after, "to": before},
        }

    def customer_list(rng: random.Random, user: User) -> Request:
        page = rng.randrange(5)
        return {
            "query": CUSTOMER_LIST,
            "variables": {
                "tiers": rng.choice(tier_sets),
                "territories": [user.territory] if user.territory else territories,
                "after": _offset_cursor(page * PAGE - 1) if page else None,
            },
        }

    return [
        Operation("my day (visits)", my_day, lambda d: len(d["visits"]["edges"])),
        Operation(
            "customer list", customer_list, lambda d: d["customers"]["totalCount"]
        ),
    ]


async def _client(
    url: str,
    op: Operation,
    user: User,
    rng: random.Random,
    count: int,
    deadline: float,
    request_timeout: float,
    out: Outcome,
) -> None:
    async with httpx.AsyncClient(
        timeout=request_timeout,
        limits=httpx.Limits(max_connections=1),
        headers=user.headers(),
    ) as client:
        for _ in range(count):
            if time.perf_counter() >= deadline:
                return
            body = op.make(rng, user)
            started = time.perf_counter()
            try:
                response = await client.post(url, json=body)
            except httpx.HTTPError as error:
                out.errors[type(error).__name__] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                out.errors[f"HTTP {response.status_code}"] += 1
                continue
            payload = response.json()
            if payload.get("errors") or not payload.get("data"):
                message = (payload.get("errors") or [{}])[0].get("message", "no data")
                out.errors[message[:120]] += 1
                continue
            out.latencies_ms.append(round(elapsed, 2))
            out.sizes.append(op.size_of(payload["data"]))


async def load(
    url: str,
    op: Operation,
    users: list[User],
    *,
    clients: int,
    requests: int,
    duration: float,
    request_timeout: float,
    seed: int,
) -> Outcome:
    """Run ``clients`` clients at once, each sending up to ``requests`` requests.

    Every client stops at the first request it would start after ``duration``
    seconds; requests under way then are still awaited and counted.
    """
    out = Outcome()
    started = time.perf_counter()
    deadline = started + duration
    await asyncio.gather(
        *(
            _client(
                url,
                op,
                users[n % len(users)],
                random.Random(seed * 1000 + n),
                requests,
                deadline,
                request_timeout,
                out,
            )
            for n in range(clients)
        )
    )
    out.wall_s = time.perf_counter() - started
    return out


def percentile(sorted_values: list[float], q: float) -> float | None:
    """The nearest-rank ``q``-th percentile of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def summary(out: Outcome) -> dict[str, Any]:
    """Throughput and latency figures of one run (latencies of answered requests)."""
    ok = sorted(out.latencies_ms)
    return {
        "requests": len(ok) + sum(out.errors.values()),
        "ok": len(ok),
        "errors": sum(out.errors.values()),
        "error_kinds": dict(out.errors),
        "wall_s": round(out.wall_s, 2),
        "throughput_rps": round(len(ok) / out.wall_s, 2) if out.wall_s else None,
        "p50_ms": percentile(ok, 50),
        "p90_ms": percentile(ok, 90),
        "p99_ms": percentile(ok, 99),
        "max_ms": ok[-1] if ok else None,
        "mean_ms": round(statistics.fmean(ok), 2) if ok else None,
        "mean_result_size": round(statistics.fmean(out.sizes), 1)
        if out.sizes
        else None,
    }


async def field_reps(uri: str, database: str) -> list[User]:
    """The field reps, read from the store; with sign-in, given the bench password.

    When the server has password sign-in (``Rep.password_hash``), every rep of this
    benchmark's own database gets :data:`BENCH_PASSWORD`, so that each client can
    sign in as its rep through the API.
    """
    from models.rep import Rep

    client, db = await open_database(uri, database)
    try:
        if "password_hash" in Rep.model_fields:
            from resolvers.auth import hash_password

            hashed = hash_password(BENCH_PASSWORD)
            await db["reps"].update_many({}, {"$set": {"password_hash": hashed}})
        users = [
            User(
                rep_id=base64.b64encode(f"Rep:{doc['_id']}".encode()).decode(),
                email=doc["email"],
                territory=doc.get("territory"),
            )
            async for doc in db["reps"].find({"role": "rep"}).sort("_id", 1)
        ]
    finally:
        client.close()
    if not users:
        raise SystemExit("the store holds no field reps")
    return users


async def sign_in(base: str, users: list[User]) -> bool:
    """Sign each user in when the API refuses anonymous reads; tell whether it did."""
    async with httpx.AsyncClient(timeout=60) as client:
        probe = await client.post(
            f"{base}/graphql", json={"query": "{ reps(first: 1) { totalCount } }"}
        )
        errors = probe.json().get("errors") or []
        if not any(
            (e.get("extensions") or {}).get("code") == "UNAUTHENTICATED" for e in errors
        ):
            return False
        for user in users:
            response = await client.post(
                f"{base}/graphql",
                json={
                    "query": SIGN_IN,
                    "variables": {"email": user.email, "password": BENCH_PASSWORD},
                },
            )
            payload = response.json()
            if payload.get("errors"):
                raise SystemExit(f"sign-in as {user.email} failed: {payload}")
            user.token = payload["data"]["signIn"]["accessToken"]
    return True


async def measure(
    base: str, uri: str, seeded: Seeded, args: argparse.Namespace
) -> dict[str, dict[str, Any]]:
    """Warm up and measure each operation in turn; return the figures per operation."""
    users = await field_reps(uri, args.database)
    territories = sorted({u.territory for u in users if u.territory})
    signed_in = await sign_in(base, users)
    print(
        f"{len(users)} field reps in {territories}; "
        f"{'signed in as each' if signed_in else 'no sign-in needed'}",
        flush=True,
    )
    url = f"{base}/graphql"
    results: dict[str, dict[str, Any]] = {}
    for n, op in enumerate(operations(territories, seeded)):
        warm = await load(
            url,
            op,
            users,
            clients=min(args.clients, 10),
            requests=args.warmup,
            duration=60,
            request_timeout=args.timeout,
            seed=args.seed + 100 + n,
        )
        if warm.errors and not warm.latencies_ms:
            raise SystemExit(f"{op.name}: every warm-up request failed: {warm.errors}")
        print(f"{op.name}: warm-up {summary(warm)['p50_ms']} ms p50", flush=True)
        out = await load(
            url,
            op,
            users,
            clients=args.clients,
            requests=args.requests,
            duration=args.duration,
            request_timeout=args.timeout,
            seed=args.seed + n,
        )
        figures = summary(out)
        print(
            f"{op.name}: {figures['ok']} ok, {figures['errors']} errors in "
            f"{figures['wall_s']} s = {figures['throughput_rps']} req/s; "
            f"p50 {figures['p50_ms']} p90 {figures['p90_ms']} "
            f"p99 {figures['p99_ms']} ms",
            flush=True,
        )
        results[op.name] = {**figures, "latencies_ms": out.latencies_ms}
    return results


# --- the record ----------------------------------------------------------------


def machine() -> dict[str, Any]:
    """The machine the run happened on."""
    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    return info


def store_version(kind: str, reported: str | None) -> str | None:
    """The store's own version: SecantusDB's package version, or MongoDB's."""
    if kind.startswith("embedded"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            return importlib.metadata.version("SecantusDB")
    return reported


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"
    return f"{value:,}"


NOTE = """\
**Read these figures as a floor.** The embedded store (SecantusDB) is written in
Python and is far slower than `mongod` (about 5,000 inserts/s; an indexed find of 400
documents takes about 18 ms), and here the load generator, the server (one uvicorn
process) and the store share one small machine, with other work running beside them.
What production MongoDB gives is not measured by an embedded-store row; a MongoDB row
(`--mongodb-uri`) on the same machine shows the difference.
"""


def write_markdown(runs: list[dict[str, Any]], path: Path) -> None:
    """Rewrite the benchmark page from every recorded run."""
    lines = [
        "# API benchmark",
        "",
        "Two read operations of the GraphQL API under concurrent load, measured by",
        "`bench/api/run.py` against the real server (`visitplan serve --production`,",
        "one uvicorn process) on loopback:",
        "",
        "- **my day (visits)**: `visits(filter: {repIds: [rep], startsAfter, "
        "startsBefore}, first: 50)` for a random field rep and working day, with each",
        "  visit's customer, its addresses' locations and open demands;",
        "- **customer list**: `customers(filter: {tiers, territories}, orderBy: "
        "NAME_ASC, first: 20)` with `totalCount`",
        "  and each customer's `lastVisits(last: 3)`, for random tiers (A, B or both),",
        "  the rep's own territory and a random page of the first five.",
        "",
        "Each client (one `httpx.AsyncClient`, one connection) sends its requests back",
        "to back; a run ends when every client has sent its share or the time limit",
        "has passed. Latencies are those of answered requests (HTTP 200 without",
        "GraphQL errors), in milliseconds; throughput counts answered requests per",
        "second of wall time. Errors are refused requests (HTTP 504 when the server's",
        "own request timeout stops one) and client timeouts (120 s).",
        "",
        NOTE,
        "## Results",
        "",
        "| date | code | machine | store | data | clients | operation | answered "
        "| errors | req/s | p50 ms | p90 ms | p99 ms |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- |",
    ]
    for run in runs:
        m = run["machine"]
        counts = run["data"]["counts"]
        data = f"{counts['customers']:,} customers, {counts['visits']:,} visits"
        where = f"{m['cores']} cores ({m.get('cpu', '?')})"
        store = f"{run['store']['kind']} {run['store'].get('version') or ''}".strip()
        for name, r in run["operations"].items():
            lines.append(
                f"| {run['date'][:16].replace('T', ' ')} "
                f"| {run.get('code', 'unknown')} | {where} | {store} | {data} "
                f"| {run['load']['clients']} | {name} | {_fmt(r['ok'])} "
                f"| {_fmt(r['errors'])} | {_fmt(r['throughput_rps'])} "
                f"| {_fmt(r['p50_ms'])} | {_fmt(r['p90_ms'])} | {_fmt(r['p99_ms'])} |"
            )
    lines += ["", "## Runs", ""]
    for run in runs:
        m, d, lo = run["machine"], run["data"], run["load"]
        seeded = (
            "reused from an earlier run"
            if d["reused"]
            else f"generated in {d['generate_s']} s, inserted in {d['insert_s']} s"
        )
        lines += [
            f"- {run['date']}: code {run.get('code', 'unknown')}; "
            f"{run['store']['kind']} {run['store'].get('version') or ''}; data: "
            + ", ".join(f"{v:,} {k}" for k, v in d["counts"].items())
            + f" (generate(customers={d['size']['customers']}, "
            f"reps={d['size']['reps']}, months={d['size']['months']}, "
            f"seed={d['size']['seed']}), {seeded}); {lo['clients']} clients, "
            f"at most {lo['requests_per_client']} requests each or "
            f"{lo['duration_s']} s per operation; machine: {m['cores']} cores, "
            f"{m.get('memory_gb', '?')} GB, load average "
            f"{m['load_average_at_start']} at the start."
            + (f" {run['note']}" if run.get("note") else "")
        ]
    lines += [
        "",
        "Raw figures, every latency included, are in `api.json` beside this page.",
        "",
    ]
    ratio_json = path.with_name("api-ratio.json")
    if ratio_json.exists():
        lines += ratio_markdown(
            json.loads(ratio_json.read_text(encoding="utf-8"))["runs"]
        )
    lines += [
        "## Running it",
        "",
        "```sh",
        "# embedded store; the seeded data is kept in bench/out/api-store for re-runs",
        "nice -n 10 .venv/bin/python bench/api/run.py --data-dir bench/out/api-store",
        "# a MongoDB (database visitplan_bench, seeded on first use)",
        "nice -n 10 .venv/bin/python bench/api/run.py \\",
        "    --mongodb-uri 'mongodb://127.0.0.1:27017/?directConnection=true'",
        "```",
        "",
        "`--help` lists the options (data size, clients, requests, duration).",
        "",
        "The ratio section above:",
        "",
        "```sh",
        "nice -n 19 .venv/bin/python bench/api/ratio.py \\",
        "    --data-dir bench/out/ratio-store",
        "```",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


RATIO_NOTE = """\
`bench/api/ratio.py` runs the server through `bench/api/capture_server.py`, which
registers a `pymongo.monitoring.CommandListener` before the app opens its Motor
client. One client sends a sample of each operation's requests one at a time, and
each request gets the store commands that started between its sending and its answer
(pings, hello, endSessions, the store watch and the sweep of `visit_plans` left
out). Each request's commands are then replayed directly with Motor, one after the
other in the order captured (a find or aggregate with its getMores as one cursor
read to the end; the driver's session and routing fields stripped), and the same
requests in the same order go through a plain `visitplan serve --production`.
**latency x** is the GraphQL mean latency over the replay's mean; **req/s x** is the
replay's throughput over GraphQL's. Latencies are those of answered requests, so
where GraphQL requests were refused (HTTP 504 from the server's 10 s request
timeout) its latency ratio reads low and the throughput ratio is the one to read.
The targets are those of the issue: my day at most 1.5x, the customer list at most
1.3x. The replay sends commands one after the other where the server may send some
at once, so where it does the ratio reads low. The machine is shared with other
work: the 1-minute load average before each GraphQL run and after its replay is
given, and on 2 cores anything above 2 means the benchmark's processes waited for a
core.
"""


def ratio_markdown(runs: list[dict[str, Any]]) -> list[str]:
    """The section "API cost over its store reads" of the ratio runs."""
    lines = [
        "## API cost over its store reads",
        "",
        RATIO_NOTE,
        "| date | code | data | operation | clients | GraphQL ok / errors "
        "| GraphQL req/s | GraphQL p50 ms "
        "| GraphQL p90 ms | replay req/s | replay p50 ms | replay p90 ms | latency x "
        "| target | req/s x | load 1 min |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- "
        "| --- | --- | --- | --- |",
    ]
    for entry in runs:
        counts = entry["data"]["counts"]
        data = f"{counts['customers']:,} customers, {counts['visits']:,} visits"
        for name, rows in entry["operations"].items():
            for row in rows:
                g, r, q = row["graphql"], row["replay"], row["ratio"]
                met = (
                    ""
                    if q["latency"] is None or row["target"] is None
                    else (" (met)" if q["latency"] <= row["target"] else " (missed)")
                )
                load = " / ".join(f"{x:.1f}" for x in row["load_average_1m"])
                lines.append(
                    f"| {entry['date'][:16].replace('T', ' ')} | {entry['code']} "
                    f"| {data} | {name} | {row['clients']} "
                    f"| {_fmt(g['ok'])} / {_fmt(g['errors'])} "
                    f"| {_fmt(g['throughput_rps'])} | {_fmt(g['p50_ms'])} "
                    f"| {_fmt(g['p90_ms'])} | {_fmt(r['throughput_rps'])} "
                    f"| {_fmt(r['p50_ms'])} | {_fmt(r['p90_ms'])} "
                    f"| {_fmt(q['latency'])}{met} | {_fmt(row['target'])} "
                    f"| {_fmt(q['throughput'])} | {load} |"
                )
    lines += ["", "### Ratio runs", ""]
    for entry in runs:
        m, cap = entry["machine"], entry["capture"]
        shapes = "; ".join(
            f"{name}: {o['commands_per_request']:.1f} commands per request "
            f"({o['commonest_calls']}), {o['store_ms_per_request_as_the_driver_saw']}"
            " ms in the store as the server's driver timed them"
            for name, o in cap["operations"].items()
        )
        lines.append(
            f"- {entry['date']}: code {entry['code']}; {entry['store']['kind']} "
            f"{entry['store'].get('version') or ''}; data: "
            + ", ".join(f"{v:,} {k}" for k, v in entry["data"]["counts"].items())
            + f" (generate(customers={entry['data']['size']['customers']}, "
            f"reps={entry['data']['size']['reps']}, "
            f"months={entry['data']['size']['months']})); "
            f"{entry['load']['samples']} sampled requests per operation, "
            f"{entry['load']['requests_per_run']} requests per run; machine: "
            f"{m['cores']} cores ({m.get('cpu', '?')}), load average "
            f"{m['load_average_at_start']} at the start and "
            f"{m.get('load_average_at_end')} at the end. Captured: {shapes}; "
            f"{cap['background_commands']} background commands left out, "
            f"{sum(cap['left_between_requests'].values())} request commands "
            "outside every request."
            + (f" {entry['note']}" if entry.get("note") else "")
        )
    for entry in runs[-1:]:
        for name, profile in entry["capture"]["profiles"].items():
            lines += [
                "",
                f"Where the server's time goes, {name} ({entry['date'][:10]}, one "
                "client, cProfile of the event loop's thread; the driver's own "
                "threads, which encode and decode BSON, are not in it; a coroutine's "
                "calls count each time it resumes):",
                "",
                "| cumulative s | own s | calls | function |",
                "| --- | --- | --- | --- |",
            ]
            lines += [
                f"| {p['cumulative_s']:.3f} | {p['own_s']:.3f} | {p['calls']:,} "
                f"| `{p['function']}` |"
                for p in profile["top_cumulative"]
            ]
            lines += [
                "",
                "The same profile's functions with the most own time (not counting "
                "what they call):",
                "",
                "| own s | cumulative s | calls | function |",
                "| --- | --- | --- | --- |",
            ]
            lines += [
                f"| {p['own_s']:.3f} | {p['cumulative_s']:.3f} | {p['calls']:,} "
                f"| `{p['function']}` |"
                for p in profile["top_own"][:10]
            ]
    lines += [
        "",
        "Raw figures, every latency and the profiles' top entries included, are in "
        "`api-ratio.json` beside this page.",
        "",
    ]
    return lines


def record(run: dict[str, Any], json_path: Path, md_path: Path) -> None:
    """Append ``run`` to the JSON record and rewrite the Markdown page from it."""
    runs: list[dict[str, Any]] = []
    if json_path.exists():
        runs = json.loads(json_path.read_text(encoding="utf-8"))["runs"]
    runs.append(run)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(
        json.dumps({"runs": runs}, indent=1, default=str) + "\n", encoding="utf-8"
    )
    write_markdown(runs, md_path)


# --- main ----------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    where = parser.add_argument_group("store")
    where.add_argument("--mongodb-uri", help="use this MongoDB, not the embedded store")
    where.add_argument(
        "--data-dir",
        type=Path,
        help="the embedded store's folder, kept between runs; None: a temporary folder",
    )
    where.add_argument("--database", default="visitplan_bench", help="database name")
    where.add_argument(
        "--store-port", type=int, default=0, help="the embedded store's port; 0: free"
    )
    where.add_argument(
        "--replace",
        action="store_true",
        help="delete data in the database that this script did not seed",
    )
    data = parser.add_argument_group("data (seed.generate)")
    data.add_argument("--customers", type=int, default=10_000, help="customers")
    data.add_argument("--reps", type=int, default=66, help="field reps")
    data.add_argument("--months", type=int, default=24, help="months of history")
    data.add_argument("--seed", type=int, default=42, help="random seed")
    run = parser.add_argument_group("load")
    run.add_argument("--clients", type=int, default=50, help="concurrent clients")
    run.add_argument(
        "--requests", type=int, default=200, help="at most, per client and operation"
    )
    run.add_argument(
        "--duration", type=float, default=60, help="seconds per operation, at most"
    )
    run.add_argument(
        "--warmup",
        type=int,
        default=3,
        help="warm-up requests per client (of at most 10 clients)",
    )
    run.add_argument("--timeout", type=float, default=120, help="per request, s")
    out = parser.add_argument_group("output")
    out.add_argument(
        "--json",
        type=Path,
        default=ROOT / "docs/benchmarks/api.json",
        help="the record of every run",
    )
    out.add_argument(
        "--markdown",
        type=Path,
        default=ROOT / "docs/benchmarks/api.md",
        help="the page written from the record",
    )
    out.add_argument(
        "--no-record",
        action="store_true",
        help="print the figures only; leave docs/benchmarks alone",
    )
    out.add_argument("--note", help="a remark recorded with the run")
    out.add_argument(
        "--markdown-only",
        action="store_true",
        help="rewrite the Markdown page from the JSON record, run nothing",
    )
    out.add_argument(
        "--server-log",
        type=Path,
        default=ROOT / "bench/out/api-server.log",
        help="the server's output (appended)",
    )
    return parser.parse_args(argv)


def _stop_on_sigterm() -> None:
    # SystemExit unwinds the context managers, which stop the server and the store.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def main(argv: list[str] | None = None) -> int:
    """Seed, serve, load, record; return the exit code."""
    args = parse_args(argv)
    if args.markdown_only:
        write_markdown(
            json.loads(args.json.read_text(encoding="utf-8"))["runs"], args.markdown
        )
        return 0
    _stop_on_sigterm()
    size = Size(args.customers, args.reps, args.months, args.seed)
    started = datetime.now(UTC)
    where = machine()
    code = code_version()  # before the server starts: the code it loads
    with store_uri(args) as (uri, kind):
        seeded = asyncio.run(ensure_data(uri, args.database, size, args.replace))
        with running_server(uri, args.database, args.server_log) as base:
            health = httpx.get(f"{base}/healthz", timeout=10).json()
            print(f"server on {base}: {health}", flush=True)
            results = asyncio.run(measure(base, uri, seeded, args))
    run = {
        "date": started.isoformat(timespec="seconds"),
        "machine": where,
        "code": code,
        "store": {
            "kind": kind,
            "version": store_version(kind, health.get("server_version")),
            "reports_mongodb": health.get("server_version"),
            "uri": redact(uri),
        },
        "data": {
            "size": asdict(size),
            "now": seeded.now,
            "counts": seeded.counts,
            "reused": seeded.reused,
            "generate_s": seeded.generate_s,
            "insert_s": seeded.insert_s,
        },
        "load": {
            "clients": args.clients,
            "requests_per_client": args.requests,
            "duration_s": args.duration,
            "warmup_per_client": args.warmup,
            "timeout_s": args.timeout,
        },
        "operations": results,
    }
    if args.note:
        run["note"] = args.note
    if args.no_record:
        print(
            json.dumps({k: v for k, v in run.items() if k != "operations"}, default=str)
        )
    else:
        record(run, args.json, args.markdown)
        print(f"recorded in {args.json} and {args.markdown}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
