"""Mappings and row conversion of bulk imports (no database)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from resolvers.bulk.files import FileInvalid, RowWriter, read_rows
from resolvers.bulk.mappings import (
    PRESETS,
    MappingInvalid,
    Ref,
    check_header,
    convert,
    custom_value,
    load_mapping,
    native,
    parse_mapping,
)

SALESFORCE_ROW = {
    "Id": "0015g00000XyZaBAAV",
    "Name": "Apotheke am Markt",
    "BillingStreet": "Marienplatz 1",
    "BillingCity": "München",
    "BillingPostalCode": "80331",
    "BillingCountry": "Germany",
    "BillingLatitude": "48.1374",
    "BillingLongitude": "11.5755",
    "Phone": "+49 89 123",
    "Type": "Prospect",
    "OwnerId": "0055g00000AbCdEAAV",
}


def test_a_salesforce_account_becomes_an_upsert_by_its_id():
    """Tests that the Salesforce preset keys the row by Id, maps Type to a
    status, the billing address with its point, the phone as a custom field
    and the owner as a reference by Salesforce id."""
    # when
    row = convert(PRESETS["salesforce"], "customers", SALESFORCE_ROW)
    # then
    assert row.errors == []
    assert row.key is not None
    assert row.key.key == "salesforce:0015g00000XyZaBAAV"
    assert row.data["status"] == "lead"
    assert row.data["addresses"] == [
        {
            "label": "billing",
            "street": "Marienplatz 1",
            "city": "München",
            "postal_code": "80331",
            "country": "Germany",
            "location": {"type": "Point", "coordinates": [11.5755, 48.1374]},
        }
    ]
    assert row.data["custom_fields"] == [{"key": "phone", "value": "+49 89 123"}]
    assert row.refs["owner"] == Ref(key="salesforce:0055g00000AbCdEAAV")
    assert row.geocoded


def test_a_row_without_coordinates_is_not_geocoded():
    """Tests that an address without latitude and longitude is kept, without
    a location, and flagged not geocoded."""
    # when
    row = convert(
        PRESETS["zoho"],
        "customers",
        {"Record Id": "1", "Account Name": "Huber", "Billing City": "Wien"},
    )
    # then
    assert row.errors == []
    assert not row.geocoded
    assert "location" not in row.data["addresses"][0]
    assert row.data["addresses"][0]["city"] == "Wien"


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        ({"Name": ""}, "Name", "required, but empty"),
        ({"Id": " "}, "Id", "needs the row's id"),
        ({"BillingLatitude": "north"}, "BillingLatitude", "'north' is not a number"),
        ({"BillingLongitude": ""}, "BillingLongitude", "go together"),
    ],
)
def test_each_bad_cell_is_named_with_its_column(cells, column, reason):
    """Tests that a bad cell is reported on the column it came from."""
    # when
    row = convert(PRESETS["salesforce"], "customers", {**SALESFORCE_ROW, **cells})
    # then
    assert [c for c, _ in row.errors] == [column]
    assert reason in row.errors[0][1]


def test_owners_are_named_by_email_or_external_id():
    """Tests that an owner cell with an @ is an e-mail, else an id in the
    mapping's system."""
    # when
    by_mail = convert(
        PRESETS["hubspot"],
        "customers",
        {"Record ID": "9", "Company name": "X", "Company owner": "Ana@Example.com"},
    )
    # then
    assert by_mail.refs["owner"] == Ref(email="ana@example.com")


def test_a_mapping_file_maps_custom_columns_with_types_and_value_tables():
    """Tests that a mapping file fills custom fields of the declared type,
    translates values and adds constants."""
    # given
    mapping = parse_mapping(
        {
            "system": "sap-eu",
            "columns": {
                "KUNNR": "externalId",
                "NAME1": "name",
                "UMSATZ": {"field": "custom.revenue", "type": "number"},
                "SEIT": {"field": "custom.since", "type": "datetime"},
                "KLASSE": {
                    "field": "tier",
                    "values": {"1": "A", "2": "B"},
                    "default": "C",
                },
            },
            "constants": {"territory": "North"},
        },
        "customers",
    )
    # when
    row = convert(
        mapping,
        "customers",
        {
            "KUNNR": "42",
            "NAME1": "Kunde",
            "UMSATZ": "1200.5",
            "SEIT": "2020-01-01T00:00:00Z",
            "KLASSE": "9",
        },
    )
    # then
    assert row.errors == []
    assert row.key is not None
    assert row.key.key == "sap-eu:42"
    assert row.data["tier"] == "C"
    assert row.data["territory"] == "North"
    assert row.data["custom_fields"] == [
        {"key": "revenue", "value": 1200.5},
        {"key": "since", "value": datetime(2020, 1, 1, tzinfo=UTC)},
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"columns": {"A": "name"}}, "no column fills externalId"),
        ({"columns": {"A": "externalId"}}, 'needs a "system"'),
        (
            {"system": "x", "columns": {"A": "externalId", "B": "colour"}},
            "'colour' is not a field",
        ),
        ({"system": "Bad System", "columns": {"A": "externalId"}}, "not a system name"),
        (
            {"system": "x", "columns": {"A": {"field": "externalId", "type": "money"}}},
            "unknown type",
        ),
    ],
)
def test_a_bad_mapping_file_is_refused_with_the_reason(raw, message):
    """Tests that a mapping file that cannot be used says why."""
    with pytest.raises(MappingInvalid, match=message):
        parse_mapping(raw, "customers")


def test_presets_map_customers_only(tmp_path):
    """Tests that a preset is refused for demands, and a missing file says so."""
    with pytest.raises(MappingInvalid, match="give a mapping file for demands"):
        load_mapping("salesforce", "demands")
    with pytest.raises(MappingInvalid, match="no preset"):
        load_mapping(str(tmp_path / "missing.json"), "customers")


def test_a_header_without_a_needed_column_is_refused():
    """Tests that a file lacking the id or a required column is refused before
    any row, and that unmapped columns are listed as ignored."""
    with pytest.raises(MappingInvalid, match="no column Id"):
        check_header(PRESETS["salesforce"], ["Name"])
    assert check_header(PRESETS["salesforce"], ["Id", "Name", "Rating"]) == ["Rating"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("2.5", 2.5),
        ("true", True),
        ("2026-12-01T09:00:00.000Z", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        ("12a", "12a"),
    ],
)
def test_custom_values_of_visitplan_files_read_their_type_from_the_text(text, value):
    """Tests that auto-typed custom cells read back what exports write."""
    assert custom_value(text, "auto") == value


def test_native_rows_take_every_external_id_and_key_by_the_first():
    """Tests that visitplan's own format keeps all ids and keys by the first."""
    row = convert(
        native("visits"),
        "visits",
        {
            "externalIds": "salesforce:00U1;zoho:7",
            "customer": "salesforce:001",
            "rep": "ana@example.com",
            "purpose": "DEMO",
            "plannedStart": "2026-12-08T10:00:00+01:00",
            "plannedEnd": "2026-12-08T09:00",
            "pinned": "yes",
        },
    )
    assert row.key is not None
    assert row.key.key == "salesforce:00U1"
    assert [e["system"] for e in row.data["external_ids"]] == ["salesforce", "zoho"]
    assert row.data["planned_start"] == datetime(2026, 12, 8, 9, tzinfo=UTC)
    assert row.data["purpose"] == "demo"
    assert row.data["pinned"] is True
    assert [c for c, _ in row.errors] == ["plannedEnd"]  # no offset


def test_rows_are_numbered_as_a_spreadsheet_shows_them():
    """Tests that the first CSV record is row 2, blank lines are skipped, and
    a row with too many cells is flagged."""
    header, rows = read_rows(io.StringIO("a,b\n1,2\n\n3,4,5\n"), "csv")
    assert header == ["a", "b"]
    assert list(rows) == [(2, {"a": "1", "b": "2"}), (4, None)]
    with pytest.raises(FileInvalid, match="empty"):
        read_rows(io.StringIO(""), "csv")


def test_writers_write_ids_and_lists_as_imports_read_them():
    """Tests that CSV cells join external ids and tags, JSON Lines keeps values."""
    out = io.StringIO()
    writer = RowWriter(out, "csv", ["externalIds", "tags", "pinned"])
    writer.write(
        [
            {
                "externalIds": [
                    {"system": "sf", "id": "1"},
                    {"system": "z", "id": "2"},
                ],
                "tags": ["a", "b"],
                "pinned": False,
            }
        ]
    )
    assert out.getvalue() == "externalIds,tags,pinned\nsf:1;z:2,a;b,false\n"
    lines = io.StringIO()
    RowWriter(lines, "jsonl", ["tags"]).write([{"tags": ["a"]}])
    assert json.loads(lines.getvalue()) == {"tags": ["a"]}
