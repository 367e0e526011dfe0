"""Demo data: one company, two properties, an account for every role — and, unless a bare start
is asked for, checkpoints, routes and 30 days of history written through the services.

``load_demo`` is what `xunjian demo` and the run command call; tests and the e2e suite use it too
(bare: ``history=False``), so the demo is always a working data set, not a brochure.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..auth import accounts as auth_service
from ..auth.models import User
from ..auth.passwords import hash_password
from ..org.importer import import_structure
from ..org.models import Company
from ..structured_files import validate_document
from ..tenancy import Actor

DEMO_COMPANY = "示范物业服务有限公司"
DEMO_PASSWORD = "xunjian-demo"
DEMO_FILES = ("demo_cuihu.yaml", "demo_jinrong.yaml")
DEMO_SEED = 20261123
# The first checkpoint the history creates: its presence means the history is loaded.
HISTORY_MARKER = ("CUIHU", "CH01")

# username, display name, {property code: role}
DEMO_STAFF: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("fm1", "张伟（楼管员）", {"CUIHU": "floor_manager"}),
    ("fd1", "李娜（前台）", {"CUIHU": "front_desk"}),
    ("eng1", "王强（工程）", {"CUIHU": "engineer"}),
    ("sup1", "刘洋（客服主管）", {"CUIHU": "supervisor"}),
    ("mgr1", "陈静（管理处经理）", {"CUIHU": "manager"}),
    ("night1", "赵磊（夜班值班）", {"CUIHU": "night_duty"}),
    ("guard1", "孙杰（护卫员）", {"CUIHU": "guard"}),
    ("padmin1", "周敏（项目管理员）", {"CUIHU": "admin"}),
    ("fm2", "吴昊（楼管员）", {"JINRONG": "floor_manager"}),
    ("eng2", "郑凯（工程）", {"JINRONG": "engineer"}),
    ("sup2", "冯雪（客服主管）", {"JINRONG": "supervisor"}),
)


@dataclass(frozen=True)
class DemoResult:
    created: bool
    password: str
    accounts: list[tuple[str, str, str]]  # username, display name, roles
    history: dict[str, int] = field(default_factory=dict)  # what the history added, by kind


def load_demo(
    session: Session,
    password: str = DEMO_PASSWORD,
    *,
    history: bool = False,
    store: Any = None,
    signer: Any = None,
    now: dt.datetime | None = None,
    seed: int = DEMO_SEED,
) -> DemoResult:
    """The demo company (structure and accounts); with ``history`` also its checkpoints,
    routes and 30 days of work up to ``now``, which needs the object store and the evidence
    signer (photos). Idempotent: what is already there is not loaded again."""
    result = _load_company(session, password)
    if history:
        if store is None or signer is None:
            raise ValueError("the demo history needs the object store and the signer (photos)")
        if not history_loaded(session):
            from .story import load_history

            counts = load_history(
                session,
                store=store,
                signer=signer,
                now=now or dt.datetime.now(dt.UTC),
                rng=random.Random(seed),
            )
            result = DemoResult(result.created, result.password, result.accounts, counts)
    return result


def history_loaded(session: Session) -> bool:
    """Whether the demo history is in this database (its first checkpoint is the marker)."""
    from ..org.models import Property
    from ..patrol.models import Checkpoint

    code, checkpoint = HISTORY_MARKER
    return (
        session.scalar(
            select(Checkpoint.id)
            .join(Property, Property.id == Checkpoint.property_id)
            .where(Property.code == code, Checkpoint.code == checkpoint)
        )
        is not None
    )


def _load_company(session: Session, password: str) -> DemoResult:
    existing = session.scalar(select(Company).where(Company.name == DEMO_COMPANY))
    if existing is not None:
        return DemoResult(created=False, password="", accounts=[])
    company = Company(name=DEMO_COMPANY)
    session.add(company)
    session.flush()
    admin = User(
        company_id=company.id,
        username="admin",
        display_name="系统管理员",
        password_hash=hash_password(password),
        is_admin=True,
    )
    session.add(admin)
    session.flush()
    actor = auth_service.build_actor(session, admin)
    property_ids: dict[str, int] = {}
    for name in DEMO_FILES:
        text = (resources.files("xunjian") / "data" / name).read_text(encoding="utf-8")
        data = validate_document(text, name, "property_structure.schema.json")
        summary = import_structure(session, actor, data)
        property_ids[data["property"]["code"]] = summary["property_id"]
    actor = auth_service.build_actor(session, admin)
    accounts = [("admin", admin.display_name, "company admin")]
    for username, display_name, roles in DEMO_STAFF:
        user = auth_service.create_user(
            session, actor, username=username, display_name=display_name, password=password
        )
        user.must_change_password = False  # demo accounts are meant to be tried at once
        session.flush()
        for code, role in roles.items():
            auth_service.assign_role(
                session, actor, user, property_id=property_ids[code], role=role
            )
        accounts.append((username, display_name, ", ".join(f"{r}@{c}" for c, r in roles.items())))
    session.flush()
    return DemoResult(created=True, password=password, accounts=accounts)


def demo_actor(session: Session) -> Actor:
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    return auth_service.build_actor(session, admin)
