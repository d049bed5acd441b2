"""Rows per second and peak memory of ``visitplan import`` and ``export``.

Writes a Salesforce Account CSV of each size, starts the embedded store in a
fresh directory, and times the import (checked, then written), a second import
of the same file (every row unchanged) and an export, each as its own
``visitplan`` process whose peak resident memory (``VmHWM``) is read from
/proc. Run it at low priority on a shared machine::

    nice -n 19 .venv/bin/python bench/bulk/run.py 10000 100000 [--check-only]

``--check-only`` runs the dry run alone (every row read, converted, its
references looked up and validated; nothing written).
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from store import EmbeddedStore

HEADER = [
    "Id",
    "Name",
    "BillingStreet",
    "BillingCity",
    "BillingPostalCode",
    "BillingCountry",
    "BillingLatitude",
    "BillingLongitude",
    "Phone",
    "Type",
    "OwnerId",
]


def write_accounts(path: Path, rows: int, seed: int = 1) -> None:
    """A Salesforce Account export of ``rows`` accounts around Munich."""
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(
                [
                    f"001{n:015d}",
                    f"Account {n}",
                    f"Street {n % 500}",
                    "München",
                    f"80{n % 1000:03d}",
                    "Germany",
                    f"{48.1 + rnd.random() * 0.1:.6f}",
                    f"{11.5 + rnd.random() * 0.1:.6f}",
                    f"+49 89 {n:07d}",
                    rnd.choice(["Prospect", "Customer - Direct", "Other"]),
                    "",
                ]
            )


def peak_kib(pid: int) -> int:
    """The process's resident-memory high-water mark in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def timed(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak KiB and the last output line of ``command``."""
    start = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    while process.poll() is None:
        try:
            peak = max(peak, peak_kib(process.pid))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.1)
    output = process.communicate()[0]
    elapsed = time.monotonic() - start
    if process.returncode not in (0,):
        raise SystemExit(f"{command} failed:\n{output}")
    return elapsed, peak, output.strip().splitlines()[-1]


def run(rows: int, check_only: bool = False) -> dict[str, object]:
    """Measure one size on a fresh store (``check_only``: the dry run alone)."""
    visitplan = str(Path(sys.executable).with_name("visitplan"))
    with tempfile.TemporaryDirectory(prefix="bulk-bench-", dir="/tmp") as tmp:
        accounts = Path(tmp) / "accounts.csv"
        write_accounts(accounts, rows)
        with EmbeddedStore(Path(tmp) / "store") as store:
            base = ["--mongodb-uri", store.uri, "--database", "bench"]
            imp = [visitplan, "import", "customers", str(accounts)]
            imp += ["--mapping", "salesforce", *base]
            result: dict[str, object] = {"rows": rows}
            for name, command in (
                ("import", imp),
                ("reimport", imp),
                (
                    "export",
                    [
                        visitplan,
                        "export",
                        "customers",
                        "--out",
                        str(Path(tmp) / "out.csv"),
                        *base,
                    ],
                ),
            ):
                seconds, peak, last = timed(command)
                result[name] = {
                    "seconds": round(seconds, 1),
                    "rows_per_s": round(rows / seconds),
                    "peak_mib": round(peak / 1024, 1),
                    "said": last,
                }
                print(json.dumps({name: result[name], "rows": rows}), flush=True)
    return result


if __name__ == "__main__":
    check_only = "--check-only" in sys.argv
    sizes = [int(a) for a in sys.argv[1:] if a.isdigit()] or [10_000, 100_000]
    print(json.dumps([run(n, check_only) for n in sizes], indent=2))
