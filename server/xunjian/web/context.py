"""Per-request state: the database session, the authenticated actor, commit, and the clock.

Views get these through the functions below; services get them as explicit arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, sessionmaker

from ..clock import Clock
from ..config import Settings
from ..errors import NotFound, Unauthenticated
from ..tenancy import Actor, bind_actor

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


@dataclass
class Platform:
    """What the app holds for its lifetime; ``app.extensions['xunjian']``."""

    settings: Settings
    sessions: sessionmaker[Session]
    clock: Clock
    store_factory: Callable[[], Any]
    _store: Any = field(default=None, repr=False)

    @property
    def store(self) -> Any:
        if self._store is None:
            self._store = self.store_factory()
        if has_request_context():
            return StorageOutsideTransactions(self._store)
        return self._store


def platform() -> Platform:
    return current_app.extensions["xunjian"]


def now() -> dt.datetime:
    return platform().clock.now()


def db() -> Session:
    session: Session | None = g.get("db_session")
    if session is None:
        session = platform().sessions()
        session.info["request_id"] = g.get("request_id", "")
        g.db_session = session
    return session


# --- no database lock across network I/O ---------------------------------------------------
#
# On SQLite every transaction begins IMMEDIATE (db.py), i.e. holds the one write lock until it
# ends; other requests wait for it (busy timeout) and then fail. So a request never keeps a
# transaction open while it waits on the network: authentication commits before the body is
# read (app.py), the session is closed before the response is sent, and a transaction that has
# only read is ended before each call to object storage (below). PostgreSQL gains too: no
# connection sits "idle in transaction" while a phone trickles its upload.

_WROTE = "xunjian.wrote"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not state.is_select:  # bulk UPDATE/DELETE/INSERT, or text we cannot judge
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def end_read_transaction() -> None:
    """End the request's transaction if it has only read (nothing written, nothing pending).

    Committing a read-only transaction changes nothing; what follows runs in a new one, with
    the same guarantees as PostgreSQL's READ COMMITTED (ETags and unique constraints still
    guard every write). A transaction that has written is left alone: it must stay atomic.
    """
    session: Session | None = g.get("db_session")
    if session is None or not session.in_transaction():
        return
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        return
    session.commit()


class StorageOutsideTransactions:
    """The object store as request code sees it: every call that goes to the store first ends a
    read-only transaction, so a slow or failing store never holds the database lock."""

    _NETWORK = frozenset(
        {
            "put",
            "get",
            "head",
            "exists",
            "delete",
            "iter_chunks",
            "ping",
            "probe_write",
            "ensure_bucket",
        }
    )

    def __init__(self, store: Any) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        if name in self._NETWORK:
            end_read_transaction()
        return getattr(self._store, name)


def receive_body() -> None:
    """Read the whole request body now, before the view touches the database.

    Werkzeug reads lazily; left to the view, a phone on a slow link would be read from inside
    the view's transaction. Multipart bodies are parsed (files over 500 KB spool to disk).
    """
    chunked = request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    if not (request.content_length or chunked):
        return
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        request.form  # noqa: B018 - the property parses and caches the body
    else:
        request.get_data(cache=True)


def close_session_before_response(response: Any) -> Any:
    """Release the session once the response is built: sending it to a slow client must not
    hold a transaction (teardown would only close it after the last byte left)."""
    teardown_session(None)
    return response


def current_actor() -> Actor:
    actor: Actor | None = g.get("actor")
    if actor is None:  # pragma: no cover - guarded by the before_request hook
        raise Unauthenticated("Please log in.", message_zh="请先登录。")
    return actor


def set_actor(actor: Actor | None) -> None:
    g.actor = actor
    bind_actor(db(), actor)


def commit() -> None:
    """Commit the request's unit of work. Constraint violations surface as 409 via the handler."""
    db().commit()


def public(view: F) -> F:
    """Mark a view as reachable without a token (login, health, public key, verification)."""
    view._xunjian_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(app: Flask) -> bool:
    if request.endpoint is None:
        return True  # 404/405 for unknown URLs: let routing answer
    view = app.view_functions.get(request.endpoint)
    return bool(getattr(view, "_xunjian_public", False)) or not request.path.startswith("/api/v1/")


def teardown_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


def _by_client_id(model: type[Any], client_id: Any) -> Any:
    return select(model).where(model.client_id == client_id)


def idempotent_create(model: type[T], client_id: Any, create: Callable[[], T]) -> T:
    """Create once per client UUID; a replay answers with the record the first call made.

    Phones retry from their offline queue without knowing whether the first try arrived, so a
    replay must not create a second record. Two replays racing each other are settled by the
    unique constraint on ``client_id``: the loser rolls back and returns the winner's row.
    """
    session = db()
    if client_id is not None:
        existing = session.scalar(_by_client_id(model, client_id))
        if existing is not None:
            g.idempotent_replay = True
            return existing
    try:
        item = create()
        session.flush()
        commit()
    except IntegrityError:
        session.rollback()
        if client_id is None:
            raise
        existing = session.scalar(_by_client_id(model, client_id))
        if existing is None:
            raise
        g.idempotent_replay = True
        return existing
    return item


def get_or_404(model: type[T], ident: int, what: str = "record", what_zh: str = "记录") -> T:
    """Load by primary key through a SELECT, so the property scope always applies.

    ``Session.get`` may answer from the identity map without running a query, which would
    skip the scope; a record of another property must look exactly like a missing one.
    """
    stmt: Any = select(model).where(model.id == ident)  # type: ignore[attr-defined]
    item = db().scalar(stmt)
    if item is None:
        raise NotFound(f"No such {what}.", message_zh=f"{what_zh}不存在。")
    return item


def client_id_from(args: dict[str, Any]) -> Any:
    """The client UUID from the body (``client_id``) or the ``Idempotency-Key`` header."""
    import uuid

    value = args.pop("client_id", None)
    if value is None and (header := request.headers.get("Idempotency-Key")):
        try:
            value = uuid.UUID(header)
        except ValueError:
            from ..errors import InvalidInput

            raise InvalidInput(
                "Idempotency-Key must be a UUID.",
                message_zh="Idempotency-Key 必须是 UUID。",
                details={"Idempotency-Key": ["not a UUID"]},
            ) from None
    return value
