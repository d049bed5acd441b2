"""The ``import`` and ``export`` commands: partners' CRM files in and out.

``visitplan import customers|demands|visits FILE [--format csv|jsonl]
[--mapping salesforce|zoho|dynamics|hubspot|MAPPING.json] [--dry-run]
[--skip-invalid]`` checks every row, then writes all of them or none (with
``--skip-invalid``, the valid ones). ``visitplan export customers|demands|visits
[--format csv|jsonl] [--since DATETIME] [--out FILE]`` writes what an import
reads back. Exit codes: 0 done; 1 invalid rows (listed) or a refused write;
2 a file, mapping or option that cannot be used (nothing read or written).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cli.server import connected, settings_from, store_options
from store import StoreUnavailable

ENTITIES = ("customers", "demands", "visits")
EXIT_OK, EXIT_INVALID, EXIT_BAD_INPUT = 0, 1, 2


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> int:
    print(f"visitplan: {message}", file=sys.stderr)
    return code


def _geocoder(spec: str | None) -> Any:
    """The ``module:function`` that ``--geocoder`` names, or ``None``."""
    if spec is None:
        return None
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        raise ValueError(f"--geocoder: cannot load {spec} (module:function)") from None


def _summary(report: Any, mapping: str) -> list[str]:
    lines = [
        f"{report.entity} from {mapping} format: {report.rows} rows, "
        f"{report.invalid_rows} invalid"
    ]
    if report.ignored_columns:
        lines.append("ignored columns: " + ", ".join(report.ignored_columns))
    for e in report.errors:
        column = f", column {e.column}" if e.column else ""
        lines.append(f"row {e.row}{column}: {e.reason}")
    listed = len(report.errors)
    if report.invalid_rows and listed >= 1000:
        lines.append("(only the first 1000 errors are listed)")
    if report.not_geocoded:
        lines.append(
            f"{report.not_geocoded} rows have no coordinates: stored not geocoded"
        )
    if report.dry_run:
        valid = report.rows - report.invalid_rows
        lines.append(
            f"dry run: {valid} valid rows ({report.existing} ids already stored); "
            "nothing was written"
        )
    elif not report.written:
        lines.append(
            "nothing was written: a file with invalid rows is refused whole "
            "(--skip-invalid writes the valid rows)"
        )
    else:
        if report.stopped is not None:
            e = report.stopped
            lines.append(
                f"stopped at row {e.row} (column {e.column}): {e.reason}; "
                "the rows before it were written"
            )
        lines.append(
            f"created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}"
        )
    return lines


async def _import(args: argparse.Namespace) -> int:
    from resolvers.access import Principal
    from resolvers.bulk.files import FileInvalid, format_of, read_rows
    from resolvers.bulk.importing import Importer
    from resolvers.bulk.mappings import MappingInvalid, load_mapping
    from resolvers.context import Context

    path = Path(args.file)
    fmt = format_of(args.file, args.format)
    try:
        mapping = load_mapping(args.mapping, args.entity)
        geocoder = _geocoder(args.geocoder)
    except (MappingInvalid, ValueError) as error:
        return _fail(str(error))
    files: list[IO[str]] = []

    def open_rows() -> tuple[list[str], Iterator[Any]]:
        stream = path.open(encoding="utf-8-sig", newline="")
        files.append(stream)
        return read_rows(stream, fmt)

    async with connected(settings_from(args)):
        ctx = Context(principal=Principal.system())
        importer = Importer(ctx, args.entity, mapping, geocoder=geocoder)
        try:
            report = await importer.run(
                open_rows, dry_run=args.dry_run, skip_invalid=args.skip_invalid
            )
        except (MappingInvalid, FileInvalid) as error:
            return _fail(f"{args.file}: {error}")
        except UnicodeDecodeError:
            return _fail(f"{args.file}: not UTF-8 text")
        finally:
            for stream in files:
                stream.close()
    print("\n".join(_summary(report, mapping.name)))
    bad = report.invalid_rows or report.stopped is not None
    return EXIT_INVALID if bad else EXIT_OK


async def _export(args: argparse.Namespace, out: IO[str]) -> int:
    from resolvers.bulk.exporting import export_rows
    from resolvers.bulk.files import format_of
    from resolvers.bulk.mappings import parse_time

    since = None
    if args.since is not None:
        try:
            since = parse_time(args.since)
        except ValueError as error:
            return _fail(f"--since: {error}")
    fmt = format_of(args.out, args.format)
    async with connected(settings_from(args)):
        count = await export_rows(args.entity, out, fmt, since)
    print(f"exported {count} {args.entity}", file=sys.stderr)
    return EXIT_OK


def run_import(args: argparse.Namespace) -> int:
    """Handle ``visitplan import``."""
    if not Path(args.file).is_file():
        return _fail(f"{args.file}: no such file")
    return _run(_import(args))


def run_export(args: argparse.Namespace) -> int:
    """Handle ``visitplan export``."""
    if args.out is None:
        return _run(_export(args, sys.stdout))
    if not Path(args.out).resolve().parent.is_dir():
        return _fail(f"--out: directory of {args.out} does not exist")
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        return _run(_export(args, out))


def _run(job: Any) -> int:
    try:
        return int(asyncio.run(job))
    except StoreUnavailable as error:
        return _fail(str(error), EXIT_INVALID)


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Register the ``import`` and ``export`` commands."""
    store = store_options()
    imp = commands.add_parser(
        "import",
        parents=[store],
        help="import customers, demands or visits from a CSV or JSON Lines file",
        description="Check every row, then upsert all rows by external id, or "
        "none when any row is invalid (unless --skip-invalid).",
    )
    imp.add_argument("entity", choices=ENTITIES)
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--format", choices=("csv", "jsonl"), help="default: from FILE")
    imp.add_argument(
        "--mapping",
        metavar="PRESET|MAPPING.json",
        help="salesforce, zoho, dynamics, hubspot (account exports), or a mapping "
        "file (default: visitplan's own columns, as exported)",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="check and report; write nothing"
    )
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the valid rows even when others are invalid",
    )
    imp.add_argument(
        "--geocoder",
        metavar="MODULE:FUNCTION",
        help="a function giving (lat, lng) for an address without coordinates",
    )
    imp.set_defaults(handler=run_import)
    exp = commands.add_parser(
        "export",
        parents=[store],
        help="export customers, demands or visits as CSV or JSON Lines",
    )
    exp.add_argument("entity", choices=ENTITIES)
    exp.add_argument("--format", choices=("csv", "jsonl"), help="default: from --out")
    exp.add_argument(
        "--since", metavar="DATETIME", help="only rows changed since (RFC 3339)"
    )
    exp.add_argument("--out", metavar="FILE", help="default: standard output")
    exp.set_defaults(handler=run_export)
