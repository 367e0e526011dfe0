"""Login throttling an attacker cannot turn against users: waits grow per (account, client),
no lock a stranger can renew, the same answers for unknown and known usernames, a looser cap
per client address, and client addresses taken from a trusted proxy only."""

from __future__ import annotations

from typing import Any

from xunjian.app import create_app
from xunjian.demo import DEMO_PASSWORD

URL = "/api/v1/auth/login"


def login(client: Any, username: str, password: str = DEMO_PASSWORD, ip: str = "10.1.0.1", **kw):
    return client.post(
        URL,
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
        **kw,
    )


def answer(r: Any) -> tuple[int, Any, dict[str, str]]:
    """What a caller can observe, less what differs per request anyway."""
    headers = {k: v for k, v in r.headers.items() if k not in {"X-Request-ID", "Date"}}
    return r.status_code, r.json, headers


def test_a_stranger_cannot_keep_the_owner_out(client, clock, settings):
    """Old behaviour: five wrong passwords every 15 minutes kept the account locked for good."""
    for _ in range(4):  # an hour of a stranger renewing the 'lock'
        for _ in range(settings.login_max_failures + 2):
            login(client, "eng1", "guess-guess", ip="203.0.113.9")
        r = login(client, "eng1", ip="10.1.0.1")  # the owner, on the phone they always use
        assert r.status_code == 200, r.json
        clock.advance(minutes=15)


def test_unknown_and_known_usernames_get_the_same_answers(client, settings, session):
    known, unknown = [], []
    for _ in range(settings.login_max_failures + 3):
        known.append(answer(login(client, "eng1", "guess-guess", ip="198.51.100.1")))
        unknown.append(answer(login(client, "no-such-user", "guess-guess", ip="198.51.100.2")))
    assert known == unknown
    statuses = [status for status, _, _ in known]
    assert statuses[: settings.login_max_failures] == [401] * settings.login_max_failures
    assert statuses[-1] == 429 and known[-1][1]["code"] == "too_many_attempts"
    # A disabled account answers like a wrong password too, even with the right one.
    from sqlalchemy import select

    from xunjian.auth.models import User

    guard = session.scalar(select(User).where(User.username == "guard1"))
    guard.active = False
    session.commit()
    assert answer(login(client, "guard1", ip="198.51.100.3")) == answer(
        login(client, "no-such-user", ip="198.51.100.4")
    )


def test_the_wait_doubles_up_to_the_cap_and_a_success_forgets(client, clock, settings):
    ip = "10.1.0.7"
    for _ in range(settings.login_max_failures - 1):
        assert login(client, "fm1", "wrong-one", ip=ip).status_code == 401
    r = login(client, "fm1", "wrong-one", ip=ip)  # the failure that starts the waits
    assert r.status_code == 401 and r.headers["Retry-After"] == "15"
    waits = []
    for _ in range(8):
        refused = login(client, "fm1", ip=ip)  # even the right password must wait
        assert refused.status_code == 429
        wait = int(refused.headers["Retry-After"])
        waits.append(wait)
        clock.advance(seconds=wait)
        assert login(client, "fm1", "wrong-one", ip=ip).status_code == 401
    cap = settings.login_lockout_minutes * 60
    assert waits == [min(cap, 15 * 2**n) for n in range(8)]
    clock.advance(seconds=cap)
    assert login(client, "fm1", ip=ip).status_code == 200
    # After a success the count starts afresh: the next typo costs no wait.
    assert login(client, "fm1", "wrong-one", ip=ip).status_code == 401
    assert login(client, "fm1", ip=ip).status_code == 200


def test_one_client_address_is_capped_across_usernames(app, client):
    settings = app.extensions["xunjian"].settings
    object.__setattr__(settings, "login_rate_per_minute", 4)
    for n in range(4):
        assert login(client, f"spray-{n}", "password1", ip="192.0.2.50").status_code == 401
    r = login(client, "fm1", ip="192.0.2.50")
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    assert login(client, "fm1", ip="192.0.2.51").status_code == 200


def _app_behind_proxy(settings, sessions, clock, app_store, hops: int):
    return create_app(
        settings.with_overrides(trusted_proxy_hops=hops),
        sessions=sessions,
        clock=clock,
        store_factory=lambda: app_store,
    )


def test_behind_a_trusted_proxy_each_client_counts_for_itself(settings, sessions, clock, app_store):
    """Behind nginx every request comes from 127.0.0.1; without the proxy setting twenty
    failures from anyone would throttle the whole company."""
    object.__setattr__(settings, "login_rate_per_minute", 3)
    client = _app_behind_proxy(settings, sessions, clock, app_store, hops=1).test_client()
    for _ in range(3):
        r = login(
            client, "eng1", "guess-guess", ip="127.0.0.1", headers={"X-Forwarded-For": "6.6.6.6"}
        )
        assert r.status_code == 401
    blocked = login(client, "eng1", ip="127.0.0.1", headers={"X-Forwarded-For": "6.6.6.6"})
    assert blocked.status_code == 429
    other = login(client, "fm1", ip="127.0.0.1", headers={"X-Forwarded-For": "10.20.30.40"})
    assert other.status_code == 200


def test_without_a_trusted_proxy_forwarded_for_is_ignored(settings, sessions, clock, app_store):
    """A client cannot dodge its cap by inventing X-Forwarded-For."""
    object.__setattr__(settings, "login_rate_per_minute", 3)
    client = _app_behind_proxy(settings, sessions, clock, app_store, hops=0).test_client()
    for n in range(3):
        forged = {"X-Forwarded-For": f"10.99.0.{n}"}
        assert login(client, "x", "guess-guess", ip="192.0.2.9", headers=forged).status_code == 401
    r = login(client, "fm1", ip="192.0.2.9", headers={"X-Forwarded-For": "10.99.0.77"})
    assert r.status_code == 429


def test_proxy_hops_are_a_validated_setting():
    import pytest

    from xunjian.config import SettingsError, load_settings

    assert load_settings({"XUNJIAN_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2
    assert load_settings({}).trusted_proxy_hops == 0
    with pytest.raises(SettingsError, match="XUNJIAN_TRUSTED_PROXY_HOPS"):
        load_settings({"XUNJIAN_TRUSTED_PROXY_HOPS": "-1"})
