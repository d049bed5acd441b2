"""Visits in the API: types, inputs, queries and mutations."""

from schema.visits.inputs import VisitFilterInput
from schema.visits.mutations import VisitMutations
from schema.visits.queries import VisitQueries
from schema.visits.types import (
    Purpose,
    UpsertVisitResult,
    Visit,
    VisitResult,
    VisitStatus,
)

__all__ = [
    "Purpose",
    "UpsertVisitResult",
    "Visit",
    "VisitFilterInput",
    "VisitMutations",
    "VisitQueries",
    "VisitResult",
    "VisitStatus",
]
