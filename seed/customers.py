"""Demo customers: Munich businesses with contacts, hours, custom fields and owners."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.common import DayHours, GeoPoint, Stamp, TimeRange, Weekday
from models.customer import (
    Address,
    Contact,
    Customer,
    CustomField,
    LifecycleStatus,
    Tier,
)
from models.rep import Rep
from seed import munich, vocab
from seed.source import Source, slug

TIERS = (Tier.A, Tier.B, Tier.C)
TIER_WEIGHTS = (15, 35, 50)
STATUSES = (
    LifecycleStatus.ACTIVE,
    LifecycleStatus.LEAD,
    LifecycleStatus.DORMANT,
    LifecycleStatus.CHURNED,
)
STATUS_WEIGHTS = (70, 12, 12, 6)
#: Annual revenue range in euros by tier.
REVENUE_EUR = {
    Tier.A: (1_000_000, 5_000_000),
    Tier.B: (200_000, 1_000_000),
    Tier.C: (20_000, 200_000),
}
_SEGMENT_WEIGHTS = tuple(s.weight for s in vocab.SEGMENTS)
_WAREHOUSE_DISTRICTS = tuple(
    d for d in munich.DISTRICTS if d.name in {"Freimann", "Moosach"}
)


@dataclass(frozen=True)
class PlacedCustomer:
    """A generated customer with what the later generators need to know about it."""

    customer: Customer
    district: munich.District
    lat: float
    lng: float


def _name(src: Source, segment: vocab.Segment, district: munich.District) -> str:
    pattern = src.rng.choice(segment.names)
    last = src.fake.last_name()
    last2 = src.fake.last_name() if "{last2}" in pattern else ""
    return pattern.format(last=last, last2=last2, district=district.name)


def _phone(src: Source, mobile: bool) -> str:
    if mobile:
        prefix = src.rng.choice(vocab.MOBILE_PREFIXES)
        return f"+49 {prefix} {src.rng.randint(1_000_000, 99_999_999)}"
    return f"+49 89 {src.rng.randint(100_000, 99_999_999)}"


def _contacts(
    src: Source, segment: vocab.Segment, domain: str, tier: Tier
) -> list[Contact]:
    count = src.rng.randint(1, 3 if tier is Tier.A else 2)
    contacts = []
    for index in range(count):
        first, last = src.fake.first_name(), src.fake.last_name()
        phones = [_phone(src, mobile=index > 0 or src.chance(0.3))]
        if src.chance(0.25):
            phones.append(_phone(src, mobile=True))
        emails = [f"{slug(first)}.{slug(last)}@{domain}"] if src.chance(0.7) else []
        contacts.append(
            Contact(
                id=src.object_id(),
                name=f"{first} {last}",
                # The first contact is the decision maker of the segment.
                role=segment.roles[0] if index == 0 else src.rng.choice(segment.roles),
                phones=phones,
                emails=emails,
                preferred_channel=src.weighted(vocab.CHANNELS, vocab.CHANNEL_WEIGHTS),
            )
        )
    return contacts


def _address(
    src: Source, label: str, district: munich.District
) -> tuple[Address, float, float]:
    lat, lng = munich.point_near(src.rng, district)
    street, postal_code = munich.street_address(src.rng, district)
    address = Address(
        label=label,
        street=street,
        city=munich.CITY,
        postal_code=postal_code,
        country=munich.COUNTRY,
        location=GeoPoint.at(lat, lng),
    )
    return address, lat, lng


def _hours(src: Source, segment: vocab.Segment) -> list[DayHours]:
    template = src.rng.choice(segment.hours)
    days = list(Weekday)
    return [
        DayHours(
            weekday=days[day],
            intervals=[TimeRange(start=start, end=end) for start, end in spans],
        )
        for day, spans in sorted(template.items())
    ]


def _tags(src: Source, segment: vocab.Segment, tier: Tier) -> list[str]:
    tags = list(segment.tags)
    if tier is Tier.A and src.chance(0.8):
        tags.append("key-account")
    if src.chance({Tier.A: 0.4, Tier.B: 0.1, Tier.C: 0.02}[tier]):
        tags.append("strategic")
    extra = src.rng.sample(vocab.EXTRA_TAGS, k=src.weighted((0, 1, 2), (5, 4, 1)))
    return tags + sorted(extra)


def _custom_fields(
    src: Source, segment: vocab.Segment, tier: Tier, status: LifecycleStatus
) -> list[CustomField]:
    low, high = REVENUE_EUR[tier]
    fields = [
        CustomField(key="segment", value=segment.key),
        CustomField(
            key="annualRevenueEur", value=int(round(src.rng.uniform(low, high), -3))
        ),
        CustomField(key="hasFridge", value=src.chance(segment.fridge_chance)),
    ]
    if status is LifecycleStatus.ACTIVE and src.chance(0.6):
        day = (src.now + timedelta(days=src.rng.randint(10, 400))).date()
        renewal = datetime(day.year, day.month, day.day, tzinfo=UTC)
        fields.append(CustomField(key="contractRenewal", value=renewal))
    return fields


class _Owners:
    """Picks a customer's owner among the field reps of its territory."""

    def __init__(self, field_reps: list[Rep]) -> None:
        self._reps = field_reps
        self._by_territory: dict[str | None, list[Rep]] = defaultdict(list)
        for rep in field_reps:
            self._by_territory[rep.territory].append(rep)

    def pick(self, src: Source, territory: str) -> Rep | None:
        if not self._reps:
            return None
        local = self._by_territory.get(territory)
        if local:
            return src.rng.choice(local)
        # With fewer reps than territories, an uncovered territory goes to a fixed rep
        # so that its customers stay together.
        return self._reps[munich.TERRITORIES.index(territory) % len(self._reps)]


def _customer(src: Source, owners: _Owners) -> PlacedCustomer:
    segment = src.weighted(vocab.SEGMENTS, _SEGMENT_WEIGHTS)
    district = munich.pick_district(src.rng)
    tier = src.weighted(TIERS, TIER_WEIGHTS)
    status = src.weighted(STATUSES, STATUS_WEIGHTS)
    name = _name(src, segment, district)
    main, lat, lng = _address(src, "Main", district)
    addresses = [main]
    if segment.key == "wholesale" and src.chance(0.5):
        addresses.append(
            _address(src, "Warehouse", src.rng.choice(_WAREHOUSE_DISTRICTS))[0]
        )
    owner = owners.pick(src, district.territory)
    created = src.days_ago(src.history_days + 30, src.history_days + 400)
    customer = Customer(
        id=src.object_id(),
        name=name,
        legal_name=f"{name} {src.rng.choice(segment.legal_forms)}",
        tier=tier,
        status=status,
        tags=_tags(src, segment, tier),
        contacts=_contacts(src, segment, f"{slug(name)}.de", tier),
        addresses=addresses,
        time_zone=munich.TIME_ZONE,
        opening_hours=_hours(src, segment),
        owner_id=owner.id if owner else None,
        territory=district.territory,
        custom_fields=_custom_fields(src, segment, tier, status),
        stamp=Stamp(
            created_at=created,
            updated_at=src.moment_between(created, src.now - timedelta(hours=1)),
            created_by=owner.id if owner else None,
            updated_by=owner.id if owner else None,
        ),
    )
    return PlacedCustomer(customer, district, lat, lng)


def make_customers(
    src: Source, count: int, field_reps: list[Rep]
) -> list[PlacedCustomer]:
    """Build ``count`` customers owned by ``field_reps`` according to territory.

    Args:
        src: The seeded source.
        count: How many customers to create.
        field_reps: The reps who may own customers; with none, customers have no owner.

    Returns:
        The customers, each with its district and main location.
    """
    owners = _Owners(field_reps)
    return [_customer(src, owners) for _ in range(count)]
