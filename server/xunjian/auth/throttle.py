"""Login throttling: a wait that grows per (account, client), and a looser cap per client.

Why not a lock-out: a lock keyed on the account alone lets a stranger who knows a username keep
its owner out for good (five wrong passwords every quarter hour), and answering "locked" only
for accounts that exist tells the stranger which usernames do. Here the wait is keyed on the
username *as typed* together with the client's address, so

- the owner on their own phone is not slowed by someone guessing elsewhere;
- an unknown username is throttled exactly like a known one (same status, body and headers);
- a guesser gets ``free_failures`` tries, then waits 15 s, 30 s, 1 min … up to ``max_delay``
  between tries, and each try costs them the wait, not the owner.

The per-client cap bounds guessing across many usernames from one address (and the Argon2 work
it costs us). Attempts that are refused by the throttle never reach the password check and are
not recorded, so hammering a throttled pair does not cost us Argon2 time either.

Why in the database and not Flask-Limiter: the embedded default runs several gunicorn workers
with no Redis; Flask-Limiter's only shared storages are Redis, Memcached and MongoDB, and its
``memory://`` storage counts per worker (the limit would be multiplied by the worker count and
reset on every restart). ``login_attempts`` is shared by every worker on SQLite and PostgreSQL,
follows the application's injectable clock (so the waits are tested deterministically), and
purging it is already a periodic job. See docs/SECURITY.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import TooManyRequests
from .models import LoginAttempt

FIRST_DELAY = dt.timedelta(seconds=15)
# Failures older than this are forgotten (the periodic purge drops them too).
MEMORY = dt.timedelta(days=1)
CLIENT_WINDOW = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Policy:
    free_failures: int  # failures per (account, client) before any wait
    max_delay: dt.timedelta  # the longest wait between two tries
    client_failures_per_minute: int  # failures per client address, all usernames together


def account_key(username: str) -> str:
    return username.strip()[:80]


def delay_after(failures: int, policy: Policy) -> dt.timedelta:
    """The wait after ``failures`` consecutive failures: none, then doubling, capped."""
    if failures < policy.free_failures:
        return dt.timedelta(0)
    doublings = min(failures - policy.free_failures, 30)  # 2**30 × 15 s is past any cap
    return min(policy.max_delay, FIRST_DELAY * 2**doublings)


def _seconds(wait: dt.timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def check(session: Session, key: str, ip: str, now: dt.datetime, policy: Policy) -> None:
    """Refuse (429 with Retry-After) when this client must wait before trying ``key`` again."""
    client_failures = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip,
            LoginAttempt.success.is_(False),
            LoginAttempt.at > now - CLIENT_WINDOW,
        )
    )
    if (client_failures or 0) >= policy.client_failures_per_minute:
        raise TooManyRequests(
            "Too many failed logins from this network address. Wait a minute and try again.",
            message_zh="该网络地址登录失败次数过多，请一分钟后再试。",
            retry_after=60,
        )
    failures, last_failure = _pair_failures(session, key, ip, now)
    wait = delay_after(failures, policy)
    if last_failure is not None and wait and last_failure + wait > now:
        raise too_many_for_account(_seconds(last_failure + wait - now))


def too_many_for_account(seconds: int) -> TooManyRequests:
    return TooManyRequests(
        f"Too many wrong passwords for this username from this device. Try again in {seconds} "
        "seconds, or ask an administrator to reset the password.",
        message_zh=(
            f"该用户名在本设备上密码错误次数过多，请 {seconds} 秒后再试，或请管理员重置密码。"
        ),
        retry_after=seconds,
    )


def record(session: Session, key: str, ip: str, now: dt.datetime, *, success: bool) -> None:
    session.add(LoginAttempt(at=now, ip=ip, username=key, success=success))
    session.flush()


def wait_after_failure(
    session: Session, key: str, ip: str, now: dt.datetime, policy: Policy
) -> int | None:
    """Seconds the client must wait before its next try (after recording a failure), if any:
    sent as Retry-After on the 401 so the app can say when to try again."""
    failures, _ = _pair_failures(session, key, ip, now)
    wait = delay_after(failures, policy)
    return _seconds(wait) if wait else None


def _pair_failures(
    session: Session, key: str, ip: str, now: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """Failures of this (username, client) since its last success, within ``MEMORY``."""
    pair = (LoginAttempt.username == key, LoginAttempt.ip == ip)
    last_success = session.scalar(
        select(func.max(LoginAttempt.at)).where(*pair, LoginAttempt.success.is_(True))
    )
    since = now - MEMORY
    if last_success is not None and last_success > since:
        since = last_success
    count, last = session.execute(
        select(func.count(LoginAttempt.id), func.max(LoginAttempt.at)).where(
            *pair, LoginAttempt.success.is_(False), LoginAttempt.at > since
        )
    ).one()
    return int(count or 0), last
