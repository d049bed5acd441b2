"""Customer queries: filters, search, ordering, paging and nested fields."""

from __future__ import annotations

from tests.integration.factories import make_customer, make_rep

LIST = """
query List($filter: CustomerFilterInput, $search: String, $orderBy: CustomerOrder,
           $first: Int, $after: String) {
  customers(filter: $filter, search: $search, orderBy: $orderBy, first: $first,
            after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { name } }
  }
}
"""

ONE = """
query One($id: ID!) {
  customer(id: $id) { name owner { name } openDemands { title } lastVisits { id } }
  node(id: $id) { __typename ... on Customer { name } }
}
"""


def names(data: dict) -> list[str]:
    """The customer names on a page."""
    return [edge["node"]["name"] for edge in data["customers"]["edges"]]


async def test_pages_follow_each_other_without_gaps(gql):
    """Tests that paging with after walks the whole list once, in name order."""
    # given
    for name in ["Delta", "Alpha", "Echo", "Charlie", "Bravo"]:
        await make_customer(gql, name)
    # when
    first = await gql(LIST, first=2)
    second = await gql(LIST, first=2, after=first["customers"]["pageInfo"]["endCursor"])
    third = await gql(LIST, first=2, after=second["customers"]["pageInfo"]["endCursor"])
    # then
    assert names(first) + names(second) + names(third) == [
        "Alpha",
        "Bravo",
        "Charlie",
        "Delta",
        "Echo",
    ]
    assert first["customers"]["pageInfo"]["hasPreviousPage"] is False
    assert second["customers"]["pageInfo"]["hasNextPage"] is True
    assert third["customers"]["pageInfo"]["hasNextPage"] is False
    assert third["customers"]["totalCount"] == 5


async def test_page_size_outside_1_to_100_is_refused_with_a_code(gql):
    """Tests that first above 100 is a top-level error with a code."""
    # when
    errors = await gql.errors(LIST, first=101)
    # then
    assert errors[0].extensions == {"code": "VALIDATION", "field": "first"}


async def test_a_forged_cursor_is_refused(gql):
    """Tests that an after cursor this API did not give out is refused."""
    # when
    errors = await gql.errors(LIST, after="bm9wZTox")
    # then
    assert errors[0].extensions["field"] == "after"


async def test_filters_combine(gql):
    """Tests tier, tag and owner filters together."""
    # given
    rep = await make_rep(gql)
    await make_customer(gql, "A1", tier="A", tags=["pharmacy"], ownerId=rep["id"])
    await make_customer(gql, "A2", tier="A", tags=["retail"], ownerId=rep["id"])
    await make_customer(gql, "B1", tier="B", tags=["pharmacy"], ownerId=rep["id"])
    await make_customer(gql, "A3", tier="A", tags=["pharmacy"])
    # when
    data = await gql(
        LIST, filter={"tiers": ["A"], "tagsAny": ["pharmacy"], "ownerIds": [rep["id"]]}
    )
    # then
    assert names(data) == ["A1"]
    assert data["customers"]["totalCount"] == 1


async def test_custom_field_conditions(gql):
    """Tests equality and range conditions on custom fields."""
    # given
    for name, revenue, segment in [
        ("Small", 10_000, "retail"),
        ("Mid", 80_000, "retail"),
        ("Big", 500_000, "wholesale"),
    ]:
        await make_customer(
            gql,
            name,
            customFields=[
                {"key": "annualRevenueEur", "value": {"number": revenue}},
                {"key": "segment", "value": {"string": segment}},
            ],
        )
    # when
    mid_up = await gql(
        LIST, filter={"customFields": [{"key": "annualRevenueEur", "min": 50_000}]}
    )
    retail_mid = await gql(
        LIST,
        filter={
            "customFields": [
                {"key": "segment", "equals": {"string": "retail"}},
                {"key": "annualRevenueEur", "max": 100_000, "min": 50_000},
            ]
        },
    )
    # then
    assert names(mid_up) == ["Big", "Mid"]
    assert names(retail_mid) == ["Mid"]


async def test_search_matches_word_prefixes_of_names_tags_and_contacts(gql):
    """Tests free-text search: prefixes, accents ignored, all words must match."""
    # given
    await make_customer(gql, "Bäckerei Müller", tags=["bakery"])
    await make_customer(gql, "Apotheke Süd", contacts=[{"name": "Jonas Müller"}])
    await make_customer(gql, "Kiosk Nord")
    # when
    mull = await gql(LIST, search="mull")
    both = await gql(LIST, search="Apo müll")
    tag = await gql(LIST, search="bak")
    # then
    assert names(mull) == ["Apotheke Süd", "Bäckerei Müller"]
    assert names(both) == ["Apotheke Süd"]
    assert names(tag) == ["Bäckerei Müller"]


async def test_search_with_no_word_is_refused(gql):
    """Tests that a search of punctuation only is refused, not run as a scan."""
    # when
    errors = await gql.errors(LIST, search="  -- ")
    # then
    assert errors[0].extensions["code"] == "VALIDATION"


async def test_order_by_name_descending(gql):
    """Tests the NAME_DESC order."""
    # given
    for name in ["B", "C", "A"]:
        await make_customer(gql, name)
    # when
    data = await gql(LIST, orderBy="NAME_DESC")
    # then
    assert names(data) == ["C", "B", "A"]


async def test_one_customer_by_id_and_as_a_node(gql):
    """Tests customer(id:) and node(id:) with nested fields."""
    # given
    rep = await make_rep(gql)
    customer = await make_customer(gql, ownerId=rep["id"])
    # when
    data = await gql(ONE, id=customer["id"])
    # then
    assert data["customer"] == {
        "name": "Apotheke am Markt",
        "owner": {"name": "Anna Berger"},
        "openDemands": [],
        "lastVisits": [],
    }
    assert data["node"] == {"__typename": "Customer", "name": "Apotheke am Markt"}


async def test_unknown_or_foreign_ids_give_null(gql):
    """Tests that a missing customer, or an id of another type, reads as null."""
    # given
    rep = await make_rep(gql)
    # when
    missing = await gql(
        '{ customer(id: "Q3VzdG9tZXI6NjUwMDAwMDAwMDAwMDAwMDAwMDAwMDAw") { name } }'
    )
    foreign = await gql(
        ONE.replace("node(id: $id) { __typename ... on Customer { name } }", ""),
        id=rep["id"],
    )
    # then
    assert missing == {"customer": None}
    assert foreign["customer"] is None
