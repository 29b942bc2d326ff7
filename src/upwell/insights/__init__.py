"""Insights: the one home of coaching. The catalog of what Upwell tells a member, the weekly
cards, the registered per-member measures (:mod:`upwell.insights.measures`), the member's
coaching view (:mod:`upwell.insights.view`), the dashboard's board
(:mod:`upwell.insights.board`) and nudge detection (:mod:`upwell.insights.nudges`).

Importing this package registers the built-in insight types, the positive ones among them.
"""

from __future__ import annotations

from upwell.insights import builtins, commitments, positive  # noqa: F401
from upwell.insights.catalog import Card, Evidence, InsightDef, InsightInput, Week, catalog
from upwell.insights.weekly import coached_week, weekly_cards

__all__ = ["Card", "Evidence", "InsightDef", "InsightInput", "Week", "catalog", "coached_week",
           "weekly_cards"]
