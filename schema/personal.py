"""Personal fields: names, phones, e-mails and whereabouts of people.

Partners (API keys) get ``FORBIDDEN`` on these fields; their siblings still answer.
Every field listed here carries the ``personal`` permission; a schema test fails
when a field that looks personal is neither listed nor declared not personal.
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from resolvers.access import Principal


class NotForPartners(BasePermission):
    """Hides personal data from API keys."""

    message = "personal data is not available to API keys"
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        """Users may read it (their row rules apply); keys may not."""
        who: Principal | None = info.context.principal
        return who is None or not who.is_key


#: Use as ``strawberry.field(permission_classes=PERSONAL, ...)``.
PERSONAL = [NotForPartners]
