"""Insights: the catalog of what Upwell tells a member, and the weekly cards.

Importing this package registers the built-in insight types.
"""

from __future__ import annotations

from upwell.insights import builtins  # noqa: F401
from upwell.insights.catalog import Card, Context, Evidence, InsightDef, Week, catalog
from upwell.insights.weekly import coached_week, weekly_cards

__all__ = ["Card", "Context", "Evidence", "InsightDef", "Week", "catalog", "coached_week",
           "weekly_cards"]
