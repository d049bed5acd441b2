"""The scoring settings: read the stored document, change it as an admin."""

from __future__ import annotations

from typing import Any

from models.customer import Customer, Tier
from models.rep import Role
from models.scoring import SETTINGS_KEY, ScoringSettings
from resolvers.access import principal, require_role
from resolvers.common import changed, check_revision, save
from resolvers.context import Context
from resolvers.errors import Invalid


async def load_settings() -> ScoringSettings:
    """The stored settings, or the defaults while nobody has changed them."""
    found = await ScoringSettings.find_one({"key": SETTINGS_KEY})
    return found if found is not None else ScoringSettings()


async def get_settings(ctx: Context) -> ScoringSettings:
    """The settings, for any signed-in principal."""
    principal(ctx)
    return await load_settings()


def _merge(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for name, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = _merge(merged[name], value)
        else:
            merged[name] = value
    return merged


async def update_settings(
    ctx: Context, changes: dict[str, Any], revision: str | None
) -> ScoringSettings:
    """Change some settings (admins only); the rest keep their values.

    Raises:
        Forbidden: the principal is not an admin.
        Invalid: a value is out of range (negative weights, all weights 0, ...).
        Conflict: someone changed the settings since ``revision``.
    """
    require_role(ctx, Role.ADMIN)
    current = await load_settings()
    check_revision(current, revision)
    unknown = set(changes) - set(ScoringSettings.model_fields)
    if unknown:
        raise Invalid(f"unknown settings: {sorted(unknown)}")
    data = _merge(current.model_dump(exclude={"id", "revision_id"}), changes)
    fresh = changed(current, data)
    fresh.stamp.touch(ctx.actor_id)
    if current.id is None:
        fresh.id = None
        await fresh.insert()
        return fresh
    return await save(fresh)


def target_days(settings: ScoringSettings, tier: Tier) -> int:
    """The target visit interval of ``tier`` in days."""
    return int(getattr(settings.target_days, tier.value.lower()))


def customer_target_days(settings: ScoringSettings, customer: Customer) -> int:
    """The customer's own target visit interval in days, else its tier's."""
    if customer.visit_interval_days is not None:
        return customer.visit_interval_days
    return target_days(settings, customer.tier)
