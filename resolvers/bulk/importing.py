"""Importing a file: every row checked first, then written through the upserts.

All or none: a real run writes only when every row is valid (with
``skip_invalid``, the valid rows and none of the others). The check covers
what the writes would refuse for the acting principal too: a key held by a row
it may not see or change, an owner or rep it may not assign. Rows are read in
batches twice, to check and to write, so memory stays flat however long the
file is: the keys seen (to refuse a key that a file gives twice) and the rows
found invalid are kept on disk (``ledger``), not in memory. A real run leaves
one audit record with its counts (a dry run writes nothing, that included).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from beanie import Document

from models import Customer, Demand, Rep, Visit
from resolvers import access, audit, customers, demands, visit_upserts
from resolvers.access import Forbidden
from resolvers.bulk.files import FileInvalid, Row, batches
from resolvers.bulk.ledger import Ledger
from resolvers.bulk.mappings import (
    CUSTOM,
    Converted,
    Mapping,
    MappingInvalid,
    Ref,
    check_header,
    convert,
)
from resolvers.common import build
from resolvers.context import Context
from resolvers.errors import DomainError
from resolvers.loaders import visible_check

MODELS: dict[str, type[Document]] = {
    "customers": Customer,
    "demands": Demand,
    "visits": Visit,
}
UPSERTS = {
    "customers": customers.upsert_customer,
    "demands": demands.upsert_demand,
    "visits": visit_upserts.upsert_visit,
}
#: Where a reference's id goes in the upsert's data.
REF_FIELDS = {
    "owner": "owner_id",
    "assignee": "assignee_id",
    "rep": "rep_id",
    "customer": "customer_id",
}
#: Errors listed one by one; further ones are only counted.
MAX_LISTED = 1000
#: A geocoding provider: an address's parts in, ``(lat, lng)`` or ``None`` out.
Geocoder = Callable[[dict[str, Any]], tuple[float, float] | None]


@dataclass(frozen=True)
class RowError:
    """Why one row cannot be imported: its number, the column, the reason."""

    row: int
    column: str
    reason: str


@dataclass
class Report:
    """What an import found and did."""

    entity: str
    dry_run: bool
    rows: int = 0
    invalid_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    existing: int = 0
    not_geocoded: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False
    stopped: RowError | None = None
    #: ``checking``, then ``writing`` (a real run with no invalid rows, or
    #: ``skip_invalid``), then ``done``.
    phase: str = "checking"

    @property
    def written_rows(self) -> int:
        """Rows the write pass has handled so far (created, updated or unchanged)."""
        return self.created + self.updated + self.unchanged

    @property
    def outcome(self) -> str:
        """The run's outcome as the audit trail records it."""
        if self.stopped is not None:
            return "STOPPED"
        if self.written:
            return "IMPORTED"
        return "DRY_RUN" if self.dry_run else "INVALID_ROWS"

    def add(self, error: RowError) -> None:
        """List ``error`` (up to ``MAX_LISTED``)."""
        if len(self.errors) < MAX_LISTED:
            self.errors.append(error)


#: Reads the file from its start: its header and rows.
Opener = Callable[[], tuple[list[str], Iterator[Row]]]


@dataclass
class _Prepared:
    row: int
    converted: Converted
    errors: list[RowError]


class Importer:
    """One import of one file of ``entity`` rows, acting as ``ctx``'s principal."""

    def __init__(
        self,
        ctx: Context,
        entity: str,
        mapping: Mapping,
        *,
        geocoder: Geocoder | None = None,
    ) -> None:
        """Set up the import; ``run`` does it."""
        self.ctx, self.entity, self.mapping = ctx, entity, mapping
        self.geocoder = geocoder
        self.model = MODELS[entity]
        #: The report of the run in progress (``None`` before ``run``).
        self.report: Report | None = None

    async def run(
        self, open_rows: Opener, *, dry_run: bool, skip_invalid: bool = False
    ) -> Report:
        """Check every row; then, unless ``dry_run``, write them (all valid
        rows when every row is valid or ``skip_invalid``, else none).

        ``self.report`` is the report being filled, for progress while it runs.
        """
        report = self.report = Report(self.entity, dry_run)
        try:
            with Ledger() as ledger:
                await self._passes(report, ledger, open_rows, skip_invalid)
        except (FileInvalid, MappingInvalid):
            if not dry_run:
                await self._audit(report, "FILE_INVALID")
            raise
        except BaseException:
            # Ended by an outage or a stopping server after some writes: the
            # trail keeps what was written, as it keeps a stopped mutation's.
            if report.written:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._audit(report, "FAILED"))
            raise
        report.phase = "done"
        if not dry_run:
            await self._audit(report, report.outcome)
        return report

    async def _passes(
        self, report: Report, ledger: Ledger, open_rows: Opener, skip_invalid: bool
    ) -> None:
        header, rows = open_rows()
        report.ignored_columns = check_header(self.mapping, header)
        for batch in batches(rows):
            items = await self._prepare(batch, ledger)
            report.existing += await self._check_access(items)
            bad = [item.row for item in items if item.errors]
            ledger.mark_invalid(bad)
            for item in items:
                report.rows += 1
                for error in item.errors:
                    report.add(error)
                if not item.errors and not item.converted.geocoded:
                    report.not_geocoded += 1
            report.invalid_rows += len(bad)
        if report.dry_run or (report.invalid_rows and not skip_invalid):
            return
        report.written, report.phase = True, "writing"
        _, rows = open_rows()
        for batch in batches(rows):
            items = await self._prepare(batch, None)
            invalid = ledger.invalid_among(item.row for item in items)
            for item in items:
                if item.row in invalid or item.errors:
                    continue
                if not await self._write(item, report):
                    return

    async def _audit(self, report: Report, outcome: str) -> None:
        """One audit record for the run: its counts, not each row's fields (a
        record per field of a million rows would not fit in one document)."""
        counts = {
            "rows": report.rows,
            "invalid": report.invalid_rows,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        }
        operation = "import" + self.entity.capitalize()
        outcomes = [outcome, *(f"{name}={n}" for name, n in counts.items())]
        await audit.record(self.ctx, [operation], outcomes)

    async def _check_access(self, items: list[_Prepared]) -> int:
        """Refuse the rows whose write the principal's rules would refuse;
        return how many rows' keys are stored already.

        The rules are ``access``'s, asked with what the rows would write, so
        a refusal is a row error in the check and never a write half done.
        """
        keys = [i.converted.key.key for i in items if i.converted.key is not None]
        docs = await self.model.find({"external_keys": {"$in": keys}}).to_list()
        holders = {k: d for d in docs for k in getattr(d, "external_keys", [])}
        who = access.principal(self.ctx)
        visible = visible_check(who, self.model)
        existing = 0
        for item in items:
            conv = item.converted
            held = holders.get(conv.key.key) if conv.key is not None else None
            existing += held is not None
            if item.errors or conv.key is None:
                continue
            if held is not None and not visible(held):
                name = self.model.__name__.lower()
                reason = (
                    f"the {conv.key.system} id {conv.key.id!r} already "
                    f"belongs to another {name}"
                )
                item.errors.append(RowError(item.row, self._key_column(), reason))
                continue
            refused = self._refusal(who, held, conv.data)
            if refused is not None:
                item.errors.append(RowError(item.row, *refused))
        return existing

    def _refusal(
        self, who: access.Principal, held: Any, data: dict[str, Any]
    ) -> tuple[str, str] | None:
        """The column and reason ``access``'s write rules refuse one row for
        (``held``: the stored row), or ``None``."""
        owner = self.mapping.column_of("owner")
        try:
            if self.entity == "customers" and held is None:
                who_owns = data.get("owner_id") or access.default_owner(who)
                access.check_assignment(who, who_owns, data.get("territory"))
            elif self.entity == "customers":
                try:
                    access.check_may_change_customer(who, held)
                except Forbidden as refused:
                    return self._key_column(), str(refused)
                before = (held.owner_id, held.territory)
                after = (
                    data.get("owner_id", held.owner_id),
                    data.get("territory", held.territory),
                )
                if after != before:
                    access.check_assignment(who, *after, before=before)
            elif self.entity == "visits":
                owner = self.mapping.column_of("rep")
                rep_id = data.get("rep_id")
                if rep_id is not None and (held is None or rep_id != held.rep_id):
                    access.check_acts_for(who, rep_id, key_scope=access.VISITS_WRITE)
        except Forbidden as refused:
            return owner, str(refused)
        return None

    def _key_column(self) -> str:
        return self.mapping.column_of(self._key_target())

    async def _write(self, item: _Prepared, report: Report) -> bool:
        conv = item.converted
        assert conv.key is not None
        try:
            done = await UPSERTS[self.entity](
                self.ctx, conv.key.model_dump(), None, conv.data
            )
        except (DomainError, Forbidden) as refused:
            column = self._column(getattr(refused, "field", None))
            report.stopped = RowError(item.row, column, str(refused))
            return False
        if done.created:
            report.created += 1
        elif done.changed:
            report.updated += 1
        else:
            report.unchanged += 1
        return True

    async def _prepare(self, batch: list[Row], seen: Ledger | None) -> list[_Prepared]:
        """The batch's rows converted, references resolved, checked; ``seen``
        (the first pass) notes keys and refuses a key given twice."""
        items = []
        for number, record in batch:
            if record is None:
                reason = "more cells than columns, or not a JSON object"
                items.append(
                    _Prepared(number, Converted(), [RowError(number, "", reason)])
                )
                continue
            conv = convert(self.mapping, self.entity, record)
            errors = [RowError(number, c, r) for c, r in conv.errors]
            items.append(_Prepared(number, conv, errors))
        if seen is not None:
            given = [(i.converted.key.key, i.row) for i in items if i.converted.key]
            repeated = seen.first_rows(given)
            for item in items:
                key = item.converted.key
                first = repeated.get(key.key) if key is not None else None
                if first is not None and first != item.row:
                    reason = f"the same id as row {first}"
                    item.errors.append(RowError(item.row, self._key_column(), reason))
        await self._resolve(items)
        for item in items:
            if not item.errors:
                self._geocode(item.converted)
                self._check(item)
        return items

    def _key_target(self) -> str:
        return "externalIds" if self.mapping.system is None else "externalId"

    async def _resolve(self, items: list[_Prepared]) -> None:
        """Put the ids of referenced reps and customers in the rows' data."""
        wanted: dict[str, set[Ref]] = {"reps": set(), "customers": set()}
        for item in items:
            for name, ref in item.converted.refs.items():
                if ref is not None:
                    wanted["customers" if name == "customer" else "reps"].add(ref)
        who = access.principal(self.ctx)
        found = {
            "reps": await _ids(who, Rep, wanted["reps"]),
            "customers": await _ids(who, Customer, wanted["customers"]),
        }
        for item in items:
            for name, ref in item.converted.refs.items():
                kind = "customers" if name == "customer" else "reps"
                target = REF_FIELDS[name]
                if ref is None:
                    item.converted.data[target] = None
                elif ref in found[kind]:
                    item.converted.data[target] = found[kind][ref]
                else:
                    what = "customer" if kind == "customers" else "rep"
                    item.errors.append(
                        RowError(
                            item.row,
                            self.mapping.column_of(name),
                            f"no {what} has {ref.describe()}",
                        )
                    )

    def _geocode(self, conv: Converted) -> None:
        if conv.geocoded or self.geocoder is None:
            return
        address = conv.data["addresses"][0]
        point = self.geocoder(dict(address))
        if point is not None:
            lat, lng = point
            address["location"] = {"type": "Point", "coordinates": [lng, lat]}
            conv.geocoded = True

    def _check(self, item: _Prepared) -> None:
        """Validate the row as the stored document, naming the column at fault."""
        try:
            build(self.model, {**item.converted.data})
        except DomainError as invalid:
            column = self._column(invalid.field)
            reason = invalid.message.split(": ", 1)[-1]
            item.errors.append(RowError(item.row, column, reason))

    def _column(self, api_field: str | None) -> str:
        """The source column behind a field the API names (``addresses.0.city``)."""
        if not api_field:
            return self.mapping.column_of(
                "plannedEnd" if self.entity == "visits" else "name"
            )
        parts = api_field.split(".")
        target = parts[0]
        if target == "addresses" and len(parts) > 2:
            target = "lat" if parts[2] == "location" else parts[2]
        elif target == "customFields":
            target = CUSTOM + parts[1] if len(parts) > 1 else target
        elif target.endswith("Id") and target[:-2] in REF_FIELDS:
            target = target[:-2]
        elif target == "externalId":
            target = self._key_target()
        return self.mapping.column_of(target)


async def _ids(
    who: access.Principal, model: type[Document], refs: set[Ref]
) -> dict[Ref, Any]:
    """The ids of the rows ``refs`` name that ``who`` may see, in one query (a
    row it may not see reads as missing, as everywhere)."""
    if not refs:
        return {}
    emails = [r.email for r in refs if r.email]
    keys = [r.key for r in refs if r.key]
    clauses: list[dict[str, Any]] = [{"external_keys": {"$in": keys}}]
    if emails:
        clauses.append({"email": {"$in": emails}})
    visible = visible_check(who, model)
    docs = [d for d in await model.find({"$or": clauses}).to_list() if visible(d)]
    by_key = {r.key: r for r in refs if r.key}
    found: dict[Ref, Any] = {}
    for doc in docs:
        for key in getattr(doc, "external_keys", []):
            if key in by_key:
                found[by_key[key]] = doc.id
        email = getattr(doc, "email", None)
        if email:
            found[Ref(email=str(email).lower())] = doc.id
    return {r: found[r] for r in refs if r in found}
