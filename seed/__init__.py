"""Demo data for visitplan: a sales team visiting customers in Munich.

:func:`generate` builds the documents without touching the database;
:func:`insert_dataset` stores them and :func:`seed_demo` does both.
"""

from seed.generate import Dataset, generate
from seed.load import SeedCounts, insert_dataset, seed_demo, store_is_empty

__all__ = [
    "Dataset",
    "SeedCounts",
    "generate",
    "insert_dataset",
    "seed_demo",
    "store_is_empty",
]
