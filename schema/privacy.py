"""Data-subject rights in the API: export and erase a customer's personal data."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from resolvers import privacy
from schema.base import Info, attempt, raw_id
from schema.customers import CustomerResult, customer_payload
from schema.errors import MutationError


@strawberry.type(description="Everything held about a customer's contacts.")
class PersonalDataExport:
    data: JSON = strawberry.field(
        description="The customer's names, addresses and contacts, its demands' texts "
        "and history, and its visits' agendas, notes and check-ins."
    )


CustomerId = Annotated[
    relay.GlobalID, strawberry.argument(description="The customer whose data it is.")
]

ExportPersonalDataResult = Annotated[
    PersonalDataExport | MutationError,
    strawberry.union("ExportPersonalDataResult", description="The export, or why not."),
]


@strawberry.type
class PrivacyMutations:
    @strawberry.mutation(
        description="Export everything held about a customer's contacts "
        "(admins only; recorded in the audit trail)."
    )
    async def export_personal_data(
        self, info: Info, customer_id: CustomerId
    ) -> ExportPersonalDataResult:
        async def run() -> dict[str, Any]:
            raw = raw_id(customer_id, "Customer", "customerId")
            return await privacy.export_personal_data(info.context, raw)

        return await attempt(run(), lambda data: PersonalDataExport(data=JSON(data)))

    @strawberry.mutation(
        description="Erase a customer's personal data: contacts are "
        "anonymised and free texts scrubbed; visit statistics stay "
        "(admins only; recorded in the audit trail)."
    )
    async def erase_personal_data(
        self, info: Info, customer_id: CustomerId
    ) -> CustomerResult:
        async def run() -> Any:
            raw = raw_id(customer_id, "Customer", "customerId")
            return await privacy.erase_personal_data(info.context, raw)

        return await attempt(run(), customer_payload)
