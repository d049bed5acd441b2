"""What an import remembers of the rows it read, on disk rather than in memory.

An import reads its file twice (to check, then to write), and between the two
it must know which keys it saw (a key given twice is refused) and which rows
were invalid (with ``skip_invalid`` those are left out). Both grow with the
file, so they live in a temporary SQLite file whose page cache is bounded:
the importer's memory stays the same for ten rows or a million.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable
from types import TracebackType

#: SQLite's page cache, in KiB (a negative ``cache_size`` is KiB).
CACHE_KIB = 2048


class Ledger:
    """The keys and invalid rows of one import, in a temporary database.

    Use as a context manager; the file is removed when it closes.
    """

    def __init__(self, directory: str | None = None) -> None:
        """Open an empty ledger in a new temporary file under ``directory``."""
        self._file = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in close)
            prefix="visitplan-import-", suffix=".sqlite", dir=directory
        )
        self._db = sqlite3.connect(self._file.name)
        self._db.executescript(
            f"""
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -{CACHE_KIB};
            CREATE TABLE keys (key TEXT PRIMARY KEY, row INTEGER NOT NULL);
            CREATE TABLE invalid (row INTEGER PRIMARY KEY);
            """
        )

    def first_rows(self, keys: Iterable[tuple[str, int]]) -> dict[str, int]:
        """Note each ``(key, row)``; return the keys seen before (in an earlier
        batch or earlier in this one) with the row that first gave them."""
        given = list(keys)
        earlier = self._known({k for k, _ in given})
        new: list[tuple[str, int]] = []
        repeated: dict[str, int] = {}
        for key, row in given:
            first = earlier.get(key)
            if first is None:
                earlier[key] = row
                new.append((key, row))
            elif first != row:
                repeated[key] = first
        self._db.executemany("INSERT INTO keys VALUES (?, ?)", new)
        return repeated

    def _known(self, keys: set[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        ordered = sorted(keys)
        # SQLite allows at least 999 parameters in one statement.
        for start in range(0, len(ordered), 900):
            chunk = ordered[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, row FROM keys WHERE key IN ({marks})"
            found.update(self._db.execute(query, chunk))
        return found

    def mark_invalid(self, rows: Iterable[int]) -> None:
        """Note rows that cannot be imported."""
        self._db.executemany(
            "INSERT OR IGNORE INTO invalid VALUES (?)", [(r,) for r in rows]
        )

    def invalid_among(self, rows: Iterable[int]) -> set[int]:
        """Those of ``rows`` noted invalid."""
        ordered = sorted(set(rows))
        found: set[int] = set()
        for start in range(0, len(ordered), 900):
            chunk = ordered[start : start + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT row FROM invalid WHERE row IN ({marks})"
            found.update(r for (r,) in self._db.execute(query, chunk))
        return found

    def invalid_count(self) -> int:
        """How many rows were noted invalid."""
        return int(self._db.execute("SELECT count(*) FROM invalid").fetchone()[0])

    def close(self) -> None:
        """Drop the ledger and its file."""
        self._db.close()
        self._file.close()

    def __enter__(self) -> Ledger:
        """The open ledger."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close it."""
        self.close()
