"""Scoring: visit effectiveness, customer priority, recommendations and coverage.

See docs/scoring.md for the formulas and a worked example.
"""
