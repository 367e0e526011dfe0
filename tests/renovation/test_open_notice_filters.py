"""The open-notice list on the phone: ``mine=true`` and ``issued_by=<user id>``, and who raised
and issued each notice; never another property's notices; bad filters are a 422; keyset pages
by deadline then id, a bad cursor is a 422."""

from __future__ import annotations

import base64
import json

from sqlalchemy import select

from tests.renovation.conftest import R, assert_error, violation
from xunjian.auth.models import User


def _uid(session, username):
    return session.scalar(select(User.id).where(User.username == username))


def _draft(fm, site_id, code):
    ins = fm.inspect(site_id, [violation(code)]).json
    vid = next(x["id"] for x in ins["results"] if x["result"] == "violation")
    r = fm.notice(site_id, [vid])
    assert r.status_code == 201, r.json
    return r.json


def _issue(phone_, notice_id):
    r = phone_.act(f"{R}/notices/{notice_id}/issue")
    assert r.status_code == 200, r.json
    return r.json


def _ids(client, query=""):
    r = client.get(f"{R}/open-notices{query}")
    assert r.status_code == 200, r.json
    return [n["id"] for n in r.json["items"]]


def test_mine_and_issued_by_filter_and_items_show_who(phone, site, session, demo):
    fm, sup = phone("fm1"), phone("sup1")
    fm1, sup1 = _uid(session, "fm1"), _uid(session, "sup1")
    by_fm = _issue(fm, _draft(fm, site.id, "R20")["id"])  # raised and issued by fm1
    handed = _issue(sup, _draft(fm, site.id, "R22")["id"])  # raised by fm1, issued by sup1
    by_sup = _issue(sup, _draft(sup, site.id, "R06")["id"])  # raised and issued by sup1
    _draft(fm, site.id, "R21")  # a draft is not open: never listed

    everything = _ids(fm.client)
    assert set(everything) == {by_fm["id"], handed["id"], by_sup["id"]}
    assert set(_ids(fm.client, "?mine=true")) == {by_fm["id"], handed["id"]}
    assert set(_ids(sup.client, "?mine=true")) == {handed["id"], by_sup["id"]}
    assert set(_ids(fm.client, "?mine=false")) == set(everything)
    assert set(_ids(fm.client, f"?issued_by={sup1}")) == {handed["id"], by_sup["id"]}
    assert _ids(fm.client, f"?issued_by={fm1}") == [by_fm["id"]]
    assert _ids(fm.client, f"?mine=true&issued_by={sup1}") == [handed["id"]]
    assert _ids(fm.client, f"?mine=true&overdue=true&property_id={demo.cuihu}") == []

    items = {n["id"]: n for n in fm.get(f"{R}/open-notices").json["items"]}
    assert items[handed["id"]]["created_by_id"] == fm1
    assert items[handed["id"]]["created_by_name"] == "张伟（楼管员）"
    assert items[handed["id"]]["issued_by_id"] == sup1
    assert items[handed["id"]]["issued_by_name"] == "刘洋（客服主管）"
    assert items[by_fm["id"]]["issued_by_name"] == "张伟（楼管员）"

    # the property's notice list shows the same two ids (drafts: not issued by anyone yet)
    listed = fm.get(f"{R}/properties/{demo.cuihu}/notices").json["items"]
    drafts = [n for n in listed if n["state"] == "draft"]
    assert drafts and all(n["issued_by_id"] is None for n in drafts)
    assert all(n["created_by_id"] in (fm1, sup1) for n in listed)


def test_another_propertys_notices_never_appear(phone, site, foreign_site, session, demo):
    fm, fm2 = phone("fm1"), phone("fm2")
    mine = _issue(fm, _draft(fm, site.id, "R20")["id"])
    theirs = _issue(fm2, _draft(fm2, foreign_site.id, "R20")["id"])
    fm2_id = _uid(session, "fm2")

    assert _ids(fm.client, f"?issued_by={fm2_id}") == []
    assert _ids(phone("sup1").client, f"?issued_by={fm2_id}") == []
    assert theirs["id"] not in _ids(phone("mgr1").client)
    assert _ids(fm2.client, "?mine=true") == [theirs["id"]]
    assert _ids(fm.client, "?mine=true") == [mine["id"]]
    assert_error(fm.get(f"{R}/open-notices?property_id={demo.jinrong}&mine=true"), 404)


def test_bad_filter_values_are_a_422(phone):
    fm = phone("fm1")
    for query in ("mine=maybe", "issued_by=0", "issued_by=abc", "issued_by=-3"):
        err = assert_error(fm.get(f"{R}/open-notices?{query}"), 422, "validation_error")
        name = query.split("=")[0]
        assert name in err["details"]["fields"]["query"], err


def test_open_notices_page_by_deadline_then_id(phone, site):
    fm = phone("fm1")
    # three minors share one deadline (the id breaks the tie), a major and a critical come first
    codes = ("R20", "R22", "R23", "R06", "R08")
    issued = [_issue(fm, _draft(fm, site.id, code)["id"]) for code in codes]
    whole = fm.get(f"{R}/open-notices").json
    assert whole["next_cursor"] is None  # one page without a limit (the phone's call)
    expected = [n["id"] for n in whole["items"]]
    assert sorted(expected) == sorted(n["id"] for n in issued)
    assert [(n["deadline_at"], n["id"]) for n in whole["items"]] == sorted(
        (n["deadline_at"], n["id"]) for n in whole["items"]
    )

    for limit in (1, 2, 4):
        seen, cursor, pages = [], None, 0
        while True:
            query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            page = fm.get(f"{R}/open-notices{query}").json
            assert len(page["items"]) <= limit
            seen += [n["id"] for n in page["items"]]
            pages += 1
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == expected  # every row once, in deadline-then-id order
        assert pages == -(-len(expected) // limit)

    # the filters hold across pages
    first = fm.get(f"{R}/open-notices?mine=true&limit=1").json
    rest = fm.get(f"{R}/open-notices?mine=true&limit=10&cursor={first['next_cursor']}").json
    assert [n["id"] for n in first["items"] + rest["items"]] == expected


def test_a_bad_open_notices_cursor_is_a_422(phone):
    def cursor(key, descending=False):
        raw = json.dumps({"k": key, "d": descending}).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    fm = phone("fm1")
    bad = [
        "not-a-cursor!",
        cursor(42),  # another list's (id-only) cursor
        cursor(["2026-11-30T16:00:00+00:00", 7], descending=True),
        cursor(["2026-11-30T16:00:00", 7]),  # no time zone
        cursor(["yesterday", 7]),
        cursor(["2026-11-30T16:00:00+00:00", -1]),
        cursor(["2026-11-30T16:00:00+00:00"]),
    ]
    for value in bad:
        err = assert_error(fm.get(f"{R}/open-notices?limit=2&cursor={value}"), 422, "bad_cursor")
        assert "cursor" in err["details"], err
    good = cursor(["2026-11-30T16:00:00+00:00", 7])
    assert fm.get(f"{R}/open-notices?cursor={good}").status_code == 200
    assert_error(fm.get(f"{R}/open-notices?limit=0"), 422, "validation_error")
