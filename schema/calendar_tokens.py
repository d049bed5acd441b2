"""The signed-in user's calendar feed token: create (or rotate), read, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

import models
from resolvers import calendar_tokens as resolve
from schema.base import Info, attempt
from schema.errors import MutationError


@strawberry.type(
    description="Your calendar feed token (the token itself is shown only when "
    "it is created). See docs/calendar.md."
)
class CalendarToken:
    created_at: datetime = strawberry.field(
        description="When the current token was created (UTC)."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked (UTC); null while the feed works."
    )

    @strawberry.field(description="Whether the feed address answers.")
    def active(self) -> bool:
        return self.revoked_at is None

    @classmethod
    def from_document(cls, doc: models.CalendarToken) -> CalendarToken:
        """Convert a stored token record (never its hash)."""
        return cls(created_at=doc.created_at, revoked_at=doc.revoked_at)


@strawberry.type(description="The new token's feed address, shown this once.")
class CalendarTokenCreated:
    calendar_token: CalendarToken = strawberry.field(description="The new token.")
    url: str = strawberry.field(
        description="Subscribe to this address in a calendar app; it holds the "
        "secret token, so keep it private. Creating a token again replaces it."
    )


@strawberry.type(description="The token after the change.")
class CalendarTokenPayload:
    calendar_token: CalendarToken = strawberry.field(
        description="The token as now stored."
    )


CreateCalendarTokenResult = Annotated[
    CalendarTokenCreated | MutationError,
    strawberry.union(
        "CreateCalendarTokenResult", description="The feed address, or why not."
    ),
]
RevokeCalendarTokenResult = Annotated[
    CalendarTokenPayload | MutationError,
    strawberry.union(
        "RevokeCalendarTokenResult", description="The revoked token, or why not."
    ),
]


@strawberry.type
class CalendarTokenQueries:
    @strawberry.field(
        description="Your calendar feed token, if you ever created one (users "
        "only; API keys get FORBIDDEN)."
    )
    async def calendar_token(self, info: Info) -> CalendarToken | None:
        doc = await resolve.get_calendar_token(info.context)
        return None if doc is None else CalendarToken.from_document(doc)


@strawberry.type
class CalendarTokenMutations:
    @strawberry.mutation(
        description="Create a secret calendar feed address of your own visits "
        "(30 days back to 90 days ahead), for Outlook, Google Calendar and other "
        "apps. Creating one again replaces the earlier address at once."
    )
    async def create_calendar_token(self, info: Info) -> CreateCalendarTokenResult:
        async def run() -> CalendarTokenCreated:
            doc, token = await resolve.create_calendar_token(info.context)
            return CalendarTokenCreated(
                calendar_token=CalendarToken.from_document(doc),
                url=resolve.feed_url(info.context.request, token),
            )

        return await attempt(run(), lambda created: created)

    @strawberry.mutation(
        description="Stop your calendar feed at once; NOT_FOUND when you never "
        "created one."
    )
    async def revoke_calendar_token(self, info: Info) -> RevokeCalendarTokenResult:
        return await attempt(
            resolve.revoke_calendar_token(info.context),
            lambda doc: CalendarTokenPayload(
                calendar_token=CalendarToken.from_document(doc)
            ),
        )
