"""Demands in the API: inputs and filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from models.demand import Priority as PriorityModel
from resolvers.demands import DemandFilter
from schema.base import (
    EXTERNAL_IDS,
    REVISION,
    ExternalIdInput,
    UpsertOfCustomerInput,
    raw_id,
    raw_ids,
    to_data,
)
from schema.demands.types import DemandStatus, DemandType, Priority

_TYPE = "The kind of need."
_DESCRIPTION = "Free text, at most 10,000 characters."
_PRIORITY = "How soon it needs attention; NORMAL by default."


@strawberry.input(description="A new demand of a customer; it starts open.")
class CreateDemandInput:
    customer_id: relay.GlobalID = strawberry.field(description="Whose need it is.")
    type: DemandType = strawberry.field(description=_TYPE)
    title: str = strawberry.field(description="1 to 200 characters.")
    description: str = strawberry.field(default="", description=_DESCRIPTION)
    priority: Priority = strawberry.field(
        default=PriorityModel.NORMAL, description=_PRIORITY
    )
    due: datetime | None = strawberry.field(
        default=None, description="With a time zone."
    )
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Who works on it; null: nobody."
    )
    external_ids: list[ExternalIdInput] = strawberry.field(
        default_factory=list, description=EXTERNAL_IDS
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


_ASSIGNEE = (
    "A user you may see (as when creating a demand); null: nobody. API keys "
    "need demands:write."
)


@strawberry.input(
    description="Changes to a demand; fields left out stay as they are. The "
    "status moves with transitionDemand."
)
class UpdateDemandInput:
    id: relay.GlobalID = strawberry.field(description="The demand to change.")
    revision: str | None = strawberry.field(default=None, description=REVISION)
    type: DemandType | None = strawberry.field(
        default=strawberry.UNSET, description=_TYPE
    )
    title: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 200 characters."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="At most 10,000 characters."
    )
    priority: Priority | None = strawberry.field(
        default=strawberry.UNSET, description="How soon it needs attention."
    )
    due: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="With a time zone; null: no due date."
    )
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description=_ASSIGNEE
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=strawberry.UNSET, description=f"{EXTERNAL_IDS} Replaces the list."
    )


@strawberry.input(
    description="A demand named by its id in a partner's system: created (open) "
    "when no demand has that id, else changed as updateDemand changes it. "
    "Fields left out stay as they are (or take their defaults)."
)
class UpsertDemandInput(UpsertOfCustomerInput):
    type: DemandType = strawberry.field(description=_TYPE)
    title: str = strawberry.field(description="1 to 200 characters.")
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description=_DESCRIPTION
    )
    priority: Priority | None = strawberry.field(
        default=strawberry.UNSET, description=_PRIORITY
    )
    due: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="With a time zone; null: no due date."
    )
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description=_ASSIGNEE
    )
    assignee_external_id: ExternalIdInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="The assignee by their id in the partner's system, instead "
        "of assigneeId.",
    )


@strawberry.input(description="A follow-up demand created from a visit's outcome.")
class FollowUpInput:
    type: DemandType = strawberry.field(description=_TYPE)
    title: str = strawberry.field(description="1 to 200 characters.")
    description: str = strawberry.field(default="", description=_DESCRIPTION)
    priority: Priority = strawberry.field(
        default=PriorityModel.NORMAL, description=_PRIORITY
    )
    due: datetime | None = strawberry.field(
        default=None, description="With a time zone; null: no due date."
    )
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Who works on it; null: nobody."
    )


@strawberry.input(description="Move a demand to another status.")
class TransitionDemandInput:
    id: relay.GlobalID = strawberry.field(description="The demand to move.")
    to: DemandStatus = strawberry.field(
        description="The status to move to; see DemandStatus for the moves allowed "
        "(else INVALID_TRANSITION)."
    )
    comment: str | None = strawberry.field(
        default=None, description="At most 2000 chars."
    )
    revision: str | None = strawberry.field(default=None, description=REVISION)


@strawberry.input(description="Demand criteria; all that are set must hold.")
class DemandFilterInput:
    customer_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Of one of these customers."
    )
    assignee_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Assigned to one of these users."
    )
    statuses: list[DemandStatus] | None = strawberry.field(
        default=None, description="In one of these statuses."
    )
    priorities: list[Priority] | None = strawberry.field(
        default=None, description="With one of these priorities."
    )
    types: list[DemandType] | None = strawberry.field(
        default=None, description="Of one of these types."
    )
    due_after: datetime | None = strawberry.field(
        default=None, description="Inclusive."
    )
    due_before: datetime | None = strawberry.field(
        default=None, description="Exclusive."
    )
    external_id: ExternalIdInput | None = strawberry.field(
        default=None, description="Has this id in a partner's system."
    )

    def to_filter(self) -> DemandFilter:
        """As the resolver's filter."""

        def values(items: list[Any] | None) -> list[str] | None:
            return None if items is None else [i.value for i in items]

        return DemandFilter(
            customer_ids=raw_ids(self.customer_ids, "Customer", "filter.customerIds"),
            assignee_ids=raw_ids(self.assignee_ids, "Rep", "filter.assigneeIds"),
            statuses=values(self.statuses),
            priorities=values(self.priorities),
            types=values(self.types),
            due_after=self.due_after,
            due_before=self.due_before,
            external_id=self.external_id.to_data() if self.external_id else None,
        )


def demand_data(inp: Any, prefix: str = "") -> dict[str, Any]:
    """Input fields as model data with raw ids."""
    data = to_data(inp)
    for key in ("id", "revision", "external_id", "expected_revision"):
        data.pop(key, None)
    if getattr(inp, "customer_id", None):
        data["customer_id"] = raw_id(inp.customer_id, "Customer", f"{prefix}customerId")
    if inp.assignee_id:
        data["assignee_id"] = raw_id(inp.assignee_id, "Rep", f"{prefix}assigneeId")
    for key in ("type", "title", "description", "priority", "external_ids"):
        if key in data and data[key] is None:
            data.pop(key)  # required fields cannot be cleared
    return data
