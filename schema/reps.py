"""Reps (users) in the API: types, inputs, queries and mutations."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay

import models
from models.rep import Role as RoleModel
from resolvers import idempotency
from resolvers import reps as resolve
from resolvers.common import revision_of
from schema.base import (
    EXTERNAL_IDS,
    REVISION,
    STAMP,
    After,
    Connection,
    DayHours,
    DayHoursInput,
    ExternalId,
    ExternalIdInput,
    First,
    GeoPoint,
    GeoPointInput,
    Info,
    LookupExternalId,
    LookupId,
    Stamp,
    attempt,
    load_nodes,
    offset_after,
    one_of,
    raw_id,
    to_data,
)
from schema.errors import MutationError

Role = Annotated[RoleModel, strawberry.enum(description="What a user may do.")]
ROLE_VALUES = {
    "ADMIN": "Sees and changes everything, users included.",
    "MANAGER": "Sees their team: the reps they manage and their customers, "
    "visits, plans and demands.",
    "REP": "Sees the customers they own or whose territory they work, those "
    "customers' demands, and their own visits and plans.",
    "PARTNER": "Reaches the data only through an API key: its scopes, within "
    "its creator's rows.",
}


@strawberry.type(description="A pause taken on every working day it fits in.")
class FlexibleBreak:
    minutes: int = strawberry.field(description="Length, 5-240 minutes.")
    earliest: str = strawberry.field(description="Local HH:MM it may start at.")
    latest: str = strawberry.field(description="Local HH:MM it must end by.")


@strawberry.input(description="A pause of some minutes between two local times.")
class FlexibleBreakInput:
    minutes: int = strawberry.field(description="5-240, at most latest - earliest.")
    earliest: str = strawberry.field(description="Local HH:MM.")
    latest: str = strawberry.field(description="Local HH:MM, after earliest.")


@strawberry.type(
    description="A sales rep, manager, admin or partner account. Of colleagues (a "
    "rep's manager and teammates) only id and name may be read; the other fields "
    "answer FORBIDDEN."
)
class Rep(relay.Node):
    id: relay.NodeID[str]
    revision: str = strawberry.field(
        description="Send back with updates (optimistic locking)."
    )
    name: str = strawberry.field(description="Full name, 1 to 200 characters.")
    email: str = strawberry.field(description="Sign-in email, in lower case.")
    role: Role = strawberry.field(description="What the user may do.")
    home: GeoPoint | None = strawberry.field(
        description="Where the working day starts."
    )
    working_hours: list[DayHours] = strawberry.field(
        description="Local times, per weekday."
    )
    time_zone: str = strawberry.field(
        description="IANA time zone of the working hours."
    )
    flexible_break: FlexibleBreak | None = strawberry.field(
        description="A pause planned on every working day it fits in; gaps "
        "between a day's working intervals are fixed breaks."
    )
    territory: str | None = strawberry.field(
        description="The territory the rep works; they see its customers. Null: none."
    )
    active: bool = strawberry.field(
        description="False: the account is disabled and cannot sign in."
    )
    external_ids: list[ExternalId] = strawberry.field(
        description="The user's ids in partners' systems (a CRM's user id), "
        "which upserts may name owners, assignees and reps by."
    )
    stamp: Stamp = strawberry.field(description=STAMP)
    manager_ref: strawberry.Private[Any]

    @classmethod
    def from_document(cls, doc: models.Rep) -> Rep:
        """Convert a stored rep."""
        return cls(
            id=str(doc.id),
            revision=revision_of(doc),
            name=doc.name,
            email=str(doc.email),
            role=doc.role,
            home=GeoPoint.from_model(doc.home),
            working_hours=DayHours.from_models(doc.working_hours),
            time_zone=doc.time_zone,
            flexible_break=FlexibleBreak(**doc.flexible_break.model_dump())
            if doc.flexible_break
            else None,
            territory=doc.territory,
            active=doc.active,
            external_ids=ExternalId.from_models(doc.external_ids),
            stamp=Stamp.from_model(doc.stamp),
            manager_ref=doc.manager_id,
        )

    @strawberry.field(description="The rep's manager.")
    async def manager(self, info: Info) -> Rep | None:
        if self.manager_ref is None:
            return None
        doc = await info.context.loaders.rep_by_id.load(self.manager_ref)
        return None if doc is None else Rep.from_document(doc)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> Any:
        """Load reps for ``node(id:)`` through the request's loader."""
        return await load_nodes(resolve.get_rep, info, node_ids, cls.from_document)


@strawberry.input(description="A new rep or other user.")
class CreateRepInput:
    name: str = strawberry.field(description="Full name, 1 to 200 characters.")
    email: str = strawberry.field(description="Unique; stored in lower case.")
    role: Role = strawberry.field(default=RoleModel.REP, description="Default REP.")
    home: GeoPointInput | None = strawberry.field(
        default=None, description="Where the working day starts and ends."
    )
    working_hours: list[DayHoursInput] = strawberry.field(
        default_factory=list,
        description="Local times per weekday (timeZone); a weekday left out is off.",
    )
    flexible_break: FlexibleBreakInput | None = strawberry.field(
        default=None, description="A pause planned on every working day it fits in."
    )
    time_zone: str = strawberry.field(default="UTC", description="IANA name.")
    territory: str | None = strawberry.field(
        default=None, description="The territory the rep works; null: none."
    )
    manager_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The user who manages this one; null: none."
    )
    password: str | None = strawberry.field(
        default=None, description="At least 12 characters; without it, no sign-in."
    )
    external_ids: list[ExternalIdInput] = strawberry.field(
        default_factory=list, description=EXTERNAL_IDS
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="Any unique string (at most 255): a retry with the same key and "
        "input returns the first result; with other input it is refused.",
    )


@strawberry.input(description="Changes to a rep; fields left out stay as they are.")
class UpdateRepInput:
    id: relay.GlobalID = strawberry.field(description="The user to change.")
    revision: str | None = strawberry.field(default=None, description=REVISION)
    name: str | None = strawberry.field(
        default=strawberry.UNSET, description="1 to 200 characters."
    )
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="Unique; admins only."
    )
    role: Role | None = strawberry.field(
        default=strawberry.UNSET, description="Admins only."
    )
    home: GeoPointInput | None = strawberry.field(
        default=strawberry.UNSET, description="Null removes the home location."
    )
    working_hours: list[DayHoursInput] | None = strawberry.field(
        default=strawberry.UNSET, description="Replaces the whole week."
    )
    flexible_break: FlexibleBreakInput | None = strawberry.field(
        default=strawberry.UNSET, description="Null removes the break."
    )
    time_zone: str | None = strawberry.field(
        default=strawberry.UNSET, description="IANA name."
    )
    territory: str | None = strawberry.field(
        default=strawberry.UNSET, description="Admins only; null: none."
    )
    manager_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="Admins only; null: none."
    )
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="False disables sign-in; admins only."
    )
    external_ids: list[ExternalIdInput] | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"{EXTERNAL_IDS} Replaces the list; admins only.",
    )
    password: str | None = strawberry.field(
        default=strawberry.UNSET, description="A new password, at least 12 characters."
    )
    current_password: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="The password in use; needed to change one's own password "
        "(not when an admin sets another user's).",
    )


@strawberry.type(description="The rep after the change.")
class RepPayload:
    rep: Rep = strawberry.field(description="The user as now stored.")


RepResult = Annotated[
    RepPayload | MutationError,
    strawberry.union("RepResult", description="A rep, or why not."),
]


def _payload(doc: models.Rep) -> RepPayload:
    return RepPayload(rep=Rep.from_document(doc))


def rep_data(inp: Any) -> dict[str, Any]:
    """Input fields as model data with raw ids."""
    data = to_data(inp)
    for key in ("id", "revision"):
        data.pop(key, None)
    if getattr(inp, "manager_id", None):
        data["manager_id"] = raw_id(inp.manager_id, "Rep", "managerId")
    for key in (
        "name",
        "email",
        "role",
        "working_hours",
        "time_zone",
        "active",
        "password",
        "current_password",
        "external_ids",
    ):
        if key in data and data[key] is None:
            data.pop(key)
    return data


@strawberry.type
class RepQueries:
    @strawberry.field(
        description="One rep by id or by their id in a partner's system (give "
        "one of the two); null when there is none you may see."
    )
    async def rep(
        self,
        info: Info,
        id: LookupId = None,
        external_id: LookupExternalId = None,
    ) -> Rep | None:
        doc = await one_of(info, id, external_id, "Rep", resolve.get_rep, models.Rep)
        return None if doc is None else Rep.from_document(doc)

    @strawberry.field(description="Reps page by page (first: 1 to 100, default 20).")
    async def reps(
        self,
        info: Info,
        territory: Annotated[
            str | None,
            strawberry.argument(description="Only the reps of this territory."),
        ] = None,
        manager_id: Annotated[
            relay.GlobalID | None,
            strawberry.argument(description="Only the reps this user manages."),
        ] = None,
        first: First = 20,
        after: After = None,
    ) -> Connection[Rep]:
        async def run() -> Any:
            manager = raw_id(manager_id, "Rep", "managerId") if manager_id else None
            return await resolve.list_reps(
                info.context,
                territory=territory,
                manager_id=manager,
                first=first,
                offset=offset_after(after),
            )

        return Connection.of(await run(), Rep.from_document)


@strawberry.type
class RepMutations:
    @strawberry.mutation(description="Create a rep or other user.")
    async def create_rep(self, info: Info, input: CreateRepInput) -> RepResult:
        async def run() -> models.Rep:
            data = rep_data(input)
            return await idempotency.once(
                info.context,
                input.idempotency_key,
                "createRep",
                data,
                lambda: resolve.create_rep(info.context, dict(data)),
                models.Rep,
            )

        return await attempt(run(), _payload)

    @strawberry.mutation(description="Change a rep; send the revision you read.")
    async def update_rep(self, info: Info, input: UpdateRepInput) -> RepResult:
        async def run() -> models.Rep:
            rep_id = raw_id(input.id, "Rep", "id")
            return await resolve.update_rep(
                info.context, rep_id, input.revision, rep_data(input)
            )

        return await attempt(run(), _payload)
