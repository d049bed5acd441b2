"""Beanie documents: what visitplan stores in MongoDB."""

from models.customer import Customer
from models.demand import Demand
from models.plan import VisitPlan
from models.rep import Rep
from models.visit import Visit

#: Every document class, in the order ``init_beanie`` gets them.
DOCUMENT_MODELS: list[type] = [Customer, Rep, Demand, Visit, VisitPlan]

__all__ = ["DOCUMENT_MODELS", "Customer", "Demand", "Rep", "Visit", "VisitPlan"]
