"""Which Slack message objects are words a person wrote: the one policy that the export reader
(:mod:`upwell.sources.slack`), the API connector (:mod:`upwell.sources.connectors.slack`) and
the normalizer (:mod:`upwell.normalize.slack`) share, kept here at the lowest of them so the
sources never import the stage after them.

Reads: one Slack message object (a mapping). Writes: nothing; :func:`skip_reason` names why an
object is skipped, content-free.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Subtypes that are words a person wrote ("" is a plain message). Everything else is an event
#: (joins, leaves, topic/purpose/name changes, pins, huddles, app notices...) -> ``not_a_message``.
MESSAGE_SUBTYPES = frozenset(
    {"", "me_message", "thread_broadcast", "reply_broadcast", "file_share"}
)
#: Deleted messages and the placeholders left for deleted thread parents.
DELETED_SUBTYPES = frozenset({"message_deleted", "tombstone"})
#: Change events: the export already carries the current text on the original message.
EDIT_SUBTYPES = frozenset({"message_changed", "message_replied"})


def skip_reason(data: Mapping[str, object]) -> str | None:
    """Why a message object is not a message a person wrote, or ``None`` if it is one.

    Reasons: ``not_a_message`` (events, hidden items, unknown subtypes), ``deleted_message``
    (tombstones), ``edit_event`` (``message_changed``: the original already holds the current
    text) and ``bot_message`` (apps and integrations are not colleagues).
    """
    if data.get("type", "message") != "message":
        return "not_a_message"
    subtype = data.get("subtype")
    subtype = "" if subtype is None else subtype
    if not isinstance(subtype, str):
        return "not_a_message"
    if subtype in DELETED_SUBTYPES:
        return "deleted_message"
    if subtype in EDIT_SUBTYPES:
        return "edit_event"
    if subtype == "bot_message" or (data.get("bot_id") and not data.get("user")):
        return "bot_message"
    if subtype not in MESSAGE_SUBTYPES or data.get("hidden") is True:
        return "not_a_message"
    return None
