"""Copies of one message: the content fingerprint two copies share however they were stored.

Reads: a normalized :class:`~upwell.model.Message`. Writes nothing: returns the fingerprint the
store compares (see ``docs/identity.md``). Archives hold one message in several folders (Inbox,
"All documents", Sent Items, Deleted Items), and the copies need not agree on what an exact
duplicate check reads: the From line may be written differently (a Notes path beside a display
name), the stamps may sit whole hours apart (one client wrote local time, another server time),
and in some archives the copies carry different Message-IDs. What they do share is what the
author wrote: the subject, the text (own, quoted and forwarded) and how many people it went to.
Whether two messages with one fingerprint are copies is the store's call
(:func:`upwell.store.records.is_copy`: stamps equal or whole half hours apart, and not the same
text sent twice from one folder by one sender, such as an hourly report).
"""

from __future__ import annotations

import hashlib

from upwell.model import Message

#: Text shorter than this (ASCII letters and digits) is too common to fingerprint
#: ("Thanks", an empty body): such copies are only recognized when they are exact duplicates.
MIN_TEXT = 40
#: Characters of text folded into the fingerprint; a longer text adds its word count. Copies
#: agree on every character, so the head and the length tell them apart from other messages
#: at a fraction of the cost of reading a long quoted history.
HEAD = 4000


#: Bytes dropped before comparing: everything but ASCII letters, digits and white space.
#: Exports differ in punctuation, quotes, control characters and the odd non-ASCII symbol.
_DROP = bytes(c for c in range(256)
              if not (c < 128 and (chr(c).isalnum() or chr(c).isspace())))


def fingerprint(message: Message) -> str | None:
    """The content fingerprint of ``message`` (a hex digest), or ``None`` when its text is too
    short to tell copies from different messages that say the same thing. Case, white space,
    punctuation and anything outside ASCII letters and digits are folded away (exports differ
    in those); the words are compared as they are."""
    text = "\n".join((message.body, message.quoted, message.forwarded))
    words = text[:HEAD].lower().encode("utf-8", "ignore").translate(None, _DROP).split()
    if sum(map(len, words)) < MIN_TEXT:
        return None
    more = len(text.split()) if len(text) > HEAD else 0
    subject = " ".join(message.subject.lower().split())
    parties = len(message.to) + len(message.cc)
    digest = hashlib.blake2b(f"{subject}\x1f{parties}\x1f{more}\x1f".encode(), digest_size=20)
    digest.update(b" ".join(words))
    return digest.hexdigest()
