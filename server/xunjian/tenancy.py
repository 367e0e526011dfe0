"""Property scoping: the one mechanism that keeps every user inside their own properties.

Each table whose rows belong to a property mixes in :class:`PropertyScoped`. When a session
carries an :class:`Actor` (``bind_actor``), every ORM SELECT — including relationship loads and
joined queries — gets ``property_id IN (<actor's properties>)`` added by SQLAlchemy's
``with_loader_criteria``. Views never filter by hand, so a forgotten filter cannot leak a record:
a row of another property is simply not found (404), never revealed as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ForeignKey, event
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    declared_attr,
    mapped_column,
    with_loader_criteria,
)
from sqlalchemy.sql.base import Executable

ACTOR_KEY = "xunjian.actor"
_UNSCOPED = "xunjian.unscoped"  # the execution option; spelled only here, set by ``unscoped``

E = TypeVar("E", bound=Executable)


@dataclass(frozen=True)
class Actor:
    """Who is acting: passed explicitly to services, never read from request globals."""

    user_id: int
    company_id: int
    username: str
    is_admin: bool = False
    # property id -> roles held there
    roles: dict[int, frozenset[str]] = field(default_factory=dict)
    display_name: str = ""

    @property
    def property_ids(self) -> frozenset[int]:
        return frozenset(self.roles)

    def roles_at(self, property_id: int) -> frozenset[str]:
        return self.roles.get(property_id, frozenset())

    def has_any_role(self, property_id: int, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles_at(property_id) & roles)


class PropertyScoped:
    """Mixin for rows that belong to exactly one property."""

    @declared_attr
    def property_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("properties.id", ondelete="RESTRICT"), index=True, nullable=False
        )


class PropertyRoot:
    """Mixin for the properties table itself: scoped by its own id (declared here, so the scope
    criteria name this mixin and tenancy never imports the table: no import cycle)."""

    @declared_attr
    def id(cls) -> Mapped[int]:
        return mapped_column(primary_key=True)


class CompanyScoped:
    """Mixin for company-wide rows (staff accounts): scoped to the actor's company."""

    @declared_attr
    def company_id(cls) -> Mapped[int]:
        return mapped_column(
            ForeignKey("companies.id", ondelete="RESTRICT"), index=True, nullable=False
        )


def bind_actor(session: Session, actor: Actor | None) -> None:
    """Scope ``session`` to the actor's properties (``None`` removes the scope)."""
    if actor is None:
        session.info.pop(ACTOR_KEY, None)
    else:
        session.info[ACTOR_KEY] = actor


def unscoped(stmt: E) -> E:
    """``stmt`` run without the property scope, on purpose.

    For what must see past the actor's properties: periodic jobs, uniqueness checks that span
    the company (usernames, property codes), the public verification page, the evidence chain.
    Every such statement is wrapped by this one call, so ``grep unscoped`` lists them all.
    """
    return stmt.execution_options(**{_UNSCOPED: True})


def _scope_criteria(actor: Actor) -> list[Any]:
    ids = sorted(actor.property_ids)
    company_id = actor.company_id
    return [
        with_loader_criteria(
            PropertyScoped,
            lambda cls: cls.property_id.in_(ids),
            include_aliases=True,
        ),
        with_loader_criteria(
            PropertyRoot,
            lambda cls: cls.id.in_(ids),
            include_aliases=True,
        ),
        with_loader_criteria(
            CompanyScoped,
            lambda cls: cls.company_id == company_id,
            include_aliases=True,
        ),
    ]


@event.listens_for(Session, "do_orm_execute")
def _apply_property_scope(state: ORMExecuteState) -> None:
    actor = state.session.info.get(ACTOR_KEY)
    if actor is None or state.execution_options.get(_UNSCOPED):
        return
    if state.is_select or state.is_update or state.is_delete:
        state.statement = state.statement.options(*_scope_criteria(actor))
