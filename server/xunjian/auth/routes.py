"""Login, logout, current user, and staff-account administration (thin views)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView
from sqlalchemy import select

from ..errors import DomainError, NotFound
from ..org.models import Property
from ..permissions import properties_where, require_anywhere
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    get_or_404,
    idempotent_create,
    now,
    platform,
    public,
)
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import service
from .models import RoleAssignment, User
from .schemas import (
    AssignmentCreateSchema,
    AssignmentSchema,
    LoginResponseSchema,
    LoginSchema,
    PasswordChangeSchema,
    PasswordResetSchema,
    UserCreateSchema,
    UserPageSchema,
    UserPatchSchema,
    UserQueryArgsSchema,
    UserSchema,
)

blp = Blueprint("auth", __name__, url_prefix="/auth", description="Login and sessions")
users_blp = Blueprint("users", __name__, url_prefix="/users", description="Staff accounts")


def user_out(user: User) -> dict[str, Any]:
    names = dict(db().execute(select(Property.id, Property.name_zh)).all())
    return {
        **{
            k: getattr(user, k)
            for k in (
                "id",
                "username",
                "display_name",
                "phone",
                "locale",
                "is_admin",
                "active",
                "must_change_password",
            )
        },
        "assignments": [
            {
                "id": a.id,
                "property_id": a.property_id,
                "role": a.role,
                "property_name": names.get(a.property_id, ""),
            }
            for a in user.assignments
        ],
    }


@blp.post("/login")
@blp.arguments(LoginSchema)
@blp.response(200, LoginResponseSchema)
@blp.doc(security=[])
@public
def login(args: dict[str, Any]) -> dict[str, Any]:
    session = db()
    try:
        result = service.login(
            session,
            username=args["username"],
            password=args["password"],
            ip=request.remote_addr or "unknown",
            device_id=args["device_id"],
            now=now(),
            settings=platform().settings,
        )
    except DomainError:
        commit()  # keep the failed attempt: the throttle counts it
        raise
    commit()
    return {
        "token": result.token,
        "token_type": "Bearer",
        "expires_at": result.expires_at,
        "user": user_out(result.user),
    }


@blp.post("/logout")
@blp.response(204)
def logout() -> None:
    service.logout(db(), g.token_row, now())
    commit()


@blp.get("/me")
@blp.response(200, UserSchema)
def me() -> dict[str, Any]:
    user = db().get(User, current_actor().user_id)
    assert user is not None
    return user_out(user)


@blp.post("/password")
@blp.arguments(PasswordChangeSchema)
@blp.response(204)
def change_password(args: dict[str, Any]) -> None:
    actor = current_actor()
    user = db().get(User, actor.user_id)
    assert user is not None
    service.change_own_password(
        db(), actor, user, args["old_password"], args["new_password"], now(), g.token_row
    )
    commit()


def _visible_user(user_id: int) -> User:
    """Users are visible to those who may read staff at one of the user's properties."""
    actor = current_actor()
    user = get_or_404(User, user_id, "user", "用户")
    if actor.is_admin or user.id == actor.user_id:
        return user
    readable = properties_where(actor, "users.read")
    if not ({a.property_id for a in user.assignments} & actor.property_ids):
        raise NotFound("No such user.", message_zh="用户不存在。")
    if not ({a.property_id for a in user.assignments} & readable):
        require_anywhere(actor, "users.read")
        raise NotFound("No such user.", message_zh="用户不存在。")
    return user


@users_blp.route("")
class Users(MethodView):
    @users_blp.arguments(UserQueryArgsSchema, location="query")
    @users_blp.response(200, UserPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Staff of the properties where you may read staff (for dispatch and review)."""
        actor = current_actor()
        require_anywhere(actor, "users.read")
        readable = properties_where(actor, "users.read")
        stmt = select(User)
        if not actor.is_admin or "property_id" in args or "role" in args:
            sub = select(RoleAssignment.user_id).where(RoleAssignment.property_id.in_(readable))
            if "property_id" in args:
                sub = sub.where(RoleAssignment.property_id == args["property_id"])
            if "role" in args:
                sub = sub.where(RoleAssignment.role == args["role"])
            stmt = stmt.where(User.id.in_(sub))
        page = paginate_request(stmt, User.id, args)
        return {"items": [user_out(u) for u in page.items], "next_cursor": page.next_cursor}

    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a staff account (admins). It must change its password at first login."""
        actor = current_actor()
        client_id = client_id_from(args)
        assignments = args.pop("assignments")

        def create() -> User:
            user = service.create_user(db(), actor, client_id=client_id, **args)
            db().flush()
            for item in assignments:
                _check_property_visible(item["property_id"])
                service.assign_role(db(), actor, user, **item)
            return user

        user = idempotent_create(User, client_id, create)
        db().refresh(user)
        set_etag(user)
        return user_out(user)


def _check_property_visible(property_id: int) -> None:
    get_or_404(Property, property_id, "property", "项目")


@users_blp.route("/<int:user_id>")
class UserItem(MethodView):
    @users_blp.response(200, UserSchema)
    def get(self, user_id: int) -> dict[str, Any]:
        user = _visible_user(user_id)
        set_etag(user)
        return user_out(user)

    @users_blp.arguments(UserPatchSchema)
    @users_blp.response(200, UserSchema)
    def patch(self, args: dict[str, Any], user_id: int) -> dict[str, Any]:
        user = _visible_user(user_id)
        service.check_can_manage(db(), current_actor(), user)
        check_if_match(user)
        service.update_user(db(), current_actor(), user, args, now())
        commit()
        set_etag(user)
        return user_out(user)


@users_blp.post("/<int:user_id>/password")
@users_blp.arguments(PasswordResetSchema)
@users_blp.response(204)
def reset_password(args: dict[str, Any], user_id: int) -> None:
    """An administrator sets a new password; the user's sessions end and it must be changed."""
    user = _visible_user(user_id)
    service.reset_password(db(), current_actor(), user, args["new_password"], now())
    commit()


@users_blp.post("/<int:user_id>/assignments")
@users_blp.arguments(AssignmentCreateSchema)
@users_blp.response(201, AssignmentSchema)
def add_assignment(args: dict[str, Any], user_id: int) -> RoleAssignment:
    user = _visible_user(user_id)
    _check_property_visible(args["property_id"])
    client_id = client_id_from(args)
    return idempotent_create(
        RoleAssignment,
        client_id,
        lambda: service.assign_role(db(), current_actor(), user, client_id=client_id, **args),
    )


@users_blp.delete("/<int:user_id>/assignments/<int:assignment_id>")
@users_blp.response(204)
def remove_assignment(user_id: int, assignment_id: int) -> None:
    row = get_or_404(RoleAssignment, assignment_id, "assignment", "岗位分配")
    if row.user_id != user_id:
        raise NotFound("No such assignment.", message_zh="岗位分配不存在。")
    service.remove_assignment(db(), current_actor(), row)
    commit()
