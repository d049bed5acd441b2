"""Demands in the API: types, inputs, queries and mutations."""

from schema.demands.inputs import DemandFilterInput, FollowUpInput, demand_data
from schema.demands.mutations import DemandMutations
from schema.demands.queries import DemandQueries
from schema.demands.types import Demand, DemandStatus, DemandType, Priority

__all__ = [
    "Demand",
    "DemandFilterInput",
    "DemandMutations",
    "DemandQueries",
    "DemandStatus",
    "DemandType",
    "FollowUpInput",
    "Priority",
    "demand_data",
]
