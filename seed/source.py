"""The one source of randomness and time that every generator draws from."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from beanie import PydanticObjectId
from faker import Faker

T = TypeVar("T")

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class Source:
    """A seeded random generator, a seeded German Faker and the fixed "now".

    Everything random goes through here, never through the global ``random`` state, so
    the same seed always gives the same data.
    """

    seed: int
    now: datetime
    #: How many months of visit history the data set covers.
    months: int = 0
    rng: random.Random = field(init=False)
    fake: Faker = field(init=False)

    def __post_init__(self) -> None:
        """Check ``now`` and seed both generators."""
        if self.now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        # Whole seconds: MongoDB keeps milliseconds, and round numbers read better.
        self.now = self.now.astimezone(UTC).replace(microsecond=0)
        self.rng = random.Random(self.seed)
        self.fake = Faker("de_DE")
        self.fake.seed_instance(self.seed)

    @property
    def history_days(self) -> int:
        """Days of history, at least the visit months; older records predate them."""
        return self.months * 31

    def object_id(self) -> PydanticObjectId:
        """A document id from the seeded generator, so ids repeat with the seed."""
        return PydanticObjectId(self.rng.getrandbits(96).to_bytes(12, "big"))

    def chance(self, probability: float) -> bool:
        """True with the given probability."""
        return self.rng.random() < probability

    def weighted(self, options: Sequence[T], weights: Sequence[float]) -> T:
        """One of ``options``, drawn by ``weights``."""
        return self.rng.choices(options, weights=weights)[0]

    def moment_between(self, start: datetime, end: datetime) -> datetime:
        """A whole-second moment in ``[start, end]``."""
        span = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(0, span))

    def days_ago(self, low: int, high: int) -> datetime:
        """A moment between ``high`` and ``low`` days before now."""
        return self.moment_between(
            self.now - timedelta(days=high), self.now - timedelta(days=low)
        )


def slug(text: str) -> str:
    """ASCII, lower-case, dash-separated form of ``text`` for e-mail addresses."""
    plain = text.lower().translate(_UMLAUTS)
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", plain).strip("-")


def months_before(day: date, months: int) -> date:
    """The same day of the month ``months`` months earlier, clamped to month end."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    for clamp in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, clamp))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")
