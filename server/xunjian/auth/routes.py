"""Login, logout, current user, and staff-account administration (thin views)."""

from __future__ import annotations

from typing import Any

from flask import g, request
from flask.views import MethodView

from ..errors import DomainError
from ..web.access import (
    find,
    not_found,
    property_for,
    property_ids_where,
    require_anywhere,
    require_at,
)
from ..web.conditional import check_if_match, set_etag
from ..web.context import (
    client_id_from,
    commit,
    current_actor,
    db,
    idempotent_create,
    now,
    platform,
    public,
)
from ..web.pagination import paginate_request
from ..web.smorest import Blueprint
from . import accounts, queries
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
    names = queries.property_names(db())
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
        result = accounts.login(
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
    accounts.logout(db(), g.token_row, now())
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
    accounts.change_own_password(
        db(), actor, user, args["old_password"], args["new_password"], now(), g.token_row
    )
    commit()


def _visible_user(user_id: int) -> User:
    """Users are visible to those who may read staff at one of the user's properties."""
    actor = current_actor()
    user = find(User, user_id)
    if actor.is_admin or user.id == actor.user_id:
        return user
    works_at = {a.property_id for a in user.assignments}
    if not (works_at & actor.property_ids):
        raise not_found(User)
    if not (works_at & set(property_ids_where("users.read"))):
        require_anywhere("users.read")
        raise not_found(User)
    return user


@users_blp.route("")
class Users(MethodView):
    @users_blp.arguments(UserQueryArgsSchema, location="query")
    @users_blp.response(200, UserPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Staff of the properties where you may read staff (for dispatch and review)."""
        require_anywhere("users.read")
        readable = property_ids_where("users.read")
        filtered = "property_id" in args or "role" in args
        stmt = queries.staff(
            None if current_actor().is_admin and not filtered else readable,
            args.get("property_id"),
            args.get("role"),
        )
        page = paginate_request(stmt, User.id, args)
        return {"items": [user_out(u) for u in page.items], "next_cursor": page.next_cursor}

    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    def post(self, args: dict[str, Any]) -> dict[str, Any]:
        """Create a staff account (admins). It must change its password at first login."""
        require_anywhere("users.write")
        actor = current_actor()
        client_id = client_id_from(args)
        assignments = args.pop("assignments")

        def create() -> User:
            user = accounts.create_user(db(), actor, client_id=client_id, **args)
            db().flush()
            for item in assignments:
                property_for(item["property_id"], "users.write")
                accounts.assign_role(db(), actor, user, **item)
            return user

        user = idempotent_create(User, client_id, create)
        db().refresh(user)
        set_etag(user)
        return user_out(user)


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
        check_if_match(user)
        accounts.update_user(db(), current_actor(), user, args, now())
        commit()
        set_etag(user)
        return user_out(user)


@users_blp.post("/<int:user_id>/password")
@users_blp.arguments(PasswordResetSchema)
@users_blp.response(204)
def reset_password(args: dict[str, Any], user_id: int) -> None:
    """An administrator sets a new password; the user's sessions end and it must be changed."""
    user = _visible_user(user_id)
    accounts.reset_password(db(), current_actor(), user, args["new_password"], now())
    commit()


@users_blp.post("/<int:user_id>/assignments")
@users_blp.arguments(AssignmentCreateSchema)
@users_blp.response(201, AssignmentSchema)
def add_assignment(args: dict[str, Any], user_id: int) -> RoleAssignment:
    user = _visible_user(user_id)
    property_for(args["property_id"], "users.write")
    client_id = client_id_from(args)
    return idempotent_create(
        RoleAssignment,
        client_id,
        lambda: accounts.assign_role(db(), current_actor(), user, client_id=client_id, **args),
    )


@users_blp.delete("/<int:user_id>/assignments/<int:assignment_id>")
@users_blp.response(204)
def remove_assignment(user_id: int, assignment_id: int) -> None:
    row = find(RoleAssignment, assignment_id)
    if row.user_id != user_id:
        raise not_found(RoleAssignment)
    require_at(row.property_id, "users.write")
    accounts.remove_assignment(db(), current_actor(), row)
    commit()
