"""Visit plans in the API: types, inputs, queries and mutations."""

from schema.plans.mutations import PlanMutations
from schema.plans.queries import PlanQueries
from schema.plans.types import PlanStatus, VisitPlan

__all__ = ["PlanMutations", "PlanQueries", "PlanStatus", "VisitPlan"]
