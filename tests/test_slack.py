"""Slack export reader and normalizer: layout, threads, mentions, DMs, hostile input, corpus."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from upwell.errors import BadItem
from upwell.model import Address, Message, RawItem, Skipped
from upwell.normalize import to_records
from upwell.normalize.slack import directory_emails, from_slack, skip_reason
from upwell.sources import readers
from upwell.sources.slack import read_slack

REPO = Path(__file__).resolve().parents[1]
IRC = Path(__file__).resolve().parents[2] / "shared" / "data" / "irc-ubuntu-disentanglement"

USERS = [
    {"id": "U1", "name": "ada", "real_name": "Ada Lovelace",
     "profile": {"email": "Ada@Example.org", "real_name": "Ada Lovelace"}},
    {"id": "U2", "name": "bob", "profile": {"display_name": "bobby"}},
    {"id": "U3", "name": "cy", "real_name": "Cy Young", "profile": {}},
]
CHANNELS = [{"id": "C1", "name": "general", "members": ["U1", "U2", "U3"]}]
DMS = [{"id": "D1", "members": ["U1", "U2"]}]
MPIMS = [{"id": "G9", "name": "mpdm-ada--bob--cy-1", "members": ["U1", "U2", "U3"]}]
GENERAL_DAY1 = [
    {"type": "message", "user": "U1", "text": "Thanks <@U2>! See <#C1|general> &amp; "
     "<https://example.org/x|the doc> &lt;3", "ts": "1600000000.000100",
     "thread_ts": "1600000000.000100", "reply_count": 1},
    {"type": "message", "user": "U2", "text": "&gt; quoted line\nmy answer <@U3|cy>",
     "ts": "1600000001.000200", "thread_ts": "1600000000.000100", "parent_user_id": "U1"},
    {"type": "message", "subtype": "channel_join", "user": "U3", "text": "<@U3> has joined",
     "ts": "1600000002.000000"},
    {"type": "message", "user": "U3", "text": "", "ts": "1600000003.000000",
     "files": [{"id": "F1"}, {"id": "F2"}]},
]
GENERAL_DAY2 = [
    {"type": "message", "subtype": "bot_message", "bot_id": "B1", "text": "deploy done",
     "ts": "1600086400.000000"},
    {"type": "message", "subtype": "message_deleted", "ts": "1600086401.000000"},
    {"type": "message", "subtype": "message_changed", "ts": "1600086402.000000",
     "message": {"user": "U1", "text": "edited", "ts": "1600000000.000100"}},
    {"type": "message", "user": "U9", "text": "from someone gone", "ts": "1600086403.000000",
     "user_profile": {"real_name": "Gone Person"}, "edited": {"user": "U9", "ts": "1"}},
]
DM_DAY = [{"type": "message", "user": "U1", "text": "hi bob", "ts": "1600000010.000000"}]
MPIM_DAY = [{"type": "message", "user": "U3", "text": "hi both", "ts": "1600000020.000000"}]


def export_files(**extra_days: object) -> dict[str, bytes]:
    """The name -> bytes of a small export; ``extra_days`` adds ``folder/day`` -> content."""
    files: dict[str, object] = {
        "users.json": USERS, "channels.json": CHANNELS, "dms.json": DMS, "mpims.json": MPIMS,
        "general/2020-09-13.json": GENERAL_DAY1, "general/2020-09-14.json": GENERAL_DAY2,
        "D1/2020-09-13.json": DM_DAY, "mpdm-ada--bob--cy-1/2020-09-13.json": MPIM_DAY,
    }
    files.update({k.replace("__", "/"): v for k, v in extra_days.items()})
    return {k: v if isinstance(v, bytes) else json.dumps(v).encode() for k, v in files.items()}


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    return root


def write_zip(
    path: Path, files: dict[str, bytes], prefix: str = "", method: int = zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(path, "w", method) as zf:
        for name, content in files.items():
            zf.writestr(prefix + name, content)
    return path


def split(items: list[RawItem | Skipped]) -> tuple[list[RawItem], Counter[str]]:
    raws = [i for i in items if isinstance(i, RawItem)]
    return raws, Counter(i.reason for i in items if isinstance(i, Skipped))


def messages(path: Path) -> tuple[dict[str, Message], Counter[str]]:
    raws, skips = split(list(read_slack(path)))
    return {r.item_id: from_slack(r) for r in raws}, skips


GOOD_IDS = {"C1:1600000000.000100", "C1:1600000001.000200", "C1:1600000003.000000",
            "C1:1600086403.000000", "D1:1600000010.000000", "G9:1600000020.000000"}
POLICY_SKIPS = Counter(not_a_message=1, bot_message=1, deleted_message=1, edit_event=1)


def test_folder_export_yields_every_message_with_shared_directory(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "export", export_files())
    assert readers()["slack"].detect(root)
    raws, skips = split(list(read_slack(root)))
    assert {r.item_id for r in raws} == GOOD_IDS
    assert skips == POLICY_SKIPS
    assert all(r.kind == "slack" and r.source == "slack" for r in raws)
    assert len({id(r.context["users"]) for r in raws}) == 1  # one directory, never copied
    ctx = next(r.context for r in raws if r.item_id.startswith("D1:"))
    assert (ctx["conversation_id"], ctx["conversation_kind"]) == ("D1", "im")
    assert directory_emails(ctx) == {"slack:U1": "ada@example.org"}


def test_threads_mentions_markup_and_quotes(tmp_path: Path) -> None:
    msgs, _ = messages(write_folder(tmp_path, export_files()))
    parent, reply = msgs["C1:1600000000.000100"], msgs["C1:1600000001.000200"]
    assert parent.channel == "chat"
    assert parent.sent_at == datetime(
        2020, 9, 13, 12, 26, 40, 100, tzinfo=UTC)
    assert parent.sender == Address("slack:U1", "Ada Lovelace", "slack")
    assert parent.body == "Thanks @bob! See #general & the doc <3"
    assert parent.mentions == (Address("slack:U2", "bob", "slack"),)
    assert parent.message_id == "slack:C1:1600000000.000100"
    assert parent.thread_id == "C1:1600000000.000100"
    assert parent.in_reply_to is None
    assert parent.conversation == "C1"
    assert parent.folder == "general"
    assert parent.to == ()
    assert reply.in_reply_to == "slack:C1:1600000000.000100"
    assert reply.references == ("slack:C1:1600000000.000100",)
    assert reply.thread_id == parent.thread_id
    assert (reply.body, reply.quoted) == ("my answer @Cy Young", "quoted line")
    assert reply.mentions == (Address("slack:U3", "Cy Young", "slack"),)
    files_only = msgs["C1:1600000003.000000"]
    assert (files_only.body, files_only.attachments) == ("", 2)
    gone = msgs["C1:1600086403.000000"]
    assert gone.sender.name == "Gone Person"
    assert gone.notes == ("edited",)
    assert to_records(RawItem("slack", "slack", "x", GENERAL_DAY1[0], {})) != []


def test_direct_messages_address_the_other_members(tmp_path: Path) -> None:
    msgs, _ = messages(write_folder(tmp_path, export_files()))
    dm, group = msgs["D1:1600000010.000000"], msgs["G9:1600000020.000000"]
    assert dm.to == (Address("slack:U2", "bob", "slack"),)
    assert dm.folder is None
    assert [a.handle for a in group.to] == ["slack:U1", "slack:U2"]


def test_zip_reads_like_the_folder_also_under_a_top_folder(tmp_path: Path) -> None:
    files = export_files()
    for prefix in ("", "Acme Slack export/"):
        path = write_zip(tmp_path / f"e{len(prefix)}.zip", files, prefix)
        assert readers()["slack"].detect(path)
        raws, skips = split(list(read_slack(path)))
        assert {r.item_id for r in raws} == GOOD_IDS
        assert skips == POLICY_SKIPS


def test_broken_day_files_are_counted_once_and_the_rest_imports(tmp_path: Path) -> None:
    files = export_files(**{
        "general__2020-09-15.json": b'[{"type": "message", "user": "U1", "ts": "16',
        "general__2020-09-16.json": b"[" * 100_000 + b"]" * 100_000,
        "general__2020-09-17.json": {"not": "a list"},
        "general__2020-09-18.json": [1, "two", None],
        "general__2020-09-19.json": b"\xff\xfe\x00garbage",
    })
    for path in (write_folder(tmp_path / "f", files), write_zip(tmp_path / "z.zip", files)):
        raws, skips = split(list(read_slack(path)))
        assert {r.item_id for r in raws} == GOOD_IDS
        assert skips == POLICY_SKIPS + Counter(broken_json=3, not_a_list=1, not_an_object=3)


def cut_directory(path: Path) -> Path:
    """The same zip without its central directory, as if the download stopped there."""
    with zipfile.ZipFile(path) as zf:
        end = max(i.header_offset for i in zf.infolist())
        last = zf.infolist()[-1]
    data = path.read_bytes()
    end = data.index(b"PK\x01\x02", end)
    cut = path.with_suffix(".cut.zip")
    cut.write_bytes(data[:end])
    assert last.header_offset < end
    return cut


def test_oversize_items_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("upwell.sources.slack.MAX_ITEM_BYTES", 2000)
    big = [{"type": "message", "user": "U1", "text": "x" * 5000, "ts": "1600000000.0"}]
    files = export_files(**{"general__2020-09-20.json": big})
    deflated = write_zip(tmp_path / "z.zip", files)
    stored = write_zip(tmp_path / "s.zip", files, method=zipfile.ZIP_STORED)
    for path in (write_folder(tmp_path / "f", files), deflated, stored,
                 cut_directory(deflated), cut_directory(stored)):
        raws, skips = split(list(read_slack(path)))
        assert {r.item_id for r in raws} == GOOD_IDS
        assert skips["item_too_large"] == 1
        assert skips["truncated_archive"] == (1 if ".cut" in path.name else 0)


def test_unknown_compression_is_counted(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "z.zip", export_files())
    data = bytearray(path.read_bytes())
    name = b"D1/2020-09-13.json"
    local = data.index(name) - 30  # the local header comes first; the name follows its 30 bytes
    central = data.index(b"PK\x01\x02", data.index(name) + 1)
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 1)
    data[local + 8 : local + 10] = data[central + 10 : central + 12] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    for zipped in (path, cut_directory(path)):
        raws, skips = split(list(read_slack(zipped)))
        assert {r.item_id for r in raws} == GOOD_IDS - {"D1:1600000010.000000"}
        assert skips["unsupported_member"] == 1


def test_listings_may_be_missing_or_broken(tmp_path: Path) -> None:
    files = export_files(**{"users.json": b"{broken", "channels.json": {"a": 1},
                            "extra__2020-09-13.json": MPIM_DAY})
    del files["dms.json"]
    raws, skips = split(list(read_slack(write_folder(tmp_path, files))))
    assert skips == POLICY_SKIPS + Counter(broken_json=1, not_a_list=1)
    msgs = {r.item_id: from_slack(r) for r in raws}
    assert msgs["extra:1600000020.000000"].folder == "extra"
    assert msgs["D1:1600000010.000000"].to == ()  # no dms.json: the other member is unknown
    # channels.json unusable: folders stand for themselves and names come from user_profile
    assert msgs["general:1600086403.000000"].sender.name == "Gone Person"
    assert msgs["general:1600000000.000100"].sender == Address("slack:U1", "", "slack")


def test_path_traversal_names_are_counted_and_never_written(tmp_path: Path) -> None:
    files = export_files(**{
        "../escape/2020-09-13.json": DM_DAY, "general/../../up/2020-09-13.json": DM_DAY,
        "/abs/2020-09-13.json": DM_DAY, "C:\\win\\2020-09-13.json": DM_DAY,
    })
    path = write_zip(tmp_path / "z.zip", files)
    raws, skips = split(list(read_slack(path)))
    assert {r.item_id for r in raws} == GOOD_IDS
    assert skips["unsafe_path"] == 4
    assert [p.name for p in tmp_path.rglob("*")] == ["z.zip"]  # read in memory, never extracted


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    outside = write_folder(tmp_path / "outside", {"2020-09-13.json": json.dumps(DM_DAY).encode()})
    root = write_folder(tmp_path / "export", export_files())
    (root / "linked").symlink_to(outside)
    raws, skips = split(list(read_slack(root)))
    assert {r.item_id for r in raws} == GOOD_IDS
    assert skips["unsafe_path"] == 1


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors after each member."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: object) -> int:
        data = bytes(b)  # type: ignore[call-overload]
        self.buf += data
        return len(data)


@pytest.mark.parametrize("streamed", [False, True])
def test_truncated_zip_keeps_members_before_the_cut(tmp_path: Path, streamed: bool) -> None:
    files = export_files(**{f"zz{i:02d}__2020-09-13.json": DM_DAY for i in range(20)})
    if streamed:
        sink = _Unseekable()
        with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in files.items():
                zf.writestr(name, content)
        data = bytes(sink.buf)
    else:
        data = write_zip(tmp_path / "full.zip", files).read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: data.index(b"zz10/2020-09-13.json") + 30])  # inside member zz10
    assert not readers()["slack"].detect(cut)  # no central directory: --format slack reads it
    raws, skips = split(list(read_slack(cut)))
    assert {r.item_id for r in raws} >= GOOD_IDS
    assert sum(r.item_id.startswith("zz") for r in raws) == 10
    assert skips == POLICY_SKIPS + Counter(truncated_archive=1)


def test_corrupt_member_with_intact_directory(tmp_path: Path) -> None:
    path = write_zip(tmp_path / "z.zip", export_files())
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("D1/2020-09-13.json")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + info.compress_size] = b"\x00" * info.compress_size
    path.write_bytes(bytes(data))
    raws, skips = split(list(read_slack(path)))
    assert {r.item_id for r in raws} == GOOD_IDS - {"D1:1600000010.000000"}
    assert skips["truncated_archive"] == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"type": "message", "subtype": "channel_join", "user": "U1", "ts": "1"}, "not_a_message"),
        ({"type": "message", "subtype": "channel_topic", "user": "U1"}, "not_a_message"),
        ({"subtype": "tombstone", "user": "USLACKBOT"}, "deleted_message"),
        ({"subtype": "bot_message", "bot_id": "B1"}, "bot_message"),
        ({"bot_id": "B1", "text": "hi"}, "bot_message"),
        ({"subtype": "message_changed"}, "edit_event"),
        ({"type": "file", "user": "U1"}, "not_a_message"),
        ({"user": "U1", "hidden": True}, "not_a_message"),
    ],
)
def test_non_messages_are_skipped_with_a_reason(data: dict[str, object], reason: str) -> None:
    assert skip_reason(data) == reason
    with pytest.raises(BadItem) as err:
        from_slack(RawItem("slack", "slack", "x", data, {}))
    assert err.value.reason == reason


@pytest.mark.parametrize(
    ("ts", "reason"),
    [("", "bad_timestamp"), ("12ab", "bad_timestamp"), ("-5.0", "bad_timestamp"),
     (None, "bad_timestamp"), (True, "bad_timestamp"), ("1.1234567", "bad_timestamp"),
     ("100.0", "date_out_of_range"), ("999999999999.0", "date_out_of_range"),
     ("99999999999", "date_out_of_range")],
)
def test_bad_timestamps(ts: object, reason: str) -> None:
    raw = RawItem("slack", "slack", "x", {"user": "U1", "text": "hi", "ts": ts}, {})
    with pytest.raises(BadItem) as err:
        from_slack(raw)
    assert err.value.reason == reason


def test_markup_edge_cases() -> None:
    text = ("<!here> <!subteam^S1|@design> <!date^1600000000^{date}|Sep 13> <@not valid|x> "
            "<mailto:a@b.org|a@b.org> <#C2> a &amp;lt; b\nmine\n&gt;&gt;&gt; all\nof this")
    raw = RawItem("slack", "slack", "x", {"user": "U1", "text": text, "ts": "1600000000"}, {})
    msg = from_slack(raw)
    assert msg.body == "@here @design Sep 13 @x a@b.org #C2 a &lt; b\nmine"
    assert msg.quoted == "all\nof this"
    assert msg.mentions == ()
    long = from_slack(RawItem("slack", "slack", "x", {"user": "U1", "text": "a" * 300_000,
                                                      "ts": "1600000000"}, {}))
    assert long.notes == ("text_truncated",)
    with pytest.raises(BadItem):
        from_slack(RawItem("slack", "slack", "x", ["not", "a", "dict"], {}))


def test_bad_thread_ts_and_sender() -> None:
    base = {"user": "U1", "text": "hi", "ts": "1600000000.1"}
    for data, reason in (({**base, "thread_ts": "soon"}, "bad_timestamp"),
                         ({**base, "user": "U 1"}, "bad_sender"),
                         ({**base, "user": None}, "bad_sender"),
                         ({**base, "text": ["hi"]}, "malformed_item")):
        with pytest.raises(BadItem) as err:
            from_slack(RawItem("slack", "slack", "x", data, {}))
        assert err.value.reason == reason
    assert from_slack(RawItem("slack", "slack", "x", base, {})).sent_at.microsecond == 100000


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids,
                                                              max_size=4),
    max_leaves=12,
)
KEYS = st.sampled_from(["type", "subtype", "user", "text", "ts", "thread_ts", "files",
                        "user_profile", "bot_id", "hidden", "edited"])
TS = st.one_of(JSON, st.from_regex(r"\A1[0-9]{9}\.[0-9]{6}\Z"), st.just("1600000000.000001"))
TEXT = st.one_of(JSON, st.text(alphabet="<>@#!|&;gtlampU1C \n:/", max_size=40))


@settings(max_examples=400, deadline=None)
@given(
    data=st.dictionaries(KEYS, JSON, max_size=8),
    ts=TS, text=TEXT, user=st.one_of(JSON, st.sampled_from(["U1", "U2", "W0"])),
    context=st.dictionaries(
        st.sampled_from(["conversation_id", "conversation_kind", "members", "users",
                         "conversation_name"]),
        st.one_of(JSON, st.sampled_from(["im", "mpim", "channel"]))),
)
def test_from_slack_returns_a_message_or_raises_bad_item(
    data: dict[str, object], ts: object, text: object, user: object, context: dict[str, object]
) -> None:
    data = {"ts": ts, "text": text, "user": user, **data}
    try:
        msg = from_slack(RawItem("slack", "slack", "x", data, context))
    except BadItem:
        return
    assert isinstance(msg, Message)
    assert msg.sent_at.tzinfo is UTC


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(day=st.binary(max_size=400), cut=st.floats(0, 1), flips=st.lists(
    st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6))
def test_reader_never_raises_on_hostile_bytes(
    day: bytes, cut: float, flips: list[tuple[float, int]]
) -> None:
    files = export_files(**{"general__2020-09-20.json": day})
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        list(read_slack(write_folder(root / "f", files)))
        data = bytearray(write_zip(root / "z.zip", files).read_bytes())
        for where, value in flips:
            data[int(where * (len(data) - 1))] = value
        (root / "bad.zip").write_bytes(bytes(data[: max(1, int(len(data) * cut))]))
        for item in read_slack(root / "bad.zip"):
            assert isinstance(item, RawItem | Skipped)
        (root / "noise.zip").write_bytes(day)
        list(read_slack(root / "noise.zip"))


@pytest.mark.corpus
def test_irc_corpus_round_trip(tmp_path: Path) -> None:
    if not IRC.is_dir():
        pytest.skip(f"corpus not found at {IRC}: fetch ../shared/data to run this test")
    out = tmp_path / "export"
    run = subprocess.run(
        [sys.executable, str(REPO / "tools" / "irc_to_slack.py"), "--src", str(IRC),
         "--out", str(out), "--splits", "dev"],
        check=True, capture_output=True, text=True,
    )
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    assert readers()["slack"].detect(out)
    raws, skips = split(list(read_slack(out)))
    assert len(raws) == counts["messages"]
    assert skips == Counter(not_a_message=counts["system_events"])
    msgs = [from_slack(r) for r in raws]
    assert sum(m.in_reply_to is not None for m in msgs) == counts["replies_linked"]
    assert sum(m.thread_id is not None and m.in_reply_to is None for m in msgs) == counts[
        "threads"]
    assert sum(len(m.mentions) > 0 for m in msgs) == counts["mentions"]
    assert len({m.message_id for m in msgs}) == len(msgs)
