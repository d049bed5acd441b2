"""Store a generated data set through Beanie, in batches per collection."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beanie import Document
from beanie.operators import In
from pymongo.errors import BulkWriteError

from models.common import utc_now
from models.customer import Customer
from models.rep import Rep
from seed.generate import Dataset, generate

#: Documents per ``insert_many`` call: large enough to be quick, small enough to stay
#: far below MongoDB's 48 MB message limit.
BATCH_SIZE = 1000


@dataclass(frozen=True)
class SeedCounts:
    """How many documents of each kind were inserted."""

    reps: int
    customers: int
    demands: int
    visits: int


async def _insert(documents: Sequence[Document], batch_size: int) -> int:
    for start in range(0, len(documents), batch_size):
        batch = documents[start : start + batch_size]
        model = type(batch[0])
        try:
            await model.insert_many(list(batch))
        except BulkWriteError as error:
            # The driver retries a write whose connection was cut; when the
            # first try had been stored, the retry finds the same ids. Those
            # documents stand; any other refusal is an error.
            ids = [doc.id for doc in batch]
            errors = error.details.get("writeErrors", [])
            taken = all(e.get("code") == 11000 for e in errors)
            if not taken or await model.find(In(model.id, ids)).count() < len(ids):
                raise
    return len(documents)


async def insert_dataset(ds: Dataset, *, batch_size: int = BATCH_SIZE) -> SeedCounts:
    """Insert every document of ``ds``; ``init_beanie`` must have run.

    Args:
        ds: The data set from :func:`seed.generate`.
        batch_size: Documents per ``insert_many`` call.

    Returns:
        The number of documents inserted per collection.
    """
    return SeedCounts(
        reps=await _insert(ds.reps, batch_size),
        customers=await _insert(ds.customers, batch_size),
        demands=await _insert(ds.demands, batch_size),
        visits=await _insert(ds.visits, batch_size),
    )


#: The password of every demo user (``serve --demo`` prints who they are).
DEMO_PASSWORD = "visitplan-demo"


def with_password(ds: Dataset, password: str) -> Dataset:
    """Let every user of ``ds`` sign in with ``password`` (one shared hash)."""
    from resolvers.auth import hash_password

    hashed = hash_password(password)
    for rep in ds.reps:
        rep.password_hash = hashed
    return ds


async def store_is_empty() -> bool:
    """Tell whether the store holds neither customers nor reps."""
    return await Customer.find_one() is None and await Rep.find_one() is None


async def seed_demo(
    *,
    customers: int = 200,
    reps: int = 8,
    months: int = 6,
    seed: int = 42,
    now: datetime | None = None,
) -> SeedCounts:
    """Generate the demo data set and insert it; ``init_beanie`` must have run.

    Args:
        customers: How many customers to create.
        reps: How many field reps to create (admin, managers and partner on top).
        months: Months of past visits per field rep.
        seed: Seed of every random choice.
        now: The moment the data is generated at; the current time when omitted.

    Returns:
        The number of documents inserted per collection.
    """
    ds = generate(
        customers=customers,
        reps=reps,
        months=months,
        seed=seed,
        now=now or utc_now(),
    )
    return await insert_dataset(with_password(ds, DEMO_PASSWORD))


async def demo_accounts() -> dict[str, str]:
    """The e-mail of one demo user per role that signs in with a password."""
    found: dict[str, str] = {}
    for role in ("admin", "manager", "rep"):
        user = await Rep.find_one({"role": role, "password_hash": {"$ne": None}})
        if user is not None:
            found[role] = str(user.email)
    return found


async def create_demo_key() -> str | None:
    """An API key for the demo partner, made by the demo admin (shown once)."""
    from resolvers import api_keys
    from resolvers.access import Principal
    from resolvers.context import Context

    admin = await Rep.find_one({"role": "admin"})
    if admin is None:
        return None
    who = Principal(user_id=admin.id, role=admin.role)
    scopes = ["customers:read", "demands:read", "visits:read"]
    _, secret = await api_keys.create_api_key(
        Context(principal=who), "Demo partner", scopes, 90
    )
    return secret


def sign_in_help(accounts: dict[str, str], key: str | None) -> str:
    """How to sign in as each demo role, for the console."""
    lines = [
        "Demo sign-in (GraphiQL: mutation { signIn(email: ..., password: ...) "
        "{ accessToken } }, then the header Authorization: Bearer <accessToken>):"
    ]
    lines += [
        f"  {role:8} {email}  password: {DEMO_PASSWORD}"
        for role, email in accounts.items()
    ]
    if key:
        lines.append(f"  partner  API key (shown once): Authorization: Bearer {key}")
    return "\n".join(lines)
