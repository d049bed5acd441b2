"""Memory of one long import: resident memory as the rows go by.

Writes a Salesforce Account CSV of ``ROWS`` rows (``run.write_accounts``),
starts the embedded store in a fresh directory and imports the file in this
process, as ``visitplan import customers FILE --mapping salesforce`` does. At
each milestone (10,000, 50,000 and 100,000 rows by default) of the check pass
and of the write pass it notes the rows per second so far, the resident memory
now (``VmRSS``) and its high-water mark (``VmHWM``) of this process (the
store's own memory not included). Flat memory means the marks at 100,000 rows
are those at 10,000. Run it at low priority on a shared machine::

    nice -n 19 .venv/bin/python bench/bulk/memory.py [ROWS] [--check-only]

``--check-only`` runs the dry run alone (the check pass: every row read,
converted, looked up and validated; nothing written).
"""

from __future__ import annotations

import asyncio
import io
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import write_accounts

from resolvers.access import Principal
from resolvers.bulk.files import read_rows
from resolvers.bulk.importing import Importer, Report
from resolvers.bulk.mappings import load_mapping
from resolvers.context import Context
from store import EmbeddedStore, open_database

MILESTONES = (10_000, 50_000, 100_000)
#: Seconds between two looks at the import's progress.
POLL_S = 0.05


def memory_kib() -> dict[str, int]:
    """This process's ``VmRSS`` and ``VmHWM`` in KiB."""
    found: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


async def watch(importer: Importer, rows: int, out: list[dict[str, Any]]) -> None:
    """Note each milestone of each pass as the import reaches it."""
    marks = [m for m in MILESTONES if m <= rows] or [rows]
    if marks[-1] != rows:
        marks.append(rows)
    todo = {"checking": list(marks), "writing": list(marks)}
    started: dict[str, float] = {}
    while True:
        # getattr: the same script measures importers from before ``report``
        # (their milestones are not seen; their end is).
        report: Report | None = getattr(importer, "report", None)
        if report is not None:
            done = {"checking": report.rows, "writing": report.written_rows}
            started.setdefault("checking", time.monotonic())
            if report.written:
                started.setdefault("writing", time.monotonic())
            # The check pass's last rows are counted as the write pass begins.
            for phase in [p for p in ("checking", "writing") if p in started]:
                _note(phase, todo[phase], done[phase], started[phase], out)
            if report.phase == "done":
                return
        await asyncio.sleep(POLL_S)


def _note(
    phase: str, todo: list[int], done: int, started: float, out: list[dict[str, Any]]
) -> None:
    """Note the milestones of ``phase`` that ``done`` rows have passed."""
    while todo and done >= todo[0]:
        mark = todo.pop(0)
        seconds = time.monotonic() - started
        mem = memory_kib()
        point = {
            "pass": "check" if phase == "checking" else "write",
            "rows": mark,
            "seconds": round(seconds, 1),
            "rows_per_s": round(done / seconds) if seconds else None,
            "rss_mib": round(mem["VmRSS"] / 1024, 1),
            "peak_mib": round(mem["VmHWM"] / 1024, 1),
        }
        out.append(point)
        print(json.dumps(point), flush=True)


async def measure(rows: int, check_only: bool) -> list[dict[str, Any]]:
    """Import ``rows`` accounts on a fresh store; the milestones noted."""
    with tempfile.TemporaryDirectory(prefix="import-bench-", dir="/tmp") as tmp:
        accounts = Path(tmp) / "accounts.csv"
        write_accounts(accounts, rows)
        with EmbeddedStore(Path(tmp) / "store") as store:
            client, _ = await open_database(store.uri, "bench")
            files: list[io.TextIOBase] = []

            def open_rows() -> Any:
                stream = accounts.open(encoding="utf-8-sig", newline="")
                files.append(stream)
                return read_rows(stream, "csv")

            ctx = Context(principal=Principal.system())
            importer = Importer(
                ctx, "customers", load_mapping("salesforce", "customers")
            )
            out: list[dict[str, Any]] = [{"start": memory_kib()}]
            watcher = asyncio.create_task(watch(importer, rows, out))
            report = await importer.run(open_rows, dry_run=check_only)
            await asyncio.wait({watcher}, timeout=1.0)
            watcher.cancel()
            out.append({"end": memory_kib()})
            for stream in files:
                stream.close()
            client.close()
    out.append(
        {
            "rows": report.rows,
            "invalid": report.invalid_rows,
            "created": report.created,
            "unchanged": report.unchanged,
        }
    )
    return out


if __name__ == "__main__":
    size = next((int(a) for a in sys.argv[1:] if a.isdigit()), MILESTONES[-1])
    result = asyncio.run(measure(size, "--check-only" in sys.argv))
    print(json.dumps(result, indent=2))
