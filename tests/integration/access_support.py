"""The world the access tests share: two teams, their customers, demands, visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from beanie import PydanticObjectId
from strawberry import relay

from models import Customer, Demand, Rep, Visit
from models.common import GeoPoint
from models.customer import Address
from resolvers.access import Principal
from resolvers.auth import principal_for
from resolvers.context import Context
from schema import schema

START = datetime(2031, 3, 3, 9, tzinfo=UTC)


@dataclass
class World:
    """Two teams: m1 manages r1 (North) and r2 (South); m2 manages r3 (North)."""

    users: dict[str, Rep]
    customers: dict[str, Customer]
    visits: dict[str, Visit]


def gid(kind: str, oid: PydanticObjectId | None) -> str:
    """A global id."""
    return str(relay.GlobalID(kind, str(oid)))


async def build_world() -> World:
    """Users, customers, demands and visits across two teams."""
    users: dict[str, Rep] = {}
    for name, role, territory, manager in [
        ("admin", "admin", None, None),
        ("m1", "manager", None, None),
        ("m2", "manager", None, None),
        ("r1", "rep", "North", "m1"),
        ("r2", "rep", "South", "m1"),
        ("r3", "rep", "North", "m2"),
    ]:
        user = Rep(
            name=name,
            email=f"{name}@example.com",
            role=role,
            territory=territory,
            manager_id=users[manager].id if manager else None,
            home=GeoPoint.at(48.1, 11.5),
        )
        await user.insert()
        users[name] = user
    customers: dict[str, Customer] = {}
    for name, owner, territory in [
        ("c1", "r1", "North"),
        ("c2", "r2", "South"),
        ("c3", "r3", "North"),
        ("c4", "r3", "East"),
    ]:
        customer = Customer(
            name=name,
            owner_id=users[owner].id,
            territory=territory,
            status="active",
            contacts=[{"name": f"Contact of {name}"}],
            addresses=[Address(label="shop", location=GeoPoint.at(48.1, 11.5))],
        )
        await customer.insert()
        customers[name] = customer
        await Demand(
            customer_id=customer.id,
            customer_owner_id=customer.owner_id,
            customer_territory=territory,
            type="complaint",
            title=f"Demand of {name}",
        ).insert()
    visits = {}
    for name, rep, customer in [("v1", "r1", "c1"), ("v3", "r3", "c3")]:
        visit = Visit(
            customer_id=customers[customer].id,
            rep_id=users[rep].id,
            purpose="demo",
            planned_start=START,
            planned_end=START + timedelta(hours=1),
        )
        await visit.insert()
        visits[name] = visit
    return World(users=users, customers=customers, visits=visits)


async def run(who: Principal, document: str, **variables):
    """Execute as ``who``; return (data, error codes)."""
    result = await schema.execute(
        document, variable_values=variables, context_value=Context(principal=who)
    )
    codes = [e.extensions.get("code") for e in result.errors or []]
    return result.data, codes


async def as_user(world: World, name: str) -> Principal:
    """The principal of a user of the world."""
    return await principal_for(world.users[name])
