"""Reading and changing customers and their contacts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from beanie import PydanticObjectId

from models import Customer, Demand, Rep
from models.customer import MAX_PREFIX, Contact, LifecycleStatus, search_tokens
from resolvers import access, external_ids
from resolvers.common import (
    any_of,
    build,
    changed,
    check_revision,
    differs,
    fetch_visible,
    insert,
    object_id,
    point,
    save,
)
from resolvers.context import Context
from resolvers.errors import Invalid, NotFound
from resolvers.external_ids import Upserted
from resolvers.pagination import Page, check_page_size, paginate

MAX_RADIUS_KM = 500.0
#: The sphere MongoDB's $near measures $maxDistance on; $centerSphere radians are
#: converted with the same radius so that counting and listing agree at the edge.
GEO_SPHERE_RADIUS_KM = 6378.1

CUSTOMER_SORTS: dict[str, list[tuple[str, int]]] = {
    "NAME_ASC": [("name", 1), ("_id", 1)],
    "NAME_DESC": [("name", -1), ("_id", -1)],
    "UPDATED_DESC": [("stamp.updated_at", -1), ("_id", 1)],
}


@dataclass
class Near:
    """A circle on the map: centre in degrees, radius in kilometres."""

    lat: float
    lng: float
    radius_km: float


@dataclass
class CustomFieldCondition:
    """Match customers whose custom field ``key`` equals, or lies within, values."""

    key: str
    equals: Any = None
    min: float | datetime | None = None
    max: float | datetime | None = None


@dataclass
class CustomerFilter:
    """Which customers to list; every set criterion must hold."""

    owner_ids: list[str] | None = None
    territories: list[str] | None = None
    tiers: list[str] | None = None
    statuses: list[str] | None = None
    tags_all: list[str] | None = None
    tags_any: list[str] | None = None
    custom: list[CustomFieldCondition] = field(default_factory=list)
    include_archived: bool = False
    external_id: dict[str, str] | None = None


def _custom_condition(cond: CustomFieldCondition) -> dict[str, Any]:
    value: dict[str, Any] = {}
    if cond.equals is not None:
        value["$eq"] = cond.equals
    if cond.min is not None:
        value["$gte"] = cond.min
    if cond.max is not None:
        value["$lte"] = cond.max
    if not value:
        raise Invalid(
            "a custom field condition needs equals, min or max", field="filter.custom"
        )
    return {"custom_fields": {"$elemMatch": {"key": cond.key, "value": value}}}


def customer_query(
    flt: CustomerFilter | None, search: str | None, who: access.Principal | None = None
) -> dict[str, Any]:
    """The MongoDB filter for a customer filter and free-text search, as ``who``
    may ask it (owners it may not see match nothing)."""
    flt = flt or CustomerFilter()
    clauses: list[dict[str, Any]] = []
    if flt.owner_ids is not None:
        ids = [object_id(i, "filter.ownerIds") for i in flt.owner_ids]
        if who is not None:
            ids = access.seen_reps(who, ids)
        clauses.append({"owner_id": any_of(ids)})
    if flt.territories is not None:
        clauses.append({"territory": any_of(flt.territories)})
    if flt.tiers is not None:
        clauses.append({"tier": any_of(flt.tiers)})
    if flt.statuses is not None:
        clauses.insert(0, {"status": any_of(flt.statuses)})
    elif not flt.include_archived:
        clauses.insert(0, {"archived": False})
    if flt.tags_all:
        tags = flt.tags_all
        clauses.append({"tags": tags[0] if len(tags) == 1 else {"$all": tags}})
    if flt.tags_any:
        clauses.append({"tags": any_of(flt.tags_any)})
    clauses.extend(_custom_condition(c) for c in flt.custom)
    if flt.external_id is not None:
        ext = external_ids.parse(flt.external_id, "filter.externalId")
        clauses.append({"external_keys": ext.key})
    if search is not None:
        words = [w[:MAX_PREFIX] for w in search_tokens(search)][:8]
        if not words:
            raise Invalid("search needs at least one letter or digit", field="search")
        # The longest word first: it narrows the index scan the most.
        words.sort(key=len, reverse=True)
        clauses.append({"search": words[0] if len(words) == 1 else {"$all": words}})
    return flatten(clauses)


def flatten(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    """One filter document from single-field clauses.

    Clauses on distinct fields go side by side (the shape every query planner
    matches to indexes); only a second clause on the same field needs ``$and``.
    """
    query: dict[str, Any] = {}
    extra: list[dict[str, Any]] = []
    for clause in clauses:
        ((key, condition),) = clause.items()
        if key in query:
            extra.append(clause)
        else:
            query[key] = condition
    if extra:
        query["$and"] = extra
    return query


def _near_clauses(near: Near) -> tuple[dict[str, Any], dict[str, Any]]:
    """A ``$near`` clause and a ``$geoWithin`` one (countable) for the circle."""
    centre = point(near.lat, near.lng, "near")
    if not 0 < near.radius_km <= MAX_RADIUS_KM:
        raise Invalid(
            f"near.radiusKm must be above 0 and at most {MAX_RADIUS_KM:g}",
            field="near.radiusKm",
        )
    geometry = {"type": "Point", "coordinates": centre.coordinates}
    nearest = {"$near": {"$geometry": geometry, "$maxDistance": near.radius_km * 1000}}
    within = {
        "$geoWithin": {
            "$centerSphere": [centre.coordinates, near.radius_km / GEO_SPHERE_RADIUS_KM]
        }
    }
    return {"location": nearest}, {"location": within}


async def list_customers(
    ctx: Context,
    *,
    flt: CustomerFilter | None = None,
    search: str | None = None,
    near: Near | None = None,
    order_by: str | None = None,
    first: int | None = None,
    offset: int = 0,
) -> Page[Customer]:
    """A page of customers; with ``near`` and no order, nearest first."""
    who = access.principal(ctx)
    if search is not None:  # search reads contact names and tags
        access.check_filter(who, "Customer.contacts")
        access.check_filter(who, "Customer.tags")
    if flt is not None and (flt.tags_all or flt.tags_any):
        access.check_filter(who, "Customer.tags")
    query = access.restrict(customer_query(flt, search, who), access.customer_rule(who))
    if near is None:
        sort = CUSTOMER_SORTS[order_by or "NAME_ASC"]
        return await paginate(Customer, query, sort, first=first, offset=offset)
    nearest, within = _near_clauses(near)
    count_query = {**query, **within}
    if order_by is None or order_by == "DISTANCE":
        return await _nearest_first(query, nearest, count_query, first, offset)
    return await paginate(
        Customer, count_query, CUSTOMER_SORTS[order_by], first=first, offset=offset
    )


async def _nearest_first(
    query: dict[str, Any],
    nearest: dict[str, Any],
    count_query: dict[str, Any],
    first: int | None,
    offset: int,
) -> Page[Customer]:
    """A page in distance order through ``$geoNear``.

    ``$geoNear`` orders by distance whatever else the filter says, where a
    ``$near`` beside other clauses is not ordered by every store.
    """
    size = check_page_size(first)
    if offset < 0:
        raise Invalid("after is not a valid cursor", field="after")
    circle = nearest["location"]["$near"]
    stage = {
        "near": circle["$geometry"],
        "maxDistance": circle["$maxDistance"],
        "distanceField": "_distance_m",
        "spherical": True,
        "key": "location",
        "query": query,
    }
    pipeline = [{"$geoNear": stage}, {"$skip": offset}, {"$limit": size + 1}]
    rows = await Customer.aggregate(pipeline).to_list()
    docs = [Customer.model_validate(row) for row in rows]

    async def count() -> int:
        return await Customer.find(count_query).count()

    return Page(
        items=docs[:size], offset=offset, has_next=len(docs) > size, count=count
    )


async def get_customer(ctx: Context, customer_id: str) -> Customer | None:
    """One customer by id, or ``None``."""
    try:
        oid = object_id(customer_id, "id")
    except Invalid:
        return None
    return await ctx.loaders.customer_by_id.load(oid)


async def _check_owner(owner_id: PydanticObjectId | None, field: str) -> None:
    if owner_id is not None and await Rep.get(owner_id) is None:
        raise NotFound(f"{field}: rep {owner_id} does not exist", field=field)


async def create_customer(ctx: Context, data: dict[str, Any]) -> Customer:
    """Validate and store a new customer; a rep's new customers are their own."""
    who = access.principal(ctx)
    if data.get("owner_id") is not None:
        data["owner_id"] = object_id(data["owner_id"], "ownerId")
    else:
        data["owner_id"] = access.default_owner(who)
    access.check_assignment(who, data["owner_id"], data.get("territory"))
    customer = build(Customer, data)
    await _check_owner(customer.owner_id, "ownerId")
    customer.stamp.created_by = customer.stamp.updated_by = ctx.actor_id
    await insert(customer)
    ctx.loaders.forget(customer)
    return customer


async def _load_for_change(
    ctx: Context, customer_id: str, revision: str | None
) -> Customer:
    who = access.principal(ctx)
    access.check_writer(who, key_scope=access.CUSTOMERS_WRITE)
    rule = access.customer_rule(who)
    customer = await fetch_visible(Customer, object_id(customer_id, "id"), rule)
    access.check_may_change_customer(who, customer)
    check_revision(customer, revision)
    return customer


async def _store(ctx: Context, customer: Customer) -> Customer:
    customer.stamp.touch(ctx.actor_id)
    await save(customer)
    ctx.loaders.forget(customer)
    return customer


async def update_customer(
    ctx: Context, customer_id: str, revision: str | None, changes: dict[str, Any]
) -> Customer:
    """Apply ``changes`` to a customer, refusing a stale revision."""
    customer = await _load_for_change(ctx, customer_id, revision)
    updated = await _apply(ctx, customer, changes, always=True)
    assert updated is not None  # always=True writes even an unchanged customer
    return updated


async def _apply(
    ctx: Context, customer: Customer, changes: dict[str, Any], *, always: bool
) -> Customer | None:
    """Write ``changes`` to ``customer`` after the ownership rules; unless
    ``always``, write nothing (and return ``None``) when nothing changes."""
    if changes.get("owner_id") is not None:
        changes["owner_id"] = object_id(changes["owner_id"], "ownerId")
    moved = {k: v for k, v in changes.items() if k in ("owner_id", "territory")}
    if any(getattr(customer, k) != v for k, v in moved.items()):
        access.check_assignment(
            access.principal(ctx),
            changes.get("owner_id", customer.owner_id),
            changes.get("territory", customer.territory),
            before=(customer.owner_id, customer.territory),
        )
        await _check_owner(changes.get("owner_id"), "ownerId")
    new = changed(customer, changes)
    if not always and not differs(customer, new):
        return None
    updated = await _store(ctx, new)
    if moved:
        # Demands carry the customer's owner and territory for the access rules.
        await Demand.find({"customer_id": updated.id}).update_many(
            {
                "$set": {
                    "customer_owner_id": updated.owner_id,
                    "customer_territory": updated.territory,
                    "access": updated.access,
                }
            }
        )
    return updated


async def archive_customer(
    ctx: Context, customer_id: str, revision: str | None
) -> Customer:
    """Mark a customer archived: hidden from lists by default, history kept."""
    customer = await _load_for_change(ctx, customer_id, revision)
    return await _store(ctx, changed(customer, {"status": LifecycleStatus.ARCHIVED}))


async def add_contact(
    ctx: Context, customer_id: str, revision: str | None, contact: dict[str, Any]
) -> Customer:
    """Add a contact person to a customer."""
    customer = await _load_for_change(ctx, customer_id, revision)
    contacts = [c.model_dump() for c in customer.contacts] + [contact]
    return await _store(ctx, changed(customer, {"contacts": contacts}, "contact"))


def _contact_index(customer: Customer, contact_id: str) -> int:
    oid = object_id(contact_id, "contactId")
    for index, contact in enumerate(customer.contacts):
        if contact.id == oid:
            return index
    raise NotFound(
        f"contact {contact_id} does not exist on this customer", field="contactId"
    )


async def update_contact(
    ctx: Context,
    customer_id: str,
    contact_id: str,
    revision: str | None,
    changes: dict[str, Any],
) -> Customer:
    """Change fields of one contact."""
    customer = await _load_for_change(ctx, customer_id, revision)
    index = _contact_index(customer, contact_id)
    contacts = [c.model_dump() for c in customer.contacts]
    contacts[index].update(changes)
    return await _store(ctx, changed(customer, {"contacts": contacts}, "contact"))


async def remove_contact(
    ctx: Context, customer_id: str, contact_id: str, revision: str | None
) -> Customer:
    """Remove one contact from a customer."""
    customer = await _load_for_change(ctx, customer_id, revision)
    index = _contact_index(customer, contact_id)
    customer.contacts.pop(index)
    return await _store(ctx, changed(customer, {}))


async def upsert_customer(
    ctx: Context, external_id: Any, revision: str | None, data: dict[str, Any]
) -> Upserted[Customer]:
    """Create or change the customer with a partner's ``external_id``.

    Creating follows ``create_customer`` (owner and territory rules included);
    changing follows ``update_customer`` and writes only what differs. Contacts
    sent again keep their ids (matched by external id, else by equal fields).
    """
    who = access.principal(ctx)
    access.check_writer(who, key_scope=access.CUSTOMERS_WRITE)
    ext = external_ids.parse(external_id, "externalId")
    given = data.pop("external_ids", None)
    await external_ids.id_from_external_id(ctx, Rep, data, "owner")

    async def create() -> Customer:
        return await create_customer(
            ctx, {**data, "external_ids": external_ids.upserted_ids([], given, ext)}
        )

    async def update(current: Customer) -> Customer | None:
        access.check_may_change_customer(who, current)
        changes = {
            **data,
            "external_ids": external_ids.upserted_ids(current.external_ids, given, ext),
        }
        if "contacts" in changes:
            changes["contacts"] = external_ids.keep_ids(
                current.contacts, changes["contacts"], Contact, "contacts"
            )
        return await _apply(ctx, current, changes, always=False)

    return await external_ids.upsert(who, Customer, ext, revision, create, update)
