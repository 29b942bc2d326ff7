"""Body text: HTML to text, and splitting the author's own words from quoted history,
forwarded parts and signatures.

Reads: a decoded body. Writes: :class:`BodyParts`. The splitter is a single pass over lines with
anchored patterns for the reply styles seen in real mail: ``-----Original Message-----`` (Outlook),
Outlook's underscore rule followed by a ``From:``/``Sent:`` block, ``On ... wrote:`` (possibly
wrapped over two lines), Lotus Notes' ``Name/OU/Org on date`` and ``From: ... on date`` blocks,
``>``-quoted lines, forward banners (Outlook, Gmail, Apple, Lotus Notes) and the ``-- ``
signature delimiter. mail-parser-reply does the same job, but measured on the Enron mailboxes it
alone ran at about 2,600 messages/s, more than the whole import may spend; this one runs at tens
of thousands (``upwell bench ingest`` shows the total).
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
    own: str
    quoted: str = ""
    forwarded: str = ""
    quoted_from: str | None = None
    quoted_sent_raw: str | None = None


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
_WROTE_NAME = re.compile(r",\s*(.+?)\s*(?:<[^>]*>)?\s*wrote:")
_SIGNATURE = re.compile(r"^-- ?$")
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
        if first.isalpha() and " on " in line:
            m = _LOTUS.match(line)
            if m and i > 0:
                q_from = m.group("name").strip()
                cut, kind = i, "quote"
                break

    if kind == "inline":
        own_lines = list(lines[:cut])
        quoted_lines: list[str] = []
        for ln in lines[cut:]:
            (quoted_lines if ln.lstrip().startswith(">") else own_lines).append(ln)
        own = "\n".join(own_lines[: min(sig, len(own_lines))] if sig < cut else own_lines)
        return BodyParts(own=own.strip(), quoted="\n".join(quoted_lines).strip())

    own = "\n".join(lines[: min(cut, sig)]).strip()
    rest = "\n".join(lines[cut:]).strip()
    if kind == "forward":
        return BodyParts(own=own, forwarded=rest)
    return BodyParts(own=own, quoted=rest, quoted_from=q_from, quoted_sent_raw=q_sent)


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
