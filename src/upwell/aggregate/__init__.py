"""Group insights behind the privacy guard: the only exit for anything about a group.

``policy`` (the works-council policy file, versioned), ``tree`` (the team tree per period: the
only groups), ``metrics`` (one clipped value per member per metric per period, from the
member's own data), ``mechanism`` (OpenDP noise and its privacy map), ``guard`` (group floor,
differencing rules, budget, cache, ledger), ``contributions`` (reading consenting members' own
data), ``views`` (what may be shown). See docs/privacy-aggregates.md.
"""

from __future__ import annotations

from upwell.aggregate.guard import REASONS, Decision, Guard, GuardError, release_epsilon
from upwell.aggregate.metrics import METRICS, MetricSpec
from upwell.aggregate.policy import Policy, PolicyError, current_policy, parse_policy, set_policy
from upwell.aggregate.tree import TreeError, parse, store_tree

__all__ = ["METRICS", "REASONS", "Decision", "Guard", "GuardError", "MetricSpec", "Policy",
           "PolicyError", "TreeError", "current_policy", "parse", "parse_policy",
           "release_epsilon", "set_policy", "store_tree"]
