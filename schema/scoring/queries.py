"""Scoring in the API: effectiveness, priority, recommendations, coverage."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import strawberry
from strawberry import relay

from resolvers.scoring import coverage as cov
from resolvers.scoring import effectiveness as eff
from resolvers.scoring import priority as prio
from resolvers.scoring import recommendations as rec
from resolvers.scoring import settings as conf
from resolvers.scoring.common import Rules
from schema.base import (
    GeoPointInput,
    Info,
    raw_id,
    raw_ids,
)
from schema.customers import Tier
from schema.scoring.inputs import (
    EffectivenessFilterInput,
    PeriodInput,
)
from schema.scoring.types import (
    Coverage,
    CoverageGroupBy,
    CustomerPriority,
    EffectivenessGroup,
    EffectivenessGroupBy,
    EffectivenessReport,
    Recommendation,
    ScoringSettings,
    TierCoverage,
)


def _spec(period: PeriodInput) -> eff.PeriodSpec:
    return eff.PeriodSpec(
        unit=eff.Unit(period.unit.value),
        start=period.start,
        end=period.end,
        count=period.count,
    )


@strawberry.type
class ScoringQueries:
    @strawberry.field(
        description="Visit effectiveness E = ΣR/ΣT (result points per hour) per "
        "group and consecutive UTC period, with counts and a trend. limit: 1 to 100."
    )
    async def effectiveness(
        self,
        info: Info,
        group_by: Annotated[
            EffectivenessGroupBy,
            strawberry.argument(description="What the groups are."),
        ],
        period: Annotated[
            PeriodInput,
            strawberry.argument(description="The consecutive periods to report."),
        ],
        filter: Annotated[
            EffectivenessFilterInput | None,
            strawberry.argument(
                description="Which completed visits count; default all you may see."
            ),
        ] = None,
        include_travel: Annotated[
            bool,
            strawberry.argument(
                description="True: T also holds the estimated travel to each visit."
            ),
        ] = False,
        limit: Annotated[
            int,
            strawberry.argument(
                description="Most groups returned, 1 to 100 (default 50)."
            ),
        ] = 50,
    ) -> EffectivenessReport:
        async def run() -> eff.Report:
            scope = eff.Scope(
                rep_ids=raw_ids(filter.rep_ids, "Rep", "filter.repIds")
                if filter
                else None,
                customer_ids=raw_ids(
                    filter.customer_ids, "Customer", "filter.customerIds"
                )
                if filter
                else None,
                purposes=[p.value for p in filter.purposes]
                if filter and filter.purposes
                else None,
            )
            return await eff.effectiveness_report(
                Rules.of(info.context),
                eff.Dimension(group_by.value),
                _spec(period),
                scope,
                include_travel,
                limit,
            )

        report = await run()
        return EffectivenessReport(
            group_by=group_by,
            include_travel=include_travel,
            groups=[EffectivenessGroup.of(g, report) for g in report.groups],
            overall=EffectivenessGroup.of(report.overall, report),
        )

    @strawberry.field(description="A customer's priority score; null if not visible.")
    async def customer_priority(
        self,
        info: Info,
        customer_id: Annotated[
            relay.GlobalID, strawberry.argument(description="The customer.")
        ],
    ) -> CustomerPriority | None:
        async def run() -> Any:
            return await prio.priority_of(
                Rules.of(info.context), raw_id(customer_id, "Customer", "customerId")
            )

        found = await run()
        return None if found is None else CustomerPriority.of(found)

    @strawberry.field(
        description="Customers by priority score, highest first (limit 1 to 100); "
        "churned and archived customers are left out."
    )
    async def customer_priorities(
        self,
        info: Info,
        owner_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only the customers this rep owns."),
        ] = None,
        tier: Annotated[
            Tier | None,
            strawberry.argument(description="Only the customers of this tier."),
        ] = None,
        limit: Annotated[
            int,
            strawberry.argument(description="How many, 1 to 100 (default 20)."),
        ] = 20,
    ) -> list[CustomerPriority]:
        async def run() -> Any:
            return await prio.ranked(
                Rules.of(info.context),
                owner_id=raw_id(owner_id, "Rep", "ownerId") if owner_id else None,
                tier=tier.value if tier else None,
                limit=limit,
            )

        return [CustomerPriority.of(p) for p in await run()]

    @strawberry.field(
        description="Whom the rep should visit on `date`, best first (limit 1 to 50), "
        "with reasons and the best free slot. `near` ranks by distance from a place "
        "(say, a cancelled visit's). Only for yourself, your team, or as an admin."
    )
    async def recommendations(
        self,
        info: Info,
        rep_id: Annotated[
            relay.GlobalID,
            strawberry.argument(description="The rep to recommend visits to."),
        ],
        date: Annotated[
            date,
            strawberry.argument(description="The day, in the rep's time zone."),
        ],
        limit: Annotated[
            int,
            strawberry.argument(description="How many, 1 to 50 (default 10)."),
        ] = 10,
        near: Annotated[
            GeoPointInput | None,
            strawberry.argument(
                description="Rank by distance from this place instead of the rep's day."
            ),
        ] = None,
    ) -> list[Recommendation]:
        async def run() -> Any:
            return await rec.recommend(
                info.context,
                raw_id(rep_id, "Rep", "repId"),
                date,
                limit,
                near.to_model("near") if near else None,
            )

        return [Recommendation.of(r) for r in await run()]

    @strawberry.field(
        description="Share of A/B/C customers visited within their target interval "
        "from firstDay to lastDay (UTC, included), per owner rep or team."
    )
    async def coverage(
        self,
        info: Info,
        first_day: Annotated[
            date,
            strawberry.argument(description="First UTC day of the period, included."),
        ],
        last_day: Annotated[
            date,
            strawberry.argument(
                description="Last UTC day, included; the period is at most 366 days."
            ),
        ],
        group_by: Annotated[
            CoverageGroupBy,
            strawberry.argument(description="Per owner rep (default) or team."),
        ] = CoverageGroupBy.REP,
        rep_ids: Annotated[
            list[relay.GlobalID] | None,
            strawberry.argument(description="Only the customers these reps own."),
        ] = None,
    ) -> list[Coverage]:
        async def run() -> Any:
            return await cov.coverage(
                Rules.of(info.context),
                first_day,
                last_day,
                eff.Dimension(group_by.value),
                raw_ids(rep_ids, "Rep", "repIds"),
            )

        return [
            Coverage(
                key=r.key,
                label=r.label,
                tiers=[TierCoverage.of(t) for t in r.tiers.values()],
                total=TierCoverage.of(r.total),
                unverified_check_ins=r.unverified_check_ins,
            )
            for r in await run()
        ]

    @strawberry.field(description="The weights and targets the scores use.")
    async def scoring_settings(self, info: Info) -> ScoringSettings:
        return ScoringSettings.from_document(await conf.get_settings(info.context))
