"""Reading and writing rows as CSV or JSON Lines, a batch at a time.

Rows are numbered as a spreadsheet shows them: in a CSV file the header is row
1 and the first record row 2; in a JSON Lines file a row is its line number.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

FORMATS = ("csv", "jsonl")
#: Rows read, checked and written together.
BATCH = 500


class FileInvalid(ValueError):
    """A file that cannot be read as its format; nothing is imported."""


def format_of(path: str | None, given: str | None) -> str:
    """The format ``--format`` gives, else the one the file name says."""
    if given is not None:
        return given
    if path and Path(path).suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    return "csv"


#: A row's number and its cells (column -> value); ``None`` cells are a CSV
#: row's cells beyond the header, or a JSON line that is not an object.
Row = tuple[int, dict[str, Any] | None]


def read_rows(stream: IO[str], fmt: str) -> tuple[list[str], Iterator[Row]]:
    """The header (a JSON Lines file's first object's keys) and the rows."""
    if fmt == "csv":
        reader = csv.reader(stream)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise FileInvalid("the file is empty (no header row)") from None
        except csv.Error as error:
            raise FileInvalid(f"row 1: {error}") from None
        if len(set(header)) != len(header):
            raise FileInvalid("row 1: a column name appears twice")
        return header, _csv_rows(reader, header)
    lines = _json_rows(stream)
    first = next(lines, None)
    if first is None:
        raise FileInvalid("the file is empty")
    header = list(first[1]) if first[1] else []
    return header, _chain(first, lines)


def _chain(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rest


def _csv_rows(reader: Any, header: list[str]) -> Iterator[Row]:
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise FileInvalid(f"row {number}: {error}") from None
        if not any(c.strip() for c in cells):
            continue  # a blank line, as spreadsheets leave at the end
        if len(cells) > len(header):
            yield number, None
            continue
        yield number, dict(zip(header, cells, strict=False))


def _json_rows(stream: IO[str]) -> Iterator[Row]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            yield number, None
            continue
        yield number, value if isinstance(value, dict) else None


def batches(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """``rows`` in lists of ``size``."""
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


class RowWriter:
    """Writes rows of the given columns as CSV or JSON Lines."""

    def __init__(self, stream: IO[str], fmt: str, columns: list[str]) -> None:
        """Start the output (a CSV header) on ``stream``."""
        self.stream, self.fmt, self.columns = stream, fmt, columns
        self.count = 0
        if fmt == "csv":
            self._csv = csv.writer(stream, lineterminator="\n")
            self._csv.writerow(columns)

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Write a batch of rows (JSON values; CSV writes them as text)."""
        for row in rows:
            if self.fmt == "csv":
                self._csv.writerow([_cell(row.get(c)) for c in self.columns])
            else:
                self.stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.count += len(rows)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(_cell(v) for v in value)
    if isinstance(value, dict) and set(value) == {"system", "id"}:
        return f"{value['system']}:{value['id']}"
    return str(value)
