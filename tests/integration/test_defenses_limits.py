"""Limits on GraphQL documents over HTTP (security checklist rows 1-7, 9-12, 38)."""

from __future__ import annotations

import asyncio
import re

import pytest
from graphql import (
    ArgumentNode,
    FieldNode,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    IntValueNode,
    NameNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_introspection_query,
    get_nullable_type,
    is_list_type,
    parse,
    print_ast,
    visit,
)
from strawberry import relay
from strawberry.extensions import SchemaExtension

from defenses.bounds import DOCUMENTS, INPUT_BOUNDS, LIST_BOUNDS, Argument
from defenses.limits import MAX_COST, MAX_PAGE_SIZE, query_cost
from models import Customer
from resolvers import customers
from schema import schema
from settings import Settings
from tests.conftest import anonymous_client, signed_in_client
from tests.unit.test_readme_examples import examples

PRODUCTION = Settings(production=True)

README_CUSTOMERS = """
{
  customers(near: {lat: 48.1374, lng: 11.5755, radiusKm: 2}, first: 5) {
    totalCount
    edges {
      cursor
      node {
        id name tier status tags
        addresses { street city location { lat lng } }
        openingHours { weekday intervals { start end } }
        contacts { name role phones emails preferredChannel }
        openDemands { title priority status due }
        lastVisits(last: 5) { plannedStart status purpose outcome { result notes } rep { name } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

README_LISTS = """
{
  reps(first: 20) { nodes { id name email role territory } }
  customers(search: "apotheke", filter: {tiers: [A, B], territories: ["North"],
            customFields: [{key: "annualRevenueEur", min: 100000}]}) {
    totalCount nodes { name tier }
  }
  demands(filter: {statuses: [OPEN, IN_PROGRESS], priorities: [URGENT]}, orderBy: DUE_ASC) {
    nodes { title due customer { name } assignee { name } }
  }
  visits(filter: {startsAfter: "2026-12-01T00:00:00+01:00",
                  startsBefore: "2026-12-02T00:00:00+01:00"}) {
    nodes { plannedStart plannedEnd status customer { name } rep { name } }
  }
}
"""

README_RECORD_OUTCOME = """
mutation {
  recordVisitOutcome(input: {id: "VmlzaXQ6...", result: 7, notes: "Ordered samples",
      followUps: [{type: PRODUCT_INQUIRY, title: "Send the price list", priority: HIGH}]}) {
    ... on VisitPayload { visit { outcome { result followUps { id title status } } } }
    ... on Error { code field message }
  }
}
"""

BENCH_MY_DAY = """
query MyDay($rep: ID!, $from: DateTime!, $to: DateTime!) {
  visits(filter: {repIds: [$rep], startsAfter: $from, startsBefore: $to}, first: 50) {
    edges { node { plannedStart plannedEnd status purpose
      customer { name addresses { location { lat lng } } openDemands { title priority } } } }
  }
}
"""

BENCH_CUSTOMER_LIST = """
query CustomerList($tiers: [Tier!], $territories: [String!], $after: String) {
  customers(filter: {tiers: $tiers, territories: $territories}, orderBy: NAME_ASC,
            first: 20, after: $after) {
    totalCount
    edges { node { name tier lastVisits(last: 3) { plannedStart status } } }
  }
}
"""

GRAPHIQL_INTROSPECTION = get_introspection_query(
    descriptions=True,
    specified_by_url=True,
    directive_is_repeatable=True,
    schema_description=True,
    input_value_deprecation=True,
    one_of=True,
)

#: Crafted to be expensive: 100 customers x 50 visits x their customer.
EXPENSIVE = """
query Expensive($n: Int) {
  customers(first: $n) { nodes { lastVisits(last: 50) { customer { name } } } }
}
"""


@pytest.fixture
def customer_calls(monkeypatch):
    """Counts the calls of the customers list resolver."""
    calls = []
    original = customers.list_customers

    async def counting(*args, **kwargs):
        calls.append(kwargs)
        return await original(*args, **kwargs)

    monkeypatch.setattr(customers, "list_customers", counting)
    return calls


def deep_query(depth: int) -> str:
    """A query whose deepest field is ``depth`` levels below the root field."""
    fields = ["customers(first: 1)", "nodes"]
    while len(fields) < depth:
        fields.append("lastVisits(last: 1)" if len(fields) % 2 == 0 else "customer")
    leaf = "status" if len(fields) % 2 == 1 else "name"
    return "{ " + " { ".join([*fields, leaf]) + " }" * len(fields) + " }"


async def post(client, query, **variables):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}
    )
    assert response.status_code < 500, response.text
    return response.json()


# --- 1: depth ---------------------------------------------------------------


async def test_depth_up_to_ten_is_answered(db, customer_calls):
    """Tests that a query ten levels deep runs."""
    # given
    query = deep_query(10)
    assert query.count("{") == 11
    async with signed_in_client() as client:
        # when
        body = await post(client, query)
    # then
    assert "errors" not in body, body
    assert body["data"]["customers"] == {"nodes": []}
    assert len(customer_calls) == 1


async def test_depth_eleven_is_refused_before_any_resolver(db, customer_calls):
    """Tests that a query eleven levels deep is refused without running."""
    # when
    async with signed_in_client() as client:
        body = await post(client, deep_query(11))
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"].endswith(
        "exceeds maximum operation depth of 10"
    )
    assert customer_calls == []


# --- 2: circular fragments --------------------------------------------------


async def test_circular_fragments_are_refused(db, customer_calls):
    """Tests that a fragment spreading itself is refused ."""
    # given
    query = """
    { customers(first: 1) { nodes { ...A } } }
    fragment A on Customer { lastVisits(last: 1) { customer { ...A } } }
    """
    async with signed_in_client() as client:
        # when
        body = await post(client, query)
    # then
    messages = [e["message"] for e in body["errors"]]
    assert "Cannot spread fragment 'A' within itself." in messages
    assert customer_calls == []


async def test_exponential_fragment_reuse_is_refused_by_cost(db, customer_calls):
    """Tests that fragments doubling 40 times are refused before validation expands them."""
    # given
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(40)
    )
    query = "{ ...F0 }\n" + fragments + "fragment F40 on Query { __typename }"
    async with signed_in_client() as client:
        # when
        body = await post(client, query)
    # then
    assert re.fullmatch(
        rf"Query cost \d+ exceeds limit {MAX_COST}\.", body["errors"][0]["message"]
    )


# --- 3: aliases -------------------------------------------------------------


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{n}: __typename" for n in range(count)) + " }"


async def test_fifteen_aliases_are_accepted(db):
    """Tests that 15 aliases are allowed."""
    # when
    async with signed_in_client() as client:
        body = await post(client, aliased(15))
    # then
    assert "errors" not in body
    assert len(body["data"]) == 15


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (aliased(20), "20 aliases found. Allowed: 15"),
        (
            "{ customers(first: 1) { ...F ...F ...F } }\n"
            "fragment F on CustomerConnection { "
            + " ".join(f"t{n}: totalCount" for n in range(6))
            + " }",
            "18 aliases found. Allowed: 15",
        ),
    ],
    ids=["twenty", "fragment-spread-three-times"],
)
async def test_too_many_aliases_are_refused(db, customer_calls, query, message):
    """Tests that aliases are counted through fragments and capped at 15."""
    # when
    async with signed_in_client() as client:
        body = await post(client, query)
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"] == message
    assert customer_calls == []


# --- 4: tokens --------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "{ " + "__typename " * 1200 + "}",
        "#\n" * 5000 + "{ customers(first: 1) { totalCount } }",
    ],
    ids=["repeated-fields", "comment-flood"],
)
async def test_token_floods_are_refused_while_parsing(db, customer_calls, query):
    """Tests that more than 1000 tokens (comments included) abort the parser."""
    # when
    async with signed_in_client() as client:
        body = await post(client, query)
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"] == (
        "Syntax Error: Document contains more than 1000 tokens. Parsing aborted."
    )
    assert customer_calls == []


# --- 5: directives ----------------------------------------------------------


def with_directives(count: int) -> str:
    return "{ " + "__typename @include(if: true) " * count + "}"


async def test_fifty_directives_are_accepted(db):
    """Tests that 50 directives are allowed."""
    # when
    async with signed_in_client() as client:
        body = await post(client, with_directives(50))
    # then
    assert body == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (51, "51 directives found. Allowed: 50"),
        (
            300,
            "Syntax Error: Document contains more than 1000 tokens. Parsing aborted.",
        ),
    ],
)
async def test_directive_floods_are_refused(db, customer_calls, count, message):
    """Tests that 51 directives break the directive limit and 300 the token limit."""
    # when
    async with signed_in_client() as client:
        body = await post(client, with_directives(count))
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"] == message


async def test_directives_are_counted_through_fragments(db):
    """Tests that a fragment with 20 directives spread three times counts 60."""
    # given
    query = (
        "{ ...F ...F ...F }\nfragment F on Query { "
        + "__typename @skip(if: false) " * 20
        + "}"
    )
    # when
    async with signed_in_client() as client:
        body = await post(client, query)
    # then
    assert body["errors"][0]["message"] == "60 directives found. Allowed: 50"


# --- 6: query cost ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (README_CUSTOMERS, {}),
        (README_LISTS, {}),
        (README_RECORD_OUTCOME, {}),
        (BENCH_MY_DAY, {}),
        (BENCH_CUSTOMER_LIST, {}),
        (GRAPHIQL_INTROSPECTION, {}),
        (EXPENSIVE, {"n": 1}),
    ],
    ids=[
        "readme-customers",
        "readme-lists",
        "readme-outcome",
        "bench-my-day",
        "bench-customer-list",
        "graphiql-introspection",
        "one-customer",
    ],
)
def test_real_client_queries_are_within_the_cost_budget(
    query, variables, record_property
):
    """Tests that the README, benchmark and GraphiQL queries cost less than the limit."""
    # when
    cost = query_cost(schema._schema, parse(query), variables)
    # then
    record_property("query_cost", cost)
    assert 0 < cost < MAX_COST, cost


class _LargestPages(Visitor):
    """Sets ``first`` to the largest page size on every field that takes it."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info

    def enter_field(self, node: FieldNode, *_args):
        definition = self.type_info.get_field_def()
        if definition is None or "first" not in definition.args:
            return None
        largest = ArgumentNode(
            name=NameNode(value="first"), value=IntValueNode(value=str(MAX_PAGE_SIZE))
        )
        kept = tuple(a for a in node.arguments or () if a.name.value != "first")
        return FieldNode(
            alias=node.alias,
            name=node.name,
            arguments=(*kept, largest),
            directives=node.directives,
            selection_set=node.selection_set,
        )


def at_largest_pages(document: str) -> str:
    """``document`` with ``first: 100`` on every list that pages."""
    type_info = TypeInfo(schema._schema)
    rewritten = visit(
        parse(document), TypeInfoVisitor(type_info, _LargestPages(type_info))
    )
    return print_ast(rewritten)


DOCUMENTED = [(where, at_largest_pages(block)) for where, block in examples()]


@pytest.mark.parametrize(
    ("where", "document"), DOCUMENTED, ids=[w for w, _ in DOCUMENTED]
)
async def test_documented_queries_run_at_the_largest_page_size(db, where, document):
    """Tests that every query of the README and docs, with ``first: 100`` on each
    list, passes every document limit (its cost among them)."""
    # given
    cost = query_cost(schema._schema, parse(document))
    async with signed_in_client() as client:
        # when
        body = await post(client, document)
    # then
    assert cost < MAX_COST, (where, cost)
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]
    assert "GRAPHQL_VALIDATION_FAILED" not in codes, (where, body["errors"])
    assert "GRAPHQL_PARSE_FAILED" not in codes, (where, body["errors"])


def test_the_nearby_readme_query_at_a_hundred_a_page_costs_what_the_docs_say():
    """Tests the figure docs/security.md gives for the README's largest query."""
    # given
    document = at_largest_pages(README_CUSTOMERS)
    # when
    cost = query_cost(schema._schema, parse(document))
    # then
    assert "first: 100" in document
    assert cost == 6101


def test_every_stored_type_counts_as_a_document():
    """Tests that every relay Node type is in DOCUMENTS, so a list of a new stored
    type cannot be counted as values."""
    # given
    nodes = {
        name
        for name, kind in schema._schema.type_map.items()
        if isinstance(kind, GraphQLObjectType)
        and any(i.name == "Node" for i in kind.interfaces)
    }
    # then
    assert nodes
    assert nodes <= DOCUMENTS
    assert set(schema._schema.type_map) >= DOCUMENTS


async def test_an_expensive_query_is_refused_before_any_resolver(db, customer_calls):
    """Tests that 100 customers x 50 visits each is refused by its cost."""
    # when
    async with signed_in_client() as client:
        body = await post(client, EXPENSIVE, n=100)
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Query cost 15301 exceeds limit 10000."
    assert customer_calls == []


async def test_cost_uses_each_requests_own_variables(db, customer_calls):
    """Tests that concurrent requests with different page sizes get their own verdicts."""
    # given
    sizes = [1, 100] * 10
    async with signed_in_client() as client:
        # when
        bodies = await asyncio.gather(*(post(client, EXPENSIVE, n=n) for n in sizes))
    # then
    for n, body in zip(sizes, bodies, strict=True):
        if n == 1:
            assert "errors" not in body, body
        else:
            assert body["errors"][0]["message"].startswith("Query cost 15301")
    assert len(customer_calls) == 10


def test_cost_counts_lists_by_page_size():
    """Tests the cost formula on a connection, a document list and an embedded list."""
    # given
    query = """
    { customers(first: 10) {
        totalCount
        nodes { name openDemands { title } addresses { city location { lat } } } } }
    """
    # when
    cost = query_cost(schema._schema, parse(query))
    # then
    # customers 1 + 10 x (totalCount 0 + nodes 1 + customer document 1 + name 0
    #   + openDemands 1 + 20 x (demand document 1 + title 0)
    #   + addresses 1 + 5 x (city 0 + location 1))
    assert cost == 1 + 10 * (1 + 1 + (1 + 20 * 1) + (1 + 5 * 1))


# --- 7: page size -----------------------------------------------------------


@pytest.mark.parametrize("first", [100000, -1, 0])
async def test_page_sizes_outside_one_to_hundred_are_refused(db, monkeypatch, first):
    """Tests that a page size outside 1..100 is refused before the store is asked."""
    # given
    finds = []
    original = Customer.find

    def counting_find(*args, **kwargs):
        finds.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(Customer, "find", counting_find)
    # when
    async with signed_in_client() as client:
        body = await post(client, f"{{ customers(first: {first}) {{ totalCount }} }}")
    # then
    error = body["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION", "field": "first"}
    assert "between 1 and 100" in error["message"]
    assert finds == []


# --- 9: source length -------------------------------------------------------


async def test_source_of_twenty_thousand_characters_is_accepted(db):
    """Tests that a query of exactly 20,000 characters parses."""
    # given
    query = "{ __typename }\n#"
    query += "x" * (20_000 - len(query))
    # when
    async with signed_in_client() as client:
        body = await post(client, query)
    # then
    assert body == {"data": {"__typename": "Query"}}


async def test_one_giant_token_is_refused_before_lexing(db, customer_calls):
    """Tests that a 1.5 MB string literal is refused by the source length limit."""
    # given
    query = '{ customers(search: "' + "a" * 1_500_000 + '") { totalCount } }'
    async with signed_in_client() as client:
        # when
        body = await post(client, query)
    # then
    assert body["errors"][0]["message"] == (
        "Syntax Error: Source contains more than 20000 code points. Parsing aborted."
    )
    assert customer_calls == []


# --- 10, 11: introspection --------------------------------------------------

INTROSPECTION_QUERIES = [
    "{ __schema { types { name } } }",
    '{ __type(name: "Customer") { fields { name } } }',
]


@pytest.mark.parametrize(
    "query",
    [
        *INTROSPECTION_QUERIES,
        "{ __schema { queryType { name } } customers(first: 1) { totalCount } }",
    ],
)
@pytest.mark.parametrize("client", [signed_in_client, anonymous_client])
async def test_introspection_is_off_in_production(db, query, client):
    """Tests that production refuses __schema and __type, with a token or without."""
    # when
    async with client(PRODUCTION) as http:
        body = await post(http, query)
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"].startswith(
        "GraphQL introspection has been disabled, but the requested query contained"
    )


@pytest.mark.parametrize("query", INTROSPECTION_QUERIES)
async def test_introspection_is_on_in_development(db, query):
    """Tests that development answers __schema and __type."""
    # when
    async with signed_in_client() as client:
        body = await post(client, query)
    # then
    assert "errors" not in body


async def test_typename_still_works_in_production(db):
    """Tests that __typename is not introspection."""
    # when
    async with signed_in_client(PRODUCTION) as client:
        body = await post(client, "{ __typename }")
    # then
    assert body == {"data": {"__typename": "Query"}}


async def test_graphiqls_introspection_query_passes_every_limit(db):
    """Tests that GraphiQL's full introspection query works in development."""
    # when
    async with signed_in_client() as client:
        body = await post(client, GRAPHIQL_INTROSPECTION)
    # then
    assert "errors" not in body
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Customer", "Visit", "Query", "Mutation"} <= names


async def test_deep_introspection_is_refused(db):
    """Tests that introspection lists nested more than 3 deep are refused."""
    # given
    query = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    # when
    async with signed_in_client() as client:
        body = await post(client, query)
    # then
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Maximum introspection depth exceeded"


# --- 12: suggestions --------------------------------------------------------

#: Near misses a schema-guessing tool (clairvoyance) would try.
NEAR_MISSES = [
    "{ custome { id } }",
    "{ customerz { id } }",
    "{ customers(first: 1) { nodes { nam phon emial } } }",
    "{ customers(firts: 1) { totalCount } }",
    "{ customers(first: 1, filter: {tier: [A]}) { totalCount } }",
    "{ customers(first: 1, filter: {tiers: [AA]}) { totalCount } }",
    "query ($f: CustomerFilterInpt) { customers(filter: $f) { totalCount } }",
]


async def suggested_names(client) -> set[str]:
    names: set[str] = set()
    for query in NEAR_MISSES:
        body = await post(client, query)
        for error in body["errors"]:
            for hint in re.findall(r"Did you mean ([^?]*)\?", error["message"]):
                names.update(re.findall(r"'(\w+)'", hint))
    return names


async def test_suggestions_name_fields_in_development(db):
    """Tests that development keeps graphql-core's "Did you mean" hints."""
    # when
    async with signed_in_client() as client:
        names = await suggested_names(client)
    # then
    assert {"customer", "customers", "name", "first", "tiers", "A"} <= names


async def test_suggestions_recover_nothing_in_production(db):
    """Tests that production errors carry no "Did you mean" hint at all."""
    # when
    async with signed_in_client(PRODUCTION) as client:
        names = await suggested_names(client)
        body = await post(client, NEAR_MISSES[0])
    # then
    assert names == set()
    assert (
        body["errors"][0]["message"] == "Cannot query field 'custome' on type 'Query'."
    )


# --- 38: no state shared between requests -----------------------------------


def test_every_schema_extension_is_built_per_request():
    """Tests that the schema holds extension classes or factories, never instances."""
    # when
    built = [(factory(), factory()) for factory in schema.extensions]
    # then
    for factory, (first, second) in zip(schema.extensions, built, strict=True):
        assert not isinstance(factory, SchemaExtension)
        assert isinstance(first, SchemaExtension)
        assert first is not second


# --- 6: every list counts its items -------------------------------------------


def _list_fields(graphql_schema):
    """``Type.field`` of every list field of the API's output types."""
    for name, kind in graphql_schema.type_map.items():
        if name.startswith("__") or not isinstance(
            kind, GraphQLObjectType | GraphQLInterfaceType
        ):
            continue
        for field_name, field in kind.fields.items():
            if is_list_type(get_nullable_type(field.type)):
                yield f"{name}.{field_name}", field


def test_every_list_field_declares_its_bound():
    """Tests that every list field of the schema has an entry in LIST_BOUNDS."""
    # when
    fields = dict(_list_fields(schema._schema))
    # then
    assert sorted(set(fields) - set(LIST_BOUNDS)) == []
    assert sorted(set(LIST_BOUNDS) - set(fields)) == []  # no stale entries
    for key, bound in LIST_BOUNDS.items():
        if isinstance(bound, Argument):
            owner = fields[key]
            if bound.owner is not None:
                owner = schema._schema.query_type.fields[bound.owner]
            assert bound.name.split(".")[0] in owner.args, key


PERIOD = 'period: {unit: MONTH, start: "2026-01-01", count: 60}'
NAME = "customer { name }"  # one object and its document: 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"{{ customerPriorities(limit: 100) {{ score {NAME} }} }}", 1 + 100 * 2),
        (f"{{ customerPriorities {{ {NAME} }} }}", 1 + 20 * 2),  # the default limit
        (
            f'{{ recommendations(repId: "x", date: "2026-12-01", limit: 50) '
            f"{{ rank {NAME} }} }}",
            1 + 50 * 2,
        ),
        (
            '{ coverage(firstDay: "2026-01-01", lastDay: "2026-02-01") '
            "{ key tiers { customers } total { covered } } }",
            1 + 50 * ((1 + 3 * 0) + 1),
        ),
        (
            f"{{ effectiveness(groupBy: REP, {PERIOD}, limit: 100) "
            "{ groups { rep { name } periods { start } } } }",
            1 + 1 + 100 * ((1 + 1) + (1 + 60 * 0)),
        ),
        (
            f'{{ visitPlan(id: "x") {{ routes {{ stops {{ start {NAME} }} }} '
            f"unserved {{ value {NAME} }} changes {{ kind }} }} }}",
            1 + 1 + (1 + 20 * (1 + 20 * 2)) + (1 + 50 * 2) + (1 + 20 * 0),
        ),
        ('{ demand(id: "x") { history { toStatus } } }', 1 + 1 + (1 + 20 * 0)),
        ("{ customers(first: 1) { nodes { tags } } }", 1 + 1 * (1 + 1 + 50 * 0)),
    ],
    ids=[
        "priorities",
        "priorities-default",
        "recommendations",
        "coverage",
        "effectiveness",
        "plan",
        "demand-history",
        "tags",
    ],
)
def test_computed_and_stored_lists_count_their_items(query, expected):
    """Tests that lists without first/last cost their declared bound per item, and
    that values stored in a document (scalars, tags) cost nothing."""
    # when
    cost = query_cost(schema._schema, parse(query))
    # then
    assert cost == expected


def test_list_arguments_count_through_variables():
    """Tests that a limit or period count sent as a variable is what is counted."""
    # given
    query = """
    query Q($limit: Int!, $period: PeriodInput!, $last: Int) {
      effectiveness(groupBy: REP, period: $period, limit: $limit) {
        groups { periods { start } customer { lastVisits(last: $last) { status } } } } }
    """
    period = {"unit": "MONTH", "start": "2026-01-01", "count": 3}
    variables = {"limit": 7, "period": period, "last": 4}
    # when
    cost = query_cost(schema._schema, parse(query), variables)
    # then
    # effectiveness 1 + groups 1 + 7 x (periods 1 + 3 x 0
    #   + customer 1 + its document 1 + lastVisits 1 + 4 x visit document 1)
    assert cost == 1 + 1 + 7 * ((1 + 3 * 0) + (1 + 1 + (1 + 4 * 1)))


PRIORITIES_AMPLIFIED = """
{ customerPriorities(limit: 100) {
    customer { name lastVisits(last: 50) { customer { name } } } } }
"""


async def test_a_list_without_a_page_size_cannot_dodge_the_cost(db, monkeypatch):
    """Tests that 100 priorities x 50 visits is refused like 100 customers x 50 visits."""
    # given
    from resolvers.scoring import priority

    calls = []

    async def counting(*args, **kwargs):
        calls.append(kwargs)
        return []

    monkeypatch.setattr(priority, "ranked", counting)
    async with signed_in_client() as client:
        # when
        body = await post(client, PRIORITIES_AMPLIFIED)
    # then
    assert body["data"] is None
    assert re.fullmatch(
        rf"Query cost \d+ exceeds limit {MAX_COST}\.", body["errors"][0]["message"]
    )
    assert query_cost(schema._schema, parse(PRIORITIES_AMPLIFIED)) >= query_cost(
        schema._schema, parse(EXPENSIVE), {"n": 100}
    )
    assert calls == []


# --- 14: list arguments -------------------------------------------------------


def _list_inputs(graphql_schema):
    """``Input.field`` and ``Type.field(argument)`` of every list input."""
    for name, kind in graphql_schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(kind, GraphQLInputObjectType):
            for field_name, field in kind.fields.items():
                if is_list_type(get_nullable_type(field.type)):
                    yield f"{name}.{field_name}"
        if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in kind.fields.items():
                for arg_name, arg in field.args.items():
                    if is_list_type(get_nullable_type(arg.type)):
                        yield f"{name}.{field_name}({arg_name})"


def test_every_list_input_declares_its_bound():
    """Tests that every list argument and list input field is in INPUT_BOUNDS."""
    # when
    inputs = set(_list_inputs(schema._schema))
    # then
    assert sorted(inputs - set(INPUT_BOUNDS)) == []
    assert sorted(set(INPUT_BOUNDS) - inputs) == []


CUSTOMERS_FILTERED = """
query Q($filter: CustomerFilterInput) { customers(filter: $filter) { totalCount } }
"""
COVERAGE = """
query Q($reps: [ID!]) {
  coverage(firstDay: "2026-01-01", lastDay: "2026-01-31", repIds: $reps) { key }
}
"""
CREATE_CUSTOMER = """
mutation Q($input: CreateCustomerInput!) {
  createCustomer(input: $input) { __typename }
}
"""


def _many(n):
    return [f"t{i}" for i in range(n)]


@pytest.mark.parametrize(
    ("query", "variables", "field"),
    [
        (CUSTOMERS_FILTERED, {"filter": {"tagsAny": _many(200_000)}}, "filter.tagsAny"),
        (
            CUSTOMERS_FILTERED,
            {"filter": {"ownerIds": _many(40_000)}},
            "filter.ownerIds",
        ),
        (COVERAGE, {"reps": _many(40_000)}, "repIds"),
        (
            CREATE_CUSTOMER,
            {"input": {"name": "A", "contacts": [{"name": "B", "phones": _many(11)}]}},
            "input.contacts.0.phones",
        ),
    ],
    ids=["tags-any", "owner-ids", "coverage-rep-ids", "nested-phones"],
)
async def test_long_list_variables_are_refused_before_any_resolver(
    db, monkeypatch, query, variables, field
):
    """Tests that a list variable over its bound is VALIDATION, resolvers untouched."""
    # given
    from resolvers.scoring import coverage

    calls = []

    async def counting(*args, **kwargs):
        calls.append(kwargs)
        return []

    monkeypatch.setattr(customers, "list_customers", counting)
    monkeypatch.setattr(customers, "create_customer", counting)
    monkeypatch.setattr(coverage, "coverage", counting)
    async with signed_in_client() as client:
        # when
        body = await post(client, query, **variables)
    # then
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION", "field": field}
    assert error["message"].startswith(f"{field}: at most ")
    assert calls == []


async def test_long_list_literals_in_fragments_are_refused(db):
    """Tests that a literal list inside a fragment is checked like a variable."""
    # given
    tags = ", ".join(f'"t{i}"' for i in range(51))
    query = (
        "query { ...F } fragment F on Query { "
        f"customers(filter: {{tagsAll: [{tags}]}}) {{ totalCount }} }}"
    )
    async with signed_in_client() as client:
        # when
        body = await post(client, query)
    # then
    assert body["errors"][0]["extensions"] == {
        "code": "VALIDATION",
        "field": "filter.tagsAll",
    }


async def test_lists_at_their_bound_are_answered(db):
    """Tests that 50 tags and 100 owner ids pass the list limit."""
    # given
    owners = [str(relay.GlobalID("Rep", "0" * 24))] * 100
    variables = {"filter": {"tagsAny": _many(50), "ownerIds": owners}}
    async with signed_in_client() as client:
        # when
        body = await post(client, CUSTOMERS_FILTERED, **variables)
    # then
    assert "errors" not in body, body
    assert body["data"]["customers"] == {"totalCount": 0}
