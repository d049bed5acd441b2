"""Scoring in the API: effectiveness, priority, recommendations, coverage."""

from schema.scoring.mutations import ScoringMutations
from schema.scoring.queries import ScoringQueries

__all__ = ["ScoringMutations", "ScoringQueries"]
