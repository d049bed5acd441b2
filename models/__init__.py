"""Beanie documents: what visitplan stores in MongoDB."""

from models.audit import AuditRecord
from models.auth import ApiKey, CalendarToken, Session, SignInFailure
from models.customer import Customer
from models.demand import Demand
from models.idempotency import IdempotencyRecord
from models.persisted_query import PersistedQuery
from models.plan import VisitPlan
from models.rep import Rep
from models.scoring import ScoringSettings
from models.visit import RepCalendar, Visit

#: Every document class, in the order ``init_beanie`` gets them.
DOCUMENT_MODELS: list[type] = [
    Customer,
    Rep,
    Demand,
    Visit,
    VisitPlan,
    Session,
    ApiKey,
    CalendarToken,
    AuditRecord,
    IdempotencyRecord,
    ScoringSettings,
    RepCalendar,
    PersistedQuery,
    SignInFailure,
]

__all__ = [
    "DOCUMENT_MODELS",
    "ApiKey",
    "AuditRecord",
    "CalendarToken",
    "Customer",
    "Demand",
    "IdempotencyRecord",
    "PersistedQuery",
    "Rep",
    "RepCalendar",
    "ScoringSettings",
    "Session",
    "SignInFailure",
    "Visit",
    "VisitPlan",
]
