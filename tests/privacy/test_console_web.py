"""A simulated org behind the guard on the web: the admin console shows released and
suppressed groups; members see the same ledger, the policy log and what leaves their data; a
crawl of every admin-reachable response finds no member id, email, hash or per-person value."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.test_simulate import small_pools
from tests.web import helpers

from upwell.aggregate.contributions import from_members, shared_sources
from upwell.aggregate.policy import Policy, window
from upwell.aggregate.service import policy_of
from upwell.aggregate.tree import load_tree, periods
from upwell.config import Settings
from upwell.lab.org_demo import ADMIN_EMAIL, build, tree_csv
from upwell.lab.sim import simulate
from upwell.store import feedback
from upwell.store.accounts import email_key, find_account, org_id, set_password
from upwell.store.db import Store, member_ref_key
from upwell.store.schema import accounts, members, messages, persons
from upwell.web import create_app

ADMIN_PASSWORD = "admin-password-1"
POLICY = 'k = 5\nmetrics = ["after_hours", "meeting_hours", "tone", "one_on_ones"]\n' \
         'note = "demo policy"\n'


@dataclass
class Demo:
    app: FastAPI
    store: Store
    settings: Settings
    truth: dict[str, Any]
    org: int


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("demo-org")
    simulate(small_pools(), people=30, weeks=10, seed=4, out=root / "sim", participation=1.0)
    settings = Settings(home=root / "home", web_secret_key="test-secret-" + "x" * 20)
    report = build(root / "sim", settings, contributing=0.7, seed=2,
                   admin_password=ADMIN_PASSWORD, policy_text=POLICY)
    assert report.counts().get("released", 0) > 0
    assert report.counts().get("suppressed", 0) > 0
    store = Store(settings)
    app = create_app(settings, store, secure_cookies=True)
    org = org_id(store, "demo-org")
    assert org is not None
    yield Demo(app, store, settings, json.loads((root / "sim" / "truth.json").read_text()), org)
    app.state.jobs.shutdown()
    store.close()


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def test_admin_console_shows_released_and_suppressed_groups(demo: Demo) -> None:
    c = _client(demo.app)
    helpers.sign_in(c, ADMIN_EMAIL, ADMIN_PASSWORD)
    page = c.get("/admin/insights")
    assert page.status_code == 200
    html = page.text
    assert 'class="released"' in html
    assert 'class="suppressed"' in html
    assert "threshold reached" in html
    assert "not yet" in html
    assert "±" in html
    assert "Privacy ledger" in html
    assert "<svg" in html  # trends across periods
    data = c.get("/api/v1/org/insights").json()
    assert len(data["periods"]) >= 2
    cells = [cell for p in data["periods"] for g in p["groups"] for cell in g["metrics"].values()]
    released = [x for x in cells if x["status"] == "released"]
    assert released
    assert all(x["half_width"] > 0 for x in released)
    assert {x["reason"] for x in cells if x["status"] == "suppressed"} <= {
        "below-floor", "differencing", "churn"}
    trend = data["trends"]["after_hours"]
    assert len(trend) == len(data["periods"])
    group = data["periods"][0]["groups"][1]["key"]
    assert c.get(f"/admin/insights?group={group}").status_code == 200


def test_members_see_the_same_ledger_the_policy_log_and_what_leaves(demo: Demo) -> None:
    truth = demo.truth
    contributor = next(p for p in truth["people"] if _contributes(demo, p["email"]))
    other = next(p for p in truth["people"] if not _contributes(demo, p["email"]))
    admin = _client(demo.app)
    csrf = helpers.sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    stricter = POLICY.replace("k = 5", "k = 6").replace("demo policy", "k raised to 6")
    r = admin.post("/admin/insights/policy", data={"csrf": csrf},
                   files={"policy_file": ("policy.toml", stricter)})
    assert r.status_code == 200
    assert "Policy version 2" in r.text
    bad = admin.post("/admin/insights/policy", data={"csrf": csrf},
                     files={"policy_file": ("p.toml", "k = 3\n")})
    assert bad.status_code == 400
    assert "E510" in bad.text
    for person, leaves in ((contributor, "yes"), (other, "no")):
        account = find_account(demo.store, person["email"])
        assert account is not None
        set_password(demo.store, account.id, helpers.PASSWORD)
        m = _client(demo.app)
        helpers.sign_in(m, person["email"])
        page = m.get("/me/group-insights")
        assert page.status_code == 200
        assert "k raised to 6" in page.text
        assert f'data-leaves="{leaves}"' in page.text
        mine = m.get("/api/v1/me/group-insights").json()
        assert mine["ledger"] == admin.get("/api/v1/org/ledger").json()
        assert mine["ledger"]
        assert [p["version"] for p in mine["policy_log"]] == [2, 1]
        assert m.get("/admin/insights").status_code == 404
        assert m.get("/api/v1/org/ledger").status_code == 404
    assert admin.get("/me/group-insights").status_code == 404


def _contributes(demo: Demo, email: str) -> bool:
    account = find_account(demo.store, email)
    assert account is not None
    assert account.member_ref is not None
    member_id = demo.store.find_member(account.member_ref)
    return member_id is not None and bool(shared_sources(demo.store, member_id))


def _secrets(demo: Demo) -> tuple[set[str], set[str]]:
    """What no admin response may hold: (identifiers, per-person values as text)."""
    ids: set[str] = set()
    for p in demo.truth["people"]:
        ids |= {p["email"], p["email"].split("@")[0], p["id"], p["name"],
                email_key(p["email"]), member_ref_key(p["id"])}
    with demo.store.engine.connect() as conn:
        ids |= {f'"account_id": {r.id}' for r in conn.execute(select(accounts.c.id))}
        ids |= {r.ref_key for r in conn.execute(select(members.c.ref_key))}
        ids |= {r.id for r in conn.execute(select(persons.c.id))}
        ids |= {r.id for r in conn.execute(select(messages.c.id).limit(2000))}
    values: set[str] = set()
    policy = policy_of(demo.store, demo.settings, demo.org)
    source = from_members(demo.store)
    for period in periods(demo.store, demo.org):
        tree = load_tree(demo.store, demo.org, period)
        assert tree is not None
        for per_metric in source(tree, period, policy).values():
            for v in per_metric.values():
                text = repr(v)
                if len(text) >= 6:  # 0.0 or 100.0 could be anything: only telling values
                    values.add(text)
    return ids, values


def _crawl(client: TestClient, starts: list[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    todo = list(starts)
    while todo and len(seen) < 200:
        url = todo.pop()
        if url in seen:
            continue
        r = client.get(url)
        seen[url] = r.text
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', r.text):
            nxt = urljoin("https://testserver" + url, href.replace("&amp;", "&"))
            parts = urlsplit(nxt)
            if parts.netloc != "testserver" or parts.path.startswith("/static"):
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


def test_crawl_of_every_admin_response_finds_no_person(demo: Demo, tmp_path: Path) -> None:
    ids, values = _secrets(demo)
    # The fixture does hold personal data: identifiers and per-person contributions.
    assert len(values) > 20
    assert any("@" in i for i in ids)
    admin = _client(demo.app)
    csrf = helpers.sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD)
    pages = _crawl(admin, ["/admin", "/admin/insights", "/api/v1/org/insights",
                           "/api/v1/org/ledger", "/openapi.json"])
    assert any(u.startswith("/admin/insights?group=") for u in pages)
    # Responses to the admin's own actions too: release (cached), tree and policy uploads.
    p0 = periods(demo.store, demo.org)[0].isoformat()
    posts = [admin.post("/admin/insights/release", data={"csrf": csrf, "period": p0}),
             admin.post("/admin/insights/tree", data={"csrf": csrf, "period": p0},
                        files={"tree": ("tree.csv", tree_csv(demo.truth))}),
             admin.post("/admin/insights/tree", data={"csrf": csrf, "period": "2031-01-01"},
                        files={"tree": ("tree.csv", tree_csv(demo.truth))}),
             admin.post("/admin/insights/policy", data={"csrf": csrf},
                        files={"policy_file": ("p.toml", POLICY)})]
    assert posts[1].status_code == 400  # the period's tree is fixed once released
    assert posts[2].status_code == 200
    assert "people listed" in posts[2].text  # ... and it never says how many have accounts
    texts = {**pages, **{f"POST {i}": r.text for i, r in enumerate(posts)}}
    assert len(texts) >= 10
    for url, text in texts.items():
        found = sorted(i for i in ids if i in text)
        assert not found, (url, found[:3])
        leaked = sorted(v for v in values if v in text)
        assert not leaked, (url, leaked[:3])
    # The detector itself catches a planted leak.
    planted = "member " + next(iter(sorted(values))) + " " + demo.truth["people"][3]["email"]
    assert any(v in planted for v in values)
    assert any(i in planted for i in ids)


def test_usefulness_leaves_only_as_a_contribution_to_the_guard(demo: Demo) -> None:
    period = periods(demo.store, demo.org)[0]
    tree = load_tree(demo.store, demo.org, period)
    assert tree is not None
    start, _end = window(period, 28)
    with demo.store.engine.connect() as conn:
        refs = dict(conn.execute(select(accounts.c.id, accounts.c.member_ref).where(
            accounts.c.id.in_(list(tree.members)), accounts.c.member_ref.is_not(None))).all())
    gave = {}
    for n, (account_id, ref) in enumerate(sorted(refs.items())):
        member = demo.store.open_member(ref, create=False)
        verdict = "helpful" if n % 2 else "wrong"
        feedback.record(demo.store, member, "unanswered_asks", verdict, "dashboard",
                        at=start + timedelta(days=1))
        gave[account_id] = 100.0 if verdict == "helpful" else 0.0
    policy = Policy(("useful_unanswered_asks",), 10, 1.0, 28)
    got = from_members(demo.store)(tree, period, policy)
    # Only members who share something with group insights contribute, each one clipped value.
    assert got
    assert set(got) < set(gave)
    assert all(v == {"useful_unanswered_asks": gave[a]} for a, v in got.items())
