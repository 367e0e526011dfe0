"""Login, tokens and staff accounts. No Flask here: callers pass the actor and clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .. import audit
from ..config import Settings
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from ..org.models import Property
from ..permissions import ROLES, can, require_anywhere
from ..tenancy import Actor, unscoped
from . import throttle
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


def throttle_policy(settings: Settings) -> throttle.Policy:
    return throttle.Policy(
        free_failures=settings.login_max_failures,
        max_delay=dt.timedelta(minutes=settings.login_lockout_minutes),
        client_failures_per_minute=settings.login_rate_per_minute,
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

    Every refusal looks the same whether the username exists, is disabled or not: one 401
    ``invalid_credentials`` after an Argon2 verification (against a dummy hash for unknown
    names), or one 429 from the throttle before any verification. Failed attempts are flushed
    before the error is raised: the caller must commit even when this raises.
    """
    key = throttle.account_key(username)
    policy = throttle_policy(settings)
    throttle.check(session, key, ip, now, policy)
    user = session.scalar(select(User).where(User.username == key))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.active:
        throttle.record(session, key, ip, now, success=False)
        raise Unauthenticated(
            "Wrong username or password.",
            message_zh="用户名或密码错误。",
            code="invalid_credentials",
            retry_after=throttle.wait_after_failure(session, key, ip, now, policy),
        )
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
    throttle.record(session, key, ip, now, success=True)
    return LoginResult(
        token=token, expires_at=expires_at, user=user, actor=build_actor(session, user)
    )


def authenticate(
    session: Session, token: str, now: dt.datetime, *, changing_password: bool = False
) -> tuple[Actor, ApiToken]:
    """The actor behind a bearer token. An account that must change its password may only
    do that (``changing_password``: the caller is changing it, reading itself or logging out);
    anything else is refused with 403 ``password_change_required``."""
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
    if user.must_change_password and not changing_password:
        raise Forbidden(
            "You must set a new password before you continue.",
            message_zh="请先设置新密码再继续。",
            code="password_change_required",
        )
    if row.last_used_at is None or now - row.last_used_at > _TOUCH_INTERVAL:
        row.last_used_at = now
    return build_actor(session, user), row


def logout(session: Session, token_row: ApiToken, now: dt.datetime) -> None:
    token_row.revoked_at = now


def revoke_all_tokens(
    session: Session, user_id: int, now: dt.datetime, *, except_token_id: int | None = None
) -> None:
    stmt = select(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
    if except_token_id is not None:
        stmt = stmt.where(ApiToken.id != except_token_id)
    for row in session.scalars(stmt):
        row.revoked_at = now


def purge_expired(session: Session, now: dt.datetime) -> int:
    """Periodic housekeeping: drop dead tokens and day-old login attempts."""
    gone = session.execute(delete(ApiToken).where(ApiToken.expires_at < now - dt.timedelta(days=1)))
    session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - dt.timedelta(days=1)))
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


# --- staff accounts ---------------------------------------------------------------------------


def check_can_manage(session: Session, actor: Actor, user: User) -> None:
    """Company admins manage every account. A property admin manages only accounts whose every
    assignment is at a property they administer: resetting the password of someone who also
    works elsewhere would hand them that person's rights there too. Nobody but a company admin
    manages a company admin."""
    if actor.is_admin:
        return
    # All of them, not only those the actor's property scope lets the session see.
    held = set(
        session.scalars(
            unscoped(select(RoleAssignment.property_id).where(RoleAssignment.user_id == user.id))
        )
    )
    if held and not held & actor.property_ids:
        raise NotFound("No such user.", message_zh="用户不存在。")
    require_anywhere(actor, "users.write")
    outside = sorted(pid for pid in held if not can(actor, "users.write", pid))
    if user.is_admin or outside:
        raise Forbidden(
            "This account also has rights outside the properties you administer; "
            "ask a company administrator.",
            message_zh="该账号在您管理的项目之外也有权限，请联系公司管理员处理。",
            code="user_outside_your_properties",
        )


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


def update_user(
    session: Session, actor: Actor, user: User, changes: dict[str, object], now: dt.datetime
) -> User:
    check_can_manage(session, actor, user)
    if "is_admin" in changes and not actor.is_admin:
        raise InvalidInput("Only a company administrator can change administrator rights.")
    demoted = user.is_admin and changes.get("is_admin") is False
    deactivated = user.active and changes.get("active") is False
    if user.id == actor.user_id and (demoted or deactivated):
        raise Forbidden(
            "You cannot remove your own administrator rights or deactivate your own account; "
            "ask another administrator.",
            message_zh="不能撤销自己的管理员权限或停用自己的账号，请由其他管理员操作。",
            code="own_account",
        )
    if user.is_admin and user.active and (demoted or deactivated):
        _check_not_last_admin(session, user)
    before = audit.snapshot(user)
    if "active" in changes and changes["active"] != user.active:
        # Sessions end when an account is disabled, and a re-enabled account starts afresh:
        # tokens issued before either change never work again.
        revoke_all_tokens(session, user.id, now)
    for key, value in changes.items():
        setattr(user, key, value)
    audit.record(session, actor, user, "update", before=before)
    return user


def _check_not_last_admin(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count(User.id)).where(
            User.company_id == user.company_id,
            User.is_admin.is_(True),
            User.active.is_(True),
            User.id != user.id,
        )
    )
    if not others:
        raise Conflict(
            "This is the company's last active administrator; make someone else an "
            "administrator first.",
            message_zh="这是公司最后一名有效的管理员，请先指定其他管理员。",
            code="last_admin",
        )


def reset_password(
    session: Session, actor: Actor, user: User, new_password: str, now: dt.datetime
) -> None:
    check_can_manage(session, actor, user)
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    revoke_all_tokens(session, user.id, now)
    audit.record(session, actor, user, "password_reset")


def change_own_password(
    session: Session,
    actor: Actor,
    user: User,
    old_password: str,
    new_password: str,
    now: dt.datetime,
    current_token: ApiToken,
) -> None:
    """Change one's own password; every other session of the account ends (a password changed
    because it leaked must not leave the thief's session running)."""
    if not verify_password(user.password_hash, old_password):
        raise InvalidInput(
            "The current password is wrong.",
            message_zh="当前密码不正确。",
            code="wrong_password",
            details={"old_password": ["wrong password"]},
        )
    if old_password == new_password:
        raise InvalidInput(
            "The new password must differ from the current one.",
            message_zh="新密码不能与当前密码相同。",
            code="same_password",
            details={"new_password": ["same as the current password"]},
        )
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    revoke_all_tokens(session, user.id, now, except_token_id=current_token.id)
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
    check_can_manage(session, actor, user)
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
    check_can_manage(session, actor, row.user)
    before = audit.snapshot(row)
    audit.record(session, actor, row, "delete", before=before)
    session.delete(row)
