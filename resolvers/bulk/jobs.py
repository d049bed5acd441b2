"""Imports over HTTP run in the background: a job per uploaded file.

The upload is kept in a temporary file and answered at once with the job's id;
the import runs as a task of the server process (its rows are read from that
file twice, checked then written, as the command line reads them), and the job
tells how far it got. Jobs live in the memory of the server that runs them: a
finished job is kept ``KEEP`` long (at most ``KEPT`` of them), and a server
that stops forgets its jobs (an import it was writing stops where it was; run
it again, an import of rows already stored leaves them unchanged).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from models.common import rfc3339, utc_now
from resolvers.access import Principal
from resolvers.bulk.files import FileInvalid, read_rows
from resolvers.bulk.importing import Importer, Report
from resolvers.bulk.mappings import Mapping, MappingInvalid
from resolvers.context import Context

log = logging.getLogger("visitplan.bulk")

#: Seconds a finished job stays readable.
KEEP = 3600.0
#: Finished jobs kept at most; the oldest go first.
KEPT = 100
#: Imports one server runs at the same time; more are refused (RATE_LIMITED).
RUNNING = 2


class TooManyImports(Exception):
    """The server already runs its most imports."""


@dataclass
class ImportJob:
    """One import: who started it, its file, and how far it got."""

    id: str
    entity: str
    mapping: str
    owner: str
    importer: Importer
    dry_run: bool
    upload: IO[bytes] | None = None
    created_at: Any = field(default_factory=utc_now)
    status: str = "queued"
    failure: str | None = None
    finished: float | None = None

    def view(self) -> dict[str, Any]:
        """The job as ``GET /bulk/imports/{id}`` answers it."""
        report = self.importer.report or Report(self.entity, self.dry_run)
        return {
            "id": self.id,
            "kind": self.entity,
            "mapping": self.mapping,
            "status": self.status,
            "phase": report.phase,
            "dryRun": report.dry_run,
            "createdAt": rfc3339(self.created_at),
            "rowsRead": report.rows,
            "rowsInvalid": report.invalid_rows,
            "rowsWritten": report.written_rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "existing": report.existing,
            "notGeocoded": report.not_geocoded,
            "ignoredColumns": report.ignored_columns,
            "written": report.written,
            "errors": [_error(e) for e in report.errors],
            "errorsListed": len(report.errors),
            "stopped": _error(report.stopped) if report.stopped else None,
            "failure": self.failure,
        }


def _status(report: Report) -> str:
    """How a finished run ended: ``done``; ``refused`` (invalid rows, nothing
    written); ``stopped`` (a write refused, the rows before it written)."""
    if report.stopped is not None:
        return "stopped"
    if report.invalid_rows and not report.written and not report.dry_run:
        return "refused"
    return "done"


def _error(error: Any) -> dict[str, Any]:
    return {"row": error.row, "column": error.column, "reason": error.reason}


def owner_of(who: Principal) -> str:
    """Whose jobs a principal reads: an API key its own, a user theirs."""
    return f"key:{who.key_id}" if who.is_key else f"user:{who.user_id}"


class ImportJobs:
    """The imports this server runs and has run; opened by its lifespan."""

    def __init__(self, running: int = RUNNING) -> None:
        self.running = running
        self._jobs: dict[str, ImportJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def busy(self) -> int:
        """Imports being run now."""
        return sum(j.status in ("queued", "running") for j in self._jobs.values())

    def start(
        self,
        ctx: Context,
        entity: str,
        mapping: Mapping,
        upload: IO[bytes],
        *,
        dry_run: bool,
        skip_invalid: bool,
        fmt: str,
    ) -> ImportJob:
        """Run the import of ``upload`` (which the job closes) in the background.

        Raises:
            TooManyImports: The server already runs ``running`` imports.
        """
        self._forget_old()
        if self.busy() >= self.running:
            upload.close()
            raise TooManyImports(
                f"{self.running} imports are running on this server already; "
                "try again when one is done"
            )
        assert ctx.principal is not None
        job = ImportJob(
            id=secrets.token_urlsafe(12),
            entity=entity,
            mapping=mapping.name,
            owner=owner_of(ctx.principal),
            importer=Importer(ctx, entity, mapping),
            dry_run=dry_run,
            upload=upload,
        )
        self._jobs[job.id] = job
        task = asyncio.create_task(self._run(job, upload, fmt, dry_run, skip_invalid))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    def get(self, job_id: str, who: Principal) -> ImportJob | None:
        """The job, if ``who`` started it (any other job reads as missing)."""
        job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner_of(who) else None

    async def _run(
        self,
        job: ImportJob,
        upload: IO[bytes],
        fmt: str,
        dry_run: bool,
        skip_invalid: bool,
    ) -> None:
        job.status = "running"
        texts: list[io.TextIOWrapper] = []

        def open_rows() -> tuple[list[str], Iterator[Any]]:
            upload.seek(0)
            text = io.TextIOWrapper(upload, encoding="utf-8-sig", newline="")
            texts.append(text)
            return read_rows(text, fmt)

        try:
            report = await job.importer.run(
                open_rows, dry_run=dry_run, skip_invalid=skip_invalid
            )
        except (FileInvalid, MappingInvalid) as error:
            job.status, job.failure = "failed", str(error)
        except UnicodeDecodeError:
            job.status, job.failure = "failed", "the file is not UTF-8 text"
        except asyncio.CancelledError:
            job.status, job.failure = "failed", "the server stopped"
            raise
        except Exception as error:  # a bug or an outage: said, and logged
            log.exception("import %s failed", job.id)
            job.status = "failed"
            job.failure = f"the import stopped with an error ({type(error).__name__})"
        else:
            job.status = _status(report)
        finally:
            for text in texts:
                text.detach()  # the upload is closed once, below
            upload.close()
            job.finished = time.monotonic()

    def _forget_old(self) -> None:
        now = time.monotonic()
        done = sorted(
            (j for j in self._jobs.values() if j.finished is not None),
            key=lambda j: j.finished or 0.0,
        )
        for n, job in enumerate(done):
            if now - (job.finished or now) > KEEP or len(done) - n > KEPT:
                del self._jobs[job.id]

    async def stop(self) -> None:
        """Stop the imports still running (the server is stopping)."""
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for job in self._jobs.values():  # those cancelled before they began
            if job.status in ("queued", "running"):
                job.status, job.failure = "failed", "the server stopped"
            if job.upload is not None:
                job.upload.close()
