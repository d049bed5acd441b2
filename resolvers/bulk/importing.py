"""Importing a file: every row checked first, then written through the upserts.

All or none: a real run writes only when every row is valid (with
``skip_invalid``, the valid rows and none of the others). Rows are read in
batches twice, to check and to write, so memory stays flat however long the
file is; only the upsert keys seen so far are kept, to refuse a key that a
file gives twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from beanie import Document

from models import Customer, Demand, Rep, Visit
from resolvers import customers, demands, visit_upserts
from resolvers.access import Forbidden
from resolvers.bulk.files import Row, batches
from resolvers.bulk.mappings import (
    CUSTOM,
    Converted,
    Mapping,
    Ref,
    check_header,
    convert,
)
from resolvers.common import build
from resolvers.context import Context
from resolvers.errors import DomainError

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

    async def run(
        self, open_rows: Opener, *, dry_run: bool, skip_invalid: bool = False
    ) -> Report:
        """Check every row; then, unless ``dry_run``, write them (all valid
        rows when every row is valid or ``skip_invalid``, else none)."""
        report = Report(self.entity, dry_run)
        header, rows = open_rows()
        report.ignored_columns = check_header(self.mapping, header)
        invalid: set[int] = set()
        seen: dict[str, int] = {}
        for batch in batches(rows):
            for item in await self._prepare(batch, seen):
                report.rows += 1
                if item.errors:
                    invalid.add(item.row)
                    for error in item.errors:
                        report.add(error)
                elif not item.converted.geocoded:
                    report.not_geocoded += 1
            report.existing += await self._existing(batch, seen)
        report.invalid_rows = len(invalid)
        if dry_run or (invalid and not skip_invalid):
            return report
        report.written = True
        _, rows = open_rows()
        for batch in batches(rows):
            for item in await self._prepare(batch, None):
                if item.row in invalid or item.errors:
                    continue
                if not await self._write(item, report):
                    return report
        return report

    async def _existing(self, batch: list[Row], seen: dict[str, int]) -> int:
        numbers = {n for n, _ in batch}
        keys = [k for k, n in seen.items() if n in numbers]
        return await self.model.find({"external_keys": {"$in": keys}}).count()

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

    async def _prepare(
        self, batch: list[Row], seen: dict[str, int] | None
    ) -> list[_Prepared]:
        """The batch's rows converted, references resolved, checked; ``seen``
        (the first pass) collects keys and refuses a key given twice."""
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
            if conv.key is not None and seen is not None:
                first = seen.setdefault(conv.key.key, number)
                if first != number:
                    column = self.mapping.column_of(self._key_target())
                    errors.append(
                        RowError(number, column, f"the same id as row {first}")
                    )
            items.append(_Prepared(number, conv, errors))
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
        found = {
            "reps": await _ids(Rep, wanted["reps"]),
            "customers": await _ids(Customer, wanted["customers"]),
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


async def _ids(model: type[Document], refs: set[Ref]) -> dict[Ref, Any]:
    """The ids of the rows ``refs`` name, in one query."""
    if not refs:
        return {}
    emails = [r.email for r in refs if r.email]
    keys = [r.key for r in refs if r.key]
    clauses: list[dict[str, Any]] = [{"external_keys": {"$in": keys}}]
    if emails:
        clauses.append({"email": {"$in": emails}})
    docs = await model.find({"$or": clauses}).to_list()
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
