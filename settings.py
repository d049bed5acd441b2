"""Configuration read from the environment, with the defaults a developer wants."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Server settings.

    Attributes:
        mongodb_uri: the MongoDB to use; ``None`` starts the embedded store.
        database: the database name inside that MongoDB.
        data_dir: where the embedded store keeps its files.
        production: hides GraphiQL and masks unexpected error messages.
    """

    mongodb_uri: str | None = None
    database: str = "visitplan"
    data_dir: Path = Path("data")
    production: bool = False
    debug_errors: bool = field(default=False)
    demo: bool = False

    @classmethod
    def from_env(cls) -> Settings:
        """Read the settings from environment variables (see docs/configuration.md)."""
        return cls(
            mongodb_uri=os.environ.get("MONGODB_URI") or None,
            database=os.environ.get("VISITPLAN_DB", "visitplan"),
            data_dir=Path(os.environ.get("VISITPLAN_DATA_DIR", "data")),
            production=os.environ.get("VISITPLAN_ENV", "development") == "production",
            debug_errors=_flag("VISITPLAN_DEBUG_ERRORS", False),
        )
