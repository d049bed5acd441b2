"""From a file's columns to the fields the upserts take, row by row.

A mapping names, for each source column, the field it fills (``name``,
``street``, ``owner``, ``custom.industry``, ...), optionally with a table of
values (``"Prospect": "lead"``) and a type for custom fields. Without a
mapping a file is read in visitplan's own format, the one exports write.
Everything here is pure: references (owners, customers, reps) are returned as
``Ref`` values for the importer to look up in batches.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from models.common import ExternalId, as_utc
from resolvers.errors import DomainError

ENTITIES = ("customers", "demands", "visits")
ADDRESS_FIELDS = ("street", "city", "postalCode", "country")
#: The fields of each entity, in the order exports write them.
FIELDS: dict[str, tuple[str, ...]] = {
    "customers": (
        "externalIds",
        "name",
        "legalName",
        "tier",
        "status",
        "territory",
        "owner",
        "timeZone",
        "tags",
        "visitIntervalDays",
        "addressLabel",
        *ADDRESS_FIELDS,
        "lat",
        "lng",
    ),
    "demands": (
        "externalIds",
        "customer",
        "type",
        "title",
        "description",
        "priority",
        "due",
        "assignee",
    ),
    "visits": (
        "externalIds",
        "customer",
        "rep",
        "purpose",
        "purposeText",
        "agenda",
        "plannedStart",
        "plannedEnd",
        "pinned",
    ),
}
#: Fields a row must fill (beside its external id).
REQUIRED = {
    "customers": ("name",),
    "demands": ("customer", "type", "title"),
    "visits": ("customer", "rep", "purpose", "plannedStart", "plannedEnd"),
}
#: Reference fields and the collection they name.
REFERENCES = {
    "owner": "reps",
    "assignee": "reps",
    "rep": "reps",
    "customer": "customers",
}
CUSTOM = "custom."
CUSTOM_TYPES = ("string", "number", "boolean", "datetime", "auto")
_NUMBER = re.compile(r"\A[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")
_RFC3339 = re.compile(r"\A\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)\Z")


class MappingInvalid(DomainError):
    """A mapping (file or preset) that cannot be used; nothing is read."""


@dataclass(frozen=True)
class Column:
    """What one source column fills."""

    target: str
    values: dict[str, str] | None = None
    default: str | None = None
    type: str = "string"


@dataclass(frozen=True)
class Mapping:
    """Source columns to fields, the partner system their ids belong to, and
    fixed values every row gets."""

    name: str
    system: str | None
    columns: dict[str, Column]
    constants: dict[str, str] = field(default_factory=dict)
    entity: str | None = None

    def column_of(self, target: str) -> str:
        """The source column filling ``target`` (for error reports)."""
        for source, col in self.columns.items():
            if col.target == target:
                return source
        return target


@dataclass(frozen=True)
class Ref:
    """A reference to another row: by e-mail (reps) or by an external id's
    ``system:id`` key."""

    email: str | None = None
    key: str | None = None

    def describe(self) -> str:
        """How the reference reads in a message."""
        if self.email is not None:
            return f"e-mail {self.email}"
        system, _, ident = (self.key or "").partition(":")
        return f"the {system} id {ident!r}"


@dataclass
class Converted:
    """One row's fields: the upsert's key, its data, references, and errors
    (column, reason)."""

    key: ExternalId | None = None
    data: dict[str, Any] = field(default_factory=dict)
    refs: dict[str, Ref | None] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    geocoded: bool = True


def _preset(
    name: str, id_col: str, name_col: str, address: tuple[str, ...], **more: str
) -> Mapping:
    columns = {id_col: Column("externalId"), name_col: Column("name")}
    columns.update(
        {c: Column(t) for c, t in zip(address, ADDRESS_FIELDS, strict=False)}
    )
    columns.update({c: Column(t) for t, c in more.items()})
    return Mapping(name, name, columns, {"addressLabel": "billing"}, "customers")


SALESFORCE_TYPES = {
    "Prospect": "lead",
    "Customer - Direct": "active",
    "Customer - Channel": "active",
    "Channel Partner / Reseller": "active",
    "Installation Partner": "active",
    "Technology Partner": "active",
    "Other": "active",
}
#: Standard account exports of each CRM (customers only).
PRESETS: dict[str, Mapping] = {
    "salesforce": Mapping(
        "salesforce",
        "salesforce",
        {
            **_preset(
                "salesforce",
                "Id",
                "Name",
                ("BillingStreet", "BillingCity", "BillingPostalCode", "BillingCountry"),
                lat="BillingLatitude",
                lng="BillingLongitude",
                owner="OwnerId",
            ).columns,
            "Phone": Column("custom.phone"),
            "Type": Column("status", SALESFORCE_TYPES, "active"),
        },
        {"addressLabel": "billing"},
        "customers",
    ),
    "zoho": _preset(
        "zoho",
        "Record Id",
        "Account Name",
        ("Billing Street", "Billing City", "Billing Code", "Billing Country"),
        owner="Account Owner",
        **{"custom.phone": "Phone"},
    ),
    "dynamics": _preset(
        "dynamics",
        "accountid",
        "name",
        ("address1_line1", "address1_city", "address1_postalcode", "address1_country"),
        lat="address1_latitude",
        lng="address1_longitude",
        **{"custom.phone": "telephone1"},
    ),
    "hubspot": _preset(
        "hubspot",
        "Record ID",
        "Company name",
        ("Street Address", "City", "Postal Code", "Country/Region"),
        owner="Company owner",
        **{"custom.phone": "Phone Number"},
    ),
}


def native(entity: str) -> Mapping:
    """visitplan's own format: every field under its own name, custom fields
    as ``custom.<key>`` columns (their type read from the value)."""
    return Mapping(
        "visitplan", None, {f: Column(f) for f in FIELDS[entity]}, {}, entity
    )


def _known_target(entity: str, target: str) -> bool:
    if target.startswith(CUSTOM):
        return entity == "customers" and bool(target[len(CUSTOM) :])
    return target in FIELDS[entity] or target == "externalId"


def parse_mapping(raw: Any, entity: str, name: str = "mapping") -> Mapping:
    """A mapping from its JSON form (see docs/integration.md), checked
    against ``entity``'s fields; ``MappingInvalid`` says what is wrong."""
    if not isinstance(raw, dict) or not isinstance(raw.get("columns"), dict):
        raise MappingInvalid(f'{name}: needs an object with a "columns" object')
    system = raw.get("system")
    if system is not None:
        try:
            ExternalId(system=system, id="x")
        except ValueError:
            raise MappingInvalid(f"{name}: {system!r} is not a system name") from None
    if raw.get("entity", entity) != entity:
        raise MappingInvalid(f"{name}: it maps {raw['entity']}, not {entity}")
    columns: dict[str, Column] = {}
    for source, spec in raw["columns"].items():
        spec = {"field": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or not isinstance(spec.get("field"), str):
            raise MappingInvalid(f"{name}: column {source!r} needs a field")
        if not _known_target(entity, spec["field"]):
            known = ", ".join(FIELDS[entity])
            raise MappingInvalid(
                f"{name}: column {source!r}: {spec['field']!r} is not a field of "
                f"{entity} (externalId, {known}, custom.<key>)"
            )
        kind = spec.get("type", "string")
        if kind not in CUSTOM_TYPES:
            raise MappingInvalid(f"{name}: column {source!r}: unknown type {kind!r}")
        columns[source] = Column(
            spec["field"], spec.get("values"), spec.get("default"), kind
        )
    targets = {c.target for c in columns.values()}
    if system is None and "externalId" in targets:
        raise MappingInvalid(f'{name}: an externalId column needs a "system"')
    if not targets & {"externalId", "externalIds"}:
        raise MappingInvalid(f"{name}: no column fills externalId (the upsert key)")
    constants = raw.get("constants", {})
    if not isinstance(constants, dict):
        raise MappingInvalid(f'{name}: "constants" must be an object')
    return Mapping(
        name, system, columns, {k: str(v) for k, v in constants.items()}, entity
    )


def load_mapping(spec: str | None, entity: str) -> Mapping:
    """The mapping ``--mapping`` names: a preset, a JSON file, or (``None``)
    visitplan's own format."""
    if spec is None:
        return native(entity)
    if spec in PRESETS:
        if entity != "customers":
            raise MappingInvalid(
                f"the {spec} preset maps accounts to customers; give a mapping "
                f"file for {entity}"
            )
        return PRESETS[spec]
    path = Path(spec)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        presets = ", ".join(PRESETS)
        raise MappingInvalid(
            f"--mapping: no preset ({presets}) or file {spec}"
        ) from None
    except (OSError, ValueError) as error:
        raise MappingInvalid(f"--mapping: cannot read {spec}: {error}") from None
    return parse_mapping(raw, entity, path.name)


def check_header(mapping: Mapping, header: list[str]) -> list[str]:
    """The header's columns the mapping ignores; ``MappingInvalid`` when a
    column the rows need is missing."""
    present = set(header)
    entity = mapping.entity or "customers"
    needed = [
        source
        for source, col in mapping.columns.items()
        if col.target in ("externalId", "externalIds", *REQUIRED[entity])
    ]
    missing = [c for c in needed if c not in present]
    if missing:
        raise MappingInvalid(f"the file has no column {', '.join(missing)}")
    custom_ok = mapping.system is None and entity == "customers"
    return [
        c
        for c in header
        if c not in mapping.columns and not (custom_ok and c.startswith(CUSTOM))
    ]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def parse_ids(value: Any) -> list[ExternalId]:
    """External ids written ``system:id;system:id`` (or a JSON list of
    ``{system, id}``)."""
    if isinstance(value, list):
        return [ExternalId.model_validate(v) for v in value]
    ids = []
    for part in _text(value).split(";"):
        if not part.strip():
            continue
        system, sep, ident = part.strip().partition(":")
        if not sep:
            raise ValueError(f"{part.strip()!r} is not system:id")
        ids.append(ExternalId(system=system, id=ident))
    return ids


def parse_time(value: Any) -> datetime:
    """An RFC 3339 time with its offset, in UTC."""
    text = _text(value)
    if not _RFC3339.match(text):
        raise ValueError(f"{text!r} is not an RFC 3339 time with offset (…T09:00:00Z)")
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def parse_number(value: Any) -> float:
    """A finite number."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif _NUMBER.match(_text(value)):
        number = float(_text(value))
    else:
        raise ValueError(f"{_text(value)!r} is not a number")
    if not math.isfinite(number):
        raise ValueError(f"{_text(value)!r} is not a finite number")
    return number


def parse_bool(value: Any) -> bool:
    """``true``/``false`` (also yes/no, 1/0)."""
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    raise ValueError(f"{_text(value)!r} is not true or false")


def custom_value(value: Any, kind: str) -> Any:
    """A custom field's value as ``kind`` says (``auto``: read from the text)."""
    if kind == "string":
        return _text(value)
    if kind == "number" or (kind == "auto" and isinstance(value, int | float)):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return parse_number(value)
    if kind == "boolean" or (kind == "auto" and isinstance(value, bool)):
        return parse_bool(value)
    if kind == "datetime":
        return parse_time(value)
    text = _text(value)  # auto
    if text in ("true", "false"):
        return text == "true"
    if _NUMBER.match(text):
        return int(text) if text.lstrip("+-").isdigit() else float(text)
    return parse_time(text) if _RFC3339.match(text) else text


def parse_ref(value: Any, system: str | None) -> Ref:
    """A reference: an e-mail, else an id in ``system`` (``system:id`` in
    visitplan's own format)."""
    text = _text(value)
    if "@" in text:
        return Ref(email=text.lower())
    if system is None:
        ids = parse_ids(text)
        if len(ids) != 1:
            raise ValueError(f"{text!r} is not an e-mail or one system:id")
        return Ref(key=ids[0].key)
    return Ref(key=ExternalId(system=system, id=text).key)


def reason(error: Exception) -> str:
    """A one-line reason from a parse error (pydantic's first complaint)."""
    from pydantic import ValidationError

    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return str(error)


#: Plain text fields: the stored name, and what a blank cell stores.
_TEXT = {
    "name": ("name", ""),
    "legalName": ("legal_name", None),
    "territory": ("territory", None),
    "title": ("title", ""),
    "description": ("description", ""),
    "purposeText": ("purpose_text", None),
    "agenda": ("agenda", ""),
}
_ENUMS = {
    "tier": ("tier", str.upper),
    "status": ("status", str.lower),
    "type": ("type", str.lower),
    "priority": ("priority", str.lower),
    "purpose": ("purpose", str.lower),
}
_TIMES = {"due": "due", "plannedStart": "planned_start", "plannedEnd": "planned_end"}


def _cells(
    mapping: Mapping, record: dict[str, Any]
) -> dict[str, tuple[str, Any, Column]]:
    """target -> (source column, value, column) for the record's mapped cells."""
    cells: dict[str, tuple[str, Any, Column]] = {}
    for target, value in mapping.constants.items():
        cells[target] = ("(constant)", value, Column(target))
    for source, value in record.items():
        col = mapping.columns.get(source)
        if col is None and mapping.system is None and source.startswith(CUSTOM):
            col = Column(source, type="auto")
        if col is None and mapping.system is None and source == "custom":
            for key, item in (value or {}).items():
                cells[CUSTOM + key] = (
                    f"custom.{key}",
                    item,
                    Column(CUSTOM + key, type="auto"),
                )
            continue
        if col is None:
            continue
        if col.values is not None or col.default is not None:
            text = _text(value)
            value = (col.values or {}).get(
                text, col.default if col.default is not None else text
            )
        cells[col.target] = (source, value, col)
    return cells


def convert(mapping: Mapping, entity: str, record: dict[str, Any]) -> Converted:
    """One record's upsert key, data and references; its errors as (column, reason)."""
    out = Converted()
    cells = _cells(mapping, record)
    for target in REQUIRED[entity]:
        if target in cells and not _text(cells[target][1]):
            out.errors.append((cells[target][0], "required, but empty"))
    _key(mapping, cells, out)
    for target, (source, value, col) in cells.items():
        try:
            _field(mapping, entity, target, value, col, out)
        except ValueError as error:
            out.errors.append((source, reason(error)))
    if entity == "customers":
        _address(cells, out)
        customs = []
        for target, (source, value, col) in cells.items():
            if not target.startswith(CUSTOM) or not _text(value):
                continue
            try:
                item = custom_value(value, col.type)
            except ValueError as error:
                out.errors.append((source, reason(error)))
                continue
            customs.append({"key": target[len(CUSTOM) :], "value": item})
        if any(t.startswith(CUSTOM) for t in cells):
            out.data["custom_fields"] = customs
    return out


def _bad(source: str, out: Converted) -> bool:
    return any(column == source for column, _ in out.errors)


def _key(
    mapping: Mapping, cells: dict[str, tuple[str, Any, Column]], out: Converted
) -> None:
    if "externalId" in cells:
        source, value, _ = cells["externalId"]
        try:
            assert mapping.system is not None
            out.key = ExternalId(system=mapping.system, id=_text(value) or " ")
        except ValueError:
            out.errors.append((source, "needs the row's id (the upsert key)"))
    elif "externalIds" in cells:
        source, value, _ = cells["externalIds"]
        try:
            ids = parse_ids(value)
        except ValueError as error:
            out.errors.append((source, reason(error)))
            return
        if not ids:
            out.errors.append((source, "needs at least one system:id (the upsert key)"))
            return
        out.key = ids[0]
        out.data["external_ids"] = [e.model_dump() for e in ids]


def _field(
    mapping: Mapping, entity: str, target: str, value: Any, col: Column, out: Converted
) -> None:
    text = _text(value)
    if target in _TEXT:
        name, blank = _TEXT[target]
        out.data[name] = text if text else blank
    elif target in _ENUMS:
        name, case = _ENUMS[target]
        if text:
            out.data[name] = case(text)
    elif target in _TIMES:
        out.data[_TIMES[target]] = parse_time(value) if text else None
    elif target in REFERENCES:
        out.refs[target] = parse_ref(value, mapping.system) if text else None
    elif target == "tags":
        tags = value if isinstance(value, list) else text.split(";")
        out.data["tags"] = [t.strip() for t in tags if str(t).strip()]
    elif target == "timeZone":
        if text:
            out.data["time_zone"] = text
    elif target == "visitIntervalDays":
        number = parse_number(value) if text else None
        if number is not None and not number.is_integer():
            raise ValueError(f"{text!r} is not a whole number of days")
        out.data["visit_interval_days"] = None if number is None else int(number)
    elif target == "pinned":
        out.data["pinned"] = parse_bool(value) if text else False
    elif target in ("lat", "lng") and text:
        parse_number(value)


def _address(cells: dict[str, tuple[str, Any, Column]], out: Converted) -> None:
    """The first address, from its parts; without coordinates it is stored
    not geocoded."""
    parts = ("addressLabel", *ADDRESS_FIELDS, "lat", "lng")
    if not any(p in cells for p in parts if p != "addressLabel"):
        return
    text = {p: _text(cells[p][1]) if p in cells else "" for p in parts}
    if not any(text[p] for p in (*ADDRESS_FIELDS, "lat", "lng")):
        out.data["addresses"] = []
        return
    address: dict[str, Any] = {
        "label": text["addressLabel"] or "main",
        "street": text["street"],
        "city": text["city"],
        "postal_code": text["postalCode"],
        "country": text["country"],
    }
    if text["lat"] and text["lng"]:
        if not (_bad(cells["lat"][0], out) or _bad(cells["lng"][0], out)):
            lat, lng = parse_number(cells["lat"][1]), parse_number(cells["lng"][1])
            address["location"] = {"type": "Point", "coordinates": [lng, lat]}
    elif text["lat"] or text["lng"]:
        missing = "lng" if text["lat"] else "lat"
        source = cells[missing][0] if missing in cells else missing
        out.errors.append((source, "latitude and longitude go together"))
    else:
        out.geocoded = False
    out.data["addresses"] = [address]
