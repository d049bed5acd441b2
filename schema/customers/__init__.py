"""Customers in the API: types, inputs, queries and mutations."""

from schema.customers.inputs import CustomerFilterInput
from schema.customers.mutations import CustomerMutations
from schema.customers.queries import CustomerQueries
from schema.customers.types import (
    Customer,
    CustomerResult,
    Tier,
    customer_payload,
)

__all__ = [
    "Customer",
    "CustomerFilterInput",
    "CustomerMutations",
    "CustomerQueries",
    "CustomerResult",
    "Tier",
    "customer_payload",
]
