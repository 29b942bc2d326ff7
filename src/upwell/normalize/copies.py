"""Copies of one message: the content fingerprint two copies share however they were stored.

Reads: a normalized :class:`~upwell.model.Message`. Writes nothing: returns the fingerprint the
store compares (see ``docs/identity.md``). Archives hold one message in several folders (Inbox,
"All documents", Sent Items, Deleted Items), and the copies need not agree on what an exact
duplicate check reads: the From line may be written differently (a Notes path beside a display
name), the stamps may sit whole hours apart (one client wrote local time, another server time),
and in some archives the copies carry different Message-IDs. What they do share is what the
author wrote: the subject, every word of the text (own, quoted and forwarded), and how many
people it went to. Two messages with the same fingerprint are copies when their stamps differ
by a whole number of half hours (at most ``MAX_SHIFT``, within ``SLACK``) and they come from
different folders or name their sender differently
(:func:`upwell.store.records.is_copy`, where the store decides): the same text sent twice from
one folder (an hourly report) is two messages.
"""

from __future__ import annotations

import hashlib
import re

from upwell.model import Message

#: Text shorter than this (after folding) is too common to fingerprint ("Thanks", an empty
#: body): such copies are only recognized when they are exact duplicates.
MIN_TEXT = 40
_FOLD = re.compile(r"[\W_]+")


def fingerprint(message: Message) -> str | None:
    """The content fingerprint of ``message`` (a hex digest), or ``None`` when its text is too
    short to tell copies from different messages that say the same thing."""
    text = _FOLD.sub(" ", " ".join((message.body, message.quoted, message.forwarded))
                     .lower()).strip()
    if len(text) < MIN_TEXT:
        return None
    subject = _FOLD.sub(" ", message.subject.lower()).strip()
    parties = len(message.to) + len(message.cc)
    digest = hashlib.sha256(f"{subject}\x1f{parties}\x1f{text}".encode())
    return digest.hexdigest()[:40]

