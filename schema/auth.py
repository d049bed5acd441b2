"""Signing in and out, the current user, partners' API keys, and the access guard."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from datetime import datetime
from inspect import isawaitable
from typing import Annotated, Any

import strawberry
from graphql import GraphQLResolveInfo
from strawberry import relay
from strawberry.extensions import SchemaExtension

import models
from resolvers import access, api_keys
from resolvers import auth as resolve
from resolvers.access import Unauthenticated
from schema.base import Info, attempt
from schema.errors import MutationError, top_level
from schema.reps import Rep

#: Root fields that answer without a credential. Introspection (``__schema``,
#: ``__type``) is among them so that GraphiQL, codegen and schema inspectors work
#: without a token; whether it runs at all is decided in one place, the
#: introspection rule of ``defenses.limits``, which refuses it in production
#: before anything executes. Every other root field needs a principal, also in a
#: document that asks for introspection beside it.
PUBLIC_FIELDS = frozenset(
    {"signIn", "refreshSession", "signOut", "__typename", "__schema", "__type"}
)


class AccessGuard(SchemaExtension):
    """Refuses every root field but sign-in without a principal, applies the field
    rules of ``resolvers.access`` (personal data, colleagues) to every field, and
    turns access refusals and bad-input refusals raised anywhere below into errors with
    ``extensions.code`` (mutations turn the latter into typed results first)."""

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if info.path.prev is None and info.field_name not in PUBLIC_FIELDS:
            try:
                access.principal(info.context)
            except Unauthenticated as refused:
                raise top_level(refused) or refused from None
        try:
            if info.parent_type.name in access.RULED_TYPES:
                access.check_field(
                    info.context.principal, info.parent_type.name, info.field_name, root
                )
            result = _next(root, info, *args, **kwargs)
        except Exception as refused:
            coded = top_level(refused)
            if coded is None:
                raise
            raise coded from None
        return self._guarded(result) if isawaitable(result) else result

    @staticmethod
    async def _guarded(result: Awaitable[Any]) -> Any:
        try:
            return await result
        except Exception as refused:
            coded = top_level(refused)
            if coded is None:
                raise
            raise coded from None


@strawberry.type(
    description="A signed-in session: send accessToken as 'Authorization: "
    "Bearer <accessToken>'; before it expires, swap refreshToken for a new pair."
)
class AuthSession:
    access_token: str = strawberry.field(description="Valid for 15 minutes.")
    refresh_token: str = strawberry.field(
        description="Use once with refreshSession (valid 30 days); keep it secret."
    )
    expires_at: datetime = strawberry.field(
        description="When accessToken expires (UTC)."
    )
    user: Rep = strawberry.field(description="The user signed in.")


def _session(tokens: resolve.Tokens) -> AuthSession:
    return AuthSession(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_at=tokens.expires_at,
        user=Rep.from_document(tokens.user),
    )


@strawberry.enum(
    description="What an API key may do, within the rows its creator may see "
    "and by its creator's rules (docs/access.md)."
)
class ApiScope(enum.Enum):
    _value_: str  # enum_value hides from mypy that values are strings

    CUSTOMERS_READ = strawberry.enum_value(
        "customers:read", description="Read customers and their contacts."
    )
    CUSTOMERS_WRITE = strawberry.enum_value(
        "customers:write",
        description="Create and change customers (upsertCustomer too), their "
        "contacts, owners and territories.",
    )
    DEMANDS_READ = strawberry.enum_value(
        "demands:read", description="Read customers' demands."
    )
    DEMANDS_WRITE = strawberry.enum_value(
        "demands:write",
        description="Create, change and move demands (upsertDemand too).",
    )
    VISITS_READ = strawberry.enum_value(
        "visits:read", description="Read visits and their outcomes."
    )
    VISITS_WRITE = strawberry.enum_value(
        "visits:write",
        description="Plan, change, confirm, pin, cancel and record visits "
        "(upsertVisit too); check-ins and check-outs stay the rep's.",
    )
    PLANS_READ = strawberry.enum_value("plans:read", description="Read visit plans.")


@strawberry.type(
    description="A partner's API key (its secret is shown only at creation)."
)
class ApiKey(relay.Node):
    id: relay.NodeID[str]
    name: str = strawberry.field(
        description="Whose key it is, e.g. the partner's name."
    )
    prefix: str = strawberry.field(description="Identifies the key in logs and lists.")
    scopes: list[ApiScope] = strawberry.field(description="What the key may do.")
    created_at: datetime = strawberry.field(description="UTC.")
    expires_at: datetime = strawberry.field(
        description="UTC; from then on the key is refused."
    )
    revoked_at: datetime | None = strawberry.field(
        description="UTC; null while the key is not revoked."
    )

    @classmethod
    def from_document(cls, doc: models.ApiKey) -> ApiKey:
        """Convert a stored key (never its secret)."""
        return cls(
            id=str(doc.id),
            name=doc.name,
            prefix=doc.prefix,
            scopes=[ApiScope(s) for s in doc.scopes],
            created_at=doc.created_at,
            expires_at=doc.expires_at,
            revoked_at=doc.revoked_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Any, required: bool = False
    ) -> Any:
        """Keys are listed through apiKeys only."""
        return [None for _ in node_ids]


@strawberry.input(description="A new API key for a partner.")
class CreateApiKeyInput:
    name: str = strawberry.field(
        description="Whose key it is, e.g. the partner's name."
    )
    scopes: list[ApiScope] = strawberry.field(description="At least one.")
    days: int = strawberry.field(default=90, description="Lifetime, 1 to 366 days.")


@strawberry.type(description="The new key and its secret, shown this once.")
class ApiKeyCreated:
    key: ApiKey = strawberry.field(description="The new key.")
    secret: str = strawberry.field(
        description="Send as 'Authorization: Bearer <secret>'."
    )


@strawberry.type(description="The key after the change.")
class ApiKeyPayload:
    key: ApiKey = strawberry.field(description="The key as now stored.")


CreateApiKeyResult = Annotated[
    ApiKeyCreated | MutationError,
    strawberry.union("CreateApiKeyResult", description="The new key, or why not."),
]
RevokeApiKeyResult = Annotated[
    ApiKeyPayload | MutationError,
    strawberry.union("RevokeApiKeyResult", description="The revoked key, or why not."),
]


@strawberry.type
class AuthQueries:
    @strawberry.field(description="The signed-in user (for an API key: its creator).")
    async def me(self, info: Info) -> Rep | None:
        who = access.principal(info.context)
        doc = await models.Rep.get(who.user_id) if who.user_id else None
        return None if doc is None else Rep.from_document(doc)

    @strawberry.field(description="API keys: all for admins, their own for managers.")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        return [
            ApiKey.from_document(k) for k in await api_keys.list_api_keys(info.context)
        ]


@strawberry.type
class AuthMutations:
    @strawberry.mutation(
        description="Sign in with e-mail and password. Wrong credentials "
        "and too many failures are errors with extensions.code "
        "UNAUTHENTICATED or RATE_LIMITED."
    )
    async def sign_in(
        self,
        info: Info,
        email: Annotated[str, strawberry.argument(description="The user's email.")],
        password: Annotated[
            str, strawberry.argument(description="The user's password.")
        ],
    ) -> AuthSession:
        ctx = info.context
        return _session(await resolve.sign_in(ctx.auth, email, password, ctx.address))

    @strawberry.mutation(description="Swap a refresh token for a new session pair.")
    async def refresh_session(
        self,
        info: Info,
        refresh_token: Annotated[
            str,
            strawberry.argument(
                description="The refreshToken of the latest session pair; it is "
                "used up."
            ),
        ],
    ) -> AuthSession:
        return _session(await resolve.refresh_session(info.context.auth, refresh_token))

    @strawberry.mutation(
        description="End the session of the access token in use, or of "
        "the refresh token given. Always true."
    )
    async def sign_out(
        self,
        info: Info,
        refresh_token: Annotated[
            str | None,
            strawberry.argument(
                description="A session's refresh token; null: the session of "
                "the access token in use."
            ),
        ] = None,
    ) -> bool:
        await resolve.sign_out(info.context.session_id, refresh_token)
        return True

    @strawberry.mutation(
        description="Create a partner API key (admins and managers); its "
        "rows are those its creator may see."
    )
    async def create_api_key(
        self, info: Info, input: CreateApiKeyInput
    ) -> CreateApiKeyResult:
        async def run() -> tuple[models.ApiKey, str]:
            return await api_keys.create_api_key(
                info.context, input.name, [s.value for s in input.scopes], input.days
            )

        return await attempt(
            run(), lambda r: ApiKeyCreated(key=ApiKey.from_document(r[0]), secret=r[1])
        )

    @strawberry.mutation(description="Revoke an API key at once.")
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The key's global id.")
        ],
    ) -> RevokeApiKeyResult:
        async def run() -> models.ApiKey:
            from schema.base import raw_id

            return await api_keys.revoke_api_key(
                info.context, raw_id(id, "ApiKey", "id")
            )

        return await attempt(
            run(), lambda k: ApiKeyPayload(key=ApiKey.from_document(k))
        )
