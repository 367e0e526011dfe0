"""Login, tokens, lock-out and staff accounts. No Flask here: callers pass the actor and clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..config import Settings
from ..errors import (
    AccountLocked,
    Conflict,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
)
from ..org.models import Property
from ..permissions import ROLES, require, require_anywhere
from ..tenancy import Actor, unscoped
from .models import ApiToken, LoginAttempt, RoleAssignment, User
from .passwords import hash_password, verify_password

# Refreshing last_used_at on every request would turn every read into a write.
_TOUCH_INTERVAL = dt.timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: dt.datetime
    user: User
    actor: Actor


def build_actor(session: Session, user: User) -> Actor:
    if user.is_admin:
        ids = session.scalars(
            select(Property.id).where(Property.company_id == user.company_id)
        ).all()
        roles = {pid: frozenset({"admin"}) for pid in ids}
    else:
        roles = {}
    rows = session.execute(
        select(RoleAssignment.property_id, RoleAssignment.role).where(
            RoleAssignment.user_id == user.id
        )
    ).all()
    for property_id, role in rows:
        roles[property_id] = roles.get(property_id, frozenset()) | {role}
    return Actor(
        user_id=user.id,
        company_id=user.company_id,
        username=user.username,
        is_admin=user.is_admin,
        roles=roles,
        display_name=user.display_name,
    )


def _check_rate_limit(session: Session, ip: str, now: dt.datetime, settings: Settings) -> None:
    recent = session.scalar(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip, LoginAttempt.at > now - dt.timedelta(minutes=1)
        )
    )
    if (recent or 0) >= settings.login_rate_per_minute:
        raise TooManyRequests(
            "Too many login attempts from this device. Wait a minute and try again.",
            message_zh="登录尝试过于频繁，请一分钟后再试。",
            retry_after=60,
        )


def login(
    session: Session,
    *,
    username: str,
    password: str,
    ip: str,
    device_id: str,
    now: dt.datetime,
    settings: Settings,
) -> LoginResult:
    """Check a password and issue a token.

    Failed attempts are flushed before the error is raised: the caller must commit even when
    this raises, or the lock-out counter would never grow.
    """
    _check_rate_limit(session, ip, now, settings)
    user = session.scalar(select(User).where(User.username == username.strip()))

    def fail(error: Exception) -> Exception:
        session.add(LoginAttempt(at=now, ip=ip, username=username[:80], success=False))
        session.flush()
        return error

    if user is not None and user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise fail(
            AccountLocked(
                f"This account is locked after repeated wrong passwords. Try again in {minutes} "
                "minutes or ask an administrator to reset the password.",
                message_zh=(
                    f"密码多次错误，账号已锁定。请 {minutes} 分钟后再试，或请管理员重置密码。"
                ),
                retry_after=minutes * 60,
            )
        )
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        if user is not None and not password_ok:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_max_failures:
                user.locked_until = now + dt.timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                audit.record(session, None, user, "locked")
        raise fail(
            Unauthenticated(
                "Wrong username or password.",
                message_zh="用户名或密码错误。",
                code="invalid_credentials",
            )
        )
    user.failed_logins = 0
    user.locked_until = None
    token = secrets.token_urlsafe(32)
    expires_at = now + dt.timedelta(hours=settings.token_ttl_hours)
    session.add(
        ApiToken(
            user_id=user.id,
            token_hash=hash_token(token),
            device_id=device_id[:100],
            created_at=now,
            expires_at=expires_at,
        )
    )
    session.add(LoginAttempt(at=now, ip=ip, username=user.username, success=True))
    session.flush()
    return LoginResult(
        token=token, expires_at=expires_at, user=user, actor=build_actor(session, user)
    )


def authenticate(session: Session, token: str, now: dt.datetime) -> tuple[Actor, ApiToken]:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise Unauthenticated(
            "Your session has ended. Please log in again.",
            message_zh="登录已失效，请重新登录。",
            code="session_expired",
        )
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthenticated("This account is disabled.", message_zh="该账号已停用。")
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_INTERVAL:
        row.last_used_at = now
    return build_actor(session, user), row


def logout(session: Session, token_row: ApiToken, now: dt.datetime) -> None:
    token_row.revoked_at = now


def revoke_all_tokens(session: Session, user_id: int, now: dt.datetime) -> None:
    for row in session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    ):
        row.revoked_at = now


def purge_expired(session: Session, now: dt.datetime) -> int:
    """Periodic housekeeping: drop dead tokens and day-old login attempts."""
    gone = session.execute(delete(ApiToken).where(ApiToken.expires_at < now - dt.timedelta(days=1)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - dt.timedelta(days=1)))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


# --- staff accounts ---------------------------------------------------------------------------


def check_can_manage(actor: Actor, user: User) -> None:
    """Admins manage accounts; a property admin only accounts working at their properties."""
    if actor.is_admin:
        return
    shared = {a.property_id for a in user.assignments} & actor.property_ids
    if not user.assignments:
        require_anywhere(actor, "users.write")
        return
    if not shared:
        raise NotFound("No such user.", message_zh="用户不存在。")
    for pid in shared:
        require(actor, "users.write", pid)


def create_user(
    session: Session,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    password: str,
    phone: str = "",
    locale: str = "zh-CN",
    is_admin: bool = False,
    client_id: object = None,
) -> User:
    if is_admin and not actor.is_admin:
        raise InvalidInput(
            "Only a company administrator can create another administrator.",
            message_zh="只有公司管理员可以创建管理员账号。",
        )
    username = username.strip()
    taken = session.scalar(unscoped(select(func.count(User.id)).where(User.username == username)))
    if taken:
        raise Conflict(
            f"The username {username!r} is already taken.",
            message_zh=f"用户名 {username} 已被使用。",
            code="username_taken",
        )
    user = User(
        company_id=actor.company_id,
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        phone=phone,
        locale=locale,
        is_admin=is_admin,
        must_change_password=True,
        client_id=client_id,
    )
    session.add(user)
    audit.record(session, actor, user, "create")
    return user


def update_user(session: Session, actor: Actor, user: User, changes: dict[str, object]) -> User:
    if "is_admin" in changes and not actor.is_admin:
        raise InvalidInput("Only a company administrator can change administrator rights.")
    before = audit.snapshot(user)
    for key, value in changes.items():
        setattr(user, key, value)
    audit.record(session, actor, user, "update", before=before)
    return user


def reset_password(
    session: Session, actor: Actor, user: User, new_password: str, now: dt.datetime
) -> None:
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    user.failed_logins = 0
    user.locked_until = None
    revoke_all_tokens(session, user.id, now)
    audit.record(session, actor, user, "password_reset")


def change_own_password(
    session: Session, actor: Actor, user: User, old_password: str, new_password: str
) -> None:
    if not verify_password(user.password_hash, old_password):
        raise InvalidInput(
            "The current password is wrong.",
            message_zh="当前密码不正确。",
            code="wrong_password",
            details={"old_password": ["wrong password"]},
        )
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    audit.record(session, actor, user, "password_change")


def assign_role(
    session: Session,
    actor: Actor,
    user: User,
    *,
    property_id: int,
    role: str,
    client_id: object = None,
) -> RoleAssignment:
    if role not in ROLES:
        raise InvalidInput(f"Unknown role {role!r}.", details={"role": [f"one of {list(ROLES)}"]})
    existing = session.scalar(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.property_id == property_id,
            RoleAssignment.role == role,
        )
    )
    if existing is not None:
        return existing
    row = RoleAssignment(user_id=user.id, property_id=property_id, role=role, client_id=client_id)
    session.add(row)
    audit.record(session, actor, row, "create")
    return row


def remove_assignment(session: Session, actor: Actor, row: RoleAssignment) -> None:
    before = audit.snapshot(row)
    audit.record(session, actor, row, "delete", before=before)
    session.delete(row)
