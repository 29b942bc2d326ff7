"""Body text: HTML to text, and splitting the author's own words from quoted history,
forwarded parts and signatures.

Reads: a decoded body. Writes: :class:`BodyParts`. The splitter is a single pass over lines with
anchored patterns for the reply styles seen in real mail: ``-----Original Message-----`` (Outlook),
Outlook's underscore rule followed by a ``From:``/``Sent:`` block, ``On ... wrote:`` (possibly
wrapped over two lines), Lotus Notes' ``Name/OU/Org on date`` and ``From: ... on date`` blocks,
``>``-quoted lines, forward banners (Outlook, Gmail, Apple, Lotus Notes) and the ``-- ``
signature delimiter. Lotus Notes also writes its reply header without "on" (``Jay Smith/ENRON@
enronXgate 08/23/2001 07:12 AM`` then ``To:``) or over two lines (a name, then the date and time
alone, then ``To:``), and AOL writes ``In a message dated ... writes:``; both end the author's
words too.

After the cut, the end of the author's words is read for what they did not write for this
message: a footer (a mail provider's advertisement such as "Do You Yahoo!?", a legal disclaimer,
each behind its rule line or opening phrase) and a signature block (contact lines: phone, fax,
e-mail, street address, company or job title, below the closing and the name, which stay). Both
are kept apart in :class:`BodyParts` (``footer``, ``signature``).

Why hand-written: mail-parser-reply does the quote part of this job, but measured on the Enron
mailboxes it alone ran at about 2,600 messages/s, more than the whole import may spend; talon and
email-reply-parser (the maintained signature and reply libraries) are not installable here (not
in the offline package index). This splitter runs at over ten thousand messages a second
(``upwell bench ingest`` shows the total), and its effect on the analyzers is measured on labelled
real sentences by ``upwell eval sentences`` (docs/analyzers.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from selectolax.lexbor import LexborHTMLParser as HTMLParser

#: Longest body text we analyze; the rest of a giant body is cut (and noted).
MAX_TEXT_CHARS = 200_000


@dataclass(frozen=True, slots=True)
class BodyParts:
    """A body split: the author's ``own`` words, ``quoted`` history, ``forwarded`` parts, the
    author's ``signature`` block and a ``footer`` (advertisement or disclaimer) below them."""

    own: str
    quoted: str = ""
    forwarded: str = ""
    quoted_from: str | None = None
    quoted_sent_raw: str | None = None
    signature: str = ""
    footer: str = ""


_REPLY_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Original Appointment|Ursprüngliche Nachricht"
    r"|Message d'origine)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FORWARD_BANNER = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded (?:message|by)\b.*?)\s*-*\s*$|Begin forwarded message:\s*$)",
    re.IGNORECASE,
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
_HEADER_LINE = re.compile(r"^\s*(From|Sent|Date|To|Cc|Subject)\s*:\s*(.*)$", re.IGNORECASE)
_WROTE = re.compile(r"^\s*On\b.{0,200}\bwrote:\s*$", re.IGNORECASE)
_ON_START = re.compile(r"^\s*On\b.{0,200}$", re.IGNORECASE)
_WROTE_END = re.compile(r"^.{0,200}\bwrote:\s*$", re.IGNORECASE)
# Lotus Notes: "John Smith/HOU/ECT@ECT on 01/04/2001 09:00 AM" or "From: John Smith on ..."
_LOTUS = re.compile(
    r"^\s*(?:From:\s*)?(?P<name>[^\n:]{2,80}?)(?:/[A-Z0-9&.\- ]+)+(?:@[A-Z0-9&.\-]+)?"
    r"\s+on\s+\d{1,2}/\d{1,2}/\d{2,4}",
    re.IGNORECASE,
)
_NOTES_WHEN = r"\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?"
# Lotus Notes without "on": "Jay Smith/ENRON@enronXgate 08/23/2001 07:12 AM" (a To: follows).
_NOTES_INLINE = re.compile(
    r"^\s*(?:From:\s*)?(?P<name>[^\n/@:]{2,60})[/@]\S*\s+" + _NOTES_WHEN, re.IGNORECASE)
# The same header over two lines: a name, then the date and time alone (a To: follows).
_NOTES_WHEN_LINE = re.compile(r"^\s*" + _NOTES_WHEN + r"\s*$", re.IGNORECASE)
_TO_LINE = re.compile(r"^\s*(?:To|cc)\s*:", re.IGNORECASE)
_AOL = re.compile(r"^\s*In a message dated\b", re.IGNORECASE)
_WROTE_NAME = re.compile(r",\s*(.+?)\s*(?:<[^>]*>)?\s*wrote:")
_SIGNATURE = re.compile(r"^-- ?$")
# A footer starts at a provider's advertisement or a legal disclaimer (its rule line goes too).
_FOOTER = re.compile(
    r"^\s*(?:Do You Yahoo!\?|Get your FREE download of MSN Explorer|Get more from the Web\."
    r"|Send and receive Hotmail on your mobile"
    r"|This e-?mail is the property of|The information contained in this (?:e-?mail|message|"
    r"communication|transmission)|This (?:e-?mail|message|communication)(?: and any attachments?)?"
    r" (?:is|contains|may contain) (?:confidential|privileged|intended)"
    r"|CONFIDENTIALITY NOTICE|If you are not the intended recipient)", re.IGNORECASE)
#: :data:`_FOOTER` at the start of any line of a text (``\s`` kept within the line).
_FOOTER_ANYWHERE = re.compile(r"^[^\S\n]*" + _FOOTER.pattern.removeprefix(r"^\s*"),
                              re.IGNORECASE | re.MULTILINE)
_RULE_LINE = re.compile(r"^\s*[_*=~-]{10,}\s*$")
# Contact lines of a signature block.
_CONTACT = re.compile(
    r"\(?\b\d{3}\)?[-. ]\d{3}[-. ]\d{4}\b|\b[xX]\s?\d{4,5}\b|\b(?:tel|fax|phone|cell|office|"
    r"mobile|pager|ph)\b\.?\s*[:/]?|[\w.+-]+@[\w-]+\.[\w.]+|https?://|\bwww\."
    r"|^\s*\d{2,6}\s+\w+(?:\s+\w+)*\s+(?:Street|St\.?|Avenue|Ave\.?|Blvd\.?|Road|Rd\.?|Drive|"
    r"Dr\.?|Suite|Lane|Way|Parkway)\b|\bSuite\s+\w+|\bP\.?\s?O\.? Box\b"
    r"|\b[A-Z][a-z]+,?\s+(?:Texas|TX|[A-Z]{2})\s+\d{5}(?:-\d{4})?\b"
    r"|\b(?:Corp\.?|Corporation|Inc\.?|L\.?L\.?C\.?|Ltd\.?|L\.?P\.?|Company|Services|Group|"
    r"Department|Dept\.?)\s*$"
    r"|\b(?:Manager|Director|Specialist|Analyst|Assistant|Counsel|Attorney|President|VP|"
    r"Vice President|Associate|Coordinator|Administrator|Engineer|Consultant|Representative|"
    r"Officer|Executive|Paralegal|Supervisor|Trader)\b")
_NAME_LINE = re.compile(r"^\s*[A-Z][\w.'’&/-]*(?:[ ,]+(?:[A-Z&][\w.'’&/-]*|of|and|for))"
                        r"{0,6}\s*$")
#: Longest signature block read (lines).
MAX_SIGNATURE_LINES = 12
_BLANKS = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Visible text of an HTML body: scripts and styles dropped, block elements on new lines."""
    tree = HTMLParser(html)
    for tag in tree.css("script, style, head"):
        tag.decompose()
    for block in tree.css("p, div, li, tr, h1, h2, h3, h4, h5, h6, blockquote, pre, table"):
        block.insert_after("\n")
    for br in tree.css("br"):
        br.replace_with("\n")
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(separator="", strip=False)
    text = re.sub(r"[ \t\xa0]+", " ", text)
    return _BLANKS.sub("\n\n", text).strip()


def _header_block(lines: list[str], start: int) -> tuple[str | None, str | None, bool]:
    """Read a From/Sent/To/Subject block starting at ``start`` (blank lines allowed).

    Returns (from, sent, looks_like_block): a block needs a From and one of Sent/Date/To/Subject.
    """
    found: dict[str, str] = {}
    seen = 0
    for line in lines[start : start + 16]:
        if not line.strip():
            continue
        m = _HEADER_LINE.match(line)
        if not m:
            break
        found.setdefault(m.group(1).lower(), m.group(2).strip())
        seen += 1
    ok = "from" in found and seen >= 2
    return found.get("from"), found.get("sent") or found.get("date"), ok


def split_body(text: str) -> BodyParts:
    """Split a plain-text body into the author's words, quoted history and forwarded parts."""
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    n = len(lines)
    cut = n
    kind = ""
    q_from: str | None = None
    q_sent: str | None = None
    sig = n
    for i, line in enumerate(lines):
        if not line:
            continue
        first = line.lstrip()[:1]
        if first == "-":
            if _REPLY_SEPARATOR.match(line):
                q_from, q_sent, _ = _header_block(lines, i + 1)
                cut, kind = i, "quote"
                break
            if _FORWARD_BANNER.match(line):
                cut, kind = i, "forward"
                break
            if sig == n and _SIGNATURE.match(line):
                sig = i
                continue
        elif first == "_":
            if _UNDERSCORE_RULE.match(line):
                f, s, ok = _header_block(lines, i + 1)
                if ok:
                    q_from, q_sent = f, s
                    cut, kind = i, "quote"
                    break
        elif first == ">":
            # A run of quoted lines (">") ends the author's words if nothing but quotes follow
            # up to the next non-quoted paragraph; inline replies keep their own lines.
            cut, kind = i, "inline"
            break
        elif first in "OoFf":
            if _WROTE.match(line) or (
                _ON_START.match(line) and i + 1 < n and _WROTE_END.match(lines[i + 1])
            ):
                cut, kind = i, "quote"
                joined = line + " " + (lines[i + 1] if i + 1 < n else "")
                m = _WROTE_NAME.search(joined)
                q_from = m.group(1) if m else None
                break
            if first in "Ff":
                f, s, ok = _header_block(lines, i)
                if ok and s is not None and i > 0:
                    q_from, q_sent = f, s
                    cut, kind = i, "quote"
                    break
        if first.isalpha() and i > 0:
            if " on " in line:
                m = _LOTUS.match(line)
                if m:
                    q_from = m.group("name").strip()
                    cut, kind = i, "quote"
                    break
            if len(line) < 200 and ("/" in line or "@" in line) and _notes_header(lines, i):
                m = _NOTES_INLINE.match(line)
                q_from = m.group("name").strip() if m else None
                cut, kind = i, "quote"
                break
            if first in "Ii" and _AOL.match(line):
                cut, kind = i, "quote"
                break
        if first.isdigit() and i > 0 and _NOTES_WHEN_LINE.match(line) and _to_follows(lines, i):
            prev = i - 1
            while prev > 0 and not lines[prev].strip():
                prev -= 1
            if len(lines[prev].strip()) <= 80:
                q_from = re.sub(r"^From:\s*", "", lines[prev].strip()) or None
                cut, kind = prev, "quote"
                break

    if kind == "inline":
        own_lines = list(lines[:cut])
        quoted_lines: list[str] = []
        for ln in lines[cut:]:
            (quoted_lines if ln.lstrip().startswith(">") else own_lines).append(ln)
        own = "\n".join(own_lines[: min(sig, len(own_lines))] if sig < cut else own_lines)
        return BodyParts(own=own.strip(), quoted="\n".join(quoted_lines).strip())

    own, signature, footer = _tail(lines[:cut], sig)
    rest = "\n".join(lines[cut:]).strip()
    if kind == "forward":
        return BodyParts(own=own, forwarded=rest, signature=signature, footer=footer)
    return BodyParts(own=own, quoted=rest, quoted_from=q_from, quoted_sent_raw=q_sent,
                     signature=signature, footer=footer)


def _notes_header(lines: list[str], i: int) -> bool:
    """Line ``i`` is a Lotus Notes reply header without "on": a name with an org path or
    address, a date and a time, and a To: or cc: on it or within the next four lines."""
    if _NOTES_INLINE.match(lines[i]) is None:
        return False
    return bool(re.search(r"\bTo\s*:", lines[i])) or _to_follows(lines, i)


def _to_follows(lines: list[str], i: int) -> bool:
    """A To: or cc: line among the next four non-blank lines after line ``i``."""
    seen = 0
    for ln in lines[i + 1 : i + 16]:
        if not ln.strip():
            continue
        if _TO_LINE.match(ln):
            return True
        seen += 1
        if seen == 4:
            break
    return False


def _tail(lines: list[str], sig: int) -> tuple[str, str, str]:
    """The author's words, signature block and footer of the lines above the quoted part
    (``sig``: the line of a ``-- `` delimiter, or past the end)."""
    footer_at = len(lines)
    # Most messages have no footer: one scan of the text rules it out (a footer's rule line
    # needs a footer phrase on one of the next lines, so that phrase is what is looked for).
    if _FOOTER_ANYWHERE.search("\n".join(lines[1:])):
        footer_at = next((i for i, ln in enumerate(lines) if i > 0 and _footer_starts(lines, i)),
                         footer_at)
    footer = "\n".join(lines[footer_at:]).strip()
    body = lines[: min(footer_at, sig)]
    delimited = "\n".join(lines[sig:footer_at]).strip() if sig < footer_at else ""
    end = len(body)
    while end > 0 and not body[end - 1].strip():
        end -= 1
    start = end
    contact = 0
    while start > 0 and end - start < MAX_SIGNATURE_LINES:
        ln = body[start - 1]
        if not ln.strip():
            start -= 1
            continue
        if len(ln) <= 120 and _CONTACT.search(ln) and not ln.rstrip().endswith(("?", "!")):
            contact += 1
            start -= 1
            continue
        if contact and _NAME_LINE.match(ln) and not ln.rstrip().endswith(","):
            start -= 1  # a name or title line among the contact lines
            continue
        break
    # A signature is contact lines under the name; the closing and the name stay the author's.
    if contact == 0 or start == 0:
        start = end
    signature = "\n".join(x for x in ("\n".join(body[start:end]).strip(), delimited) if x)
    return "\n".join(body[:start]).strip(), signature, footer


def _footer_starts(lines: list[str], i: int) -> bool:
    """Line ``i`` opens a footer: an advertisement or disclaimer phrase, or a rule line with one
    in the next three lines."""
    line = lines[i]
    if _FOOTER.match(line):
        return True
    return bool(_RULE_LINE.match(line)) and any(_FOOTER.match(ln) for ln in lines[i + 1 : i + 4])


def parse_quoted_sent(raw: str | None) -> datetime | None:
    """Best-effort parse of a quoted ``Sent:`` value. Naive on purpose: a quoted header carries
    no zone, so the result is a wall-clock reading, never compared with instants as is."""
    if not raw:
        return None
    for fmt in ("%A, %B %d, %Y %I:%M %p", "%m/%d/%Y %I:%M %p", "%a, %d %b %Y %H:%M:%S"):
        try:
            return datetime.strptime(raw.strip(), fmt)  # noqa: DTZ007 (see docstring)
        except ValueError:
            continue
    return None
