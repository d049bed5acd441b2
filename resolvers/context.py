"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId

from resolvers.access import Principal
from resolvers.loaders import Loaders


@dataclass
class Context:
    """What one GraphQL request carries: the HTTP objects, the caller, fresh loaders.

    Attributes:
        request: the HTTP request.
        response: the HTTP response being prepared.
        principal: who is acting; ``None`` without a valid credential.
        loaders: this request's DataLoaders.
    """

    request: Any = None
    response: Any = None
    principal: Principal | None = None
    loaders: Loaders = field(default_factory=Loaders)

    @property
    def actor_id(self) -> PydanticObjectId | None:
        """The user changes are recorded against (a key's creator for API keys)."""
        return self.principal.user_id if self.principal else None
