"""kinds.v2: what kind of mail a message is, so that only conversation about work is coached.

Reads: ``sender``, ``to``, ``cc``, ``bcc``, ``subject``, ``body`` and ``headers`` (the delivery
headers normalize keeps). Writes:

- ``kind``: ``work`` (conversational work mail), ``automated`` (auto-replies, notifications,
  newsletters, list mail), ``broadcast`` (a distribution list, an announcement account, many
  recipients) or ``personal`` (a friend writing from a consumer mail domain about life, not
  work; v2: or any message signed with affection, "Love, Steve", "xoxo"); the member's view
  refines ``personal`` per correspondent (:func:`classify`);
- ``automated``: why it is automated (``list_id``, ``precedence``, ``auto_submitted``,
  ``auto_reply``, ``noreply_sender``, ``unsubscribe``, ``notice``), else empty;
- ``list_to``: its only To is a distribution list (by name: "All Employees", "DL-...");
- ``consumer``: the sender writes from a consumer mail domain; ``org_sender``: from any other
  mail domain (an organization's); neither when the export gives only a name; ``consumer_to``:
  every recipient is on a consumer domain;
- ``social``: the text reads as social chat (greetings, weekends, family, parties) more than
  work (deals, contracts, prices, reports); ``work_text``: the other way round;
- ``vocative``: the names the message addresses at the start of a line ("Pam, would you..."
  gives ``pam``; "Susan: please..." then "Maria: please..." gives ``susan,maria``; "Hi all,"
  gives ``*``), folded to lower case, else empty; the member's view compares them with the
  names of the member and the other recipients (:func:`addressee`);
- ``asks_of`` (v2): in work mail that names two people or more, the names whose own lines hold
  an ask ("Susan: notes for the DDL" then "Stephanie: please update the log" gives
  ``stephanie``), else empty.

Everything is a rule a member can read. Personal mail is decided with evidence on both sides
(a consumer domain alone is not personal: contractors write from them; social words alone are
not: colleagues talk about weekends), because a wrong card costs more than a missing one: a
message kept out of coaching is only not coached, it is still counted as received or sent.
Measured on the Enron mailboxes in ``docs/analyzers.md``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from upwell.analyze.names import KINDS, feature
from upwell.analyze.registry import Features, analyzer
from upwell.analyze.requests import ask_sentences
from upwell.analyze.text import Words
from upwell.model import Address, Message

if TYPE_CHECKING:  # the views are only named here: an import worker loads no store code
    from upwell.store.member_view import MemberView, MessageView

#: A line that signs off with affection ("Love,", "Love you", "Hugs", "xoxo"): family and
#: friends: on the Enron mailboxes 28 of 7,988 items, every one family or friends (read).
_AFFECTION = re.compile(r"^[ \t]*(?:all\s+(?:my\s+)?)?(?:love|lots\s+of\s+love|love\s+(?:you|ya)"
                        r"|luv|hugs(?:\s+and\s+kisses)?|xoxo+|xo)[ \t]*[,!.]?[ \t]*$",
                        re.IGNORECASE | re.MULTILINE)
#: A message to this many people or more (To, Cc and Bcc) is a broadcast.
BROADCAST_RECIPIENTS = 10

#: Consumer mail providers (webmail and home ISPs): mail from them is a person's own account.
CONSUMER_DOMAINS = frozenset({
    "aol.com", "aim.com", "msn.com", "hotmail.com", "hotmail.co.uk", "hotmail.de", "hotmail.fr",
    "live.com", "outlook.com", "yahoo.com", "yahoo.co.uk", "yahoo.de", "yahoo.fr", "yahoo.ca",
    "ymail.com", "rocketmail.com", "gmail.com", "googlemail.com", "icloud.com", "me.com",
    "mac.com", "mail.com", "gmx.de", "gmx.net", "gmx.at", "gmx.ch", "web.de", "t-online.de",
    "freenet.de", "arcor.de", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "libero.it",
    "virgilio.it", "btinternet.com", "bigpond.com", "shaw.ca", "sympatico.ca", "rogers.com",
    "comcast.net", "att.net", "sbcglobal.net", "bellsouth.net", "verizon.net", "cox.net",
    "earthlink.net", "charter.net", "juno.com", "netzero.net", "netzero.com", "prodigy.net",
    "swbell.net", "pacbell.net", "worldnet.att.net", "excite.com", "lycos.com", "compuserve.com",
    "mindspring.com", "airmail.net", "pdq.net", "flash.net", "ev1.net", "webtv.net", "qq.com",
    "163.com", "126.com", "sina.com", "btamail.net.cn", "rediffmail.com", "yandex.ru", "mail.ru",
    "protonmail.com", "proton.me"
})

_NOREPLY_LOCAL = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]daemon|postmaster|bounces?|"
    r"notifications?|notify|alerts?|newsletters?|news|announce(?:ments?)?|listserv|majordomo|"
    r"owner-.*|.*-(?:owner|request|bounces?))(?:[-_.+].*)?$")
_BULK_HOST = re.compile(
    r"^(?:lists?|listserv|mailer|mailers|bounces?|e?mail[-_]?list|news|newsletters?|messaging|"
    r"alerts?|notify|notifications?|mailblaster|em|email|campaigns?|marketing)\.")
_ANNOUNCER = Words(
    r"\b(?:announcements?|newsletter|notifications?|do not reply|no-?reply|mailer[- ]daemon|"
    r"postmaster|mail delivery (?:system|subsystem)|list ?serv|office of the chairman)\b")
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?(?:reply|response)|"
    r"autoreply|abwesenheitsnotiz|abwesend|r[ée]ponse automatique|absence|away from (?:my|the) "
    r"(?:office|desk)|vacation (?:reply|message)|delivery status notification|undeliver(?:able|ed)"
    r"|returned mail|delivery (?:failure|has failed)|mail delivery failed|read:|gelesen:)", re.I)
_AUTO_BODY = Words(
    r"\b(?:this (?:is an )?(?:automated|automatic(?:ally generated)?|auto-generated) "
    r"(?:message|e-?mail|notification|reply)|do not reply to this (?:message|e-?mail)|"
    r"this (?:e-?mail|message) was (?:sent|generated) automatically)\b")
_UNSUBSCRIBE = Words(
    r"\bunsubscribe\b|\bto be removed from (?:this|our|the) (?:mailing |e-?mail )?list|"
    r"\bmanage your (?:e-?mail )?(?:subscriptions?|preferences)\b|\bopt[- ]out\b|"
    r"\byou (?:are )?receiv(?:e|ed|ing) this (?:e-?mail|message|newsletter) because\b")
_LIST_NAME = re.compile(
    r"^(?:all|everyone|everybody)\b|\b(?:all[- ](?:employees|staff|users|personnel)|"
    r"distribution|mailing list|dl|list|group|staff|employees|everyone|team|department|dept|"
    r"undisclosed[- ]recipients|recipients)\b|^dl[-_ ]", re.I)
_LIST_LOCAL = re.compile(r"^(?:all|everyone|staff|team|dl)[-_.]|[-_.](?:list|dl|all)$|"
                         r"^(?:all|everyone|staff|team)$")

_WORD = re.compile(r"[a-zäöüß']+")
#: Words of life outside work (several languages: the friends who write are anywhere).
_SOCIAL = frozenset({
    "weekend", "vacation", "vacationing", "holiday", "holidays", "party", "partying", "birthday",
    "christmas", "xmas", "easter", "thanksgiving", "wedding", "married", "marry", "baby", "babies",
    "kid", "kids", "son", "daughter", "wife", "husband", "girlfriend", "boyfriend", "mom", "mum",
    "dad", "mother", "father", "brother", "sister", "family", "grandma", "grandpa", "dinner",
    "lunch", "beer", "beers", "drinks", "drink", "wine", "bar", "golf", "football", "soccer",
    "game", "movie", "movies", "concert", "vegas", "trip", "honeymoon", "beach", "skiing", "ski",
    "friends", "friend", "love", "miss", "hugs", "kisses", "xoxo", "lol", "haha", "hehe", "hahaha",
    "howdy", "hallo", "morgen", "guten", "gutten", "weather", "freezing", "sunny", "snow",
    "garden", "house", "toilet", "grass", "dog", "cat", "puppy", "church", "pregnant", "hospital",
    "sick", "surgery", "cancer", "funeral", "congratulations", "congrats", "fun", "awesome",
    "cool", "yea", "yeah", "yay", "wow", "ouch", "oops", "hey", "bday", "happy"
})
#: Words of work (trading, legal, operations, office): a message full of them is work.
_WORK = frozenset({
    "deal", "deals", "contract", "contracts", "agreement", "agreements", "price", "prices",
    "pricing", "invoice", "invoices", "report", "reports", "meeting", "meetings", "schedule",
    "scheduled", "project", "projects", "client", "clients", "customer", "customers",
    "counterparty", "counterparties", "legal", "trade", "trades", "trading", "gas", "power",
    "volume", "volumes", "mmbtu", "mw", "mwh", "curve", "curves", "position", "positions", "desk",
    "book", "books", "credit", "risk", "confirm", "confirms", "confirmation", "review", "draft",
    "approve", "approval", "budget", "forecast", "memo", "proposal", "presentation", "spreadsheet",
    "attached", "attachment", "file", "files", "data", "system", "systems", "deadline", "office",
    "team", "manager", "management", "policy", "procedure", "letter", "letters", "term", "terms",
    "termination", "netting", "swap", "swaps", "option", "options", "pipeline", "capacity",
    "transport", "storage", "nominations", "settlement", "payment", "payments", "account",
    "accounts", "audit", "tax", "regulatory", "filing", "ferc", "tariff", "rate", "rates"
})
_GREETING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|dear|morning|good\s+(?:morning|afternoon|evening)|hallo|howdy)"
    r"\s+)?(?P<name>[A-Z][a-zA-Z'-]+)(?:\s+[A-Z][a-zA-Z'-]+)?\s*(?:[,:;]|\s+-|!)", re.M)
_GROUP_OPENING = re.compile(
    r"^\s*(?:(?:hi|hello|hey|dear|morning|good\s+(?:morning|afternoon))\s+)?(?:all|everyone|"
    r"everybody|team|folks|guys|gentlemen|ladies|y'?all)\b\s*[,:;!-]", re.I)
_GROUP = frozenset({"all", "everyone", "everybody", "team", "folks", "guys", "gentlemen",
                    "ladies", "people", "yall", "y'all", "group", "gang"})
#: Opening words that are not a name ("Thanks," "Sorry -", "Yes:").
_NOT_NAMES = frozenset({
    "phone", "fax", "email", "tel", "cell", "mobile", "ph", "pager", "direct", "web", "www",
    "thanks", "thank", "thx", "yes", "no", "ok", "okay", "sorry", "also", "fyi", "please", "well",
    "so", "great", "sure", "attached", "note", "again", "hmm", "hi", "hello", "hey", "dear",
    "morning", "afternoon", "evening", "regards", "cheers", "agreed", "correct", "question",
    "questions", "update", "here", "there", "this", "that", "what", "why", "how", "when", "where",
    "who", "wow", "oops", "ouch", "done", "perfect", "good", "bad", "interesting", "unfortunately",
    "actually", "yeah", "yea", "yep", "nope", "absolutely", "congratulations", "congrats",
    "welcome", "importance", "subject", "re", "fw", "fwd", "date", "sent", "to", "from", "cc",
    "attention", "urgent", "reminder"
})


def _domain(a: Address) -> str:
    return a.handle.rsplit("@", 1)[1] if a.kind == "email" and "@" in a.handle else ""


def consumer_address(a: Address) -> bool:
    """The address is on a consumer mail provider (a person's own account), or a subdomain of
    one."""
    labels = _domain(a).split(".")
    return any(".".join(labels[i:]) in CONSUMER_DOMAINS for i in range(len(labels) - 1))


def _automated(m: Message) -> str:
    headers = dict(m.headers)
    if "list-id" in headers or "list-unsubscribe" in headers or "list-post" in headers \
            or "x-mailing-list" in headers:
        return "list_id"
    if headers.get("precedence", "").strip() in {"bulk", "list", "junk", "auto_reply"}:
        return "precedence"
    if headers.get("auto-submitted", "no").strip() not in {"", "no"} \
            or "x-autoreply" in headers or "x-autorespond" in headers:
        return "auto_submitted"
    if _AUTO_SUBJECT.match(m.subject):
        return "auto_reply"
    local = m.sender.handle.split("@", 1)[0] if m.sender.kind == "email" else ""
    if (local and _NOREPLY_LOCAL.match(local)) or _BULK_HOST.match(_domain(m.sender)) \
            or _ANNOUNCER.search(m.sender.name):
        return "noreply_sender"
    # a substring test first: the patterns are slow and the words rare
    tail = m.body[-1500:].lower()
    if any(w in tail for w in ("subscri", "opt", "receiv", "removed", "preferences")) \
            and _UNSUBSCRIBE.search(tail):
        return "unsubscribe"
    head = m.body[:2000].lower()
    if any(w in head for w in ("reply", "automat", "generated")) and _AUTO_BODY.search(head):
        return "notice"
    return ""


def is_list_address(a: Address) -> bool:
    """The address names a distribution list rather than a person."""
    local = a.handle.split("@", 1)[0] if a.kind == "email" else ""
    return bool(_LIST_NAME.search(a.name) or (local and _LIST_LOCAL.search(local)))


@lru_cache(maxsize=4)
def _word_counts(text: str) -> tuple[int, int]:
    # social_text and work_text read the same text in turn: count once
    words = _WORD.findall(text[:3000].lower())
    return sum(map(_SOCIAL.__contains__, words)), sum(map(_WORK.__contains__, words))


def social_words(text: str) -> int:
    """How many words of life outside work the text has ("weekend", "party", "devotional")."""
    return _word_counts(text)[0]


def social_text(text: str) -> bool:
    """The text reads as social chat: at least two words of life outside work and more of
    them than words of work."""
    social, work = _word_counts(text)
    return social >= 2 and social > work


def work_text(text: str) -> bool:
    """The text reads as work: at least two words of work and more of them than of life."""
    social, work = _word_counts(text)
    return work >= 2 and work > social


#: Lines of a message's own words searched for the names it addresses, and names kept.
VOCATIVE_LINES = 40
MAX_VOCATIVES = 3


def vocative(text: str) -> str:
    """The names a message addresses at the start of a line ("Pam, would you...", "Susan:
    please update the log", "STEPHANIE -- can you"), folded, in order and comma-joined (``*``
    for a group: "Hi all,"), at most :data:`MAX_VOCATIVES`; empty when it addresses nobody."""
    found: list[str] = []
    for line in text.lstrip().splitlines()[:VOCATIVE_LINES]:
        word = line_vocative(line)
        if word and word not in found:
            found.append(word)
        if len(found) >= MAX_VOCATIVES:
            break
    return ",".join(found)


def asks_of(text: str, named: str) -> str:
    """In a message that addresses two people or more by name (``named``: its
    :func:`vocative`), the names whose own lines hold an ask: "Susan: please update the log"
    then "Pam: notes for the file" gives ``susan``. A named line and the lines after it up to
    the next named line are that name's; comma-joined, in order; empty when one name or none
    is addressed (whose the asks are, the addressing then says)."""
    if len(set(named.split(",")) - {"*", ""}) < 2:
        return ""
    blocks: list[tuple[str, list[str]]] = []
    for line in text.lstrip().splitlines()[:VOCATIVE_LINES]:
        name = line_vocative(line)
        if name:
            blocks.append((name, [line]))
        elif blocks:
            blocks[-1][1].append(line)
    found: list[str] = []
    for name, lines in blocks:
        if name not in found and ask_sentences("\n".join(lines)):
            found.append(name)
    return ",".join(found[:MAX_VOCATIVES])


def line_vocative(line: str) -> str:
    """The name one line opens by addressing (folded; ``*`` for a group), else empty."""
    head = line.strip()[:80]
    if not head:
        return ""
    if _GROUP_OPENING.match(head):
        return "*"
    if (m := _GREETING.match(head)) is not None:
        word = m.group("name").lower()
        return "*" if word in _GROUP else ("" if word in _NOT_NAMES or len(word) < 2 else word)
    return ""


@analyzer(KINDS, reads=("sender", "to", "cc", "bcc", "subject", "body", "headers"),
          writes=("kind", "automated", "list_to", "consumer", "org_sender", "consumer_to",
                  "social", "work_text", "vocative", "asks_of"))
def kinds(message: Message) -> Features:
    recipients = (*message.to, *message.cc, *message.bcc)
    automated = _automated(message)
    list_to = len(message.to) == 1 and is_list_address(message.to[0])
    consumer = consumer_address(message.sender)
    consumer_to = bool(recipients) and all(consumer_address(a) for a in recipients)
    text = message.subject + "\n" + message.body
    social = social_text(text)
    named = vocative(message.body)
    if automated:
        kind = "automated"
    elif list_to or len(recipients) >= BROADCAST_RECIPIENTS:
        kind = "broadcast"
    elif (social and (consumer or consumer_to)) or _AFFECTION.search(message.body):
        kind = "personal"
    else:
        kind = "work"
    return {"kind": kind, "automated": automated, "list_to": list_to, "consumer": consumer,
            "org_sender": bool(_domain(message.sender)) and not consumer,
            "consumer_to": consumer_to, "social": social, "work_text": work_text(text),
            "vocative": named,
            # whose the asks are matters only in mail that is coached
            "asks_of": asks_of(message.body, named) if kind == "work" else ""}


# The member's view: personal correspondents, and each message's kind in it.

#: A correspondent who writes from a consumer domain (and never from an organization's) is
#: personal when at least this share of what they sent reads as social...
PERSONAL_SOCIAL_SHARE = 0.3
#: ...or at most this share reads as work.
PERSONAL_WORK_SHARE = 0.25
#: A correspondent whose domain is never known (the export gives only a name) is personal
#: only on stronger evidence: at least this many messages, half of them social, none of them
#: about work.
NAME_ONLY_MESSAGES = 3
NAME_ONLY_SOCIAL_SHARE = 0.5


def kind_of(m: MessageView) -> str:
    """A message's stored kind (``work`` when the analyzer did not run)."""
    value = feature(m.features, KINDS, "kind")
    return value if isinstance(value, str) and value else "work"


def personal_people(view: MemberView) -> set[str]:
    """Correspondents whose mail to the member is personal: they write from a consumer domain
    (at least once, and never from an organization's), and their mail is often social
    (:data:`PERSONAL_SOCIAL_SHARE`) or seldom about work (:data:`PERSONAL_WORK_SHARE`); or
    their domain is never known and their mail is mostly social and never about work
    (:data:`NAME_ONLY_MESSAGES`, :data:`NAME_ONLY_SOCIAL_SHARE`); or what the member writes
    to them alone is (:func:`_chat`)."""
    sent: dict[str, list[MessageView]] = defaultdict(list)
    told: dict[str, list[MessageView]] = defaultdict(list)  # the member's own, to them alone
    for m in view.messages:
        if KINDS not in m.features:
            continue
        if m.sender not in view.me:
            sent[m.sender].append(m)
        elif len(only := (set(m.to) | set(m.cc)) - view.me) == 1:
            told[next(iter(only))].append(m)
    return ({person for person, msgs in sent.items() if _personal(msgs)}
            | {person for person, msgs in told.items() if _chat(msgs)})


def _chat(msgs: list[MessageView]) -> bool:
    """The member's own messages to one person read as a friend's: at least
    :data:`NAME_ONLY_MESSAGES`, half of them social, none about work (lunch on Saturday,
    margaritas, a friend's visit: from any domain, a club's included)."""
    social = sum(bool(feature(m.features, KINDS, "social")) for m in msgs)
    return (len(msgs) >= NAME_ONLY_MESSAGES and social >= NAME_ONLY_SOCIAL_SHARE * len(msgs)
            and not any(feature(m.features, KINDS, "work_text") for m in msgs))


def _personal(msgs: list[MessageView]) -> bool:
    def share(name: str) -> float:
        return sum(bool(feature(m.features, KINDS, name)) for m in msgs) / len(msgs)
    if share("org_sender") > 0:
        return False
    if share("consumer") > 0:
        return (share("social") >= PERSONAL_SOCIAL_SHARE
                or share("work_text") <= PERSONAL_WORK_SHARE)
    return (len(msgs) >= NAME_ONLY_MESSAGES and share("social") >= NAME_ONLY_SOCIAL_SHARE
            and share("work_text") == 0)


def personal_account(view: MemberView, person: str) -> bool:
    """Whether ``person`` is only ever seen on a consumer mail account: every message from them
    comes from one, and every message the member sent to them alone went to one (a friend, a
    family member, a club: not a colleague to coach a relationship or recognition with)."""
    if "personal_accounts" not in view.derived:  # once per view: cards ask per person
        view.derived["personal_accounts"] = _personal_accounts(view)
    return person in view.derived["personal_accounts"]


def _personal_accounts(view: MemberView) -> set[str]:
    flags: dict[str, list[bool]] = defaultdict(list)
    for m in view.messages:
        if KINDS not in m.features:
            continue
        if m.sender not in view.me:
            flags[m.sender].append(bool(feature(m.features, KINDS, "consumer")))
        elif len(only := set(m.to) | set(m.cc)) == 1:
            flags[next(iter(only))].append(bool(feature(m.features, KINDS, "consumer_to")))
    return {p for p, seen in flags.items() if seen and all(seen)}


def classify(view: MemberView, marked_personal: Collection[str] = ()) -> MemberView:
    """``view`` with only conversational work mail in ``messages``; the rest (each with its
    ``kind``) in ``uncoached``, where responses and honest counts still find it. A message is
    personal when its kind says so, or it is from a personal correspondent (found by
    :func:`personal_people` or marked by the member), or the member's own to personal
    correspondents only."""
    personal = personal_people(view) | set(marked_personal)
    coached: list[MessageView] = []
    uncoached: list[MessageView] = list(view.uncoached)
    for m in view.messages:
        kind = kind_of(m)
        if kind == "work" and personal:
            others = set(m.to) | set(m.cc)
            if m.sender in personal or (m.sender in view.me and others - view.me
                                        and others - view.me <= personal):
                kind = "personal"
        if kind == "work":
            coached.append(m)
        else:
            uncoached.append(replace(m, kind=kind))
    if len(coached) == len(view.messages):
        return view
    return replace(view, messages=coached, uncoached=uncoached, derived={})


def addressee(view: MemberView, m: MessageView) -> str:
    """Whom the message addresses by name at the start of a line: ``member`` (one of the
    member's names: "Susan: please update the log", also among others' names when the member's
    own lines hold an ask), ``several`` (the member and others on it, and no ask on the
    member's lines: "Susan: notes for the DDL" then "Stephanie: please update the log"),
    ``other`` (only others on it, or a group: "Pam, would you...", "Hi all,") or ``""``
    (nobody, or names that match no party at all, such as nicknames: they say nothing)."""
    words = feature(m.features, KINDS, "vocative")
    if not isinstance(words, str) or not words:
        return ""
    named = set(words.split(","))
    others = {w for p in (*m.to, *m.cc) if p not in view.me
              for w in _name_words(view.names.get(p, ""))}
    mine = named & {w for p in view.me for w in _name_words(view.names.get(p, ""))}
    if mine:
        if not named & others:
            return "member"
        # "Susan: notes for the DDL" then "Stephanie: please update the log": the ask is on
        # another's lines (``asks_of``, kinds.v2; without it, which ask is whose is unknown)
        asked = feature(m.features, KINDS, "asks_of")
        return "member" if isinstance(asked, str) and mine & set(asked.split(",")) else "several"
    if "*" in named:
        return "other"
    return "other" if named & others else ""


def _name_words(name: str) -> set[str]:
    return set(_WORD.findall(name.lower()))
