"""Scoring in the API: changing the settings."""

from __future__ import annotations

import strawberry

from resolvers.scoring import settings as conf
from schema.base import (
    Info,
    attempt,
    to_data,
)
from schema.scoring.inputs import (
    UpdateScoringSettingsInput,
)
from schema.scoring.types import (
    ScoringSettings,
    ScoringSettingsPayload,
    UpdateScoringSettingsResult,
)


@strawberry.type
class ScoringMutations:
    @strawberry.mutation(
        description="Change the scoring settings (admins only); values are validated."
    )
    async def update_scoring_settings(
        self, info: Info, input: UpdateScoringSettingsInput
    ) -> UpdateScoringSettingsResult:
        changes = {k: v for k, v in to_data(input).items() if k != "revision"}
        return await attempt(
            conf.update_settings(info.context, changes, input.revision),
            lambda doc: ScoringSettingsPayload(
                settings=ScoringSettings.from_document(doc)
            ),
        )
