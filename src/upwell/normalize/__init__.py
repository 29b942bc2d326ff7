"""Normalize: raw items from any source become :class:`~upwell.model.Message` and
:class:`~upwell.model.Event` records. Bad items raise :class:`~upwell.errors.BadItem`."""

from __future__ import annotations

from upwell.errors import BadItem
from upwell.model import RawItem, Record


def to_records(raw: RawItem) -> list[Record]:
    """Every record in one raw item (an .ics item may expand to many occurrences)."""
    if raw.kind == "mime":
        from upwell.normalize.mime import from_mime  # noqa: PLC0415 - format dispatch loads only the normalizer an item needs (worker start-up)

        return [from_mime(raw)]
    if raw.kind == "outlook":
        from upwell.normalize.outlook import from_outlook  # noqa: PLC0415 - format dispatch loads only the normalizer an item needs (worker start-up)

        return [from_outlook(raw)]
    if raw.kind == "slack":
        from upwell.normalize.slack import from_slack  # noqa: PLC0415 - format dispatch loads only the normalizer an item needs (worker start-up)

        return [from_slack(raw)]
    if raw.kind == "ics":
        from upwell.normalize.calendar import from_ics  # noqa: PLC0415 - format dispatch loads only the normalizer an item needs (worker start-up)

        return list(from_ics(raw))
    if raw.kind == "teams":
        from upwell.normalize.teams import from_teams  # noqa: PLC0415 - format dispatch loads only the normalizer an item needs (worker start-up)

        return [from_teams(raw)]
    raise BadItem("unknown_item_kind")
