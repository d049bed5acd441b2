"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beanie import PydanticObjectId

from resolvers.access import Principal

if TYPE_CHECKING:
    from resolvers.auth import Auth
    from resolvers.plans.jobs import PlanJobs
    from resolvers.plans.pool import SolverPool
from resolvers.loaders import Loaders


@dataclass
class Context:
    """What one GraphQL request carries: the HTTP objects, the caller, fresh loaders.

    Attributes:
        request: the HTTP request.
        response: the HTTP response being prepared.
        principal: who is acting; ``None`` without a valid credential.
        auth: the server's signing secret and sign-in limiter.
        session_id: the sign-in session of the access token in use.
        address: the client's network address.
        time_budget: seconds the request may take before the server stops it.
        pool: the server's solver worker processes (opened by its lifespan).
        jobs: the background plans the server computes (opened by its lifespan).
        credential: on a WebSocket, the bearer credential its
            ``connection_init`` carried, identified again for every event.
        connection_params: on a WebSocket, the ``connection_init`` payload.
        loaders: this request's DataLoaders.
    """

    request: Any = None
    response: Any = None
    principal: Principal | None = None
    auth: Auth | None = None
    session_id: str | None = None
    address: str | None = None
    auth_error: str | None = None
    time_budget: float | None = None
    pool: SolverPool | None = None
    jobs: PlanJobs | None = None
    credential: str | None = None
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.principal)

    @property
    def actor_id(self) -> PydanticObjectId | None:
        """The user changes are recorded against (a key's creator for API keys)."""
        return self.principal.user_id if self.principal else None
