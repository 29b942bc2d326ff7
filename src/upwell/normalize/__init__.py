"""Normalize: raw items from any source become :class:`~upwell.model.Message` and
:class:`~upwell.model.Event` records. Bad items raise :class:`~upwell.errors.BadItem`."""

from __future__ import annotations

from upwell.errors import BadItem
from upwell.model import RawItem, Record


def to_records(raw: RawItem) -> list[Record]:
    """Every record in one raw item (an .ics item may expand to many occurrences)."""
    if raw.kind == "mime":
        from upwell.normalize.mime import from_mime

        return [from_mime(raw)]
    if raw.kind == "outlook":
        from upwell.normalize.outlook import from_outlook

        return [from_outlook(raw)]
    if raw.kind == "slack":
        from upwell.normalize.slack import from_slack

        return [from_slack(raw)]
    if raw.kind == "ics":
        from upwell.normalize.calendar import from_ics

        return list(from_ics(raw))
    if raw.kind == "teams":
        from upwell.normalize.teams import from_teams

        return [from_teams(raw)]
    raise BadItem("unknown_item_kind")
