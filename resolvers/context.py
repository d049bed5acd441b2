"""The per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from beanie import PydanticObjectId

from resolvers.loaders import Loaders


@dataclass
class Context:
    """What one GraphQL request carries: the HTTP objects, the caller, fresh loaders."""

    request: Any = None
    response: Any = None
    actor_id: PydanticObjectId | None = None
    loaders: Loaders = field(default_factory=Loaders)
