"""Demo data for visitplan: a sales team visiting customers in Munich.

:func:`generate` builds the documents without touching the database;
:func:`insert_dataset` stores them and :func:`seed_demo` does both.
"""

from seed.generate import Dataset, generate
from seed.load import (
    DEMO_PASSWORD,
    SeedCounts,
    insert_dataset,
    seed_demo,
    store_is_empty,
    with_password,
)

__all__ = [
    "DEMO_PASSWORD",
    "Dataset",
    "SeedCounts",
    "generate",
    "insert_dataset",
    "seed_demo",
    "store_is_empty",
    "with_password",
]
