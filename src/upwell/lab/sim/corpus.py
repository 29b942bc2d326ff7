"""Sentence pools for the simulator, drawn from the real corpora in ``../shared/data``.

Reads: the Enron mailboxes (bodies and subjects), the Parakweet email-intent sentences, the
Stanford Politeness requests and GoEmotions comments. Writes: nothing; returns :class:`Pools`.

Each pool holds real sentences chosen for one intended reading (neutral statement, polite or
blunt request, question, specific recognition, bare thanks, negative tone, harsh wording,
non-inclusive term). Candidates come from the corpora's human labels where they exist
(GoEmotions emotions, Parakweet intent, politeness quartiles) and from sentence shape elsewhere
(Enron bodies); every candidate is then read by Upwell's own analyzers in the place it will
take in a message and kept only when they agree with the intended reading. The simulator thus
measures the insight logic and the whole pipeline (formats, identities, threads, time zones);
how well the analyzers read people is measured against human labels by ``upwell eval
analyzers``. Selection is deterministic: the same corpora give the same pools.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from upwell import __version__
from upwell.analyze import analyzers
from upwell.analyze.kinds import social_words
from upwell.analyze.names import COMMITMENTS, GRATITUDE, HARSH, POLITENESS, REQUESTS, TONE
from upwell.analyze.registry import run
from upwell.analyze.text import sentences
from upwell.errors import ConfigError
from upwell.model import Address, Message

#: Pool names and the reading each must have.
POOLS = ("filler", "ask_polite", "ask_blunt", "question", "thanks_specific", "thanks_bare",
         "thanks_in_advance", "negative", "aimed_negative", "harsh", "noninclusive", "commitment",
         "delivery", "subject")

_WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_BAD = re.compile(r"@|https?:|www\.|\$LINK|\[\d+\]|[<>{}|\\=_*#~^]|\.com|\bcc\b|\bre:|\bfw:|"
                  r"\b(?:enron|reddit|subreddit|wikipedia|wiki|article|upvote|downvote|op|lol|"
                  r"lmao|mod|mods|sub|karma|edit)\b", re.IGNORECASE)
_NAME_LIKE = re.compile(r"\[NAME\]|\[RELIGION\]")
#: Topics that have no place in a workplace message, whatever their tone (Reddit comments).
_OFF_TOPIC = re.compile(
    r"\b(?:rap(?:e|ed|ist|ing)|kill\w*|suicid\w*|die|died|dead|death|sex\w*|porn\w*|nigg\w*|"
    r"fag\w*|retard\w*|cunt|whore|slut\w*|bitch\w*|dick\w*|cock\w*|puss\w*|penis|balls|tit\w*|"
    r"boob\w*|gay|lesbian|trans|jew\w*|muslim\w*|christian\w*|relig\w*|god|jesus|church|trump|"
    r"obama|democrat\w*|republican\w*|liberal\w*|conservative\w*|drug\w*|cocaine|weed|gun\w*|"
    r"shoot\w*|murder\w*|police|cop|cops|wife|husband|girlfriend|boyfriend|kids?|tinder|dating|"
    r"dated|dating|dates|women|men|girls|jealous|depression|dude|bro|ya|lol|haha\w*|game|games|team's|season|playoff\w*|coach|ref|refs|fan|fans|"
    r"player\w*|nba|nfl|reddit\w*|karma|downvot\w*|upvot\w*|thread|sub|op|meme\w*|f\*+\w*|"
    r"sh\*+\w*|pine|troll\w*|degenerate|idiot\w*|moron\w*|stupid)\b", re.IGNORECASE)
_ENDS = re.compile(r"[.!?]$")


@dataclass(slots=True)
class Pools:
    """Sentences by pool name, and first/last names for the people."""

    sentences: dict[str, list[str]] = field(default_factory=dict)
    first_names: list[str] = field(default_factory=list)
    last_names: list[str] = field(default_factory=list)

    def sizes(self) -> dict[str, int]:
        return {k: len(v) for k, v in self.sentences.items()}


#: Advertising and spam lines (both mail corpora carry some): not how colleagues write.
_SPAM = re.compile(
    r"\b(?:win|winner|free|offer|guarantee\w*|million|click|subscribe|unsubscribe|viagra|"
    r"mortgage|loans?|casino|hair|weight|diet|pills?|prize|sweepstakes|act now|order now|"
    r"call now|toll.free|autographed|biological|discount|save \d+|per mailing|investment "
    r"information|credit union|dollars?|cash)\b|\$", re.IGNORECASE)


def _clean(text: str) -> str | None:
    s = " ".join(text.split())
    words = _WORDS.findall(s)
    if not 4 <= len(words) <= 32 or len(s) > 220 or not s[:1].isupper():
        return None
    if _BAD.search(s) or _NAME_LIKE.search(s) or not s.isascii() or not _ENDS.search(s) \
            or _SPAM.search(s):
        return None
    if sum(c.isdigit() for c in s) > 6:
        return None
    return s


def _enron(data: Path, limit: int) -> tuple[list[str], list[str]]:
    out: list[str] = []
    subjects: list[str] = []
    seen: set[str] = set()
    root = data / "enron-edrm-10-mailboxes"
    for path in sorted(root.glob("*.jsonl")):
        taken = 0
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if taken >= limit:
                    break
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                subject = " ".join(str(item.get("subject") or "").split())
                if (3 <= len(subject) <= 60 and subject.isascii() and not _BAD.search(subject)
                        and subject not in seen):
                    seen.add(subject)
                    subjects.append(subject)
                body = str(item.get("body") or "")
                # the author's own first paragraphs only: quoted history starts with markers
                body = re.split(r"\n\s*(?:-{3,}|_{3,}|From:|To:|>|Original Message)", body)[0]
                for sent in sentences(body.replace("\n", " ")):
                    s = _clean(sent)
                    if s and s not in seen:
                        seen.add(s)
                        out.append(s)
                        taken += 1
    return out, subjects


def _parakweet(data: Path) -> tuple[list[str], list[str]]:
    yes: list[str] = []
    no: list[str] = []
    # train split only: the test split is kept for ``upwell eval analyzers``
    with (data / "email-intent-parakweet" / "train.tsv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 2:
                continue
            s = _clean(row[1])
            if s:
                (yes if row[0].strip().lower() == "yes" else no).append(s)
    return yes, no


def _politeness(data: Path) -> tuple[list[str], list[str]]:
    """(top-quartile, bottom-quartile) requests of both domains, as sentences."""
    rows: list[tuple[float, str]] = []
    root = data / "stanford-politeness"
    for name in ("wikipedia.annotated.csv", "stack-exchange.annotated.csv"):
        with (root / name).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                try:
                    rows.append((float(row["Normalized Score"]), row["Request"]))
                except (KeyError, ValueError):
                    continue
    rows.sort(key=lambda r: r[0])
    q = len(rows) // 4
    def pick(part: list[tuple[float, str]]) -> list[str]:
        out = []
        for _score, text in part:
            for sent in sentences(text):
                s = _clean(sent)
                if s:
                    out.append(s)
        return out
    return pick(rows[-q:]), pick(rows[:q])


def _goemotions(data: Path) -> dict[str, list[str]]:
    labels = (data / "goemotions" / "emotions.txt").read_text(encoding="utf-8").split()
    by: dict[str, list[str]] = {}
    # the train split only: the official test split is kept for ``upwell eval analyzers``
    with (data / "goemotions" / "train.tsv").open(encoding="utf-8") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 2:
                continue
            ids = [int(x) for x in row[1].split(",") if x.isdigit()]
            if len(ids) != 1:
                continue  # one clear emotion only
            text = " ".join(row[0].split())
            if (_NAME_LIKE.search(text) or _OFF_TOPIC.search(text) or not text.isascii()
                    or not 2 <= len(text) <= 160):
                continue
            by.setdefault(labels[ids[0]], []).append(text)
    return by


def _names(data: Path) -> tuple[list[str], list[str]]:
    first: list[str] = []
    last: list[str] = []
    with (data / "enron-employees-perry-wolfe" / "employees.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            parts = (row.get("name") or "").split()
            if len(parts) >= 2 and all(p.isalpha() for p in (parts[0], parts[-1])):
                first.append(parts[0])
                last.append(parts[-1])
    return sorted(set(first)), sorted(set(last))


class _Reader:
    """Upwell's analyzers over a candidate placed in a message as the simulator will place it."""

    def __init__(self) -> None:
        self.specs = list(analyzers().values())

    def features(self, body: str) -> dict[str, dict[str, object]]:
        msg = Message(source="sim", source_item_id="x", channel="email",
                      sent_at=datetime(2026, 1, 5, 10, tzinfo=UTC), utc_offset_minutes=0,
                      sender=Address("a@sim.example", "A"),
                      to=(Address("b@sim.example", "B"),), subject="Update", body=body)
        return {s.name: dict(run(s, msg)) for s in self.specs}


def _flags(f: dict[str, dict[str, object]]) -> dict[str, object]:
    req = f.get(REQUESTS, {})
    grat = f.get(GRATITUDE, {})
    tone = f.get(TONE, {})
    harsh = f.get(HARSH, {})
    soft = bool(f.get(POLITENESS, {}).get("softened"))
    commit = f.get(COMMITMENTS, {})
    return {
        "commit": bool(commit.get("commitments", 0)),
        "due": bool(commit.get("due", False)),
        "delivers": bool(commit.get("delivers", False)),
        "request": bool(req.get("requests", 0)),
        "question": bool(req.get("questions", 0)),
        "tia": bool(req.get("thanks_in_advance", False)),
        "thanks": grat.get("thanks_kind") or "",
        "recognition": bool(grat.get("recognition_specific", False)),
        "valence": float(tone.get("valence", 0.0) or 0.0),  # type: ignore[arg-type]
        "aimed": float(tone.get("addressee_negativity", 0.0) or 0.0),  # type: ignore[arg-type]
        "sarcasm": bool(tone.get("sarcasm_marker", False)),
        "harsh": bool(harsh.get("harsh", False)),
        # any one harsh signal: two neutral sentences must not add up to a harsh message
        "edgy": bool(harsh.get("shouting", 0) or harsh.get("exclaim_runs", 0)
                     or harsh.get("absolutes", 0) or harsh.get("profanity", 0)),
        "noninclusive": bool(harsh.get("noninclusive", False)),
        "soft": soft,
    }


FILLER_PROBE = "The numbers for the second quarter are in the shared folder."


def _accept(pool: str, f: dict[str, object]) -> bool:
    plain = (not f["harsh"] and not f["edgy"] and not f["noninclusive"] and not f["sarcasm"]
             and not f["tia"])
    # Promises and deliveries come only from their own pools (the keeps_promises behaviour).
    calm = plain and not f["commit"] and not f["delivers"]
    grateful = f["thanks"] in ("specific", "bare") or f["recognition"]
    v = float(f["valence"])  # type: ignore[arg-type]
    aimed = float(f["aimed"])  # type: ignore[arg-type]
    if pool == "filler":
        return (calm and not f["request"] and not f["question"] and not grateful
                and 0.0 <= v <= 0.45 and aimed == 0)
    if pool == "ask_polite":
        return (calm and bool(f["request"]) and bool(f["soft"]) and not grateful
                and 0.0 <= v <= 0.6 and aimed == 0)
    if pool == "ask_blunt":
        return (calm and bool(f["request"]) and not f["soft"] and not grateful
                and 0.0 <= v <= 0.45 and aimed == 0)
    if pool == "question":
        return (calm and bool(f["question"]) and not f["request"] and not grateful
                and 0.0 <= v <= 0.45 and aimed == 0)
    if pool == "thanks_specific":
        return (calm and (f["thanks"] == "specific" or bool(f["recognition"]))
                and not f["request"] and not f["question"] and v >= 0.3)
    if pool == "thanks_bare":
        short = len(_WORDS.findall(str(f.get("text", "")))) <= 10
        return (short and calm and f["thanks"] == "bare" and not f["recognition"]
                and not f["request"] and not f["question"] and v >= 0.0)
    if pool == "thanks_in_advance":
        return bool(f["tia"]) and not f["harsh"] and not f["noninclusive"] and v >= 0.0
    if pool == "negative":
        return (not f["harsh"] and not f["noninclusive"] and not f["request"]
                and not f["question"] and not grateful and v <= -0.5 and aimed == 0)
    if pool == "aimed_negative":
        return (not f["harsh"] and not f["noninclusive"] and not f["request"]
                and not f["question"] and not grateful and v <= -0.3 and aimed >= 0.5)
    if pool == "harsh":
        return bool(f["harsh"]) and not f["noninclusive"] and not f["request"] and not grateful
    if pool == "commitment":
        return (plain and bool(f["commit"]) and bool(f["due"]) and not f["delivers"]
                and not f["request"] and not f["question"] and not grateful and v >= 0.0
                and aimed == 0)
    if pool == "delivery":
        return (plain and bool(f["delivers"]) and not f["commit"] and not f["request"]
                and not f["question"] and not grateful and 0.0 <= v <= 0.6 and aimed == 0)
    if pool == "noninclusive":
        return (bool(f["noninclusive"]) and not f["harsh"] and not f["request"]
                and not f["question"] and not grateful and 0.0 <= v <= 0.45 and aimed == 0)
    raise ValueError(pool)


#: Pools whose sentences may follow a neutral lead-in: read both ways.
_IN_CONTEXT = frozenset({"ask_polite", "ask_blunt", "question", "thanks_in_advance"})


def _probe(pool: str, sentence: str) -> str:
    """The candidate as the simulator places it: after a neutral sentence, or alone."""
    if pool in ("thanks_bare", "thanks_specific", "filler", "negative", "aimed_negative",
                "harsh", "noninclusive", "commitment", "delivery"):
        return f"Hi Dana,\n\n{sentence}\n"
    return f"Hi Dana,\n\n{FILLER_PROBE} {sentence}\n"


def _candidates(data: Path, enron: list[str]) -> Iterator[tuple[str, str]]:
    yes, no = _parakweet(data)
    polite, rude = _politeness(data)
    emo = _goemotions(data)
    for s in enron + no:
        yield "filler", s
        if re.search(r"\b(?:guys|whitelist|blacklist|manpower|man-hours|sanity check)\b", s,
                     re.IGNORECASE):
            yield "noninclusive", s
    for s in yes + enron + polite:
        yield "ask_polite", s
    for s in yes + enron + rude:
        yield "ask_blunt", s
    for s in polite + rude + enron + emo.get("curiosity", []) + emo.get("confusion", []):
        yield "question", s
    for s in emo.get("gratitude", []) + emo.get("admiration", []) + enron:
        yield "thanks_specific", s
    for s in emo.get("gratitude", []) + enron:
        yield "thanks_bare", s
    for s in enron + polite + rude + emo.get("gratitude", []):
        if re.search(r"\bin advance\b", s, re.IGNORECASE):
            yield "thanks_in_advance", s
    angry = emo.get("anger", []) + emo.get("annoyance", []) + emo.get("disapproval", []) \
        + emo.get("disappointment", [])
    for s in angry:
        yield "negative", s
        yield "aimed_negative", s
        yield "harsh", s
    for s in emo.get("neutral", []) + emo.get("approval", []):
        if re.search(r"\bguys\b", s, re.IGNORECASE):
            yield "noninclusive", s
    for s in enron:
        if re.search(r"\b(?:i|we)(?:'ll|\s+will)\b", s, re.IGNORECASE):
            yield "commitment", s
        if re.search(r"\b(?:attached|here\s+is|here\s+are|enclosed)\b", s, re.IGNORECASE):
            yield "delivery", s


#: The most sentences kept per pool (enough variety for a 10,000-person organization).
POOL_CAP = 1500


def load_pools(data: Path, *, per_mailbox: int = 1500, cap: int = POOL_CAP) -> Pools:
    """Build every pool from the corpora under ``data`` (``../shared/data``)."""
    needed = ("enron-edrm-10-mailboxes", "email-intent-parakweet", "stanford-politeness",
              "goemotions", "enron-employees-perry-wolfe")
    missing = [n for n in needed if not (data / n).is_dir()]
    if missing:
        raise ConfigError(f"the simulator composes messages from real corpora; missing under "
                          f"{data}: {', '.join(missing)}; pass --data pointing at shared/data")
    reader = _Reader()
    pools: dict[str, list[str]] = {p: [] for p in POOLS}
    seen: dict[str, set[str]] = {p: set() for p in POOLS}
    enron, subjects = _enron(data, per_mailbox)  # read once: sentences and subjects
    for pool, raw in _candidates(data, enron):
        if len(pools[pool]) >= cap or raw in seen[pool] or len(seen[pool]) >= 6 * cap:
            continue
        s = _clean(raw) if pool not in ("harsh", "negative", "aimed_negative", "thanks_bare",
                                        "noninclusive") else _loose(raw)
        if s is None:
            continue
        seen[pool].add(raw)
        flags = _flags(reader.features(_probe(pool, s)))
        flags["text"] = s
        if pool in _IN_CONTEXT:  # also alone: asks are sent with or without a lead-in
            alone = _flags(reader.features(f"Hi Dana,\n\n{s}\n"))
            alone["text"] = s
            if not _accept(pool, alone):
                continue
        if _accept(pool, flags):
            pools[pool].append(s)
    # the simulator writes work mail: a subject of life outside work ("Devotional for
    # Saturday") would make a planted ask read as a social note
    pools["subject"] = [s for s in subjects if not social_words(s)][:cap]
    first, last = _names(data)
    short = [p for p in POOLS if not pools[p]]
    if short:
        raise ConfigError(f"no sentences found for pools {', '.join(short)} under {data}; "
                          "check that the corpora are complete (see their READMEs)")
    return Pools(pools, first, last)


def _loose(text: str) -> str | None:
    """Chat-like comments: shorter and less tidy than mail sentences, still bounded."""
    s = " ".join(text.split())
    n = len(_WORDS.findall(s))
    if not 1 <= n <= 32 or len(s) > 220 or _BAD.search(s) or not s.isascii():
        return None
    if s[:1].islower():
        s = s[:1].upper() + s[1:]
    if not _ENDS.search(s):
        s += "."
    return s


def _fingerprint(data: Path) -> str:
    h = hashlib.sha256(f"{__version__}|{sorted(analyzers())}|{POOL_CAP}".encode())
    h.update(Path(__file__).read_bytes())
    # the analyzers' code and models decide what each pool keeps
    analyze = Path(__file__).parents[2] / "analyze"
    for path in sorted([*analyze.glob("*.py"), *analyze.glob("models/*.json")]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    for path in sorted(data.glob("*/*")):
        if path.is_file():
            st = path.stat()
            h.update(f"{path.relative_to(data)}|{st.st_size}|{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def is_cached(data: Path, cache: Path | None) -> bool:
    """Whether :func:`cached_pools` would read ``data``'s pools from ``cache`` (no build)."""
    return (cache is not None and data.is_dir()
            and (cache / f"sim-pools-{_fingerprint(data)}.json").is_file())


def cached_pools(data: Path, cache: Path | None) -> Pools:
    """:func:`load_pools`, kept in ``cache`` (keyed by the corpora, the analyzers and this code)
    so that a second simulation starts at once."""
    if cache is None:
        return load_pools(data)
    if not data.is_dir():
        return load_pools(data)  # raises the clear error
    path = cache / f"sim-pools-{_fingerprint(data)}.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Pools(raw["sentences"], raw["first_names"], raw["last_names"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    pools = load_pools(data)
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sentences": pools.sentences, "first_names": pools.first_names,
                               "last_names": pools.last_names}), encoding="utf-8")
    tmp.replace(path)
    return pools
